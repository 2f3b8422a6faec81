//! Normalise: rewrite what Portkey means but OpenAPI 3.0 does not say, before typed parsing.
//!
//! Each rewrite leaves a warning at the place it happened, so a spec bug is visible in every
//! run instead of being silently absorbed.

use serde_json::{Map, Value};

use crate::diagnostic::{pointer, Diagnostic};
use crate::dialect::Version;
use crate::walk::{any_keyword, each_schema, each_subschema, is_annotation};

/// Normalises `doc` (of OpenAPI `version`) in place.
pub fn normalize(doc: &mut Value, version: &Version, diagnostics: &mut Vec<Diagnostic>) {
    let mut path = Vec::new();
    each_schema(doc, &mut path, diagnostics, &mut |schema, path, diags| {
        walk_schema(schema, path, diags, version, false)
    });
    give_parameters_a_schema(doc, diagnostics);
}

/// A parameter needs `schema` or `content`; one with neither (a mistake seen in hand-written
/// specs) would make its whole operation unreadable. It is sent as a string, what every query,
/// header or path value is on the wire.
fn give_parameters_a_schema(doc: &mut Value, diags: &mut Vec<Diagnostic>) {
    let mut lists: Vec<(Vec<String>, &mut Value)> = Vec::new();
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        for (path, item) in paths.iter_mut() {
            let Value::Object(item) = item else { continue };
            for (key, value) in item.iter_mut() {
                let at = vec!["paths".to_owned(), path.clone(), key.clone()];
                if key == "parameters" {
                    lists.push((at, value));
                } else if let Some(params) = value.get_mut("parameters") {
                    let mut at = at;
                    at.push("parameters".to_owned());
                    lists.push((at, params));
                }
            }
        }
    }
    let mut fix = |at: Vec<String>, param: &mut Value| {
        let Value::Object(param) = param else { return };
        let lacks = ["$ref", "schema", "content"]
            .iter()
            .all(|k| !param.contains_key(*k));
        if lacks && param.contains_key("in") {
            let name = param
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            diags.push(
                Diagnostic::warning(
                    pointer(&at),
                    format!("parameter `{name}` has neither `schema` nor `content`; it is sent as a string"),
                )
                .with_help("give the parameter a `schema`"),
            );
            param.insert("schema".to_owned(), serde_json::json!({"type": "string"}));
        }
    };
    for (at, list) in lists {
        let Value::Array(items) = list else { continue };
        for (i, param) in items.iter_mut().enumerate() {
            let mut at = at.clone();
            at.push(i.to_string());
            fix(at, param);
        }
    }
    if let Some(Value::Object(params)) = doc.pointer_mut("/components/parameters") {
        for (name, param) in params.iter_mut() {
            let at = vec![
                "components".to_owned(),
                "parameters".to_owned(),
                name.clone(),
            ];
            fix(at, param);
        }
    }
}

/// `in_all_of`: the schema is one part of an `allOf`, whose `required` may name properties of
/// the other parts.
fn walk_schema(
    value: &mut Value,
    path: &mut Vec<String>,
    diags: &mut Vec<Diagnostic>,
    version: &Version,
    in_all_of: bool,
) {
    let Value::Object(map) = value else { return };
    wrap_ref_with_siblings(map, path, diags, version);
    if !in_all_of {
        drop_required_non_properties(map, path, diags);
    }
    each_subschema(map, path, &any_keyword, &mut |key, child, path| {
        walk_schema(child, path, diags, version, key == "allOf")
    });
}

/// OpenAPI 3.0 ignores every sibling of `$ref`; Portkey writes `nullable: true` (and
/// descriptions) beside `$ref` and means them, and OpenAPI 3.1 applies them.
/// `{$ref, nullable}` becomes `{allOf: [{$ref}], nullable}`, which says the same thing in
/// valid OpenAPI 3.0. Only a 3.0 document is warned about (in 3.1, `nullable` is reported by
/// [`crate::dialect`] as a 3.0 keyword).
fn wrap_ref_with_siblings(
    map: &mut Map<String, Value>,
    path: &[String],
    diags: &mut Vec<Diagnostic>,
    version: &Version,
) {
    if map.len() < 2 {
        return;
    }
    let Some(reference) = map.shift_remove("$ref") else {
        return;
    };
    if version.is_30() && map.get("nullable") == Some(&Value::Bool(true)) {
        diags.push(
            Diagnostic::warning(
                pointer(path),
                "`nullable: true` beside `$ref` is ignored by OpenAPI 3.0; read as a nullable reference",
            )
            .with_help("the spec should say `allOf: [{$ref: ...}]` with `nullable: true`"),
        );
    }
    let mut inner = Map::new();
    inner.insert("$ref".to_string(), reference);
    match map.get_mut("allOf") {
        Some(Value::Array(parts)) => parts.insert(0, Value::Object(inner)),
        _ => {
            map.insert(
                "allOf".to_string(),
                Value::Array(vec![Value::Object(inner)]),
            );
        }
    }
}

