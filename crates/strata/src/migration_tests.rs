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
}
