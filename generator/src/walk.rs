//! Where schemas stand: in a document (components, parameters, bodies, responses, webhooks),
//! and inside a schema (every JSON Schema 2020-12 keyword whose value is a schema).
//!
//! The rewriting passes ([`crate::dialect`], [`crate::normalize`]) share these walks, so that
//! a keyword one of them knows is a schema place is one for all of them.

use serde_json::{Map, Value};

use crate::diagnostic::Diagnostic;

/// What [`each_schema`] calls on a schema: the schema, its path, the diagnostics.
pub type SchemaVisitor<'a> = dyn FnMut(&mut Value, &mut Vec<String>, &mut Vec<Diagnostic>) + 'a;

/// Calls `visit` on every place of the document a schema stands (not inside extensions or
/// examples), with its path; what is inside a schema is the visitor's to walk.
pub fn each_schema(
    value: &mut Value,
    path: &mut Vec<String>,
    diags: &mut Vec<Diagnostic>,
    visit: &mut SchemaVisitor<'_>,
) {
    match value {
        Value::Object(map) => {
            let in_schemas = path.len() == 2 && path[0] == "components" && path[1] == "schemas";
            for (key, child) in map.iter_mut() {
                path.push(key.clone());
                if in_schemas || key == "schema" {
                    visit(child, path, diags);
                } else if !key.starts_with("x-") && key != "example" && key != "examples" {
                    each_schema(child, path, diags, visit);
                }
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                path.push(i.to_string());
                each_schema(child, path, diags, visit);
                path.pop();
            }
        }
        _ => {}
    }
}

/// How a keyword holds sub-schemas.
enum Holds {
    One,
    List,
    Map,
}

/// JSON Schema 2020-12's applicators (and older drafts' `additionalItems` and
/// `definitions`), plus `x-prefixItems`, where [`crate::dialect`] keeps a tuple's
/// `prefixItems` for the generator. `items` is a list too in older drafts.
fn holds(key: &str, value: &Value) -> Option<Holds> {
    Some(match key {
        "items" if value.is_array() => Holds::List,
        "items"
        | "additionalItems"
        | "not"
        | "additionalProperties"
        | "contains"
        | "propertyNames"
        | "if"
        | "then"
        | "else"
        | "unevaluatedItems"
        | "unevaluatedProperties"
        | "contentSchema" => Holds::One,
        "allOf" | "anyOf" | "oneOf" | "prefixItems" | "x-prefixItems" => Holds::List,
        "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => {
            Holds::Map
        }
        _ => return None,
    })
}

/// Calls `visit(keyword, child, child_path)` on each sub-schema of `schema` whose keyword
/// `wanted` accepts, in the schema's key order; `path` is the schema's own.
pub fn each_subschema(
    schema: &mut Map<String, Value>,
    path: &mut Vec<String>,
    wanted: &dyn Fn(&str) -> bool,
    visit: &mut dyn FnMut(&str, &mut Value, &mut Vec<String>),
) {
    for (key, value) in schema.iter_mut() {
        let key = key.as_str();
        let Some(holds) = holds(key, value) else {
            continue;
        };
        if !wanted(key) {
            continue;
        }
        path.push(key.to_string());
        match (holds, value) {
            (Holds::One, value) => visit(key, value, path),
            (Holds::List, Value::Array(items)) => {
                for (i, child) in items.iter_mut().enumerate() {
                    path.push(i.to_string());
                    visit(key, child, path);
                    path.pop();
                }
            }
            (Holds::Map, Value::Object(children)) => {
                for (name, child) in children.iter_mut() {
                    path.push(name.clone());
                    visit(key, child, path);
                    path.pop();
                }
            }
            _ => {}
        }
        path.pop();
    }
}

/// Keywords that describe a schema rather than constrain it.
pub fn is_annotation(key: &str) -> bool {
    matches!(
        key,
        "title"
            | "description"
            | "default"
            | "example"
            | "examples"
            | "deprecated"
            | "readOnly"
            | "writeOnly"
            | "externalDocs"
            | "nullable"
            | "$comment"
            | "$schema"
            | "$id"
            | "$anchor"
            | "$dynamicAnchor"
    )
}

/// Every keyword [`each_subschema`] knows.
pub fn any_keyword(_: &str) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_every_kind_of_sub_schema_with_its_path() {
        let mut schema = json!({
            "items": [{"type": "string"}],
            "properties": {"a/b": {"type": "string"}},
            "$defs": {"D": {}},
            "anyOf": [{}, {}],
            "not": {},
            "description": "not a schema place",
            "enum": [{"type": "string"}]
        });
        let mut seen = Vec::new();
        let Value::Object(map) = &mut schema else {
            unreachable!()
        };
        each_subschema(
            map,
            &mut vec!["s".to_string()],
            &any_keyword,
            &mut |key, _, path| seen.push(format!("{key} {}", path.join("/"))),
        );
        assert_eq!(
            seen,
            [
                "items s/items/0",
                "properties s/properties/a/b",
                "$defs s/$defs/D",
                "anyOf s/anyOf/0",
                "anyOf s/anyOf/1",
                "not s/not",
            ]
        );
    }
}
