//! Lowering paths and operations: parameters, bodies, responses, grouping by tag.

use std::collections::BTreeSet;

use heck::ToLowerCamelCase;

use openapiv3::{
    MediaType, Operation as OpenApiOperation, Parameter as OpenApiParameter,
    ParameterSchemaOrContent, PathStyle, QueryStyle, ReferenceOr, SchemaKind, SecurityRequirement,
    StatusCode, StringFormat, Type, VariantOrUnknownOrEmpty,
};

use super::names::{self, camel, snake};
use super::security::sends_credentials;
use super::{Lowerer, in_paths, resolve, resolve_or_elsewhere};
use crate::diagnostic::{Diagnostic, Pointer};
use crate::ir::{
    ApiGroup, Docs, Encoding, HttpMethod, ListStyle, ObjectStyle, Operation, ParamLocation,
    Parameter, PathSegment, RequestBody, Success, SuccessBody, TypeRef,
};

/// The group of operations that have no tag.
const UNTAGGED: &str = "Default";

impl<'d> Lowerer<'d> {
    /// Every operation tagged with one of `tags` (every operation when `tags` is empty),
    /// grouped by tag.
    pub(super) fn operations(&mut self, tags: &[String]) -> Result<Vec<ApiGroup>, Diagnostic> {
        let mut groups = self.empty_groups();
        let mut operation_ids = BTreeSet::new();
        let mut spellings = BTreeSet::new();
        self.repeated_parameter_enums = self.repeated_parameter_enums();
        let paths = Pointer::root().push("paths");
        for (path, item) in &self.document.paths.paths {
            let path_at = paths.push(path);
            let ReferenceOr::Item(item) = item else {
                let error = Diagnostic::at(
                    &path_at,
                    "a `$ref` in place of a path item is not supported yet",
                );
                self.attempt(
                    || "its operations are skipped".into(),
                    |_| Err::<(), _>(error),
                )?;
                continue;
            };
            let path_parameters = (&item.parameters[..], path_at.push("parameters"));
            for (method, operation) in item.iter() {
                let Some(tag) = select_tag(&operation.tags, tags) else {
                    continue;
                };
                let at = path_at.push(method);
                let declared = operation
                    .operation_id
                    .as_ref()
                    .is_some_and(|id| !id.trim().is_empty());
                let id = self.unique_operation_id(
                    operation_id(operation, method, path),
                    declared,
                    (method, path),
                    &at,
                    &mut operation_ids,
                );
                let skipped = || format!("the operation `{method} {path}` is skipped");
                let Some(operation) = self.attempt(skipped, |this| {
                    // An operation's own servers replace its path item's.
                    let (servers, servers_at) = match operation.servers.is_empty() {
                        true => (&item.servers, &path_at),
                        false => (&operation.servers, &at),
                    };
                    let server = this.operation_server(servers, servers_at)?;
                    let lowered =
                        this.operation(id, method, path, &path_parameters, operation, &at)?;
                    Ok(Operation { server, ..lowered })
                })?
                else {
                    continue;
                };
                let index = match groups.iter().position(|group| same_tag(&group.tag, tag)) {
                    Some(index) => {
                        self.note_tag_spelling(&groups[index].tag, tag, &at, &mut spellings);
                        index
                    }
                    None => {
                        groups.push(group(tag, None));
                        groups.len() - 1
                    }
                };
                groups[index].operations.push(operation);
            }
        }
        groups.retain(|group| !group.operations.is_empty());
        if groups.is_empty() {
            self.warnings.push(
                Diagnostic::at(
                    &Pointer::root().push("paths"),
                    "no operation is generated, so the crate has no API to call",
                )
                .with_help("the models generated are those the operations use; a document of schemas alone makes none")
                .warning(),
            );
        }
        for tag in tags {
            if !groups.iter().any(|group| same_tag(&group.tag, tag)) {
                let known: BTreeSet<&str> = self.all_tags().collect();
                return Err(
                    Diagnostic::document(format!("no operation has the tag `{tag}`")).with_help(
                        format!(
                            "the document's tags are: {}",
                            known.into_iter().collect::<Vec<_>>().join(", ")
                        ),
                    ),
                );
            }
        }
        for group in &mut groups {
            let mut method_names = names::Scope::with_reserved(names::API_METHODS_TAKEN);
            let wanted = group
                .operations
                .iter()
                .map(|operation| (operation.id.as_str(), operation.method_name.clone()));
            let claimed = method_names.claim_each(wanted);
            for (operation, method_name) in group.operations.iter_mut().zip(claimed) {
                operation.method_name = method_name;
            }
        }
        let mut module_names = names::Scope::with_reserved(&["mod", "r#mod"]);
        let mut struct_names = names::Scope::default();
        for group in &mut groups {
            group.module = module_names.claim(group.module.clone());
            group.struct_name = struct_names.claim(group.struct_name.clone());
        }
        Ok(groups)
    }

    /// `id` (the operation's `operationId` when `declared`, else made of its method and
    /// path), or when another operation has it already, a name made of the method and the
    /// path (numbered if that is taken too), with a warning.
    fn unique_operation_id(
        &mut self,
        id: String,
        declared: bool,
        (method, path): (&str, &str),
        at: &Pointer,
        taken: &mut BTreeSet<String>,
    ) -> String {
        if taken.insert(id.clone()) {
            return id;
        }
        let base = method_path_name(method, path);
        let unique = (1..)
            .map(|number| match number {
                1 => base.clone(),
                number => format!("{base}{number}"),
            })
            .find(|candidate| !taken.contains(candidate))
            .unwrap_or(base);
        taken.insert(unique.clone());
        let warning = if declared {
            Diagnostic::at(
                &at.push("operationId"),
                format!("the operationId `{id}` is used twice; this operation is named `{unique}`"),
            )
            .with_help("operationIds must be unique in a document")
        } else {
            Diagnostic::at(
                at,
                format!("this operation has no operationId, and `{id}`, the name its method and path make, is another operation's; it is named `{unique}`"),
            )
            .with_help("give it an operationId")
        };
        self.warnings.push(warning.warning());
        unique
    }

    /// One empty group per tag the document lists, in its order.
    /// A group for each tag the document declares; a tag declared again in other letter
    /// case is the same group.
    fn empty_groups(&self) -> Vec<ApiGroup> {
        let mut groups: Vec<ApiGroup> = Vec::new();
        for tag in &self.document.tags {
            if !groups.iter().any(|group| same_tag(&group.tag, &tag.name)) {
                groups.push(group(&tag.name, tag.description.clone()));
            }
        }
        groups
    }

