-- Seed the system templates (is_system and is_public true, user_id NULL), each
-- on a page size seeded by 009, looked up by name. 'Default' is A4 portrait.
-- A template whose name a system template has already is skipped by
-- ON CONFLICT on 005's template_presets_system_name_key, so running this up
-- twice adds nothing the second time (it only uses up identity values).
-- migrate:up
INSERT INTO template_presets (
    name, description, user_id, page_size_preset_id, orientation,
    background_style, is_public, is_system
) VALUES (
    'Default', 'A4 portrait on a blank page', NULL,
    (SELECT id FROM page_size_presets WHERE name = 'A4'), 'portrait',
    'blank', true, true
)
ON CONFLICT (name) WHERE is_system AND user_id IS NULL DO NOTHING;
INSERT INTO template_presets (
    name, description, user_id, page_size_preset_id, orientation,
    background_style, is_public, is_system
) VALUES (
    'A4 Landscape', 'A4 landscape on a blank page', NULL,
    (SELECT id FROM page_size_presets WHERE name = 'A4'), 'landscape',
    'blank', true, true
)
ON CONFLICT (name) WHERE is_system AND user_id IS NULL DO NOTHING;
INSERT INTO template_presets (
    name, description, user_id, page_size_preset_id, orientation,
    margin_top, margin_right, margin_bottom, margin_left, line_height,
    background_style, is_public, is_system
) VALUES (
    'Notebook', 'A5 portrait on lined paper', NULL,
    (SELECT id FROM page_size_presets WHERE name = 'A5'), 'portrait',
    15, 15, 15, 15, 8,
    'lined', true, true
)
ON CONFLICT (name) WHERE is_system AND user_id IS NULL DO NOTHING;
INSERT INTO template_presets (
    name, description, user_id, page_size_preset_id, orientation,
    margin_top, margin_right, margin_bottom, margin_left,
    background_style, is_public, is_system
) VALUES (
    'US Letter', 'US Letter portrait with one-inch margins', NULL,
    (SELECT id FROM page_size_presets WHERE name = 'Letter'), 'portrait',
    25.4, 25.4, 25.4, 25.4,
    'blank', true, true
)
ON CONFLICT (name) WHERE is_system AND user_id IS NULL DO NOTHING;
-- migrate:down
-- Only the system templates added above; users' templates (user_id set),
-- even one named 'Default', are never touched.
DELETE FROM template_presets
WHERE is_system
  AND user_id IS NULL
  AND name IN ('Default', 'A4 Landscape', 'Notebook', 'US Letter');
