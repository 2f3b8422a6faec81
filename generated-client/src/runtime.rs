//! The HTTP runtime that the generated operations call: base URL, credentials,
//! request building and response decoding, including streamed responses
//! ([`EventStream`], [`ByteStream`]) and multipart uploads ([`Request::multipart`]).

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tracing::Instrument;

use crate::error::{
    one_line, ApiError, DecodeError, Error, ErrorEvent, NotEventStream, StreamError,
};
use crate::retry::{Decision, DefaultRetryPolicy, Outcome, RetryPolicy};
use crate::sse;
use crate::upload::Form;

/// Everything except RFC 3986 unreserved characters (`ALPHA DIGIT - . _ ~`).
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// Redirects followed by the default HTTP client (the same limit reqwest uses).
const MAX_REDIRECTS: usize = 10;

/// Default overall time limit of one attempt, body included: long, as in the official
/// OpenAI and Portkey SDKs, since completions may take minutes to generate.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// Default time limit for establishing a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Default limit on a response body read into memory: 64 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

/// Most of an error response body kept in an [`ApiError`]: error bodies are short, and one
/// that is not is of no more use in full.
pub const MAX_ERROR_BODY_BYTES: u64 = 1024 * 1024;

/// A security scheme declared by the API description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityScheme {
    /// The scheme's name in the API description; credentials are registered under it.
    pub id: &'static str,
    /// How a credential for this scheme is sent.
    pub kind: SchemeKind,
}

/// How a credential is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SchemeKind {
    /// The credential is sent verbatim in the named header.
    ApiKeyHeader {
        /// The header name.
        header: &'static str,
    },
    /// `Authorization: Bearer <credential>`.
    Bearer,
    /// `Authorization: Basic <base64 of credential>`; the credential is `user:password`
    /// (a credential without `:` is taken as a user name with an empty password).
    Basic,
}

/// The shared HTTP runtime: base URL, HTTP client and credentials. Cheap to clone.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
    /// Shared, so that cloning a runtime stays cheap.
    options: Arc<Options>,
}

/// Settings for the requests of one [`Runtime`] handle, made with
/// [`Runtime::with_options`]: a timeout, a maximum number of retries, extra headers, and
/// Portkey's gateway settings (a trace id, metadata, ...; see [`GatewayOptions`]).
///
/// ```
/// # use std::time::Duration;
/// # use portkey_client::runtime::RequestOptions;
/// let options = RequestOptions::new()
///     .timeout(Duration::from_secs(30))
///     .max_retries(5)
///     .trace_id("nightly-batch")
///     .metadata("_user", "user-42")
///     .header("x-team", "search");
/// ```
#[derive(Clone, Default)]
pub struct RequestOptions {
    timeout: Option<Duration>,
    max_retries: Option<u32>,
    headers: Vec<(String, String)>,
    query: Vec<(String, String)>,
    gateway: GatewayOptions,
}

impl RequestOptions {
    /// No options: the runtime's settings apply.
    pub fn new() -> Self {
        Self::default()
    }

    /// Limits each attempt, replacing [`RuntimeBuilder::timeout`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets how many times a failed request may be re-sent, replacing
    /// [`RuntimeBuilder::max_retries`].
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = Some(max_retries);
        self
    }

    /// Adds a header to every request, replacing any value a credential or a typed gateway
    /// setting would give it; a header the request sets itself (an operation's header
    /// parameter, [`Request::header`], the content type of its body) wins over it. Of two
    /// `header`s with one name, the later wins. An invalid name or value is an
    /// [`Error::InvalidRequest`] reported when a request is sent. The value is treated as
    /// sensitive and never shown by `Debug`.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds a query parameter to every request, beside the operation's own: for parameters
    /// the server takes that the spec does not declare (Portkey's realtime endpoint passes
    /// every query parameter through to the provider, for one). Name and value are
    /// percent-encoded. Of two with one name, both are sent. Values are never shown by
    /// `Debug`.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    crate::gateway_setters!();

    /// What the gateway setters change.
    fn gateway_options_mut(&mut self) -> &mut GatewayOptions {
        &mut self.gateway
    }

    /// `other`'s settings over these: its timeout and maximum where set, its headers after,
    /// its gateway settings over these (see [`GatewayOptions`]).
    fn merged(&self, other: RequestOptions) -> RequestOptions {
        let mut headers = self.headers.clone();
        headers.extend(other.headers);
        let mut query = self.query.clone();
        query.extend(other.query);
        RequestOptions {
            timeout: other.timeout.or(self.timeout),
            max_retries: other.max_retries.or(self.max_retries),
            headers,
            query,
            gateway: self.gateway.merged(other.gateway),
        }
    }

    /// The headers these options add to each request, in the order they are applied: the
    /// raw headers (a later one replacing an earlier one of the same name), then each typed
    /// gateway setting whose header no raw one names. Or why they cannot be sent.
    fn to_headers(&self) -> Result<Vec<(HeaderName, HeaderValue)>, String> {
        let mut headers = Headers::default();
        for (name, value) in &self.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("invalid header name `{}`", one_line(name, 100)))?;
            let mut value = HeaderValue::from_bytes(value.as_bytes())
                .map_err(|_| format!("invalid value for header `{name}` (control characters?)"))?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        for (name, value) in self.gateway.to_headers()? {
            if !headers.contains(&name) {
                headers.0.push((name, value));
            }
        }
        Ok(headers.0)
    }
}

impl fmt::Debug for RequestOptions {
    // Header names only: values may be credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        let query: Vec<&str> = self.query.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("RequestOptions")
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("headers", &names)
            .field("query", &query)
            .field("gateway", &self.gateway)
            .finish()
    }
}

/// Portkey's gateway settings, each sent as an `x-portkey-*` request header when set: a
/// trace id, span ids, metadata, cache settings, headers to forward to the provider, the
/// gateway's own timeout and its OpenAI compliance mode.
///
/// Set them per call with the methods of [`RequestOptions`] (`trace_id`, `metadata`, ...),
/// or for every request of a client with the same methods of
/// [`ClientBuilder`](crate::ClientBuilder) (which change
/// [`RuntimeBuilder::gateway_options_mut`]). The fields can also be set directly; nothing
/// is sent for a field left unset (or, for `metadata`, empty).
///
/// ```
/// # use portkey_client::{runtime::RequestOptions, Client};
/// let client = Client::builder()
///     .metadata("environment", "production")
///     .build()?;
/// let traced = client.with_options(
///     RequestOptions::new()
///         .trace_id("checkout-1234")
///         .metadata("_user", "user-42"),
/// );
/// // `traced` sends both metadata entries and the trace id; `client`, the environment only.
/// # Ok::<(), portkey_client::Error>(())
/// ```
///
/// Portkey's hosted gateway reads all of these headers. The open-source gateway (version
/// 1.15) reads the trace id, metadata, forwarded headers, request timeout and compliance
/// mode, and ignores the span and cache headers.
///
/// # How settings combine
///
/// - **Per call over client-wide**: options given to
///   [`Client::with_options`](crate::Client::with_options) (or [`Runtime::with_options`])
///   override the client's field by field. `metadata` merges by key: a per-call entry
///   replaces the client's entry with the same key, and the client's other entries are still
///   sent. A per-call `forward_headers` list replaces the client's list (an empty one
///   forwards nothing).
/// - **Defaults, never duplicates**: each setting is a default for its header, sent only when
///   the request does not get that header another way. From highest precedence to lowest:
///   1. a header the request sets itself: an operation's header parameter (the spec declares
///      `x-portkey-trace-id` and `x-portkey-metadata` as parameters of some operations) or
///      [`Request::header`];
///   2. a raw [`RequestOptions::header`], from whichever `with_options` it came (it wins over
///      a typed setting of a later call too);
///   3. the typed setting here.
///
/// The header is sent once, with the winner's value.
///
/// # Invalid values
///
/// Text settings must be non-empty printable ASCII (no control characters: a header cannot
/// carry them, and the gateway would misread other bytes); `forward_headers` entries must be
/// valid header names; `request_timeout` must be at least a millisecond. Metadata may hold
/// any text: it is written as JSON in ASCII. An invalid setting is an
/// [`Error::InvalidRequest`] naming it (never quoting a text setting's value), before
/// anything is sent: client-wide ones from `build`
/// ([`ClientBuilder::build`](crate::ClientBuilder::build), [`RuntimeBuilder::build`]),
/// per-call ones from each request of the handle.
///
/// `Debug` shows the settings, but only the keys of `metadata`, whose values may be
/// personal data.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GatewayOptions {
    /// `x-portkey-trace-id`.
    pub trace_id: Option<String>,
    /// `x-portkey-span-id`.
    pub span_id: Option<String>,
    /// `x-portkey-parent-span-id`.
    pub parent_span_id: Option<String>,
    /// `x-portkey-span-name`.
    pub span_name: Option<String>,
    /// `x-portkey-metadata`, as a JSON object of strings.
    pub metadata: BTreeMap<String, String>,
    /// `x-portkey-cache-namespace`.
    pub cache_namespace: Option<String>,
    /// `x-portkey-cache-force-refresh`: `true` or `false`.
    pub cache_force_refresh: Option<bool>,
    /// `x-portkey-forward-headers`, comma-separated; nothing is sent for an empty list.
    pub forward_headers: Option<Vec<String>>,
    /// `x-portkey-request-timeout`, in whole milliseconds.
    pub request_timeout: Option<Duration>,
    /// `x-portkey-strict-open-ai-compliance`: `true` or `false`.
    pub strict_openai_compliance: Option<bool>,
}

