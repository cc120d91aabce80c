use std::io::Write;

use clap::Args;
use strata::scaffold;

use crate::config::Settings;
use crate::failure::Failure;

/// Write a new migration file with the next version and empty up and down sections
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// What the migration does, e.g. "add user preferences" (becomes add_user_preferences)
    #[arg(value_name = "DESCRIPTION")]
    pub description: String,
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
    let Some(mut db) = strata::open_read_only(&url)? else {
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
    let migrations = match settings.dir.is_dir() {
        true => strata::source::load_dir(&settings.dir)?,
        false => Vec::new(),
    };
    let file_name = scaffold::next_file_name(&migrations, highest_applied(settings)?, &slug);
    let path = scaffold::create(&settings.dir, &file_name, &args.description)?;
    writeln!(anstream::stdout(), "Created {}", path.display())?;
    Ok(())
}
