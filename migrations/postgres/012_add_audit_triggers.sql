-- Triggers trg_<table>_updated_at for every table with an updated_at column
-- (user_activities has none: its rows are never updated), all running one
-- PL/pgSQL function, set_updated_at().
--
-- It sets updated_at = now() when
--   * the statement did not change updated_at itself
--     (NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at), and
--   * the row really changed: NEW IS DISTINCT FROM OLD compares every column,
--     NULLs as values, so a no-op UPDATE (SET x = x) leaves updated_at alone,
--     and a column added later is covered without recreating the trigger.
-- A statement that sets updated_at to the value it already has cannot be told
-- apart from one that does not mention it; the trigger then overwrites it.
--
-- SQLite's triggers are AFTER UPDATE and run a second UPDATE; here they are
-- BEFORE UPDATE and change the row being written: one write, no recursion.
-- They fire for the UPDATEs of ON DELETE SET NULL actions too. now() is the
-- transaction's start time, as in the columns' defaults.
-- migrate:up
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at AND NEW IS DISTINCT FROM OLD THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER trg_users_updated_at
    BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER trg_usage_statistics_updated_at
    BEFORE UPDATE ON usage_statistics
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER trg_page_size_presets_updated_at
    BEFORE UPDATE ON page_size_presets
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER trg_template_presets_updated_at
    BEFORE UPDATE ON template_presets
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER trg_character_override_collections_updated_at
    BEFORE UPDATE ON character_override_collections
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER trg_character_overrides_updated_at
    BEFORE UPDATE ON character_overrides
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
-- migrate:down
DROP TRIGGER trg_character_overrides_updated_at ON character_overrides;
DROP TRIGGER trg_character_override_collections_updated_at ON character_override_collections;
DROP TRIGGER trg_template_presets_updated_at ON template_presets;
DROP TRIGGER trg_page_size_presets_updated_at ON page_size_presets;
DROP TRIGGER trg_usage_statistics_updated_at ON usage_statistics;
DROP TRIGGER trg_users_updated_at ON users;
DROP FUNCTION set_updated_at();
