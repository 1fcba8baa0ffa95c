//! The reader against serde_json (`serde_reader`): on generated bodies of the bulk shapes,
//! on those bodies mutated and cut short, and on garbage, both must accept and refuse the
//! same bodies and, when they accept, tell the sink the same things in the same order, with
//! the same strings borrowed from the body.

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};

use super::{Attribute, BodySink, read, serde_reader};

/// A string as the sink was given it, and whether it was a slice of the body.
#[derive(Debug, PartialEq)]
struct Told {
    text: String,
    borrowed: bool,
}

#[derive(Debug, PartialEq)]
enum Event {
    EntityType(Option<Told>),
    EntryStart(usize),
    /// An attribute, with its place among the standard ones when the reader tells it.
    Attribute(Told, Value, Option<usize>),
    EntryEnd(Option<Told>, bool),
}

#[derive(Debug, PartialEq)]
enum Value {
    Text(Told),
    Null,
    Other(&'static str),
}

/// A sink that writes down all it is told.
struct Recorder<'b, const PROFILES: bool> {
    body: &'b str,
    events: Vec<Event>,
}

impl<const PROFILES: bool> Recorder<'_, PROFILES> {
    fn any_attribute(&mut self, field: Option<usize>, name: &[u8], value: Attribute<'_>) {
        let value = match value {
            Attribute::Text(text) => Value::Text(self.told(&text)),
            Attribute::Null => Value::Null,
            Attribute::Other(kind) => Value::Other(kind),
        };
        let name = self.told(name);
        self.events.push(Event::Attribute(name, value, field));
    }

    fn told(&self, text: &[u8]) -> Told {
        let body = self.body.as_bytes().as_ptr_range();
        Told {
            text: String::from_utf8(text.to_vec()).expect("the reader tells UTF-8"),
            borrowed: body.contains(&text.as_ptr()),
        }
    }
}

impl<const PROFILES: bool> BodySink for Recorder<'_, PROFILES> {
    const READS_PROFILES: bool = PROFILES;

    fn entity_type(&mut self, entity_type: Option<&[u8]>) {
        let told = entity_type.map(|text| self.told(text));
        self.events.push(Event::EntityType(told));
    }

    fn entry_start(&mut self, index: usize) {
        self.events.push(Event::EntryStart(index));
    }

    fn attribute(&mut self, name: &[u8], value: Attribute<'_>) {
        self.any_attribute(None, name, value);
    }

    fn standard_attribute(&mut self, field: usize, name: &[u8], value: Attribute<'_>) {
        self.any_attribute(Some(field), name, value);
    }

    fn entry_end(&mut self, external_id: Option<&[u8]>, has_profile: bool) {
        let told = external_id.map(|text| self.told(text));
        self.events.push(Event::EntryEnd(told, has_profile));
    }
}

/// What a reader makes of `body`: `None` when it refuses it, else what it told the sink.
fn outcome<const PROFILES: bool>(
    body: &str,
    reader: impl for<'b> FnOnce(&'b str, &mut Recorder<'b, PROFILES>) -> Option<()>,
) -> Option<Vec<Event>> {
    let mut recorder = Recorder::<PROFILES> {
        body,
        events: Vec::new(),
    };
    reader(body, &mut recorder).map(|()| recorder.events)
}

/// The reader and serde_json agree on `body`, as an upsert and as a delete; whether the
/// upsert was accepted.
fn agree(body: &str) -> Result<bool, TestCaseError> {
    let upsert = outcome::<true>(body, |body, sink| read(body, sink));
    let reference = outcome::<true>(body, |body, sink| serde_reader::read(body, sink));
    prop_assert_eq!(&upsert, &reference, "{}", body);
    let delete = outcome::<false>(body, |body, sink| read(body, sink));
    let reference = outcome::<false>(body, |body, sink| serde_reader::read(body, sink));
    prop_assert_eq!(&delete, &reference, "{}", body);
    Ok(upsert.is_some())
}

