//! The full 2026 Portkey spec: the client generated from it (into `target/`) calls a
//! representative set of operations, at least one of every tag, against Prism mocking the
//! normalised spec. The calls are `contract/full_spec_calls.rs`, built as a program of its
//! own beside the generated crate.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use crate::gateway::gateway;
use crate::servers::{prism, root, work_dir, Server};

const SPEC: &str = "portkey-2026-07.yaml";

/// Calls whose answer from Prism's static mock does not decode because the spec's own example
/// contradicts its schema (with why); a walk of a listed operation's pages is held to the
/// same. A listed call that starts to decode fails the test, so the list stays true.
const EXAMPLES_CONTRADICTING_THE_SPEC: &[(&str, &str)] = &[(
    "GET /models",
    "the 200 example's models lack `created` and `owned_by`, which `ListModelsResponse` requires",
)];

/// The operation (`METHOD /path`) a call's label names: the label without the suffix that
/// marks a listing walked page by page (`GET /assistants (stream)`, `GET /batches (pages)`).
fn operation(label: &str) -> &str {
    label
        .split_once(" (")
        .map_or(label, |(operation, _)| operation)
}

fn spec_path() -> Option<PathBuf> {
    let path = root().join("../shared/specs").join(SPEC);
    path.exists().then_some(path)
}

fn cargo(dir: &Path, args: &[&str]) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    // Without the variable cargo set for this test: ring's build script tracks it.
    let output = Command::new(cargo)
        .env_remove("CARGO_MANIFEST_DIR")
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", root().join("target/generated-target"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo {} failed:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Generates the client and the program that calls it, once for all the tests; returns the
/// program's path.
fn build_calls(spec: &Path) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| build_calls_now(spec)).clone()
}

fn build_calls_now(spec: &Path) -> PathBuf {
    let root = root();
    let dir = work_dir().join("full-2026");
    let client = dir.join("client");
    let overlay = root.join("spec/portkey.overlay.yaml");
    cargo(
        &root,
        &[
            "run",
            "--quiet",
            "--package",
            "xtask",
            "--",
            "codegen",
            "--quiet",
            "--spec",
            &spec.to_string_lossy(),
            "--overlay",
            &overlay.to_string_lossy(),
            "--out",
            &client.to_string_lossy(),
        ],
    );
    let driver = dir.join("calls");
    std::fs::create_dir_all(driver.join("src")).expect("the program's folder");
    let write_if_changed = |path: PathBuf, text: String| {
        if std::fs::read_to_string(&path).ok() != Some(text.clone()) {
            std::fs::write(&path, text).expect("the program's files can be written");
        }
    };
    write_if_changed(
        driver.join("Cargo.toml"),
        "[package]\nname = \"full-spec-calls\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nportkey-client = { path = \"../client\" }\nbytes = \"1\"\nfutures-util = \"0.3\"\nserde = \"1\"\nserde_json = \"1\"\n\
         tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\", \"net\", \"time\"] }\n\
         tokio-tungstenite = { version = \"0.30\", default-features = false, features = [\"connect\", \"rustls-tls-webpki-roots\"] }\n\n[workspace]\n"
            .to_owned(),
    );
    write_if_changed(
        driver.join("Cargo.lock"),
        std::fs::read_to_string(root.join("Cargo.lock")).expect("Cargo.lock"),
    );
    write_if_changed(
        driver.join("src/main.rs"),
        std::fs::read_to_string(root.join("contract/full_spec_calls.rs")).expect("the calls"),
    );
    write_if_changed(
        driver.join("src/realtime_calls.rs"),
        std::fs::read_to_string(root.join("contract/realtime_calls.rs"))
            .expect("the realtime calls"),
    );
    // The README's example of listings, which the calls run.
    write_if_changed(
        driver.join("src/readme_listings.rs"),
        std::fs::read_to_string(root.join("contract/readme_listings.rs"))
            .expect("the README's example"),
    );
    cargo(&driver, &["build", "--quiet"]);
    root.join("target/generated-target/debug/full-spec-calls")
}

/// `METHOD /path` → tag, for every operation of the spec that the client has.
fn tags(spec: &Value) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if let Some(tag) = op["tags"][0].as_str() {
                tags.insert(format!("{} {path}", method.to_uppercase()), tag.to_owned());
            }
        }
    }
    tags
}

/// Runs the calls against `server`: label → `None` when it succeeded, else the error.
fn run_calls(program: &Path, server: &Server) -> BTreeMap<String, Option<String>> {
    let output = Command::new(program)
        .arg(server.base_url())
        .output()
        .expect("the calls run");
    assert!(
        output.status.success(),
        "the calls failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let mut parts = line.splitn(3, '\t');
            let outcome = parts.next().unwrap_or_default();
            let label = parts.next().unwrap_or_default().to_owned();
            let error = (outcome != "ok").then(|| parts.next().unwrap_or(line).to_owned());
            (label, error)
        })
        .collect()
}

