//! Inputs and servers the client's benches share.

#![allow(dead_code)] // Each bench uses part of it.

use serde_json::{json, Value};

/// The `createRun` response example of `spec/portkey.yaml`: the first `response: |` block
/// after `operationId: createRun`, read from the spec so the bench follows it.
pub fn run_object_example() -> String {
    let spec =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/portkey.yaml"))
            .expect("spec/portkey.yaml is readable");
    let mut lines = spec
        .lines()
        .skip_while(|l| l.trim() != "operationId: createRun")
        .skip_while(|l| l.trim() != "response: |");
    let head = lines.next().expect("createRun has a `response: |` example");
    let indent = head.len() - head.trim_start().len();
    let block: Vec<&str> = lines
        .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > indent)
        .collect();
    let text = block.join("\n");
    serde_json::from_str::<Value>(&text).expect("the example is JSON");
    text
}

/// A large run: 128 function tools with parameter schemas, 32 pending tool calls with
/// kilobyte arguments, 32 KB of instructions and metadata.
pub fn run_object_large() -> String {
    let mut run: Value = serde_json::from_str(&run_object_example()).expect("JSON");
    let long = "Answer in the user's language, cite the documents you used. ".repeat(530);
    run["instructions"] = json!(long);
    run["status"] = json!("requires_action");
    run["tools"] = (0..128)
        .map(|i| {
            json!({
                "type": "function",
                "function": {
                    "name": format!("lookup_{i}"),
                    "description": "Looks up a record by its identifier and returns every field of it, \
                                    with the dates in ISO 8601 and the amounts in minor units.",
                    "parameters": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "string", "description": "The record's identifier."},
                            "fields": {"type": "array", "items": {"type": "string"}},
                            "limit": {"type": "integer", "minimum": 1, "maximum": 100}
                        },
                        "required": ["id"]
                    },
                    "strict": false
                }
            })
        })
        .collect();
    run["required_action"] = json!({
        "type": "submit_tool_outputs",
        "submit_tool_outputs": {
            "tool_calls": (0..32).map(|i| json!({
                "id": format!("call_{i:04}"),
                "type": "function",
                "function": {
                    "name": format!("lookup_{i}"),
                    "arguments": format!("{{\"id\":\"{}\",\"fields\":[\"name\",\"total\"]}}", "x".repeat(1000))
                }
            })).collect::<Vec<_>>()
        }
    });
    run["metadata"] = (0..16)
        .map(|i| (format!("key_{i}"), json!(format!("value number {i}"))))
        .collect::<serde_json::Map<_, _>>()
        .into();
    run["usage"] =
        json!({"completion_tokens": 1200, "prompt_tokens": 34000, "total_tokens": 35200});
    serde_json::to_string(&run).expect("JSON")
}

/// A typical `createRun` request: a model, instructions, four messages (text and content
/// parts), eight function tools, metadata and sampling settings.
pub fn create_run_request() -> String {
    let tools: Vec<Value> = (0..8)
        .map(|i| {
            json!({
                "type": "function",
                "function": {
                    "name": format!("tool_{i}"),
                    "description": "Fetches the weather for a city.",
                    "parameters": {
                        "type": "object",
                        "properties": {"city": {"type": "string"}},
                        "required": ["city"]
                    }
                }
            })
        })
        .collect();
    json!({
        "assistant_id": "asst_abc123",
        "model": "gpt-4o",
        "instructions": "You are a helpful assistant. Answer briefly.",
        "additional_messages": [
            {"role": "user", "content": "What is the weather in Paris?"},
            {"role": "assistant", "content": "Let me look that up."},
            {"role": "user", "content": [
                {"type": "text", "text": "And in Lyon, please."},
                {"type": "image_url", "image_url": {"url": "https://example.com/map.png", "detail": "low"}}
            ], "metadata": {"source": "web"}},
            {"role": "user", "content": "Thanks!", "attachments": [
                {"file_id": "file_abc", "tools": [{"type": "file_search"}]}
            ]}
        ],
        "tools": tools,
        "metadata": {"user": "u_123", "conversation": "c_456"},
        "temperature": 0.2,
        "top_p": 1.0,
        "max_prompt_tokens": 4000,
        "max_completion_tokens": 1000,
        "truncation_strategy": {"type": "last_messages", "last_messages": 10},
        "tool_choice": "auto",
        "parallel_tool_calls": true,
        "response_format": {"type": "json_object"}
    })
    .to_string()
}

/// An HTTP/1.1 server on loopback that reads each request (headers and a `content-length`
/// body), discards it, and answers every one with `200` and `body` as JSON, keeping
/// connections alive. It runs on a runtime of its own, on its own thread, so that its work
/// does not share the measured client's scheduler. Returns the base URL.
pub fn serve_fixed(body: String) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("server runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind loopback");
            tx.send(listener.local_addr().expect("address"))
                .expect("the bench waits for the address");
            let response: std::sync::Arc<[u8]> = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes()
            .into();
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let _ = socket.set_nodelay(true);
                tokio::spawn(connection(socket, std::sync::Arc::clone(&response)));
            }
        });
    });
    let addr = rx.recv().expect("the server starts");
    format!("http://{addr}")
}

async fn connection(socket: tokio::net::TcpStream, response: std::sync::Arc<[u8]>) {
    use tokio::io::AsyncWriteExt;
    let mut conn = Conn {
        socket,
        buf: Vec::with_capacity(64 * 1024),
    };
    while let Some(()) = conn.request().await {
        if conn.socket.write_all(&response).await.is_err() {
            return;
        }
    }
}

/// One connection's bytes: requests are read and thrown away as they come.
struct Conn {
    socket: tokio::net::TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    /// Reads one request, body included (by `content-length` or chunked); `None` when the
    /// connection ends.
    async fn request(&mut self) -> Option<()> {
        let head = self.until(b"\r\n\r\n").await?;
        let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
        let header = |name: &str| {
            head.lines()
                .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
        };
        if header("transfer-encoding:").is_some_and(|v| v.contains("chunked")) {
            loop {
                let size_line = self.until(b"\r\n").await?;
                let size_text = String::from_utf8_lossy(&size_line);
                let size_text = size_text.trim().split(';').next().unwrap_or("");
                let size = usize::from_str_radix(size_text, 16).ok()?;
                self.skip(size + 2).await?;
                if size == 0 {
                    return Some(());
                }
            }
        }
        let length = header("content-length:")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        self.skip(length).await
    }

    /// Reads through `delimiter`; returns what came before it.
    async fn until(&mut self, delimiter: &[u8]) -> Option<Vec<u8>> {
        loop {
            if let Some(i) = self
                .buf
                .windows(delimiter.len())
                .position(|w| w == delimiter)
            {
                let line = self.buf[..i].to_vec();
                self.buf.drain(..i + delimiter.len());
                return Some(line);
            }
            self.fill().await?;
        }
    }

    /// Discards `n` bytes.
    async fn skip(&mut self, mut n: usize) -> Option<()> {
        loop {
            let take = n.min(self.buf.len());
            self.buf.drain(..take);
            n -= take;
            if n == 0 {
                return Some(());
            }
            self.fill().await?;
        }
    }

    async fn fill(&mut self) -> Option<()> {
        use tokio::io::AsyncReadExt;
        // Into spare capacity: no buffer to zero on every read.
        self.buf.reserve(64 * 1024);
        match self.socket.read_buf(&mut self.buf).await {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(()),
        }
    }
}
