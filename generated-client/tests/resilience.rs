//! Timeouts, retries, per-call options and response size limits, against a local mock
//! server.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use portkey_client::retry::{Decision, DefaultRetryPolicy, Outcome, RetryPolicy};
use portkey_client::runtime::{
    RequestOptions, Runtime, RuntimeBuilder, SchemeKind, SecurityScheme,
};
use portkey_client::Error;
use reqwest::Method;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

static SCHEMES: &[SecurityScheme] = &[SecurityScheme {
    id: "apiKey",
    kind: SchemeKind::ApiKeyHeader {
        header: "x-api-key",
    },
}];

fn builder(base_url: &str) -> RuntimeBuilder {
    let mut builder = RuntimeBuilder::new(base_url, SCHEMES);
    builder.credential("apiKey", "k");
    builder
}

fn runtime_with(base_url: &str, configure: impl FnOnce(&mut RuntimeBuilder)) -> Runtime {
    let mut builder = builder(base_url);
    configure(&mut builder);
    builder.build().unwrap()
}

async fn get_json(rt: &Runtime) -> Result<serde_json::Value, Error> {
    rt.request(Method::GET, "/thing", &["apiKey"])
        .send_json()
        .await
}

async fn slow_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/thing"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"ok": true}))
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn timeout_gives_error_timeout_promptly() {
    let server = slow_server().await;
    let rt = runtime_with(&server.uri(), |b| {
        b.timeout(Duration::from_millis(200));
        b.connect_timeout(Duration::from_secs(1));
        b.max_retries(0);
    });
    let started = Instant::now();
    let err = get_json(&rt).await.unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(1500));
}

#[tokio::test]
async fn timeout_applies_to_a_caller_supplied_client() {
    let server = slow_server().await;
    let rt = runtime_with(&server.uri(), |b| {
        b.http_client(reqwest::Client::new());
        b.timeout(Duration::from_millis(200));
        b.max_retries(0);
    });
    let started = Instant::now();
    let err = get_json(&rt).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(1500));
}

/// The default rules with waits short enough for tests, counting the decisions asked for.
#[derive(Debug, Default)]
struct FastPolicy {
    decisions: AtomicU32,
}

impl RetryPolicy for FastPolicy {
    fn decide(&self, attempt: u32, outcome: &Outcome<'_>) -> Decision {
        self.decisions.fetch_add(1, Ordering::SeqCst);
        let fast = DefaultRetryPolicy {
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(10),
            ..DefaultRetryPolicy::default()
        };
        fast.decide(attempt, outcome)
    }
}

