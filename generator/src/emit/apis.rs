//! The apis module: one struct per tag, one method per operation.

use proc_macro2::TokenStream;
use quote::quote;

use super::tokens::{
    ModelsPath, argument_type, borrowed_type, docs, ident, is_copy_scalar, lend, type_tokens,
};
use crate::ir::{
    Api, ApiGroup, Encoding, ListStyle, ObjectStyle, Operation, ParamLocation, Parameter,
    PathSegment, RequestBody, SuccessBody, TypeRef,
};

/// `apis/mod.rs`: the group modules and their re-exports.
pub fn apis_module(api: &Api) -> TokenStream {
    let modules = api.groups.iter().map(|group| {
        let module = ident(&group.module);
        let name = ident(&group.struct_name);
        let call_types = group
            .operations
            .iter()
            .filter_map(|operation| operation.call_type.as_deref().map(ident));
        quote! {
            mod #module;
            pub use #module::{#name #(, #call_types)*};
        }
    });
    quote! {
        //! One client per tag of the API, each with one method per operation.
        #(#modules)*
    }
}

/// One group's file: its struct and its methods.
pub fn group(group: &ApiGroup) -> TokenStream {
    let name = ident(&group.struct_name);
    let tag_doc = format!("The `{}` operations.", group.tag);
    let struct_docs = docs([
        tag_doc.as_str(),
        group.description.as_deref().unwrap_or_default(),
    ]);
    let methods = group.operations.iter().map(operation);
    let call_types = group
        .operations
        .iter()
        .filter_map(|operation| call_type(&group.struct_name, operation));
    let uses_models = group.operations.iter().any(operation_uses_models);
    let models_import = uses_models.then(|| {
        quote!(
            use crate::models;
        )
    });
    quote! {
        #models_import
        use api_client_runtime::codegen::{Method, PathSegment, Request};
        use api_client_runtime::{Call, Client};

        #struct_docs
        #[derive(Debug, Clone)]
        pub struct #name {
            client: Client,
        }

        impl #name {
            /// The operations of this group, sent through `client`.
            pub fn new(client: Client) -> Self {
                client.identify(crate::USER_AGENT);
                Self { client }
            }

            #(#methods)*
        }

        #(#call_types)*
    }
}

fn operation_uses_models(operation: &Operation) -> bool {
    operation.params.iter().any(|param| param.ty.names_a_type())
        || operation
            .body
            .as_ref()
            .is_some_and(|body| body.ty.names_a_type())
        || matches!(&operation.success.body, SuccessBody::Json(ty) | SuccessBody::OptionalJson(ty) if ty.names_a_type())
        || operation.error_body.names_a_type()
}