    /// Warns, once for each spelling, that an operation's tag differs from its group's
    /// only in letter case (`articles` and `Articles`): its operations join that group,
    /// rather than make a second API of the same name.
    fn note_tag_spelling<'t>(
        &mut self,
        group_tag: &str,
        tag: &'t str,
        at: &Pointer,
        warned: &mut BTreeSet<&'t str>,
    ) {
        if group_tag != tag && warned.insert(tag) {
            self.warnings.push(
                Diagnostic::at(
                    &at.push("tags"),
                    format!("the tag `{tag}` differs from `{group_tag}` only in letter case: their operations are one API"),
                )
                .warning(),
            );
        }
    }

    fn all_tags(&self) -> impl Iterator<Item = &'d str> {
        let document = self.document;
        document.tags.iter().map(|tag| tag.name.as_str()).chain(
            document
                .paths
                .paths
                .values()
                .filter_map(ReferenceOr::as_item)
                .flat_map(|item| {
                    item.iter()
                        .flat_map(|(_, operation)| operation.tags.iter().map(String::as_str))
                }),
        )
    }

    fn operation(
        &mut self,
        id: String,
        method: &str,
        path: &str,
        path_parameters: &(&'d [ReferenceOr<OpenApiParameter>], Pointer),
        operation: &'d OpenApiOperation,
        at: &Pointer,
    ) -> Result<Operation, Diagnostic> {
        let http_method = http_method(method, at)?;
        for name in operation.callbacks.keys() {
            self.warnings.push(
                Diagnostic::at(
                    &at.push("callbacks").push(name),
                    "callbacks are requests the API sends, not ones a client makes, so this one is left out",
                )
                .warning(),
            );
        }
        let (path, fixed_query) = split_path_key(path);
        // `?lat={lat}` in a path key (Weatherbit's, ClickSend's) is a query parameter.
        let mut templated = Vec::new();
        let mut fixed_query = fixed_query;
        fixed_query.retain(|(query_name, value)| match placeholder(value) {
            Some(name) => {
                templated.push((query_name.clone(), name.to_owned()));
                false
            }
            None => true,
        });
        let type_hint = camel(&id);
        let path_segments = path_segments(path, at)?;
        let mut params = self.parameters(path_parameters, operation, at, &type_hint)?;
        for (query_name, name) in &templated {
            self.query_of_path_key(&mut params, &path_segments, (query_name, name), at)?;
        }
        for name in undeclared_path_parameters(&path_segments, &params) {
            let param = self.undeclared("the path", name, (name, ParamLocation::Path), at);
            params.push(param);
        }
        order_path_parameters(path, &path_segments, &mut params, at)?;
        let mut param_names = names::Scope::default();
        let wanted = params.iter().map(|param| {
            (
                param.wire_name.as_str(),
                clear_of_call_methods(&param.rust_name),
            )
        });
        let claimed = param_names.claim_each(wanted);
        for (param, rust_name) in params.iter_mut().zip(claimed) {
            param.rust_name = rust_name;
        }
        let mut multipart_required = false;
        let body = match self.request_body(operation, at, &type_hint, &mut param_names)? {
            Some(Body::Whole(body)) => Some(body),
            Some(Body::Parts { parts, required }) => {
                params.extend(parts);
                multipart_required = required;
                None
            }
            None => None,
        };
        let head = http_method == HttpMethod::Head;
        let (success, errors) = self.responses(operation, at, &type_hint, head)?;
        let idempotent = idempotent(operation, http_method, at)?;
        self.defined_schemes(operation, at)?;
        self.note_scopes(operation);
        Ok(Operation {
            method_name: snake(&id),
            id,
            http_method,
            path: path.to_owned(),
            path_segments,
            fixed_query,
            params,
            body,
            success,
            error_statuses: errors.statuses,
            error_body: errors.body,
            call_type: None,
            scopes: self.scopes(operation),
            sends_credentials: sends_credentials(self.usable_requirements(operation)),
            docs: Docs {
                summary: operation.summary.clone(),
                description: operation.description.clone(),
            },
            deprecated: operation.deprecated,
            idempotent,
            server: None,
            multipart_required,
        })
    }

    /// The query parameter `query_name` whose value a path key's query gives as the
    /// placeholder `{name}`: the parameter declared as the path parameter `name`, now sent
    /// in the query (as the key writes it); a required text one, with a warning, when none
    /// is declared.
    ///
    /// A query parameter of that name declared already is the one meant. An error for a
    /// placeholder also in the path, or twice in the query: one argument sent in two places
    /// is not made.
    fn query_of_path_key(
        &mut self,
        params: &mut Vec<Parameter>,
        path_segments: &[PathSegment],
        (query_name, name): (&str, &str),
        at: &Pointer,
    ) -> Result<(), Diagnostic> {
        let in_query = |param: &Parameter| param.location == ParamLocation::Query;
        if params
            .iter()
            .any(|param| in_query(param) && param.wire_name == query_name)
        {
            return Ok(());
        }
        if template_names(path_segments).contains(&name)
            || params
                .iter()
                .any(|param| in_query(param) && param.rust_name == snake(name))
        {
            return Err(Diagnostic::at(
                at,
                format!("the placeholder `{{{name}}}` is in the path key more than once; one parameter sent in two places is not supported yet"),
            )
            .with_help("name each placeholder once in the path key"));
        }
        let declared = params
            .iter_mut()
            .find(|param| param.location == ParamLocation::Path && param.wire_name == name);
        if let Some(param) = declared {
            param.location = ParamLocation::Query;
            query_name.clone_into(&mut param.wire_name);
            return Ok(());
        }
        let param = self.undeclared(
            "the path key's query",
            name,
            (query_name, ParamLocation::Query),
            at,
        );
        params.push(param);
        Ok(())
    }

    /// The required text parameter, sent as `wire_name` in `location`, for the placeholder
    /// `{name}` that `place` (`the path`) has and no path parameter declares; with a
    /// warning at the operation (at `at`).
    fn undeclared(
        &mut self,
        place: &str,
        name: &str,
        (wire_name, location): (&str, ParamLocation),
        at: &Pointer,
    ) -> Parameter {
        self.warnings.push(
            Diagnostic::at(
                &at.push("parameters"),
                format!("{place} has `{{{name}}}` but no path parameter `{name}` is declared; it is a required text parameter"),
            )
            .with_help(format!("declare `{name}` with `in: path`"))
            .warning(),
        );
        Parameter {
            wire_name: wire_name.to_owned(),
            rust_name: snake(name),
            location,
            ty: TypeRef::String,
            required: true,
            description: None,
            list_style: None,
            object_style: None,
            file_media_type: None,
        }
    }

    /// The path item's parameters overridden by the operation's, path ones first.
    fn parameters(
        &mut self,
        path_parameters: &(&'d [ReferenceOr<OpenApiParameter>], Pointer),
        operation: &'d OpenApiOperation,
        at: &Pointer,
        type_hint: &str,
    ) -> Result<Vec<Parameter>, Diagnostic> {
        let parameters_map = self
            .document
            .components
            .as_ref()
            .map(|components| &components.parameters);
        // Each parameter, where it is, and where its entry in its list is.
        let mut declared: Vec<(&'d OpenApiParameter, Pointer, Pointer)> = Vec::new();
        let sources = [
            path_parameters.clone(),
            (&operation.parameters[..], at.push("parameters")),
        ];
        for (list, list_at) in sources {
            for (index, parameter) in list.iter().enumerate() {
                let (parameter, where_) = resolve_or_elsewhere(
                    parameters_map,
                    "parameters",
                    parameter,
                    &list_at.push(index),
                    Some(&|reference| in_paths::parameter(&self.document.paths, reference)),
                )?;
                if let Some(name) = ignored_header(parameter) {
                    let warning = Diagnostic::at(
                        &where_,
                        format!("the header parameter `{name}` is ignored, as OpenAPI says"),
                    )
                    .with_help("the client sets Accept, Content-Type and Authorization itself, from the operation's media types and security")
                    .warning();
                    // Declared on a path item or in the components, it is one place for
                    // several operations.
                    self.warn_once(warning);
                    continue;
                }
                let entry_at = list_at.push(index);
                // An operation's parameter overrides the path item's of the same name and
                // place; one list declaring it twice is a mistake, of which the last is kept.
                if let Some(earlier) = declared
                    .iter()
                    .position(|(known, _, _)| same_parameter(known, parameter))
                {
                    let (_, _, earlier_at) = declared.remove(earlier);
                    if earlier_at.to_string().starts_with(&format!("{list_at}/")) {
                        let name = &parameter.parameter_data_ref().name;
                        let place = location_name(parameter);
                        let warning = Diagnostic::at(
                            &entry_at,
                            format!("the {place} parameter `{name}` is in this list twice, here and at {earlier_at}; the last is kept"),
                        )
                        .with_help("a list declares each name once for each of path, query, header and cookie")
                        .warning();
                        // A path item's list is read for each of its operations.
                        self.warn_once(warning);
                    }
                }
                declared.push((parameter, where_, entry_at));
            }
        }
        let mut params = Vec::with_capacity(declared.len());
        let own = format!("{at}/");
        for (parameter, where_, _) in declared {
            let data = parameter.parameter_data_ref();
            let required = data.required || matches!(parameter, OpenApiParameter::Path { .. });
            let shared = !where_.to_string().starts_with(&own);
            let lowered = if required {
                Some(self.parameter(parameter, &where_, shared, type_hint)?)
            } else {
                // An optional parameter that cannot be generated is left out when skipping:
                // the operation stays usable without it.
                let name = &data.name;
                self.attempt(
                    || format!("the optional parameter `{name}` is left out"),
                    |this| this.parameter(parameter, &where_, shared, type_hint),
                )?
            };
            params.extend(lowered);
        }
        Ok(params)
    }

    /// The type of a schema at `schema_at`. A schema that several operations share
    /// (`shared`: a parameter in `#/components/parameters` or on a path item, a response
    /// in `#/components/responses`) is lowered once and named after its component, or
    /// after the first operation's `hint` on a path item.
    fn shared_schema_type(
        &mut self,
        schema: &'d ReferenceOr<openapiv3::Schema>,
        schema_at: &Pointer,
        shared: bool,
        hint: impl FnOnce() -> String,
    ) -> Result<TypeRef, Diagnostic> {
        if !shared {
            return self.schema_type(schema, schema_at, &hint());
        }
        let key = schema_at.to_string();
        let component = [
            ("#/components/parameters/", "Parameter"),
            ("#/components/responses/", "Response"),
        ]
        .iter()
        .find_map(|(prefix, kind)| Some((key.strip_prefix(prefix)?, kind)));
        let hint = |this: &Self| match component {
            _ if !super::shape::may_need_name(schema) => String::new(),
            // Named after the component, unless a schema has that name.
            Some((rest, kind)) => {
                let name = camel(rest.split('/').next().unwrap_or(rest));
                this.free_name_or(name.clone(), || format!("{name}{kind}"))
            }
            None => hint(),
        };
        self.lowered_once(key.clone(), |this| {
            let hint = hint(this);
            this.schema_type(schema, schema_at, &hint)
        })
    }

    /// `name` when no type has it yet, else `otherwise`.
    fn free_name_or(&self, name: String, otherwise: impl FnOnce() -> String) -> String {
        match self.type_names.is_taken(&names::type_name(&name)) {
            true => otherwise(),
            false => name,
        }
    }

    /// The keys ([`same_enum_key`]) of the inline enums that the parameters of more than one
    /// operation declare alike.
    fn repeated_parameter_enums(&self) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut repeated = BTreeSet::new();
        let items = self
            .document
            .paths
            .paths
            .values()
            .filter_map(ReferenceOr::as_item);
        for (_, operation) in items.flat_map(|item| item.iter()) {
            for parameter in operation.parameters.iter().filter_map(ReferenceOr::as_item) {
                let data = parameter.parameter_data_ref();
                let ParameterSchemaOrContent::Schema(schema) = &data.format else {
                    continue;
                };
                if let Some(key) = same_enum_key(&data.name, schema)
                    && !seen.insert(key.clone())
                {
                    repeated.insert(key);
                }
            }
        }
        repeated
    }

    /// One declared parameter; `shared` when other operations have it too.
    fn parameter(
        &mut self,
        parameter: &'d OpenApiParameter,
        where_: &Pointer,
        shared: bool,
        type_hint: &str,
    ) -> Result<Parameter, Diagnostic> {
        let location = match parameter {
            OpenApiParameter::Path { .. } => ParamLocation::Path,
            OpenApiParameter::Query { .. } => ParamLocation::Query,
            OpenApiParameter::Header { .. } => ParamLocation::Header,
            OpenApiParameter::Cookie { .. } => {
                return Err(Diagnostic::at(
                    where_,
                    "cookie parameters are not supported yet",
                ));
            }
        };
        if parameter.parameter_data_ref().name.is_empty() {
            return Err(Diagnostic::at(
                &where_.push("name"),
                "a parameter's name is empty, so the request could not say what its value is",
            )
            .with_help("name it as the API knows it"));
        }
        if let OpenApiParameter::Header { parameter_data, .. } = parameter
            && !is_header_name(&parameter_data.name)
        {
            return Err(Diagnostic::at(
                &where_.push("name"),
                format!(
                    "`{}` is not a header name HTTP can carry",
                    parameter_data.name.escape_debug()
                ),
            )
            .with_help(
                "a header name is ASCII letters, digits and `!#$%&'*+-.^_`|~`, with no spaces",
            ));
        }
        if let OpenApiParameter::Path { style, .. } = parameter
            && *style != PathStyle::Simple
        {
            let style = if *style == PathStyle::Matrix {
                "matrix"
            } else {
                "label"
            };
            return Err(Diagnostic::at(
                &where_.push("style"),
                format!("path parameters in `style: {style}` are not supported yet"),
            )
            .with_help("use `style: simple`, the default"));
        }
        let data = parameter.parameter_data_ref();
        let (schema, schema_at, json_content) = match &data.format {
            ParameterSchemaOrContent::Schema(schema) => (schema, where_.push("schema"), false),
            ParameterSchemaOrContent::Content(content) => json_schema(content, where_)?,
        };
        // An operation's own parameter is named after the operation.
        let own_name = || format!("{type_hint}{}", camel(&data.name));
        let ty = match same_enum_key(&data.name, schema) {
            // Operations that each declare the parameter with the same values share its
            // type, named after it (Twilio's `mediaTypeExtension`, on 106 paths), unless a
            // type has that name: after the first operation then.
            Some(key) if !shared && self.repeated_parameter_enums.contains(&key) => self
                .lowered_once(key, |this| {
                    let hint = this.free_name_or(camel(&data.name), own_name);
                    this.schema_type(schema, &schema_at, &hint)
                })?,
            _ => self.shared_schema_type(schema, &schema_at, shared, own_name)?,
        };
        let scalar = match self.without_aliases(ty.clone()) {
            TypeRef::List(item) => self
                .parameter_type(self.without_aliases(*item))
                .map(|item| TypeRef::List(Box::new(item))),
            // A path or header parameter is text on the wire: one whose schema gives no
            // type (any value; FastAPI writes `{title: …}` alone) is passed as text.
            TypeRef::Json if location != ParamLocation::Query && !json_content => {
                Some(TypeRef::String)
            }
            ty => self.parameter_type(ty),
        };
        let (ty, object_style) = match (scalar, json_content) {
            (Some(scalar), false) => (scalar, None),
            _ => {
                // A parameter left out is what `null` would say: it is `T`, never `Option<T>`.
                let ty = ty.without_null().0;
                let style = self.object_style(parameter, &ty, json_content, &schema_at)?;
                (ty, Some(style))
            }
        };
        if !shared {
            self.drop_types_unused_by(&ty, &schema_at);
        }
        let list_style =
            (object_style.is_none() && matches!(ty, TypeRef::List(_))).then(|| match parameter {
                OpenApiParameter::Query { style, .. } => {
                    let explode = data.explode.unwrap_or(matches!(style, QueryStyle::Form));
                    match style {
                        QueryStyle::DeepObject => ListStyle::Indexed,
                        // Exploded, a delimited style repeats the parameter as `form` does
                        // (OpenAPI 3.0.3's style examples).
                        _ if explode => ListStyle::Repeated,
                        QueryStyle::SpaceDelimited => ListStyle::Joined(' '),
                        QueryStyle::PipeDelimited => ListStyle::Joined('|'),
                        _ => ListStyle::Joined(','),
                    }
                }
                _ => ListStyle::Joined(','),
            });
        Ok(Parameter {
            wire_name: data.name.clone(),
            rust_name: snake(&data.name),
            location,
            ty,
            required: data.required || location == ParamLocation::Path,
            description: with_limits(data.description.as_deref(), schema.as_item()),
            list_style,
            object_style,
            file_media_type: None,
        })
    }

    /// Drops the types made for the parameter's own schema at `schema_at` when its type
    /// `ty` names no type at all: a union of scalars is passed as text, so the union made
    /// for it (and its members' enums) would be types nothing uses.
    fn drop_types_unused_by(&mut self, ty: &TypeRef, schema_at: &Pointer) {
        if ty.names_a_type() {
            return;
        }
        let at = schema_at.to_string();
        self.types.retain(|_, def| {
            !def.source
                .strip_prefix(&at)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        });
    }

    /// How a query parameter of type `ty` that is not a scalar (or is described by JSON
    /// `content`) is written: its `style` and `explode` for an object, a list of objects
    /// or a map; JSON for `content`. An error for other places and styles.
    fn object_style(
        &self,
        parameter: &OpenApiParameter,
        ty: &TypeRef,
        json_content: bool,
        at: &Pointer,
    ) -> Result<ObjectStyle, Diagnostic> {
        let OpenApiParameter::Query { style, .. } = parameter else {
            return Err(Diagnostic::at(
                at,
                "only query parameters may be objects or be described by `content` yet; path and header parameters must be scalars or lists of them",
            ));
        };
        if json_content {
            return Ok(ObjectStyle::Json);
        }
        let explode = parameter.parameter_data_ref().explode.unwrap_or(true);
        match style {
            QueryStyle::Form if explode => Ok(ObjectStyle::FormExploded),
            QueryStyle::Form => Ok(ObjectStyle::Form),
            QueryStyle::DeepObject => Ok(ObjectStyle::DeepObject),
            _ => Err(Diagnostic::at(
                at,
                format!(
                    "a query parameter of type {} in style `{}` is not supported yet",
                    describe(&self.without_aliases(ty.clone())),
                    query_style_name(style)
                ),
            )
            .with_help("use `style: form` or `style: deepObject`")),
        }
    }

    /// `ty` with the aliases it names followed to the type they stand for, so a parameter
    /// is passed as what the alias is (`&str` for an alias of a date-time or a union).
    pub(super) fn without_aliases(&self, ty: TypeRef) -> TypeRef {
        use crate::ir::TypeKind;
        let mut ty = ty;
        // Lowering refuses cycles of aliases; the bound is a guard, not a limit.
        for _ in 0..super::MAX_REF_HOPS {
            // A parameter is never sent as `null`.
            if let TypeRef::Nullable(inner) = ty {
                ty = *inner;
                continue;
            }
            let TypeRef::Named(name) = &ty else { break };
            match self.types.get(name).map(|def| &def.kind) {
                Some(TypeKind::Alias(target)) => ty = target.clone(),
                _ => break,
            }
        }
        ty
    }

    /// The type a parameter of type `ty` (aliases followed) is passed as, if it is a
    /// scalar: the type itself; text for a date-time (its `Display` is not RFC 3339, so
    /// the caller formats it) and for a union of scalars.
    pub(super) fn parameter_type(&self, ty: TypeRef) -> Option<TypeRef> {
        self.scalar_parameter_type(ty, &mut BTreeSet::new())
    }

    /// [`Lowerer::parameter_type`], each union looked into once (`seen`): one met again, by
    /// another path or round a cycle, is still being looked into or took only scalars (had
    /// it not, the answer would be known already), so the time grows with the unions, not
    /// with the paths between them.
    fn scalar_parameter_type(&self, ty: TypeRef, seen: &mut BTreeSet<String>) -> Option<TypeRef> {
        use crate::ir::TypeKind;
        match ty {
            TypeRef::List(_)
            | TypeRef::Map(_)
            | TypeRef::Boxed(_)
            | TypeRef::Json
            | TypeRef::Bytes => None,
            TypeRef::DateTime => Some(TypeRef::String),
            TypeRef::Named(ref name) => match &self.types.get(name)?.kind {
                TypeKind::Enum(_) => Some(ty),
                TypeKind::Alias(target) => {
                    self.scalar_parameter_type(self.without_aliases(target.clone()), seen)
                }
                TypeKind::Union(_) if !seen.insert(name.clone()) => Some(TypeRef::String),
                TypeKind::Union(union) => union
                    .variants
                    .iter()
                    .all(|variant| {
                        let ty = self.without_aliases(variant.ty.clone());
                        self.scalar_parameter_type(ty, seen).is_some()
                    })
                    .then_some(TypeRef::String),
                TypeKind::Struct(_) => None,
            },
            scalar => Some(scalar),
        }
    }

    fn request_body(
        &mut self,
        operation: &'d OpenApiOperation,
        at: &Pointer,
        type_hint: &str,
        param_names: &mut names::Scope,
    ) -> Result<Option<Body>, Diagnostic> {
        let Some(body) = &operation.request_body else {
            return Ok(None);
        };
        let bodies = self
            .document
            .components
            .as_ref()
            .map(|components| &components.request_bodies);
        let (body, where_) = resolve(bodies, "requestBodies", body, &at.push("requestBody"))?;
        // A media type first, then `multipart/form-data`, then a range (`*/*`,
        // `application/*`), which takes any body: one of the type its schema says.
        let sendable = body
            .content
            .iter()
            .filter(|(name, _)| unsendable(name).is_none())
            .map(|(name, media)| (name.as_str(), media, media_encoding(name)));
        let form_data = body.content.iter().find(|(name, _)| is_form_data(name));
        let ranges: Vec<_> = body
            .content
            .iter()
            .filter(|(name, _)| is_json_range(name))
            .map(|(name, media)| (name.as_str(), media, self.content_encoding(name, media)))
            .collect();
        let picked = match (pick_content(sendable), form_data) {
            (Some(picked), _) => Some(picked),
            // A range beside a multipart body that is no object of parts says what it is
            // (a file under `*/*`, as Jira's attachments are described).
            (None, Some((_, media))) if !ranges.is_empty() && !self.is_object_of_parts(media) => {
                pick_content(ranges)
            }
            (None, Some((name, media))) => {
                let at = where_.push("content").push(name);
                let mut parts = self.multipart_parts(media, &at, type_hint, param_names)?;
                for part in &mut parts {
                    part.required &= body.required;
                }
                return Ok(Some(Body::Parts {
                    parts,
                    required: body.required,
                }));
            }
            (None, None) => pick_content(ranges),
        };
        let Some((media_type, content, encoding)) = picked else {
            return Err(match body.content.keys().find_map(|name| Some((name, unsendable(name)?))) {
                Some((name, why)) => Diagnostic::at(
                    &where_.push("content").push(name),
                    format!("a request body of media type `{name}` is not supported yet"),
                )
                .with_help(format!("{why}; describe the body with another media type too: JSON, a form, text or bytes")),
                None => Diagnostic::at(&where_.push("content"), "the request body has no media type"),
            });
        };
        let schema_at = where_.push("content").push(media_type).push("schema");
        let ty = match (encoding, &content.schema) {
            (Encoding::Text, _) => TypeRef::String,
            (Encoding::Bytes, _) => TypeRef::Bytes,
            // A request has no use for sending `null` as its whole body.
            (_, Some(schema)) => {
                self.schema_type(schema, &schema_at, &format!("{type_hint}Request"))?
                    .without_null()
                    .0
            }
            (_, None) => TypeRef::Json,
        };
        // A form body described as text is the form's text, written by the caller
        // (`text=I like tacos`, as Spoonacular's document gives its examples): sent as it is.
        let text_form =
            encoding == Encoding::Form && self.without_aliases(ty.clone()) == TypeRef::String;
        let (ty, encoding) = match text_form {
            true => (TypeRef::String, Encoding::Text),
            false => (ty, encoding),
        };
        let form_styles = match encoding {
            Encoding::Form => {
                self.form_styles(&ty, content, &where_.push("content").push(media_type))?
            }
            _ => Vec::new(),
        };
        Ok(Some(Body::Whole(RequestBody {
            rust_name: param_names.claim("body".into()),
            ty,
            required: body.required,
            description: body.description.clone(),
            media_type: match (is_json_range(media_type), encoding) {
                (false, _) => media_type,
                (true, Encoding::Json) => "application/json",
                (true, Encoding::Text) if media_type == "*/*" => "text/plain",
                (true, _) => "application/octet-stream",
            }
            .to_owned(),
            encoding,
            form_styles,
        })))
    }

    /// The success type, and the declared error statuses with their body type. The answer
    /// to a `head` request has no body (RFC 9110), whatever the document declares: its
    /// success is `()`, with a warning, and no type is made for it.
    fn responses(
        &mut self,
        operation: &'d OpenApiOperation,
        at: &Pointer,
        type_hint: &str,
        head: bool,
    ) -> Result<(Success, Errors), Diagnostic> {
        let responses_map = self
            .document
            .components
            .as_ref()
            .map(|components| &components.responses);
        let responses_at = at.push("responses");
        let mut statuses = Vec::new();
        let mut bodies: Vec<Option<SuccessBody>> = Vec::new();
        let mut error_statuses = Vec::new();
        let mut error_bodies: Vec<TypeRef> = Vec::new();
        let mut declared = Vec::new();
        for (status, response) in &operation.responses.responses {
            let code = match status {
                StatusCode::Code(code) => *code,
                StatusCode::Range(range) => range.saturating_mul(100),
            };
            let status_at = responses_at.push(status);
            if !(100..600).contains(&code) {
                self.warnings.push(
                    Diagnostic::at(
                        &status_at,
                        format!("`{status}` is not an HTTP status (100 to 599, or 1XX to 5XX), so its response is left out"),
                    )
                    .warning(),
                );
                continue;
            }
            declared.push((Some((code, status.to_string())), status_at, response));
        }
        // Without a declared 2xx status, the `default` response is the success.
        let has_success = operation
            .responses
            .responses
            .keys()
            .any(|status| match status {
                StatusCode::Code(code) => (200..300).contains(code),
                StatusCode::Range(range) => *range == 2,
            });
        let default = operation
            .responses
            .default
            .as_ref()
            .map(|response| (None, responses_at.push("default"), response));
        for (code, status_at, response) in declared.into_iter().chain(default) {
            let (response, where_) = resolve_or_elsewhere(
                responses_map,
                "responses",
                response,
                &status_at,
                Some(&|reference| in_paths::response(&self.document.paths, reference)),
            )?;
            let picked =
                pick_content(response.content.iter().map(|(name, media)| {
                    (name.as_str(), media, self.content_encoding(name, media))
                }));
            let is_success = match &code {
                Some((code, _)) => (200..300).contains(code),
                None => !has_success,
            };
            // 204 and 205 answers have no body in HTTP, whatever the document declares.
            let no_content = matches!(code, Some((204 | 205, _)));
            let written = code.map(|(_, written)| written);
            if !is_success {
                error_statuses.extend(written);
                if let Some((media_type, content, Encoding::Json)) = picked {
                    let ty = self.error_body_type(content, &where_, media_type, type_hint)?;
                    if !error_bodies.contains(&ty) {
                        error_bodies.push(ty);
                    }
                }
                continue;
            }
            statuses.extend(written);
            if no_content && picked.is_some() {
                self.warnings.push(
                    Diagnostic::at(
                        &status_at,
                        "a 204 or 205 answer has no body, so the content declared for it is left out",
                    )
                    .warning(),
                );
                bodies.push(None);
                continue;
            }
            if head && picked.is_some() {
                self.warnings.push(
                    Diagnostic::at(
                        &status_at,
                        "the answer to a HEAD request has no body, so the content declared for it is left out: the method returns `()`",
                    )
                    .warning(),
                );
                bodies.push(None);
                continue;
            }
            let body = match picked {
                None => None,
                Some((media_type, _, Encoding::Text)) => {
                    Some(SuccessBody::Text(media_type.to_owned()))
                }
                Some((media_type, _, Encoding::Bytes | Encoding::Form)) => {
                    Some(SuccessBody::Bytes(media_type.to_owned()))
                }
                Some((_, MediaType { schema: None, .. }, Encoding::Json)) => {
                    Some(SuccessBody::Json(TypeRef::Json))
                }
                Some((
                    media_type,
                    MediaType {
                        schema: Some(schema),
                        ..
                    },
                    Encoding::Json,
                )) => {
                    let schema_at = where_.push("content").push(media_type).push("schema");
                    let shared = is_component_response(&where_);
                    // When skipping, a response body that cannot be generated is any JSON:
                    // the operation stays usable.
                    let ty = self
                        .attempt(
                            || "the response body is `serde_json::Value`".into(),
                            |this| {
                                this.shared_schema_type(schema, &schema_at, shared, || {
                                    format!("{type_hint}Response")
                                })
                            },
                        )?
                        .unwrap_or(TypeRef::Json);
                    Some(SuccessBody::Json(ty))
                }
            };
            bodies.push(body);
        }
        Ok((
            Success {
                statuses,
                body: success_body(bodies),
            },
            Errors {
                statuses: error_statuses,
                body: match <[TypeRef; 1]>::try_from(error_bodies) {
                    Ok([ty @ TypeRef::Named(_)]) => ty,
                    _ => TypeRef::Json,
                },
            },
        ))
    }

    /// How a body of the media type `name` is read or written. Under a range (`*/*`,
    /// `application/*`, as springdoc declares every response, and Kubernetes' document its
    /// request bodies) the type is the sender's pick, so the schema says: a binary string
    /// is bytes, other text is text (a string is written as it is, unquoted), anything else
    /// is JSON (asked for with `Accept: application/json`, sent as `application/json`); no
    /// schema is bytes.
    fn content_encoding(&self, name: &str, media: &MediaType) -> Encoding {
        if !is_json_range(name) {
            return media_encoding(name);
        }
        let Some(schema) = &media.schema else {
            return Encoding::Bytes;
        };
        let schemas = self
            .document
            .components
            .as_ref()
            .map(|components| &components.schemas);
        match resolve(schemas, "schemas", schema, &Pointer::root()) {
            Ok((schema, _)) => match &schema.schema_kind {
                SchemaKind::Type(Type::String(text)) => match text.format {
                    VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => Encoding::Bytes,
                    _ => Encoding::Text,
                },
                _ => Encoding::Json,
            },
            // Read as JSON, the schema's error is reported where it is lowered.
            Err(_) => Encoding::Json,
        }
    }

    /// The type of an error response's JSON body; any JSON when it has no schema, or when
    /// skipping and the schema cannot be generated (the error still reaches the user, with
    /// its raw body).
    fn error_body_type(
        &mut self,
        content: &'d MediaType,
        response_at: &Pointer,
        media_type: &str,
        type_hint: &str,
    ) -> Result<TypeRef, Diagnostic> {
        let Some(schema) = &content.schema else {
            return Ok(TypeRef::Json);
        };
        // Most operations share their error responses: their body is lowered already.
        if let Some(ty) = self.lowered_component(schema) {
            return Ok(ty);
        }
        let schema_at = response_at.push("content").push(media_type).push("schema");
        let shared = is_component_response(response_at);
        Ok(self
            .attempt(
                || "the error body is `serde_json::Value`".into(),
                |this| {
                    this.shared_schema_type(schema, &schema_at, shared, || {
                        format!("{type_hint}Error")
                    })
                },
            )?
            .map_or(TypeRef::Json, |ty| ty.without_null().0))
    }

    /// The OAuth 2.0 scopes the operation (or else the document) requires.
    fn scopes(&self, operation: &'d OpenApiOperation) -> Vec<String> {
        let requirements = self.usable_requirements(operation);
        let mut scopes: Vec<String> = Vec::new();
        for scope in requirements
            .into_iter()
            .flatten()
            .flat_map(|requirement| requirement.values().flatten())
        {
            if !scopes.contains(scope) {
                scopes.push(scope.clone());
            }
        }
        scopes
    }

    /// The security requirements of the operation, or else of the document.
    fn requirements(
        &self,
        operation: &'d OpenApiOperation,
    ) -> Option<&'d Vec<SecurityRequirement>> {
        operation
            .security
            .as_ref()
            .or(self.document.security.as_ref())
    }

    /// The security requirements of the operation (or else of the document) whose schemes
    /// are all defined: those the client can meet. The others stop the generation, or with
    /// `skip_unsupported` are left out with a warning ([`Lowerer::defined_schemes`]).
    fn usable_requirements(
        &self,
        operation: &'d OpenApiOperation,
    ) -> Option<Vec<&'d SecurityRequirement>> {
        self.requirements(operation).map(|requirements| {
            requirements
                .iter()
                .filter(|requirement| requirement.keys().all(|scheme| self.defines(scheme)))
                .collect()
        })
    }

    /// Whether `components.securitySchemes` defines `scheme`.
    fn defines(&self, scheme: &str) -> bool {
        self.document
            .components
            .as_ref()
            .is_some_and(|components| components.security_schemes.contains_key(scheme))
    }

    /// An error naming the first security requirement of the operation (or else of the
    /// document) that names a scheme `components.securitySchemes` does not define; with
    /// `skip_unsupported`, a warning for each when another requirement can be met.
    fn defined_schemes(
        &mut self,
        operation: &'d OpenApiOperation,
        at: &Pointer,
    ) -> Result<(), Diagnostic> {
        let at = match &operation.security {
            Some(_) => at.push("security"),
            None => Pointer::root().push("security"),
        };
        let requirements = self.requirements(operation).map_or(&[][..], Vec::as_slice);
        let undefined: Vec<Diagnostic> = requirements
            .iter()
            .enumerate()
            .filter_map(|(index, requirement)| {
                let scheme = requirement.keys().find(|scheme| !self.defines(scheme))?;
                Some(
                    Diagnostic::at(
                        &at.push(index),
                        format!("the security scheme `{scheme}` is not defined"),
                    )
                    .with_help("name a scheme of #/components/securitySchemes"),
                )
            })
            .collect();
        let usable = requirements
            .iter()
            .any(|requirement| requirement.keys().all(|scheme| self.defines(scheme)));
        let mut undefined = undefined.into_iter();
        match undefined.next() {
            None => Ok(()),
            // The requirements are alternatives: one that can be met still lets the
            // operation be called.
            Some(first) if self.skip_unsupported && usable => {
                for mut diagnostic in std::iter::once(first).chain(undefined) {
                    diagnostic.message.push_str(
                        "; the operation is kept with the requirements whose schemes are defined",
                    );
                    self.warnings.push(diagnostic.warning());
                }
                Ok(())
            }
            Some(first) => Err(first),
        }
    }

    /// Records the scopes the operation requires of each scheme, for the token requests.
    fn note_scopes(&mut self, operation: &'d OpenApiOperation) {
        for requirement in self.usable_requirements(operation).into_iter().flatten() {
            for (scheme, scopes) in requirement {
                self.scopes_by_scheme
                    .entry(scheme.clone())
                    .or_default()
                    .extend(scopes.iter().cloned());
            }
        }
    }
}

