//! Passwords out of free text: every message Strata shows goes through
//! [`redact_text`], whichever layer made it (a library error, a hint, an
//! argument error that echoes what was typed).

/// Where a word of free text ends: white space, quotes, and the escape that
/// starts a colour code.
fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\'' | '"' | '`' | '<' | '>' | '\x1b')
}

/// Replaces with `***` every password in `text`: in `scheme://user:password@host`,
/// in `scheme:user:password@host` (a URL written without `//`), and the value of
/// any `password=`, `passwd=` or `pwd=` parameter. Everything else stays as it was.
///
/// ```
/// assert_eq!(
///     strata::redact_text("invalid value 'postgres://app:hunter2@db/x' for '[VERSION]'"),
///     "invalid value 'postgres://app:***@db/x' for '[VERSION]'"
/// );
/// assert_eq!(strata::redact_text("postgres:app:hunter2@db/prod"), "postgres:app:***@db/prod");
/// assert_eq!(strata::redact_text("host=db password=hunter2"), "host=db password=***");
/// ```
pub fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| !is_delimiter(c)) {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find(is_delimiter).unwrap_or(rest.len());
        out.push_str(&redact_parameters(&redact_userinfo(&rest[..end])));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// One word: the password in `scheme://user:password@host` or
/// `scheme:user:password@host`. The password runs to the last `@`, since it
/// may itself hold `/`, `?`, `#` or `@`.
fn redact_userinfo(word: &str) -> String {
    let Some(at) = word.rfind('@') else {
        return word.to_owned();
    };
    // Where the user name starts: after the first `://`, else after the first `:` (the scheme's).
    let user_start = match word[..at].find("://") {
        Some(i) => i + 3,
        None => match word[..at].find(':') {
            Some(i) => i + 1,
            None => return word.to_owned(),
        },
    };
    match word[user_start..at].find(':') {
        Some(colon) if user_start + colon + 1 < at => {
            format!("{}***{}", &word[..user_start + colon + 1], &word[at..])
        }
        _ => word.to_owned(),
    }
}

/// One word: the value of every `password=` (or `passwd=`, `pwd=`) parameter.
fn redact_parameters(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    let mut out = String::with_capacity(word.len());
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = lower[search..].find('=').map(|i| i + search) {
        search = found + 1;
        if !is_password_key(&lower[..found]) {
            continue;
        }
        let value_end = word[search..].find(['&', ';', ',', ')']).map_or(word.len(), |i| i + search);
        if value_end == search {
            continue;
        }
        out.push_str(&word[copied..search]);
        out.push_str("***");
        copied = value_end;
        search = value_end;
    }
    out.push_str(&word[copied..]);
    out
}

/// Whether `before` (the text before a `=`) ends with a password key that
/// starts a word. Looks at a few bytes only, so a word of many `=` stays linear.
fn is_password_key(before: &str) -> bool {
    ["password", "passwd", "pwd"].iter().any(|key| {
        before
            .strip_suffix(key)
            .is_some_and(|head| head.chars().next_back().is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_'))
    })
}

#[cfg(test)]
mod tests {
    use super::redact_text;

    #[test]
    fn redacts_urls_with_and_without_slashes_anywhere_in_text() {
        let cases = [
            (
                "invalid value 'postgres://app:hunter2@db/x' for '[VERSION]'",
                "invalid value 'postgres://app:***@db/x' for '[VERSION]'",
            ),
            ("cannot open postgres:app:hunter2@db/prod: no", "cannot open postgres:app:***@db/prod: no"),
            ("in `jdbc:postgresql://app:S3cret@db.example/w`;", "in `jdbc:postgresql://app:***@db.example/w`;"),
            ("--database=mysql://root:p/a#s@s@host/x", "--database=mysql://root:***@host/x"),
            ("DATABASE_URL=postgres:app:hunter2@db/prod", "DATABASE_URL=postgres:app:***@db/prod"),
            ("\x1b[33mpostgres://u:pw@h\x1b[0m", "\x1b[33mpostgres://u:***@h\x1b[0m"),
            ("x.db?password=hunter2&mode=ro and pwd=abc", "x.db?password=***&mode=ro and pwd=***"),
            ("host=db PASSWORD=hunter2 user=app", "host=db PASSWORD=*** user=app"),
            ("db_password=x&password=y", "db_password=x&password=***"),
        ];
        for (text, expected) in cases {
            assert_eq!(redact_text(text), expected, "{text:?}");
        }
    }

    #[test]
    fn leaves_text_without_passwords_alone() {
        for text in [
            "",
            "  two  spaces\n",
            "migrations/versions/001_a.sql:3: unknown option `CREATE`",
            "mysql://root@localhost/test",
            "write to admin@example.com about 001_a.sql",
            "user:name without at sign",
            "sqlite:app.db",
            "password= nothing",
            "Ünïcode ☃ text",
        ] {
            assert_eq!(redact_text(text), text);
        }
    }
}
