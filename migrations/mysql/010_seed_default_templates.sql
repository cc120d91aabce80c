-- Seed the system templates (is_system 1, is_public 1, user_id NULL), each on
-- a page size seeded by 009, looked up by name. 'Default' is A4 portrait.
-- MySQL has no partial unique index to make system templates' names unique
-- (PostgreSQL's ON CONFLICT target), and a key with user_id would never clash
-- on NULL; so each INSERT adds its template only when no system template of
-- that name exists yet, as in SQLite, and running this up twice adds nothing.
-- migrate:up
INSERT INTO template_presets (
    name, description, user_id, page_size_preset_id, orientation,
    background_style, is_public, is_system
)
SELECT 'Default', 'A4 portrait on a blank page', NULL,
       (SELECT id FROM page_size_presets WHERE name = 'A4'), 'portrait',
       'blank', 1, 1
FROM DUAL
WHERE NOT EXISTS (
    SELECT 1 FROM template_presets
    WHERE name = 'Default' AND is_system = 1 AND user_id IS NULL
);
INSERT INTO template_presets (
    name, description, user_id, page_size_preset_id, orientation,
    background_style, is_public, is_system
)
SELECT 'A4 Landscape', 'A4 landscape on a blank page', NULL,
       (SELECT id FROM page_size_presets WHERE name = 'A4'), 'landscape',
       'blank', 1, 1
FROM DUAL
WHERE NOT EXISTS (
    SELECT 1 FROM template_presets
    WHERE name = 'A4 Landscape' AND is_system = 1 AND user_id IS NULL
);
INSERT INTO template_presets (
    name, description, user_id, page_size_preset_id, orientation,
    margin_top, margin_right, margin_bottom, margin_left, line_height,
    background_style, is_public, is_system
)
SELECT 'Notebook', 'A5 portrait on lined paper', NULL,
       (SELECT id FROM page_size_presets WHERE name = 'A5'), 'portrait',
       15, 15, 15, 15, 8,
       'lined', 1, 1
FROM DUAL
WHERE NOT EXISTS (
    SELECT 1 FROM template_presets
    WHERE name = 'Notebook' AND is_system = 1 AND user_id IS NULL
);
INSERT INTO template_presets (
    name, description, user_id, page_size_preset_id, orientation,
    margin_top, margin_right, margin_bottom, margin_left,
    background_style, is_public, is_system
)
SELECT 'US Letter', 'US Letter portrait with one-inch margins', NULL,
       (SELECT id FROM page_size_presets WHERE name = 'Letter'), 'portrait',
       25.4, 25.4, 25.4, 25.4,
       'blank', 1, 1
FROM DUAL
WHERE NOT EXISTS (
    SELECT 1 FROM template_presets
    WHERE name = 'US Letter' AND is_system = 1 AND user_id IS NULL
);
-- migrate:down
-- Only the system templates added above; users' templates (user_id set),
-- even one named 'Default', are never touched.
DELETE FROM template_presets
WHERE is_system = 1
  AND user_id IS NULL
  AND name IN ('Default', 'A4 Landscape', 'Notebook', 'US Letter');
