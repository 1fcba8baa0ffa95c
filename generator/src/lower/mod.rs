//! Lowering: from openapiv3's general shapes to the IR. All `$ref` resolution, naming and
//! response classification happen here.

mod auto_traits;
mod constant_tags;
mod cycles;
mod first_match;
mod form;
mod in_paths;
mod multipart;
mod names;
mod operations;
mod read_only;
mod security;
mod servers;
mod shape;
mod subtypes;
mod tag_variants;
mod types;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use indexmap::IndexMap;
use openapiv3::{OpenAPI, ReferenceOr};

use crate::Options;
use crate::diagnostic::{Diagnostic, Pointer};
use crate::ir::{Api, ApiGroup, ParamLocation, TypeDef, TypeKind, TypeRef};

pub(crate) use names::in_ascii;
pub use names::{camel, snake, type_name};

/// Lowers `document` into the IR, keeping the operations tagged with one of
/// `options.tags` (all operations when there are none) and the types they use.
pub fn lower(document: &OpenAPI, options: &Options) -> Result<Api, Diagnostic> {
    lower_noting_references(document, options).0
}

/// Like [`lower`], for a document read with
/// [`crate::load::read_with_references_moved`]: a `$ref` among `unfollowed` (the ones it
/// could not move) is reported with its reason where a kept operation uses it, and only
/// there.
pub fn lower_with_unfollowed(
    document: &OpenAPI,
    options: &Options,
    unfollowed: BTreeMap<String, Diagnostic>,
) -> Result<Api, Diagnostic> {
    let mut lowerer = Lowerer::new(document, options.skip_unsupported);
    lowerer.unfollowed = unfollowed;
    lowerer.api(options)
}

/// Like [`lower`], also saying whether a schema `$ref` points into the document outside
/// `#/components/schemas/NAME` (which [`lower`] cannot follow; the document read with
/// [`crate::load::read_with_references_moved`] has none).
pub fn lower_noting_references(
    document: &OpenAPI,
    options: &Options,
) -> (Result<Api, Diagnostic>, bool) {
    let mut lowerer = Lowerer::new(document, options.skip_unsupported);
    let api = lowerer.api(options);
    (api, lowerer.references_elsewhere)
}

impl Lowerer<'_> {
    fn api(&mut self, options: &Options) -> Result<Api, Diagnostic> {
        let document = self.document;
        let mut groups = self.operations(&options.tags)?;
        let security = self.security(options.profile)?;
        let warnings = std::mem::take(&mut self.warnings);
        // What requests send: bodies, and parameters of every kind (parts, objects in a query).
        let operations = groups.iter().flat_map(|group| &group.operations);
        let sent: Vec<&TypeRef> = operations
            .flat_map(|operation| {
                let body = operation.body.iter().map(|body| &body.ty);
                body.chain(operation.params.iter().map(|param| &param.ty))
            })
            .collect();
        let types = self.finish_types(&sent)?;
        let error_body = settle_error_bodies(&mut groups, &types);
        name_call_types(&mut groups);
        Ok(Api {
            title: document.info.title.clone(),
            version: document.info.version.clone(),
            description: document.info.description.clone(),
            license: document.info.license.as_ref().and_then(spdx_expression),
            server: self.default_server(),
            groups,
            types,
            security,
            error_body,
            warnings,
            skipped: std::mem::take(&mut self.skipped),
        })
    }
}

/// The license as an SPDX expression, what Cargo's `license` field takes: the 3.1
/// `identifier` (which the reader keeps as its spdx.org URL), or a `name` written as one
/// (`MIT`, `Apache-2.0`, `MIT OR Apache-2.0`). `None` for a name such as `Apache 2.0`: the
/// crate then claims no license rather than a wrong one.
fn spdx_expression(license: &openapiv3::License) -> Option<String> {
    let identifier = license.url.as_deref().and_then(|url| {
        url.strip_prefix("https://spdx.org/licenses/")?
            .strip_suffix(".html")
    });
    let is_spdx = |text: &str| {
        let ids = text
            .split(" OR ")
            .flat_map(|part| part.split(" AND "))
            .flat_map(|part| part.split(" WITH "))
            .map(|id| id.trim_matches(['(', ')']));
        !text.is_empty()
            && ids.into_iter().all(|id| {
                !id.is_empty()
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
            })
    };
    [identifier, Some(license.name.trim())]
        .into_iter()
        .flatten()
        .find(|text| is_spdx(text))
        .map(str::to_owned)
}

