//! Apply an [OpenAPI Overlay 1.0](https://spec.openapis.org/overlay/v1.0.0.html) document:
//! reviewed, checked-in fixes to a published spec that are applied before generation, so
//! generated code is never edited by hand and every fix survives the next spec update.

use serde::Deserialize;
use serde_json::Value;
use serde_json_path::JsonPath;

use crate::diagnostic::{pointer, Diagnostic};

#[derive(Debug, Deserialize)]
struct Overlay {
    overlay: String,
    #[serde(default)]
    actions: Vec<Action>,
}

#[derive(Debug, Deserialize)]
struct Action {
    target: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    update: Option<Value>,
    #[serde(default)]
    remove: bool,
}

/// Applies `overlay` to `doc`. Problems in the overlay are diagnostics with pointers into the
/// overlay document (prefixed `overlay:`), never panics.
pub fn apply(doc: &mut Value, overlay: &Value, diags: &mut Vec<Diagnostic>) {
    let overlay: Overlay = match serde_path_to_error::deserialize(overlay) {
        Ok(o) => o,
        Err(e) => {
            diags.push(Diagnostic::error(
                format!(
                    "overlay:{}",
                    pointer(
                        e.path()
                            .to_string()
                            .split('.')
                            .filter(|s| !s.is_empty() && *s != "?")
                    )
                ),
                format!("not an OpenAPI Overlay document: {}", e.inner()),
            ));
            return;
        }
    };
    if !overlay.overlay.starts_with("1.") {
        diags.push(Diagnostic::error(
            "overlay:#/overlay",
            format!(
                "Overlay version {} is not supported (1.0.x is)",
                overlay.overlay
            ),
        ));
        return;
    }
    for (i, action) in overlay.actions.iter().enumerate() {
        let at = format!("overlay:#/actions/{i}");
        let path = match JsonPath::parse(&action.target) {
            Ok(p) => p,
            Err(e) => {
                diags.push(Diagnostic::error(
                    format!("{at}/target"),
                    format!("`{}` is not a JSONPath expression: {e}", action.target),
                ));
                continue;
            }
        };
        let targets: Vec<String> = path
            .query_located(doc)
            .locations()
            .map(|l| l.to_json_pointer())
            .collect();
        if targets.is_empty() {
            let what = action.description.as_deref().unwrap_or(&action.target);
            diags.push(
                Diagnostic::warning(
                    format!("{at}/target"),
                    format!("overlay action matched nothing in the spec: {what}"),
                )
                .with_help("the spec may have fixed this itself; remove the action if so"),
            );
            continue;
        }
        // Removals go last-first so that array indices of later targets stay valid.
        for target in targets.iter().rev() {
            if action.remove {
                remove(doc, target);
            } else if let Some(update) = &action.update {
                if let Some(node) = doc.pointer_mut(target) {
                    merge(node, update);
                }
            }
        }
    }
}

/// Overlay `update` semantics: objects merge recursively, arrays append, scalars replace.
fn merge(node: &mut Value, update: &Value) {
    match (node, update) {
        (Value::Object(n), Value::Object(u)) => {
            for (k, v) in u {
                match n.get_mut(k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        n.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (Value::Array(n), Value::Array(u)) => n.extend(u.iter().cloned()),
        (Value::Array(n), u) => n.push(u.clone()),
        (n, u) => *n = u.clone(),
    }
}

fn remove(doc: &mut Value, target: &str) {
    let Some((parent, last)) = target.rsplit_once('/') else {
        return;
    };
    let key = last.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.shift_remove(&key);
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = key.parse::<usize>() {
                if i < items.len() {
                    items.remove(i);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn update_merges_and_remove_deletes() {
        let mut doc = json!({"components": {"schemas": {"Run": {"properties": {
            "instructions": {"type": "string"}, "old": {"type": "string"}
        }}}}});
        let overlay = json!({"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": [
            {"target": "$.components.schemas.Run.properties.instructions", "update": {"nullable": true}},
            {"target": "$.components.schemas.Run.properties.old", "remove": true},
        ]});
        let mut diags = Vec::new();
        apply(&mut doc, &overlay, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            doc["components"]["schemas"]["Run"]["properties"],
            json!({"instructions": {"type": "string", "nullable": true}})
        );
    }

    #[test]
    fn an_action_that_matches_nothing_is_reported() {
        let mut doc = json!({"paths": {}});
        let overlay = json!({"overlay": "1.0.0", "actions": [
            {"target": "$.components.schemas.Gone", "update": {"nullable": true}},
            {"target": "$[", "remove": true},
        ]});
        let mut diags = Vec::new();
        apply(&mut doc, &overlay, &mut diags);
        assert_eq!(diags.len(), 2);
        assert_eq!(diags[0].pointer, "overlay:#/actions/0/target");
        assert!(diags[0].message.contains("matched nothing"));
        assert_eq!(diags[1].severity, crate::Severity::Error);
    }
}
