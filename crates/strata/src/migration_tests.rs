use super::*;

fn path() -> &'static Path {
    Path::new("m/001_a.sql")
}

fn parse(text: &str) -> Result<Sections> {
    parse_sections(path(), text, None)
}

#[test]
fn parses_up_and_down_sections_with_their_lines() {
    let text = "-- Adds a.\n-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n";
    let sections = parse(text).unwrap();
    let up = sections.up.unwrap();
    assert_eq!((up.text().unwrap().as_ref(), up.line), ("CREATE TABLE a (id INTEGER);\n", 3));
    let down = sections.down.unwrap();
    assert_eq!((down.text().unwrap().as_ref(), down.line), ("DROP TABLE a;\n", 5));
    assert_eq!(up.options, StepOptions::default());
}

#[test]
fn reads_options_on_marker_lines() {
    let sections =
        parse("-- migrate:up transaction:false\nVACUUM;\n-- migrate:down   foreign_keys:off\nSELECT 1;\n").unwrap();
    assert!(sections.up.unwrap().options.no_transaction);
    let down = sections.down.unwrap().options;
    assert!(down.foreign_keys_off && !down.no_transaction);
    assert_eq!(down.to_marker_text(), "foreign_keys:off");
}

#[test]
fn rejects_unknown_options_with_file_and_line() {
    let error = parse("-- migrate:up\nSELECT 1;\n-- migrate:down transactions:off\n").unwrap_err();
    assert_eq!(
        error.to_string(),
        "m/001_a.sql:3: unknown option `transactions:off` on the marker line; known options are transaction:false and foreign_keys:off"
    );
}

#[test]
fn rejects_foreign_keys_off_without_a_transaction() {
    let error = parse("-- migrate:up transaction:false foreign_keys:off\n").unwrap_err();
    assert!(error.to_string().starts_with("m/001_a.sql:1: foreign_keys:off needs a transaction"), "{error}");
}

#[test]
fn rejects_a_marker_that_appears_twice() {
    let error = parse("-- migrate:up\nSELECT 1;\n-- migrate:up\nSELECT 2;\n").unwrap_err();
    assert_eq!(error.to_string(), "m/001_a.sql:3: second `-- migrate:up` marker; a file has one section per direction");
}

#[test]
fn rejects_unknown_markers_and_sql_before_the_first_marker() {
    let error = parse("-- migrate:upgrade\nSELECT 1;\n").unwrap_err();
    assert!(error.to_string().starts_with("m/001_a.sql:1: unknown marker `migrate:upgrade`"), "{error}");
    let error = parse("-- header\nSELECT 1;\n-- migrate:up\n").unwrap_err();
    assert!(error.to_string().starts_with("m/001_a.sql:2: SQL before the first"), "{error}");
}

#[test]
fn a_file_without_markers_has_no_up_section() {
    let sections = parse("-- just a comment\n").unwrap();
    assert!(sections.up.is_none() && sections.down.is_none());
}

#[test]
fn pair_files_are_all_script_unless_they_carry_their_own_marker() {
    let up = parse_sections(Path::new("001_a.up.sql"), "CREATE TABLE a (id INTEGER);\n", Some(Direction::Up)).unwrap();
    assert_eq!(up.up.unwrap().line, 1);
    let down = parse_sections(
        Path::new("001_a.down.sql"),
        "-- migrate:down transaction:false\nVACUUM;\n",
        Some(Direction::Down),
    )
    .unwrap();
    assert!(down.down.unwrap().options.no_transaction);
    let wrong = parse_sections(Path::new("001_a.down.sql"), "-- migrate:up\n", Some(Direction::Down)).unwrap_err();
    assert!(wrong.to_string().starts_with("001_a.down.sql:1: `-- migrate:up` does not belong in this file"), "{wrong}");
}

