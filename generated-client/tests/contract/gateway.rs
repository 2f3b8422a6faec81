//! Portkey's open-source gateway (`@portkey-ai/gateway`, started from npm on loopback)
//! between the client and an upstream that speaks the OpenAI wire format (wiremock, in this
//! process). The client is configured as a user would: a provider and a custom host, or a
//! JSON config. Portkey's gateway settings (trace id, metadata, ...) are checked where the
//! gateway shows them: its response headers, what it forwards, its guardrails.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::StreamExt;
use portkey_client::runtime::{ApiResponse, EventMode, RequestOptions};
use portkey_client::types::{CreateRunRequest, RunObject, RunObjectStatus};
use portkey_client::{Client, Error, Nullable};
use reqwest::Method;
use serde_json::{json, Value};
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

use crate::servers::{free_port, Server};

const THREAD_ID: &str = "thread_abc123";
const UPSTREAM_KEY: &str = "sk-upstream-test";

/// Every scheme the chat-completions operation of the full spec accepts.
const CHAT_SCHEMES: &[&str] = &[
    "Portkey-Key",
    "Virtual-Key",
    "Provider-Auth",
    "Provider-Name",
    "Config",
    "Custom-Host",
];

/// Portkey's gateway, started on a free loopback port.
pub(crate) fn gateway() -> Server {
    let port = free_port();
    let port_arg = format!("--port={port}");
    Server::start(
        "Portkey gateway",
        &["gateway.mjs", &port_arg, "--headless"],
        port,
        &format!("gateway-{port}.log"),
        "/",
    )
}

fn run(id: &str, status: &str) -> Value {
    json!({
        "id": id, "object": "thread.run", "created_at": 1699063290,
        "assistant_id": "asst_abc123", "thread_id": THREAD_ID, "status": status,
        "required_action": null, "last_error": null, "expires_at": null, "started_at": null,
        "cancelled_at": null, "failed_at": null, "completed_at": null,
        "incomplete_details": null, "model": "gpt-4o", "instructions": null, "tools": [],
        "metadata": {}, "usage": null, "temperature": 1.0, "top_p": 1.0,
        "max_prompt_tokens": null, "max_completion_tokens": null,
        "truncation_strategy": {"type": "auto", "last_messages": null},
        "tool_choice": "auto", "parallel_tool_calls": true, "response_format": "auto"
    })
}

fn sse(events: &[(Option<&str>, String)]) -> ResponseTemplate {
    let mut body = String::new();
    for (name, data) in events {
        if let Some(name) = name {
            body.push_str(&format!("event: {name}\n"));
        }
        body.push_str(&format!("data: {data}\n\n"));
    }
    ResponseTemplate::new(200).set_body_raw(body, "text/event-stream")
}

/// An OpenAI-compatible upstream: runs and chat completions, with and without
/// `"stream": true`. Remembers what it received.
#[derive(Clone, Default)]
struct Upstream {
    received: Arc<Mutex<Vec<Request>>>,
}

impl Respond for Upstream {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(request.clone());
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let stream = body["stream"] == json!(true);
        let path = request.url.path();
        if path.ends_with("/runs") && path.starts_with("/v1/threads/") {
            if stream {
                return sse(&[
                    (
                        Some("thread.run.created"),
                        run("run_1", "queued").to_string(),
                    ),
                    (
                        Some("thread.run.completed"),
                        run("run_1", "completed").to_string(),
                    ),
                    (Some("done"), "[DONE]".to_owned()),
                ]);
            }
            return ResponseTemplate::new(200).set_body_json(run("run_1", "queued"));
        }
        if path == "/v1/chat/completions" {
            let model = body["model"].as_str().unwrap_or("unknown").to_owned();
            if stream {
                let chunk = |delta: Value, finish: Value| {
                    json!({
                        "id": "chatcmpl-1", "object": "chat.completion.chunk",
                        "created": 1700000000, "model": model,
                        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]
                    })
                    .to_string()
                };
                return sse(&[
                    (
                        None,
                        chunk(json!({"role": "assistant", "content": "Hel"}), Value::Null),
                    ),
                    (None, chunk(json!({"content": "lo"}), Value::Null)),
                    (None, chunk(json!({}), json!("stop"))),
                    (None, "[DONE]".to_owned()),
                ]);
            }
            return ResponseTemplate::new(200).set_body_json(json!({
                "id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000,
                "model": model,
                "choices": [{
                    "index": 0, "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "Hello"}
                }],
                "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}
            }));
        }
        ResponseTemplate::new(404).set_body_json(json!({"error": {"message": "no such path"}}))
    }
}

