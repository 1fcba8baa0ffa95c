//! The `okta-import` command.

use std::process::ExitCode;

use clap::Parser;
use okta_import_cli::args::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    okta_import_cli::logging::init(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            okta_import_cli::output::terminal::say(format_args!(
                "error: cannot start the async runtime: {error}"
            ));
            return ExitCode::from(1);
        }
    };
    runtime.block_on(okta_import_cli::run(cli))
}
