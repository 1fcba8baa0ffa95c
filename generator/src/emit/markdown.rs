//! A line of a description, outside code, made safe for rustdoc: the document's Markdown
//! is kept, but what rustdoc would warn about, and then lose or misread, is written so it
//! renders as the document shows it. A bare URL becomes an autolink (`<https://…>`); a `<`
//! that opens no HTML tag rustdoc knows (`f:<name>`) is `&lt;`; square brackets that are no
//! link (`items[0].name`, `[x]`) are escaped, so rustdoc does not look for an item of that
//! name. Code spans are left as they are, and so are the generator's own links
//! (``[`Name`]``), which start with a backtick.

/// The HTML elements rustdoc lets through: a tag of any other name is text.
const HTML_TAGS: [&str; 48] = [
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "td",
    "th",
    "tr",
    "u",
];

/// `line`, outside its code spans, made safe for rustdoc.
pub fn rustdoc_safe(line: &str) -> String {
    let mut safe = String::with_capacity(line.len() + 8);
    let mut at = 0;
    while let Some(offset) = line[at..].find(['`', 'h', '<', '[', ']']) {
        let here = at + offset;
        safe.push_str(&line[at..here]);
        let (before, rest) = line.split_at(here);
        at = here + 1;
        match rest.as_bytes()[0] {
            b'`' => {
                let span = code_span(rest);
                safe.push_str(span);
                at = here + span.len();
            }
            b'h' => match bare_url(line, here) {
                Some(url) => {
                    safe.push('<');
                    safe.push_str(url);
                    safe.push('>');
                    at = here + url.len();
                }
                None => safe.push('h'),
            },
            b'<' if !opens_tag(&rest[1..]) => safe.push_str("&lt;"),
            b'[' if !is_link(rest) && !after_link_text(&safe) => safe.push_str("\\["),
            b']' if !closes_link(before, &rest[1..]) => safe.push_str("\\]"),
            byte => safe.push(char::from(byte)),
        }
    }
    safe.push_str(&line[at..]);
    safe
}

/// The code span that starts `rest` (a run of backticks, what follows, and the next run of
/// exactly as many), or the opening run alone when none closes it.
fn code_span(rest: &str) -> &str {
    let ticks = rest.len() - rest.trim_start_matches('`').len();
    let fence = &rest[..ticks];
    let after = &rest[ticks..];
    let end = (0..after.len())
        .filter(|&at| after.is_char_boundary(at) && after[at..].starts_with(fence))
        .find(|&at| !after[..at].ends_with('`') && !after[at + ticks..].starts_with('`'));
    match end {
        Some(end) => &rest[..ticks + end + ticks],
        None => fence,
    }
}

/// The URL that starts at `at` in `text` when it is bare: not already in `<…>`, a link's
/// `(…)` or its text, nor part of a word.
fn bare_url(text: &str, at: usize) -> Option<&str> {
    let rest = &text[at..];
    if !(rest.starts_with("https://") || rest.starts_with("http://")) {
        return None;
    }
    let before = text[..at].chars().next_back();
    if before.is_some_and(|c| {
        c.is_alphanumeric() || matches!(c, '<' | '(' | '[' | '"' | '\'' | '=' | '/')
    }) {
        return None;
    }
    let length = rest
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '`' | ')' | ']'))
        .unwrap_or(rest.len());
    // A sentence's last stop is not the URL's.
    let url = rest[..length].trim_end_matches(['.', ',', ';', ':', '!', '?']);
    (url.len() > "https://".len()).then_some(url)
}

/// Whether the text after a `<` opens or closes an HTML tag rustdoc knows, is an autolink
/// (`<https://…>`) or a comment.
fn opens_tag(after: &str) -> bool {
    if after.starts_with("!--") || after.starts_with("http://") || after.starts_with("https://") {
        return true;
    }
    let name = after.strip_prefix('/').unwrap_or(after);
    let length = name
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(name.len());
    let end = name[length..].chars().next();
    length > 0
        && matches!(end, Some('>' | ' ' | '/'))
        && HTML_TAGS.contains(&name[..length].to_ascii_lowercase().as_str())
}

/// Whether the `[` that starts `rest` starts a link: ``[`Name`]`` (the generator's), or
/// `[text](…)`, `[text][…]`, `[text]:` (Markdown's).
fn is_link(rest: &str) -> bool {
    if rest.starts_with("[`") {
        return true;
    }
    match rest.find(']') {
        Some(end) => rest[end + 1..].starts_with(['(', '[', ':']),
        None => false,
    }
}

/// Whether what is written so far ends with a link's text, kept: a `[` after it opens the
/// label of a reference link (`[text][label]`).
fn after_link_text(safe: &str) -> bool {
    safe.ends_with(']') && !safe.ends_with("\\]")
}

/// Whether the `]` between `before` and `after` closes a link that [`is_link`] kept.
fn closes_link(before: &str, after: &str) -> bool {
    let Some(open) = before.rfind('[') else {
        return false;
    };
    before[open..].starts_with("[`")
        || before[..open].ends_with(']')
        || after.starts_with(['(', '[', ':'])
}

#[cfg(test)]
mod tests {
    use super::*;

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
        ];
        for (line, safe) in cases {
            assert_eq!(rustdoc_safe(line), safe, "{line}");
        }
    }

    #[test]
    fn markdown_html_code_and_the_generator_s_links_are_kept() {
        for line in [
            "a [link](https://example.com) and [ref][1] and <https://example.com>",
            "<b>bold</b>, <br/>, <a href=\"https://x.io\">x</a> <!-- note -->",
            "`items[0].name` and ``a ` b <c>`` and `https://x.io`",
            "The value is a [`Pet`]; see [`Pet::Unknown`].",
            "http://",
        ] {
            assert_eq!(rustdoc_safe(line), line);
        }
        let cases = [
            (
                "[1]: https://example.com/ref",
                "[1]: <https://example.com/ref>",
            ),
            (
                "an `unclosed code span <x>",
                "an `unclosed code span &lt;x>",
            ),
            ("items[0] and [1]", "items\\[0\\] and \\[1\\]"),
        ];
        for (line, safe) in cases {
            assert_eq!(rustdoc_safe(line), safe, "{line}");
        }
    }
}
