//! Helpers shared by the tests: where things are, and a compact listing of the generated
//! crate's public surface.

use std::path::PathBuf;

use generator::GeneratedFile;
use quote::ToTokens;

/// Everything a `tracing` subscriber writes, for tests that read the client's logs. Pass
/// `move || logs.clone()` as the subscriber's writer.
#[derive(Clone, Default)]
pub struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Logs {
    /// What was written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("not poisoned")).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The spec the committed client is generated from, and how its preamble names it.
pub const SPEC: &str = "spec/identity-source.yaml";

/// The text of the committed spec.
pub fn spec_text() -> String {
    std::fs::read_to_string(workspace_root().join(SPEC)).expect("the spec is readable")
}

/// The files generated from the committed spec, as `cargo xtask codegen` makes them.
pub fn generate_from_spec() -> Vec<GeneratedFile> {
    let options = generator::Options {
        source_name: SPEC.into(),
        runtime_path: Some("../runtime".into()),
        crate_name: Some("okta-identity-source".into()),
        crate_version: Some("0.1.0".into()),
        description: Some("Typed async client for Okta's Identity Source API (import sessions of a Custom Identity Source).".into()),
        keywords: ["okta", "identity", "api-client", "scim", "hr"].map(String::from).to_vec(),
        ..Default::default()
    };
    let generated = generator::generate(&spec_text(), &options).expect("the spec generates");
    assert_eq!(
        generated.warnings,
        [],
        "the spec generates without warnings"
    );
    generated.files
}

/// The head of a small test document; its `paths:` follow.
pub const MINIMAL_HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

/// The options a test document is generated with: all tags.
fn test_options() -> generator::Options {
    generator::Options {
        source_name: "test.yaml".into(),
        ..Default::default()
    }
}

/// Generates from a test document, with all tags.
pub fn generate_test_document(document: &str) -> Result<Vec<GeneratedFile>, generator::Diagnostic> {
    generator::generate(document, &test_options()).map(|generated| generated.files)
}

/// Generates from a test document that must generate: the files, and each warning's text.
pub fn generate_with_warnings(document: &str) -> (Vec<GeneratedFile>, Vec<String>) {
    let generated = generator::generate(document, &test_options())
        .unwrap_or_else(|diagnostic| panic!("does not generate: {diagnostic}"));
    let warnings = generated.warnings.iter().map(ToString::to_string).collect();
    (generated.files, warnings)
}

/// The text of the generated file at `path`, empty when there is none.
pub fn text_of(files: &[GeneratedFile], path: &str) -> String {
    files
        .iter()
        .find(|file| file.path == path)
        .map(|file| file.contents.clone())
        .unwrap_or_default()
}

/// Generates from `document` and returns the error's text.
pub fn error_of(document: &str) -> String {
    match generate_test_document(document) {
        Ok(_) => panic!("expected an error for:\n{document}"),
        Err(diagnostic) => diagnostic.to_string(),
    }
}

/// Runs `cargo ARGS --offline --quiet` in `dir`, building into `target_dir` with warnings
/// denied (the way generated crates are built here: dependencies from the workspace's
/// `Cargo.lock`, shared by later runs), and fails with cargo's output unless it succeeds.
/// `what` says what failed.
pub fn cargo_succeeds(
    dir: &std::path::Path,
    target_dir: &std::path::Path,
    args: &[&str],
    what: &str,
) {
    let output =
        std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(args)
            .args(["--offline", "--quiet"])
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", target_dir)
            // No debug information: backtraces keep their function names, and the
            // generated crates' builds take a third of the disk they would.
            .env("CARGO_PROFILE_DEV_DEBUG", "false")
            .env("RUSTFLAGS", "-D warnings")
            .env("RUSTDOCFLAGS", "-D warnings")
            .output()
            .expect("run cargo");
    assert!(
        output.status.success(),
        "{what}:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Where Okta's official documents are: `$OKTA_OFFICIAL_SPEC_DIR`, or `../shared/okta`
/// beside the workspace.
pub fn okta_official_spec_dir() -> PathBuf {
    std::env::var_os("OKTA_OFFICIAL_SPEC_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/okta"))
}

/// A compact listing of the generated crate's public surface, read from the generated code
/// itself: every API method with its arguments, result type, HTTP method and path, and
/// every model with its fields (wire names where they differ) or values.
pub fn surface(files: &[GeneratedFile]) -> String {
    let mut out = String::new();
    for file in files
        .iter()
        .filter(|file| file.path.starts_with("src/apis/") && !file.path.ends_with("mod.rs"))
    {
        let syntax = syn::parse_file(&file.contents).expect("generated code parses");
        for item in syntax.items {
            if let syn::Item::Impl(block) = item {
                out.push_str(&format!("impl {}\n", tokens(&block.self_ty)));
                for item in block.items {
                    if let syn::ImplItem::Fn(method) = item {
                        out.push_str(&method_line(&method));
                    }
                }
            }
        }
    }
    let models = files
        .iter()
        .find(|file| file.path == "src/models.rs")
        .expect("models.rs is generated");
    let syntax = syn::parse_file(&models.contents).expect("generated code parses");
    for item in syntax.items {
        match item {
            syn::Item::Struct(s) => {
                out.push_str(&format!("\nstruct {}\n", s.ident));
                for field in &s.fields {
                    let name = field
                        .ident
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default();
                    let wire = serde_rename(&field.attrs)
                        .map(|wire| format!("  ({wire})"))
                        .unwrap_or_default();
                    let flatten = if has_serde_flag(&field.attrs, "flatten") {
                        "  (flattened)"
                    } else {
                        ""
                    };
                    out.push_str(&format!("  {name}: {}{wire}{flatten}\n", tokens(&field.ty)));
                }
            }
            syn::Item::Enum(e) => {
                let values = e.variants.iter().map(|variant| match &variant.fields {
                    syn::Fields::Unit => variant.ident.to_string(),
                    fields => format!("{}{}", variant.ident, tokens(fields)),
                });
                out.push_str(&format!(
                    "\nenum {}: {}\n",
                    e.ident,
                    values.collect::<Vec<_>>().join(" | ")
                ));
            }
            syn::Item::Type(alias) => {
                out.push_str(&format!("\ntype {} = {}\n", alias.ident, tokens(&alias.ty)))
            }
            _ => {}
        }
    }
    out
}

fn method_line(method: &syn::ImplItemFn) -> String {
    let arguments: Vec<String> = method
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            syn::FnArg::Typed(argument) => Some(format!(
                "{}: {}",
                tokens(&argument.pat),
                tokens(&argument.ty)
            )),
            syn::FnArg::Receiver(_) => None,
        })
        .collect();
    let output = match &method.sig.output {
        syn::ReturnType::Default => "()".to_owned(),
        syn::ReturnType::Type(_, ty) => tokens(ty),
    };
    let route = doc_lines(&method.attrs)
        .into_iter()
        .find_map(|line| {
            let line = line.trim();
            let route = line.strip_prefix('`')?.strip_suffix('`')?;
            route
                .split_once(' ')
                .filter(|(verb, _)| verb.chars().all(|c| c.is_ascii_uppercase()))
                .map(|_| route.to_owned())
        })
        .unwrap_or_default();
    let route = if route.is_empty() {
        String::new()
    } else {
        format!("      {route}\n")
    };
    format!(
        "  {}({}) -> {}\n{route}",
        method.sig.ident,
        arguments.join(", "),
        output
    )
}

