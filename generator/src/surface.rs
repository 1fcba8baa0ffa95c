//! The public surface of a generated client, read from the [IR](crate::ir), and what changed
//! between two surfaces, as its users meet it: each change is breaking or additive, and the
//! worst of them sets the version bump.
//!
//! The rules, as Rust's semver rules apply to the generated code:
//! - an operation, a type, a field or an enum value removed, or a type, an argument, a
//!   result or a field's optionality changed: breaking;
//! - an operation or a type added: additive;
//! - a field added: additive when it is optional and the struct is `Default` (so a struct
//!   literal ending in `..Default::default()` still compiles), breaking otherwise;
//! - an enum value added: breaking, as the enums are not `#[non_exhaustive]` (an exhaustive
//!   `match` needs the new arm, and the value stops arriving as `Unknown`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::ir::{Api, Operation, Presence, SuccessBody, TypeKind, TypeRef};

/// The file in the generated crate that records its surface: JSON after `//` comment
/// lines (the generator's preamble and what the file is for).
pub const FILE: &str = "api-surface.jsonc";

/// The public surface: operations by `Api::method`, types by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Surface {
    pub operations: BTreeMap<String, OperationSurface>,
    pub types: BTreeMap<String, TypeSurface>,
}

/// What a caller of an operation sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationSurface {
    /// `POST /api/v1/…`.
    pub endpoint: String,
    /// The arguments in order, `name: Type`, with `Option<…>` when it may be left out. The
    /// type is the value's (`String` for a text argument the method takes as `&str`), so
    /// the record does not depend on how the emitter borrows.
    pub arguments: Vec<String>,
    /// What the call returns.
    pub returns: String,
}

/// What a user of a type sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeSurface {
    Struct {
        /// Wire name → field.
        fields: BTreeMap<String, FieldSurface>,
        /// Whether the struct is `Default`.
        default: bool,
    },
    Enum {
        values: Vec<String>,
    },
    Union {
        variants: Vec<String>,
    },
    Alias {
        target: String,
    },
}

/// One field of a struct.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSurface {
    /// The Rust type, `Option<…>` included.
    pub ty: String,
    pub required: bool,
}

impl Surface {
    /// The surface of the client generated from `api`.
    pub fn of(api: &Api) -> Self {
        let operations = api
            .groups
            .iter()
            .flat_map(|group| {
                let owner = &group.struct_name;
                group.operations.iter().map(move |operation| {
                    (
                        format!("{owner}::{}", operation.method_name),
                        operation_surface(operation),
                    )
                })
            })
            .collect();
        let types = api
            .types
            .iter()
            .map(|def| (def.name.clone(), type_surface(&def.kind)))
            .collect();
        Self { operations, types }
    }
}

impl Surface {
    /// The text of [`FILE`]: `preamble`, a line saying what the file is for, the JSON, in
    /// ASCII (other characters escaped, so no bidi control from a document reaches it).
    pub fn recorded(&self, preamble: &str) -> Result<String, serde_json::Error> {
        let json = ascii_json(&serde_json::to_string_pretty(self)?);
        Ok(format!(
            "{preamble}\n// The public API surface of this crate, which the next run compares with its own.\n{json}\n"
        ))
    }