fn fast_runtime(base_url: &str) -> Runtime {
    runtime_with(base_url, |b| {
        b.retry_policy(Arc::new(FastPolicy::default()))
    })
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

/// A server answering `first` once, then 200 with `{"ok": true}`.
async fn server_failing_once(first: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/thing"))
        .respond_with(first)
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/thing"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn server_error_then_success_takes_two_requests() {
    let server = server_failing_once(ResponseTemplate::new(500)).await;
    let value = get_json(&fast_runtime(&server.uri())).await.unwrap();
    assert_eq!(value, json!({"ok": true}));
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn retries_resend_the_same_url_headers_and_body() {
    let server = server_failing_once(ResponseTemplate::new(503)).await;
    let rt = fast_runtime(&server.uri())
        .with_options(RequestOptions::new().header("x-extra", "from options"));
    let value: serde_json::Value = rt
        .request(Method::POST, "/thing", &["apiKey"])
        .query("q", "a b")
        .header("x-param", "v")
        .json(&json!({"n": 1}))
        .send_json()
        .await
        .unwrap();
    assert_eq!(value, json!({"ok": true}));
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 2);
    let shown = |r: &wiremock::Request| {
        let mut headers: Vec<(String, String)> = r
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
            .collect();
        headers.sort();
        (r.url.to_string(), headers, r.body.clone())
    };
    let (url, headers, body) = shown(&received[0]);
    assert!(url.ends_with("/thing?q=a%20b"), "{url}");
    assert_eq!(body, br#"{"n":1}"#);
    for (name, value) in [
        ("x-api-key", "k"),
        ("x-param", "v"),
        ("x-extra", "from options"),
        ("content-type", "application/json"),
        ("accept", "application/json"),
    ] {
        assert!(
            headers.contains(&(name.to_owned(), value.to_owned())),
            "{name} in {headers:?}"
        );
    }
    assert_eq!(shown(&received[1]), (url, headers, body));
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server =
        server_failing_once(ResponseTemplate::new(429).insert_header("retry-after", "1")).await;
    let started = Instant::now();
    get_json(&fast_runtime(&server.uri())).await.unwrap();
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert_eq!(requests(&server).await, 2);
}

async fn always(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/thing"))
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = always(ResponseTemplate::new(400).set_body_json(json!({"error": "bad"}))).await;
    let err = get_json(&fast_runtime(&server.uri())).await.unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn portkey_gateway_errors_are_not_retried() {
    let server = always(ResponseTemplate::new(500).insert_header("x-portkey-trace-id", "t")).await;
    let err = get_json(&fast_runtime(&server.uri())).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn should_retry_false_overrides_a_retryable_status() {
    let server = always(ResponseTemplate::new(503).insert_header("x-should-retry", "false")).await;
    let err = get_json(&fast_runtime(&server.uri())).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn should_retry_true_overrides_a_client_error() {
    let server =
        server_failing_once(ResponseTemplate::new(400).insert_header("x-should-retry", "true"))
            .await;
    get_json(&fast_runtime(&server.uri())).await.unwrap();
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn retries_stop_at_the_maximum() {
    let server = always(ResponseTemplate::new(500)).await;
    let err = get_json(&fast_runtime(&server.uri())).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(requests(&server).await, 3);
}

#[tokio::test]
async fn max_retries_zero_sends_once() {
    let server = always(ResponseTemplate::new(500)).await;
    let rt = runtime_with(&server.uri(), |b| {
        b.retry_policy(Arc::new(FastPolicy::default()));
        b.max_retries(0);
    });
    let err = get_json(&rt).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn connection_refused_is_retried_then_a_transport_error() {
    // A port that was just free: nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let policy = Arc::new(FastPolicy::default());
    let rt = runtime_with(&format!("http://127.0.0.1:{port}"), |b| {
        b.retry_policy(policy.clone())
    });
    let err = get_json(&rt).await.unwrap_err();
    assert!(err.is_transport(), "{err:?}");
    // Asked after attempts 1 and 2; attempt 3 is the last allowed, so not asked.
    assert_eq!(policy.decisions.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn options_apply_only_to_the_runtime_made_with_them() {
    let server = MockServer::start().await;
    Mock::given(path("/thing"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"ok": true}))
                .set_delay(Duration::from_millis(300)),
        )
        .mount(&server)
        .await;
    let plain = runtime_with(&server.uri(), |b| b.max_retries(0));
    let tuned = plain.with_options(
        RequestOptions::new()
            .timeout(Duration::from_millis(100))
            .header("x-portkey-trace-id", "trace-123"),
    );
    assert!(!format!("{tuned:?}").contains("trace-123"));

    let err = get_json(&tuned).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    get_json(&plain).await.unwrap();

    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0].headers.get("x-portkey-trace-id").unwrap(),
        "trace-123"
    );
    assert!(received[1].headers.get("x-portkey-trace-id").is_none());
}

#[tokio::test]
async fn option_max_retries_replaces_the_runtime_maximum() {
    let server = always(ResponseTemplate::new(500)).await;
    let rt = fast_runtime(&server.uri()).with_options(RequestOptions::new().max_retries(0));
    get_json(&rt).await.unwrap_err();
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn invalid_option_header_fails_at_send_without_a_request() {
    let server = always(ResponseTemplate::new(200).set_body_json(json!({}))).await;
    let rt = fast_runtime(&server.uri())
        .with_options(RequestOptions::new().header("x-bad", "line\nbreak"));
    let err = get_json(&rt).await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(!err.to_string().contains("break"));
    assert_eq!(requests(&server).await, 0);
}

const MIB: u64 = 1024 * 1024;

#[tokio::test]
async fn body_over_the_limit_by_content_length_is_refused() {
    let server = always(ResponseTemplate::new(200).set_body_bytes(vec![b'x'; 10_000_000])).await;
    let rt = runtime_with(&server.uri(), |b| b.max_response_bytes(MIB));
    let err = rt
        .request(Method::GET, "/thing", &["apiKey"])
        .send_bytes()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit } if limit == MIB),
        "{err:?}"
    );
    assert!(err.to_string().contains("1048576"), "{err}");
    let err = get_json(&rt).await.unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err:?}");
}

/// A server answering every connection with a chunked 200 body (no `Content-Length`) of
/// `total` bytes, sent in 64 KiB chunks.
async fn chunked_server(total: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                            transfer-encoding: chunked\r\n\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b' '; 64 * 1024];
                let mut sent = 0;
                while sent < total {
                    let n = chunk.len().min(total - sent);
                    let frame = [format!("{n:x}\r\n").as_bytes(), &chunk[..n], b"\r\n"].concat();
                    // The client hanging up early is the point of the test.
                    if socket.write_all(&frame).await.is_err() {
                        return;
                    }
                    sent += n;
                }
                let _ = socket.write_all(b"0\r\n\r\n").await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn body_growing_past_the_limit_is_refused_while_read() {
    let base = chunked_server(10_000_000).await;
    let rt = runtime_with(&base, |b| b.max_response_bytes(MIB));
    let err = rt
        .request(Method::GET, "/thing", &["apiKey"])
        .send_bytes()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit } if limit == MIB),
        "{err:?}"
    );
}