#[test]
fn prism_accepts_calls_of_every_tag_of_the_full_spec_and_the_client_decodes_the_answers() {
    let Some(spec) = spec_path() else {
        println!("../shared/specs/{SPEC} is absent: the full-spec contract test is skipped");
        return;
    };
    let normalized =
        generator::normalize_files(&spec, Some(&root().join("spec/portkey.overlay.yaml")))
            .expect("the full spec loads");
    let normalized_path = work_dir().join("portkey-2026-07.normalized.json");
    std::fs::write(
        &normalized_path,
        normalized.to_text(true).expect("the spec serialises"),
    )
    .expect("the normalised spec can be written");
    let program = build_calls(&spec);
    let normalized_path = normalized_path.to_string_lossy().into_owned();

    let (fixed, dynamic) = std::thread::scope(|s| {
        let fixed = s.spawn(|| prism(&normalized_path, false, false, "prism-2026"));
        let dynamic = s.spawn(|| prism(&normalized_path, true, false, "prism-2026"));
        (
            fixed.join().expect("Prism starts"),
            dynamic.join().expect("Prism starts"),
        )
    });

    let tags = tags(&normalized.document);
    let all_tags: BTreeSet<&String> = tags
        .iter()
        .filter(|(op, _)| op.as_str() != "GET /realtime")
        .map(|(_, tag)| tag)
        .collect();
    let mut problems = Vec::new();
    for (server, name) in [(&fixed, "static"), (&dynamic, "dynamic")] {
        let outcomes = run_calls(&program, server);
        let covered: BTreeSet<&String> = outcomes
            .keys()
            .filter_map(|l| tags.get(operation(l)))
            .collect();
        assert!(outcomes.len() >= 30, "only {} calls", outcomes.len());
        for label in outcomes.keys() {
            assert!(
                tags.contains_key(operation(label)),
                "`{label}` is not an operation of the spec"
            );
        }
        let missing: Vec<&&String> = all_tags.difference(&covered).collect();
        assert!(missing.is_empty(), "no call for the tags {missing:?}");
        for (label, error) in &outcomes {
            let known = EXAMPLES_CONTRADICTING_THE_SPEC
                .iter()
                .find(|(l, _)| *l == operation(label));
            match (error, known, name) {
                (None, _, "dynamic") | (None, None, _) => {}
                (Some(error), Some(_), "static") if error.contains("could not decode") => {}
                (None, Some((_, why)), _) => problems.push(format!(
                    "{label} ({name}): decodes now; remove it from EXAMPLES_CONTRADICTING_THE_SPEC ({why})"
                )),
                (Some(error), _, _) => problems.push(format!("{label} ({name}): {error}")),
            }
        }
        // Prism logs each request that breaks the spec (the `sl-violations` it would send).
        let log = std::fs::read_to_string(server.log_path()).unwrap_or_default();
        for line in log.lines().filter(|l| l.contains("Request did not pass")) {
            problems.push(format!("{name}: {line}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// `GET /realtime` through Portkey's gateway: the full client opens the WebSocket on the
/// gateway, which proxies it to an upstream the calls program runs on loopback (provider
/// `azure-ai`, its Foundry URL on loopback). Events and binary messages travel both ways, the
/// upstream sees the provider's key and the query, the upstream's close code reaches the
/// client, and an upgrade without a provider is refused as an `Error::Api`.
#[test]
fn the_gateway_proxies_the_realtime_websocket_to_an_upstream_and_back() {
    let Some(spec) = spec_path() else {
        println!("../shared/specs/{SPEC} is absent: the realtime contract test is skipped");
        return;
    };
    let program = build_calls(&spec);
    let gateway = gateway();
    let output = Command::new(&program)
        .args(["realtime", &gateway.base_url()])
        .output()
        .expect("the realtime calls run");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let context = || {
        format!(
            "{stdout}\n{}\ngateway log:\n{}",
            String::from_utf8_lossy(&output.stderr),
            gateway.log_text()
        )
    };
    assert!(
        output.status.success(),
        "the realtime calls failed:\n{}",
        context()
    );
    let checks: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("ok\t") || l.starts_with("fail\t"))
        .collect();
    let failed: Vec<&&str> = checks.iter().filter(|l| l.starts_with("fail")).collect();
    assert!(failed.is_empty(), "{failed:#?}\n{}", context());
    for label in [
        "upgrade",
        "client event",
        "binary",
        "upstream close",
        "refused upgrade",
    ] {
        assert!(
            checks.contains(&format!("ok\tGET /realtime ({label})").as_str()),
            "no `{label}` check:\n{}",
            context()
        );
    }
    let upstream = |name: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("upstream\t{name}\t")))
            .map(str::to_owned)
    };
    assert_eq!(
        upstream("authorization").as_deref(),
        Some("Bearer sk-realtime-upstream"),
        "the upstream did not get the provider's key:\n{}",
        context()
    );
    let uri = upstream("uri").unwrap_or_default();
    assert!(
        uri.starts_with("/models/realtime?")
            && uri.contains("model=gpt-4o-realtime-preview")
            && uri.contains("session_label=contract"),
        "the upstream was asked for `{uri}`:\n{}",
        context()
    );
    // Portkey's own headers stay with the gateway.
    assert_eq!(upstream("x-portkey-api-key"), None, "{}", context());
}
