//! The `okta-import` command.

use std::process::ExitCode;

use clap::Parser;
use okta_import_cli::args::Cli;

fn main() -> ExitCode {
    // A file grown past `ulimit -f` is then a write error the command reports (and the
    // report's temporary file removed), not a signal that kills it.
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to "ignore" runs no code of ours in a handler.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
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
