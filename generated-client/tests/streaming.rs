//! Streamed responses: Server-Sent Events and byte streams, against a raw TCP server
//! that controls exactly how the body is chunked and cut.

use std::time::Duration;

use futures_util::StreamExt;
use portkey_client::error::StreamError;
use portkey_client::runtime::{
    ByteStream, EventMode, EventStream, Runtime, RuntimeBuilder, SchemeKind, SecurityScheme,
};
use portkey_client::Error;
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

static SCHEMES: &[SecurityScheme] = &[SecurityScheme {
    id: "bearer",
    kind: SchemeKind::Bearer,
}];

fn runtime(base_url: &str) -> Runtime {
    let mut builder = RuntimeBuilder::new(base_url, SCHEMES);
    builder.credential("bearer", "sk-test");
    builder.build().unwrap()
}

/// How the raw server frames the response body.
#[derive(Clone, Copy)]
enum Framing {
    /// `transfer-encoding: chunked`, one chunk per piece, properly terminated.
    Chunked,
    /// Chunked, but the connection is dropped before the terminating chunk.
    ChunkedCut,
    /// No length: the body ends when the server closes the connection (a clean end).
    CloseDelimited,
    /// `content-length` of the given size, whatever the pieces add up to.
    Length(usize),
}

/// What the raw server received.
struct Received {
    head: String,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// Serves one request with `status`, a `text/event-stream` content type and `pieces`
/// written (and flushed) one at a time with a short pause between them, so that the
/// client reads them as separate chunks.
async fn serve(pieces: Vec<Vec<u8>>, framing: Framing) -> (String, JoinHandle<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        socket.set_nodelay(true).unwrap();
        let received = read_request(&mut socket).await;
        let framing_header = match framing {
            Framing::Chunked | Framing::ChunkedCut => "transfer-encoding: chunked\r\n".to_owned(),
            Framing::CloseDelimited => "connection: close\r\n".to_owned(),
            Framing::Length(len) => format!("content-length: {len}\r\n"),
        };
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nx-request-id: req_stream\r\n{framing_header}\r\n"
        );
        socket.write_all(head.as_bytes()).await.unwrap();
        for piece in pieces {
            let framed = match framing {
                Framing::Chunked | Framing::ChunkedCut => {
                    let mut framed = format!("{:x}\r\n", piece.len()).into_bytes();
                    framed.extend_from_slice(&piece);
                    framed.extend_from_slice(b"\r\n");
                    framed
                }
                Framing::CloseDelimited | Framing::Length(_) => piece,
            };
            socket.write_all(&framed).await.unwrap();
            socket.flush().await.unwrap();
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        if let Framing::Chunked = framing {
            socket.write_all(b"0\r\n\r\n").await.unwrap();
        }
        socket.shutdown().await.ok();
        received
    });
    (url, handle)
}

/// Reads one request: the head up to the blank line, then `content-length` bytes of body.
async fn read_request(socket: &mut TcpStream) -> Received {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let mut chunk = [0u8; 4096];
        let n = socket.read(&mut chunk).await.unwrap();
        assert!(n > 0, "client closed before sending a request");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
    let mut received = Received {
        head,
        body: buf[head_end..].to_vec(),
    };
    let len: usize = received
        .header("content-length")
        .map_or(0, |v| v.parse().unwrap());
    while received.body.len() < len {
        let mut chunk = [0u8; 4096];
        let n = socket.read(&mut chunk).await.unwrap();
        assert!(n > 0, "client closed mid-body");
        received.body.extend_from_slice(&chunk[..n]);
    }
    received
}

/// Splits `text` just after each of `cuts` (each a substring that must occur in it, cut
/// after its first occurrence past the previous cut), plus `extra` bytes into it.
fn split_after(text: &[u8], cuts: &[(&str, usize)]) -> Vec<Vec<u8>> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for (needle, into) in cuts {
        let needle = needle.as_bytes();
        let at = start
            + text[start..]
                .windows(needle.len())
                .position(|w| w == needle)
                .unwrap_or_else(|| panic!("{:?} not found", String::from_utf8_lossy(needle)))
            + into;
        pieces.push(text[start..at].to_vec());
        start = at;
    }
    pieces.push(text[start..].to_vec());
    pieces
}

#[derive(Debug, Deserialize, PartialEq)]
struct Chunk {
    id: u32,
    text: String,
}

fn chunk(id: u32, text: &str) -> Chunk {
    Chunk {
        id,
        text: text.to_owned(),
    }
}

