-- Indexes for the lookups the app makes, named idx_<table>_<columns>.
--
-- InnoDB needs an index on every foreign key's columns; 001-008 declare
-- them, named fk_<table>_<column>, because an index InnoDB makes by itself is
-- silently dropped once another index covers the key, and that other index
-- then cannot be dropped ("needed in a foreign key constraint"), which would
-- break this downgrade. Where an fk_ index is exactly a lookup below, 011
-- renames it (template_presets, page_size_presets) instead of building the
-- same index twice; on user_activities the new (user_id, created_at) index
-- takes over the foreign key from fk_user_activities_user_id, replaced in the
-- same statement. The downgrade puts every fk_ index back.
--
-- idx_character_overrides_collection_id and
-- idx_character_override_collections_user_id duplicate the leading column of
-- the unique keys (collection_id, character) and (user_id, name); they are
-- kept as named indexes so that the lookups do not depend on those keys.
--
-- One statement per table, which InnoDB applies whole or not at all: a
-- failure midway leaves the tables before it done and the others untouched.
-- The downgrade undoes them in reverse order.
-- migrate:up
ALTER TABLE user_activities
    ADD INDEX idx_user_activities_user_id_created_at (user_id, created_at),
    ADD INDEX idx_user_activities_activity_type (activity_type),
    DROP INDEX fk_user_activities_user_id;
CREATE INDEX idx_usage_statistics_date
    ON usage_statistics (date);
ALTER TABLE template_presets
    RENAME INDEX fk_template_presets_user_id
        TO idx_template_presets_user_id,
    RENAME INDEX fk_template_presets_page_size_preset_id
        TO idx_template_presets_page_size_preset_id,
    RENAME INDEX fk_template_presets_character_override_collection_id
        TO idx_template_presets_character_override_collection_id;
CREATE INDEX idx_character_overrides_collection_id
    ON character_overrides (collection_id);
CREATE INDEX idx_character_override_collections_user_id
    ON character_override_collections (user_id);
ALTER TABLE page_size_presets
    RENAME INDEX fk_page_size_presets_user_id TO idx_page_size_presets_user_id;
-- migrate:down
ALTER TABLE page_size_presets
    RENAME INDEX idx_page_size_presets_user_id TO fk_page_size_presets_user_id;
DROP INDEX idx_character_override_collections_user_id
    ON character_override_collections;
DROP INDEX idx_character_overrides_collection_id
    ON character_overrides;
ALTER TABLE template_presets
    RENAME INDEX idx_template_presets_character_override_collection_id
        TO fk_template_presets_character_override_collection_id,
    RENAME INDEX idx_template_presets_page_size_preset_id
        TO fk_template_presets_page_size_preset_id,
    RENAME INDEX idx_template_presets_user_id
        TO fk_template_presets_user_id;
DROP INDEX idx_usage_statistics_date
    ON usage_statistics;
ALTER TABLE user_activities
    ADD INDEX fk_user_activities_user_id (user_id),
    DROP INDEX idx_user_activities_activity_type,
    DROP INDEX idx_user_activities_user_id_created_at;
