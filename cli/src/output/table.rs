//! Plain aligned tables for the terminal.

use std::io::{self, Write};

/// Writes a header row and rows, each column as wide as its widest cell, two spaces apart.
pub fn write<const N: usize>(
    out: &mut impl Write,
    header: &[&str; N],
    rows: &[[String; N]],
) -> io::Result<()> {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    write_row(out, &widths, header.iter().copied())?;
    for row in rows {
        write_row(out, &widths, row.iter().map(String::as_str))?;
    }
    Ok(())
}

/// One row, without trailing spaces.
fn write_row<'a>(
    out: &mut impl Write,
    widths: &[usize],
    cells: impl Iterator<Item = &'a str>,
) -> io::Result<()> {
    let mut line = String::new();
    for (cell, width) in cells.zip(widths) {
        line.push_str(&format!("{cell:<width$}  "));
    }
    writeln!(out, "{}", line.trim_end())
}