impl GatewayOptions {
    /// `other`'s settings over these: each field where `other` sets it, metadata merged by
    /// key (`other`'s value for a key both have).
    fn merged(&self, other: GatewayOptions) -> GatewayOptions {
        let mut metadata = self.metadata.clone();
        metadata.extend(other.metadata);
        GatewayOptions {
            trace_id: other.trace_id.or_else(|| self.trace_id.clone()),
            span_id: other.span_id.or_else(|| self.span_id.clone()),
            parent_span_id: other.parent_span_id.or_else(|| self.parent_span_id.clone()),
            span_name: other.span_name.or_else(|| self.span_name.clone()),
            metadata,
            cache_namespace: other
                .cache_namespace
                .or_else(|| self.cache_namespace.clone()),
            cache_force_refresh: other.cache_force_refresh.or(self.cache_force_refresh),
            forward_headers: other
                .forward_headers
                .or_else(|| self.forward_headers.clone()),
            request_timeout: other.request_timeout.or(self.request_timeout),
            strict_openai_compliance: other
                .strict_openai_compliance
                .or(self.strict_openai_compliance),
        }
    }

    /// The headers of the settings that are set, values marked sensitive; or a message
    /// naming the first invalid setting.
    fn to_headers(&self) -> Result<Vec<(HeaderName, HeaderValue)>, String> {
        fn text(setting: &str, value: &str) -> Result<HeaderValue, String> {
            if value.is_empty() {
                return Err(format!("gateway setting `{setting}` is empty"));
            }
            if !value.bytes().all(|b| matches!(b, b' '..=b'~')) {
                return Err(format!(
                    "gateway setting `{setting}` cannot be sent as a header: it may only hold \
                     printable ASCII, no control or non-ASCII characters"
                ));
            }
            HeaderValue::from_str(value)
                .map_err(|_| format!("gateway setting `{setting}` is invalid"))
        }
        fn flag(value: bool) -> HeaderValue {
            HeaderValue::from_static(if value { "true" } else { "false" })
        }
        let mut headers = Vec::new();
        let texts = [
            ("trace_id", "x-portkey-trace-id", &self.trace_id),
            ("span_id", "x-portkey-span-id", &self.span_id),
            (
                "parent_span_id",
                "x-portkey-parent-span-id",
                &self.parent_span_id,
            ),
            ("span_name", "x-portkey-span-name", &self.span_name),
            (
                "cache_namespace",
                "x-portkey-cache-namespace",
                &self.cache_namespace,
            ),
        ];
        for (setting, header, value) in texts {
            if let Some(value) = value {
                headers.push((HeaderName::from_static(header), text(setting, value)?));
            }
        }
        if !self.metadata.is_empty() {
            let json = ascii_json_object(&self.metadata);
            let value = HeaderValue::from_str(&json)
                .map_err(|_| "gateway setting `metadata` is invalid".to_owned())?;
            headers.push((HeaderName::from_static("x-portkey-metadata"), value));
        }
        if let Some(force) = self.cache_force_refresh {
            headers.push((
                HeaderName::from_static("x-portkey-cache-force-refresh"),
                flag(force),
            ));
        }
        if let Some(names) = self.forward_headers.as_ref().filter(|n| !n.is_empty()) {
            let mut list = String::new();
            for name in names {
                let valid = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                    format!(
                        "gateway setting `forward_headers`: `{}` is not a valid header name",
                        one_line(name, 100)
                    )
                })?;
                if !list.is_empty() {
                    list.push(',');
                }
                list.push_str(valid.as_str());
            }
            let value = HeaderValue::from_str(&list)
                .map_err(|_| "gateway setting `forward_headers` is invalid".to_owned())?;
            headers.push((HeaderName::from_static("x-portkey-forward-headers"), value));
        }
        if let Some(timeout) = self.request_timeout {
            let millis = timeout.as_millis();
            if millis == 0 {
                return Err(format!(
                    "gateway setting `request_timeout` must be at least 1 ms, not {timeout:?} \
                     (the gateway takes 0 as no limit)"
                ));
            }
            headers.push((
                HeaderName::from_static("x-portkey-request-timeout"),
                HeaderValue::from(u64::try_from(millis).unwrap_or(u64::MAX)),
            ));
        }
        if let Some(strict) = self.strict_openai_compliance {
            headers.push((
                HeaderName::from_static("x-portkey-strict-open-ai-compliance"),
                flag(strict),
            ));
        }
        for (_, value) in &mut headers {
            value.set_sensitive(true);
        }
        Ok(headers)
    }
}

impl fmt::Debug for GatewayOptions {
    // Metadata keys only: values may be personal data (user ids, emails).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let metadata_keys: Vec<&str> = self.metadata.keys().map(String::as_str).collect();
        f.debug_struct("GatewayOptions")
            .field("trace_id", &self.trace_id)
            .field("span_id", &self.span_id)
            .field("parent_span_id", &self.parent_span_id)
            .field("span_name", &self.span_name)
            .field("metadata_keys", &metadata_keys)
            .field("cache_namespace", &self.cache_namespace)
            .field("cache_force_refresh", &self.cache_force_refresh)
            .field("forward_headers", &self.forward_headers)
            .field("request_timeout", &self.request_timeout)
            .field("strict_openai_compliance", &self.strict_openai_compliance)
            .finish()
    }
}

/// `entries` as a JSON object written in ASCII only, so that it can be sent as a header value
/// (bytes, which the gateway reads as Latin-1, not UTF-8) and parsed back exactly: `"`, `\`
/// and control characters are escaped as JSON requires, and so are DEL, which a header cannot
/// carry, and every non-ASCII character (as `\uXXXX`, in UTF-16 surrogate pairs beyond the
/// Basic Multilingual Plane).
fn ascii_json_object(entries: &BTreeMap<String, String>) -> String {
    fn push_string(out: &mut String, s: &str) {
        use std::fmt::Write as _;
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                ' '..='~' => out.push(c),
                _ => {
                    for unit in c.encode_utf16(&mut [0; 2]) {
                        // Writing to a `String` cannot fail.
                        let _ = write!(out, "\\u{unit:04x}");
                    }
                }
            }
        }
        out.push('"');
    }
    let mut out = String::from("{");
    for (key, value) in entries {
        if out.len() > 1 {
            out.push(',');
        }
        push_string(&mut out, key);
        out.push(':');
        push_string(&mut out, value);
    }
    out.push('}');
    out
}

