//! Foreign-key enforcement switched off for a step, and the check that every
//! foreign key holds afterwards. MySQL checks nothing when
//! `foreign_key_checks` is turned on again, so the check is Strata's: for
//! each foreign key of the connection's database (from
//! `information_schema.KEY_COLUMN_USAGE`), the rows whose key columns are
//! all set and match no row of the referenced table (`MATCH SIMPLE`, as
//! InnoDB enforces it). One query a foreign key, each a scan of its table.

use mysql::prelude::Queryable;
use mysql::Conn;

use super::error::db;
use crate::error::Result;

/// How many broken rows a message describes.
const DESCRIBED: usize = 3;

/// Turns enforcement on or off for the session.
pub fn set(conn: &mut Conn, enabled: bool) -> Result<()> {
    conn.query_drop(format!("SET SESSION foreign_key_checks = {}", u8::from(enabled))).map_err(db)
}

/// One foreign key: the child table and columns, the parent and its columns.
#[derive(Debug, Default)]
struct Key {
    table: String,
    name: String,
    columns: Vec<String>,
    parent_schema: String,
    parent_table: String,
    parent_columns: Vec<String>,
}

/// The rows that break a foreign key, counted, and the first few described
/// (`posts (user_id) = (42) references a missing users row`).
pub fn violations(conn: &mut Conn) -> Result<(usize, Vec<String>)> {
    let mut count = 0;
    let mut described = Vec::new();
    for key in keys(conn)? {
        let (from, missing) = anti_join(&key);
        let broken: u64 = conn.query_first(format!("SELECT COUNT(*) {from} {missing}")).map_err(db)?.unwrap_or(0);
        count += usize::try_from(broken).unwrap_or(usize::MAX);
        let room = DESCRIBED.saturating_sub(described.len());
        if broken == 0 || room == 0 {
            continue;
        }
        let values = key.columns.iter().map(|c| format!("COALESCE(CAST(c.{} AS CHAR), 'NULL')", quote(c)));
        let sql =
            format!("SELECT CONCAT_WS(', ', {}) {from} {missing} LIMIT {room}", values.collect::<Vec<_>>().join(", "));
        for row in conn.query::<String, _>(sql).map_err(db)? {
            described.push(format!(
                "{} ({}) = ({row}) references a missing {} row (foreign key {})",
                key.table,
                key.columns.join(", "),
                key.parent_table,
                key.name
            ));
        }
    }
    Ok((count, described))
}

/// Every foreign key of the connection's database, its columns in order.
fn keys(conn: &mut Conn) -> Result<Vec<Key>> {
    let rows: Vec<(String, String, String, String, String, String)> = conn
        .query(
            "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, \
             REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE \
             WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL \
             ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION",
        )
        .map_err(db)?;
    let mut keys: Vec<Key> = Vec::new();
    for (table, name, column, parent_schema, parent_table, parent_column) in rows {
        let same = keys.last().is_some_and(|key| key.table == table && key.name == name);
        if !same {
            keys.push(Key { table, name, parent_schema, parent_table, ..Key::default() });
        }
        let key = keys.last_mut().expect("pushed above");
        key.columns.push(column);
        key.parent_columns.push(parent_column);
    }
    Ok(keys)
}

/// `FROM child c` and the condition of its rows that break `key`.
fn anti_join(key: &Key) -> (String, String) {
    let set: Vec<String> = key.columns.iter().map(|c| format!("c.{} IS NOT NULL", quote(c))).collect();
    let matched: Vec<String> = key
        .columns
        .iter()
        .zip(&key.parent_columns)
        .map(|(child, parent)| format!("p.{} = c.{}", quote(parent), quote(child)))
        .collect();
    let parent = format!("{}.{}", quote(&key.parent_schema), quote(&key.parent_table));
    (
        format!("FROM {} c", quote(&key.table)),
        format!(
            "WHERE {} AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE {})",
            set.join(" AND "),
            matched.join(" AND ")
        ),
    )
}

fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_composite_key_is_checked_as_match_simple() {
        let key = Key {
            table: "line".to_owned(),
            name: "line_order".to_owned(),
            columns: vec!["order_id".to_owned(), "shop`id".to_owned()],
            parent_schema: "app".to_owned(),
            parent_table: "orders".to_owned(),
            parent_columns: vec!["id".to_owned(), "shop".to_owned()],
        };
        assert_eq!(
            anti_join(&key),
            (
                "FROM `line` c".to_owned(),
                "WHERE c.`order_id` IS NOT NULL AND c.`shop``id` IS NOT NULL AND NOT EXISTS \
                 (SELECT 1 FROM `app`.`orders` p WHERE p.`id` = c.`order_id` AND p.`shop` = c.`shop``id`)"
                    .to_owned()
            )
        );
    }
}
