//! What a database can do, as its driver declares it. The engine reads these
//! when it prepares a plan, so an option the database cannot honour stops the
//! command before anything runs, and the way each step runs (one transaction
//! with its history row, or recorded as under way) is chosen, never found out
//! by failing midway.

/// What a database can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// `CREATE`, `ALTER` and `DROP` run inside a transaction and roll back
    /// with it (SQLite, PostgreSQL; not MySQL/MariaDB, where DDL commits).
    pub transactional_ddl: bool,
    /// Foreign-key enforcement can be switched off for one step
    /// (`foreign_keys:off`; SQLite's `PRAGMA foreign_keys`).
    pub foreign_keys_switch: bool,
    /// Runners exclude each other with a lock the database server keeps
    /// (PostgreSQL's advisory locks); without it, a lock beside the database
    /// (SQLite's lock file) or none (`--no-lock`).
    pub advisory_locks: bool,
    /// The history table and `reset` work in a named schema (`--schema`).
    pub schemas: bool,
    /// A transactional section goes to the server whole, in one round trip
    /// (several statements in one simple query), instead of statement by statement.
    pub whole_scripts: bool,
}

impl Capabilities {
    /// SQLite's.
    pub const SQLITE: Capabilities = Capabilities {
        transactional_ddl: true,
        foreign_keys_switch: true,
        advisory_locks: false,
        schemas: false,
        whole_scripts: false,
    };
    /// PostgreSQL's.
    pub const POSTGRES: Capabilities = Capabilities {
        transactional_ddl: true,
        foreign_keys_switch: false,
        advisory_locks: true,
        schemas: true,
        whole_scripts: true,
    };
    /// MySQL's and MariaDB's: DDL commits implicitly, so every step is
    /// recorded as under way while it runs; the history table lives in the
    /// connection's database; statements go one at a time, each error named
    /// at its own statement.
    pub const MYSQL: Capabilities = Capabilities {
        transactional_ddl: false,
        foreign_keys_switch: false,
        advisory_locks: true,
        schemas: false,
        whole_scripts: false,
    };
}