/// The event stream the raw test server at `url` answers with (it ignores method and path).
async fn open<T: serde::de::DeserializeOwned>(url: &str, mode: EventMode) -> EventStream<T> {
    runtime(url)
        .request(Method::POST, "/events", &[])
        .send_events::<T>(mode)
        .await
        .unwrap()
}

/// Every item of `stream`, each of which must have decoded.
async fn all_ok<T: serde::de::DeserializeOwned>(stream: EventStream<T>) -> Vec<T> {
    collect(stream)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

async fn collect<T: serde::de::DeserializeOwned>(
    mut stream: EventStream<T>,
) -> Vec<Result<T, Error>> {
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        items.push(item);
    }
    // Ended for good.
    assert!(stream.next().await.is_none());
    assert!(stream.next().await.is_none());
    items
}

const CHAT_STREAM: &str = concat!(
    "\u{feff}: keep-alive\r\n\r\n",
    "data: {\"id\":1,\"text\":\"héllo\"}\r\n\r\n",
    ": ping\r\n\r\n",
    "data: {\"id\":2,\"text\":\"世界 🎉\"}\r\n\r\n",
    "data:\r\n\r\n",
    "data: {\"id\":3,\r\ndata: \"text\":\"two lines\"}\r\n\r\n",
    "data: [DONE]\r\n\r\n",
    "data: {\"id\":4,\"text\":\"after the end\"}\r\n\r\n",
);

#[tokio::test]
async fn data_mode_decodes_awkwardly_chunked_events_in_order_until_done() {
    let pieces = split_after(
        CHAT_STREAM.as_bytes(),
        &[
            ("\u{feff}", 1),  // inside the BOM
            ("keep-al", 0),   // inside a comment
            ("\r\n", 1),      // between CR and LF
            ("da", 0),        // inside a field name
            ("é", 1),         // inside a two-byte character
            ("世", 2),        // inside a three-byte character
            ("🎉", 3),        // inside a four-byte character
            ("\r\n\r", 0),    // just before the CR of the blank line
            ("\"text\":", 3), // inside a value
            ("[DO", 0),
        ],
    );
    assert!(pieces.len() > 10);
    let (url, server) = serve(pieces, Framing::Chunked).await;
    let stream: EventStream<Chunk> = runtime(&url)
        .request(Method::POST, "/chat/completions", &["bearer"])
        .json_with(&json!({"model": "m"}), "stream", json!(true))
        .send_events(EventMode::Data)
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(stream.headers()["x-request-id"], "req_stream");
    let items: Vec<Chunk> = all_ok(stream).await;
    assert_eq!(
        items,
        [
            chunk(1, "héllo"),
            chunk(2, "世界 🎉"),
            chunk(3, "two lines")
        ]
    );
    let received = server.await.unwrap();
    assert_eq!(received.header("accept"), Some("text/event-stream"));
    assert_eq!(received.header("authorization"), Some("Bearer sk-test"));
}

#[tokio::test]
async fn json_with_adds_the_field_to_the_body() {
    #[derive(serde::Serialize)]
    struct CreateChat {
        model: String,
        stream: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        temperature: Option<f64>,
    }
    let body = CreateChat {
        model: "gpt-4o".into(),
        stream: Some(false),
        temperature: None,
    };
    let (url, server) = serve(vec![b"data: [DONE]\n\n".to_vec()], Framing::Chunked).await;
    let stream = runtime(&url)
        .request(Method::POST, "/chat/completions", &[])
        .json_with(&body, "stream", json!(true))
        .send_events::<Value>(EventMode::Data)
        .await
        .unwrap();
    assert!(collect(stream).await.is_empty());
    let received = server.await.unwrap();
    assert_eq!(received.header("content-type"), Some("application/json"));
    let sent: Value = serde_json::from_slice(&received.body).unwrap();
    assert_eq!(sent, json!({"model": "gpt-4o", "stream": true}));
}

#[tokio::test]
async fn json_with_refuses_a_body_that_is_not_an_object_without_sending() {
    let server = MockServer::start().await;
    let rt = runtime(&server.uri());
    let err = rt
        .request(Method::POST, "/x", &[])
        .json_with(&[1, 2], "stream", json!(true))
        .send_events::<Value>(EventMode::Data)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "invalid request: the request body must be a JSON object to set `stream`, not an array"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(tag = "event", content = "data")]
enum RunEvent {
    #[serde(rename = "thread.run.created")]
    RunCreated { id: String, status: String },
    #[serde(rename = "thread.message.delta")]
    MessageDelta { id: String, delta: String },
    #[serde(rename = "error")]
    Error { message: String },
}

