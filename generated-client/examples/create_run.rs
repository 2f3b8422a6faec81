use portkey_client::types::CreateRunRequest;
use portkey_client::{Client, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // Reads PORTKEY_API_KEY (and PORTKEY_BASE_URL, for a self-hosted gateway).
    let client = Client::builder()
        .from_env()
        .virtual_key("openai-virtual-key")
        .build()?;

    let request = CreateRunRequest {
        assistant_id: "asst_abc123".into(),
        ..Default::default()
    };
    match client
        .assistants()
        .create_run("thread_abc123", &request)
        .await
    {
        Ok(run) => println!("run {} is {}", run.id, run.status),
        Err(Error::Api(e)) if e.status() == 404 => println!("no such thread: {e}"),
        Err(e) => return Err(e),
    }
    Ok(())
}