impl Upstream {
    async fn start() -> (MockServer, Upstream) {
        let upstream = Upstream::default();
        let server = MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(upstream.clone())
            .mount(&server)
            .await;
        (server, upstream)
    }

    fn take(&self) -> Vec<Request> {
        std::mem::take(&mut *self.received.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The one request received since the last call.
    fn only(&self) -> Request {
        let mut all = self.take();
        assert_eq!(all.len(), 1, "the upstream received {} requests", all.len());
        all.remove(0)
    }
}

fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

fn body_of(request: &Request) -> Value {
    serde_json::from_slice(&request.body).expect("the upstream received JSON")
}

fn chat_request() -> Value {
    json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "Say hello"}]})
}

/// `POST /chat/completions` through the client's runtime: the committed client has only
/// `createRun`, and the full client's `create_chat_completion` builds this same request.
fn chat(client: &Client) -> portkey_client::runtime::Request {
    client
        .runtime()
        .request(Method::POST, "/chat/completions", CHAT_SCHEMES)
}

/// This machine's address on its default route, when it has one that is not loopback.
fn non_loopback_address() -> Option<std::net::IpAddr> {
    // Connecting a UDP socket sends nothing; it only picks the local address of the route.
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[test]
fn the_gateway_carries_requests_to_the_upstream_and_answers_back() {
    let gateway = gateway();
    // Bound to loopback only: the machine's other address does not reach it.
    if let Some(ip) = non_loopback_address() {
        let outside = std::net::SocketAddr::new(ip, gateway.port);
        let reached =
            std::net::TcpStream::connect_timeout(&outside, std::time::Duration::from_secs(2));
        assert!(reached.is_err(), "the gateway answers on {outside}");
    }
    run_on(&gateway, through_the_gateway(&gateway));
}

/// Runs `test` to its end; when it fails, with the gateway's log.
fn run_on(gateway: &Server, test: impl Future<Output = Result<(), String>>) {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runtime.block_on(test)));
    // The gateway's log tells why it answered as it did; the gateway stops when it drops.
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(message)) => panic!("{message}\n\nthe gateway's log:\n{}", gateway.log_text()),
        Err(panic) => {
            eprintln!("the gateway's log:\n{}", gateway.log_text());
            std::panic::resume_unwind(panic);
        }
    }
}