/// Expands, inside an inherent `impl`, to the builder methods of Portkey's gateway settings
/// (`trace_id`, `metadata`, ...; see [`GatewayOptions`]), so that [`RequestOptions`] and the
/// generated `ClientBuilder` share one list. Each method changes the [`GatewayOptions`]
/// returned by a method the implementing type provides:
///
/// ```ignore
/// impl ClientBuilder {
///     crate::gateway_setters!();
///     fn gateway_options_mut(&mut self) -> &mut crate::runtime::GatewayOptions {
///         self.runtime.gateway_options_mut()
///     }
/// }
/// ```
///
/// The methods take and return `Self` by value. Their docs link with `crate::` paths, so
/// they resolve from any module of this crate.
#[doc(hidden)]
#[macro_export]
macro_rules! gateway_setters {
    () => {
        /// Sets the trace id, sent as `x-portkey-trace-id`: Portkey groups the requests
        /// that share one in its logs and traces, and the gateway answers with it in the
        /// response's `x-portkey-trace-id` header.
        ///
        /// Non-empty printable ASCII; see
        /// [`GatewayOptions`](crate::runtime::GatewayOptions) for how the settings of a
        /// client and of a call combine, and how an invalid one is reported.
        pub fn trace_id(
            mut self,
            trace_id: impl ::std::convert::Into<::std::string::String>,
        ) -> Self {
            self.gateway_options_mut().trace_id = ::std::option::Option::Some(trace_id.into());
            self
        }

        /// Sets the id of this request's span in its trace, sent as `x-portkey-span-id`
        /// (with [`parent_span_id`](Self::parent_span_id) and
        /// [`span_name`](Self::span_name), Portkey draws a trace's requests as a tree).
        ///
        /// Non-empty printable ASCII; see
        /// [`GatewayOptions`](crate::runtime::GatewayOptions).
        pub fn span_id(
            mut self,
            span_id: impl ::std::convert::Into<::std::string::String>,
        ) -> Self {
            self.gateway_options_mut().span_id = ::std::option::Option::Some(span_id.into());
            self
        }

        /// Sets the id of the span this request's span belongs to, sent as
        /// `x-portkey-parent-span-id`.
        ///
        /// Non-empty printable ASCII; see
        /// [`GatewayOptions`](crate::runtime::GatewayOptions).
        pub fn parent_span_id(
            mut self,
            parent_span_id: impl ::std::convert::Into<::std::string::String>,
        ) -> Self {
            self.gateway_options_mut().parent_span_id =
                ::std::option::Option::Some(parent_span_id.into());
            self
        }

        /// Sets the name of this request's span, sent as `x-portkey-span-name`.
        ///
        /// Non-empty printable ASCII; see
        /// [`GatewayOptions`](crate::runtime::GatewayOptions).
        pub fn span_name(
            mut self,
            span_name: impl ::std::convert::Into<::std::string::String>,
        ) -> Self {
            self.gateway_options_mut().span_name = ::std::option::Option::Some(span_name.into());
            self
        }

        /// Adds one entry to the metadata, sent as `x-portkey-metadata` (a JSON object of
        /// strings), replacing any value already set for `key`. Portkey shows metadata with
        /// each request in its logs and can filter and group by it; the key `_user` names
        /// the end user in its analytics.
        ///
        /// Entries merge by key: a call's entries are sent with the client's, replacing
        /// those with the same key. Keys and values may hold any text (quotes, newlines,
        /// non-ASCII): the JSON is written in ASCII, with escapes that the gateway reads
        /// back as the original text. See
        /// [`GatewayOptions`](crate::runtime::GatewayOptions).
        pub fn metadata(
            mut self,
            key: impl ::std::convert::Into<::std::string::String>,
            value: impl ::std::convert::Into<::std::string::String>,
        ) -> Self {
            self.gateway_options_mut()
                .metadata
                .insert(key.into(), value.into());
            self
        }

        /// Adds each `(key, value)` pair to the metadata, as
        /// [`metadata`](Self::metadata) does one: a whole map (a `HashMap`, a
        /// `BTreeMap`, an array of pairs) at once.
        pub fn metadata_entries<K, V>(
            mut self,
            entries: impl ::std::iter::IntoIterator<Item = (K, V)>,
        ) -> Self
        where
            K: ::std::convert::Into<::std::string::String>,
            V: ::std::convert::Into<::std::string::String>,
        {
            self.gateway_options_mut()
                .metadata
                .extend(entries.into_iter().map(|(k, v)| (k.into(), v.into())));
            self
        }

        /// Sets the cache namespace, sent as `x-portkey-cache-namespace`: Portkey's cache
        /// then answers only from responses cached under the same namespace (when the
        /// request's config enables caching).
        ///
        /// Non-empty printable ASCII; see
        /// [`GatewayOptions`](crate::runtime::GatewayOptions).
        pub fn cache_namespace(
            mut self,
            namespace: impl ::std::convert::Into<::std::string::String>,
        ) -> Self {
            self.gateway_options_mut().cache_namespace =
                ::std::option::Option::Some(namespace.into());
            self
        }

        /// With `true`, Portkey's cache does not answer: the request goes to the provider,
        /// and its response replaces the cached one. Sent as
        /// `x-portkey-cache-force-refresh: true` (or `false`).
        pub fn cache_force_refresh(mut self, force: bool) -> Self {
            self.gateway_options_mut().cache_force_refresh = ::std::option::Option::Some(force);
            self
        }

        /// Names headers of the request that the gateway passes on to the provider as they
        /// are (it otherwise builds the provider's headers itself), sent lowercase and
        /// comma-separated as `x-portkey-forward-headers`. Set the headers themselves with
        /// [`header`](crate::runtime::RequestOptions::header).
        ///
        /// Replaces any list set before; a call's list replaces the client's, and an empty
        /// list forwards nothing. Each name must be a valid header name (no spaces or
        /// commas); see [`GatewayOptions`](crate::runtime::GatewayOptions).
        pub fn forward_headers(
            mut self,
            names: impl ::std::iter::IntoIterator<
                Item = impl ::std::convert::Into<::std::string::String>,
            >,
        ) -> Self {
            self.gateway_options_mut().forward_headers = ::std::option::Option::Some(
                names.into_iter().map(::std::convert::Into::into).collect(),
            );
            self
        }

        /// Limits how long the gateway waits for the provider, sent in whole milliseconds
        /// as `x-portkey-request-timeout`; past it, the gateway answers 408. (The
        /// client's own limit on each attempt is [`timeout`](Self::timeout).)
        ///
        /// At least one millisecond (the gateway takes 0 as no limit); see
        /// [`GatewayOptions`](crate::runtime::GatewayOptions).
        pub fn request_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.gateway_options_mut().request_timeout = ::std::option::Option::Some(timeout);
            self
        }

        /// With `false`, the gateway keeps provider-specific fields (reasoning content,
        /// citations, ...) in responses instead of keeping strictly to OpenAI's format; sent
        /// as `x-portkey-strict-open-ai-compliance: false` (or `true`). Unset, nothing is sent
        /// and the gateway's default, strict, applies.
        pub fn strict_openai_compliance(mut self, strict: bool) -> Self {
            self.gateway_options_mut().strict_openai_compliance =
                ::std::option::Option::Some(strict);
            self
        }
    };
}

/// A runtime handle's options, with the headers they add built once, not on every request.
struct Options {
    settings: RequestOptions,
    /// See [`RequestOptions::to_headers`].
    headers: Result<Vec<(HeaderName, HeaderValue)>, String>,
}

impl Options {
    fn new(settings: RequestOptions) -> Options {
        Options {
            headers: settings.to_headers(),
            settings,
        }
    }
}

struct Inner {
    /// Normalised, without trailing `/`, so that paths can be appended as they are.
    base_url: String,
    client: reqwest::Client,
    credentials: Vec<Credential>,
    /// Set on each request; `None` leaves a caller-supplied client's own timeout in force.
    timeout: Option<Duration>,
    /// What the HTTP client was built with; WebSocket connections use it too.
    #[cfg_attr(not(feature = "websocket"), allow(dead_code))]
    connect_timeout: Duration,
    retry_policy: Arc<dyn RetryPolicy>,
    /// `None`: the policy's own maximum.
    max_retries: Option<u32>,
    max_response_bytes: u64,
}

/// A credential turned into its header once, at build time.
struct Credential {
    scheme_id: &'static str,
    header: HeaderName,
    value: HeaderValue,
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.inner.credentials.iter().map(|c| c.scheme_id).collect();
        f.debug_struct("Runtime")
            .field("base_url", &self.inner.base_url)
            .field("credentials", &ids)
            .field("options", &self.options.settings)
            .finish_non_exhaustive()
    }
}

/// Configures and builds a [`Runtime`].
#[derive(Clone)]
pub struct RuntimeBuilder {
    base_url: String,
    schemes: &'static [SecurityScheme],
    credentials: Vec<(&'static str, String)>,
    client: Option<reqwest::Client>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry_policy: Option<Arc<dyn RetryPolicy>>,
    max_retries: Option<u32>,
    max_response_bytes: u64,
    gateway: GatewayOptions,
}

impl fmt::Debug for RuntimeBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.credentials.iter().map(|(id, _)| *id).collect();
        f.debug_struct("RuntimeBuilder")
            .field("base_url", &redacted_url(&self.base_url))
            .field("credentials", &ids)
            .field("custom_http_client", &self.client.is_some())
            .field("timeout", &self.timeout)
            .field("retry_policy", &self.retry_policy)
            .field("max_retries", &self.max_retries)
            .field("gateway", &self.gateway)
            .finish_non_exhaustive()
    }
}

impl RuntimeBuilder {
    /// Starts with the API's default base URL and its declared security schemes.
    pub fn new(default_base_url: &str, schemes: &'static [SecurityScheme]) -> Self {
        RuntimeBuilder {
            base_url: default_base_url.to_owned(),
            schemes,
            credentials: Vec::new(),
            client: None,
            timeout: None,
            connect_timeout: None,
            retry_policy: None,
            max_retries: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            gateway: GatewayOptions::default(),
        }
    }

    /// Overrides the base URL; it may carry a path prefix such as `https://host/v1`.
    pub fn base_url(&mut self, url: impl Into<String>) {
        self.base_url = url.into();
    }

    /// Sets the credential for a security scheme, replacing any earlier one.
    /// An unknown scheme id is reported by [`build`](Self::build).
    pub fn credential(&mut self, scheme_id: &'static str, value: impl Into<String>) {
        let value = value.into();
        match self.credentials.iter_mut().find(|(id, _)| *id == scheme_id) {
            Some(slot) => slot.1 = value,
            None => self.credentials.push((scheme_id, value)),
        }
    }

    /// Uses this HTTP client instead of the default one (proxies, TLS, user agent, redirect
    /// policy and connect timeout are then the caller's choice). Its own overall timeout
    /// stays in force unless [`timeout`](Self::timeout) is also set.
    pub fn http_client(&mut self, client: reqwest::Client) {
        self.client = Some(client);
    }

    /// Limits each attempt of a request, from sending it to reading the end of the response
    /// body ([`DEFAULT_TIMEOUT`], 10 minutes, by default). Exceeding it gives
    /// [`Error::Timeout`]. Applied to every request, so it also holds with a caller-supplied
    /// [`http_client`](Self::http_client). Streamed bodies are covered too: a stream longer
    /// than this is cut off with an [`Error::Timeout`] item.
    pub fn timeout(&mut self, timeout: Duration) {
        self.timeout = Some(timeout);
    }

