//! The history table `migration_history`: what a driver reads from it and
//! writes to it, and the UTC timestamps it stores.

use std::time::{SystemTime, UNIX_EPOCH};

/// The history table's name.
pub const TABLE: &str = "migration_history";

/// Whether a history row stands for a finished migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowState {
    /// Applied and finished.
    Applied,
    /// A `transaction:false` up step started and has not finished.
    Applying,
    /// A `transaction:false` down step started and has not finished.
    Reverting,
}

impl RowState {
    /// The text stored in the `state` column.
    pub fn as_str(self) -> &'static str {
        match self {
            RowState::Applied => "applied",
            RowState::Applying => "applying",
            RowState::Reverting => "reverting",
        }
    }

    /// Reads the `state` column; anything unknown counts as unfinished.
    pub fn parse(text: &str) -> Self {
        match text {
            "applied" => RowState::Applied,
            "reverting" => RowState::Reverting,
            _ => RowState::Applying,
        }
    }
}

/// A history row as commands read it (without the stored scripts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub version: u64,
    pub name: String,
    pub checksum: String,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub applied_at: String,
    pub execution_ms: u64,
    pub state: RowState,
    /// Whether a down script is stored.
    pub has_down: bool,
}

/// A history row to insert when a migration is applied.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    pub version: u64,
    pub name: &'a str,
    pub checksum: &'a str,
    pub applied_at: String,
    pub execution_ms: u64,
    pub state: RowState,
    pub up_sql: &'a str,
    pub down_sql: Option<&'a str>,
    /// The down section's marker options, e.g. `foreign_keys:off`.
    pub down_options: String,
}

/// The current UTC time as `YYYY-MM-DD HH:MM:SS`, like SQLite's `CURRENT_TIMESTAMP`.
pub fn utc_now() -> String {
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    format_utc(seconds)
}

/// Formats seconds since 1970 (UTC) as `YYYY-MM-DD HH:MM:SS`.
pub fn format_utc(seconds: u64) -> String {
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}", rest / 3600, rest / 60 % 60, rest % 60)
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_like_sqlite_current_timestamp() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(format_utc(1_795_986_153), "2026-11-29 21:02:33");
        assert_eq!(format_utc(4_107_542_399), "2100-02-28 23:59:59");
    }

    #[test]
    fn unknown_row_state_counts_as_unfinished() {
        assert_eq!(RowState::parse("applied"), RowState::Applied);
        assert_eq!(RowState::parse("reverting"), RowState::Reverting);
        assert_eq!(RowState::parse("???"), RowState::Applying);
    }
}
