//! The lines of a text file, each at most [`MAX_RECORD_BYTES`] long: a line past that (a
//! whole JSON array on one line, a file that is not text) is reported and skipped without
//! being held, so memory stays bounded whatever the file.

use std::io::{self, BufRead};

use super::MAX_RECORD_BYTES;

/// Why a line could not be had.
#[derive(Debug)]
pub enum LineError {
    /// The line is longer than [`MAX_RECORD_BYTES`]; the rest of it was skipped.
    TooLong,
    /// The file could not be read further.
    Failed(io::Error),
}

impl LineError {
    /// The message for the line, in a sentence.
    pub fn message(&self, what: &str) -> String {
        match self {
            Self::TooLong => format!(
                "the line is longer than {} MiB, far more than {what} can be; it is skipped",
                MAX_RECORD_BYTES >> 20
            ),
            Self::Failed(error) => format!("cannot read further: {error}"),
        }
    }
}

/// The lines of `reader` without their `\n`, as `BufRead::split` gives them but bounded; or,
/// made with [`BoundedLines::any_ending`], without their `\n`, `\r\n` or lone `\r`.
pub struct BoundedLines<R> {
    reader: R,
    /// Whether a lone `\r` ends a line too (and `\r\n` is one line end).
    any_ending: bool,
    /// Whether the last line ended in a `\r`, whose `\n` (if one follows) is its end too.
    after_cr: bool,
}

impl<R: BufRead> BoundedLines<R> {
    /// Lines ended by `\n` (a `\r` before it is left on the line).
    pub fn new(reader: R) -> Self {
        Self {
            reader,
            any_ending: false,
            after_cr: false,
        }
    }

    /// Lines ended by `\n`, `\r\n` or a lone `\r` (an export of a classic Mac application),
    /// as the CSV reader counts them.
    pub fn any_ending(reader: R) -> Self {
        Self {
            any_ending: true,
            ..Self::new(reader)
        }
    }

    /// The next line into `line`: `Ok(None)` at the end of the text, `Ok(Some(false))` when
    /// it is longer than [`MAX_RECORD_BYTES`] (the rest of it skipped, not kept).
    fn read_line(&mut self, line: &mut Vec<u8>) -> io::Result<Option<bool>> {
        if std::mem::take(&mut self.after_cr) && self.reader.fill_buf()?.first() == Some(&b'\n') {
            self.reader.consume(1);
        }
        let any_ending = self.any_ending;
        let mut read_any = false;
        loop {
            let buffer = self.reader.fill_buf()?;
            if buffer.is_empty() {
                return Ok(read_any.then_some(line.len() <= MAX_RECORD_BYTES));
            }
            read_any = true;
            let found = match any_ending {
                true => memchr::memchr2(b'\n', b'\r', buffer),
                false => memchr::memchr(b'\n', buffer),
            };
            let (part, end) = match found {
                Some(end) => (&buffer[..end], Some(buffer[end])),
                None => (buffer, None),
            };
            // Past the bound, the rest of the line is skipped rather than kept.
            let room = (MAX_RECORD_BYTES + 1).saturating_sub(line.len());
            line.extend_from_slice(&part[..part.len().min(room)]);
            let taken = part.len() + usize::from(end.is_some());
            self.reader.consume(taken);
            if let Some(end) = end {
                self.after_cr = end == b'\r';
                return Ok(Some(line.len() <= MAX_RECORD_BYTES));
            }
        }
    }
}

impl<R: BufRead> Iterator for BoundedLines<R> {
    type Item = Result<Vec<u8>, LineError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut line = Vec::new();
        match self.read_line(&mut line) {
            Ok(None) => None,
            Ok(Some(true)) => Some(Ok(line)),
            Ok(Some(false)) => Some(Err(LineError::TooLong)),
            Err(error) => Some(Err(LineError::Failed(error))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_split_as_split_splits_them_and_a_long_one_is_skipped() {
        let long = "x".repeat(MAX_RECORD_BYTES + 1);
        let most = "y".repeat(MAX_RECORD_BYTES);
        let text = format!("a\n\n{long}\nb\r\n{most}\n{most}");
        let lines: Vec<_> = BoundedLines::new(io::BufReader::with_capacity(7, text.as_bytes()))
            .map(|line| line.map_err(|error| error.message("a record")))
            .collect();
        let too_long = Err(format!(
            "the line is longer than {} MiB, far more than a record can be; it is skipped",
            MAX_RECORD_BYTES >> 20
        ));
        let expected = [
            Ok(b"a".to_vec()),
            Ok(Vec::new()),
            too_long,
            Ok(b"b\r".to_vec()),
            Ok(most.clone().into_bytes()),
            Ok(most.into_bytes()),
        ];
        assert_eq!(lines, expected);
    }

    #[test]
    fn any_ending_ends_lines_at_crlf_lf_or_a_lone_cr_even_across_reads() {
        let text = "a\rb\r\nc\n\rd\r\r\ne";
        let lines: Vec<_> =
            BoundedLines::any_ending(io::BufReader::with_capacity(2, text.as_bytes()))
                .map(Result::unwrap)
                .collect();
        let expected: Vec<&[u8]> = vec![b"a", b"b", b"c", b"", b"d", b"", b"e"];
        assert_eq!(lines, expected);
        // A long line is skipped to its end, whichever it is.
        let long = "x".repeat(MAX_RECORD_BYTES + 1);
        let text = format!("a\r{long}\rb\r\n");
        let lines: Vec<_> = BoundedLines::any_ending(text.as_bytes()).collect();
        assert!(
            matches!(lines.as_slice(), [Ok(a), Err(LineError::TooLong), Ok(b)] if a == b"a" && b == b"b"),
            "{}",
            lines.len()
        );
    }

    #[test]
    fn a_long_last_line_without_its_end_is_skipped_too() {
        let text = format!("a\n{}", "x".repeat(MAX_RECORD_BYTES + 5));
        let lines: Vec<_> = BoundedLines::new(text.as_bytes()).collect();
        assert!(matches!(lines.as_slice(), [Ok(a), Err(LineError::TooLong)] if a == b"a"));
    }
}
