//! Standard error, shared by the progress bars and the log lines of `-v`: a log line is written
//! while the bars are cleared, then the bars are drawn again below it, so neither breaks the
//! other.

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::OnceLock;

use indicatif::MultiProgress;

/// `written` to standard output, with a reader that went away (`| head`, a pipe closed)
/// taken for done: it read what it wanted, and the command's outcome stands.
pub fn unless_closed(written: io::Result<()>) -> io::Result<()> {
    match written {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        written => written,
    }
}

/// The process's progress bars, drawn on standard error (and not drawn when it is not a
/// terminal).
pub fn bars() -> &'static MultiProgress {
    static BARS: OnceLock<MultiProgress> = OnceLock::new();
    BARS.get_or_init(MultiProgress::new)
}

/// Writes `line` to standard error as `eprintln!` does, but on [`one_line`], and a standard
/// error that can't be written (closed, full) loses the line instead of panicking: the run
/// goes on, and its outcome is still in the exit code, the summary and the report.
pub fn say(line: impl std::fmt::Display) {
    let line = line.to_string();
    let mut stderr = io::stderr().lock();
    let _ = stderr
        .write_all(one_line(&line).as_bytes())
        .and_then(|()| stderr.write_all(b"\n"));
}

/// `text` [`printable`], and on one line: a line break or a tab in it (text from a server
/// inside a message: a session id, an error's summary) is written as its escape (`\n`), so
/// it can't make a line that passes for one of the command's own.
pub fn one_line(text: &str) -> Cow<'_, str> {
    let unprintable = |c: char| c.is_control() || is_bidi_control(c);
    if !text.chars().any(unprintable) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            '\t' => escaped.push_str("\\t"),
            c if unprintable(c) => escaped.extend(c.escape_unicode()),
            c => escaped.push(c),
        }
    }
    Cow::Owned(escaped)
}

/// Whether `c` reorders the text around it (Unicode's bidirectional embeddings, overrides,
/// isolates and marks, its Bidi_Control characters): a session id with U+202E would print
/// the rest of its line reversed. They are format characters, not control characters, so
/// `char::is_control` misses them. (The generator drops the nine of them rustc refuses in
/// a comment, the marks aside.)
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Standard error, written [`printable`].
pub fn stderr() -> Printable<io::Stderr> {
    Printable(io::stderr())
}

/// `text` with each control character but the line feed and the tab written as its escape
/// (`\u{1b}`): text from a server (a session id, a status, an error's summary) can't move
/// the cursor, recolour the terminal or set its title when it is printed.
pub fn printable(text: &str) -> Cow<'_, str> {
    let unprintable = |c: char| (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c);
    if !text.chars().any(unprintable) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unprintable(c) {
            escaped.extend(c.escape_unicode());
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

/// A writer of text that writes it [`printable`] (bytes that are not UTF-8 as `\u{fffd}`).
pub struct Printable<W>(pub W);

impl<W: Write> Write for Printable<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf).map(|()| buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        // Formatted output comes a whole `str` at a time, so no character is cut in two.
        self.0
            .write_all(printable(&String::from_utf8_lossy(buf)).as_bytes())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// A writer that clears `bars` while it writes to `out`, so that what it writes appears above
/// them.
pub struct AboveBars<W> {
    bars: MultiProgress,
    out: W,
}

impl<W: Write> AboveBars<W> {
    /// Writes to `out` above `bars`.
    pub fn new(bars: MultiProgress, out: W) -> Self {
        Self { bars, out }
    }
}

impl AboveBars<io::Stderr> {
    /// Standard error, above the process's bars.
    pub fn stderr() -> Self {
        Self::new(bars().clone(), io::stderr())
    }
}

impl<W: Write> Write for AboveBars<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let out = &mut self.out;
        self.bars.suspend(|| out.write(buf))
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        // One suspension for a whole log line.
        let out = &mut self.out;
        self.bars.suspend(|| out.write_all(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use indicatif::{InMemoryTerm, ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

    use super::*;

    #[test]
    fn control_characters_but_line_feeds_and_tabs_are_escaped() {
        assert!(matches!(
            printable("aps1 é\tok\n"),
            Cow::Borrowed("aps1 é\tok\n")
        ));
        assert_eq!(
            printable("a\u{1b}[31mb\u{7}\r\u{9b}c\u{7f}"),
            "a\\u{1b}[31mb\\u{7}\\u{d}\\u{9b}c\\u{7f}"
        );
        let mut out = Printable(Vec::new());
        let title = "x\u{1b}]0;title\u{7}";
        writeln!(out, "{title}").unwrap();
        assert_eq!(out.0, b"x\\u{1b}]0;title\\u{7}\n");
        // What reorders the text after it, too.
        assert_eq!(
            printable("aps\u{202e}1gpj.exe\u{2066}x\u{2069}\u{200f}"),
            "aps\\u{202e}1gpj.exe\\u{2066}x\\u{2069}\\u{200f}"
        );
        assert_eq!(one_line("aps\u{202e}1\n"), "aps\\u{202e}1\\n");
    }

    #[test]
    fn one_line_escapes_line_breaks_and_tabs_too() {
        assert!(matches!(one_line("aps1 é ok"), Cow::Borrowed("aps1 é ok")));
        assert_eq!(
            one_line("aps1\nFAKE\tLINE\r\u{1b}[31m"),
            "aps1\\nFAKE\\tLINE\\r\\u{1b}[31m"
        );
    }

    /// Writes into an in-memory terminal, as standard error would into a real one (whose
    /// driver turns a line feed into a carriage return and a line feed).
    struct Screen(InMemoryTerm);

    impl Write for Screen {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let text = String::from_utf8_lossy(buf).replace('\n', "\r\n");
            self.0.write_str(&text)?;
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            self.0.flush()
        }
    }

    #[test]
    fn log_lines_appear_above_the_bar_which_is_drawn_again_below_them() {
        let screen = InMemoryTerm::new(10, 60);
        let bars = MultiProgress::with_draw_target(ProgressDrawTarget::term_like(Box::new(
            screen.clone(),
        )));
        let bar = bars.add(ProgressBar::new(10));
        bar.set_style(ProgressStyle::with_template("{pos}/{len} users").unwrap());
        bar.set_position(3);
        let mut log = AboveBars::new(bars.clone(), Screen(screen.clone()));
        for n in 1..=2 {
            let mut line = String::new();
            writeln!(line, "DEBUG request {n}").unwrap();
            log.write_all(line.as_bytes()).unwrap();
        }
        bar.set_position(4);
        assert_eq!(
            screen.contents(),
            "DEBUG request 1\nDEBUG request 2\n4/10 users"
        );
    }
}
