//! Behaviour of the generated `Client::create_run`, used the way a caller would use it,
//! against a local mock server. (The runtime underneath is tested in `tests/runtime.rs`.)

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

use portkey_client::types::{
    AssistantToolsCode, AssistantToolsCodeType, AssistantToolsFileSearch,
    AssistantToolsFileSearchFileSearch, AssistantToolsFileSearchType,
    AssistantToolsFileSearchTypeOnly, AssistantToolsFileSearchTypeOnlyType, AssistantToolsFunction,
    AssistantToolsFunctionType, AssistantsApiResponseFormat, AssistantsApiResponseFormatOption,
    AssistantsApiResponseFormatType, AssistantsApiToolChoiceOption, AssistantsNamedToolChoice,
    AssistantsNamedToolChoiceFunction, AssistantsNamedToolChoiceType, CreateMessageRequest,
    CreateMessageRequestAttachmentsItem, CreateMessageRequestAttachmentsItemToolsItem,
    CreateMessageRequestContent, CreateMessageRequestContentArrayOfContentPartsItem as ContentPart,
    CreateMessageRequestRole, CreateRunRequest, CreateRunRequestModel, CreateRunRequestToolsItem,
    FunctionObject, MessageContentImageFileObject, MessageContentImageFileObjectImageFile,
    MessageContentImageFileObjectImageFileDetail, MessageContentImageFileObjectType,
    MessageContentImageUrlObject, MessageContentImageUrlObjectImageUrl,
    MessageContentImageUrlObjectImageUrlDetail, MessageContentImageUrlObjectType,
    MessageRequestContentTextObject, MessageRequestContentTextObjectType, RunCompletionUsage,
    RunObject, RunObjectIncompleteDetails, RunObjectIncompleteDetailsReason, RunObjectLastError,
    RunObjectLastErrorCode, RunObjectObject, RunObjectRequiredAction,
    RunObjectRequiredActionSubmitToolOutputs, RunObjectRequiredActionType, RunObjectStatus,
    RunObjectToolsItem, RunToolCallObject, RunToolCallObjectFunction, RunToolCallObjectType,
    TruncationObject, TruncationObjectType,
};
use portkey_client::{Client, ClientBuilder, Error, Nullable};
use reqwest::StatusCode;
use serde_json::{json, Map, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const THREAD_ID: &str = "thread_abc123";
const ASSISTANT_ID: &str = "asst_abc123";
const API_KEY: &str = "pk-test-api-key";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The `response` JSON of the JavaScript `x-code-samples` entry of `createRun` in the spec,
/// read from the spec at test time so that the test follows the spec.
fn spec_response_example() -> String {
    let spec_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/portkey.yaml");
    let spec = std::fs::read_to_string(spec_path).expect("spec/portkey.yaml is readable");
    let mut lines = spec
        .lines()
        .skip_while(|line| line.trim() != "operationId: createRun")
        .skip(1);
    let key = lines
        .by_ref()
        .find(|line| {
            let line = line.trim();
            assert!(
                !line.starts_with("operationId:"),
                "no `response: |` block in createRun"
            );
            line == "response: |"
        })
        .expect("createRun has a `response: |` block");
    let key_indent = indent(key);
    let block: Vec<&str> = lines
        .take_while(|line| line.trim().is_empty() || indent(line) > key_indent)
        .collect();
    let body_indent = block
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| indent(line))
        .min()
        .expect("the `response` block is not empty");
    let text: Vec<&str> = block
        .iter()
        .map(|line| line.get(body_indent..).unwrap_or(""))
        .collect();
    text.join("\n")
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// The spec's response example as JSON, for tests that serve a variation of it.
fn spec_response_value() -> Value {
    serde_json::from_str(&spec_response_example()).expect("the spec's example is JSON")
}

fn json_body(status: u16, body: impl Into<Vec<u8>>) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body, "application/json")
}

/// A server that answers every `POST` with `response`.
async fn server_answering(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

/// A server that answers every `POST` with the spec's example run.
async fn run_server() -> MockServer {
    server_answering(json_body(200, spec_response_example())).await
}

/// The server's URL with the `/v1` prefix of the spec's server URL.
fn base_url(server: &MockServer) -> String {
    format!("{}/v1", server.uri())
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(base_url(server))
        .api_key(API_KEY)
        .build()
        .expect("valid client")
}

async fn only_request(server: &MockServer) -> wiremock::Request {
    let mut requests = server.received_requests().await.expect("recording enabled");
    assert_eq!(requests.len(), 1, "expected exactly one request");
    requests.remove(0)
}

fn header<'a>(request: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).map(|v| v.to_str().unwrap())
}