    /// Reads the text of [`FILE`] back.
    pub fn from_recorded(text: &str) -> Result<Self, serde_json::Error> {
        let json: String = text
            .lines()
            .skip_while(|line| line.starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        serde_json::from_str(&json)
    }
}

/// `json` with every character outside ASCII written as a `\u` escape; JSON text has such
/// characters only inside strings, where the escape means the same.
fn ascii_json(json: &str) -> String {
    let mut ascii = String::with_capacity(json.len());
    for character in json.chars() {
        if character.is_ascii() {
            ascii.push(character);
        } else {
            for unit in character.encode_utf16(&mut [0; 2]) {
                let _ = write!(ascii, "\\u{unit:04x}");
            }
        }
    }
    ascii
}

fn operation_surface(operation: &Operation) -> OperationSurface {
    let mut arguments: Vec<String> = operation
        .params
        .iter()
        .map(|param| {
            let ty = type_text(&param.ty);
            let ty = if param.required {
                ty
            } else {
                format!("Option<{ty}>")
            };
            format!("{}: {ty}", param.rust_name)
        })
        .collect();
    if let Some(body) = &operation.body {
        let ty = type_text(&body.ty);
        let ty = if body.required {
            ty
        } else {
            format!("Option<{ty}>")
        };
        arguments.push(format!("{}: {ty}", body.rust_name));
    }
    let returns = match &operation.success.body {
        SuccessBody::Empty => "()".to_owned(),
        SuccessBody::Json(ty) => type_text(ty),
        SuccessBody::OptionalJson(ty) => format!("Option<{}>", type_text(ty)),
        SuccessBody::Text(_) => "String".to_owned(),
        SuccessBody::Bytes(_) => "Vec<u8>".to_owned(),
    };
    OperationSurface {
        endpoint: format!("{} {}", operation.http_method.as_str(), operation.path),
        arguments,
        returns,
    }
}

fn type_surface(kind: &TypeKind) -> TypeSurface {
    match kind {
        TypeKind::Struct(def) => TypeSurface::Struct {
            fields: def
                .fields
                .iter()
                .map(|field| {
                    let ty = type_text(&field.ty);
                    let (ty, required) = match field.presence {
                        Presence::Required => (ty, true),
                        Presence::RequiredNullable => (format!("Option<{ty}>"), true),
                        Presence::Optional => (format!("Option<{ty}>"), false),
                        Presence::OptionalNullable => (format!("Option<Option<{ty}>>"), false),
                    };
                    (field.wire_name.clone(), FieldSurface { ty, required })
                })
                .chain(def.additional.iter().map(|extra| {
                    let ty = format!("BTreeMap<String, {}>", type_text(&extra.value));
                    (
                        "(additional properties)".to_owned(),
                        FieldSurface {
                            ty,
                            required: false,
                        },
                    )
                }))
                .collect(),
            default: def.derive_default,
        },
        TypeKind::Enum(def) => TypeSurface::Enum {
            values: def
                .variants
                .iter()
                .map(|variant| variant.wire_value.clone())
                .collect(),
        },
        TypeKind::Union(def) => TypeSurface::Union {
            variants: def
                .variants
                .iter()
                .map(|variant| format!("{}({})", variant.rust_name, type_text(&variant.ty)))
                .collect(),
        },
        TypeKind::Alias(target) => TypeSurface::Alias {
            target: type_text(target),
        },
    }
}

/// A type as Rust spells it in the generated code.
fn type_text(ty: &TypeRef) -> String {
    match ty {
        TypeRef::String => "String".to_owned(),
        TypeRef::Bool => "bool".to_owned(),
        TypeRef::I32 => "i32".to_owned(),
        TypeRef::I64 => "i64".to_owned(),
        TypeRef::U64 => "u64".to_owned(),
        TypeRef::F32 => "f32".to_owned(),
        TypeRef::F64 => "f64".to_owned(),
        TypeRef::DateTime => "DateTime<Utc>".to_owned(),
        TypeRef::Date => "NaiveDate".to_owned(),
        TypeRef::Json => "serde_json::Value".to_owned(),
        TypeRef::Named(name) => name.clone(),
        TypeRef::Bytes => "Vec<u8>".to_owned(),
        TypeRef::List(inner) => format!("Vec<{}>", type_text(inner)),
        TypeRef::Map(inner) => format!("BTreeMap<String, {}>", type_text(inner)),
        TypeRef::Boxed(inner) => format!("Box<{}>", type_text(inner)),
        TypeRef::Nullable(inner) => format!("Option<{}>", type_text(inner)),
    }
}

/// Whether a change can break code that compiled against the earlier surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    Breaking,
    Additive,
}

/// One change, as a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub impact: Impact,
    pub text: String,
}

/// The version bump a set of changes implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bump {
    /// Nothing in the surface changed.
    None,
    /// Something was added: a minor release (a patch release of a 0.x crate).
    Minor,
    /// Something may break users' code: a major release (a minor release of a 0.x crate).
    Major,
}

/// Every change from `old` to `new`, breaking ones first, each group in name order.
pub fn diff(old: &Surface, new: &Surface) -> Vec<Change> {
    let mut changes = Vec::new();
    diff_operations(old, new, &mut changes);
    diff_types(old, new, &mut changes);
    changes.sort_by_key(|change| change.impact);
    changes
}

/// The bump `changes` imply.
pub fn bump(changes: &[Change]) -> Bump {
    if changes
        .iter()
        .any(|change| change.impact == Impact::Breaking)
    {
        Bump::Major
    } else if changes.is_empty() {
        Bump::None
    } else {
        Bump::Minor
    }
}

fn push(changes: &mut Vec<Change>, impact: Impact, text: String) {
    changes.push(Change { impact, text });
}

fn diff_operations(old: &Surface, new: &Surface, changes: &mut Vec<Change>) {
    for (name, before) in &old.operations {
        match new.operations.get(name) {
            None => push(
                changes,
                Impact::Breaking,
                format!("operation `{name}` ({}) removed", before.endpoint),
            ),
            Some(after) if after.arguments != before.arguments => push(
                changes,
                Impact::Breaking,
                format!(
                    "operation `{name}` takes ({}) instead of ({})",
                    after.arguments.join(", "),
                    before.arguments.join(", ")
                ),
            ),
            Some(after) if after.returns != before.returns => push(
                changes,
                Impact::Breaking,
                format!(
                    "operation `{name}` returns `{}` instead of `{}`",
                    after.returns, before.returns
                ),
            ),
            Some(after) if after.endpoint != before.endpoint => push(
                changes,
                Impact::Breaking,
                format!(
                    "operation `{name}` calls {} instead of {}",
                    after.endpoint, before.endpoint
                ),
            ),
            Some(_) => {}
        }
    }
    for (name, after) in &new.operations {
        if !old.operations.contains_key(name) {
            push(
                changes,
                Impact::Additive,
                format!("operation `{name}` ({}) added", after.endpoint),
            );
        }
    }
}