#[tokio::test]
async fn envelope_mode_decodes_event_name_and_data_together() {
    let text = concat!(
        "event: thread.run.created\n",
        "data: {\"id\":\"run_1\",\"status\":\"queued\"}\n\n",
        "event: thread.message.delta\n",
        "data: {\"id\":\"msg_1\",\"delta\":\"Hi\"}\n\n",
        "event: error\n",
        "data: {\"message\":\"rate limited\"}\n\n",
        "event: done\n",
        "data: [DONE]\n\n",
    );
    let pieces = split_after(text.as_bytes(), &[("thread.message", 3), ("\"Hi\"}\n", 0)]);
    let (url, _server) = serve(pieces, Framing::Chunked).await;
    let stream = open::<RunEvent>(&url, EventMode::Envelope).await;
    let items: Vec<RunEvent> = all_ok(stream).await;
    assert_eq!(
        items,
        [
            RunEvent::RunCreated {
                id: "run_1".into(),
                status: "queued".into()
            },
            RunEvent::MessageDelta {
                id: "msg_1".into(),
                delta: "Hi".into()
            },
            RunEvent::Error {
                message: "rate limited".into()
            },
        ]
    );

    // Untyped, the envelope is visible as it is; an unnamed event is a `message`.
    let (url, _server) = serve(
        vec![b"event: ping\ndata: 1\n\ndata: {\"a\":[]}\n\ndata: [DONE]\n\n".to_vec()],
        Framing::Chunked,
    )
    .await;
    let stream = open::<Value>(&url, EventMode::Envelope).await;
    let items: Vec<Value> = all_ok(stream).await;
    assert_eq!(
        items,
        [
            json!({"event": "ping", "data": 1}),
            json!({"event": "message", "data": {"a": []}}),
        ]
    );
}

#[tokio::test]
async fn stream_closed_before_done_ends_with_a_stream_error() {
    let text =
        "data: {\"id\":1,\"text\":\"a\"}\n\ndata: {\"id\":2,\"text\":\"b\"}\n\ndata: {\"id\":3,";
    let (url, _server) = serve(vec![text.as_bytes().to_vec()], Framing::CloseDelimited).await;
    let stream = open::<Chunk>(&url, EventMode::Data).await;
    let mut items = collect(stream).await.into_iter();
    assert_eq!(items.next().unwrap().unwrap(), chunk(1, "a"));
    assert_eq!(items.next().unwrap().unwrap(), chunk(2, "b"));
    let err = items.next().unwrap().unwrap_err();
    assert!(
        matches!(err, Error::Stream(StreamError::EndedBeforeDone)),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "stream ended before [DONE]");
    assert!(items.next().is_none());
}

#[tokio::test]
async fn connection_failing_mid_stream_is_a_transport_error_item() {
    let pieces = vec![
        b"data: {\"id\":1,\"text\":\"a\"}\n\n".to_vec(),
        b"data: {\"id\":2,".to_vec(),
    ];
    let (url, _server) = serve(pieces, Framing::ChunkedCut).await;
    let stream = open::<Chunk>(&url, EventMode::Data).await;
    let mut items = collect(stream).await.into_iter();
    assert_eq!(items.next().unwrap().unwrap(), chunk(1, "a"));
    let err = items.next().unwrap().unwrap_err();
    assert!(err.is_transport(), "{err:?}");
    assert!(items.next().is_none());
}

