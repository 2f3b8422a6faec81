//! Behaviour of the hand-written runtime against a local mock server.

use std::time::Duration;

use portkey_client::runtime::{
    encode_path_segment, Runtime, RuntimeBuilder, SchemeKind, SecurityScheme,
};
use portkey_client::Error;
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::json;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

static SCHEMES: &[SecurityScheme] = &[
    SecurityScheme {
        id: "apiKey",
        kind: SchemeKind::ApiKeyHeader {
            header: "x-api-key",
        },
    },
    SecurityScheme {
        id: "bearer",
        kind: SchemeKind::Bearer,
    },
    SecurityScheme {
        id: "basic",
        kind: SchemeKind::Basic,
    },
    SecurityScheme {
        id: "other",
        kind: SchemeKind::ApiKeyHeader {
            header: "x-other-key",
        },
    },
];

const SECRET: &str = "sk-live-TOPSECRET-0123456789";

#[derive(Debug, Deserialize, PartialEq)]
struct Run {
    id: String,
    tools: Vec<Tool>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Tool {
    #[serde(rename = "type")]
    kind: ToolKind,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
enum ToolKind {
    CodeInterpreter,
    FileSearch,
}

fn runtime(base_url: &str) -> Runtime {
    let mut builder = RuntimeBuilder::new(base_url, SCHEMES);
    builder.credential("apiKey", SECRET);
    builder.build().expect("valid runtime")
}

/// A server that answers 200 `{}` to everything.
async fn ok_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    server
}

async fn only_request(server: &MockServer) -> wiremock::Request {
    let mut requests = server.received_requests().await.expect("recording enabled");
    assert_eq!(requests.len(), 1, "expected exactly one request");
    requests.remove(0)
}

fn header<'a>(request: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn base_url_joins_with_and_without_trailing_slash_and_prefix() {
    let server = ok_server().await;
    let uri = server.uri();
    let cases = [
        (uri.clone(), "/threads/x/runs"),
        (format!("{uri}/"), "/threads/x/runs"),
        (format!("{uri}/v1"), "/v1/threads/x/runs"),
        (format!("{uri}/v1/"), "/v1/threads/x/runs"),
    ];
    for (base, _) in &cases {
        let rt = runtime(base);
        assert_eq!(rt.base_url(), base.trim_end_matches('/'));
        rt.request(Method::GET, "/threads/x/runs", &[])
            .send_empty()
            .await
            .unwrap();
    }
    let received: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    let expected: Vec<&str> = cases.iter().map(|(_, p)| *p).collect();
    assert_eq!(received, expected);
}

#[tokio::test]
async fn path_segment_encoding_keeps_one_segment() {
    assert_eq!(encode_path_segment("a/b?c d"), "a%2Fb%3Fc%20d");
    assert_eq!(encode_path_segment("AZaz09-._~"), "AZaz09-._~");
    assert_eq!(encode_path_segment("é#%+"), "%C3%A9%23%25%2B");

    let server = ok_server().await;
    let rt = runtime(&format!("{}/v1", server.uri()));
    let path = format!("/items/{}/children", encode_path_segment("a/b?c d"));
    rt.request(Method::GET, &path, &[])
        .send_empty()
        .await
        .unwrap();
    let request = only_request(&server).await;
    assert_eq!(request.url.path(), "/v1/items/a%2Fb%3Fc%20d/children");
    assert_eq!(request.url.query(), None);
}

