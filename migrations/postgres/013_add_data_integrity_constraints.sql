-- Data integrity: a view that counts problems, and validation triggers.
--
-- Email rule, written once in email_is_valid() and used by both the view and
-- the trigger: an email is valid when
--   1. it contains exactly one '@', with at least one character before it;
--   2. the part after '@' (the domain) contains a '.' with at least one
--      character on each side, and does not start or end with '.' nor
--      contain '..';
--   3. it contains no white space (space, tab, line feed, vertical tab,
--      form feed, carriage return).
-- So 'x@y.z' and 'first.last+tag@mail.example.org' are valid; 'x@y', '@y.z',
-- 'x@.z', 'x@y.', 'x@y..z', 'x@@y.z' and 'x y@z.w' are not. As a regular
-- expression: a local part without '@' or white space, '@', then two or more
-- dot-separated non-empty labels without '@', '.' or white space.
--
-- data_integrity_checks has exactly one row per check, in this order, with
-- status 'ok' when issue_count is 0 and 'fail' otherwise:
--   orphaned_user_activities       activities whose user_id matches no user
--   orphaned_usage_statistics      usage rows whose user_id matches no user
--   orphaned_character_overrides   overrides whose collection_id matches no
--                                  collection
--   orphaned_override_collections  collections whose user_id matches no user
--   templates_missing_page_size    templates with no page size: NULL, or an
--                                  id that matches no page_size_presets row
--   invalid_user_emails            users whose email breaks the rule above
--   negative_usage_counts          usage rows with any count below 0
--   invalid_svg_data               overrides whose svg_data, after leading
--                                  white space, does not start with '<svg'
--                                  (case-sensitive, as SVG/XML is)
-- PostgreSQL always enforces foreign keys, so orphans appear only when
-- they were turned off (session_replication_role = replica, as a restore
-- with --disable-triggers does) or data was copied in without them.
--
-- The triggers check only the columns they guard (INSERT, or UPDATE OF those
-- columns), so rows that were already invalid before this migration can still
-- be updated in their other columns (012's updated_at trigger changes only
-- the row being written and never fires them). They raise check_violation
-- (SQLSTATE 23514) with a message naming the rule.
-- migrate:up
CREATE FUNCTION email_is_valid(email text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT email ~ '^[^@ \t\n\v\f\r]+@[^@. \t\n\v\f\r]+(\.[^@. \t\n\v\f\r]+)+$'
$$;

CREATE VIEW data_integrity_checks (check_name, issue_count, status) AS
SELECT check_name, issue_count,
       CASE WHEN issue_count = 0 THEN 'ok' ELSE 'fail' END
FROM (
    SELECT 1 AS ord, 'orphaned_user_activities' AS check_name,
           (SELECT count(*) FROM user_activities a
            WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = a.user_id)) AS issue_count
    UNION ALL
    SELECT 2, 'orphaned_usage_statistics',
           (SELECT count(*) FROM usage_statistics s
            WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id))
    UNION ALL
    SELECT 3, 'orphaned_character_overrides',
           (SELECT count(*) FROM character_overrides o
            WHERE NOT EXISTS (SELECT 1 FROM character_override_collections c
                              WHERE c.id = o.collection_id))
    UNION ALL
    SELECT 4, 'orphaned_override_collections',
           (SELECT count(*) FROM character_override_collections c
            WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = c.user_id))
    UNION ALL
    SELECT 5, 'templates_missing_page_size',
           (SELECT count(*) FROM template_presets t
            WHERE t.page_size_preset_id IS NULL
               OR NOT EXISTS (SELECT 1 FROM page_size_presets p
                              WHERE p.id = t.page_size_preset_id))
    UNION ALL
    SELECT 6, 'invalid_user_emails',
           (SELECT count(*) FROM users u
            WHERE email_is_valid(u.email) IS NOT TRUE)
    UNION ALL
    SELECT 7, 'negative_usage_counts',
           (SELECT count(*) FROM usage_statistics s
            WHERE s.generations < 0 OR s.pages_generated < 0
               OR s.characters_generated < 0 OR s.processing_ms < 0)
    UNION ALL
    SELECT 8, 'invalid_svg_data',
           (SELECT count(*) FROM character_overrides o
            WHERE (o.svg_data ~ '^[ \t\n\v\f\r]*<svg') IS NOT TRUE)
) AS checks
ORDER BY ord;

CREATE FUNCTION users_validate_email() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- A NULL email passes here and is refused by NOT NULL, as in SQLite.
    IF NOT email_is_valid(NEW.email) THEN
        RAISE EXCEPTION 'invalid email: users.email must look like name@domain.tld (one @, no spaces, a dot inside the domain)'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER trg_users_validate_email
    BEFORE INSERT OR UPDATE OF email ON users
    FOR EACH ROW EXECUTE FUNCTION users_validate_email();

CREATE FUNCTION usage_statistics_validate_counts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.generations < 0 OR NEW.pages_generated < 0
       OR NEW.characters_generated < 0 OR NEW.processing_ms < 0 THEN
        RAISE EXCEPTION 'negative count: usage_statistics generations, pages_generated, characters_generated and processing_ms must be >= 0'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER trg_usage_statistics_validate_counts
    BEFORE INSERT OR UPDATE OF generations, pages_generated, characters_generated, processing_ms
    ON usage_statistics
    FOR EACH ROW EXECUTE FUNCTION usage_statistics_validate_counts();
-- migrate:down
DROP TRIGGER trg_usage_statistics_validate_counts ON usage_statistics;
DROP FUNCTION usage_statistics_validate_counts();
DROP TRIGGER trg_users_validate_email ON users;
DROP FUNCTION users_validate_email();
DROP VIEW data_integrity_checks;
DROP FUNCTION email_is_valid(text);
