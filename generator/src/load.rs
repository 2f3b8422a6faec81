//! Load: spec text → JSON value → (overlay, dialect, normalise) → `openapiv3::OpenAPI`.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::diagnostic::{pointer, Diagnostic, Error, Location, Severity};
use crate::dialect::{self, Report, Version};
use crate::{normalize, overlay};

/// A spec as the rest of the pipeline sees it.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The document after overlay, dialect and normalisation: what [`Loaded::api`] was read
    /// from.
    pub raw: Value,
    /// The version the document declares.
    pub version: Version,
    pub api: openapiv3::OpenAPI,
    /// Schemas outside `components/schemas` that become named types: `$defs` entries, and
    /// the targets of `$ref`s elsewhere in the document, by JSON pointer.
    pub extra_schemas: Vec<(String, openapiv3::ReferenceOr<openapiv3::Schema>)>,
    /// `webhooks`, by name: their payloads become types.
    pub webhooks: Vec<(String, openapiv3::PathItem)>,
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
///
/// A number JSON cannot hold (`1e400`, which overflows a 64-bit float) does not refuse the
/// whole document: such values are left out, each with a warning in the returned list.
pub fn parse_document(path: &Path, text: &str) -> Result<(Value, Vec<Diagnostic>), Error> {
    let looks_json =
        path.extension().is_some_and(|e| e == "json") || text.trim_start().starts_with('{');
    if looks_json {
        match serde_json::from_str(text) {
            Ok(value) => return Ok((value, Vec::new())),
            // YAML reads JSON too, keeping number text as text.
            Err(e) if e.to_string().starts_with("number out of range") => {
                return read_numbers_as_text(path, text).map_err(|_| Error::Syntax {
                    path: path.to_path_buf(),
                    location: Location {
                        line: e.line(),
                        column: e.column(),
                    },
                    message: e.to_string(),
                });
            }
            Err(e) => {
                return Err(Error::Syntax {
                    path: path.to_path_buf(),
                    location: Location {
                        line: e.line(),
                        column: e.column(),
                    },
                    message: e.to_string(),
                })
            }
        }
    }
    let syntax = |e: serde_yaml::Error| {
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
    };
    match serde_yaml::from_str(text) {
        Ok(value) => Ok((value, Vec::new())),
        // serde_yaml cannot hold an integer past 64 bits, and JSON no infinite float: read
        // such a document with a YAML parser that keeps number text as text.
        Err(e) if is_number_error(&e.to_string()) => {
            read_numbers_as_text(path, text).map_err(|slow| match slow {
                // The parser that failed first says where.
                SlowPathError::Parse => syntax(e),
                SlowPathError::TooDeep(error) => error,
            })
        }
        Err(e) => Err(syntax(e)),
    }
}

enum SlowPathError {
    Parse,
    TooDeep(Error),
}

/// Reads a document with a YAML parser that keeps number text as text, for numbers that
/// serde cannot hold; see [`yaml_to_json`].
fn read_numbers_as_text(
    path: &Path,
    text: &str,
) -> Result<(Value, Vec<Diagnostic>), SlowPathError> {
    let docs = yaml_rust2::YamlLoader::load_from_str(text).map_err(|_| SlowPathError::Parse)?;
    let yaml = docs.into_iter().next().unwrap_or(yaml_rust2::Yaml::Null);
    let mut diagnostics = Vec::new();
    let value = yaml_to_json(yaml, &mut Vec::new(), &mut diagnostics)
        .map_err(|message| {
            SlowPathError::TooDeep(Error::Syntax {
                path: path.to_path_buf(),
                location: Location { line: 1, column: 1 },
                message,
            })
        })?
        .unwrap_or(Value::Null);
    Ok((value, diagnostics))
}

fn is_number_error(message: &str) -> bool {
    ["out of range", "u128", "i128"]
        .iter()
        .any(|s| message.contains(s))
}

/// The nesting depth [`yaml_to_json`] accepts: serde_yaml's own limit, so that both paths
/// read the same documents.
const MAX_DEPTH: usize = 128;

