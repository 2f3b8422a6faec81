//! Portkey's gateway settings on a generated client (the pagination fixture's, whose `listItems`
//! declares `x-portkey-trace-id` as a header parameter), against a loopback server.

use fixture_pagination::runtime::RequestOptions;
use fixture_pagination::types::ListItemsParams;
use fixture_pagination::Client;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/items"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"object": "list", "data": [], "has_more": false})),
        )
        .mount(&server)
        .await;
    server
}

/// The values of `name` in each request the server got.
async fn sent(server: &MockServer, name: &str) -> Vec<Vec<String>> {
    server
        .received_requests()
        .await
        .expect("requests are recorded")
        .iter()
        .map(|r| {
            r.headers
                .get_all(name)
                .iter()
                .map(|v| v.to_str().unwrap_or_default().to_string())
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn builder_and_per_call_settings_reach_the_server_and_a_header_parameter_wins_once() {
    let server = server().await;
    let client = Client::builder()
        .base_url(server.uri())
        .trace_id("from-the-client")
        .metadata("_user", "u1")
        .build()
        .expect("a client");
    let items = client.items();
    items.list_items(&ListItemsParams::default()).await.unwrap();
    let per_call = client.with_options(RequestOptions::new().trace_id("from-the-call"));
    per_call
        .items()
        .list_items(&ListItemsParams::default())
        .await
        .unwrap();
    let param = ListItemsParams {
        x_portkey_trace_id: Some("from-the-parameter".into()),
        ..Default::default()
    };
    per_call.items().list_items(&param).await.unwrap();

    assert_eq!(
        sent(&server, "x-portkey-trace-id").await,
        [
            vec!["from-the-client".to_string()],
            vec!["from-the-call".to_string()],
            vec!["from-the-parameter".to_string()],
        ]
    );
    let metadata = sent(&server, "x-portkey-metadata").await;
    assert!(
        metadata
            .iter()
            .all(|m| m == &[r#"{"_user":"u1"}"#.to_string()]),
        "{metadata:?}"
    );
}

#[tokio::test]
async fn an_invalid_setting_fails_the_build() {
    let err = Client::builder()
        .trace_id("line\nbreak")
        .build()
        .expect_err("a trace id with a newline cannot be a header");
    assert!(err.to_string().contains("trace_id"), "{err}");
}
