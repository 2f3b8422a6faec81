//! Load: spec text → JSON value → (overlay, normalise) → `openapiv3::OpenAPI`.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::diagnostic::{pointer, Diagnostic, Error, Location, Severity};
use crate::{normalize, overlay};

/// A spec as the rest of the pipeline sees it.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The document after overlay and normalisation: what [`Loaded::api`] was read from.
    pub raw: Value,
    pub api: openapiv3::OpenAPI,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads `path` as YAML or JSON text.
pub fn read_text(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Parses YAML or JSON text into a JSON value. JSON is tried first when the text looks like
/// JSON, for its sharper error positions.
pub fn parse_document(path: &Path, text: &str) -> Result<Value, Error> {
    let looks_json =
        path.extension().is_some_and(|e| e == "json") || text.trim_start().starts_with('{');
    if looks_json {
        return serde_json::from_str(text).map_err(|e| Error::Syntax {
            path: path.to_path_buf(),
            location: Location {
                line: e.line(),
                column: e.column(),
            },
            message: e.to_string(),
        });
    }
    serde_yaml::from_str(text).map_err(|e| {
        let location = e
            .location()
            .map_or(Location { line: 1, column: 1 }, |l| Location {
                line: l.line(),
                column: l.column(),
            });
        Error::Syntax {
            path: path.to_path_buf(),
            location,
            message: e.to_string(),
        }
    })
}

/// Runs the load stage on parsed documents.
pub fn load(path: &Path, mut doc: Value, overlay_doc: Option<&Value>) -> Result<Loaded, Error> {
    let mut diagnostics = Vec::new();
    check_version(&doc, path)?;
    if let Some(ov) = overlay_doc {
        overlay::apply(&mut doc, ov, &mut diagnostics);
    }
    normalize::normalize(&mut doc, &mut diagnostics);
    let api = deserialize_resilient(&mut doc, &mut diagnostics).map_err(|d| {
        diagnostics.push(d);
        Error::Invalid {
            path: path.to_path_buf(),
            diagnostics: diagnostics.clone(),
        }
    })?;
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Err(Error::Invalid {
            path: path.to_path_buf(),
            diagnostics,
        });
    }
    Ok(Loaded {
        raw: doc,
        api,
        diagnostics,
    })
}

fn check_version(doc: &Value, path: &Path) -> Result<(), Error> {
    let invalid = |d: Diagnostic| Error::Invalid {
        path: path.to_path_buf(),
        diagnostics: vec![d],
    };
    let Some(obj) = doc.as_object() else {
        return Err(invalid(Diagnostic::error(
            "#",
            "the document is not a mapping, so it is not an OpenAPI document",
        )));
    };
    match obj.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0") => Ok(()),
        Some(v) => Err(invalid(
            Diagnostic::error("#/openapi", format!("OpenAPI version {v} is not supported"))
                .with_help("this generator reads OpenAPI 3.0.x documents"),
        )),
        None if obj.contains_key("swagger") => Err(invalid(
            Diagnostic::error("#/swagger", "Swagger 2.0 documents are not supported")
                .with_help("convert the document to OpenAPI 3.0 first"),
        )),
        None => Err(invalid(
            Diagnostic::error("#", "no `openapi` version field: not an OpenAPI document")
                .with_help("an OpenAPI 3.0 document starts with `openapi: 3.0.x`"),
        )),
    }
}

/// Deserialises the document; one schema or operation that is not valid OpenAPI does not block
/// the rest. A bad schema is replaced by `{}` (any JSON value, so references to it still
/// resolve) and a bad operation is left out, each with a warning, and deserialisation goes on.
/// A problem anywhere else is an error.
fn deserialize_resilient(
    doc: &mut Value,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<openapiv3::OpenAPI, Diagnostic> {
    // Each round removes one node, so the number of rounds is bounded by the document.
    loop {
        let error = match deserialize(doc) {
            Ok(api) => return Ok(api),
            Err(e) => e,
        };
        let segments: Vec<String> = error
            .pointer
            .trim_start_matches('#')
            .split('/')
            .skip(1)
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect();
        // Some of openapiv3's deserialisers lose the path; find the culprit by parts then.
        let segments = match segments.as_slice() {
            [c, s, _, ..] if c == "components" && s == "schemas" => segments,
            [p, _, m, ..] if p == "paths" && METHODS.contains(&m.as_str()) => segments,
            _ => locate(doc).unwrap_or(segments),
        };
        let fix = match segments.as_slice() {
            [c, s, name, ..] if c == "components" && s == "schemas" => Some((
                pointer(["components", "schemas", name.as_str()]),
                Some(Value::Object(Default::default())),
                "the schema is typed as any JSON value",
            )),
            [p, path, method, ..] if p == "paths" && METHODS.contains(&method.as_str()) => Some((
                pointer(["paths", path.as_str(), method.as_str()]),
                None,
                "the operation is not generated",
            )),
            _ => None,
        };
        let Some((at, replacement, outcome)) = fix else {
            return Err(error);
        };
        let target = at[1..].to_string();
        let replaced = match replacement {
            Some(new) => doc.pointer_mut(&target).map(|node| *node = new).is_some(),
            None => {
                let (parent, key) = target.rsplit_once('/').unwrap_or(("", ""));
                doc.pointer_mut(parent)
                    .and_then(Value::as_object_mut)
                    .and_then(|m| m.shift_remove(key))
                    .is_some()
            }
        };
        if !replaced {
            return Err(error);
        }
        diagnostics.push(
            // The error's own pointer when it lies inside the node, else the node's.
            Diagnostic::warning(
                if error.pointer.starts_with(&at) {
                    error.pointer.clone()
                } else {
                    at
                },
                format!("{}; {outcome}", error.message),
            )
            .with_help("fix this part of the spec; the rest was generated"),
        );
    }
}

/// The first schema or operation that does not deserialise on its own, as pointer segments.
fn locate(doc: &Value) -> Option<Vec<String>> {
    if let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            if openapiv3::ReferenceOr::<openapiv3::Schema>::deserialize(schema).is_err() {
                return Some(vec!["components".into(), "schemas".into(), name.clone()]);
            }
        }
    }
    let paths = doc.get("paths").and_then(Value::as_object)?;
    for (path, item) in paths {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                if openapiv3::Operation::deserialize(op).is_err() {
                    return Some(vec!["paths".into(), path.clone(), method.to_string()]);
                }
            }
        }
    }
    None
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn deserialize(doc: &Value) -> Result<openapiv3::OpenAPI, Diagnostic> {
    serde_path_to_error::deserialize(doc).map_err(|e| {
        let segments: Vec<String> = e
            .path()
            .iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
                serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                serde_path_to_error::Segment::Enum { variant } => Some(variant.clone()),
                serde_path_to_error::Segment::Unknown => None,
            })
            .collect();
        Diagnostic::error(
            pointer(&segments),
            format!("not valid OpenAPI 3.0: {}", e.inner()),
        )
    })
}
