//! Timeouts, retries, per-call options and response size limits, against a local mock
//! server.

use std::time::{Duration, Instant};

use portkey_client::runtime::{Runtime, RuntimeBuilder, SchemeKind, SecurityScheme};
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
    });
    let started = Instant::now();
    let err = get_json(&rt).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(1500));
}
