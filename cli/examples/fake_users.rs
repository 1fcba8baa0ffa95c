//! Writes a CSV of made-up employees to standard output, for trying the tool and measuring it:
//! `cargo run --release -p okta-import-cli --example fake_users -- 100000 > users.csv`
//! (the first argument is the number of rows, the second an optional seed, 1 by default).

#[path = "../tests/support/people.rs"]
mod people;

use std::io::{BufWriter, Write};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rows: u64 = args.next().as_deref().unwrap_or("300").parse()?;
    let seed: u64 = args.next().as_deref().unwrap_or("1").parse()?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    people::write_csv(&mut out, 1..=rows, seed)?;
    out.flush()?;
    Ok(())
}