/// The names of the `x-portkey-*` headers a request carried.
fn portkey_headers(request: &wiremock::Request) -> BTreeSet<&str> {
    request
        .headers
        .keys()
        .map(|name| name.as_str())
        .filter(|name| name.starts_with("x-portkey-"))
        .collect()
}

/// Sends the minimal request with a client configured by `configure` and returns what the
/// server received.
async fn request_sent_by(
    configure: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> wiremock::Request {
    let server = run_server().await;
    let client = configure(Client::builder().base_url(base_url(&server)))
        .build()
        .expect("valid client");
    client
        .assistants()
        .create_run(THREAD_ID, &minimal_request())
        .await
        .expect("run created");
    only_request(&server).await
}

/// Sends `body` and returns the JSON the server received.
async fn body_received_for(body: &CreateRunRequest) -> Value {
    let server = run_server().await;
    client(&server)
        .assistants()
        .create_run(THREAD_ID, body)
        .await
        .expect("run created");
    only_request(&server)
        .await
        .body_json()
        .expect("the body is JSON")
}

/// The request a caller writes when only the assistant matters.
fn minimal_request() -> CreateRunRequest {
    CreateRunRequest {
        assistant_id: ASSISTANT_ID.to_owned(),
        ..Default::default()
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

async fn create_run_error(response: ResponseTemplate) -> Error {
    let server = server_answering(response).await;
    client(&server)
        .assistants()
        .create_run(THREAD_ID, &minimal_request())
        .await
        .expect_err("the call fails")
}

// ---------------------------------------------------------------------------------------------
// Request line and path
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn posts_to_the_runs_of_the_thread_under_the_base_url_prefix() {
    let request = request_sent_by(|b| b.api_key(API_KEY)).await;
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), "/v1/threads/thread_abc123/runs");
    assert_eq!(request.url.query(), None);
    assert_eq!(header(&request, "content-type"), Some("application/json"));
    assert_eq!(header(&request, "accept"), Some("application/json"));
}

#[tokio::test]
async fn thread_id_is_sent_as_one_percent_encoded_segment() {
    let server = run_server().await;
    client(&server)
        .assistants()
        .create_run("a/b?c d", &minimal_request())
        .await
        .expect("run created");
    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), "/v1/threads/a%2Fb%3Fc%20d/runs");
    assert_eq!(request.url.query(), None);
}

#[tokio::test]
async fn empty_thread_id_is_refused_before_sending() {
    let server = run_server().await;
    let error = client(&server)
        .assistants()
        .create_run("", &minimal_request())
        .await
        .expect_err("an empty path parameter would reach another endpoint");
    assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    assert!(error.to_string().contains("empty segment"), "{error}");
    let received = server.received_requests().await.unwrap_or_default();
    assert!(received.is_empty(), "nothing may be sent: {received:?}");
}

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn api_key_and_virtual_key_are_the_only_credentials_sent() {
    let request = request_sent_by(|b| b.api_key(API_KEY).virtual_key("vk-openai-123")).await;
    assert_eq!(
        portkey_headers(&request),
        BTreeSet::from(["x-portkey-api-key", "x-portkey-virtual-key"])
    );
    assert_eq!(header(&request, "x-portkey-api-key"), Some(API_KEY));
    assert_eq!(
        header(&request, "x-portkey-virtual-key"),
        Some("vk-openai-123")
    );
    assert_eq!(header(&request, "authorization"), None);
}

#[tokio::test]
async fn provider_setup_sends_provider_bearer_token_and_custom_host() {
    let request = request_sent_by(|b| {
        b.api_key(API_KEY)
            .provider("openai")
            .provider_auth("sk-provider-456")
            .custom_host("http://llm.internal:8080/v1")
    })
    .await;
    assert_eq!(
        portkey_headers(&request),
        BTreeSet::from([
            "x-portkey-api-key",
            "x-portkey-provider",
            "x-portkey-custom-host"
        ])
    );
    assert_eq!(header(&request, "x-portkey-api-key"), Some(API_KEY));
    assert_eq!(header(&request, "x-portkey-provider"), Some("openai"));
    assert_eq!(
        header(&request, "authorization"),
        Some("Bearer sk-provider-456")
    );
    assert_eq!(
        header(&request, "x-portkey-custom-host"),
        Some("http://llm.internal:8080/v1")
    );
}

