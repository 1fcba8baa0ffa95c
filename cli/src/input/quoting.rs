//! Whether the quotes of a CSV record's bytes pair up as RFC 4180 says. The csv crate takes
//! a quote never closed as a field that runs to the end of the file, and text after a
//! closing quote as more of the field (`"Smith, J"r` reads as `Smith, Jr`); in a field that
//! may hold line breaks (a home address over several lines) either can take the records
//! that follow into one field. So a record with a quote is looked at again here, strictly.

/// How a record's quotes fail to pair up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteError {
    /// The record ends inside a quoted field: the quote opened never closes, and the rest
    /// of the file was read as that field.
    NeverClosed {
        /// The field (from 0, of the line it is on) the quote opens.
        field: usize,
    },
    /// A quote that closes a field is followed by text rather than by the delimiter or the
    /// record's end: a quote inside the value not written twice, or, when the record runs
    /// over several lines, a quote meant to open a field where one opened before it was
    /// never closed.
    TextAfterClosing {
        /// The offset of the text in the bytes checked.
        offset: usize,
        /// The offset of the quote that opened the field, in the bytes checked.
        opening: usize,
        /// The field (from 0, of the line it is on) the quote closes.
        field: usize,
    },
}

/// Checks the raw bytes of one record (and any blank lines before it), its fields separated
/// by `delimiter`; a UTF-8 byte-order mark before them is not a field's. It goes from quote
/// to quote (`memchr`), as the bytes between need no look but for a column's number, which
/// is counted only once a quote is found out of place.
pub fn check(raw: &[u8], delimiter: u8) -> Result<(), QuoteError> {
    let bom = if raw.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let raw = &raw[bom..];
    match scan::<false>(raw, delimiter) {
        Ok(()) => Ok(()),
        Err(_) => match scan::<true>(raw, delimiter) {
            Err(QuoteError::TextAfterClosing {
                offset,
                opening,
                field,
            }) => Err(QuoteError::TextAfterClosing {
                offset: offset + bom,
                opening: opening + bom,
                field,
            }),
            checked => checked,
        },
    }
}

/// [`check`], with the field of a [`QuoteError`] counted when `FIELDS`.
fn scan<const FIELDS: bool>(raw: &[u8], delimiter: u8) -> Result<(), QuoteError> {
    let ends_field = |byte: u8| byte == delimiter || byte == b'\n' || byte == b'\r';
    // Where the bytes outside quoted fields not counted yet begin, and the field (of its
    // line) that they begin in.
    let (mut unquoted, mut field) = (0, 0);
    let mut at = 0;
    while let Some(found) = memchr::memchr(b'"', &raw[at..]) {
        let opening = at + found;
        at = opening + 1;
        // A quote inside a field that did not start with one is text, as the csv crate
        // reads it (`5'11"`).
        if opening > 0 && !ends_field(raw[opening - 1]) {
            continue;
        }
        if FIELDS {
            field = field_reached(&raw[unquoted..opening], delimiter, field);
        }
        // The quoted field runs to a quote that is not the first of two.
        loop {
            let Some(found) = memchr::memchr(b'"', &raw[at..]) else {
                return Err(QuoteError::NeverClosed { field });
            };
            let closing = at + found;
            match raw.get(closing + 1) {
                Some(b'"') => at = closing + 2,
                Some(&byte) if !ends_field(byte) => {
                    let offset = closing + 1;
                    return Err(QuoteError::TextAfterClosing {
                        offset,
                        opening,
                        field,
                    });
                }
                _ => {
                    at = closing + 1;
                    break;
                }
            }
        }
        unquoted = at;
    }
    Ok(())
}

