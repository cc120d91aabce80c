-- Create template_presets: page layout and handwriting settings, system-wide
-- (user_id NULL) or per user. Margins are in mm.
-- MySQL has no partial unique index, so unlike PostgreSQL nothing here keeps
-- two system templates from sharing a name; 010 looks its names up instead.
-- migrate:up
CREATE TABLE template_presets (
    id BIGINT NOT NULL AUTO_INCREMENT,
    name VARCHAR(255) NOT NULL,
    description TEXT,
    user_id BIGINT,
    page_size_preset_id BIGINT,
    orientation VARCHAR(16) NOT NULL DEFAULT 'portrait',
    margin_top DOUBLE NOT NULL DEFAULT 20,
    margin_right DOUBLE NOT NULL DEFAULT 20,
    margin_bottom DOUBLE NOT NULL DEFAULT 20,
    margin_left DOUBLE NOT NULL DEFAULT 20,
    line_height DOUBLE NOT NULL DEFAULT 10,
    handwriting_style BIGINT,
    legibility_bias DOUBLE NOT NULL DEFAULT 0.75,
    ink_color VARCHAR(32) NOT NULL DEFAULT '#000000',
    is_public BOOLEAN NOT NULL DEFAULT FALSE,
    is_system BOOLEAN NOT NULL DEFAULT FALSE,
    created_at DATETIME NOT NULL DEFAULT (UTC_TIMESTAMP()),
    updated_at DATETIME NOT NULL DEFAULT (UTC_TIMESTAMP()),
    PRIMARY KEY (id),
    KEY fk_template_presets_user_id (user_id),
    KEY fk_template_presets_page_size_preset_id (page_size_preset_id),
    CONSTRAINT fk_template_presets_user_id FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_template_presets_page_size_preset_id FOREIGN KEY (page_size_preset_id)
        REFERENCES page_size_presets (id) ON DELETE SET NULL,
    CONSTRAINT chk_template_presets_orientation CHECK (orientation IN ('portrait', 'landscape')),
    CONSTRAINT chk_template_presets_is_public CHECK (is_public IN (0, 1)),
    CONSTRAINT chk_template_presets_is_system CHECK (is_system IN (0, 1))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- migrate:down
DROP TABLE IF EXISTS template_presets;
