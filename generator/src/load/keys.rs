//! The keys of the document's mappings, read in one pass before the document itself: a key
//! that a mapping holds twice is an error (the readers keep the last of the two and drop
//! the other without a word), so is a `$ref` that is not text (openapiv3 reads the mapping
//! as a schema without it, one that takes any value), and so are two fields of which an
//! object has one (a parameter's or a header's `schema` and `content`, a link's
//! `operationRef` and `operationId`); the keys of `paths` and of each path item are noted.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::json_text;
use super::merge::MERGE_KEY;
use super::references::{self, Mode};
use crate::diagnostic::{Diagnostic, Pointer};

/// What the keys of `paths` say: the paths written without their leading `/`, and one
/// located diagnostic for each key of a path item that the reader does not know (`GET` for
/// `get`, say), so their operations are not lost silently.
#[derive(Default)]
pub(super) struct PathKeys {
    pub(super) slashless: Vec<String>,
    pub(super) unknown: Vec<Diagnostic>,
    /// A warning for each key of an operation's responses that is no status code, which
    /// the reader drops without a word.
    pub(super) not_statuses: Vec<Diagnostic>,
    /// Whether a YAML text has a merge key (`<<: *anchor`), which the readers leave as a
    /// key like any other.
    pub(super) merges: bool,
    /// Where a mapping has `nullable: true` beside `$ref` (its pointer's tokens), which
    /// openapiv3 drops as it reads (OpenAPI 3.0 ignores what is beside a `$ref`); none
    /// inside another.
    pub(super) nullable_refs: Vec<Vec<String>>,
    /// Whether the text is YAML (merge keys are YAML's alone).
    yaml: bool,
}

/// Reads the keys of every mapping in `text` (JSON with serde_json, YAML with serde_yaml):
/// an error naming the first key that a mapping holds twice and where it is, else the keys
/// of `paths`. A text that cannot be read has no keys: reading the document says why.
pub(super) fn scan(text: &str) -> Result<PathKeys, Diagnostic> {
    let json = json_text(text);
    let mut found = Found {
        keys: PathKeys {
            yaml: json.is_none(),
            ..PathKeys::default()
        },
        problem: None,
        open: Vec::new(),
        last_bool: None,
    };
    let walk = Walk {
        place: Place::Root,
        mode: Some(Mode::Keywords),
        found: &mut found,
    };
    let failed_at = match json {
        Some(json) => walk
            .deserialize(&mut serde_json::Deserializer::from_str(json))
            .err()
            .map(|error| Some((error.line(), error.column()))),
        None => walk
            .deserialize(serde_yaml::Deserializer::from_str(text))
            .err()
            .map(|error| error.location().map(|at| (at.line(), at.column()))),
    };
    match (failed_at, found.problem) {
        (None, _) => {
            // Each was given its tokens on the way out, the last first.
            for tokens in &mut found.keys.nullable_refs {
                tokens.reverse();
            }
            found
                .keys
                .nullable_refs
                .retain(|tokens| is_schema_place(tokens));
            Ok(found.keys)
        }
        (Some(at), Some(problem)) => Err(problem.diagnostic(at)),
        (Some(_), None) => Ok(PathKeys::default()),
    }
}

/// What the walk found so far.
struct Found<'de> {
    keys: PathKeys,
    problem: Option<Problem>,
    /// The keys read so far of each mapping being read, outermost first (one list for
    /// all, so that reading a mapping allocates nothing).
    open: Vec<Cow<'de, str>>,
    /// The last scalar read, when it was a boolean.
    last_bool: Option<bool>,
}

/// What stopped the walk, at the key `key` of a mapping (or at the mapping, without one),
/// and the tokens of the pointer to that mapping, last first: each mapping and list the
/// error leaves on its way out adds its own.
struct Problem {
    key: Option<String>,
    kind: ProblemKind,
    tokens: Vec<String>,
}

