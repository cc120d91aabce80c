//! TEMPORARY (replaced by the Dialect seam's branch at merge): what the history store needs of a dialect.

/// How a database writes SQL.
pub trait Dialect: Send + Sync {
    /// The placeholder of the `n`-th (1-based) bound parameter.
    fn placeholder(&self, n: usize) -> String;
    /// `name` as a quoted identifier.
    fn quote_ident(&self, name: &str) -> String {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// SQLite's dialect.
pub struct Sqlite;
pub static SQLITE: Sqlite = Sqlite;

impl Dialect for Sqlite {
    fn placeholder(&self, n: usize) -> String {
        format!("?{n}")
    }
}

/// PostgreSQL's dialect.
pub struct Postgres;
pub static POSTGRES: Postgres = Postgres;

impl Dialect for Postgres {
    fn placeholder(&self, n: usize) -> String {
        format!("${n}")
    }
}
