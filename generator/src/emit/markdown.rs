//! A line of a description, outside code, made safe for rustdoc: the document's Markdown
//! is kept, but what rustdoc would warn about, and then lose or misread, is written so it
//! renders as the document shows it. A bare URL becomes an autolink (`<https://…>`); a `<`
//! that opens no HTML element (`f:<name>`, `List<String>`) is `&lt;`; square brackets that
//! are no link (`items[0].name`, `m[i][j]`, `[x]`) are escaped, so rustdoc does not look
//! for an item of that name. Code spans and backslash escapes are left as they are, and so
//! are the generator's own links (``[`Name`]``), which start with a backtick.

use std::collections::HashMap;

/// The elements of HTML: a `<` followed by one of these names opens or closes a tag, any
/// other is text.
const HTML_ELEMENTS: [&str; 117] = [
    "a",
    "abbr",
    "address",
    "area",
    "article",
    "aside",
    "audio",
    "b",
    "base",
    "bdi",
    "bdo",
    "big",
    "blockquote",
    "body",
    "br",
    "button",
    "canvas",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "data",
    "datalist",
    "dd",
    "del",
    "details",
    "dfn",
    "dialog",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "fieldset",
    "figcaption",
    "figure",
    "font",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "i",
    "iframe",
    "img",
    "input",
    "ins",
    "kbd",
    "label",
    "legend",
    "li",
    "link",
    "main",
    "map",
    "mark",
    "menu",
    "meta",
    "meter",
    "nav",
    "noscript",
    "object",
    "ol",
    "optgroup",
    "option",
    "output",
    "p",
    "param",
    "picture",
    "pre",
    "progress",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "script",
    "section",
    "select",
    "small",
    "source",
    "span",
    "strike",
    "strong",
    "style",
    "sub",
    "summary",
    "sup",
    "svg",
    "table",
    "tbody",
    "td",
    "template",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "time",
    "title",
    "tr",
    "track",
    "tt",
    "u",
    "ul",
    "var",
    "video",
    "wbr",
    "nobr",
];

/// Whether `line` starts an HTML block (`<table>`, `<pre>`, `</div>`): Markdown is not read
/// inside one, so nothing in it is to be escaped.
pub fn starts_html_block(line: &str) -> bool {
    let trimmed = line.trim_start_matches(' ');
    line.len() - trimmed.len() < 4
        && trimmed
            .strip_prefix('<')
            .is_some_and(|after| html_tag_name(after).is_some())
}

