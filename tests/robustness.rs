//! The generator never panics, hangs or overflows its stack, whatever the document: deep
//! nesting, huge documents, and random damage to valid ones all end in a result or a
//! located error.

use generator::{Options, generate};
use proptest::prelude::*;
use serde_yaml::Value;
use tests::{MINIMAL_HEAD, error_of, generate_with_warnings, text_of, workspace_root};

/// An operation answering with `schema`.
fn answering(schema: &str) -> String {
    format!(
        "{MINIMAL_HEAD}paths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {schema}\n"
    )
}

/// A document answering with `S0`, where each `S{i}` is `link(i + 1)`, up to `S{length}`,
/// a string.
fn chain(length: usize, link: impl Fn(usize) -> String) -> String {
    let mut document = answering("{$ref: '#/components/schemas/S0'}");
    document.push_str("components:\n  schemas:\n");
    for i in 0..length {
        document.push_str(&format!("    S{i}: {}\n", link(i + 1)));
    }
    document.push_str(&format!("    S{length}: {{type: string}}\n"));
    document
}

fn object_link(next: usize) -> String {
    format!("{{type: object, properties: {{next: {{$ref: '#/components/schemas/S{next}'}}}}}}")
}

/// In flow style (`{…}`, `[…]`) they are refused before the YAML reader, which would take
/// a time quadratic in their depth to refuse them; in block style, and in JSON, by the
/// reader.
#[test]
fn thousands_of_nested_levels_are_refused_by_the_reader() {
    let depth = 20_000;
    let schema = format!(
        "{}{{type: string}}{}",
        "{type: array, items: ".repeat(depth),
        "}".repeat(depth)
    );
    assert_eq!(
        error_of(&answering(&schema)),
        "the document could not be read (line 11, column 2711): its `[…]` and `{…}` nest more than 128 deep"
    );
    let blocks: String = (0..1000)
        .map(|level| format!("{}- \n", "  ".repeat(level)))
        .collect();
    let error = error_of(&format!("{MINIMAL_HEAD}paths: {{}}\nx-a:\n{blocks}"));
    assert!(error.contains("recursion limit exceeded"), "{error}");
    let json = format!(
        "{{\"openapi\": \"3.0.3\", \"x-a\": {}{}}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let error = error_of(&json);
    assert!(error.contains("recursion limit exceeded"), "{error}");
}

/// openapiv3 reads the first of the two it meets, and when that one is malformed it reads
/// the object again in another order, finds it well formed and panics.
#[test]
fn a_parameter_header_or_link_with_both_of_two_exclusive_fields_is_refused_where_it_is() {
    let operation = |inside: &str| {
        format!("{MINIMAL_HEAD}paths:\n  /a:\n    get:\n      operationId: getA\n{inside}")
    };
    let malformed_first = "{type: string, maxLength: -1}";
    for (document, at, fields) in [
        (
            operation(&format!(
                "      parameters:\n        - name: q\n          in: query\n          schema: {malformed_first}\n          content: {{application/json: {{schema: {{type: string}}}}}}\n      responses: {{'200': {{description: ok}}}}\n"
            )),
            "#/paths/~1a/get/parameters/0",
            "`schema` and `content`",
        ),
        (
            operation(&format!(
                "      responses:\n        '200':\n          description: ok\n          headers:\n            X-A:\n              schema: {malformed_first}\n              content: {{application/json: {{schema: {{type: string}}}}}}\n"
            )),
            "#/paths/~1a/get/responses/200/headers/X-A",
            "`schema` and `content`",
        ),
        (
            operation(
                "      responses:\n        '200':\n          description: ok\n          links:\n            next: {operationRef: 5, operationId: getA}\n",
            ),
            "#/paths/~1a/get/responses/200/links/next",
            "`operationRef` and `operationId`",
        ),
        // Both well formed: which is generated would depend on their order.
        (
            operation(
                "      parameters:\n        - {name: q, in: query, content: {application/json: {schema: {type: object}}}, schema: {type: string}}\n      responses: {'200': {description: ok}}\n",
            ),
            "#/paths/~1a/get/parameters/0",
            "`schema` and `content`",
        ),
    ] {
        let error = error_of(&document);
        assert!(
            error.starts_with(&format!("at {at}: this has both {fields}, but ")),
            "{document}\n{error}"
        );
    }
}

#[test]
fn long_chains_of_references_are_refused_at_a_fixed_depth() {
    let error = error_of(&chain(3000, object_link));
    assert!(
        error.starts_with(
            "at #/components/schemas/S255/properties/next: schemas nest more than 256 deep"
        ),
        "{error}"
    );
    let aliases = chain(3000, |next| {
        format!("{{$ref: '#/components/schemas/S{next}'}}")
    });
    let error = error_of(&aliases);
    assert!(error.contains("schemas nest more than 256 deep"), "{error}");
    // Just under the limit generates.
    let document = chain(200, object_link);
    let generated = generate(&document, &Options::default()).expect("200 levels generate");
    let models = text_of(&generated.files, "src/models.rs");
    assert!(models.contains("pub struct S199 {"));
}

/// A document answering with `S0_0`, whose schemas `S{level}_{i}` (`width` a level) are
/// each `{combine: [every schema of the next level]}` for `levels` levels, over `width`
/// schemas `bottom(i)`: the first reaches each of the bottom by `width ^ (levels - 1)` paths.
fn fan_out(levels: usize, width: usize, combine: &str, bottom: impl Fn(usize) -> String) -> String {
    let mut document = answering("{$ref: '#/components/schemas/S0_0'}");
    document.push_str("components:\n  schemas:\n");
    for level in 0..levels {
        let members: Vec<String> = (0..width)
            .map(|i| format!("{{$ref: '#/components/schemas/S{}_{i}'}}", level + 1))
            .collect();
        for i in 0..width {
            document.push_str(&format!(
                "    S{level}_{i}: {{{combine}: [{}]}}\n",
                members.join(", ")
            ));
        }
    }
    for i in 0..width {
        document.push_str(&format!("    S{levels}_{i}: {}\n", bottom(i)));
    }
    document
}

/// What generating `document` gives: `src/models.rs`, and the warnings.
fn models_and_warnings(document: &str) -> (String, Vec<String>) {
    let (files, warnings) = generate_with_warnings(document);
    (text_of(&files, "src/models.rs"), warnings)
}

/// Each `allOf` is merged, each union looked into and each schema's property names read
/// once, not once for every path to it, and a warning found on many paths is kept once:
/// 8^7 to 8^9, 2^29 and 3^19 paths to the bottom, each took minutes to hours or many
/// gigabytes when they were (the time or memory grew by the width with each level).
#[test]
fn schemas_reached_by_many_paths_are_lowered_once_each() {
    // The bottom merges `id` as a string and as an integer: a warning, however many paths
    // merge it.
    let bottom = |_| {
        "{allOf: [{type: object, properties: {id: {type: string}}}, {type: object, properties: {id: {type: integer}}}]}".to_owned()
    };
    let (merged, warnings) = models_and_warnings(&fan_out(8, 8, "allOf", bottom));
    assert!(merged.contains("pub struct S00 {"), "{merged}");
    assert_eq!(merged.matches("pub id: Option<i64>").count(), 1, "{merged}");
    // One for each of the 8 schemas of the bottom, where it is.
    assert_eq!(warnings.len(), 8, "{warnings:?}");
    for (i, warning) in warnings.iter().enumerate() {
        let at = format!(
            "at #/components/schemas/S8_{i}/allOf/1/properties/id: the property `id` is a string"
        );
        assert!(warning.starts_with(&at), "{warning}");
    }

    // A union with properties beside its members (which each must hold, or a warning
    // says so) over the same `allOf`s.
    let object = |_| "{type: object, properties: {id: {type: string}}}".to_owned();
    let beside = fan_out(10, 8, "allOf", object).replace(
        "    S0_0: {allOf:",
        "    S0_0: {properties: {id: {type: string}}, oneOf: [{$ref: '#/components/schemas/S1_0'}, {$ref: '#/components/schemas/S1_1'}]}\n    Unused: {allOf:",
    );
    let (union, warnings) = models_and_warnings(&beside);
    assert!(union.contains("pub enum S00 {"), "{union}");
    assert_eq!(warnings, Vec::<String>::new());

    // No variant takes arrays: every path is looked down to the bottom.
    let (unions, _) = models_and_warnings(&fan_out(30, 2, "oneOf", object));
    // Each level's two unions, but `S0_1`, which nothing refers to.
    assert_eq!(unions.matches("pub enum S").count(), 30 * 2 - 1, "{unions}");

    // A query parameter of unions of scalars (20 levels of 3) is text.
    let scalar =
        |i: usize| ["{type: string}", "{type: integer}", "{type: boolean}"][i % 3].to_owned();
    let parameter = fan_out(20, 3, "oneOf", scalar).replace(
        "    get:\n",
        "    get:\n      parameters:\n        - {name: q, in: query, schema: {$ref: '#/components/schemas/S0_0'}}\n",
    );
    let (files, _) = generate_with_warnings(&parameter);
    let api = text_of(&files, "src/apis/default.rs");
    assert!(api.contains("pub fn q(self, q: &str)"), "{api}");
}

/// A property merged twice whose type is a cycle of one-member `allOf`s is an error where
/// the cycle is, not a stack overflow while the two types are compared.
#[test]
fn a_cycle_of_one_member_all_ofs_is_an_error_where_it_is() {
    let document = format!(
        "{}components:\n  schemas:\n    P: {{allOf: [{{type: object, properties: {{x: {{$ref: '#/components/schemas/C1'}}}}}}, {{type: object, properties: {{x: {{$ref: '#/components/schemas/C1'}}}}}}]}}\n    C1: {{allOf: [{{$ref: '#/components/schemas/C2'}}]}}\n    C2: {{allOf: [{{$ref: '#/components/schemas/C1'}}]}}\n",
        answering("{$ref: '#/components/schemas/P'}")
    );
    let error = error_of(&document);
    assert!(
        error.starts_with("at #/components/schemas/C1: `C1` refers to itself"),
        "{error}"
    );
}

#[test]
fn a_fifty_megabyte_document_gets_its_error_located() {
    let description = "x".repeat(50 << 20);
    let document = format!(
        "openapi: 3.0.3\ninfo:\n  title: t\n  version: '1'\n  description: {description}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/Missing'}}\n"
    );
    assert!(document.len() > 50 << 20);
    assert_eq!(
        error_of(&document),
        "at #/paths/~1a/get/responses/200/content/application~1json/schema: `$ref: #/components/schemas/Missing` points at nothing (define `Missing` under #/components/schemas)"
    );
}

#[test]
fn hundreds_of_kilobytes_of_description_stay_in_the_docs() {
    let text = "Line with `code`, */, <b>HTML</b> and a \\r.\r\n".repeat(12_000);
    assert!(text.len() > 400_000);
    let document = format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1', description: {text:?}}}\npaths:\n  /a:\n    get:\n      operationId: a\n      description: {text:?}\n      responses: {{'204': {{description: ok}}}}\n"
    );
    let files = generate(&document, &Options::default())
        .expect("generates")
        .files;
    let file = |path: &str| {
        &files
            .iter()
            .find(|file| file.path == path)
            .expect("generated")
            .contents
    };
    assert!(file("Cargo.toml").len() < 4096, "the manifest stays small");
    for path in ["src/lib.rs", "src/apis/default.rs"] {
        let contents = file(path);
        assert!(contents.len() > 400_000, "{path} has the description");
        assert!(!contents.contains('\r'), "{path} has no carriage return");
        syn::parse_file(contents).unwrap_or_else(|error| panic!("{path} parses: {error}"));
    }
}

