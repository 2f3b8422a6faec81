//! Request overhead: the generated client's `create_run` against raw reqwest sending the
//! same request (same `reqwest::Client`, same headers, the same body encoded from the same
//! value) and decoding the same type, against a loopback server; sequential and with 64
//! requests in flight.

mod support;

use std::sync::Arc;

use portkey_bench::{case, compare, report, Options};
use portkey_client::types::{CreateRunRequest, RunObject};
use portkey_client::Client;

const API_KEY: &str = "pk-bench";
const CONCURRENCY: usize = 64;

async fn raw(http: &reqwest::Client, url: &str, body: &CreateRunRequest) -> RunObject {
    let bytes = serde_json::to_vec(body).expect("encodes");
    let response = http
        .post(url)
        .header("x-portkey-api-key", API_KEY)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(bytes)
        .send()
        .await
        .expect("sent");
    assert!(response.status().is_success());
    let bytes = response.bytes().await.expect("body");
    serde_json::from_slice(&bytes).expect("decodes")
}

async fn generated(client: &Client, body: &CreateRunRequest) -> RunObject {
    client
        .assistants()
        .create_run("thread_abc123", body)
        .await
        .expect("create_run")
}

fn main() {
    let options = Options::from_env();
    let base = support::serve_fixed(support::run_object_example());
    let url = format!("{base}/threads/thread_abc123/runs");
    let body: CreateRunRequest =
        serde_json::from_str(&support::create_run_request()).expect("request decodes");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("client runtime");
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .expect("reqwest client");
    let client = Client::builder()
        .base_url(&base)
        .api_key(API_KEY)
        .http_client(http.clone())
        .build()
        .expect("client");
    // Warm the pool: 64 connections open before anything is measured.
    runtime.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..CONCURRENCY {
            let (http, url, body) = (http.clone(), url.clone(), body.clone());
            set.spawn(async move { raw(&http, &url, &body).await });
        }
        while set.join_next().await.is_some() {}
    });

    // `REQUESTS_ONLY=raw|generated` (and `REQUESTS_COUNT`): a fixed number of sequential
    // requests of one side and nothing else, for `cargo xtask bench` to count their
    // instructions with `valgrind --tool=callgrind`.
    if let Ok(only) = std::env::var("REQUESTS_ONLY") {
        let count: usize = std::env::var("REQUESTS_COUNT")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(1000);
        runtime.block_on(async {
            for _ in 0..count {
                match only.as_str() {
                    "raw" => std::hint::black_box(raw(&http, &url, &body).await),
                    _ => std::hint::black_box(generated(&client, &body).await),
                };
            }
        });
        return;
    }
    let mut records = compare(
        "request (sequential)",
        vec![
            case("raw reqwest", |n| {
                runtime.block_on(async {
                    for _ in 0..n {
                        std::hint::black_box(raw(&http, &url, &body).await);
                    }
                })
            }),
            case("generated create_run", |n| {
                runtime.block_on(async {
                    for _ in 0..n {
                        std::hint::black_box(generated(&client, &body).await);
                    }
                })
            }),
        ],
        options,
    );

    let shared = Arc::new((http.clone(), url.clone(), body.clone(), client.clone()));
    let mut concurrent = compare(
        "request (64 in flight)",
        vec![
            case("raw reqwest", |n| {
                runtime.block_on(async {
                    for _ in 0..n {
                        let mut set = tokio::task::JoinSet::new();
                        for _ in 0..CONCURRENCY {
                            let s = Arc::clone(&shared);
                            set.spawn(async move { raw(&s.0, &s.1, &s.2).await });
                        }
                        while let Some(r) = set.join_next().await {
                            std::hint::black_box(r.expect("task"));
                        }
                    }
                })
            }),
            case("generated create_run", |n| {
                runtime.block_on(async {
                    for _ in 0..n {
                        let mut set = tokio::task::JoinSet::new();
                        for _ in 0..CONCURRENCY {
                            let s = Arc::clone(&shared);
                            set.spawn(async move { generated(&s.3, &s.2).await });
                        }
                        while let Some(r) = set.join_next().await {
                            std::hint::black_box(r.expect("task"));
                        }
                    }
                })
            }),
        ],
        options,
    );
    // Per request, not per batch of 64.
    for r in &mut concurrent {
        r.median /= CONCURRENCY as f64;
        r.min /= CONCURRENCY as f64;
        r.max /= CONCURRENCY as f64;
    }
    records.append(&mut concurrent);
    for r in &mut records {
        r.items = Some(1.0);
    }
    records.extend(instructions());
    report(&records);
}

/// Instructions per sequential request, counted by callgrind (repeatable, unlike time on a
/// shared machine): this program again, under valgrind, with `REQUESTS_ONLY` set, at two
/// request counts; the difference divided by the difference in count leaves out start-up.
/// The count covers the whole process: the client and the loopback server. Nothing when
/// valgrind is not installed.
fn instructions() -> Vec<portkey_bench::Record> {
    let has_valgrind = std::process::Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_valgrind {
        println!("valgrind is not installed: instruction counts are skipped");
        return Vec::new();
    }
    let (low, high) = if portkey_bench::quick() {
        (50, 250)
    } else {
        (200, 1200)
    };
    let count = |side: &str, n: usize| -> f64 {
        let out = std::process::Command::new("valgrind")
            .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
            .arg(std::env::current_exe().expect("this program"))
            .env("REQUESTS_ONLY", side)
            .env("REQUESTS_COUNT", n.to_string())
            .output()
            .expect("valgrind runs");
        let text = String::from_utf8_lossy(&out.stderr);
        text.lines()
            .find_map(|l| {
                l.split_once("I   refs:")
                    .map(|(_, n)| n.trim().replace(',', ""))
            })
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no instruction count from callgrind:\n{text}"))
    };
    let per_request = |side: &str| (count(side, high) - count(side, low)) / (high - low) as f64;
    let raw = per_request("raw");
    let generated = per_request("generated");
    vec![
        portkey_bench::Record::new(
            "request instructions",
            "raw reqwest",
            "instructions",
            &[raw],
            None,
        ),
        portkey_bench::Record::new(
            "request instructions",
            "generated create_run",
            "instructions",
            &[generated],
            Some(("raw reqwest", &[raw])),
        ),
    ]
}
