use serde_json::json;

use super::*;

fn v(text: &str) -> Version {
    Version::parse(text).expect("a version the generator reads")
}

/// Reads `schema` as `components/schemas/S` of a document of `version`.
fn read_one(version: &str, schema: Value) -> (Value, Vec<Diagnostic>) {
    let mut doc = json!({"openapi": version, "components": {"schemas": {"S": schema}}});
    let mut diags = Vec::new();
    let _ = read(&mut doc, &v(version), Report::Summary, &mut diags);
    (doc["components"]["schemas"]["S"].clone(), diags)
}

#[test]
fn versions_3_0_to_3_2_are_read_and_others_are_not() {
    assert_eq!(v("3.0.3").minor, 0);
    assert_eq!(v("3.1.0").minor, 1);
    assert_eq!(v("3.2.0").minor, 2);
    for refused in ["2.0", "4.0.0", "3.3.0", "3", "three", ""] {
        assert!(Version::parse(refused).is_none(), "{refused}");
    }
}

#[test]
fn a_type_list_with_null_is_nullable() {
    let (s, diags) = read_one(
        "3.1.0",
        json!({"type": ["string", "null"], "description": "d"}),
    );
    assert_eq!(
        s,
        json!({"description": "d", "type": "string", "nullable": true})
    );
    assert!(diags.is_empty(), "native to 3.1: {diags:?}");
}

#[test]
fn null_alternatives_make_the_rest_nullable() {
    let (s, _) = read_one(
        "3.1.0",
        json!({"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}], "description": "d"}),
    );
    assert_eq!(
        s,
        json!({"description": "d", "allOf": [{"$ref": "#/components/schemas/A"}], "nullable": true})
    );
    let (s, _) = read_one(
        "3.1.0",
        json!({"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]}),
    );
    assert_eq!(
        s,
        json!({"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": true})
    );
    // An inline alternative is the schema itself, with the outer annotations.
    let (s, _) = read_one(
        "3.1.0",
        json!({"title": "T", "anyOf": [{"type": "object", "properties": {"a": {"type": "string"}}}, {"type": "null"}]}),
    );
    assert_eq!(
        s,
        json!({"title": "T", "type": "object", "properties": {"a": {"type": "string"}}, "nullable": true})
    );
}

#[test]
fn null_alone_is_null_only() {
    for schema in [
        json!({"type": "null"}),
        json!({"const": null}),
        json!({"type": ["null"]}),
        json!({"anyOf": [{"type": "null"}]}),
    ] {
        let (s, _) = read_one("3.1.0", schema.clone());
        assert_eq!(s, json!({"enum": [null]}), "{schema}");
    }
}

#[test]
fn several_types_are_an_any_of_each_with_its_keywords() {
    let (s, _) = read_one(
        "3.1.0",
        json!({"type": ["string", "integer", "null"], "maxLength": 3, "minimum": 1, "description": "d", "enum": ["a", 1, null]}),
    );
    assert_eq!(
        s,
        json!({"description": "d", "anyOf": [
            {"type": "string", "maxLength": 3, "enum": ["a", null]},
            {"type": "integer", "minimum": 1, "enum": [1, null]}
        ], "nullable": true})
    );
    // `integer` is a `number` already.
    let (s, _) = read_one("3.1.0", json!({"type": ["integer", "number"]}));
    assert_eq!(s, json!({"type": "number"}));
}

#[test]
fn unknown_types_in_a_list_are_left_out_with_a_warning() {
    let (s, diags) = read_one("3.1.0", json!({"type": ["string", "text"]}));
    assert_eq!(s, json!({"type": "string"}));
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].pointer, "#/components/schemas/S/type/1");
    assert!(
        diags[0].message.contains("unknown type \"text\""),
        "{}",
        diags[0]
    );
}

#[test]
fn const_is_a_one_value_enum_typed_by_its_value() {
    let (s, _) = read_one("3.1.0", json!({"const": "function"}));
    assert_eq!(s, json!({"type": "string", "enum": ["function"]}));
    let (s, _) = read_one("3.1.0", json!({"type": "integer", "const": 2}));
    assert_eq!(s, json!({"type": "integer", "enum": [2]}));
    let (s, _) = read_one("3.1.0", json!({"const": {"a": [1]}}));
    assert_eq!(s, json!({"enum": [{"a": [1]}]}));
}

#[test]
fn a_const_that_contradicts_its_type_is_left_out_with_a_warning() {
    let (s, diags) = read_one("3.1.0", json!({"type": "string", "const": 5}));
    assert_eq!(s, json!({"type": "string"}));
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].pointer, "#/components/schemas/S/const");
    assert!(
        diags[0].message.contains("not of the schema's type"),
        "{}",
        diags[0]
    );
    let (_, diags) = read_one("3.1.0", json!({"enum": ["a", "b"], "const": "c"}));
    assert!(
        diags[0].message.contains("not one of the schema's `enum`"),
        "{}",
        diags[0]
    );
}

