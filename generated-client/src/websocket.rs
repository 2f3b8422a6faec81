//! WebSocket connections, for the operations that answer `101 Switching Protocols` (Portkey's
//! `GET /realtime`, which the gateway proxies to a provider's realtime API). Compiled with the
//! `websocket` cargo feature, which those operations' features enable.
//!
//! An operation's method opens the connection ([`Request::websocket`]) and returns a
//! [`WebSocket`]: a [`Stream`] of what the server sends, as [`Received`] items, and a
//! [`Sink`] of [`Outgoing`] messages. Text messages are JSON events, decoded as `In` and
//! encoded from `Out` (the spec's event types where it names them, else
//! [`serde_json::Value`]); binary messages are bytes; pings are answered as the stream is
//! read; the server's close frame is the last item, with its code and reason.
//!
//! ```no_run
//! # async fn example(socket: portkey_client::websocket::WebSocket) -> Result<(), portkey_client::Error> {
//! use futures_util::{SinkExt, StreamExt};
//! use portkey_client::websocket::{Outgoing, Received};
//! use serde_json::json;
//!
//! let (mut send, mut receive) = socket.split();
//! send.send(Outgoing::Event(json!({"type": "session.update"}))).await?;
//! while let Some(message) = receive.next().await {
//!     match message? {
//!         Received::Event(event) => println!("{}", event["type"]),
//!         Received::Binary(bytes) => println!("{} bytes", bytes.len()),
//!         Received::Close(frame) => println!("closed: {frame:?}"),
//!         _ => {}
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! The upgrade request is the operation's request: the base URL with `http` turned into `ws`
//! and `https` into `wss`, the path and query parameters, the credentials, the gateway options
//! and [`RequestOptions`](crate::runtime::RequestOptions) headers and query parameters. The
//! client's connect timeout bounds the TCP connection and its request timeout the whole
//! handshake. An upgrade the server refuses is an [`Error::Api`] with its status and body,
//! like any other call; it is not retried. TLS uses rustls with the webpki roots, like the
//! default HTTP client (not a client given to
//! [`RuntimeBuilder::http_client`](crate::runtime::RuntimeBuilder::http_client), and no
//! proxy).

use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use futures_sink::Sink;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame as WsCloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, error::CapacityError, error::ProtocolError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::error::{ApiError, Error, WebSocketError};
#[cfg(doc)]
use crate::runtime::Request;
use crate::runtime::MAX_ERROR_BODY_BYTES;

/// What a [`WebSocket`] connects with: everything of the operation's request that a
/// WebSocket upgrade carries. Built by [`Request::websocket`].
pub(crate) struct Upgrade {
    pub(crate) url: Url,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Option<Duration>,
    /// The largest message accepted, in bytes.
    pub(crate) max_message_bytes: usize,
}

/// A message received on a [`WebSocket`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Received<T> {
    /// A text message, decoded from JSON.
    Event(T),
    /// A binary message.
    Binary(Bytes),
    /// The server closed the connection, with the code and reason of its close frame if it
    /// sent one. The last item of the stream.
    Close(Option<CloseFrame>),
}

/// A message to send on a [`WebSocket`]. `From<T>` makes an event:
/// `socket.send(event.into())`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Outgoing<T> {
    /// An event, sent as a JSON text message.
    Event(T),
    /// A text message, sent as it is.
    Text(String),
    /// A binary message.
    Binary(Bytes),
    /// Starts the closing handshake with a code and reason; the stream then ends with the
    /// server's [`Received::Close`]. (The sink's own `close` sends a close frame without a
    /// code, which the server sees as 1005.)
    Close(CloseFrame),
}

impl<T> From<T> for Outgoing<T> {
    fn from(event: T) -> Self {
        Outgoing::Event(event)
    }
}

/// The code and reason of a close frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseFrame {
    /// The close code: 1000 for a normal closure, 4000–4999 for an application's own.
    pub code: u16,
    /// Why, in the peer's words (at most 123 bytes).
    pub reason: String,
}

