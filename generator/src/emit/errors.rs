//! What the client reads from a decoded error body to describe an error: its code, its
//! summary and the summaries of its causes, found by the names APIs commonly give them, in
//! the body or in the `error` object it wraps them in (Stripe's, Google's).

use proc_macro2::TokenStream;
use quote::quote;

use super::tokens::ident;
use crate::ir::{self, Api, Field, Presence, Struct, TypeDef, TypeKind, TypeRef};

/// Fields that hold an error's code, most specific first.
const CODE_FIELDS: &[&str] = &["errorCode", "code", "error", "status"];

/// Fields that hold a sentence saying what went wrong, most specific first.
const SUMMARY_FIELDS: &[&str] = &[
    "errorSummary",
    "message",
    "detail",
    "error_description",
    "title",
    "description",
];

/// Fields that hold a list of causes, each with one of [`SUMMARY_FIELDS`].
const CAUSES_FIELDS: &[&str] = &["errorCauses", "causes", "errors", "details"];

/// `impl ErrorBody` for every type an operation declares as its error body, in the
/// models module.
pub fn error_body_impls(api: &Api) -> TokenStream {
    let mut named: Vec<&str> = api
        .groups
        .iter()
        .flat_map(|group| &group.operations)
        .filter_map(|operation| match &operation.error_body {
            TypeRef::Named(name) => Some(name.as_str()),
            _ => None,
        })
        .collect();
    named.sort_unstable();
    named.dedup();
    named
        .into_iter()
        .filter_map(|name| {
            let def = ir::type_named(&api.types, name)?;
            Some(error_body_impl(def, &api.types))
        })
        .collect()
}

fn error_body_impl(def: &TypeDef, types: &[TypeDef]) -> TokenStream {
    let name = ident(&def.name);
    let fields = match &def.kind {
        TypeKind::Struct(fields) => Some(fields),
        _ => None,
    };
    let read = |names: &[&str]| -> Option<TokenStream> {
        let fields = fields?;
        if let Some(field) = text_field(fields, names) {
            return Some(text(quote!(self), field));
        }
        let (outer, inner) = wrapped(fields, types)?;
        let inner = text_field(inner, names)?;
        let name = ident(&outer.rust_name);
        Some(match outer.presence {
            Presence::Required => text(quote!(self.#name), inner),
            Presence::Optional | Presence::RequiredNullable => {
                let outer = quote!(self.#name.as_ref());
                optional_text(outer, inner)
            }
            Presence::OptionalNullable => {
                let outer = quote!(self.#name.as_ref().and_then(Option::as_ref));
                optional_text(outer, inner)
            }
        })
    };
    let code = read(CODE_FIELDS).map(|value| {
        quote! {
            fn code(&self) -> Option<&str> {
                #value
            }
        }
    });
    let summary = read(SUMMARY_FIELDS).map(|value| {
        quote! {
            fn summary(&self) -> Option<&str> {
                #value
            }
        }
    });
    let causes = fields.and_then(|fields| causes(fields, types));
    quote! {
        impl api_client_runtime::ErrorBody for #name {
            #code
            #summary
            #causes
        }
    }
}

/// The first of `names` that is a text field of `fields`.
fn text_field<'a>(fields: &'a Struct, names: &[&str]) -> Option<&'a Field> {
    names.iter().find_map(|name| {
        fields
            .fields
            .iter()
            .find(|field| field.wire_name == *name && field.ty == TypeRef::String)
    })
}

/// The `error` field of `fields` when it holds an object (a struct), and that struct.
fn wrapped<'t>(fields: &'t Struct, types: &'t [TypeDef]) -> Option<(&'t Field, &'t Struct)> {
    let field = fields
        .fields
        .iter()
        .find(|field| field.wire_name == "error")?;
    let TypeRef::Named(name) = &field.ty else {
        return None;
    };
    match &ir::type_named(types, name)?.kind {
        TypeKind::Struct(inner) => Some((field, inner)),
        _ => None,
    }
}

/// `&str` of a required text field of `owner`.
fn required_text(owner: TokenStream, field: &Field) -> TokenStream {
    let name = ident(&field.rust_name);
    quote!(#owner.#name.as_str())
}

/// `Option<&str>` of a text field of the object `outer` may hold (an `Option<&T>`).
fn optional_text(outer: TokenStream, field: &Field) -> TokenStream {
    match field.presence {
        Presence::Required => {
            let text = required_text(quote!(error), field);
            quote!(#outer.map(|error| #text))
        }
        _ => {
            let text = text(quote!(error), field);
            quote!(#outer.and_then(|error| #text))
        }
    }
}

/// `Option<&str>` of a text field of `owner`.
fn text(owner: TokenStream, field: &Field) -> TokenStream {
    let name = ident(&field.rust_name);
    match field.presence {
        Presence::Required => {
            let text = required_text(owner, field);
            quote!(Some(#text))
        }
        Presence::Optional | Presence::RequiredNullable => quote!(#owner.#name.as_deref()),
        Presence::OptionalNullable => quote!(#owner.#name.as_ref().and_then(Option::as_deref)),
    }
}

/// `fn causes` when a list field holds objects with a summary.
fn causes(fields: &Struct, types: &[TypeDef]) -> Option<TokenStream> {
    let (field, summary) = CAUSES_FIELDS.iter().find_map(|name| {
        let field = fields
            .fields
            .iter()
            .find(|field| field.wire_name == *name)?;
        let TypeRef::List(item) = &field.ty else {
            return None;
        };
        let TypeRef::Named(item) = item.as_ref() else {
            return None;
        };
        let TypeKind::Struct(item) = &ir::type_named(types, item)?.kind else {
            return None;
        };
        Some((field, text_field(item, SUMMARY_FIELDS)?))
    })?;
    let name = ident(&field.rust_name);
    let list = match field.presence {
        Presence::Required => quote!(self.#name.iter()),
        Presence::Optional | Presence::RequiredNullable => quote!(self.#name.iter().flatten()),
        Presence::OptionalNullable => quote!(self.#name.iter().flatten().flatten()),
    };
    // A summary every cause has is mapped; one a cause may lack is filtered out.
    let each = match summary.presence {
        Presence::Required => {
            let summary = required_text(quote!(cause), summary);
            quote!(map(|cause| #summary))
        }
        _ => {
            let summary = text(quote!(cause), summary);
            quote!(filter_map(|cause| #summary))
        }
    };
    Some(quote! {
        fn causes(&self) -> Vec<&str> {
            #list.#each.collect()
        }
    })
}