/// A change to one node of a document.
#[derive(Debug, Clone)]
enum Damage {
    Remove,
    Replace(Value),
    Reference(String),
}

fn damage() -> impl Strategy<Value = Damage> {
    let scalar = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        any::<u64>().prop_map(|n| Value::Number(n.into())),
        prop_oneof![Just(1e20), Just(-3.4e38), Just(1e300), Just(0.5)]
            .prop_map(|n: f64| Value::Number(n.into())),
        "[a-z{}/#~ ]{0,12}".prop_map(Value::String),
    ];
    let value = scalar.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Sequence),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("type"),
                        Just("items"),
                        Just("properties"),
                        Just("allOf"),
                        Just("oneOf"),
                        Just("enum"),
                        Just("$ref"),
                        Just("nullable"),
                        Just("required"),
                        Just("additionalProperties"),
                        Just("anyOf"),
                        Just("const"),
                        Just("examples"),
                        Just("exclusiveMinimum"),
                        Just("prefixItems"),
                        Just("patternProperties"),
                        Just("contentMediaType"),
                        Just("webhooks"),
                        Just("maximum"),
                        Just("maxLength"),
                        Just("pattern"),
                        Just("callbacks"),
                    ],
                    inner
                ),
                0..3
            )
            .prop_map(|entries| Value::Mapping(
                entries
                    .into_iter()
                    .map(|(key, value)| (Value::String(key.into()), value))
                    .collect()
            )),
        ]
    });
    prop_oneof![
        Just(Damage::Remove),
        value.prop_map(Damage::Replace),
        "(#/components/schemas/[A-Za-z]{1,8}|#/paths/x|other.yaml#/a|#)"
            .prop_map(Damage::Reference),
    ]
}