#[tokio::test]
async fn dot_segments_are_refused_before_sending() {
    let server = ok_server().await;
    let rt = runtime(&server.uri());
    let path = format!("/items/{}/children", encode_path_segment(".."));
    let err = rt
        .request(Method::DELETE, &path, &[])
        .send_empty()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn query_parameters_are_appended_and_percent_encoded() {
    let server = ok_server().await;
    let rt = runtime(&server.uri());
    rt.request(Method::GET, "/search", &[])
        .query("q", "a b&c=d/é")
        .query("limit", "10")
        .query("q", "again")
        .send_empty()
        .await
        .unwrap();
    let request = only_request(&server).await;
    assert_eq!(
        request.url.query(),
        Some("q=a%20b%26c%3Dd%2F%C3%A9&limit=10&q=again")
    );
}

#[tokio::test]
async fn only_configured_credentials_of_listed_schemes_are_sent() {
    let server = ok_server().await;
    let mut builder = RuntimeBuilder::new(&server.uri(), SCHEMES);
    builder.credential("apiKey", SECRET);
    builder.credential("bearer", "tok_123");
    builder.credential("basic", "user:pass");
    builder.credential("other", "other-secret");
    let rt = builder.build().unwrap();

    rt.request(Method::GET, "/a", &["apiKey", "bearer"])
        .send_empty()
        .await
        .unwrap();
    rt.request(Method::GET, "/b", &["basic"])
        .send_empty()
        .await
        .unwrap();
    rt.request(Method::GET, "/c", &[])
        .send_empty()
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    let [a, b, c] = &requests[..] else {
        panic!("expected three requests, got {}", requests.len());
    };
    assert_eq!(header(a, "x-api-key"), Some(SECRET));
    assert_eq!(header(a, "authorization"), Some("Bearer tok_123"));
    assert_eq!(header(a, "x-other-key"), None);

    assert_eq!(header(b, "authorization"), Some("Basic dXNlcjpwYXNz"));
    assert_eq!(header(b, "x-api-key"), None);
    assert_eq!(header(b, "x-other-key"), None);

    for name in ["x-api-key", "authorization", "x-other-key"] {
        assert_eq!(header(c, name), None, "{name} sent without being listed");
    }
}

#[tokio::test]
async fn listed_but_unconfigured_schemes_send_nothing() {
    let server = ok_server().await;
    let rt = RuntimeBuilder::new(&server.uri(), SCHEMES).build().unwrap();
    rt.request(Method::GET, "/a", &["apiKey", "bearer", "basic", "other"])
        .send_empty()
        .await
        .unwrap();
    let request = only_request(&server).await;
    for name in ["x-api-key", "authorization", "x-other-key"] {
        assert_eq!(header(&request, name), None);
    }
}

#[tokio::test]
async fn first_listed_scheme_wins_a_shared_header() {
    let server = ok_server().await;
    let mut builder = RuntimeBuilder::new(&server.uri(), SCHEMES);
    builder.credential("bearer", "tok_123");
    builder.credential("basic", "user:pass");
    let rt = builder.build().unwrap();
    rt.request(Method::GET, "/a", &["basic", "bearer"])
        .send_empty()
        .await
        .unwrap();
    let request = only_request(&server).await;
    let values: Vec<_> = request.headers.get_all("authorization").iter().collect();
    assert_eq!(values, ["Basic dXNlcjpwYXNz"]);
}

#[tokio::test]
async fn json_body_is_sent_with_content_type_and_response_decodes() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/threads/t1/runs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "run_1",
            "tools": [{"type": "code_interpreter"}, {"type": "file_search"}],
            "ignored": true
        })))
        .mount(&server)
        .await;
    let rt = runtime(&server.uri());
    let run: Run = rt
        .request(Method::POST, "/threads/t1/runs", &[])
        .header("x-custom", "hello")
        .json(&json!({"assistant_id": "asst_1", "stream": false}))
        .send_json()
        .await
        .unwrap();
    assert_eq!(
        run,
        Run {
            id: "run_1".into(),
            tools: vec![
                Tool {
                    kind: ToolKind::CodeInterpreter
                },
                Tool {
                    kind: ToolKind::FileSearch
                }
            ],
        }
    );
    let request = only_request(&server).await;
    assert_eq!(header(&request, "content-type"), Some("application/json"));
    assert_eq!(header(&request, "accept"), Some("application/json"));
    assert_eq!(header(&request, "x-custom"), Some("hello"));
    let body: serde_json::Value = request.body_json().unwrap();
    assert_eq!(body, json!({"assistant_id": "asst_1", "stream": false}));
}

#[tokio::test]
async fn send_bytes_returns_the_body_and_send_empty_accepts_204() {
    let server = MockServer::start().await;
    Mock::given(path("/file"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(vec![0u8, 1, 2, 255], "audio/mpeg")
                .insert_header("x-request-id", "req_file"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/gone"))
        .respond_with(ResponseTemplate::new(204).insert_header("x-portkey-trace-id", "trace_9"))
        .mount(&server)
        .await;
    let rt = runtime(&server.uri());
    let bytes = rt
        .request(Method::GET, "/file", &[])
        .send_bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..], &[0u8, 1, 2, 255]);
    rt.request(Method::DELETE, "/gone", &[])
        .send_empty()
        .await
        .unwrap();

    // The same with the response's metadata.
    let response = rt
        .request(Method::GET, "/file", &[])
        .send_bytes_with_response()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.header("content-type"), Some("audio/mpeg"));
    assert_eq!(response.request_id(), Some("req_file"));
    assert_eq!(&response.into_body()[..], &[0u8, 1, 2, 255]);
    let response = rt
        .request(Method::DELETE, "/gone", &[])
        .send_empty_with_response()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(response.request_id(), Some("trace_9"));
}

#[derive(Debug, Deserialize, PartialEq)]
struct MyErr {
    error: MyErrBody,
}

#[derive(Debug, Deserialize, PartialEq)]
struct MyErrBody {
    message: String,
    #[serde(rename = "type")]
    kind: String,
}

