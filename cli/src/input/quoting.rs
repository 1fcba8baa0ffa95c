//! Whether the quotes of a CSV record's bytes pair up as RFC 4180 says. The csv crate takes
//! a quote never closed as a field that runs to the end of the file, and text after a
//! closing quote as more of the field; in a field that may hold line breaks (a home
//! address over several lines) either can take the records that follow into one field,
//! so a record with a line break in a field is looked at again here, strictly.

/// How a record's quotes fail to pair up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteError {
    /// The record ends inside a quoted field: the quote opened never closes, and the rest
    /// of the file was read as that field.
    NeverClosed,
    /// A quote that closes a field is followed by text (the byte at this offset) rather than
    /// by the delimiter or the record's end: the quote was meant to open a field, and one
    /// opened before it was never closed.
    TextAfterClosing(usize),
}

/// Checks the raw bytes of one record (and any blank lines before it), its fields separated
/// by `delimiter`.
pub fn check(raw: &[u8], delimiter: u8) -> Result<(), QuoteError> {
    #[derive(PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        /// A quote inside a quoted field: the field's end, or the first of two.
        QuoteInQuoted,
    }
    let ends_field = |byte: u8| byte == delimiter || byte == b'\n' || byte == b'\r';
    let mut state = State::FieldStart;
    for (at, &byte) in raw.iter().enumerate() {
        state = match state {
            State::FieldStart if byte == b'"' => State::Quoted,
            State::FieldStart | State::Unquoted if ends_field(byte) => State::FieldStart,
            // A quote inside a field that did not start with one is text, as the csv
            // crate reads it (`5'11"`).
            State::FieldStart | State::Unquoted => State::Unquoted,
            State::Quoted if byte == b'"' => State::QuoteInQuoted,
            State::Quoted => State::Quoted,
            State::QuoteInQuoted if byte == b'"' => State::Quoted,
            State::QuoteInQuoted if ends_field(byte) => State::FieldStart,
            State::QuoteInQuoted => return Err(QuoteError::TextAfterClosing(at)),
        };
    }
    match state {
        State::Quoted => Err(QuoteError::NeverClosed),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_that_pair_up_pass() {
        for raw in [
            "a,b,c\n",
            "a,\"b,\"\"quoted\"\" c\",d\r\n",
            "a,\"12 Main St\nApt 4\",c\n",
            "\n\na,\"\",\"x\"\n",
            "a,5'11\",c\n",
            "a,b,\"end\"",
        ] {
            assert_eq!(check(raw.as_bytes(), b','), Ok(()), "{raw:?}");
        }
        assert_eq!(check(b"a;\"b;c\";d\n", b';'), Ok(()));
    }

    #[test]
    fn a_quote_never_closed_or_text_after_a_closing_one_is_found() {
        // The quote opened in the first record takes the next ones to the end of the file.
        let swallowed = "e1,a@x.com,\"1 Main St\ne2,b@x.com,2 Elm St\n";
        assert_eq!(
            check(swallowed.as_bytes(), b','),
            Err(QuoteError::NeverClosed)
        );
        // An escaped quote at the end of a value leaves it open.
        assert_eq!(
            check(b"e2,b@x.com,\"x\"\"\ne3,c@x.com,ok\n", b','),
            Err(QuoteError::NeverClosed)
        );
        // A later record's opening quote closes the field, and text follows it.
        let closed_late = "e1,a,\"1 Main St\ne2,b,\"2 Elm\"\n";
        assert_eq!(
            check(closed_late.as_bytes(), b','),
            Err(QuoteError::TextAfterClosing(
                closed_late.find("\"2").unwrap() + 1
            ))
        );
        assert_eq!(
            check(b"\"e2\"z,b\n", b','),
            Err(QuoteError::TextAfterClosing(4))
        );
        // Quotes pair up only with the file's own delimiter.
        assert_eq!(
            check(b"a;\"b\",c\n", b';'),
            Err(QuoteError::TextAfterClosing(5))
        );
    }
}
