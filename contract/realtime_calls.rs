//! `GET /realtime` of the full 2026 client through Portkey's gateway, to an upstream WebSocket
//! server this program runs on loopback. Run as `full-spec-calls realtime GATEWAY_URL`
//! (`generated-client/tests/contract/full_spec.rs` does).
//!
//! The gateway is told to proxy to the upstream as a user would tell it: provider
//! `azure-ai` with its Foundry URL on loopback (the pinned gateway's realtime route takes the
//! `openai` provider's fixed base URL and ignores a custom host; see the README). Prints one
//! line per check: `ok<TAB>label` or `fail<TAB>label<TAB>why`, then the upstream's view of
//! the upgrade as `upstream<TAB>name<TAB>value` lines.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use portkey_client::runtime::RequestOptions;
use portkey_client::types::ConnectRealtimeParams;
use portkey_client::websocket::{CloseFrame, Outgoing, Received};
use portkey_client::{Client, Error};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame as WsCloseFrame;
use tokio_tungstenite::tungstenite::Message;

const PROVIDER_KEY: &str = "sk-realtime-upstream";
/// Longest any step may take: a broken proxy fails the run instead of hanging it.
const STEP: Duration = Duration::from_secs(20);

fn report(label: &str, outcome: Result<(), String>) {
    match outcome {
        Ok(()) => println!("ok\t{label}"),
        Err(why) => println!("fail\t{label}\t{}", why.replace(['\n', '\t'], " ")),
    }
}

/// The upgrade request the upstream received: its path and query, and its headers.
type Seen = Arc<Mutex<Option<(String, Vec<(String, String)>)>>>;

/// An upstream that answers like a realtime API: each text message with an `echo` event,
/// each binary message with the same bytes, and `bye` by closing with 4001. It speaks only
/// when spoken to: the pinned gateway drops what an upstream sends before the client's side
/// of the proxy is open (a greeting sent at once is lost when the gateway is slow; see the
/// README).
async fn upstream(listener: TcpListener, seen: Seen) {
    let Ok(Ok((tcp, _))) = tokio::time::timeout(STEP, listener.accept()).await else {
        return;
    };
    let record = |request: &Request, response: Response| {
        let headers = request
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        *seen.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((request.uri().to_string(), headers));
        Ok(response)
    };
    let Ok(mut socket) = tokio_tungstenite::accept_hdr_async(tcp, record).await else {
        return;
    };
    while let Ok(Some(Ok(message))) = tokio::time::timeout(STEP, socket.next()).await {
        let reply = match message {
            Message::Text(text) if text.contains("bye") => {
                let _ = socket
                    .close(Some(WsCloseFrame {
                        code: CloseCode::from(4001),
                        reason: "session over".into(),
                    }))
                    .await;
                // Drain until the peer's close answer arrives or the connection ends.
                while let Ok(Some(Ok(_))) = tokio::time::timeout(STEP, socket.next()).await {}
                return;
            }
            Message::Text(text) => Message::text(
                json!({"type": "echo", "got": serde_json::from_str::<Value>(&text).ok()})
                    .to_string(),
            ),
            Message::Binary(bytes) => Message::Binary(bytes),
            Message::Close(_) => return,
            _ => continue,
        };
        if socket.send(reply).await.is_err() {
            return;
        }
    }
}

async fn next<S>(socket: &mut S) -> Result<Received<Value>, String>
where
    S: futures_util::Stream<Item = Result<Received<Value>, Error>> + Unpin,
{
    match tokio::time::timeout(STEP, socket.next()).await {
        Err(_) => Err("nothing arrived in time".to_owned()),
        Ok(None) => Err("the stream ended".to_owned()),
        Ok(Some(item)) => item.map_err(|e| e.to_string()),
    }
}

pub async fn run(gateway: &str) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port for the upstream");
    let port = listener.local_addr().expect("its address").port();
    let seen: Seen = Arc::default();
    let server = tokio::spawn(upstream(listener, Arc::clone(&seen)));

    let client = Client::builder()
        .base_url(format!("{gateway}/v1"))
        .api_key("pk-contract")
        .provider("azure-ai")
        .provider_auth(PROVIDER_KEY)
        .trace_id("trace-realtime-1")
        .build()
        .expect("the client builds")
        .with_options(
            RequestOptions::new()
                .header(
                    "x-portkey-azure-foundry-url",
                    format!("http://127.0.0.1:{port}/models"),
                )
                .query("session_label", "contract"),
        );
    let params = ConnectRealtimeParams {
        model: Some("gpt-4o-realtime-preview".into()),
        ..Default::default()
    };
    let connected = tokio::time::timeout(STEP, client.realtime().connect_realtime(&params)).await;
    let mut socket = match connected {
        Ok(Ok(socket)) => {
            report("GET /realtime (upgrade)", Ok(()));
            socket
        }
        Ok(Err(e)) => return report("GET /realtime (upgrade)", Err(e.to_string())),
        Err(_) => return report("GET /realtime (upgrade)", Err("timed out".to_owned())),
    };

    let event = json!({"type": "session.update", "session": {"voice": "alloy"}});
    let sent = socket.send(Outgoing::Event(event.clone())).await;
    report(
        "GET /realtime (client event)",
        match (sent, next(&mut socket).await) {
            (Ok(()), Ok(Received::Event(e))) if e["type"] == "echo" && e["got"] == event => Ok(()),
            (sent, got) => Err(format!("sent {sent:?}, got {got:?}")),
        },
    );
    let audio = bytes::Bytes::from_static(&[0, 1, 2, 3, 254, 255]);
    let sent = socket.send(Outgoing::Binary(audio.clone())).await;
    report(
        "GET /realtime (binary)",
        match (sent, next(&mut socket).await) {
            (Ok(()), Ok(Received::Binary(b))) if b == audio => Ok(()),
            (sent, got) => Err(format!("sent {sent:?}, got {got:?}")),
        },
    );
    let sent = socket.send(Outgoing::Event(json!({"type": "bye"}))).await;
    let expected = CloseFrame {
        code: 4001,
        reason: "session over".to_owned(),
    };
    report(
        "GET /realtime (upstream close)",
        match (sent, next(&mut socket).await) {
            (Ok(()), Ok(Received::Close(Some(frame)))) if frame == expected => {
                match tokio::time::timeout(STEP, socket.next()).await {
                    Ok(None) => Ok(()),
                    other => Err(format!("the stream went on after the close: {other:?}")),
                }
            }
            (sent, got) => Err(format!("sent {sent:?}, got {got:?}")),
        },
    );
    let _ = tokio::time::timeout(STEP, server).await;
    if let Some((uri, headers)) = seen.lock().unwrap_or_else(PoisonError::into_inner).take() {
        println!("upstream\turi\t{uri}");
        for (name, value) in headers {
            println!("upstream\t{name}\t{value}");
        }
    }

    // Without a provider, the gateway refuses the upgrade before proxying anything.
    let refused = Client::builder()
        .base_url(format!("{gateway}/v1"))
        .api_key("pk-contract")
        .build()
        .expect("the client builds");
    let outcome = tokio::time::timeout(STEP, refused.realtime().connect_realtime(&params)).await;
    report(
        "GET /realtime (refused upgrade)",
        match outcome {
            Ok(Err(Error::Api(api))) if api.status().is_client_error() => {
                println!("refused\t{}\t{}", api.status(), api.body_text());
                Ok(())
            }
            other => Err(format!("{other:?}")),
        },
    );
}
