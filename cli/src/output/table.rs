//! Plain aligned tables for the terminal.

use std::io::{self, Write};

use super::terminal::one_line;

/// Writes a header row and rows, each column as wide as its widest cell, two spaces apart.
pub fn write<const N: usize>(
    out: &mut impl Write,
    header: &[&str; N],
    rows: &[[String; N]],
) -> io::Result<()> {
    let widths = widths(header.map(|h| h.chars().count()), rows);
    write_row(out, &widths, header.iter().copied())?;
    write_rows(out, &widths, rows)
}

/// Writes rows without a header, aligned the same way.
pub fn write_without_header<const N: usize>(
    out: &mut impl Write,
    rows: &[[String; N]],
) -> io::Result<()> {
    write_rows(out, &widths([0; N], rows), rows)
}

/// The widest cell of each column, at least `widths`.
fn widths<const N: usize>(mut widths: [usize; N], rows: &[[String; N]]) -> [usize; N] {
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(one_line(cell).chars().count());
        }
    }
    widths
}

fn write_rows<const N: usize>(
    out: &mut impl Write,
    widths: &[usize; N],
    rows: &[[String; N]],
) -> io::Result<()> {
    for row in rows {
        write_row(out, widths, row.iter().map(String::as_str))?;
    }
    Ok(())
}

/// One row, without trailing spaces. A cell is [`one_line`]: a line break or a tab in it
/// (from the service: a session id, a status) is written as its escape, so it can't start a
/// row of its own.
fn write_row<'a>(
    out: &mut impl Write,
    widths: &[usize],
    cells: impl Iterator<Item = &'a str>,
) -> io::Result<()> {
    let mut line = String::new();
    for (cell, width) in cells.map(one_line).zip(widths) {
        let cell = cell.as_ref();
        // Padded by hand: a width given to `format!` can't pass 65,535.
        line.push_str(cell);
        let padding = width.saturating_sub(cell.chars().count()) + 2;
        line.extend(std::iter::repeat_n(' ', padding));
    }
    writeln!(out, "{}", line.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_as_wide_as_their_widest_cell_however_wide() {
        let wide = "é".repeat(70_000);
        let rows = [
            ["a".to_string(), wide.clone(), "x".to_string()],
            ["bb".to_string(), "c".to_string(), String::new()],
        ];
        let mut out = Vec::new();
        write(&mut out, &["H", "I", "J"], &rows).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<_> = text.lines().collect();
        let gap = |n| " ".repeat(n);
        assert_eq!(lines[0], format!("H   I{}J", gap(70_001)));
        assert_eq!(lines[1], format!("a   {wide}  x"));
        assert_eq!(lines[2], format!("bb  c"));
        assert_eq!(lines.len(), 3);
    }
}
