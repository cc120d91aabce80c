-- Seed the four system page sizes (is_system true, user_id NULL), with ids in
-- the order listed. A row whose name exists already (name is UNIQUE) is
-- skipped by ON CONFLICT, so running this up twice adds nothing the second
-- time (it only uses up identity values).
-- migrate:up
INSERT INTO page_size_presets (name, width, height, unit, is_system, user_id) VALUES
    ('A5', 148, 210, 'mm', true, NULL),
    ('A4', 210, 297, 'mm', true, NULL),
    ('Letter', 8.5, 11, 'in', true, NULL),
    ('Legal', 8.5, 14, 'in', true, NULL)
ON CONFLICT (name) DO NOTHING;
-- migrate:down
-- Only the four system rows; a user's own preset is never touched. User
-- templates that pointed at one of them get page_size_preset_id = NULL
-- (ON DELETE SET NULL).
DELETE FROM page_size_presets
WHERE is_system
  AND user_id IS NULL
  AND name IN ('A5', 'A4', 'Letter', 'Legal');
