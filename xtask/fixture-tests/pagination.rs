//! The paging methods the generator writes, run against a loopback server: the crate
//! generated from `generator/tests/fixtures/pagination.yaml`, one listing of each shape.
//! `cargo xtask`'s fixture crate test copies this file into a package beside the fixture
//! crates and runs it.

use fixture_pagination::pagination::Position;
use fixture_pagination::types::*;
use fixture_pagination::{Client, Error};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .max_retries(0)
        .build()
        .expect("a client")
}

/// Serves `body` at `route` to requests whose query has `key=value`, or lacks `key`.
async fn page(server: &MockServer, route: &str, key: &str, value: Option<&str>, body: Value) {
    let mock = Mock::given(method("GET")).and(path(route));
    let mock = match value {
        Some(v) => mock.and(query_param(key, v)),
        None => mock.and(query_param_is_missing(key)),
    };
    mock.respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

/// The query of each request the server got, in order.
async fn queries(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .expect("requests are recorded")
        .iter()
        .map(|r| r.url.query().unwrap_or_default().to_string())
        .collect()
}

fn item(id: &str) -> Value {
    json!({"id": id})
}

#[tokio::test]
async fn cursor_listing_follows_last_id_and_keeps_the_callers_parameters() {
    let server = MockServer::start().await;
    let first =
        json!({"object": "list", "data": [item("a"), item("b")], "last_id": "b", "has_more": true});
    let second = json!({"object": "list", "data": [item("c")], "last_id": "c", "has_more": false});
    page(&server, "/items", "after", None, first).await;
    page(&server, "/items", "after", Some("b"), second).await;

    let params = ListItemsParams {
        limit: Some(2),
        order: Some(ListItemsOrder::Asc),
        x_portkey_trace_id: Some("trace-1".into()),
        ..Default::default()
    };
    let client = client(&server);
    let mut items = client.items().list_items_stream(&params);
    // Backpressure: page 2 is asked for only once page 1's items are taken.
    assert_eq!(items.next().await.unwrap().unwrap().id, "a");
    assert_eq!(items.next().await.unwrap().unwrap().id, "b");
    assert_eq!(queries(&server).await.len(), 1);
    assert_eq!(items.next().await.unwrap().unwrap().id, "c");
    assert!(items.next().await.is_none());
    assert_eq!(
        queries(&server).await,
        ["limit=2&order=asc", "limit=2&order=asc&after=b"]
    );
    let requests = server.received_requests().await.unwrap();
    assert!(requests
        .iter()
        .all(|r| r.headers.get("x-portkey-trace-id").unwrap() == "trace-1"));
}

#[tokio::test]
async fn cursor_listing_starts_at_the_callers_cursor_and_reads_pages_with_their_metadata() {
    let server = MockServer::start().await;
    let body = json!({"object": "list", "data": [item("y")], "first_id": "y", "last_id": "y", "has_more": false});
    page(&server, "/items", "after", Some("x"), body).await;
    let params = ListItemsParams {
        after: Some("x".into()),
        ..Default::default()
    };
    let pages: Vec<ListItemsResponse> = client(&server)
        .items()
        .list_items_pages(&params)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].first_id.as_deref(), Some("y"));
    assert_eq!(queries(&server).await, ["after=x"]);
}

#[tokio::test]
async fn cursor_listing_without_last_id_continues_after_the_last_item() {
    let server = MockServer::start().await;
    let route = "/items/it%201/events";
    page(
        &server,
        route,
        "after",
        None,
        json!({"data": [item("e1"), item("e2")]}),
    )
    .await;
    page(
        &server,
        route,
        "after",
        Some("e2"),
        json!({"data": [item("e3")]}),
    )
    .await;
    page(&server, route, "after", Some("e3"), json!({"data": []})).await;
    let ids: Vec<Option<String>> = client(&server)
        .items()
        .list_item_events_stream("it 1", &ListItemEventsParams::default())
        .map_ok(|e| e.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        ids,
        [Some("e1".into()), Some("e2".into()), Some("e3".into())]
    );
    assert_eq!(queries(&server).await, ["", "after=e2", "after=e3"]);
}

#[tokio::test]
async fn a_repeated_cursor_ends_the_stream_with_an_error() {
    let server = MockServer::start().await;
    let first = json!({"object": "list", "data": [item("a")], "last_id": "b", "has_more": true});
    let again = json!({"object": "list", "data": [item("c")], "last_id": "b", "has_more": true});
    page(&server, "/items", "after", None, first).await;
    page(&server, "/items", "after", Some("b"), again).await;
    let got: Vec<Result<Item, Error>> = client(&server)
        .items()
        .list_items_stream(&ListItemsParams::default())
        .collect()
        .await;
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(
        matches!(&got[2], Err(e @ Error::Pagination(_)) if e.to_string().contains("cursor `b` a second time")),
        "{got:?}"
    );
    assert_eq!(queries(&server).await, ["", "after=b"]);
}

