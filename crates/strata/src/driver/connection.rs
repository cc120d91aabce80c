//! The small interface the history table is read and written over: run a
//! statement with bound parameters, or read rows. Each driver implements it
//! once; `history/store.rs` is written once on top of it.

use crate::error::Result;
use crate::history::Cell;

/// A value bound to a statement's parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param<'a> {
    Int(i64),
    /// Text, or SQL `NULL`.
    Text(Option<&'a str>),
}

/// A connection, as the history table's code uses it. Placeholders are the
/// dialect's ([`crate::dialect::Dialect::placeholder`]).
pub trait Connection {
    /// Runs one statement with `params` bound; returns how many rows it changed.
    fn execute_params(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64>;
    /// Runs a query with `params` bound; returns every row's values.
    fn query(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Vec<Cell>>>;
}
