//! The first line `sep=;` with which Excel names a CSV file's delimiter (it writes one when
//! asked to, and reads the file with that delimiter whatever the locale): taken as the
//! delimiter and read past, so the header is the line after it.

use std::io::{self, BufRead};

use super::Delimiter;

/// Reads past a first line `sep=X` (after a UTF-8 byte-order mark, if any) and returns `X`
/// when it is a character that can separate fields: ASCII punctuation but the quote, a
/// space or a tab. Reads nothing, and returns `None`, when the first line is anything else.
pub(super) fn take(reader: &mut impl BufRead) -> io::Result<Option<Delimiter>> {
    let buffer = reader.fill_buf()?;
    let bom = if buffer.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let Some(line) = buffer.get(bom..) else {
        return Ok(None);
    };
    let (separator, end) = match line {
        [
            b's' | b'S',
            b'e' | b'E',
            b'p' | b'P',
            b'=',
            separator,
            rest @ ..,
        ] => {
            let end = match rest {
                [b'\r', b'\n', ..] => 2,
                [b'\n' | b'\r', ..] => 1,
                _ => return Ok(None),
            };
            (*separator, end)
        }
        _ => return Ok(None),
    };
    let separates = separator != b'"'
        && (separator.is_ascii_punctuation() || matches!(separator, b' ' | b'\t'));
    if !separates {
        return Ok(None);
    }
    reader.consume(bom + 5 + end);
    Ok(Some(Delimiter(separator)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The delimiter `text` names and what is left to read after it.
    fn taken(text: &[u8]) -> (Option<u8>, String) {
        let mut reader = text;
        let separator = take(&mut reader).unwrap().map(|d| d.0);
        (separator, String::from_utf8_lossy(reader).into_owned())
    }

    #[test]
    fn a_first_line_naming_a_separator_is_taken_and_read_past() {
        assert_eq!(
            taken(b"sep=;\nexternalId;email\n"),
            (Some(b';'), "externalId;email\n".into())
        );
        assert_eq!(
            taken(b"\xEF\xBB\xBFsep=|\r\nexternalId|email"),
            (Some(b'|'), "externalId|email".into())
        );
        assert_eq!(
            taken(b"SEP=\t\rexternalId"),
            (Some(b'\t'), "externalId".into())
        );
        assert_eq!(taken(b"sep=,\n"), (Some(b','), String::new()));
    }

    #[test]
    fn any_other_first_line_is_left_to_be_read() {
        for text in [
            &b"externalId,email\n"[..],
            b"sep=;;\nexternalId\n",
            b"sep=\"\nexternalId\n",
            b"sep=a\nexternalId\n",
            b"sep=\n",
            b"sep=;",
            b"",
            b"\xEF\xBB\xBF",
            b" sep=;\n",
        ] {
            let (separator, rest) = taken(text);
            assert_eq!(separator, None, "{text:?}");
            assert_eq!(rest.as_bytes(), text, "nothing read of {text:?}");
        }
    }
}