/// A JSON text in the making: tokens as written, and the containers around them.
#[derive(Debug, Clone)]
enum Json {
    Token(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The text, with the whitespace of `spaces` (taken in turn) around the tokens.
    fn render(&self, spaces: &[&str]) -> String {
        let mut out = String::new();
        self.write(&mut out, &mut spaces.iter().cycle());
        out
    }

    fn write<'s>(&self, out: &mut String, spaces: &mut impl Iterator<Item = &'s &'s str>) {
        match self {
            Json::Token(token) => out.push_str(token),
            Json::Array(elements) => {
                out.push('[');
                for (at, element) in elements.iter().enumerate() {
                    out.push_str(if at == 0 { "" } else { "," });
                    out.push_str(spaces.next().copied().unwrap_or(""));
                    element.write(out, spaces);
                }
                out.push(']');
            }
            Json::Object(fields) => {
                out.push('{');
                for (at, (key, value)) in fields.iter().enumerate() {
                    out.push_str(if at == 0 { "" } else { "," });
                    out.push_str(spaces.next().copied().unwrap_or(""));
                    out.push_str(key);
                    out.push_str(spaces.next().copied().unwrap_or(""));
                    out.push(':');
                    value.write(out, spaces);
                    out.push_str(spaces.next().copied().unwrap_or(""));
                }
                out.push('}');
            }
        }
    }
}

fn token(text: impl Into<String>) -> Json {
    Json::Token(text.into())
}

/// A piece of a string's contents, as written: mostly plain or well escaped, now and then
/// an escape serde_json refuses to read (a lone surrogate) or to skip (a bad escape, a raw
/// control character).
fn string_piece() -> impl Strategy<Value = String> {
    let plain = prop::sample::select(vec![
        "a", "Z", "0", " ", "@", ".", "&", "-", "é", "日本", "😀", "\u{7f}", "\u{80}", "ß",
    ]);
    let escape = prop::sample::select(vec![
        r#"\""#,
        r"\\",
        r"\/",
        r"\b",
        r"\f",
        r"\n",
        r"\r",
        r"\t",
        r"\u00e9",
        r"\u00E9",
        r"\u0000",
        r"\u001f",
        r"\u0041",
        r"\uffff",
        r"\uD83D\uDE00",
        r"\ud83d\ude00",
    ]);
    let broken = prop::sample::select(vec![
        r"\uD800",
        r"\uDC00",
        r"\uD800\u0041",
        r"\uD800\n",
        r"\uD800\uD800",
        r"\x",
        r"\u12",
        r"\u12G4",
        r"\",
        "\u{1}",
        "\n",
        "\t",
        "\u{1f}",
    ]);
    prop_oneof![
        60 => plain.prop_map(str::to_owned),
        20 => escape.prop_map(str::to_owned),
        20 => any::<u16>().prop_map(|unit| format!(r"\u{unit:04x}")),
        1 => broken.prop_map(str::to_owned),
    ]
}

/// A JSON string, quotes included.
fn string() -> impl Strategy<Value = String> {
    prop::collection::vec(string_piece(), 0..6)
        .prop_map(|pieces| format!("\"{}\"", pieces.concat()))
}

/// A key: one the reader looks for (sometimes escaped), or any string.
fn key(known: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(known).prop_map(|key| format!("\"{key}\"")),
        1 => prop::sample::select(known).prop_map(|key| {
            let (first, rest) = key.split_at(1);
            format!(r#""\u{:04X}{rest}""#, u32::from(first.as_bytes()[0]))
        }),
        // A known key cut short or run on.
        1 => prop::sample::select(known).prop_map(|key| format!("\"{}\"", &key[..key.len() - 1])),
        1 => prop::sample::select(known).prop_map(|key| format!("\"{key}s\"")),
        2 => string(),
    ]
}

