//! The intermediate representation: what will be generated, with every name decided.
//!
//! Lowering builds it from the spec; emission is a total function of it. Unit and snapshot
//! tests look here first.

use serde_json::Value;

/// A whole API, ready to emit.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    pub title: String,
    pub version: String,
    pub description: Option<String>,
    /// The first server's URL: the client's default base URL.
    pub base_url: String,
    /// Environment variable `from_env` reads a base URL from (`PORTKEY_BASE_URL`), named after
    /// the prefix every credential variable shares.
    pub base_url_env: Option<String>,
    pub security: Vec<SecurityScheme>,
    /// Every generated type, named schemas first in document order, each followed by the
    /// inline types it owns.
    pub types: Vec<TypeDef>,
    pub operations: Vec<Operation>,
    /// Groups of operations, one per tag that is an operation's first (see [`Group`]);
    /// parents before their children.
    pub groups: Vec<Group>,
    /// The spec's `webhooks`: requests the API sends, whose payloads are types of the crate.
    pub webhooks: Vec<Webhook>,
}

/// A webhook the API sends (`webhooks` in OpenAPI 3.1): a payload type, no client method.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    /// The webhook's name in the spec (`batch_completed`).
    pub key: String,
    /// The Rust name of its payload in the `webhooks` module, unique there.
    pub name: String,
    /// The HTTP method the API sends it with.
    pub method: HttpMethod,
    pub pointer: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub deprecated: bool,
    /// The type of its JSON body.
    pub payload: TypeRef,
    /// JSON pointer of the media type object the payload is read from: its `example`s are
    /// examples of `payload`. Empty when the body has no JSON media type.
    pub media: String,
}

/// The operations whose first tag is one tag: a handle reached from the client (or, for a
/// nested tag such as `Integrations > Workspaces`, from its parent's handle) whose methods are
/// those operations.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The tag, as the spec writes it (`Integrations > Workspaces`); for a parent no
    /// operation names, the tag's prefix (`Integrations`).
    pub tag: String,
    /// The method that returns the handle, on the client or the parent (`workspaces`).
    pub accessor: String,
    /// The handle's Rust type in the `groups` module, unique there (`IntegrationsWorkspaces`).
    pub type_name: String,
    /// Index into [`Api::groups`] of the parent group, for a nested tag.
    pub parent: Option<usize>,
    /// The tag's description in the spec's `tags` list.
    pub description: Option<String>,
}

/// Index into [`Api::types`].
pub type TypeId = usize;