async fn through_the_gateway(gateway: &Server) -> Result<(), String> {
    let (upstream_server, upstream) = Upstream::start().await;
    let custom_host = format!("{}/v1", upstream_server.uri());
    let base_url = format!("{}/v1", gateway.base_url());

    // 1. Provider header, provider key and custom host, as the README's table sets them.
    let client = Client::builder()
        .base_url(&base_url)
        .provider("openai")
        .provider_auth(UPSTREAM_KEY)
        .custom_host(&custom_host)
        .build()
        .map_err(|e| e.to_string())?;
    let request = CreateRunRequest {
        assistant_id: "asst_abc123".to_owned(),
        instructions: Nullable::Value("Be brief.".to_owned()),
        temperature: Nullable::Value(0.2),
        ..Default::default()
    };
    let response = client
        .assistants()
        .create_run_with_response(THREAD_ID, &request)
        .await
        .map_err(|e| format!("create_run through the gateway: {e}"))?;
    let received = upstream.only();
    assert_eq!(received.url.path(), "/v1/threads/thread_abc123/runs");
    assert_eq!(
        body_of(&received),
        json!({"assistant_id": "asst_abc123", "instructions": "Be brief.", "temperature": 0.2})
    );
    assert_eq!(
        header(&received, "authorization"),
        Some(format!("Bearer {UPSTREAM_KEY}").as_str())
    );
    assert_eq!(response.status(), 200);
    assert_eq!(response.body().id, "run_1");
    assert_eq!(response.body().status, RunObjectStatus::Queued);
    assert_eq!(response.header("x-portkey-provider"), Some("openai"));
    assert_eq!(response.header("x-portkey-retry-attempt-count"), Some("0"));
    assert_eq!(response.header("x-portkey-cache-status"), Some("DISABLED"));

    // 2. The same run, streamed: the gateway passes the events through.
    let mut events = client
        .assistants()
        .create_run_stream(THREAD_ID, &request)
        .await
        .map_err(|e| format!("create_run_stream through the gateway: {e}"))?;
    let mut names = Vec::new();
    while let Some(event) = events.next().await {
        let event = event.map_err(|e| format!("a run event: {e}"))?;
        names.push(event["event"].as_str().unwrap_or_default().to_owned());
        assert_eq!(event["data"]["id"], "run_1", "{event}");
    }
    assert_eq!(names, ["thread.run.created", "thread.run.completed"]);
    assert_eq!(body_of(&upstream.only())["stream"], json!(true));

    // 3. A chat completion, as JSON.
    let completion = chat(&client)
        .json(&chat_request())
        .send_json_with_response::<Value>()
        .await
        .map_err(|e| format!("chat completion through the gateway: {e}"))?;
    let received = upstream.only();
    assert_eq!(received.url.path(), "/v1/chat/completions");
    assert_eq!(body_of(&received)["messages"], chat_request()["messages"]);
    assert_eq!(body_of(&received)["model"], "gpt-4o");
    assert_eq!(
        completion.body()["choices"][0]["message"]["content"],
        "Hello"
    );
    assert_eq!(completion.header("x-portkey-provider"), Some("openai"));

    // 4. A chat completion, streamed: chunks in order, ending at [DONE].
    let mut chunks = chat(&client)
        .json_with(&chat_request(), "stream", Value::Bool(true))
        .send_events::<Value>(EventMode::Data)
        .await
        .map_err(|e| format!("streamed chat completion through the gateway: {e}"))?;
    let mut text = String::new();
    let mut finish = Value::Null;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| format!("a chat chunk: {e}"))?;
        text.push_str(
            chunk["choices"][0]["delta"]["content"]
                .as_str()
                .unwrap_or(""),
        );
        if !chunk["choices"][0]["finish_reason"].is_null() {
            finish = chunk["choices"][0]["finish_reason"].clone();
        }
    }
    assert_eq!(text, "Hello");
    assert_eq!(finish, "stop");
    assert_eq!(body_of(&upstream.only())["stream"], json!(true));

    // 5. The same through an `x-portkey-config` JSON instead of headers.
    let config =
        json!({"provider": "openai", "api_key": "sk-from-config", "custom_host": custom_host});
    let configured = Client::builder()
        .base_url(&base_url)
        .config(config.to_string())
        .build()
        .map_err(|e| e.to_string())?;
    let run = configured
        .assistants()
        .create_run(THREAD_ID, &request)
        .await
        .map_err(|e| format!("create_run with a config: {e}"))?;
    assert_eq!(run.id, "run_1");
    let received = upstream.only();
    assert_eq!(
        header(&received, "authorization"),
        Some("Bearer sk-from-config")
    );
    assert_eq!(received.url.path(), "/v1/threads/thread_abc123/runs");

    // 6. Failures, each as the client reports it with the gateway's message.
    failures(&base_url).await
}

