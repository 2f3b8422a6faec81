//! Calls a representative set of operations of the client generated from the full 2026
//! Portkey spec (at least one per tag; JSON bodies, query, path and header parameters) against
//! the server at the URL given as the only argument: Prism, in the contract tests
//! (`generated-client/tests/contract/full_spec.rs` builds and runs this program).
//!
//! With `realtime GATEWAY_URL`, it opens `GET /realtime` through Portkey's gateway instead
//! (`contract/realtime_calls.rs`).
//!
//! Prints one line per call: `ok<TAB>METHOD /path` or `fail<TAB>METHOD /path<TAB>error`.
//! A listing walked page by page is one line too, labelled `METHOD /path (stream)` (its
//! items) or `METHOD /path (pages)`; its `ok` line says how the walk ended.

// The README's example of listings (`contract/readme_listings.rs`).
mod readme_listings;
// `GET /realtime` through the gateway (`contract/realtime_calls.rs`).
mod realtime_calls;

use futures_util::{Stream, StreamExt};
use portkey_client::error::PaginationError;
use portkey_client::types::*;
use portkey_client::{Client, Error};
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

/// A request body from JSON, so each reads like the API's documentation.
fn body<T: DeserializeOwned>(value: Value) -> T {
    match serde_json::from_value(value.clone()) {
        Ok(body) => body,
        Err(e) => panic!("{value} does not fit {}: {e}", std::any::type_name::<T>()),
    }
}

fn report<T>(label: &str, result: Result<T, Error>) {
    match result {
        Ok(_) => println!("ok\t{label}"),
        Err(e) => {
            // Prism's answer names each violation.
            let detail = match &e {
                Error::Api(api) => api.body_text().chars().take(600).collect(),
                _ => String::new(),
            };
            let line = format!("{e} {detail}").replace(['\n', '\t'], " ");
            println!("fail\t{label}\t{line}");
        }
    }
}

/// The most items of a `…_stream` walk, and pages of a `…_pages` walk, taken: a walk that
/// would go on longer stops there, so a pagination bug cannot hang the run.
const MAX_ITEMS: usize = 20;
const MAX_PAGES: usize = 5;

/// Walks a listing (`unit`s: its items or pages), at most `max` of them, and reports it.
///
/// The walk succeeds if the first page's request is accepted and decodes (the stream's
/// first item is not an error) and the walk then ends: with the listing, at the bound, or
/// with the one [`Error::Pagination`] that says the server answered a page or cursor
/// already received (Prism answers every page with the same example, whatever the cursor,
/// page number or offset). Any other error, even after good pages, is a failure.
async fn walk<T, S>(label: &str, unit: &str, max: usize, mut stream: S)
where
    S: Stream<Item = Result<T, Error>> + Unpin,
{
    let mut taken = 0;
    let end = loop {
        if taken == max {
            break Ok(format!("{taken} {unit}, stopped at the bound"));
        }
        match stream.next().await {
            None => break Ok(format!("{taken} {unit}, then the listing ended")),
            Some(Ok(_)) => taken += 1,
            Some(Err(Error::Pagination(e)))
                if taken > 0
                    && matches!(
                        *e,
                        PaginationError::RepeatedPage { .. }
                            | PaginationError::RepeatedCursor { .. }
                    ) =>
            {
                break Ok(format!("{taken} {unit}, then {e}"));
            }
            Some(Err(e)) => break Err(e),
        }
    };
    match end {
        Ok(end) => println!("ok\t{label}\t{}", end.replace(['\n', '\t'], " ")),
        Err(e) => report::<()>(label, Err(e)),
    }
}

macro_rules! call {
    ($label:literal, $call:expr) => {
        report($label, $call.await)
    };
}