#[tokio::test]
async fn not_found_with_json_body_is_an_api_error() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("x-request-id", "req_123")
                .set_body_json(json!({
                    "error": {"message": "thread not found", "type": "not_found_error"}
                })),
        )
        .mount(&server)
        .await;
    let rt = runtime(&server.uri());
    let err = rt
        .request(Method::GET, "/threads/nope", &[])
        .send_json::<Run>()
        .await
        .unwrap_err();

    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(err.request_id(), Some("req_123"));
    assert!(!err.is_timeout());
    assert_eq!(
        err.to_string(),
        "HTTP 404 Not Found: thread not found (request id: req_123)"
    );
    let Error::Api(api) = &err else {
        panic!("expected Error::Api, got {err:?}");
    };
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert_eq!(api.request_id(), Some("req_123"));
    assert_eq!(api.headers()["x-request-id"], "req_123");
    assert_eq!(api.message().as_deref(), Some("thread not found"));
    assert_eq!(
        api.json().unwrap()["error"]["type"],
        json!("not_found_error")
    );
    assert!(api.body_text().contains("thread not found"));
    assert_eq!(
        api.decode::<MyErr>().unwrap(),
        MyErr {
            error: MyErrBody {
                message: "thread not found".into(),
                kind: "not_found_error".into()
            }
        }
    );
}

#[tokio::test]
async fn server_error_with_html_body_displays_one_bounded_line() {
    let html = format!(
        "<html>\n  <head><title>500 Internal Server Error</title></head>\n  <body>\n{}\n  </body>\n</html>\n",
        "<p>Something went wrong.</p>\n".repeat(50)
    );
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(500).set_body_raw(html.clone().into_bytes(), "text/html"),
        )
        .mount(&server)
        .await;
    let rt = runtime(&server.uri());
    let err = rt
        .request(Method::GET, "/x", &[])
        .send_json::<Run>()
        .await
        .unwrap_err();

    let Error::Api(api) = &err else {
        panic!("expected Error::Api, got {err:?}");
    };
    assert_eq!(api.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(api.json(), None);
    assert_eq!(api.message(), None);
    assert_eq!(api.body_text(), html);

    let shown = err.to_string();
    assert!(
        shown.starts_with(
            "HTTP 500 Internal Server Error: <html> <head><title>500 Internal Server Error"
        ),
        "{shown}"
    );
    assert!(!shown.contains('\n'), "{shown}");
    assert!(shown.ends_with('…'), "{shown}");
    assert!(
        shown.chars().count() <= 250,
        "{} chars",
        shown.chars().count()
    );
}

