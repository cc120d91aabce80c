-- BEFORE UPDATE triggers trg_<table>_updated_at for every table with an
-- updated_at column (user_activities has none: its rows are never updated).
--
-- A trigger sets updated_at = UTC_TIMESTAMP() when
--   * the statement did not change updated_at itself
--     (NEW.updated_at <=> OLD.updated_at), and
--   * the row really changed: some other column differs (<=> compares NULLs
--     as values; text is compared as bytes, CAST(… AS BINARY), because
--     utf8mb4_bin pads with spaces when it compares, so 'x' = 'x ' would
--     hide a change). A no-op UPDATE (SET x = x) leaves updated_at alone.
-- A statement that sets updated_at to the value it already has cannot be told
-- apart from one that does not mention it; the trigger then overwrites it.
--
-- SQLite's triggers are AFTER UPDATE and run a second UPDATE; MySQL forbids a
-- trigger to update its own table, so these are BEFORE UPDATE and change the
-- row being written, as on PostgreSQL: one write, no recursion. InnoDB does
-- not fire triggers for the changes foreign keys make (ON DELETE SET NULL),
-- so those leave updated_at as it was. MySQL cannot compare whole rows, so
-- each trigger lists its table's columns: a later migration that adds a
-- column to one of these tables should recreate that table's trigger.
--
-- The bodies hold `;`, so the section switches the client's delimiter to //
-- (as the mysql and mariadb clients read it) and back.
-- migrate:up
DELIMITER //
CREATE TRIGGER trg_users_updated_at
BEFORE UPDATE ON users
FOR EACH ROW
BEGIN
    IF NEW.updated_at <=> OLD.updated_at
       AND NOT (NEW.id <=> OLD.id
                AND CAST(NEW.username AS BINARY) <=> CAST(OLD.username AS BINARY)
                AND CAST(NEW.email AS BINARY) <=> CAST(OLD.email AS BINARY)
                AND CAST(NEW.password_hash AS BINARY) <=> CAST(OLD.password_hash AS BINARY)
                AND CAST(NEW.display_name AS BINARY) <=> CAST(OLD.display_name AS BINARY)
                AND CAST(NEW.role AS BINARY) <=> CAST(OLD.role AS BINARY)
                AND NEW.is_active <=> OLD.is_active
                AND NEW.email_verified <=> OLD.email_verified
                AND NEW.created_at <=> OLD.created_at
                AND NEW.last_login_at <=> OLD.last_login_at) THEN
        SET NEW.updated_at = UTC_TIMESTAMP();
    END IF;
END //
CREATE TRIGGER trg_usage_statistics_updated_at
BEFORE UPDATE ON usage_statistics
FOR EACH ROW
BEGIN
    IF NEW.updated_at <=> OLD.updated_at
       AND NOT (NEW.id <=> OLD.id
                AND NEW.user_id <=> OLD.user_id
                AND NEW.date <=> OLD.date
                AND NEW.generations <=> OLD.generations
                AND NEW.pages_generated <=> OLD.pages_generated
                AND NEW.characters_generated <=> OLD.characters_generated
                AND NEW.processing_ms <=> OLD.processing_ms
                AND NEW.created_at <=> OLD.created_at) THEN
        SET NEW.updated_at = UTC_TIMESTAMP();
    END IF;
END //
CREATE TRIGGER trg_page_size_presets_updated_at
BEFORE UPDATE ON page_size_presets
FOR EACH ROW
BEGIN
    IF NEW.updated_at <=> OLD.updated_at
       AND NOT (NEW.id <=> OLD.id
                AND CAST(NEW.name AS BINARY) <=> CAST(OLD.name AS BINARY)
                AND NEW.width <=> OLD.width
                AND NEW.height <=> OLD.height
                AND CAST(NEW.unit AS BINARY) <=> CAST(OLD.unit AS BINARY)
                AND NEW.is_system <=> OLD.is_system
                AND NEW.user_id <=> OLD.user_id
                AND NEW.created_at <=> OLD.created_at) THEN
        SET NEW.updated_at = UTC_TIMESTAMP();
    END IF;
