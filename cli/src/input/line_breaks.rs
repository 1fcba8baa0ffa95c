//! The lines of a CSV file, counted from its bytes: the csv crate counts those of a file with
//! CRLF line ends one short after the header, and those of a file with CR line ends not at
//! all, so a record's line is worked out here from its byte offset. The same reader bounds
//! a record's length, which the csv crate does not: a quote never closed would otherwise
//! take the rest of the file into one field, held in memory. It also keeps the bytes of the
//! record being read, so that its quotes can be looked at again ([`super::quoting`]).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Read};

use super::MAX_RECORD_BYTES;
use super::quoting::{self, QuoteError};

/// A reader that notes where each line break (CRLF, LF or CR) is in what it reads, so that
/// the line an offset is on can be told. Offsets are asked about in order, as records are
/// read, so it keeps only the breaks past the last one asked about: those in the csv
/// reader's buffer and in the record being read. Reading fails once more than
/// [`MAX_RECORD_BYTES`] were read past the last offset asked about: so its user must ask
/// about each record's start (as it does to say where each record is), or a long file fails.
#[derive(Debug)]
pub struct LineBreaks<R> {
    inner: R,
    breaks: RefCell<Breaks>,
}

#[derive(Debug, Default)]
struct Breaks {
    /// Bytes read so far.
    read: u64,
    /// Whether the last byte read was a CR (an LF after it ends the same line).
    after_cr: bool,
    /// Where the bytes of the breaks not yet passed are, each with whether it ends a line
    /// (a CRLF's CR does; its LF does not).
    ahead: VecDeque<(u64, bool)>,
    /// How many breaks come before the last offset asked about.
    passed: u64,
    /// The last offset asked about: where the record being read starts, or an earlier one.
    record_start: u64,
    /// The bytes read from `kept_from` on: at least those from `record_start`.
    kept: Vec<u8>,
    kept_from: u64,
}

impl<R> LineBreaks<R> {
    pub fn new(inner: R) -> Self {
        Self::after_lines(inner, 0)
    }

    /// The same for the rest of a file whose first `lines` were read already: its lines are
    /// numbered from `lines + 1`.
    pub fn after_lines(inner: R, lines: u64) -> Self {
        let breaks = Breaks {
            passed: lines,
            ..Breaks::default()
        };
        Self {
            inner,
            breaks: RefCell::new(breaks),
        }
    }

    /// The line (from 1) the byte at `offset` is on; the LF of a CRLF is told the next
    /// line's number, as the csv crate puts a record that follows a CRLF at that LF. An
    /// offset before one asked about earlier is told that one's line.
    pub fn line_of(&self, offset: u64) -> u64 {
        let mut breaks = self.breaks.borrow_mut();
        breaks.record_start = breaks.record_start.max(offset);
        // The bytes before the record are let go once they are half of those kept, so
        // that each byte is moved at most once on average.
        let passed = usize::try_from(breaks.record_start - breaks.kept_from).unwrap_or(usize::MAX);
        if passed > breaks.kept.len() / 2 {
            let passed = passed.min(breaks.kept.len());
            breaks.kept.drain(..passed);
            breaks.kept_from += passed as u64;
        }
        while let Some(&(at, ends_a_line)) = breaks.ahead.front()
            && at < offset
        {
            breaks.ahead.pop_front();
            breaks.passed += u64::from(ends_a_line);
        }
        breaks.passed + 1
    }

    /// The records before `offset` are done with (placed and checked): the bound on a
    /// record's length counts from there on, not from the start of the last one asked
    /// about, so that two long records in a row are each within it.
    pub fn done_before(&self, offset: u64) {
        self.line_of(offset);
    }

    /// The line the bytes before `end` end on, which is that of its last byte but for the
    /// LF of a CRLF, which ends the same line as its CR.
    pub fn line_ending_at(&self, end: u64) -> u64 {
        let last = end.saturating_sub(1);
        let crlf = {
            let breaks = self.breaks.borrow();
            let kept = |at: u64| {
                let index = usize::try_from(at.checked_sub(breaks.kept_from)?).ok()?;
                breaks.kept.get(index).copied()
            };
            last > 0 && kept(last) == Some(b'\n') && kept(last - 1) == Some(b'\r')
        };
        self.line_of(if crlf { last - 1 } else { last })
    }