fn doc_lines(attrs: &[syn::Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    }),
                ..
            }) => Some(text.value()),
            _ => None,
        })
        .collect()
}

fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    let mut rename = None;
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                rename = Some(meta.value()?.parse::<syn::LitStr>()?.value());
            } else if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            }
            Ok(())
        });
    }
    rename
}

fn has_serde_flag(attrs: &[syn::Attribute], flag: &str) -> bool {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("serde"))
        .any(|attr| {
            let mut found = false;
            let _ = attr.parse_nested_meta(|meta| {
                found |= meta.path.is_ident(flag);
                if meta.input.peek(syn::Token![=]) {
                    meta.value()?.parse::<syn::Expr>()?;
                }
                Ok(())
            });
            found
        })
}

/// Tokens as compact text: `Vec<models::Foo>` rather than `Vec < models :: Foo >`.
fn tokens(node: &impl ToTokens) -> String {
    let text = node.to_token_stream().to_string();
    [
        (" :: ", "::"),
        (":: ", "::"),
        (" < ", "<"),
        ("< ", "<"),
        (" >", ">"),
        ("& ", "&"),
        (" ,", ","),
        ("( ", "("),
        (" )", ")"),
        ("[ ", "["),
        (" ]", "]"),
    ]
    .iter()
    .fold(text, |text, (from, to)| text.replace(from, to))
}

/// The README's examples, compiled as doctests so they stay true.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeExamples;