/// `line`, outside its code spans, made safe for rustdoc.
pub fn rustdoc_safe(line: &str) -> String {
    let mut safe = String::with_capacity(line.len() + 8);
    let pairs = Pairs::of(line);
    // For each `[` open: whether it was kept as a link's; and how many were.
    let mut brackets: Vec<bool> = Vec::new();
    let mut links_open = 0_usize;
    let mut in_anchor = false;
    let mut at = 0;
    while let Some(offset) = line[at..].find(['\\', '`', 'h', '<', '[', ']']) {
        let here = at + offset;
        safe.push_str(&line[at..here]);
        let (before, rest) = line.split_at(here);
        let in_link_text = links_open > 0 || in_anchor;
        let taken = match rest.as_bytes()[0] {
            // A backslash escape or a code span is copied as it is.
            b'\\' | b'`' => {
                let taken = if rest.starts_with('`') {
                    pairs.code_span(here)
                } else {
                    escape(rest)
                };
                safe.push_str(&rest[..taken]);
                taken
            }
            b'h' => match bare_url(&safe, rest) {
                Some(url) if !in_link_text => {
                    safe.push('<');
                    safe.push_str(url);
                    safe.push('>');
                    url.len()
                }
                // The text of an HTML anchor (`<a href="…">https://…</a>`) is no link to
                // rustdoc, which warns of a bare URL there; its colon escaped, it reads the
                // same and is none.
                Some(url) if links_open == 0 => {
                    let (scheme, after) = url.split_at(url.find(':').unwrap_or(0));
                    safe.push_str(scheme);
                    safe.push('\\');
                    safe.push_str(after);
                    url.len()
                }
                _ => {
                    safe.push('h');
                    1
                }
            },
            b'<' => {
                let after = &rest[1..];
                match html_tag_name(after) {
                    // `<p/>`: HTML reads it as `<p>`, rustdoc warns; an empty element
                    // says the same without a warning. An anchor so written holds nothing:
                    // what follows is no link text.
                    Some(name) if is_self_closed_container(after, name) => {
                        in_anchor &= !name.eq_ignore_ascii_case("a");
                        safe.push_str(&format!("<{name}></{name}>"));
                        name.len() + 3
                    }
                    Some(name) => {
                        if name.eq_ignore_ascii_case("a") {
                            in_anchor = true;
                        } else if name.eq_ignore_ascii_case("/a") {
                            in_anchor = false;
                        }
                        safe.push('<');
                        1
                    }
                    None => {
                        safe.push_str(if is_autolink(after) { "<" } else { "&lt;" });
                        1
                    }
                }
            }
            b'[' => {
                let part_of_a_word = before
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_');
                let label = safe.ends_with(']') && !safe.ends_with("\\]");
                let link = !part_of_a_word && (label || pairs.is_link(line, here));
                brackets.push(link);
                links_open += usize::from(link);
                safe.push_str(if link { "[" } else { "\\[" });
                1
            }
            _ => {
                let link = brackets.pop().unwrap_or(false);
                links_open -= usize::from(link);
                safe.push_str(if link { "]" } else { "\\]" });
                1
            }
        };
        at = here + taken;
    }
    safe.push_str(&line[at..]);
    safe
}

/// The backslash escape that starts `rest`: the backslash and the ASCII punctuation it
/// escapes, or the backslash alone.
fn escape(rest: &str) -> usize {
    match rest.as_bytes().get(1) {
        Some(byte) if byte.is_ascii_punctuation() => 2,
        _ => 1,
    }
}

/// The URL that starts `rest` when it is bare: not already in `<…>`, a link's `(…)` or
/// an attribute, nor part of a word. It ends before white space or what cannot be in it,
/// before a `)` that closes none of its own `(`, and before a sentence's last stop or a
/// Markdown emphasis that follows it. `written` is the line as written so far, so that a
/// `](` whose `]` was escaped, being no link, leaves the URL after it bare.
fn bare_url<'t>(written: &str, rest: &'t str) -> Option<&'t str> {
    if !(rest.starts_with("https://") || rest.starts_with("http://")) {
        return None;
    }
    let previous = written.chars().next_back();
    let label = written.trim_end();
    // A link's destination: `[text](https://…)`, `[label]: https://…`; an attribute's
    // value: `href="https://…"`.
    if (written.ends_with("](") && !written.ends_with("\\]("))
        || (label.ends_with("]:") && !label.ends_with("\\]:"))
        || is_attribute_value(written)
        || previous.is_some_and(|c| c.is_alphanumeric() || matches!(c, '<' | '=' | '/'))
    {
        return None;
    }
    let mut depth = 0_usize;
    let mut length = rest.len();
    for (at, c) in rest.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            c if c.is_whitespace()
                || matches!(c, ')' | '<' | '>' | '"' | '\'' | '`' | '[' | ']') =>
            {
                length = at;
                break;
            }
            _ => {}
        }
    }
    let url = rest[..length].trim_end_matches(['.', ',', ';', ':', '!', '?', '*']);
    (url.len() > "https://".len()).then_some(url)
}

/// Whether a URL after `written` is an attribute's value: `href="`, `href = '`.
fn is_attribute_value(written: &str) -> bool {
    let before_quote = written
        .strip_suffix('"')
        .or_else(|| written.strip_suffix('\''));
    before_quote.is_some_and(|before| before.trim_end().ends_with('='))
}

/// Whether the tag `name` that the text after a `<` opens closes itself (`p/>`) though its
/// element has content, which HTML does not allow.
fn is_self_closed_container(after: &str, name: &str) -> bool {
    after[name.len()..].starts_with("/>")
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && !is_void(name)
}