enum ProblemKind {
    /// The mapping holds the key twice.
    Duplicate,
    /// The key is a `$ref`, and its value is this, not text.
    ReferenceNotText(String),
    /// The mapping has both of two fields of which an object has one.
    Exclusive(&'static Exclusive),
}

/// Two fields of which an object has at most one. openapiv3 reads the first it meets, so
/// with both the document's order would decide what is generated, and where the first is
/// malformed a second reading (in another order) makes it panic.
struct Exclusive {
    fields: [&'static str; 2],
    /// The objects that have them.
    objects: &'static str,
    help: &'static str,
}

/// A parameter's or a header's value is described by a schema or by a media type.
const SCHEMA_OR_CONTENT: Exclusive = Exclusive {
    fields: ["schema", "content"],
    objects: "a parameter or a header is described by one of the two",
    help: "keep `schema` for a value written in the parameter's style, or `content` for one in a media type such as JSON",
};

/// A link names its operation by a reference or by its id.
const OPERATION_REF_OR_ID: Exclusive = Exclusive {
    fields: ["operationRef", "operationId"],
    objects: "a link names its operation by one of the two",
    help: "keep one of the two",
};

impl Problem {
    /// The error, with the line and column where the reader stopped when it knows them.
    fn diagnostic(self, at: Option<(usize, usize)>) -> Diagnostic {
        let key = self.key.unwrap_or_default();
        let mapping = Pointer::of_tokens(self.tokens.iter().rev());
        let pointer = mapping.push(&key);
        match self.kind {
            ProblemKind::Duplicate => {
                let line = at
                    .map(|(line, column)| format!(" (the second at line {line}, column {column})"))
                    .unwrap_or_default();
                Diagnostic::at(
                    &pointer,
                    format!(
                        "the key `{key}` is in this mapping twice{line}, and only one of the two would be read"
                    ),
                )
                .with_help("merge the two, or remove one")
            }
            ProblemKind::ReferenceNotText(found) => {
                let line = at
                    .map(|(line, _)| format!(" (line {line})"))
                    .unwrap_or_default();
                Diagnostic::at(
                    &pointer,
                    format!(
                        "the document could not be read{line}: `$ref` must be text, not {found}"
                    ),
                )
                .with_help("write the reference as text, such as `#/components/schemas/Pet`")
            }
            ProblemKind::Exclusive(exclusive) => {
                let [first, second] = exclusive.fields;
                Diagnostic::at(
                    &mapping,
                    format!(
                        "this has both `{first}` and `{second}`, but {}",
                        exclusive.objects
                    ),
                )
                .with_help(exclusive.help)
            }
        }
    }
}

/// Where in the document a value is, as far as the path keys go.
enum Place {
    Root,
    Paths,
    /// A path item, at this pointer.
    PathItem(Pointer),
    /// An operation, at this pointer.
    Operation(Pointer),
    /// An operation's responses, at this pointer.
    Responses(Pointer),
    /// The links of a response or of the components, a map of names.
    Links,
    /// A link.
    Link,
    /// The parameters of a path item or an operation (a list), or of the components (a
    /// map of names).
    Parameters,
    /// A parameter.
    Parameter,
    /// The headers of a response, an encoding or the components, a map of names.
    Headers,
    /// A header.
    Header,
    Other,
}

impl Place {
    /// The place of the value of `key` in a mapping here, noting the path keys on the way.
    fn enter(&self, key: Option<&str>, keys: &mut PathKeys) -> Place {
        if keys.yaml && key == Some(MERGE_KEY) {
            keys.merges = true;
            return Place::Other;
        }
        match (self, key) {
            (Place::Root, Some("paths")) => Place::Paths,
            (Place::Paths, Some(path)) if !path.starts_with("x-") => {
                if !path.starts_with('/') {
                    keys.slashless.push(path.to_owned());
                }
                Place::PathItem(Pointer::root().push("paths").push(path))
            }
            (Place::PathItem(at), Some(key)) if !is_path_item_key(key) => {
                keys.unknown.push(
                    Diagnostic::at(
                        &at.push(key),
                        format!("`{key}` is not a field of a path item, so it is not generated"),
                    )
                    .with_help("HTTP methods are lower case: get, put, post, delete, options, head, patch, trace"),
                );
                Place::Other
            }
            (Place::PathItem(at), Some(method)) if METHODS.contains(&method) => {
                Place::Operation(at.push(method))
            }
            (Place::Operation(at), Some("responses")) => Place::Responses(at.push("responses")),
            (Place::Links, Some(name)) if !name.starts_with("x-") => Place::Link,
            (Place::Parameters, Some(name)) if !name.starts_with("x-") => Place::Parameter,
            (Place::Headers, Some(name)) if !name.starts_with("x-") => Place::Header,
            (Place::Responses(at), Some(key)) if !is_responses_key(key) => {
                keys.not_statuses.push(
                    Diagnostic::at(
                        &at.push(key),
                        format!("`{key}` is not an HTTP status (100 to 599, or 1XX to 5XX), so its response is left out"),
                    )
                    .warning(),
                );
                Place::Other
            }
            _ => Place::Other,
        }
    }
}

/// Whether the value at these tokens is where a schema goes: a request body, a response
/// or a parameter given by `$ref` is not made nullable, nor is an extension's value.
fn is_schema_place(tokens: &[String]) -> bool {
    let token = |from_end: usize| {
        tokens
            .len()
            .checked_sub(from_end)
            .and_then(|at| tokens.get(at))
            .map(String::as_str)
    };
    matches!(
        token(1),
        Some("schema" | "items" | "not" | "additionalProperties")
    ) || matches!(token(2), Some("properties" | "allOf" | "oneOf" | "anyOf"))
        || (tokens.len() == 3 && token(3) == Some("components") && token(2) == Some("schemas"))
}

/// The HTTP methods of a path item, the keys of its operations.
pub(super) const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The keys of an OpenAPI 3.0 responses object that the reader takes: `default`, a status
/// code from 100 to 999 or a range (`2XX`, any case), and extensions. It drops any other
/// without a word.
fn is_responses_key(key: &str) -> bool {
    let status = match key.as_bytes() {
        [first, rest @ ..] if rest.eq_ignore_ascii_case(b"XX") => first.is_ascii_digit(),
        [b'1'..=b'9', second, third] => second.is_ascii_digit() && third.is_ascii_digit(),
        _ => false,
    };
    status || key == "default" || key.starts_with("x-")
}

/// The fields of an OpenAPI 3.0 path item, and its extensions.
fn is_path_item_key(key: &str) -> bool {
    const FIELDS: &[&str] = &["$ref", "summary", "description", "servers", "parameters"];
    METHODS.contains(&key) || FIELDS.contains(&key) || key.starts_with("x-")
}

/// A value read for its mappings' keys alone.
struct Walk<'f, 'de> {
    place: Place,
    /// What the keys of its mappings are, as far as `$ref` goes; `None` in data (an
    /// example, an extension), where a `$ref` is not one.
    mode: Option<Mode>,
    found: &'f mut Found<'de>,
}

impl<'de> DeserializeSeed<'de> for Walk<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Walk { place, mode, found } = self;
        let start = found.open.len();
        let refs_start = found.keys.nullable_refs.len();
        let mut many = None;
        let mut nullable = false;
        while let Some(key) = map.next_key_seed(Key {
            start,
            many: &mut many,
            found: &mut *found,
        })? {
            let mut child_place = place.enter(key.as_deref(), &mut found.keys);
            if matches!(mode, Some(Mode::Keywords | Mode::Components)) {
                match key.as_deref() {
                    Some("links") => child_place = Place::Links,
                    Some("parameters") => child_place = Place::Parameters,
                    Some("headers") => child_place = Place::Headers,
                    _ => {}
                }
            }
            if matches!(mode, Some(Mode::Keywords)) && key.as_deref() == Some("$ref") {
                let super::tree::Wide(value) = map.next_value()?;
                if !value.is_string() {
                    let kind = super::keywords::found(&value);
                    found.problem = Some(Problem {
                        key: Some("$ref".to_owned()),
                        kind: ProblemKind::ReferenceNotText(kind),
                        tokens: Vec::new(),
                    });
                    return Err(de::Error::custom("a `$ref` that is not text"));
                }
                continue;
            }
            let child = Walk {
                place: child_place,
                mode: mode.and_then(|mode| references::enter(mode, key.as_deref())),
                found: &mut *found,
            };
            let refs_below = child.found.keys.nullable_refs.len();
            child.found.last_bool = None;
            if let Err(error) = map.next_value_seed(child) {
                if let Some(problem) = &mut found.problem {
                    problem.tokens.push(key.unwrap_or_default().into_owned());
                }
                return Err(error);
            }
            nullable |= key.as_deref() == Some("nullable") && found.last_bool == Some(true);
            add_token(&mut found.keys.nullable_refs[refs_below..], || {
                key.as_deref().unwrap_or_default().to_owned()
            });
        }
        found.last_bool = None;
        let has = |key: &str| match &many {
            Some(many) => many.contains(key),
            None => found.open[start..].iter().any(|open| open == key),
        };
        if nullable && has("$ref") {
            // The mapping is read as a `$ref` alone: what is inside it does not count.
            found.keys.nullable_refs.truncate(refs_start);
            found.keys.nullable_refs.push(Vec::new());
        }
        let exclusive = match place {
            Place::Link => Some(&OPERATION_REF_OR_ID),
            Place::Parameter | Place::Header => Some(&SCHEMA_OR_CONTENT),
            _ => None,
        };
        if let Some(exclusive) = exclusive
            && !has("$ref")
            && exclusive.fields.iter().all(|field| has(field))
        {
            found.problem = Some(Problem {
                key: None,
                kind: ProblemKind::Exclusive(exclusive),
                tokens: Vec::new(),
            });
            return Err(de::Error::custom("two fields of which an object has one"));
        }
        found.open.truncate(start);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Walk { place, mode, found } = self;
        let mut index = 0_usize;
        loop {
            let refs_below = found.keys.nullable_refs.len();
            let item = Walk {
                place: match place {
                    Place::Parameters => Place::Parameter,
                    _ => Place::Other,
                },
                mode,
                found: &mut *found,
            };
            match seq.next_element_seed(item) {
                Ok(Some(())) => {
                    add_token(&mut found.keys.nullable_refs[refs_below..], || {
                        index.to_string()
                    });
                    index += 1;
                }
                Ok(None) => {
                    found.last_bool = None;
                    return Ok(());
                }
                Err(error) => {
                    if let Some(problem) = &mut found.problem {
                        problem.tokens.push(index.to_string());
                    }
                    return Err(error);
                }
            }
        }
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }

    /// A YAML value with a tag (`!name value`), not looked into.
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        IgnoredAny.visit_enum(data).map(drop)
    }

    fn visit_bool<E>(self, value: bool) -> Result<(), E> {
        self.found.last_bool = Some(value);
        Ok(())
    }

    visit_scalars!(but_bool: E => Ok(()));

    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// Adds the token of the value they were found in to each of `found` (pointers built on the
/// way out, the last token first).
fn add_token(found: &mut [Vec<String>], token: impl Fn() -> String) {
    for tokens in found {
        tokens.push(token());
    }
}

/// A mapping's key, read as text (YAML's `200:` is `200`, as the readers take it), and
/// refused when the mapping has it already. A key that is a list or a mapping has no text.
struct Key<'s, 'de> {
    /// Where the mapping's keys start in [`Found::open`].
    start: usize,
    /// The mapping's keys once they are more than [`FEW`], when looking them up in
    /// [`Found::open`] one by one would be slow.
    many: &'s mut Option<HashSet<Cow<'de, str>>>,
    found: &'s mut Found<'de>,
}

/// How many keys a mapping has before they are hashed.
const FEW: usize = 16;

impl<'de> Key<'_, 'de> {
    /// `key`, noted as one of the mapping's; `Err` with it when the mapping has it already.
    fn note(&mut self, key: Cow<'de, str>) -> Result<Cow<'de, str>, Cow<'de, str>> {
        if let Some(many) = self.many {
            return if many.insert(key.clone()) {
                Ok(key)
            } else {
                Err(key)
            };
        }
        let open = &mut self.found.open;
        if open[self.start..].contains(&key) {
            return Err(key);
        }
        if open.len() - self.start < FEW {
            open.push(key.clone());
        } else {
            let mut many: HashSet<_> = open.drain(self.start..).collect();
            many.insert(key.clone());
            *self.many = Some(many);
        }
        Ok(key)
    }

    fn unique<E: de::Error>(mut self, key: Cow<'de, str>) -> Result<Option<Cow<'de, str>>, E> {
        let key = match self.note(key) {
            Ok(key) => return Ok(Some(key)),
            Err(key) => key,
        };
        self.found.problem = Some(Problem {
            key: Some(key.into_owned()),
            kind: ProblemKind::Duplicate,
            tokens: Vec::new(),
        });
        Err(E::custom("a key twice in one mapping"))
    }
}

