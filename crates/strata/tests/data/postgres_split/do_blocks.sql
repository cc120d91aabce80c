DO $$
DECLARE
  n int;
BEGIN
  SELECT 1 INTO n;
  IF n <> 1 THEN RAISE EXCEPTION 'no; way'; END IF;
END
$$;
DO LANGUAGE plpgsql $do$ BEGIN PERFORM 1; PERFORM $$;$$; END $do$;
  DO $$BEGIN END$$
