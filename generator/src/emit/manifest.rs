//! The non-Rust files of the generated crate: its manifest, which depends on the runtime
//! crate, and its `rustfmt.toml`.

use heck::ToKebabCase;

use super::tokens::doc_text;
use crate::diagnostic::Diagnostic;
use crate::ir::Api;
use crate::{GeneratedFile, Options};

/// The version of the runtime crate generated code is written against.
pub const RUNTIME_VERSION: &str = "0.1.0";

/// Who the generated crate is: its package name, version, description, keywords and license.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub version: String,
    pub description: String,
    pub keywords: Vec<String>,
    /// The document's license, as an SPDX expression.
    pub license: Option<String>,
}

impl Identity {
    /// The identity `options` give, each part left out taken from the document's `info`: the
    /// title in kebab case, the version when it is a semantic version (else `0.1.0`), and a
    /// description naming the title.
    pub fn of(api: &Api, options: &Options) -> Result<Self, Diagnostic> {
        let name = match &options.crate_name {
            Some(name) => check_name(name)?,
            None => default_name(&api.title),
        };
        let version = match &options.crate_version {
            Some(version) if is_semantic_version(version) => version.clone(),
            Some(version) => {
                return Err(Diagnostic::document(format!(
                    "the crate version `{version}` is not a semantic version such as `1.2.0`"
                )));
            }
            None if is_semantic_version(&api.version) => api.version.clone(),
            None => "0.1.0".to_owned(),
        };
        let description = match &options.description {
            Some(description) => description_line(description),
            None => format!("Typed async client for {}.", description_line(&api.title)),
        };
        Ok(Self {
            name,
            version,
            description,
            keywords: options.keywords.clone(),
            license: api.license.clone(),
        })
    }

    /// The library's name: the package name with `_` for `-`.
    pub fn lib_name(&self) -> String {
        self.name.replace('-', "_")
    }
}

