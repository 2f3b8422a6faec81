//! Server-sent events: 100k chat-completion chunks through the runtime's SSE parser, fed
//! in 16 KiB reads as a socket would give them, against a bare split of the same bytes into
//! lines (the floor); and the parser followed by decoding each event as JSON, which is what
//! an `EventStream` does.

use std::hint::black_box;

use portkey_bench::{case, compare, report, Options};
use portkey_client::sse::Parser;

const EVENTS: usize = 100_000;
const READ: usize = 16 * 1024;

fn stream() -> Vec<u8> {
    let mut out = Vec::with_capacity(EVENTS * 220);
    for i in 0..EVENTS {
        out.extend_from_slice(
            format!(
                "data: {{\"id\":\"chatcmpl-9x2Kf\",\"object\":\"chat.completion.chunk\",\"created\":1718000000,\
                 \"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[{{\"index\":0,\
                 \"delta\":{{\"content\":\"token{i} \"}},\"logprobs\":null,\"finish_reason\":null}}]}}\n\n"
            )
            .as_bytes(),
        );
    }
    out.extend_from_slice(b"data: [DONE]\n\n");
    out
}

fn main() {
    let options = Options::from_env();
    let bytes = stream();
    let expected = EVENTS + 1;
    let records = compare(
        "sse (100k chat chunks)",
        vec![
            case("bare line split", |n| {
                for _ in 0..n {
                    let mut events = 0;
                    for read in black_box(&bytes).chunks(READ) {
                        // Lines may straddle reads; counting blank lines is all the floor does.
                        events += read.split(|&b| b == b'\n').filter(|l| l.is_empty()).count();
                    }
                    assert!(events >= expected);
                }
            }),
            case("sse::Parser", |n| {
                for _ in 0..n {
                    let mut parser = Parser::new();
                    let mut events = 0;
                    for read in black_box(&bytes).chunks(READ) {
                        events += parser.push(read).expect("parses").len();
                    }
                    assert_eq!(events, expected);
                }
            }),
            case("sse::Parser + JSON decode", |n| {
                for _ in 0..n {
                    let mut parser = Parser::new();
                    let mut events = 0;
                    for read in black_box(&bytes).chunks(READ) {
                        for event in parser.push(read).expect("parses") {
                            if event.data != "[DONE]" {
                                let value: serde_json::Value =
                                    serde_json::from_str(&event.data).expect("JSON");
                                black_box(value);
                            }
                            events += 1;
                        }
                    }
                    assert_eq!(events, expected);
                }
            }),
        ],
        options,
    );
    let records: Vec<_> = records
        .into_iter()
        .map(|r| r.items(expected as f64))
        .collect();
    report(&records);
}