#[tokio::test]
async fn config_json_is_sent_verbatim() {
    let config =
        r#"{"retry": {"attempts": 3}, "cache": {"mode": "simple"}, "virtual_key": "vk-1"}"#;
    let request = request_sent_by(|b| b.api_key(API_KEY).config(config)).await;
    assert_eq!(
        portkey_headers(&request),
        BTreeSet::from(["x-portkey-api-key", "x-portkey-config"])
    );
    assert_eq!(header(&request, "x-portkey-config"), Some(config));
    assert_eq!(header(&request, "authorization"), None);
}

// ---------------------------------------------------------------------------------------------
// Request body
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn minimal_request_sends_only_the_assistant_id() {
    let server = run_server().await;
    client(&server)
        .assistants()
        .create_run(THREAD_ID, &minimal_request())
        .await
        .expect("run created");
    let request = only_request(&server).await;
    // No `temperature`, `top_p`, `parallel_tool_calls`... defaults and no `null`s.
    assert_eq!(
        String::from_utf8_lossy(&request.body),
        r#"{"assistant_id":"asst_abc123"}"#
    );
}

/// An optional, nullable field has three states: left out, set, or sent as `null` to clear
/// what the assistant would otherwise use.
#[tokio::test]
async fn nullable_fields_can_be_left_out_set_or_sent_as_null() {
    let body = CreateRunRequest {
        instructions: Nullable::Null,
        temperature: 0.2.into(),
        ..minimal_request()
    };
    let sent = body_received_for(&body).await;
    assert_eq!(
        sent,
        json!({"assistant_id": ASSISTANT_ID, "instructions": null, "temperature": 0.2})
    );
    assert!(sent.get("top_p").is_none(), "left out: {sent}");
}

fn function_tool() -> AssistantToolsFunction {
    AssistantToolsFunction {
        type_: AssistantToolsFunctionType::Function,
        function: FunctionObject {
            description: Some("Current weather in a city".to_owned()),
            name: "get_weather".to_owned(),
            parameters: Some(object(json!({
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"]
            }))),
            strict: Nullable::Value(true),
        },
    }
}

fn text_message(role: CreateMessageRequestRole, text: &str) -> CreateMessageRequest {
    CreateMessageRequest {
        role,
        content: CreateMessageRequestContent::TextContent(text.to_owned()),
        attachments: Nullable::Absent,
        metadata: Nullable::Absent,
    }
}