#[tokio::test]
async fn undecodable_events_are_decode_errors_and_the_stream_goes_on() {
    let text = concat!(
        "data: {\"id\":1,\"text\":\"ok\"}\n\n",
        "data: not json\n\n",
        "data: {\"id\":\"two\",\"text\":\"wrong type\"}\n\n",
        "data: {\"id\":4,\"text\":\"fine again\"}\n\n",
        "data: [DONE]\n\n",
    );
    let (url, _server) = serve(vec![text.as_bytes().to_vec()], Framing::Chunked).await;
    let stream = open::<Chunk>(&url, EventMode::Data).await;
    let mut items = collect(stream).await.into_iter();
    assert_eq!(items.next().unwrap().unwrap(), chunk(1, "ok"));

    let err = items.next().unwrap().unwrap_err();
    let decode = err.decode_error().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(decode.status(), StatusCode::OK);
    assert_eq!(decode.body(), "not json");
    assert!(err.to_string().contains("body starts: not json"), "{err}");

    let err = items.next().unwrap().unwrap_err();
    let decode = err.decode_error().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(decode.path(), "id");
    assert_eq!(decode.body(), r#"{"id":"two","text":"wrong type"}"#);

    assert_eq!(items.next().unwrap().unwrap(), chunk(4, "fine again"));
    assert!(items.next().is_none());
}

#[tokio::test]
async fn envelope_decode_errors_name_the_path_inside_the_envelope() {
    let text = "event: thread.run.created\ndata: {\"id\":\"x\"}\n\nevent: thread.run.step\ndata: {oops\n\ndata: [DONE]\n\n";
    let (url, _server) = serve(vec![text.as_bytes().to_vec()], Framing::Chunked).await;
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Envelope {
        event: String,
        data: Chunk,
    }
    let stream = open::<Envelope>(&url, EventMode::Envelope).await;
    let items = collect(stream).await;
    assert_eq!(items.len(), 2);
    let first = items[0].as_ref().unwrap_err().decode_error().unwrap();
    assert_eq!(first.path(), "data.id");
    assert!(
        first.message().contains("invalid type"),
        "{}",
        first.message()
    );
    assert_eq!(first.body(), r#"{"id":"x"}"#);
    let second = items[1].as_ref().unwrap_err().decode_error().unwrap();
    assert_eq!(second.path(), "data");
    assert_eq!(second.body(), "{oops");
}

#[tokio::test]
async fn error_events_end_the_stream_with_the_servers_message() {
    // An event named `error`, as Anthropic-style and Portkey streams send it.
    let text = concat!(
        "data: {\"id\":1,\"text\":\"a\"}\n\n",
        "event: error\n",
        "data: {\"error\":{\"message\":\"upstream overloaded\",\"type\":\"server_error\"}}\n\n",
        "data: {\"id\":2,\"text\":\"never seen\"}\n\n",
        "data: [DONE]\n\n",
    );
    let (url, _server) = serve(vec![text.as_bytes().to_vec()], Framing::Chunked).await;
    let items = collect(open::<Chunk>(&url, EventMode::Data).await).await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0].as_ref().unwrap(), &chunk(1, "a"));
    let err = items[1].as_ref().unwrap_err();
    let Error::Stream(StreamError::ErrorEvent(event)) = err else {
        panic!("{err:?}");
    };
    assert_eq!(event.message, "upstream overloaded");
    assert!(event.data.contains("server_error"), "{}", event.data);
    assert_eq!(
        err.to_string(),
        "the server sent an error event: upstream overloaded"
    );

    // An unnamed event whose data is an error object instead of a chunk, as OpenAI sends.
    let text = "data: {\"error\":{\"message\":\"context too long\"}}\n\ndata: [DONE]\n\n";
    let (url, _server) = serve(vec![text.as_bytes().to_vec()], Framing::Chunked).await;
    let items = collect(open::<Chunk>(&url, EventMode::Data).await).await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert!(
        matches!(&items[0], Err(Error::Stream(StreamError::ErrorEvent(e))) if e.message == "context too long"),
        "{items:?}"
    );

    // An item type that has an `error` field of its own still decodes it.
    #[derive(Debug, Deserialize, PartialEq)]
    struct Status {
        id: u32,
        error: Option<String>,
    }
    let text = "data: {\"id\":7,\"error\":\"tool failed\"}\n\ndata: [DONE]\n\n";
    let (url, _server) = serve(vec![text.as_bytes().to_vec()], Framing::Chunked).await;
    let items = all_ok(open::<Status>(&url, EventMode::Data).await).await;
    assert_eq!(
        items,
        [Status {
            id: 7,
            error: Some("tool failed".into())
        }]
    );

    // In envelope mode an `error` event that does not fit the item type, with data that is
    // not even JSON, is still the server's error.
    let text = "event: error\ndata: internal failure\n\n";
    let (url, _server) = serve(vec![text.as_bytes().to_vec()], Framing::Chunked).await;
    let items = collect(open::<RunEvent>(&url, EventMode::Envelope).await).await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(
        items[0].as_ref().unwrap_err().to_string(),
        "the server sent an error event: internal failure"
    );
}

#[tokio::test]
async fn a_2xx_that_is_not_an_event_stream_is_refused_with_its_body() {
    // A server that ignored `"stream": true` and answered with one JSON body.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"id":"chatcmpl_1","choices":[]}"#, "application/json"),
        )
        .mount(&server)
        .await;
    let err = runtime(&server.uri())
        .request(Method::POST, "/chat/completions", &[])
        .send_events::<Chunk>(EventMode::Data)
        .await
        .unwrap_err();
    let Error::Stream(StreamError::NotEventStream(answer)) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(answer.content_type, "application/json");
    assert_eq!(answer.body, r#"{"id":"chatcmpl_1","choices":[]}"#);
    assert_eq!(
        err.to_string(),
        r#"expected an event stream, got content type `application/json`: {"id":"chatcmpl_1","choices":[]}"#
    );
}