#[tokio::test]
async fn body_within_the_limit_without_content_length_is_read() {
    let base = chunked_server(200_000).await;
    let rt = runtime_with(&base, |b| b.max_response_bytes(MIB));
    let body = rt
        .request(Method::GET, "/thing", &["apiKey"])
        .send_bytes()
        .await
        .unwrap();
    assert_eq!(body.len(), 200_000);
    // send_empty stops reading at the limit but succeeds: the status decided the outcome.
    let rt = runtime_with(&base, |b| b.max_response_bytes(1000));
    rt.request(Method::DELETE, "/thing", &["apiKey"])
        .send_empty()
        .await
        .unwrap();
}

#[tokio::test]
async fn error_bodies_are_cut_to_a_mebibyte() {
    let server = always(ResponseTemplate::new(400).set_body_bytes(vec![b'e'; 3_000_000])).await;
    let err = get_json(&fast_runtime(&server.uri())).await.unwrap_err();
    let api = err.api_error().expect("an API error");
    assert_eq!(api.body().len() as u64, MIB);
    // With a smaller overall limit, that one applies to error bodies too.
    let rt = runtime_with(&server.uri(), |b| b.max_response_bytes(1000));
    let err = get_json(&rt).await.unwrap_err();
    assert_eq!(err.api_error().unwrap().body().len(), 1000);
}

#[tokio::test]
async fn multipart_requests_are_sent_once() {
    use portkey_client::upload::{FilePart, Form};
    let server = always(ResponseTemplate::new(503)).await;
    let form = Form::new().file("file", FilePart::bytes(&b"{}"[..], "data.jsonl"));
    let err = fast_runtime(&server.uri())
        .request(Method::POST, "/thing", &["apiKey"])
        .multipart(form)
        .send_json::<serde_json::Value>()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(requests(&server).await, 1);
}

/// How [`hostile_server`] misbehaves after reading a request.
#[derive(Clone, Copy)]
enum Misbehaviour {
    /// Promises 1000 bytes of JSON, sends 100, then resets the connection.
    ResetMidBody,
    /// A complete response whose JSON body stops in the middle of a value.
    TruncatedJson,
    /// A JSON body that is not UTF-8.
    InvalidUtf8,
    /// A chunked body that never ends: a chunk of spaces every 10 ms, forever.
    EndlessBody,
}

