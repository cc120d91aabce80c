//! `adopt`: converting the history table of WriteBot's Python runner
//! (`migrations/migrate.py`: `id, version, name, applied_at`) into Strata's,
//! in place and in one transaction. Each recorded version keeps the time it
//! was applied; names, checksums and scripts come from the migration files.

use crate::driver::{Driver, LegacyRow};
use crate::error::{Error, Result};
use crate::history::{Cell, Record, RowState, Shape, ADOPT_BACKUP};
use crate::migration::Migration;

/// What `adopt` found or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Adoption {
    /// There is no history table: nothing to adopt (`up` creates Strata's).
    NoTable,
    /// The history table is Strata's already.
    AlreadyStrata,
    /// The table was converted; its rows, by version. The old table is kept
    /// as [`ADOPT_BACKUP`].
    Converted(Vec<Adopted>),
}

/// One converted row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adopted {
    pub version: u64,
    /// The file's version text, or the recorded one when the file is gone.
    pub label: String,
    /// The file's description, or the recorded name when the file is gone.
    pub name: String,
    /// UTC `YYYY-MM-DD HH:MM:SS`, as recorded (fractions of a second dropped).
    pub applied_at: String,
    pub file: FileMatch,
}

/// How a recorded version matches the migration files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileMatch {
    /// A file has this version and the recorded name.
    Same,
    /// No file has this version: the row keeps the recorded name, an empty
    /// checksum and no scripts, so `status` shows it as missing.
    Gone,
    /// A file has this version under another name (`recorded` is the old row's).
    Renamed { recorded: String },
}

/// Converts the history table; see the module documentation. `migrations` are sorted by version.
pub(crate) fn adopt(driver: &mut dyn Driver, migrations: &[Migration]) -> Result<Adoption> {
    let database = driver.describe();
    match driver.history_shape()? {
        Shape::Absent => return Ok(Adoption::NoTable),
        Shape::Strata => return Ok(Adoption::AlreadyStrata),
        Shape::Other(columns) => return Err(crate::history::store::foreign(driver, columns, false)),
        Shape::WriteBot => {}
    }
    let table = driver.history_table().to_string();
    let refuse = |reason: String| Error::AdoptRefused { table: table.clone(), database: database.clone(), reason };
    let mut rows = Vec::new();
    for row in driver.legacy_history()? {
        rows.push(convert(&row, migrations).map_err(refuse)?);
    }
    rows.sort_by_key(|(adopted, _)| adopted.version);
    if let Some(pair) = rows.windows(2).find(|pair| pair[0].0.version == pair[1].0.version) {
        let reason = format!("versions {} and {} are one version", pair[0].0.label, pair[1].0.label);
        return Err(refuse(reason));
    }
    // The scripts are stored in history, so that a migration whose file goes can still be reverted.
    let scripts = rows.iter().map(|(_, migration)| scripts(*migration)).collect::<crate::Result<Vec<_>>>()?;
    let records: Vec<Record<'_>> = rows
        .iter()
        .zip(&scripts)
        .map(|((adopted, migration), (up, down))| record(adopted, *migration, up, down.as_deref()))
        .collect();
    driver.replace_history(ADOPT_BACKUP, &records)?;
    Ok(Adoption::Converted(rows.into_iter().map(|(adopted, _)| adopted).collect()))
}

/// One old row, with the migration file of its version if there is one; or why it cannot be converted.
fn convert<'a>(row: &LegacyRow, migrations: &'a [Migration]) -> Result<(Adopted, Option<&'a Migration>), String> {
    let version = parse_version(&row.version)
        .ok_or_else(|| format!("version {} is not a number; Strata's versions are whole numbers", row.version))?;
    let at = || format!("version {}", row.version);
    let recorded = row.name.clone().text().ok_or_else(|| format!("{}: name {} is not text", at(), row.name))?;
    let applied_at = row.applied_at.clone().text().and_then(|text| normalize_time(&text)).ok_or_else(|| {
        format!("{}: applied_at {} is not a time of the form YYYY-MM-DD HH:MM:SS[.ffffff]", at(), row.applied_at)
    })?;
    let migration = migrations.binary_search_by_key(&version, |m| m.version).ok().map(|i| &migrations[i]);
    let (label, name, file) = match migration {
        None => (row.version.clone().text().unwrap_or_default(), recorded, FileMatch::Gone),
        Some(m) if m.name == recorded => (m.label.clone(), recorded, FileMatch::Same),
        Some(m) => (m.label.clone(), m.name.clone(), FileMatch::Renamed { recorded }),
    };
    Ok((Adopted { version, label, name, applied_at, file }, migration))
}

