//! Small token builders shared by the emitters: identifiers, types, doc comments.

use proc_macro2::{Ident, Span, TokenStream};
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
    }
}

/// How a value of `ty` is best borrowed as a method argument: `&str`, `&[T]`, `&T`, or by
/// value for `Copy` scalars.
pub fn argument_type(ty: &TypeRef, models: ModelsPath) -> TokenStream {
    match ty {
        TypeRef::String => quote!(&str),
        TypeRef::Bool | TypeRef::I32 | TypeRef::I64 | TypeRef::F32 | TypeRef::F64 => {
            type_tokens(ty, models)
        }
        TypeRef::List(item) => {
            let item = type_tokens(item, models);
            quote!(&[#item])
        }
        TypeRef::Bytes => quote!(&[u8]),
        _ => {
            let ty = type_tokens(ty, models);
            quote!(&#ty)
        }
    }
}

/// Outer doc attributes (`///`) for `paragraphs`, skipping empty ones and separating the
/// rest with blank lines.
pub fn docs<'a>(paragraphs: impl IntoIterator<Item = &'a str>) -> TokenStream {
    doc_lines(paragraphs)
        .into_iter()
        .map(|line| quote!(#[doc = #line]))
        .collect()
}

/// Inner doc attributes (`//!`) for `paragraphs`.
pub fn inner_docs<'a>(paragraphs: impl IntoIterator<Item = &'a str>) -> TokenStream {
    doc_lines(paragraphs)
        .into_iter()
        .map(|line| quote!(#![doc = #line]))
        .collect()
}

/// The characters that reverse or isolate the direction of text (U+202A–U+202E,
/// U+2066–U+2069): rustc refuses them in comments, and they can make a doc say what its
/// bytes do not.
const BIDI_CONTROLS: [char; 9] = [
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
/// Descriptions are Markdown, which rustdoc renders as they are, with one change: a fenced
/// code block that does not say it is Rust is marked `text`, so rustdoc does not try to
/// compile it as a doctest.
fn doc_lines<'a>(paragraphs: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut lines = Vec::new();
    let mut in_fence = false;
    for paragraph in paragraphs.into_iter().map(doc_text) {
        let paragraph = paragraph.trim();
        if paragraph.is_empty() {
            continue;
        }
        if !lines.is_empty() {
            lines.push(String::new());
        }
        for line in paragraph.lines() {
            let line = line.to_owned();
            let fence = line.trim_start();
            let line = if let Some(info) = fence.strip_prefix("```") {
                in_fence = !in_fence;
                let is_rust = info.trim() == "rust";
                if in_fence && !is_rust {
                    format!("{}```text", &line[..line.len() - fence.len()])
                } else {
                    line
                }
            } else {
                line
            };
            lines.push(if line.is_empty() {
                line
            } else {
                format!(" {line}")
            });
        }
        if in_fence {
            lines.push(" ```".to_owned());
            in_fence = false;
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fenced_blocks_that_are_not_rust_become_text() {
        let lines = doc_lines(["Example:\n```json\n{}\n```\nand\n```rust\nlet x = 1;\n```"]);
        assert_eq!(
            lines,
            [
                " Example:",
                " ```text",
                " {}",
                " ```",
                " and",
                " ```rust",
                " let x = 1;",
                " ```"
            ]
        );
    }

    #[test]
    fn bidi_controls_and_bare_carriage_returns_never_reach_a_doc_comment() {
        let lines = doc_lines(["a\u{202E}b\u{2066}c\u{2069}\rd\r\ne\u{0}\tf"]);
        assert_eq!(lines, [" abc", " d", " e\tf"]);
    }

    #[test]
    fn an_unclosed_fence_is_closed_and_paragraphs_are_separated() {
        let lines = doc_lines(["```\nx", "", "second\r"]);
        assert_eq!(lines, [" ```text", " x", " ```", "", " second"]);
    }
}
