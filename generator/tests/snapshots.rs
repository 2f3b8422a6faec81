//! One fixture spec per mapping rule; each snapshot holds the diagnostics and the generated
//! code. Review changes with `cargo insta review`. That the snapshots also compile is checked
//! by `cargo xtask`'s fixture build test.

use std::path::Path;

fn generate(fixture: &str) -> generator::Generated {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{fixture}.yaml"));
    let text = std::fs::read_to_string(&path).expect("fixture exists");
    generator::generate(&generator::Input {
        spec_path: &path,
        spec_text: &text,
        overlay: None,
        source_name: &format!("{fixture}.yaml"),
        example_check: false,
    })
    .unwrap_or_else(|e| panic!("{fixture}: {e}"))
}

fn render(fixture: &str) -> String {
    let generated = generate(fixture);
    let mut out = String::new();
    for d in &generated.diagnostics {
        out.push_str(&format!("{d}\n"));
    }
    for (file, content) in &generated.files {
        // Module lists and the client are the same for every spec without operations.
        let boilerplate = file.ends_with("mod.rs") || file == "client.rs";
        if boilerplate && generated.operation_count == 0 {
            continue;
        }
        out.push_str(&format!("\n===== {file} =====\n"));
        // The two header lines are the same in every file.
        out.extend(content.lines().skip(3).map(|l| format!("{l}\n")));
    }
    if !generated.features.is_empty() {
        out.push_str("\n===== Cargo.toml: [features] =====\n");
        out.push_str(&generated.cargo_features());
    }
    out
}

macro_rules! snapshot_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                insta::assert_snapshot!(render(stringify!($name)));
            }
        )*
    };
}

snapshot_tests!(
    accepted_bad_input,
    all_of,
    any_of_open_enum,
    bodies,
    defaults,
    discriminator,
    docs,
    features,
    groups,
    inline_names,
    maps,
    names,
    not,
    nullable_ref,
    one_of_tagged,
    one_of_untagged,
    operations,
    pagination,
    recursive,
    required_non_property,
    required_optional,
    same_api_31,
    string_enum,
    v30_mixed,
    v31_const,
    v31_defs,
    v31_examples,
    v31_keywords,
    v31_null,
    v31_ref_siblings,
    v31_tuples,
    v31_type_list,
    v31_unsupported,
    v31_webhooks,
    v32,
    websocket,
);

/// One API written the OpenAPI 3.0 way (`nullable`, `example`, `enum: [x]`, `allOf` around a
/// described `$ref`, boolean `exclusiveMaximum`) and the 3.1 way (`type` lists, `{type: "null"}`
/// alternatives, `examples`, `const`, `$ref` siblings, numeric `exclusiveMaximum`) generates
/// the same Rust, file for file, with the same diagnostics (none).
#[test]
fn openapi_3_0_and_3_1_styles_generate_the_same_rust() {
    let without_header = |g: &generator::Generated| -> Vec<(String, String)> {
        g.files
            .iter()
            .map(|(path, text)| {
                (
                    path.clone(),
                    text.lines().skip(3).collect::<Vec<_>>().join("\n"),
                )
            })
            .collect()
    };
    let v30 = generate("same_api_30");
    let v31 = generate("same_api_31");
    assert!(v30.diagnostics.is_empty(), "{:#?}", v30.diagnostics);
    assert!(v31.diagnostics.is_empty(), "{:#?}", v31.diagnostics);
    assert_eq!(v30.type_count, v31.type_count);
    let (a, b) = (without_header(&v30), without_header(&v31));
    assert_eq!(a.len(), b.len());
    for ((path_a, text_a), (path_b, text_b)) in a.iter().zip(&b) {
        assert_eq!(path_a, path_b);
        assert_eq!(
            text_a, text_b,
            "{path_a} differs between the 3.0 and the 3.1 spelling"
        );
    }
}

/// An OpenAPI 3.1 spec reads the same from JSON as from YAML.
#[test]
fn openapi_3_1_reads_the_same_from_json() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v31_webhooks.yaml");
    let yaml = std::fs::read_to_string(&path).expect("fixture exists");
    let value: serde_json::Value = serde_yaml::from_str(&yaml).expect("YAML");
    let json = serde_json::to_string_pretty(&value).expect("JSON");
    let from_json = generator::generate(&generator::Input {
        spec_path: Path::new("v31_webhooks.json"),
        spec_text: &json,
        overlay: None,
        source_name: "v31_webhooks.yaml",
        example_check: false,
    })
    .expect("the JSON generates");
    let from_yaml = generate("v31_webhooks");
    assert_eq!(from_json.files, from_yaml.files);
    assert!(from_json.files.contains_key("webhooks.rs"));
}