/// The up and down scripts of `migration`, read from its file; none when it is gone.
fn scripts(migration: Option<&Migration>) -> crate::Result<(String, Option<String>)> {
    let Some(migration) = migration else {
        return Ok((String::new(), None));
    };
    Ok((
        migration.up.text()?.into_owned(),
        migration.down.as_ref().map(|step| step.text()).transpose()?.map(|text| text.into_owned()),
    ))
}

fn record<'a>(
    adopted: &'a Adopted,
    migration: Option<&'a Migration>,
    up: &'a str,
    down_sql: Option<&'a str>,
) -> Record<'a> {
    let down = migration.and_then(|m| m.down.as_ref());
    Record {
        version: adopted.version,
        name: &adopted.name,
        checksum: migration.map_or("", |m| m.checksum.as_str()),
        applied_at: adopted.applied_at.clone(),
        execution_ms: 0,
        state: RowState::Applied,
        up_sql: up,
        down_sql,
        down_options: down.map(|step| step.options.to_marker_text()).unwrap_or_default(),
    }
}

/// `'001'` or `1` is version 1; anything but digits is not a version.
fn parse_version(cell: &Cell) -> Option<u64> {
    match cell {
        Cell::Integer(_) => cell.whole(),
        Cell::Text(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => text.parse().ok(),
        _ => None,
    }
}

/// SQLAlchemy's SQLite DateTime text (`2024-01-15 10:30:45.123456`, or with a `T`)
/// as `2024-01-15 10:30:45`.
fn normalize_time(text: &str) -> Option<String> {
    const SHAPE: &[u8] = b"dddd-dd-dd dd:dd:dd";
    let bytes = text.as_bytes();
    let head = bytes.get(..SHAPE.len())?;
    let fits = SHAPE.iter().zip(head).all(|(&shape, &b)| match shape {
        b'd' => b.is_ascii_digit(),
        b' ' => b == b' ' || b == b'T',
        _ => b == shape,
    });
    let rest = &bytes[SHAPE.len()..];
    let fraction = rest.is_empty() || (rest[0] == b'.' && rest.len() > 1 && rest[1..].iter().all(u8::is_ascii_digit));
    (fits && fraction && head.is_ascii()).then(|| format!("{} {}", &text[..10], &text[11..19]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_recorded_time_to_the_second() {
        assert_eq!(normalize_time("2024-01-15 10:30:45.123456").as_deref(), Some("2024-01-15 10:30:45"));
        assert_eq!(normalize_time("2024-01-15T10:30:45").as_deref(), Some("2024-01-15 10:30:45"));
        assert_eq!(normalize_time("2024-01-15 10:30:45").as_deref(), Some("2024-01-15 10:30:45"));
        for bad in
            ["2024-01-15", "yesterday", "2024-01-15 10:30:45+01:00", "2024-01-15 10:30:45.", "2024-01-15 10:3x:45"]
        {
            assert_eq!(normalize_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn versions_are_digits_only() {
        assert_eq!(parse_version(&Cell::Text("001".into())), Some(1));
        assert_eq!(parse_version(&Cell::Integer(14)), Some(14));
        for bad in
            [Cell::Text("1a".into()), Cell::Text(String::new()), Cell::Text(" 1".into()), Cell::Integer(-1), Cell::Null]
        {
            assert_eq!(parse_version(&bad), None, "{bad}");
        }
    }
}
