//! A strict JSON scanner over a text already known to be UTF-8: RFC 8259's tokens read in
//! place, strings borrowed from the text unless they have escapes. Strings are handed out as
//! their UTF-8 bytes: a string borrowed from the text begins and ends next to a quote, so it
//! is whole characters, and slicing bytes needs none of the checks of character boundaries
//! that slicing a `str` makes. It refuses exactly what
//! serde_json refuses, including serde_json's two departures from the RFC: a string that is
//! read (not skipped) must pair its `\u` surrogates, and a number that is read must fit an
//! `f64`. Skipped values may nest to any depth: they are skipped without recursion.
//!
//! Every method returns `None` when the text is not JSON where it reads; the scanner is then
//! left somewhere inside the text and is not to be used again.

use std::borrow::Cow;

use super::keys::KnownKeys;

/// An object's key, and its place among the keys the object was read with, if it is one.
pub(super) struct Key<'a> {
    pub(super) text: Cow<'a, [u8]>,
    pub(super) known: Option<usize>,
}

/// A reading position in a JSON text.
pub(super) struct Scanner<'a> {
    text: &'a [u8],
    at: usize,
    /// The closing brackets of the containers open while a value is skipped.
    open: Vec<u8>,
}

impl<'a> Scanner<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Self {
            text: text.as_bytes(),
            at: 0,
            open: Vec::new(),
        }
    }

    /// The next byte after whitespace, not taken; `None` at the end of the text.
    #[inline]
    pub(super) fn peek(&mut self) -> Option<u8> {
        let bytes = self.text;
        // Every byte above the space is a token's: most peeks are answered by one compare.
        if let Some(&byte) = bytes.get(self.at).filter(|&&byte| byte > b' ') {
            return Some(byte);
        }
        while let Some(&byte) = bytes.get(self.at) {
            match byte {
                b' ' | b'\n' | b'\t' | b'\r' => self.at += 1,
                _ => return Some(byte),
            }
        }
        None
    }

    /// Takes `byte`, after whitespace.
    #[inline]
    pub(super) fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// Only whitespace is left.
    pub(super) fn end(&mut self) -> Option<()> {
        self.peek().is_none().then_some(())
    }

    /// An object: `field` is given each key in turn, and must read its value.
    /// The keys among `known` that are written plainly are found without a scan.
    pub(super) fn object(
        &mut self,
        known: &KnownKeys,
        mut field: impl FnMut(&mut Self, Key<'a>) -> Option<()>,
    ) -> Option<()> {
        self.expect(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            let key = self.key(known)?;
            self.expect(b':')?;
            field(self, key)?;
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// An array: `element` reads each element in turn.
    pub(super) fn array(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.expect(b'[')?;
        if self.peek()? == b']' {
            self.at += 1;
            return Some(());
        }
        loop {
            element(self)?;
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// `null`, or a string (read as [`Scanner::peeked_string`] reads it).
    #[inline]
    pub(super) fn string_or_null(&mut self) -> Option<Option<Cow<'a, [u8]>>> {
        match self.peek()? {
            b'n' => self.literal(b"null").map(|()| None),
            b'"' => self.peeked_string().map(Some),
            _ => None,
        }
    }

    /// An object's key: one of `known` when it is written plainly, else any string, which
    /// may still be one of `known` written with escapes.
    #[inline(always)]
    fn key(&mut self, known: &KnownKeys) -> Option<Key<'a>> {
        self.expect(b'"')?;
        let start = self.at;
        let plain = self.text.get(start..)?;
        if let Some((length, place)) = known.prefix_of(plain) {
            self.at = start + length + 1;
            let text = Cow::Borrowed(plain.get(..length)?);
            return Some(Key {
                text,
                known: Some(place),
            });
        }
        let text = self.rest_of_string()?;
        let known = known.find(&text);
        Some(Key { text, known })
    }

    /// A string's UTF-8 bytes, its opening quote being the byte [`Scanner::peek`] has just
    /// seen: borrowed from the text, or unescaped when it has escapes, whose `\u` surrogates
    /// must come in pairs.
    #[inline(always)]
    pub(super) fn peeked_string(&mut self) -> Option<Cow<'a, [u8]>> {
        self.at += 1;
        self.rest_of_string()
    }

    /// The rest of a string after its opening quote.
    #[inline(always)]
    fn rest_of_string(&mut self) -> Option<Cow<'a, [u8]>> {
        let start = self.at;
        let (end, stop) = self.stop()?;
        self.at = end + 1;
        let plain = self.text.get(start..end)?;
        if stop == b'"' {
            return Some(Cow::Borrowed(plain));
        }
        self.unescaped(plain).map(Cow::Owned)
    }

    /// The rest of a string whose first escape's backslash has just been taken, after the
    /// `plain` run before it. Out of line: most strings have no escapes.
    #[inline(never)]
    fn unescaped(&mut self, plain: &[u8]) -> Option<Vec<u8>> {
        let mut unescaped = Vec::with_capacity(plain.len() + 8);
        unescaped.extend_from_slice(plain);
        loop {
            let escaped = self.escape()?;
            unescaped.extend_from_slice(escaped.encode_utf8(&mut [0; 4]).as_bytes());
            let start = self.at;
            let (end, stop) = self.stop()?;
            unescaped.extend_from_slice(self.text.get(start..end)?);
            self.at = end + 1;
            if stop == b'"' {
                return Some(unescaped);
            }
        }
    }

    /// A number, which must fit an `f64` as serde_json reckons it: the numbers serde_json
    /// refuses to read into a value (say `1e400`) are refused, those it merely skips are not.
    pub(super) fn number_value(&mut self) -> Option<()> {
        let number = std::str::from_utf8(self.number()?).ok()?;
        number.parse::<serde_json::Number>().ok().map(drop)
    }

    /// `word`, a literal (`null`, `true`, `false`), after whitespace.
    #[inline]
    pub(super) fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.peek()?;
        let rest = self.text.get(self.at..)?;
        rest.starts_with(word).then(|| self.at += word.len())
    }

    /// Skips a value of any kind and depth. Its strings' escapes are checked for their form
    /// only: a lone surrogate is let through, as serde_json lets it through when it skips.
    pub(super) fn skip_value(&mut self) -> Option<()> {
        self.open.clear();
        loop {
            match self.peek()? {
                b'"' => {
                    self.at += 1;
                    self.skip_string()?;
                }
                b'n' => self.literal(b"null")?,
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'-' | b'0'..=b'9' => drop(self.number()?),
                open @ (b'[' | b'{') => {
                    self.at += 1;
                    let close = if open == b'[' { b']' } else { b'}' };
                    if self.peek()? != close {
                        self.open.push(close);
                        if close == b'}' {
                            self.skip_key()?;
                        }
                        continue;
                    }
                    self.at += 1;
                }
                _ => return None,
            }
            if self.close_containers()? {
                return Some(());
            }
        }
    }

    /// After a skipped value: closes the containers it ends, up to the next element (false)
    /// or the end of the outermost one (true).
    fn close_containers(&mut self) -> Option<bool> {
        while let Some(&close) = self.open.last() {
            match self.peek()? {
                b',' => {
                    self.at += 1;
                    if close == b'}' {
                        self.skip_key()?;
                    }
                    return Some(false);
                }
                byte if byte == close => {
                    self.at += 1;
                    self.open.pop();
                }
                _ => return None,
            }
        }
        Some(true)
    }

    /// A skipped object's key and its colon.
    fn skip_key(&mut self) -> Option<()> {
        self.expect(b'"')?;
        self.skip_string()?;
        self.expect(b':')
    }

    /// Skips a string after its opening quote.
    fn skip_string(&mut self) -> Option<()> {
        loop {
            let (end, stop) = self.stop()?;
            self.at = end + 1;
            if stop == b'"' {
                return Some(());
            }
            match self.next_byte()? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                b'u' => drop(self.hex4()?),
                _ => return None,
            }
        }
    }

    /// Where the run of a string's characters from here that need no unescaping stops, and
    /// on what (a quote or a backslash). `None` when a control character comes first or the
    /// text ends.
    #[inline(always)]
    fn stop(&self) -> Option<(usize, u8)> {
        let end = self.plain_run()?;
        Some((end, *self.text.get(end)?))
    }

    /// Where the run of a string's characters from here that need no unescaping stops (at a
    /// quote or a backslash); `None` when a control character comes first or the text ends.
    /// Most strings of a body are short: their first bytes are looked at eight at a time,
    /// the rest of a longer one is searched with `memchr`.
    #[inline(always)]
    fn plain_run(&self) -> Option<usize> {
        let bytes = self.text;
        let mut at = self.at;
        for _ in 0..SHORT_RUN / 8 {
            let Some(word) = bytes.get(at..).and_then(<[u8]>::first_chunk::<8>) else {
                return stop_in_last_bytes(bytes, at);
            };
            let word = u64::from_le_bytes(*word);
            if let Some(offset) = first_stop_in_word(word) {
                // Taken from the word in its register: no load waits for the word's store.
                let stop = (word >> (offset * 8)) as u8;
                return (stop >= 0x20).then_some(at + offset);
            }
            at += 8;
        }
        long_run(bytes, at)
    }

    /// The character an escape stands for, after its backslash.
    fn escape(&mut self) -> Option<char> {
        Some(match self.next_byte()? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode_escape(),
            _ => return None,
        })
    }

    /// The character of a `\u` escape, after its `u`: a UTF-16 unit, or a leading surrogate
    /// and the `\u` escape of its trailing one.
    fn unicode_escape(&mut self) -> Option<char> {
        let unit = self.hex4()?;
        if !(0xD800..=0xDBFF).contains(&unit) {
            // None for a trailing surrogate.
            return char::from_u32(unit);
        }
        if self.text.get(self.at..self.at + 2)? != b"\\u" {
            return None;
        }
        self.at += 2;
        let trailing = self.hex4()?;
        if !(0xDC00..=0xDFFF).contains(&trailing) {
            return None;
        }
        char::from_u32(0x10000 + ((unit - 0xD800) << 10 | (trailing - 0xDC00)))
    }

    /// Four hexadecimal digits, either case.
    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.at..self.at + 4)?;
        let value = digits.iter().try_fold(0, |value, &digit| {
            char::from(digit)
                .to_digit(16)
                .map(|digit| value << 4 | digit)
        })?;
        self.at += 4;
        Some(value)
    }

    /// A number as RFC 8259 writes it (`-`, no leading zero, a fraction and an exponent
    /// with digits), as written.
    fn number(&mut self) -> Option<&'a [u8]> {
        let start = self.at;
        self.take_if(|byte| byte == b'-');
        match self.next_byte()? {
            b'0' if self.take_if(|byte| byte.is_ascii_digit()) => return None,
            b'0' => {}
            b'1'..=b'9' => self.skip_digits(),
            _ => return None,
        }
        if self.take_if(|byte| byte == b'.') {
            self.digits()?;
        }
        if self.take_if(|byte| byte == b'e' || byte == b'E') {
            self.take_if(|byte| byte == b'+' || byte == b'-');
            self.digits()?;
        }
        self.text.get(start..self.at)
    }

    /// One digit or more.
    fn digits(&mut self) -> Option<()> {
        let start = self.at;
        self.skip_digits();
        (self.at > start).then_some(())
    }

    fn skip_digits(&mut self) {
        while self.take_if(|byte| byte.is_ascii_digit()) {}
    }

    /// Takes the next byte (no whitespace skipped) when it is `wanted`.
    #[inline]
    fn take_if(&mut self, wanted: impl FnOnce(u8) -> bool) -> bool {
        let taken = self.text.get(self.at).is_some_and(|&byte| wanted(byte));
        self.at += usize::from(taken);
        taken
    }

    /// The next byte, taken (no whitespace skipped).
    #[inline]
    fn next_byte(&mut self) -> Option<u8> {
        let byte = *self.text.get(self.at)?;
        self.at += 1;
        Some(byte)
    }
}

