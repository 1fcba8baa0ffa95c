//! `lib.rs` of the generated crate, and its front page: what the API is, a quick start made
//! for it that compiles as a doctest, and its groups of operations.

use proc_macro2::TokenStream;
use quote::quote;

use super::tokens::{ModelsPath, ident, inner_docs, type_tokens};
use crate::ir::{Api, ApiGroup, Operation, ParamLocation, SchemeKind, TypeRef};

pub fn lib(api: &Api, lib_name: &str) -> TokenStream {
    let title = format!("# {}", api.title);
    let version = format!(
        "Generated from version {} of the API description.",
        api.version
    );
    let docs = inner_docs([
        title.as_str(),
        api.description.as_deref().unwrap_or_default(),
    ]);
    let quick_start = quick_start(api, lib_name);
    let groups = groups(&api.groups);
    let version = inner_docs([version.as_str()]);
    let apis: Vec<_> = api
        .groups
        .iter()
        .map(|group| ident(&group.struct_name))
        .collect();
    // Without operations, there is no API struct to re-export, and nothing sends requests.
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
    let user_agent = (!apis.is_empty()).then(|| {
        quote! {
            /// The product this crate names in the `User-Agent` of its requests.
            const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));
        }
    });
    let auth = (!api.security.schemes.is_empty()).then(|| {
        quote!(
            pub mod auth;
        )
    });
    // The lints allowed below are of what the document decides: how many parameters an
    // operation requires, what its tags and parameters are named, how its descriptions
    // write their lists. Forbidden unsafe code, unless a type states `Send` and `Sync`
    // (`models::stated_send_sync`).
    let unsafe_code = match api.types.iter().any(|def| def.states_send_sync) {
        false => quote!(#![forbid(unsafe_code)]),
        true => quote!(#![deny(unsafe_code)]),
    };
    quote! {
        #docs
        #quick_start
        #groups
        #![doc = ""]
        #version
        #unsafe_code
        #![warn(missing_docs)]
        #![allow(clippy::large_enum_variant)]
        #![allow(clippy::too_many_arguments)]
        #![allow(clippy::module_inception)]
        #![allow(clippy::disallowed_names)]
        #![allow(clippy::doc_overindented_list_items)]
        #![allow(clippy::doc_lazy_continuation)]
        #![allow(clippy::tabs_in_doc_comments)]

        #user_agent

        pub mod apis;
        #auth
        pub mod models;

        #reexport
        pub use api_client_runtime::*;
        #error
        /// The result of every call.
        pub type Result<T, E = Error> = std::result::Result<T, E>;
    }
}

/// The quick start: build a client with its credentials, make a first call, tell an answer
/// with an error status from a failure to get one. Its lines are written as they are (not
/// through the description's Markdown rules), so it is the crate's doctest.
fn quick_start(api: &Api, lib_name: &str) -> TokenStream {
    let call = first_call(api);
    let Some(group) = call.map(|(group, _)| group).or(api.groups.first()) else {
        return TokenStream::new();
    };
    let api_struct = &group.struct_name;
    // A document without security schemes says its API takes no credentials.
    let anonymous = api.security.schemes.is_empty();
    let auth = if anonymous { "Auth, " } else { "" };
    let mut lines = vec![
        String::new(),
        "## Quick start".to_owned(),
        String::new(),
        "```no_run".to_owned(),
        format!("use {lib_name}::{{{auth}Client, Error, {api_struct}}};"),
        String::new(),
        "# async fn quick_start() -> Result<(), Error> {".to_owned(),
    ];
    if !anonymous {
        lines.push("let token = std::env::var(\"API_TOKEN\").unwrap_or_default();".to_owned());
    }
    lines.extend([
        format!(
            "let client = Client::builder({:?})",
            api.server.as_deref().unwrap_or("https://api.example.com")
        ),
        credentials(api, lib_name),
        "    .build()?;".to_owned(),
        format!("let api = {api_struct}::new(client);"),
    ]);
    match call {
        Some((_, operation)) => {
            // Optional parameters are setters of the call, left unset here.
            let arguments: Vec<String> = operation
                .params
                .iter()
                .filter(|param| param.required)
                .map(example_argument)
                .collect();
            lines.extend([
                format!(
                    "match api.{}({}).await {{",
                    operation.method_name,
                    arguments.join(", ")
                ),
                "    Ok(answer) => println!(\"{answer:?}\"),".to_owned(),
                "    // The API answered with an error status.".to_owned(),
                "    Err(error) if error.status().is_some() => eprintln!(\"refused: {error}\"),"
                    .to_owned(),
                "    // No answer: the connection, a timeout, or a body that does not decode."
                    .to_owned(),
                "    Err(error) => return Err(error),".to_owned(),
                "}".to_owned(),
            ]);
        }
        None => lines.push("let _ = api;".to_owned()),
    }
    lines.extend(["# Ok(())", "# }", "```"].map(str::to_owned));
    lines
        .iter()
        .map(|line| match line.as_str() {
            "" => String::new(),
            line => format!(" {line}"),
        })
        .map(|line| quote!(#![doc = #line]))
        .collect()
}

/// The quick start's line that sets the credentials: with the first security scheme of the
/// document, none when it has none.
fn credentials(api: &Api, lib_name: &str) -> String {
    let Some(scheme) = api.security.schemes.first() else {
        return "    .auth(Auth::none())".to_owned();
    };
    let function = scheme.rust_name.trim_start_matches("r#");
    let arguments = match scheme.kind {
        SchemeKind::Basic => "\"user\", token",
        _ => "token",
    };
    // The first of a scheme's functions takes the token.
    let suffix = scheme.kind.function_endings()[0];
    format!("    .auth({lib_name}::auth::{function}{suffix}({arguments}))")
}

/// The first operation a quick start can call with literal arguments (no body, no lists,
/// sent to the base URL), a `GET` if there is one.
fn first_call(api: &Api) -> Option<(&ApiGroup, &Operation)> {
    // Its error is returned as the crate's `Error`.
    let callable = |operation: &&Operation| {
        operation.body.is_none()
            && operation.server.is_none()
            && operation.error_body == api.error_body
            && operation.params.iter().all(|param| {
                param.location != ParamLocation::Part
                    && !matches!(param.ty, TypeRef::List(_) | TypeRef::Map(_))
                    && param.object_style.is_none()
                    && (!param.required
                        || matches!(
                            param.ty,
                            TypeRef::String
                                | TypeRef::I32
                                | TypeRef::I64
                                | TypeRef::U64
                                | TypeRef::Bool
                        ))
            })
    };
    let operations = || {
        api.groups.iter().flat_map(|group| {
            group
                .operations
                .iter()
                .filter(callable)
                .map(move |operation| (group, operation))
        })
    };
    operations()
        .find(|(_, operation)| operation.http_method == crate::ir::HttpMethod::Get)
        .or_else(|| operations().next())
}

/// A literal for a required parameter: its wire name for a string, `1` or `true`.
fn example_argument(param: &crate::ir::Parameter) -> String {
    match param.ty {
        TypeRef::I32 | TypeRef::I64 | TypeRef::U64 => "1".to_owned(),
        TypeRef::Bool => "true".to_owned(),
        _ => format!("{:?}", param.wire_name),
    }
}

/// The list of API groups, each with the first sentence of its description.
fn groups(groups: &[ApiGroup]) -> TokenStream {
    if groups.is_empty() {
        return TokenStream::new();
    }
    let mut list = String::from("## API groups\n");
    for group in groups {
        list.push_str(&format!("\n- [`{}`]", group.struct_name));
        // Not `[`X`]: summary`, which Markdown reads as the definition of a link when the
        // summary is one word, and shows an empty item.
        if let Some(summary) = group.description.as_deref().and_then(first_sentence) {
            list.push_str(&format!(" — {summary}"));
        }
    }
    let blank = quote!(#![doc = ""]);
    let list = inner_docs([list.as_str()]);
    quote!(#blank #list)
}

/// The first sentence of `text`'s first paragraph, on one line.
fn first_sentence(text: &str) -> Option<String> {
    let paragraph: Vec<&str> = text
        .trim()
        .lines()
        .map(str::trim)
        .take_while(|line| !line.is_empty())
        .collect();
    let paragraph = paragraph.join(" ");
    let sentence = match paragraph.find(". ") {
        Some(end) => &paragraph[..=end],
        None => paragraph.as_str(),
    };
    (!sentence.is_empty()).then(|| sentence.to_owned())
}