/// A number as written: RFC 8259's, some of them past what an `f64` holds, or not quite one.
fn number() -> impl Strategy<Value = String> {
    let grammar = (
        prop::bool::ANY,
        prop_oneof![Just("0".to_owned()), "[1-9][0-9]{0,24}"],
        prop::option::of("[0-9]{1,6}"),
        prop::option::of(("[eE]", "[+-]?", "[0-9]{1,4}")),
    )
        .prop_map(|(negative, integer, fraction, exponent)| {
            let sign = if negative { "-" } else { "" };
            let fraction = fraction.map_or(String::new(), |digits| format!(".{digits}"));
            let exponent = exponent.map_or(String::new(), |(e, sign, digits)| {
                format!("{e}{sign}{digits}")
            });
            format!("{sign}{integer}{fraction}{exponent}")
        });
    let edges = prop::sample::select(vec![
        "1e308",
        "1.7976931348623157e308",
        "1.7976931348623158e308",
        "1.7976931348623159e308",
        "2e308",
        "1e400",
        "-1e400",
        "0e99999",
        "0.0e-99999",
        "1e-400",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-0",
        "1E-0",
    ]);
    let not_numbers = prop::sample::select(vec![
        "01", "-", "1.", "1e", "1e+", ".5", "+1", "-01", "1.e5", "00", "0x1",
    ]);
    let long = "[1-9][0-9]{300,320}(\\.[0-9]{1,3})?";
    prop_oneof![
        12 => grammar,
        6 => edges.prop_map(str::to_owned),
        2 => long,
        1 => not_numbers.prop_map(str::to_owned),
    ]
}

/// Any JSON value, now and then one that is not quite JSON.
fn any_value() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        30 => string().prop_map(token),
        30 => number().prop_map(token),
        20 => prop::sample::select(vec!["null", "true", "false"]).prop_map(token),
        1 => prop::sample::select(vec!["nul", "tru", "fals", "nulls", "True", "NaN", ""]).prop_map(token),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            prop::collection::vec((string(), inner), 0..4).prop_map(Json::Object),
        ]
    })
}

/// An object of `fields` in any order, now and then with one of them twice, and with a few
/// unknown fields.
fn object(fields: Vec<(String, Json)>) -> impl Strategy<Value = Json> {
    let object_value = prop::collection::vec((string(), any_value()), 1..3).prop_map(Json::Object);
    let unknown = prop::collection::vec((string(), prop_oneof![any_value(), object_value]), 0..2);
    let twice = prop::option::weighted(0.05, any::<Index>());
    (unknown, twice)
        .prop_flat_map(move |(unknown, twice)| {
            let mut fields = fields.clone();
            if let Some(at) = twice.filter(|_| !fields.is_empty()) {
                fields.push(fields[at.index(fields.len())].clone());
            }
            fields.extend(unknown);
            Just(fields).prop_shuffle()
        })
        .prop_map(Json::Object)
}

/// A field named `name` (or any key) with a value from `value`, there three times in four.
fn field(
    name: &'static [&'static str],
    value: impl Strategy<Value = Json>,
) -> impl Strategy<Value = Option<(String, Json)>> {
    prop::option::weighted(0.75, (key(name), value))
}

/// A profile attribute's value: mostly a string, or anything else.
fn attribute_value() -> impl Strategy<Value = Json> {
    prop_oneof![
        6 => string().prop_map(token),
        1 => Just(token("null")),
        2 => any_value(),
    ]
}

fn profile() -> impl Strategy<Value = Json> {
    const NAMES: &[&str] = &[
        "userName",
        "email",
        "secondEmail",
        "firstName",
        "lastName",
        "mobilePhone",
        "homeAddress",
        "dept",
    ];
    let attributes = prop::collection::vec((key(NAMES), attribute_value()), 0..5);
    prop_oneof![
        8 => attributes.prop_map(Json::Object),
        1 => Just(token("null")),
        1 => any_value(),
    ]
}

fn entry() -> impl Strategy<Value = Json> {
    let external_id = prop_oneof![
        8 => string().prop_map(token),
        1 => Just(token("null")),
        1 => any_value(),
    ];
    let fields = (
        field(&["externalId"], external_id),
        field(&["profile"], profile()),
    )
        .prop_flat_map(|(id, profile)| object(id.into_iter().chain(profile).collect()));
    prop_oneof![8 => fields, 1 => any_value()]
}

