-- Create template_presets: page layout and handwriting settings, system-wide
-- (user_id NULL) or per user. Margins are in mm.
-- NOTE: 008's downgrade rebuilds this table with a copy of the CREATE TABLE
-- below (under the name template_presets_new). Keep the two texts identical.
-- migrate:up
CREATE TABLE IF NOT EXISTS template_presets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    description TEXT,
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    page_size_preset_id INTEGER REFERENCES page_size_presets(id) ON DELETE SET NULL,
    orientation TEXT NOT NULL DEFAULT 'portrait' CHECK (orientation IN ('portrait', 'landscape')),
    margin_top REAL NOT NULL DEFAULT 20,
    margin_right REAL NOT NULL DEFAULT 20,
    margin_bottom REAL NOT NULL DEFAULT 20,
    margin_left REAL NOT NULL DEFAULT 20,
    line_height REAL NOT NULL DEFAULT 10,
    handwriting_style INTEGER,
    legibility_bias REAL NOT NULL DEFAULT 0.75,
    ink_color TEXT NOT NULL DEFAULT '#000000',
    is_public INTEGER NOT NULL DEFAULT 0 CHECK (is_public IN (0, 1)),
    is_system INTEGER NOT NULL DEFAULT 0 CHECK (is_system IN (0, 1)),
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
-- migrate:down
DROP TABLE IF EXISTS template_presets;
