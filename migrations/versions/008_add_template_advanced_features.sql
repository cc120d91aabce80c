-- Add five advanced-feature columns to template_presets: a character override
-- collection, background style, text alignment, stroke width and paragraph
-- spacing. SQLite has no ADD COLUMN IF NOT EXISTS, so this up is not meant to
-- be run twice by hand.
-- migrate:up
ALTER TABLE template_presets ADD COLUMN character_override_collection_id INTEGER REFERENCES character_override_collections(id) ON DELETE SET NULL;
ALTER TABLE template_presets ADD COLUMN background_style TEXT NOT NULL DEFAULT 'blank' CHECK (background_style IN ('blank', 'lined', 'grid', 'dotted'));
ALTER TABLE template_presets ADD COLUMN text_alignment TEXT NOT NULL DEFAULT 'left' CHECK (text_alignment IN ('left', 'center', 'right', 'justify'));
ALTER TABLE template_presets ADD COLUMN stroke_width REAL NOT NULL DEFAULT 1.0;
ALTER TABLE template_presets ADD COLUMN paragraph_spacing REAL NOT NULL DEFAULT 0;
-- migrate:down foreign_keys:off
-- SQLite's DROP COLUMN refuses character_override_collection_id (it is part of
-- a foreign key), so the table is rebuilt the way SQLite documents
-- (https://www.sqlite.org/lang_altertable.html#otheralter): create the new
-- table, copy the rows, drop the old table, rename the new one. Foreign keys
-- are off for this section (see the marker above); the tool runs
-- PRAGMA foreign_key_check before COMMIT.
--
-- What depends on template_presets at version 8, when this runs:
--   * no other table references template_presets in a FOREIGN KEY, so the
--     DROP and the RENAME rewrite nobody's constraints;
--   * no index: template_presets has no UNIQUE constraint, and its indexes
--     (idx_template_presets_*) come with 011, which is reverted before this
--     runs;
--   * no trigger or view: 012's trigger and 013/014's views are reverted
--     before this runs.
-- So nothing needs to be recreated after the rename. If a later migration ever
-- adds an index or trigger on template_presets below version 8, recreate it
-- here after the RENAME.
--
-- The CREATE TABLE text is an exact copy of 005's (only the name differs), so
-- that after the RENAME sqlite_master holds the same definition as after 005.
DROP TABLE IF EXISTS template_presets_new;
CREATE TABLE IF NOT EXISTS template_presets_new (
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
INSERT INTO template_presets_new (
    id, name, description, user_id, page_size_preset_id, orientation,
    margin_top, margin_right, margin_bottom, margin_left, line_height,
    handwriting_style, legibility_bias, ink_color, is_public, is_system,
    created_at, updated_at
)
SELECT
    id, name, description, user_id, page_size_preset_id, orientation,
    margin_top, margin_right, margin_bottom, margin_left, line_height,
    handwriting_style, legibility_bias, ink_color, is_public, is_system,
    created_at, updated_at
FROM template_presets
ORDER BY id;
-- Keep AUTOINCREMENT's high-water mark: ids of deleted templates must not be
-- handed out again. The copy above set the new table's counter to MAX(id),
-- which can be lower than the old table's.
DELETE FROM sqlite_sequence WHERE name = 'template_presets_new';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'template_presets_new', seq FROM sqlite_sequence WHERE name = 'template_presets';
DROP TABLE IF EXISTS template_presets;
ALTER TABLE template_presets_new RENAME TO template_presets;
