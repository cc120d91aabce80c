-- Data integrity: a view that counts problems, and validation triggers.
--
-- Email rule (used identically by the view and by the triggers): an email is
-- valid when
--   1. it contains exactly one '@', with at least one character before it;
--   2. the part after '@' (the domain) contains a '.' with at least one
--      character on each side, and does not start or end with '.' nor
--      contain '..';
--   3. it contains no white space (space, tab, line feed, vertical tab,
--      form feed, carriage return).
-- So 'x@y.z' and 'first.last+tag@mail.example.org' are valid; 'x@y', '@y.z',
-- 'x@.z', 'x@y.', 'x@y..z', 'x@@y.z' and 'x y@z.w' are not. Written as
--   email REGEXP '^[^@]+@[^@.]+([.][^@.]+)+$'
--   AND email NOT REGEXP (CONCAT('[ ', CHAR(9, 10, 11, 12, 13 USING utf8mb4), ']') COLLATE utf8mb4_bin)
-- in the subset of regular expressions MariaDB's PCRE and MySQL 8's ICU read
-- alike. White space is its own test because in both '$' also matches before
-- a final line feed; its characters come from CHAR() because a backslash in a
-- string literal means different things under different sql_modes.
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
--                                  (case-sensitive, as SVG/XML is: the
--                                  pattern is compared in utf8mb4_bin)
-- InnoDB enforces foreign keys unless a session sets foreign_key_checks = 0,
-- as mysqldump's output and bulk loads do; orphans come from such sessions.
-- The view runs with its reader's privileges (SQL SECURITY INVOKER), so it
-- does not depend on the account that ran this migration.
--
-- The triggers check only the columns they guard (an INSERT, or an UPDATE
-- that changes one of them: MySQL has no UPDATE OF; the email compared as
-- bytes, as in 012, so that 'x@y.z ' is a change), so rows that were
-- already invalid before this migration can still be updated in their other
-- columns (012's triggers change only updated_at). They fail the statement
-- with SQLSTATE 23000 (integrity constraint violation) and a message naming
-- the rule. The bodies hold `;`, hence the DELIMITER lines.
-- migrate:up
CREATE SQL SECURITY INVOKER VIEW data_integrity_checks (check_name, issue_count, status) AS
SELECT check_name, issue_count,
       CASE WHEN issue_count = 0 THEN 'ok' ELSE 'fail' END
FROM (
    SELECT 1 AS ord, 'orphaned_user_activities' AS check_name,
           (SELECT COUNT(*) FROM user_activities a
            WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = a.user_id)) AS issue_count
    UNION ALL
    SELECT 2, 'orphaned_usage_statistics',
           (SELECT COUNT(*) FROM usage_statistics s
            WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id))
    UNION ALL
    SELECT 3, 'orphaned_character_overrides',
           (SELECT COUNT(*) FROM character_overrides o
            WHERE NOT EXISTS (SELECT 1 FROM character_override_collections c
                              WHERE c.id = o.collection_id))
    UNION ALL
    SELECT 4, 'orphaned_override_collections',
           (SELECT COUNT(*) FROM character_override_collections c
            WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = c.user_id))
    UNION ALL
    SELECT 5, 'templates_missing_page_size',
           (SELECT COUNT(*) FROM template_presets t
            WHERE t.page_size_preset_id IS NULL
               OR NOT EXISTS (SELECT 1 FROM page_size_presets p
                              WHERE p.id = t.page_size_preset_id))
    UNION ALL
    SELECT 6, 'invalid_user_emails',
           (SELECT COUNT(*) FROM users u
            WHERE (u.email REGEXP '^[^@]+@[^@.]+([.][^@.]+)+$'
                   AND u.email NOT REGEXP (CONCAT('[ ', CHAR(9, 10, 11, 12, 13 USING utf8mb4), ']') COLLATE utf8mb4_bin)
                  ) IS NOT TRUE)
    UNION ALL
    SELECT 7, 'negative_usage_counts',
           (SELECT COUNT(*) FROM usage_statistics s
            WHERE s.generations < 0 OR s.pages_generated < 0
               OR s.characters_generated < 0 OR s.processing_ms < 0)
    UNION ALL
    SELECT 8, 'invalid_svg_data',
           (SELECT COUNT(*) FROM character_overrides o
            WHERE (o.svg_data REGEXP (CONCAT('^[ ', CHAR(9, 10, 11, 12, 13 USING utf8mb4), ']*<svg') COLLATE utf8mb4_bin)
                  ) IS NOT TRUE)
) AS checks
ORDER BY ord;

