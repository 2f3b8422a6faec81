//! The HTTP runtime that the generated operations call: base URL, credentials,
//! request building and response decoding.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{one_line, ApiError, DecodeError, Error};

/// Everything except RFC 3986 unreserved characters (`ALPHA DIGIT - . _ ~`).
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// Redirects followed by the default HTTP client (the same limit reqwest uses).
const MAX_REDIRECTS: usize = 10;

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
}

struct Inner {
    /// Normalised, without trailing `/`, so that paths can be appended as they are.
    base_url: String,
    client: reqwest::Client,
    credentials: Vec<Credential>,
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
}

impl fmt::Debug for RuntimeBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.credentials.iter().map(|(id, _)| *id).collect();
        f.debug_struct("RuntimeBuilder")
            .field("base_url", &redacted_url(&self.base_url))
            .field("credentials", &ids)
            .field("custom_http_client", &self.client.is_some())
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

    /// Uses this HTTP client instead of the default one (timeouts, proxies, TLS, user agent
    /// and redirect policy are then the caller's choice).
    pub fn http_client(&mut self, client: reqwest::Client) {
        self.client = Some(client);
    }

    /// Validates the configuration and builds the runtime.
    ///
    /// Fails with [`Error::InvalidRequest`] when the base URL is not an absolute `http`/`https`
    /// URL without credentials, query or fragment, when a credential names an unknown scheme,
    /// or when a credential cannot be sent as a header value. Messages never contain the
    /// credential itself.
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
        let client = match self.client {
            Some(client) => client,
            None => reqwest::Client::builder()
                .user_agent(USER_AGENT)
                .redirect(same_origin_redirects())
                .build()
                .map_err(Error::Transport)?,
        };
        Ok(Runtime {
            inner: Arc::new(Inner {
                base_url,
                client,
                credentials,
            }),
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
                    Cow::Owned(format!("Basic {}", base64(pair.as_bytes()))),
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

    /// Starts a request.
    ///
    /// `path` starts with `/` and is already percent-encoded (see [`encode_path_segment`]);
    /// it is appended to the base URL. `schemes` lists the security schemes the operation
    /// accepts: each configured credential among them is sent as its header (when two
    /// share a header, the one listed first wins).
    pub fn request(&self, method: Method, path: &str, schemes: &[&str]) -> Request {
        Request {
            client: self.inner.client.clone(),
            parts: self.request_parts(method, path, schemes),
        }
    }

    fn request_parts(&self, method: Method, path: &str, schemes: &[&str]) -> Result<Parts, Error> {
        let url = join_url(&self.inner.base_url, path)?;
        let mut headers = HeaderMap::new();
        for id in schemes {
            if let Some(cred) = self.inner.credentials.iter().find(|c| c.scheme_id == *id) {
                if !headers.contains_key(&cred.header) {
                    headers.insert(cred.header.clone(), cred.value.clone());
                }
            }
        }
        Ok(Parts {
            method,
            url,
            headers,
            body: None,
        })
    }
}

/// A request being built. Errors are kept until it is sent.
#[must_use = "a request does nothing until it is sent"]
pub struct Request {
    client: reqwest::Client,
    parts: Result<Parts, Error>,
}

struct Parts {
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Option<Bytes>,
}

impl fmt::Debug for Request {
    // Header names only: values may be credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Request");
        match &self.parts {
            Ok(parts) => {
                let names: Vec<&str> = parts.headers.keys().map(HeaderName::as_str).collect();
                s.field("method", &parts.method)
                    .field("url", &parts.url.as_str())
                    .field("headers", &names)
                    .field("body_len", &parts.body.as_ref().map(Bytes::len))
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
            let pair = format!(
                "{}={}",
                utf8_percent_encode(name, NOT_UNRESERVED),
                utf8_percent_encode(value, NOT_UNRESERVED)
            );
            let query = match parts.url.query() {
                Some(q) if !q.is_empty() => format!("{q}&{pair}"),
                _ => pair,
            };
            parts.url.set_query(Some(&query));
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
            parts.body = Some(Bytes::from(bytes));
            parts
                .headers
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            Ok(())
        })
    }

    /// Sets a raw body with the given content type.
    pub fn body(self, content_type: &str, body: impl Into<Bytes>) -> Self {
        let body = body.into();
        self.header(CONTENT_TYPE.as_str(), content_type)
            .update(|parts| {
                parts.body = Some(body);
                Ok(())
            })
    }

    /// Sends the request and decodes a 2xx JSON body as `T`.
    ///
    /// Non-2xx gives [`Error::Api`]; a body that does not decode gives [`Error::Decode`]
    /// naming the JSON path where decoding failed.
    pub async fn send_json<T: DeserializeOwned>(self) -> Result<T, Error> {
        let request = self.update(|parts| {
            parts
                .headers
                .entry(ACCEPT)
                .or_insert(HeaderValue::from_static("application/json"));
            Ok(())
        });
        let response = request.send_response().await?;
        let status = response.status();
        let body = response.bytes().await.map_err(from_reqwest)?;
        decode_json(status, body)
    }

    /// Sends the request; any 2xx is success and the body is ignored.
    pub async fn send_empty(self) -> Result<(), Error> {
        let response = self.send_response().await?;
        // Drained so the connection can be reused; the status already settled the outcome.
        let _ = response.bytes().await;
        Ok(())
    }

    /// Sends the request and returns a 2xx body as bytes.
    pub async fn send_bytes(self) -> Result<Bytes, Error> {
        let response = self.send_response().await?;
        response.bytes().await.map_err(from_reqwest)
    }

    /// Sends the request and returns the 2xx response unread, e.g. to stream its body.
    /// Non-2xx gives [`Error::Api`].
    pub async fn send_response(self) -> Result<reqwest::Response, Error> {
        let Parts {
            method,
            url,
            headers,
            body,
        } = self.parts?;
        let mut builder = self.client.request(method, url).headers(headers);
        if let Some(body) = body {
            builder = builder.body(body);
        }
        let response = builder.send().await.map_err(from_reqwest)?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(from_reqwest)?;
        Err(Error::Api(Box::new(ApiError::new(status, headers, body))))
    }
}

/// Percent-encodes `s` as one path segment: everything except RFC 3986 unreserved
/// characters is encoded, so `a/b?c d` becomes `a%2Fb%3Fc%20d`.
pub fn encode_path_segment(s: &str) -> Cow<'_, str> {
    utf8_percent_encode(s, NOT_UNRESERVED).into()
}

fn decode_json<T: DeserializeOwned>(status: StatusCode, body: Bytes) -> Result<T, Error> {
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
    if path_only.contains("//") {
        return Err(Error::InvalidRequest(format!(
            "path `{path_only}` has an empty segment: is a path parameter empty?"
        )));
    }
    let sep = if path.is_empty() || path.starts_with('/') {
        ""
    } else {
        "/"
    };
    Url::parse(&format!("{base}{sep}{path}"))
        .map_err(|e| Error::InvalidRequest(format!("invalid request URL: {e}")))
}

fn is_dot_segment(seg: &str) -> bool {
    let seg = seg.to_ascii_lowercase().replace("%2e", ".");
    seg == "." || seg == ".."
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

/// Standard base64 with padding (RFC 4648), for Basic credentials.
fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, expected) in cases {
            assert_eq!(base64(input.as_bytes()), expected);
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

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
        assert_eq!(parts.headers.len(), 3);
        assert!(parts.headers.values().all(HeaderValue::is_sensitive));
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
}
