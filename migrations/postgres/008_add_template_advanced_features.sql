-- Add five advanced-feature columns to template_presets: a character override
-- collection, background style, text alignment, stroke width and paragraph
-- spacing.
--
-- PostgreSQL drops a column with its CHECK and its foreign key, keeping every
-- row and the other columns' data, so the downgrade needs none of SQLite's
-- table rebuild (and no foreign_keys option). A column's DEFAULT here is a
-- constant, so adding it rewrites no rows. The drop is not CASCADE: an index,
-- view or trigger of a later migration still using a column makes it fail
-- rather than vanish (011-014 are reverted before this runs).
-- migrate:up
ALTER TABLE template_presets
    ADD COLUMN character_override_collection_id bigint
        REFERENCES character_override_collections (id) ON DELETE SET NULL,
    ADD COLUMN background_style text NOT NULL DEFAULT 'blank'
        CHECK (background_style IN ('blank', 'lined', 'grid', 'dotted')),
    ADD COLUMN text_alignment text NOT NULL DEFAULT 'left'
        CHECK (text_alignment IN ('left', 'center', 'right', 'justify')),
    ADD COLUMN stroke_width double precision NOT NULL DEFAULT 1.0,
    ADD COLUMN paragraph_spacing double precision NOT NULL DEFAULT 0;
-- migrate:down
ALTER TABLE template_presets
    DROP COLUMN paragraph_spacing,
    DROP COLUMN stroke_width,
    DROP COLUMN text_alignment,
    DROP COLUMN background_style,
    DROP COLUMN character_override_collection_id;
