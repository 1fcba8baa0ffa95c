//! The intermediate representation: exactly what the emitter needs, nothing of OpenAPI's
//! generality. Every name here is already a valid, collision-free Rust identifier.

/// An API ready to emit: its operations, grouped by tag, and the types they use.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// The document's title.
    pub title: String,
    /// The document's version.
    pub version: String,
    /// The document's description.
    pub description: Option<String>,
    /// The document's license as an SPDX expression (`MIT`, `Apache-2.0`), when it gives one.
    pub license: Option<String>,
    /// The API's first server as an absolute URL (variables given their defaults), for the
    /// examples; `None` when the document has none such.
    pub server: Option<String>,
    /// One group per tag, in the order of the document's tag list, then of first use.
    pub groups: Vec<ApiGroup>,
    /// Every type the operations use, sorted by name.
    pub types: Vec<TypeDef>,
    /// How requests are authenticated, and the vendor's conventions.
    pub security: Security,
    /// The error body every operation declares, when they all declare the same named type:
    /// the one the crate's `Error` carries. `TypeRef::Json` otherwise.
    pub error_body: TypeRef,
    /// What lowering left out or ignored, in document order.
    pub warnings: Vec<crate::Diagnostic>,
    /// The errors that made it leave something out (with `skip_unsupported`), as they were
    /// found, in document order.
    pub skipped: Vec<crate::Diagnostic>,
}

/// Where the type `name` is in `types`, sorted by name as [`Api::types`] is: its id for
/// as long as the list is not changed.
pub fn type_position(types: &[TypeDef], name: &str) -> Option<usize> {
    types
        .binary_search_by(|def| def.name.as_str().cmp(name))
        .ok()
}

/// The type `name` in `types`, sorted by name as [`Api::types`] is.
pub fn type_named<'a>(types: &'a [TypeDef], name: &str) -> Option<&'a TypeDef> {
    type_position(types, name).map(|position| &types[position])
}

/// `ty` without what does not change the values it takes: `null`, a box, an alias.
pub fn resolved<'t>(types: &'t [TypeDef], mut ty: &'t TypeRef) -> &'t TypeRef {
    // An alias cycle never reaches the IR; the bound only keeps a mistake from looping.
    for _ in 0..=types.len() {
        ty = match ty {
            TypeRef::Nullable(inner) | TypeRef::Boxed(inner) => inner,
            TypeRef::Named(name) => match type_named(types, name).map(|def| &def.kind) {
                Some(TypeKind::Alias(target)) => target,
                _ => return ty,
            },
            _ => return ty,
        };
    }
    ty
}

/// The struct `ty` names, if it names one.
pub fn struct_of<'t>(types: &'t [TypeDef], ty: &TypeRef) -> Option<&'t Struct> {
    match ty {
        TypeRef::Named(name) => match &type_named(types, name)?.kind {
            TypeKind::Struct(object) => Some(object),
            _ => None,
        },
        _ => None,
    }
}

/// How requests are authenticated: the document's security schemes, and the vendor
/// profile whose conventions the client follows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Security {
    /// The vendor profile, from [`crate::Options::profile`] or the document's
    /// `x-client-profile`; `None` follows the standards alone.
    pub profile: Option<Profile>,
    /// The schemes the generated client can authenticate with, in document order.
    pub schemes: Vec<SecurityScheme>,
}

impl Security {
    /// The cargo features of the runtime the generated crate needs: `okta` for the Okta
    /// profile, `oauth` for a client secret, `private-key-jwt` for signed assertions.
    pub fn runtime_features(&self) -> Vec<&'static str> {
        let flows = || {
            self.schemes.iter().filter_map(|scheme| match &scheme.kind {
                SchemeKind::OAuth2 {
                    client_credentials: Some(flow),
                } => Some(flow.client_auth),
                _ => None,
            })
        };
        let mut features = Vec::new();
        if self.profile == Some(Profile::Okta) {
            features.push("okta");
        }
        if flows().any(|auth| auth == ClientAuth::ClientSecret) {
            features.push("oauth");
        }
        if flows().any(|auth| auth == ClientAuth::PrivateKeyJwt) {
            features.push("private-key-jwt");
        }
        features
    }
}

/// A vendor whose conventions (headers, retry hints, credentials) the client follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Okta: `SSWS` API tokens, service apps signing with `private_key_jwt`,
    /// `X-Okta-Request-Id`, `X-Okta-Retry-For`/`-Count` and `X-Rate-Limit-*`.
    Okta,
}

impl Profile {
    /// Every profile, with the name `x-client-profile` and `--profile` give it.
    pub const ALL: &[(&str, Profile)] = &[("okta", Profile::Okta)];

