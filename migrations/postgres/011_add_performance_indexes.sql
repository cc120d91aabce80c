-- Indexes for the lookups the app makes, named idx_<table>_<columns>.
-- idx_character_overrides_collection_id and
-- idx_character_override_collections_user_id duplicate the leading column of
-- the UNIQUE (collection_id, character) and UNIQUE (user_id, name)
-- constraints' indexes; they are kept as named indexes so that the lookups do
-- not depend on those constraints. PostgreSQL does not index a foreign key's
-- columns by itself: the two page-size / collection indexes on
-- template_presets serve the ON DELETE SET NULL actions, which otherwise scan
-- the whole table for every deleted preset or collection.
-- migrate:up
CREATE INDEX idx_user_activities_user_id_created_at
    ON user_activities (user_id, created_at);
CREATE INDEX idx_user_activities_activity_type
    ON user_activities (activity_type);
CREATE INDEX idx_usage_statistics_date
    ON usage_statistics (date);
CREATE INDEX idx_template_presets_user_id
    ON template_presets (user_id);
CREATE INDEX idx_template_presets_page_size_preset_id
    ON template_presets (page_size_preset_id);
CREATE INDEX idx_template_presets_character_override_collection_id
    ON template_presets (character_override_collection_id);
CREATE INDEX idx_character_overrides_collection_id
    ON character_overrides (collection_id);
CREATE INDEX idx_character_override_collections_user_id
    ON character_override_collections (user_id);
CREATE INDEX idx_page_size_presets_user_id
    ON page_size_presets (user_id);
-- migrate:down
DROP INDEX idx_page_size_presets_user_id;
DROP INDEX idx_character_override_collections_user_id;
DROP INDEX idx_character_overrides_collection_id;
DROP INDEX idx_template_presets_character_override_collection_id;
DROP INDEX idx_template_presets_page_size_preset_id;
DROP INDEX idx_template_presets_user_id;
DROP INDEX idx_usage_statistics_date;
DROP INDEX idx_user_activities_activity_type;
DROP INDEX idx_user_activities_user_id_created_at;
