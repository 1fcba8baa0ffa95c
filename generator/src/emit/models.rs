//! The models module: one struct, enum or alias per type definition.

use proc_macro2::TokenStream;
use quote::quote;

use super::tokens::{ModelsPath, docs, ident, type_tokens};
use crate::ir::{
    Access, Api, Enum, Field, Keeps, Presence, Selection, Struct, TypeDef, TypeKind, TypeRef,
    Union, UnionVariant,
};

pub fn models(api: &Api) -> TokenStream {
    let types = api.types.iter().map(type_def);
    let error_bodies = super::errors::error_body_impls(api);
    quote! {
        //! The types the API sends and receives.
        #(#types)*
        #error_bodies
    }
}

fn type_def(def: &TypeDef) -> TokenStream {
    let source = format!("Schema: `{}`.", def.source);
    let paragraphs = [def.description.as_deref().unwrap_or_default(), &source];
    let name = ident(&def.name);
    let definition = match &def.kind {
        TypeKind::Struct(s) => struct_def(&docs(paragraphs), &name, s),
        TypeKind::Enum(e) => enum_def(paragraphs, &def.name, e),
        TypeKind::Union(u) => union_def(paragraphs, &name, u),
        TypeKind::Alias(target) => {
            let docs = docs(paragraphs);
            let target = type_tokens(target, ModelsPath::Local);
            quote! { #docs pub type #name = #target; }
        }
    };
    let stated = def
        .states_send_sync
        .then(|| stated_send_sync(&name, &def.kind));
    quote! { #definition #stated }
}

/// `Send` and `Sync` stated for a type ([`TypeDef::states_send_sync`]), after a proof that
/// every type it holds has both, which makes the statement sound.
fn stated_send_sync(name: &proc_macro2::Ident, kind: &TypeKind) -> TokenStream {
    let mut held: Vec<TokenStream> = match kind {
        TypeKind::Struct(s) => {
            let fields = s.fields.iter().map(|field| &field.ty);
            let additional = s.additional.iter().map(|additional| &additional.value);
            let held = fields.chain(additional);
            held.map(|ty| type_tokens(ty, ModelsPath::Local)).collect()
        }
        TypeKind::Union(u) => {
            let variants = u.variants.iter();
            let mut held: Vec<_> = variants
                .map(|v| type_tokens(&v.ty, ModelsPath::Local))
                .collect();
            if matches!(u.selection, Selection::Tagged { .. }) {
                held.push(quote!(serde_json::Value));
            }
            held
        }
        TypeKind::Enum(_) | TypeKind::Alias(_) => Vec::new(),
    };
    let mut seen = std::collections::BTreeSet::new();
    held.retain(|ty| seen.insert(ty.to_string()));
    // The traits by their paths: the API may name a type of its own `Send` or `Sync`.
    quote! {
        const _: () = {
            #(api_client_runtime::codegen::assert_send_sync::<#held>();)*
        };

        /// Stated, as what the type holds is proved `Send` and `Sync` beside it: the
        /// compiler's own proof, field by field at each use, would go deeper through this
        /// API's types than its default recursion limit.
        #[allow(unsafe_code)]
        unsafe impl ::core::marker::Send for #name {}

        /// Stated, as `Send` is.
        #[allow(unsafe_code)]
        unsafe impl ::core::marker::Sync for #name {}
    }
}

fn struct_def(type_docs: &TokenStream, name: &proc_macro2::Ident, s: &Struct) -> TokenStream {
    let default = s.derive_default.then(|| quote!(Default,));
    let fields = s.fields.iter().map(field);
    // A key of the map that names a declared property would be written twice: the object
    // refuses it when written (`api_client_runtime::additional`).
    let guarded = s.additional.is_some() && !s.fields.is_empty();
    let additional = s.additional.as_ref().map(|additional| {
        let field_name = ident(&additional.rust_name);
        let value = type_tokens(&additional.value, ModelsPath::Local);
        let what = "Properties beyond the declared ones, sent and received as part of the object.";
        let (doc, serde) = match guarded {
            true => {
                let with =
                    format!("api_client_runtime::codegen::additional::serialize::<{name}, _, _>");
                (
                    docs([
                        what,
                        "A key that names a declared property is refused when the object is sent.",
                    ]),
                    quote!(#[serde(flatten, serialize_with = #with)]),
                )
            }
            false => (docs([what]), quote!(#[serde(flatten)])),
        };
        quote! {
            #doc
            #serde
            pub #field_name: std::collections::BTreeMap<String, #value>,
        }
    });
    let declared = guarded.then(|| {
        let names = s.fields.iter().map(|field| &field.wire_name);
        quote! {
            impl api_client_runtime::codegen::additional::Declared for #name {
                const PROPERTIES: &'static [&'static str] = &[#(#names),*];
            }
        }
    });
    quote! {
        #type_docs
        #[derive(Debug, Clone, PartialEq, #default serde::Serialize, serde::Deserialize)]
        pub struct #name {
            #(#fields)*
            #additional
        }
        #declared
    }
}

fn field(field: &Field) -> TokenStream {
    let access = match field.access {
        Access::ReadWrite => None,
        Access::ReadOnly => Some("Set by the server; ignored in requests."),
        Access::WriteOnly => Some("Sent in requests; the server never returns it."),
    };
    let presence = match field.presence {
        Presence::Required => None,
        Presence::RequiredNullable => Some("Always sent; `None` is sent as `null`."),
        Presence::Optional => Some("Left out when `None`."),
        Presence::OptionalNullable => Some("Left out when `None`; `Some(None)` is sent as `null`."),
    };
    let docs = docs(
        field
            .description
            .as_deref()
            .into_iter()
            .chain(field.limits.iter().map(String::as_str))
            .chain(access)
            .chain(presence),
    );
    let rust_name = ident(&field.rust_name);
    let wire_name = &field.wire_name;
    let rename = (field.rust_name.trim_start_matches("r#") != wire_name)
        .then(|| quote!(rename = #wire_name,));
    let ty = type_tokens(&field.ty, ModelsPath::Local);
    let (serde, ty) = match field.presence {
        Presence::Required => (rename.map(|rename| quote!(#[serde(#rename)])), ty),
        Presence::RequiredNullable => (
            rename.map(|rename| quote!(#[serde(#rename)])),
            quote!(Option<#ty>),
        ),
        Presence::Optional => (
            Some(quote!(#[serde(#rename default, skip_serializing_if = "Option::is_none")])),
            quote!(Option<#ty>),
        ),
        Presence::OptionalNullable => (
            Some(quote! {
                #[serde(
                    #rename
                    default,
                    skip_serializing_if = "Option::is_none",
                    deserialize_with = "api_client_runtime::codegen::nullable::deserialize"
                )]
            }),
            quote!(Option<Option<#ty>>),
        ),
    };
    quote! {
        #docs
        #serde
        pub #rust_name: #ty,
    }
}

fn enum_def(paragraphs: [&str; 2], type_name: &str, e: &Enum) -> TokenStream {
    let name = ident(type_name);
    let unknown = ident(&e.unknown_variant);
    let open = format!(
        "The list is open: a value this version of the client does not know is kept in [`{type_name}::{}`].",
        e.unknown_variant
    );
    let type_docs = docs(paragraphs.into_iter().chain([open.as_str()]));
    let variants: Vec<_> = e
        .variants
        .iter()
        .map(|variant| ident(&variant.rust_name))
        .collect();
    let values: Vec<&str> = e
        .variants
        .iter()
        .map(|variant| variant.wire_value.as_str())
        .collect();
    let variant_docs = e.variants.iter().map(|variant| {
        let value = if variant.wire_value.is_empty() {
            "The empty text, `\"\"`.".to_owned()
        } else {
            format!("`{}`", variant.wire_value)
        };
        docs([
            value.as_str(),
            variant.description.as_deref().unwrap_or_default(),
        ])
    });
    quote! {
        #type_docs
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #(#variant_docs #variants,)*
            /// A value this version of the client does not know.
            #unknown(String),
        }

        impl #name {
            /// The value as it is on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variants => #values,)*
                    Self::#unknown(value) => value,
                }
            }
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#values => Self::#variants,)*
                    other => Self::#unknown(other.to_owned()),
                }
            }
        }

        impl From<String> for #name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    #(#values => Self::#variants,)*
                    _ => Self::#unknown(value),
                }
            }
        }

        impl std::str::FromStr for #name {
            type Err = std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <String as serde::Deserialize>::deserialize(deserializer).map(Self::from)
            }
        }
    }
}

fn union_def(paragraphs: [&str; 2], name: &proc_macro2::Ident, u: &Union) -> TokenStream {
    let variants: Vec<_> = u
        .variants
        .iter()
        .map(|variant| ident(&variant.rust_name))
        .collect();
    let types: Vec<_> = u
        .variants
        .iter()
        .map(|variant| type_tokens(&variant.ty, ModelsPath::Local))
        .collect();
    let what = u
        .variants
        .iter()
        .map(|variant| format!("The value is {}.", describe(&variant.ty)));
    let Selection::Tagged {
        property,
        unknown_variant,
    } = &u.selection
    else {
        let with_constants = u
            .variants
            .iter()
            .any(|variant| !variant.constants.is_empty());
        let objects_only = u.variants.iter().any(|variant| variant.objects_only);
        let keeps = u
            .variants
            .iter()
            .any(|variant| variant.keeps != Keeps::Unknown);
        let order = match (with_constants, objects_only, keeps) {
            (false, false, false) => {
                "A received value is the first of these, in order, that it decodes as."
            }
            (false, true, false) => {
                "A received value is the first of these, in order, that it decodes as; a \
                 struct takes only an object."
            }
            (false, false, true) => {
                "A received object is the first struct of these, in order, that keeps all its \
                 properties (those it declares), or else the first of these that takes it; \
                 any other value is the first that it decodes as."
            }
            (false, true, true) => {
                "A received object is the first struct of these, in order, that keeps all its \
                 properties (those it declares), or else the first of these that takes it; \
                 any other value is the first that it decodes as, never a struct."
            }
            (true, _, _) => {
                "A received object whose constant properties are a variant's is that variant; \
                 any other value is the first variant without constant properties, in order, \
                 that it decodes as, or else the first that it decodes as."
            }
        };
        let docs = docs(paragraphs.into_iter().chain([order]));
        if !with_constants && !objects_only && !keeps {
            let what = what.map(|what| docs_of(&what));
            return quote! {
                #docs
                #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
                #[serde(untagged)]
                pub enum #name {
                    #(#what #variants(#types),)*
                }
            };
        }
        return guarded_union_def(docs, name, u, (&variants, &types), what);
    };
    let unknown = ident(unknown_variant);
    let variant_docs = u.variants.iter().zip(what).map(|(variant, what)| {
        let tags: Vec<String> = variant.tags.iter().map(|tag| format!("`{tag}`")).collect();
        let tagged = format!("`{property}`: {}.", tags.join(" or "));
        docs([what.as_str(), tagged.as_str()])
    });
    let sent_tags = u.variants.iter().map(|variant| {
        let tags = &variant.tags;
        quote!(&[#(#tags),*])
    });
    // A tag two variants claim selects the first.
    let mut seen = std::collections::BTreeSet::new();
    let mut received = Vec::new();
    for (variant, name) in u.variants.iter().zip(&variants) {
        let tags: Vec<&str> = variant
            .tags
            .iter()
            .map(String::as_str)
            .filter(|tag| seen.insert(*tag))
            .collect();
        if !tags.is_empty() {
            received.push(quote!(Some(#(#tags)|*) => tagged::variant(value).map(Self::#name),));
        }
    }
    let selection = format!(
        "The object's `{property}` says which; a value this version of the client does not know is kept in [`{name}::{unknown_variant}`]."
    );
    let docs = docs(paragraphs.into_iter().chain([selection.as_str()]));
    let unknown_docs = docs_of(&format!(
        "An object whose `{property}` this version of the client does not know, as received."
    ));
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name {
            #(#variant_docs #variants(#types),)*
            #unknown_docs
            #unknown(serde_json::Value),
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use api_client_runtime::codegen::tagged;
                match self {
                    #(Self::#variants(value) => tagged::serialize(value, #property, #sent_tags, serializer),)*
                    Self::#unknown(value) => serde::Serialize::serialize(value, serializer),
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                use api_client_runtime::codegen::tagged;
                let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                match tagged::tag(&value, #property) {
                    #(#received)*
                    _ => Ok(Self::#unknown(value)),
                }
            }
        }
    }
}

/// A first-match union some of whose variants are tried only for values that have their
/// constants (see [`UnionVariant::constants`](crate::ir::UnionVariant::constants)).
fn guarded_union_def(
    union_docs: TokenStream,
    name: &proc_macro2::Ident,
    u: &Union,
    (variants, types): (&[proc_macro2::Ident], &[TokenStream]),
    what: impl Iterator<Item = String>,
) -> TokenStream {
    let variant_docs = u.variants.iter().zip(what).map(|(variant, what)| {
        if variant.constants.is_empty() {
            return docs_of(&what);
        }
        let constants: Vec<String> = variant
            .constants
            .iter()
            .map(|(property, value)| format!("`{property}` is `{value}`"))
            .collect();
        let chosen = format!("Chosen for an object whose {}.", constants.join(" and "));
        docs([what.as_str(), chosen.as_str()])
    });
    let try_decode = |name: &proc_macro2::Ident| {
        quote! {
            if let Some(decoded) = tagged::decoded(&value) {
                return Ok(Self::#name(decoded));
            }
        }
    };
    let decode = |variant: &UnionVariant, name: &proc_macro2::Ident| {
        let decode = try_decode(name);
        match variant.objects_only {
            false => decode,
            true => quote!(if value.is_object() { #decode }),
        }
    };
    let tries = u
        .variants
        .iter()
        .enumerate()
        .zip(variants)
        .map(|((at, variant), name)| {
            if variant.constants.is_empty() {
                return decode(variant, name);
            }
            let properties = variant.constants.iter().map(|(property, _)| property);
            let values = variant.constants.iter().map(|(_, value)| value);
            // The variant the constants name: its error says why the object is not one. A later
            // variant with the same constants is tried too.
            let shared = u.variants[at + 1..]
                .iter()
                .any(|later| later.constants == variant.constants);
            let chosen = match shared {
                false => quote!(return tagged::variant(value).map(Self::#name);),
                true => decode(variant, name),
            };
            quote! {
                if #(tagged::tag(&value, #properties) == Some(#values))&&* {
                    #chosen
                }
            }
        });
    // Constants this version does not know: any variant that takes the object.
    let unknown_constants = u
        .variants
        .iter()
        .zip(variants)
        .filter(|(variant, _)| !variant.constants.is_empty())
        .map(|(variant, name)| decode(variant, name));
    // An object is first the struct variant that keeps all its properties.
    let kept = u
        .variants
        .iter()
        .zip(variants)
        .filter_map(|(variant, name)| {
            let decode = try_decode(name);
            match &variant.keeps {
                Keeps::Unknown => None,
                Keeps::All => Some(decode),
                Keeps::Only(names) => Some(quote! {
                    if tagged::declares_all(object, &[#(#names),*]) { #decode }
                }),
            }
        })
        .collect::<Vec<_>>();
    let keeping = (!kept.is_empty()).then(|| {
        quote! {
            if let Some(object) = value.as_object() {
                #(#kept)*
            }
        }
    });
    let failure = format!("data did not match any variant of untagged enum {name}");
    quote! {
        #union_docs
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        #[serde(untagged)]
        pub enum #name {
            #(#variant_docs #variants(#types),)*
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                use api_client_runtime::codegen::tagged;
                let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                #keeping
                #(#tries)*
                #(#unknown_constants)*
                Err(serde::de::Error::custom(#failure))
            }
        }
    }
}

/// The docs of one paragraph.
fn docs_of(text: &str) -> TokenStream {
    docs([text])
}

/// What a value of `ty` is, in words, for the docs.
fn describe(ty: &TypeRef) -> String {
    match ty {
        TypeRef::String => "text".into(),
        TypeRef::Bool => "a boolean".into(),
        TypeRef::I32 | TypeRef::I64 => "an integer".into(),
        TypeRef::U64 => "an integer from 0".into(),
        TypeRef::F32 | TypeRef::F64 => "a number".into(),
        TypeRef::DateTime => "a date and time".into(),
        TypeRef::Date => "a date".into(),
        TypeRef::Json => "any JSON value".into(),
        TypeRef::Bytes => "bytes".into(),
        TypeRef::Named(name) => format!("a [`{name}`]"),
        TypeRef::List(item) => format!("a list of {}", describe(item)),
        TypeRef::Map(value) => format!("a map of names to {}", describe(value)),
        TypeRef::Boxed(inner) => describe(inner),
        TypeRef::Nullable(inner) => format!("{} or `null`", describe(inner)),
    }
}