/// What tells an inline enum of text values of the parameter `name` from others: its name
/// and values. `None` for any other schema.
fn same_enum_key(name: &str, schema: &ReferenceOr<openapiv3::Schema>) -> Option<String> {
    let SchemaKind::Type(Type::String(text)) = &schema.as_item()?.schema_kind else {
        return None;
    };
    (!text.enumeration.is_empty())
        .then(|| format!("the parameter {name:?}, one of {:?}", text.enumeration))
}

/// Whether a response is one of `#/components/responses`, which operations share.
fn is_component_response(response_at: &Pointer) -> bool {
    response_at
        .to_string()
        .starts_with("#/components/responses/")
}

/// A parameter's description followed by what its inline schema says of its limits and
/// default (`At most 200 items.`, ``The server's default: `20`.``), as a struct field's docs
/// have them.
pub(super) fn with_limits(
    description: Option<&str>,
    schema: Option<&openapiv3::Schema>,
) -> Option<String> {
    let limits = schema.map(super::types::limits).unwrap_or_default();
    let description = description.map(str::trim).filter(|text| !text.is_empty());
    let Some(description) = description else {
        return (!limits.is_empty()).then(|| limits.join(" "));
    };
    let mut text = description.to_owned();
    if !limits.is_empty() {
        // The limits are sentences of their own: end the description's last one.
        if !text.ends_with(['.', '!', '?', ':', '`', '>']) {
            text.push('.');
        }
        for limit in &limits {
            text.push(' ');
            text.push_str(limit);
        }
    }
    Some(text)
}

