//! Portkey's gateway settings (`RequestOptions::trace_id`, `metadata`, ...; the fields of
//! `GatewayOptions`) against a local mock server: each arrives as its `x-portkey-*` header,
//! encoded as the gateway reads it; per-call settings override client-wide ones; a header
//! the request gets another way wins and is sent once; invalid settings fail before sending.

use std::collections::BTreeMap;
use std::time::Duration;

use portkey_client::runtime::{
    GatewayOptions, RequestOptions, Runtime, RuntimeBuilder, SchemeKind, SecurityScheme,
};
use portkey_client::types::CreateRunRequest;
use portkey_client::{Client, Error};
use reqwest::Method;
use serde_json::json;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

static SCHEMES: &[SecurityScheme] = &[SecurityScheme {
    id: "apiKey",
    kind: SchemeKind::ApiKeyHeader {
        header: "x-api-key",
    },
}];

/// Every header a gateway setting is sent as.
const GATEWAY_HEADERS: [&str; 10] = [
    "x-portkey-trace-id",
    "x-portkey-span-id",
    "x-portkey-parent-span-id",
    "x-portkey-span-name",
    "x-portkey-metadata",
    "x-portkey-cache-namespace",
    "x-portkey-cache-force-refresh",
    "x-portkey-forward-headers",
    "x-portkey-request-timeout",
    "x-portkey-strict-open-ai-compliance",
];

/// A server that answers 200 `{}` to everything.
async fn ok_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    server
}

/// A runtime with an API key and the client-wide gateway settings `configure` makes.
fn runtime_with(server: &MockServer, configure: impl FnOnce(&mut GatewayOptions)) -> Runtime {
    let mut builder = RuntimeBuilder::new(&server.uri(), SCHEMES);
    builder.credential("apiKey", "key-1");
    configure(builder.gateway_options_mut());
    builder.build().expect("valid runtime")
}

async fn send(rt: &Runtime) -> Result<(), Error> {
    rt.request(Method::POST, "/chat/completions", &["apiKey"])
        .send_empty()
        .await
}

async fn received(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.expect("recording enabled")
}

async fn only_request(server: &MockServer) -> wiremock::Request {
    let mut requests = received(server).await;
    assert_eq!(requests.len(), 1, "expected exactly one request");
    requests.remove(0)
}

/// Every value `name` arrived with: one element when it was sent once.
fn values<'a>(request: &'a wiremock::Request, name: &str) -> Vec<&'a str> {
    request
        .headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().expect("an ASCII header value"))
        .collect()
}

fn header<'a>(request: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    let all = values(request, name);
    assert!(all.len() <= 1, "{name} sent {} times: {all:?}", all.len());
    all.first().copied()
}

