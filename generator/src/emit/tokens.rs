//! Small token builders shared by the emitters: identifiers, types, doc comments.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

use crate::ir::TypeRef;

/// An identifier from an IR name (always valid: `lower::names` made it), raw when it
/// starts with `r#`.
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// Where named types live, seen from the file being emitted.
#[derive(Clone, Copy)]
pub enum ModelsPath {
    /// Inside the models module: `Foo`.
    Local,
    /// Elsewhere, with `use crate::models;`: `models::Foo`.
    Qualified,
}

/// The Rust type of a type reference.
pub fn type_tokens(ty: &TypeRef, models: ModelsPath) -> TokenStream {
    match ty {
        TypeRef::String => quote!(String),
        TypeRef::Bool => quote!(bool),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::U64 => quote!(u64),
        TypeRef::F32 => quote!(f32),
        TypeRef::F64 => quote!(f64),
        TypeRef::DateTime => quote!(chrono::DateTime<chrono::Utc>),
        TypeRef::Date => quote!(chrono::NaiveDate),
        TypeRef::Json => quote!(serde_json::Value),
        TypeRef::Bytes => quote!(Vec<u8>),
        TypeRef::Named(name) => {
            let name = ident(name);
            match models {
                ModelsPath::Local => quote!(#name),
                ModelsPath::Qualified => quote!(models::#name),
            }
        }
        TypeRef::List(item) => {
            let item = type_tokens(item, models);
            quote!(Vec<#item>)
        }
        TypeRef::Map(value) => {
            let value = type_tokens(value, models);
            quote!(std::collections::BTreeMap<String, #value>)
        }
        TypeRef::Boxed(inner) => {
            let inner = type_tokens(inner, models);
            quote!(Box<#inner>)
        }
        TypeRef::Nullable(inner) => {
            let inner = type_tokens(inner, models);
            quote!(Option<#inner>)
        }
    }
}

/// How a value of `ty` is best passed as a method argument: by value for `Copy` scalars,
/// else borrowed as [`borrowed_type`] (`&str`, `&[T]`, `&T`).
pub fn argument_type(ty: &TypeRef, models: ModelsPath) -> TokenStream {
    if is_copy_scalar(ty) {
        return type_tokens(ty, models);
    }
    let borrowed = borrowed_type(ty, models);
    quote!(&#borrowed)
}

/// Whether `ty` is a `Copy` scalar (a number or a boolean), passed by value.
pub fn is_copy_scalar(ty: &TypeRef) -> bool {
    matches!(
        ty,
        TypeRef::Bool | TypeRef::I32 | TypeRef::I64 | TypeRef::U64 | TypeRef::F32 | TypeRef::F64
    )
}

/// `&`, where an argument of `ty` is passed by value ([`is_copy_scalar`]) and the request
/// it goes to borrows it.
pub fn lend(ty: &TypeRef) -> Option<TokenStream> {
    is_copy_scalar(ty).then(|| quote!(&))
}

/// The type a borrowed argument of `ty` points to: `str`, `[u8]`, `[T]` for a list, `T`.
pub fn borrowed_type(ty: &TypeRef, models: ModelsPath) -> TokenStream {
    match ty {
        TypeRef::String => quote!(str),
        TypeRef::Bytes => quote!([u8]),
        TypeRef::List(item) => {
            let item = type_tokens(item, models);
            quote!([#item])
        }
        ty => type_tokens(ty, models),
    }
}

/// Separates the lines of a doc comment emitted as one attribute. The doc sanitiser drops
/// control characters from every doc text, so no text has it; formatting breaks the lines
/// there again (one attribute per block rather than per line is a third of the cost of
/// formatting a file).
pub const DOC_LINE_BREAK: char = '\u{1f}';

/// An outer doc comment (`///`) for `paragraphs`, skipping empty ones and separating the
/// rest with blank lines: one attribute, its lines joined by [`DOC_LINE_BREAK`].
pub fn docs<'a>(paragraphs: impl IntoIterator<Item = &'a str>) -> TokenStream {
    match doc_literal(paragraphs) {
        Some(text) => quote!(#[doc = #text]),
        None => TokenStream::new(),
    }
}

/// An inner doc comment (`//!`) for `paragraphs`.
pub fn inner_docs<'a>(paragraphs: impl IntoIterator<Item = &'a str>) -> TokenStream {
    match doc_literal(paragraphs) {
        Some(text) => quote!(#![doc = #text]),
        None => TokenStream::new(),
    }
}

/// The lines of `paragraphs` as one raw string literal, or `None` when there are none. A
/// raw string is not unescaped when it is parsed and printed, which an ordinary one is,
/// character by character, three times.
fn doc_literal<'a>(paragraphs: impl IntoIterator<Item = &'a str>) -> Option<Literal> {
    let lines = doc_lines(paragraphs);
    if lines.is_empty() {
        return None;
    }
    let mut text = String::with_capacity(lines.iter().map(|line| line.len() + 1).sum());
    for (index, line) in lines.iter().enumerate() {
        if index > 0 {
            text.push(DOC_LINE_BREAK);
        }
        // As `///` comments are printed: no spaces at the end.
        text.push_str(line.trim_end_matches(' '));
    }
    let hashes = "#".repeat(raw_string_hashes(&text));
    // The text has no carriage return and the hashes close it, so it always lexes; should
    // it not, the ordinary string says the same.
    let raw = format!("r{hashes}\"{text}\"{hashes}").parse();
    Some(raw.unwrap_or_else(|_| Literal::string(&text)))
}

/// How many `#` a raw string of `text` needs: one more than the longest run of them after
/// a `"`, none without a `"`.
fn raw_string_hashes(text: &str) -> usize {
    text.split('"')
        .skip(1)
        .map(|after| after.len() - after.trim_start_matches('#').len() + 1)
        .max()
        .unwrap_or(0)
}

/// The characters that reverse or isolate the direction of text (U+202A–U+202E,
/// U+2066–U+2069): rustc refuses them in comments, and they can make a doc say what its
/// bytes do not.
pub(crate) const BIDI_CONTROLS: [char; 9] = [
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}',
];

/// The doc sanitiser, which every text bound for a doc comment goes through: line breaks
/// become `\n` (a bare `\r`, which rustc refuses in a doc comment, is one), and bidi
/// controls and other control characters (tabs aside) are dropped.
pub fn doc_text(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter_map(|c| match c {
            '\r' => Some('\n'),
            '\n' | '\t' => Some(c),
            c if c.is_control() || BIDI_CONTROLS.contains(&c) => None,
            c => Some(c),
        })
        .collect()
}

/// The lines of a doc comment, each with the space rustfmt puts after `///`.
///
/// Descriptions are Markdown, which rustdoc renders as they are, with one change: no code
/// block of theirs is a doctest. A fenced block is marked `text` (`rust,ignore` when it says
/// it is Rust), and an indented one becomes a fenced `text` block.
fn doc_lines<'a>(paragraphs: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in paragraphs.into_iter().map(doc_text) {
        let paragraph = paragraph.trim();
        if paragraph.is_empty() {
            continue;
        }
        if !lines.is_empty() {
            lines.push(String::new());
        }
        let mut blocks = CodeBlocks::default();
        let mut written = Vec::new();
        for line in super::doc_check::settle(paragraph).lines() {
            blocks.push(line, &mut written);
        }
        blocks.close(&mut written);
        // The lines above find the code blocks of descriptions as they are mostly written;
        // one they miss (in a block quote, indented within a list item, indented with a
        // tab) would be a doctest of the crate, which fails: then the paragraph is shown
        // as it is written, in a text block.
        if might_hold_code(paragraph) && has_doctest(&written) {
            written = as_text_block(paragraph);
        }
        lines.append(&mut written);
    }
    lines
}

/// Whether `paragraph` may hold a code block at all: a fence, or an indent of four columns
/// (four spaces or a tab, within a block quote or after a list item's marker too). Most
/// descriptions hold none, and are not parsed again.
fn might_hold_code(paragraph: &str) -> bool {
    ["```", "~~~", "\t", "    "]
        .iter()
        .any(|sign| paragraph.contains(sign))
}

/// Whether rustdoc would take a code block of the doc comment `lines` (each after its
/// `///`) for Rust to test, as CommonMark reads them (pulldown-cmark, rustdoc's own parser).
fn has_doctest(lines: &[String]) -> bool {
    use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag};
    let lines: Vec<&str> = lines
        .iter()
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect();
    let text = lines.join("\n");
    Parser::new_ext(&text, super::doc_check::RUSTDOC_MARKDOWN).any(|event| match event {
        Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) => true,
        Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => is_tested_rust(&info),
        _ => false,
    })
}

/// Whether rustdoc tests a fenced block with `info`: one with no word, only its own (`rust`,
/// `no_run`, `edition2021`, …), or `rust` among others, unless one is `ignore`. Unsure
/// cases count as tested.
fn is_tested_rust(info: &str) -> bool {
    const RUSTDOC_WORDS: [&str; 6] = [
        "rust",
        "no_run",
        "should_panic",
        "compile_fail",
        "test_harness",
        "standalone_crate",
    ];
    let words: Vec<&str> = info
        .split([',', ' ', '\t', '{', '}', '.'])
        .filter(|word| !word.is_empty())
        .collect();
    if words.iter().any(|word| word.starts_with("ignore")) {
        return false;
    }
    let rustdoc_word = |word: &&str| RUSTDOC_WORDS.contains(word) || word.starts_with("edition");
    words.iter().all(rustdoc_word) || words.contains(&"rust")
}

/// `paragraph` as it is written, in one fenced `text` block (its fence longer than any run of
/// backticks in it, so nothing in it closes the block).
fn as_text_block(paragraph: &str) -> Vec<String> {
    let longest = paragraph
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    let mut lines = vec![format!(" {fence}text")];
    lines.extend(paragraph.lines().map(|line| match line.is_empty() {
        true => String::new(),
        false => format!(" {line}"),
    }));
    lines.push(format!(" {fence}"));
    lines
}

/// Where a description is among its code blocks, line by line.
#[derive(Default)]
struct CodeBlocks {
    /// The fence (```` ``` ```` or `~~~`) of the fenced block the line is in.
    fence: Option<&'static str>,
    /// Whether the line is in an indented block, written as a fenced one.
    indented: bool,
    /// Whether the line before was blank (or there was none).
    after_blank: bool,
    /// Whether the text is in a list, whose indented lines continue an item.
    in_list: bool,
    /// Whether the line is in an HTML block, where Markdown is not read: until a blank line,
    /// or until `</pre>` for a `<pre>` block.
    html: Option<HtmlBlock>,
}

/// How an HTML block ends.
#[derive(Clone, Copy, PartialEq)]
enum HtmlBlock {
    AtBlankLine,
    AtEndOfPre,
}

impl CodeBlocks {
    fn push(&mut self, line: &str, lines: &mut Vec<String>) {
        let mut emit = |line: &str| {
            lines.push(if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            })
        };
        // Markdown indents with spaces and tabs alone: other white space is text, and the
        // indent's bytes are ASCII, so the line can be cut after it.
        let trimmed = line.trim_start_matches([' ', '\t']);
        let indent = line.len() - trimmed.len();
        let blank = line.trim().is_empty();
        if self.indented && !blank && indent < 4 {
            emit("```");
            self.indented = false;
        }
        if let Some(fence) = self.fence {
            if trimmed.starts_with(fence) {
                self.fence = None;
            }
            emit(line);
        } else if self.indented {
            emit(line.get(4..).unwrap_or_default());
        } else if let Some(fence) = ["```", "~~~"].into_iter().find(|f| trimmed.starts_with(f)) {
            self.fence = Some(fence);
            let info = trimmed[fence.len()..].trim();
            let kind = if info == "rust" {
                "rust,ignore"
            } else {
                "text"
            };
            emit(&format!("{}{fence}{kind}", &line[..indent]));
        } else if indent >= 4 && !blank && self.after_blank && !self.in_list {
            self.indented = true;
            emit("```text");
            emit(&line[4..]);
        } else {
            if !blank && indent == 0 {
                self.in_list = is_list_item(trimmed);
            }
            if self.html.is_none() && super::markdown::starts_html_block(line) {
                let pre = trimmed
                    .get(..4)
                    .is_some_and(|start| start.eq_ignore_ascii_case("<pre"));
                self.html = Some(if pre {
                    HtmlBlock::AtEndOfPre
                } else {
                    HtmlBlock::AtBlankLine
                });
            }
            match self.html {
                Some(block) => {
                    emit(line);
                    let ends = match block {
                        HtmlBlock::AtBlankLine => blank,
                        HtmlBlock::AtEndOfPre => line.to_ascii_lowercase().contains("</pre>"),
                    };
                    if ends {
                        self.html = None;
                    }
                }
                None => emit(&super::markdown::rustdoc_safe(line)),
            }
        }
        self.after_blank = blank;
    }

    /// Closes the block the paragraph ends in.
    fn close(&mut self, lines: &mut Vec<String>) {
        if let Some(fence) = self.fence.take() {
            lines.push(format!(" {fence}"));
        }
        if std::mem::take(&mut self.indented) {
            lines.push(" ```".to_owned());
        }
    }
}

/// Whether `line` starts a Markdown list item (`- `, `* `, `+ `, `1. `, `1) `).
fn is_list_item(line: &str) -> bool {
    let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let marker = if digits > 0 {
        line[digits..].strip_prefix(['.', ')'])
    } else {
        line.strip_prefix(['-', '*', '+'])
    };
    marker.is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_fenced_block_is_a_doctest() {
        let lines =
            doc_lines(["Example:\n```json\n{}\n```\nand\n```rust\nlet x = 1;\n```\n~~~\n```\n~~~"]);
        assert_eq!(
            lines,
            [
                " Example:",
                " ```text",
                " {}",
                " ```",
                " and",
                " ```rust,ignore",
                " let x = 1;",
                " ```",
                " ~~~text",
                " ```",
                " ~~~"
            ]
        );
    }

    #[test]
    fn indented_blocks_become_text_blocks_but_list_items_go_on() {
        let lines = doc_lines([
            "Send:\n\n    {\"a\": 1}\n\n      nested\nThen:\n\n- item\n\n    more of the item\n\n1. first\n    also first",
        ]);
        assert_eq!(
            lines,
            [
                " Send:",
                "",
                " ```text",
                " {\"a\": 1}",
                "",
                "   nested",
                " ```",
                " Then:",
                "",
                " - item",
                "",
                "     more of the item",
                "",
                " 1. first",
                "     also first"
            ]
        );
    }

    #[test]
    fn code_blocks_the_lines_miss_make_their_paragraph_a_text_block() {
        for description in [
            "Intro.\n\n> Example:\n>\n> ```\n> this is not rust\n> ```",
            "Steps:\n\n- first item\n\n        this is not rust either\n\nand",
            "Then\n\n\ttab indented not rust",
            "> quoted\n>\n>     indented in a quote",
            "-     code as the first line of an item",
        ] {
            let lines = doc_lines([description]);
            assert!(!has_doctest(&lines), "{description:?}: {lines:#?}");
            let fence = lines[0].trim_end_matches("text");
            assert!(fence.starts_with(" ```"), "{description:?}: {lines:#?}");
            assert_eq!(lines.last(), Some(&fence.to_owned()), "{description:?}");
        }
        // Runs of backticks inside are not taken for the block's end.
        let lines = doc_lines(["> ````\n> x\n> ````\nand ```` ````` here"]);
        assert!(!has_doctest(&lines), "{lines:#?}");
        assert_eq!(lines[0], " ``````text");
        // What the lines handle is kept as they write it.
        let lines = doc_lines(["Example:\n```\nlet x = 1;\n```"]);
        assert_eq!(lines, [" Example:", " ```text", " let x = 1;", " ```"]);
        assert!(is_tested_rust("") && is_tested_rust("rust") && is_tested_rust("no_run"));
        assert!(is_tested_rust("edition2021,should_panic") && is_tested_rust("{.rust .nope}"));
        assert!(!is_tested_rust("text") && !is_tested_rust("rust,ignore"));
        assert!(!is_tested_rust("json") && !is_tested_rust("ignore-wasm32"));
    }

    #[test]
    fn bidi_controls_and_bare_carriage_returns_never_reach_a_doc_comment() {
        let lines = doc_lines(["a\u{202E}b\u{2066}c\u{2069}\rd\r\ne\u{0}\tf"]);
        assert_eq!(lines, [" abc", " d", " e\tf"]);
    }

    #[test]
    fn an_indent_of_other_white_space_is_text() {
        let lines = doc_lines(["Intro.\n\n\u{3000}\u{3000}code\n\n\u{a0}\u{2003}more"]);
        assert_eq!(
            lines,
            [
                " Intro.",
                "",
                " \u{3000}\u{3000}code",
                "",
                " \u{a0}\u{2003}more"
            ]
        );
    }

    #[test]
    fn html_blocks_are_not_read_as_markdown() {
        let lines = doc_lines([
            "<pre>\nitems[0] <x>\n</pre>\nitems[0]\n\n<table>\n<tr><td>[x]</td></tr>\n\n[x]",
        ]);
        assert_eq!(
            lines,
            [
                " <pre>",
                // Left open, as `<table>` is: shown as text, as rustdoc would warn.
                " items[0] &lt;x>",
                " </pre>",
                " items\\[0\\]",
                "",
                " &lt;table>",
                " <tr><td>[x]</td></tr>",
                "",
                " \\[x\\]"
            ]
        );
    }

    #[test]
    fn an_unclosed_fence_is_closed_and_paragraphs_are_separated() {
        let lines = doc_lines(["```\nx", "", "second\r"]);
        assert_eq!(lines, [" ```text", " x", " ```", "", " second"]);
    }
}