/// The error responses of an operation: their statuses and the type of their bodies.
struct Errors {
    statuses: Vec<String>,
    body: TypeRef,
}

fn group(tag: &str, description: Option<String>) -> ApiGroup {
    ApiGroup {
        tag: tag.to_owned(),
        module: file_name_windows_takes(snake(tag)),
        // `self` is `SelfApi`, not `Self_Api`: the suffix is a word of the name.
        struct_name: camel(&format!("{tag} Api")),
        description,
        operations: Vec::new(),
    }
}

/// `module`, or, when its file's name is a device's that Windows reserves whatever the
/// extension (`con.rs`, `nul.rs`, `com1.rs`: a checkout there fails), `module` and `_api`.
/// Modules are private: their names are not part of the crate's interface.
fn file_name_windows_takes(module: String) -> String {
    let stem = module.trim_start_matches("r#");
    let device = matches!(stem, "con" | "prn" | "aux" | "nul")
        || ["com", "lpt"].iter().any(|port| {
            stem.strip_prefix(port)
                .is_some_and(|digit| matches!(digit.as_bytes(), [b'1'..=b'9']))
        });
    match device {
        true => format!("{stem}_api"),
        false => module,
    }
}

/// The tag an operation is grouped under: its first tag among `wanted` (or its first tag when
/// all are wanted); `None` when it is filtered out.
fn select_tag<'a>(operation_tags: &'a [String], wanted: &[String]) -> Option<&'a str> {
    if wanted.is_empty() {
        return Some(operation_tags.first().map_or(UNTAGGED, String::as_str));
    }
    operation_tags
        .iter()
        .find(|tag| wanted.iter().any(|wanted| same_tag(wanted, tag)))
        .map(String::as_str)
}

