//! Specs users did not write: each case asserts what the generator says, and where. None may
//! panic; those it accepts must generate.

use std::path::Path;

use generator::{Error, Generated, Input, Severity};

fn run(name: &str, text: &str) -> Result<Generated, Error> {
    generator::generate(&Input {
        spec_path: Path::new(name),
        spec_text: text,
        overlay: None,
        source_name: name,
        example_check: false,
    })
}

const HEAD: &str = "openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths: {}\n";

fn with_schemas(schemas: &str) -> String {
    format!("{HEAD}components:\n  schemas:\n{schemas}")
}

/// Generation fails, and an error diagnostic is at `pointer` with `message` in it.
fn refused(text: &str, pointer: &str, message: &str) {
    match run("spec.yaml", text) {
        Err(Error::Invalid { diagnostics, .. }) => {
            let d = diagnostics
                .iter()
                .find(|d| d.severity == Severity::Error)
                .expect("an error diagnostic");
            assert_eq!(d.pointer, pointer, "{d}");
            assert!(d.message.contains(message), "{d}");
        }
        Err(Error::Syntax { .. }) if pointer.is_empty() => {}
        other => panic!("expected a refusal at {pointer}, got {other:?}"),
    }
}

/// Generation succeeds with a warning at `pointer` containing `message`.
fn warned(text: &str, pointer: &str, message: &str) -> Generated {
    let generated = run("spec.yaml", text).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        generated
            .diagnostics
            .iter()
            .any(|d| d.pointer == pointer && d.message.contains(message)),
        "no warning at {pointer} saying {message:?}: {:#?}",
        generated.diagnostics
    );
    generated
}

#[test]
fn not_yaml_empty_and_not_openapi() {
    refused("{{{", "", "");
    refused("", "#", "not a mapping");
    refused("- a\n- b\n", "#", "not a mapping");
    refused(
        "swagger: '2.0'\ninfo: {title: T, version: '1'}\npaths: {}\n",
        "#/swagger",
        "Swagger 2.0",
    );
    refused(
        "openapi: 3.1.0\ninfo: {title: T, version: '1'}\npaths: {}\n",
        "#/openapi",
        "3.1.0 is not supported",
    );
    refused("title: just a file\n", "#", "no `openapi`");
}

#[test]
fn references_that_do_not_resolve() {
    let g = warned(
        &with_schemas("    A:\n      type: object\n      properties:\n        b: {$ref: '#/components/schemas/Missing'}\n"),
        "#/components/schemas/A/properties/b",
        "does not name a schema",
    );
    assert!(g.files["types/a.rs"].contains("::serde_json::Value"));
    warned(
        &with_schemas(
            "    A:\n      type: object\n      properties:\n        b: {$ref: 'other.yaml#/B'}\n",
        ),
        "#/components/schemas/A/properties/b",
        "does not name a schema",
    );
    warned(
        &with_schemas(
            "    A:\n      type: object\n      properties:\n        b: {$ref: 'not a ref'}\n",
        ),
        "#/components/schemas/A/properties/b",
        "does not name a schema",
    );
}

#[test]
fn a_reference_cycle_with_no_type_in_between() {
    let g = warned(
        &with_schemas(
            "    A: {$ref: '#/components/schemas/B'}\n    B: {$ref: '#/components/schemas/A'}\n",
        ),
        "#/components/schemas/A",
        "cycle",
    );
    assert!(
        g.files["types/a.rs"].contains("::serde_json::Value"),
        "{}",
        g.files["types/a.rs"]
    );
}

