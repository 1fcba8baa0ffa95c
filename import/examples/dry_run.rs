//! A dry run over a made-up directory, for measuring time and memory:
//! `cargo run --release -p okta-identity-source-import --example dry_run -- 1000000`
//! (under `/usr/bin/time -v` for the peak memory).

use std::time::Instant;

use okta_identity_source_import::{Options, plan};

#[path = "../tests/support/directory.rs"]
mod directory;

fn main() {
    let users: u64 = std::env::args()
        .nth(1)
        .and_then(|arg| arg.parse().ok())
        .unwrap_or(1_000_000);
    let started = Instant::now();
    match plan(
        directory::employees(0..users),
        directory::leavers(0..0),
        &Options::default(),
    ) {
        Ok(plan) => {
            let seconds = started.elapsed().as_secs_f64();
            println!("{plan}");
            println!(
                "{users} users in {seconds:.2} s: {:.0} users per second",
                users as f64 / seconds
            );
        }
        Err(invalid) => {
            eprintln!("{invalid}");
            std::process::exit(1);
        }
    }
}