/// Keeps as an operation's error body only a named type the generated crate can describe
/// (a struct, enum or union, not an alias of a list or a map), and returns the one every
/// operation declares, if they all declare the same: the body of the crate's `Error`.
fn settle_error_bodies(groups: &mut [ApiGroup], types: &[TypeDef]) -> TypeRef {
    let describable = |name: &str| {
        crate::ir::type_named(types, name)
            .is_some_and(|def| !matches!(def.kind, TypeKind::Alias(_)))
    };
    let mut common: Option<TypeRef> = None;
    let mut uniform = true;
    for operation in groups.iter_mut().flat_map(|group| &mut group.operations) {
        if !matches!(&operation.error_body, TypeRef::Named(name) if describable(name)) {
            operation.error_body = TypeRef::Json;
        }
        match &common {
            None => common = Some(operation.error_body.clone()),
            Some(ty) => uniform &= *ty == operation.error_body,
        }
    }
    common.filter(|_| uniform).unwrap_or(TypeRef::Json)
}

/// Names the call type of each operation that has optional query or header parameters
/// (`ListUsersCall`), unique among the API structs and the names the apis module imports.
fn name_call_types(groups: &mut [ApiGroup]) {
    let mut taken: Vec<&str> = CALL_TYPES_TAKEN.to_vec();
    let struct_names: Vec<String> = groups
        .iter()
        .map(|group| group.struct_name.clone())
        .collect();
    taken.extend(struct_names.iter().map(String::as_str));
    let mut scope = names::Scope::with_reserved(&taken);
    for operation in groups.iter_mut().flat_map(|group| &mut group.operations) {
        let has_setters = operation
            .params
            .iter()
            .any(|param| !param.required && param.location != ParamLocation::Path);
        if has_setters {
            // `r#match` is named as `match` is (`MatchCall`), as its types are.
            let method = operation.method_name.trim_start_matches("r#");
            let name = camel(&format!("{method} call"));
            operation.call_type = Some(scope.claim(name));
        }
    }
}

/// Names the apis module's files import or that would shadow the prelude.
const CALL_TYPES_TAKEN: &[&str] = &[
    "Call", "Client", "Method", "Request", "Response", "Error", "Result", "Option", "Box",
];

/// The state of one lowering run: the document, and the types defined so far.
struct Lowerer<'d> {
    document: &'d OpenAPI,
    /// The Rust name of every component schema, given up front so inline types can't take them.
    component_names: BTreeMap<&'d str, String>,
    /// Component schemas already lowered (or being lowered, for recursive types).
    lowered_components: BTreeSet<&'d str>,
    /// The components being lowered as aliases, innermost last, to refuse alias cycles.
    alias_chain: Vec<&'d str>,
    /// The components found to be part of a cycle of aliases.
    cyclic_aliases: BTreeSet<&'d str>,
    /// Every type name handed out.
    type_names: names::Scope,
    /// The types defined so far, by Rust name.
    types: BTreeMap<String, TypeDef>,
    /// What was added to `lowered_components` and `types`, in order, so that a part that
    /// fails can be undone when it is skipped.
    journal: Vec<Added<'d>>,
    /// How deep [`Lowerer::schema_type`] is nested now.
    depth: usize,
    /// Whether what cannot be lowered is left out with a warning rather than an error.
    skip_unsupported: bool,
    /// Whether a schema `$ref` points into the document outside `#/components/schemas`.
    references_elsewhere: bool,
    /// The scopes the lowered operations require, by security scheme.
    scopes_by_scheme: BTreeMap<String, BTreeSet<String>>,
    warnings: Vec<Diagnostic>,
    /// The `$ref`s the reader could not follow, each with why.
    unfollowed: BTreeMap<String, Diagnostic>,
    /// The errors skipped with `skip_unsupported`, as they were.
    skipped: Vec<Diagnostic>,
    /// The type of each schema that several operations share (a parameter of
    /// `#/components/parameters` or of a path item, the body of a response of
    /// `#/components/responses`), by the schema's pointer: lowered once, so an inline
    /// schema there is one type, not one per operation.
    shared_types: BTreeMap<String, TypeRef>,
    /// What each `allOf` merged to, by its pointer and the depth it was met at (see
    /// `all_of_parts`).
    merged_all_ofs: RefCell<HashMap<(String, usize), types::ObjectParts<'d>>>,
    /// The inline enums of parameters that several operations declare alike (by
    /// `operations::same_enum_key`), which share one type.
    repeated_parameter_enums: BTreeSet<String>,
}