#[test]
fn names_that_collide_or_are_not_identifiers() {
    let g = run(
        "spec.yaml",
        &with_schemas(
            "    fooBar: {type: string}\n    foo_bar: {type: string}\n    Result: {type: string}\n    Option: {type: integer}\n    String: {type: boolean}\n    Vec: {type: string}\n    Box: {type: string}\n    '': {type: string}\n    'with space': {type: string}\n    ünïcode: {type: string}\n    1st: {type: string}\n    Self: {type: string}\n",
        ),
    )
    .expect("generates");
    let names: Vec<&String> = g.files.keys().collect();
    assert!(
        names.contains(&&"types/foo_bar.rs".to_string())
            && names.contains(&&"types/foo_bar2.rs".to_string()),
        "{names:?}"
    );
    assert!(g.files["types/result.rs"].contains("pub type Result = ::std::string::String;"));
    assert!(g.files["types/unnamed.rs"].contains("pub type Unnamed"));
    assert!(g.files["types/unicode.rs"].contains("pub type Unicode"));
    assert!(g.files["types/t1st.rs"].contains("pub type T1st"));
    assert!(g.files["types/self_.rs"].contains("pub type Self_"));
}

#[test]
fn enums_that_are_not_plain_strings() {
    let g = warned(
        &with_schemas("    Dup:\n      type: string\n      enum: [a-b, a_b, '', a-b]\n    Ints:\n      type: integer\n      enum: [1, 2]\n    Empty:\n      type: string\n      enum: []\n    WithNull:\n      type: string\n      nullable: true\n      enum: [x, null]\n"),
        "#/components/schemas/Dup/enum",
        "more than once",
    );
    let dup = &g.files["types/dup.rs"];
    assert!(
        dup.contains("AB,") && dup.contains("AB2,") && dup.contains("Empty,"),
        "{dup}"
    );
    assert!(g.files["types/ints.rs"].contains("pub type Ints = i64;"));
    assert!(g.files["types/with_null.rs"].contains("X,"));
}

#[test]
fn parameters_the_generator_cannot_send() {
    let text = "openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths:\n  /items/{id}:\n    get:\n      operationId: getItem\n      parameters:\n        - {in: cookie, name: session, schema: {type: string}}\n        - {in: path, name: other, required: true, schema: {type: string}}\n      responses:\n        '200': {description: OK}\n";
    let g = warned(text, "#/paths/~1items~1{id}/get/parameters/0", "cookie");
    assert!(
        g.diagnostics.iter().any(|d| d.message.contains("`{id}`")),
        "{:#?}",
        g.diagnostics
    );
    assert!(
        g.diagnostics.iter().any(|d| d.message.contains("`other`")),
        "{:#?}",
        g.diagnostics
    );
    assert!(g.files["operations/get_item.rs"].contains("id: &str"));
}

#[test]
fn duplicate_operation_ids_get_distinct_methods() {
    let text = "openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: listThings\n      responses: {'200': {description: OK}}\n  /b:\n    get:\n      operationId: listThings\n      responses: {'200': {description: OK}}\n";
    let g = warned(text, "#/paths/~1b/get/operationId", "already taken");
    assert!(
        g.files.contains_key("operations/list_things.rs")
            && g.files.contains_key("operations/list_things2.rs")
    );
}

#[test]
fn descriptions_cannot_break_the_code() {
    let g = run(
        "spec.yaml",
        &with_schemas("    D:\n      description: \"ends */ and \\\"# and <script> and \\u0007\\n```rust\\nfn main() {}\\n```\"\n      type: string\n"),
    )
    .expect("generates");
    let d = &g.files["types/d.rs"];
    assert!(d.contains("```text"), "{d}");
    assert!(!d.contains('\u{7}'));
}

#[test]
fn large_and_deep_specs_do_not_overflow() {
    // 5,000 properties.
    let props: String = (0..5000)
        .map(|i| format!("        p{i}: {{type: integer}}\n"))
        .collect();
    let g = run(
        "spec.yaml",
        &with_schemas(&format!(
            "    Wide:\n      type: object\n      properties:\n{props}"
        )),
    )
    .expect("wide");
    assert!(g.files["types/wide.rs"].contains("pub p4999:"));
    // Nesting 200 levels deep (YAML parsers cap recursion; the generator must not crash first).
    let mut deep = String::from("{type: string}");
    for _ in 0..200 {
        deep = format!("{{type: object, properties: {{x: {deep}}}}}");
    }
    match run("spec.yaml", &with_schemas(&format!("    Deep: {deep}\n"))) {
        Ok(g) => assert!(g.type_count > 100),
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}