impl<'de> DeserializeSeed<'de> for Key<'_, 'de> {
    type Value = Option<Cow<'de, str>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Key<'_, 'de> {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Self::Value, E> {
        self.unique(Cow::Borrowed(key))
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        self.unique(Cow::Owned(key.to_owned()))
    }

    fn visit_string<E: de::Error>(self, key: String) -> Result<Self::Value, E> {
        self.unique(Cow::Owned(key))
    }

    fn visit_bool<E: de::Error>(self, key: bool) -> Result<Self::Value, E> {
        self.unique(Cow::Owned(key.to_string()))
    }

    fn visit_i64<E: de::Error>(self, key: i64) -> Result<Self::Value, E> {
        self.unique(Cow::Owned(key.to_string()))
    }

    fn visit_u64<E: de::Error>(self, key: u64) -> Result<Self::Value, E> {
        self.unique(Cow::Owned(key.to_string()))
    }

    fn visit_i128<E: de::Error>(self, key: i128) -> Result<Self::Value, E> {
        self.unique(Cow::Owned(key.to_string()))
    }

    fn visit_u128<E: de::Error>(self, key: u128) -> Result<Self::Value, E> {
        self.unique(Cow::Owned(key.to_string()))
    }

    fn visit_f64<E: de::Error>(self, key: f64) -> Result<Self::Value, E> {
        self.unique(Cow::Owned(key.to_string()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.unique(Cow::Borrowed("null"))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_seq(seq).map(|_| None)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_map(map).map(|_| None)
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_enum(data).map(|_| None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(text: &str) -> String {
        match scan(text) {
            Ok(_) => "no error".to_owned(),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn a_key_twice_in_a_mapping_is_named_with_its_place_in_yaml_and_json() {
        assert_eq!(
            error_of("openapi: 3.0.0\npaths:\n  /a:\n    get: {}\n  /a:\n    post: {}\n"),
            "at #/paths/~1a: the key `/a` is in this mapping twice (the second at line 5, column 3), and only one of the two would be read (merge the two, or remove one)"
        );
        let json = error_of(
            r#"{"paths": {"/a": {"get": {"parameters": [{"name": "a", "in": "query", "name": "b"}]}}}}"#,
        );
        assert!(
            json.starts_with("at #/paths/~1a/get/parameters/0/name: the key `name` is in this mapping twice (the second at line 1, column "),
            "{json}"
        );
    }

    #[test]
    fn keys_are_compared_as_the_readers_take_them() {
        let properties = error_of(
            "components:\n  schemas:\n    A:\n      properties:\n        a: {type: string}\n        'a': {type: integer}\n",
        );
        assert!(
            properties.starts_with("at #/components/schemas/A/properties/a: the key `a` is in this mapping twice (the second at line 6,"),
            "{properties}"
        );
        let codes = error_of("responses:\n  200: {description: a}\n  '200': {description: b}\n");
        assert!(
            codes.starts_with("at #/responses/200: the key `200`"),
            "{codes}"
        );
        // A mapping with many keys, one holding a mapping of its own.
        let mut many = String::from("m:\n");
        for index in 0..40 {
            many.push_str(&format!("  k{index}: {{k{index}: 1, a: 2}}\n"));
        }
        assert_eq!(error_of(&many), "no error");
        many.push_str("  k3: 1\n");
        let error = error_of(&many);
        assert!(
            error.starts_with(
                "at #/m/k3: the key `k3` is in this mapping twice (the second at line 42,"
            ),
            "{error}"
        );
        // The same key in different mappings, an anchor used twice, a list as a key.
        for fine in [
            "a: {x: 1}\nb: {x: 1}\nc: [{x: 1}, {x: 2}]\n",
            "a: &shared {x: 1}\nb: *shared\nc: *shared\n",
            "? [a, b]\n: 1\n? [a, b]\n: 2\nx: 1\n",
        ] {
            assert_eq!(error_of(fine), "no error", "{fine}");
        }
    }

    #[test]
    fn a_reference_that_is_not_text_is_refused_where_it_is_one() {
        assert_eq!(
            error_of(
                "paths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: 5}\n"
            ),
            "at #/paths/~1a/get/responses/200/content/application~1json/schema/$ref: the document could not be read (line 9): `$ref` must be text, not the number 5 (write the reference as text, such as `#/components/schemas/Pet`)"
        );
        let json =
            error_of(r##"{"components": {"schemas": {"A": {"allOf": [{"$ref": {"x": 1}}]}}}}"##);
        assert!(
            json.starts_with("at #/components/schemas/A/allOf/0/$ref: the document could not be read (line 1): `$ref` must be text, not a mapping"),
            "{json}"
        );
        let default_response =
            error_of("responses: {default: {content: {application/json: {schema: {$ref: 5}}}}}\n");
        assert!(
            default_response
                .starts_with("at #/responses/default/content/application~1json/schema/$ref: "),
            "{default_response}"
        );
        for kind in ["null", "true", "[a]", "1.5"] {
            let error = error_of(&format!("schema: {{$ref: {kind}}}\n"));
            assert!(error.starts_with("at #/schema/$ref: "), "{kind}: {error}");
        }
        // Where `$ref` is data or a name, it may be anything.
        for fine in [
            "schema: {example: {$ref: 5}, enum: [{$ref: 5}], default: {$ref: 5}, x-a: {$ref: 5}}\n",
            "responses: {default: {links: {l: {parameters: {$ref: 5}, requestBody: {$ref: [1]}}}}}\n",
            "schema: {$defs: {$ref: {type: string}}, patternProperties: {$ref: {type: string}}}\n",
            "components:\n  schemas:\n    A:\n      properties:\n        $ref: {type: string}\n  examples:\n    E: {value: {$ref: 5}}\n",
            "schema: {$ref: '#/components/schemas/A'}\n",
        ] {
            assert_eq!(error_of(fine), "no error", "{fine}");
        }
    }

    #[test]
    fn two_fields_of_which_an_object_has_one_are_refused_together() {
        for (text, at, fields) in [
            (
                "paths:\n  /a:\n    parameters:\n      - {name: q, in: query, schema: {type: string}, content: {}}\n",
                "#/paths/~1a/parameters/0",
                "`schema` and `content`",
            ),
            (
                "components:\n  headers:\n    H: {content: {}, schema: {maxLength: -1}}\n",
                "#/components/headers/H",
                "`schema` and `content`",
            ),
            (
                "components:\n  links:\n    L: {operationRef: 5, operationId: a}\n",
                "#/components/links/L",
                "`operationRef` and `operationId`",
            ),
            (
                "responses: {default: {links: {l: {operationId: a, operationRef: '#/paths'}}}}\n",
                "#/responses/default/links/l",
                "`operationRef` and `operationId`",
            ),
        ] {
            let error = error_of(text);
            assert!(
                error.starts_with(&format!("at {at}: this has both {fields}, but ")),
                "{text}: {error}"
            );
        }
        for fine in [
            // Beside a `$ref`, neither is read.
            "parameters: [{$ref: '#/p', schema: {}, content: {}}]\n",
            "links: {l: {$ref: '#/l', operationRef: a, operationId: b}}\n",
            // Names, data, and a schema's own keywords of those names.
            "schema: {properties: {schema: {}, content: {}}}\n",
            "components: {schemas: {S: {schema: {}, content: {}}}}\n",
            "parameters: [{schema: {properties: {p: {schema: {}, content: {}}}}}]\n",
            "schema: {example: {schema: 1, content: 2}}\n",
            "x-a: {links: {l: {operationRef: a, operationId: b}}}\n",
            "links: {x-l: {operationRef: a, operationId: b}}\n",
            "links: {l: {parameters: {operationRef: a, operationId: b}}}\n",
        ] {
            assert_eq!(error_of(fine), "no error", "{fine}");
        }
    }

    #[test]
    fn path_keys_are_noted_and_unreadable_text_has_none() {
        let keys = scan("paths:\n  a: {get: {}}\n  /b: {GET: {}}\n  x-c: {GET: {}}\n")
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(keys.slashless, ["a"]);
        let unknown: Vec<String> = keys.unknown.iter().map(|d| d.message.clone()).collect();
        assert_eq!(
            unknown,
            ["`GET` is not a field of a path item, so it is not generated"]
        );
        let statuses = scan(
            "paths:\n  /a:\n    get:\n      responses: {20: {}, '2000': {}, OK: {}, 200: {}, 2xx: {}, 4XX: {}, 600: {}, default: {}, x-a: {}}\n      x-responses: {20: {}}\n",
        )
        .unwrap_or_else(|error| panic!("{error}"));
        let unknown: Vec<String> = statuses
            .not_statuses
            .iter()
            .map(|d| {
                d.pointer
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(
            unknown,
            [
                "#/paths/~1a/get/responses/20",
                "#/paths/~1a/get/responses/2000",
                "#/paths/~1a/get/responses/OK"
            ]
        );
        let nullable = scan(
            "allOf:\n  - {$ref: x, nullable: true}\n  - {$ref: x, nullable: false}\n  - {nullable: true, b: {$ref: y}}\nschema: {$ref: z, nullable: true, items: {$ref: w, nullable: true}}\ne: {oneOf: [{items: {nullable: true, $ref: v}}]}\nx-e: {$ref: z, nullable: true}\nrequestBody: {$ref: z, nullable: true}\n",
        )
        .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(
            nullable.nullable_refs,
            [
                vec!["allOf", "0"],
                vec!["schema"],
                vec!["e", "oneOf", "0", "items"]
            ]
        );
        let unreadable = scan("paths: [\n").unwrap_or_else(|error| panic!("{error}"));
        assert!(unreadable.slashless.is_empty() && unreadable.unknown.is_empty());
    }
}
