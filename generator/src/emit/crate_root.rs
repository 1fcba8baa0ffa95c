//! `lib.rs` of the generated crate.

use proc_macro2::TokenStream;
use quote::quote;

use super::tokens::{ModelsPath, ident, inner_docs, type_tokens};
use crate::ir::{Api, TypeRef};

pub fn lib(api: &Api) -> TokenStream {
    let title = format!("# {}", api.title);
    let version = format!(
        "Generated from version {} of the API description.",
        api.version
    );
    let docs = inner_docs([
        title.as_str(),
        api.description.as_deref().unwrap_or_default(),
        &version,
    ]);
    let apis: Vec<_> = api
        .groups
        .iter()
        .map(|group| ident(&group.struct_name))
        .collect();
    // Without operations, there is no API struct to re-export.
    let reexport = (!apis.is_empty()).then(|| quote!(pub use apis::{#(#apis),*};));
    // The crate's `Error` carries the error body every operation declares; without one,
    // the runtime's (any JSON) is re-exported as it is.
    let error = match &api.error_body {
        TypeRef::Json => None,
        body => {
            let body = type_tokens(body, ModelsPath::Qualified);
            Some(quote! {
                /// Everything that can go wrong with a call, with the API's error body.
                pub type Error = api_client_runtime::Error<#body>;
            })
        }
    };
    quote! {
        #docs
        #![forbid(unsafe_code)]
        #![warn(missing_docs)]

        pub mod apis;
        pub mod models;

        #reexport
        pub use api_client_runtime::*;
        #error
        /// The result of every call.
        pub type Result<T, E = Error> = std::result::Result<T, E>;
    }
}