#[tokio::test]
async fn populated_request_is_sent_in_the_shapes_of_the_spec() {
    let content_parts = CreateMessageRequest {
        role: CreateMessageRequestRole::User,
        content: CreateMessageRequestContent::ArrayOfContentParts(vec![
            ContentPart::Text(MessageRequestContentTextObject {
                type_: MessageRequestContentTextObjectType::Text,
                text: "What is in these images?".to_owned(),
            }),
            ContentPart::ImageUrl(MessageContentImageUrlObject {
                type_: MessageContentImageUrlObjectType::ImageUrl,
                image_url: MessageContentImageUrlObjectImageUrl {
                    url: "https://example.com/cat.png".to_owned(),
                    detail: Some(MessageContentImageUrlObjectImageUrlDetail::High),
                },
            }),
            ContentPart::ImageFile(MessageContentImageFileObject {
                type_: MessageContentImageFileObjectType::ImageFile,
                image_file: MessageContentImageFileObjectImageFile {
                    file_id: "file_img1".to_owned(),
                    detail: Some(MessageContentImageFileObjectImageFileDetail::Low),
                },
            }),
        ]),
        attachments: Nullable::Value(vec![CreateMessageRequestAttachmentsItem {
            file_id: Some("file_csv1".to_owned()),
            tools: Some(vec![
                CreateMessageRequestAttachmentsItemToolsItem::CodeInterpreter(AssistantToolsCode {
                    type_: AssistantToolsCodeType::CodeInterpreter,
                }),
                CreateMessageRequestAttachmentsItemToolsItem::FileSearch(
                    AssistantToolsFileSearchTypeOnly {
                        type_: AssistantToolsFileSearchTypeOnlyType::FileSearch,
                    },
                ),
            ]),
        }]),
        metadata: Nullable::Value(object(json!({"source": "upload"}))),
    };
    let body = CreateRunRequest {
        model: Nullable::Value(CreateRunRequestModel::Gpt4Turbo),
        instructions: Nullable::Value("Be brief.".to_owned()),
        additional_instructions: Nullable::Value("Use metric units.".to_owned()),
        additional_messages: Nullable::Value(vec![
            text_message(CreateMessageRequestRole::Assistant, "Hello!"),
            content_parts,
        ]),
        tools: Nullable::Value(vec![
            CreateRunRequestToolsItem::CodeInterpreter(AssistantToolsCode {
                type_: AssistantToolsCodeType::CodeInterpreter,
            }),
            CreateRunRequestToolsItem::Function(function_tool()),
        ]),
        metadata: Nullable::Value(object(json!({"user": "u_42", "attempt": 2}))),
        temperature: Nullable::Value(0.5),
        top_p: Nullable::Value(0.25),
        stream: Nullable::Value(false),
        max_prompt_tokens: Nullable::Value(2000),
        max_completion_tokens: Nullable::Value(500),
        truncation_strategy: Nullable::Value(TruncationObject {
            type_: TruncationObjectType::LastMessages,
            last_messages: Nullable::Value(10),
        }),
        tool_choice: Nullable::Value(AssistantsApiToolChoiceOption::Auto),
        parallel_tool_calls: Some(false),
        response_format: Nullable::Value(
            AssistantsApiResponseFormatOption::AssistantsApiResponseFormat(
                AssistantsApiResponseFormat {
                    type_: Some(AssistantsApiResponseFormatType::JsonObject),
                },
            ),
        ),
        ..minimal_request()
    };
    assert_eq!(
        body_received_for(&body).await,
        json!({
            "assistant_id": "asst_abc123",
            "model": "gpt-4-turbo",
            "instructions": "Be brief.",
            "additional_instructions": "Use metric units.",
            "additional_messages": [
                {"role": "assistant", "content": "Hello!"},
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is in these images?"},
                        {
                            "type": "image_url",
                            "image_url": {"url": "https://example.com/cat.png", "detail": "high"}
                        },
                        {"type": "image_file", "image_file": {"file_id": "file_img1", "detail": "low"}}
                    ],
                    "attachments": [{
                        "file_id": "file_csv1",
                        "tools": [{"type": "code_interpreter"}, {"type": "file_search"}]
                    }],
                    "metadata": {"source": "upload"}
                }
            ],
            "tools": [
                {"type": "code_interpreter"},
                {
                    "type": "function",
                    "function": {
                        "description": "Current weather in a city",
                        "name": "get_weather",
                        "parameters": {
                            "type": "object",
                            "properties": {"city": {"type": "string"}},
                            "required": ["city"]
                        },
                        "strict": true
                    }
                }
            ],
            "metadata": {"user": "u_42", "attempt": 2},
            "temperature": 0.5,
            "top_p": 0.25,
            "stream": false,
            "max_prompt_tokens": 2000,
            "max_completion_tokens": 500,
            "truncation_strategy": {"type": "last_messages", "last_messages": 10},
            "tool_choice": "auto",
            "parallel_tool_calls": false,
            "response_format": {"type": "json_object"}
        })
    );
}

