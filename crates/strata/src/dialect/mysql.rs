// PLACEHOLDER: replaced by the dialect branch at merge
//! MySQL's and MariaDB's dialect, for now SQLite's splitting with MySQL's
//! quoting and placeholders, so the driver can be built and tested.

use super::{Dialect, Statement, Token};

/// MySQL's and MariaDB's dialect; `no_backslash_escapes` when the session's
/// `sql_mode` has `NO_BACKSLASH_ESCAPES`.
#[derive(Debug, Clone, Copy, Default)]
pub struct MySql {
    pub no_backslash_escapes: bool,
}

/// The dialect of a session with backslash escapes in strings (the default).
pub static MYSQL: MySql = MySql { no_backslash_escapes: false };
/// The dialect of a session whose `sql_mode` has `NO_BACKSLASH_ESCAPES`.
pub static MYSQL_NO_BACKSLASH_ESCAPES: MySql = MySql { no_backslash_escapes: true };

impl Dialect for MySql {
    fn name(&self) -> &'static str {
        "MySQL"
    }

    fn statements<'a>(&self, script: &'a str) -> Box<dyn Iterator<Item = Statement<'a>> + 'a> {
        super::SQLITE.statements(script)
    }

    fn tokens<'a>(&self, sql: &'a str) -> Box<dyn Iterator<Item = Token<'a>> + 'a> {
        super::SQLITE.tokens(sql)
    }

    fn transaction_control(&self, statement: &str) -> Option<String> {
        super::SQLITE.transaction_control(statement)
    }

    fn is_name(&self, token: &Token<'_>, name: &str) -> bool {
        super::SQLITE.is_name(token, name)
    }

    fn placeholder(&self, _n: usize) -> String {
        "?".to_owned()
    }

    fn quote_ident(&self, name: &str) -> String {
        format!("`{}`", name.replace('`', "``"))
    }
}