#[test]
fn numeric_exclusive_bounds_become_3_0_bounds() {
    let (s, _) = read_one(
        "3.1.0",
        json!({"type": "number", "exclusiveMinimum": 0, "maximum": 2, "exclusiveMaximum": 3}),
    );
    assert_eq!(
        s,
        json!({"type": "number", "exclusiveMinimum": true, "maximum": 2, "minimum": 0})
    );
}

#[test]
fn content_keywords_become_formats() {
    let (s, _) = read_one("3.1.0", json!({"contentMediaType": "image/png"}));
    assert_eq!(s["type"], "string");
    assert_eq!(s["format"], "binary");
    let (s, _) = read_one(
        "3.1.0",
        json!({"type": "string", "contentEncoding": "base64"}),
    );
    assert_eq!(s["format"], "byte");
    let (s, _) = read_one(
        "3.1.0",
        json!({"type": "string", "contentMediaType": "application/json"}),
    );
    assert!(s.get("format").is_none(), "JSON in a string is text: {s}");
}

#[test]
fn pattern_properties_are_the_values_of_a_map() {
    let (s, _) = read_one(
        "3.1.0",
        json!({"patternProperties": {"^x-": {"type": "integer"}}}),
    );
    assert_eq!(
        s,
        json!({"additionalProperties": {"type": "integer"}, "type": "object"})
    );
    let (s, _) = read_one(
        "3.1.0",
        json!({"type": "object", "patternProperties": {"^a": {"type": "integer"}}, "additionalProperties": {"type": "string"}}),
    );
    assert_eq!(
        s["additionalProperties"],
        json!({"anyOf": [{"type": "integer"}, {"type": "string"}]})
    );
}

#[test]
fn prefix_items_are_kept_for_a_tuple() {
    let (s, diags) = read_one(
        "3.1.0",
        json!({"prefixItems": [{"type": "string"}, {"type": "number"}], "items": false}),
    );
    assert_eq!(
        s,
        json!({"type": "array", "maxItems": 2, "x-prefixItems": [{"type": "string"}, {"type": "number"}]})
    );
    assert!(diags.is_empty(), "{diags:?}");
    // More items of a schema: not a tuple.
    let (s, diags) = read_one(
        "3.1.0",
        json!({"type": "array", "prefixItems": [{"type": "string"}], "items": {"type": "integer"}}),
    );
    assert_eq!(
        s["items"],
        json!({"anyOf": [{"type": "string"}, {"type": "integer"}]})
    );
    assert_eq!(diags[0].pointer, "#/components/schemas/S/prefixItems");
}

#[test]
fn schema_examples_give_the_docs_their_first() {
    let (s, _) = read_one("3.1.0", json!({"type": "string", "examples": ["a", "b"]}));
    assert_eq!(s["example"], "a");
    assert_eq!(s["examples"], json!(["a", "b"]));
}

#[test]
fn boolean_schemas_and_anchors() {
    let mut doc = json!({"openapi": "3.1.0", "components": {"schemas": {
        "A": {"$anchor": "a", "type": "object", "properties": {"any": true, "none": false}},
        "B": {"$id": "https://example.com/b", "type": "string"},
        "C": {"type": "object", "properties": {
            "a": {"$ref": "#a"},
            "b": {"$ref": "https://example.com/b"},
            "d": {"$ref": "#/components/schemas/A/%24defs/D"}
        }}
    }}});
    let mut diags = Vec::new();
    read(&mut doc, &v("3.1.0"), Report::Summary, &mut diags);
    let a = &doc["components"]["schemas"]["A"]["properties"];
    assert_eq!(a["any"], json!({}));
    assert_eq!(a["none"], json!({"not": {}}));
    let c = &doc["components"]["schemas"]["C"]["properties"];
    assert_eq!(c["a"]["$ref"], "#/components/schemas/A");
    assert_eq!(c["b"]["$ref"], "#/components/schemas/B");
    assert_eq!(c["d"]["$ref"], "#/components/schemas/A/$defs/D");
}

