-- Create character_overrides: one custom SVG glyph per character per collection.
-- migrate:up
CREATE TABLE IF NOT EXISTS character_overrides (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    collection_id INTEGER NOT NULL REFERENCES character_override_collections(id) ON DELETE CASCADE,
    character TEXT NOT NULL CHECK (length(character) = 1),
    svg_data TEXT NOT NULL,
    baseline_offset REAL NOT NULL DEFAULT 0,
    x_advance REAL,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (collection_id, character)
);
-- migrate:down
DROP TABLE IF EXISTS character_overrides;
