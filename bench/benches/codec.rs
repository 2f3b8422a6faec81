//! Decoding and encoding the generated types, against a hand-written serde struct of the
//! same shape (the baseline) and against `serde_json::Value`, interleaved in one run.

mod support;

use portkey_bench::{codec_groups as groups, decode, report, Options};

/// What a careful person would write by hand for the same JSON: derived serde throughout,
/// string enums with a catch-all, tagged and untagged unions as serde spells them.
mod hand {
    use serde::{Deserialize, Serialize};
    use serde_json::{Map, Value};

    #[derive(Debug, Serialize, Deserialize)]
    pub struct RunObject {
        pub id: String,
        pub object: String,
        pub created_at: i64,
        pub thread_id: String,
        pub assistant_id: String,
        pub status: RunStatus,
        #[serde(default)]
        pub required_action: Option<RequiredAction>,
        #[serde(default)]
        pub last_error: Option<LastError>,
        #[serde(default)]
        pub expires_at: Option<i64>,
        #[serde(default)]
        pub started_at: Option<i64>,
        #[serde(default)]
        pub cancelled_at: Option<i64>,
        #[serde(default)]
        pub failed_at: Option<i64>,
        #[serde(default)]
        pub completed_at: Option<i64>,
        #[serde(default)]
        pub incomplete_details: Option<IncompleteDetails>,
        pub model: String,
        #[serde(default)]
        pub instructions: Option<String>,
        #[serde(default)]
        pub tools: Vec<Tool>,
        #[serde(default)]
        pub metadata: Option<Map<String, Value>>,
        #[serde(default)]
        pub usage: Option<Usage>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub temperature: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub top_p: Option<f64>,
        #[serde(default)]
        pub max_prompt_tokens: Option<i64>,
        #[serde(default)]
        pub max_completion_tokens: Option<i64>,
        #[serde(default)]
        pub truncation_strategy: Option<Truncation>,
        #[serde(default)]
        pub tool_choice: Option<ToolChoice>,
        pub parallel_tool_calls: bool,
        #[serde(default)]
        pub response_format: Option<ResponseFormat>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum RunStatus {
        Queued,
        InProgress,
        RequiresAction,
        Cancelling,
        Cancelled,
        Failed,
        Completed,
        Incomplete,
        Expired,
        #[serde(other)]
        Unknown,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct RequiredAction {
        #[serde(rename = "type")]
        pub type_: String,
        pub submit_tool_outputs: SubmitToolOutputs,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct SubmitToolOutputs {
        pub tool_calls: Vec<ToolCall>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct ToolCall {
        pub id: String,
        #[serde(rename = "type")]
        pub type_: String,
        pub function: ToolCallFunction,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct ToolCallFunction {
        pub name: String,
        pub arguments: String,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct LastError {
        pub code: String,
        pub message: String,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct IncompleteDetails {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub reason: Option<String>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum Tool {
        CodeInterpreter,
        FileSearch {
            #[serde(default, skip_serializing_if = "Option::is_none")]
            file_search: Option<FileSearch>,
        },
        Function {
            function: Function,
        },
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct FileSearch {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub max_num_results: Option<i64>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct Function {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub description: Option<String>,
        pub name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub parameters: Option<Map<String, Value>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub strict: Option<bool>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct Usage {
        pub completion_tokens: i64,
        pub prompt_tokens: i64,
        pub total_tokens: i64,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct Truncation {
        #[serde(rename = "type")]
        pub type_: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub last_messages: Option<i64>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    #[serde(untagged)]
    pub enum ToolChoice {
        Mode(String),
        Named {
            #[serde(rename = "type")]
            type_: String,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            function: Option<NamedFunction>,
        },
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct NamedFunction {
        pub name: String,
    }

    #[derive(Debug, Serialize, Deserialize)]
    #[serde(untagged)]
    pub enum ResponseFormat {
        Mode(String),
        Format {
            #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
            type_: Option<String>,
        },
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct CreateRunRequest {
        pub assistant_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub model: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub instructions: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub additional_instructions: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub additional_messages: Option<Vec<Message>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub tools: Option<Vec<Tool>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub metadata: Option<Map<String, Value>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub temperature: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub top_p: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub stream: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub max_prompt_tokens: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub max_completion_tokens: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub truncation_strategy: Option<Truncation>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub tool_choice: Option<ToolChoice>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub parallel_tool_calls: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub response_format: Option<ResponseFormat>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct Message {
        pub role: Role,
        pub content: Content,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub attachments: Option<Vec<Attachment>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub metadata: Option<Map<String, Value>>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Role {
        User,
        Assistant,
        #[serde(other)]
        Unknown,
    }

    #[derive(Debug, Serialize, Deserialize)]
    #[serde(untagged)]
    pub enum Content {
        Text(String),
        Parts(Vec<ContentPart>),
    }

    #[derive(Debug, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum ContentPart {
        ImageFile { image_file: ImageFile },
        ImageUrl { image_url: ImageUrl },
        Text { text: String },
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct ImageFile {
        pub file_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub detail: Option<String>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct ImageUrl {
        pub url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub detail: Option<String>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct Attachment {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub file_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub tools: Option<Vec<AttachmentTool>>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum AttachmentTool {
        CodeInterpreter,
        FileSearch,
    }
}

fn main() {
    let options = Options::from_env();
    let example = support::run_object_example();
    let large = support::run_object_large();
    let request = support::create_run_request();
    // `CODEC_ONLY=hand|generated` (and `CODEC_COUNT`, `CODEC_INPUT=request|example|large`):
    // decode one input (`CreateRunRequest` unless told) a fixed number of times with one side
    // and nothing else, to count instructions with `valgrind --tool=callgrind` (run at two
    // counts; the difference leaves out start-up).
    if let Ok(only) = std::env::var("CODEC_ONLY") {
        let count = std::env::var("CODEC_COUNT")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(1000);
        let input = std::env::var("CODEC_INPUT").unwrap_or_default();
        let hand = only == "hand";
        type Generated = portkey_client::types::RunObject;
        match input.as_str() {
            "example" if hand => decode::<hand::RunObject>(&example)(count),
            "example" => decode::<Generated>(&example)(count),
            "large" if hand => decode::<hand::RunObject>(&large)(count),
            "large" => decode::<Generated>(&large)(count),
            _ if hand => decode::<hand::CreateRunRequest>(&request)(count),
            _ => decode::<portkey_client::types::CreateRunRequest>(&request)(count),
        }
        return;
    }
    let mut records = Vec::new();
    records.extend(groups::<portkey_client::types::RunObject, hand::RunObject>(
        "RunObject (spec example)",
        &example,
        options,
    ));
    records.extend(groups::<portkey_client::types::RunObject, hand::RunObject>(
        "RunObject (large)",
        &large,
        options,
    ));
    records.extend(groups::<
        portkey_client::types::CreateRunRequest,
        hand::CreateRunRequest,
    >("CreateRunRequest", &request, options));
    report(&records);
}