/// Whether the element `name` is void: it has no content and no closing tag (`<br/>`), and
/// rustdoc lets it stand open.
pub(super) fn is_void(name: &str) -> bool {
    const VOID: [&str; 15] = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
        "param", "source", "track", "wbr",
    ];
    VOID.iter().any(|void| void.eq_ignore_ascii_case(name))
}

/// The name of the HTML tag the text after a `<` opens (`b`) or closes (`/b`), when it is
/// an element of HTML; a comment (`!--`) counts as one.
fn html_tag_name(after: &str) -> Option<&str> {
    if after.starts_with("!--") {
        return Some("!--");
    }
    let name_start = usize::from(after.starts_with('/'));
    let length = after[name_start..]
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(after.len() - name_start);
    let end = after[name_start + length..].chars().next();
    let known = HTML_ELEMENTS.contains(
        &after[name_start..name_start + length]
            .to_ascii_lowercase()
            .as_str(),
    );
    (length > 0 && known && matches!(end, Some('>' | ' ' | '/' | '\t') | None))
        .then_some(&after[..name_start + length])
}

/// Whether the text after a `<` is an autolink: `<https://…>`, or `<name@host>`.
fn is_autolink(after: &str) -> bool {
    // An autolink holds no white space or `<`: the look stops at the first, so a line of
    // many `<` is read once.
    let Some(end) = after.find(|c: char| c == '>' || c == '<' || c.is_whitespace()) else {
        return false;
    };
    let inside = &after[..end];
    let url = inside.starts_with("http://") || inside.starts_with("https://");
    let email = inside.contains('@') && !inside.starts_with('@') && !inside.ends_with('@');
    after[end..].starts_with('>') && (url || email)
}

/// Where the brackets and the runs of backticks of a line pair up, found in one pass each,
/// so that reading a line stays linear however many it has (a description of 40,000 `[`
/// took 40 s in a debug build when each looked ahead to the end of the line for its `]`).
struct Pairs {
    /// `(open, close)`: the byte offsets of each `[` and the `]` that closes it, by `open`.
    brackets: Vec<(usize, usize)>,
    /// `(start, length)`: each run of backticks, by `start`.
    runs: Vec<(usize, usize)>,
    /// The starts of the runs of each length, in order.
    runs_of_length: HashMap<usize, Vec<usize>>,
}

impl Pairs {
    fn of(line: &str) -> Self {
        let mut brackets = Vec::new();
        let mut open = Vec::new();
        for (at, byte) in line.bytes().enumerate() {
            match byte {
                b'[' => open.push(at),
                b']' => brackets.extend(open.pop().map(|start| (start, at))),
                _ => {}
            }
        }
        brackets.sort_unstable();
        let mut runs = Vec::new();
        let mut runs_of_length: HashMap<usize, Vec<usize>> = HashMap::new();
        let bytes = line.as_bytes();
        let mut at = 0;
        while let Some(offset) = memchr::memchr(b'`', &bytes[at..]) {
            let start = at + offset;
            let length = bytes[start..].iter().take_while(|&&b| b == b'`').count();
            runs.push((start, length));
            runs_of_length.entry(length).or_default().push(start);
            at = start + length;
        }
        Self {
            brackets,
            runs,
            runs_of_length,
        }
    }

    /// Whether the `[` at `at` of `line` starts a link: ``[`Name`]`` (the generator's), or
    /// `[text](…)`, `[text][label]`, or a definition `[label]: https://…` (Markdown's).
    fn is_link(&self, line: &str, at: usize) -> bool {
        if line[at..].starts_with("[`") {
            return true;
        }
        match self.brackets.binary_search_by_key(&at, |&(open, _)| open) {
            Ok(found) => follows_link_text(&line[self.brackets[found].1 + 1..]),
            Err(_) => false,
        }
    }