DELIMITER //
CREATE TRIGGER trg_users_validate_email_insert
BEFORE INSERT ON users
FOR EACH ROW
BEGIN
    -- A NULL email passes here and is refused by NOT NULL, as in SQLite.
    IF NOT (NEW.email REGEXP '^[^@]+@[^@.]+([.][^@.]+)+$'
            AND NEW.email NOT REGEXP (CONCAT('[ ', CHAR(9, 10, 11, 12, 13 USING utf8mb4), ']') COLLATE utf8mb4_bin)) THEN
        SIGNAL SQLSTATE '23000'
            SET MESSAGE_TEXT = 'invalid email: users.email must look like name@domain.tld (one @, no spaces, a dot inside the domain)';
    END IF;
END //

CREATE TRIGGER trg_users_validate_email_update
BEFORE UPDATE ON users
FOR EACH ROW
BEGIN
    IF NOT (CAST(NEW.email AS BINARY) <=> CAST(OLD.email AS BINARY))
       AND NOT (NEW.email REGEXP '^[^@]+@[^@.]+([.][^@.]+)+$'
                AND NEW.email NOT REGEXP (CONCAT('[ ', CHAR(9, 10, 11, 12, 13 USING utf8mb4), ']') COLLATE utf8mb4_bin)) THEN
        SIGNAL SQLSTATE '23000'
            SET MESSAGE_TEXT = 'invalid email: users.email must look like name@domain.tld (one @, no spaces, a dot inside the domain)';
    END IF;
END //

CREATE TRIGGER trg_usage_statistics_validate_counts_insert
BEFORE INSERT ON usage_statistics
FOR EACH ROW
BEGIN
    IF NEW.generations < 0 OR NEW.pages_generated < 0
       OR NEW.characters_generated < 0 OR NEW.processing_ms < 0 THEN
        SIGNAL SQLSTATE '23000'
            SET MESSAGE_TEXT = 'negative count: usage_statistics generations, pages_generated, characters_generated and processing_ms must be >= 0';
    END IF;
END //

CREATE TRIGGER trg_usage_statistics_validate_counts_update
BEFORE UPDATE ON usage_statistics
FOR EACH ROW
BEGIN
    IF NOT (NEW.generations <=> OLD.generations
            AND NEW.pages_generated <=> OLD.pages_generated
            AND NEW.characters_generated <=> OLD.characters_generated
            AND NEW.processing_ms <=> OLD.processing_ms)
       AND (NEW.generations < 0 OR NEW.pages_generated < 0
            OR NEW.characters_generated < 0 OR NEW.processing_ms < 0) THEN
        SIGNAL SQLSTATE '23000'
            SET MESSAGE_TEXT = 'negative count: usage_statistics generations, pages_generated, characters_generated and processing_ms must be >= 0';
    END IF;
END //
DELIMITER ;
-- migrate:down
DROP TRIGGER IF EXISTS trg_usage_statistics_validate_counts_update;
DROP TRIGGER IF EXISTS trg_usage_statistics_validate_counts_insert;
DROP TRIGGER IF EXISTS trg_users_validate_email_update;
DROP TRIGGER IF EXISTS trg_users_validate_email_insert;
DROP VIEW IF EXISTS data_integrity_checks;
