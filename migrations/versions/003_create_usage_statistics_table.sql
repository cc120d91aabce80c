-- Create usage_statistics: one row per user per day (date is YYYY-MM-DD).
-- migrate:up
CREATE TABLE IF NOT EXISTS usage_statistics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    generations INTEGER NOT NULL DEFAULT 0,
    pages_generated INTEGER NOT NULL DEFAULT 0,
    characters_generated INTEGER NOT NULL DEFAULT 0,
    processing_ms INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (user_id, date)
);
-- migrate:down
DROP TABLE IF EXISTS usage_statistics;
