//! Scripts read for the pre-run checks, kept for the run within a fixed
//! budget. Every step a command will run is read and checked before the first
//! one runs; keeping those texts saves reading each file a second time, and
//! what runs is then exactly what was checked. The budget keeps memory from
//! growing with the size of the migration files: past it, a step's script is
//! read again (and its checksum verified) when it runs.

use std::borrow::Cow;

/// How much script text a command keeps between its checks and its run.
pub(crate) const BUDGET: usize = 4 * 1024 * 1024;

/// Hands out room for texts until the budget is spent.
#[derive(Debug)]
pub(crate) struct Budget {
    left: usize,
}

impl Budget {
    pub fn new() -> Self {
        Budget { left: BUDGET }
    }

    /// `texts` when they fit in what is left of the budget; `None` (and the
    /// texts dropped) when they do not. Borrowed texts (inline scripts) cost nothing.
    pub fn keep<'a, const N: usize>(&mut self, texts: [Option<Cow<'a, str>>; N]) -> Option<[Option<Cow<'a, str>>; N]> {
        let owned = |text: &Option<Cow<'a, str>>| match text {
            Some(Cow::Owned(text)) => text.len(),
            _ => 0,
        };
        let size: usize = texts.iter().map(owned).sum();
        let fits = size <= self.left;
        self.left -= if fits { size } else { 0 };
        fits.then_some(texts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_texts_until_the_budget_is_spent_and_borrowed_ones_for_free() {
        let mut budget = Budget { left: 10 };
        let owned = |n: usize| Some(Cow::Owned("x".repeat(n)));
        assert!(budget.keep([owned(6)]).is_some());
        assert!(budget.keep([owned(6)]).is_none(), "6 more do not fit in the 4 left");
        assert!(budget.keep([owned(4), None]).is_some());
        assert!(budget.keep([Some(Cow::Borrowed("inline, held anyway"))]).is_some());
        assert!(budget.keep([owned(1)]).is_none());
    }
}
