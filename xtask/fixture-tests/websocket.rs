//! The websocket fixture's operations (`connectRealtime` answering 101, `streamSessionEvents`
//! stated by `x-websocket` with typed events, the untagged `echo`) against a loopback
//! WebSocket server: what the upgrade request carries, messages both ways, pings, closing,
//! broken connections, size limits, refused upgrades and handshake timeouts.

use std::future::Future;
use std::time::{Duration, Instant};

use fixture_websocket::runtime::RequestOptions;
use fixture_websocket::types::{
    ClientEvent, ConnectRealtimeParams, ServerError, ServerEvent, SessionCreated, SessionSettings,
    SessionUpdate,
};
use fixture_websocket::websocket::{CloseFrame, Outgoing, Received};
use fixture_websocket::{Client, Error};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderMap, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame as WsCloseFrame;
use tokio_tungstenite::tungstenite::{Bytes, Message};
use tokio_tungstenite::WebSocketStream;

/// The longest any step of a test waits: nothing here takes more than milliseconds.
const LIMIT: Duration = Duration::from_secs(10);

/// What the server saw of one connection: its upgrade request, and the messages it read.
#[derive(Debug)]
struct Seen {
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    messages: Vec<Message>,
}

impl Seen {
    /// Every value of the header `name`.
    fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().expect("an ASCII header value"))
            .collect()
    }
}

/// A loopback WebSocket server accepting `connections` upgrades one after the other; each
/// connection is handed to `session`, which returns the messages it read. Every accept and
/// session is bounded by [`LIMIT`]. Returns the base URL (`http://…/v1`) and what the server
/// saw.
async fn serve<F, Fut>(connections: usize, session: F) -> (String, JoinHandle<Vec<Seen>>)
where
    F: Fn(WebSocketStream<TcpStream>) -> Fut + Send + 'static,
    Fut: Future<Output = Vec<Message>> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let base = format!("http://{}/v1", listener.local_addr().expect("an address"));
    let server = tokio::spawn(async move {
        let mut seen = Vec::new();
        for _ in 0..connections {
            let (tcp, _) = tokio::time::timeout(LIMIT, listener.accept())
                .await
                .expect("the client connects")
                .expect("a connection");
            let mut request = None;
            // The error type is tungstenite's, whatever its size.
            #[allow(clippy::result_large_err)]
            let record = |req: &Request, mut response: Response| {
                request = Some((
                    req.uri().path().to_string(),
                    req.uri().query().map(pairs).unwrap_or_default(),
                    req.headers().clone(),
                ));
                response
                    .headers_mut()
                    .insert("x-request-id", HeaderValue::from_static("req-42"));
                Ok::<_, ErrorResponse>(response)
            };
            let ws = tokio::time::timeout(LIMIT, tokio_tungstenite::accept_hdr_async(tcp, record))
                .await
                .expect("the handshake ends")
                .expect("the upgrade succeeds");
            let messages = tokio::time::timeout(LIMIT, session(ws))
                .await
                .expect("the session ends");
            let (path, query, headers) = request.expect("the upgrade request was seen");
            seen.push(Seen {
                path,
                query,
                headers,
                messages,
            });
        }
        seen
    });
    (base, server)
}

/// A query string's pairs, sorted (none of the tests' names or values needs decoding).
fn pairs(query: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (name.to_string(), value.to_string())
        })
        .collect();
    pairs.sort();
    pairs
}

/// What the server saw, once it has served every connection.
async fn seen(server: JoinHandle<Vec<Seen>>) -> Vec<Seen> {
    tokio::time::timeout(LIMIT, server)
        .await
        .expect("the server finishes")
        .expect("the server's checks pass")
}

/// Reads messages until the connection ends or breaks (the peer's close frame included).
async fn read_to_end(ws: &mut WebSocketStream<TcpStream>) -> Vec<Message> {
    let mut messages = Vec::new();
    while let Some(Ok(message)) = ws.next().await {
        messages.push(message);
    }
    messages
}

/// The next item of a client's stream, within [`LIMIT`].
async fn next<S: futures_util::Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    tokio::time::timeout(LIMIT, stream.next())
        .await
        .expect("the client's stream yields within the limit")
}

/// The next item of a client's stream, which must be a message.
async fn received<T, S>(stream: &mut S) -> Received<T>
where
    T: std::fmt::Debug,
    S: futures_util::Stream<Item = Result<Received<T>, Error>> + Unpin,
{
    match next(stream).await {
        Some(Ok(message)) => message,
        other => panic!("expected a message, got {other:?}"),
    }
}

