//! Normalise: rewrite what Portkey means but OpenAPI 3.0 does not say, before typed parsing.
//!
//! Each rewrite leaves a warning at the place it happened, so a spec bug is visible in every
//! run instead of being silently absorbed.

use serde_json::{Map, Value};

use crate::diagnostic::{pointer, Diagnostic};

/// Normalises `doc` in place.
pub fn normalize(doc: &mut Value, diagnostics: &mut Vec<Diagnostic>) {
    let mut path = Vec::new();
    walk_document(doc, &mut path, diagnostics);
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

/// Walks the whole document, entering schema mode at every place a schema may stand.
fn walk_document(value: &mut Value, path: &mut Vec<String>, diags: &mut Vec<Diagnostic>) {
    match value {
        Value::Object(map) => {
            let in_schemas = path.len() == 2 && path[0] == "components" && path[1] == "schemas";
            for (key, child) in map.iter_mut() {
                path.push(key.clone());
                if in_schemas || key == "schema" {
                    walk_schema(child, path, diags, false);
                } else if !key.starts_with("x-") && key != "example" && key != "examples" {
                    walk_document(child, path, diags);
                }
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                path.push(i.to_string());
                walk_document(child, path, diags);
                path.pop();
            }
        }
        _ => {}
    }
}

/// `in_all_of`: the schema is one part of an `allOf`, whose `required` may name properties of
/// the other parts.
fn walk_schema(
    value: &mut Value,
    path: &mut Vec<String>,
    diags: &mut Vec<Diagnostic>,
    in_all_of: bool,
) {
    let Value::Object(map) = value else { return };
    wrap_ref_with_siblings(map, path, diags);
    if !in_all_of {
        drop_required_non_properties(map, path, diags);
    }

    for key in ["items", "not", "additionalProperties"] {
        if let Some(child) = map.get_mut(key) {
            path.push(key.to_string());
            walk_schema(child, path, diags, false);
            path.pop();
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(Value::Array(items)) = map.get_mut(key) {
            path.push(key.to_string());
            for (i, child) in items.iter_mut().enumerate() {
                path.push(i.to_string());
                walk_schema(child, path, diags, key == "allOf");
                path.pop();
            }
            path.pop();
        }
    }
    if let Some(Value::Object(props)) = map.get_mut("properties") {
        path.push("properties".to_string());
        for (name, child) in props.iter_mut() {
            path.push(name.clone());
            walk_schema(child, path, diags, false);
            path.pop();
        }
        path.pop();
    }
}

/// OpenAPI 3.0 ignores every sibling of `$ref`; Portkey writes `nullable: true` (and
/// descriptions) beside `$ref` and means them. `{$ref, nullable}` becomes
/// `{allOf: [{$ref}], nullable}`, which says the same thing in valid OpenAPI 3.0.
fn wrap_ref_with_siblings(
    map: &mut Map<String, Value>,
    path: &[String],
    diags: &mut Vec<Diagnostic>,
) {
    if map.len() < 2 {
        return;
    }
    let Some(reference) = map.remove("$ref") else {
        return;
    };
    if map.get("nullable") == Some(&Value::Bool(true)) {
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
    map.insert(
        "allOf".to_string(),
        Value::Array(vec![Value::Object(inner)]),
    );
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nullable_ref_becomes_nullable_all_of() {
        let mut doc = json!({"components": {"schemas": {"A": {"properties": {
            "b": {"$ref": "#/components/schemas/B", "nullable": true}
        }}}}});
        let mut diags = Vec::new();
        normalize(&mut doc, &mut diags);
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
        normalize(&mut doc, &mut diags);
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
        normalize(&mut doc, &mut diags);
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
        normalize(&mut doc, &mut diags);
        assert_eq!(
            doc["components"]["schemas"]["Req"]["required"],
            json!(["assistant_id"])
        );
        assert_eq!(diags[0].pointer, "#/components/schemas/Req/required/0");
        assert!(diags[0].message.contains("thread_id"));
    }
}