/// `x-portkey-metadata` parsed as the gateway parses it (`JSON.parse`).
fn metadata(request: &wiremock::Request) -> BTreeMap<String, String> {
    let text = header(request, "x-portkey-metadata").expect("x-portkey-metadata sent");
    serde_json::from_str(text).unwrap_or_else(|e| panic!("metadata is not JSON ({e}): {text}"))
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn each_setting_arrives_as_its_header() {
    let server = ok_server().await;
    let rt = runtime_with(&server, |_| {}).with_options(
        RequestOptions::new()
            .trace_id("trace-1")
            .span_id("span-2")
            .parent_span_id("span-1")
            .span_name("Summarise the thread")
            .metadata("_user", "user-42")
            .metadata_entries([("env", "prod"), ("team", "search")])
            .cache_namespace("tenant-7")
            .cache_force_refresh(true)
            .forward_headers(["X-Team-Id", "x-request-source"])
            .request_timeout(Duration::from_millis(2500))
            .strict_openai_compliance(false),
    );
    send(&rt).await.unwrap();
    let request = only_request(&server).await;
    for (name, expected) in [
        ("x-portkey-trace-id", "trace-1"),
        ("x-portkey-span-id", "span-2"),
        ("x-portkey-parent-span-id", "span-1"),
        ("x-portkey-span-name", "Summarise the thread"),
        ("x-portkey-cache-namespace", "tenant-7"),
        ("x-portkey-cache-force-refresh", "true"),
        // Header names are case-insensitive; the gateway lowercases them too.
        ("x-portkey-forward-headers", "x-team-id,x-request-source"),
        ("x-portkey-request-timeout", "2500"),
        ("x-portkey-strict-open-ai-compliance", "false"),
    ] {
        assert_eq!(header(&request, name), Some(expected), "{name}");
    }
    assert_eq!(
        metadata(&request),
        map(&[("_user", "user-42"), ("env", "prod"), ("team", "search")])
    );
    assert_eq!(header(&request, "x-api-key"), Some("key-1"));

    // The other values of the flags, and a timeout that is not whole milliseconds.
    let other = runtime_with(&server, |_| {}).with_options(
        RequestOptions::new()
            .cache_force_refresh(false)
            .strict_openai_compliance(true)
            .request_timeout(Duration::from_micros(1_999)),
    );
    send(&other).await.unwrap();
    let request = received(&server).await.pop().unwrap();
    assert_eq!(
        header(&request, "x-portkey-cache-force-refresh"),
        Some("false")
    );
    assert_eq!(
        header(&request, "x-portkey-strict-open-ai-compliance"),
        Some("true")
    );
    assert_eq!(header(&request, "x-portkey-request-timeout"), Some("1"));
}

#[tokio::test]
async fn unset_settings_send_nothing() {
    let server = ok_server().await;
    let plain = runtime_with(&server, |_| {});
    send(&plain).await.unwrap();
    // An empty list replaces the client's and forwards nothing.
    let client_list = runtime_with(&server, |g| {
        g.forward_headers = Some(vec!["x-team-id".to_owned()]);
    });
    send(&client_list.with_options(RequestOptions::new().forward_headers(Vec::<String>::new())))
        .await
        .unwrap();
    for request in received(&server).await {
        for name in GATEWAY_HEADERS {
            assert_eq!(header(&request, name), None, "{name}");
        }
    }
}

#[tokio::test]
async fn per_call_settings_override_client_wide_ones_and_metadata_merges_by_key() {
    let server = ok_server().await;
    let client = runtime_with(&server, |g| {
        g.trace_id = Some("client-trace".to_owned());
        g.span_name = Some("client span".to_owned());
        g.metadata = map(&[("_user", "client-user"), ("env", "prod")]);
        g.forward_headers = Some(vec!["x-a".to_owned(), "x-b".to_owned()]);
        g.strict_openai_compliance = Some(false);
    });
    let call = client.with_options(
        RequestOptions::new()
            .trace_id("call-trace")
            .metadata("_user", "call-user")
            .metadata("feature", "summary")
            .forward_headers(["x-c"]),
    );
    // Layered once more: the last layer's settings win.
    let nested = call.with_options(
        RequestOptions::new()
            .metadata("feature", "nested")
            .strict_openai_compliance(true),
    );
    send(&call).await.unwrap();
    send(&client).await.unwrap();
    send(&nested).await.unwrap();

    let requests = received(&server).await;
    let [call, client, nested] = &requests[..] else {
        panic!("expected three requests, got {}", requests.len());
    };
    assert_eq!(header(call, "x-portkey-trace-id"), Some("call-trace"));
    assert_eq!(header(call, "x-portkey-span-name"), Some("client span"));
    assert_eq!(
        metadata(call),
        map(&[
            ("_user", "call-user"),
            ("env", "prod"),
            ("feature", "summary")
        ])
    );
    assert_eq!(header(call, "x-portkey-forward-headers"), Some("x-c"));
    assert_eq!(
        header(call, "x-portkey-strict-open-ai-compliance"),
        Some("false")
    );

    // The client's own requests are unchanged by the calls made with options.
    assert_eq!(header(client, "x-portkey-trace-id"), Some("client-trace"));
    assert_eq!(
        metadata(client),
        map(&[("_user", "client-user"), ("env", "prod")])
    );
    assert_eq!(header(client, "x-portkey-forward-headers"), Some("x-a,x-b"));

    assert_eq!(header(nested, "x-portkey-trace-id"), Some("call-trace"));
    assert_eq!(
        metadata(nested),
        map(&[
            ("_user", "call-user"),
            ("env", "prod"),
            ("feature", "nested")
        ])
    );
    assert_eq!(
        header(nested, "x-portkey-strict-open-ai-compliance"),
        Some("true")
    );
}

#[tokio::test]
async fn metadata_with_awkward_characters_reads_back_exactly() {
    let awkward = [
        ("_user", "user \"quoted\" \\ back\\slash"),
        ("multi-line", "first line\nsecond line\r\n\ttabbed"),
        ("non-ASCII", "Zoë → 東京 ✓"),
        ("emoji", "😀 and 𝄞"),
        (
            "controls",
            "nul \u{0} bell \u{7} del \u{7f} line separator \u{2028}",
        ),
        ("key with \"quotes\", {braces}: and\nnewline", ""),
        ("empty value", ""),
    ];
    let server = ok_server().await;
    let rt = runtime_with(&server, |g| {
        g.metadata = map(&awkward[..3]);
    })
    .with_options(RequestOptions::new().metadata_entries(awkward[3..].iter().copied()));
    send(&rt).await.unwrap();
    let request = only_request(&server).await;
    let raw = header(&request, "x-portkey-metadata").unwrap();
    // Sent as ASCII: a header carries bytes, which the gateway would read as Latin-1.
    assert!(raw.bytes().all(|b| (b' '..=b'~').contains(&b)), "{raw}");
    assert!(raw.contains(r#"Zo\u00eb"#), "{raw}");
    assert!(raw.contains(r#"\ud83d\ude00"#), "{raw}");
    assert!(raw.contains(r#"first line\nsecond line"#), "{raw}");
    assert_eq!(metadata(&request), map(&awkward));
}

#[tokio::test]
async fn a_header_the_request_sets_is_sent_once_and_wins() {
    let server = ok_server().await;
    let rt = runtime_with(&server, |g| {
        g.trace_id = Some("client-typed".to_owned());
        g.metadata = map(&[("from", "typed")]);
    });

    // 1. An operation's header parameter over a typed setting, client-wide or per call.
    let typed = rt.with_options(RequestOptions::new().trace_id("call-typed"));
    for handle in [&rt, &typed] {
        handle
            .request(Method::POST, "/chat/completions", &["apiKey"])
            .header("x-portkey-trace-id", "operation")
            .header("x-portkey-metadata", r#"{"from":"operation"}"#)
            .send_empty()
            .await
            .unwrap();
    }
    // 2. A raw header option over a typed setting, even a typed one of a later layer; an
    //    operation's header parameter over both.
    let raw = rt.with_options(RequestOptions::new().header("x-portkey-trace-id", "raw"));
    let raw_then_typed = raw.with_options(RequestOptions::new().trace_id("later-typed"));
    send(&raw).await.unwrap();
    send(&raw_then_typed).await.unwrap();
    raw.request(Method::POST, "/chat/completions", &["apiKey"])
        .header("x-portkey-trace-id", "operation")
        .send_empty()
        .await
        .unwrap();
    // 3. A raw header option still replaces a credential.
    let key = rt.with_options(RequestOptions::new().header("x-api-key", "per-call-key"));
    send(&key).await.unwrap();

    let requests = received(&server).await;
    let traces: Vec<Vec<&str>> = requests
        .iter()
        .map(|r| values(r, "x-portkey-trace-id"))
        .collect();
    assert_eq!(
        traces,
        [
            vec!["operation"],
            vec!["operation"],
            vec!["raw"],
            vec!["raw"],
            vec!["operation"],
            vec!["client-typed"],
        ]
    );
    for request in &requests[..2] {
        assert_eq!(
            values(request, "x-portkey-metadata"),
            [r#"{"from":"operation"}"#]
        );
    }
    assert_eq!(
        values(&requests[2], "x-portkey-metadata"),
        [r#"{"from":"typed"}"#]
    );
    assert_eq!(values(&requests[5], "x-api-key"), ["per-call-key"]);
}

#[tokio::test]
async fn invalid_per_call_settings_fail_before_sending() {
    let server = ok_server().await;
    let rt = runtime_with(&server, |_| {});
    let cases = [
        (RequestOptions::new().trace_id("line\nbreak"), "`trace_id`"),
        (RequestOptions::new().trace_id(""), "`trace_id`"),
        (RequestOptions::new().span_id("tab\there"), "`span_id`"),
        (
            RequestOptions::new().parent_span_id("\u{7f}"),
            "`parent_span_id`",
        ),
        (RequestOptions::new().span_name("Résumé"), "`span_name`"),
        (
            RequestOptions::new().cache_namespace("a\r\nx-injected: 1"),
            "`cache_namespace`",
        ),
        (
            RequestOptions::new().forward_headers(["x-ok", "not a name"]),
            "`forward_headers`",
        ),
        (
            RequestOptions::new().forward_headers(["x-a,x-b"]),
            "`forward_headers`",
        ),
        (
            RequestOptions::new().forward_headers([""]),
            "`forward_headers`",
        ),
        (
            RequestOptions::new().request_timeout(Duration::from_micros(999)),
            "`request_timeout`",
        ),
    ];
    for (options, setting) in cases {
        let shown = format!("{options:?}");
        let err = send(&rt.with_options(options)).await.unwrap_err();
        assert!(matches!(err, Error::InvalidRequest(_)), "{shown}: {err:?}");
        assert!(err.to_string().contains(setting), "{shown}: {err}");
    }
    // A valid setting does not make up for an invalid one.
    let err = send(&rt.with_options(RequestOptions::new().trace_id("fine").span_name("bad\u{0}")))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("`span_name`"), "{err}");
    // The message names the setting, not its value.
    let err = send(&rt.with_options(RequestOptions::new().trace_id("sk-SECRET\n")))
        .await
        .unwrap_err();
    assert!(!err.to_string().contains("SECRET"), "{err}");

    assert!(received(&server).await.is_empty(), "a request was sent");
}

#[tokio::test]
async fn invalid_client_wide_settings_fail_build() {
    type Configure = fn(&mut GatewayOptions);
    let cases: [(Configure, &str); 3] = [
        (|g| g.trace_id = Some("a\nb".to_owned()), "`trace_id`"),
        (
            |g| g.forward_headers = Some(vec!["x a".to_owned()]),
            "`forward_headers`",
        ),
        (
            |g| g.request_timeout = Some(Duration::ZERO),
            "`request_timeout`",
        ),
    ];
    for (configure, setting) in cases {
        let mut builder = RuntimeBuilder::new("https://api.example.com", SCHEMES);
        configure(builder.gateway_options_mut());
        let err = builder.build().unwrap_err();
        assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
        assert!(err.to_string().contains(setting), "{err}");
    }
}

#[tokio::test]
async fn debug_shows_settings_but_not_metadata_values_or_raw_header_values() {
    let options = RequestOptions::new()
        .trace_id("trace-visible")
        .metadata("email", "someone@example.com")
        .header("x-portkey-api-key", "pk-SECRET");
    let shown = format!("{options:?}");
    assert!(shown.contains("trace-visible"), "{shown}");
    assert!(shown.contains("email"), "{shown}");
    assert!(!shown.contains("someone@example.com"), "{shown}");
    assert!(!shown.contains("SECRET"), "{shown}");

    let mut builder = RuntimeBuilder::new("https://api.example.com", SCHEMES);
    builder.gateway_options_mut().metadata = map(&[("email", "someone@example.com")]);
    let shown = format!("{builder:?}");
    assert!(shown.contains("email"), "{shown}");
    assert!(!shown.contains("someone@example.com"), "{shown}");
    let rt = builder.build().unwrap().with_options(options);
    let shown = format!("{rt:?}");
    assert!(shown.contains("trace-visible"), "{shown}");
    assert!(!shown.contains("someone@example.com"), "{shown}");
    assert!(!shown.contains("SECRET"), "{shown}");
}

/// A run as the API returns it, enough to decode.
fn run_body() -> serde_json::Value {
    json!({
        "id": "run_1", "object": "thread.run", "created_at": 1699063290,
        "assistant_id": "asst_abc123", "thread_id": "thread_abc123", "status": "queued",
        "required_action": null, "last_error": null, "expires_at": null, "started_at": null,
        "cancelled_at": null, "failed_at": null, "completed_at": null,
        "incomplete_details": null, "model": "gpt-4o", "instructions": null, "tools": [],
        "metadata": {}, "usage": null, "temperature": 1.0, "top_p": 1.0,
        "max_prompt_tokens": null, "max_completion_tokens": null,
        "truncation_strategy": {"type": "auto", "last_messages": null},
        "tool_choice": "auto", "parallel_tool_calls": true, "response_format": "auto"
    })
}

#[tokio::test]
async fn the_generated_client_sends_builder_and_per_call_settings() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(run_body()))
        .mount(&server)
        .await;
    // The generated `ClientBuilder` has the same setters as `RequestOptions`.
    let client = Client::builder()
        .base_url(server.uri())
        .api_key("pk-1")
        .trace_id("client-trace")
        .metadata("env", "prod")
        .metadata("_user", "client-user")
        .strict_openai_compliance(false)
        .build()
        .unwrap();
    let traced = client.with_options(
        RequestOptions::new()
            .trace_id("call-trace")
            .metadata("_user", "user-42"),
    );
    let request = CreateRunRequest {
        assistant_id: "asst_abc123".to_owned(),
        ..Default::default()
    };
    traced
        .assistants()
        .create_run("thread_abc123", &request)
        .await
        .unwrap();
    client
        .assistants()
        .create_run("thread_abc123", &request)
        .await
        .unwrap();
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    assert_eq!(
        header(&requests[0], "x-portkey-trace-id"),
        Some("call-trace")
    );
    assert_eq!(
        metadata(&requests[0]),
        map(&[("_user", "user-42"), ("env", "prod")])
    );
    assert_eq!(header(&requests[0], "x-portkey-api-key"), Some("pk-1"));
    assert_eq!(
        header(&requests[1], "x-portkey-trace-id"),
        Some("client-trace")
    );
    assert_eq!(
        metadata(&requests[1]),
        map(&[("_user", "client-user"), ("env", "prod")])
    );
    for request in &requests {
        assert_eq!(
            header(request, "x-portkey-strict-open-ai-compliance"),
            Some("false")
        );
    }

    // An invalid client-wide setting fails `build`, naming it.
    let err = Client::builder()
        .forward_headers(["x-fine", "not fine"])
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(err.to_string().contains("`forward_headers`"), "{err}");
}

/// `RequestOptions::query` adds parameters the spec does not declare to every request of a
/// handle, beside the request's own, percent-encoded; layered handles add theirs too, and
/// `Debug` names them without their values.
#[tokio::test]
async fn option_query_parameters_are_sent_beside_the_requests_own() {
    let server = ok_server().await;
    let rt = runtime_with(&server, |_| {})
        .with_options(RequestOptions::new().query("session label", "a&b=c"))
        .with_options(RequestOptions::new().query("tier", "gold"));
    rt.request(Method::GET, "/realtime", &["apiKey"])
        .query("model", "gpt-4o")
        .send_empty()
        .await
        .expect("sent");
    let request = only_request(&server).await;
    assert_eq!(
        request.url.query(),
        Some("session%20label=a%26b%3Dc&tier=gold&model=gpt-4o")
    );
    let options = RequestOptions::new().query("token", "secret-value");
    let shown = format!("{options:?}");
    assert!(shown.contains("\"token\""), "{shown}");
    assert!(!shown.contains("secret-value"), "{shown}");
}
