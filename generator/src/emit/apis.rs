//! The apis module: one struct per tag, one method per operation.

use proc_macro2::TokenStream;
use quote::quote;

use super::tokens::{ModelsPath, argument_type, docs, ident, type_tokens};
use crate::ir::{
    Api, ApiGroup, Encoding, ListStyle, ObjectStyle, Operation, ParamLocation, Parameter,
    RequestBody, SuccessBody, TypeRef,
};

/// More arguments than this trip clippy's `too_many_arguments`.
const CLIPPY_MAX_ARGUMENTS: usize = 7;

/// `apis/mod.rs`: the group modules and their re-exports.
pub fn apis_module(api: &Api) -> TokenStream {
    let modules = api.groups.iter().map(|group| {
        let module = ident(&group.module);
        let name = ident(&group.struct_name);
        quote! {
            mod #module;
            pub use #module::#name;
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
    let uses_models = group.operations.iter().any(operation_uses_models);
    let models_import = uses_models.then(|| {
        quote!(
            use crate::models;
        )
    });
    quote! {
        #models_import
        use api_client_runtime::codegen::{Method, Request};
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
    }
}

fn operation_uses_models(operation: &Operation) -> bool {
    fn named(ty: &TypeRef) -> bool {
        match ty {
            TypeRef::Named(_) => true,
            TypeRef::List(inner) | TypeRef::Map(inner) | TypeRef::Boxed(inner) => named(inner),
            _ => false,
        }
    }
    operation.params.iter().any(|param| named(&param.ty))
        || operation.body.as_ref().is_some_and(|body| named(&body.ty))
        || matches!(&operation.success.body, SuccessBody::Json(ty) | SuccessBody::OptionalJson(ty) if named(ty))
}

fn operation(operation: &Operation) -> TokenStream {
    let name = ident(&operation.method_name);
    let docs = operation_docs(operation);
    let arguments: Vec<TokenStream> = arguments(operation).iter().map(Argument::tokens).collect();
    let allow = (arguments.len() > CLIPPY_MAX_ARGUMENTS)
        .then(|| quote!(#[allow(clippy::too_many_arguments)]));
    let deprecated = operation.deprecated.then(|| quote!(#[deprecated]));

    let method = ident(operation.http_method.as_str());
    let id = &operation.id;
    let path = &operation.path;
    let fixed_query = operation
        .fixed_query
        .iter()
        .map(|(name, value)| quote!(.query(#name, #value)));
    let setters = operation.params.iter().map(parameter_setter);
    let body = operation.body.as_ref().map(|body| {
        let media_type = &body.media_type;
        let set = match body.encoding {
            Encoding::Json => quote!(json_body),
            Encoding::Form => quote!(form_body),
            Encoding::Text | Encoding::Bytes => quote!(raw_body),
        };
        let body_name = ident(&body.rust_name);
        if body.required {
            quote!(.#set(#media_type, #body_name))
        } else {
            quote!(.with(#body_name, |request, body| request.#set(#media_type, body)))
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
    let accept = accept.map(|media_type| quote!(.accept(#media_type)));
    let idempotent = operation.idempotent.then(|| quote!(.idempotent()));
    quote! {
        #docs
        #allow
        #deprecated
        pub fn #name(&self, #(#arguments),*) -> Call<#output> {
            Call::#constructor(
                self.client.clone(),
                Request::new(Method::#method, #id, #path)
                    #(#fixed_query)*
                    #(#setters)*
                    #body
                    #accept
                    #idempotent,
            )
        }
    }
}

/// A method argument: a parameter or the request body.
enum Argument<'a> {
    Parameter(&'a Parameter),
    Body(&'a RequestBody),
}

/// The method's arguments in signature order: path parameters in template order, the body,
/// then the query and header parameters (required ones first, as lowering sorted them).
fn arguments(operation: &Operation) -> Vec<Argument<'_>> {
    let (path, other): (Vec<&Parameter>, Vec<&Parameter>) = operation
        .params
        .iter()
        .partition(|param| param.location == ParamLocation::Path);
    path.into_iter()
        .map(Argument::Parameter)
        .chain(operation.body.as_ref().map(Argument::Body))
        .chain(other.into_iter().map(Argument::Parameter))
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

    /// `name: Type`, or `name: Option<Type>` when it may be left out.
    fn tokens(&self) -> TokenStream {
        let (ty, required) = match self {
            Self::Parameter(param) => (&param.ty, param.required),
            Self::Body(body) => (&body.ty, body.required),
        };
        let name = ident(self.name());
        let ty = match (self, ty) {
            // Any values that print: `&["a", "b"]`, `&[id]`, `&[Status::Active]`.
            (Self::Parameter(param), TypeRef::List(_)) if param.object_style.is_none() => {
                quote!(&[impl std::fmt::Display])
            }
            _ => argument_type(ty, ModelsPath::Qualified),
        };
        if required {
            quote!(#name: #ty)
        } else {
            quote!(#name: Option<#ty>)
        }
    }
}

fn parameter_setter(param: &Parameter) -> TokenStream {
    let name = ident(&param.rust_name);
    let wire = &param.wire_name;
    if let Some(style) = param.object_style {
        let style = match style {
            ObjectStyle::FormExploded => quote!(FormExploded),
            ObjectStyle::Form => quote!(Form),
            ObjectStyle::DeepObject => quote!(DeepObject),
            ObjectStyle::Json => quote!(Json),
        };
        let style = quote!(api_client_runtime::codegen::ObjectStyle::#style);
        return if param.required {
            quote!(.query_object(#wire, #name, #style))
        } else {
            quote!(.with(#name, |request, value| request.query_object(#wire, value, #style)))
        };
    }
    let separator = match param.list_style {
        None => None,
        Some(ListStyle::Joined(separator)) => Some(separator),
        Some(ListStyle::Repeated) if param.required => {
            return quote!(.query_each(#wire, #name));
        }
        Some(ListStyle::Repeated) => {
            return quote!(.with(#name, |request, values| request.query_each(#wire, values)));
        }
    };
    // The value as one piece of text, a list's values joined.
    let value = |value: TokenStream| match separator {
        Some(separator) => quote!(api_client_runtime::codegen::joined(#value, #separator)),
        None => value,
    };
    let set = setter(param.location, param.required);
    match (param.required, separator) {
        (true, _) => {
            let value = value(quote!(#name));
            quote!(.#set(#wire, #value))
        }
        (false, Some(_)) => {
            let value = value(quote!(values));
            quote!(.#set(#wire, #name.map(|values| #value)))
        }
        (false, None) => quote!(.#set(#wire, #name)),
    }
}

/// The request builder method that sets a parameter (path parameters are always required).
fn setter(location: ParamLocation, required: bool) -> TokenStream {
    match (location, required) {
        (ParamLocation::Path, _) => quote!(path_param),
        (ParamLocation::Query, true) => quote!(query),
        (ParamLocation::Query, false) => quote!(optional_query),
        (ParamLocation::Header, true) => quote!(header),
        (ParamLocation::Header, false) => quote!(optional_header),
    }
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
    let statuses = |codes: &[u16]| {
        codes
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let success = format!("Succeeds with {}.", statuses(&operation.success.statuses));
    let errors = (!operation.error_statuses.is_empty()).then(|| {
        format!(
            "Documented errors: {}.",
            statuses(&operation.error_statuses)
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
        .chain(scopes.as_deref())
        .chain(Some(success.as_str()))
        .chain(errors.as_deref())
        .chain(arguments.as_deref()),
    )
}