fn operation(operation: &Operation) -> TokenStream {
    let name = ident(&operation.method_name);
    let docs = operation_docs(operation);
    let arguments: Vec<TokenStream> = arguments(operation).iter().map(Argument::tokens).collect();
    let deprecated = operation.deprecated.then(|| quote!(#[deprecated]));

    let method = ident(operation.http_method.as_str());
    let id = &operation.id;
    let path = &operation.path;
    let path_segments = path_segments(operation);
    let fixed_query = operation
        .fixed_query
        .iter()
        .map(|(name, value)| quote!(.query(#name, #value)));
    let setters = operation
        .params
        .iter()
        .filter(|param| is_positional(param))
        .map(|param| parameter_setter(operation, param));
    // An optional body is left out unless one of its parts is set.
    let multipart = operation.multipart_required.then(|| quote!(.multipart()));
    let body = operation.body.as_ref().map(|body| {
        let media_type = &body.media_type;
        let set = match body.encoding {
            Encoding::Json => quote!(json_body),
            Encoding::Form if !body.form_styles.is_empty() => quote!(styled_form_body),
            Encoding::Form => quote!(form_body),
            Encoding::Text | Encoding::Bytes => quote!(raw_body),
        };
        let styles = form_styles(body);
        let body_name = ident(&body.rust_name);
        let borrow = lend(&body.ty);
        if takes_json_body(body) {
            quote!(.serialized_json_body(#media_type, #body_name.into()))
        } else if body.required {
            quote!(.#set(#media_type, #borrow #body_name #styles))
        } else {
            quote!(.with(#body_name, |request, body| request.#set(#media_type, #borrow body #styles)))
        }
    });
    let (output, constructor, accept) = match &operation.success.body {
        SuccessBody::Empty => (quote!(()), quote!(empty), None),
        SuccessBody::Json(ty) => (type_tokens(ty, ModelsPath::Qualified), quote!(json), None),
        SuccessBody::OptionalJson(ty) => {
            let ty = type_tokens(ty, ModelsPath::Qualified);
            (quote!(Option<#ty>), quote!(optional_json), None)
        }
        SuccessBody::Text(media_type) => (quote!(String), quote!(text), Some(media_type)),
        SuccessBody::Bytes(media_type) => (quote!(Vec<u8>), quote!(bytes), Some(media_type)),
    };
    let call_type = call_tokens(&output, &operation.error_body);
    let accept = accept.map(|media_type| quote!(.accept(#media_type)));
    let idempotent = operation.idempotent.then(|| quote!(.idempotent()));
    let credentials = (!operation.sends_credentials).then(|| quote!(.without_credentials()));
    let server = operation.server.as_ref().map(|server| {
        let url = &server.url;
        match server.variables.is_empty() {
            true => quote!(.server(#url)),
            false => quote!(.templated_server(#url)),
        }
    });
    let call = quote! {
        Call::#constructor(
            self.client.clone(),
            Request::new(Method::#method, #id, #path)
                .path(&[#(#path_segments),*])
                #(#fixed_query)*
                #multipart
                #(#setters)*
                #body
                #accept
                #idempotent
                #credentials
                #server,
        )
    };
    let (returned, call) = match &operation.call_type {
        Some(call_type) => {
            let call_type = ident(call_type);
            (quote!(#call_type), quote!(#call_type(#call)))
        }
        None => (call_type, call),
    };
    quote! {
        #docs
        #deprecated
        pub fn #name(&self, #(#arguments),*) -> #returned {
            #call
        }
    }
}

/// `Call<T, E>`, or `Call<T>` when the error body is any JSON (the runtime's default).
fn call_tokens(output: &TokenStream, error_body: &TypeRef) -> TokenStream {
    match error_body {
        TypeRef::Json => quote!(Call<#output>),
        body => {
            let body = type_tokens(body, ModelsPath::Qualified);
            quote!(Call<#output, #body>)
        }
    }
}

/// The path template as data: its literal text and its parameters' values, in order.
fn path_segments(operation: &Operation) -> Vec<TokenStream> {
    operation
        .path_segments
        .iter()
        .map(|segment| match segment {
            PathSegment::Literal(text) => quote!(PathSegment::Literal(#text)),
            PathSegment::Param(wire) => {
                let param = operation.params.iter().find(|param| {
                    param.location == ParamLocation::Path && &param.wire_name == wire
                });
                // Lowering declared every placeholder as a path parameter.
                let Some(param) = param else {
                    return quote!(PathSegment::Param(#wire, &""));
                };
                let name = ident(&param.rust_name);
                match param.list_style {
                    Some(ListStyle::Joined(separator)) => quote! {
                        PathSegment::ParamList(
                            #wire,
                            &api_client_runtime::codegen::path_list(#name, #separator),
                        )
                    },
                    _ => quote!(PathSegment::Param(#wire, &#name)),
                }
            }
        })
        .collect()
}

/// The call type of an operation with optional query or header parameters: the runtime's
/// `Call` with one chainable setter per optional parameter, sent with `.await` or `send`.
fn call_type(group: &str, operation: &Operation) -> Option<TokenStream> {
    let name = ident(operation.call_type.as_deref()?);
    let output = match &operation.success.body {
        SuccessBody::Empty => quote!(()),
        SuccessBody::Json(ty) => type_tokens(ty, ModelsPath::Qualified),
        SuccessBody::OptionalJson(ty) => {
            let ty = type_tokens(ty, ModelsPath::Qualified);
            quote!(Option<#ty>)
        }
        SuccessBody::Text(_) => quote!(String),
        SuccessBody::Bytes(_) => quote!(Vec<u8>),
    };
    let call = call_tokens(&output, &operation.error_body);
    let error = match &operation.error_body {
        TypeRef::Json => quote!(serde_json::Value),
        body => type_tokens(body, ModelsPath::Qualified),
    };
    let method = operation.method_name.trim_start_matches("r#");
    let call_docs = format!(
        "A call to [`{group}::{method}`]: set its optional parameters, then `.await` it for \
         the body or [`send`](Self::send) it for the body and the response's metadata."
    );
    let call_docs = docs([call_docs.as_str()]);
    let setters = operation
        .params
        .iter()
        .filter(|param| !is_positional(param))
        .map(|param| optional_setter(operation, param));
    Some(quote! {
        #call_docs
        #[must_use = "a call does nothing until it is awaited or sent"]
        pub struct #name(#call);

        impl #name {
            #(#setters)*

            /// Sends the request and returns the decoded body with the response's metadata.
            pub async fn send(
                self,
            ) -> Result<api_client_runtime::Response<#output>, api_client_runtime::Error<#error>> {
                self.0.send().await
            }
        }

        impl std::future::IntoFuture for #name {
            type Output = <#call as std::future::IntoFuture>::Output;
            type IntoFuture = <#call as std::future::IntoFuture>::IntoFuture;

            fn into_future(self) -> Self::IntoFuture {
                self.0.into_future()
            }
        }
    })
}

/// Whether a parameter is a method argument rather than a setter of the call: path
/// parameters and required ones.
fn is_positional(param: &Parameter) -> bool {
    param.required || param.location == ParamLocation::Path
}

/// The chainable setter of an optional parameter.
fn optional_setter(operation: &Operation, param: &Parameter) -> TokenStream {
    let name = ident(&param.rust_name);
    let ty = argument_tokens(param);
    let set = parameter_setter(operation, param);
    let description = param
        .description
        .as_deref()
        .filter(|text| !text.trim().is_empty());
    let wire = format!("Sets `{}`.", param.wire_name);
    let docs = docs([Some(wire.as_str()), description].into_iter().flatten());
    // The closure's request must not shadow the argument.
    let request = match param.rust_name.as_str() {
        "request" => ident("to_send"),
        _ => ident("request"),
    };
    quote! {
        #docs
        pub fn #name(self, #name: #ty) -> Self {
            Self(self.0.map_request(|#request| #request #set))
        }
    }
}

/// A method argument: a parameter or the request body.
enum Argument<'a> {
    Parameter(&'a Parameter),
    Body(&'a RequestBody),
}

/// The method's arguments in signature order: path parameters in template order, the body,
/// then the required query and header parameters; optional ones are setters of the call.
fn arguments(operation: &Operation) -> Vec<Argument<'_>> {
    let positional = || operation.params.iter().filter(|param| is_positional(param));
    let located = |location| positional().filter(move |param| param.location == location);
    let other = positional()
        .filter(|param| !matches!(param.location, ParamLocation::Path | ParamLocation::Part));
    located(ParamLocation::Path)
        .map(Argument::Parameter)
        .chain(operation.body.as_ref().map(Argument::Body))
        .chain(located(ParamLocation::Part).map(Argument::Parameter))
        .chain(other.map(Argument::Parameter))
        .collect()
}

impl Argument<'_> {
    fn name(&self) -> &str {
        match self {
            Self::Parameter(param) => &param.rust_name,
            Self::Body(body) => &body.rust_name,
        }
    }

    fn wire_name(&self) -> Option<&str> {
        match self {
            Self::Parameter(param) => Some(&param.wire_name),
            Self::Body(_) => None,
        }
    }

    fn description(&self) -> Option<&str> {
        match self {
            Self::Parameter(param) => param.description.as_deref(),
            Self::Body(body) => body.description.as_deref(),
        }
        .filter(|text| !text.trim().is_empty())
    }

    /// `name: Type`, or `name: Option<Type>` for an optional body.
    fn tokens(&self) -> TokenStream {
        let name = ident(self.name());
        match self {
            Self::Parameter(param) => {
                let ty = argument_tokens(param);
                quote!(#name: #ty)
            }
            Self::Body(body) if takes_json_body(body) => {
                let ty = borrowed_type(&body.ty, ModelsPath::Qualified);
                quote!(#name: impl Into<api_client_runtime::JsonBody<#ty>>)
            }
            Self::Body(body) => {
                let ty = argument_type(&body.ty, ModelsPath::Qualified);
                if body.required {
                    quote!(#name: #ty)
                } else {
                    quote!(#name: Option<#ty>)
                }
            }
        }
    }
}

/// Whether the body is a `JsonBody`: a required JSON one, typed or serialised beforehand.
/// An optional body stays `Option<&T>`, as a plain `None` could not be typed otherwise,
/// and a number or a boolean stays passed by value.
fn takes_json_body(body: &RequestBody) -> bool {
    body.required && body.encoding == Encoding::Json && !is_copy_scalar(&body.ty)
}

/// The type a parameter's value is passed as.
fn argument_tokens(param: &Parameter) -> TokenStream {
    match &param.ty {
        TypeRef::Bytes if param.file_media_type.is_some() => {
            quote!(impl Into<api_client_runtime::FilePart>)
        }
        TypeRef::List(item)
            if param.file_media_type.is_some() && matches!(**item, TypeRef::Bytes) =>
        {
            quote!(Vec<api_client_runtime::FilePart>)
        }
        // A list of an enum's values takes the enum (`&[Status::Active]`); any other list,
        // any values that print (`&["a", "b"]`, `&[id]`).
        TypeRef::List(item)
            if param.object_style.is_none() && !matches!(**item, TypeRef::Named(_)) =>
        {
            quote!(&[impl std::fmt::Display])
        }
        ty => argument_type(ty, ModelsPath::Qualified),
    }
}

/// The request builder call that writes a query or header parameter's value (path
/// parameters are segments of the path).
fn parameter_setter(operation: &Operation, param: &Parameter) -> TokenStream {
    let name = ident(&param.rust_name);
    let wire = &param.wire_name;
    if param.location == ParamLocation::Part {
        return part_setter(operation, param);
    }
    if let Some(style) = param.object_style {
        let style = object_style(style);
        let borrow = lend(&param.ty);
        return quote!(.query_object(#wire, #borrow #name, #style));
    }
    let value = match param.list_style {
        None => quote!(#name),
        Some(ListStyle::Joined(separator)) if param.location == ParamLocation::Query => {
            return quote!(.query_joined(#wire, #name, #separator));
        }
        Some(ListStyle::Joined(separator)) => {
            return quote!(.header_joined(#wire, #name, #separator));
        }
        Some(ListStyle::Repeated) => return quote!(.query_each(#wire, #name)),
        Some(ListStyle::Indexed) => return quote!(.query_indexed(#wire, #name)),
    };
    match param.location {
        ParamLocation::Query => quote!(.query(#wire, #value)),
        ParamLocation::Header => quote!(.header(#wire, #value)),
        // Path parameters are written by the path's segments, parts above.
        ParamLocation::Path | ParamLocation::Part => TokenStream::new(),
    }
}

/// The part of a multipart body that a parameter is, at its property's place among the
/// body's parts: a file, files, text, texts, or an object in its style.
fn part_setter(operation: &Operation, param: &Parameter) -> TokenStream {
    let name = ident(&param.rust_name);
    let wire = &param.wire_name;
    let place = operation
        .params
        .iter()
        .filter(|part| part.location == ParamLocation::Part)
        .position(|part| std::ptr::eq(part, param))
        .and_then(|place| u16::try_from(place).ok())
        .unwrap_or(u16::MAX);
    let place = proc_macro2::Literal::u16_unsuffixed(place);
    if let Some(media_type) = &param.file_media_type {
        return match param.ty {
            TypeRef::List(_) => quote!(.part_files(#place, #wire, #name, #media_type)),
            _ => quote!(.part_file(#place, #wire, #name.into(), #media_type)),
        };
    }
    if let Some(style) = param.object_style {
        if style == ObjectStyle::Json && matches!(param.ty, TypeRef::List(_)) {
            return quote!(.part_json_each(#place, #wire, #name));
        }
        let style = object_style(style);
        let borrow = lend(&param.ty);
        return quote!(.part_value(#place, #wire, #borrow #name, #style));
    }
    match param.list_style {
        Some(_) => quote!(.part_texts(#place, #wire, #name)),
        None => quote!(.part_text(#place, #wire, #name)),
    }
}

/// The runtime's `ObjectStyle` of `style`.
fn object_style(style: ObjectStyle) -> TokenStream {
    let style = match style {
        ObjectStyle::FormExploded => quote!(FormExploded),
        ObjectStyle::Form => quote!(Form),
        ObjectStyle::DeepObject => quote!(DeepObject),
        ObjectStyle::Json => quote!(Json),
    };
    quote!(api_client_runtime::codegen::ObjectStyle::#style)
}

/// `, &[("metadata", ObjectStyle::DeepObject)]`: the styles of a form body's properties
/// that are not `form` exploded, as the last argument of `styled_form_body`; nothing when
/// there are none.
fn form_styles(body: &RequestBody) -> Option<TokenStream> {
    if body.form_styles.is_empty() {
        return None;
    }
    let styles = body.form_styles.iter().map(|(name, style)| {
        let style = object_style(*style);
        quote!((#name, #style))
    });
    Some(quote!(, &[#(#styles),*]))
}

fn operation_docs(operation: &Operation) -> TokenStream {
    let route = format!("`{} {}`", operation.http_method.as_str(), operation.path);
    let scopes = (!operation.scopes.is_empty()).then(|| {
        let scopes: Vec<String> = operation
            .scopes
            .iter()
            .map(|scope| format!("`{scope}`"))
            .collect();
        format!("OAuth 2.0 scopes: {}.", scopes.join(", "))
    });
    let credentials = (!operation.sends_credentials)
        .then_some("Sent without the client's credentials: the API description requires none.");
    let server = operation.server.as_ref().map(|server| {
        let url = &server.url;
        match server.variables.as_slice() {
            [] => format!(
                "Sent to a server of its own, `{url}`, with the client's credentials, not to \
                 the client's base URL; `ClientBuilder::server_url(\"{url}\", url)` sends it \
                 elsewhere."
            ),
            variables => format!(
                "Sent to a server of its own, `{url}`, whose URL depends on {}: give it with \
                 `ClientBuilder::server_url(\"{url}\", url)`, or the call fails before it is \
                 sent.",
                variables
                    .iter()
                    .map(|name| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    });
    let success = match operation.success.statuses.as_slice() {
        [] => "Succeeds with any 2xx status (the document declares none).".to_owned(),
        statuses => format!("Succeeds with {}.", statuses.join(", ")),
    };
    let errors = (!operation.error_statuses.is_empty()).then(|| {
        format!(
            "Documented errors: {}.",
            operation.error_statuses.join(", ")
        )
    });
    let arguments: Vec<String> = arguments(operation)
        .iter()
        .filter_map(|argument| {
            let description = argument.description()?.trim().replace('\n', " ");
            let name = argument.name().trim_start_matches("r#");
            Some(match argument.wire_name().filter(|wire| *wire != name) {
                Some(wire) => format!("- `{name}` (`{wire}`): {description}"),
                None => format!("- `{name}`: {description}"),
            })
        })
        .collect();
    let arguments =
        (!arguments.is_empty()).then(|| format!("# Arguments\n\n{}", arguments.join("\n")));
    docs(
        [
            operation.docs.summary.as_deref(),
            operation.docs.description.as_deref(),
            Some(route.as_str()),
        ]
        .into_iter()
        .flatten()
        .chain(server.as_deref())
        .chain(scopes.as_deref())
        .chain(credentials)
        .chain(Some(success.as_str()))
        .chain(errors.as_deref())
        .chain(arguments.as_deref()),
    )
}
