use futures_util::{StreamExt, TryStreamExt};
use portkey_client::types::{ListAssistantsParams, ListPromptsParams};
use portkey_client::{Client, Error};

/// Every assistant's id, and the size of each page of prompts.
pub async fn listings(client: &Client) -> Result<(Vec<String>, Vec<usize>), Error> {
    let params = ListAssistantsParams {
        limit: Some(50),
        ..Default::default()
    };
    // The items of every page, fetched as the stream is read.
    let ids: Vec<String> = client
        .assistants()
        .list_assistants_stream(&params)
        .map_ok(|assistant| assistant.id)
        .try_collect()
        .await?;

    // The pages themselves, with their metadata (`total`, `has_more`, ...).
    let mut sizes = Vec::new();
    let mut pages = client
        .prompts()
        .list_prompts_pages(&ListPromptsParams::default());
    while let Some(page) = pages.next().await {
        let page = page?;
        sizes.push(page.data.map_or(0, |prompts| prompts.len()));
    }
    Ok((ids, sizes))
}
