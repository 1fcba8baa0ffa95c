//! `lib.rs` of the generated crate.

use proc_macro2::TokenStream;
use quote::quote;

use super::tokens::{ident, inner_docs};
use crate::ir::Api;

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
    let auth = (!api.security.schemes.is_empty()).then(|| {
        quote!(
            pub mod auth;
        )
    });
    quote! {
        #docs
        #![forbid(unsafe_code)]
        #![warn(missing_docs)]

        pub mod apis;
        #auth
        pub mod models;

        #reexport
        pub use api_client_runtime::*;
    }
}
