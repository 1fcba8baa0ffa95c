//! Turning the document's names into Rust identifiers: case, keywords, leading digits and
//! collisions, all handled here and nowhere else.

use std::borrow::Cow;
use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Words that are keywords in some Rust edition; they become raw identifiers (`r#type`).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers; they get a trailing underscore instead.
const NOT_RAW: &[&str] = &["crate", "self", "super", "Self", "_"];

/// Type names that would shadow the prelude (or the types generated code relies on) inside
/// the models module.
const RESERVED_TYPES: &[&str] = &[
    "Box", "From", "Option", "Result", "Some", "None", "Ok", "Err", "String", "Vec",
];

/// Method names an API struct cannot give an operation: its constructor `new`, and the
/// methods of the traits it derives or gets from the standard library (`Clone`, `Debug`,
/// and the blanket `ToOwned`, `Into`, `From`, `Borrow`, `Any`), which an inherent method of
/// the same name would shadow.
pub const API_METHODS_TAKEN: &[&str] = &[
    "new",
    "clone",
    "clone_from",
    "clone_into",
    "fmt",
    "to_owned",
    "into",
    "try_into",
    "from",
    "try_from",
    "borrow",
    "borrow_mut",
    "type_id",
    "eq",
    "ne",
    "hash",
    "default",
];

/// Replaces every character that cannot be in an identifier with a word break, so that
/// `x-rate-limit`, `foo.bar`, `$ref` and `a b` all split into words.
/// Letters and digits outside ASCII are written in ASCII ones before the case is changed
/// (`Ünïcödé tag` is `Unicode tag`, `größe` is `grosse`, `名前` is `Ming Qian`), so
/// identifiers stay ASCII (the compiler lints against others) and still say the name.
/// An acronym's plural is one word (`APIs` is `apis`, not `ap_is`).
fn words(name: &str) -> Cow<'_, str> {
    let name = plural_acronyms(name);
    let name = digits_before_acronyms(name);
    if name.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return name;
    }
    in_ascii(&name)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect()
}

/// `text` with each letter or digit outside ASCII written in ASCII ones (`é` is `e`, `ß`
/// is `ss`, `名` is `Ming `), by `deunicode`'s table; every other character as it is.
pub(crate) fn in_ascii(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    let mut ascii = String::with_capacity(text.len());
    for c in text.chars() {
        match c.is_ascii() || !c.is_alphanumeric() {
            true => ascii.push(c),
            false => ascii.push_str(deunicode::deunicode_char(c).unwrap_or_default()),
        }
    }
    Cow::Owned(ascii)
}

/// `name` with each plural of an acronym (two capitals or more, then an `s` that ends the
/// word: `APIs`, `IDs`, `URLs`) written as one capitalised word (`Apis`), which the case
/// conversion keeps whole; it would split `APIs` into `AP` and `Is`.
fn plural_acronyms(name: &str) -> Cow<'_, str> {
    let bytes = name.as_bytes();
    let is_plural_end = |at: usize| {
        bytes.get(at) == Some(&b's') && !bytes.get(at + 1).is_some_and(u8::is_ascii_lowercase)
    };
    let mut runs = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        while bytes.get(at).is_some_and(u8::is_ascii_uppercase) {
            at += 1;
        }
        if at - start >= 2 && is_plural_end(at) {
            runs.push(start + 1..at);
        }
        at = at.max(start + 1);
    }
    if runs.is_empty() {
        return Cow::Borrowed(name);
    }
    let mut written = name.to_owned();
    for run in runs {
        written[run].make_ascii_lowercase();
    }
    Cow::Owned(written)
}