/// Whether two tags differ in letter case at most.
fn same_tag(a: &str, b: &str) -> bool {
    a == b
        || a.chars()
            .flat_map(char::to_lowercase)
            .eq(b.chars().flat_map(char::to_lowercase))
}

/// The operationId, or a stable name made of the method and the path.
fn operation_id(operation: &OpenApiOperation, method: &str, path: &str) -> String {
    match &operation.operation_id {
        Some(id) if !id.trim().is_empty() => id.clone(),
        _ => method_path_name(method, path),
    }
}

/// A name made of the method and the path: `delete /items/{itemId}` is `deleteItemsItemId`.
fn method_path_name(method: &str, path: &str) -> String {
    format!("{method} {path}")
        .replace(|c: char| !c.is_alphanumeric(), " ")
        .to_lower_camel_case()
}

fn http_method(method: &str, at: &Pointer) -> Result<HttpMethod, Diagnostic> {
    Ok(match method {
        "get" => HttpMethod::Get,
        "put" => HttpMethod::Put,
        "post" => HttpMethod::Post,
        "delete" => HttpMethod::Delete,
        "options" => HttpMethod::Options,
        "head" => HttpMethod::Head,
        "patch" => HttpMethod::Patch,
        "trace" => HttpMethod::Trace,
        other => {
            return Err(Diagnostic::at(
                at,
                format!("`{other}` is not an HTTP method"),
            ));
        }
    })
}

