//! Marker lines: `-- migrate:up [options]` and `-- migrate:down [options]`,
//! and the lines that look like one but are not (wrong case, a typo, another
//! tool's marker), which are errors that suggest the right marker.

use std::path::Path;

use crate::error::{Error, Result};
use crate::migration::Direction;

/// Recognises `-- migrate:up [options]` / `-- migrate:down [options]`.
/// A line that looks like a marker but is not one (wrong case, a typo,
/// another tool's marker) is an error suggesting the right one, and any other
/// `-- migrate:…` line is an error too, so that a marker is never taken for a
/// comment and the next section's SQL never runs in the wrong direction.
pub(crate) fn parse_marker<'a>(line: &'a str, file: &Path, number: usize) -> Result<Option<(Direction, &'a str)>> {
    let Some(rest) = line.trim_start().strip_prefix("--") else {
        return Ok(None);
    };
    let rest = rest.trim_start();
    let (word, options) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    match word {
        "migrate:up" => return Ok(Some((Direction::Up, options))),
        "migrate:down" => return Ok(Some((Direction::Down, options))),
        _ => {}
    }
    if let Some(suggestion) = near_marker(rest) {
        let message = format!("unknown marker `{}`; did you mean `{suggestion}`?", line.trim());
        return Err(Error::file(file, number, message));
    }
    if word.starts_with("migrate:") {
        return Err(Error::file(
            file,
            number,
            format!("unknown marker `{word}`; a section starts with `-- migrate:up` or `-- migrate:down`"),
        ));
    }
    Ok(None)
}

/// The marker meant by the text after `--`, when it looks like one: a word
/// like `migrate` (any case, a typo, `migration(s)`, or sql-migrate's
/// `+migrate` and goose's `+goose`), an optional `:` `-` or `_`, then `up` or
/// `down` (any case; a one-letter typo after a separator), then nothing but
/// options (`name:value`). Prose such as `-- Migrate the users table` or
/// `-- Migration: down the road` does not look like one.
fn near_marker(text: &str) -> Option<String> {
    let (plus, body) = match text.strip_prefix('+') {
        Some(body) => (true, body.trim_start()),
        None => (false, text),
    };
    let letters = body.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(body.len());
    if !(5..=16).contains(&letters) {
        return None; // cheap exit for the comments of a long script
    }
    let (tool, after) = body.split_at(letters);
    let tool = tool.to_ascii_lowercase();
    let (tool, after, separated) = match split_direction(&tool) {
        // `migrateup`, `MigrateDown`
        Some((tool, direction)) if after.is_empty() || after.starts_with(char::is_whitespace) => {
            (tool.to_owned(), direction.to_owned() + after, true)
        }
        _ => {
            let after = after.trim_start();
            match after.strip_prefix([':', '-', '_']) {
                Some(after) => (tool, after.trim_start().to_owned(), true),
                None => (tool, after.to_owned(), false),
            }
        }
    };
    let looks_like_tool = tool.starts_with("migrat")
        || (tool.len().abs_diff(7) <= 2 && distance(&tool, "migrate") <= 2)
        || (plus && tool == "goose");
    if !looks_like_tool {
        return None;
    }
    let letters = after.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(after.len());
    let (word, options) = after.split_at(letters);
    let word = word.to_ascii_lowercase();
    let direction = ["up", "down"]
        .into_iter()
        .find(|keyword| word == *keyword || (separated && word.len() >= 2 && distance(&word, keyword) <= 1))?;
    let options = options.trim();
    if !options.split_whitespace().all(|option| option.contains(':')) {
        return None;
    }
    let space = if options.is_empty() { "" } else { " " };
    Some(format!("-- migrate:{direction}{space}{options}"))
}

/// `migrateup` → (`migrate`, `up`): a word that ends in a direction.
fn split_direction(word: &str) -> Option<(&str, &str)> {
    ["up", "down"].into_iter().find_map(|keyword| {
        let tool = word.strip_suffix(keyword)?;
        (tool.len() >= 5).then_some((tool, keyword))
    })
}

/// Edit distance with adjacent transpositions (optimal string alignment), on
/// bytes; for short words only.
fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut rows = vec![(0..=b.len()).collect::<Vec<usize>>()];
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            row[j] = (rows[i - 1][j] + 1).min(row[j - 1] + 1).min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = row[j].min(rows[i - 2][j - 2] + 1);
            }
        }
        rows.push(row);
    }
    rows[a.len()][b.len()]
}
