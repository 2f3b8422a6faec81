//! Decoding and encoding the chat completion response type generated from the full 2026
//! spec, against a hand-written serde struct of the same shape (the baseline) and against
//! `serde_json::Value`, interleaved in one run.
//!
//! This is not a bench of any crate of the workspace: the crate it measures exists only
//! after generation. `cargo xtask bench` generates it from `../shared/specs/` into `target/`,
//! writes a workspace there whose bench crate points at this file, and runs it; the spec's
//! example response is written beside that crate's manifest as `example.json`.

use portkey_bench::{report, Options, Record};
use portkey_client_2026::types::CreateChatCompletionResponse;
use serde_json::{json, Value};

/// What a careful person would write by hand for the same JSON: derived serde throughout,
/// string enums with a catch-all, the content blocks as a `#[serde(tag)]` union; fields are
/// skipped when absent exactly where the generated type skips them, so that both write the
/// same JSON.
mod hand {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Serialize, Deserialize)]
    pub struct ChatCompletion {
        pub id: String,
        pub choices: Vec<Choice>,
        pub created: i64,
        pub model: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub system_fingerprint: Option<String>,
        pub object: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub usage: Option<Usage>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct Choice {
        pub finish_reason: FinishReason,
        pub index: i64,
        pub message: Message,
        #[serde(default)]
        pub logprobs: Option<Logprobs>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum FinishReason {
        Stop,
        Length,
        ToolCalls,
        ContentFilter,
        FunctionCall,
        #[serde(other)]
        Unknown,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct Message {
        #[serde(default)]
        pub content: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub tool_calls: Option<Vec<ToolCall>>,
        pub role: Role,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub function_call: Option<Function>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub content_blocks: Option<Vec<ContentBlock>>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Role {
        Assistant,
        #[serde(other)]
        Unknown,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct ToolCall {
        pub id: String,
        #[serde(rename = "type")]
        pub type_: String,
        pub function: Function,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct Function {
        pub name: String,
        pub arguments: String,
    }

    #[derive(Debug, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum ContentBlock {
        Text {
            text: String,
        },
        Thinking {
            thinking: String,
        },
        RedactedThinking {
            data: String,
        },
        #[serde(other)]
        Unknown,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct Logprobs {
        #[serde(default)]
        pub content: Option<Vec<TokenLogprob>>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct TokenLogprob {
        pub token: String,
        pub logprob: f64,
        #[serde(default)]
        pub bytes: Option<Vec<i64>>,
        pub top_logprobs: Vec<TopLogprob>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct TopLogprob {
        pub token: String,
        pub logprob: f64,
        #[serde(default)]
        pub bytes: Option<Vec<i64>>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct Usage {
        pub completion_tokens: i64,
        pub prompt_tokens: i64,
        pub total_tokens: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub completion_tokens_details: Option<CompletionTokensDetails>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub prompt_tokens_details: Option<PromptTokensDetails>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct CompletionTokensDetails {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub reasoning_tokens: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub accepted_prediction_tokens: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub rejected_prediction_tokens: Option<i64>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct PromptTokensDetails {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub cached_tokens: Option<i64>,
    }
}

/// The spec's example, which `cargo xtask bench` writes beside the bench crate's manifest.
fn spec_example() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/example.json");
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e} (`cargo xtask bench` writes it)"));
    serde_json::from_str::<Value>(&text).expect("the example is JSON");
    text
}

/// Log probabilities of `n` tokens, five alternatives each, with their UTF-8 bytes. The
/// values have few digits, so that they print back exactly as they were read.
fn logprobs(n: usize, seed: usize) -> Value {
    let token = |i: usize| format!(" token{}", (i * 7919 + seed) % 50_000);
    let bytes = |t: &str| t.bytes().map(|b| json!(b)).collect::<Vec<_>>();
    let content: Vec<Value> = (0..n)
        .map(|i| {
            let t = token(i);
            json!({
                "token": t,
                "logprob": -(((i * 37 + seed) % 2000) as f64) / 1000.0,
                "bytes": bytes(&t),
                "top_logprobs": (0..5).map(|k| {
                    let t = token(i + k * 101);
                    json!({
                        "token": t,
                        "logprob": -(((i * 37 + k * 613 + seed) % 9000) as f64) / 1000.0,
                        "bytes": bytes(&t),
                    })
                }).collect::<Vec<_>>()
            })
        })
        .collect();
    json!({ "content": content })
}

/// A large response (`n` = 4): two choices answer in text (6 KB each, with a 3 KB thinking
/// block and the text again as content blocks), two call eight tools each with kilobyte
/// arguments; every choice carries the log probabilities of 200 tokens with five
/// alternatives each; usage with its details.
fn large_response() -> String {
    let answer = "The quarterly figures show revenue up 12% on the year, driven by the new \
                  subscription tier; costs rose 4%, mostly hosting. "
        .repeat(48);
    let thinking = "The user wants a summary of the report; first check which quarter, then \
                    compare with the previous year before answering. "
        .repeat(24);
    let choices: Vec<Value> = (0..4)
        .map(|i| {
            let message = if i % 2 == 0 {
                json!({
                    "role": "assistant",
                    "content": answer,
                    "content_blocks": [
                        {"type": "thinking", "thinking": thinking},
                        {"type": "text", "text": answer}
                    ]
                })
            } else {
                json!({
                    "role": "assistant",
                    "content": null,
                    "tool_calls": (0..8).map(|k| json!({
                        "id": format!("call_{i}_{k:04}"),
                        "type": "function",
                        "function": {
                            "name": format!("lookup_{k}"),
                            "arguments": format!(
                                "{{\"id\":\"{}\",\"fields\":[\"name\",\"total\"]}}",
                                "x".repeat(1000)
                            )
                        }
                    })).collect::<Vec<_>>()
                })
            };
            json!({
                "index": i,
                "finish_reason": if i % 2 == 0 { "stop" } else { "tool_calls" },
                "message": message,
                "logprobs": logprobs(200, i)
            })
        })
        .collect();
    json!({
        "id": "chatcmpl-9758IwFzQ2bK",
        "object": "chat.completion",
        "created": 1_711_475_054,
        "model": "gpt-4o-2024-08-06",
        "system_fingerprint": "fp_3b956da36b",
        "choices": choices,
        "usage": {
            "prompt_tokens": 34_000,
            "completion_tokens": 5_200,
            "total_tokens": 39_200,
            "completion_tokens_details": {
                "reasoning_tokens": 1_024,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0
            },
            "prompt_tokens_details": {"cached_tokens": 30_720}
        }
    })
    .to_string()
}

/// Decode and encode groups for one JSON text: hand-written first (the baseline). Before
/// measuring, checks that the comparison is fair: all three decode the text, the generated
/// type reads back what it writes, and it writes the same JSON as the hand-written struct
/// (and, when `exact`, the same JSON as the input).
fn groups(name: &str, json: &str, exact: bool, options: Options) -> Vec<Record> {
    type Generated = CreateChatCompletionResponse;
    let generated: Generated = serde_json::from_str(json).expect("the generated type decodes it");
    let hand: hand::ChatCompletion =
        serde_json::from_str(json).expect("the hand-written type decodes it");
    let value: Value = serde_json::from_str(json).expect("JSON");

    let written = serde_json::to_string(&generated).expect("encodes");
    let again: Generated = serde_json::from_str(&written).expect("reads back what it wrote");
    assert!(
        again == generated,
        "{name}: the generated type does not round-trip"
    );
    let written: Value = serde_json::from_str(&written).expect("JSON");
    let by_hand = serde_json::to_value(&hand).expect("encodes");
    assert_eq!(
        written, by_hand,
        "{name}: the generated type and the hand-written struct write different JSON"
    );
    if exact {
        assert_eq!(
            written, value,
            "{name}: the generated type changes the JSON"
        );
    }

    portkey_bench::codec_groups::<Generated, hand::ChatCompletion>(name, json, options)
}

fn main() {
    let options = Options::from_env();
    let example = spec_example();
    let large = large_response();
    let mut records = groups(
        "chat completion 2026 (spec example)",
        &example,
        false,
        options,
    );
    records.extend(groups(
        "chat completion 2026 (large)",
        &large,
        true,
        options,
    ));
    report(&records);
}