/// The schema of a parameter described by `content`, where it is, and that it is JSON:
/// only a JSON media type can be written into a query.
fn json_schema<'d>(
    content: &'d indexmap::IndexMap<String, MediaType>,
    at: &Pointer,
) -> Result<(&'d ReferenceOr<openapiv3::Schema>, Pointer, bool), Diagnostic> {
    let at = at.push("content");
    let Some((media_type, MediaType { schema, .. })) = content.first() else {
        return Err(Diagnostic::at(
            &at,
            "the parameter's `content` has no media type",
        ));
    };
    if media_encoding(media_type) != Encoding::Json {
        return Err(Diagnostic::at(
            &at.push(media_type),
            format!("parameters described by `{media_type}` are not supported yet; only JSON is"),
        ));
    }
    let at = at.push(media_type).push("schema");
    match schema {
        Some(schema) => Ok((schema, at, true)),
        None => Err(Diagnostic::at(
            &at,
            "the parameter's media type has no schema",
        )),
    }
}

/// A word for a parameter's type in a message.
fn describe(ty: &TypeRef) -> &'static str {
    match ty {
        TypeRef::List(_) => "list",
        TypeRef::Map(_) => "map",
        _ => "object",
    }
}

pub(super) fn query_style_name(style: &QueryStyle) -> &'static str {
    match style {
        QueryStyle::Form => "form",
        QueryStyle::SpaceDelimited => "spaceDelimited",
        QueryStyle::PipeDelimited => "pipeDelimited",
        QueryStyle::DeepObject => "deepObject",
    }
}