/// `name` with a space after each run of digits that follows a capital and comes before an
/// acronym of two capitals or more (`V1API`, `X509CA`): the case conversion takes a capital,
/// digits and capitals for one word (`v1api`), where after a small letter it sees two
/// (`s3URL` is `s3_url`). One capital after the digits is the acronym's own (`U2FProfile`
/// stays `u2f_profile`).
fn digits_before_acronyms(name: Cow<'_, str>) -> Cow<'_, str> {
    let bytes = name.as_bytes();
    let acronym_at = |at: usize| {
        let capitals = bytes[at..]
            .iter()
            .take_while(|byte| byte.is_ascii_uppercase())
            .count();
        // The last capital before a small letter begins the next word.
        let next_word = bytes.get(at + capitals).is_some_and(u8::is_ascii_lowercase);
        capitals >= 2 + usize::from(next_word)
    };
    let breaks: Vec<usize> = (1..bytes.len())
        .filter(|&at| {
            bytes[at - 1].is_ascii_digit()
                && acronym_at(at)
                && bytes[..at]
                    .iter()
                    .rev()
                    .find(|byte| !byte.is_ascii_digit())
                    .is_some_and(u8::is_ascii_uppercase)
        })
        .collect();
    if breaks.is_empty() {
        return name;
    }
    let mut written = String::with_capacity(name.len() + breaks.len());
    let mut from = 0;
    for at in breaks {
        written.push_str(&name[from..at]);
        written.push(' ');
        from = at;
    }
    written.push_str(&name[from..]);
    Cow::Owned(written)
}

/// `name` (made of [`words`]: ASCII letters, digits and `_`), or `fallback` when it has
/// no letter or digit (`@@@`).
fn or_fallback(name: String, fallback: &str) -> String {
    if name.trim_matches('_').is_empty() {
        fallback.to_owned()
    } else {
        name
    }
}

/// A `snake_case` identifier for a field, parameter, method or module.
pub fn snake(name: &str) -> String {
    // One word, which the case conversion would split after its `O` (`o_auth2`); the
    // `UpperCamelCase` of types keeps the usual `OAuth2`.
    let name = name.replace("OAuth", "Oauth");
    let snake = or_fallback(words(&name).to_snake_case(), "value");
    let snake = if snake.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{snake}")
    } else {
        snake
    };
    escape_keyword(snake)
}

/// An `UpperCamelCase` identifier for a type or a variant.
pub fn camel(name: &str) -> String {
    let camel = or_fallback(words(name).to_upper_camel_case(), "Value");
    let camel = if camel.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{camel}")
    } else {
        camel
    };
    escape_keyword(camel)
}

/// The Rust name of a type in the models module.
pub fn type_name(name: &str) -> String {
    let name = camel(name);
    if RESERVED_TYPES.contains(&name.as_str()) {
        format!("{name}Model")
    } else {
        name
    }
}

fn escape_keyword(name: String) -> String {
    if NOT_RAW.contains(&name.as_str()) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else {
        name
    }
}

