//! `normalize_spec` on real specs: what it writes is the strict OpenAPI 3.0 that validators
//! compile, everywhere, not just where the unit tests look.

use std::path::Path;

use serde_json::Value;

/// Every place in a schema where a validator would refuse the document: `nullable` without
/// `type`, `$ref` with siblings, or what only OpenAPI 3.1 says. Returns their JSON pointers.
fn strictness_problems(value: &Value, at: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if map.contains_key("$ref") && map.len() > 1 {
                out.push(format!("{at}: $ref with siblings"));
            }
            if map.contains_key("nullable") && !map.contains_key("type") {
                out.push(format!("{at}: nullable without type"));
            }
            if map.get("type").is_some_and(|t| t.is_array() || t == "null") {
                out.push(format!("{at}: 3.1 type"));
            }
            for key in [
                "const",
                "$defs",
                "prefixItems",
                "patternProperties",
                "contentMediaType",
                "if",
                "webhooks",
                "$anchor",
                "$id",
            ] {
                if map.contains_key(key) {
                    out.push(format!("{at}: {key}"));
                }
            }
            for key in ["exclusiveMinimum", "exclusiveMaximum"] {
                if map.get(key).is_some_and(Value::is_number) {
                    out.push(format!("{at}: numeric {key}"));
                }
            }
            if map.get("type") == Some(&Value::from("array")) && !map.contains_key("items") {
                out.push(format!("{at}: array without items"));
            }
            for (key, child) in map {
                // Examples are data, not schemas.
                if key != "example" && key != "examples" && !key.starts_with("x-") {
                    strictness_problems(child, &format!("{at}/{key}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                strictness_problems(child, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn check(spec: &Path, overlay: Option<&Path>) -> generator::Normalized {
    let normalized = generator::normalize_files(spec, overlay).expect("the spec loads");
    let mut problems = Vec::new();
    strictness_problems(&normalized.document, "#", &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let version = normalized.document["openapi"].as_str().unwrap_or_default();
    assert!(
        version.starts_with("3.0."),
        "{}: openapi {version}",
        spec.display()
    );
    // A reader of OpenAPI 3.0 alone reads it, with nothing left out.
    let strict: openapiv3::OpenAPI = serde_json::from_value(normalized.document.clone())
        .unwrap_or_else(|e| panic!("{}: not OpenAPI 3.0: {e}", spec.display()));
    assert_eq!(
        strict.paths.paths.len(),
        normalized.document["paths"]
            .as_object()
            .map_or(0, |p| p.len())
    );
    // The text round-trips, as YAML and as JSON.
    for json in [true, false] {
        let text = normalized.to_text(json).expect("serialises");
        let back: Value = if json {
            serde_json::from_str(&text).expect("valid JSON")
        } else {
            serde_yaml::from_str(&text).expect("valid YAML")
        };
        assert_eq!(back, normalized.document);
    }
    normalized
}

#[test]
fn the_seed_spec_comes_out_strict_with_each_change_reported() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let normalized = check(
        &root.join("spec/portkey.yaml"),
        Some(&root.join("spec/portkey.overlay.yaml")),
    );
    let doc = &normalized.document;
    let request = &doc["components"]["schemas"]["CreateRunRequest"];
    assert_eq!(request["required"], serde_json::json!(["assistant_id"]));
    assert_eq!(
        request["properties"]["truncation_strategy"]["anyOf"],
        serde_json::json!([{"$ref": "#/components/schemas/TruncationObject"}, {"enum": [null]}])
    );
    let strict_changes = normalized
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("without `type`"))
        .count();
    // 6 nullable `$ref`s and `model` (nullable `anyOf`), each reported where it happened.
    assert_eq!(strict_changes, 7, "{:#?}", normalized.diagnostics);
    assert!(normalized.diagnostics.iter().all(|d| d.location.is_some()));
}

#[test]
fn the_full_specs_come_out_strict() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = root.join("../shared/specs");
    if !dir.exists() {
        println!("../shared/specs/ is absent: the full specs are not normalised");
        return;
    }
    for spec in [
        "portkey-2024-06.yaml",
        "portkey-2024-10-3.0.yaml",
        "portkey-2024-11-3.1.yaml",
        "portkey-2024-11-3.0.yaml",
        "portkey-2026-07.yaml",
    ] {
        check(
            &dir.join(spec),
            Some(&root.join("spec/portkey.overlay.yaml")),
        );
    }
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{name}.yaml"))
}

/// Generated files without the header lines that name the spec.
fn generated_body(path: &Path, text: &str) -> Vec<(String, String)> {
    let generated = generator::generate(&generator::Input {
        spec_path: path,
        spec_text: text,
        overlay: None,
        source_name: "spec",
        example_check: false,
    })
    .expect("generates");
    generated
        .files
        .into_iter()
        .map(|(p, t)| (p, t.lines().skip(3).collect::<Vec<_>>().join("\n")))
        .collect()
}

/// Every 3.1 fixture comes out as OpenAPI 3.0 that a 3.0 reader takes whole, each rewrite
/// reported at its place; and where 3.0 can say all of it (no `$defs`, no webhooks), the 3.0
/// document generates the same Rust as the 3.1 one.
#[test]
fn openapi_3_1_comes_out_as_3_0_and_generates_the_same_rust() {
    for name in [
        "same_api_31",
        "v30_mixed",
        "v31_const",
        "v31_defs",
        "v31_examples",
        "v31_keywords",
        "v31_null",
        "v31_ref_siblings",
        "v31_tuples",
        "v31_type_list",
        "v31_unsupported",
        "v31_webhooks",
        "v32",
    ] {
        let path = fixture(name);
        let normalized = check(&path, None);
        let rewrites: Vec<&generator::Diagnostic> = normalized
            .diagnostics
            .iter()
            .filter(|d| {
                d.message.contains("written as")
                    || d.message.contains("removed")
                    || d.message.contains("moved")
            })
            .collect();
        assert!(!rewrites.is_empty(), "{name}: no rewrite reported");
        if ["v31_defs", "v31_webhooks", "v31_unsupported", "v32"].contains(&name) {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("fixture");
        let as_30 = normalized.to_text(false).expect("YAML");
        let out = Path::new("normalized.yaml");
        assert_eq!(
            generated_body(&path, &text),
            generated_body(out, &as_30),
            "{name}: the 3.0 it is written as generates other Rust"
        );
    }
}

/// The 3.1 spec Portkey published reports its version change and nothing else it did not
/// have to: no 3.1 keywords are in it.
#[test]
fn portkey_s_3_1_spec_is_written_as_3_0_by_changing_its_version() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = root.join("../shared/specs");
    if !dir.exists() {
        println!("../shared/specs/ is absent: the 3.1 spec is not normalised");
        return;
    }
    let v31 =
        generator::normalize_files(&dir.join("portkey-2024-11-3.1.yaml"), None).expect("loads");
    let v30 =
        generator::normalize_files(&dir.join("portkey-2024-11-3.0.yaml"), None).expect("loads");
    assert_eq!(v31.document["openapi"], "3.0.3");
    let mut a = v31.document.clone();
    a["openapi"] = v30.document["openapi"].clone();
    assert_eq!(
        a, v30.document,
        "the two documents differ in more than their version"
    );
    let version_changes: Vec<&str> = v31
        .diagnostics
        .iter()
        .filter(|d| d.pointer == "#/openapi")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        version_changes,
        ["`openapi: 3.1.0` written as `openapi: 3.0.3`"]
    );
}