    /// Limits connection establishment ([`DEFAULT_CONNECT_TIMEOUT`], 10 seconds, by
    /// default). Only applies to the default HTTP client: reqwest cannot change it per
    /// request, so a caller-supplied client keeps its own.
    pub fn connect_timeout(&mut self, timeout: Duration) {
        self.connect_timeout = Some(timeout);
    }

    /// Sets how many times a failed request may be re-sent (0 disables retries), whatever
    /// the [`retry_policy`](Self::retry_policy) says. By default the policy's own
    /// maximum applies: 2 for [`DefaultRetryPolicy`].
    pub fn max_retries(&mut self, max_retries: u32) {
        self.max_retries = Some(max_retries);
    }

    /// Replaces [`DefaultRetryPolicy`] with another policy deciding which failures are
    /// retried and how long to wait; see [`crate::retry`] for what can be retried at all.
    pub fn retry_policy(&mut self, policy: Arc<dyn RetryPolicy>) {
        self.retry_policy = Some(policy);
    }

    /// Limits a response body read into memory by [`Request::send_json`] and
    /// [`Request::send_bytes`] ([`DEFAULT_MAX_RESPONSE_BYTES`], 64 MiB, by default): a
    /// larger one is an [`Error::ResponseTooLarge`], found from its `Content-Length` or,
    /// without one, while reading it, so that no more than the limit is ever held.
    /// [`Request::send_empty`] reads and discards at most this much.
    ///
    /// Error bodies are kept up to [`MAX_ERROR_BODY_BYTES`] (or this limit, if smaller) and
    /// the rest is discarded. Streamed bodies ([`EventStream`], [`ByteStream`]) are not
    /// held in memory, so they are not limited.
    pub fn max_response_bytes(&mut self, limit: u64) {
        self.max_response_bytes = limit;
    }

    /// The client-wide gateway settings (trace id, metadata, ...), sent with every request;
    /// per-call [`RequestOptions`] override them. The generated `ClientBuilder`'s setters
    /// (`trace_id`, `metadata`, ...) change them. [`build`](Self::build) checks them: see
    /// [`GatewayOptions`].
    pub fn gateway_options_mut(&mut self) -> &mut GatewayOptions {
        &mut self.gateway
    }

    /// Validates the configuration and builds the runtime.
    ///
    /// Fails with [`Error::InvalidRequest`] when the base URL is not an absolute `http`/`https`
    /// URL without credentials, query or fragment, when a credential names an unknown scheme,
    /// when a credential cannot be sent as a header value (messages never contain the
    /// credential itself), or when a [gateway setting](Self::gateway_options_mut) is
    /// invalid.
    pub fn build(self) -> Result<Runtime, Error> {
        let base_url = parse_base_url(&self.base_url)?;
        let credentials = self
            .credentials
            .iter()
            .map(|(id, value)| {
                let scheme = self.schemes.iter().find(|s| s.id == *id).ok_or_else(|| {
                    let known: Vec<&str> = self.schemes.iter().map(|s| s.id).collect();
                    Error::InvalidRequest(format!(
                        "unknown security scheme `{id}` (known: {})",
                        known.join(", ")
                    ))
                })?;
                Credential::new(scheme, value)
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let options = Options::new(RequestOptions {
            gateway: self.gateway,
            ..RequestOptions::default()
        });
        if let Err(message) = &options.headers {
            return Err(Error::InvalidRequest(message.clone()));
        }
        let (client, timeout) = match self.client {
            Some(client) => (client, self.timeout),
            None => {
                let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
                let client = reqwest::Client::builder()
                    .user_agent(USER_AGENT)
                    .redirect(same_origin_redirects())
                    .timeout(timeout)
                    .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                    .build()
                    .map_err(Error::Transport)?;
                (client, Some(timeout))
            }
        };
        Ok(Runtime {
            inner: Arc::new(Inner {
                base_url,
                client,
                credentials,
                timeout,
                connect_timeout: self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
                retry_policy: self
                    .retry_policy
                    .unwrap_or_else(|| Arc::new(DefaultRetryPolicy::default())),
                max_retries: self.max_retries,
                max_response_bytes: self.max_response_bytes,
            }),
            options: Arc::new(options),
        })
    }
}

impl Credential {
    fn new(scheme: &SecurityScheme, value: &str) -> Result<Self, Error> {
        let invalid = |why: &str| {
            Error::InvalidRequest(format!(
                "credential for security scheme `{}` {why}",
                scheme.id
            ))
        };
        if value.is_empty() {
            return Err(invalid("is empty"));
        }
        let (header, text) = match scheme.kind {
            SchemeKind::ApiKeyHeader { header } => {
                let name = HeaderName::from_bytes(header.as_bytes()).map_err(|_| {
                    Error::InvalidRequest(format!(
                        "security scheme `{}` names an invalid header",
                        scheme.id
                    ))
                })?;
                (name, Cow::Borrowed(value))
            }
            SchemeKind::Bearer => (AUTHORIZATION, Cow::Owned(format!("Bearer {value}"))),
            SchemeKind::Basic => {
                // Base64 would smuggle a stray newline (say, from a file) through unnoticed.
                if value.chars().any(char::is_control) {
                    return Err(invalid("contains control characters"));
                }
                let pair = if value.contains(':') {
                    Cow::Borrowed(value)
                } else {
                    Cow::Owned(format!("{value}:"))
                };
                (
                    AUTHORIZATION,
                    Cow::Owned(format!("Basic {}", BASE64.encode(pair.as_bytes()))),
                )
            }
        };
        let mut value = HeaderValue::from_bytes(text.as_bytes())
            .map_err(|_| invalid("is not a valid header value (control characters?)"))?;
        value.set_sensitive(true);
        Ok(Credential {
            scheme_id: scheme.id,
            header,
            value,
        })
    }
}

impl Runtime {
    /// The base URL requests are sent to, without trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The underlying HTTP client.
    pub fn http_client(&self) -> &reqwest::Client {
        &self.inner.client
    }

    /// A handle sharing this runtime's client and credentials whose requests also use
    /// `options`, layered over any this handle already has (set values replace, headers
    /// add, gateway settings combine as [`GatewayOptions`] says). Cheap: `self` is left as
    /// it was, and the client and connections are shared.
    ///
    /// Invalid options are reported by each request of the new handle, as an
    /// [`Error::InvalidRequest`] from its `send_*` method, before anything is sent.
    pub fn with_options(&self, options: RequestOptions) -> Runtime {
        Runtime {
            inner: Arc::clone(&self.inner),
            options: Arc::new(Options::new(self.options.settings.merged(options))),
        }
    }

    /// Starts a request.
    ///
    /// `path` starts with `/` and is already percent-encoded (see [`encode_path_segment`]);
    /// it is appended to the base URL. `schemes` lists the security schemes the operation
    /// accepts: each configured credential among them is sent as its header (when two
    /// share a header, the one listed first wins). The headers of this handle's options
    /// follow, replacing credentials of the same name; headers then set on the request
    /// ([`Request::header`]) replace both.
    pub fn request(&self, method: Method, path: &str, schemes: &[&str]) -> Request {
        Request {
            inner: Arc::clone(&self.inner),
            options: Arc::clone(&self.options),
            parts: self.request_parts(method, path, schemes),
        }
    }

    fn request_parts(&self, method: Method, path: &str, schemes: &[&str]) -> Result<Parts, Error> {
        let url = join_url(&self.inner.base_url, path)?;
        let mut headers = Headers::default();
        for id in schemes {
            if let Some(cred) = self.inner.credentials.iter().find(|c| c.scheme_id == *id) {
                if !headers.contains(&cred.header) {
                    headers.0.push((cred.header.clone(), cred.value.clone()));
                }
            }
        }
        let option_headers = self
            .options
            .headers
            .as_ref()
            .map_err(|message| Error::InvalidRequest(message.clone()))?;
        for (name, value) in option_headers {
            headers.insert(name.clone(), value.clone());
        }
        let mut parts = Parts {
            method,
            url,
            headers,
            body: None,
        };
        for (name, value) in &self.options.settings.query {
            parts.append_query(name, value);
        }
        Ok(parts)
    }
}

/// A request being built. Errors are kept until it is sent.
#[must_use = "a request does nothing until it is sent"]
pub struct Request {
    inner: Arc<Inner>,
    options: Arc<Options>,
    parts: Result<Parts, Error>,
}

struct Parts {
    method: Method,
    url: Url,
    headers: Headers,
    body: Option<Payload>,
}

/// The headers of a request being built: a few, each name once. A list, not a `HeaderMap`:
/// they are copied into each attempt's request, and a map built here would be built again
/// there.
#[derive(Default)]
struct Headers(Vec<(HeaderName, HeaderValue)>);

impl Headers {
    fn contains(&self, name: &HeaderName) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }

    /// Sets `name` to `value`, replacing any value it had.
    fn insert(&mut self, name: HeaderName, value: HeaderValue) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }

    fn remove(&mut self, name: &HeaderName) {
        self.0.retain(|(n, _)| n != name);
    }