/// The field (of its line) that the end of `unquoted`, bytes outside quoted fields that begin
/// in field `field`, is in: each delimiter begins the next field, each line break a line.
fn field_reached(unquoted: &[u8], delimiter: u8, field: usize) -> usize {
    let delimiters = |bytes| memchr::memchr_iter(delimiter, bytes).count();
    match memchr::memrchr2(b'\n', b'\r', unquoted) {
        Some(line_end) => delimiters(&unquoted[line_end + 1..]),
        None => field + delimiters(unquoted),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// RFC 4180's quoting read a byte at a time, as the csv crate reads it: what [`check`]
    /// must agree with.
    fn check_byte_by_byte(raw: &[u8], delimiter: u8) -> Result<(), QuoteError> {
        #[derive(PartialEq)]
        enum State {
            FieldStart,
            Unquoted,
            Quoted,
            /// A quote inside a quoted field: the field's end, or the first of two.
            QuoteInQuoted,
        }
        let ends_field = |byte: u8| byte == delimiter || byte == b'\n' || byte == b'\r';
        // The field the last quote opened, and where.
        let (mut state, mut field, mut opened, mut opening) = (State::FieldStart, 0, 0, 0);
        for (offset, &byte) in raw.iter().enumerate() {
            if state != State::Quoted && ends_field(byte) {
                field = if byte == delimiter { field + 1 } else { 0 };
            }
            state = match state {
                State::FieldStart if byte == b'"' => {
                    (opened, opening) = (field, offset);
                    State::Quoted
                }
                State::FieldStart | State::Unquoted if ends_field(byte) => State::FieldStart,
                State::FieldStart | State::Unquoted => State::Unquoted,
                State::Quoted if byte == b'"' => State::QuoteInQuoted,
                State::Quoted => State::Quoted,
                State::QuoteInQuoted if byte == b'"' => State::Quoted,
                State::QuoteInQuoted if ends_field(byte) => State::FieldStart,
                State::QuoteInQuoted => {
                    return Err(QuoteError::TextAfterClosing {
                        offset,
                        opening,
                        field,
                    });
                }
            };
        }
        match state {
            State::Quoted => Err(QuoteError::NeverClosed { field: opened }),
            _ => Ok(()),
        }
    }

    proptest! {
        #[test]
        fn going_from_quote_to_quote_finds_what_reading_each_byte_finds(
            raw in proptest::collection::vec(
                proptest::sample::select(b"a,;\"\n\r".to_vec()),
                0..40,
            ),
            delimiter in proptest::sample::select(b",;".to_vec()),
        ) {
            prop_assert_eq!(check(&raw, delimiter), check_byte_by_byte(&raw, delimiter));
        }
    }

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
        let never_closed = |field| Err(QuoteError::NeverClosed { field });
        let after_closing = |offset, opening, field| {
            Err(QuoteError::TextAfterClosing {
                offset,
                opening,
                field,
            })
        };
        let closed_late = "e1,a,\"1 Main St\ne2,b,\"2 Elm\"\n";
        let cases: [(&[u8], u8, Result<(), QuoteError>); 10] = [
            // The quote opened in the first record takes the next ones to the end of the file.
            (
                b"e1,a@x.com,\"1 Main St\ne2,b@x.com,2 Elm St\n",
                b',',
                never_closed(2),
            ),
            // An escaped quote at the end of a value leaves it open.
            (
                b"e2,b@x.com,\"x\"\"\ne3,c@x.com,ok\n",
                b',',
                never_closed(2),
            ),
            // A later record's opening quote closes the field, and text follows it.
            (
                closed_late.as_bytes(),
                b',',
                after_closing(closed_late.find("\"2").unwrap() + 1, 5, 2),
            ),
            // On one line: a quote inside a quoted value not written twice.
            (b"\"e2\"z,b\n", b',', after_closing(4, 0, 0)),
            (
                b"e3,\"Smith, J\"r,\"x,y\",\"a\"\"b\"c\n",
                b',',
                after_closing(13, 3, 1),
            ),
            (b"\ne4,a,\"b\" \n", b',', after_closing(9, 6, 2)),
            // A quote never closed on the last line of the file.
            (b"e5,\"a@x.com", b',', never_closed(1)),
            // A byte-order mark before a header's first quote is not the field's.
            (b"\xEF\xBB\xBF\"a,\"\" b\",c\n", b',', Ok(())),
            (b"\xEF\xBB\xBF\"a\"b,c\n", b',', after_closing(6, 3, 0)),
            // Quotes pair up only with the file's own delimiter.
            (b"a;\"b\",c\n", b';', after_closing(5, 2, 1)),
        ];
        for (raw, delimiter, expected) in cases {
            let shown = String::from_utf8_lossy(raw);
            assert_eq!(check(raw, delimiter), expected, "{shown:?}");
        }
    }
}