#[tokio::test]
async fn wrong_shaped_json_is_a_decode_error_naming_the_path() {
    let server = MockServer::start().await;
    Mock::given(path("/run"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "run_1",
            "tools": [{"type": "telepathy"}]
        })))
        .mount(&server)
        .await;
    Mock::given(path("/list"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!("not an object")))
        .mount(&server)
        .await;
    let rt = runtime(&server.uri());

    let err = rt
        .request(Method::GET, "/run", &[])
        .send_json::<Run>()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::OK));
    let Error::Decode(decode) = &err else {
        panic!("expected Error::Decode, got {err:?}");
    };
    assert_eq!(decode.path(), "tools[0].type");
    assert!(
        decode.message().contains("telepathy"),
        "{}",
        decode.message()
    );
    assert!(decode.body_snippet().starts_with(r#"{"id":"run_1""#));
    let shown = err.to_string();
    assert!(
        shown.starts_with(
            "could not decode response (HTTP 200) at tools[0].type: unknown variant `telepathy`"
        ),
        "{shown}"
    );
    assert!(shown.contains(r#"body starts: {"id":"run_1""#), "{shown}");
    let source = std::error::Error::source(&err).expect("keeps the serde_json error");
    assert!(source.is::<serde_json::Error>());

    let err = rt
        .request(Method::GET, "/list", &[])
        .send_json::<Run>()
        .await
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("expected Error::Decode, got {err:?}");
    };
    assert_eq!(decode.path(), ".");
}

#[tokio::test]
async fn invalid_credential_fails_build_without_revealing_it() {
    for scheme in ["apiKey", "bearer", "basic"] {
        let mut builder = RuntimeBuilder::new("https://api.example.com/v1", SCHEMES);
        builder.credential(scheme, format!("{SECRET}\r\nx-injected: 1"));
        let err = builder.build().unwrap_err();
        assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
        let shown = err.to_string();
        let debug = format!("{err:?}");
        assert!(shown.contains(scheme), "{shown}");
        assert!(!shown.contains("TOPSECRET"), "{shown}");
        assert!(!debug.contains("TOPSECRET"), "{debug}");
    }
}

#[tokio::test]
async fn build_rejects_unknown_schemes_and_bad_base_urls() {
    let mut builder = RuntimeBuilder::new("https://api.example.com", SCHEMES);
    builder.credential("nope", SECRET);
    let err = builder.build().unwrap_err();
    assert!(err.to_string().contains("`nope`"), "{err}");
    assert!(!format!("{err} {err:?}").contains("TOPSECRET"));

    for bad in ["ftp://api.example.com", "not a url", "/v1"] {
        let mut builder = RuntimeBuilder::new("https://api.example.com", SCHEMES);
        builder.base_url(bad);
        let err = builder.build().unwrap_err();
        assert!(matches!(err, Error::InvalidRequest(_)), "{bad}: {err:?}");
    }
}

#[tokio::test]
async fn debug_output_never_contains_secrets() {
    let mut builder = RuntimeBuilder::new("https://api.example.com/v1", SCHEMES);
    builder.credential("apiKey", SECRET);
    builder.credential("basic", format!("user:{SECRET}"));
    let builder_debug = format!("{builder:?}");
    assert!(!builder_debug.contains("TOPSECRET"), "{builder_debug}");
    assert!(builder_debug.contains("apiKey"), "{builder_debug}");

    let rt = builder.build().unwrap();
    let debug = format!("{rt:?}");
    assert!(!debug.contains("TOPSECRET"), "{debug}");
    assert!(debug.contains("https://api.example.com/v1"), "{debug}");
    assert!(
        debug.contains("apiKey") && debug.contains("basic"),
        "{debug}"
    );
    assert!(!debug.contains("bearer"), "{debug}");

    let request = rt
        .request(Method::GET, "/x", &["apiKey", "basic"])
        .header("x-other", SECRET);
    let request_debug = format!("{request:?}");
    assert!(!request_debug.contains("TOPSECRET"), "{request_debug}");
}

#[tokio::test]
async fn invalid_header_value_is_reported_at_send_without_sending() {
    let server = ok_server().await;
    let rt = runtime(&server.uri());
    let err = rt
        .request(Method::GET, "/x", &[])
        .header("x-trace", "a\r\nb")
        .query("later", "ignored")
        .send_empty()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(err.to_string().contains("x-trace"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let rt = runtime(&format!("http://127.0.0.1:{port}"));
    let err = rt
        .request(Method::GET, "/x", &["apiKey"])
        .send_empty()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.is_transport());
    assert!(!err.is_timeout());
    // One log line says what failed, where, and why.
    let line = err.to_string();
    assert!(line.starts_with("transport error: "), "{line}");
    assert!(line.contains(&format!("127.0.0.1:{port}")), "{line}");
    assert!(line.to_lowercase().contains("refused"), "{line}");
    assert!(!line.contains('\n'), "{line}");
    assert_eq!(err.status(), None);
    assert!(!format!("{err} {err:?}").contains("TOPSECRET"));
}

#[tokio::test]
async fn slow_server_with_client_timeout_is_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let mut builder = RuntimeBuilder::new(&server.uri(), SCHEMES);
    builder.http_client(client);
    let rt = builder.build().unwrap();
    let err = rt
        .request(Method::GET, "/slow", &[])
        .send_json::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(matches!(err, Error::Timeout(_)));
    assert!(std::error::Error::source(&err).is_some());
}

#[tokio::test]
async fn default_user_agent_unless_a_client_is_supplied() {
    let server = ok_server().await;
    runtime(&server.uri())
        .request(Method::GET, "/x", &[])
        .send_empty()
        .await
        .unwrap();
    let mut builder = RuntimeBuilder::new(&server.uri(), SCHEMES);
    builder.http_client(
        reqwest::Client::builder()
            .user_agent("my-app/2")
            .build()
            .unwrap(),
    );
    builder
        .build()
        .unwrap()
        .request(Method::GET, "/y", &[])
        .send_empty()
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    let expected = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));
    assert_eq!(header(&requests[0], "user-agent"), Some(expected));
    assert_eq!(header(&requests[1], "user-agent"), Some("my-app/2"));
}

#[tokio::test]
async fn redirects_to_another_origin_are_not_followed_with_credentials() {
    let elsewhere = ok_server().await;
    let server = MockServer::start().await;
    Mock::given(path("/moved"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/stolen", elsewhere.uri())),
        )
        .mount(&server)
        .await;
    Mock::given(path("/here"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/target"))
        .mount(&server)
        .await;
    Mock::given(path("/target"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&server)
        .await;
    let rt = runtime(&server.uri());

    let err = rt
        .request(Method::GET, "/moved", &["apiKey"])
        .send_empty()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::FOUND));
    assert!(elsewhere.received_requests().await.unwrap().is_empty());

    let value: serde_json::Value = rt
        .request(Method::GET, "/here", &["apiKey"])
        .send_json()
        .await
        .unwrap();
    assert_eq!(value, json!({"ok": true}));
}
