//! A description, read whole as rustdoc reads it (pulldown-cmark, rustdoc's own parser), for
//! what rustdoc warns about across its lines: an HTML tag left open (`<b>bold`, `<p>One`),
//! closed without being opened (`</div>`, `</br>`) or written self-closing where HTML has no
//! such thing (a line `<div/>`), an HTML comment never closed, and a link whose target
//! rustdoc would look for as an item of the crate (`[see docs](docs)`, `[the guide][guide]`
//! with no definition). Such a tag's `<` becomes `&lt;` and such a link's brackets are
//! escaped: the text shows as the document wrote it, without the warning (and without the
//! link, which leads nowhere from the crate's docs).
//!
//! It runs on the description as written, before its lines are made safe one by one
//! ([`super::markdown`]): a tag that starts an HTML block and is escaped no longer starts
//! one, and the lines after it are then read, and made safe, as Markdown. Links whose text
//! starts with a backtick (``[`Name`]``) are the generator's way and are left to rustdoc.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{BrokenLink, Event, LinkType, Options, Parser, Tag};

use super::markdown::is_void;

/// The Markdown extensions rustdoc reads doc comments with.
pub(super) const RUSTDOC_MARKDOWN: Options = Options::ENABLE_TABLES
    .union(Options::ENABLE_FOOTNOTES)
    .union(Options::ENABLE_STRIKETHROUGH)
    .union(Options::ENABLE_TASKLISTS);

/// How many times a description is read again after escaping: an escape can make a link of
/// what was its text (`[a [b](c) d](e)`), which the next reading finds.
const READINGS: usize = 4;

/// `paragraph` with what rustdoc would warn about written so it does not.
pub fn settle(paragraph: &str) -> Cow<'_, str> {
    if !might_need_settling(paragraph) {
        return Cow::Borrowed(paragraph);
    }
    let mut text = Cow::Borrowed(paragraph);
    for _ in 0..READINGS {
        let escapes = escapes(&text);
        if escapes.is_empty() {
            break;
        }
        text = Cow::Owned(apply(&text, escapes));
    }
    text
}

/// Whether `text` may hold what [`settle`] changes: an HTML tag or comment, or a link with
/// a target (`](`) or a label (`][`). Most descriptions hold none, and are not parsed.
fn might_need_settling(text: &str) -> bool {
    text.contains('<') || text.contains("](") || text.contains("][")
}

/// A change to the text, at a byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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

/// `text` with `escapes` made, in one pass.
fn apply(text: &str, mut escapes: Vec<Escape>) -> String {
    escapes.sort_unstable_by_key(|escape| escape.at());
    escapes.dedup_by_key(|escape| escape.at());
    let mut written = String::with_capacity(text.len() + 4 * escapes.len());
    let mut from = 0;
    for escape in escapes {
        let at = escape.at();
        written.push_str(&text[from..at]);
        match escape {
            Escape::Tag(_) => {
                written.push_str("&lt;");
                from = at + 1;
            }
            Escape::Bracket(_) => {
                written.push('\\');
                from = at;
            }
        }
    }
    written.push_str(&text[from..]);
    written
}

