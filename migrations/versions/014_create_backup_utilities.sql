-- Reporting views: per-user summary, system-wide statistics, recent activity.
-- Counts and sums come from scalar subqueries (no join fan-out) and are 0, not
-- NULL, when there is nothing to count. system_statistics.schema_version is
-- the highest version in the tool's migration_history table (0 if empty).
-- migrate:up
CREATE VIEW IF NOT EXISTS user_summary_stats AS
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
    (SELECT COALESCE(SUM(s.generations), 0) FROM usage_statistics s WHERE s.user_id = u.id) AS total_generations,
    (SELECT COALESCE(SUM(s.pages_generated), 0) FROM usage_statistics s WHERE s.user_id = u.id) AS total_pages,
    (SELECT COALESCE(SUM(s.characters_generated), 0) FROM usage_statistics s WHERE s.user_id = u.id) AS total_characters,
    (SELECT COUNT(*) FROM template_presets t WHERE t.user_id = u.id) AS template_count,
    (SELECT COUNT(*) FROM character_override_collections c WHERE c.user_id = u.id) AS collection_count,
    (SELECT COUNT(*) FROM character_overrides o
       JOIN character_override_collections c ON c.id = o.collection_id
      WHERE c.user_id = u.id) AS override_count
FROM users u;

CREATE VIEW IF NOT EXISTS system_statistics AS
SELECT
    (SELECT COUNT(*) FROM users) AS total_users,
    (SELECT COUNT(*) FROM users WHERE is_active = 1) AS active_users,
    (SELECT COUNT(*) FROM users WHERE role = 'admin') AS admin_users,
    (SELECT COUNT(*) FROM user_activities) AS total_activities,
    (SELECT COUNT(*) FROM user_activities
      WHERE created_at >= datetime('now', '-7 days')) AS activities_last_7_days,
    (SELECT COALESCE(SUM(generations), 0) FROM usage_statistics) AS total_generations,
    (SELECT COALESCE(SUM(pages_generated), 0) FROM usage_statistics) AS total_pages,
    (SELECT COALESCE(SUM(characters_generated), 0) FROM usage_statistics) AS total_characters,
    (SELECT COUNT(*) FROM template_presets) AS total_templates,
    (SELECT COUNT(*) FROM template_presets WHERE is_system = 1) AS system_templates,
    (SELECT COUNT(*) FROM page_size_presets) AS total_page_sizes,
    (SELECT COUNT(*) FROM character_override_collections) AS total_collections,
    (SELECT COUNT(*) FROM character_overrides) AS total_overrides,
    (SELECT COALESCE(MAX(version), 0) FROM migration_history) AS schema_version;

-- LEFT JOIN: an orphaned activity (see data_integrity_checks) still shows,
-- with username NULL.
CREATE VIEW IF NOT EXISTS recent_activity AS
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
