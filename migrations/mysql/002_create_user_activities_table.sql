-- Create user_activities: the append-only activity log and audit trail.
-- metadata is LONGTEXT with a JSON_VALID check, on MySQL as on MariaDB (whose
-- JSON type is exactly that), so the text is kept as written, as in SQLite.
-- ip_address is TEXT: it holds whatever the request reported, which is not
-- always one address. fk_user_activities_user_id is the index InnoDB needs
-- for the foreign key, named here so that 011 can replace it by name.
-- migrate:up
CREATE TABLE user_activities (
    id BIGINT NOT NULL AUTO_INCREMENT,
    user_id BIGINT NOT NULL,
    activity_type VARCHAR(255) NOT NULL,
    description TEXT,
    ip_address TEXT,
    user_agent TEXT,
    metadata LONGTEXT,
    created_at DATETIME NOT NULL DEFAULT (UTC_TIMESTAMP()),
    PRIMARY KEY (id),
    KEY fk_user_activities_user_id (user_id),
    CONSTRAINT fk_user_activities_user_id FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT chk_user_activities_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- migrate:down
DROP TABLE IF EXISTS user_activities;