/// The escapes `text` needs.
fn escapes(text: &str) -> Vec<Escape> {
    let mut broken = Vec::new();
    let mut note_broken = |link: BrokenLink<'_>| {
        broken.push(link.span);
        None
    };
    let parser =
        Parser::new_with_broken_link_callback(text, RUSTDOC_MARKDOWN, Some(&mut note_broken));
    let mut escapes = Vec::new();
    let mut html = Html::default();
    let mut in_html_block = false;
    for (event, range) in parser.into_offset_iter() {
        match event {
            Event::Start(Tag::HtmlBlock) => in_html_block = true,
            Event::End(pulldown_cmark::TagEnd::HtmlBlock) => in_html_block = false,
            Event::Html(_) | Event::InlineHtml(_) => {
                html.read(text, range, in_html_block, &mut escapes);
            }
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
    html.finish(&mut escapes);
    for span in broken {
        if !is_generators(text, &span) {
            escapes.extend(reference_brackets(text, span).map(Escape::Bracket));
        }
    }
    escapes
}

/// Whether the link at `range` is the generator's way of writing one: its text starts with a
/// backtick.
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

/// The HTML read so far, across the events of a description.
#[derive(Default)]
struct Html {
    /// The tags open, innermost last: each one's lowercase name and where its `<` is.
    open: Vec<(String, usize)>,
    /// How many tags of each name are open, so that a closing tag opened by none is told
    /// at once.
    open_by_name: HashMap<String, usize>,
    /// Where an HTML comment not closed yet starts.
    comment: Option<usize>,
    /// The closing tag that ends the raw text of a `<script>` or `<style>`, whose content is
    /// no HTML.
    raw_text_until: Option<&'static str>,
    /// How many `<svg>` and `<math>` elements are open, inside which any element may be
    /// self-closing.
    foreign: usize,
}

impl Html {
    /// Reads the tags of the HTML at `range` of `text`; `in_block` when it is an HTML block's,
    /// whose lines are not made safe one by one.
    fn read(&mut self, text: &str, range: Range<usize>, in_block: bool, escapes: &mut Vec<Escape>) {
        let html = text.get(range.clone()).unwrap_or_default();
        let mut from = 0;
        loop {
            if self.comment.is_some() {
                match html[from..].find("-->") {
                    Some(end) => {
                        self.comment = None;
                        from += end + 3;
                    }
                    None => return,
                }
            }
            if let Some(until) = self.raw_text_until {
                match find_ignoring_case(&html[from..], until) {
                    Some(end) => {
                        self.raw_text_until = None;
                        from += end;
                    }
                    None => return,
                }
            }
            let Some(offset) = html[from..].find('<') else {
                return;
            };
            let at = from + offset;
            from = at + 1;
            if html[at..].starts_with("<!--") {
                self.comment = Some(range.start + at);
                from = at + 4;
                continue;
            }
            let Some((tag, length)) = tag_at(&html[at..]) else {
                continue;
            };
            from = at + length;
            self.tag(tag, range.start + at, in_block, escapes);
        }
    }

    /// A tag, its `<` at `at`.
    fn tag(&mut self, tag: TagKind, at: usize, in_block: bool, escapes: &mut Vec<Escape>) {
        match tag {
            TagKind::Open(name) if is_void(&name) => {}
            TagKind::Open(name) => {
                match name.as_str() {
                    "script" => self.raw_text_until = Some("</script"),
                    "style" => self.raw_text_until = Some("</style"),
                    "svg" | "math" => self.foreign += 1,
                    _ => {}
                }
                *self.open_by_name.entry(name.clone()).or_default() += 1;
                self.open.push((name, at));
            }
            // Inline, a self-closing element with content is written as an empty one when
            // its line is made safe; one that starts an HTML block is not.
            TagKind::SelfClosing(name) if in_block && self.foreign == 0 && !is_void(&name) => {
                escapes.push(Escape::Tag(at));
            }
            TagKind::SelfClosing(_) => {}
            TagKind::Close(name) if self.open_by_name.get(&name).is_some_and(|&n| n > 0) => {
                // It closes the innermost tag of its name; those opened inside that one and
                // left open are unclosed.
                let place = self.open.iter().rposition(|(open, _)| *open == name);
                for (inner, at) in self.open.drain(place.unwrap_or(0)..).rev() {
                    if let Some(count) = self.open_by_name.get_mut(&inner) {
                        *count -= 1;
                    }
                    if matches!(inner.as_str(), "svg" | "math") {
                        self.foreign -= 1;
                    }
                    if inner != name {
                        escapes.push(Escape::Tag(at));
                    }
                }
            }
            // Opened by none, a void element's too (`</br>`).
            TagKind::Close(_) => escapes.push(Escape::Tag(at)),
        }
    }

    /// Every tag still open is unclosed, and so is a comment.
    fn finish(self, escapes: &mut Vec<Escape>) {
        escapes.extend(self.open.into_iter().map(|(_, at)| Escape::Tag(at)));
        escapes.extend(self.comment.map(Escape::Tag));
    }
}

/// Where `needle` (lowercase ASCII) is in `haystack`, whatever the case of its letters.
fn find_ignoring_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

/// What a tag is, by its lowercase name.
#[derive(Debug, PartialEq)]
enum TagKind {
    Open(String),
    Close(String),
    SelfClosing(String),
}

/// The tag that starts `html` (at its `<`), and its length: a name of ASCII letters, digits
/// and `-` after `<` or `</`, then a space, `/` or `>`, up to its `>` (attribute values in
/// quotes may hold one). It is self-closing when `/>` ends it after the name, a space or a
/// quoted value (`<a href=/x/>` is not: its `/` is the value's). `None` for anything else
/// (`<=`, `<-`, a tag never ended).
fn tag_at(html: &str) -> Option<(TagKind, usize)> {
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
    let after = &rest[length..];
    if !after.starts_with(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>') {
        return None;
    }
    let mut quote = None;
    // What came before the current character: the name, a space, a quoted value, or other.
    let mut before_slash = true;
    let mut slash = false;
    for (offset, c) in after.char_indices() {
        match (quote, c) {
            (Some(open), c) if c == open => {
                quote = None;
                before_slash = true;
                slash = false;
                continue;
            }
            (Some(_), _) => continue,
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => {
                let name = name.to_ascii_lowercase();
                let kind = match (closing, slash) {
                    (true, _) => TagKind::Close(name),
                    (false, true) => TagKind::SelfClosing(name),
                    (false, false) => TagKind::Open(name),
                };
                let end = html.len() - after.len() + offset + 1;
                return Some((kind, end));
            }
            (None, '/') => {
                slash = before_slash;
                before_slash = false;
                continue;
            }
            _ => {}
        }
        slash = false;
        before_slash = c.is_ascii_whitespace();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_left_open_closed_unopened_or_self_closing_are_text() {
        for (written, shown) in [
            ("Some <b>bold text.", "Some &lt;b>bold text."),
            ("<p>One</p><p>Two", "<p>One</p>&lt;p>Two"),
            ("Text </div> more.", "Text &lt;/div> more."),
            ("Rows</br>| a |</br>", "Rows&lt;/br>| a |&lt;/br>"),
            ("<div/>", "&lt;div/>"),
            (
                "<table><tr><td>x</td></tr>\n\nafter",
                "&lt;table><tr><td>x</td></tr>\n\nafter",
            ),
            ("<b><i>x</b>", "<b>&lt;i>x</b>"),
            (
                "<!-- never closed\n\n<b>x</b>",
                "&lt;!-- never closed\n\n<b>x</b>",
            ),
            // An escaped tag that started an HTML block leaves its lines to Markdown.
            ("<div>\nSee [docs]", "&lt;div>\nSee \\[docs]"),
        ] {
            assert_eq!(settle(written), shown, "{written}");
        }
    }

    #[test]
    fn balanced_tags_void_elements_comments_and_code_are_left_alone() {
        for written in [
            "<b>Bold</b> and <i>it</i>,<br> a line<br/> <img src=\"a>b.png\">",
            "<p>\nA paragraph over\ntwo lines\n</p>",
            "`<b>` in code, and\n```text\n<div>\n```",
            "Inline, <div/> is made empty later; <a href=/x/>a link</a>, <a href='/x/'/>.",
            "Go <b>x<!-- </b> --></b> now",
            "<svg><circle r=\"1\"/></svg> and <script>if (a<b) {}</script>",
            "A [link](https://example.com/docs), an [anchor](#fields), [`send`](Self::send) and [`Name`].",
            "[here][1]\n\n[1]: https://example.com",
        ] {
            assert_eq!(settle(written), written);
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
            // Read again: escaping the inner link makes a link of the outer text.
            ("[a [b](c) d](e)", "\\[a \\[b](c) d](e)"),
        ] {
            assert_eq!(settle(written), shown, "{written}");
        }
    }

    #[test]
    fn many_tags_left_open_and_closing_tags_opened_by_none_are_all_text() {
        let text = format!("{}{}", "x <b>".repeat(20_000), "x </i>".repeat(20_000));
        let settled = settle(&text);
        assert_eq!(settled.matches("&lt;").count(), 40_000);
    }
}