    /// How the quotes of the bytes from `start` to `end` pair up, fields separated by
    /// `delimiter`; `None` when they are not all kept (`start` is before the last offset
    /// asked about, or `end` past what was read).
    pub fn quoting(&self, start: u64, end: u64, delimiter: u8) -> Option<Result<(), QuoteError>> {
        let breaks = self.breaks.borrow();
        let from = usize::try_from(start.checked_sub(breaks.kept_from)?).ok()?;
        let to = usize::try_from(end.checked_sub(breaks.kept_from)?).ok()?;
        Some(quoting::check(breaks.kept.get(from..to)?, delimiter))
    }

    /// The line (from 1) of a record the csv crate places at `offset`: the first line after
    /// it that is not blank (the crate skips blank lines as part of the record that follows
    /// them, and places it where they begin).
    ///
    /// The blank lines are counted from the breaks ahead, not asked about as offsets: the
    /// record still starts at `offset`, and its bytes from there must stay kept.
    pub fn record_line(&self, offset: u64) -> u64 {
        let line = self.line_of(offset);
        let breaks = self.breaks.borrow();
        // The breaks at `offset`, `offset + 1`, … are blank lines before the record.
        let blank = (offset..)
            .zip(&breaks.ahead)
            .take_while(|&(at, &(position, _))| position == at)
            .filter(|&(_, &(_, ends_a_line))| ends_a_line)
            .count();
        line + blank as u64
    }
}