/// How many bytes of a string are looked at eight at a time before `memchr` searches the rest:
/// enough for most names and email addresses, whose search `memchr` would only slow down.
const SHORT_RUN: usize = 32;

/// The stop of a run that reaches the last seven bytes of the text, from `at` on.
fn stop_in_last_bytes(bytes: &[u8], at: usize) -> Option<usize> {
    let rest = bytes.get(at..)?;
    let offset = rest
        .iter()
        .position(|&byte| byte < 0x20 || byte == b'"' || byte == b'\\')?;
    (rest[offset] >= 0x20).then_some(at + offset)
}

/// The stop of a run longer than [`SHORT_RUN`], searched from `at` with `memchr`.
fn long_run(bytes: &[u8], at: usize) -> Option<usize> {
    let rest = bytes.get(at..)?;
    let length = memchr::memchr2(b'"', b'\\', rest)?;
    let run = rest.get(..length)?;
    (!has_control_character(run)).then_some(at + length)
}

/// Where the first quote, backslash or control character of the eight bytes of `word`
/// (little-endian) is, if anywhere: a byte is flagged when subtracting from it borrows,
/// which can flag bytes after a true one but never before it (Alan Mycroft's test for a
/// zero byte).
#[inline]
fn first_stop_in_word(word: u64) -> Option<usize> {
    const ONES: u64 = u64::MAX / 255;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word;
    let quote = word ^ (ONES * u64::from(b'"'));
    let quote = quote.wrapping_sub(ONES) & !quote;
    let backslash = word ^ (ONES * u64::from(b'\\'));
    let backslash = backslash.wrapping_sub(ONES) & !backslash;
    let flagged = (below_space | quote | backslash) & (ONES << 7);
    (flagged != 0).then(|| flagged.trailing_zeros() as usize / 8)
}

/// Whether `run` has a byte below 0x20, which a JSON string must escape. Written without an
/// early exit, so that it is vectorised.
#[inline]
fn has_control_character(run: &[u8]) -> bool {
    run.iter().fold(false, |found, &byte| found | (byte < 0x20))
}