    /// A `HeaderMap` with these headers. (Sized as `HeaderMap` sizes itself: reqwest and
    /// hyper add a few more, and a map made to fit only these would grow then.)
    fn to_map(&self) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in &self.0 {
            map.insert(name.clone(), value.clone());
        }
        map
    }
}

impl Parts {
    fn append_query(&mut self, name: &str, value: &str) {
        let pair = format!(
            "{}={}",
            utf8_percent_encode(name, NOT_UNRESERVED),
            utf8_percent_encode(value, NOT_UNRESERVED)
        );
        let query = match self.url.query() {
            Some(q) if !q.is_empty() => format!("{q}&{pair}"),
            _ => pair,
        };
        self.url.set_query(Some(&query));
    }
}

enum Payload {
    Bytes(Bytes),
    Multipart(Form),
}

impl fmt::Debug for Request {
    // Header names only: values may be credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Request");
        match &self.parts {
            Ok(parts) => {
                let names: Vec<&str> = parts.headers.0.iter().map(|(n, _)| n.as_str()).collect();
                s.field("method", &parts.method)
                    .field("url", &parts.url.as_str())
                    .field("headers", &names);
                match &parts.body {
                    Some(Payload::Multipart(form)) => s.field("multipart", form),
                    Some(Payload::Bytes(bytes)) => s.field("body_len", &Some(bytes.len())),
                    None => s.field("body_len", &None::<usize>),
                }
            }
            Err(e) => s.field("error", e),
        };
        s.finish()
    }
}

impl Request {
    /// Applies `f` unless an earlier step already failed; its error is kept for `send`.
    fn update(mut self, f: impl FnOnce(&mut Parts) -> Result<(), Error>) -> Self {
        if let Ok(parts) = &mut self.parts {
            if let Err(e) = f(parts) {
                self.parts = Err(e);
            }
        }
        self
    }

    /// Appends a query parameter; name and value are percent-encoded.
    pub fn query(self, name: &str, value: &str) -> Self {
        self.update(|parts| {
            parts.append_query(name, value);
            Ok(())
        })
    }

    /// Sets a header, replacing any earlier value (including a credential). The value is
    /// marked sensitive since header parameters often carry secrets.
    pub fn header(self, name: &str, value: &str) -> Self {
        self.update(|parts| {
            let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                Error::InvalidRequest(format!("invalid header name `{}`", one_line(name, 100)))
            })?;
            let mut value = HeaderValue::from_bytes(value.as_bytes()).map_err(|_| {
                Error::InvalidRequest(format!(
                    "invalid value for header `{header}` (control characters?)"
                ))
            })?;
            value.set_sensitive(true);
            parts.headers.insert(header, value);
            Ok(())
        })
    }

    /// Sets a JSON body (serialised now) and `content-type: application/json`.
    pub fn json<B: Serialize + ?Sized>(self, body: &B) -> Self {
        self.update(|parts| {
            let bytes = serde_json::to_vec(body).map_err(|e| {
                Error::InvalidRequest(format!("could not serialise the request body: {e}"))
            })?;
            parts.body = Some(Payload::Bytes(Bytes::from(bytes)));
            parts
                .headers
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            Ok(())
        })
    }

    /// Like [`json`](Self::json), with `field` of the body set to `value` (replacing any
    /// value the body has there), e.g. `"stream": true` for an operation's streaming form.
    ///
    /// The body must serialise as a JSON object; anything else is an
    /// [`Error::InvalidRequest`] reported at send.
    pub fn json_with<B: Serialize + ?Sized>(
        self,
        body: &B,
        field: &str,
        value: serde_json::Value,
    ) -> Self {
        self.update(|parts| {
            let serialise_error = |e: serde_json::Error| {
                Error::InvalidRequest(format!("could not serialise the request body: {e}"))
            };
            let mut object = match serde_json::to_value(body).map_err(serialise_error)? {
                serde_json::Value::Object(object) => object,
                other => {
                    return Err(Error::InvalidRequest(format!(
                        "the request body must be a JSON object to set `{}`, not {}",
                        one_line(field, 100),
                        json_kind(&other)
                    )))
                }
            };
            object.insert(field.to_owned(), value);
            let bytes = serde_json::to_vec(&object).map_err(serialise_error)?;
            parts.body = Some(Payload::Bytes(Bytes::from(bytes)));
            parts
                .headers
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            Ok(())
        })
    }

    /// Sets a `multipart/form-data` body. Its content type, with the boundary, replaces
    /// any other; files in the form are streamed as the request is sent.
    ///
    /// An invalid content type given to a [`FilePart`](crate::upload::FilePart) is an
    /// [`Error::InvalidRequest`] reported at send.
    pub fn multipart(self, form: Form) -> Self {
        self.update(|parts| {
            form.check()?;
            parts.body = Some(Payload::Multipart(form));
            Ok(())
        })
    }

    /// Sets a raw body with the given content type.
    pub fn body(self, content_type: &str, body: impl Into<Bytes>) -> Self {
        let body = body.into();
        self.header(CONTENT_TYPE.as_str(), content_type)
            .update(|parts| {
                parts.body = Some(Payload::Bytes(body));
                Ok(())
            })
    }

    /// Sets `accept` to `media_type` unless the operation or the caller set one.
    fn accept(self, media_type: &'static str) -> Self {
        self.update(|parts| {
            if !parts.headers.contains(&ACCEPT) {
                parts
                    .headers
                    .0
                    .push((ACCEPT, HeaderValue::from_static(media_type)));
            }
            Ok(())
        })
    }

    /// Opens a WebSocket connection with this request as its upgrade: see
    /// [`crate::websocket`]. A body set on the request is not sent. `Out` is what the
    /// client sends, `In` what it receives.
    #[cfg(feature = "websocket")]
    pub async fn websocket<Out, In>(self) -> Result<crate::websocket::WebSocket<Out, In>, Error> {
        let timeout = self.options.settings.timeout.or(self.inner.timeout);
        let Parts {
            url, mut headers, ..
        } = self.parts?;
        if !headers.contains(&reqwest::header::USER_AGENT) {
            headers.0.push((
                reqwest::header::USER_AGENT,
                HeaderValue::from_static(USER_AGENT),
            ));
        }
        crate::websocket::connect(crate::websocket::Upgrade {
            url,
            headers: headers.0,
            connect_timeout: self.inner.connect_timeout,
            timeout,
            max_message_bytes: usize::try_from(self.inner.max_response_bytes).unwrap_or(usize::MAX),
        })
        .await
    }

    /// Sends the request and decodes a 2xx JSON body as `T`.
    ///
    /// Non-2xx gives [`Error::Api`]; a body that does not decode gives [`Error::Decode`]
    /// naming the JSON path where decoding failed.
    pub async fn send_json<T: DeserializeOwned>(self) -> Result<T, Error> {
        let request = self.accept("application/json");
        let limit = request.inner.max_response_bytes;
        let response = request.send_response().await?;
        let status = response.status();
        let body = read_body(response, limit).await?;
        decode_json(status, body)
    }

    /// Like [`Request::send_json`], keeping the status and headers the body came with (request
    /// ids, cache status, rate-limit headers).
    pub async fn send_json_with_response<T: DeserializeOwned>(
        self,
    ) -> Result<ApiResponse<T>, Error> {
        let raw = self
            .accept("application/json")
            .send_bytes_with_response()
            .await?;
        Ok(ApiResponse {
            body: decode_json(raw.status, raw.body)?,
            status: raw.status,
            headers: raw.headers,
        })
    }

    /// Sends the request; any 2xx is success and the body is ignored.
    pub async fn send_empty(self) -> Result<(), Error> {
        self.send_empty_with_response()
            .await
            .map(ApiResponse::into_body)
    }

    /// Like [`Request::send_empty`], keeping the status and headers.
    pub async fn send_empty_with_response(self) -> Result<ApiResponse<()>, Error> {
        let limit = self.inner.max_response_bytes;
        let mut response = self.send_response().await?;
        let status = response.status();
        let headers = response.headers().clone();
        // Drained so the connection can be reused; the status already settled the outcome,
        // so neither a failure nor an oversized body turns it into an error (the operation
        // took effect). Past the limit the connection is dropped instead.
        let mut read = 0u64;
        while let Ok(Some(chunk)) = response.chunk().await {
            read = read.saturating_add(chunk.len() as u64);
            if read > limit {
                break;
            }
        }
        Ok(ApiResponse {
            status,
            headers,
            body: (),
        })
    }

    /// Sends the request and returns a 2xx body as bytes.
    ///
    /// A body over [`RuntimeBuilder::max_response_bytes`] is an
    /// [`Error::ResponseTooLarge`]; use [`send_byte_stream`](Self::send_byte_stream) for
    /// large downloads.
    pub async fn send_bytes(self) -> Result<Bytes, Error> {
        self.send_bytes_with_response()
            .await
            .map(ApiResponse::into_body)
    }

    /// Like [`Request::send_bytes`], keeping the status and headers (the content type,
    /// say).
    pub async fn send_bytes_with_response(self) -> Result<ApiResponse<Bytes>, Error> {
        let limit = self.inner.max_response_bytes;
        let response = self.send_response().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_body(response, limit).await?;
        Ok(ApiResponse {
            status,
            headers,
            body,
        })
    }

    /// Sends the request (with `accept: text/event-stream` unless another was set) and
    /// returns a 2xx body as a stream of decoded Server-Sent Events; see [`EventStream`].
    /// Non-2xx gives [`Error::Api`], as for [`send_json`](Self::send_json). A 2xx response
    /// with a content type other than `text/event-stream` gives
    /// [`StreamError::NotEventStream`] with the start of its body; one without a content
    /// type is read as an event stream.
    pub async fn send_events<T: DeserializeOwned>(
        self,
        mode: EventMode,
    ) -> Result<EventStream<T>, Error> {
        let request = self.accept("text/event-stream");
        let limit = request.inner.max_response_bytes.min(MAX_ERROR_BODY_BYTES);
        let response = request.send_response().await?;
        if let Some(content_type) = other_content_type(response.headers()) {
            let body = read_prefix(response, limit).await?;
            return Err(Error::Stream(StreamError::NotEventStream(Box::new(
                NotEventStream { content_type, body },
            ))));
        }
        Ok(EventStream {
            inner: BodyStream::new(response),
            parser: sse::Parser::new(),
            pending: VecDeque::new(),
            mode,
            item: PhantomData,
        })
    }

    /// Sends the request and returns a 2xx body as a stream of chunks, read as the stream
    /// is polled (large downloads, audio). Non-2xx gives [`Error::Api`].
    pub async fn send_byte_stream(self) -> Result<ByteStream, Error> {
        let response = self.send_response().await?;
        Ok(ByteStream {
            inner: BodyStream::new(response),
        })
    }

    /// Sends the request and returns the 2xx response unread, e.g. to stream its body.
    /// Non-2xx gives [`Error::Api`].
    ///
    /// Failed attempts are retried as the runtime's [`RetryPolicy`] decides, each retry
    /// logged as a `tracing` event in an `http_request` span. Only the response head is
    /// awaited here, so a body that fails later is never retried. A multipart body is sent
    /// once: it may stream files and cannot be replayed.
    pub async fn send_response(self) -> Result<reqwest::Response, Error> {
        let options = &self.options.settings;
        let inner = self.inner;
        let timeout = options.timeout.or(inner.timeout);
        let Parts {
            method,
            url,
            mut headers,
            body,
        } = self.parts?;
        let (bytes, mut form) = match body {
            Some(Payload::Bytes(bytes)) => (Some(bytes), None),
            Some(Payload::Multipart(form)) => {
                // reqwest adds its own, with the boundary; two would confuse servers.
                headers.remove(&CONTENT_TYPE);
                (None, Some(form.into_reqwest()?))
            }
            None => (None, None),
        };
        let max_retries = if form.is_some() {
            0
        } else {
            options
                .max_retries
                .or(inner.max_retries)
                .unwrap_or_else(|| inner.retry_policy.max_retries())
        };
        // The path only: a query string may carry secrets.
        let span = tracing::info_span!("http_request", method = %method, path = url.path());
        async move {
            // Each attempt sends a request of its own, built from the same parts (the body is
            // shared, not copied), straight into `reqwest::Request`: a `RequestBuilder`
            // would copy the headers once more.
            let mut attempt = 0;
            loop {
                attempt += 1;
                let mut request = reqwest::Request::new(method.clone(), url.clone());
                *request.headers_mut() = headers.to_map();
                *request.timeout_mut() = timeout;
                if let Some(bytes) = &bytes {
                    *request.body_mut() = Some(bytes.clone().into());
                }
                let mut builder =
                    reqwest::RequestBuilder::from_parts(inner.client.clone(), request);
                if let Some(form) = form.take() {
                    builder = builder.multipart(form);
                }
                let result = builder.send().await.map_err(from_reqwest);
                let outcome = match &result {
                    Ok(response) if response.status().is_success() => return result,
                    Ok(response) => Outcome::Response {
                        status: response.status(),
                        headers: response.headers(),
                    },
                    Err(e) => Outcome::Error(e),
                };
                let decision = if attempt <= max_retries {
                    inner.retry_policy.decide(attempt, &outcome)
                } else {
                    Decision::Stop
                };
                match (decision, result) {
                    (Decision::Stop, Ok(response)) => {
                        let limit = inner.max_response_bytes.min(MAX_ERROR_BODY_BYTES);
                        return Err(api_error(response, limit).await);
                    }
                    (Decision::Stop, Err(e)) => return Err(e),
                    (Decision::Retry(delay), result) => {
                        let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
                        match &result {
                            Ok(response) => tracing::info!(
                                attempt,
                                status = response.status().as_u16(),
                                delay_ms,
                                "retrying request"
                            ),
                            Err(e) => tracing::info!(
                                attempt,
                                error = %e,
                                delay_ms,
                                "retrying request"
                            ),
                        }
                        // Dropping an unread response closes its connection, which is
                        // cheaper than reading an error body nobody will see.
                        drop(result);
                        tokio::time::sleep(delay).await;
                    }
                }
            }
        }
        .instrument(span)
        .await
    }
}