async fn failures(base_url: &str) -> Result<(), String> {
    let request = CreateRunRequest {
        assistant_id: "asst_abc123".to_owned(),
        ..Default::default()
    };
    let via = |host: String| {
        Client::builder()
            .base_url(base_url)
            .provider("openai")
            .provider_auth(UPSTREAM_KEY)
            .custom_host(host)
            .build()
            .expect("the client builds")
    };

    // The upstream fails with 500 and an OpenAI error body.
    let failing = MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "error": {"message": "The upstream model crashed", "type": "server_error"}
        })))
        .mount(&failing)
        .await;
    match via(format!("{}/v1", failing.uri()))
        .assistants()
        .create_run(THREAD_ID, &request)
        .await
    {
        Err(Error::Api(e)) => {
            assert_eq!(e.status(), 500, "{e}");
            assert_eq!(
                e.message().as_deref(),
                Some("The upstream model crashed"),
                "{e}"
            );
            // The gateway answered for the upstream: the client does not retry through it.
            let attempts = failing.received_requests().await.unwrap_or_default().len();
            assert_eq!(attempts, 1, "the upstream was called {attempts} times");
        }
        other => {
            return Err(format!(
                "upstream 500: expected an API error, got {other:?}"
            ))
        }
    }

    // Nothing listens where the custom host points.
    let refused = format!("http://127.0.0.1:{}/v1", free_port());
    match via(refused)
        .assistants()
        .create_run(THREAD_ID, &request)
        .await
    {
        Err(Error::Api(e)) => {
            assert_eq!(e.status(), 500, "{e}");
            assert!(e.body_text().contains("fetch failed"), "{e}");
        }
        other => {
            return Err(format!(
                "upstream refused: expected an API error, got {other:?}"
            ))
        }
    }

    // A config the gateway refuses.
    let invalid = Client::builder()
        .base_url(base_url)
        .config(r#"{"provider": "no-such-provider"}"#)
        .build()
        .expect("the client builds");
    match invalid.assistants().create_run(THREAD_ID, &request).await {
        Err(Error::Api(e)) => {
            assert_eq!(e.status(), 400, "{e}");
            assert_eq!(e.message().as_deref(), Some("Invalid config passed"), "{e}");
            assert!(e.body_text().contains("Invalid 'provider' value"), "{e}");
        }
        other => {
            return Err(format!(
                "invalid config: expected an API error, got {other:?}"
            ))
        }
    }
    Ok(())
}

/// `createRun` through the client, with the response's headers: the one place to change when
/// the way the client reaches the operation changes.
async fn create_run(
    client: &Client,
    request: &CreateRunRequest,
) -> Result<ApiResponse<RunObject>, Error> {
    client
        .assistants()
        .create_run_with_response(THREAD_ID, request)
        .await
}