#[tokio::test]
async fn a_server_ignoring_the_cursor_ends_the_stream_with_an_error() {
    let server = MockServer::start().await;
    let same = json!({"object": "list", "data": [item("a")], "last_id": "a", "has_more": true});
    Mock::given(method("GET"))
        .and(path("/items"))
        .respond_with(ResponseTemplate::new(200).set_body_json(same))
        .mount(&server)
        .await;
    let got: Vec<Result<Item, Error>> = client(&server)
        .items()
        .list_items_stream(&ListItemsParams::default())
        .collect()
        .await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(matches!(got[1], Err(Error::Pagination(_))), "{got:?}");
    assert_eq!(queries(&server).await, ["", "after=a"]);
}

#[tokio::test]
async fn page_numbers_from_zero_stop_at_the_total() {
    let server = MockServer::start().await;
    let first = json!({"total": 3, "data": [item("p1"), item("p2")]});
    page(&server, "/projects", "current_page", Some("0"), first).await;
    page(
        &server,
        "/projects",
        "current_page",
        Some("1"),
        json!({"total": 3, "data": [item("p3")]}),
    )
    .await;
    let params = ListProjectsParams {
        workspace_id: Some("ws 1".into()),
        page_size: Some(2),
        ..Default::default()
    };
    let items: Vec<Item> = client(&server)
        .pages()
        .list_projects_stream(&params)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(
        queries(&server).await,
        [
            "workspace_id=ws%201&current_page=0&page_size=2",
            "workspace_id=ws%201&current_page=1&page_size=2"
        ]
    );
}

#[tokio::test]
async fn page_numbers_from_one_stop_when_there_is_no_more() {
    let server = MockServer::start().await;
    page(
        &server,
        "/members",
        "page",
        Some("1"),
        json!({"data": ["m1"], "has_more": true}),
    )
    .await;
    page(
        &server,
        "/members",
        "page",
        Some("2"),
        json!({"data": ["m2"], "has_more": false}),
    )
    .await;
    let members: Vec<String> = client(&server)
        .pages()
        .list_members_stream(&ListMembersParams::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(members, ["m1", "m2"]);
    assert_eq!(queries(&server).await, ["page=1", "page=2"]);
}

#[tokio::test]
async fn a_failed_page_is_the_last_item() {
    let server = MockServer::start().await;
    page(
        &server,
        "/members",
        "page",
        Some("1"),
        json!({"data": ["m1"], "has_more": true}),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/members"))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(500).set_body_string("down"))
        .mount(&server)
        .await;
    let mut pages = client(&server)
        .pages()
        .list_members_pages(&ListMembersParams::default());
    assert_eq!(pages.next().await.unwrap().unwrap().data, ["m1"]);
    let err = pages.next().await.unwrap().unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert!(pages.next().await.is_none());
    assert_eq!(pages.position(), Some(&Position::Page(2)));
}

#[tokio::test]
async fn offsets_advance_by_the_items_received_on_the_client_itself() {
    let server = MockServer::start().await;
    let list = |ids: &[&str]| json!({"object": "list", "data": ids.iter().map(|i| item(i)).collect::<Vec<_>>()});
    page(&server, "/models", "offset", Some("5"), list(&["m1", "m2"])).await;
    page(&server, "/models", "offset", Some("7"), list(&["m3"])).await;
    page(&server, "/models", "offset", Some("8"), list(&[])).await;
    let params = ListModelsParams {
        limit: Some(2),
        offset: Some(5),
    };
    let models: Vec<Item> = client(&server)
        .list_models_stream(&params)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(models.len(), 3);
    assert_eq!(
        queries(&server).await,
        ["limit=2&offset=5", "limit=2&offset=7", "limit=2&offset=8"]
    );
}

#[tokio::test]
async fn a_stated_listing_pages_as_x_pagination_says() {
    let server = MockServer::start().await;
    page(
        &server,
        "/reports",
        "p",
        Some("1"),
        json!({"rows": [item("r1"), item("r2")], "row_count": 3.0}),
    )
    .await;
    page(
        &server,
        "/reports",
        "p",
        Some("2"),
        json!({"rows": [item("r3")], "row_count": 3.0}),
    )
    .await;
    let rows: Vec<Item> = client(&server)
        .pages()
        .list_reports_stream(&ListReportsParams::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(queries(&server).await, ["p=1", "p=2"]);
}
