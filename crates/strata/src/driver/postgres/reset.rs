//! `reset` on PostgreSQL: drops what one schema holds, in one transaction,
//! and nothing else: never another schema, never an extension's objects,
//! never roles. Each kind is dropped in one statement naming every object of
//! that kind, so objects that depend on each other (tables with foreign keys
//! between them, views on views) go together, without CASCADE, which could
//! reach into other schemas. Kinds that depend on each other the other way
//! round (a view on a materialized view on a view, a function taking a
//! table's row type, a domain checked by a function) are dropped in rounds:
//! a kind that something still depends on waits (what of it can go goes),
//! and is tried again once the others are gone. When a round drops nothing,
//! what is left depends on something elsewhere: the reset fails, naming it,
//! and changes nothing.

use postgres::error::SqlState;
use postgres::Client;

use super::error::db;
use crate::error::{Error, Result};

/// The kinds, in the order they are dropped, with the query listing each
/// (qualified, quoted names; routines with their argument types) in schema `$1`,
/// leaving out the history table `$2` and members of extensions.
const KINDS: [(&str, &str, &str); 9] = [
    ("materialized view", "MATERIALIZED VIEW", "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'm' AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') AND $2::text IS NOT NULL ORDER BY 1"),
    ("view", "VIEW", "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'v' AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') AND $2::text IS NOT NULL ORDER BY 1"),
    ("table", "TABLE", "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'f') AND c.relname <> $2 AND NOT c.relispartition AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') ORDER BY 1"),
    ("sequence", "SEQUENCE", "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'S' AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i')) AND $2::text IS NOT NULL ORDER BY 1"),
    ("function", "FUNCTION", "SELECT format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.prokind IN ('f', 'w') AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') AND $2::text IS NOT NULL ORDER BY 1"),
    ("aggregate", "AGGREGATE", "SELECT format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.prokind = 'a' AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') AND $2::text IS NOT NULL ORDER BY 1"),
    ("procedure", "PROCEDURE", "SELECT format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.prokind = 'p' AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') AND $2::text IS NOT NULL ORDER BY 1"),
    ("domain", "DOMAIN", "SELECT format('%I.%I', n.nspname, t.typname) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typtype = 'd' AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e') AND $2::text IS NOT NULL ORDER BY 1"),
    // Enums, composite types and ranges; not the row types of tables nor array types.
    ("type", "TYPE", "SELECT format('%I.%I', n.nspname, t.typname) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND (t.typtype IN ('e', 'r') OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')) AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e') AND $2::text IS NOT NULL ORDER BY 1"),
];

/// Drops everything schema `schema` holds but the history table `table`
/// (in the caller's transaction); counts by kind.
pub fn drop_all(client: &mut Client, schema: &str, table: &str) -> Result<Vec<(&'static str, usize)>> {
    let mut left = Vec::with_capacity(KINDS.len());
    for (_, _, list) in KINDS {
        let names: Vec<String> =
            client.query(list, &[&schema, &table]).map_err(db)?.iter().map(|row| row.get(0)).collect();
        left.push(names);
    }
    let counts = KINDS.iter().zip(&left).map(|((kind, _, _), names)| (*kind, names.len())).collect();
    let remaining = |left: &[Vec<String>]| left.iter().map(Vec::len).sum::<usize>();
    while remaining(&left) > 0 {
        let before = remaining(&left);
        let mut reasons = Vec::new();
        for ((_, keyword, _), names) in KINDS.iter().zip(&mut left) {
            drop_kind(client, keyword, names, &mut reasons)?;
        }
        if remaining(&left) == before {
            return Err(blocked(schema, &reasons));
        }
    }
    Ok(counts)
}

/// Drops `names`, of the kind `keyword` drops: all in one statement, else,
/// when something depends on them, each that can go on its own. What is
/// left waits for the next round; `reasons` gets the server's.
fn drop_kind(client: &mut Client, keyword: &str, names: &mut Vec<String>, reasons: &mut Vec<String>) -> Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    match try_drop(client, keyword, names)? {
        None => {
            names.clear();
            return Ok(());
        }
        Some(reason) if names.len() == 1 => {
            reasons.push(reason);
            return Ok(());
        }
        Some(_) => {}
    }
    let mut kept = Vec::new();
    for name in std::mem::take(names) {
        if let Some(reason) = try_drop(client, keyword, std::slice::from_ref(&name))? {
            reasons.push(reason);
            kept.push(name);
        }
    }
    *names = kept;
    Ok(())
}

/// `DROP keyword names` in a savepoint, in the same round trip: `None` when
/// they are gone, the server's reason when something depends on them (and
/// nothing was dropped), an error on any other failure.
fn try_drop(client: &mut Client, keyword: &str, names: &[String]) -> Result<Option<String>> {
    let drop = format!("SAVEPOINT strata_reset; DROP {keyword} {}; RELEASE SAVEPOINT strata_reset", names.join(", "));
    let Err(error) = client.batch_execute(&drop) else {
        return Ok(None);
    };
    client.batch_execute("ROLLBACK TO SAVEPOINT strata_reset; RELEASE SAVEPOINT strata_reset").map_err(db)?;
    match error.as_db_error() {
        // The server's hint (DROP … CASCADE) is not Strata's way: its message and detail only.
        Some(server) if *server.code() == SqlState::DEPENDENT_OBJECTS_STILL_EXIST => {
            let detail = server.detail().map(|detail| format!(" ({})", detail.replace('\n', "; ")));
            Ok(Some(format!("{}{}", server.message(), detail.unwrap_or_default())))
        }
        _ => Err(db(error)),
    }
}

/// What is left cannot go: something elsewhere depends on it.
fn blocked(schema: &str, reasons: &[String]) -> Error {
    let mut shown: Vec<&str> = Vec::new();
    for reason in reasons {
        if !shown.contains(&reason.as_str()) {
            shown.push(reason);
        }
    }
    Error::Database(format!(
        "cannot reset the schema {schema}: {} (SQLSTATE 2BP01); nothing was dropped. reset never drops another \
         schema's objects and never uses CASCADE: drop or change what depends on this schema's objects first",
        shown.join("; ")
    ))
}