    /// The length of the code span that opens with the backticks from `at` to the end of
    /// their run (all of it, or what an escaped backtick left of it): to the end of the next
    /// run of as many, or the opening backticks alone when none closes them.
    fn code_span(&self, at: usize) -> usize {
        let run = self.runs.partition_point(|&(start, _)| start <= at);
        let Some(&(start, length)) = run.checked_sub(1).and_then(|run| self.runs.get(run)) else {
            return 1;
        };
        let ticks = (start + length).saturating_sub(at).max(1);
        let closing = self.runs_of_length.get(&ticks).and_then(|starts| {
            let next = starts.partition_point(|&start| start <= at);
            starts.get(next)
        });
        match closing {
            Some(&closing) => closing + ticks - at,
            None => ticks,
        }
    }
}

/// Whether what follows a `]` makes the brackets before it a link's text or label.
fn follows_link_text(after: &str) -> bool {
    if after.starts_with(['(', '[']) {
        return true;
    }
    // A definition gives a destination: `[1]: https://…`, `[1]: /path`, `[1]: <…>`.
    after.strip_prefix(':').is_some_and(|destination| {
        let destination = destination.trim_start();
        ["http://", "https://", "/", "#", "<", "./", "../"]
            .iter()
            .any(|start| destination.starts_with(start))
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Whether the `[` that starts `rest` starts a link, found by looking ahead for its `]`:
    /// what [`Pairs::is_link`] must agree with.
    fn is_link_looking_ahead(rest: &str) -> bool {
        if rest.starts_with("[`") {
            return true;
        }
        let mut depth = 0_usize;
        for (at, c) in rest.char_indices() {
            match c {
                '[' => depth += 1,
                ']' if depth == 1 => return follows_link_text(&rest[at + 1..]),
                ']' => depth -= 1,
                _ => {}
            }
        }
        false
    }

    /// The length of the code span that starts `rest` (a run of backticks, what follows,
    /// and the next run of exactly as many), or of the opening run alone when none closes
    /// it, found by looking ahead: what [`Pairs::code_span`] must agree with.
    fn code_span_looking_ahead(rest: &str) -> usize {
        let ticks = rest.len() - rest.trim_start_matches('`').len();
        let fence = &rest[..ticks];
        let after = &rest[ticks..];
        let end = (0..after.len())
            .filter(|&at| after.is_char_boundary(at) && after[at..].starts_with(fence))
            .find(|&at| !after[..at].ends_with('`') && !after[at + ticks..].starts_with('`'));
        match end {
            Some(end) => ticks + end + ticks,
            None => ticks,
        }
    }

    /// Whether the text after a `<` is an autolink, found by looking for its `>` to the end
    /// of the line: what [`is_autolink`] must agree with.
    fn is_autolink_looking_ahead(after: &str) -> bool {
        let Some(end) = after.find('>') else {
            return false;
        };
        let inside = &after[..end];
        let url = inside.starts_with("http://") || inside.starts_with("https://");
        let email = inside.contains('@') && !inside.starts_with('@') && !inside.ends_with('@');
        (url || email) && !inside.contains(|c: char| c.is_whitespace() || c == '<')
    }

    proptest! {
        /// An autolink is told by a look that stops at the first `<`, `>` or white space as
        /// by one to the end of the line.
        #[test]
        fn autolinks_are_told_without_looking_to_the_end_of_the_line(
            after in proptest::collection::vec(
                proptest::sample::select(vec!["<", ">", " ", "@", "a", "https://", "x.io"]),
                0..12,
            ).prop_map(|parts| parts.concat()),
        ) {
            prop_assert_eq!(is_autolink(&after), is_autolink_looking_ahead(&after));
        }

        /// Brackets and code spans paired up in one pass are those found by looking ahead
        /// from each.
        #[test]
        fn pairs_found_in_one_pass_are_those_found_by_looking_ahead(
            line in proptest::collection::vec(
                proptest::sample::select(vec!['[', ']', '`', 'a', '(', ':', ' ', '/', '\\']),
                0..60,
            ).prop_map(String::from_iter),
        ) {
            let pairs = Pairs::of(&line);
            for (at, c) in line.char_indices() {
                if c == '[' {
                    prop_assert_eq!(pairs.is_link(&line, at), is_link_looking_ahead(&line[at..]), "at {}", at);
                }
                if c == '`' {
                    prop_assert_eq!(pairs.code_span(at), code_span_looking_ahead(&line[at..]), "at {}", at);
                }
            }
        }
    }

    #[test]
    fn what_rustdoc_would_warn_about_is_written_to_render_as_it_reads() {
        let cases = [
            (
                "See https://kubernetes.io/docs/concepts. Or http://x.io/a_b?c=1, then.",
                "See <https://kubernetes.io/docs/concepts>. Or <http://x.io/a_b?c=1>, then.",
            ),
            (
                "a 'f:<name>', where <name> is",
                "a 'f:&lt;name>', where &lt;name> is",
            ),
            (
                "items[0].name and [x] done",
                "items\\[0\\].name and \\[x\\] done",
            ),
            ("List<String> or Vec<u8>", "List&lt;String> or Vec&lt;u8>"),
            ("(https://example.com/docs)", "(<https://example.com/docs>)"),
            (
                "m[i][j], values[0][1]",
                "m\\[i\\]\\[j\\], values\\[0\\]\\[1\\]",
            ),
            (
                "ids[0]: the first; labels[name]: one",
                "ids\\[0\\]: the first; labels\\[name\\]: one",
            ),
            ("[DEPRECATED]: use X", "\\[DEPRECATED\\]: use X"),
            ("**See https://x.io/a**", "**See <https://x.io/a>**"),
            (
                "https://en.wikipedia.org/wiki/Foo_(bar).",
                "<https://en.wikipedia.org/wiki/Foo_(bar)>.",
            ),
            ("[a [b] c](https://x.io)", "[a \\[b\\] c](https://x.io)"),
            (
                "an `unclosed code span <x>",
                "an `unclosed code span &lt;x>",
            ),
            (r"\`items[0]\` is no code", r"\`items\[0\]\` is no code"),
            (
                "It reads: \"https://x.io/users/{id}/photo\", or 'https://y.io'.",
                "It reads: \"<https://x.io/users/{id}/photo>\", or '<https://y.io>'.",
            ),
            (
                "via []Shop](https://x.io/shop).",
                "via \\[\\]Shop\\](<https://x.io/shop>).",
            ),
            (
                "One.<p/>Two.<P/><br/></p/><!--/>",
                "One.<p></p>Two.<P></P><br/></p/><!--/>",
            ),
            ("<a/> then https://x.io", "<a></a> then <https://x.io>"),
            // An anchor's text is no link to rustdoc: a URL there is escaped, not linked.
            (
                "<b>bold</b>, <a href=\"https://x.io\">https://x.io</a> <!-- note -->",
                "<b>bold</b>, <a href=\"https://x.io\">https\\://x.io</a> <!-- note -->",
            ),
        ];
        for (line, safe) in cases {
            assert_eq!(rustdoc_safe(line), safe, "{line}");
        }
    }

    #[test]
    fn markdown_html_code_escapes_and_the_generator_s_links_are_kept() {
        for line in [
            "a [link](https://example.com) and [ref][1] and <https://example.com>",
            "[1]: https://example.com/ref",
            "<b>bold</b>, <br/>, <a href=\"https://x.io\">the site</a> <!-- note -->",
            "<a href = \"https://x.io\">x</a> and <a href='https://y.io'>y</a>",
            "<ul><li>one</li></ul> <thead></thead> <tt>t</tt> <var>v</var> <section>",
            "`items[0].name` and ``a ` b <c>`` and `https://x.io`",
            "The value is a [`Pet`]; see [`Pet::Unknown`].",
            "\\[x\\], \\<name> and a mail to <a@b.c>",
            "[see https://x.io](https://y.io)",
            "http://",
        ] {
            assert_eq!(rustdoc_safe(line), line);
        }
    }

    #[test]
    fn html_blocks_are_told_from_text() {
        assert!(starts_html_block("<pre>"));
        assert!(starts_html_block("  </TABLE>"));
        assert!(!starts_html_block("<name> is"));
        assert!(!starts_html_block("    <pre>"));
    }
}
