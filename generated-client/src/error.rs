//! Errors returned by every operation.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use crate::pagination::Position;

/// Longest body excerpt shown in a one-line error message, in characters.
const BODY_SNIPPET_CHARS: usize = 200;
/// Longest server-provided error message shown in [`ApiError`]'s `Display`.
const MESSAGE_CHARS: usize = 500;

/// The server's request id among `headers`: the first present of [`REQUEST_ID_HEADERS`].
pub(crate) fn request_id_of(headers: &HeaderMap) -> Option<&str> {
    REQUEST_ID_HEADERS.iter().find_map(|name| {
        headers
            .get(*name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    })
}

/// Response headers that may carry the server's request id, in order of preference.
const REQUEST_ID_HEADERS: &[&str] = &[
    "x-request-id",
    "request-id",
    "x-portkey-request-id",
    "x-portkey-trace-id",
];

/// `error: cause: cause ...` on one line, so a log line says why (connection refused, DNS,
/// TLS) and not only that a request failed. reqwest's messages name the URL, never headers.
fn causes(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out.replace(['\n', '\r'], " ")
}

/// Everything that can go wrong when calling an operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a non-2xx status.
    // Boxed: `ApiError` holds a whole `HeaderMap`, which would make every `Result` large.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The server answered 2xx but the body did not decode into the expected type.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The request or the response body timed out.
    #[error("request timed out: {}", causes(.0))]
    Timeout(#[source] reqwest::Error),
    /// The request could not be sent or the response could not be read
    /// (connection refused or reset, TLS failure, ...).
    #[error("transport error: {}", causes(.0))]
    Transport(#[source] reqwest::Error),
    /// The request could not be built: bad base URL, bad header value,
    /// unknown security scheme, body serialisation failure, ...
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// A streamed response body broke off or was malformed after a 2xx status:
    /// see [`StreamError`].
    #[error(transparent)]
    Stream(StreamError),
    /// A local file could not be opened or read, e.g. by
    /// [`FilePart::path`](crate::upload::FilePart::path). The message names the file;
    /// [`std::io::Error::kind`] tells why (`NotFound`, `PermissionDenied`, ...).
    #[error(transparent)]
    Io(std::io::Error),
    /// A 2xx response body was larger than the runtime accepts in memory
    /// ([`RuntimeBuilder::max_response_bytes`](crate::runtime::RuntimeBuilder::max_response_bytes));
    /// it was refused without being read in full.
    #[error("response body exceeds the limit of {limit} bytes")]
    ResponseTooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// A paginated listing ([`Pages`](crate::pagination::Pages),
    /// [`Items`](crate::pagination::Items)) stopped because the server's answers would have
    /// made it loop or could not be followed: see [`PaginationError`]. The stream ends
    /// after it; the pages before it were good.
    // Boxed: a `PaginationError` holds two positions.
    #[error("pagination: {0}")]
    Pagination(Box<PaginationError>),
    /// A WebSocket connection (`websocket::WebSocket`, with the `websocket` feature) could
    /// not be opened, or broke: see [`WebSocketError`]. An upgrade the server refused with an
    /// error status is an [`Error::Api`] instead.
    #[error("websocket: {0}")]
    WebSocket(Box<WebSocketError>),
}

impl Error {
    /// The HTTP status of the response, if one was received.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status()),
            Error::Decode(e) => Some(e.status()),
            Error::Timeout(_)
            | Error::Transport(_)
            | Error::InvalidRequest(_)
            | Error::Stream(_)
            | Error::Io(_)
            | Error::ResponseTooLarge { .. }
            | Error::Pagination(_)
            | Error::WebSocket(_) => None,
        }
    }

    /// Whether the request (or a WebSocket handshake) timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout(_))
            || matches!(self, Error::WebSocket(e) if matches!(**e, WebSocketError::Timeout { .. }))
    }

    /// Whether the request failed before a response arrived (connection refused, reset, ...),
    /// excluding timeouts; for a WebSocket, whether it could not connect or lost its
    /// connection.
    pub fn is_transport(&self) -> bool {
        matches!(self, Error::Transport(_))
            || matches!(
                self,
                Error::WebSocket(e)
                    if matches!(**e, WebSocketError::Connect(_) | WebSocketError::Disconnected(_))
            )
    }

    /// The non-2xx response, if that is what this error is.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The undecodable 2xx response, if that is what this error is.
    pub fn decode_error(&self) -> Option<&DecodeError> {
        match self {
            Error::Decode(e) => Some(e),
            _ => None,
        }
    }

    /// Why a paginated listing stopped, if that is what this error is.
    pub fn pagination_error(&self) -> Option<&PaginationError> {
        match self {
            Error::Pagination(e) => Some(e),
            _ => None,
        }
    }

    /// The server's request id, when the server answered with a non-2xx status and sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.api_error().and_then(ApiError::request_id)
    }
}

