//! MySQL and MariaDB (and MariaDB Galera clusters).

pub mod lease;