    /// The profile named `name`.
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, profile)| *profile)
    }

    /// Its name, as `x-client-profile` gives it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Okta => "okta",
        }
    }
}

/// One security scheme of the document (`#/components/securitySchemes/NAME`).
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityScheme {
    /// The scheme's name in the document.
    pub name: String,
    /// The snake-case stem of the functions that set it, e.g. `api_key`.
    pub rust_name: String,
    pub description: Option<String>,
    pub kind: SchemeKind,
}

/// How a scheme authenticates a request.
#[derive(Debug, Clone, PartialEq)]
pub enum SchemeKind {
    /// A key sent as a header, query parameter or cookie of this name.
    ApiKey { location: KeyLocation, name: String },
    /// The vendor's own API token in `Authorization` (Okta's `SSWS <token>`).
    VendorToken,
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: Basic <base64(user:password)>`.
    Basic,
    /// OAuth 2.0: an access token sent as a bearer token, and, when the document
    /// declares the client-credentials flow, tokens fetched from its token endpoint.
    OAuth2 {
        client_credentials: Option<ClientCredentialsFlow>,
    },
}

/// The ending of the name of an OAuth 2.0 scheme's function that takes an access token.
pub const ACCESS_TOKEN: &str = "_access_token";
/// The ending of the name of the function of a client-credentials flow with a secret.
pub const CLIENT_CREDENTIALS: &str = "_client_credentials";
/// The ending of the name of the function of a client-credentials flow with a private key.
pub const SERVICE_APP: &str = "_service_app";

impl SchemeKind {
    /// The endings of the names of the functions the auth module makes for a scheme of this
    /// kind, after the scheme's name (`""`: the name itself).
    pub fn function_endings(&self) -> &'static [&'static str] {
        match self {
            Self::OAuth2 {
                client_credentials: None,
            } => &[ACCESS_TOKEN],
            Self::OAuth2 {
                client_credentials: Some(flow),
            } => match flow.client_auth {
                ClientAuth::ClientSecret => &[ACCESS_TOKEN, CLIENT_CREDENTIALS],
                ClientAuth::PrivateKeyJwt => &[ACCESS_TOKEN, SERVICE_APP],
            },
            Self::ApiKey { .. } | Self::VendorToken | Self::Bearer | Self::Basic => &[""],
        }
    }
}

/// Where an API key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLocation {
    Header,
    Query,
    Cookie,
}

/// The OAuth 2.0 client-credentials flow of a scheme.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientCredentialsFlow {
    /// The token endpoint, absolute or relative to the client's base URL.
    pub token_url: String,
    /// The scopes the generated operations ask for, sorted: what a token is requested
    /// with unless the user sets others.
    pub scopes: Vec<String>,
    /// How the client proves who it is to the token endpoint.
    pub client_auth: ClientAuth,
}

/// How an OAuth 2.0 client authenticates to the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// A client secret (`client_secret_basic`, or `client_secret_post` when the user says).
    ClientSecret,
    /// A client assertion signed with the client's private key (`private_key_jwt`), as
    /// the Okta profile asks for service apps.
    PrivateKeyJwt,
}

/// The operations of one tag, emitted as one API struct in its own module.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiGroup {
    /// The tag as the document spells it.
    pub tag: String,
    /// The module the group is emitted in, e.g. `identity_source`.
    pub module: String,
    /// The API struct's name, e.g. `IdentitySourceApi`.
    pub struct_name: String,
    /// The tag's description.
    pub description: Option<String>,
    /// The operations, in document order.
    pub operations: Vec<Operation>,
}

/// One HTTP operation, emitted as one method.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The operationId (or a synthesised one), used in traces.
    pub id: String,
    /// The method's name, e.g. `get_identity_source_session`.
    pub method_name: String,
    /// The HTTP method, upper case.
    pub http_method: HttpMethod,
    /// The path template, e.g. `/api/v1/users/{userId}`.
    pub path: String,
    /// The path template split into its literal text and its parameters, in order, so that
    /// no template is parsed when a request is sent.
    pub path_segments: Vec<PathSegment>,
    /// Query pairs the path key itself carries (`/?Action=List` has `Action=List`), sent
    /// with every request.
    pub fixed_query: Vec<(String, String)>,
    /// The parameters in signature order: path parameters in template order, then the others.
    pub params: Vec<Parameter>,
    /// The request body, if any, but a `multipart/form-data` one, whose properties are
    /// parameters in `params` ([`ParamLocation::Part`]).
    pub body: Option<RequestBody>,
    /// Whether a `multipart/form-data` body is required, and so sent even when none of its
    /// parts (the [`ParamLocation::Part`] parameters) is set.
    pub multipart_required: bool,
    /// What a 2xx response (or, when none is declared, the `default` one) carries.
    pub success: Success,
    /// The non-2xx statuses the document declares, as it writes them (`404`, `5XX`;
    /// `default` is not listed).
    pub error_statuses: Vec<String>,
    /// The type of the error responses' bodies: the named type every declared error body
    /// has, or `TypeRef::Json` when none is declared or they differ.
    pub error_body: TypeRef,
    /// The name of the call type that sets the optional query and header parameters, when
    /// the operation has any; `None` when the method returns the runtime's `Call`.
    pub call_type: Option<String>,
    /// The OAuth 2.0 scopes the operation needs, if the document says.
    pub scopes: Vec<String>,
    /// Whether requests carry the client's credentials: not when the operation's `security`
    /// (or else the document's) is empty or lists the empty requirement `{}`.
    pub sends_credentials: bool,
    /// Summary and description.
    pub docs: Docs,
    /// Whether the document marks the operation deprecated.
    pub deprecated: bool,
    /// Whether sending it twice does no more than sending it once, so that it may be
    /// retried after an answer that leaves open whether it was processed (a 504):
    /// `x-idempotent` when the document says, otherwise [`HttpMethod::is_idempotent`].
    pub idempotent: bool,
    /// The server the operation is sent to when it is not the API's (the first of its own
    /// `servers`, or its path item's); `None` for the client's base URL.
    pub server: Option<OwnServer>,
}

/// A server of an operation's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnServer {
    /// Its URL as the document writes it, variables and all.
    pub url: String,
    /// The names of its variables: with any, the client must be told its URL, as their
    /// defaults are often placeholders (`yourOrg`) or one choice of several (a region).
    pub variables: Vec<String>,
}

/// A piece of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// Text sent as it is, e.g. `/api/v1/users/`.
    Literal(String),
    /// The value of the path parameter of this wire name, percent-encoded.
    Param(String),
}

/// The HTTP methods OpenAPI 3.0 knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl HttpMethod {
    /// The method as it appears on the wire and as a `reqwest::Method` constant.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Put => "PUT",
            Self::Post => "POST",
            Self::Delete => "DELETE",
            Self::Options => "OPTIONS",
            Self::Head => "HEAD",
            Self::Patch => "PATCH",
            Self::Trace => "TRACE",
        }
    }

    /// Whether HTTP defines the method as idempotent (RFC 9110, section 9.2.2).
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Self::Post | Self::Patch)
    }
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    /// A property of a `multipart/form-data` body: a part of its own.
    Part,
}

/// A path, query or header parameter, or a part of a `multipart/form-data` body.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// The name on the wire.
    pub wire_name: String,
    /// The method argument's name.
    pub rust_name: String,
    pub location: ParamLocation,
    /// A scalar type (strings, numbers, booleans or named enums), or a list of one.
    pub ty: TypeRef,
    /// Path parameters are always required.
    pub required: bool,
    pub description: Option<String>,
    /// How the values are sent when `ty` is a `List` of scalars; `None` otherwise.
    pub list_style: Option<ListStyle>,
    /// How the value is written into the query when it is not a scalar or a list of
    /// scalars (an object, a list of objects, a map), or when `content` describes it.
    pub object_style: Option<ObjectStyle>,
    /// For a file part (`ty` is `Bytes`, or a list of them): the media type it is labelled
    /// with unless the file says its own.
    pub file_media_type: Option<String>,
}

/// How a query parameter holding an object is written (the runtime's `ObjectStyle`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectStyle {
    /// `style: form, explode: true`: one pair per property.
    FormExploded,
    /// `style: form, explode: false`: `id=role,admin,firstName,Alex`.
    Form,
    /// `style: deepObject`: `id[role]=admin`.
    DeepObject,
    /// Described by `content: application/json`: the JSON text.
    Json,
}

/// How a parameter's list of values is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListStyle {
    /// As the parameter repeated, once per value (`?id=a&id=b`): query `explode: true`.
    Repeated,
    /// As one value, the values joined by this character (`?id=a,b`).
    Joined(char),
    /// As the parameter once per value, each named with its index (`?id[0]=a&id[1]=b`):
    /// query `style: deepObject`, which OpenAPI defines for objects only, as the APIs that
    /// describe a list so (Stripe's `expand`) read it.
    Indexed,
}

/// A request body, passed by reference.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestBody {
    /// The method argument's name, `body` unless a parameter took it.
    pub rust_name: String,
    pub ty: TypeRef,
    pub required: bool,
    pub description: Option<String>,
    /// The media type sent as `Content-Type`.
    pub media_type: String,
    pub encoding: Encoding,
    /// The properties of a form body written in another style than `form` exploded (the
    /// `encoding` of the media type), by wire name, in document order.
    pub form_styles: Vec<(String, ObjectStyle)>,
}

/// How a body is written or read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// JSON (`application/json` or `…+json`).
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// Text (`text/*`), as a `String`.
    Text,
    /// Any other media type, as bytes.
    Bytes,
}

/// What a successful (2xx) response carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Success {
    /// The 2xx statuses the document declares, as it writes them (`200`, `2XX`); none when
    /// the success is the `default` response.
    pub statuses: Vec<String>,
    pub body: SuccessBody,
}

/// The decoded body of a successful response.
#[derive(Debug, Clone, PartialEq)]
pub enum SuccessBody {
    /// No declared body: the method returns `()`.
    Empty,
    /// Every declared 2xx body has this type.
    Json(TypeRef),
    /// Some 2xx statuses have a body of this type and others none: `Option<T>`, `None`
    /// for an empty body.
    OptionalJson(TypeRef),
    /// A text body (`String`) of the given media type, asked for with `Accept`.
    Text(String),
    /// A body of any other media type, as bytes, asked for with `Accept`.
    Bytes(String),
}

/// A summary and a description, as the document gives them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Docs {
    pub summary: Option<String>,
    pub description: Option<String>,
}

/// A reference to a Rust type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    String,
    Bool,
    I32,
    I64,
    /// `u64`, from `format: uint64`: counts and ids beyond `i64::MAX` (Go's `uint64`).
    U64,
    F32,
    F64,
    /// `chrono::DateTime<chrono::Utc>`, from `format: date-time`.
    DateTime,
    /// `chrono::NaiveDate`, from `format: date`.
    Date,
    /// Any JSON value: `serde_json::Value`.
    Json,
    /// A type defined in the models module.
    Named(String),
    /// Raw bytes, `Vec<u8>`: a request body of a media type that is neither JSON nor text.
    Bytes,
    /// `Vec<T>`.
    List(Box<TypeRef>),
    /// `BTreeMap<String, T>`.
    Map(Box<TypeRef>),
    /// `Box<T>`: a reference that closes a cycle of types holding each other by value.
    Boxed(Box<TypeRef>),
    /// `Option<T>`: a value of a `nullable` schema, `None` for `null`. A property's
    /// `null` is its [`Presence`] instead.
    Nullable(Box<TypeRef>),
}

impl TypeRef {
    /// `Option<self>`: `self` or `null`. Any JSON value already holds `null`, and a
    /// nullable type is not wrapped twice.
    pub fn or_null(self) -> Self {
        match self {
            Self::Json | Self::Nullable(_) => self,
            ty => Self::Nullable(Box::new(ty)),
        }
    }

    /// The type without the `null` a [`TypeRef::Nullable`] adds, and whether it added one.
    pub fn without_null(self) -> (Self, bool) {
        match self {
            Self::Nullable(inner) => (*inner, true),
            ty => (ty, false),
        }
    }

    /// Whether the type names a type of the models module, itself or inside a list, a
    /// map, a box or `Option`.
    pub fn names_a_type(&self) -> bool {
        match self {
            Self::Named(_) => true,
            Self::List(inner) | Self::Map(inner) | Self::Boxed(inner) | Self::Nullable(inner) => {
                inner.names_a_type()
            }
            _ => false,
        }
    }
}

/// A named type in the models module.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// The Rust name.
    pub name: String,
    /// Where the schema is, for the docs and for diagnostics.
    pub source: String,
    pub description: Option<String>,
    pub kind: TypeKind,
    /// Whether `Send` and `Sync` are stated for the type (an `unsafe impl`, its fields
    /// proved beside it) rather than left to the compiler to prove at each use, where that
    /// proof would go too deep (`lower::auto_traits`).
    pub states_send_sync: bool,
}

/// The shapes of a named type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    Struct(Struct),
    Enum(Enum),
    /// One of several types (`oneOf`, `anyOf`, or an object with a `discriminator` mapping).
    Union(Union),
    /// A schema that is not an object or enum, e.g. a named array: `type Name = T;`.
    Alias(TypeRef),
}

/// An object schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    pub fields: Vec<Field>,
    /// The value type of properties beyond the declared ones (`additionalProperties`),
    /// collected in a map flattened into the object.
    pub additional: Option<Additional>,
    /// Whether every field may be left out, so `Default` is derived.
    pub derive_default: bool,
}

/// A property of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub wire_name: String,
    pub rust_name: String,
    pub ty: TypeRef,
    pub presence: Presence,
    pub access: Access,
    pub description: Option<String>,
    /// Limits the document states, as sentences for the docs.
    pub limits: Vec<String>,
}

/// The map that holds the properties an object does not declare.
#[derive(Debug, Clone, PartialEq)]
pub struct Additional {
    pub rust_name: String,
    pub value: TypeRef,
}

/// Which way a property travels: `readOnly` ones come only in responses, `writeOnly` ones
/// only in requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadWrite,
    ReadOnly,
    WriteOnly,
}

/// Whether a property must be present and whether it may be `null`: four states that map
/// to `T`, `Option<T>` (always sent), `Option<T>` (skipped when `None`) and
/// `Option<Option<T>>` (absent, `null`, or a value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Required,
    RequiredNullable,
    Optional,
    OptionalNullable,
}

impl Presence {
    /// Whether a value may leave the property out.
    pub fn may_be_absent(self) -> bool {
        matches!(self, Presence::Optional | Presence::OptionalNullable)
    }

    /// The same nullability, the property no longer required.
    pub fn optional(self) -> Self {
        match self {
            Presence::Required => Presence::Optional,
            Presence::RequiredNullable => Presence::OptionalNullable,
            optional => optional,
        }
    }

    /// How many `Option`s wrap the field's type: `T`, `Option<T>`, `Option<Option<T>>`.
    pub fn options(self) -> u32 {
        match self {
            Presence::Required => 0,
            Presence::RequiredNullable | Presence::Optional => 1,
            Presence::OptionalNullable => 2,
        }
    }
}

/// An open string enum: the known values plus `Unknown(String)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Enum {
    pub variants: Vec<Variant>,
    /// The name of the catch-all variant, `Unknown` unless a known value took it.
    pub unknown_variant: String,
}

/// One known value of an enum.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub wire_value: String,
    pub rust_name: String,
    pub description: Option<String>,
}

/// A value that is one of several types.
#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    pub variants: Vec<UnionVariant>,
    /// How a received value picks its variant.
    pub selection: Selection,
}

/// How a received union value picks its variant.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// The first variant, in order, that the value decodes as.
    FirstMatch,
    /// The value is an object whose `property` names its variant. A name no variant
    /// claims keeps the value in the variant `unknown_variant`, as JSON.
    Tagged {
        property: String,
        unknown_variant: String,
    },
}

/// One of the types of a union.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    pub rust_name: String,
    pub ty: TypeRef,
    /// The values of the tag property that select this variant, the first of which is
    /// sent (empty unless the union is tagged).
    pub tags: Vec<String>,
    /// In a first-match union, the properties a received value must have, with these
    /// values, for this variant to be tried: its required properties whose schema is an
    /// enum of one value, which its type's open enums would take any value for.
    pub constants: Vec<(String, String)>,
    /// In a first-match union, whether this variant, a struct, is tried only for an
    /// object: serde's derive also reads a struct from an array of its fields in order, so
    /// an empty array would otherwise be a struct whose fields may all be left out, not
    /// the list another variant of the union is.
    pub objects_only: bool,
    /// In a first-match union without constants of several struct variants, which
    /// properties this variant keeps: a received object is the first struct variant, in
    /// order, that decodes it keeping all of them, before the first variant that decodes
    /// it at all.
    pub keeps: Keeps,
}

/// Which properties of a received object a union's variant keeps.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Keeps {
    /// Not told: the variant is not a struct, or the union has one struct.
    #[default]
    Unknown,
    /// Those of these names: a struct that takes no others drops the rest.
    Only(Vec<String>),
    /// Every one: a struct that collects the properties it does not declare.
    All,
}

impl Keeps {
    /// What a value of `ty` keeps of an object it decodes: `Unknown` unless `ty` is (or
    /// stands for) a struct.
    pub fn of(types: &[TypeDef], ty: &TypeRef) -> Self {
        match struct_of(types, resolved(types, ty)) {
            Some(object) if object.additional.is_some() => Keeps::All,
            Some(object) => Keeps::Only(
                object
                    .fields
                    .iter()
                    .map(|field| field.wire_name.clone())
                    .collect(),
            ),
            None => Keeps::Unknown,
        }
    }

    /// Whether the property `name` is kept, as far as is known.
    pub fn holds(&self, name: &str) -> bool {
        match self {
            Keeps::All => true,
            Keeps::Only(names) => names.iter().any(|kept| kept == name),
            Keeps::Unknown => false,
        }
    }
}
