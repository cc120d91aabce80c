-- Add five advanced-feature columns to template_presets: a character override
-- collection, background style, text alignment, stroke width and paragraph
-- spacing.
--
-- Each direction is one ALTER TABLE, which InnoDB applies whole or not at
-- all, so a failure leaves the table as it was. The downgrade drops the
-- columns with their foreign key and named CHECKs and keeps every row and the
-- other columns' data: no table rebuild (and no foreign_keys option) as in
-- SQLite. The foreign key's index goes with its column.
-- migrate:up
ALTER TABLE template_presets
    ADD COLUMN character_override_collection_id BIGINT,
    ADD COLUMN background_style VARCHAR(16) NOT NULL DEFAULT 'blank',
    ADD COLUMN text_alignment VARCHAR(16) NOT NULL DEFAULT 'left',
    ADD COLUMN stroke_width DOUBLE NOT NULL DEFAULT 1.0,
    ADD COLUMN paragraph_spacing DOUBLE NOT NULL DEFAULT 0,
    ADD KEY fk_template_presets_character_override_collection_id (character_override_collection_id),
    ADD CONSTRAINT fk_template_presets_character_override_collection_id
        FOREIGN KEY (character_override_collection_id)
        REFERENCES character_override_collections (id) ON DELETE SET NULL,
    ADD CONSTRAINT chk_template_presets_background_style
        CHECK (background_style IN ('blank', 'lined', 'grid', 'dotted')),
    ADD CONSTRAINT chk_template_presets_text_alignment
        CHECK (text_alignment IN ('left', 'center', 'right', 'justify'));
-- migrate:down
-- MySQL refuses to drop a column a CHECK or foreign key still uses, so they
-- are dropped in the same statement (DROP CONSTRAINT: MySQL 8.0.19+).
ALTER TABLE template_presets
    DROP FOREIGN KEY fk_template_presets_character_override_collection_id,
    DROP CONSTRAINT chk_template_presets_text_alignment,
    DROP CONSTRAINT chk_template_presets_background_style,
    DROP COLUMN paragraph_spacing,
    DROP COLUMN stroke_width,
    DROP COLUMN text_alignment,
    DROP COLUMN background_style,
    DROP COLUMN character_override_collection_id;