/// Reads a non-2xx response into an [`Error::Api`], keeping at most `limit` bytes of its
/// body: the start of an error body says what went wrong, the rest is not worth holding.
async fn api_error(response: reqwest::Response, limit: u64) -> Error {
    let status = response.status();
    let headers = response.headers().clone();
    match read_prefix(response, limit).await {
        Ok(body) => Error::Api(Box::new(ApiError::new(status, headers, body))),
        Err(e) => e,
    }
}

/// Reads at most `limit` bytes of a body; dropping the response closes the connection on
/// the unread rest.
async fn read_prefix(mut response: reqwest::Response, limit: u64) -> Result<Bytes, Error> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(from_reqwest)? {
        let room = limit.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if chunk.len() >= room {
            break;
        }
    }
    Ok(body.freeze())
}

/// The response's content type, when there is one and it is not `text/event-stream`.
fn other_content_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(CONTENT_TYPE)?;
    let text = String::from_utf8_lossy(value.as_bytes());
    let essence = text.split(';').next().unwrap_or_default().trim();
    (!essence.eq_ignore_ascii_case("text/event-stream")).then(|| text.into_owned())
}

/// Reads a whole body, refusing one over `limit` bytes before holding more than that.
async fn read_body(mut response: reqwest::Response, limit: u64) -> Result<Bytes, Error> {
    let too_large = || Error::ResponseTooLarge { limit };
    if response.content_length().is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    let Some(first) = response.chunk().await.map_err(from_reqwest)? else {
        return Ok(Bytes::new());
    };
    if first.len() as u64 > limit {
        return Err(too_large());
    }
    let Some(mut chunk) = response.chunk().await.map_err(from_reqwest)? else {
        // The whole body came in one chunk (as small bodies do): kept, not copied.
        return Ok(first);
    };
    let capacity = response
        .content_length()
        .and_then(|len| usize::try_from(len).ok())
        .unwrap_or(first.len() + chunk.len());
    let mut body = BytesMut::with_capacity(capacity);
    body.extend_from_slice(&first);
    loop {
        if (body.len() as u64).saturating_add(chunk.len() as u64) > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
        match response.chunk().await.map_err(from_reqwest)? {
            Some(next) => chunk = next,
            None => return Ok(body.freeze()),
        }
    }
}

/// How [`Request::send_events`] decodes each event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventMode {
    /// Each event's `data` is one JSON value of the item type (as in OpenAI's
    /// chat/completions chunks); the event name is ignored.
    Data,
    /// Each event decodes as the item type from `{"event": <event name>, "data": <data
    /// parsed as JSON>}` (as in OpenAI's Assistants run streams, whose schemas model such
    /// an object). An event without a name is named `message`, as in the SSE standard.
    Envelope,
}

/// A 2xx response body being read: its status, headers and chunks.
struct BodyStream {
    status: StatusCode,
    headers: HeaderMap,
    content_length: Option<u64>,
    /// `None` once the body ended or failed; dropping it closes the connection.
    chunks: Option<Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send + Sync>>>,
}

impl BodyStream {
    fn new(response: reqwest::Response) -> Self {
        BodyStream {
            status: response.status(),
            headers: response.headers().clone(),
            content_length: response.content_length(),
            chunks: Some(Box::pin(response.bytes_stream())),
        }
    }

    /// The next chunk; `None` at the end of the body. After an error or the end, always
    /// `None`.
    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Error>>> {
        let Some(chunks) = self.chunks.as_mut() else {
            return Poll::Ready(None);
        };
        let next = ready!(chunks.as_mut().poll_next(cx));
        Poll::Ready(match next {
            Some(Ok(chunk)) => Some(Ok(chunk)),
            Some(Err(e)) => {
                self.chunks = None;
                Some(Err(from_reqwest(e)))
            }
            None => {
                self.chunks = None;
                None
            }
        })
    }
}

