use std::io::Write;

use clap::Args;
use strata::scaffold::{self, NewMigration, Numbering};

use crate::config::Settings;
use crate::failure::Failure;

/// Write a new migration with the next version and empty up and down sections
///
/// It follows the folder: an .up.sql/.down.sql pair where the newest
/// migration is a pair, a UTC timestamp version (YYYYMMDDHHMMSS) where
/// versions are timestamps, else the highest version + 1 (001 in an empty
/// folder).
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// What the migration does, e.g. "add user preferences" (becomes add_user_preferences)
    #[arg(value_name = "DESCRIPTION")]
    pub description: String,

    /// Number the new version by the UTC time (YYYYMMDDHHMMSS), whatever the folder uses
    #[arg(long, conflicts_with = "sequential")]
    pub timestamp: bool,

    /// Number the new version as the highest + 1, whatever the folder uses
    #[arg(long)]
    pub sequential: bool,
}

/// The highest version in the configured database's history, so that a new
/// file never takes the version of an applied migration whose file is gone.
/// 0 without a database, or when it or its history table does not exist yet,
/// or when this build cannot open such databases (so it applied nothing
/// there); the database is only read, never created.
fn highest_applied(settings: &Settings) -> Result<u64, Failure> {
    let Some(url) = settings.database_if_given()? else {
        return Ok(0);
    };
    if !matches!(url, strata::DatabaseUrl::Sqlite(_)) {
        return Ok(0);
    }
    let Some(mut db) = strata::open_read_only(&url, &settings.open)? else {
        return Ok(0);
    };
    let history = db.read_history_if_exists()?.unwrap_or_default();
    Ok(history.iter().map(|row| row.version).max().unwrap_or(0))
}

pub fn cmd_create(settings: &Settings, args: &CreateArgs) -> Result<(), Failure> {
    let Some(slug) = scaffold::slug(&args.description) else {
        return Err(Failure::invalid(
            format!("the description {:?} has no letters or digits to name a file with", args.description),
            "describe the change in words, e.g. `strata create \"add user preferences\"`.".to_owned(),
        ));
    };
    if slug.len() > scaffold::MAX_SLUG_BYTES {
        return Err(Failure::invalid(
            format!(
                "the description is too long for a file name: it makes a name of {} bytes, at most {} are allowed; nothing was written",
                slug.len(),
                scaffold::MAX_SLUG_BYTES
            ),
            "describe the change in a few words; say more in the comment at the top of the file.".to_owned(),
        ));
    }
    let numbering = match (args.timestamp, args.sequential) {
        (true, _) => Some(Numbering::Timestamp),
        (_, true) => Some(Numbering::Sequential),
        _ => None,
    };
    // The history is consulted when it can be read: `create` needs no database.
    let highest_applied = highest_applied(settings).unwrap_or(0);
    let new = NewMigration { slug: &slug, description: &args.description, numbering, highest_applied };
    let paths = scaffold::create(&settings.dir, &new)?;
    let mut out = anstream::stdout().lock();
    for path in paths {
        writeln!(out, "Created {}", path.display())?;
    }
    Ok(())
}