#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// Rust name, unique across the crate.
    pub name: String,
    /// The file (module) the type lives in: a named schema and its inline types share one.
    pub module: String,
    /// JSON pointer of the schema this type comes from.
    pub pointer: String,
    pub docs: Docs,
    pub kind: TypeKind,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Docs {
    pub title: Option<String>,
    pub description: Option<String>,
    pub default: Option<Value>,
    pub example: Option<Value>,
    pub deprecated: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    Struct(Struct),
    /// A string enum with a catch-all for values the spec does not list.
    StringEnum(StringEnum),
    /// `oneOf` whose variants are told apart by a property with a fixed value.
    Tagged(Tagged),
    /// `oneOf`/`anyOf` tried in order.
    Untagged(Untagged),
    /// `pub type Name = ...;`
    Alias(TypeRef),
    /// A `multipart/form-data` body: files stream, the other fields are sent as text parts.
    Form(Form),
    /// The one value allowed, when it is not a string (`const: 2`, `enum: [true]`): a unit
    /// struct that encodes as the value and decodes from it alone.
    Const(Value),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub fields: Vec<FormField>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FormField {
    pub name: String,
    pub wire_name: String,
    /// A file part (`format: binary`) rather than a text part.
    pub file: bool,
    pub ty: TypeRef,
    pub optional: bool,
    pub docs: Docs,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    pub fields: Vec<Field>,
    /// Derives `Default`: every required field's type has one that does not contradict a spec
    /// default, so callers can write `..Default::default()`.
    pub derive_default: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub wire_name: String,
    pub ty: TypeRef,
    /// `Option<ty>` in Rust: the field may be absent or null.
    pub optional: bool,
    /// Omitted from JSON when `None` (not required). Required-but-nullable fields send `null`.
    pub skip_if_none: bool,
    /// Not required and nullable: `Nullable<ty>`, which tells absent, `null` and a value apart.
    pub tri_state: bool,
    /// Behind a `Box` to break a cycle of types.
    pub boxed: bool,
    /// How a missing field decodes when the Rust type is not an `Option`.
    pub default: FieldDefault,
    /// `type: string, format: binary`: file content in a multipart form.
    pub binary: bool,
    pub docs: Docs,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FieldDefault {
    /// The field must be present.
    None,
    /// `#[serde(default)]`: the spec's default equals the Rust type's `Default`.
    Trait,
    /// A generated function returning this value.
    Value(Value),
}

#[derive(Debug, Clone, PartialEq)]
pub struct StringEnum {
    pub variants: Vec<EnumVariant>,
    /// Name of the variant that holds unknown values (`Other`, unless a value took it).
    pub other: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumVariant {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tagged {
    /// The wire name of the property whose value picks the variant.
    pub tag: String,
    pub variants: Vec<TaggedVariant>,
    /// The variant that holds an object with a tag value the spec does not list.
    pub unknown: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaggedVariant {
    pub name: String,
    /// Tag values that select this variant.
    pub values: Vec<String>,
    pub ty: TypeRef,
    pub boxed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Untagged {
    pub variants: Vec<UntaggedVariant>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UntaggedVariant {
    pub name: String,
    pub kind: UntaggedKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum UntaggedKind {
    /// A fixed string (from an inline string enum), a unit variant.
    Const(String),
    /// Any other string, when the alternatives list only fixed ones.
    OtherString,
    Value {
        ty: TypeRef,
        boxed: bool,
    },
}

/// A reference to a Rust type, before `Option` and `Box`.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeRef {
    Named(TypeId),
    String,
    Integer,
    Number,
    Boolean,
    /// Any JSON value.
    Json,
    /// A JSON object with free-form values.
    JsonMap,
    Array(Box<TypeRef>),
    Map(Box<TypeRef>),
    /// A value that can be `null` inside a collection (`[1, null]`).
    Nullable(Box<TypeRef>),
    /// `null` and nothing else (`type: "null"`): `()`.
    Null,
    /// An array of a fixed number of items, each of its own type (`prefixItems`): a tuple.
    Tuple(Vec<TypeRef>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SecurityScheme {
    /// The scheme's key in `components.securitySchemes`.
    pub id: String,
    /// The client-builder method that sets it.
    pub setter: String,
    pub kind: SecuritySchemeKind,
    /// Environment variable `from_env` reads it from, if any.
    pub env_var: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SecuritySchemeKind {
    ApiKeyHeader { header: String },
    Bearer,
    Basic,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// Method name on the client, unique.
    pub name: String,
    /// The file the method lives in.
    pub module: String,
    pub method: HttpMethod,
    pub path: String,
    pub pointer: String,
    pub operation_id: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub deprecated: bool,
    /// In the order they appear in the path template.
    pub path_params: Vec<Param>,
    /// Query and header parameters, gathered into a `{Operation}Params` struct.
    pub params: Option<ParamsStruct>,
    pub body: Option<Body>,
    pub response: Response,
    /// JSON pointer of the media type object a [`Response::Json`] is read from: its
    /// `example`s are examples of the response.
    pub response_media: Option<String>,
    /// Declared error responses (non-2xx status or `default`) and the type of their JSON
    /// body, if any: decode one with `ApiError::decode`.
    pub errors: Vec<(String, Option<TypeRef>)>,
    /// A second method that streams server-sent events, when the operation can.
    pub stream: Option<Stream>,
    /// A method returning the body as a byte stream, for binary responses.
    pub byte_stream: Option<String>,
    /// A method returning the decoded body with the response's status and headers; none for
    /// a WebSocket, whose connection has its upgrade response.
    pub with_response: Option<String>,
    /// A private method that builds the request, shared by the operation's methods (every
    /// operation has at least two: itself and its `_with_response` twin).
    pub request_fn: String,
    /// Security scheme ids this operation accepts.
    pub security: Vec<String>,
    /// The spec's tags of the operation, in its order: each is a cargo feature that compiles
    /// the operation (see [`crate::features`]).
    pub tags: Vec<String>,
    /// Index into [`Api::groups`] of the group whose handle has the operation's methods (that
    /// of its first tag); `None`: they are methods of the client itself.
    pub group: Option<usize>,
    /// How the operation's listing is walked page by page, when it is a listing.
    pub pagination: Option<Pagination>,
}

/// An HTTP method of a path item's operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
    /// Every method, in the order a path item lists them.
    pub const ALL: [HttpMethod; 8] = [
        HttpMethod::Get,
        HttpMethod::Put,
        HttpMethod::Post,
        HttpMethod::Delete,
        HttpMethod::Options,
        HttpMethod::Head,
        HttpMethod::Patch,
        HttpMethod::Trace,
    ];

    /// As a path item's key spells it: `get`.
    pub fn key(self) -> &'static str {
        match self {
            HttpMethod::Get => "get",
            HttpMethod::Put => "put",
            HttpMethod::Post => "post",
            HttpMethod::Delete => "delete",
            HttpMethod::Options => "options",
            HttpMethod::Head => "head",
            HttpMethod::Patch => "patch",
            HttpMethod::Trace => "trace",
        }
    }

    /// As HTTP (and `reqwest::Method`'s constants) spell it: `GET`.
    pub fn upper(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Put => "PUT",
            HttpMethod::Post => "POST",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Options => "OPTIONS",
            HttpMethod::Head => "HEAD",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Trace => "TRACE",
        }
    }
}

impl std::fmt::Display for HttpMethod {
    /// `GET`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.upper())
    }
}

/// A listing the client can walk page by page: the operation gets a method returning a
/// stream of the items and one returning a stream of the pages.
#[derive(Debug, Clone, PartialEq)]
pub struct Pagination {
    pub shape: PageShape,
    /// The query parameter that moves from page to page (a field of the params struct).
    pub param: PageParam,
    /// The response's field holding the page's items.
    pub items: PageField,
    /// The type of one item.
    pub item: TypeRef,
    /// The response's `has_more`-like field, when it has one.
    pub has_more: Option<PageField>,
    /// The response's total item count, when it has one (page and offset listings).
    pub total: Option<PageField>,
    /// Method returning the items as one stream (`list_assistants_stream`).
    pub stream: String,
    /// Method returning the pages as a stream (`list_assistants_pages`).
    pub pages: String,
    /// Stated by the spec's `x-pagination`, rather than recognised.
    pub stated: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PageShape {
    /// Each page names where the next starts (`after`).
    Cursor {
        /// The response's field holding the next cursor (`last_id`), when it has one.
        next: Option<PageField>,
        /// The field of an item that is its cursor (`id`), used when the page names none.
        item_id: Option<PageField>,
    },
    /// Pages by number (`current_page`, `page`), from `first` (0 or 1).
    Page { first: u64 },
    /// Items by offset (`offset`).
    Offset,
}

/// A query parameter of a listing: the params struct's field and its Rust type.
#[derive(Debug, Clone, PartialEq)]
pub struct PageParam {
    pub field: String,
    pub wire_name: String,
    pub ty: TypeRef,
    /// The params struct's field is the type itself, not an `Option` (a page number the
    /// spec marks required).
    pub required: bool,
}

/// A field of a page (or an item) the listing reads.
#[derive(Debug, Clone, PartialEq)]
pub struct PageField {
    /// The Rust field name.
    pub field: String,
    pub wire_name: String,
    pub ty: TypeRef,
    /// `Option<ty>` in Rust.
    pub optional: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub wire_name: String,
    pub location: ParamLocation,
    /// JSON pointer of the parameter object (in the operation, its path item, or
    /// `components/parameters`): its `example`s are examples of `ty`. Empty for a path
    /// parameter the spec names in the template only.
    pub pointer: String,
    pub ty: TypeRef,
    pub required: bool,
    pub description: Option<String>,
    /// How an array is sent: `None` repeats the parameter (`form`, exploded); `Some(sep)`
    /// sends one value joined by `sep` (`explode: false`, `spaceDelimited`, headers, ...).
    pub separator: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParamsStruct {
    pub name: String,
    pub fields: Vec<Param>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub ty: TypeRef,
    /// JSON pointer of the media type object the body is read from: its `example`s are
    /// examples of `ty`.
    pub media: String,
    pub required: bool,
    /// Sent as `multipart/form-data` (`ty` is a [`TypeKind::Form`]), not JSON.
    pub multipart: bool,
}

/// How an operation streams server-sent events.
#[derive(Debug, Clone, PartialEq)]
pub struct Stream {
    /// Method name, unique (`create_run_stream`).
    pub name: String,
    /// What each event decodes into.
    pub item: TypeRef,
    /// Events decode from `{"event": name, "data": data}` rather than from the data alone.
    pub envelope: bool,
    /// The body property set to `true` to ask for a stream (`stream`).
    pub flag: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// A JSON body decoded into this type.
    Json(TypeRef),
    /// No body, or one the caller does not need.
    Empty,
    /// Raw bytes (non-JSON content).
    Bytes,
    /// The operation upgrades the connection to a WebSocket (it answers `101 Switching
    /// Protocols`, or the spec says so with `x-websocket`): the method opens it.
    WebSocket(WebSocketMessages),
}

/// What travels on an operation's WebSocket: JSON events, as these types.
#[derive(Debug, Clone, PartialEq)]
pub struct WebSocketMessages {
    /// What the client sends (`x-websocket-events`' `client`), else any JSON.
    pub send: TypeRef,
    /// What the server sends (`x-websocket-events`' `server`), else any JSON.
    pub receive: TypeRef,
}

impl Api {
    pub fn type_def(&self, id: TypeId) -> &TypeDef {
        &self.types[id]
    }

    /// The groups from the outermost to `g`: the handles a caller goes through to reach it.
    pub fn group_chain(&self, g: usize) -> Vec<&Group> {
        let mut chain = vec![&self.groups[g]];
        while let Some(parent) = chain.last().and_then(|group| group.parent) {
            chain.push(&self.groups[parent]);
        }
        chain.reverse();
        chain
    }

    /// How a caller reaches the methods of group `g` (of the client itself for `None`):
    /// `client.` then each accessor on the way, `client.integrations().workspaces().`.
    pub fn reach(&self, g: Option<usize>) -> String {
        let mut out = String::from("client.");
        for group in g.map(|g| self.group_chain(g)).unwrap_or_default() {
            out.push_str(&group.accessor);
            out.push_str("().");
        }
        out
    }
}

impl TypeKind {
    /// The type references a type of this kind holds directly: fields, variants, target.
    pub fn children(&self) -> Vec<&TypeRef> {
        match self {
            TypeKind::Struct(s) => s.fields.iter().map(|f| &f.ty).collect(),
            TypeKind::Form(f) => f.fields.iter().map(|f| &f.ty).collect(),
            TypeKind::StringEnum(_) | TypeKind::Const(_) => Vec::new(),
            TypeKind::Tagged(t) => t.variants.iter().map(|v| &v.ty).collect(),
            TypeKind::Untagged(u) => u
                .variants
                .iter()
                .filter_map(|v| match &v.kind {
                    UntaggedKind::Value { ty, .. } => Some(ty),
                    _ => None,
                })
                .collect(),
            TypeKind::Alias(t) => vec![t],
        }
    }
}

impl TypeRef {
    /// The generated types this reference names, looking through arrays, maps, nullable
    /// items and tuples; none for a built-in type.
    pub fn named(&self) -> Vec<TypeId> {
        let mut out = Vec::new();
        self.each_named(&mut |id| out.push(id));
        out
    }

    fn each_named(&self, f: &mut dyn FnMut(TypeId)) {
        match self {
            TypeRef::Named(id) => f(*id),
            TypeRef::Array(t) | TypeRef::Map(t) | TypeRef::Nullable(t) => t.each_named(f),
            TypeRef::Tuple(items) => items.iter().for_each(|t| t.each_named(f)),
            _ => {}
        }
    }
}