/// A 2xx response body of Server-Sent Events, decoded as items of type `T`: see
/// [`Request::send_events`]. Consume it with `StreamExt::next` from `futures-util`
/// (or any other `Stream` combinator library).
///
/// - The body is read only as the stream is polled; dropping the stream closes the
///   connection.
/// - `data: [DONE]` ends the stream, whatever its event name. Events whose data is empty
///   (or only whitespace) are skipped, and so are comments such as keep-alives.
/// - An event whose data is not JSON or does not decode as `T` is an [`Error::Decode`]
///   item, holding the event's data as its body; the stream goes on after it.
/// - An error the server reports inside the stream is one [`StreamError::ErrorEvent`] item,
///   and the stream ends: an event named `error` (in [`EventMode::Envelope`], only when it
///   does not decode as `T`, whose type may model it), or an event whose data does not
///   decode as `T` and is a JSON object with an `error` member.
/// - A body that ends without `[DONE]` gives one [`Error::Stream`] item,
///   [`StreamError::EndedBeforeDone`]; a connection that fails mid-stream gives one
///   [`Error::Transport`] (or [`Error::Timeout`]) item; a line or event over
///   [`sse::MAX_EVENT_BYTES`] gives [`StreamError::TooLarge`]. The stream then ends.
///   Servers that never send `[DONE]` therefore always end with the `EndedBeforeDone`
///   item: treat it as the end if that is how such a server signals completion.
/// - Once ended, it keeps returning `None`.
pub struct EventStream<T> {
    inner: BodyStream,
    parser: sse::Parser,
    /// Events parsed from the last chunk, not yet returned.
    pending: VecDeque<sse::Event>,
    mode: EventMode,
    item: PhantomData<fn() -> T>,
}

impl<T> EventStream<T> {
    /// The HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.inner.status
    }

    /// The response headers (a request id, rate limits, ...).
    pub fn headers(&self) -> &HeaderMap {
        &self.inner.headers
    }

    /// The last event ID the server sent, for resuming where supported.
    pub fn last_event_id(&self) -> Option<&str> {
        self.parser.last_event_id()
    }

    fn end(&mut self) {
        self.inner.chunks = None;
        self.pending.clear();
    }
}

impl<T: DeserializeOwned> EventStream<T> {
    fn decode(&self, event: &sse::Event) -> Result<T, Error> {
        let status = self.inner.status;
        let decode_error = |path: String, e: serde_json::Error, body: Bytes| {
            Error::Decode(Box::new(DecodeError::new(status, path, e, body)))
        };
        match self.mode {
            EventMode::Data => decode_json(status, Bytes::from(event.data.clone())),
            EventMode::Envelope => {
                let body = Bytes::from(event.data.clone());
                let data: serde_json::Value = serde_json::from_slice(&body)
                    .map_err(|e| decode_error("data".to_owned(), e, body.clone()))?;
                let name = event.event.clone().unwrap_or_else(|| "message".to_owned());
                let mut envelope = serde_json::Map::new();
                envelope.insert("event".to_owned(), serde_json::Value::String(name));
                envelope.insert("data".to_owned(), data);
                serde_path_to_error::deserialize(serde_json::Value::Object(envelope))
                    .map_err(|e| decode_error(e.path().to_string(), e.into_inner(), body))
            }
        }
    }
}

impl<T: DeserializeOwned> Stream for EventStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(event) = this.pending.pop_front() {
                if event.data.trim() == "[DONE]" {
                    this.end();
                    return Poll::Ready(None);
                }
                if event.data.trim().is_empty() {
                    continue;
                }
                let named_error = event.event.as_deref() == Some("error");
                let decoded = if named_error && this.mode == EventMode::Data {
                    None
                } else {
                    Some(this.decode(&event))
                };
                return Poll::Ready(Some(match decoded {
                    Some(Ok(item)) => Ok(item),
                    Some(Err(e)) if !named_error && !has_error_member(&event.data) => Err(e),
                    _ => {
                        this.end();
                        Err(Error::Stream(error_event(event.data)))
                    }
                }));
            }
            if this.inner.chunks.is_none() {
                return Poll::Ready(None);
            }
            match ready!(this.inner.poll_chunk(cx)) {
                Some(Ok(chunk)) => match this.parser.push(&chunk) {
                    Ok(events) => this.pending.extend(events),
                    Err(e) => {
                        this.end();
                        return Poll::Ready(Some(Err(Error::Stream(e))));
                    }
                },
                Some(Err(e)) => {
                    this.end();
                    return Poll::Ready(Some(Err(e)));
                }
                None => {
                    let e = this.parser.finish().err();
                    return Poll::Ready(Some(Err(Error::Stream(
                        e.unwrap_or(StreamError::EndedBeforeDone),
                    ))));
                }
            }
        }
    }
}

/// Whether an event's data is a JSON object with a non-null `error` member.
fn has_error_member(data: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(data)
        .ok()
        .and_then(|json| json.get("error").map(|e| !e.is_null()))
        .unwrap_or(false)
}

fn error_event(data: String) -> StreamError {
    let message = serde_json::from_str::<serde_json::Value>(&data)
        .ok()
        .and_then(|json| crate::error::message_of(&json))
        .unwrap_or_else(|| one_line(&data, 500));
    StreamError::ErrorEvent(Box::new(ErrorEvent { message, data }))
}

impl<T> fmt::Debug for EventStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("status", &self.inner.status)
            .field("mode", &self.mode)
            .field("item", &std::any::type_name::<T>())
            .field("pending_events", &self.pending.len())
            .field("ended", &self.inner.chunks.is_none())
            .finish_non_exhaustive()
    }
}

/// A 2xx response body as a stream of chunks, read only as the stream is polled: see
/// [`Request::send_byte_stream`]. Dropping it closes the connection.
///
/// A connection that fails mid-body gives one [`Error::Transport`] (or
/// [`Error::Timeout`]) item, after which the stream ends; once ended, it keeps
/// returning `None`.
pub struct ByteStream {
    inner: BodyStream,
}

impl ByteStream {
    /// The HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.inner.status
    }

    /// The response headers (content type, content disposition, ...).
    pub fn headers(&self) -> &HeaderMap {
        &self.inner.headers
    }

    /// The body's length, when the server announced it.
    pub fn content_length(&self) -> Option<u64> {
        self.inner.content_length
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().inner.poll_chunk(cx)
    }
}

impl fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ByteStream")
            .field("status", &self.inner.status)
            .field("content_length", &self.inner.content_length)
            .field("ended", &self.inner.chunks.is_none())
            .finish_non_exhaustive()
    }
}

/// Names a JSON value's kind for messages: `an array`, `a string`, ...
fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Percent-encodes `s` as one path segment: everything except RFC 3986 unreserved
/// characters is encoded, so `a/b?c d` becomes `a%2Fb%3Fc%20d`.
pub fn encode_path_segment(s: &str) -> Cow<'_, str> {
    utf8_percent_encode(s, NOT_UNRESERVED).into()
}

pub(crate) fn decode_json<T: DeserializeOwned>(
    status: StatusCode,
    body: Bytes,
) -> Result<T, Error> {
    // serde_path_to_error costs on every value it passes (a measurable share of a request
    // on loopback; see BENCHMARKS.md), so it only runs again on a body that failed, to
    // name the path. Both decode the same way, so the outcome is the same.
    if let Ok(value) = serde_json::from_slice(&body) {
        return Ok(value);
    }
    let decode_error = |path: String, e: serde_json::Error, body: &Bytes| {
        Error::Decode(Box::new(DecodeError::new(status, path, e, body.clone())))
    };
    let mut de = serde_json::Deserializer::from_slice(&body);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| decode_error(e.path().to_string(), e.into_inner(), &body))?;
    de.end()
        .map_err(|e| decode_error(".".to_owned(), e, &body))?;
    Ok(value)
}

fn from_reqwest(e: reqwest::Error) -> Error {
    if e.is_timeout() {
        Error::Timeout(e)
    } else {
        Error::Transport(e)
    }
}