/// `value` as JSON text in ASCII only, for a header: the gateway reads header bytes as
/// Latin-1, so other characters go as `\uXXXX` escapes (valid anywhere in JSON text, since
/// they can only occur in strings).
fn ascii_json(value: &Value) -> String {
    let mut out = String::new();
    for c in value.to_string().chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            for unit in c.encode_utf16(&mut [0; 2]) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

#[test]
fn gateway_settings_reach_the_gateway() {
    let gateway = gateway();
    run_on(&gateway, gateway_settings(&gateway));
}

async fn gateway_settings(gateway: &Server) -> Result<(), String> {
    let (upstream_server, upstream) = Upstream::start().await;
    let custom_host = format!("{}/v1", upstream_server.uri());
    let base_url = format!("{}/v1", gateway.base_url());
    let client = Client::builder()
        .base_url(&base_url)
        .provider("openai")
        .provider_auth(UPSTREAM_KEY)
        .custom_host(&custom_host)
        .build()
        .map_err(|e| e.to_string())?;
    let request = CreateRunRequest {
        assistant_id: "asst_abc123".to_owned(),
        ..Default::default()
    };
    const TRACE_ID: &str = "trace-contract-settings";
    let note = "a \"quoted\", {braced} \\ value\non two lines: Zoë → 東京 😀";
    let metadata = [("_user", "user-42"), ("note", note)];
    let expected: BTreeMap<String, String> = metadata
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let traced = client.with_options(
        RequestOptions::new()
            .trace_id(TRACE_ID)
            .metadata_entries(metadata),
    );

    // 1. A run with a trace id and metadata: the gateway answers with the trace id, and
    //    keeps its own headers from the upstream.
    let response = create_run(&traced, &request)
        .await
        .map_err(|e| format!("create_run with gateway settings: {e}"))?;
    assert_eq!(response.body().id, "run_1");
    assert_eq!(response.header("x-portkey-trace-id"), Some(TRACE_ID));
    let received = upstream.only();
    assert_eq!(received.url.path(), "/v1/threads/thread_abc123/runs");
    assert_eq!(header(&received, "x-portkey-trace-id"), None);
    assert_eq!(header(&received, "x-portkey-metadata"), None);

    // 2. The same, asking the gateway to forward both headers: the upstream gets them as the
    //    client sent them, and the metadata reads back as set.
    let forwarding = traced.with_options(
        RequestOptions::new().forward_headers(["x-portkey-trace-id", "X-Portkey-Metadata"]),
    );
    let response = create_run(&forwarding, &request)
        .await
        .map_err(|e| format!("create_run forwarding headers: {e}"))?;
    assert_eq!(response.header("x-portkey-trace-id"), Some(TRACE_ID));
    let received = upstream.only();
    assert_eq!(header(&received, "x-portkey-trace-id"), Some(TRACE_ID));
    let forwarded = header(&received, "x-portkey-metadata")
        .ok_or("no x-portkey-metadata forwarded, or not in ASCII")?;
    let forwarded: BTreeMap<String, String> = serde_json::from_str(forwarded)
        .map_err(|e| format!("forwarded metadata {forwarded:?} is not JSON: {e}"))?;
    assert_eq!(forwarded, expected);

    // 3. The gateway's own reading of the metadata: a guardrail that allows the model only
    //    for the exact `note`, on a chat completion (the gateway runs guardrails there, not
    //    on the pass-through route of runs).
    let config = json!({
        "provider": "openai", "api_key": UPSTREAM_KEY, "custom_host": custom_host,
        "before_request_hooks": [{
            "id": "metadata-rules", "type": "guardrail", "deny": true,
            "checks": [{
                "id": "default.modelRules",
                "parameters": {"rules": {
                    "defaults": ["no-such-model"],
                    "metadata": {"note": {note: ["gpt-4o"]}}
                }}
            }]
        }]
    });
    let guarded = Client::builder()
        .base_url(&base_url)
        .config(ascii_json(&config))
        .build()
        .map_err(|e| e.to_string())?;
    let allowed = chat(&guarded.with_options(RequestOptions::new().metadata_entries(metadata)))
        .json(&chat_request())
        .send_json::<Value>()
        .await
        .map_err(|e| format!("chat completion the guardrail allows: {e}"))?;
    assert_eq!(allowed["choices"][0]["message"]["content"], "Hello");
    let check = &allowed["hook_results"]["before_request_hooks"][0]["checks"][0];
    assert_eq!(
        check["data"]["explanation"],
        format!("Model \"gpt-4o\" is allowed by rules. (matched rules: note:{note})"),
        "{allowed}"
    );
    upstream.only();
    let other_note = RequestOptions::new().metadata("note", format!("{note}!"));
    match chat(&guarded.with_options(other_note))
        .json(&chat_request())
        .send_json::<Value>()
        .await
    {
        Err(Error::Api(e)) => {
            assert_eq!(e.status(), 446, "{e}");
            assert!(e.body_text().contains("is not allowed by rules"), "{e}");
        }
        other => return Err(format!("another note: expected 446, got {other:?}")),
    }
    assert!(
        upstream.take().is_empty(),
        "the guardrail let a request through"
    );

    // 4. The gateway's timeout, sent in milliseconds: an upstream slower than it gets a 408.
    let slow = MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(run("run_1", "queued"))
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&slow)
        .await;
    let impatient = Client::builder()
        .base_url(&base_url)
        .provider("openai")
        .provider_auth(UPSTREAM_KEY)
        .custom_host(format!("{}/v1", slow.uri()))
        .build()
        .map_err(|e| e.to_string())?
        .with_options(
            RequestOptions::new()
                .request_timeout(Duration::from_millis(300))
                .max_retries(0),
        );
    match create_run(&impatient, &request).await {
        Err(Error::Api(e)) => {
            assert_eq!(e.status(), 408, "{e}");
            assert!(e.body_text().contains("300ms"), "{e}");
        }
        other => return Err(format!("slow upstream: expected 408, got {other:?}")),
    }
    Ok(())
}
