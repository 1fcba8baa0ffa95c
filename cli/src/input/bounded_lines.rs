//! The lines of a text file, each at most [`MAX_RECORD_BYTES`] long: a line past that (a
//! whole JSON array on one line, a file that is not text) is reported and skipped without
//! being held, so memory stays bounded whatever the file.

use std::io::{self, BufRead, Read};

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

/// The lines of `reader` without their `\n`, as `BufRead::split` gives them but bounded.
pub struct BoundedLines<R> {
    reader: R,
}

impl<R: BufRead> BoundedLines<R> {
    pub fn new(reader: R) -> Self {
        Self { reader }
    }

    /// Skips what is left of a line that is too long, up to and with its `\n`.
    fn skip_rest_of_line(&mut self) -> io::Result<()> {
        loop {
            let buffer = self.reader.fill_buf()?;
            if buffer.is_empty() {
                return Ok(());
            }
            if let Some(end) = memchr::memchr(b'\n', buffer) {
                self.reader.consume(end + 1);
                return Ok(());
            }
            let length = buffer.len();
            self.reader.consume(length);
        }
    }
}

impl<R: BufRead> Iterator for BoundedLines<R> {
    type Item = Result<Vec<u8>, LineError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut line = Vec::new();
        let limit = MAX_RECORD_BYTES as u64 + 1;
        match (&mut self.reader).take(limit).read_until(b'\n', &mut line) {
            Ok(0) => None,
            Ok(_) if line.last() == Some(&b'\n') => {
                line.pop();
                Some(Ok(line))
            }
            Ok(read) if read <= MAX_RECORD_BYTES => Some(Ok(line)),
            Ok(_) => Some(match self.skip_rest_of_line() {
                Ok(()) => Err(LineError::TooLong),
                Err(error) => Err(LineError::Failed(error)),
            }),
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
    fn a_long_last_line_without_its_end_is_skipped_too() {
        let text = format!("a\n{}", "x".repeat(MAX_RECORD_BYTES + 5));
        let lines: Vec<_> = BoundedLines::new(text.as_bytes()).collect();
        assert!(matches!(lines.as_slice(), [Ok(a), Err(LineError::TooLong)] if a == b"a"));
    }
}
