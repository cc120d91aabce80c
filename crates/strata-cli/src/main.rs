//! The `strata` command: a thin layer over the `strata` library.

mod cli;
mod commands;
mod config;
mod confirm;
mod failure;
mod output;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
