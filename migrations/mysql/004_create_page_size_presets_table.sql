-- Create page_size_presets: named page sizes, system-wide (user_id NULL) or per user.
-- migrate:up
CREATE TABLE page_size_presets (
    id BIGINT NOT NULL AUTO_INCREMENT,
    name VARCHAR(255) NOT NULL,
    width DOUBLE NOT NULL,
    height DOUBLE NOT NULL,
    unit VARCHAR(16) NOT NULL DEFAULT 'mm',
    is_system BOOLEAN NOT NULL DEFAULT FALSE,
    user_id BIGINT,
    created_at DATETIME NOT NULL DEFAULT (UTC_TIMESTAMP()),
    updated_at DATETIME NOT NULL DEFAULT (UTC_TIMESTAMP()),
    PRIMARY KEY (id),
    UNIQUE KEY uq_page_size_presets_name (name),
    KEY fk_page_size_presets_user_id (user_id),
    CONSTRAINT fk_page_size_presets_user_id FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT chk_page_size_presets_width CHECK (width > 0),
    CONSTRAINT chk_page_size_presets_height CHECK (height > 0),
    CONSTRAINT chk_page_size_presets_unit CHECK (unit IN ('mm', 'in', 'px')),
    CONSTRAINT chk_page_size_presets_is_system CHECK (is_system IN (0, 1))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- migrate:down
DROP TABLE IF EXISTS page_size_presets;
