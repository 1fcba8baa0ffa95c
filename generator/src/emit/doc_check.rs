//! A whole doc comment, read as rustdoc reads it (pulldown-cmark, rustdoc's own parser), for
//! what rustdoc warns about across its lines: an HTML tag left open (`<b>bold`, `<p>One`),
//! closed without being opened (`</div>`) or written self-closing (`<div/>`), and a link whose
//! target rustdoc would look for as an item of the crate (`[see docs](docs)`, `[the
//! guide][guide]` with no definition). Such a tag's `<` becomes `&lt;` and such a link's
//! brackets are escaped: the text shows as the document wrote it, without the warning (and
//! without the link, which leads nowhere from the crate's docs). The generator's own links
//! (``[`Name`]``, ``[`send`](Self::send)``), whose text starts with a backtick, are left to
//! rustdoc, which checks them.

use std::ops::Range;

use pulldown_cmark::{BrokenLink, Event, LinkType, Options, Parser, Tag};

/// `lines` (each `""` or `" "` and its text, as [`super::tokens`] writes them), with what
/// rustdoc would warn about written so it does not.
pub fn settle(lines: &mut Vec<String>) {
    if !lines.iter().any(|line| might_need_settling(line)) {
        return;
    }
    let text: Vec<&str> = lines
        .iter()
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect();
    let text = text.join("\n");
    let mut escapes = escapes(&text);
    if escapes.is_empty() {
        return;
    }
    escapes.sort_unstable_by_key(|escape| std::cmp::Reverse(escape.at()));
    escapes.dedup_by_key(|escape| escape.at());
    let mut settled = text;
    for escape in escapes {
        match escape {
            Escape::Tag(at) => settled.replace_range(at..at + 1, "&lt;"),
            Escape::Bracket(at) => settled.insert(at, '\\'),
        }
    }
    *lines = settled
        .split('\n')
        .map(|line| match line {
            "" => String::new(),
            line => format!(" {line}"),
        })
        .collect();
}

/// Whether `line` may hold what [`settle`] changes: an HTML tag, or a link with a target
/// (`](`) or a label (`][`). Most lines hold none, and are not parsed.
fn might_need_settling(line: &str) -> bool {
    line.contains('<') || line.contains("](") || line.contains("][")
}

/// A change to the text, at a byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escape {
    /// The `<` of a tag becomes `&lt;`.
    Tag(usize),
    /// A backslash goes before the bracket.
    Bracket(usize),
}

impl Escape {
    fn at(self) -> usize {
        match self {
            Escape::Tag(at) | Escape::Bracket(at) => at,
        }
    }
}

/// The escapes `text` needs.
fn escapes(text: &str) -> Vec<Escape> {
    let mut broken = Vec::new();
    let mut note_broken = |link: BrokenLink<'_>| {
        broken.push(link.span);
        None
    };
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS;
    let parser = Parser::new_with_broken_link_callback(text, options, Some(&mut note_broken));
    let mut escapes = Vec::new();
    let mut tags = Tags::default();
    for (event, range) in parser.into_offset_iter() {
        match event {
            Event::Html(_) | Event::InlineHtml(_) => tags.read(text, range, &mut escapes),
            Event::Start(Tag::Link {
                link_type: LinkType::Inline,
                dest_url,
                ..
            }) if !is_generators(text, &range) && rustdoc_resolves(&dest_url) => {
                escapes.push(Escape::Bracket(range.start));
            }
            _ => {}
        }
    }
    tags.finish(&mut escapes);
    for span in broken {
        if !is_generators(text, &span) {
            escapes.extend(reference_brackets(text, span).map(Escape::Bracket));
        }
    }
    escapes
}

/// Whether the link at `range` is the generator's own: its text starts with a backtick.
fn is_generators(text: &str, range: &Range<usize>) -> bool {
    text.get(range.start..)
        .is_some_and(|link| link.starts_with("[`"))
}

/// Whether rustdoc takes a link's target for the path of an item to look for: no scheme's
/// `//`, no `/` or `.` at all, only what a path can hold (`docs`, `x`, `javascript:alert`);
/// an anchor (`#fields`) is the page's own.
fn rustdoc_resolves(target: &str) -> bool {
    let path = target.split('#').next().unwrap_or_default();
    !path.is_empty()
        && path
            .chars()
            .all(|c| c.is_alphanumeric() || ":_<>, !*&;@()".contains(c))
}

/// The opening brackets of a reference link with no definition (`[text][label]`, `[label]`,
/// and of `[text][]` the first, as `[]` alone is no link), whose text and label rustdoc
/// would each look for as an item.
fn reference_brackets(text: &str, span: Range<usize>) -> impl Iterator<Item = usize> {
    let link = text.get(span.clone()).unwrap_or_default();
    let label = link
        .strip_suffix(']')
        .and_then(|inner| inner.rfind("]["))
        .map(|at| span.start + at + 1);
    std::iter::once(span.start)
        .filter(move |&at| text.as_bytes().get(at) == Some(&b'['))
        .chain(label)
}