#[test]
fn a_3_0_document_saying_3_1_things_gets_one_warning_per_kind() {
    let (s, diags) = read_one(
        "3.0.3",
        json!({"type": "object", "properties": {
            "a": {"type": ["string", "null"]},
            "b": {"type": ["integer", "null"]},
            "c": {"const": "x"}
        }}),
    );
    assert_eq!(
        s["properties"]["a"],
        json!({"type": "string", "nullable": true})
    );
    let messages: Vec<String> = diags
        .iter()
        .map(|d| format!("{} {}", d.pointer, d.message))
        .collect();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(
        messages[0]
            .starts_with("#/components/schemas/S/properties/a `type` as a list is OpenAPI 3.1"),
        "{}",
        messages[0]
    );
    assert!(
        messages[0].contains("`openapi: 3.0.3`") && messages[0].contains("2 places"),
        "{}",
        messages[0]
    );
    assert!(
        messages[1].contains("`const` is OpenAPI 3.1") && messages[1].ends_with("(here)"),
        "{}",
        messages[1]
    );
}

#[test]
fn a_3_1_document_saying_nullable_gets_one_warning() {
    let (s, diags) = read_one(
        "3.1.0",
        json!({"type": "object", "properties": {
            "a": {"type": "string", "nullable": true},
            "b": {"type": "integer", "nullable": true}
        }}),
    );
    assert_eq!(
        s["properties"]["a"],
        json!({"type": "string", "nullable": true})
    );
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert!(
        diags[0]
            .message
            .starts_with("`nullable` is OpenAPI 3.0, not 3.1"),
        "{}",
        diags[0]
    );
    assert!(diags[0].message.contains("2 places"), "{}", diags[0]);
}

#[test]
fn normalize_spec_hears_of_each_rewrite() {
    let mut doc = json!({"openapi": "3.1.0", "components": {"schemas": {"S": {"type": "object", "properties": {
        "a": {"type": ["string", "null"]},
        "b": {"type": "string", "nullable": true}
    }}}}});
    let mut diags = Vec::new();
    read(&mut doc, &v("3.1.0"), Report::EachRewrite, &mut diags);
    let places: Vec<&str> = diags.iter().map(|d| d.pointer.as_str()).collect();
    assert_eq!(
        places,
        [
            "#/components/schemas/S/properties/a",
            "#/components/schemas/S/properties/b"
        ]
    );
    assert!(
        diags[0]
            .message
            .contains("written as `type: string, nullable: true`"),
        "{}",
        diags[0]
    );
}

#[test]
fn what_a_rust_type_cannot_say_is_reported_where_it_stands() {
    let (_, diags) = read_one(
        "3.1.0",
        json!({"type": "object", "if": {"required": ["a"]}, "then": {}, "dependentSchemas": {"a": {}},
               "unevaluatedProperties": {"type": "string"}, "properties": {"r": {"$dynamicRef": "#node"}}}),
    );
    let places: Vec<&str> = diags.iter().map(|d| d.pointer.as_str()).collect();
    assert_eq!(
        places,
        [
            "#/components/schemas/S/if",
            "#/components/schemas/S/dependentSchemas",
            "#/components/schemas/S/unevaluatedProperties",
            "#/components/schemas/S/properties/r/$dynamicRef",
        ]
    );
}

#[test]
fn path_items_are_read_where_they_are_referred_to() {
    let mut doc = json!({"openapi": "3.1.0",
        "paths": {"/a": {"$ref": "#/components/pathItems/A", "summary": "mine"}},
        "webhooks": {"hook": {"$ref": "#/components/pathItems/A"}},
        "components": {"pathItems": {"A": {"summary": "theirs", "get": {"responses": {}}}}}
    });
    let mut diags = Vec::new();
    read(&mut doc, &v("3.1.0"), Report::Summary, &mut diags);
    assert_eq!(
        doc["paths"]["/a"],
        json!({"summary": "mine", "get": {"responses": {}}})
    );
    assert_eq!(doc["webhooks"]["hook"]["summary"], "theirs");
}

