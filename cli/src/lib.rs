//! `okta-import`: import a CSV or JSON Lines file of users into an Okta Custom Identity Source.
//!
//! This crate reads files and flags, draws progress and sets the exit code; the import itself
//! is the engine's (`okta-identity-source-import`).

pub mod args;
pub mod commands;
pub mod config;
pub mod failure;
pub mod input;
pub mod logging;
pub mod output;
pub mod stop_signal;

use std::process::ExitCode;

use args::{Cli, Command};
use failure::Failure;

/// Runs a parsed command line to its exit code, printing errors to standard error; a
/// command stopped by a signal ends the process by that signal once it has cleaned up
/// ([`stop_signal::end_by`]).
pub async fn run(cli: Cli) -> ExitCode {
    let read_env = |name: &str| std::env::var(name);
    // Locked by each write, never across an await.
    let mut stdout = output::terminal::Printable(std::io::stdout());
    let result: Result<(), Failure> = match &cli.command {
        Command::Sessions(command) => {
            commands::sessions::run(command, cli.quiet, read_env, &mut stdout).await
        }
        Command::Users(args) => commands::users::run(args, cli.quiet, read_env, &mut stdout).await,
        Command::Demo => commands::demo::run(cli.quiet, &mut stdout).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            output::terminal::say(format_args!("error: {failure}"));
            if let Failure::Interrupted { signal, .. } = failure {
                stop_signal::end_by(signal);
            }
            failure.exit_code()
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn is_send<T: Send>(_: &T) {}

    #[test]
    fn a_command_holds_no_lock_on_standard_output_across_its_awaits() {
        // A future that held a `StdoutLock` across an await would not be `Send`; it is never
        // polled here.
        let future = run(Cli::parse_from(["okta-import", "demo"]));
        is_send(&future);
    }

    #[test]
    fn every_subcommand_tells_the_version() {
        for args in [
            &["okta-import", "--version"][..],
            &["okta-import", "users", "--version"],
            &["okta-import", "sessions", "list", "--version"],
        ] {
            let error = Cli::try_parse_from(args).expect_err("the version, not a command");
            assert_eq!(
                error.kind(),
                clap::error::ErrorKind::DisplayVersion,
                "{args:?}"
            );
        }
    }
}
