//! A document already read by [`super::read`], written as OpenAPI 3.0 for tools that read
//! only 3.0 (`cargo xtask normalize-spec`): what 3.1 says that 3.0 cannot is moved where 3.0
//! puts it (`$defs` into `components/schemas`, `webhooks` into `x-webhooks`), turned into
//! its nearest 3.0 form (a tuple's items into `items`), or removed; each change is a warning
//! at the place it was made.

use serde_json::{Map, Value};

use super::{percent_decode, Version};
use crate::diagnostic::{escape_segment, pointer, unescape_segment, Diagnostic};
use crate::walk::{any_keyword, each_schema, each_subschema};

/// JSON Schema keywords OpenAPI 3.0's schema object does not have; [`super::read`] has read
/// what the generator can use of them.
const NOT_30: [&str; 19] = [
    "$id",
    "$anchor",
    "$schema",
    "$comment",
    "$dynamicAnchor",
    "contentMediaType",
    "contentEncoding",
    "contentSchema",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contains",
    "minContains",
    "maxContains",
    "propertyNames",
];

/// Rewrites `doc` (of `version`, already read; its `$defs` entries at `defs`) as OpenAPI 3.0.
pub fn to_30(doc: &mut Value, version: &Version, defs: &[String], diags: &mut Vec<Diagnostic>) {
    hoist_defs(doc, defs, diags);
    each_schema(doc, &mut Vec::new(), diags, &mut schema_to_30);
    for (parent, key) in [
        ("", "jsonSchemaDialect"),
        ("/components", "pathItems"),
        ("/info", "summary"),
        ("/info/license", "identifier"),
    ] {
        let removed = doc
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .and_then(|m| m.shift_remove(key));
        if removed.is_some() {
            diags.push(Diagnostic::warning(
                format!("#{parent}/{key}"),
                format!("`{key}` is not OpenAPI 3.0; removed"),
            ));
        }
    }
    let Value::Object(root) = doc else { return };
    if !version.is_30() {
        root.insert("openapi".to_string(), Value::String("3.0.3".to_string()));
        diags.push(Diagnostic::warning(
            "#/openapi",
            format!("`openapi: {}` written as `openapi: 3.0.3`", version.text),
        ));
    }
    if let Some(webhooks) = root.shift_remove("webhooks") {
        root.insert("x-webhooks".to_string(), webhooks);
        diags.push(Diagnostic::warning(
            "#/webhooks",
            "`webhooks` (OpenAPI 3.1) written as `x-webhooks`, the extension 3.0 tools read",
        ));
    }
}

/// One schema and those inside it.
fn schema_to_30(value: &mut Value, path: &mut Vec<String>, diags: &mut Vec<Diagnostic>) {
    let Value::Object(map) = value else { return };
    for key in NOT_30 {
        if map.shift_remove(key).is_some() {
            let mut at = path.clone();
            at.push(key.to_string());
            diags.push(Diagnostic::warning(
                pointer(&at),
                format!("`{key}` is not an OpenAPI 3.0 keyword; removed"),
            ));
        }
    }
    if map.get("examples").is_some_and(Value::is_array) {
        map.shift_remove("examples");
        diags.push(Diagnostic::warning(
            pointer(path.iter()),
            "`examples` on a schema is not OpenAPI 3.0; the first is kept as `example`",
        ));
    }
    each_subschema(map, path, &any_keyword, &mut |_, child, path| {
        schema_to_30(child, path, diags)
    });
    // After the members are written as 3.0, so that the copies need no second pass.
    if let Some(Value::Array(members)) = map.get("x-prefixItems") {
        if !map.contains_key("items") {
            let items = match members.as_slice() {
                [one] => one.clone(),
                _ => serde_json::json!({ "anyOf": members }),
            };
            map.insert("items".to_string(), items);
            diags.push(Diagnostic::warning(
                pointer(path.iter()),
                "a tuple (`x-prefixItems`) written with `items` any of its item schemas, as 3.0 has no tuples",
            ));
        }
    }
}

