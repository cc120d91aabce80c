//! MySQL and MariaDB (and MariaDB Galera clusters).

#[doc(hidden)]
pub mod lease;
