CREATE FUNCTION make_table(name text) RETURNS void
LANGUAGE plpgsql AS $body$
BEGIN
  -- $$ inside this body is just text; so are $Body$ (tags are case-sensitive) and $body2$
  EXECUTE format($$CREATE TABLE %I (id int); COMMENT ON TABLE %I IS 'made; by $x$'$$, name, name);
END;
$body$;
SELECT make_table('made_by_body');
SELECT $outer$ $inner$ ; $inner$ $outer$ AS nested, $_$;$_$ AS underscore, $é$;$é$ AS accented;
