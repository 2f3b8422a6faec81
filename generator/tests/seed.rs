//! The generator on the project's own spec: what a user of `cargo xtask codegen` sees.

use std::path::{Path, PathBuf};

use generator::{Error, Generated, Input, Severity};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn generate(spec_text: &str, spec_name: &str, overlay: Option<&str>) -> Result<Generated, Error> {
    let overlay_path = root().join("spec/portkey.overlay.yaml");
    generator::generate(&Input {
        spec_path: Path::new(spec_name),
        spec_text,
        overlay: overlay.map(|text| (overlay_path.as_path(), text)),
        source_name: "spec/portkey.yaml",
        example_check: false,
    })
}

fn seed() -> String {
    std::fs::read_to_string(root().join("spec/portkey.yaml")).expect("seed spec")
}

fn overlay() -> String {
    std::fs::read_to_string(root().join("spec/portkey.overlay.yaml")).expect("overlay")
}

const EXAMPLE: &str = "#/paths/~1threads~1{thread_id}~1runs/post/x-code-samples/2/response";
const SCHEMA_EXAMPLE: &str = "#/components/schemas/RunObject/x-code-samples/example";

/// Without the overlay, the spec contradicts its own examples, and the generator says where
/// and what to add to the overlay.
#[test]
fn example_contradicting_its_schema_is_reported_with_the_fix() {
    let generated = generate(&seed(), "portkey.yaml", None).expect("seed generates");
    for pointer in [EXAMPLE, SCHEMA_EXAMPLE] {
        let d = generated
            .diagnostics
            .iter()
            .find(|d| d.pointer == pointer)
            .unwrap_or_else(|| panic!("no diagnostic at {pointer}: {:#?}", generated.diagnostics));
        assert_eq!(d.severity, Severity::Warning);
        assert!(d.message.contains("`instructions` is null"), "{d}");
        assert!(
            d.message
                .contains("#/components/schemas/RunObject/properties/instructions"),
            "{d}"
        );
        assert_eq!(
            d.help.as_deref(),
            Some("if the server sends this, add to the overlay: `- target: $.components.schemas.RunObject.properties.instructions` with `update: {nullable: true}`")
        );
    }
    let run_object = &generated.files["types/run_object.rs"];
    assert!(run_object.contains("pub instructions: ::std::string::String,"));
}

/// With the committed overlay the example fits, and `instructions` is an `Option`.
#[test]
fn overlay_makes_the_example_fit() {
    let generated = generate(&seed(), "portkey.yaml", Some(&overlay())).expect("seed generates");
    assert!(
        !generated
            .diagnostics
            .iter()
            .any(|d| d.pointer == EXAMPLE || d.pointer == SCHEMA_EXAMPLE),
        "{:#?}",
        generated.diagnostics
    );
    let run_object = &generated.files["types/run_object.rs"];
    assert!(run_object.contains("pub instructions: ::std::option::Option<::std::string::String>,"));
}

#[test]
fn spec_bugs_are_warnings_at_their_pointers() {
    let generated = generate(&seed(), "portkey.yaml", Some(&overlay())).expect("seed generates");
    let pointers: Vec<&str> = generated
        .diagnostics
        .iter()
        .map(|d| d.pointer.as_str())
        .collect();
    assert_eq!(
        pointers,
        [
            "#/components/schemas/CreateRunRequest/required/0",
            "#/components/schemas/CreateRunRequest/properties/truncation_strategy",
            "#/components/schemas/CreateRunRequest/properties/tool_choice",
            "#/components/schemas/CreateRunRequest/properties/response_format",
            "#/components/schemas/RunObject/properties/truncation_strategy",
            "#/components/schemas/RunObject/properties/tool_choice",
            "#/components/schemas/RunObject/properties/response_format",
        ]
    );
    assert!(generated
        .diagnostics
        .iter()
        .all(|d| d.severity == Severity::Warning));
    // Each diagnostic also says where in the file it is.
    let line = seed()
        .lines()
        .position(|l| l == "        - thread_id")
        .expect("the seed requires thread_id")
        + 1;
    let location = generated.diagnostics[0].location.expect("located");
    assert_eq!((location.line, location.column), (line, 11));
    assert!(generated.diagnostics.iter().all(|d| d.location.is_some()));
    // `thread_id` is a path parameter, not a body field.
    assert!(!generated.files["types/create_run_request.rs"].contains("thread_id"));
}