fn parse_base_url(raw: &str) -> Result<String, Error> {
    let invalid = |why: String| Error::InvalidRequest(format!("invalid base URL: {why}"));
    // The URL itself stays out of messages: it might embed a password.
    let url = Url::parse(raw.trim()).map_err(|e| invalid(e.to_string()))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(invalid(format!(
            "scheme must be http or https, not `{}`",
            url.scheme()
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "it must not contain credentials; use a security scheme credential".to_owned(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or fragment".to_owned()));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn join_url(base: &str, path: &str) -> Result<Url, Error> {
    // URL parsing resolves `.`/`..` segments (also when written as `%2e`), which would
    // silently send the request to another endpoint.
    let path_only = path.split(['?', '#']).next().unwrap_or_default();
    if let Some(seg) = path_only.split('/').find(|seg| is_dot_segment(seg)) {
        return Err(Error::InvalidRequest(format!(
            "path segment `{seg}` cannot be sent: URLs treat it as a relative reference"
        )));
    }
    // An empty path parameter leaves `//`, which servers often collapse: `/threads//runs`
    // would reach `/threads/runs`, another operation entirely.
    // (By bytes: `contains("//")` sets up a substring searcher on every request.)
    if path_only.as_bytes().windows(2).any(|pair| pair == b"//") {
        return Err(Error::InvalidRequest(format!(
            "path `{path_only}` has an empty segment: is a path parameter empty?"
        )));
    }
    let sep = if path.is_empty() || path.starts_with('/') {
        ""
    } else {
        "/"
    };
    let mut url = String::with_capacity(base.len() + sep.len() + path.len());
    url.push_str(base);
    url.push_str(sep);
    url.push_str(path);
    Url::parse(&url).map_err(|e| Error::InvalidRequest(format!("invalid request URL: {e}")))
}

/// Whether `seg` is `.` or `..`, each dot possibly written `%2e` or `%2E`. (Without
/// allocating: this runs on every segment of every request.)
fn is_dot_segment(seg: &str) -> bool {
    let mut rest = seg.as_bytes();
    let mut dots = 0;
    while !rest.is_empty() {
        rest = match rest {
            [b'.', tail @ ..] => tail,
            [b'%', b'2', b'e' | b'E', tail @ ..] => tail,
            _ => return false,
        };
        dots += 1;
    }
    dots == 1 || dots == 2
}

/// Shows a URL without any user name or password it embeds.
fn redacted_url(raw: &str) -> String {
    match Url::parse(raw.trim()) {
        Ok(mut url) => {
            if !url.username().is_empty() || url.password().is_some() {
                // Only fails for URLs that cannot have credentials, which then have none.
                let _ = url.set_username("redacted");
                let _ = url.set_password(None);
            }
            url.to_string()
        }
        Err(_) => "<invalid URL>".to_owned(),
    }
}

/// Follows redirects only within the origin of the original request: reqwest strips
/// `Authorization` on cross-host redirects but not API-key headers, which would leak.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else if same_origin {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_and_header_values_are_marked_sensitive() {
        static SCHEMES: &[SecurityScheme] = &[
            SecurityScheme {
                id: "key",
                kind: SchemeKind::ApiKeyHeader { header: "x-key" },
            },
            SecurityScheme {
                id: "basic",
                kind: SchemeKind::Basic,
            },
        ];
        let mut builder = RuntimeBuilder::new("https://h", SCHEMES);
        builder.credential("key", "k");
        builder.credential("basic", "u:p");
        let rt = builder.build().unwrap();
        let parts = rt
            .request(Method::GET, "/", &["key", "basic"])
            .header("x-param", "v")
            .parts
            .unwrap();
        assert_eq!(parts.headers.0.len(), 3);
        assert!(parts.headers.0.iter().all(|(_, v)| v.is_sensitive()));
    }

    #[test]
    fn error_stays_small() {
        // `Result<T, Error>` is returned everywhere; clippy's `result_large_err` limit is 128.
        assert!(std::mem::size_of::<Error>() <= 32);
    }

    #[test]
    fn dot_segments_are_rejected() {
        for path in ["/a/../b", "/a/./b", "/a/%2E%2e/b", "/a/.%2E", "/%2e"] {
            assert!(join_url("https://h", path).is_err(), "{path}");
        }
        for path in ["/a/.b/c", "/a/...", "/a/%2e%2e%2e", "/a?x=.."] {
            assert!(join_url("https://h", path).is_ok(), "{path}");
        }
    }

    #[test]
    fn empty_segments_are_rejected() {
        for path in ["/threads//runs", "//runs", "/a/b//"] {
            assert!(join_url("https://h", path).is_err(), "{path}");
        }
        for path in ["/threads/x/runs", "/a?x=//", "/a/"] {
            assert!(join_url("https://h", path).is_ok(), "{path}");
        }
    }

    #[test]
    fn base_url_is_validated_and_normalised() {
        assert_eq!(parse_base_url("https://h/v1/").unwrap(), "https://h/v1");
        assert_eq!(parse_base_url("HTTPS://H").unwrap(), "https://h");
        for bad in [
            "ftp://h",
            "h/v1",
            "https://u:p@h",
            "https://h/?a=1",
            "https://h/#f",
            "",
        ] {
            assert!(parse_base_url(bad).is_err(), "{bad}");
        }
        let err = parse_base_url("https://user:hunter2@h").unwrap_err();
        assert!(!format!("{err} {err:?}").contains("hunter2"));
        assert_eq!(
            redacted_url("https://user:hunter2@h/v1"),
            "https://redacted@h/v1"
        );
    }

    /// The generated `ClientBuilder`'s use of [`gateway_setters!`](crate::gateway_setters):
    /// in another module, over a `RuntimeBuilder` field. Its items are `pub` as the generated
    /// ones are, though only this test reaches them.
    #[allow(unreachable_pub)]
    mod generated_like {
        pub struct ClientBuilder {
            pub runtime: crate::runtime::RuntimeBuilder,
        }

        impl ClientBuilder {
            crate::gateway_setters!();
            fn gateway_options_mut(&mut self) -> &mut crate::runtime::GatewayOptions {
                self.runtime.gateway_options_mut()
            }
        }
    }

    #[test]
    fn gateway_setters_expand_in_another_module_and_set_client_wide_headers() {
        let builder = generated_like::ClientBuilder {
            runtime: RuntimeBuilder::new("https://h", &[]),
        }
        .trace_id("t-1")
        .span_id("s-1")
        .parent_span_id("p-1")
        .span_name("step one")
        .metadata("_user", "u-1")
        .metadata_entries([("a", "1"), ("b", "2")])
        .cache_namespace("ns")
        .cache_force_refresh(true)
        .forward_headers(["X-Team", "x-user"])
        .request_timeout(Duration::from_millis(1500))
        .strict_openai_compliance(false);
        let rt = builder.runtime.build().unwrap();
        let parts = rt.request(Method::GET, "/", &[]).parts.unwrap();
        let sent: Vec<(&str, &str)> = parts
            .headers
            .0
            .iter()
            .map(|(n, v)| (n.as_str(), v.to_str().unwrap()))
            .collect();
        assert_eq!(
            sent,
            [
                ("x-portkey-trace-id", "t-1"),
                ("x-portkey-span-id", "s-1"),
                ("x-portkey-parent-span-id", "p-1"),
                ("x-portkey-span-name", "step one"),
                ("x-portkey-cache-namespace", "ns"),
                ("x-portkey-metadata", r#"{"_user":"u-1","a":"1","b":"2"}"#),
                ("x-portkey-cache-force-refresh", "true"),
                ("x-portkey-forward-headers", "x-team,x-user"),
                ("x-portkey-request-timeout", "1500"),
                ("x-portkey-strict-open-ai-compliance", "false"),
            ]
        );
    }

    #[test]
    fn metadata_json_is_ascii_and_reads_back_exactly() {
        let awkward = [
            "plain",
            "",
            "quote \" backslash \\ slash /",
            "line\nbreak\r\ttab \u{0} \u{1f} \u{7f}",
            "é ü ñ → ✓ 中文",
            "emoji 😀 beyond the BMP 𝄞",
            "\u{2028}\u{2029}\u{feff}",
        ];
        let entries: BTreeMap<String, String> = awkward
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("{v}#{i}"), (*v).to_owned()))
            .collect();
        let json = ascii_json_object(&entries);
        assert!(json.bytes().all(|b| (b' '..=b'~').contains(&b)), "{json}");
        assert!(HeaderValue::from_str(&json).is_ok());
        let back: BTreeMap<String, String> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, entries);
        assert_eq!(
            ascii_json_object(&BTreeMap::from([("k\"".to_owned(), "é\n😀".to_owned())])),
            r#"{"k\"":"\u00e9\n\ud83d\ude00"}"#
        );
        assert_eq!(ascii_json_object(&BTreeMap::new()), "{}");
    }

    #[test]
    fn gateway_settings_merge_field_by_field_and_metadata_by_key() {
        let client = RequestOptions::new()
            .trace_id("client")
            .span_name("client span")
            .metadata("env", "prod")
            .metadata("_user", "client user")
            .forward_headers(["x-a", "x-b"])
            .cache_force_refresh(true);
        let call = RequestOptions::new()
            .trace_id("call")
            .metadata("_user", "call user")
            .forward_headers(["x-c"])
            .cache_force_refresh(false);
        let merged = client.merged(call).gateway;
        assert_eq!(merged.trace_id.as_deref(), Some("call"));
        assert_eq!(merged.span_name.as_deref(), Some("client span"));
        assert_eq!(
            merged.metadata,
            BTreeMap::from([
                ("_user".to_owned(), "call user".to_owned()),
                ("env".to_owned(), "prod".to_owned()),
            ])
        );
        assert_eq!(merged.forward_headers, Some(vec!["x-c".to_owned()]));
        assert_eq!(merged.cache_force_refresh, Some(false));
        assert_eq!(merged.request_timeout, None);
    }
}

/// A decoded body with the status and headers of the response it came in.
#[derive(Clone)]
pub struct ApiResponse<T> {
    status: StatusCode,
    headers: HeaderMap,
    body: T,
}

impl<T> ApiResponse<T> {
    /// The response status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// One header as text, if present and valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The server's request id: the first present of `x-request-id`, `request-id`,
    /// `x-portkey-request-id`, `x-portkey-trace-id`.
    pub fn request_id(&self) -> Option<&str> {
        crate::error::request_id_of(&self.headers)
    }

    /// The decoded body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// The decoded body, taken.
    pub fn into_body(self) -> T {
        self.body
    }
}

impl<T: fmt::Debug> fmt::Debug for ApiResponse<T> {
    // Header names only: response headers can carry cookies.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiResponse")
            .field("status", &self.status)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body", &self.body)
            .finish()
    }
}
