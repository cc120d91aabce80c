//! Asking a person to type `yes` before a command that reverts, drops or
//! converts what cannot be had back: `down 0`, `reset`, `adopt`. Without a
//! terminal there is nobody to ask, so the command refuses (exit 2) unless
//! given `--yes`.

use std::io::{BufRead, IsTerminal, Write};

use crate::failure::Failure;

/// What to ask, and what to say when nobody can answer.
pub struct Question<'a> {
    /// What the command would do, after "refusing to": `reset`, `adopt`, …
    pub action: &'a str,
    /// What is cancelled when the answer is not `yes`: `reset`, `down 0`, …
    pub command: &'a str,
    /// What will happen, shown before `Type `yes` to continue:`.
    pub warning: &'a str,
    /// The hint when there is no terminal: how to go on without asking.
    pub without_asking: &'a str,
}

/// Asks on the terminal; `Ok` only when the answer is `yes`.
pub fn confirm(question: &Question<'_>) -> Result<(), Failure> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(Failure::invalid(
            format!(
                "refusing to {} without confirmation: there is no terminal to ask on; nothing was changed",
                question.action
            ),
            question.without_asking.to_owned(),
        ));
    }
    let mut stderr = anstream::stderr();
    write!(stderr, "{}\nType `yes` to continue: ", question.warning)?;
    stderr.flush()?;
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    if answer.trim() != "yes" {
        return Err(Failure::invalid(format!("{} cancelled; nothing was changed", question.command), None));
    }
    Ok(())
}