/// A raw server that answers every request with `misbehaviour`; the counter says how many
/// requests it read.
async fn hostile_server(misbehaviour: Misbehaviour) -> (String, Arc<AtomicU32>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&count);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                let json = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n";
                // Write errors are ignored: the client hanging up is part of the test.
                match misbehaviour {
                    Misbehaviour::ResetMidBody => {
                        let head = format!("{json}content-length: 1000\r\n\r\n");
                        let _ = socket.write_all(head.as_bytes()).await;
                        let _ = socket.write_all(&[b' '; 100]).await;
                        let _ = socket.flush().await;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        // Linger zero: closing sends RST instead of FIN.
                        let _ = socket.set_zero_linger();
                        drop(socket);
                    }
                    Misbehaviour::TruncatedJson => {
                        let body = r#"{"id":"run_1","status":"#;
                        let head = format!("{json}content-length: {}\r\n\r\n", body.len());
                        let _ = socket.write_all(head.as_bytes()).await;
                        let _ = socket.write_all(body.as_bytes()).await;
                    }
                    Misbehaviour::InvalidUtf8 => {
                        let body = b"{\"id\":\"run_\xff\xfe\"}";
                        let head = format!("{json}content-length: {}\r\n\r\n", body.len());
                        let _ = socket.write_all(head.as_bytes()).await;
                        let _ = socket.write_all(body).await;
                    }
                    Misbehaviour::EndlessBody => {
                        let head = format!("{json}transfer-encoding: chunked\r\n\r\n");
                        let _ = socket.write_all(head.as_bytes()).await;
                        let frame = [b"400\r\n".as_slice(), &[b' '; 1024], b"\r\n"].concat();
                        while socket.write_all(&frame).await.is_ok() {
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                    }
                }
            });
        }
    });
    (format!("http://{addr}"), count)
}

#[tokio::test]
async fn connection_reset_mid_body_is_a_transport_error_not_retried() {
    let (base, count) = hostile_server(Misbehaviour::ResetMidBody).await;
    let err = get_json(&fast_runtime(&base)).await.unwrap_err();
    assert!(err.is_transport(), "{err:?}");
    // The head had arrived: the body failing is not retried (the request may have run).
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_with_the_body() {
    let (base, count) = hostile_server(Misbehaviour::TruncatedJson).await;
    let err = get_json(&fast_runtime(&base)).await.unwrap_err();
    let decode = err.decode_error().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(decode.status(), 200);
    assert_eq!(decode.body(), r#"{"id":"run_1","status":"#);
    assert!(err.to_string().contains("EOF"), "{err}");
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn invalid_utf8_is_a_decode_error() {
    let (base, _count) = hostile_server(Misbehaviour::InvalidUtf8).await;
    let err = get_json(&fast_runtime(&base)).await.unwrap_err();
    let decode = err.decode_error().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(decode.path(), "id");
    // The message shows the body with the bad bytes replaced, on one line.
    assert!(err.to_string().contains("run_\u{fffd}"), "{err}");
}

#[tokio::test]
async fn endless_body_ends_at_the_timeout_or_the_size_limit() {
    let (base, count) = hostile_server(Misbehaviour::EndlessBody).await;
    let rt = runtime_with(&base, |b| b.timeout(Duration::from_millis(400)));
    let started = Instant::now();
    let err = get_json(&rt).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(count.load(Ordering::SeqCst), 1);

    // Without a timeout, the size limit ends it: 64 KiB arrive in well under a second.
    let rt = runtime_with(&base, |b| b.max_response_bytes(64 * 1024));
    let err = rt
        .request(Method::GET, "/thing", &["apiKey"])
        .send_bytes()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err:?}");
}

/// Everything `tracing` prints while `f` runs on this thread.
async fn logs_of<F: std::future::Future>(f: F) -> (F::Output, String) {
    use std::sync::Mutex;
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let output = {
        let _guard = tracing::subscriber::set_default(subscriber);
        f.await
    };
    let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    (output, text)
}

#[tokio::test]
async fn each_retry_is_logged_in_a_request_span_without_secrets() {
    let server = server_failing_once(ResponseTemplate::new(503)).await;
    let mut builder = builder(&server.uri());
    builder.credential("apiKey", "secret-key-123");
    builder.retry_policy(Arc::new(FastPolicy::default()));
    let rt = builder.build().unwrap();
    let (result, logs) = logs_of(
        rt.request(Method::GET, "/thing", &["apiKey"])
            .query("token", "secret-query-456")
            .send_json::<serde_json::Value>(),
    )
    .await;
    result.unwrap();
    let retries: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("retrying request"))
        .collect();
    assert_eq!(retries.len(), 1, "{logs}");
    let line = retries[0];
    for expected in [
        "http_request",
        "method=GET",
        "path=\"/thing\"",
        "attempt=1",
        "status=503",
    ] {
        assert!(line.contains(expected), "{expected} missing from {line}");
    }
    assert!(!logs.contains("secret-key-123"), "{logs}");
    assert!(!logs.contains("secret-query-456"), "{logs}");
}