/// Whether two parameters are the same one: the same name in the same place.
fn same_parameter(a: &OpenApiParameter, b: &OpenApiParameter) -> bool {
    a.parameter_data_ref().name == b.parameter_data_ref().name
        && location_name(a) == location_name(b)
}

fn location_name(parameter: &OpenApiParameter) -> &'static str {
    match parameter {
        OpenApiParameter::Path { .. } => "path",
        OpenApiParameter::Query { .. } => "query",
        OpenApiParameter::Header { .. } => "header",
        OpenApiParameter::Cookie { .. } => "cookie",
    }
}

/// A parameter's name, unless the call type has a method of that name (an optional
/// parameter is a setter of the call): then that name and `_param`, claimed like any other
/// so that it can't meet a parameter already named so.
pub(super) fn clear_of_call_methods(rust_name: &str) -> String {
    match rust_name {
        "send" | "into_future" | "map_request" => format!("{rust_name}_param"),
        name => name.to_owned(),
    }
}

/// The name in a `{name}` placeholder that is the whole of `value`, if it is one.
fn placeholder(value: &str) -> Option<&str> {
    let name = value.strip_prefix('{')?.strip_suffix('}')?;
    (!name.is_empty() && !name.contains(['{', '}'])).then_some(name)
}

/// A path key as the path template and the query pairs it carries: what follows a `#` is
/// a fragment, never sent (`/#Action=Create` only keeps keys apart), and what follows a
/// `?` is a query sent as it is (`/?Action=Create`).
fn split_path_key(key: &str) -> (&str, Vec<(String, String)>) {
    let key = key.split_once('#').map_or(key, |(before, _)| before);
    let Some((path, query)) = key.split_once('?') else {
        return (key, Vec::new());
    };
    let pairs = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decoded(name), form_decoded(value))
        })
        .collect();
    (path, pairs)
}

/// A query's name or value as text: `+` a space and `%XX` escapes undone, as a form reads
/// them (the client writes them again so); kept as written when the escapes are no UTF-8.
fn form_decoded(text: &str) -> String {
    let spaced = text.replace('+', " ");
    super::percent_decoded(&spaced).unwrap_or(spaced)
}

/// A path template split into its literal text and its `{…}` placeholders, in order.
fn path_segments(path: &str, at: &Pointer) -> Result<Vec<PathSegment>, Diagnostic> {
    let mut segments = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            return Err(Diagnostic::at(
                at,
                format!("the path `{path}` has a `{{` without a `}}`"),
            ));
        };
        let name = &after[..end];
        if name.is_empty() || name.contains('{') {
            return Err(Diagnostic::at(
                at,
                format!("the path `{path}` has a malformed `{{…}}` placeholder"),
            ));
        }
        if start > 0 {
            segments.push(PathSegment::Literal(rest[..start].to_owned()));
        }
        segments.push(PathSegment::Param(name.to_owned()));
        rest = &after[end + 1..];
    }
    if rest.contains('}') {
        return Err(Diagnostic::at(
            at,
            format!("the path `{path}` has a `}}` without a `{{`"),
        ));
    }
    if !rest.is_empty() {
        segments.push(PathSegment::Literal(rest.to_owned()));
    }
    Ok(segments)
}

/// The names in a path template's `{…}` placeholders, in order.
fn template_names(segments: &[PathSegment]) -> Vec<&str> {
    segments
        .iter()
        .filter_map(|segment| match segment {
            PathSegment::Param(name) => Some(name.as_str()),
            PathSegment::Literal(_) => None,
        })
        .collect()
}

/// The placeholders of the path template that no path parameter declares, once each.
fn undeclared_path_parameters<'p>(
    segments: &'p [PathSegment],
    params: &[Parameter],
) -> Vec<&'p str> {
    let mut undeclared: Vec<&str> = Vec::new();
    for name in template_names(segments) {
        let declared = params
            .iter()
            .any(|param| param.location == ParamLocation::Path && param.wire_name == name);
        if !declared && !undeclared.contains(&name) {
            undeclared.push(name);
        }
    }
    undeclared
}

/// Checks that every path parameter has a placeholder, and puts the path parameters
/// first, in template order.
fn order_path_parameters(
    path: &str,
    segments: &[PathSegment],
    params: &mut [Parameter],
    at: &Pointer,
) -> Result<(), Diagnostic> {
    let placeholders = template_names(segments);
    if let Some(extra) = params.iter().find(|param| {
        param.location == ParamLocation::Path && !placeholders.contains(&param.wire_name.as_str())
    }) {
        return Err(Diagnostic::at(
            &at.push("parameters"),
            format!(
                "the path parameter `{}` does not appear in the path `{path}`",
                extra.wire_name
            ),
        ));
    }
    let position = |param: &Parameter| match param.location {
        ParamLocation::Path => placeholders
            .iter()
            .position(|name| *name == param.wire_name)
            .unwrap_or(0),
        _ => placeholders.len() + usize::from(!param.required),
    };
    params.sort_by_key(position);
    Ok(())
}

/// The name of a header parameter OpenAPI says is to be ignored (`Accept`, `Content-Type`,
/// `Authorization`: the client sets them), if `parameter` is one.
fn ignored_header(parameter: &OpenApiParameter) -> Option<&str> {
    let OpenApiParameter::Header { parameter_data, .. } = parameter else {
        return None;
    };
    let name = parameter_data.name.as_str();
    ["accept", "content-type", "authorization"]
        .iter()
        .any(|ignored| name.eq_ignore_ascii_case(ignored))
        .then_some(name)
}

/// Whether `name` is an HTTP field name: a non-empty token (RFC 9110, 5.1), as a cookie's
/// name is too (RFC 6265, 4.1.1).
pub(super) fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte))
}

/// Why a request body of the media type `name` cannot be sent as one whole body, if it
/// cannot: a multipart body is made of parts (of `multipart/form-data` only, each property
/// a parameter), and a range (`*/*`, `application/*`) is no `Content-Type`.
fn unsendable(name: &str) -> Option<&'static str> {
    let essence = name.split(';').next().unwrap_or_default().trim();
    if essence.contains('*') {
        Some("a range is no `Content-Type` a request can be sent with")
    } else if essence.to_ascii_lowercase().starts_with("multipart/") {
        Some("of the multipart bodies, only `multipart/form-data` ones are made")
    } else {
        None
    }
}

/// Whether `name` is `multipart/form-data`, whose parts are made from its schema's
/// properties.
fn is_form_data(name: &str) -> bool {
    let essence = name.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("multipart/form-data")
}

/// A request body as the method takes it: whole, or as the parts of a
/// `multipart/form-data` body, each a parameter, and whether the body is required.
enum Body {
    Whole(RequestBody),
    Parts {
        parts: Vec<Parameter>,
        required: bool,
    },
}

