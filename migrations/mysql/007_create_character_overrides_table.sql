-- Create character_overrides: one custom SVG glyph per character per collection.
-- `character` is a reserved word in MySQL, so it is always quoted. CHAR_LENGTH
-- counts characters, not bytes, so 'é' is one character; utf8mb4_bin tells
-- 'a' from 'A' in the unique key. svg_data is MEDIUMTEXT (16 MiB), TEXT's
-- 64 KiB being too little for a detailed glyph.
-- migrate:up
CREATE TABLE character_overrides (
    id BIGINT NOT NULL AUTO_INCREMENT,
    collection_id BIGINT NOT NULL,
    `character` VARCHAR(1) NOT NULL,
    svg_data MEDIUMTEXT NOT NULL,
    baseline_offset DOUBLE NOT NULL DEFAULT 0,
    x_advance DOUBLE,
    created_at DATETIME NOT NULL DEFAULT (UTC_TIMESTAMP()),
    updated_at DATETIME NOT NULL DEFAULT (UTC_TIMESTAMP()),
    PRIMARY KEY (id),
    UNIQUE KEY uq_character_overrides_collection_id_character (collection_id, `character`),
    CONSTRAINT fk_character_overrides_collection_id FOREIGN KEY (collection_id)
        REFERENCES character_override_collections (id) ON DELETE CASCADE,
    CONSTRAINT chk_character_overrides_character CHECK (CHAR_LENGTH(`character`) = 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- migrate:down
DROP TABLE IF EXISTS character_overrides;
