-- Reporting views: per-user summary, system-wide statistics, recent activity.
-- Counts and sums come from scalar subqueries (no join fan-out) and are 0, not
-- NULL, when there is nothing to count; sums are cast back to bigint (SUM of
-- a bigint is numeric in PostgreSQL), so every count and sum is a bigint, as
-- in SQLite. user_summary_stats.is_active is the flag as an integer, 1 or 0,
-- the value SQLite's view gives. system_statistics.schema_version is the
-- highest version in Strata's migration_history table (0 if empty), which
-- Strata creates before it runs the first migration.
-- migrate:up
CREATE VIEW user_summary_stats AS
SELECT
    u.id AS user_id,
    u.username AS username,
    u.email AS email,
    u.role AS role,
    u.is_active::integer AS is_active,
    u.created_at AS created_at,
    u.last_login_at AS last_login_at,
    (SELECT count(*) FROM user_activities a WHERE a.user_id = u.id) AS activity_count,
    (SELECT max(a.created_at) FROM user_activities a WHERE a.user_id = u.id) AS last_activity_at,
    (SELECT coalesce(sum(s.generations), 0)::bigint FROM usage_statistics s WHERE s.user_id = u.id) AS total_generations,
    (SELECT coalesce(sum(s.pages_generated), 0)::bigint FROM usage_statistics s WHERE s.user_id = u.id) AS total_pages,
    (SELECT coalesce(sum(s.characters_generated), 0)::bigint FROM usage_statistics s WHERE s.user_id = u.id) AS total_characters,
    (SELECT count(*) FROM template_presets t WHERE t.user_id = u.id) AS template_count,
    (SELECT count(*) FROM character_override_collections c WHERE c.user_id = u.id) AS collection_count,
    (SELECT count(*) FROM character_overrides o
       JOIN character_override_collections c ON c.id = o.collection_id
      WHERE c.user_id = u.id) AS override_count
FROM users u;

CREATE VIEW system_statistics AS
SELECT
    (SELECT count(*) FROM users) AS total_users,
    (SELECT count(*) FROM users WHERE is_active) AS active_users,
    (SELECT count(*) FROM users WHERE role = 'admin') AS admin_users,
    (SELECT count(*) FROM user_activities) AS total_activities,
    (SELECT count(*) FROM user_activities
      WHERE created_at >= now() - interval '7 days') AS activities_last_7_days,
    (SELECT coalesce(sum(generations), 0)::bigint FROM usage_statistics) AS total_generations,
    (SELECT coalesce(sum(pages_generated), 0)::bigint FROM usage_statistics) AS total_pages,
    (SELECT coalesce(sum(characters_generated), 0)::bigint FROM usage_statistics) AS total_characters,
    (SELECT count(*) FROM template_presets) AS total_templates,
    (SELECT count(*) FROM template_presets WHERE is_system) AS system_templates,
    (SELECT count(*) FROM page_size_presets) AS total_page_sizes,
    (SELECT count(*) FROM character_override_collections) AS total_collections,
    (SELECT count(*) FROM character_overrides) AS total_overrides,
    (SELECT coalesce(max(version), 0)::bigint FROM migration_history) AS schema_version;

-- LEFT JOIN: an orphaned activity (see data_integrity_checks) still shows,
-- with username NULL.
CREATE VIEW recent_activity AS
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
DROP VIEW recent_activity;
DROP VIEW system_statistics;
DROP VIEW user_summary_stats;
