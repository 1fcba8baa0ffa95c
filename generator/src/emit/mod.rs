//! Emitting: pure functions from the IR to formatted Rust source, one file at a time.

mod apis;
mod auth;
mod crate_root;
mod doc_check;
mod errors;
mod manifest;
mod markdown;
mod models;
mod tokens;

use std::borrow::Cow;
use std::collections::BTreeSet;

use proc_macro2::TokenStream;

use crate::diagnostic::Diagnostic;
use crate::ir::{Api, ApiGroup};
use crate::{GeneratedFile, Options};
use tokens::DOC_LINE_BREAK;

pub use manifest::{Identity, RUNTIME_VERSION};
pub(crate) use tokens::BIDI_CONTROLS;

/// Every file of the generated crate, sorted by path: the Rust files, its manifest and its
/// `rustfmt.toml`. `options.source_name` names the spec in each file's preamble.
///
/// Each Rust file is formatted as soon as its tokens are made, so that only one file's
/// tokens and syntax tree are in memory at a time (the tokens of every file at once are
/// most of the peak memory for a large document).
pub fn emit(api: &Api, options: &Options) -> Result<Vec<GeneratedFile>, Diagnostic> {
    let identity = manifest::Identity::of(api, options)?;
    let api = &with_short_module_names(api);
    let preamble = preamble(&options.source_name);
    let lib_name = identity.lib_name();
    let mut files = rust_files(api, &lib_name)
        .map(|file| rust_file(&file.path, &preamble, file.tokens))
        .collect::<Result<Vec<_>, _>>()?;
    let needs = manifest::Needs::of(api, &files);
    let toml_preamble = crate::write::generated_toml_preamble(&options.source_name);
    let file = |path: &str, contents| GeneratedFile {
        path: path.to_owned(),
        contents,
    };
    files.push(file(
        "Cargo.toml",
        manifest::manifest(&identity, needs, options, &toml_preamble),
    ));
    files.push(file(
        "rustfmt.toml",
        manifest::rustfmt_config(&toml_preamble),
    ));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// One emitted Rust file before formatting.
#[derive(Debug, Clone)]
pub struct RustFile {
    /// The path relative to the crate root, with `/` separators.
    pub path: String,
    pub tokens: TokenStream,
}

/// The emitting stage alone: the token stream of each Rust file made from the IR, for the
/// library `lib_name` (which the front page's quick start names).
pub fn tokens(api: &Api, lib_name: &str) -> Vec<RustFile> {
    rust_files(&with_short_module_names(api), lib_name).collect()
}

/// The Rust files made from the IR, for the library `lib_name`. Each file's tokens are made
/// only when the iterator reaches it, so that formatting each as it comes holds one file's
/// tokens at a time.
fn rust_files<'a>(api: &'a Api, lib_name: &'a str) -> impl Iterator<Item = RustFile> + 'a {
    let file = |path: &str, tokens| RustFile {
        path: path.to_owned(),
        tokens,
    };
    let lib = std::iter::once_with(move || file("src/lib.rs", crate_root::lib(api, lib_name)));
    let models = std::iter::once_with(move || file("src/models.rs", models::models(api)));
    let module = std::iter::once_with(move || file("src/apis/mod.rs", apis::apis_module(api)));
    let groups = api
        .groups
        .iter()
        .map(move |group| file(&group_path(group), apis::group(group)));
    let auth = std::iter::once_with(move || auth::auth_module(&api.security))
        .flatten()
        .map(move |tokens| file("src/auth.rs", tokens));
    lib.chain(models).chain(module).chain(groups).chain(auth)
}

/// The file of an API group's module.
fn group_path(group: &ApiGroup) -> String {
    format!("src/apis/{}.rs", group.module.trim_start_matches("r#"))
}

/// The longest module name, in bytes, that names an API group's file as it is: a tag can
/// be any length, and a file name no longer than 255 bytes on most file systems.
const MAX_MODULE_NAME: usize = 64;

/// `api` with each API group's module name longer than [`MAX_MODULE_NAME`] cut to it (and
/// numbered, `_2`, `_3`, …, when the cut name is another group's). The modules are
/// private, so their names are not part of the crate's interface.
fn with_short_module_names(api: &Api) -> Cow<'_, Api> {
    let long = |group: &ApiGroup| group.module.trim_start_matches("r#").len() > MAX_MODULE_NAME;
    if !api.groups.iter().any(long) {
        return Cow::Borrowed(api);
    }
    let mut api = api.clone();
    let mut taken: BTreeSet<String> = api
        .groups
        .iter()
        .filter(|group| !long(group))
        .map(|group| group.module.clone())
        .collect();
    for group in api.groups.iter_mut().filter(|group| long(group)) {
        let mut end = MAX_MODULE_NAME;
        while !group.module.is_char_boundary(end) {
            end -= 1;
        }
        let cut = group.module[..end].trim_end_matches('_');
        let name = std::iter::once(cut.to_owned())
            .chain((2..).map(|number| format!("{cut}_{number}")))
            .find(|name| !taken.contains(name))
            .unwrap_or_default();
        taken.insert(name.clone());
        group.module = name;
    }
    Cow::Owned(api)
}