#[test]
fn checksum_ignores_line_endings_and_bom() {
    let lf = checksum("CREATE TABLE a (id INTEGER);\nSELECT 1;\n");
    assert_eq!(lf, checksum("CREATE TABLE a (id INTEGER);\r\nSELECT 1;\r\n"));
    assert_eq!(lf, checksum("\u{feff}CREATE TABLE a (id INTEGER);\nSELECT 1;\n"));
    assert_ne!(lf, checksum("CREATE TABLE a (id INTEGER);\nSELECT 2;\n"));
    assert_eq!(checksum(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

#[test]
fn a_bom_before_the_first_marker_is_ignored() {
    let sections = parse("\u{feff}-- migrate:up\r\nSELECT 1;\r\n").unwrap();
    assert_eq!(sections.up.unwrap().sql, "SELECT 1;\r\n");
}

#[test]
fn sql_before_a_marker_in_a_pair_file_is_an_error_not_dropped() {
    let text = "CREATE TABLE a (id INTEGER);\n-- migrate:up transaction:false\nVACUUM;\n";
    let error = parse_sections(Path::new("001_a.up.sql"), text, Some(Direction::Up)).unwrap_err();
    assert_eq!(error.to_string(), "001_a.up.sql:1: SQL before the first `-- migrate:` marker; put it inside a section");
}

#[test]
fn an_empty_or_comment_only_down_section_is_no_down_script() {
    let sections = parse("-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\n\n-- TODO\n").unwrap();
    assert!(sections.up.is_some());
    assert!(sections.down.is_none());
    let down = parse_sections(Path::new("001_a.down.sql"), "  \n", Some(Direction::Down)).unwrap();
    assert!(down.down.is_none());
}

#[test]
fn checksums_of_lf_and_crlf_files_are_unchanged() {
    // Pinned: databases hold these checksums (sha256 of the LF text).
    let lf = "6dafcb92103a79abc24dd1daab5c929845600795136c5101c5c9875e36180c1a";
    assert_eq!(checksum("CREATE TABLE a (id INTEGER);\nSELECT 1;\n"), lf);
    assert_eq!(checksum("CREATE TABLE a (id INTEGER);\r\nSELECT 1;\r\n"), lf);
    // A lone CR in a file with LF is a character, as before.
    assert_eq!(checksum("a\rb\n"), "367d1c77eadc1495a7db4200f46a8b90ea1fa926282722d308c05a65098a4112");
}

#[test]
fn cr_only_text_is_checksummed_and_parsed_as_lf() {
    let lf = "-- migrate:up\nCREATE TABLE a (id INTEGER);\n\nSELECT 1;\n-- migrate:down\nDROP TABLE a;\n";
    let cr = lf.replace('\n', "\r");
    assert_eq!(checksum(&cr), checksum(lf));
    let sections = parse(&cr).unwrap();
    let up = sections.up.unwrap();
    let text = up.text().unwrap();
    assert_eq!((text.as_ref(), up.line), ("CREATE TABLE a (id INTEGER);\n\nSELECT 1;\n", 2));
    assert_eq!(crate::dialect::sqlite::statements(&text).map(|s| s.line).collect::<Vec<_>>(), [1, 3]);
    assert_eq!(sections.down.unwrap().line, 6);
    let pair = parse_sections(Path::new("001_a.up.sql"), "SELECT 1;\rSELECT 2;\r", Some(Direction::Up)).unwrap();
    assert_eq!(pair.up.unwrap().sql, "SELECT 1;\nSELECT 2;\n");
}

#[test]
fn comments_of_every_kind_may_precede_the_first_marker() {
    let text =
        "/* header\n * -- not a marker: migrate:up\n */\n-- note\n/* a */ /* b */ -- c\n\n-- migrate:up\nSELECT 1;\n";
    assert_eq!(parse(text).unwrap().up.unwrap().line, 8);
    let error = parse("/* a */ SELECT 1;\n-- migrate:up\nSELECT 1;\n").unwrap_err();
    assert!(error.to_string().starts_with("m/001_a.sql:1: SQL before the first"), "{error}");
    let error = parse("/* never closed\n-- migrate:up\nSELECT 1;\n").unwrap_err();
    assert_eq!(
        error.to_string(),
        "m/001_a.sql:2: the `/*` comment on line 1 is not closed before this marker; close it with `*/`"
    );
}

#[test]
fn marker_look_alikes_get_did_you_mean_with_their_options() {
    for (line, suggestion) in [
        ("-- Migrate:Up", "-- migrate:up"),
        ("-- MIGRATE:DOWN", "-- migrate:down"),
        ("-- migrate:UP transaction:false", "-- migrate:up transaction:false"),
        ("-- migrate:upp", "-- migrate:up"),
        ("-- migrate: up", "-- migrate:up"),
        ("-- migrate : down", "-- migrate:down"),
        ("-- migrate up", "-- migrate:up"),
        ("-- migrate-down", "-- migrate:down"),
        ("-- migrateup", "-- migrate:up"),
        ("-- MigrateDown", "-- migrate:down"),
        ("-- migrations:up", "-- migrate:up"),
        ("-- migration:down", "-- migrate:down"),
        ("-- mirgate:up", "-- migrate:up"),
        ("-- migrate:dwon", "-- migrate:down"),
        ("-- migrate:donw foreign_keys:off", "-- migrate:down foreign_keys:off"),
        ("-- +migrate Up", "-- migrate:up"),
        ("-- +goose Down", "-- migrate:down"),
        ("  --   migrate:Down", "-- migrate:down"),
    ] {
        let error = parse(&format!("-- migrate:up\nSELECT 1;\n{line}\nSELECT 2;\n")).unwrap_err();
        let expected = format!("m/001_a.sql:3: unknown marker `{}`; did you mean `{suggestion}`?", line.trim());
        assert_eq!(error.to_string(), expected);
    }
}

#[test]
fn prose_comments_are_not_marker_look_alikes() {
    for line in [
        "-- Migrate the users table to the new layout",
        "-- Migration: adds the users table",
        "-- Migration: down the road, drop b",
        "-- Migrate up the old rows first.",
        "-- migrating down is below",
        "-- migrate now",
        "-- migrated: up to date",
        "-- +goose StatementBegin",
        "-- setup: lookup markup",
        "-- up",
        "-- down: see below",
    ] {
        let sections = parse(&format!("{line}\n-- migrate:up\n{line}\nSELECT 1;\n")).unwrap();
        assert_eq!(sections.up.unwrap().sql, format!("{line}\nSELECT 1;\n").as_str(), "{line}");
    }
}

#[test]
fn an_empty_down_section_is_remembered_as_such() {
    let sections = parse("-- migrate:up\nSELECT 1;\n-- migrate:down\n-- nothing yet\n").unwrap();
    assert!(sections.down.is_none() && sections.down_is_empty);
    let sections = parse("-- migrate:up\nSELECT 1;\n").unwrap();
    assert!(sections.down.is_none() && !sections.down_is_empty);
}

#[test]
fn has_statement_skips_white_space_semicolons_and_comments_only() {
    for empty in ["", " \n\t", ";;\n;", "-- a\n-- b", "/* a\n b */ ; -- c\n", "/* never closed ; SELECT 1;"] {
        assert!(!has_statement(empty), "{empty:?}");
        assert!(crate::dialect::sqlite::statements(empty).next().is_none(), "{empty:?}");
    }
    for sql in ["SELECT 1", "-- a\nSELECT 1;", "/**/x", "; /* */ ;\n  VACUUM"] {
        assert!(has_statement(sql), "{sql:?}");
    }
}

proptest::proptest! {
    /// Any text parses to sections or to an error naming the file: never a panic.
    #[test]
    fn parsing_never_panics(text in "(-- migrate:(up|down)( transaction:false| foreign_keys:off| x)?\r?\n|[a-z;' \n\r\u{feff}é-])*") {
        for only in [None, Some(Direction::Up), Some(Direction::Down)] {
            if let Err(error) = parse_sections(path(), &text, only) {
                proptest::prop_assert!(error.to_string().starts_with("m/001_a.sql"));
            }
        }
    }

    /// Marker look-alikes, block comments and CR line ends: an error naming
    /// the file, never a panic; and `has_statement` agrees with `split`.
    #[test]
    fn look_alikes_never_panic(text in "(--\\+? ?[Mm]i?gr?ate?(s|ion|d)?( ?[:_-]? ?)([Uu][Pp]p?|[Dd]o?w?n|dwon|é)( [a-z_]+:[a-z]+| x)?[\r\n]{1,2}|/\\*|\\*/|[a-z;' \n\ré-])*") {
        for only in [None, Some(Direction::Up), Some(Direction::Down)] {
            if let Err(error) = parse_sections(path(), &text, only) {
                proptest::prop_assert!(error.to_string().starts_with("m/001_a.sql"));
            }
        }
        proptest::prop_assert_eq!(has_statement(&text), crate::dialect::sqlite::statements(&text).next().is_some());
    }
}
