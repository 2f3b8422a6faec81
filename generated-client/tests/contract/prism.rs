//! Stoplight Prism, mocking the spec as the generator understood it
//! (`cargo xtask normalize-spec`), validates every request the client sends: body, path,
//! headers, credentials. A request Prism finds wrong gets 422 (or 401), or at least an
//! `sl-violations` header.

use std::sync::OnceLock;

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
    MessageRequestContentTextObject, MessageRequestContentTextObjectType, TruncationObject,
    TruncationObjectType,
};
use portkey_client::{Client, Error, Nullable};
use serde_json::{json, Map, Value};

use crate::servers::{prism, root, work_dir, Server};

const THREAD_ID: &str = "thread_abc123";

/// Writes the committed spec, with its overlay, as `cargo xtask normalize-spec` would, and
/// returns the file's path. Once per test binary: Prism reloads a spec file that changes, so
/// a second test must not rewrite it under the first one's server.
fn normalized_seed_spec() -> String {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        let root = root();
        let spec = root.join("spec/portkey.yaml");
        let overlay = root.join("spec/portkey.overlay.yaml");
        let normalized =
            generator::normalize_files(&spec, Some(&overlay)).expect("the seed spec loads");
        let out = work_dir().join("portkey-seed.normalized.json");
        let text = normalized.to_text(true).expect("the spec serialises");
        std::fs::write(&out, text).expect("the normalised spec can be written");
        out.to_string_lossy().into_owned()
    })
    .clone()
}

