//! Strata: versioned, reversible database schema migrations.
//!
//! A [`Migrator`] holds a set of [`Migration`]s (read from a folder with
//! [`Migrator::from_dir`], or built in code) and runs them against a database
//! through a [`Driver`]. The planner ([`plan`]) decides what runs; it is pure,
//! so every rule about pending, out-of-order, missing and modified migrations
//! can be tested without a database.
//!
//! The drivers are synchronous (rusqlite; the `postgres` client, which panics
//! when called from inside a tokio runtime). From an async app, run Strata
//! on a blocking thread:
//!
//! ```ignore
//! let summary = tokio::task::spawn_blocking(move || {
//!     let mut db = strata::open(&strata::DatabaseUrl::parse(&url)?)?;
//!     migrator.up(db.as_mut(), &strata::Up::default(), &mut ())
//! })
//! .await??;
//! ```

pub mod adopt;
mod cache;
mod check;
pub mod dialect;
pub mod driver;
mod error;
mod folder;
pub mod history;
mod kept;
mod marker;
mod migration;
mod migrator;
pub mod plan;
pub mod prepared;
mod read;
mod redact;
pub mod repair;
mod run;
pub mod scaffold;
pub mod source;
mod url;

pub use driver::{
    open, open_locked, open_read_only, open_with, runner_at_work, Capabilities, Driver, Dropped, Holder, LockRequest,
    LockWait, OpenOptions,
};
pub use error::{Error, ErrorKind, Result};
pub use history::HistoryTable;
pub use migration::{checksum, Direction, Migration, Script, Step, StepOptions};
pub use migrator::{Action, Migrator, Observer, Summary, Up};
pub use prepared::{Mode, Plan, Planned};
pub use redact::redact_text;
pub use repair::{Repaired, Resolution};
pub use url::{redact, DatabaseUrl, SqliteTarget};
