//! The client: its settings (one per security scheme) and one method per operation.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs;
use super::groups::{client_accessors, home, Home};
use super::types::{ident, ty, Scope};
use super::wire::{wire_expr, wire_of, Wire};
use crate::features::{Features, Gate};
use crate::ir::*;

pub fn client(api: &Api, features: &Features) -> TokenStream {
    let accessors = client_accessors(api, features);
    let base_url = &api.base_url;
    let schemes = api.security.iter().map(|s| {
        let id = &s.id;
        let kind = match &s.kind {
            SecuritySchemeKind::ApiKeyHeader { header } => {
                quote!(crate::runtime::SchemeKind::ApiKeyHeader { header: #header })
            }
            SecuritySchemeKind::Bearer => quote!(crate::runtime::SchemeKind::Bearer),
            SecuritySchemeKind::Basic => quote!(crate::runtime::SchemeKind::Basic),
        };
        quote!(crate::runtime::SecurityScheme { id: #id, kind: #kind },)
    });
    let setters = api.security.iter().map(|s| {
        let setter = ident(&s.setter);
        let id = &s.id;
        let how = match &s.kind {
            SecuritySchemeKind::ApiKeyHeader { header } => format!("Sent as the `{header}` header"),
            SecuritySchemeKind::Bearer => "Sent as `Authorization: Bearer <value>`".to_string(),
            SecuritySchemeKind::Basic => "Given as `user:password`, sent as `Authorization: Basic ...`".to_string(),
        };
        let env = s.env_var.as_ref().map(|v| format!(" [`ClientBuilder::from_env`] reads it from `{v}`.")).unwrap_or_default();
        let mut text = format!("{how} to operations that accept the `{id}` security scheme.{env} Never shown in `Debug` output.");
        if let Some(d) = &s.description {
            text = format!("{}\n\n{text}", docs::sanitize(d));
        }
        let doc = docs::attrs(&text);
        quote! {
            #doc
            pub fn #setter(mut self, value: impl ::std::convert::Into<::std::string::String>) -> Self {
                self.runtime.credential(#id, value);
                self
            }
        }
    });
    let env_reads: Vec<TokenStream> = api
        .security
        .iter()
        .filter_map(|s| {
            let var = s.env_var.as_ref()?;
            let setter = ident(&s.setter);
            Some(quote! {
                if let ::std::result::Result::Ok(value) = ::std::env::var(#var) {
                    self = self.#setter(value);
                }
            })
        })
        .collect();
    let reads_env = !env_reads.is_empty() || api.base_url_env.is_some();
    let self_arg = if reads_env {
        quote!(mut self)
    } else {
        quote!(self)
    };
    let base_env = api.base_url_env.as_ref().map(|var| {
        quote! {
            if let ::std::result::Result::Ok(value) = ::std::env::var(#var) {
                self = self.base_url(value);
            }
        }
    });
    let mut env_list: Vec<String> = api
        .security
        .iter()
        .filter_map(|s| {
            Some(format!(
                "- `{}`: [`ClientBuilder::{}`]",
                s.env_var.as_ref()?,
                s.setter
            ))
        })
        .collect();
    if let Some(var) = &api.base_url_env {
        env_list.push(format!("- `{var}`: [`ClientBuilder::base_url`]"));
    }
    let from_env_doc = docs::attrs(&format!(
        "Applies the settings found in the environment; variables that are not set leave the setting alone.\n\n{}",
        env_list.join("\n")
    ));
    let client_doc = docs::attrs(&format!(
        "A client for the {} (spec version {}).\n\nCheap to clone: clones share one connection pool.",
        api.title, api.version
    ));
    quote! {
        /// The base URL operations are sent to unless [`ClientBuilder::base_url`] says otherwise:
        /// the spec's first server.
        pub const DEFAULT_BASE_URL: &str = #base_url;

        const SECURITY_SCHEMES: &[crate::runtime::SecurityScheme] = &[
            #(#schemes)*
        ];

        #client_doc
        #[derive(Debug, Clone)]
        pub struct Client {
            runtime: crate::runtime::Runtime,
        }

        impl Client {
            /// Starts configuring a client.
            pub fn builder() -> ClientBuilder {
                ClientBuilder {
                    runtime: crate::runtime::RuntimeBuilder::new(DEFAULT_BASE_URL, SECURITY_SCHEMES),
                }
            }

            /// A client configured from the environment only (see [`ClientBuilder::from_env`]).
            pub fn from_env() -> ::std::result::Result<Self, crate::Error> {
                Self::builder().from_env().build()
            }

            /// A client whose requests use `options` (timeout, retries, extra headers such as a
            /// trace id), sharing this one's connections: per-call settings without a new client.
            pub fn with_options(&self, options: crate::runtime::RequestOptions) -> Self {
                Client {
                    runtime: self.runtime.with_options(options),
                }
            }

            /// The runtime that sends requests: for requests the spec does not describe.
            pub fn runtime(&self) -> &crate::runtime::Runtime {
                &self.runtime
            }

            #(#accessors)*
        }

        /// Settings for a [`Client`].
        #[derive(Debug)]
        pub struct ClientBuilder {
            runtime: crate::runtime::RuntimeBuilder,
        }

        impl ClientBuilder {
            /// The URL operation paths are appended to, such as a self-hosted gateway's.
            /// Defaults to [`DEFAULT_BASE_URL`].
            pub fn base_url(mut self, url: impl ::std::convert::Into<::std::string::String>) -> Self {
                self.runtime.base_url(url);
                self
            }

            /// Sends requests through this `reqwest` client (proxies, TLS settings, timeouts).
            pub fn http_client(mut self, client: ::reqwest::Client) -> Self {
                self.runtime.http_client(client);
                self
            }

            /// The longest one attempt may take, response body included (default 10 minutes).
            pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.runtime.timeout(timeout);
                self
            }

            /// The longest connecting may take (default 10 seconds).
            pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.runtime.connect_timeout(timeout);
                self
            }

            /// The largest response body, or WebSocket message, read into memory (default
            /// 64 MiB); a larger one is an error, not an allocation.
            pub fn max_response_bytes(mut self, limit: u64) -> Self {
                self.runtime.max_response_bytes(limit);
                self
            }

            /// How many times a failed request is retried (default 2); see [`crate::retry`].
            pub fn max_retries(mut self, max_retries: u32) -> Self {
                self.runtime.max_retries(max_retries);
                self
            }

            /// Replaces the retry policy.
            pub fn retry_policy(mut self, policy: ::std::sync::Arc<dyn crate::retry::RetryPolicy>) -> Self {
                self.runtime.retry_policy(policy);
                self
            }

            #(#setters)*

            crate::gateway_setters!();

            fn gateway_options_mut(&mut self) -> &mut crate::runtime::GatewayOptions {
                self.runtime.gateway_options_mut()
            }

            #from_env_doc
            pub fn from_env(#self_arg) -> Self {
                #base_env
                #(#env_reads)*
                self
            }

            /// Checks the settings and builds the client.
            pub fn build(self) -> ::std::result::Result<Client, crate::Error> {
                ::std::result::Result::Ok(Client {
                    runtime: self.runtime.build()?,
                })
            }
        }
    }
}

fn send_param(api: &Api, p: &Param, value: TokenStream) -> TokenStream {
    let wire = &p.wire_name;
    let method = match p.location {
        ParamLocation::Header => quote!(header),
        _ => quote!(query),
    };
    match wire_of(api, &p.ty) {
        Wire::List(_) if p.separator.is_some() => {
            let sep = p.separator.unwrap_or(",");
            quote! {
                let joined = #value
                    .iter()
                    .map(::std::string::ToString::to_string)
                    .collect::<::std::vec::Vec<_>>()
                    .join(#sep);
                request = request.#method(#wire, &joined);
            }
        }
        Wire::List(inner) => {
            let item = wire_expr(&inner, quote!(item));
            quote! {
                for item in #value.iter() {
                    request = request.#method(#wire, #item);
                }
            }
        }
        w => {
            let expr = wire_expr(&w, value);
            quote!(request = request.#method(#wire, #expr);)
        }
    }
}

pub fn operation(api: &Api, op: &Operation, gate: &Gate) -> TokenStream {
    let home = home(api, op);
    let method = ident(op.method.upper());
    let mut text = Vec::new();
    if let Some(s) = &op.summary {
        text.push(docs::sanitize(s));
    }
    if let Some(d) = &op.description {
        text.push(docs::sanitize(d));
    }
    if op.deprecated {
        text.push("**Deprecated** in the spec.".to_string());
    }
    if let Response::WebSocket(messages) = &op.response {
        let link = |t: &TypeRef| match t {
            TypeRef::Named(id) => {
                let name = &api.type_def(*id).name;
                format!("[`{name}`](crate::types::{name})")
            }
            _ => "JSON values".to_string(),
        };
        text.push(format!(
            "Opens a WebSocket: the upgrade request carries the parameters, credentials and gateway options, and a refused upgrade is an [`Error::Api`](crate::Error::Api). The connection sends {} and receives {}; see [`websocket`](crate::websocket).",
            link(&messages.send),
            link(&messages.receive)
        ));
    }
    if !op.errors.is_empty() {
        let lines: Vec<String> = op
            .errors
            .iter()
            .map(|(code, ty)| match ty {
                Some(TypeRef::Named(id)) => {
                    let name = &api.type_def(*id).name;
                    format!("- `{code}`: [`{name}`](crate::types::{name}), from [`ApiError::decode`](crate::ApiError::decode)")
                }
                Some(_) => format!("- `{code}`: a JSON body, from [`ApiError::json`](crate::ApiError::json)"),
                None => format!("- `{code}`: no body described"),
            })
            .collect();
        text.push(format!("# Errors\n\nA non-2xx answer is an [`Error::Api`](crate::Error::Api); the spec describes these:\n\n{}", lines.join("\n")));
    }
    let id = op
        .operation_id
        .as_ref()
        .map(|id| format!(" (operation `{id}`)"))
        .unwrap_or_default();
    text.push(format!("`{} {}`{id}", op.method.upper(), op.path));
    if let Gate::Any(features) = gate {
        let names: Vec<String> = features.iter().map(|f| format!("`{f}`")).collect();
        let which = if names.len() == 1 {
            "the cargo feature"
        } else {
            "one of the cargo features"
        };
        text.push(format!(
            "Compiled with {which} {} (on by default).",
            names.join(", ")
        ));
    }
    let doc = docs::attrs(&text.join("\n\n"));

    let mut args = Vec::new();
    let mut arg_names = Vec::new();
    // For methods that outlive the call (a listing's stream): each path argument made owned,
    // and how the owned value is passed to the operation.
    let mut owned = Vec::new();
    let mut passed = Vec::new();
    // Each path parameter is encoded into a binding of its own name, so that the path reads
    // as the template does: `format!("/threads/{thread_id}/runs")`.
    let mut encodes = Vec::new();
    let mut path_fmt = String::new();
    let mut rest = op.path.as_str();
    let mut params = op.path_params.iter();
    while let Some(start) = rest.find('{') {
        path_fmt.push_str(&rest[..start].replace('{', "{{").replace('}', "}}"));
        let end = rest[start..]
            .find('}')
            .map_or(rest.len(), |e| start + e + 1);
        rest = &rest[end..];
        if let Some(p) = params.next() {
            let arg = ident(&p.name);
            let (arg_ty, encoded) = match wire_of(api, &p.ty) {
                Wire::Display => {
                    passed.push(quote!(#arg));
                    (
                        ty(api, &p.ty, Scope::Crate),
                        quote!(crate::runtime::encode_path_segment(&#arg.to_string()).into_owned()),
                    )
                }
                Wire::Enum => {
                    let t = ty(api, &p.ty, Scope::Crate);
                    owned.push(quote!(let #arg = #arg.clone();));
                    passed.push(quote!(&#arg));
                    (
                        quote!(&#t),
                        quote!(crate::runtime::encode_path_segment(#arg.as_str())),
                    )
                }
                _ => {
                    owned.push(quote!(let #arg = #arg.to_owned();));
                    passed.push(quote!(&#arg));
                    (
                        quote!(&str),
                        quote!(crate::runtime::encode_path_segment(#arg)),
                    )
                }
            };
            args.push(quote!(#arg: #arg_ty));
            arg_names.push(quote!(#arg));
            encodes.push(quote!(let #arg = #encoded;));
            path_fmt.push('{');
            path_fmt.push_str(&p.name);
            path_fmt.push('}');
        }
    }
    path_fmt.push_str(&rest.replace('{', "{{").replace('}', "}}"));

    let mut sends = Vec::new();
    if let Some(ps) = &op.params {
        let ps_ty = ident(&ps.name);
        args.push(quote!(params: &crate::types::#ps_ty));
        arg_names.push(quote!(params));
        for p in &ps.fields {
            let field = ident(&p.name);
            if p.required {
                sends.push(send_param(api, p, quote!(params.#field)));
            } else {
                let send = send_param(api, p, quote!(value));
                sends.push(quote! {
                    if let ::std::option::Option::Some(value) = &params.#field {
                        #send
                    }
                });
            }
        }
    }
    // How the body is attached: as given, or with the stream flag set.
    let attach_body = |flag: Option<&str>| -> Option<TokenStream> {
        let body = op.body.as_ref()?;
        let attach = match flag {
            _ if body.multipart => quote!(request.multipart(body.into_form())),
            Some(flag) => quote!(request.json_with(body, #flag, ::serde_json::Value::Bool(true))),
            None => quote!(request.json(body)),
        };
        Some(if body.required {
            quote!(request = #attach;)
        } else {
            quote! {
                if let ::std::option::Option::Some(body) = body {
                    request = #attach;
                }
            }
        })
    };
    // The arguments that build the request (all but the body), for a shared request builder.
    let request_args = args.clone();
    if let Some(body) = &op.body {
        let body_ty = ty(api, &body.ty, Scope::Crate);
        // A form holds files that stream once: it is taken by value.
        let by = if body.multipart {
            TokenStream::new()
        } else {
            quote!(&)
        };
        args.push(if body.required {
            quote!(body: #by #body_ty)
        } else {
            quote!(body: ::std::option::Option<#by #body_ty>)
        });
    }
    let security = &op.security;
    let path_expr = if encodes.is_empty() {
        quote!(#path_fmt)
    } else {
        quote!(&::std::format!(#path_fmt))
    };
    // The request, built by one private builder the operation's methods share.
    // `sends` reassign `request`, so it is `mut` when there are any.
    let mutable = if sends.is_empty() {
        TokenStream::new()
    } else {
        quote!(mut)
    };
    let build_request = quote! {
        #(#encodes)*
        let #mutable request = self.runtime().request(::reqwest::Method::#method, #path_expr, &[#(#security),*]);
        #(#sends)*
    };
    let request_fn = ident(&op.request_fn);
    let method_fn = |name: &str,
                     doc: &TokenStream,
                     ret: TokenStream,
                     body: Option<TokenStream>,
                     send: TokenStream| {
        let name = ident(name);
        let mutable = if body.is_some() {
            quote!(mut)
        } else {
            TokenStream::new()
        };
        quote! {
            #doc
            pub async fn #name(&self, #(#args),*) -> ::std::result::Result<#ret, crate::Error> {
                let #mutable request = self.#request_fn(#(#arg_names),*);
                #body
                #send
            }
        }
    };

    let (ret, send) = match &op.response {
        Response::Json(r) => (ty(api, r, Scope::Crate), quote!(request.send_json().await)),
        Response::Empty => (quote!(()), quote!(request.send_empty().await)),
        Response::Bytes => (quote!(::bytes::Bytes), quote!(request.send_bytes().await)),
        Response::WebSocket(messages) => {
            let send = ty(api, &messages.send, Scope::Crate);
            let receive = ty(api, &messages.receive, Scope::Crate);
            (
                quote!(crate::websocket::WebSocket<#send, #receive>),
                quote!(request.websocket().await),
            )
        }
    };
    let mut methods = vec![method_fn(&op.name, &doc, ret, attach_body(None), send)];
    if let Some(stream) = &op.stream {
        let item = ty(api, &stream.item, Scope::Crate);
        let mode = if stream.envelope {
            quote!(crate::runtime::EventMode::Envelope)
        } else {
            quote!(crate::runtime::EventMode::Data)
        };
        let how = match &stream.flag {
            Some(flag) => format!(" It sends the body with `\"{flag}\": true`."),
            None => String::new(),
        };
        let shape = if stream.envelope {
            " Each event is decoded from `{\"event\": <event name>, \"data\": <data>}`."
        } else {
            ""
        };
        let doc = twin_doc(
            op,
            &home,
            &format!("answers with a stream of server-sent events, ending at `data: [DONE]`.{how}{shape}"),
        );
        methods.push(method_fn(
            &stream.name,
            &doc,
            quote!(crate::runtime::EventStream<#item>),
            attach_body(stream.flag.as_deref()),
            quote!(request.send_events(#mode).await),
        ));
    }
    let with_response = match &op.response {
        Response::Json(r) => Some((
            ty(api, r, Scope::Crate),
            quote!(request.send_json_with_response().await),
        )),
        Response::Empty => Some((quote!(()), quote!(request.send_empty_with_response().await))),
        Response::Bytes => Some((
            quote!(::bytes::Bytes),
            quote!(request.send_bytes_with_response().await),
        )),
        // A WebSocket's upgrade response is on the connection itself.
        Response::WebSocket(_) => None,
    };
    if let (Some(name), Some((body, send))) = (&op.with_response, with_response) {
        let doc = twin_doc(
            op,
            &home,
            "also returns the response's status and headers (request id, cache status, rate limits).",
        );
        methods.push(method_fn(
            name,
            &doc,
            quote!(crate::runtime::ApiResponse<#body>),
            attach_body(None),
            send,
        ));
    }
    if let Some(name) = &op.byte_stream {
        let doc = twin_doc(
            op,
            &home,
            "yields the body as it arrives, for large downloads.",
        );
        methods.push(method_fn(
            name,
            &doc,
            quote!(crate::runtime::ByteStream),
            attach_body(None),
            quote!(request.send_byte_stream().await),
        ));
    }
    if let Some(p) = &op.pagination {
        let call = CallArgs {
            args: args.clone(),
            names: arg_names.clone(),
            owned,
            passed,
        };
        methods.extend(paging_methods(api, op, p, &home, &call));
    }
    methods.push(quote! {
        /// The request all of this operation's methods send, before its body.
        fn #request_fn(&self, #(#request_args),*) -> crate::runtime::Request {
            #build_request
            request
        }
    });
    let target = &home.target;
    // An operation compiled always still needs the WebSocket runtime, which is a feature.
    let websocket_gate = match (&op.response, gate) {
        (Response::WebSocket(_), Gate::Always) => {
            let feature = crate::features::WEBSOCKET;
            quote!(#[cfg(feature = #feature)])
        }
        _ => TokenStream::new(),
    };
    quote! {
        #websocket_gate
        impl #target {
            #(#methods)*
        }
    }
}

/// The docs of a second method of `op`: "Like `Client::op`, but {differs}", and the route.
fn twin_doc(op: &Operation, home: &Home, differs: &str) -> TokenStream {
    docs::attrs(&format!(
        "Like [`{short}::{name}`]({path}::{name}), but {differs}\n\n`{} {}`",
        op.method.upper(),
        op.path,
        short = home.short,
        path = home.path,
        name = op.name,
    ))
}

/// The arguments of a method that takes no body, for another method that calls it.
struct CallArgs {
    /// `thread_id: &str`, `params: &crate::types::ListRunsParams`.
    args: Vec<TokenStream>,
    /// `thread_id`, `params`.
    names: Vec<TokenStream>,
    /// Each path argument made owned, for a method whose result outlives the call.
    owned: Vec<TokenStream>,
    /// How an owned path argument is passed on.
    passed: Vec<TokenStream>,
}

/// A listing's `_pages` and `_stream` methods: the pages as a stream, and their items.
fn paging_methods(
    api: &Api,
    op: &Operation,
    p: &Pagination,
    home: &Home,
    call: &CallArgs,
) -> Vec<TokenStream> {
    let CallArgs {
        args,
        names: arg_names,
        owned,
        passed,
    } = call;
    let Response::Json(page) = &op.response else {
        return Vec::new();
    };
    let page_ty = ty(api, page, Scope::Crate);
    let item_ty = ty(api, &p.item, Scope::Crate);
    let name = ident(&op.name);
    let pages = ident(&p.pages);
    let stream = ident(&p.stream);
    let param = ident(&p.param.field);
    let client = &home.client;
    let reach = &home.reach;

    // What the stream reads of a page.
    let items = ident(&p.items.field);
    let len = if p.items.optional {
        quote!(page.#items.as_ref().map_or(0, ::std::vec::Vec::len))
    } else {
        quote!(page.#items.len())
    };
    let has_more = match &p.has_more {
        None => quote!(::std::option::Option::None),
        Some(f) => {
            let f = ident_of(f);
            if p.has_more.as_ref().is_some_and(|h| h.optional) {
                quote!(page.#f)
            } else {
                quote!(::std::option::Option::Some(page.#f))
            }
        }
    };
    let total = match &p.total {
        None => quote!(::std::option::Option::None),
        Some(t) => {
            let f = ident_of(t);
            let count = match t.ty {
                TypeRef::Number => quote!(crate::pagination::count_from_f64),
                _ => quote!(crate::pagination::count_from_i64),
            };
            if t.optional {
                quote!(page.#f.and_then(#count))
            } else {
                quote!(#count(page.#f))
            }
        }
    };
    let next_cursor = match &p.shape {
        PageShape::Cursor { next, item_id } => {
            let from_page = next.as_ref().map(|n| {
                let f = ident_of(n);
                if n.optional {
                    quote!(page.#f.clone())
                } else {
                    quote!(::std::option::Option::Some(page.#f.clone()))
                }
            });
            let from_item = item_id.as_ref().map(|i| {
                let f = ident_of(i);
                let last = if p.items.optional {
                    quote!(page.#items.as_ref().and_then(|items| items.last()))
                } else {
                    quote!(page.#items.last())
                };
                if i.optional {
                    quote!(#last.and_then(|item| item.#f.clone()))
                } else {
                    quote!(#last.map(|item| item.#f.clone()))
                }
            });
            match (from_page, from_item) {
                (Some(a), Some(b)) => quote!(#a.or_else(|| #b)),
                (Some(a), None) => a,
                (None, Some(b)) => b,
                (None, None) => quote!(::std::option::Option::None),
            }
        }
        _ => quote!(::std::option::Option::None),
    };
    let split = if p.items.optional {
        quote!(|page: #page_ty| page.#items.unwrap_or_default())
    } else {
        quote!(|page: #page_ty| page.#items)
    };

    // Where the walk starts, and how a position is set on the parameters.
    let first = proc_macro2::Literal::u64_unsuffixed(match p.shape {
        PageShape::Page { first } => first,
        _ => 0,
    });
    let (start, set) = match &p.shape {
        PageShape::Cursor { .. } => (
            quote!(crate::pagination::Position::Cursor(params.#param.clone())),
            quote! {
                if let crate::pagination::Position::Cursor(cursor) = position {
                    params.#param = cursor;
                }
            },
        ),
        PageShape::Page { .. } | PageShape::Offset => {
            let variant = if p.shape == PageShape::Offset {
                quote!(Offset)
            } else {
                quote!(Page)
            };
            let (count, write) = if p.param.ty == TypeRef::Number {
                (
                    quote!(crate::pagination::count_from_f64),
                    quote!(number as f64),
                )
            } else {
                (
                    quote!(crate::pagination::count_from_i64),
                    quote!(::std::primitive::i64::try_from(number)
                        .unwrap_or(::std::primitive::i64::MAX)),
                )
            };
            let (read, write) = if p.param.required {
                (quote!(#count(params.#param)), write)
            } else {
                (
                    quote!(params.#param.and_then(#count)),
                    quote!(::std::option::Option::Some(#write)),
                )
            };
            (
                quote!(crate::pagination::Position::#variant(#read.unwrap_or(#first))),
                quote! {
                    if let crate::pagination::Position::#variant(number) = position {
                        params.#param = #write;
                    }
                },
            )
        }
    };

    let shape = match &p.shape {
        PageShape::Cursor { .. } => format!(
            "Each page starts after the cursor the last one gave; the `{}` in `params`, if any, is where the walk starts.",
            p.param.wire_name
        ),
        PageShape::Page { .. } => format!(
            "Pages are fetched by number (`{}`), from the one in `params` or the first.",
            p.param.wire_name
        ),
        PageShape::Offset => format!(
            "Pages are fetched by offset (`{}`), from the one in `params` or the start.",
            p.param.wire_name
        ),
    };
    let pages_doc = twin_doc(
        op,
        home,
        &format!(
            "walks the whole listing: a stream of its pages, each with its metadata. {shape} \
             The next page is fetched only when the stream is read past the current one; the \
             stream ends after the last page, and a failed page is its last item. See \
             [`pagination`](crate::pagination)."
        ),
    );
    let stream_doc = twin_doc(
        op,
        home,
        &format!(
            "walks the whole listing: a stream of the items of every page, in order. {shape} \
             The next page is fetched only when the stream is read past the current one's \
             items; a failed page is the stream's last item. See \
             [`pagination`](crate::pagination)."
        ),
    );
    vec![
        quote! {
            #pages_doc
            pub fn #pages(&self, #(#args),*) -> crate::pagination::Pages<#page_ty> {
                let client = #client.clone();
                let params = params.clone();
                #(#owned)*
                let start = #start;
                crate::pagination::Pages::new(
                    start,
                    #first,
                    |page: &#page_ty| crate::pagination::PageInfo {
                        items: #len,
                        has_more: #has_more,
                        next_cursor: #next_cursor,
                        total: #total,
                    },
                    move |position| {
                        let client = client.clone();
                        let mut params = params.clone();
                        #set
                        #(#owned)*
                        async move { #reach.#name(#(#passed,)* &params).await }
                    },
                )
            }
        },
        quote! {
            #stream_doc
            pub fn #stream(&self, #(#args),*) -> crate::pagination::Items<#item_ty> {
                self.#pages(#(#arg_names),*).items(#split)
            }
        },
    ]
}

fn ident_of(f: &PageField) -> proc_macro2::Ident {
    ident(&f.field)
}

/// A `{Operation}Params` struct: the query and header parameters of one operation.
pub fn params_struct(api: &Api, op: &Operation, ps: &ParamsStruct) -> TokenStream {
    let name = ident(&ps.name);
    let all_optional = ps.fields.iter().all(|p| !p.required);
    let derives = if all_optional {
        quote!(#[derive(Debug, Clone, Default, PartialEq)])
    } else {
        quote!(#[derive(Debug, Clone, PartialEq)])
    };
    let fields = ps.fields.iter().map(|p| {
        let field = ident(&p.name);
        let inner = ty(api, &p.ty, Scope::Types);
        let fty = if p.required {
            inner
        } else {
            quote!(::std::option::Option<#inner>)
        };
        let place = match p.location {
            ParamLocation::Header => "header",
            _ => "query parameter",
        };
        let mut text = format!("The `{}` {place}.", p.wire_name);
        if let Some(d) = &p.description {
            text = format!("{}\n\n{text}", docs::sanitize(d));
        }
        let doc = docs::attrs(&text);
        quote!(#doc pub #field: #fty,)
    });
    let home = home(api, op);
    let doc = docs::attrs(&format!(
        "Query and header parameters of [`{}::{}`]({}::{}).",
        home.short, op.name, home.path, op.name
    ));
    quote! {
        #doc
        #derives
        pub struct #name {
            #(#fields)*
        }
    }
}