/// A bulk body: mostly of the right shape, with everything that may vary in it varied.
fn body() -> impl Strategy<Value = Json> {
    let entity_type = prop_oneof![
        8 => Just(token("\"USERS\"")),
        1 => Just(token("null")),
        1 => any_value(),
    ];
    let profiles = prop_oneof![
        8 => prop::collection::vec(entry(), 0..4).prop_map(Json::Array),
        1 => Just(token("null")),
        1 => any_value(),
    ];
    (
        field(&["entityType"], entity_type),
        field(&["profiles"], profiles),
    )
        .prop_flat_map(|(entity, profiles)| object(entity.into_iter().chain(profiles).collect()))
}

/// Whitespace to put between tokens, taken in turn.
fn spaces() -> impl Strategy<Value = Vec<&'static str>> {
    prop::collection::vec(
        prop::sample::select(vec!["", "", "", " ", "\n", "\t", "\r\n  "]),
        1..8,
    )
}

/// A change to a text: a character cut, put in, or replaced by one that matters to JSON, the
/// text cut short, or one of these done at one of the text's brackets, commas, colons or
/// quotes (where a trailing comma or a missing colon is made).
#[derive(Debug, Clone)]
enum Mutation {
    Anywhere(Index, Edit),
    AtStructural(Index, Edit),
    TrailingComma(Index),
    Truncate(Index),
}

#[derive(Debug, Clone)]
enum Edit {
    Remove,
    InsertBefore(char),
    InsertAfter(char),
    Replace(char),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let character = prop::sample::select(vec![
        '"', '\\', '{', '}', '[', ']', ',', ':', ' ', '\u{c}', 'n', 'u', '0', '-', 'e', '.',
        '\u{1}', 'é',
    ]);
    let edit = prop_oneof![
        Just(Edit::Remove),
        character.clone().prop_map(Edit::InsertBefore),
        character.clone().prop_map(Edit::InsertAfter),
        character.prop_map(Edit::Replace),
    ];
    prop_oneof![
        2 => (any::<Index>(), edit.clone()).prop_map(|(at, edit)| Mutation::Anywhere(at, edit)),
        2 => (any::<Index>(), edit).prop_map(|(at, edit)| Mutation::AtStructural(at, edit)),
        1 => any::<Index>().prop_map(Mutation::TrailingComma),
        1 => any::<Index>().prop_map(Mutation::Truncate),
    ]
}

