-- A PL/pgSQL trigger function: its body holds `;`, END; and RETURN NEW;
CREATE TABLE notes (id int PRIMARY KEY, body text, changed_at timestamptz);

CREATE FUNCTION touch_note() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.changed_at := now();
  IF NEW.body IS NULL THEN
    RAISE EXCEPTION 'a note needs a body; got %', NEW;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER notes_touch BEFORE INSERT OR UPDATE ON notes
  FOR EACH ROW EXECUTE FUNCTION touch_note();
INSERT INTO notes (id, body) VALUES (1, 'first; note');