/// The same spec as JSON gives the same crate, byte for byte.
#[test]
fn json_and_yaml_give_identical_output() {
    let value: serde_json::Value = serde_yaml::from_str(&seed()).expect("seed is YAML");
    let json = serde_json::to_string_pretty(&value).expect("to JSON");
    let from_yaml = generate(&seed(), "portkey.yaml", Some(&overlay())).expect("yaml");
    let from_json = generate(&json, "portkey.json", Some(&overlay())).expect("json");
    assert_eq!(from_yaml.files, from_json.files);
}

#[test]
fn syntax_errors_say_line_and_column() {
    let broken = seed().replacen("paths:", "paths: [unclosed", 1);
    match generate(&broken, "portkey.yaml", None) {
        Err(Error::Syntax { location, .. }) => {
            let line = seed()
                .lines()
                .position(|l| l.starts_with("paths:"))
                .unwrap()
                + 1;
            assert!(
                location.line >= line,
                "{location:?} should be at or after line {line}"
            );
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    match generate("{\"openapi\": \"3.0.0\",\n  \"info\": }", "spec.json", None) {
        Err(e @ Error::Syntax { .. }) => {
            assert!(e.to_string().starts_with("spec.json:2:11:"), "{e}")
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn other_documents_are_refused_with_a_reason() {
    let cases = [
        (
            "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n",
            "Swagger 2.0",
        ),
        (
            "openapi: 4.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n",
            "version 4.0.0 is not supported",
        ),
        ("just: a mapping\n", "no `openapi` version field"),
    ];
    for (text, expected) in cases {
        match generate(text, "spec.yaml", None) {
            Err(Error::Invalid { diagnostics, .. }) => {
                assert!(
                    diagnostics[0].message.contains(expected),
                    "{:?}",
                    diagnostics[0]
                )
            }
            other => panic!("expected an invalid-spec error for {expected}, got {other:?}"),
        }
    }
}

/// One schema or operation that is not valid OpenAPI is reported and left out; the rest of the
/// spec still generates.
#[test]
fn one_bad_schema_or_operation_does_not_block_the_rest() {
    let mut doc: serde_json::Value = serde_yaml::from_str(&seed()).expect("seed is YAML");
    doc["components"]["schemas"]["FunctionParameters"] =
        serde_json::json!({"type": "object", "properties": [1, 2]});
    let text = serde_json::to_string(&doc).expect("to JSON");
    let generated = generate(&text, "portkey.json", Some(&overlay())).expect("still generates");
    let d = generated
        .diagnostics
        .iter()
        .find(|d| {
            d.pointer
                .starts_with("#/components/schemas/FunctionParameters")
        })
        .unwrap_or_else(|| {
            panic!(
                "no diagnostic for the bad schema: {:#?}",
                generated.diagnostics
            )
        });
    assert!(d.message.contains("typed as any JSON value"), "{d}");
    assert!(generated.files["types/function_parameters.rs"]
        .contains("pub type FunctionParameters = ::serde_json::Value;"));
    assert!(generated.files.contains_key("types/run_object.rs"));
    assert_eq!(generated.operation_count, 1);

    let mut doc: serde_json::Value = serde_yaml::from_str(&seed()).expect("seed is YAML");
    doc["paths"]["/threads/{thread_id}/runs"]["post"]["parameters"] = serde_json::json!(5);
    let text = serde_json::to_string(&doc).expect("to JSON");
    let generated = generate(&text, "portkey.json", None).expect("still generates");
    let d = generated
        .diagnostics
        .iter()
        .find(|d| {
            d.pointer
                .starts_with("#/paths/~1threads~1{thread_id}~1runs/post")
        })
        .unwrap_or_else(|| {
            panic!(
                "no diagnostic for the bad operation: {:#?}",
                generated.diagnostics
            )
        });
    assert!(d.message.contains("the operation is not generated"), "{d}");
    assert_eq!(generated.operation_count, 0);
    assert!(generated.files.contains_key("types/run_object.rs"));
}