/// What went wrong with a streamed response body that began with a 2xx status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// The body ended (the server closed the stream) before the `data: [DONE]` event
    /// that marks a complete event stream. Any incomplete last event was discarded.
    #[error("stream ended before [DONE]")]
    EndedBeforeDone,
    /// A single line or event of an event stream exceeded the parser's size limit
    /// ([`MAX_EVENT_BYTES`](crate::sse::MAX_EVENT_BYTES) by default).
    #[error("event stream line or event exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The server reported a failure inside the stream: an event named `error`, or an event
    /// whose data is a JSON object with an `error` member instead of the expected item (how
    /// OpenAI-compatible servers, Portkey's gateway among them, report a failure after the
    /// 2xx head was sent). The stream ends after it.
    // Boxed, as below: `Error` stays small.
    #[error("the server sent an error event: {}", one_line(&.0.message, MESSAGE_CHARS))]
    ErrorEvent(Box<ErrorEvent>),
    /// A 2xx response that should have been an event stream has another content type, as
    /// when a server ignores `"stream": true` and answers with one JSON body.
    #[error(
        "expected an event stream, got content type `{}`: {}",
        .0.content_type,
        one_line(&String::from_utf8_lossy(&.0.body), BODY_SNIPPET_CHARS)
    )]
    NotEventStream(Box<NotEventStream>),
}

/// What went wrong with a WebSocket connection: see [`Error::WebSocket`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebSocketError {
    /// The connection could not be opened: refused, a DNS or TLS failure, or a server that
    /// answered without switching protocols.
    #[error("could not connect: {0}")]
    Connect(String),
    /// Connecting, or the whole handshake, took longer than the client's connect timeout or
    /// request timeout.
    #[error("the handshake timed out after {after:?}")]
    Timeout {
        /// The limit that ran out.
        after: std::time::Duration,
    },
    /// The connection broke off without a close frame (reset, or the server went away).
    /// The stream ends after it.
    #[error("connection lost: {0}")]
    Disconnected(String),
    /// A received message was larger than the client accepts
    /// ([`RuntimeBuilder::max_response_bytes`](crate::runtime::RuntimeBuilder::max_response_bytes)).
    /// The stream ends after it.
    #[error("a message exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The server broke the WebSocket protocol. The stream ends after it.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// A message was sent on a connection already closed.
    #[error("the connection is closed")]
    Closed,
}

/// Why a paginated listing ([`Pages`](crate::pagination::Pages),
/// [`Items`](crate::pagination::Items)) stopped before the server said it was done: see
/// [`Error::Pagination`]. Each means the server's answers cannot be followed further
/// without requesting a page already received, so the stream ends rather than loop.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PaginationError {
    /// A cursor listing's page named, as the cursor of the next page, a cursor already
    /// requested in this stream (the same one twice, or a cycle such as `A`, `B`, `A`).
    #[error(
        "the server returned cursor `{}` a second time; stopped to avoid a loop",
        one_line(cursor, MESSAGE_CHARS)
    )]
    RepeatedCursor {
        /// The cursor, as the server sent it.
        cursor: String,
    },
    /// A page was identical to one already received in this stream, as when the server
    /// ignores the page or offset parameter. It was not yielded again.
    #[error(
        "the page at {position} is identical to the page at {earlier}; stopped to avoid a loop"
    )]
    RepeatedPage {
        /// Where the repeated page was fetched from.
        position: Position,
        /// Where the identical page was first fetched from.
        earlier: Position,
    },
    /// A cursor listing's page said there were more items (`has_more: true`) but gave no
    /// cursor to fetch them with.
    #[error("the page at {position} has more items after it but no cursor to fetch them with")]
    MissingCursor {
        /// Where the page was fetched from.
        position: Position,
    },
}

