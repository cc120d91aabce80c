-- Seed the four system page sizes (is_system = 1, user_id NULL).
-- Each INSERT adds its row only when no preset of that name exists yet (name is
-- UNIQUE), so running this up twice adds nothing the second time.
-- migrate:up
INSERT INTO page_size_presets (name, width, height, unit, is_system, user_id)
SELECT 'A5', 148, 210, 'mm', 1, NULL
WHERE NOT EXISTS (SELECT 1 FROM page_size_presets WHERE name = 'A5');
INSERT INTO page_size_presets (name, width, height, unit, is_system, user_id)
SELECT 'A4', 210, 297, 'mm', 1, NULL
WHERE NOT EXISTS (SELECT 1 FROM page_size_presets WHERE name = 'A4');
INSERT INTO page_size_presets (name, width, height, unit, is_system, user_id)
SELECT 'Letter', 8.5, 11, 'in', 1, NULL
WHERE NOT EXISTS (SELECT 1 FROM page_size_presets WHERE name = 'Letter');
INSERT INTO page_size_presets (name, width, height, unit, is_system, user_id)
SELECT 'Legal', 8.5, 14, 'in', 1, NULL
WHERE NOT EXISTS (SELECT 1 FROM page_size_presets WHERE name = 'Legal');
-- migrate:down
-- Only the four system rows; a user's own preset is never touched. User
-- templates that pointed at one of them get page_size_preset_id = NULL
-- (ON DELETE SET NULL).
DELETE FROM page_size_presets
WHERE is_system = 1
  AND user_id IS NULL
  AND name IN ('A5', 'A4', 'Letter', 'Legal');