fn client(base: &str) -> Client {
    Client::builder()
        .base_url(base)
        .api_key("pk-test")
        .build()
        .expect("a client")
}

fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(WsCloseFrame {
        code: CloseCode::from(code),
        reason: reason.into(),
    }))
}

#[tokio::test]
async fn the_upgrade_request_carries_path_query_credentials_and_gateway_options() {
    let (base, server) = serve(2, |mut ws| async move { read_to_end(&mut ws).await }).await;
    let client = Client::builder()
        .base_url(&base)
        .api_key("pk-test")
        .provider("openai")
        .provider_auth("sk-provider")
        .trace_id("from-the-client")
        .metadata("_user", "u1")
        .build()
        .expect("a client");
    let per_call = client.with_options(
        RequestOptions::new()
            .query("voice", "alloy")
            .header("x-team", "search"),
    );
    let mut params = ConnectRealtimeParams {
        model: Some("gpt-realtime".into()),
        ..Default::default()
    };
    let socket = per_call
        .realtime()
        .connect_realtime(&params)
        .await
        .expect("the upgrade succeeds");
    assert_eq!(socket.status().as_u16(), 101);
    assert_eq!(
        socket.headers().get("x-request-id").map(|v| v.as_bytes()),
        Some(&b"req-42"[..]),
        "the upgrade response's headers are the server's"
    );
    drop(socket);
    params.x_portkey_trace_id = Some("from-the-parameter".into());
    per_call
        .realtime()
        .connect_realtime(&params)
        .await
        .expect("the upgrade succeeds");

    let seen = seen(server).await;
    for upgrade in &seen {
        assert_eq!(upgrade.path, "/v1/realtime");
        assert_eq!(
            upgrade.query,
            [
                ("model".to_string(), "gpt-realtime".to_string()),
                ("voice".to_string(), "alloy".to_string()),
            ]
        );
        assert_eq!(upgrade.header("x-portkey-api-key"), ["pk-test"]);
        assert_eq!(upgrade.header("x-portkey-provider"), ["openai"]);
        assert_eq!(upgrade.header("authorization"), ["Bearer sk-provider"]);
        assert_eq!(upgrade.header("x-portkey-metadata"), [r#"{"_user":"u1"}"#]);
        assert_eq!(upgrade.header("x-team"), ["search"]);
        let agent = upgrade.header("user-agent");
        assert!(
            agent.len() == 1 && agent[0].starts_with("fixture-websocket/"),
            "{agent:?}"
        );
        assert_eq!(upgrade.header("upgrade"), ["websocket"]);
    }
    assert_eq!(seen[0].header("x-portkey-trace-id"), ["from-the-client"]);
    assert_eq!(
        seen[1].header("x-portkey-trace-id"),
        ["from-the-parameter"],
        "the operation's header parameter wins over the client's trace id, once"
    );
}

#[tokio::test]
async fn text_events_and_binary_messages_go_both_ways() {
    let (base, server) = serve(1, |mut ws| async move {
        let mut messages = Vec::new();
        while let Some(Ok(message)) = ws.next().await {
            messages.push(message.clone());
            match message {
                Message::Text(text) => {
                    let mut event: Value = serde_json::from_str(&text).expect("JSON");
                    event["echoed"] = json!(true);
                    ws.send(Message::text(event.to_string())).await.unwrap();
                }
                Message::Binary(bytes) => {
                    let reversed: Vec<u8> = bytes.iter().rev().copied().collect();
                    ws.send(Message::binary(reversed)).await.unwrap();
                }
                _ => {}
            }
        }
        messages
    })
    .await;
    let client = client(&base);
    let socket = client
        .realtime()
        .connect_realtime(&ConnectRealtimeParams::default())
        .await
        .expect("the upgrade succeeds");
    let (mut send, mut receive) = socket.split();

    send.send(Outgoing::Event(json!({"type": "session.update", "n": 1})))
        .await
        .expect("an event is sent");
    assert_eq!(
        received(&mut receive).await,
        Received::Event(json!({"type": "session.update", "n": 1, "echoed": true}))
    );
    send.send(Outgoing::Binary(Bytes::from_static(&[1, 2, 3, 255])))
        .await
        .expect("bytes are sent");
    assert_eq!(
        received(&mut receive).await,
        Received::Binary(Bytes::from_static(&[255, 3, 2, 1]))
    );
    send.send(Outgoing::Close(CloseFrame {
        code: 1000,
        reason: "bye".into(),
    }))
    .await
    .expect("the close frame is sent");
    assert!(
        matches!(
            next(&mut receive).await,
            Some(Ok(Received::Close(Some(CloseFrame { code: 1000, .. }))))
        ),
        "the server's answer to the close frame ends the stream"
    );
    assert!(next(&mut receive).await.is_none());

    let seen = seen(server).await;
    let [Message::Text(event), bytes, closing] = &seen[0].messages[..] else {
        panic!("{:?}", seen[0].messages);
    };
    assert_eq!(
        serde_json::from_str::<Value>(event).expect("JSON"),
        json!({"type": "session.update", "n": 1})
    );
    assert_eq!(bytes, &Message::binary(vec![1, 2, 3, 255]));
    assert_eq!(closing, &close(1000, "bye"));
}

#[tokio::test]
async fn typed_events_decode_into_the_spec_types_and_undecodable_text_is_an_error_item() {
    let (base, server) = serve(1, |mut ws| async move {
        let first = ws
            .next()
            .await
            .expect("the client's event")
            .expect("a message");
        for text in [
            r#"{"type":"session.created","session_id":"sess 1","settings":{"voice":"alloy"}}"#,
            "not json",
            r#"{"type":"rate_limits.updated","remaining":3}"#,
            r#"{"type":"error","message":"slow down"}"#,
        ] {
            ws.send(Message::text(text)).await.unwrap();
        }
        ws.close(Some(WsCloseFrame {
            code: CloseCode::Normal,
            reason: "".into(),
        }))
        .await
        .unwrap();
        let mut messages = vec![first];
        messages.extend(read_to_end(&mut ws).await);
        messages
    })
    .await;
    let client = client(&base);
    let mut socket = client
        .realtime()
        .stream_session_events("sess 1")
        .await
        .expect("the upgrade succeeds");

    socket
        .send(
            ClientEvent::SessionUpdate(SessionUpdate {
                type_: Default::default(),
                session: SessionSettings {
                    voice: Some("alloy".into()),
                    instructions: None,
                },
            })
            .into(),
        )
        .await
        .expect("a typed event is sent");
    match next(&mut socket).await {
        Some(Ok(Received::Event(ServerEvent::SessionCreated(SessionCreated {
            session_id,
            settings,
            ..
        })))) => {
            assert_eq!(session_id, "sess 1");
            assert_eq!(settings.and_then(|s| s.voice).as_deref(), Some("alloy"));
        }
        other => panic!("expected session.created, got {other:?}"),
    }
    match next(&mut socket).await {
        Some(Err(Error::Decode(e))) => {
            assert!(e.body_snippet().contains("not json"), "{e}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(
        received(&mut socket).await,
        Received::Event(ServerEvent::Unknown(
            json!({"type": "rate_limits.updated", "remaining": 3})
        )),
        "the stream goes on after an undecodable message, and an unknown type is kept"
    );
    assert_eq!(
        received(&mut socket).await,
        Received::Event(ServerEvent::Error(ServerError {
            type_: Default::default(),
            message: "slow down".into(),
        }))
    );
    assert_eq!(
        received(&mut socket).await,
        Received::Close(Some(CloseFrame {
            code: 1000,
            reason: String::new(),
        }))
    );
    assert!(next(&mut socket).await.is_none());
    drop(socket);

    let seen = seen(server).await;
    assert_eq!(seen[0].path, "/v1/sessions/sess%201/events");
    assert_eq!(seen[0].header("x-portkey-api-key"), ["pk-test"]);
    let Message::Text(sent) = &seen[0].messages[0] else {
        panic!("expected a text message, got {:?}", seen[0].messages);
    };
    assert_eq!(
        serde_json::from_str::<Value>(sent).expect("JSON"),
        json!({"type": "session.update", "session": {"voice": "alloy"}})
    );
}

#[tokio::test]
async fn pings_are_answered_while_the_stream_is_read_and_not_yielded() {
    let (base, server) = serve(1, |mut ws| async move {
        ws.send(Message::Ping(Bytes::from_static(b"are you there")))
            .await
            .unwrap();
        // The event only goes out once the pong came back.
        let pong = ws.next().await.expect("an answer").expect("a message");
        ws.send(Message::text(r#"{"type":"after.ping"}"#))
            .await
            .unwrap();
        ws.close(None).await.unwrap();
        let mut messages = vec![pong];
        messages.extend(read_to_end(&mut ws).await);
        messages
    })
    .await;
    let client = client(&base);
    let mut socket = client.echo().await.expect("the upgrade succeeds");

    assert_eq!(
        received(&mut socket).await,
        Received::Event(json!({"type": "after.ping"}))
    );
    assert!(matches!(
        next(&mut socket).await,
        Some(Ok(Received::Close(_)))
    ));
    assert!(next(&mut socket).await.is_none());
    drop(socket);

    let seen = seen(server).await;
    assert_eq!(
        seen[0].messages[0],
        Message::Pong(Bytes::from_static(b"are you there"))
    );
}

#[tokio::test]
async fn the_servers_close_frame_is_the_last_item_with_its_code_and_reason() {
    let (base, server) = serve(1, |mut ws| async move {
        ws.send(close(4001, "done")).await.unwrap();
        read_to_end(&mut ws).await
    })
    .await;
    let client = client(&base);
    let mut socket = client.echo().await.expect("the upgrade succeeds");

    assert_eq!(
        received(&mut socket).await,
        Received::Close(Some(CloseFrame {
            code: 4001,
            reason: "done".into(),
        }))
    );
    // The client answers the close as it yields it, without being polled again or closed:
    // the server's closing handshake completes while the socket is still held.
    let seen = seen(server).await;
    assert_eq!(
        seen[0].messages,
        [close(4001, "done")],
        "the client's close frame answers the server's"
    );
    assert!(next(&mut socket).await.is_none());
    assert!(next(&mut socket).await.is_none(), "the stream stays ended");
    tokio::time::timeout(LIMIT, socket.close())
        .await
        .expect("closing ends within the limit")
        .expect("closing what the server closed is no error");
}

#[tokio::test]
async fn a_connection_lost_without_a_close_frame_is_an_error_then_the_end() {
    let (base, server) = serve(1, |mut ws| async move {
        ws.send(Message::text(r#"{"type":"hello"}"#)).await.unwrap();
        // Dropped: the TCP connection ends without a close frame.
        Vec::new()
    })
    .await;
    let client = client(&base);
    let mut socket = client.echo().await.expect("the upgrade succeeds");

    assert_eq!(
        received(&mut socket).await,
        Received::Event(json!({"type": "hello"}))
    );
    match next(&mut socket).await {
        Some(Err(e @ Error::WebSocket(_))) => {
            assert!(e.is_transport(), "{e}");
            let Error::WebSocket(inner) = &e else {
                unreachable!()
            };
            assert!(
                matches!(
                    **inner,
                    fixture_websocket::error::WebSocketError::Disconnected(_)
                ),
                "{e}"
            );
        }
        other => panic!("expected a lost connection, got {other:?}"),
    }
    assert!(next(&mut socket).await.is_none());
    seen(server).await;
}

#[tokio::test]
async fn a_message_over_the_size_limit_is_an_error_then_the_end() {
    let (base, server) = serve(1, |mut ws| async move {
        ws.send(Message::text(format!(r#"{{"fill":"{}"}}"#, "a".repeat(40))))
            .await
            .unwrap();
        ws.send(Message::text(format!(
            r#"{{"fill":"{}"}}"#,
            "a".repeat(1000)
        )))
        .await
        .unwrap();
        read_to_end(&mut ws).await
    })
    .await;
    let client = Client::builder()
        .base_url(base.as_str())
        .api_key("pk-test")
        .max_response_bytes(64)
        .build()
        .expect("the client builds");
    let mut socket = client.echo().await.expect("the upgrade succeeds");

    assert_eq!(
        received(&mut socket).await,
        Received::Event(json!({"fill": "a".repeat(40)}))
    );
    match next(&mut socket).await {
        Some(Err(Error::WebSocket(e))) => assert_eq!(
            *e,
            fixture_websocket::error::WebSocketError::TooLarge { limit: 64 }
        ),
        other => panic!("expected a message too large, got {other:?}"),
    }
    assert!(next(&mut socket).await.is_none());
    drop(socket);
    seen(server).await;
}

#[tokio::test]
async fn a_refused_upgrade_is_an_api_error_with_status_and_body() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let base = format!("http://{}/v1", listener.local_addr().expect("an address"));
    let server = tokio::spawn(async move {
        let (mut tcp, _) = tokio::time::timeout(LIMIT, listener.accept())
            .await
            .expect("the client connects")
            .expect("a connection");
        let mut request = Vec::new();
        let mut buffer = [0; 4096];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = tokio::time::timeout(LIMIT, tcp.read(&mut buffer))
                .await
                .expect("the request arrives")
                .expect("a read");
            assert!(n > 0, "the request ended early");
            request.extend_from_slice(&buffer[..n]);
        }
        let body = r#"{"error":{"message":"invalid api key"}}"#;
        let response = format!(
            "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\n\
             x-request-id: req-401\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        tcp.write_all(response.as_bytes()).await.expect("a write");
        String::from_utf8(request).expect("an ASCII request")
    });
    let client = client(&base);

    let e = client
        .realtime()
        .connect_realtime(&ConnectRealtimeParams::default())
        .await
        .expect_err("the upgrade is refused");
    let api = e.api_error().unwrap_or_else(|| panic!("an API error: {e}"));
    assert_eq!(api.status().as_u16(), 401);
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(
        api.body_text(),
        r#"{"error":{"message":"invalid api key"}}"#
    );
    assert_eq!(api.message().as_deref(), Some("invalid api key"));
    assert_eq!(e.request_id(), Some("req-401"));
    assert!(!e.is_transport() && !e.is_timeout(), "{e}");
    let request = tokio::time::timeout(LIMIT, server)
        .await
        .expect("the server finishes")
        .expect("the server's checks pass");
    assert!(request.starts_with("GET /v1/realtime "), "{request}");
}

#[tokio::test]
async fn the_untagged_echo_operation_opens_a_websocket_from_the_client() {
    let (base, server) = serve(1, |mut ws| async move {
        let mut messages = Vec::new();
        while let Some(Ok(message)) = ws.next().await {
            if message.is_text() {
                ws.send(message.clone()).await.unwrap();
            }
            messages.push(message);
        }
        messages
    })
    .await;
    let client = client(&base);
    let mut socket = client.echo().await.expect("the upgrade succeeds");
    assert_eq!(socket.status().as_u16(), 101);

    socket
        .send(json!({"type": "ping", "id": 7}).into())
        .await
        .expect("an event is sent");
    assert_eq!(
        received(&mut socket).await,
        Received::Event(json!({"type": "ping", "id": 7}))
    );
    socket.close().await.expect("the client closes");
    drop(socket);

    let seen = seen(server).await;
    assert_eq!(seen[0].path, "/v1/echo");
    assert_eq!(seen[0].header("x-portkey-api-key"), ["pk-test"]);
    assert_eq!(seen[0].messages.len(), 2, "{:?}", seen[0].messages);
    assert!(matches!(seen[0].messages[1], Message::Close(_)));
}

#[tokio::test]
async fn a_handshake_that_never_completes_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let base = format!("http://{}/v1", listener.local_addr().expect("an address"));
    // Accepts the connections and never answers, holding them open until the test ends.
    let server = tokio::spawn(async move {
        let mut held = Vec::new();
        for _ in 0..2 {
            if let Ok(Ok((tcp, _))) = tokio::time::timeout(LIMIT, listener.accept()).await {
                held.push(tcp);
            }
        }
        tokio::time::sleep(LIMIT).await;
        drop(held);
    });

    let short = Duration::from_millis(300);
    let by_builder = Client::builder()
        .base_url(&base)
        .timeout(short)
        .build()
        .expect("a client");
    let by_call = client(&base).with_options(RequestOptions::new().timeout(short));
    for client in [by_builder, by_call] {
        let start = Instant::now();
        let e = tokio::time::timeout(LIMIT, client.echo())
            .await
            .expect("the client gives up within the limit")
            .expect_err("the handshake never completes");
        let elapsed = start.elapsed();
        assert!(e.is_timeout(), "{e}");
        assert!(
            elapsed >= short && elapsed < Duration::from_secs(5),
            "{elapsed:?}"
        );
        match &e {
            Error::WebSocket(inner) => assert_eq!(
                **inner,
                fixture_websocket::error::WebSocketError::Timeout { after: short }
            ),
            other => panic!("expected a WebSocket timeout, got {other:?}"),
        }
    }
    server.abort();
}