/// An error event the server sent inside an event stream: see [`StreamError::ErrorEvent`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorEvent {
    /// The server's message: `error.message`, `error`, `message` or `detail` in the data,
    /// else the data itself.
    pub message: String,
    /// The event's data, unparsed.
    pub data: String,
}

/// A 2xx answer that is not an event stream: see [`StreamError::NotEventStream`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotEventStream {
    /// The response's content type.
    pub content_type: String,
    /// The start of the body (at most a mebibyte).
    pub body: Bytes,
}

/// A non-2xx response.
pub struct ApiError {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    json: Option<serde_json::Value>,
}

impl ApiError {
    /// Wraps a non-2xx response; the body is parsed as JSON once, up front.
    pub(crate) fn new(status: StatusCode, headers: HeaderMap, body: Bytes) -> Self {
        let json = serde_json::from_slice(&body).ok();
        ApiError {
            status,
            headers,
            body,
            json,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The server's request id: the first present of `x-request-id`, `request-id`,
    /// `x-portkey-request-id`, `x-portkey-trace-id`.
    pub fn request_id(&self) -> Option<&str> {
        request_id_of(&self.headers)
    }

    /// The raw response body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The response body as text (invalid UTF-8 replaced).
    pub fn body_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The response body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<&serde_json::Value> {
        self.json.as_ref()
    }

    /// Decodes the body into a type, typically the operation's declared error schema.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// The server's error message, best effort: the first non-empty string among
    /// `error.message`, `error`, `message` and `detail` in a JSON body.
    pub fn message(&self) -> Option<String> {
        message_of(self.json.as_ref()?)
    }
}

/// The first non-empty string among `error.message`, `error`, `message` and `detail`.
pub(crate) fn message_of(json: &serde_json::Value) -> Option<String> {
    [
        json.pointer("/error/message"),
        json.get("error"),
        json.get("message"),
        json.get("detail"),
    ]
    .into_iter()
    .flatten()
    .filter_map(serde_json::Value::as_str)
    .map(str::trim)
    .find(|s| !s.is_empty())
    .map(str::to_owned)
}

impl fmt::Display for ApiError {
    /// One line: `HTTP 404 Not Found: <message or body excerpt> (request id: <id>)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status.as_u16())?;
        if let Some(reason) = self.status.canonical_reason() {
            write!(f, " {reason}")?;
        }
        let detail = match self.message() {
            Some(message) => one_line(&message, MESSAGE_CHARS),
            None => one_line(&self.body_text(), BODY_SNIPPET_CHARS),
        };
        if !detail.is_empty() {
            write!(f, ": {detail}")?;
        }
        if let Some(id) = self.request_id() {
            write!(f, " (request id: {})", one_line(id, 100))?;
        }
        Ok(())
    }
}

impl fmt::Debug for ApiError {
    // Hand-written: response headers may carry cookies, and bodies can be huge.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("request_id", &self.request_id())
            .field("body", &one_line(&self.body_text(), BODY_SNIPPET_CHARS))
            .finish_non_exhaustive()
    }
}

impl std::error::Error for ApiError {}

/// A 2xx response whose body does not decode into the expected type.
pub struct DecodeError {
    status: StatusCode,
    path: String,
    source: serde_json::Error,
    body: Bytes,
}

impl DecodeError {
    /// `path` is where decoding failed, as printed by `serde_path_to_error` (`.` for the root).
    pub(crate) fn new(
        status: StatusCode,
        path: String,
        source: serde_json::Error,
        body: Bytes,
    ) -> Self {
        DecodeError {
            status,
            path,
            source,
            body,
        }
    }

    /// The HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Where in the JSON decoding failed, like `tools[0].type`, or `.` for the root.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What went wrong, as reported by `serde_json`.
    pub fn message(&self) -> String {
        self.source.to_string()
    }

