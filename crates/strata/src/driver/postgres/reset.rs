//! `reset` on PostgreSQL: drops what one schema holds, in one transaction,
//! and nothing else: never another schema, never an extension's objects,
//! never roles. Each kind is dropped in one statement naming every object of
//! that kind, so objects that depend on each other (tables with foreign keys
//! between them, views on views) go together, without CASCADE, which could
//! reach into other schemas; an object elsewhere that depends on one of them
//! makes the reset fail, naming it, and changes nothing.

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

/// Drops everything schema `schema` holds but the history table `table`,
/// then empties that (in the caller's transaction); counts by kind.
pub fn drop_all(client: &mut Client, schema: &str, table: &str) -> Result<Vec<(&'static str, usize)>> {
    let mut counts = Vec::with_capacity(KINDS.len());
    for (kind, keyword, list) in KINDS {
        let names: Vec<String> =
            client.query(list, &[&schema, &table]).map_err(db)?.iter().map(|row| row.get(0)).collect();
        if !names.is_empty() {
            client.batch_execute(&format!("DROP {keyword} {}", names.join(", "))).map_err(blocked)?;
        }
        counts.push((kind, names.len()));
    }
    Ok(counts)
}

/// A drop that fails because something else depends on what it drops: the
/// server's message with its detail, which names what depends on what.
fn blocked(error: postgres::Error) -> Error {
    match error.as_db_error() {
        Some(server) if *server.code() == SqlState::DEPENDENT_OBJECTS_STILL_EXIST => {
            let detail = server.detail().unwrap_or_default().replace('\n', "; ");
            Error::Database(format!(
                "{}: {detail} (SQLSTATE 2BP01); reset never drops with CASCADE, so nothing was dropped: \
                 drop or change those objects first",
                server.message()
            ))
        }
        _ => db(error),
    }
}
