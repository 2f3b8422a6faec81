//! Multipart uploads, as received and parsed by a server.

use std::io::ErrorKind;

use bytes::Bytes;
use portkey_client::runtime::{Runtime, RuntimeBuilder, SchemeKind, SecurityScheme};
use portkey_client::upload::{FilePart, Form};
use portkey_client::Error;
use reqwest::Method;
use serde_json::{json, Value};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

static SCHEMES: &[SecurityScheme] = &[SecurityScheme {
    id: "bearer",
    kind: SchemeKind::Bearer,
}];

fn runtime(base_url: &str) -> Runtime {
    let mut builder = RuntimeBuilder::new(base_url, SCHEMES);
    builder.credential("bearer", "sk-test");
    builder.build().unwrap()
}

async fn ok_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "file_1"})))
        .mount(&server)
        .await;
    server
}

/// One part of a multipart body, as a server sees it.
#[derive(Debug, PartialEq)]
struct Part {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    bytes: Bytes,
}

fn text(name: &str, value: &str) -> Part {
    Part {
        name: name.to_owned(),
        file_name: None,
        content_type: None,
        bytes: Bytes::from(value.to_owned()),
    }
}

fn file(name: &str, file_name: &str, content_type: &str, bytes: &[u8]) -> Part {
    Part {
        name: name.to_owned(),
        file_name: Some(file_name.to_owned()),
        content_type: Some(content_type.to_owned()),
        bytes: Bytes::copy_from_slice(bytes),
    }
}

/// Sends `form` to a mock server; returns the single request it received.
async fn upload(form: Form) -> wiremock::Request {
    let server = ok_server().await;
    let created: Value = runtime(&server.uri())
        .request(Method::POST, "/files", &["bearer"])
        .multipart(form)
        .send_json()
        .await
        .unwrap();
    assert_eq!(created, json!({"id": "file_1"}));
    let mut requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    requests.remove(0)
}

/// Parses a received multipart body with `multer`, as a server would.
async fn parts(request: &wiremock::Request) -> Vec<Part> {
    let content_type = request.headers["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    let boundary = multer::parse_boundary(content_type).unwrap();
    let body = Bytes::from(request.body.clone());
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    while let Some(field) = multipart.next_field().await.unwrap() {
        parts.push(Part {
            name: field.name().unwrap().to_owned(),
            file_name: field.file_name().map(str::to_owned),
            content_type: field.content_type().map(ToString::to_string),
            bytes: field.bytes().await.unwrap(),
        });
    }
    parts
}

fn header<'a>(request: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).map(|v| v.to_str().unwrap())
}

/// Bytes of every value, so that a mangled byte would show.
fn binary(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 256) as u8).collect()
}

#[tokio::test]
async fn text_fields_and_a_file_from_bytes() {
    let content = binary(10_000);
    let form = Form::new()
        .text("purpose", "fine-tune")
        .file(
            "file",
            FilePart::bytes(content.clone(), "train.jsonl").content_type("application/jsonl"),
        )
        .text("note", "é\r\n--not-a-boundary");
    let request = upload(form).await;
    assert_eq!(header(&request, "authorization"), Some("Bearer sk-test"));
    assert_eq!(
        header(&request, "content-length"),
        Some(request.body.len().to_string().as_str()),
        "a form of known size is sent with its length"
    );
    assert_eq!(
        parts(&request).await,
        [
            text("purpose", "fine-tune"),
            file("file", "train.jsonl", "application/jsonl", &content),
            text("note", "é\r\n--not-a-boundary"),
        ]
    );
}

#[tokio::test]
async fn content_type_is_guessed_from_the_file_name() {
    let form = Form::new()
        .file("a", FilePart::bytes(&b"ID3"[..], "speech.mp3"))
        .file("b", FilePart::bytes(&b"{}"[..], "data.json"))
        .file("c", FilePart::bytes(&b"?"[..], "no-extension"))
        .file("d", FilePart::bytes(&b"?"[..], "odd.unknownext"));
    let received: Vec<(String, Option<String>)> = parts(&upload(form).await)
        .await
        .into_iter()
        .map(|p| (p.name, p.content_type))
        .collect();
    let expected = [
        ("a", "audio/mpeg"),
        ("b", "application/json"),
        ("c", "application/octet-stream"),
        ("d", "application/octet-stream"),
    ];
    let expected: Vec<(String, Option<String>)> = expected
        .iter()
        .map(|(n, t)| (n.to_string(), Some(t.to_string())))
        .collect();
    assert_eq!(received, expected);
}