/// `text` through the doc sanitiser (no bidi or other controls), its white space one space.
fn description_line(text: &str) -> String {
    doc_text(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `name` when Cargo takes it as a package name: ASCII letters, digits, `-` and `_`, starting
/// with a letter, at most 64 characters; and when its library can be built under it.
fn check_name(name: &str) -> Result<String, Diagnostic> {
    let valid = name.len() <= 64
        && name.starts_with(|first: char| first.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(Diagnostic::document(format!(
            "the crate name `{name}` is not a package name: use ASCII letters, digits, `-` and `_`, starting with a letter, at most 64 characters"
        )));
    }
    if is_taken(name) {
        return Err(Diagnostic::document(format!(
            "the crate name `{name}` can't name the library: it is a Rust keyword, a crate of Rust's own or one the generated crate depends on"
        )));
    }
    Ok(name.to_owned())
}

/// Whether the library of a package called `name` would clash with a Rust keyword, a crate
/// of Rust's own, or a dependency of the generated crate.
fn is_taken(name: &str) -> bool {
    const TAKEN: &[&str] = &[
        // Keywords, strict and reserved.
        "as",
        "async",
        "await",
        "break",
        "const",
        "continue",
        "crate",
        "dyn",
        "else",
        "enum",
        "extern",
        "false",
        "fn",
        "for",
        "if",
        "impl",
        "in",
        "let",
        "loop",
        "match",
        "mod",
        "move",
        "mut",
        "pub",
        "ref",
        "return",
        "self",
        "Self",
        "static",
        "struct",
        "super",
        "trait",
        "true",
        "type",
        "unsafe",
        "use",
        "where",
        "while",
        "abstract",
        "become",
        "box",
        "do",
        "final",
        "gen",
        "macro",
        "override",
        "priv",
        "try",
        "typeof",
        "unsized",
        "virtual",
        "yield",
        // Rust's own crates.
        "alloc",
        "core",
        "proc_macro",
        "std",
        "test",
        // The generated crate's dependencies.
        "api_client_runtime",
        "chrono",
        "serde",
        "serde_json",
    ];
    let lib = name.replace('-', "_");
    TAKEN.contains(&lib.as_str())
}

/// The title in kebab case, its letters outside ASCII written in ASCII ones (`Données` is
/// `donnees`), keeping only what a package name may hold; one that begins with a digit
/// (`1Password Connect`), which a package name may not, begins with `api-`.
fn default_name(title: &str) -> String {
    let kebab: String = acronyms_whole(&crate::lower::in_ascii(title))
        .to_kebab_case()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let name = kebab.trim_start_matches('-');
    let name = match name.starts_with(|c: char| c.is_ascii_digit()) {
        true => format!("api-{name}"),
        false => name.to_owned(),
    };
    let name: String = name.chars().take(64).collect();
    match name.trim_end_matches('-') {
        "" => "api-client".to_owned(),
        name if is_taken(name) => format!("{name}-client"),
        name => name.to_owned(),
    }
}

/// `title` with each word that is a plural acronym (`APIs`, `IDs`) or two capitals and
/// lower-case letters (`OAuth`) in lower case, which kebab case would otherwise cut before
/// the last capital (`ap-is`, `o-auth`). Longer runs of capitals are left to it: the last
/// capital of `SMSGateway` begins a word.
fn acronyms_whole(title: &str) -> String {
    let mut whole = String::with_capacity(title.len());
    for word in title.split_inclusive(|c: char| !c.is_ascii_alphanumeric()) {
        let letters = word.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
        let capitals = letters.len()
            - letters
                .trim_start_matches(|c: char| c.is_ascii_uppercase())
                .len();
        let rest = &letters[capitals..];
        let lower = !rest.is_empty() && rest.chars().all(|c| c.is_ascii_lowercase());
        match lower && ((capitals >= 2 && rest == "s") || capitals == 2) {
            true => {
                whole.push_str(&letters.to_ascii_lowercase());
                whole.push_str(&word[letters.len()..]);
            }
            false => whole.push_str(word),
        }
    }
    whole
}

/// Whether `text` is a version Cargo takes: `MAJOR.MINOR.PATCH` (numbers without leading
/// zeros), optionally with a pre-release and a build part, by Cargo's own parser.
fn is_semantic_version(text: &str) -> bool {
    semver::Version::parse(text).is_ok()
}

/// What the emitted code needs beside the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needs {
    chrono: bool,
    serde: bool,
    serde_json: bool,
    /// The runtime's features the document's security schemes and profile need.
    runtime_features: Vec<&'static str>,
}

impl Needs {
    /// The crates the emitted `files` name, and the runtime features the operations use.
    pub fn of(api: &Api, files: &[GeneratedFile]) -> Self {
        let names = |path: &str| files.iter().any(|file| file.contents.contains(path));
        Self {
            chrono: names("chrono::"),
            serde: names("serde::"),
            serde_json: names("serde_json::"),
            runtime_features: api.security.runtime_features(),
        }
    }
}

/// `Cargo.toml` of the generated crate, `preamble` on top.
pub fn manifest(identity: &Identity, needs: Needs, options: &Options, preamble: &str) -> String {
    let mut text = format!(
        "{preamble}\n\n[package]\nname = {}\nversion = {}\ndescription = {}\nedition = \"2021\"\nrust-version = \"1.88\"\n",
        toml_string(&identity.name),
        toml_string(&identity.version),
        toml_string(&identity.description),
    );
    if let Some(license) = &identity.license {
        text.push_str(&format!("license = {}\n", toml_string(license)));
    }
    if !identity.keywords.is_empty() {
        let keywords: Vec<String> = identity.keywords.iter().map(|k| toml_string(k)).collect();
        text.push_str(&format!("keywords = [{}]\n", keywords.join(", ")));
    }
    text.push_str(
        "categories = [\"api-bindings\", \"web-programming::http-client\"]\npublish = false\n",
    );
    text.push_str(&format!(
        "\n[lib]\nname = {}\n",
        toml_string(&identity.lib_name())
    ));
    let (optional, enabled): (Vec<&str>, Vec<&str>) = needs
        .runtime_features
        .iter()
        .partition(|feature| **feature == OPTIONAL_FEATURE);
    if !optional.is_empty() {
        text.push_str(&format!(
            "\n[features]\ndefault = [\"{OPTIONAL_FEATURE}\"]\n# OAuth 2.0 service apps (`ServiceApp`, `PrivateKey`): the client-credentials grant with a\n# signed client assertion.\n{OPTIONAL_FEATURE} = [\"api-client-runtime/{OPTIONAL_FEATURE}\"]\n"
        ));
    }
    text.push_str("\n[dependencies]\n");
    text.push_str(&runtime_dependency(
        options.runtime_path.as_deref(),
        &enabled,
    ));
    text.push('\n');
    for (needed, dependency) in [
        (needs.chrono, CHRONO),
        (needs.serde, SERDE),
        (needs.serde_json, SERDE_JSON),
    ] {
        if needed {
            text.push_str(dependency);
            text.push('\n');
        }
    }
    text
}

const CHRONO: &str =
    "chrono = { version = \"0.4.41\", default-features = false, features = [\"std\", \"serde\"] }";
const SERDE: &str = "serde = { version = \"1.0.200\", features = [\"derive\"] }";
const SERDE_JSON: &str = "serde_json = \"1.0.120\"";

/// The runtime feature a generated crate makes a feature of its own, on by default, rather
/// than turn on: service apps, whose signing code a user may leave out.
const OPTIONAL_FEATURE: &str = "private-key-jwt";

/// The runtime dependency: by version, from `path` when given, with only the `features`
/// the document needs.
fn runtime_dependency(path: Option<&str>, features: &[&str]) -> String {
    let path = path.map_or_else(String::new, |path| {
        format!(", path = {}", toml_string(path))
    });
    let features: Vec<String> = features
        .iter()
        .map(|feature| toml_string(feature))
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
    fn names_default_from_the_title_and_must_be_package_names() {
        assert_eq!(
            default_name("Okta Identity Source API"),
            "okta-identity-source-api"
        );
        assert_eq!(
            default_name("3D Prints (beta) — v2"),
            "api-3d-prints-beta-v2"
        );
        assert_eq!(default_name("1Password Connect"), "api-1password-connect");
        assert_eq!(
            default_name("1Forge Finance APIs"),
            "api-1forge-finance-apis"
        );
        assert_eq!(
            default_name("Labs64 NetLicensing API (OAuth, URLs)"),
            "labs64-net-licensing-api-oauth-urls"
        );
        assert_eq!(
            default_name("SMSGateway IPGeolocation"),
            "sms-gateway-ip-geolocation"
        );
        assert_eq!(default_name("XMLHttpRequest IDs"), "xml-http-request-ids");
        assert_eq!(default_name("— …"), "api-client");
        assert_eq!(default_name("Données ouvertes"), "donnees-ouvertes");
        assert_eq!(default_name("天气 API"), "tian-qi-api");
        assert!(check_name("petstore_client-2").is_ok());
        for bad in ["", "2fa", "pet store", "pet/store", &"a".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_a_library_cannot_take_are_refused_or_made_a_client() {
        for taken in [
            "self",
            "std",
            "test",
            "serde",
            "serde-json",
            "api-client-runtime",
            "Self",
        ] {
            let error = check_name(taken).expect_err(taken).to_string();
            assert!(error.contains("can't name the library"), "{error}");
        }
        assert_eq!(default_name("Serde"), "serde-client");
        assert_eq!(default_name("self"), "self-client");
        assert_eq!(default_name("Chrono API"), "chrono-api");
        // Library names are case-sensitive: `Core` and `Test` clash with nothing.
        assert!(check_name("Core").is_ok() && check_name("Test").is_ok());
    }

    #[test]
    fn versions_are_semantic() {
        for good in ["0.1.0", "1.2.3", "10.0.1-beta.2", "1.0.0+build.5"] {
            assert!(is_semantic_version(good), "{good}");
        }
        let bad = [
            "1.0",
            "v1.0.0",
            "2026.06.3",
            "1.0.0-",
            "1..0",
            "1.0.0-é",
            "01.0.0",
            // A pre-release's numbers can't have leading zeros, nor its parts be empty.
            "1.0.0-beta.01",
            "1.0.0-a..b",
            "1.0.0+",
        ];
        for bad in bad {
            assert!(!is_semantic_version(bad), "{bad}");
        }
    }

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
