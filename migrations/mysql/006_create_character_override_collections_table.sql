-- Create character_override_collections: named sets of custom glyphs per user.
-- The unique key (user_id, name) also serves the foreign key on user_id.
-- migrate:up
CREATE TABLE character_override_collections (
    id BIGINT NOT NULL AUTO_INCREMENT,
    user_id BIGINT NOT NULL,
    name VARCHAR(255) NOT NULL,
    description TEXT,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at DATETIME NOT NULL DEFAULT (UTC_TIMESTAMP()),
    updated_at DATETIME NOT NULL DEFAULT (UTC_TIMESTAMP()),
    PRIMARY KEY (id),
    UNIQUE KEY uq_character_override_collections_user_id_name (user_id, name),
    CONSTRAINT fk_character_override_collections_user_id FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT chk_character_override_collections_is_active CHECK (is_active IN (0, 1))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- migrate:down
DROP TABLE IF EXISTS character_override_collections;