/// How a body of the media type `name` is written or read: JSON (`application/json` or a
/// `+json` type), a form, text (`text/*`), or bytes.
pub(super) fn media_encoding(name: &str) -> Encoding {
    let essence = name
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        Encoding::Json
    } else if essence == "application/x-www-form-urlencoded" {
        Encoding::Form
    } else if essence.starts_with("text/") {
        Encoding::Text
    } else {
        Encoding::Bytes
    }
}

/// Whether `name` is a media range a server may answer JSON under: `*/*` or
/// `application/*`.
fn is_json_range(name: &str) -> bool {
    let essence = name.split(';').next().unwrap_or_default().trim();
    essence == "*/*" || essence.eq_ignore_ascii_case("application/*")
}

/// The entry of a content map, each with how it is written or read, that a body is
/// written or read as: JSON first (a media type before a range), then a form, then text,
/// then the first other.
fn pick_content<'a>(
    content: impl IntoIterator<Item = (&'a str, &'a MediaType, Encoding)>,
) -> Option<(&'a str, &'a MediaType, Encoding)> {
    let rank = |encoding| match encoding {
        Encoding::Json => 0,
        Encoding::Form => 1,
        Encoding::Text => 2,
        Encoding::Bytes => 3,
    };
    content
        .into_iter()
        .min_by_key(|(name, _, encoding)| (rank(*encoding), is_json_range(name)))
}

/// What the method returns, from the body of each success status (`None`: no body).
/// Statuses that disagree make the most general type: JSON of one type beside none is
/// `Option<T>`; JSON of different types is `serde_json::Value`; anything else, bytes.
fn success_body(bodies: Vec<Option<SuccessBody>>) -> SuccessBody {
    let mut distinct: Vec<SuccessBody> = Vec::new();
    for body in bodies.iter().flatten() {
        if !distinct.contains(body) {
            distinct.push(body.clone());
        }
    }
    let some_empty = bodies.iter().any(Option::is_none);
    match distinct.as_slice() {
        [] => SuccessBody::Empty,
        [SuccessBody::Json(ty)] if some_empty => SuccessBody::OptionalJson(ty.clone()),
        [only] => only.clone(),
        several
            if several
                .iter()
                .all(|body| matches!(body, SuccessBody::Json(_))) =>
        {
            if some_empty {
                SuccessBody::OptionalJson(TypeRef::Json)
            } else {
                SuccessBody::Json(TypeRef::Json)
            }
        }
        _ => SuccessBody::Bytes("*/*".to_owned()),
    }
}

/// Whether the operation is safe to send twice: the `x-idempotent` extension when the
/// document has it, otherwise what HTTP says of the method.
fn idempotent(
    operation: &OpenApiOperation,
    method: HttpMethod,
    at: &Pointer,
) -> Result<bool, Diagnostic> {
    match operation.extensions.get("x-idempotent") {
        None => Ok(method.is_idempotent()),
        Some(serde_json::Value::Bool(idempotent)) => Ok(*idempotent),
        Some(other) => Err(Diagnostic::at(
            &at.push("x-idempotent"),
            format!("`x-idempotent` is {other}, not true or false"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::{Options, load, lower};

    #[test]
    fn a_tag_named_as_a_windows_device_has_a_file_windows_can_hold() {
        let module = |tag: &str| super::group(tag, None).module;
        assert_eq!(
            [
                "CON", "nul", "Aux", "COM1", "lpt9", "com10", "console", "Prn Api"
            ]
            .map(module),
            [
                "con_api", "nul_api", "aux_api", "com1_api", "lpt9_api", "com10", "console",
                "prn_api"
            ]
        );
    }

    #[test]
    fn a_parameter_s_limits_follow_its_description_as_sentences() {
        let schema =
            |yaml: &str| -> openapiv3::Schema { serde_yaml::from_str(yaml).expect("a schema") };
        let limited = schema("{type: string, maxLength: 10, default: x}");
        assert_eq!(
            super::with_limits(Some("Channel Type"), Some(&limited)).as_deref(),
            Some("Channel Type. At most 10 characters. The server's default: `\"x\"`.")
        );
        assert_eq!(
            super::with_limits(Some("The type."), Some(&limited)).as_deref(),
            Some("The type. At most 10 characters. The server's default: `\"x\"`.")
        );
        assert_eq!(
            super::with_limits(Some("Channel Type"), Some(&schema("{type: string}"))).as_deref(),
            Some("Channel Type")
        );
        assert_eq!(
            super::with_limits(None, Some(&limited)).as_deref(),
            Some("At most 10 characters. The server's default: `\"x\"`.")
        );
    }

    #[test]
    fn values_that_no_enum_type_holds_are_listed() {
        let schema =
            |yaml: &str| -> openapiv3::Schema { serde_yaml::from_str(yaml).expect("a schema") };
        let listed = |yaml: &str| super::with_limits(None, Some(&schema(yaml)));
        assert_eq!(
            listed("{type: integer, enum: [1, 2, null], nullable: true, default: 1}").as_deref(),
            Some("One of `1`, `2`, `null`. The server's default: `1`.")
        );
        assert_eq!(
            listed("{type: number, enum: [0.5, 2]}").as_deref(),
            Some("One of `0.5`, `2`.")
        );
        assert_eq!(
            listed("{enum: [a, 1, true]}").as_deref(),
            Some("One of `\"a\"`, `1`, `true`.")
        );
        assert_eq!(
            listed("{type: boolean, enum: [true]}").as_deref(),
            Some("One of `true`.")
        );
        assert_eq!(
            listed("{enum: ['a`b', 2]}").as_deref(),
            Some("One of `` \"a`b\" ``, `2`.")
        );
        let many = (1..=25)
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let text = listed(&format!("{{type: integer, enum: [{many}]}}")).unwrap_or_default();
        assert!(text.ends_with("`19`, `20`, and 5 more."), "{text}");
        // An enum type says its values itself.
        for own in [
            "{type: string, enum: [a, b]}",
            "{enum: [a, b]}",
            "{type: string, enum: [a, 1]}",
        ] {
            assert_eq!(listed(own), None, "{own}");
        }
    }

    /// Whether each operation of `/items` is idempotent, by method, with `extension` added
    /// to every operation.
    fn idempotency(extension: &str) -> Result<Vec<(String, bool)>, String> {
        let operation = |verb: &str| {
            format!(
                "    {verb}:\n      operationId: {verb}Items\n{extension}      responses: {{'204': {{description: ok}}}}\n"
            )
        };
        let document = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /items:\n{}",
            ["get", "put", "post", "delete", "patch"]
                .map(operation)
                .concat()
        );
        let document = load::load(&document).map_err(|error| error.to_string())?;
        let api =
            lower::lower(&document, &Options::default()).map_err(|error| error.to_string())?;
        Ok(api
            .groups
            .iter()
            .flat_map(|group| &group.operations)
            .map(|operation| (operation.id.clone(), operation.idempotent))
            .collect())
    }

    #[test]
    fn http_methods_decide_idempotency_unless_x_idempotent_says() {
        let by_method = idempotency("").unwrap();
        let expected = [
            ("getItems", true),
            ("putItems", true),
            ("postItems", false),
            ("deleteItems", true),
            ("patchItems", false),
        ];
        let expected: Vec<(String, bool)> = expected
            .iter()
            .map(|(id, idempotent)| ((*id).to_owned(), *idempotent))
            .collect();
        assert_eq!(by_method, expected);
        let marked = idempotency("      x-idempotent: true\n").unwrap();
        assert!(
            marked.iter().all(|(_, idempotent)| *idempotent),
            "{marked:?}"
        );
        let unmarked = idempotency("      x-idempotent: false\n").unwrap();
        assert!(
            unmarked.iter().all(|(_, idempotent)| !*idempotent),
            "{unmarked:?}"
        );
    }

    #[test]
    fn x_idempotent_must_be_a_boolean() {
        let error = idempotency("      x-idempotent: 'yes'\n").unwrap_err();
        assert!(error.contains("x-idempotent"), "{error}");
        assert!(error.contains("not true or false"), "{error}");
    }
}
