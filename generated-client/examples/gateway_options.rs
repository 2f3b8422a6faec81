use std::time::Duration;

use portkey_client::runtime::RequestOptions;
use portkey_client::types::CreateRunRequest;
use portkey_client::{Client, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // Sent with every request of this client.
    let client = Client::builder()
        .from_env()
        .metadata("_user", "user-42")
        .metadata("environment", "staging")
        .cache_namespace("staging")
        .build()?;

    // For some calls: a trace, and one more metadata entry beside the client's.
    let traced = client.with_options(
        RequestOptions::new()
            .trace_id("nightly-batch-2026-12-01")
            .span_name("create run")
            .metadata("step", "1")
            .request_timeout(Duration::from_secs(30)),
    );
    let request = CreateRunRequest {
        assistant_id: "asst_abc123".into(),
        ..Default::default()
    };
    let run = traced
        .assistants()
        .create_run_with_response("thread_abc123", &request)
        .await?;
    println!(
        "run {} in trace {}",
        run.body().id,
        run.header("x-portkey-trace-id").unwrap_or("?")
    );
    Ok(())
}
