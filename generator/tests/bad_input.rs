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
    for version in ["4.0.0", "3.3.0", "2.0", "three"] {
        refused(
            &format!("openapi: '{version}'\ninfo: {{title: T, version: '1'}}\npaths: {{}}\n"),
            "#/openapi",
            &format!("OpenAPI version {version} is not supported"),
        );
    }
    refused("title: just a file\n", "#", "no `openapi`");
}

const HEAD_31: &str = "openapi: 3.1.0\ninfo: {title: T, version: '1'}\n";

fn with_schemas_31(schemas: &str) -> String {
    format!("{HEAD_31}components:\n  schemas:\n{schemas}")
}

/// What OpenAPI 3.1 (JSON Schema 2020-12) brings, written wrong.
#[test]
fn openapi_3_1_written_wrong() {
    // A `type` list with a type JSON Schema does not have: left out, the rest generated.
    let g = warned(
        &with_schemas_31("    A:\n      type: [string, text, 'null']\n"),
        "#/components/schemas/A/type/1",
        "unknown type \"text\" in `type: [\"string\",\"text\",\"null\"]`; left out",
    );
    assert!(g.files["types/a.rs"].contains("pub type A = ::std::string::String;"));
    // A `$ref` to a `$defs` entry the document does not have.
    let g = warned(
        &with_schemas_31(
            "    A:\n      type: object\n      properties:\n        b: {$ref: '#/components/schemas/A/$defs/Missing'}\n      $defs:\n        Present: {type: string}\n",
        ),
        "#/components/schemas/A/properties/b",
        "names a `$defs` entry the document does not have",
    );
    assert!(g.files["types/a.rs"].contains("pub b: crate::Nullable<::serde_json::Value>"));
    // A `const` its `type` contradicts: no value could be valid; the `const` is left out.
    let g = warned(
        &with_schemas_31("    A:\n      type: string\n      const: 5\n"),
        "#/components/schemas/A/const",
        "`const: 5` is not of the schema's type (`string`), so no value could be valid",
    );
    assert!(g.files["types/a.rs"].contains("pub type A = ::std::string::String;"));
    // `openapi: 3.2.0`: read as 3.1, with a warning where each keyword 3.1 lacks stands.
    let g = warned(
        "openapi: 3.2.0\ninfo: {title: T, version: '1'}\npaths:\n  /a:\n    query:\n      responses: {}\n    get:\n      operationId: getA\n      responses:\n        '200':\n          description: OK\n          content:\n            application/json:\n              schema: {type: [string, 'null']}\n              itemSchema: {type: string}\n",
        "#/paths/~1a/get/responses/200/content/application~1json/itemSchema",
        "`itemSchema` is not an OpenAPI 3.1 keyword",
    );
    assert!(g
        .diagnostics
        .iter()
        .any(|d| d.pointer == "#/paths/~1a/query" && d.location.is_some()));
    assert_eq!(g.operation_count, 1);
    // A `$dynamicRef`, out of scope: reported, typed as any JSON value.
    let g = warned(
        &with_schemas_31("    A:\n      $dynamicRef: '#meta'\n"),
        "#/components/schemas/A/$dynamicRef",
        "is not supported; the schema is typed as any JSON value",
    );
    assert!(g.files["types/a.rs"].contains("pub type A = ::serde_json::Value;"));
    // `examples` of a media type written as a list: read as one example per item.
    warned(
        "openapi: 3.1.0\ninfo: {title: T, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: OK\n          content:\n            application/json:\n              schema: {type: integer}\n              examples: [1, two]\n",
        "#/paths/~1a/get/responses/200/content/application~1json/examples/1/value",
        "is a string, not an integer",
    );
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
            "    A:\n      type: object\n      properties:\n        b: {$ref: 'other.yaml#/B'}\n        c: {$ref: './schemas/c.json'}\n",
        ),
        "#/components/schemas/A/properties/b",
        "points into another file (`other.yaml`); references to other files are not followed",
    );
    warned(
        &with_schemas(
            "    A:\n      type: object\n      properties:\n        b: {$ref: 'not a ref'}\n        c: {$ref: '#/paths/~1a'}\n",
        ),
        "#/components/schemas/A/properties/b",
        "is not a reference",
    );
    warned(
        &with_schemas(
            "    A:\n      type: object\n      properties:\n        c: {$ref: '#/paths/~1a'}\n",
        ),
        "#/components/schemas/A/properties/c",
        "points at `/paths/~1a`, which is not a schema of the document",
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
fn a_schema_that_is_a_reference_to_itself() {
    // Found by the fuzzer: an operation's body through such an alias looped for ever.
    for shape in [
        "{$ref: '#/components/schemas/A'}",
        "{allOf: [{$ref: '#/components/schemas/A'}]}",
    ] {
        let text = format!("openapi: 3.0.0\ninfo: {{title: T, version: '1'}}\npaths:\n  /a:\n    post:\n      operationId: postA\n      requestBody: {{content: {{application/json: {{schema: {{$ref: '#/components/schemas/A'}}}}}}}}\n      responses: {{'200': {{description: OK, content: {{application/json: {{schema: {{$ref: '#/components/schemas/A'}}}}}}}}}}\ncomponents:\n  schemas:\n    A: {shape}\n");
        let g = run("spec.yaml", &text).unwrap_or_else(|e| panic!("{shape}: {e}"));
        assert!(g.files.contains_key("operations/post_a.rs"), "{shape}");
        assert!(!g.diagnostics.is_empty(), "{shape}: no warning");
    }
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
}

#[test]
fn nesting_past_the_parsers_limit_is_refused() {
    // Nesting 500 levels deep: the YAML parser refuses it (its recursion limit is 128) with
    // a position, before the generator could overflow its stack.
    let mut deep = String::from("{type: string}");
    for _ in 0..500 {
        deep = format!("{{type: object, properties: {{x: {deep}}}}}");
    }
    match run("spec.yaml", &with_schemas(&format!("    Deep: {deep}\n"))) {
        Err(Error::Syntax {
            location, message, ..
        }) => {
            assert!(message.contains("recursion limit"), "{message}");
            assert_eq!(location.line, 6, "{message}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    // The same in JSON.
    let mut deep = String::from(r#"{"type": "string"}"#);
    for _ in 0..500 {
        deep = format!(r#"{{"type": "object", "properties": {{"x": {deep}}}}}"#);
    }
    let json = format!(
        r#"{{"openapi": "3.0.0", "info": {{"title": "T", "version": "1"}}, "paths": {{}}, "components": {{"schemas": {{"Deep": {deep}}}}}}}"#
    );
    assert!(matches!(run("spec.json", &json), Err(Error::Syntax { .. })));
}

#[test]
fn deep_inline_schemas() {
    // 60 levels of inline objects is within the parser's limit, and every level is a type.
    let mut deep = String::from("{type: string}");
    for _ in 0..60 {
        deep = format!("{{type: object, properties: {{x: {deep}}}}}");
    }
    let g = run("spec.yaml", &with_schemas(&format!("    Deep: {deep}\n"))).expect("deep");
    assert_eq!(g.type_count, 60);
}

#[test]
fn long_reference_chains() {
    // 100 schemas each `allOf` the next (merged to the end: the first has 101 fields), and
    // 500 each holding the next as a property: deep for the generator, flat for the parser.
    let chain: String = (0..500)
        .map(|i| {
            format!(
                "{}    B{i}:\n      type: object\n      properties:\n        next: {{$ref: '#/components/schemas/B{}'}}\n",
                if i < 100 {
                    format!("    A{i}:\n      allOf:\n        - $ref: '#/components/schemas/A{}'\n        - {{type: object, properties: {{f{i}: {{type: string}}}}}}\n", i + 1)
                } else {
                    String::new()
                },
                i + 1
            )
        })
        .collect();
    let g = run(
        "spec.yaml",
        &with_schemas(&format!(
            "{chain}    A100: {{type: object, properties: {{end: {{type: string}}}}}}\n    B500: {{type: string}}\n"
        )),
    )
    .expect("chains");
    let a0 = &g.files["types/a0.rs"];
    assert!(a0.contains("pub f0:") && a0.contains("pub f99:") && a0.contains("pub end:"));
    assert_eq!(a0.matches("pub ").count(), 102, "{a0}");
    // No warning: every part merged.
    assert!(g.diagnostics.is_empty(), "{:#?}", g.diagnostics);
    assert!(g.files["types/b0.rs"].contains("next: ::std::option::Option<super::B1>"));
}

#[test]
fn ten_thousand_operations() {
    let mut text = String::from("openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths:\n");
    for i in 0..10_000 {
        text.push_str(&format!(
            "  /items{i}/{{id}}:\n    get:\n      operationId: getItem{i}\n      parameters: [{{in: path, name: id, required: true, schema: {{type: string}}}}]\n      responses: {{'204': {{description: OK}}}}\n"
        ));
    }
    let g = run("spec.yaml", &text).expect("generates");
    assert_eq!(g.operation_count, 10_000);
    assert!(g.files["operations/get_item9999.rs"].contains("\"/items9999/{id}\""));
}

#[test]
fn a_fifty_megabyte_spec() {
    // 50 MB of descriptions on 2,000 schemas: read, rendered as docs, generated.
    let description = "Lorem ipsum dolor sit amet, `code` and *emphasis*. ".repeat(500);
    let schemas: String = (0..2_000)
        .map(|i| format!("    S{i}:\n      type: string\n      description: \"{description}\"\n"))
        .collect();
    let text = with_schemas(&schemas);
    assert!(text.len() > 50_000_000, "{}", text.len());
    let g = run("spec.yaml", &text).expect("generates");
    assert_eq!(g.type_count, 2_000);
    assert!(g.files["types/s1999.rs"].contains("Lorem ipsum"));
}

#[test]
fn numbers_that_do_not_fit() {
    // `1e400` overflows a 64-bit float: in YAML and in JSON, the value is left out with a
    // warning where it was, and the rest of the schema stands.
    let yaml = with_schemas(
        "    Big:\n      type: object\n      properties:\n        huge: {type: integer, minimum: 99999999999999999999999, maximum: 1e400, default: 1e400, example: -1e999}\n        u: {type: integer, format: int64, default: 18446744073709551615}\n        f: {type: number, default: 1.5e300}\n        list: {type: array, items: {type: number}, example: [1, 1e400]}\n",
    );
    let g = warned(
        &yaml,
        "#/components/schemas/Big/properties/huge/maximum",
        "does not fit a 64-bit float",
    );
    for (at, line) in [
        ("huge/default", 9),
        ("huge/example", 9),
        ("list/example/1", 12),
    ] {
        let pointer = format!("#/components/schemas/Big/properties/{at}");
        let d = g
            .diagnostics
            .iter()
            .find(|d| d.pointer == pointer)
            .unwrap_or_else(|| panic!("nothing at {pointer}: {:#?}", g.diagnostics));
        assert_eq!(d.location.map(|l| l.line), Some(line), "{d}");
    }
    let big = &g.files["types/big.rs"];
    assert!(
        big.contains("pub huge: ::std::option::Option<i64>"),
        "{big}"
    );
    assert!(big.contains("pub f: ::std::option::Option<f64>"), "{big}");
    let json = r#"{"openapi": "3.0.0", "info": {"title": "T", "version": "1"}, "paths": {},
        "components": {"schemas": {"N": {"type": "number", "maximum": 1e400}}}}"#;
    let g = warned(json, "#/components/schemas/N/maximum", "does not fit");
    assert!(g.files["types/n.rs"].contains("pub type N = f64;"));
    // Alone in YAML, the YAML parser reads `1e400` as the string "1e400": the schema is
    // then not valid OpenAPI, and says so.
    let g = warned(
        &with_schemas("    N: {type: number, maximum: 1e400}\n"),
        "#/components/schemas/N",
        "invalid type: string \"1e400\", expected a JSON number",
    );
    assert!(g.files["types/n.rs"].contains("pub type N = ::serde_json::Value;"));
}

#[test]
fn parameters_without_schema_or_with_content() {
    let text = "openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths:\n  /items/{id}:\n    get:\n      operationId: getItem\n      parameters:\n        - {in: path, name: id, required: true}\n        - in: query\n          name: filter\n          content: {application/json: {schema: {type: object}}}\n      responses: {'204': {description: OK}}\n";
    let g = warned(
        text,
        "#/paths/~1items~1{id}/get/parameters/0",
        "neither `schema` nor `content`",
    );
    assert!(
        g.diagnostics
            .iter()
            .any(|d| d.pointer == "#/paths/~1items~1{id}/get/parameters/1"
                && d.message.contains("uses `content`")),
        "{:#?}",
        g.diagnostics
    );
    let op = &g.files["operations/get_item.rs"];
    assert!(op.contains("id: &str"), "{op}");
}

#[test]
fn enums_of_booleans_numbers_and_mixed_values() {
    let g = run(
        "spec.yaml",
        &with_schemas("    Yes:\n      type: boolean\n      enum: [true]\n    Bools:\n      type: boolean\n      enum: [true, false]\n    Nums:\n      type: number\n      enum: [1.5, 2]\n    Mixed:\n      enum: [1, a, true, null]\n"),
    )
    .expect("generates");
    // One value is a constant (what `const: true` is), checked when decoding.
    assert!(g.files["types/yes.rs"].contains("pub struct Yes;"));
    assert!(g.files["types/yes.rs"].contains("crate::const_impls!(Yes, \"true\");"));
    assert!(g.files["types/bools.rs"].contains("pub type Bools = bool;"));
    assert!(g.files["types/nums.rs"].contains("pub type Nums = f64;"));
    assert!(
        g.files["types/mixed.rs"].contains("::serde_json::Value"),
        "{}",
        g.files["types/mixed.rs"]
    );
}