/// Applies `damage` to the `index`-th node (in document order, modulo the node count).
fn apply(document: &mut Value, index: usize, damage: &Damage) {
    fn count(value: &Value) -> usize {
        1 + match value {
            Value::Sequence(items) => items.iter().map(count).sum(),
            Value::Mapping(entries) => entries.values().map(count).sum(),
            _ => 0,
        }
    }
    fn visit(value: &mut Value, index: &mut usize, damage: &Damage) -> bool {
        if *index == 0 {
            *value = match damage {
                Damage::Remove => Value::Null,
                Damage::Replace(new) => new.clone(),
                Damage::Reference(target) => {
                    let mut map = serde_yaml::Mapping::new();
                    map.insert("$ref".into(), Value::String(target.clone()));
                    Value::Mapping(map)
                }
            };
            return true;
        }
        *index -= 1;
        match value {
            Value::Sequence(items) => items.iter_mut().any(|item| visit(item, index, damage)),
            Value::Mapping(entries) => {
                let keys: Vec<Value> = entries.keys().cloned().collect();
                for key in keys {
                    let remove = matches!(damage, Damage::Remove) && *index == 0;
                    if remove {
                        entries.remove(&key);
                        return true;
                    }
                    if let Some(child) = entries.get_mut(&key)
                        && visit(child, index, damage)
                    {
                        return true;
                    }
                }
                false
            }
            _ => false,
        }
    }
    let mut index = index % count(document);
    visit(document, &mut index, damage);
}