/// The HTML elements rustdoc lets stand without a closing tag.
const VOID: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// The tags open so far, innermost last: each one's lowercase name and where its `<` is.
#[derive(Default)]
struct Tags {
    open: Vec<(String, usize)>,
}

impl Tags {
    /// Reads the tags of the HTML at `range` of `text`.
    fn read(&mut self, text: &str, range: Range<usize>, escapes: &mut Vec<Escape>) {
        let html = text.get(range.clone()).unwrap_or_default();
        let mut from = 0;
        while let Some(offset) = html[from..].find('<') {
            let at = from + offset;
            from = at + 1;
            let Some(tag) = tag_at(&html[at..]) else {
                continue;
            };
            let absolute = range.start + at;
            match tag {
                TagKind::Open(name) if VOID.contains(&name.as_str()) => {}
                TagKind::Open(name) => self.open.push((name, absolute)),
                TagKind::SelfClosing(name) if VOID.contains(&name.as_str()) => {}
                TagKind::SelfClosing(_) => escapes.push(Escape::Tag(absolute)),
                TagKind::Close(name) if VOID.contains(&name.as_str()) => {}
                TagKind::Close(name) => match self.open.iter().rposition(|(open, _)| *open == name)
                {
                    // It closes that tag; those opened inside it and left open are unclosed.
                    Some(place) => {
                        let unclosed = self.open.drain(place..).skip(1);
                        escapes.extend(unclosed.map(|(_, at)| Escape::Tag(at)));
                    }
                    None => escapes.push(Escape::Tag(absolute)),
                },
            }
        }
    }

    /// Every tag still open is unclosed.
    fn finish(self, escapes: &mut Vec<Escape>) {
        escapes.extend(self.open.into_iter().map(|(_, at)| Escape::Tag(at)));
    }
}

/// What a tag is, by its lowercase name.
#[derive(Debug, PartialEq)]
enum TagKind {
    Open(String),
    Close(String),
    SelfClosing(String),
}

/// The tag that starts `html` (at its `<`): a name of ASCII letters, digits and `-` after
/// `<` or `</`, then a space, `/` or `>`, and its `>` (attribute values in quotes may hold
/// one). `None` for anything else (a comment, `<=`, a tag never ended).
fn tag_at(html: &str) -> Option<TagKind> {
    let rest = html.strip_prefix('<')?;
    let (closing, rest) = match rest.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    let length = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(rest.len());
    let name = &rest[..length];
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut quote = None;
    let mut before = ' ';
    for c in rest[length..].chars() {
        match (quote, c) {
            (Some(open), c) if c == open => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => {
                let name = name.to_ascii_lowercase();
                return Some(match (closing, before == '/') {
                    (true, _) => TagKind::Close(name),
                    (false, true) => TagKind::SelfClosing(name),
                    (false, false) => TagKind::Open(name),
                });
            }
            (None, _) => {}
        }
        if !c.is_whitespace() {
            before = c;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settled(text: &str) -> String {
        let mut lines: Vec<String> = text
            .split('\n')
            .map(|line| match line {
                "" => String::new(),
                line => format!(" {line}"),
            })
            .collect();
        settle(&mut lines);
        let lines: Vec<&str> = lines
            .iter()
            .map(|line| line.strip_prefix(' ').unwrap_or(line))
            .collect();
        lines.join("\n")
    }

    #[test]
    fn tags_left_open_closed_unopened_or_self_closing_are_text() {
        for (written, shown) in [
            ("Some <b>bold text.", "Some &lt;b>bold text."),
            ("<p>One</p><p>Two", "<p>One</p>&lt;p>Two"),
            ("Text </div> more.", "Text &lt;/div> more."),
            ("<div/>", "&lt;div/>"),
            (
                "<table><tr><td>x</td></tr>\n\nafter",
                "&lt;table><tr><td>x</td></tr>\n\nafter",
            ),
            ("<b><i>x</b>", "<b>&lt;i>x</b>"),
        ] {
            assert_eq!(settled(written), shown, "{written}");
        }
    }

    #[test]
    fn balanced_tags_void_elements_and_code_are_left_alone() {
        for written in [
            "<b>Bold</b> and <i>it</i>,<br> a line<br/> <img src=\"a>b.png\">",
            "<p>\nA paragraph over\ntwo lines\n</p>",
            "`<b>` in code, and\n```text\n<div>\n```",
            "A [link](https://example.com/docs), an [anchor](#fields), [`send`](Self::send) and [`Name`].",
            "[here][1]\n\n[1]: https://example.com",
        ] {
            assert_eq!(settled(written), written);
        }
    }

    #[test]
    fn links_rustdoc_would_look_for_as_items_are_text() {
        for (written, shown) in [
            (
                "[see docs](docs) and [x](y)",
                "\\[see docs](docs) and \\[x](y)",
            ),
            ("[a link](javascript:alert)", "\\[a link](javascript:alert)"),
            (
                "See [the guide][guide], or [x][].",
                "See \\[the guide]\\[guide], or \\[x][].",
            ),
        ] {
            assert_eq!(settled(written), shown, "{written}");
        }
    }
}
