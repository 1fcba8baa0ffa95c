//! The non-Rust files of the generated crate: its manifest, which depends on the runtime
//! crate, and its `rustfmt.toml`.

use crate::Options;
use crate::ir::Api;

/// The version of the runtime crate generated code is written against.
pub const RUNTIME_VERSION: &str = "0.1.0";

/// The runtime feature a generated crate makes a feature of its own, on by default, rather
/// than turn on: service apps, whose signing code a user may leave out.
const OPTIONAL_FEATURE: &str = "private-key-jwt";

/// `Cargo.toml` of the generated crate, `preamble` on top.
pub fn manifest(api: &Api, options: &Options, preamble: &str) -> String {
    let needed = api.security.runtime_features();
    let enabled: Vec<&str> = needed
        .iter()
        .copied()
        .filter(|feature| *feature != OPTIONAL_FEATURE)
        .collect();
    let runtime = runtime_dependency(options.runtime_path.as_deref(), &enabled);
    let features = features_section(needed.contains(&OPTIONAL_FEATURE));
    format!(
        r#"{preamble}

[package]
name = "okta-identity-source"
version = "0.1.0"
description = "Typed async client for Okta's Identity Source API (import sessions of a Custom Identity Source)."
edition = "2021"
rust-version = "1.88"
license = "Apache-2.0"
keywords = ["okta", "identity", "api-client", "scim", "hr"]
categories = ["api-bindings", "web-programming::http-client"]
publish = false

[lib]
name = "okta_identity_source"
# Descriptions from the API document are Markdown, not Rust: none of them is a doctest.
doctest = false

{features}[dependencies]
{runtime}
chrono = {{ version = "0.4.41", default-features = false, features = ["std", "serde"] }}
serde = {{ version = "1.0.200", features = ["derive"] }}
serde_json = "1.0.120"
"#
    )
}

/// The `[features]` section: service apps as a default feature, when the document has them.
fn features_section(service_apps: bool) -> String {
    if !service_apps {
        return String::new();
    }
    format!(
        r#"[features]
default = ["{OPTIONAL_FEATURE}"]
# OAuth 2.0 service apps (`ServiceApp`, `PrivateKey`): the client-credentials grant with a
# signed client assertion.
{OPTIONAL_FEATURE} = ["api-client-runtime/{OPTIONAL_FEATURE}"]

"#
    )
}

/// The runtime dependency: by version, from `path` when given, with only the `features`
/// the document needs.
fn runtime_dependency(path: Option<&str>, features: &[&str]) -> String {
    let path = path.map_or_else(String::new, |path| {
        format!(", path = {}", toml_string(path))
    });
    let features: Vec<String> = features
        .iter()
        .map(|feature| format!("{feature:?}"))
        .collect();
    format!(
        "api-client-runtime = {{ version = \"{RUNTIME_VERSION}\"{path}, default-features = false, features = [{}] }}",
        features.join(", ")
    )
}

/// `text` as a TOML basic string.
fn toml_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for character in text.chars() {
        match character {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            control if control.is_control() => {
                quoted.push_str(&format!("\\u{:04X}", u32::from(control)));
            }
            other => quoted.push(other),
        }
    }
    quoted.push('"');
    quoted
}

/// `rustfmt.toml` of the generated crate, `preamble` on top.
pub fn rustfmt_config(preamble: &str) -> String {
    format!(
        "{preamble}\n\n# The generated crate is formatted by the generator (prettyplease), not by rustfmt.\ndisable_all_formatting = true\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_path_is_a_toml_string() {
        assert_eq!(
            runtime_dependency(Some("C:\\work\\\"runtime\""), &["okta"]),
            "api-client-runtime = { version = \"0.1.0\", path = \"C:\\\\work\\\\\\\"runtime\\\"\", default-features = false, features = [\"okta\"] }"
        );
        assert!(!runtime_dependency(None, &[]).contains("path"));
        assert!(runtime_dependency(None, &[]).ends_with("features = [] }"));
    }
}
