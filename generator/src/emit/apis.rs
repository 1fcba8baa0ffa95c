//! The apis module: one struct per tag, one method per operation.

use proc_macro2::TokenStream;
use quote::quote;

use super::tokens::{ModelsPath, argument_type, docs, ident, type_tokens};
use crate::ir::{Api, ApiGroup, Operation, ParamLocation, Parameter, SuccessBody, TypeRef};

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
        use crate::runtime::{Call, Client, Method, Request};

        #struct_docs
        #[derive(Debug, Clone)]
        pub struct #name {
            client: Client,
        }

        impl #name {
            /// The operations of this group, sent through `client`.
            pub fn new(client: Client) -> Self {
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
            TypeRef::List(inner) | TypeRef::Map(inner) => named(inner),
            _ => false,
        }
    }
    operation.params.iter().any(|param| named(&param.ty))
        || operation.body.as_ref().is_some_and(|body| named(&body.ty))
        || matches!(&operation.success.body, SuccessBody::Json(ty) if named(ty))
}

fn operation(operation: &Operation) -> TokenStream {
    let name = ident(&operation.method_name);
    let docs = operation_docs(operation);
    let (path_params, other_params): (Vec<&Parameter>, Vec<&Parameter>) = operation
        .params
        .iter()
        .partition(|param| param.location == ParamLocation::Path);
    let mut arguments: Vec<TokenStream> = path_params
        .iter()
        .map(|param| parameter_argument(param))
        .collect();
    if let Some(body) = &operation.body {
        let body_name = ident(&body.rust_name);
        let ty = argument_type(&body.ty, ModelsPath::Qualified);
        arguments.push(if body.required {
            quote!(#body_name: #ty)
        } else {
            quote!(#body_name: Option<#ty>)
        });
    }
    arguments.extend(other_params.iter().map(|param| parameter_argument(param)));
    let allow = (arguments.len() > CLIPPY_MAX_ARGUMENTS)
        .then(|| quote!(#[allow(clippy::too_many_arguments)]));
    let deprecated = operation.deprecated.then(|| quote!(#[deprecated]));

    let method = ident(operation.http_method.as_str());
    let id = &operation.id;
    let path = &operation.path;
    let setters = operation.params.iter().map(parameter_setter);
    let body = operation.body.as_ref().map(|body| {
        let body_name = ident(&body.rust_name);
        if body.required {
            quote!(.json_body(#body_name))
        } else {
            quote!(.optional_json_body(#body_name))
        }
    });
    let (output, constructor) = match &operation.success.body {
        SuccessBody::Empty => (quote!(()), quote!(empty)),
        SuccessBody::Json(ty) => (type_tokens(ty, ModelsPath::Qualified), quote!(json)),
    };
    quote! {
        #docs
        #allow
        #deprecated
        pub fn #name(&self, #(#arguments),*) -> Call<#output> {
            Call::#constructor(
                self.client.clone(),
                Request::new(Method::#method, #id, #path)
                    #(#setters)*
                    #body,
            )
        }
    }
}

fn parameter_argument(param: &Parameter) -> TokenStream {
    let name = ident(&param.rust_name);
    let ty = argument_type(&param.ty, ModelsPath::Qualified);
    if param.required {
        quote!(#name: #ty)
    } else {
        quote!(#name: Option<#ty>)
    }
}

fn parameter_setter(param: &Parameter) -> TokenStream {
    let name = ident(&param.rust_name);
    let wire = &param.wire_name;
    match (param.location, param.required) {
        (ParamLocation::Path, _) => quote!(.path_param(#wire, #name)),
        (ParamLocation::Query, true) => quote!(.query(#wire, #name)),
        (ParamLocation::Query, false) => quote!(.optional_query(#wire, #name)),
        (ParamLocation::Header, true) => quote!(.header(#wire, #name)),
        (ParamLocation::Header, false) => quote!(.optional_header(#wire, #name)),
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
    let arguments: Vec<String> = operation
        .params
        .iter()
        .map(|param| {
            (
                param.rust_name.trim_start_matches("r#"),
                &param.wire_name,
                param.description.as_deref(),
            )
        })
        .chain(operation.body.iter().map(|body| {
            (
                body.rust_name.trim_start_matches("r#"),
                &body.rust_name,
                body.description.as_deref(),
            )
        }))
        .map(|(name, wire, description)| {
            let description = description
                .map(|text| text.trim().replace('\n', " "))
                .unwrap_or_default();
            if name == wire.as_str() || description.is_empty() {
                format!("- `{name}`: {description}")
                    .trim_end_matches(": ")
                    .to_owned()
            } else {
                format!("- `{name}` (`{wire}`): {description}")
            }
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