impl<R: Read> Read for LineBreaks<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let breaks = self.breaks.get_mut();
        if breaks.read.saturating_sub(breaks.record_start) > MAX_RECORD_BYTES as u64 {
            // After the last record asked about (placed where the blank lines before it
            // begin), only line breaks up to the bound: blank lines, which the csv crate
            // takes for the start of the record after them.
            let from = usize::try_from(breaks.record_start - breaks.kept_from).unwrap_or(0);
            let is_break = |byte: &u8| *byte == b'\n' || *byte == b'\r';
            let bytes = breaks.kept.get(from..).unwrap_or_default();
            let bounded = &bytes[..bytes.len().min(MAX_RECORD_BYTES)];
            // The last record's first line (after blank lines, if any), then what follows
            // it to the bound: nothing (that line runs on with no break), only line breaks
            // (blank lines), a line with no break, or lines, which only a quote left open
            // makes one record, as it does when that first line leaves one open.
            let skip = |bytes: &[u8], breaks: bool| {
                bytes
                    .iter()
                    .position(|byte| is_break(byte) != breaks)
                    .unwrap_or(bytes.len())
            };
            let line = skip(bounded, true);
            let after_line = line + skip(&bounded[line..], false);
            let rest = &bounded[after_line..];
            let run_on = &rest[skip(rest, true)..];
            let quote_open = bounded[line..after_line]
                .iter()
                .filter(|byte| **byte == b'"')
                .count()
                % 2
                == 1;
            const NO_BREAK: (&str, &str) = (
                "a line runs on",
                " with no line break (is this a CSV file?)",
            );
            const OVER_LINES: (&str, &str) = ("a record runs on", " (a quote never closed?)");
            let (what, hint) = if rest.is_empty() && line < bounded.len() {
                NO_BREAK
            } else if quote_open || run_on.iter().any(is_break) {
                OVER_LINES
            } else if run_on.is_empty() {
                ("blank lines run on", "")
            } else {
                NO_BREAK
            };
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{what} for more than {} MiB{hint}", MAX_RECORD_BYTES >> 20),
            ));
        }
        let read = self.inner.read(buf)?;
        let bytes = &buf[..read];
        breaks.kept.extend_from_slice(bytes);
        for found in memchr::memchr2_iter(b'\r', b'\n', bytes) {
            let after_cr = match found.checked_sub(1) {
                Some(before) => bytes[before] == b'\r',
                None => breaks.after_cr,
            };
            let ends_a_line = bytes[found] == b'\r' || !after_cr;
            breaks
                .ahead
                .push_back((breaks.read + found as u64, ends_a_line));
        }
        if let Some(&last) = bytes.last() {
            breaks.after_cr = last == b'\r';
        }
        breaks.read += read as u64;
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line of each offset of `text`, read a few bytes at a time.
    fn lines(text: &[u8]) -> Vec<u64> {
        let mut reader = LineBreaks::new(text);
        let mut chunk = [0; 3];
        while reader.read(&mut chunk).unwrap() > 0 {}
        (0..text.len() as u64)
            .map(|at| reader.line_of(at))
            .collect()
    }

    #[test]
    fn crlf_lf_and_cr_each_end_a_line_even_split_across_reads() {
        assert_eq!(lines(b"ab\r\ncd\ne\rf"), [1, 1, 1, 2, 2, 2, 2, 3, 3, 4]);
        assert_eq!(lines(b"\r\n\r\n\n\rx"), [1, 2, 2, 3, 3, 4, 5]);
    }

    /// The line of each record of the CSV `lines` joined by `end`, after its header.
    fn record_lines(lines: &[&str], end: &str) -> Vec<u64> {
        let text = lines.join(end);
        let mut reader = csv::ReaderBuilder::new().from_reader(LineBreaks::new(text.as_bytes()));
        let mut record = csv::ByteRecord::new();
        let mut starts = Vec::new();
        while reader.read_byte_record(&mut record).unwrap() {
            let offset = record.position().unwrap().byte();
            starts.push(reader.get_ref().record_line(offset));
        }
        starts
    }

    /// The error that ends reading the CSV `text`, its records asked about as they come.
    fn read_error(text: &[u8]) -> String {
        let mut reader = csv::ReaderBuilder::new().from_reader(LineBreaks::new(text));
        let mut record = csv::ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {
                    let lines = reader.get_ref();
                    lines.record_line(record.position().unwrap().byte());
                    lines.done_before(reader.position().byte());
                }
                Ok(false) => return "no error".into(),
                Err(error) => return error.to_string(),
            }
        }
    }

    #[test]
    fn blank_lines_past_the_bound_are_said_to_be_blank_lines() {
        let blank = "\n".repeat(MAX_RECORD_BYTES + 100_000);
        // After a record, with blank lines before it or not.
        for before in ["", "\n", "\r\n\r\n"] {
            let error = read_error(format!("h1,h2\n{before}a,b\n{blank}c,d\n").as_bytes());
            assert!(
                error.ends_with("blank lines run on for more than 4 MiB"),
                "{before:?}: {error}"
            );
        }
        // Two long records in a row are each within the bound.
        let long = "x".repeat(MAX_RECORD_BYTES * 2 / 3);
        assert_eq!(
            read_error(format!("h1,h2\na,{long}\nb,{long}\nc,d\n").as_bytes()),
            "no error"
        );
        let unclosed = "x\n".repeat(MAX_RECORD_BYTES / 2 + 10);
        let error = read_error(format!("h1,h2\na,\"b\n{unclosed}c,d\n").as_bytes());
        assert!(
            error.ends_with("a record runs on for more than 4 MiB (a quote never closed?)"),
            "{error}"
        );
        // A quote left open before blank lines: they are the record's.
        let error = read_error(format!("h1,h2\na,b\n\"c\n{blank}d,e\n").as_bytes());
        assert!(
            error.ends_with("a record runs on for more than 4 MiB (a quote never closed?)"),
            "{error}"
        );
        // One line with no break at all, a header or a record, quotes in it or not (a JSON
        // file read as CSV): no blank line.
        let line = "x".repeat(MAX_RECORD_BYTES * 2);
        let json = r#"{"externalId":"e1"},"#.repeat(MAX_RECORD_BYTES / 10);
        for text in [
            format!("{line}\na,b\n"),
            format!("h1,h2\na,{line}\n"),
            format!("\"h1\",\"h2\"\n{line}\n"),
            json,
        ] {
            let error = read_error(text.as_bytes());
            assert!(
                error.ends_with(
                    "a line runs on for more than 4 MiB with no line break (is this a CSV file?)"
                ),
                "{error}"
            );
        }
    }

    #[test]
    fn records_are_on_the_lines_they_start_on_whatever_the_line_ends() {
        for end in ["\n", "\r\n", "\r"] {
            let multiline = ["h1,h2", "a,\"multi", "line\"", "b,c", ""];
            assert_eq!(record_lines(&multiline, end), [2, 4], "line ends {end:?}");
            // The csv crate places a record after blank lines where they begin.
            let blanks = ["h1,h2", "a,b", "", "", "c,d", "", "e,f", ""];
            assert_eq!(record_lines(&blanks, end), [2, 5, 7], "line ends {end:?}");
        }
    }
}