    /// The start of the body, on one line, at most about 200 characters.
    pub fn body_snippet(&self) -> String {
        one_line(&String::from_utf8_lossy(&self.body), BODY_SNIPPET_CHARS)
    }

    /// The whole response body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }
}

impl fmt::Display for DecodeError {
    /// One line: `could not decode response (HTTP 200) at <path>: <message>, body starts: <excerpt>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "could not decode response (HTTP {}) at {}: {}",
            self.status.as_u16(),
            self.path,
            one_line(&self.source.to_string(), MESSAGE_CHARS),
        )?;
        let snippet = self.body_snippet();
        if snippet.is_empty() {
            f.write_str(", body is empty")
        } else {
            write!(f, ", body starts: {snippet}")
        }
    }
}

impl fmt::Debug for DecodeError {
    // Hand-written so that a large body is not dumped in full.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("status", &self.status)
            .field("path", &self.path)
            .field("message", &self.source.to_string())
            .field("body", &self.body_snippet())
            .finish()
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Squeezes `text` onto one line of at most `max_chars` characters (plus `…` when cut):
/// whitespace runs become one space and other control characters are escaped, so that
/// server-controlled text cannot break log lines or drive a terminal.
pub(crate) fn one_line(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut len = 0;
    let mut pending_space = false;
    for c in text.trim().chars() {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        let piece: String = if c.is_control() {
            c.escape_default().collect()
        } else {
            c.to_string()
        };
        let piece_len = piece.chars().count() + usize::from(pending_space);
        if len + piece_len > max_chars {
            out.push('…');
            return out;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push_str(&piece);
        len += piece_len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_error(body: &str) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            HeaderMap::new(),
            Bytes::from(body.to_owned()),
        )
    }

    #[test]
    fn message_is_taken_from_the_usual_places() {
        let cases = [
            (r#"{"error":{"message":"nested"}}"#, Some("nested")),
            (r#"{"error":"plain"}"#, Some("plain")),
            (r#"{"message":"top"}"#, Some("top")),
            (r#"{"detail":"fastapi"}"#, Some("fastapi")),
            (
                r#"{"error":{"code":1},"message":"fallback"}"#,
                Some("fallback"),
            ),
            (r#"{"error":"  ","detail":"not blank"}"#, Some("not blank")),
            (r#"{"detail":[{"msg":"x"}]}"#, None),
            (r#"["message"]"#, None),
            ("not json", None),
        ];
        for (body, expected) in cases {
            assert_eq!(api_error(body).message().as_deref(), expected, "{body}");
        }
    }

    #[test]
    fn request_id_prefers_the_first_listed_header() {
        let mut headers = HeaderMap::new();
        headers.insert("x-portkey-trace-id", "trace".parse().unwrap());
        headers.insert("request-id", "req".parse().unwrap());
        headers.insert("x-request-id", " ".parse().unwrap());
        let e = ApiError::new(StatusCode::BAD_GATEWAY, headers, Bytes::new());
        assert_eq!(e.request_id(), Some("req"));
        assert_eq!(e.to_string(), "HTTP 502 Bad Gateway (request id: req)");
    }

    #[test]
    fn one_line_collapses_escapes_and_bounds() {
        assert_eq!(one_line("  a\n\n  b\tc  ", 100), "a b c");
        assert_eq!(one_line("a\u{1b}[31mb", 100), "a\\u{1b}[31mb");
        assert_eq!(one_line("ééééé", 3), "ééé…");
        assert_eq!(one_line("abc", 3), "abc");
        assert_eq!(one_line("", 3), "");
        let long = "x".repeat(1000);
        assert_eq!(one_line(&long, 200).chars().count(), 201);
    }

    #[test]
    fn display_without_message_or_body_is_just_the_status() {
        assert_eq!(api_error("").to_string(), "HTTP 400 Bad Request");
        let odd = ApiError::new(
            StatusCode::from_u16(599).unwrap(),
            HeaderMap::new(),
            Bytes::new(),
        );
        assert_eq!(odd.to_string(), "HTTP 599");
    }
}
