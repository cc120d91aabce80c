-- Create usage_statistics: one row per user per day. date is a DATE (written
-- and shown as YYYY-MM-DD); counts are BIGINT, as wide as SQLite's INTEGER.
-- The unique key (user_id, date) also serves the foreign key on user_id.
-- migrate:up
CREATE TABLE usage_statistics (
    id BIGINT NOT NULL AUTO_INCREMENT,
    user_id BIGINT NOT NULL,
    date DATE NOT NULL,
    generations BIGINT NOT NULL DEFAULT 0,
    pages_generated BIGINT NOT NULL DEFAULT 0,
    characters_generated BIGINT NOT NULL DEFAULT 0,
    processing_ms BIGINT NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL DEFAULT (UTC_TIMESTAMP()),
    updated_at DATETIME NOT NULL DEFAULT (UTC_TIMESTAMP()),
    PRIMARY KEY (id),
    UNIQUE KEY uq_usage_statistics_user_id_date (user_id, date),
    CONSTRAINT fk_usage_statistics_user_id FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- migrate:down
DROP TABLE IF EXISTS usage_statistics;
