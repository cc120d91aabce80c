//! WriteBot migration files: fourteen of them, each with an up and a down
//! section, and every CREATE TABLE/INDEX/VIEW/TRIGGER written with
//! IF NOT EXISTS and every DROP with IF EXISTS.

#[allow(unused_macros)]
#[macro_use]
#[path = "support/writebot.rs"]
mod support;

use support::*;

/// The words of a script, upper-cased, without comments, string literals or
/// quoted identifiers (a quoted identifier becomes the word `IDENT`).
fn words(sql: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut chars = sql.chars().peekable();
    let flush = |word: &mut String, words: &mut Vec<String>| {
        if !word.is_empty() {
            words.push(word.to_uppercase());
            word.clear();
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '-' if chars.peek() == Some(&'-') => {
                flush(&mut word, &mut words);
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                flush(&mut word, &mut words);
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '\'' | '"' | '`' | '[' => {
                flush(&mut word, &mut words);
                let close = if c == '[' { ']' } else { c };
                // A doubled quote inside a literal is an escaped quote: the loop just reopens.
                for c in chars.by_ref() {
                    if c == close {
                        break;
                    }
                }
                if c != '\'' {
                    words.push("IDENT".to_owned());
                }
            }
            c if c.is_alphanumeric() || c == '_' => word.push(c),
            _ => flush(&mut word, &mut words),
        }
    }
    flush(&mut word, &mut words);
    words
}

const OBJECTS: [&str; 4] = ["TABLE", "INDEX", "VIEW", "TRIGGER"];

/// Every CREATE or DROP of a table, index, view or trigger without its IF [NOT] EXISTS.
fn unguarded(sql: &str) -> Vec<String> {
    let w = words(sql);
    let mut problems = Vec::new();
    for i in 0..w.len() {
        let context = || w[i..(i + 5).min(w.len())].join(" ");
        match w[i].as_str() {
            "CREATE" => {
                let mut j = i + 1;
                while j < w.len() && matches!(w[j].as_str(), "TEMP" | "TEMPORARY" | "UNIQUE" | "VIRTUAL") {
                    j += 1;
                }
                if j < w.len()
                    && OBJECTS.contains(&w[j].as_str())
                    && w.get(j + 1..j + 4) != Some(&["IF".into(), "NOT".into(), "EXISTS".into()])
                {
                    problems.push(context());
                }
            }
            "DROP"
                if i + 1 < w.len()
                    && OBJECTS.contains(&w[i + 1].as_str())
                    && w.get(i + 2..i + 4) != Some(&["IF".into(), "EXISTS".into()]) =>
            {
                problems.push(context());
            }
            _ => {}
        }
    }
    problems
}

#[test]
fn the_scanner_finds_unguarded_statements() {
    let sql = "-- DROP TABLE in a comment\nCREATE TABLE a (x TEXT DEFAULT 'CREATE TABLE b');\nDROP VIEW v;\n\
               CREATE UNIQUE INDEX IF NOT EXISTS i ON a (x);\nCREATE TRIGGER t AFTER UPDATE ON a BEGIN SELECT 1; END;\n\
               DROP INDEX IF EXISTS i; ALTER TABLE a DROP COLUMN x; /* CREATE VIEW w */ CREATE TEMP VIEW \"w\" AS SELECT 1;";
    assert_eq!(
        unguarded(sql),
        vec![
            "CREATE TABLE A X TEXT",
            "DROP VIEW V CREATE UNIQUE",
            "CREATE TRIGGER T AFTER UPDATE",
            "CREATE TEMP VIEW IDENT AS"
        ]
    );
}

#[test]
fn there_are_fourteen_migrations_each_with_up_and_down() {
    let files = migration_files();
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "001_create_users_table.sql",
            "002_create_user_activities_table.sql",
            "003_create_usage_statistics_table.sql",
            "004_create_page_size_presets_table.sql",
            "005_create_template_presets_table.sql",
            "006_create_character_override_collections_table.sql",
            "007_create_character_overrides_table.sql",
            "008_add_template_advanced_features.sql",
            "009_seed_default_page_sizes.sql",
            "010_seed_default_templates.sql",
            "011_add_performance_indexes.sql",
            "012_add_audit_triggers.sql",
            "013_add_data_integrity_constraints.sql",
            "014_create_backup_utilities.sql",
        ]
    );
    for (name, text) in &files {
        let up = text.lines().filter(|l| l.trim_start().starts_with("-- migrate:up")).count();
        let down = text.lines().filter(|l| l.trim_start().starts_with("-- migrate:down")).count();
        assert_eq!((up, down), (1, 1), "{name} must have one up and one down section");
        let down_at = text.find("-- migrate:down").unwrap();
        assert!(text.find("-- migrate:up").unwrap() < down_at, "{name}: up must come before down");
        assert!(!words(&text[down_at..]).iter().all(|w| w == "MIGRATE" || w == "DOWN"), "{name}: empty down section");
    }
}

#[test]
fn every_create_has_if_not_exists_and_every_drop_has_if_exists() {
    let mut problems = Vec::new();
    let mut creates = 0;
    let mut drops = 0;
    for (name, text) in migration_files() {
        let w = words(&text);
        creates += w.windows(2).filter(|p| p[0] == "CREATE" && OBJECTS.contains(&p[1].as_str())).count();
        drops += w.windows(2).filter(|p| p[0] == "DROP" && OBJECTS.contains(&p[1].as_str())).count();
        for statement in unguarded(&text) {
            problems.push(format!("{name}: {statement}"));
        }
    }
    assert!(problems.is_empty(), "statements without IF [NOT] EXISTS:\n{}", problems.join("\n"));
    // 8 tables (7 + 008's rebuild), 9 indexes, 10 triggers, 4 views; as many drops, plus 008's two.
    assert_eq!((creates, drops), (31, 32));
}