/// An entry of [`Lowerer::journal`].
enum Added<'d> {
    Component(&'d str),
    /// A type's name, claimed.
    TypeName(String),
    Type(String),
    SharedType(String),
}

impl<'d> Lowerer<'d> {
    fn new(document: &'d OpenAPI, skip_unsupported: bool) -> Self {
        let mut type_names = names::Scope::default();
        let schemas: Vec<&str> = document
            .components
            .iter()
            .flat_map(|components| components.schemas.keys())
            .map(String::as_str)
            .collect();
        let claimed = type_names.claim_each(schemas.iter().map(|name| (*name, type_name(name))));
        let component_names = schemas.into_iter().zip(claimed).collect();
        Self {
            document,
            component_names,
            lowered_components: BTreeSet::new(),
            alias_chain: Vec::new(),
            cyclic_aliases: BTreeSet::new(),
            type_names,
            types: BTreeMap::new(),
            journal: Vec::new(),
            depth: 0,
            skip_unsupported,
            references_elsewhere: false,
            scopes_by_scheme: BTreeMap::new(),
            warnings: Vec::new(),
            unfollowed: BTreeMap::new(),
            skipped: Vec::new(),
            shared_types: BTreeMap::new(),
            merged_all_ofs: RefCell::default(),
            repeated_parameter_enums: BTreeSet::new(),
        }
    }

    /// The type remembered under `key`, or the one `lower` gives, remembered (and forgotten
    /// again if the operation is left out).
    pub(super) fn lowered_once(
        &mut self,
        key: String,
        lower: impl FnOnce(&mut Self) -> Result<TypeRef, Diagnostic>,
    ) -> Result<TypeRef, Diagnostic> {
        if let Some(ty) = self.shared_types.get(&key) {
            return Ok(ty.clone());
        }
        let ty = lower(self)?;
        self.journal.push(Added::SharedType(key.clone()));
        self.shared_types.insert(key, ty.clone());
        Ok(ty)
    }

    /// Marks a component schema as lowered (or being lowered); `false` if it already was.
    fn start_component(&mut self, key: &'d str) -> bool {
        let new = self.lowered_components.insert(key);
        if new {
            self.journal.push(Added::Component(key));
        }
        new
    }

    fn define(&mut self, def: TypeDef) {
        self.journal.push(Added::Type(def.name.clone()));
        self.types.insert(def.name.clone(), def);
    }

    /// Adds `warning` unless it was given already: a place that several operations or
    /// schemas share is read once for each of them, and said once.
    fn warn_once(&mut self, warning: Diagnostic) {
        if !self.warnings.contains(&warning) {
            self.warnings.push(warning);
        }
    }