/// `required` naming something that is not a property (Portkey's `CreateRunRequest` requires
/// the path parameter `thread_id`) can never be satisfied by a body; the entry is dropped.
fn drop_required_non_properties(
    map: &mut Map<String, Value>,
    path: &[String],
    diags: &mut Vec<Diagnostic>,
) {
    // With composition or open properties, a required name may be satisfied elsewhere.
    let composed = ["allOf", "oneOf", "anyOf"]
        .iter()
        .any(|k| map.contains_key(*k));
    if composed
        || map
            .get("additionalProperties")
            .is_some_and(|v| v != &Value::Bool(false))
    {
        return;
    }
    let Some(Value::Object(props)) = map.get("properties") else {
        return;
    };
    let Some(Value::Array(required)) = map.get("required") else {
        return;
    };
    let mut kept = Vec::new();
    for (i, entry) in required.iter().enumerate() {
        match entry.as_str() {
            Some(name) if !props.contains_key(name) => {
                let mut at: Vec<String> = path.to_vec();
                at.extend(["required".to_string(), i.to_string()]);
                diags.push(
                    Diagnostic::warning(
                        pointer(&at),
                        format!("`required` names `{name}`, which is not a property of this schema; ignored"),
                    )
                    .with_help(format!(
                        "remove `{name}` from `required`, or add it to `properties`"
                    )),
                );
            }
            _ => kept.push(entry.clone()),
        }
    }
    if kept.len() != required.len() {
        map.insert("required".to_string(), Value::Array(kept));
    }
}

/// Rewrites the (already normalised) document into the strict OpenAPI 3.0 that schema
/// validators compile: Stoplight Prism, for one, turns `nullable` into a JSON Schema type only
/// beside a `type`, and its validator refuses `nullable` anywhere else.
///
/// A `nullable` schema without `type` gets the type its keywords imply (`properties` →
/// `object`, `items` → `array`, an `enum` of strings → `string`, ...); a nullable composition
/// (a wrapped nullable `$ref`, `oneOf`, `allOf`) becomes `anyOf` with an alternative that
/// accepts only `null`; a nullable schema that constrains nothing loses the keyword, as it
/// accepts `null` already. Each change is a warning at the place it happened.
pub fn strict(doc: &mut Value, diagnostics: &mut Vec<Diagnostic>) {
    let mut path = Vec::new();
    each_schema(doc, &mut path, diagnostics, &mut strict_schema);
}

/// Children first, so a rewritten node is never visited again.
fn strict_schema(value: &mut Value, path: &mut Vec<String>, diags: &mut Vec<Diagnostic>) {
    let Value::Object(map) = value else { return };
    each_subschema(map, path, &any_keyword, &mut |_, child, path| {
        strict_schema(child, path, diags)
    });
    make_nullable_strict(map, path, diags);
    // OpenAPI 3.0 requires `items` beside `type: array`; without it, any item.
    if map.get("type").and_then(Value::as_str) == Some("array") && !map.contains_key("items") {
        map.insert("items".to_string(), Value::Object(Map::new()));
        diags.push(
            Diagnostic::warning(
                pointer(path),
                "`type: array` without `items`, which OpenAPI 3.0 requires; written with `items: {}` (any item)",
            )
            .with_help("the spec should say what the items are"),
        );
    }
}