#[test]
fn extras_are_defs_and_ref_targets_outside_components() {
    let mut doc = json!({"openapi": "3.1.0", "components": {"schemas": {
        "A": {"$defs": {"D": {"type": "string"}}, "properties": {"p": {"type": "integer"}}},
        "B": {"properties": {
            "d": {"$ref": "#/components/schemas/A/$defs/D"},
            "p": {"$ref": "#/components/schemas/A/properties/p"},
            "path": {"$ref": "#/paths/~1a"},
            "missing": {"$ref": "#/components/schemas/A/$defs/Nope"}
        }}
    }}, "webhooks": {"w": {"post": {}}}});
    let found = read(&mut doc, &v("3.1.0"), Report::Summary, &mut Vec::new());
    let extras = extras(&doc, &found);
    let places: Vec<&str> = extras.schemas.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        places,
        [
            "#/components/schemas/A/$defs/D",
            "#/components/schemas/A/properties/p"
        ]
    );
    assert_eq!(extras.webhooks.len(), 1);
}

/// A JSON Schema pasted into `components/schemas` with its own `$id`: its `#/$defs/...` and
/// relative references are read relative to it.
#[test]
fn references_inside_a_schema_with_an_id_are_relative_to_it() {
    let mut doc = json!({"openapi": "3.1.0", "components": {"schemas": {
        "Pet": {
            "$id": "https://example.test/schemas/pet",
            "type": "object",
            "properties": {
                "kind": {"$ref": "#/$defs/Kind"},
                "tag": {"$ref": "tag"},
                "owner": {"$ref": "#/components/schemas/Owner"}
            },
            "$defs": {"Kind": {"type": "string"}}
        },
        "Tag": {"$id": "https://example.test/schemas/tag", "type": "string"},
        "Owner": {"type": "object"}
    }}});
    let found = read(&mut doc, &v("3.1.0"), Report::Summary, &mut Vec::new());
    let pet = &doc["components"]["schemas"]["Pet"]["properties"];
    assert_eq!(pet["kind"]["$ref"], "#/components/schemas/Pet/$defs/Kind");
    assert_eq!(pet["tag"]["$ref"], "#/components/schemas/Tag");
    // Not inside `Pet`: the document's pointer, as its author meant.
    assert_eq!(pet["owner"]["$ref"], "#/components/schemas/Owner");
    let extras = extras(&doc, &found);
    let places: Vec<&str> = extras.schemas.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(places, ["#/components/schemas/Pet/$defs/Kind"]);
}

/// The keywords of the one alternative left beside `{type: "null"}` are read like any
/// schema's, and an `enum` without `null` beside a nullable `type` list is not nullable.
#[test]
fn a_lone_alternative_is_read_after_it_is_merged_up() {
    let (s, _) = read_one(
        "3.1.0",
        json!({"description": "d", "anyOf": [{"type": "integer", "exclusiveMinimum": 0}, {"type": "null"}]}),
    );
    assert_eq!(
        s,
        json!({"description": "d", "type": "integer", "exclusiveMinimum": true, "nullable": true, "minimum": 0})
    );
    let (s, _) = read_one(
        "3.1.0",
        json!({"anyOf": [{"const": "x"}, {"type": "null"}]}),
    );
    assert_eq!(
        s,
        json!({"nullable": true, "type": "string", "enum": ["x"]})
    );
    let (s, _) = read_one(
        "3.1.0",
        json!({"anyOf": [{"type": ["string", "integer"]}, {"type": "null"}]}),
    );
    assert_eq!(
        s,
        json!({"nullable": true, "anyOf": [{"type": "string"}, {"type": "integer"}]})
    );
    let (s, _) = read_one("3.1.0", json!({"type": ["number", "null"], "const": 0.5}));
    assert_eq!(s, json!({"enum": [0.5], "type": "number"}));
}

#[test]
fn path_items_that_do_not_resolve_are_reported_and_left_out() {
    let mut doc = json!({"openapi": "3.1.0",
        "paths": {"/a": {"$ref": "#/components/pathItems/Missing"}, "/b": {"get": {"responses": {}}}},
        "webhooks": {"hook": {"$ref": "hooks.yaml#/Hook"}}
    });
    let mut diags = Vec::new();
    let _ = read(&mut doc, &v("3.1.0"), Report::Summary, &mut diags);
    assert_eq!(doc["paths"], json!({"/b": {"get": {"responses": {}}}}));
    assert_eq!(doc["webhooks"], json!({}));
    let messages: Vec<String> = diags
        .iter()
        .map(|d| format!("{} {}", d.pointer, d.message))
        .collect();
    assert!(
        messages[0].starts_with(
            "#/paths/~1a path item `$ref: #/components/pathItems/Missing` does not resolve"
        ),
        "{messages:#?}"
    );
    assert!(
        messages[1].starts_with(
            "#/webhooks/hook path item `$ref: hooks.yaml#/Hook` points into another file"
        ),
        "{messages:#?}"
    );
}