    /// Runs `lower`. When it fails and unsupported parts are skipped, what it added is
    /// undone (so nothing refers to a type it left half-made), the failure becomes a
    /// warning that ends with `instead`, and the result is `None`.
    fn attempt<T>(
        &mut self,
        instead: impl FnOnce() -> String,
        lower: impl FnOnce(&mut Self) -> Result<T, Diagnostic>,
    ) -> Result<Option<T>, Diagnostic> {
        let mark = self.journal.len();
        match lower(self) {
            Ok(value) => Ok(Some(value)),
            Err(error) if self.skip_unsupported => {
                for added in self.journal.drain(mark..) {
                    match added {
                        Added::Component(key) => {
                            self.lowered_components.remove(key);
                        }
                        Added::TypeName(name) => self.type_names.release(&name),
                        Added::Type(name) => {
                            self.types.remove(&name);
                        }
                        Added::SharedType(pointer) => {
                            self.shared_types.remove(&pointer);
                        }
                    }
                }
                let mut warning = error.clone().warning();
                warning.message = format!("{}; {}", warning.message, instead());
                self.warnings.push(warning);
                self.skipped.push(error);
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }
}

/// The longest chain of `$ref`s to `$ref`s followed before giving up.
const MAX_REF_HOPS: usize = 32;

/// Follows `item` through `$ref`s into `#/components/{kind}/…` until it reaches a value.
/// Returns the value and the pointer to where it is defined.
fn resolve<'d, T>(
    components: Option<&'d IndexMap<String, ReferenceOr<T>>>,
    kind: &str,
    item: &'d ReferenceOr<T>,
    pointer: &Pointer,
) -> Result<(&'d T, Pointer), Diagnostic> {
    resolve_or_elsewhere(components, kind, item, pointer, None)
}

/// What a `$ref` into `#/paths` points at, found there.
type Elsewhere<'f, 'd, T> = &'f dyn Fn(&str) -> Option<&'d ReferenceOr<T>>;

/// [`resolve`], where a `$ref` may also point at what `elsewhere` finds outside
/// `#/components` (a parameter or response of another operation, [`in_paths`]).
fn resolve_or_elsewhere<'d, T>(
    components: Option<&'d IndexMap<String, ReferenceOr<T>>>,
    kind: &str,
    item: &'d ReferenceOr<T>,
    pointer: &Pointer,
    elsewhere: Option<Elsewhere<'_, 'd, T>>,
) -> Result<(&'d T, Pointer), Diagnostic> {
    let mut item = item;
    let mut pointer = pointer.clone();
    for _ in 0..MAX_REF_HOPS {
        let reference = match item {
            ReferenceOr::Item(value) => return Ok((value, pointer)),
            ReferenceOr::Reference { reference } => reference,
        };
        let in_paths = elsewhere.filter(|_| in_paths::is_in(reference));
        if let Some(elsewhere) = in_paths {
            let Some(at) = in_paths::pointer(reference) else {
                return Err(Diagnostic::at(
                    &pointer,
                    format!("`$ref: {reference}` has a `%` escape that is not UTF-8 text"),
                ));
            };
            let Some(target) = elsewhere(reference) else {
                return Err(Diagnostic::at(
                    &pointer,
                    format!("`$ref: {reference}` points at nothing it can stand for here"),
                )
                .with_help(format!(
                    "point at a definition under #/components/{kind}, or at one under #/paths of the same kind"
                )));
            };
            pointer = at;
            item = target;
            continue;
        }
        let name = component_name(reference, kind, &pointer)?;
        let target = components.and_then(|map| map.get(&name)).ok_or_else(|| {
            Diagnostic::at(&pointer, format!("`$ref: {reference}` points at nothing"))
                .with_help(format!("define `{name}` under #/components/{kind}"))
        })?;
        pointer = Pointer::root().push("components").push(kind).push(&name);
        item = target;
    }
    Err(Diagnostic::at(
        &pointer,
        format!("more than {MAX_REF_HOPS} `$ref`s in a row (a cycle?)"),
    ))
}