/// An open WebSocket connection: a [`Stream`] of [`Received`] messages decoded as `In`, and
/// a [`Sink`] of [`Outgoing`] messages encoded from `Out`. Split it into halves to read and
/// write from two tasks (`futures_util::StreamExt::split`).
///
/// The stream yields an [`Error::Decode`] for a text message that does not decode and goes
/// on; it ends after the server's close frame, or after an error that ends the connection
/// ([`Error::WebSocket`]: the connection lost without a close frame, a message over the
/// size limit, a protocol violation).
pub struct WebSocket<Out = serde_json::Value, In = serde_json::Value> {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    status: StatusCode,
    headers: HeaderMap,
    max_message_bytes: usize,
    /// The server's close frame was yielded: the stream only drives the closing handshake
    /// to its end now.
    closed_by_server: bool,
    done: bool,
    _messages: PhantomData<fn(Out) -> In>,
}

impl<Out, In> WebSocket<Out, In> {
    /// The status of the upgrade response: `101 Switching Protocols`.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers of the upgrade response (the gateway's trace id, say).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
}

impl<Out, In> fmt::Debug for WebSocket<Out, In> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocket")
            .field("status", &self.status)
            .field("max_message_bytes", &self.max_message_bytes)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// The TLS settings of every connection: rustls with ring and the webpki roots, as the
/// default HTTP client has them. Built once.
fn tls() -> Result<Arc<rustls::ClientConfig>, Error> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            rustls::ClientConfig::builder_with_provider(
                rustls::crypto::ring::default_provider().into(),
            )
            .with_safe_default_protocol_versions()
            .map(|builder| Arc::new(builder.with_root_certificates(roots).with_no_client_auth()))
            .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|e| websocket_error(WebSocketError::Connect(format!("TLS settings: {e}"))))
}

/// Opens the connection `upgrade` describes.
pub(crate) async fn connect<Out, In>(upgrade: Upgrade) -> Result<WebSocket<Out, In>, Error> {
    let Upgrade {
        mut url,
        headers,
        connect_timeout,
        timeout,
        max_message_bytes,
    } = upgrade;
    let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
    url.set_scheme(scheme)
        .map_err(|()| Error::InvalidRequest(format!("cannot use the scheme `{scheme}`")))?;
    let host = url
        .host_str()
        .ok_or_else(|| Error::InvalidRequest("the base URL has no host".to_owned()))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(80);
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| Error::InvalidRequest(format!("cannot make a WebSocket upgrade: {e}")))?;
    for (name, value) in headers {
        request.headers_mut().insert(name, value);
    }
    let config = WebSocketConfig::default()
        .max_message_size(Some(max_message_bytes))
        .max_frame_size(Some(max_message_bytes));
    let handshake = async {
        let tcp = tokio::time::timeout(connect_timeout, TcpStream::connect((host.as_str(), port)))
            .await
            .map_err(|_| {
                websocket_error(WebSocketError::Timeout {
                    after: connect_timeout,
                })
            })?
            .map_err(|e| websocket_error(WebSocketError::Connect(e.to_string())))?;
        // Small messages (audio deltas, events) go out at once.
        let _ = tcp.set_nodelay(true);
        let connector = tokio_tungstenite::Connector::Rustls(tls()?);
        tokio_tungstenite::client_async_tls_with_config(request, tcp, Some(config), Some(connector))
            .await
            .map_err(handshake_error)
    };
    let (stream, response) = match timeout {
        Some(limit) => tokio::time::timeout(limit, handshake)
            .await
            .map_err(|_| websocket_error(WebSocketError::Timeout { after: limit }))??,
        None => handshake.await?,
    };
    Ok(WebSocket {
        stream,
        status: response.status(),
        headers: response.headers().clone(),
        max_message_bytes,
        closed_by_server: false,
        done: false,
        _messages: PhantomData,
    })
}

fn websocket_error(e: WebSocketError) -> Error {
    Error::WebSocket(Box::new(e))
}

