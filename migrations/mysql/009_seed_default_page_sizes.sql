-- Seed the four system page sizes (is_system 1, user_id NULL), with ids in the
-- order listed. A row whose name exists already (name is UNIQUE) is left as
-- it is by ON DUPLICATE KEY UPDATE id = id, so running this up twice adds
-- nothing the second time (it may use up AUTO_INCREMENT values). Unlike
-- INSERT IGNORE, any other error (a CHECK, a bad value) still fails.
-- migrate:up
INSERT INTO page_size_presets (name, width, height, unit, is_system, user_id) VALUES
    ('A5', 148, 210, 'mm', 1, NULL),
    ('A4', 210, 297, 'mm', 1, NULL),
    ('Letter', 8.5, 11, 'in', 1, NULL),
    ('Legal', 8.5, 14, 'in', 1, NULL)
ON DUPLICATE KEY UPDATE id = id;
-- migrate:down
-- Only the four system rows; a user's own preset is never touched. User
-- templates that pointed at one of them get page_size_preset_id = NULL
-- (ON DELETE SET NULL).
DELETE FROM page_size_presets
WHERE is_system = 1
  AND user_id IS NULL
  AND name IN ('A5', 'A4', 'Letter', 'Legal');