/// Hands out names that are unique within one scope (a struct's fields, an enum's variants,
/// a method's parameters), adding `_2`, `_3`, … (or `2`, `3`, … for camel case) on collision.
#[derive(Debug, Default)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    /// A scope in which `reserved` names are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Self {
            taken: reserved.iter().map(|name| (*name).to_owned()).collect(),
        }
    }

    /// Whether `name` is taken.
    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(name)
    }

    /// Frees `name`, claimed by what was then left out.
    pub fn release(&mut self, name: &str) {
        self.taken.remove(name);
    }

    /// `name` if it is free, otherwise the first free numbered form of it.
    pub fn claim(&mut self, name: String) -> String {
        self.claim_stem(name, &[""])
    }

    /// Claims a name for each of `wanted`: its name in the document, and the name it would
    /// have here. Those whose name is the document's own come first, so that a schema
    /// `FooBar` keeps `FooBar` where a `Foo_Bar` before it would take it, and a property
    /// `user_name` keeps `user_name` beside a `user-name`; then the rest, in their order,
    /// numbered on collision. The names come back in the order of `wanted`.
    pub fn claim_each<'a>(
        &mut self,
        wanted: impl IntoIterator<Item = (&'a str, String)>,
    ) -> Vec<String> {
        let wanted: Vec<(&str, String)> = wanted.into_iter().collect();
        let is_own = |(document, name): &(&str, String)| *document == name.as_str();
        let mut claimed: Vec<Option<String>> = wanted
            .iter()
            .map(|wanted| {
                let free = is_own(wanted) && !self.is_taken(&wanted.1);
                free.then(|| self.claim(wanted.1.clone()))
            })
            .collect();
        for (claimed, (_, name)) in claimed.iter_mut().zip(wanted) {
            if claimed.is_none() {
                *claimed = Some(self.claim(name));
            }
        }
        claimed.into_iter().flatten().collect()
    }

    /// Claims the names `stem + ending` for each of `endings` together (an ending of `""`
    /// is the stem itself, else it follows the stem without its `r#`), for the first stem,
    /// `name` or a numbered one, whose names are all free; the stem.
    pub fn claim_stem(&mut self, name: String, endings: &[&str]) -> String {
        let names = |stem: &str| -> Vec<String> {
            let names = endings.iter().map(|ending| match *ending {
                "" => stem.to_owned(),
                ending => format!("{}{ending}", stem.trim_start_matches("r#")),
            });
            names.collect()
        };
        // `r#type` becomes `type_2`, `self_` becomes `self_2` and `Self_` becomes `Self2`.
        let bare = name.trim_start_matches("r#");
        let camel = bare.contains(|c: char| c.is_ascii_uppercase());
        let bare = bare.trim_end_matches('_');
        let separator = if camel { "" } else { "_" };
        let numbered = (2..).map(|n| format!("{bare}{separator}{n}"));
        let stem = std::iter::once(name.clone())
            .chain(numbered)
            .find(|stem| names(stem).iter().all(|name| !self.taken.contains(name)))
            .unwrap_or(name);
        self.taken.extend(names(&stem));
        stem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_handles_keywords_digits_and_punctuation() {
        assert_eq!(snake("identitySourceId"), "identity_source_id");
        assert_eq!(snake("type"), "r#type");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("Self"), "self_");
        assert_eq!(snake("2fa"), "_2fa");
        assert_eq!(snake("x-rate-limit"), "x_rate_limit");
        assert_eq!(snake("$ref"), "r#ref");
        assert_eq!(snake("@@@"), "value");
        assert_eq!(snake("née"), "nee");
    }

    #[test]
    fn letters_outside_ascii_are_written_in_ascii_ones() {
        assert_eq!(snake("größe"), "grosse");
        assert_eq!(camel("Größe"), "Grosse");
        assert_eq!(snake("名前"), "ming_qian");
        assert_eq!(camel("名前"), "MingQian");
        assert_eq!(snake("Привет мир"), "privet_mir");
        assert_eq!(snake("naïveCafé"), "naive_cafe");
        // Not a letter or a digit: a word break, as punctuation is.
        assert_eq!(snake("🙂x"), "x");
    }

    #[test]
    fn an_acronym_s_plural_is_one_word() {
        assert_eq!(snake("Weather Forecast APIs"), "weather_forecast_apis");
        assert_eq!(camel("Weather Forecast APIs"), "WeatherForecastApis");
        assert_eq!(snake("listUserIDs"), "list_user_ids");
        assert_eq!(snake("URLsAndIDs"), "urls_and_ids");
        assert_eq!(snake("APIsettings"), "ap_isettings");
        assert_eq!(snake("HTTPServer"), "http_server");
        assert_eq!(snake("IDs"), "ids");
    }

    #[test]
    fn digits_after_a_capital_end_their_word_before_an_acronym() {
        assert_eq!(
            snake("getSchedulingV1APIResources"),
            "get_scheduling_v1_api_resources"
        );
        assert_eq!(camel("V1API"), "V1Api");
        assert_eq!(snake("X509CA"), "x509_ca");
        assert_eq!(camel("SHA256RSA"), "Sha256Rsa");
        // What the case conversion already splits, or has no acronym after its digits.
        assert_eq!(snake("s3URL"), "s3_url");
        assert_eq!(snake("X509Certificate"), "x509_certificate");
        assert_eq!(snake("listV1Beta1APIGroups"), "list_v1_beta1_api_groups");
        assert_eq!(snake("V1A"), "v1a");
        assert_eq!(camel("UserFactorU2FProfile"), "UserFactorU2fProfile");
        assert_eq!(snake("W3CTraceContext"), "w3c_trace_context");
        assert_eq!(camel("2FA"), "V2fa");
        assert_eq!(snake("HTTP2"), "http2");
    }

    #[test]
    fn oauth_is_one_word() {
        assert_eq!(snake("OAuth2AccessToken"), "oauth2_access_token");
        assert_eq!(camel("OAuth2 scopes"), "OAuth2Scopes");
        assert_eq!(snake("listOAuthClients"), "list_oauth_clients");
    }

    #[test]
    fn camel_case_handles_enum_values_and_reserved_types() {
        assert_eq!(camel("IN_PROGRESS"), "InProgress");
        assert_eq!(camel("2FA"), "V2fa");
        assert_eq!(camel("Self"), "Self_");
        assert_eq!(type_name("Result"), "ResultModel");
        assert_eq!(type_name("From"), "FromModel");
        assert_eq!(type_name("Error"), "Error");
        assert_eq!(type_name("a.b c"), "ABC");
        assert_eq!(camel("Ünïcödé tag"), "UnicodeTag");
    }

    #[test]
    fn every_name_is_a_valid_identifier() {
        let nasty = [
            "",
            " ",
            "_",
            "__",
            "-",
            "9",
            "123abc",
            "a-b.c$d@e f",
            "Ünïcödé",
            "日本語",
            "🙂x",
            "type",
            "Self",
            "self",
            "crate",
            "super",
            "async",
            "gen",
            "r#x",
            "x_",
            "_x",
            "Result",
            "None",
            "FOO__BAR",
            "a\nb",
        ];
        for name in nasty {
            for ident in [snake(name), camel(name), type_name(name)] {
                assert!(
                    syn::parse_str::<syn::Ident>(&ident).is_ok(),
                    "{name:?} gave {ident:?}"
                );
            }
        }
    }

    #[test]
    fn a_name_that_is_the_document_s_own_is_kept_before_one_made_alike() {
        let mut scope = Scope::with_reserved(&["client"]);
        let wanted = [
            ("Foo_Bar", "FooBar".to_owned()),
            ("user-name", "user_name".to_owned()),
            ("FooBar", "FooBar".to_owned()),
            ("user_name", "user_name".to_owned()),
            ("user_name", "user_name".to_owned()),
            ("client", "client".to_owned()),
        ];
        assert_eq!(
            scope.claim_each(wanted),
            [
                "FooBar2",
                "user_name_2",
                "FooBar",
                "user_name",
                "user_name_3",
                "client_2"
            ]
        );
    }

    #[test]
    fn scope_numbers_collisions() {
        let mut scope = Scope::with_reserved(&["client"]);
        assert_eq!(scope.claim("foo_bar".into()), "foo_bar");
        assert_eq!(scope.claim("foo_bar".into()), "foo_bar_2");
        assert_eq!(scope.claim("client".into()), "client_2");
        assert_eq!(scope.claim("FooBar".into()), "FooBar");
        assert_eq!(scope.claim("FooBar".into()), "FooBar2");
        assert_eq!(scope.claim("r#type".into()), "r#type");
        assert_eq!(scope.claim("r#type".into()), "type_2");
        assert_eq!(scope.claim("self_".into()), "self_");
        assert_eq!(scope.claim("self_".into()), "self_2");
        assert_eq!(scope.claim("Self_".into()), "Self_");
        assert_eq!(scope.claim("Self_".into()), "Self2");
    }
}
