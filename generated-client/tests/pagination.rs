//! Listings read page by page ([`Pages`], [`Items`]) against a local mock server, with glue
//! written as the generated `…_pages` and `…_stream` methods write it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_core::Stream;
use futures_util::StreamExt;
use portkey_client::error::PaginationError;
use portkey_client::pagination::{Items, PageInfo, Pages, Position};
use portkey_client::{Client, Error};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

// ---------------------------------------------------------------------------------------
// The client side: params, pages and the glue the generator writes for each listing.

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Item {
    id: String,
}

fn client(server: &MockServer, max_retries: u32) -> Client {
    Client::builder()
        .base_url(server.uri())
        .max_retries(max_retries)
        .build()
        .unwrap()
}

/// `GET /assistants`: a cursor listing answering `has_more` and `last_id`.
#[derive(Debug, Clone, Default)]
struct ListAssistantsParams {
    limit: Option<u32>,
    order: Option<String>,
    after: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ListAssistantsResponse {
    object: String,
    data: Vec<Item>,
    first_id: Option<String>,
    last_id: Option<String>,
    has_more: bool,
}

async fn list_assistants(
    client: &Client,
    params: &ListAssistantsParams,
) -> Result<ListAssistantsResponse, Error> {
    let mut request = client.runtime().request(Method::GET, "/assistants", &[]);
    if let Some(limit) = params.limit {
        request = request.query("limit", &limit.to_string());
    }
    if let Some(order) = &params.order {
        request = request.query("order", order);
    }
    if let Some(after) = &params.after {
        request = request.query("after", after);
    }
    request.send_json().await
}

fn list_assistants_pages(
    client: &Client,
    params: &ListAssistantsParams,
) -> Pages<ListAssistantsResponse> {
    let client = client.clone();
    let params = params.clone();
    let start = Position::Cursor(params.after.clone());
    Pages::new(
        start,
        0,
        |page: &ListAssistantsResponse| PageInfo {
            items: page.data.len(),
            has_more: Some(page.has_more),
            next_cursor: page
                .last_id
                .clone()
                .or_else(|| page.data.last().map(|i| i.id.clone())),
            total: None,
        },
        move |position| {
            let client = client.clone();
            let mut params = params.clone();
            if let Position::Cursor(cursor) = position {
                params.after = cursor;
            }
            async move { list_assistants(&client, &params).await }
        },
    )
}

fn list_assistants_stream(client: &Client, params: &ListAssistantsParams) -> Items<Item> {
    list_assistants_pages(client, params).items(|page| page.data)
}

/// `GET /files`: a cursor listing answering only `data`; the next cursor is the last
/// item's id.
#[derive(Debug, Clone, Default)]
struct ListFilesParams {
    purpose: Option<String>,
    limit: Option<u32>,
    after: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ListFilesResponse {
    data: Vec<Item>,
}

fn list_files_stream(client: &Client, params: &ListFilesParams) -> Items<Item> {
    let client = client.clone();
    let params = params.clone();
    let start = Position::Cursor(params.after.clone());
    Pages::new(
        start,
        0,
        |page: &ListFilesResponse| PageInfo {
            items: page.data.len(),
            has_more: None,
            next_cursor: page.data.last().map(|i| i.id.clone()),
            total: None,
        },
        move |position| {
            let client = client.clone();
            let mut params = params.clone();
            if let Position::Cursor(cursor) = position {
                params.after = cursor;
            }
            async move {
                let mut request = client.runtime().request(Method::GET, "/files", &[]);
                if let Some(purpose) = &params.purpose {
                    request = request.query("purpose", purpose);
                }
                if let Some(limit) = params.limit {
                    request = request.query("limit", &limit.to_string());
                }
                if let Some(after) = &params.after {
                    request = request.query("after", after);
                }
                request.send_json::<ListFilesResponse>().await
            }
        },
    )
    .items(|page| page.data)
}

/// `GET /logs`: a page-number listing from 0 (`current_page`, `page_size`) answering the
/// `total`.
#[derive(Debug, Clone, Default)]
struct ListLogsParams {
    workspace_id: Option<String>,
    page_size: Option<u32>,
    current_page: Option<u64>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ListLogsResponse {
    data: Vec<Item>,
    total: u64,
}

fn list_logs_pages(client: &Client, params: &ListLogsParams) -> Pages<ListLogsResponse> {
    let client = client.clone();
    let params = params.clone();
    let start = Position::Page(params.current_page.unwrap_or(0));
    Pages::new(
        start,
        0,
        |page: &ListLogsResponse| PageInfo {
            items: page.data.len(),
            has_more: None,
            next_cursor: None,
            total: Some(page.total),
        },
        move |position| {
            let client = client.clone();
            let mut params = params.clone();
            if let Position::Page(page) = position {
                params.current_page = Some(page);
            }
            async move {
                let mut request = client.runtime().request(Method::GET, "/logs", &[]);
                if let Some(workspace_id) = &params.workspace_id {
                    request = request.query("workspace_id", workspace_id);
                }
                if let Some(page_size) = params.page_size {
                    request = request.query("page_size", &page_size.to_string());
                }
                if let Some(current_page) = params.current_page {
                    request = request.query("current_page", &current_page.to_string());
                }
                request.send_json().await
            }
        },
    )
}

/// `GET /prompts`: a page-number listing from 1 (`page`, `page_size`) answering
/// `has_more`.
#[derive(Debug, Clone, Default)]
struct ListPromptsParams {
    page: Option<u64>,
    page_size: Option<u32>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ListPromptsResponse {
    data: Vec<Item>,
    has_more: bool,
}

fn list_prompts_pages(client: &Client, params: &ListPromptsParams) -> Pages<ListPromptsResponse> {
    let client = client.clone();
    let params = params.clone();
    let start = Position::Page(params.page.unwrap_or(1));
    Pages::new(
        start,
        1,
        |page: &ListPromptsResponse| PageInfo {
            items: page.data.len(),
            has_more: Some(page.has_more),
            next_cursor: None,
            total: None,
        },
        move |position| {
            let client = client.clone();
            let mut params = params.clone();
            if let Position::Page(page) = position {
                params.page = Some(page);
            }
            async move {
                let mut request = client.runtime().request(Method::GET, "/prompts", &[]);
                if let Some(page) = params.page {
                    request = request.query("page", &page.to_string());
                }
                if let Some(page_size) = params.page_size {
                    request = request.query("page_size", &page_size.to_string());
                }
                request.send_json().await
            }
        },
    )
}

fn list_prompts_stream(client: &Client, params: &ListPromptsParams) -> Items<Item> {
    list_prompts_pages(client, params).items(|page| page.data)
}

/// `GET /traces`: an offset listing (`offset`, `limit`) answering `data` and, from some
/// servers, the `total`.
#[derive(Debug, Clone, Default)]
struct ListTracesParams {
    limit: Option<u32>,
    offset: Option<u64>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ListTracesResponse {
    data: Vec<Item>,
    total: Option<u64>,
}

fn list_traces_pages(client: &Client, params: &ListTracesParams) -> Pages<ListTracesResponse> {
    let client = client.clone();
    let params = params.clone();
    let start = Position::Offset(params.offset.unwrap_or(0));
    Pages::new(
        start,
        0,
        |page: &ListTracesResponse| PageInfo {
            items: page.data.len(),
            has_more: None,
            next_cursor: None,
            total: page.total,
        },
        move |position| {
            let client = client.clone();
            let mut params = params.clone();
            if let Position::Offset(offset) = position {
                params.offset = Some(offset);
            }
            async move {
                let mut request = client.runtime().request(Method::GET, "/traces", &[]);
                if let Some(limit) = params.limit {
                    request = request.query("limit", &limit.to_string());
                }
                if let Some(offset) = params.offset {
                    request = request.query("offset", &offset.to_string());
                }
                request.send_json().await
            }
        },
    )
}

fn list_traces_stream(client: &Client, params: &ListTracesParams) -> Items<Item> {
    list_traces_pages(client, params).items(|page| page.data)
}

/// `GET /batches`: a cursor listing whose `last_id` and `has_more` may each be missing.
#[derive(Debug, Serialize, Deserialize)]
struct ListBatchesResponse {
    data: Vec<Item>,
    last_id: Option<String>,
    has_more: Option<bool>,
}

fn list_batches_pages(client: &Client, after: Option<&str>) -> Pages<ListBatchesResponse> {
    let client = client.clone();
    Pages::new(
        Position::Cursor(after.map(str::to_owned)),
        0,
        |page: &ListBatchesResponse| PageInfo {
            items: page.data.len(),
            has_more: page.has_more,
            next_cursor: page.last_id.clone(),
            total: None,
        },
        move |position| {
            let mut request = client.runtime().request(Method::GET, "/batches", &[]);
            if let Position::Cursor(Some(after)) = &position {
                request = request.query("after", after);
            }
            request.send_json()
        },
    )
}

// ---------------------------------------------------------------------------------------
// The server side.

/// `n` ids: `prefix_1` to `prefix_n`.
fn ids(prefix: &str, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{prefix}_{i}")).collect()
}

fn items(ids: &[String]) -> Vec<Item> {
    ids.iter().map(|id| Item { id: id.clone() }).collect()
}

fn item_json(ids: &[String]) -> Vec<Value> {
    ids.iter().map(|id| json!({ "id": id })).collect()
}

fn query(request: &Request) -> HashMap<String, String> {
    request.url.query_pairs().into_owned().collect()
}

fn number(query: &HashMap<String, String>, name: &str, default: usize) -> usize {
    query.get(name).map_or(default, |v| v.parse().unwrap())
}

/// A cursor listing of `ids` (`after`, `limit`), answering `has_more`, `first_id` and
/// `last_id` as OpenAI does; an unknown cursor is a 400.
fn assistants_server(ids: Vec<String>) -> impl Fn(&Request) -> ResponseTemplate {
    move |request| {
        let q = query(request);
        let limit = number(&q, "limit", 20);
        let start = match q.get("after") {
            None => 0,
            Some(after) => match ids.iter().position(|id| id == after) {
                Some(i) => i + 1,
                None => return ResponseTemplate::new(400),
            },
        };
        let page = &ids[start..(start + limit).min(ids.len())];
        ResponseTemplate::new(200).set_body_json(json!({
            "object": "list",
            "data": item_json(page),
            "first_id": page.first(),
            "last_id": page.last(),
            "has_more": start + limit < ids.len(),
        }))
    }
}

/// A cursor listing of `ids` (`after`, `limit`) answering only `data`.
fn files_server(ids: Vec<String>) -> impl Fn(&Request) -> ResponseTemplate {
    move |request| {
        let q = query(request);
        let limit = number(&q, "limit", 20);
        let start = q.get("after").map_or(0, |after| {
            ids.iter().position(|id| id == after).unwrap() + 1
        });
        let page = &ids[start..(start + limit).min(ids.len())];
        ResponseTemplate::new(200).set_body_json(json!({ "data": item_json(page) }))
    }
}

/// The items of page `page` (counted from `first`) of `size` items.
fn page_of(ids: &[String], page: usize, first: usize, size: usize) -> &[String] {
    let start = ((page - first) * size).min(ids.len());
    &ids[start..(start + size).min(ids.len())]
}

/// A page-number listing of `ids` from 0 (`current_page`, `page_size`) answering the total.
fn logs_server(ids: Vec<String>) -> impl Fn(&Request) -> ResponseTemplate {
    move |request| {
        let q = query(request);
        let page = page_of(
            &ids,
            number(&q, "current_page", 0),
            0,
            number(&q, "page_size", 10),
        );
        ResponseTemplate::new(200)
            .set_body_json(json!({ "data": item_json(page), "total": ids.len() }))
    }
}

/// A page-number listing of `ids` from 1 (`page`, `page_size`) answering `has_more`.
fn prompts_server(ids: Vec<String>) -> impl Fn(&Request) -> ResponseTemplate {
    move |request| {
        let q = query(request);
        let (page, size) = (number(&q, "page", 1), number(&q, "page_size", 10));
        let items = page_of(&ids, page, 1, size);
        ResponseTemplate::new(200).set_body_json(json!({
            "data": item_json(items),
            "has_more": page * size < ids.len(),
        }))
    }
}

/// An offset listing of `ids` (`offset`, `limit`), answering the total if `with_total`.
fn traces_server(ids: Vec<String>, with_total: bool) -> impl Fn(&Request) -> ResponseTemplate {
    move |request| {
        let q = query(request);
        let offset = number(&q, "offset", 0).min(ids.len());
        let page = &ids[offset..(offset + number(&q, "limit", 10)).min(ids.len())];
        let total = with_total.then_some(ids.len());
        ResponseTemplate::new(200).set_body_json(json!({ "data": item_json(page), "total": total }))
    }
}

/// Answers each query string (without the `?`) with its JSON body; any other with a 404.
fn scripted(answers: &[(&str, Value)]) -> impl Fn(&Request) -> ResponseTemplate {
    let answers: HashMap<String, Value> = answers
        .iter()
        .map(|(q, body)| ((*q).to_owned(), body.clone()))
        .collect();
    move |request| match answers.get(request.url.query().unwrap_or("")) {
        Some(body) => ResponseTemplate::new(200).set_body_json(body),
        None => ResponseTemplate::new(404),
    }
}

async fn serve<R>(route: &str, responder: R) -> MockServer
where
    R: Fn(&Request) -> ResponseTemplate + Send + Sync + 'static,
{
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(responder)
        .mount(&server)
        .await;
    server
}

/// The requests the server received, in order, each as path and query.
async fn seen(server: &MockServer) -> Vec<String> {
    let requests = server.received_requests().await.unwrap();
    requests
        .iter()
        .map(|r| match r.url.query() {
            Some(q) => format!("{}?{q}", r.url.path()),
            None => r.url.path().to_owned(),
        })
        .collect()
}

/// Everything the stream yields until it ends, checking that it then stays ended.
async fn drain<T, S>(mut stream: S) -> Vec<Result<T, Error>>
where
    S: Stream<Item = Result<T, Error>> + Unpin,
{
    let mut out = Vec::new();
    while let Some(item) = stream.next().await {
        out.push(item);
    }
    assert!(
        stream.next().await.is_none(),
        "the stream did not stay ended"
    );
    out
}

/// The items before the first error, and the error, if any; no item may follow the error.
fn split<T>(results: Vec<Result<T, Error>>) -> (Vec<T>, Option<Error>) {
    let mut oks = Vec::new();
    let mut results = results.into_iter();
    for result in results.by_ref() {
        match result {
            Ok(item) => oks.push(item),
            Err(e) => {
                assert!(results.next().is_none(), "items after the error");
                return (oks, Some(e));
            }
        }
    }
    (oks, None)
}

/// Ids of the items of `pages`, one list per page.
fn page_ids(pages: &[Vec<Item>]) -> Vec<Vec<&str>> {
    pages
        .iter()
        .map(|page| page.iter().map(|i| i.id.as_str()).collect())
        .collect()
}

fn pagination_error(e: &Error) -> &PaginationError {
    e.pagination_error()
        .unwrap_or_else(|| panic!("expected a pagination error, got {e:?}"))
}

// ---------------------------------------------------------------------------------------
// The four shapes.

#[tokio::test]
async fn cursor_listing_follows_last_id_until_has_more_is_false() {
    let all = ids("asst", 5);
    let server = serve("/assistants", assistants_server(all.clone())).await;
    let params = ListAssistantsParams {
        limit: Some(2),
        order: Some("desc".to_owned()),
        after: None,
    };
    let pages = drain(list_assistants_pages(&client(&server, 0), &params)).await;
    let (pages, error) = split(pages);
    assert!(error.is_none(), "{error:?}");
    let pages: Vec<Vec<Item>> = pages.into_iter().map(|p| p.data).collect();
    assert_eq!(
        page_ids(&pages),
        [
            vec!["asst_1", "asst_2"],
            vec!["asst_3", "asst_4"],
            vec!["asst_5"]
        ]
    );
    // The last page says `has_more: false`: no request after it.
    assert_eq!(
        seen(&server).await,
        [
            "/assistants?limit=2&order=desc",
            "/assistants?limit=2&order=desc&after=asst_2",
            "/assistants?limit=2&order=desc&after=asst_4",
        ]
    );

    // The same as items.
    let server = serve("/assistants", assistants_server(all.clone())).await;
    let (got, error) = split(drain(list_assistants_stream(&client(&server, 0), &params)).await);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(got, items(&all));
    assert_eq!(seen(&server).await.len(), 3);
}

#[tokio::test]
async fn cursor_listing_of_data_only_follows_the_last_items_id_until_an_empty_page() {
    let all = ids("file", 5);
    let server = serve("/files", files_server(all.clone())).await;
    let params = ListFilesParams {
        purpose: Some("batch".to_owned()),
        limit: Some(2),
        after: None,
    };
    let (got, error) = split(drain(list_files_stream(&client(&server, 0), &params)).await);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(got, items(&all));
    assert_eq!(
        seen(&server).await,
        [
            "/files?purpose=batch&limit=2",
            "/files?purpose=batch&limit=2&after=file_2",
            "/files?purpose=batch&limit=2&after=file_4",
            // file_5's page is not known to be the last until this one comes back empty.
            "/files?purpose=batch&limit=2&after=file_5",
        ]
    );
}

#[tokio::test]
async fn page_number_listing_from_0_ends_at_the_total() {
    let all = ids("log", 5);
    let server = serve("/logs", logs_server(all.clone())).await;
    let params = ListLogsParams {
        workspace_id: Some("ws 1".to_owned()),
        page_size: Some(2),
        current_page: None,
    };
    let (pages, error) = split(drain(list_logs_pages(&client(&server, 0), &params)).await);
    assert!(error.is_none(), "{error:?}");
    let pages: Vec<Vec<Item>> = pages.into_iter().map(|p| p.data).collect();
    assert_eq!(
        page_ids(&pages),
        [
            vec!["log_1", "log_2"],
            vec!["log_3", "log_4"],
            vec!["log_5"]
        ]
    );
    assert_eq!(
        seen(&server).await,
        [
            "/logs?workspace_id=ws%201&page_size=2&current_page=0",
            "/logs?workspace_id=ws%201&page_size=2&current_page=1",
            "/logs?workspace_id=ws%201&page_size=2&current_page=2",
        ]
    );

    // A total that is a multiple of the page size: no empty page is requested after it.
    let server = serve("/logs", logs_server(ids("log", 4))).await;
    let (pages, error) = split(drain(list_logs_pages(&client(&server, 0), &params)).await);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(pages.len(), 2);
    assert_eq!(
        seen(&server).await,
        [
            "/logs?workspace_id=ws%201&page_size=2&current_page=0",
            "/logs?workspace_id=ws%201&page_size=2&current_page=1",
        ]
    );
}

#[tokio::test]
async fn page_number_listing_from_1_ends_when_has_more_is_false() {
    let all = ids("pr", 5);
    let server = serve("/prompts", prompts_server(all.clone())).await;
    let params = ListPromptsParams {
        page: None,
        page_size: Some(2),
    };
    let (got, error) = split(drain(list_prompts_stream(&client(&server, 0), &params)).await);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(got, items(&all));
    assert_eq!(
        seen(&server).await,
        [
            "/prompts?page=1&page_size=2",
            "/prompts?page=2&page_size=2",
            "/prompts?page=3&page_size=2",
        ]
    );
}

#[tokio::test]
async fn offset_listing_without_total_or_has_more_ends_at_an_empty_page() {
    let all = ids("tr", 5);
    let server = serve("/traces", traces_server(all.clone(), false)).await;
    let params = ListTracesParams {
        limit: Some(2),
        offset: None,
    };
    let (got, error) = split(drain(list_traces_stream(&client(&server, 0), &params)).await);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(got, items(&all));
    assert_eq!(
        seen(&server).await,
        [
            "/traces?limit=2&offset=0",
            "/traces?limit=2&offset=2",
            "/traces?limit=2&offset=4",
            "/traces?limit=2&offset=5",
        ]
    );
}

#[tokio::test]
async fn offset_listing_with_a_total_ends_at_it() {
    let all = ids("tr", 5);
    let server = serve("/traces", traces_server(all.clone(), true)).await;
    let params = ListTracesParams {
        limit: Some(2),
        offset: None,
    };
    let (got, error) = split(drain(list_traces_stream(&client(&server, 0), &params)).await);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(got, items(&all));
    assert_eq!(
        seen(&server).await,
        [
            "/traces?limit=2&offset=0",
            "/traces?limit=2&offset=2",
            "/traces?limit=2&offset=4",
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Where the caller starts.

#[tokio::test]
async fn a_listing_starts_at_the_callers_cursor_page_or_offset() {
    let cursor = serve("/assistants", assistants_server(ids("asst", 5))).await;
    let params = ListAssistantsParams {
        limit: Some(2),
        order: None,
        after: Some("asst_1".to_owned()),
    };
    let (got, error) = split(drain(list_assistants_stream(&client(&cursor, 0), &params)).await);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(got, items(&ids("asst", 5)[1..]));
    assert_eq!(
        seen(&cursor).await,
        [
            "/assistants?limit=2&after=asst_1",
            "/assistants?limit=2&after=asst_3",
        ]
    );

    // Page 1 of a listing from 0, of 5 items in pages of 2: pages 1 and 2 are left, and
    // the total still ends the listing after page 2.
    let pages = serve("/logs", logs_server(ids("log", 5))).await;
    let params = ListLogsParams {
        workspace_id: None,
        page_size: Some(2),
        current_page: Some(1),
    };
    let (got, error) = split(drain(list_logs_pages(&client(&pages, 0), &params)).await);
    assert!(error.is_none(), "{error:?}");
    let got: Vec<Vec<Item>> = got.into_iter().map(|p| p.data).collect();
    assert_eq!(page_ids(&got), [vec!["log_3", "log_4"], vec!["log_5"]]);
    assert_eq!(
        seen(&pages).await,
        [
            "/logs?page_size=2&current_page=1",
            "/logs?page_size=2&current_page=2",
        ]
    );

    // Starting on the short last page, the page length is unknown: one more page is asked
    // for, and it is empty.
    let last = serve("/logs", logs_server(ids("log", 5))).await;
    let params = ListLogsParams {
        current_page: Some(2),
        ..params
    };
    let (got, error) = split(drain(list_logs_pages(&client(&last, 0), &params)).await);
    assert!(error.is_none(), "{error:?}");
    let got: Vec<Vec<Item>> = got.into_iter().map(|p| p.data).collect();
    assert_eq!(page_ids(&got), [vec!["log_5"], vec![]]);
    assert_eq!(
        seen(&last).await,
        [
            "/logs?page_size=2&current_page=2",
            "/logs?page_size=2&current_page=3",
        ]
    );

    let page = serve("/prompts", prompts_server(ids("pr", 5))).await;
    let params = ListPromptsParams {
        page: Some(2),
        page_size: Some(2),
    };
    let (got, error) = split(drain(list_prompts_stream(&client(&page, 0), &params)).await);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(got, items(&ids("pr", 5)[2..]));
    assert_eq!(
        seen(&page).await,
        ["/prompts?page=2&page_size=2", "/prompts?page=3&page_size=2"]
    );

    let offset = serve("/traces", traces_server(ids("tr", 5), true)).await;
    let params = ListTracesParams {
        limit: Some(2),
        offset: Some(3),
    };
    let (got, error) = split(drain(list_traces_stream(&client(&offset, 0), &params)).await);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(got, items(&ids("tr", 5)[3..]));
    assert_eq!(seen(&offset).await, ["/traces?limit=2&offset=3"]);
}

// ---------------------------------------------------------------------------------------
// Backpressure.

#[tokio::test]
async fn nothing_is_requested_before_the_first_poll() {
    let server = serve("/assistants", assistants_server(ids("asst", 5))).await;
    let params = ListAssistantsParams::default();
    let mut stream = list_assistants_stream(&client(&server, 0), &params);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(seen(&server).await.len(), 0);
    assert_eq!(stream.next().await.unwrap().unwrap().id, "asst_1");
    assert_eq!(seen(&server).await, ["/assistants"]);
}

#[tokio::test]
async fn a_page_is_requested_only_when_the_previous_one_was_consumed() {
    let server = serve("/prompts", prompts_server(ids("pr", 6))).await;
    let params = ListPromptsParams {
        page: None,
        page_size: Some(2),
    };
    let mut pages = list_prompts_pages(&client(&server, 0), &params);
    let first = pages.next().await.unwrap().unwrap();
    assert_eq!(first.data, items(&ids("pr", 2)));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(seen(&server).await, ["/prompts?page=1&page_size=2"]);
    pages.next().await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        seen(&server).await,
        ["/prompts?page=1&page_size=2", "/prompts?page=2&page_size=2"]
    );
    assert_eq!(pages.position(), Some(&Position::Page(3)));
}

#[tokio::test]
async fn items_request_the_next_page_only_once_the_previous_pages_items_were_taken() {
    let server = serve("/traces", traces_server(ids("tr", 4), false)).await;
    let params = ListTracesParams {
        limit: Some(2),
        offset: None,
    };
    let mut stream = list_traces_stream(&client(&server, 0), &params);
    let mut requests_after_each_item = Vec::new();
    while let Some(item) = stream.next().await {
        item.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        requests_after_each_item.push(seen(&server).await.len());
    }
    // Items 1 and 2 come from the first request, 3 and 4 from the second; the third
    // request (the empty page) is made when a fifth item is asked for.
    assert_eq!(requests_after_each_item, [1, 1, 2, 2]);
    assert_eq!(seen(&server).await.len(), 3);
}

// ---------------------------------------------------------------------------------------
// How a cursor listing ends.

#[tokio::test]
async fn cursor_listing_ends_quietly_without_a_next_cursor() {
    let server = serve(
        "/batches",
        scripted(&[
            ("", json!({ "data": [{ "id": "b1" }], "last_id": "b1" })),
            ("after=b1", json!({ "data": [{ "id": "b2" }] })),
        ]),
    )
    .await;
    let (pages, error) = split(drain(list_batches_pages(&client(&server, 0), None)).await);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(pages.len(), 2);
    assert_eq!(seen(&server).await, ["/batches", "/batches?after=b1"]);

    // `has_more: false` ends it even with a cursor.
    let server = serve(
        "/batches",
        scripted(&[(
            "",
            json!({ "data": [{ "id": "b1" }], "last_id": "b1", "has_more": false }),
        )]),
    )
    .await;
    let (pages, error) = split(drain(list_batches_pages(&client(&server, 0), None)).await);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(pages.len(), 1);
    assert_eq!(seen(&server).await, ["/batches"]);
}

#[tokio::test]
async fn cursor_listing_with_more_items_but_no_cursor_ends_with_an_error() {
    let server = serve(
        "/batches",
        scripted(&[
            (
                "",
                json!({ "data": [{ "id": "b1" }], "last_id": "b1", "has_more": true }),
            ),
            (
                "after=b1",
                json!({ "data": [{ "id": "b2" }], "last_id": null, "has_more": true }),
            ),
        ]),
    )
    .await;
    let (pages, error) = split(drain(list_batches_pages(&client(&server, 0), None)).await);
    assert_eq!(pages.len(), 2);
    let error = error.expect("an error after the second page");
    assert_eq!(
        pagination_error(&error),
        &PaginationError::MissingCursor {
            position: Position::Cursor(Some("b1".to_owned()))
        }
    );
    assert_eq!(
        error.to_string(),
        "pagination: the page at cursor `b1` has more items after it but no cursor to fetch them with"
    );
    assert_eq!(seen(&server).await, ["/batches", "/batches?after=b1"]);
}

// ---------------------------------------------------------------------------------------
// Failed pages.

#[tokio::test]
async fn a_failed_page_is_one_error_item_and_the_end() {
    let listing = assistants_server(ids("asst", 6));
    let server = serve("/assistants", move |request: &Request| {
        if request.url.query() == Some("limit=2&after=asst_2") {
            ResponseTemplate::new(500).set_body_json(json!({ "error": { "message": "boom" } }))
        } else {
            listing(request)
        }
    })
    .await;
    let params = ListAssistantsParams {
        limit: Some(2),
        ..ListAssistantsParams::default()
    };
    let (got, error) = split(drain(list_assistants_stream(&client(&server, 0), &params)).await);
    assert_eq!(got, items(&ids("asst", 2)));
    let error = error.expect("an error for the second page");
    assert_eq!(error.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    assert_eq!(
        seen(&server).await,
        ["/assistants?limit=2", "/assistants?limit=2&after=asst_2"]
    );

    // The pages stream tells where to start again.
    let server2 = serve("/assistants", |_: &Request| ResponseTemplate::new(500)).await;
    let mut pages = list_assistants_pages(&client(&server2, 0), &params);
    assert!(pages.next().await.unwrap().is_err());
    assert!(pages.next().await.is_none());
    assert_eq!(pages.position(), Some(&Position::Cursor(None)));
}

#[tokio::test]
async fn a_failed_page_is_retried_by_the_client_and_the_listing_goes_on() {
    let listing = assistants_server(ids("asst", 5));
    let failures = Arc::new(AtomicUsize::new(0));
    let failed = Arc::clone(&failures);
    let server = serve("/assistants", move |request: &Request| {
        let second_page = request.url.query() == Some("limit=2&after=asst_2");
        if second_page && failed.fetch_add(1, Ordering::SeqCst) == 0 {
            ResponseTemplate::new(500).insert_header("retry-after", "0")
        } else {
            listing(request)
        }
    })
    .await;
    let params = ListAssistantsParams {
        limit: Some(2),
        ..ListAssistantsParams::default()
    };
    let (got, error) = split(drain(list_assistants_stream(&client(&server, 1), &params)).await);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(got, items(&ids("asst", 5)));
    assert_eq!(
        seen(&server).await,
        [
            "/assistants?limit=2",
            "/assistants?limit=2&after=asst_2",
            "/assistants?limit=2&after=asst_2",
            "/assistants?limit=2&after=asst_4",
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Loops.

#[tokio::test]
async fn a_cursor_returned_twice_ends_the_listing_with_an_error() {
    let server = serve(
        "/batches",
        scripted(&[
            (
                "",
                json!({ "data": [{ "id": "b1" }], "last_id": "c1", "has_more": true }),
            ),
            (
                "after=c1",
                json!({ "data": [{ "id": "b2" }], "last_id": "c1", "has_more": true }),
            ),
        ]),
    )
    .await;
    let (pages, error) = split(drain(list_batches_pages(&client(&server, 0), None)).await);
    let pages: Vec<Vec<Item>> = pages.into_iter().map(|p| p.data).collect();
    assert_eq!(page_ids(&pages), [vec!["b1"], vec!["b2"]]);
    let error = error.expect("an error after the second page");
    assert_eq!(
        pagination_error(&error),
        &PaginationError::RepeatedCursor {
            cursor: "c1".to_owned()
        }
    );
    assert_eq!(
        error.to_string(),
        "pagination: the server returned cursor `c1` a second time; stopped to avoid a loop"
    );
    assert_eq!(seen(&server).await, ["/batches", "/batches?after=c1"]);
}

#[tokio::test]
async fn a_cursor_cycle_ends_the_listing_with_an_error() {
    let server = serve(
        "/batches",
        scripted(&[
            (
                "after=A",
                json!({ "data": [{ "id": "b1" }], "last_id": "B" }),
            ),
            (
                "after=B",
                json!({ "data": [{ "id": "b2" }], "last_id": "C" }),
            ),
            (
                "after=C",
                json!({ "data": [{ "id": "b3" }], "last_id": "A" }),
            ),
        ]),
    )
    .await;
    // The caller's starting cursor counts as requested.
    let (pages, error) = split(drain(list_batches_pages(&client(&server, 0), Some("A"))).await);
    assert_eq!(pages.len(), 3);
    let error = error.expect("an error after the third page");
    assert_eq!(
        pagination_error(&error),
        &PaginationError::RepeatedCursor {
            cursor: "A".to_owned()
        }
    );
    assert_eq!(
        seen(&server).await,
        ["/batches?after=A", "/batches?after=B", "/batches?after=C"]
    );
}

#[tokio::test]
async fn a_server_ignoring_the_page_parameter_ends_the_listing_with_an_error() {
    let same = json!({ "data": [{ "id": "pr_1" }, { "id": "pr_2" }], "has_more": true });
    let server = serve("/prompts", move |_: &Request| {
        ResponseTemplate::new(200).set_body_json(&same)
    })
    .await;
    let params = ListPromptsParams {
        page: None,
        page_size: Some(2),
    };
    let (got, error) = split(drain(list_prompts_stream(&client(&server, 0), &params)).await);
    // The repeated page's items are not yielded again.
    assert_eq!(got, items(&ids("pr", 2)));
    let error = error.expect("an error for the second page");
    assert_eq!(
        pagination_error(&error),
        &PaginationError::RepeatedPage {
            position: Position::Page(2),
            earlier: Position::Page(1),
        }
    );
    assert_eq!(
        error.to_string(),
        "pagination: the page at page 2 is identical to the page at page 1; stopped to avoid a loop"
    );
    assert_eq!(
        seen(&server).await,
        ["/prompts?page=1&page_size=2", "/prompts?page=2&page_size=2"]
    );
}

#[tokio::test]
async fn a_server_ignoring_the_offset_parameter_ends_the_listing_with_an_error() {
    let server = serve("/traces", |_: &Request| {
        ResponseTemplate::new(200).set_body_json(json!({ "data": [{ "id": "tr_1" }] }))
    })
    .await;
    let params = ListTracesParams {
        limit: Some(1),
        offset: None,
    };
    let (pages, error) = split(drain(list_traces_pages(&client(&server, 0), &params)).await);
    assert_eq!(pages.len(), 1);
    let error = error.expect("an error for the second page");
    assert_eq!(
        pagination_error(&error),
        &PaginationError::RepeatedPage {
            position: Position::Offset(1),
            earlier: Position::Offset(0),
        }
    );
    assert_eq!(
        seen(&server).await,
        ["/traces?limit=1&offset=0", "/traces?limit=1&offset=1"]
    );
}