/// The four credential combinations `createRun`'s `security` allows, as a user sets them up.
fn clients(base_url: &str) -> Vec<(&'static str, Client)> {
    let base = || {
        Client::builder()
            .base_url(base_url)
            .api_key("pk-contract")
            .max_retries(0)
    };
    vec![
        ("api key + virtual key", base().virtual_key("openai-vk")),
        (
            "api key + provider + provider auth",
            base().provider("openai").provider_auth("sk-upstream"),
        ),
        (
            "api key + config",
            base().config(r#"{"provider":"openai","api_key":"sk-upstream"}"#),
        ),
        (
            "api key + provider + provider auth + custom host",
            base()
                .provider("openai")
                .provider_auth("sk-upstream")
                .custom_host("https://llm.internal.example/v1"),
        ),
    ]
    .into_iter()
    .map(|(name, b)| (name, b.build().expect("the client builds")))
    .collect()
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn minimal() -> CreateRunRequest {
    CreateRunRequest {
        assistant_id: "asst_abc123".to_owned(),
        ..Default::default()
    }
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

/// Every optional field set, every union variant somewhere.
fn everything() -> CreateRunRequest {
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
    CreateRunRequest {
        model: Nullable::Value(CreateRunRequestModel::Gpt4Turbo),
        instructions: Nullable::Value("Be brief.".to_owned()),
        additional_instructions: Nullable::Value("Use metric units.".to_owned()),
        additional_messages: Nullable::Value(vec![
            CreateMessageRequest {
                role: CreateMessageRequestRole::Assistant,
                content: CreateMessageRequestContent::TextContent("Hello!".to_owned()),
                attachments: Nullable::Absent,
                metadata: Nullable::Absent,
            },
            content_parts,
        ]),
        tools: Nullable::Value(vec![
            CreateRunRequestToolsItem::CodeInterpreter(AssistantToolsCode {
                type_: AssistantToolsCodeType::CodeInterpreter,
            }),
            CreateRunRequestToolsItem::FileSearch(AssistantToolsFileSearch {
                type_: AssistantToolsFileSearchType::FileSearch,
                file_search: Some(AssistantToolsFileSearchFileSearch {
                    max_num_results: Some(5),
                }),
            }),
            CreateRunRequestToolsItem::Function(function_tool()),
        ]),
        metadata: Nullable::Value(object(json!({"user": "u_42"}))),
        temperature: Nullable::Value(0.5),
        top_p: Nullable::Value(0.25),
        stream: Nullable::Value(false),
        max_prompt_tokens: Nullable::Value(2000),
        max_completion_tokens: Nullable::Value(500),
        truncation_strategy: Nullable::Value(TruncationObject {
            type_: TruncationObjectType::LastMessages,
            last_messages: Nullable::Value(10),
        }),
        tool_choice: Nullable::Value(AssistantsApiToolChoiceOption::Required),
        parallel_tool_calls: Some(false),
        response_format: Nullable::Value(
            AssistantsApiResponseFormatOption::AssistantsApiResponseFormat(
                AssistantsApiResponseFormat {
                    type_: Some(AssistantsApiResponseFormatType::JsonObject),
                },
            ),
        ),
        ..minimal()
    }
}

/// The requests sent to Prism: each optional field, each variant of each union, `null` where
/// the spec allows it, and the open enum's `Other`.
fn requests() -> Vec<(&'static str, CreateRunRequest)> {
    vec![
        ("only the required field", minimal()),
        ("every optional field", everything()),
        (
            "nulls for the nullable fields",
            CreateRunRequest {
                model: Nullable::Null,
                instructions: Nullable::Null,
                additional_instructions: Nullable::Null,
                additional_messages: Nullable::Null,
                tools: Nullable::Null,
                metadata: Nullable::Null,
                temperature: Nullable::Null,
                top_p: Nullable::Null,
                stream: Nullable::Null,
                max_prompt_tokens: Nullable::Null,
                max_completion_tokens: Nullable::Null,
                truncation_strategy: Nullable::Null,
                tool_choice: Nullable::Null,
                response_format: Nullable::Null,
                ..minimal()
            },
        ),
        (
            "a model the spec does not list (the open enum's Other)",
            CreateRunRequest {
                model: Nullable::Value(CreateRunRequestModel::from("my-org/fine-tuned-7b")),
                ..minimal()
            },
        ),
        (
            "named tool choice, string response format, auto truncation",
            CreateRunRequest {
                tool_choice: Nullable::Value(
                    AssistantsApiToolChoiceOption::AssistantsNamedToolChoice(
                        AssistantsNamedToolChoice {
                            type_: AssistantsNamedToolChoiceType::Function,
                            function: Some(AssistantsNamedToolChoiceFunction {
                                name: "get_weather".to_owned(),
                            }),
                        },
                    ),
                ),
                response_format: Nullable::Value(AssistantsApiResponseFormatOption::None),
                truncation_strategy: Nullable::Value(TruncationObject {
                    type_: TruncationObjectType::Auto,
                    last_messages: Nullable::Absent,
                }),
                ..minimal()
            },
        ),
        (
            "the other string alternatives",
            CreateRunRequest {
                tool_choice: Nullable::Value(AssistantsApiToolChoiceOption::None),
                response_format: Nullable::Value(AssistantsApiResponseFormatOption::Auto),
                ..minimal()
            },
        ),
        (
            "file search tool without options, text response format",
            CreateRunRequest {
                tools: Nullable::Value(vec![CreateRunRequestToolsItem::FileSearch(
                    AssistantToolsFileSearch {
                        type_: AssistantToolsFileSearchType::FileSearch,
                        file_search: None,
                    },
                )]),
                tool_choice: Nullable::Value(AssistantsApiToolChoiceOption::Auto),
                response_format: Nullable::Value(
                    AssistantsApiResponseFormatOption::AssistantsApiResponseFormat(
                        AssistantsApiResponseFormat {
                            type_: Some(AssistantsApiResponseFormatType::Text),
                        },
                    ),
                ),
                ..minimal()
            },
        ),
    ]
}

/// Sends every request with every credential setup to `server`; each must be accepted and
/// its answer decoded. Returns the failures, one line each.
async fn send_all(server: &Server, failures: &mut Vec<String>) -> usize {
    let mut sent = 0;
    for (setup, client) in clients(&server.base_url()) {
        for (case, request) in requests() {
            sent += 1;
            match client
                .assistants()
                .create_run_with_response(THREAD_ID, &request)
                .await
            {
                Ok(response) => {
                    if let Some(v) = response.header("sl-violations") {
                        failures.push(format!("{case} ({setup}): sl-violations {v}"));
                    }
                    if response.status() != 200 {
                        failures.push(format!("{case} ({setup}): status {}", response.status()));
                    }
                    if response.body().id.is_empty() {
                        failures.push(format!("{case} ({setup}): the run has no id"));
                    }
                }
                Err(e) => failures.push(format!("{case} ({setup}): {e}")),
            }
        }
    }
    sent
}

#[test]
fn prism_accepts_every_create_run_request_and_the_client_decodes_every_answer() {
    let spec = normalized_seed_spec();
    // Both mocks start at once; they are stopped when this test ends, passed or failed.
    let (fixed, dynamic) = std::thread::scope(|s| {
        let fixed = s.spawn(|| prism(&spec, false, true, "prism"));
        let dynamic = s.spawn(|| prism(&spec, true, true, "prism"));
        (
            fixed.join().expect("Prism starts"),
            dynamic.join().expect("Prism starts"),
        )
    });
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        let mut failures = Vec::new();
        let sent = send_all(&fixed, &mut failures).await + send_all(&dynamic, &mut failures).await;
        assert!(
            failures.is_empty(),
            "{} of {sent} requests failed:\n{}\n\nPrism's log:\n{}",
            failures.len(),
            failures.join("\n"),
            fixed.log_text()
        );
        assert_eq!(sent, 2 * 4 * requests().len());

        // The streaming method: Prism checks the request (`"stream": true` added) before it
        // looks for a `text/event-stream` answer, which the seed spec does not declare. So 406,
        // not 422, means the request was valid.
        for (setup, client) in clients(&fixed.base_url()) {
            match client
                .assistants()
                .create_run_stream(THREAD_ID, &everything())
                .await
            {
                Err(Error::Api(e)) => {
                    assert_eq!(e.status(), 406, "create_run_stream ({setup}): {e}");
                    assert!(e.body_text().contains("text/event-stream"), "{e}");
                }
                Err(e) => panic!("create_run_stream ({setup}): {e}"),
                Ok(_) => panic!("create_run_stream ({setup}): Prism has no event stream to give"),
            }
        }
    });
}

/// The negative control: the same Prism refuses a request that breaks the spec, so the test
/// above could fail.
#[test]
fn prism_refuses_an_invalid_request_with_422_naming_each_problem() {
    let spec = normalized_seed_spec();
    let server = prism(&spec, false, true, "prism");
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        let http = reqwest::Client::new();
        let response = http
            .post(format!("{}/threads/{THREAD_ID}/runs", server.base_url()))
            .header("x-portkey-api-key", "pk-contract")
            .header("x-portkey-virtual-key", "openai-vk")
            .json(&json!({"temperature": "hot", "colour": "blue"}))
            .send()
            .await
            .expect("Prism answers");
        assert_eq!(response.status(), 422);
        let body: Value = response.json().await.expect("a JSON problem");
        let messages: Vec<&str> = body["validation"]
            .as_array()
            .expect("a list of violations")
            .iter()
            .filter_map(|v| v["message"].as_str())
            .collect();
        let all = messages.join("\n");
        for expected in ["assistant_id", "colour", "temperature"] {
            assert!(
                all.contains(expected),
                "no violation names {expected}:\n{all}"
            );
        }

        // The client itself surfaces such an answer as an API error with Prism's message.
        let client = Client::builder()
            .base_url(server.base_url())
            .api_key("pk-contract")
            .virtual_key("openai-vk")
            .max_retries(0)
            .build()
            .expect("the client builds");
        let bad = CreateRunRequest {
            temperature: Nullable::Value(f64::from(7)),
            ..minimal()
        };
        match client.assistants().create_run(THREAD_ID, &bad).await {
            Err(Error::Api(e)) => {
                assert_eq!(e.status(), 422);
                assert!(e.body_text().contains("temperature"), "{e}");
            }
            other => panic!("expected a 422 for temperature 7, got {other:?}"),
        }

        // Without a credential combination the spec allows, Prism answers 401.
        let no_credentials = Client::builder()
            .base_url(server.base_url())
            .max_retries(0)
            .build()
            .expect("the client builds");
        match no_credentials
            .assistants()
            .create_run(THREAD_ID, &minimal())
            .await
        {
            Err(Error::Api(e)) => assert_eq!(e.status(), 401, "{e}"),
            other => panic!("expected a 401 without credentials, got {other:?}"),
        }
    });
}
