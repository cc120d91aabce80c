-- AFTER UPDATE triggers trg_<table>_updated_at for every table with an
-- updated_at column (user_activities has none: its rows are never updated).
--
-- A trigger sets updated_at = CURRENT_TIMESTAMP when
--   * the statement did not change updated_at itself
--     (NEW.updated_at IS OLD.updated_at), and
--   * the row really changed: some other column differs (IS NOT, so NULLs
--     compare as values). A no-op UPDATE (SET x = x) leaves updated_at alone.
-- A statement that sets updated_at to the value it already has cannot be told
-- apart from one that does not mention it; the trigger then overwrites it.
--
-- The trigger's own UPDATE changes only updated_at, so even with
-- PRAGMA recursive_triggers = ON the nested firing finds no other column
-- changed and stops: no loop, also when CURRENT_TIMESTAMP equals the old value
-- (same second).
--
-- A later migration that adds a column to one of these tables should recreate
-- that table's trigger with the new column in its WHEN clause.
-- migrate:up
CREATE TRIGGER IF NOT EXISTS trg_users_updated_at
AFTER UPDATE ON users
FOR EACH ROW
WHEN NEW.updated_at IS OLD.updated_at
 AND (NEW.id IS NOT OLD.id
     OR NEW.username IS NOT OLD.username
     OR NEW.email IS NOT OLD.email
     OR NEW.password_hash IS NOT OLD.password_hash
     OR NEW.display_name IS NOT OLD.display_name
     OR NEW.role IS NOT OLD.role
     OR NEW.is_active IS NOT OLD.is_active
     OR NEW.email_verified IS NOT OLD.email_verified
     OR NEW.created_at IS NOT OLD.created_at
     OR NEW.last_login_at IS NOT OLD.last_login_at)
BEGIN
    UPDATE users SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;
CREATE TRIGGER IF NOT EXISTS trg_usage_statistics_updated_at
AFTER UPDATE ON usage_statistics
FOR EACH ROW
WHEN NEW.updated_at IS OLD.updated_at
 AND (NEW.id IS NOT OLD.id
     OR NEW.user_id IS NOT OLD.user_id
     OR NEW.date IS NOT OLD.date
     OR NEW.generations IS NOT OLD.generations
     OR NEW.pages_generated IS NOT OLD.pages_generated
     OR NEW.characters_generated IS NOT OLD.characters_generated
     OR NEW.processing_ms IS NOT OLD.processing_ms
     OR NEW.created_at IS NOT OLD.created_at)
BEGIN
    UPDATE usage_statistics SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;
CREATE TRIGGER IF NOT EXISTS trg_page_size_presets_updated_at
AFTER UPDATE ON page_size_presets
FOR EACH ROW
WHEN NEW.updated_at IS OLD.updated_at
 AND (NEW.id IS NOT OLD.id
     OR NEW.name IS NOT OLD.name
     OR NEW.width IS NOT OLD.width
     OR NEW.height IS NOT OLD.height
     OR NEW.unit IS NOT OLD.unit
     OR NEW.is_system IS NOT OLD.is_system
     OR NEW.user_id IS NOT OLD.user_id
     OR NEW.created_at IS NOT OLD.created_at)
BEGIN
    UPDATE page_size_presets SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;
CREATE TRIGGER IF NOT EXISTS trg_template_presets_updated_at
AFTER UPDATE ON template_presets
FOR EACH ROW
WHEN NEW.updated_at IS OLD.updated_at
 AND (NEW.id IS NOT OLD.id
     OR NEW.name IS NOT OLD.name
     OR NEW.description IS NOT OLD.description
     OR NEW.user_id IS NOT OLD.user_id
     OR NEW.page_size_preset_id IS NOT OLD.page_size_preset_id
     OR NEW.orientation IS NOT OLD.orientation
     OR NEW.margin_top IS NOT OLD.margin_top
     OR NEW.margin_right IS NOT OLD.margin_right
     OR NEW.margin_bottom IS NOT OLD.margin_bottom
     OR NEW.margin_left IS NOT OLD.margin_left
     OR NEW.line_height IS NOT OLD.line_height
     OR NEW.handwriting_style IS NOT OLD.handwriting_style
     OR NEW.legibility_bias IS NOT OLD.legibility_bias
     OR NEW.ink_color IS NOT OLD.ink_color
     OR NEW.is_public IS NOT OLD.is_public
     OR NEW.is_system IS NOT OLD.is_system
     OR NEW.created_at IS NOT OLD.created_at
     OR NEW.character_override_collection_id IS NOT OLD.character_override_collection_id
     OR NEW.background_style IS NOT OLD.background_style
     OR NEW.text_alignment IS NOT OLD.text_alignment
     OR NEW.stroke_width IS NOT OLD.stroke_width
     OR NEW.paragraph_spacing IS NOT OLD.paragraph_spacing)
BEGIN
    UPDATE template_presets SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;
CREATE TRIGGER IF NOT EXISTS trg_character_override_collections_updated_at
AFTER UPDATE ON character_override_collections
FOR EACH ROW
WHEN NEW.updated_at IS OLD.updated_at
 AND (NEW.id IS NOT OLD.id
     OR NEW.user_id IS NOT OLD.user_id
     OR NEW.name IS NOT OLD.name
     OR NEW.description IS NOT OLD.description
     OR NEW.is_active IS NOT OLD.is_active
     OR NEW.created_at IS NOT OLD.created_at)
BEGIN
    UPDATE character_override_collections SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;
CREATE TRIGGER IF NOT EXISTS trg_character_overrides_updated_at
AFTER UPDATE ON character_overrides
FOR EACH ROW
WHEN NEW.updated_at IS OLD.updated_at
 AND (NEW.id IS NOT OLD.id
     OR NEW.collection_id IS NOT OLD.collection_id
     OR NEW.character IS NOT OLD.character
     OR NEW.svg_data IS NOT OLD.svg_data
     OR NEW.baseline_offset IS NOT OLD.baseline_offset
     OR NEW.x_advance IS NOT OLD.x_advance
     OR NEW.created_at IS NOT OLD.created_at)
BEGIN
    UPDATE character_overrides SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;
-- migrate:down
DROP TRIGGER IF EXISTS trg_character_overrides_updated_at;
DROP TRIGGER IF EXISTS trg_character_override_collections_updated_at;
DROP TRIGGER IF EXISTS trg_template_presets_updated_at;
DROP TRIGGER IF EXISTS trg_page_size_presets_updated_at;
DROP TRIGGER IF EXISTS trg_usage_statistics_updated_at;
DROP TRIGGER IF EXISTS trg_users_updated_at;