fn diff_types(old: &Surface, new: &Surface, changes: &mut Vec<Change>) {
    for (name, before) in &old.types {
        match new.types.get(name) {
            None => push(changes, Impact::Breaking, format!("type `{name}` removed")),
            Some(after) => diff_type(name, before, after, changes),
        }
    }
    for name in new
        .types
        .keys()
        .filter(|name| !old.types.contains_key(*name))
    {
        push(changes, Impact::Additive, format!("type `{name}` added"));
    }
}

fn diff_type(name: &str, before: &TypeSurface, after: &TypeSurface, changes: &mut Vec<Change>) {
    match (before, after) {
        (
            TypeSurface::Struct { fields: old, .. },
            TypeSurface::Struct {
                fields: new,
                default,
            },
        ) => {
            diff_fields(name, old, new, *default, changes);
        }
        (TypeSurface::Enum { values: old }, TypeSurface::Enum { values: new }) => {
            for value in old.iter().filter(|value| !new.contains(value)) {
                push(
                    changes,
                    Impact::Breaking,
                    format!("enum `{name}` lost the value `{value}`"),
                );
            }
            for value in new.iter().filter(|value| !old.contains(value)) {
                push(
                    changes,
                    Impact::Breaking,
                    format!(
                        "enum `{name}` gained the value `{value}` (an exhaustive `match` needs a new arm)"
                    ),
                );
            }
        }
        (before, after) if before != after => {
            push(
                changes,
                Impact::Breaking,
                format!(
                    "type `{name}` changed shape: {} instead of {}",
                    shape(after),
                    shape(before)
                ),
            );
        }
        _ => {}
    }
}

fn diff_fields(
    name: &str,
    old: &BTreeMap<String, FieldSurface>,
    new: &BTreeMap<String, FieldSurface>,
    default: bool,
    changes: &mut Vec<Change>,
) {
    for (field, before) in old {
        match new.get(field) {
            None => push(
                changes,
                Impact::Breaking,
                format!("field `{field}` of `{name}` removed"),
            ),
            Some(after) if after.required && !before.required => push(
                changes,
                Impact::Breaking,
                format!(
                    "field `{field}` of `{name}` is now required: `{}` instead of `{}`",
                    after.ty, before.ty
                ),
            ),
            Some(after) if after.ty != before.ty => push(
                changes,
                Impact::Breaking,
                format!(
                    "field `{field}` of `{name}` is `{}` instead of `{}`",
                    after.ty, before.ty
                ),
            ),
            Some(_) => {}
        }
    }
    for (field, after) in new.iter().filter(|(field, _)| !old.contains_key(*field)) {
        let text = format!("field `{field}` (`{}`) added to `{name}`", after.ty);
        if after.required {
            push(changes, Impact::Breaking, format!("required {text}"));
        } else if default {
            push(changes, Impact::Additive, format!("optional {text}"));
        } else {
            push(
                changes,
                Impact::Breaking,
                format!("optional {text} (a struct literal needs it)"),
            );
        }
    }
}

fn shape(ty: &TypeSurface) -> &'static str {
    match ty {
        TypeSurface::Struct { .. } => "a struct",
        TypeSurface::Enum { .. } => "an enum",
        TypeSurface::Union { .. } => "a union",
        TypeSurface::Alias { .. } => "an alias",
    }
}

/// The changes for a terminal: a summary line, then the breaking and the additive ones.
pub fn report_text(changes: &[Change]) -> String {
    let mut text = summary(changes);
    for (impact, title, mark) in [
        (Impact::Breaking, "Breaking", '-'),
        (Impact::Additive, "Additive", '+'),
    ] {
        let group: Vec<&Change> = changes
            .iter()
            .filter(|change| change.impact == impact)
            .collect();
        if !group.is_empty() {
            let _ = writeln!(text, "{title}:");
            for change in group {
                let _ = writeln!(text, "  {mark} {}", change.text);
            }
        }
    }
    text
}

/// The changes as Markdown, for a changelog entry.
pub fn report_markdown(changes: &[Change]) -> String {
    let mut text = format!("### API changes\n\n{}", summary(changes));
    for (impact, title) in [(Impact::Breaking, "Breaking"), (Impact::Additive, "Added")] {
        let group: Vec<&Change> = changes
            .iter()
            .filter(|change| change.impact == impact)
            .collect();
        if !group.is_empty() {
            let _ = writeln!(text, "\n#### {title}\n");
            for change in group {
                let _ = writeln!(text, "- {}", change.text);
            }
        }
    }
    text
}

fn summary(changes: &[Change]) -> String {
    let breaking = changes
        .iter()
        .filter(|change| change.impact == Impact::Breaking)
        .count();
    let additive = changes.len() - breaking;
    match bump(changes) {
        Bump::None => "The API surface is unchanged: no version bump needed.\n".to_owned(),
        Bump::Minor => format!(
            "API surface: {additive} additive changes, none breaking: a minor version bump (0.x: patch).\n"
        ),
        Bump::Major => format!(
            "API surface: {breaking} breaking and {additive} additive changes: a major version bump (0.x: minor).\n"
        ),
    }
}