/// The place of one of the characters of `among` in `chars`, chosen by `at` (0 if none).
fn pick(chars: &[char], among: &str, at: &Index) -> usize {
    let places: Vec<usize> = (0..chars.len())
        .filter(|&place| among.contains(chars[place]))
        .collect();
    places
        .get(at.index(places.len().max(1)))
        .copied()
        .unwrap_or(0)
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for mutation in mutations {
        let (at, edit) = match mutation {
            Mutation::Truncate(at) => {
                chars.truncate(at.index(chars.len() + 1));
                continue;
            }
            Mutation::Anywhere(at, edit) => (at.index(chars.len().max(1)), edit),
            Mutation::AtStructural(at, edit) => (pick(&chars, "{}[],:\"", at), edit),
            Mutation::TrailingComma(at) => (pick(&chars, "]}", at), &Edit::InsertBefore(',')),
        };
        match edit {
            Edit::Remove if at < chars.len() => drop(chars.remove(at)),
            Edit::InsertBefore(c) => chars.insert(at.min(chars.len()), *c),
            Edit::InsertAfter(c) => chars.insert((at + 1).min(chars.len()), *c),
            Edit::Replace(c) if at < chars.len() => chars[at] = *c,
            Edit::Remove | Edit::Replace(_) => {}
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(Config { cases: 512, max_shrink_iters: 512, ..Config::default() })]

    #[test]
    fn generated_bodies_read_as_serde_json_reads_them(body in body(), spaces in spaces()) {
        agree(&body.render(&spaces))?;
    }

    #[test]
    fn mutated_and_truncated_bodies_read_as_serde_json_reads_them(
        body in body(),
        spaces in spaces(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        agree(&mutate(&body.render(&spaces), &mutations))?;
    }

    #[test]
    fn garbage_reads_as_serde_json_reads_it(
        text in prop::collection::vec(prop::sample::select(vec![
            "{", "}", "[", "]", ",", ":", " ", "\u{c}", "\"", "\\", "u", "null", "1", "-", "e", ".",
            "\"entityType\"", "\"USERS\"", "\"profiles\"", "\"externalId\"", "\"profile\"",
        ]), 0..40),
    ) {
        agree(&text.concat())?;
    }
}

#[test]
fn most_generated_bodies_are_accepted_so_the_reading_of_every_shape_is_compared() {
    let mut runner = TestRunner::deterministic();
    let strategy = (body(), spaces());
    let mut accepted = 0;
    for _ in 0..400 {
        let (body, spaces) = strategy.new_tree(&mut runner).expect("a body").current();
        accepted += usize::from(agree(&body.render(&spaces)).expect("agreement"));
    }
    assert!(accepted >= 200, "only {accepted} of 400 accepted");
}

/// A body with one user whose profile is `profile`, and an unknown field `extra`.
fn with(profile: &str, extra: &str) -> String {
    format!(
        r#"{{"entityType":"USERS","extra":{extra},"profiles":[{{"externalId":"e","profile":{profile}}}]}}"#
    )
}

#[test]
fn a_lone_surrogate_is_refused_where_a_string_is_read_and_let_through_where_it_is_skipped() {
    for (body, accepted) in [
        (with(r#"{"dept":"\uD800"}"#, "0"), false),
        (with(r#"{"\uDC00":"x"}"#, "0"), false),
        (with(r#"{"dept":{"\uD800x":1}}"#, "0"), false),
        (with(r#"{"dept":["\uD800"]}"#, "0"), true),
        (with(r#"{"dept":{"k":"\uD800"}}"#, "0"), true),
        (with("{}", r#"{"\uDC00":["\uD800\u0041"]}"#), true),
        (with(r#"{"dept":"\uD83D\uDE00"}"#, "0"), true),
    ] {
        assert_eq!(agree(&body).expect("agreement"), accepted, "{body}");
    }
}

#[test]
fn a_number_past_an_f64_is_refused_as_an_attribute_and_let_through_where_it_is_skipped() {
    for (body, accepted) in [
        (with(r#"{"dept":1e400}"#, "0"), false),
        (with(r#"{"dept":-1e309}"#, "0"), false),
        (with(r#"{"dept":1e-400}"#, "0"), true),
        (with(r#"{"dept":[1e400]}"#, "1e400"), true),
        (with(r#"{"dept":1.5e3}"#, "-0.0E+1"), true),
        (with(r#"{"dept":01}"#, "0"), false),
        (with("{}", "1."), false),
    ] {
        assert_eq!(agree(&body).expect("agreement"), accepted, "{body}");
    }
}

#[test]
fn skipped_values_nest_to_any_depth_without_recursion() {
    let depth = 100_000;
    let deep = format!("{}null{}", "[{\"k\":".repeat(depth), "}]".repeat(depth));
    assert!(agree(&with("{}", &deep)).expect("agreement"));
    let unclosed = format!("{}{}", "[".repeat(depth), "]".repeat(depth - 1));
    assert!(!agree(&with("{}", &unclosed)).expect("agreement"));
    let mismatched = format!("{}}}", "[".repeat(depth));
    assert!(!agree(&with("{}", &mismatched)).expect("agreement"));
}

#[test]
fn quotes_escapes_and_control_characters_are_found_at_every_place_of_short_and_long_strings() {
    for length in 0..48 {
        for at in 0..length {
            for (stop, accepted) in [
                ("\u{1}", false),
                ("\u{1f}", false),
                (r"\n", true),
                ("é", true),
            ] {
                let mut text = "x".repeat(length);
                text.replace_range(at..=at, stop);
                let read = with(&format!(r#"{{"dept":"{text}"}}"#), "0");
                let skipped = with("{}", &format!(r#"["{text}"]"#));
                for body in [read, skipped] {
                    assert_eq!(agree(&body).expect("agreement"), accepted, "{body:?}");
                }
            }
        }
    }
}
