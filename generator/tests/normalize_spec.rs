//! `normalize_spec` on real specs: what it writes is the strict OpenAPI 3.0 that validators
//! compile, everywhere, not just where the unit tests look.

use std::path::Path;

use serde_json::Value;

/// Every place in a schema where a validator would refuse the document: `nullable` without
/// `type`, or `$ref` with siblings. Returns their JSON pointers.
fn strictness_problems(value: &Value, at: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if map.contains_key("$ref") && map.len() > 1 {
                out.push(format!("{at}: $ref with siblings"));
            }
            if map.contains_key("nullable") && !map.contains_key("type") {
                out.push(format!("{at}: nullable without type"));
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
    for spec in ["portkey-2024-06.yaml", "portkey-2026-07.yaml"] {
        check(
            &dir.join(spec),
            Some(&root.join("spec/portkey.overlay.yaml")),
        );
    }
}