fn make_nullable_strict(
    map: &mut Map<String, Value>,
    path: &[String],
    diags: &mut Vec<Diagnostic>,
) {
    if map.contains_key("type") || map.contains_key("$ref") {
        return;
    }
    let Some(nullable) = map.get("nullable").cloned() else {
        return;
    };
    let at = pointer(path);
    if nullable != Value::Bool(true) {
        map.remove("nullable");
        diags.push(Diagnostic::warning(
            at,
            "`nullable` without `type` is not valid for schema validators; removed (it was not `true`, so it said nothing)",
        ));
        return;
    }
    if let Some(ty) = implied_type(map) {
        map.insert("type".to_string(), Value::String(ty.to_string()));
        diags.push(
            Diagnostic::warning(
                at,
                format!(
                    "`nullable: true` without `type`; typed as `{ty}`, which its keywords imply"
                ),
            )
            .with_help(format!("the spec should say `type: {ty}`")),
        );
        return;
    }
    let composed = ["allOf", "oneOf", "anyOf"]
        .iter()
        .any(|k| map.contains_key(*k));
    if !composed {
        map.remove("nullable");
        diags.push(
            Diagnostic::warning(
                at,
                "`nullable: true` on a schema without `type`, which accepts `null` already; removed",
            )
            .with_help("validators refuse `nullable` without `type`"),
        );
        return;
    }
    map.remove("nullable");
    let only_any_of = map
        .keys()
        .all(|k| k == "anyOf" || k.starts_with("x-") || is_annotation(k));
    if only_any_of {
        if let Some(Value::Array(alternatives)) = map.get_mut("anyOf") {
            alternatives.push(null_only());
        }
    } else {
        let mut inner = Map::new();
        let keys: Vec<String> = map
            .keys()
            .filter(|k| !k.starts_with("x-") && !is_annotation(k))
            .cloned()
            .collect();
        for key in keys {
            if let Some(v) = map.shift_remove(&key) {
                inner.insert(key, v);
            }
        }
        // `{allOf: [X]}` alone is X.
        let inner = match inner.get("allOf") {
            Some(Value::Array(parts)) if inner.len() == 1 && parts.len() == 1 => parts[0].clone(),
            _ => Value::Object(inner),
        };
        map.insert("anyOf".to_string(), Value::Array(vec![inner, null_only()]));
    }
    diags.push(
        Diagnostic::warning(
            at,
            "`nullable: true` on a composition without `type`; written as `anyOf` with an alternative that is only `null`",
        )
        .with_help("validators refuse `nullable` without `type`"),
    );
}

/// The type a schema's keywords imply, when they imply exactly one.
fn implied_type(map: &Map<String, Value>) -> Option<&'static str> {
    if map.contains_key("properties") || map.contains_key("additionalProperties") {
        return Some("object");
    }
    if map.contains_key("items") {
        return Some("array");
    }
    let values = map.get("enum")?.as_array()?;
    let of = |test: fn(&Value) -> bool| values.iter().all(|v| v.is_null() || test(v));
    if values.iter().all(Value::is_null) {
        None
    } else if of(Value::is_string) {
        Some("string")
    } else if of(|v| v.is_i64() || v.is_u64()) {
        Some("integer")
    } else if of(Value::is_number) {
        Some("number")
    } else if of(Value::is_boolean) {
        Some("boolean")
    } else {
        None
    }
}