#[tokio::test]
async fn unlisted_model_named_tool_choice_and_string_response_format_are_sent_as_given() {
    let body = CreateRunRequest {
        model: Nullable::Value(CreateRunRequestModel::from("my-org/fine-tuned-7b")),
        tool_choice: Nullable::Value(AssistantsApiToolChoiceOption::AssistantsNamedToolChoice(
            AssistantsNamedToolChoice {
                type_: AssistantsNamedToolChoiceType::Function,
                function: Some(AssistantsNamedToolChoiceFunction {
                    name: "get_weather".to_owned(),
                }),
            },
        )),
        response_format: Nullable::Value(AssistantsApiResponseFormatOption::None),
        truncation_strategy: Nullable::Value(TruncationObject {
            type_: TruncationObjectType::Auto,
            last_messages: Nullable::Absent,
        }),
        ..minimal_request()
    };
    assert_eq!(
        body.model,
        Nullable::Value(CreateRunRequestModel::Other(
            "my-org/fine-tuned-7b".to_owned()
        ))
    );
    assert_eq!(
        body_received_for(&body).await,
        json!({
            "assistant_id": "asst_abc123",
            "model": "my-org/fine-tuned-7b",
            "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
            "response_format": "none",
            "truncation_strategy": {"type": "auto"}
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn decodes_the_spec_response_example() {
    let server = run_server().await;
    let run = client(&server)
        .assistants()
        .create_run(THREAD_ID, &minimal_request())
        .await
        .expect("the spec's own example decodes");

    assert_eq!(run.id, "run_abc123");
    assert_eq!(run.object, RunObjectObject::ThreadRun);
    assert_eq!(run.thread_id, THREAD_ID);
    assert_eq!(run.assistant_id, ASSISTANT_ID);
    assert_eq!(run.status, RunObjectStatus::Queued);
    assert_eq!(run.created_at, 1699063290);
    assert_eq!(run.started_at, Some(1699063290));
    assert_eq!(run.expires_at, None);
    assert_eq!(run.completed_at, Some(1699063291));
    assert_eq!(run.last_error, None);
    assert_eq!(run.model, "gpt-4-turbo");
    assert_eq!(run.instructions, None);
    assert_eq!(run.incomplete_details, None);
    assert_eq!(
        run.tools,
        [RunObjectToolsItem::CodeInterpreter(AssistantToolsCode {
            type_: AssistantToolsCodeType::CodeInterpreter
        })]
    );
    assert_eq!(run.metadata, Some(Map::new()));
    assert_eq!(run.usage, None);
    assert_eq!(run.temperature, Nullable::Value(1.0));
    assert_eq!(run.top_p, Nullable::Value(1.0));
    assert_eq!(run.max_prompt_tokens, Some(1000));
    assert_eq!(run.max_completion_tokens, Some(1000));
    let truncation = run.truncation_strategy.expect("truncation_strategy is set");
    assert_eq!(truncation.type_, TruncationObjectType::Auto);
    // The example sends `"last_messages": null`, which is not the same as leaving it out.
    assert_eq!(truncation.last_messages, Nullable::Null);
    assert_eq!(
        run.response_format,
        Some(AssistantsApiResponseFormatOption::Auto)
    );
    assert_eq!(run.tool_choice, Some(AssistantsApiToolChoiceOption::Auto));
    assert!(run.parallel_tool_calls);
}

#[tokio::test]
async fn values_newer_than_the_spec_decode_and_survive_reencoding() {
    let web_browser = json!({"type": "web_browser", "web_browser": {"max_pages": 3}});
    let mut response = spec_response_value();
    response["status"] = json!("paused");
    response["tools"] = json!([web_browser, {"type": "code_interpreter"}]);
    response["reasoning_effort"] = json!("high");
    let server = server_answering(json_body(200, response.to_string())).await;

    let run = client(&server)
        .assistants()
        .create_run(THREAD_ID, &minimal_request())
        .await
        .expect("unknown values decode");

    assert_eq!(run.status, RunObjectStatus::Other("paused".to_owned()));
    assert_eq!(run.status.as_str(), "paused");
    assert_eq!(
        run.tools[0],
        RunObjectToolsItem::Unknown(web_browser.clone())
    );
    assert!(matches!(
        run.tools[1],
        RunObjectToolsItem::CodeInterpreter(_)
    ));

    let encoded = serde_json::to_value(&run).expect("encodes");
    assert_eq!(encoded["status"], json!("paused"));
    assert_eq!(encoded["tools"][0], web_browser);
    assert_eq!(encoded["tools"][1], json!({"type": "code_interpreter"}));
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn not_found_is_an_api_error_with_message_request_id_and_raw_body() {
    let body = r#"{"error":{"message":"No thread found","type":"invalid_request_error"}}"#;
    let err =
        create_run_error(json_body(404, body).insert_header("x-request-id", "req_404abc")).await;

    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(err.request_id(), Some("req_404abc"));
    let Error::Api(api) = &err else {
        panic!("expected Error::Api, got {err:?}");
    };
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert_eq!(api.request_id(), Some("req_404abc"));
    assert_eq!(api.message().as_deref(), Some("No thread found"));
    assert_eq!(&api.body()[..], body.as_bytes());
    assert_eq!(
        api.json().and_then(|json| json.pointer("/error/type")),
        Some(&json!("invalid_request_error"))
    );
    assert_eq!(
        err.to_string(),
        "HTTP 404 Not Found: No thread found (request id: req_404abc)"
    );
}

#[tokio::test]
async fn server_error_with_a_text_body_displays_on_one_line() {
    let body = "upstream connect error\nor disconnect/reset before headers\n";
    let err = create_run_error(ResponseTemplate::new(500).set_body_raw(body, "text/plain")).await;

    let Error::Api(api) = &err else {
        panic!("expected Error::Api, got {err:?}");
    };
    assert_eq!(api.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(api.message(), None);
    assert_eq!(api.body_text(), body);
    assert_eq!(
        err.to_string(),
        "HTTP 500 Internal Server Error: upstream connect error or disconnect/reset before headers"
    );
}

#[tokio::test]
async fn success_with_a_wrongly_typed_field_is_a_decode_error_naming_it() {
    let err = create_run_error(json_body(200, r#"{"id": 5}"#)).await;

    assert_eq!(err.status(), Some(StatusCode::OK));
    let Error::Decode(decode) = &err else {
        panic!("expected Error::Decode, got {err:?}");
    };
    assert_eq!(decode.path(), "id");
    assert!(
        decode.message().contains("expected a string"),
        "{}",
        decode.message()
    );
    assert_eq!(&decode.body()[..], br#"{"id": 5}"#);
    let shown = err.to_string();
    assert!(
        shown.starts_with("could not decode response (HTTP 200) at id: "),
        "{shown}"
    );
}

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

#[test]
fn debug_output_shows_no_credential() {
    let builder = Client::builder()
        .base_url("https://gateway.example.com/v1")
        .api_key("pk-SECRET-1")
        .virtual_key("vk-SECRET-2")
        .provider_auth("sk-SECRET-3")
        .provider("SECRET-provider-4")
        .config(r#"{"api_key":"SECRET-5"}"#)
        .custom_host("https://SECRET-6.internal/v1");
    let builder_debug = format!("{builder:?}");
    assert!(
        builder_debug.contains("gateway.example.com"),
        "{builder_debug}"
    );
    assert!(!builder_debug.contains("SECRET"), "{builder_debug}");

    let client = builder.build().expect("valid client");
    for shown in [format!("{client:?}"), format!("{:?}", client.clone())] {
        assert!(shown.contains("gateway.example.com"), "{shown}");
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}

/// The variables `from_env` reads.
const ENV_VARS: [&str; 6] = [
    "PORTKEY_API_KEY",
    "PORTKEY_VIRTUAL_KEY",
    "PORTKEY_PROVIDER",
    "PORTKEY_CONFIG",
    "PORTKEY_CUSTOM_HOST",
    "PORTKEY_BASE_URL",
];

/// Serialises the tests that change the process environment.
static ENV_LOCK: Mutex<()> = Mutex::new(());

/// Runs `f` with exactly `vars` among the `PORTKEY_*` variables set. The lock is not held
/// across an `await`: `f` is expected to build a client, which reads the environment once.
fn with_env<T>(vars: &[(&str, &str)], f: impl FnOnce() -> T) -> T {
    let _lock = ENV_LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    let clear = || ENV_VARS.iter().for_each(|name| std::env::remove_var(name));
    clear();
    for (name, value) in vars {
        std::env::set_var(name, value);
    }
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    clear();
    result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

#[tokio::test]
async fn from_env_takes_the_key_and_the_base_url_from_the_environment() {
    let server = run_server().await;
    let client = with_env(
        &[
            ("PORTKEY_API_KEY", "pk-from-env"),
            ("PORTKEY_BASE_URL", &base_url(&server)),
        ],
        Client::from_env,
    )
    .expect("valid client");
    client
        .assistants()
        .create_run(THREAD_ID, &minimal_request())
        .await
        .expect("run created");

    let request = only_request(&server).await;
    assert_eq!(request.url.path(), "/v1/threads/thread_abc123/runs");
    assert_eq!(
        portkey_headers(&request),
        BTreeSet::from(["x-portkey-api-key"])
    );
    assert_eq!(header(&request, "x-portkey-api-key"), Some("pk-from-env"));
}

#[tokio::test]
async fn builder_from_env_overrides_only_what_is_set() {
    let server = run_server().await;
    let client = with_env(
        &[
            ("PORTKEY_VIRTUAL_KEY", "vk-from-env"),
            ("PORTKEY_CONFIG", r#"{"cache":{"mode":"semantic"}}"#),
        ],
        || {
            Client::builder()
                .base_url(base_url(&server))
                .api_key("pk-explicit")
                .virtual_key("vk-explicit")
                .from_env()
                .build()
        },
    )
    .expect("valid client");
    client
        .assistants()
        .create_run(THREAD_ID, &minimal_request())
        .await
        .expect("run created");

    let request = only_request(&server).await;
    assert_eq!(header(&request, "x-portkey-api-key"), Some("pk-explicit"));
    assert_eq!(
        header(&request, "x-portkey-virtual-key"),
        Some("vk-from-env")
    );
    assert_eq!(
        header(&request, "x-portkey-config"),
        Some(r#"{"cache":{"mode":"semantic"}}"#)
    );
    assert_eq!(
        portkey_headers(&request),
        BTreeSet::from([
            "x-portkey-api-key",
            "x-portkey-virtual-key",
            "x-portkey-config"
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// Round trip
// ---------------------------------------------------------------------------------------------

fn fully_populated_run() -> RunObject {
    RunObject {
        id: "run_full".to_owned(),
        object: RunObjectObject::ThreadRun,
        created_at: 1_700_000_000,
        thread_id: THREAD_ID.to_owned(),
        assistant_id: ASSISTANT_ID.to_owned(),
        status: RunObjectStatus::RequiresAction,
        required_action: Some(RunObjectRequiredAction {
            type_: RunObjectRequiredActionType::SubmitToolOutputs,
            submit_tool_outputs: RunObjectRequiredActionSubmitToolOutputs {
                tool_calls: vec![RunToolCallObject {
                    id: "call_1".to_owned(),
                    type_: RunToolCallObjectType::Function,
                    function: RunToolCallObjectFunction {
                        name: "get_weather".to_owned(),
                        arguments: r#"{"city":"Oslo"}"#.to_owned(),
                    },
                }],
            },
        }),
        last_error: Some(RunObjectLastError {
            code: RunObjectLastErrorCode::RateLimitExceeded,
            message: "Slow down".to_owned(),
        }),
        expires_at: Some(1_700_000_600),
        started_at: Some(1_700_000_001),
        cancelled_at: Some(1_700_000_002),
        failed_at: Some(1_700_000_003),
        completed_at: Some(1_700_000_004),
        incomplete_details: Some(RunObjectIncompleteDetails {
            reason: Some(RunObjectIncompleteDetailsReason::MaxPromptTokens),
        }),
        model: "gpt-4o".to_owned(),
        instructions: Some("Be brief.".to_owned()),
        tools: vec![
            RunObjectToolsItem::CodeInterpreter(AssistantToolsCode {
                type_: AssistantToolsCodeType::CodeInterpreter,
            }),
            RunObjectToolsItem::FileSearch(AssistantToolsFileSearch {
                type_: AssistantToolsFileSearchType::FileSearch,
                file_search: Some(AssistantToolsFileSearchFileSearch {
                    max_num_results: Some(5),
                }),
            }),
            RunObjectToolsItem::Function(function_tool()),
            RunObjectToolsItem::Unknown(json!({"type": "web_browser"})),
        ],
        metadata: Some(object(json!({"user": "u_42", "nested": {"a": [1, 2]}}))),
        usage: Some(RunCompletionUsage {
            completion_tokens: 456,
            prompt_tokens: 123,
            total_tokens: 579,
        }),
        temperature: Nullable::Value(0.2),
        top_p: Nullable::Value(0.9),
        max_prompt_tokens: Some(1000),
        max_completion_tokens: Some(800),
        truncation_strategy: Some(TruncationObject {
            type_: TruncationObjectType::LastMessages,
            last_messages: Nullable::Value(4),
        }),
        tool_choice: Some(AssistantsApiToolChoiceOption::AssistantsNamedToolChoice(
            AssistantsNamedToolChoice {
                type_: AssistantsNamedToolChoiceType::Function,
                function: Some(AssistantsNamedToolChoiceFunction {
                    name: "get_weather".to_owned(),
                }),
            },
        )),
        parallel_tool_calls: false,
        response_format: Some(
            AssistantsApiResponseFormatOption::AssistantsApiResponseFormat(
                AssistantsApiResponseFormat {
                    type_: Some(AssistantsApiResponseFormatType::JsonObject),
                },
            ),
        ),
    }
}

#[tokio::test]
async fn fully_populated_run_object_round_trips() {
    let run = fully_populated_run();
    let encoded = serde_json::to_string(&run).expect("encodes");
    let decoded: RunObject = serde_json::from_str(&encoded).expect("decodes");
    assert_eq!(decoded, run);

    // The same bytes, received as a response, decode to the same value.
    let server = server_answering(json_body(200, encoded)).await;
    let received = client(&server)
        .assistants()
        .create_run(THREAD_ID, &minimal_request())
        .await
        .expect("run decodes");
    assert_eq!(received, run);
}

// ---------------------------------------------------------------------------------------------
// Streaming
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_run_stream_asks_for_a_stream_and_yields_each_event() {
    let sse = concat!(
        ": keep-alive\n\n",
        "event: thread.run.created\n",
        "data: {\"id\":\"run_abc123\",\"status\":\"queued\"}\n\n",
        "event: thread.message.delta\n",
        "data: {\"id\":\"msg_1\",\"delta\":{\"content\":[{\"index\":0,\"type\":\"text\"}]}}\n\n",
        "event: done\n",
        "data: [DONE]\n\n",
    );
    let server = server_answering(
        ResponseTemplate::new(200).set_body_raw(sse.as_bytes().to_vec(), "text/event-stream"),
    )
    .await;
    let mut stream = client(&server)
        .assistants()
        .create_run_stream(THREAD_ID, &minimal_request())
        .await
        .expect("the stream starts");
    let mut events = Vec::new();
    while let Some(event) = futures_util::StreamExt::next(&mut stream).await {
        events.push(event.expect("each event decodes"));
    }
    assert_eq!(
        events,
        [
            json!({"event": "thread.run.created", "data": {"id": "run_abc123", "status": "queued"}}),
            json!({"event": "thread.message.delta", "data": {"id": "msg_1", "delta": {"content": [{"index": 0, "type": "text"}]}}}),
        ]
    );
    let body: Value = only_request(&server).await.body_json().expect("JSON body");
    assert_eq!(body, json!({"assistant_id": ASSISTANT_ID, "stream": true}));
}

// ---------------------------------------------------------------------------------------------
// Per-call options
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn with_options_adds_headers_to_that_call_only() {
    let server = run_server().await;
    let base = client(&server);
    let traced = base.with_options(
        portkey_client::runtime::RequestOptions::new().header("x-portkey-trace-id", "trace-42"),
    );
    traced
        .assistants()
        .create_run(THREAD_ID, &minimal_request())
        .await
        .expect("run created");
    base.assistants()
        .create_run(THREAD_ID, &minimal_request())
        .await
        .expect("run created");
    let requests = server.received_requests().await.expect("recording enabled");
    assert_eq!(requests.len(), 2);
    assert_eq!(header(&requests[0], "x-portkey-trace-id"), Some("trace-42"));
    assert_eq!(header(&requests[1], "x-portkey-trace-id"), None);
    assert_eq!(header(&requests[0], "x-portkey-api-key"), Some(API_KEY));
}

#[tokio::test]
async fn with_response_keeps_status_and_portkey_headers() {
    let server = server_answering(
        json_body(200, spec_response_example())
            .insert_header("x-portkey-cache-status", "MISS")
            .insert_header("x-portkey-trace-id", "trace-7"),
    )
    .await;
    let response = client(&server)
        .assistants()
        .create_run_with_response(THREAD_ID, &minimal_request())
        .await
        .expect("run created");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.header("x-portkey-cache-status"), Some("MISS"));
    assert_eq!(response.request_id(), Some("trace-7"));
    assert_eq!(response.body().status, RunObjectStatus::Queued);
    let debug = format!("{response:?}");
    assert!(
        !debug.contains("MISS"),
        "header values stay out of Debug: {debug}"
    );
}