END //
CREATE TRIGGER trg_template_presets_updated_at
BEFORE UPDATE ON template_presets
FOR EACH ROW
BEGIN
    IF NEW.updated_at <=> OLD.updated_at
       AND NOT (NEW.id <=> OLD.id
                AND CAST(NEW.name AS BINARY) <=> CAST(OLD.name AS BINARY)
                AND CAST(NEW.description AS BINARY) <=> CAST(OLD.description AS BINARY)
                AND NEW.user_id <=> OLD.user_id
                AND NEW.page_size_preset_id <=> OLD.page_size_preset_id
                AND CAST(NEW.orientation AS BINARY) <=> CAST(OLD.orientation AS BINARY)
                AND NEW.margin_top <=> OLD.margin_top
                AND NEW.margin_right <=> OLD.margin_right
                AND NEW.margin_bottom <=> OLD.margin_bottom
                AND NEW.margin_left <=> OLD.margin_left
                AND NEW.line_height <=> OLD.line_height
                AND NEW.handwriting_style <=> OLD.handwriting_style
                AND NEW.legibility_bias <=> OLD.legibility_bias
                AND CAST(NEW.ink_color AS BINARY) <=> CAST(OLD.ink_color AS BINARY)
                AND NEW.is_public <=> OLD.is_public
                AND NEW.is_system <=> OLD.is_system
                AND NEW.created_at <=> OLD.created_at
                AND NEW.character_override_collection_id <=> OLD.character_override_collection_id
                AND CAST(NEW.background_style AS BINARY) <=> CAST(OLD.background_style AS BINARY)
                AND CAST(NEW.text_alignment AS BINARY) <=> CAST(OLD.text_alignment AS BINARY)
                AND NEW.stroke_width <=> OLD.stroke_width
                AND NEW.paragraph_spacing <=> OLD.paragraph_spacing) THEN
        SET NEW.updated_at = UTC_TIMESTAMP();
    END IF;
END //
CREATE TRIGGER trg_character_override_collections_updated_at
BEFORE UPDATE ON character_override_collections
FOR EACH ROW
BEGIN
    IF NEW.updated_at <=> OLD.updated_at
       AND NOT (NEW.id <=> OLD.id
                AND NEW.user_id <=> OLD.user_id
                AND CAST(NEW.name AS BINARY) <=> CAST(OLD.name AS BINARY)
                AND CAST(NEW.description AS BINARY) <=> CAST(OLD.description AS BINARY)
                AND NEW.is_active <=> OLD.is_active
                AND NEW.created_at <=> OLD.created_at) THEN
        SET NEW.updated_at = UTC_TIMESTAMP();
    END IF;
END //
CREATE TRIGGER trg_character_overrides_updated_at
BEFORE UPDATE ON character_overrides
FOR EACH ROW
BEGIN
    IF NEW.updated_at <=> OLD.updated_at
       AND NOT (NEW.id <=> OLD.id
                AND NEW.collection_id <=> OLD.collection_id
                AND CAST(NEW.`character` AS BINARY) <=> CAST(OLD.`character` AS BINARY)
                AND CAST(NEW.svg_data AS BINARY) <=> CAST(OLD.svg_data AS BINARY)
                AND NEW.baseline_offset <=> OLD.baseline_offset
                AND NEW.x_advance <=> OLD.x_advance
                AND NEW.created_at <=> OLD.created_at) THEN
        SET NEW.updated_at = UTC_TIMESTAMP();
    END IF;
END //
DELIMITER ;
-- migrate:down
DROP TRIGGER IF EXISTS trg_character_overrides_updated_at;
DROP TRIGGER IF EXISTS trg_character_override_collections_updated_at;
DROP TRIGGER IF EXISTS trg_template_presets_updated_at;
DROP TRIGGER IF EXISTS trg_page_size_presets_updated_at;
DROP TRIGGER IF EXISTS trg_usage_statistics_updated_at;
DROP TRIGGER IF EXISTS trg_users_updated_at;