/// Converts a YAML value to JSON, leaving out (with a warning) numbers JSON cannot hold:
/// `Ok(None)` when `value` itself is one. Integers past 64 bits become floats.
fn yaml_to_json(
    value: yaml_rust2::Yaml,
    at: &mut Vec<String>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Option<Value>, String> {
    use yaml_rust2::Yaml;
    if at.len() > MAX_DEPTH {
        return Err(format!(
            "recursion limit exceeded: nesting deeper than {MAX_DEPTH} levels at {}",
            pointer(at.iter())
        ));
    }
    Ok(Some(match value {
        Yaml::Null | Yaml::Alias(_) | Yaml::BadValue => Value::Null,
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::String(s) => Value::String(s),
        Yaml::Integer(i) => Value::from(i),
        Yaml::Real(text) => {
            let finite = text.parse::<u64>().ok().map(Value::from).or_else(|| {
                let f = text.parse::<f64>().ok()?;
                serde_json::Number::from_f64(f).map(Value::Number)
            });
            match finite {
                Some(value) => value,
                None => {
                    diagnostics.push(
                        Diagnostic::warning(
                            pointer(at.iter()),
                            format!(
                                "the number {text} does not fit a 64-bit float; the value is left out"
                            ),
                        )
                        .with_help("write a number within ±1.8e308, or the value as a string"),
                    );
                    return Ok(None);
                }
            }
        }
        Yaml::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                at.push(i.to_string());
                out.extend(yaml_to_json(item, at, diagnostics)?);
                at.pop();
            }
            Value::Array(out)
        }
        Yaml::Hash(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            for (key, item) in map {
                let key = match key {
                    Yaml::String(s) | Yaml::Real(s) => s,
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    Yaml::Null => "null".to_owned(),
                    other => format!("{other:?}"),
                };
                at.push(key);
                let item = yaml_to_json(item, at, diagnostics)?;
                let key = at.pop().unwrap_or_default();
                if let Some(item) = item {
                    out.insert(key, item);
                }
            }
            Value::Object(out)
        }
    }))
}

/// Parses an overlay document. Unlike the spec, which users take as it comes, the overlay is
/// the project's own file: a number it cannot hold is an error.
pub fn parse_overlay(path: &Path, text: &str) -> Result<Value, Error> {
    let (value, diagnostics) = parse_document(path, text)?;
    match diagnostics.into_iter().next() {
        None => Ok(value),
        Some(d) => Err(Error::Invalid {
            path: path.to_path_buf(),
            diagnostics: vec![Diagnostic {
                severity: Severity::Error,
                ..d
            }],
        }),
    }
}

/// Runs the load stage on parsed documents; `report` says how the [`dialect`] rewrites are
/// reported.
pub fn load(
    path: &Path,
    mut doc: Value,
    overlay_doc: Option<&Value>,
    report: Report,
) -> Result<Loaded, Error> {
    let mut diagnostics = Vec::new();
    let version = check_version(&doc, path)?;
    if let Some(ov) = overlay_doc {
        overlay::apply(&mut doc, ov, &mut diagnostics);
    }
    let found = dialect::read(&mut doc, &version, report, &mut diagnostics);
    normalize::normalize(&mut doc, &version, &mut diagnostics);
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
    let extras = dialect::extras(&doc, &found);
    let extra_schemas = extras
        .schemas
        .into_iter()
        .map(|(at, schema)| {
            let schema = openapiv3::ReferenceOr::<openapiv3::Schema>::deserialize(&schema)
                .unwrap_or_else(|e| {
                    diagnostics.push(
                        Diagnostic::warning(
                            &at,
                            format!(
                                "not valid OpenAPI: {e}; the schema is typed as any JSON value"
                            ),
                        )
                        .with_help("fix this part of the spec; the rest was generated"),
                    );
                    openapiv3::ReferenceOr::Item(openapiv3::Schema {
                        schema_data: Default::default(),
                        schema_kind: openapiv3::SchemaKind::Any(Default::default()),
                    })
                });
            (at, schema)
        })
        .collect();
    let webhooks = extras
        .webhooks
        .into_iter()
        .filter_map(
            |(name, item)| match openapiv3::PathItem::deserialize(&item) {
                Ok(item) => Some((name, item)),
                Err(e) => {
                    diagnostics.push(
                        Diagnostic::warning(
                            pointer(["webhooks", name.as_str()]),
                            format!(
                                "not valid OpenAPI: {e}; the webhook's payload is not generated"
                            ),
                        )
                        .with_help("fix this part of the spec; the rest was generated"),
                    );
                    None
                }
            },
        )
        .collect();
    Ok(Loaded {
        raw: doc,
        version,
        api,
        extra_schemas,
        webhooks,
        diagnostics,
    })
}

fn check_version(doc: &Value, path: &Path) -> Result<Version, Error> {
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
        Some(v) => Version::parse(v).ok_or_else(|| {
            invalid(
                Diagnostic::error("#/openapi", format!("OpenAPI version {v} is not supported"))
                    .with_help(
                    "this generator reads OpenAPI 3.0.x, 3.1.x and 3.2.x documents (3.2 as 3.1)",
                ),
            )
        }),
        None if obj.contains_key("swagger") => Err(invalid(
            Diagnostic::error("#/swagger", "Swagger 2.0 documents are not supported")
                .with_help("convert the document to OpenAPI 3.0 or 3.1 first (`swagger2openapi`)"),
        )),
        None => Err(invalid(
            Diagnostic::error("#", "no `openapi` version field: not an OpenAPI document")
                .with_help("an OpenAPI document starts with `openapi: 3.1.0` (or `3.0.x`)"),
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
    // serde_path_to_error wraps every value it reads, so it only reads a document that failed,
    // to say where.
    if let Ok(api) = openapiv3::OpenAPI::deserialize(doc) {
        return Ok(api);
    }
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
            format!("not valid OpenAPI: {}", e.inner()),
        )
    })
}