/// The analytics endpoints share their filters: a day of one workspace, successes and
/// rate limits, at least some cost.
macro_rules! analytics {
    ($ty:ident { $($field:ident: $value:expr),* }) => {
        $ty {
            workspace_slug: "default".into(),
            time_of_generation_min: "2026-07-01T00:00:00Z".into(),
            time_of_generation_max: "2026-07-02T00:00:00Z".into(),
            total_units_min: None,
            total_units_max: None,
            cost_min: Some(0.0),
            cost_max: None,
            prompt_token_min: None,
            prompt_token_max: None,
            completion_token_min: None,
            completion_token_max: None,
            status_code: Some("200,429".into()),
            weighted_feedback_min: None,
            weighted_feedback_max: None,
            virtual_keys: None,
            configs: None,
            api_key_ids: None,
            metadata: None,
            ai_org_model: None,
            trace_id: None,
            span_id: None,
            prompt_slug: None,
            $($field: $value),*
        }
    };
}

const ID: &str = "3f0c7a52-5b8e-4d7e-9d3c-2a1b0c9d8e7f";
const ID2: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

fn metadata() -> Map<String, Value> {
    body(json!({"_user": "user_42", "env": "contract-test"}))
}

#[tokio::main]
async fn main() {
    let base_url = std::env::args()
        .nth(1)
        .expect("usage: full_spec_calls BASE_URL | full_spec_calls realtime GATEWAY_URL");
    if base_url == "realtime" {
        let gateway = std::env::args().nth(2).expect("the gateway's URL");
        return realtime_calls::run(&gateway).await;
    }
    let c = Client::builder()
        .base_url(base_url)
        .api_key("pk-contract")
        .virtual_key("openai-vk")
        .max_retries(0)
        .build()
        .expect("the client builds");

    // Inference: JSON bodies, header parameters.
    let chat_params = CreateChatCompletionParams {
        x_portkey_trace_id: Some("trace-contract-1".into()),
        x_portkey_metadata: Some(metadata()),
        ..Default::default()
    };
    call!(
        "POST /chat/completions",
        c.chat().create_chat_completion(
            &chat_params,
            &body(json!({
                "model": "gpt-4o",
                "messages": [
                    {"role": "system", "content": "You are terse."},
                    {"role": "user", "content": "Say hello"}
                ],
                "temperature": 0.2,
                "max_tokens": 16
            }))
        )
    );
    call!(
        "POST /completions",
        c.completions().create_completion(&body(
            json!({"model": "gpt-3.5-turbo-instruct", "prompt": "Say hello", "max_tokens": 8})
        ))
    );
    call!(
        "POST /embeddings",
        c.embeddings().create_embedding(&body(
            json!({"model": "text-embedding-3-small", "input": "The food was delicious"})
        ))
    );
    call!(
        "POST /moderations",
        c.moderations()
            .create_moderation(&body(json!({"input": "I want to hug them."})))
    );
    call!(
        "POST /images/generations",
        c.images().create_image(&body(
            json!({"prompt": "A cute baby sea otter", "n": 1, "size": "1024x1024"})
        ))
    );
    call!(
        "POST /audio/speech",
        c.audio().create_speech(&body(
            json!({"model": "tts-1", "input": "Hello", "voice": "alloy"})
        ))
    );
    let rerank_params = CreateRerankParams {
        x_portkey_metadata: Some(metadata()),
        ..Default::default()
    };
    call!(
        "POST /rerank",
        c.rerank().create_rerank(
            &rerank_params,
            &body(json!({
                "model": "rerank-v3.5",
                "query": "What is the capital of France?",
                "documents": ["Paris is the capital of France.", "Berlin is in Germany."],
                "top_n": 1
            }))
        )
    );
    call!(
        "POST /responses",
        // The spec lets this `model` be only one of four ids (`ModelIdsResponses` has
        // lost the free-string alternative OpenAI's spec has), and Prism holds it to that.
        c.responses()
            .create_response(&body(json!({"model": "o1-pro", "input": "Say hello"})))
    );
    call!(
        "GET /responses/{response_id}",
        c.responses()
            .get_response("resp_abc123", &GetResponseParams::default())
    );

    // Files, batches, fine-tuning, models.
    call!(
        "GET /files/{file_id}",
        c.files().retrieve_file("file-abc123")
    );
    call!(
        "GET /batches/{batch_id}",
        c.batch().retrieve_batch("batch_abc123")
    );
    call!(
        "GET /fine_tuning/jobs",
        c.fine_tuning()
            .list_paginated_fine_tuning_jobs(&ListPaginatedFineTuningJobsParams {
                limit: Some(5),
                ..Default::default()
            })
    );
    call!(
        "POST /fine_tuning/jobs",
        c.finetune().create_fine_tuning_job(&body(json!({
            "model": "gpt-4o-mini",
            "training_file": "file-abc123",
            "suffix": "contract",
            "method": {
                "type": "supervised",
                "supervised": {"hyperparameters": {
                    "n_epochs": 3, "learning_rate_multiplier": 0.1, "batch_size": 8
                }}
            }
        })))
    );
    call!(
        "GET /models",
        c.models().list_models(&ListModelsParams {
            provider: Some("openai".into()),
            limit: Some(10),
            ..Default::default()
        })
    );

    // Assistants and vector stores.
    call!(
        "GET /assistants/{assistant_id}",
        c.assistants().get_assistant("asst_abc123")
    );
    call!(
        "GET /threads/{thread_id}",
        c.assistants().get_thread("thread_abc123")
    );
    call!(
        "POST /threads/{thread_id}/runs",
        c.assistants().create_run(
            "thread_abc123",
            &body(json!({"assistant_id": "asst_abc123", "temperature": 0.5}))
        )
    );
    call!(
        "GET /vector_stores/{vector_store_id}",
        c.vector_stores().get_vector_store("vs_abc123")
    );

    // Prompts, configs, labels, guardrails, feedback, collections.
    call!("GET /prompts/{promptId}", c.prompts().get_prompt(ID));
    call!(
        "GET /prompts/partials/{promptPartialId}",
        c.prompt_partials().get_prompt_partial(ID)
    );
    call!("GET /configs", c.configs().list_configs());
    call!(
        "GET /configs/{slug}",
        c.configs().get_config("pc-my-config")
    );
    call!(
        "GET /labels",
        c.labels().list_labels(&ListLabelsParams {
            workspace_id: Some(ID.into()),
            search: Some("prod".into()),
            current_page: Some(0),
            page_size: Some(20),
            ..Default::default()
        })
    );
    call!(
        "POST /labels",
        c.labels().create_label(&body(
            json!({"name": "staging", "workspace_id": ID, "description": "Staging prompts"})
        ))
    );
    call!(
        "GET /guardrails",
        c.guardrails().list_guardrails(&ListGuardrailsParams {
            page_size: Some(10),
            ..Default::default()
        })
    );
    call!(
        "POST /feedback",
        c.feedback().create_feedback(&body(
            json!({"trace_id": "trace-contract-1", "value": 5, "weight": 1.0})
        ))
    );
    call!(
        "GET /collections",
        c.collections().get_collections(&GetCollectionsParams {
            workspace_id: ID.into(),
            current_page: Some(0),
            page_size: Some(10),
            search: None,
        })
    );

    // Admin: users, invites, workspaces, keys, integrations, providers.
    call!(
        "GET /admin/users",
        c.users().get_admin_users(&GetAdminUsersParams {
            page_size: Some(10),
            ..Default::default()
        })
    );
    call!(
        "GET /admin/users/invites/{inviteId}",
        c.user_invites().get_admin_users_invites_by_invite_id(ID)
    );
    call!(
        "GET /admin/workspaces/{workspaceId}",
        c.workspaces().get_admin_workspaces_by_workspace_id(ID)
    );
    call!(
        "GET /admin/workspaces/{workspaceId}/users/{userId}",
        c.workspaces()
            .members()
            .get_admin_workspaces_by_workspace_id_users_by_user_id(ID, ID2)
    );
    call!(
        "GET /api-keys",
        c.api_keys().get_api_keys(&GetApiKeysParams {
            page_size: Some(10),
            current_page: Some(0),
            workspace_id: Some(ID.into()),
        })
    );
    call!(
        "GET /integrations/{slug}",
        c.integrations().get_integrations_by_slug("my-openai")
    );
    call!(
        "GET /integrations/{slug}/models",
        c.integrations()
            .models()
            .get_integrations_by_slug_models("my-openai")
    );
    call!(
        "GET /integrations/{slug}/workspaces",
        c.integrations()
            .workspaces()
            .get_integrations_by_slug_workspaces("my-openai")
    );
    call!(
        "GET /providers",
        c.providers().get_providers(&GetProvidersParams::default())
    );
    call!(
        "GET /virtual-keys",
        c.virtual_keys().get_virtual_keys(&GetVirtualKeysParams {
            current_page: 0,
            page_size: 10,
        })
    );
    call!(
        "GET /secret-references",
        c.secret_references()
            .list_secret_references(&ListSecretReferencesParams::default())
    );
    call!(
        "GET /policies/usage-limits",
        c.usage_limits_policies()
            .list_usage_limits_policies(&ListUsageLimitsPoliciesParams::default())
    );
    call!(
        "GET /policies/rate-limits",
        c.rate_limits_policies()
            .list_rate_limits_policies(&ListRateLimitsPoliciesParams::default())
    );
    call!(
        "GET /model-configs/pricing/{provider}/{model}",
        c.model_pricing().get_model_pricing("openai", "gpt-4o")
    );

    // Logs and analytics: query parameters, some required.
    call!(
        "GET /logs/{logId}",
        c.logs()
            .get_logs_by_log_id("log_abc123", &GetLogsByLogIdParams::default())
    );
    call!(
        "GET /logs/exports/{exportId}",
        c.logs_export().get_logs_exports_by_export_id(ID)
    );
    call!(
        "GET /audit-logs",
        c.audit_logs().get_audit_logs(&GetAuditLogsParams {
            start_time: "2026-07-01T00:00:00Z".into(),
            end_time: "2026-07-02T00:00:00Z".into(),
            organisation_id: ID.into(),
            method: None,
            uri: None,
            request_id: None,
            user_id: None,
            user_type: None,
            workspace_id: None,
            response_status_code: Some(200),
            resource_type: None,
            action: None,
            client_ip: None,
            country: None,
            current_page: Some(0),
            page_size: Some(10),
        })
    );
    call!(
        "GET /analytics/summary/cache",
        c.analytics()
            .summary()
            .get_analytics_summary_cache(&analytics!(GetAnalyticsSummaryCacheParams {}))
    );
    call!(
        "GET /analytics/graphs/cost",
        c.analytics()
            .graphs()
            .get_analytics_graphs_cost(&analytics!(GetAnalyticsGraphsCostParams {}))
    );
    call!(
        "GET /analytics/groups/ai-models",
        c.analytics()
            .groups()
            .get_analytics_groups_ai_models(&analytics!(GetAnalyticsGroupsAiModelsParams {
                current_page: Some(0),
                page_size: Some(10)
            }))
    );

    // MCP.
    call!(
        "GET /mcp-integrations",
        c.mcp_integrations()
            .mcp_integrations_list(&McpIntegrationsListParams::default())
    );
    call!(
        "GET /mcp-integrations/{mcpIntegrationId}/metadata",
        c.mcp_integrations()
            .metadata()
            .mcp_integration_metadata_retrieve(ID)
    );
    call!(
        "GET /mcp-integrations/{mcpIntegrationId}/workspaces",
        c.mcp_integrations()
            .workspaces()
            .mcp_integration_workspaces_list(ID, &McpIntegrationWorkspacesListParams::default())
    );
    call!(
        "GET /mcp-integrations/{mcpIntegrationId}/capabilities",
        c.mcp_integrations()
            .capabilities()
            .mcp_integration_capabilities_list(
                ID,
                &McpIntegrationCapabilitiesListParams::default()
            )
    );
    call!(
        "GET /mcp-servers",
        c.mcp_servers().mcp_servers_list(&McpServersListParams {
            page_size: Some(10),
            ..Default::default()
        })
    );
    call!(
        "GET /mcp-servers/{mcpServerId}/capabilities",
        c.mcp_servers()
            .capabilities()
            .mcp_server_capabilities_list(ID, &McpServerCapabilitiesListParams::default())
    );
    call!(
        "GET /mcp-servers/{mcpServerId}/user-access",
        c.mcp_servers()
            .user_access()
            .mcp_server_user_access_list(ID, &McpServerUserAccessListParams::default())
    );
    call!(
        "GET /mcp-servers/{mcpServerId}/connections",
        c.mcp_servers()
            .connections()
            .mcp_server_connections_list(ID, &McpServerConnectionsListParams::default())
    );

    // Listings walked page by page: a cursor (`after`), a page number (`current_page`,
    // `page`) or an offset addresses each page.
    let assistants = ListAssistantsParams {
        limit: Some(5),
        ..Default::default()
    };
    walk(
        "GET /assistants (stream)",
        "assistants",
        MAX_ITEMS,
        c.assistants().list_assistants_stream(&assistants),
    )
    .await;
    let messages = ListMessagesParams {
        limit: Some(5),
        order: Some(ListMessagesOrder::Asc),
        ..Default::default()
    };
    walk(
        "GET /threads/{thread_id}/messages (stream)",
        "messages",
        MAX_ITEMS,
        c.assistants()
            .list_messages_stream("thread_abc123", &messages),
    )
    .await;
    let batches = ListBatchesParams {
        limit: Some(5),
        ..Default::default()
    };
    walk(
        "GET /batches (pages)",
        "pages",
        MAX_PAGES,
        c.batch().list_batches_pages(&batches),
    )
    .await;
    let prompts = ListPromptsParams {
        workspace_id: Some(ID.into()),
        page_size: Some(5),
        ..Default::default()
    };
    walk(
        "GET /prompts (stream)",
        "prompts",
        MAX_ITEMS,
        c.prompts().list_prompts_stream(&prompts),
    )
    .await;
    let workspaces = GetAdminWorkspacesParams {
        page_size: Some(2),
        ..Default::default()
    };
    walk(
        "GET /admin/workspaces (pages)",
        "pages",
        MAX_PAGES,
        c.workspaces().get_admin_workspaces_pages(&workspaces),
    )
    .await;
    let capabilities = McpServerCapabilitiesListParams {
        page_size: Some(5),
        type_: Some(McpServerCapabilitiesListType::Tool),
        ..Default::default()
    };
    walk(
        "GET /mcp-servers/{mcpServerId}/capabilities (stream)",
        "capabilities",
        MAX_ITEMS,
        c.mcp_servers()
            .capabilities()
            .mcp_server_capabilities_list_stream(ID, &capabilities),
    )
    .await;
    let models = ListModelsParams {
        provider: Some("openai".into()),
        limit: Some(5),
        ..Default::default()
    };
    walk(
        "GET /models (stream)",
        "models",
        MAX_ITEMS,
        c.models().list_models_stream(&models),
    )
    .await;

    // The README's example of listings, as it is written there.
    match readme_listings::listings(&c).await {
        Ok((ids, sizes)) => println!(
            "ok\tGET /assistants (README)\t{} assistants, prompt pages of {sizes:?}",
            ids.len()
        ),
        // Prism answers every page with the same example: the walk stops there.
        Err(Error::Pagination(e)) => println!("ok\tGET /assistants (README)\t{e}"),
        Err(e) => report::<()>("GET /assistants (README)", Err(e)),
    }
}
