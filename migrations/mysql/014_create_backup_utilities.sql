-- Reporting views: per-user summary, system-wide statistics, recent activity.
-- Counts and sums come from scalar subqueries (no join fan-out) and are 0, not
-- NULL, when there is nothing to count; sums are cast back to BIGINT (SUM of
-- a BIGINT is DECIMAL in MySQL), so every count and sum is a BIGINT, as in
-- SQLite. user_summary_stats.is_active is the flag, 1 or 0. Times are UTC, so
-- "the last 7 days" counts from UTC_TIMESTAMP(), not the session's NOW().
-- system_statistics.schema_version is the highest version in Strata's
-- migration_history table (0 if empty), which Strata creates in the same
-- database before it runs the first migration. The views run with their
-- reader's privileges (SQL SECURITY INVOKER), not those of the account that
-- ran this migration, which may be gone.
-- migrate:up
CREATE SQL SECURITY INVOKER VIEW user_summary_stats AS
SELECT
    u.id AS user_id,
    u.username AS username,
    u.email AS email,
    u.role AS role,
    u.is_active AS is_active,
    u.created_at AS created_at,
    u.last_login_at AS last_login_at,
    (SELECT COUNT(*) FROM user_activities a WHERE a.user_id = u.id) AS activity_count,
    (SELECT MAX(a.created_at) FROM user_activities a WHERE a.user_id = u.id) AS last_activity_at,
    (SELECT CAST(COALESCE(SUM(s.generations), 0) AS SIGNED) FROM usage_statistics s WHERE s.user_id = u.id) AS total_generations,
    (SELECT CAST(COALESCE(SUM(s.pages_generated), 0) AS SIGNED) FROM usage_statistics s WHERE s.user_id = u.id) AS total_pages,
    (SELECT CAST(COALESCE(SUM(s.characters_generated), 0) AS SIGNED) FROM usage_statistics s WHERE s.user_id = u.id) AS total_characters,
    (SELECT COUNT(*) FROM template_presets t WHERE t.user_id = u.id) AS template_count,
    (SELECT COUNT(*) FROM character_override_collections c WHERE c.user_id = u.id) AS collection_count,
    (SELECT COUNT(*) FROM character_overrides o
       JOIN character_override_collections c ON c.id = o.collection_id
      WHERE c.user_id = u.id) AS override_count
FROM users u;

CREATE SQL SECURITY INVOKER VIEW system_statistics AS
SELECT
    (SELECT COUNT(*) FROM users) AS total_users,
    (SELECT COUNT(*) FROM users WHERE is_active = 1) AS active_users,
    (SELECT COUNT(*) FROM users WHERE role = 'admin') AS admin_users,
    (SELECT COUNT(*) FROM user_activities) AS total_activities,
    (SELECT COUNT(*) FROM user_activities
      WHERE created_at >= UTC_TIMESTAMP() - INTERVAL 7 DAY) AS activities_last_7_days,
    (SELECT CAST(COALESCE(SUM(generations), 0) AS SIGNED) FROM usage_statistics) AS total_generations,
    (SELECT CAST(COALESCE(SUM(pages_generated), 0) AS SIGNED) FROM usage_statistics) AS total_pages,
    (SELECT CAST(COALESCE(SUM(characters_generated), 0) AS SIGNED) FROM usage_statistics) AS total_characters,
    (SELECT COUNT(*) FROM template_presets) AS total_templates,
    (SELECT COUNT(*) FROM template_presets WHERE is_system = 1) AS system_templates,
    (SELECT COUNT(*) FROM page_size_presets) AS total_page_sizes,
    (SELECT COUNT(*) FROM character_override_collections) AS total_collections,
    (SELECT COUNT(*) FROM character_overrides) AS total_overrides,
    (SELECT CAST(COALESCE(MAX(version), 0) AS SIGNED) FROM migration_history) AS schema_version;

-- LEFT JOIN: an orphaned activity (see data_integrity_checks) still shows,
-- with username NULL.
CREATE SQL SECURITY INVOKER VIEW recent_activity AS
SELECT
    a.id AS activity_id,
    a.user_id AS user_id,
    u.username AS username,
    a.activity_type AS activity_type,
    a.description AS description,
    a.ip_address AS ip_address,
    a.created_at AS created_at
FROM user_activities a
LEFT JOIN users u ON u.id = a.user_id
ORDER BY a.created_at DESC, a.id DESC
LIMIT 100;
-- migrate:down
DROP VIEW IF EXISTS recent_activity;
DROP VIEW IF EXISTS system_statistics;
DROP VIEW IF EXISTS user_summary_stats;