/// A fixture document (`tests/fixtures/specs/{file}`) as a tree.
fn fixture(file: &str) -> Value {
    let path = workspace_root().join("tests/fixtures/specs").join(file);
    let text = std::fs::read_to_string(path).expect("fixture readable");
    serde_yaml::from_str(&text).expect("fixture parses")
}

/// How a damaged document is written for the generator to read.
#[derive(Clone, Copy)]
enum Syntax {
    Yaml,
    Json,
}

/// Any damage to a valid document gives files or a diagnostic, never a panic; what fails
/// only without `skip_unsupported` generates with it, with warnings that each point into
/// the document.
fn survives(
    mut document: Value,
    damages: &[(usize, Damage)],
    syntax: Syntax,
) -> Result<(), TestCaseError> {
    for (index, damage) in damages {
        apply(&mut document, *index, damage);
    }
    let text = match syntax {
        Syntax::Yaml => serde_yaml::to_string(&document).expect("serialises"),
        Syntax::Json => serde_json::to_string(&document).expect("serialises"),
    };
    let strict = generate(&text, &Options::default());
    let skipping = generate(
        &text,
        &Options {
            skip_unsupported: true,
            ..Options::default()
        },
    );
    match (&strict, &skipping) {
        // Nothing to skip: the same crate.
        (Ok(strict), Ok(skipping)) => prop_assert_eq!(&strict.files, &skipping.files),
        (Err(error), Ok(_)) => prop_assert!(!error.message.is_empty()),
        // What skipping can't get past (the document does not load) fails both alike.
        (strict, Err(error)) => {
            prop_assert_eq!(strict.as_ref().err(), Some(error));
        }
    }
    if let Ok(generated) = skipping {
        for warning in &generated.warnings {
            prop_assert!(warning.pointer.is_some(), "{}", warning);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// An OpenAPI 3.0 document, damaged.
    #[test]
    fn damaged_documents_never_panic(
        damages in prop::collection::vec((any::<usize>(), damage()), 1..4),
    ) {
        survives(fixture("schemas.yaml"), &damages, Syntax::Yaml)?;
    }

    /// The same, written as JSON: read by serde_json alone, and located the same way.
    #[test]
    fn damaged_json_documents_never_panic(
        damages in prop::collection::vec((any::<usize>(), damage()), 1..4),
    ) {
        survives(fixture("schemas.yaml"), &damages, Syntax::Json)?;
    }

    /// An OpenAPI 3.1 document, damaged: the conversion to 3.0 never panics either.
    #[test]
    fn damaged_3_1_documents_never_panic(
        damages in prop::collection::vec((any::<usize>(), damage()), 1..4),
    ) {
        survives(fixture("openapi31.yaml"), &damages, Syntax::Yaml)?;
    }

    /// A 3.1 JSON document, damaged.
    #[test]
    fn damaged_3_1_json_documents_never_panic(
        damages in prop::collection::vec((any::<usize>(), damage()), 1..4),
    ) {
        survives(fixture("fastapi.json"), &damages, Syntax::Json)?;
    }
}