/// Moves every `$defs` entry into `components/schemas`, under the name of the type the
/// generator makes of it (`Order/$defs/Status` → `OrderStatus`), and points the `$ref`s to
/// it (or into it) there.
fn hoist_defs(doc: &mut Value, defs: &[String], diags: &mut Vec<Diagnostic>) {
    if defs.is_empty() {
        return;
    }
    let mut taken: Vec<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut moves: Vec<(String, String)> = Vec::new();
    for at in defs {
        let (_, base) = super::extra_name(at);
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        taken.push(name.clone());
        moves.push((at.clone(), name));
    }
    // Deepest first, so that a `$defs` inside a `$defs` entry moves before its owner.
    let mut removal: Vec<&(String, String)> = moves.iter().collect();
    removal.sort_by_key(|(at, _)| std::cmp::Reverse(at.matches('/').count()));
    let mut moved: Vec<(String, Value)> = Vec::new();
    for (at, name) in removal {
        let Some((parent, key)) = at[1..].rsplit_once('/') else {
            continue;
        };
        let Some(Value::Object(container)) = doc.pointer_mut(parent) else {
            continue;
        };
        if let Some(schema) = container.shift_remove(&unescape_segment(key)) {
            moved.push((name.clone(), schema));
        }
        if container.is_empty() {
            if let Some((owner, defs_key)) = parent.rsplit_once('/') {
                if let Some(Value::Object(owner)) = doc.pointer_mut(owner) {
                    owner.shift_remove(defs_key);
                }
            }
        }
        diags.push(Diagnostic::warning(
            at.clone(),
            format!("`$defs` entry moved to `#/components/schemas/{name}`"),
        ));
    }
    moved.reverse();
    if let Value::Object(root) = doc {
        let components = root
            .entry("components")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(components) = components {
            let schemas = components
                .entry("schemas")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(schemas) = schemas {
                for (name, schema) in moved {
                    schemas.insert(name, schema);
                }
            }
        }
    }
    // The longest pointer first: a `$ref` into a nested entry goes where that entry went.
    moves.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    retarget(doc, &moves);
}

/// Points every `$ref` into a moved `$defs` entry at its new place.
fn retarget(value: &mut Value, moves: &[(String, String)]) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref") {
                let decoded = format!("#{}", percent_decode(reference.trim_start_matches('#')));
                for (from, name) in moves {
                    if let Some(rest) = decoded.strip_prefix(from.as_str()) {
                        if rest.is_empty() || rest.starts_with('/') {
                            *reference =
                                format!("#/components/schemas/{}{rest}", escape_segment(name));
                            break;
                        }
                    }
                }
            }
            for child in map.values_mut() {
                retarget(child, moves);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| retarget(v, moves)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defs_move_into_components_and_references_follow() {
        let mut doc = json!({"openapi": "3.1.0", "components": {"schemas": {
            "Order": {"properties": {
                "status": {"$ref": "#/components/schemas/Order/$defs/Status"}
            }, "$defs": {"Status": {"type": "string"}}}
        }}, "webhooks": {"w": {}}});
        let mut diags = Vec::new();
        let defs = ["#/components/schemas/Order/$defs/Status".to_string()];
        to_30(
            &mut doc,
            &Version::parse("3.1.0").unwrap(),
            &defs,
            &mut diags,
        );
        assert_eq!(
            doc,
            json!({"openapi": "3.0.3", "components": {"schemas": {
                "Order": {"properties": {
                    "status": {"$ref": "#/components/schemas/OrderStatus"}
                }},
                "OrderStatus": {"type": "string"}
            }}, "x-webhooks": {"w": {}}})
        );
        let places: Vec<&str> = diags.iter().map(|d| d.pointer.as_str()).collect();
        assert_eq!(
            places,
            [
                "#/components/schemas/Order/$defs/Status",
                "#/openapi",
                "#/webhooks"
            ]
        );
    }

    #[test]
    fn nested_defs_and_defs_outside_components_move_too() {
        let mut doc = json!({"openapi": "3.1.0", "paths": {"/a": {"get": {"responses": {"200": {
            "description": "ok",
            "content": {"application/json": {"schema": {
                "type": "array",
                "items": {"$ref": "#/paths/~1a/get/responses/200/content/application~1json/schema/$defs/Item"},
                "$defs": {"Item": {
                    "type": "object",
                    "properties": {"c": {"$ref": "#/paths/~1a/get/responses/200/content/application~1json/schema/$defs/Item/$defs/Code"}},
                    "$defs": {"Code": {"type": "string"}}
                }}
            }}}
        }}}}}});
        let defs = [
            "#/paths/~1a/get/responses/200/content/application~1json/schema/$defs/Item".to_string(),
            "#/paths/~1a/get/responses/200/content/application~1json/schema/$defs/Item/$defs/Code"
                .to_string(),
        ];
        to_30(
            &mut doc,
            &Version::parse("3.1.0").unwrap(),
            &defs,
            &mut Vec::new(),
        );
        let schemas = doc["components"]["schemas"].as_object().expect("made");
        let names: Vec<&str> = schemas.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "PathsAGetResponsesContentApplicationJsonSchemaItem",
                "PathsAGetResponsesContentApplicationJsonSchemaItemCode"
            ]
        );
        let schema =
            &doc["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        assert_eq!(
            schema["items"]["$ref"],
            "#/components/schemas/PathsAGetResponsesContentApplicationJsonSchemaItem"
        );
        assert!(schema.get("$defs").is_none());
        assert_eq!(
            schemas["PathsAGetResponsesContentApplicationJsonSchemaItem"]["properties"]["c"]
                ["$ref"],
            "#/components/schemas/PathsAGetResponsesContentApplicationJsonSchemaItemCode"
        );
    }
}