#[tokio::test]
async fn non_2xx_before_the_stream_is_an_api_error() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("x-request-id", "req_429")
                .set_body_json(json!({"error": {"message": "slow down"}})),
        )
        .mount(&server)
        .await;
    let err = runtime(&server.uri())
        .request(Method::POST, "/chat/completions", &[])
        .json_with(&json!({}), "stream", json!(true))
        .send_events::<Chunk>(EventMode::Data)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(
        err.to_string(),
        "HTTP 429 Too Many Requests: slow down (request id: req_429)"
    );

    let err = runtime(&server.uri())
        .request(Method::GET, "/download", &[])
        .send_byte_stream()
        .await
        .unwrap_err();
    assert!(err.api_error().is_some(), "{err:?}");
}

#[tokio::test]
async fn dropping_the_stream_closes_the_connection() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        read_request(&mut socket).await;
        let event = b"data: {\"id\":1,\"text\":\"first\"}\n\n";
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n",
            event.len()
        );
        socket.write_all(response.as_bytes()).await.unwrap();
        socket.write_all(event).await.unwrap();
        socket.write_all(b"\r\n").await.unwrap();
        // The stream stays open; only the client can end it now.
        let mut buf = [0u8; 64];
        tokio::time::timeout(Duration::from_secs(5), socket.read(&mut buf)).await
    });
    let mut stream = runtime(&url)
        .request(Method::GET, "/events", &[])
        .send_events::<Chunk>(EventMode::Data)
        .await
        .unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap(), chunk(1, "first"));
    drop(stream);
    match server.await.unwrap() {
        Ok(Ok(0)) | Ok(Err(_)) => {} // EOF or reset: the connection is gone
        Ok(Ok(n)) => panic!("the client sent {n} more bytes instead of closing"),
        Err(_) => panic!("the connection was still open 5 s after the stream was dropped"),
    }
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

#[tokio::test]
async fn byte_stream_yields_the_body_exactly() {
    let body = pattern(1024 * 1024);
    let pieces: Vec<Vec<u8>> = body.chunks(100_003).map(<[u8]>::to_vec).collect();
    let (url, _server) = serve(pieces, Framing::Length(body.len())).await;
    let mut stream: ByteStream = runtime(&url)
        .request(Method::GET, "/files/f/content", &[])
        .send_byte_stream()
        .await
        .unwrap();
    assert_eq!(stream.content_length(), Some(body.len() as u64));
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let mut received = Vec::new();
    let mut chunks = 0;
    while let Some(chunk) = stream.next().await {
        received.extend_from_slice(&chunk.unwrap());
        chunks += 1;
    }
    assert!(chunks > 1, "the body arrived in one piece");
    assert_eq!(received.len(), body.len());
    assert!(received == body, "the bytes differ");
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn byte_stream_cut_short_ends_with_a_transport_error() {
    let (url, _server) = serve(vec![pattern(1000)], Framing::Length(5000)).await;
    let mut stream = runtime(&url)
        .request(Method::GET, "/files/f/content", &[])
        .send_byte_stream()
        .await
        .unwrap();
    let mut received = 0;
    let err = loop {
        match stream.next().await.expect("an error before the end") {
            Ok(chunk) => received += chunk.len(),
            Err(e) => break e,
        }
    };
    assert_eq!(received, 1000);
    assert!(err.is_transport(), "{err:?}");
    assert!(stream.next().await.is_none());
}

#[test]
fn streams_are_send_unpin_and_debug() {
    fn check<S: Send + Sync + Unpin + std::fmt::Debug + 'static>() {}
    check::<EventStream<Chunk>>();
    check::<EventStream<Value>>();
    check::<ByteStream>();
}

#[test]
fn sending_futures_are_send() {
    fn check<F: std::future::Future + Send>(_: F) {}
    let rt = runtime("http://127.0.0.1:9");
    check(
        rt.request(Method::POST, "/x", &[])
            .json_with(&json!({}), "stream", json!(true))
            .send_events::<Chunk>(EventMode::Envelope),
    );
    check(rt.request(Method::GET, "/x", &[]).send_byte_stream());
    let form = portkey_client::upload::Form::new().file(
        "f",
        portkey_client::upload::FilePart::reader(tokio::io::empty(), "f.bin"),
    );
    check(
        rt.request(Method::POST, "/x", &[])
            .multipart(form)
            .send_json::<Value>(),
    );
}