/// The `NAME` of a `#/components/{kind}/NAME` reference, with its escapes undone: the
/// fragment's percent-encoding, then JSON pointer's `~1` and `~0` (RFC 6901 §6).
fn component_name(reference: &str, kind: &str, pointer: &Pointer) -> Result<String, Diagnostic> {
    let prefix = format!("#/components/{kind}/");
    match reference.strip_prefix(&prefix) {
        Some(name) if !name.is_empty() && !name.contains('/') => {
            pointer_token(name).ok_or_else(|| {
                Diagnostic::at(
                    pointer,
                    format!("`$ref: {reference}` has a `%` escape that is not UTF-8 text"),
                )
            })
        }
        _ if reference.is_empty() => Err(Diagnostic::at(
            pointer,
            format!("`$ref: \"\"` is empty (it would stand for the whole document); it must point at {prefix}NAME"),
        )),
        _ if !reference.starts_with('#') => Err(Diagnostic::at(
            pointer,
            format!("`$ref: {reference}` points into another file, and only references within the document are supported"),
        )
        .with_help("bundle the document into one file first, e.g. with `redocly bundle`")),
        // A schema may also be one inside a component schema or under a `schema` field,
        // which reading the document moved to the components when it is there.
        _ if kind == "schemas" => Err(Diagnostic::at(
            pointer,
            format!("`$ref: {reference}` must point at {prefix}NAME, at a schema inside one, or at one under a `schema` field"),
        )),
        _ => Err(Diagnostic::at(
            pointer,
            format!("`$ref: {reference}` must point at {prefix}NAME here"),
        )),
    }
}

/// One reference token of a JSON pointer in a URI fragment, decoded: `%XX` escapes first
/// (the fragment is a URI's), then `~1` and `~0`. `None` when the escapes are not UTF-8.
pub(crate) fn pointer_token(token: &str) -> Option<String> {
    let text = percent_decoded(token)?;
    Some(text.replace("~1", "/").replace("~0", "~"))
}

/// `text` with its `%XX` escapes undone; `None` when they are not UTF-8.
pub(crate) fn percent_decoded(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = (bytes[index] == b'%')
            .then(|| bytes.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                index += 3;
            }
            None => {
                decoded.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8(decoded).ok()
}

#[cfg(test)]
mod tests {
    use super::{pointer_token, spdx_expression};

    #[test]
    fn pointer_tokens_are_percent_decoded_then_unescaped() {
        assert_eq!(pointer_token("a%20b").as_deref(), Some("a b"));
        assert_eq!(pointer_token("a~1b~0c").as_deref(), Some("a/b~c"));
        assert_eq!(pointer_token("%7E1").as_deref(), Some("/"));
        assert_eq!(pointer_token("%C3%A9").as_deref(), Some("é"));
        assert_eq!(pointer_token("100%").as_deref(), Some("100%"));
        assert_eq!(pointer_token("%zz").as_deref(), Some("%zz"));
        assert_eq!(pointer_token("%FF"), None);
    }

    #[test]
    fn the_license_is_an_spdx_expression_or_none() {
        let license = |name: &str, url: Option<&str>| openapiv3::License {
            name: name.to_owned(),
            url: url.map(str::to_owned),
            extensions: Default::default(),
        };
        let spdx = |name, url| spdx_expression(&license(name, url));
        assert_eq!(spdx("Apache-2.0", None).as_deref(), Some("Apache-2.0"));
        assert_eq!(
            spdx("MIT OR (Apache-2.0 WITH LLVM-exception)", None).as_deref(),
            Some("MIT OR (Apache-2.0 WITH LLVM-exception)")
        );
        // OpenAPI 3.1's identifier, kept by the reader as its spdx.org URL, wins.
        let identifier = Some("https://spdx.org/licenses/GPL-3.0-only.html");
        assert_eq!(
            spdx("GNU GPL v3", identifier).as_deref(),
            Some("GPL-3.0-only")
        );
        for name in ["Apache 2.0", "", "see https://example.com/terms", "MIT OR"] {
            assert_eq!(
                spdx(name, Some("https://example.com/license")),
                None,
                "{name}"
            );
        }
    }
}