/// What every emitted file starts with, naming `source`.
fn preamble(source: &str) -> String {
    format!("{}\n\n", crate::write::generated_preamble(source))
}

/// The formatting stage: each emitted file formatted with `source` named in its preamble,
/// sorted by path.
pub fn format(emitted: Vec<RustFile>, source: &str) -> Result<Vec<GeneratedFile>, Diagnostic> {
    let preamble = preamble(source);
    let mut files = emitted
        .into_iter()
        .map(|file| rust_file(&file.path, &preamble, file.tokens))
        .collect::<Result<Vec<_>, _>>()?;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Formats `tokens` as a Rust file with `preamble` on top.
fn rust_file(path: &str, preamble: &str, tokens: TokenStream) -> Result<GeneratedFile, Diagnostic> {
    let file: syn::File = syn::parse2(tokens).map_err(|error| {
        Diagnostic::document(format!(
            "internal error: the code emitted for {path} does not parse: {error}"
        ))
        .with_help("please report this together with the document")
    })?;
    let text = space_items(&prettyplease::unparse(&file));
    Ok(GeneratedFile {
        path: path.to_owned(),
        contents: format!("{preamble}{text}"),
    })
}

/// Breaks each doc comment, emitted as one attribute, into its lines (see
/// [`DOC_LINE_BREAK`]), and puts a blank line between consecutive items, which prettyplease
/// packs together.
fn space_items(text: &str) -> String {
    let mut spaced = Spaced {
        text: String::with_capacity(text.len() + text.len() / 16),
        previous: 0..0,
    };
    let mut doc_line = String::new();
    for line in text.lines() {
        let comment = line.trim_start();
        let is_doc = comment.starts_with("///") || comment.starts_with("//!");
        let Some((comment, doc)) = (is_doc && line.contains(DOC_LINE_BREAK))
            .then(|| line.split_at(line.len() - comment.len() + 3))
        else {
            spaced.push(line);
            continue;
        };
        // `comment` is the indentation and `///` or `//!`.
        for piece in doc.split(DOC_LINE_BREAK) {
            doc_line.clear();
            doc_line.push_str(comment);
            doc_line.push_str(piece);
            spaced.push(&doc_line);
        }
    }
    spaced.text
}

/// Formatted text being spaced, line by line.
struct Spaced {
    text: String,
    /// Where the last line is in `text`.
    previous: std::ops::Range<usize>,
}

impl Spaced {
    fn push(&mut self, line: &str) {
        if starts_another_item(&self.text[self.previous.clone()], line) {
            self.text.push('\n');
        }
        let start = self.text.len();
        self.text.push_str(line);
        self.previous = start..self.text.len();
        self.text.push('\n');
    }
}

/// Whether `line` needs a blank line before it: it is an item's first line (its docs,
/// attributes or keyword) and the line before, at the same indentation, ends another item,
/// the block of `use`s, or the inner docs and attributes.
fn starts_another_item(previous: &str, line: &str) -> bool {
    const ITEM_STARTS: &[&str] = &[
        "///", "#[", "pub ", "impl", "fn ", "mod ", "use ", "type ", "const ", "struct ", "enum ",
        "unsafe ",
    ];
    let trimmed = line.trim_start();
    let before = previous.trim_start();
    let starts_item = ITEM_STARTS.iter().any(|start| trimmed.starts_with(start));
    let ends_block = |prefix: &str| before.starts_with(prefix) && !trimmed.starts_with(prefix);
    // A doc comment's line may end as an item does (`{}`, `;`) and is no item.
    let is_comment = before.starts_with("//");
    let after_item = before == "}"
        || before == "};"
        || (before.ends_with(" {}") && !is_comment)
        || (before.ends_with(';')
            && !is_comment
            && !before.starts_with("use ")
            && !trimmed.starts_with("///")
            && declaration_kind(before) != declaration_kind(trimmed))
        || ends_block("use ")
        || (ends_block("//!") && !trimmed.starts_with("#!["))
        || ends_block("#![");
    let same_level = line.len() - trimmed.len() == previous.len() - before.len();
    starts_item && after_item && same_level
}

/// The keywords a one-line declaration starts with (`pub mod`, `use`, …), so runs of the same
/// kind stay together.
fn declaration_kind(line: &str) -> &str {
    const KEYWORDS: &[&str] = &["pub", "pub(crate)", "mod", "use", "type", "const"];
    let length = line
        .split(' ')
        .take_while(|word| KEYWORDS.contains(word))
        .map(|word| word.len() + 1)
        .sum::<usize>();
    // Without the space after the last keyword.
    &line[..length.saturating_sub(1)]
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::tokens::{docs, inner_docs};
    use super::{rust_file, space_items};

    #[test]
    fn long_tags_make_short_distinct_module_files() {
        let long = "x".repeat(100);
        let document = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    get: {{tags: [{long}a], responses: {{'200': {{description: ok}}}}}}\n    put: {{tags: [{long}b], responses: {{'200': {{description: ok}}}}}}\n    post: {{tags: [short], responses: {{'200': {{description: ok}}}}}}\n"
        );
        let options = crate::Options {
            source_name: "spec.yaml".into(),
            ..Default::default()
        };
        let generated = crate::generate(&document, &options).expect("generates");
        let cut = "x".repeat(super::MAX_MODULE_NAME);
        let apis: Vec<&str> = generated
            .files
            .iter()
            .filter_map(|file| file.path.strip_prefix("src/apis/"))
            .collect();
        assert_eq!(
            apis,
            [
                "mod.rs",
                "short.rs",
                &format!("{cut}.rs"),
                &format!("{cut}_2.rs")
            ]
        );
        let module = &generated
            .files
            .iter()
            .find(|file| file.path == "src/apis/mod.rs")
            .expect("src/apis/mod.rs")
            .contents;
        assert!(module.contains(&format!("mod {cut};\n")), "{module}");
        assert!(module.contains(&format!("mod {cut}_2;\n")), "{module}");
    }

    #[test]
    fn items_are_separated_but_bodies_are_not() {
        let packed = "//! Docs.\n#![forbid(unsafe_code)]\npub mod a;\npub mod c;\nmod a;\nuse a::b;\nuse c::d;\n/// S.\npub struct S {\n    x: u8,\n}\nimpl S {\n    fn f() {\n        g();\n        h();\n    }\n    /// G.\n    fn g() {}\n}\n";
        let spaced = "//! Docs.\n#![forbid(unsafe_code)]\n\npub mod a;\npub mod c;\n\nmod a;\n\nuse a::b;\nuse c::d;\n\n/// S.\npub struct S {\n    x: u8,\n}\n\nimpl S {\n    fn f() {\n        g();\n        h();\n    }\n\n    /// G.\n    fn g() {}\n}\n";
        assert_eq!(space_items(packed), spaced);
    }

    #[test]
    fn a_doc_comment_ending_as_an_item_does_stays_on_its_item() {
        let packed = "const A: u8 = 1;\nfn f() {}\n/// Like `x;`\nfn g() {}\n/// Or `{}`\n/// and {}\npub fn h() {}\nunsafe impl Send for S {}\n/// S.\nstruct S;\n";
        let spaced = "const A: u8 = 1;\n\nfn f() {}\n\n/// Like `x;`\nfn g() {}\n\n/// Or `{}`\n/// and {}\npub fn h() {}\n\nunsafe impl Send for S {}\n\n/// S.\nstruct S;\n";
        assert_eq!(space_items(packed), spaced);
    }

    #[test]
    fn a_doc_comment_emitted_as_one_attribute_is_formatted_line_by_line() {
        let outer = docs(["A summary.  ", "Says \"#quoted\"## and\n\n    indented"]);
        let inner = inner_docs(["The crate."]);
        let field = docs(["A field."]);
        let tokens = quote! {
            #inner
            #outer
            pub struct S {
                #field
                pub x: u8,
            }
        };
        let file = rust_file("src/s.rs", "", tokens).expect("the tokens parse");
        let expected = "//! The crate.\n\n/// A summary.\n///\n/// Says \"#quoted\"## and\n///\n/// ```text\n/// indented\n/// ```\npub struct S {\n    /// A field.\n    pub x: u8,\n}\n";
        assert_eq!(file.contents, expected);
    }
}