#[tokio::test]
async fn file_from_a_path_is_streamed_with_its_name_type_and_length() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("upload-{}.mp3", std::process::id()));
    let content = binary(300_000);
    std::fs::write(&path, &content).unwrap();

    let part = FilePart::path(&path).await.unwrap();
    assert_eq!(part.content_length(), Some(300_000));
    assert_eq!(part.mime_type(), Some("audio/mpeg"));
    let file_name = path.file_name().unwrap().to_str().unwrap().to_owned();
    assert_eq!(part.file_name(), file_name);

    let request = upload(Form::new().text("model", "whisper-1").file("file", part)).await;
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        header(&request, "content-length"),
        Some(request.body.len().to_string().as_str())
    );
    assert_eq!(
        parts(&request).await,
        [
            text("model", "whisper-1"),
            file("file", &file_name, "audio/mpeg", &content),
        ]
    );
}

#[tokio::test]
async fn file_from_a_reader_is_sent_chunked() {
    let content = binary(200_000);
    let (mut writer, reader) = tokio::io::duplex(4096);
    let feed = {
        let content = content.clone();
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            for piece in content.chunks(10_000) {
                writer.write_all(piece).await.unwrap();
            }
        })
    };
    let part = FilePart::reader(reader, "notes.txt");
    assert_eq!(part.content_length(), None);
    let request = upload(Form::new().file("file", part)).await;
    feed.await.unwrap();
    assert_eq!(header(&request, "content-length"), None);
    assert_eq!(header(&request, "transfer-encoding"), Some("chunked"));
    assert_eq!(
        parts(&request).await,
        [file("file", "notes.txt", "text/plain", &content)]
    );
}

#[tokio::test]
async fn multipart_replaces_an_earlier_content_type() {
    let server = ok_server().await;
    runtime(&server.uri())
        .request(Method::POST, "/files", &[])
        .json(&json!({"ignored": true}))
        .multipart(Form::new().text("a", "b"))
        .send_empty()
        .await
        .unwrap();
    let request = &server.received_requests().await.unwrap()[0];
    let types: Vec<_> = request.headers.get_all("content-type").iter().collect();
    assert_eq!(types.len(), 1, "{types:?}");
    assert_eq!(parts(request).await, [text("a", "b")]);
}

#[tokio::test]
async fn invalid_content_type_is_reported_at_send_without_sending() {
    let server = ok_server().await;
    let form = Form::new().file(
        "file",
        FilePart::bytes(&b"x"[..], "a.bin").content_type("not a type"),
    );
    let err = runtime(&server.uri())
        .request(Method::POST, "/files", &[])
        .multipart(form)
        .send_empty()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "invalid request: invalid content type `not a type` for file `a.bin` (form field `file`)"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn unreadable_paths_are_io_errors_naming_the_file() {
    let missing = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-such-file.jsonl");
    let err = FilePart::path(&missing).await.unwrap_err();
    let Error::Io(io) = &err else {
        panic!("expected Error::Io, got {err:?}");
    };
    assert_eq!(io.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("no-such-file.jsonl"), "{err}");

    let err = FilePart::path(env!("CARGO_TARGET_TMPDIR"))
        .await
        .unwrap_err();
    let Error::Io(io) = &err else {
        panic!("expected Error::Io, got {err:?}");
    };
    assert_eq!(io.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("not a regular file"), "{err}");
}

#[tokio::test]
async fn debug_shows_names_and_sizes_not_contents() {
    let secret = "TOPSECRET-file-content";
    let form = Form::new()
        .text("api_note", "TOPSECRET-text-value")
        .file("file", FilePart::bytes(secret.as_bytes().to_vec(), "a.txt"));
    let debug = format!("{form:?}");
    assert!(!debug.contains("TOPSECRET"), "{debug}");
    assert!(
        debug.contains("api_note") && debug.contains("a.txt") && debug.contains("22"),
        "{debug}"
    );

    let request = runtime("https://api.example.com")
        .request(Method::POST, "/files", &[])
        .multipart(form);
    let debug = format!("{request:?}");
    assert!(!debug.contains("TOPSECRET"), "{debug}");
    assert!(debug.contains("a.txt"), "{debug}");
}