/// A failed handshake: a refused upgrade is an [`Error::Api`], anything else says what broke.
fn handshake_error(e: tungstenite::Error) -> Error {
    match e {
        tungstenite::Error::Http(response) => {
            let (parts, body) = response.into_parts();
            let mut body = body.unwrap_or_default();
            body.truncate(usize::try_from(MAX_ERROR_BODY_BYTES).unwrap_or(usize::MAX));
            if parts.status.is_success() || parts.status.is_informational() {
                // A 2xx (or another 1xx) is not an error status, but it is not an upgrade.
                return websocket_error(WebSocketError::Connect(format!(
                    "the server answered {} instead of 101 Switching Protocols",
                    parts.status
                )));
            }
            Error::Api(Box::new(ApiError::new(
                parts.status,
                parts.headers,
                Bytes::from(body),
            )))
        }
        tungstenite::Error::Io(e) => websocket_error(WebSocketError::Connect(e.to_string())),
        other => websocket_error(WebSocketError::Connect(other.to_string())),
    }
}

/// An error of an open connection.
fn connection_error(e: tungstenite::Error) -> Error {
    websocket_error(match e {
        tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => {
            WebSocketError::Closed
        }
        tungstenite::Error::Capacity(CapacityError::MessageTooLong { max_size, .. }) => {
            WebSocketError::TooLarge { limit: max_size }
        }
        tungstenite::Error::Protocol(ProtocolError::ResetWithoutClosingHandshake) => {
            WebSocketError::Disconnected(
                "the connection was closed without a close frame".to_owned(),
            )
        }
        tungstenite::Error::Io(e) => WebSocketError::Disconnected(e.to_string()),
        other => WebSocketError::Protocol(other.to_string()),
    })
}

impl<Out, In: DeserializeOwned> Stream for WebSocket<Out, In> {
    type Item = Result<Received<In>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            // Reading also answers pings: tungstenite queues the pong and flushes it.
            let message = match ready!(Pin::new(&mut this.stream).poll_next(cx)) {
                None => {
                    this.done = true;
                    return Poll::Ready(None);
                }
                // After the server's close, the end of the connection is the end of the stream.
                Some(Err(_)) if this.closed_by_server => {
                    this.done = true;
                    return Poll::Ready(None);
                }
                Some(Err(e)) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(connection_error(e))));
                }
                Some(Ok(_)) if this.closed_by_server => continue,
                Some(Ok(message)) => message,
            };
            return Poll::Ready(Some(Ok(match message {
                Message::Text(text) => {
                    let body = Bytes::from(String::from(text.as_str()));
                    match crate::runtime::decode_json(StatusCode::SWITCHING_PROTOCOLS, body) {
                        Ok(event) => Received::Event(event),
                        Err(e) => return Poll::Ready(Some(Err(e))),
                    }
                }
                Message::Binary(bytes) => Received::Binary(bytes),
                Message::Close(frame) => {
                    // tungstenite queued the answering close frame: send it now, so the
                    // handshake completes even if the caller stops reading here. Should the
                    // socket not take it at once, the next poll sends it.
                    this.closed_by_server = true;
                    let _ = Pin::new(&mut this.stream).poll_flush(cx);
                    Received::Close(frame.map(|f| CloseFrame {
                        code: u16::from(f.code),
                        reason: f.reason.as_str().to_owned(),
                    }))
                }
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
            })));
        }
    }
}

impl<Out: Serialize, In> Sink<Outgoing<Out>> for WebSocket<Out, In> {
    type Error = Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Pin::new(&mut self.stream)
            .poll_ready(cx)
            .map_err(connection_error)
    }

    fn start_send(mut self: Pin<&mut Self>, item: Outgoing<Out>) -> Result<(), Error> {
        let message = match item {
            Outgoing::Event(event) => {
                let text = serde_json::to_string(&event).map_err(|e| {
                    Error::InvalidRequest(format!("the event does not serialise: {e}"))
                })?;
                Message::text(text)
            }
            Outgoing::Text(text) => Message::text(text),
            Outgoing::Binary(bytes) => Message::Binary(bytes),
            Outgoing::Close(frame) => Message::Close(Some(WsCloseFrame {
                code: CloseCode::from(frame.code),
                reason: frame.reason.into(),
            })),
        };
        Pin::new(&mut self.stream)
            .start_send(message)
            .map_err(connection_error)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Pin::new(&mut self.stream)
            .poll_flush(cx)
            .map_err(connection_error)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        match ready!(Pin::new(&mut self.stream).poll_close(cx)) {
            // Closing what the server already closed is done.
            Ok(())
            | Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                Poll::Ready(Ok(()))
            }
            Err(e) => Poll::Ready(Err(connection_error(e))),
        }
    }
}
