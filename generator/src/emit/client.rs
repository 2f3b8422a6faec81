//! The client: its settings (one per security scheme) and one method per operation.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs;
use super::types::{ident, ty, Scope};
use super::wire::{wire_expr, wire_of, Wire};
use crate::features::Gate;
use crate::ir::*;

pub fn client(api: &Api) -> TokenStream {
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
    let method = ident(&op.method.to_ascii_uppercase());
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
    text.push(format!(
        "`{} {}`{id}",
        op.method.to_ascii_uppercase(),
        op.path
    ));
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
                Wire::Display => (
                    ty(api, &p.ty, Scope::Crate),
                    quote!(crate::runtime::encode_path_segment(&#arg.to_string()).into_owned()),
                ),
                Wire::Enum => {
                    let t = ty(api, &p.ty, Scope::Crate);
                    (
                        quote!(&#t),
                        quote!(crate::runtime::encode_path_segment(#arg.as_str())),
                    )
                }
                _ => (
                    quote!(&str),
                    quote!(crate::runtime::encode_path_segment(#arg)),
                ),
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
    {
        let name = &op.with_response;
        let (body, send) = match &op.response {
            Response::Json(r) => (
                ty(api, r, Scope::Crate),
                quote!(request.send_json_with_response().await),
            ),
            Response::Empty => (quote!(()), quote!(request.send_empty_with_response().await)),
            Response::Bytes => (
                quote!(::bytes::Bytes),
                quote!(request.send_bytes_with_response().await),
            ),
        };
        let doc = twin_doc(
            op,
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
        let doc = twin_doc(op, "yields the body as it arrives, for large downloads.");
        methods.push(method_fn(
            name,
            &doc,
            quote!(crate::runtime::ByteStream),
            attach_body(None),
            quote!(request.send_byte_stream().await),
        ));
    }
    methods.push(quote! {
        /// The request all of this operation's methods send, before its body.
        fn #request_fn(&self, #(#request_args),*) -> crate::runtime::Request {
            #build_request
            request
        }
    });
    quote! {
        impl crate::Client {
            #(#methods)*
        }
    }
}

/// The docs of a second method of `op`: "Like `Client::op`, but {differs}", and the route.
fn twin_doc(op: &Operation, differs: &str) -> TokenStream {
    docs::attrs(&format!(
        "Like [`Client::{name}`](crate::Client::{name}), but {differs}\n\n`{} {}`",
        op.method.to_ascii_uppercase(),
        op.path,
        name = op.name,
    ))
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
    let doc = docs::attrs(&format!(
        "Query and header parameters of [`Client::{}`](crate::Client::{}).",
        op.name, op.name
    ));
    quote! {
        #doc
        #derives
        pub struct #name {
            #(#fields)*
        }
    }
}
