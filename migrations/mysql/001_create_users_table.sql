-- Create the users table: accounts, roles and login state.
-- MySQL/MariaDB version of migrations/versions/001; how its types and rules
-- map from SQLite's is in README.md beside this file (BIGINT AUTO_INCREMENT
-- ids, VARCHAR where a key or a default needs a length, BOOLEAN flags with a
-- CHECK, DATETIME in UTC defaulting to UTC_TIMESTAMP(), utf8mb4_bin, named
-- keys and constraints).
-- migrate:up
CREATE TABLE users (
    id BIGINT NOT NULL AUTO_INCREMENT,
    username VARCHAR(255) NOT NULL,
    email VARCHAR(255) NOT NULL,
    password_hash TEXT NOT NULL,
    display_name VARCHAR(255),
    role VARCHAR(16) NOT NULL DEFAULT 'user',
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    email_verified BOOLEAN NOT NULL DEFAULT FALSE,
    created_at DATETIME NOT NULL DEFAULT (UTC_TIMESTAMP()),
    updated_at DATETIME NOT NULL DEFAULT (UTC_TIMESTAMP()),
    last_login_at DATETIME,
    PRIMARY KEY (id),
    UNIQUE KEY uq_users_username (username),
    UNIQUE KEY uq_users_email (email),
    CONSTRAINT chk_users_role CHECK (role IN ('user', 'admin')),
    CONSTRAINT chk_users_is_active CHECK (is_active IN (0, 1)),
    CONSTRAINT chk_users_email_verified CHECK (email_verified IN (0, 1))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- migrate:down
-- Later migrations' tables that reference users are dropped by their own
-- downgrades first. IF EXISTS: a down section can be run again by hand after
-- it stopped midway (see README.md).
DROP TABLE IF EXISTS users;