/// A schema that accepts `null` and nothing else: `{enum: [null]}`. The forms with a `type`
/// fail in Prism: `{type: string, nullable: true, enum: [null]}` gains a second `null` in its
/// converter (a duplicate its validator refuses), and `not: {type: string}` beside a nullable
/// string makes its response generator invent numbers.
fn null_only() -> Value {
    let mut map = Map::new();
    map.insert("enum".to_string(), Value::Array(vec![Value::Null]));
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static V30: std::sync::LazyLock<Version> =
        std::sync::LazyLock::new(|| Version::parse("3.0.3").unwrap());

    #[test]
    fn nullable_ref_becomes_nullable_all_of() {
        let mut doc = json!({"components": {"schemas": {"A": {"properties": {
            "b": {"$ref": "#/components/schemas/B", "nullable": true}
        }}}}});
        let mut diags = Vec::new();
        normalize(&mut doc, &V30, &mut diags);
        assert_eq!(
            doc["components"]["schemas"]["A"]["properties"]["b"],
            json!({"allOf": [{"$ref": "#/components/schemas/B"}], "nullable": true})
        );
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].pointer, "#/components/schemas/A/properties/b");
    }

    #[test]
    fn lone_refs_and_examples_are_left_alone() {
        let original = json!({"components": {"schemas": {"A": {
            "properties": {"b": {"$ref": "#/components/schemas/B"}},
            "example": {"$ref": "x", "nullable": true}
        }}}});
        let mut doc = original.clone();
        let mut diags = Vec::new();
        normalize(&mut doc, &V30, &mut diags);
        assert_eq!(doc, original);
        assert!(diags.is_empty());
    }

    #[test]
    fn required_in_an_all_of_part_may_name_a_sibling_part_property() {
        let original = json!({"components": {"schemas": {"Merged": {"allOf": [
            {"type": "object", "properties": {"model": {"type": "string"}}},
            {"type": "object", "properties": {"input": {"type": "string"}}, "required": ["model", "input"]}
        ]}}}});
        let mut doc = original.clone();
        let mut diags = Vec::new();
        normalize(&mut doc, &V30, &mut diags);
        assert_eq!(doc, original);
        assert!(diags.is_empty(), "{diags:?}");
    }

    #[test]
    fn required_path_parameter_is_dropped_with_a_warning() {
        let mut doc = json!({"components": {"schemas": {"Req": {
            "type": "object",
            "properties": {"assistant_id": {"type": "string"}},
            "required": ["thread_id", "assistant_id"]
        }}}});
        let mut diags = Vec::new();
        normalize(&mut doc, &V30, &mut diags);
        assert_eq!(
            doc["components"]["schemas"]["Req"]["required"],
            json!(["assistant_id"])
        );
        assert_eq!(diags[0].pointer, "#/components/schemas/Req/required/0");
        assert!(diags[0].message.contains("thread_id"));
    }

    fn strict_of(doc: Value) -> (Value, Vec<Diagnostic>) {
        let mut doc = doc;
        let mut diags = Vec::new();
        normalize(&mut doc, &V30, &mut diags);
        diags.clear();
        strict(&mut doc, &mut diags);
        (doc, diags)
    }

    #[test]
    fn strict_nullable_ref_is_any_of_the_ref_or_null() {
        let (doc, diags) = strict_of(json!({"components": {"schemas": {"A": {"properties": {
            "b": {"$ref": "#/components/schemas/B", "nullable": true, "description": "d"}
        }}}}}));
        assert_eq!(
            doc["components"]["schemas"]["A"]["properties"]["b"],
            json!({"description": "d", "anyOf": [
                {"$ref": "#/components/schemas/B"},
                {"enum": [null]}
            ]})
        );
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].pointer, "#/components/schemas/A/properties/b");
    }

    #[test]
    fn strict_nullable_any_of_gains_a_null_alternative() {
        let (doc, diags) = strict_of(json!({"components": {"schemas": {"M": {
            "anyOf": [{"type": "string"}, {"type": "string", "enum": ["a"]}],
            "nullable": true
        }}}}));
        assert_eq!(
            doc["components"]["schemas"]["M"],
            json!({"anyOf": [
                {"type": "string"}, {"type": "string", "enum": ["a"]},
                {"enum": [null]}
            ]})
        );
        assert_eq!(diags.len(), 1);
    }

    #[test]
    fn strict_types_what_keywords_imply_and_drops_empty_nullable() {
        let (doc, diags) = strict_of(json!({"paths": {"/x": {"get": {"parameters": [
            {"name": "a", "in": "query", "schema": {"enum": ["x", "y"], "nullable": true}},
            {"name": "b", "in": "query", "schema": {"properties": {}, "nullable": true}},
            {"name": "c", "in": "query", "schema": {"description": "any", "nullable": true}}
        ]}}}}));
        let params = &doc["paths"]["/x"]["get"]["parameters"];
        assert_eq!(params[0]["schema"]["type"], "string");
        assert_eq!(params[1]["schema"]["type"], "object");
        assert_eq!(params[2]["schema"], json!({"description": "any"}));
        assert_eq!(diags.len(), 3);
        assert_eq!(diags[2].pointer, "#/paths/~1x/get/parameters/2/schema");
    }

    #[test]
    fn strict_leaves_typed_schemas_alone() {
        let original = json!({"components": {"schemas": {"A": {
            "type": "object", "nullable": true,
            "properties": {"b": {"type": "string", "nullable": true}}
        }}}});
        let (doc, diags) = strict_of(original.clone());
        assert_eq!(doc, original);
        assert!(diags.is_empty());
    }
}
