//! Dialects: OpenAPI 3.1, and the JSON Schema 2020-12 it brings, read into the shape the rest
//! of the pipeline reads (the OpenAPI 3.0 that `openapiv3` parses), in a document of any
//! version.
//!
//! Real specs mix the two: Portkey published `openapi: 3.1.0` documents written with 3.0's
//! `nullable`, and OpenAI's 3.0 spec says `type: "null"`. Each construct is read the way the
//! version that defines it reads it, whatever the document declares:
//!
//! | written | read as |
//! |---|---|
//! | `type: [T, "null"]`, `anyOf`/`oneOf` with a `{type: "null"}` alternative | `nullable: true` |
//! | `type: "null"`, `const: null` | `enum: [null]`: only `null` |
//! | `type: [A, B]` | `anyOf: [{type: A, ...}, {type: B, ...}]`, each with its own keywords |
//! | `const: v` | `enum: [v]` (and the `type` of `v` when there is none) |
//! | `exclusiveMinimum: 5` | `minimum: 5, exclusiveMinimum: true` |
//! | `contentEncoding: base64` / `contentMediaType: image/png` | `format: byte` / `format: binary` |
//! | `patternProperties` | `additionalProperties` (the map's values) |
//! | `prefixItems` | `x-prefixItems`, which the generator reads as a tuple |
//! | `examples: [..]` on a schema | `example` (the first) for the docs; every one is checked |
//! | `true` / `false` as a schema | `{}` / `{not: {}}` |
//! | `$ref: "#anchor"`, `$ref` to an `$id` | `$ref` to the schema's JSON pointer |
//! | `$ref` to `components/pathItems` | the path item itself |
//!
//! A construct only valid in the other version than the document declares is one warning per
//! kind (with the first place and the count) when generating, and one per place when
//! `normalize-spec` reports its rewrites. What a Rust type cannot say (`if`/`then`/`else`,
//! `dependentSchemas`, `unevaluatedProperties`, `$dynamicRef`) is a warning at its place.

use serde_json::{Map, Value};

use crate::diagnostic::{pointer, unescape_segment, Diagnostic};
use crate::walk::each_schema;

/// The OpenAPI version a document declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// `0` for 3.0.x, `1` for 3.1.x, `2` for 3.2.x.
    pub minor: u32,
    /// As the document writes it.
    pub text: String,
}

impl Version {
    /// The versions this generator reads: 3.0, 3.1 and 3.2 (read as 3.1).
    pub fn parse(text: &str) -> Option<Version> {
        let mut parts = text.trim().split('.');
        let major = parts.next()?;
        let minor: u32 = parts.next()?.parse().ok()?;
        (major == "3" && minor <= 2).then(|| Version {
            minor,
            text: text.trim().to_string(),
        })
    }

    /// 3.0.x.
    pub fn is_30(&self) -> bool {
        self.minor == 0
    }
}

/// How rewrites are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// One warning per kind of construct the document's version does not define: what
    /// generation prints.
    Summary,
    /// One warning per rewrite: what `normalize-spec` prints.
    EachRewrite,
}

/// Constructs read in a document whose version does not define them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Construct {
    TypeList,
    TypeNull,
    NullAlternative,
    Const,
    SchemaExamples,
    NumericExclusive,
    ContentKeywords,
    PatternProperties,
    PrefixItems,
    BooleanSchema,
    Defs,
    IdAnchor,
    PathItems,
    Webhooks,
    Nullable,
    BooleanExclusive,
}

impl Construct {
    /// Defined by OpenAPI 3.1 (JSON Schema 2020-12), rather than by 3.0.
    fn is_31(self) -> bool {
        !matches!(self, Construct::Nullable | Construct::BooleanExclusive)
    }

    fn what(self) -> &'static str {
        match self {
            Construct::TypeList => "`type` as a list",
            Construct::TypeNull => "`type: \"null\"`",
            Construct::NullAlternative => "a `{type: \"null\"}` alternative",
            Construct::Const => "`const`",
            Construct::SchemaExamples => "`examples` on a schema",
            Construct::NumericExclusive => "a number as `exclusiveMinimum`/`exclusiveMaximum`",
            Construct::ContentKeywords => "`contentMediaType`/`contentEncoding`",
            Construct::PatternProperties => "`patternProperties`",
            Construct::PrefixItems => "`prefixItems`",
            Construct::BooleanSchema => "`true`/`false` as a schema",
            Construct::Defs => "`$defs`",
            Construct::IdAnchor => "`$id`/`$anchor` references",
            Construct::PathItems => "`components/pathItems`",
            Construct::Webhooks => "`webhooks`",
            Construct::Nullable => "`nullable`",
            Construct::BooleanExclusive => "a boolean as `exclusiveMinimum`/`exclusiveMaximum`",
        }
    }

    /// What a 3.0 document should say instead, or what a 3.1 one should.
    fn instead(self) -> &'static str {
        match self {
            Construct::TypeList | Construct::TypeNull | Construct::NullAlternative => {
                "in OpenAPI 3.0, write `nullable: true` beside the type"
            }
            Construct::Const => "in OpenAPI 3.0, write `enum: [<value>]`",
            Construct::SchemaExamples => "in OpenAPI 3.0, write one `example`",
            Construct::NumericExclusive => {
                "in OpenAPI 3.0, write `minimum: <n>` with `exclusiveMinimum: true`"
            }
            Construct::ContentKeywords => "in OpenAPI 3.0, write `format: binary` or `format: byte`",
            Construct::PatternProperties => "in OpenAPI 3.0, write `additionalProperties`",
            Construct::PrefixItems => "OpenAPI 3.0 has no tuples",
            Construct::BooleanSchema => "in OpenAPI 3.0, write `{}` for `true`",
            Construct::Defs => "in OpenAPI 3.0, put the schema in `components/schemas`",
            Construct::IdAnchor => "in OpenAPI 3.0, refer to `#/components/schemas/<name>`",
            Construct::PathItems => "OpenAPI 3.0 has no reusable path items",
            Construct::Webhooks => "OpenAPI 3.0 has no webhooks (`x-webhooks` is the convention)",
            Construct::Nullable => {
                "in OpenAPI 3.1, write `type: [<type>, \"null\"]`, or an `anyOf` with `{type: \"null\"}`"
            }
            Construct::BooleanExclusive => {
                "in OpenAPI 3.1, write `exclusiveMinimum: <n>` in place of `minimum: <n>`"
            }
        }
    }
}

/// What [`read`] found that later stages need.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// `$defs` entries, and schemas `$ref`s point at outside `components/schemas`: JSON pointer
    /// → schema. The generator makes a named type of each.
    pub schemas: Vec<(String, Value)>,
    /// `webhooks`: name → path item. Their payloads become types, without client methods.
    pub webhooks: Vec<(String, Value)>,
}

/// A schema with an `$id`: its JSON pointer, and the `$id`.
type Base = (String, String);

struct Cx<'a> {
    version: &'a Version,
    report: Report,
    diags: Vec<Diagnostic>,
    /// Each construct the document's version does not define: how often, and where first.
    seen: Vec<(Construct, usize, String)>,
    /// `$anchor` and `$id` → the JSON pointer of their schema.
    anchors: Vec<(String, String)>,
    /// The schemas with an `$id` around the one being read: a `$ref` inside one is relative
    /// to it.
    bases: Vec<Base>,
    /// Where a `$ref` names an anchor or an `$id`, or is relative to an `$id`, with that
    /// base: resolved once every anchor is known.
    pending: Vec<(Vec<String>, Option<Base>)>,
    found: Found,
}

/// What [`read`] found that the generator makes named types of, by JSON pointer: read from the
/// document by [`extras`] once it is normalised.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// `$defs` (and `definitions`) entries.
    defs: Vec<String>,
    /// Targets of `$ref`s in schemas, other than `#/components/schemas/<name>`.
    refs: Vec<String>,
}

impl Cx<'_> {
    /// Records a construct at `path`; `rewrite` says what it was read as, for `normalize-spec`.
    fn saw(&mut self, construct: Construct, path: &[String], rewrite: impl FnOnce() -> String) {
        let foreign = construct.is_31() == self.version.is_30();
        // 3.0's keywords are not rewritten here (`normalize::strict` says what it does to
        // them): in a 3.1 document they are summarised, as when generating.
        if self.report == Report::EachRewrite && construct.is_31() {
            self.diags
                .push(Diagnostic::warning(pointer(path), rewrite()));
        }
        if !foreign {
            return;
        }
        match self.seen.iter_mut().find(|(c, ..)| *c == construct) {
            Some((_, count, _)) => *count += 1,
            None => self.seen.push((construct, 1, pointer(path))),
        }
    }

    fn warn(&mut self, at: &[String], message: impl Into<String>, help: &str) {
        let mut d = Diagnostic::warning(pointer(at), message);
        if !help.is_empty() {
            d = d.with_help(help);
        }
        self.diags.push(d);
    }
}

/// Reads `doc` (already overlaid) in place; see the module docs. Returns where the schemas
/// that become named types outside `components/schemas` are.
pub fn read(
    doc: &mut Value,
    version: &Version,
    report: Report,
    diags: &mut Vec<Diagnostic>,
) -> Found {
    let mut cx = Cx {
        version,
        report,
        diags: Vec::new(),
        seen: Vec::new(),
        anchors: Vec::new(),
        bases: Vec::new(),
        pending: Vec::new(),
        found: Found::default(),
    };
    document(doc, &mut cx);
    each_schema(
        doc,
        &mut Vec::new(),
        &mut Vec::new(),
        &mut |schema, path, _| schema::read(schema, path, &mut cx),
    );
    schema::resolve_pending(doc, &mut cx);
    if report == Report::EachRewrite {
        // Each rewrite was reported where it was made; 3.0's keywords were not rewritten.
        cx.seen.retain(|(construct, ..)| !construct.is_31());
    }
    summarise(&mut cx);
    diags.append(&mut cx.diags);
    cx.found
}

/// One warning per construct the document's version does not define.
fn summarise(cx: &mut Cx) {
    let declared = &cx.version.text;
    for (construct, count, first) in std::mem::take(&mut cx.seen) {
        let (defined_by, read_as) = if construct.is_31() {
            ("OpenAPI 3.1 (JSON Schema 2020-12)", "3.1")
        } else {
            ("OpenAPI 3.0, not 3.1", "3.0")
        };
        let places = if count == 1 {
            "here".to_string()
        } else {
            format!("{count} places; the first is here")
        };
        cx.diags.push(
            Diagnostic::warning(
                first,
                format!(
                    "{} is {defined_by}, but this document says `openapi: {declared}`; read as {read_as} reads it ({places})",
                    construct.what()
                ),
            )
            .with_help(format!(
                "declare the version the document is written in; {}",
                construct.instead()
            )),
        );
    }
}

/// Document-level constructs: reusable path items, webhooks, a 3.1 document without
/// `paths`, security schemes 3.0 does not know, and, in a 3.2 document, keywords this
/// generator does not know yet.
fn document(doc: &mut Value, cx: &mut Cx) {
    let Value::Object(root) = doc else { return };
    if !cx.version.is_30() && !root.contains_key("paths") {
        root.insert("paths".to_string(), Value::Object(Map::new()));
    }
    if root.contains_key("webhooks") {
        cx.saw(Construct::Webhooks, &["webhooks".to_string()], || {
            "`webhooks` are read: their payloads become types, without client methods".to_string()
        });
    }
    inline_path_items(root, cx);
    let mut path = Vec::new();
    for (key, value) in root.iter_mut() {
        if !key.starts_with("x-") {
            path.push(key.clone());
            examples_lists(value, None, &mut path, cx);
            path.pop();
        }
    }
    if let Some(Value::Object(schemes)) = root
        .get_mut("components")
        .and_then(|c| c.get_mut("securitySchemes"))
    {
        let mutual: Vec<String> = schemes
            .iter()
            .filter(|(_, s)| s.get("type").and_then(Value::as_str) == Some("mutualTLS"))
            .map(|(k, _)| k.clone())
            .collect();
        for key in mutual {
            schemes.shift_remove(&key);
            cx.warn(
                &["components".into(), "securitySchemes".into(), key],
                "security scheme of type `mutualTLS` (OpenAPI 3.1): the client does not present certificates; the scheme is not generated",
                "configure the certificate on the HTTP client (`ClientBuilder::http_client`)",
            );
        }
    }
    if cx.version.minor >= 2 {
        crate::dialect::keywords::unknown(root, &mut cx.diags);
    }
}

/// `paths` and `webhooks` entries that are `$ref`s to `components/pathItems` (or to another
/// path item of the document) become the path item itself, with the entry's own `summary`
/// and `description` kept.
fn inline_path_items(root: &mut Map<String, Value>, cx: &mut Cx) {
    let reusable = root
        .get("components")
        .and_then(|c| c.get("pathItems"))
        .cloned();
    if reusable.is_some() {
        cx.saw(
            Construct::PathItems,
            &["components".to_string(), "pathItems".to_string()],
            || {
                "`components/pathItems` are read where `paths` and `webhooks` refer to them"
                    .to_string()
            },
        );
    }
    let referred = ["paths", "webhooks"].iter().any(|c| {
        root.get(*c)
            .and_then(Value::as_object)
            .is_some_and(|items| items.values().any(|item| item.get("$ref").is_some()))
    });
    if !referred {
        return;
    }
    let snapshot = Value::Object(root.clone());
    for container in ["paths", "webhooks"] {
        let Some(Value::Object(items)) = root.get_mut(container) else {
            continue;
        };
        let mut unresolved = Vec::new();
        for (key, item) in items.iter_mut() {
            let Some(reference) = item.get("$ref").and_then(Value::as_str).map(str::to_string)
            else {
                continue;
            };
            // Follow chains of references, a bounded number of times.
            let mut target = None;
            let mut next = reference.clone();
            for _ in 0..8 {
                let Some(found) = next
                    .strip_prefix('#')
                    .and_then(|p| snapshot.pointer(&percent_decode(p)))
                else {
                    break;
                };
                match found.get("$ref").and_then(Value::as_str) {
                    Some(r) => next = r.to_string(),
                    None => {
                        target = Some(found.clone());
                        break;
                    }
                }
            }
            let Some(Value::Object(mut resolved)) = target else {
                unresolved.push((key.clone(), reference));
                continue;
            };
            if let Value::Object(own) = item {
                for (k, v) in own.iter() {
                    if k != "$ref" {
                        resolved.insert(k.clone(), v.clone());
                    }
                }
            }
            *item = Value::Object(resolved);
            let at = vec![container.to_string(), key.clone()];
            if cx.report == Report::EachRewrite {
                cx.diags.push(Diagnostic::warning(
                    pointer(&at),
                    format!("path item `$ref: {reference}` written out in place"),
                ));
            }
        }
        // Left in, they would be path items without operations: reported here, once.
        for (key, reference) in unresolved {
            items.shift_remove(&key);
            let (message, help) = if reference.starts_with('#') {
                (
                    format!("path item `$ref: {reference}` does not resolve; its operations are not generated"),
                    "refer to a path item of `components/pathItems`",
                )
            } else {
                (
                    format!("path item `$ref: {reference}` points into another file; references to other files are not followed, so its operations are not generated"),
                    "bundle the spec into one file first (`redocly bundle`, `swagger-cli bundle`)",
                )
            };
            cx.warn(&[container.to_string(), key], message, help);
        }
    }
}

/// The `examples` of media types, parameters and headers are maps of Example objects in
/// every OpenAPI version; a list (written as a schema's would be) is read as one example per
/// item, keyed by its index, with a warning. `parent` is the key `value` stands under.
fn examples_lists(value: &mut Value, parent: Option<&str>, path: &mut Vec<String>, cx: &mut Cx) {
    let described = matches!(parent, Some("content" | "parameters" | "headers"));
    match value {
        Value::Object(map) => {
            if described {
                for (name, child) in map.iter_mut() {
                    path.push(name.clone());
                    list_to_map(child, path, cx);
                    examples_lists(child, None, path, cx);
                    path.pop();
                }
                return;
            }
            for (key, child) in map.iter_mut() {
                if key.starts_with("x-")
                    || matches!(key.as_str(), "schema" | "schemas" | "example" | "examples")
                {
                    continue;
                }
                path.push(key.clone());
                examples_lists(child, Some(key), path, cx);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                path.push(i.to_string());
                if described {
                    list_to_map(child, path, cx);
                }
                examples_lists(child, None, path, cx);
                path.pop();
            }
        }
        _ => {}
    }
}

/// `examples: [a, b]` on a media type, parameter or header → `{"0": {value: a}, "1": {value: b}}`.
fn list_to_map(described: &mut Value, path: &[String], cx: &mut Cx) {
    let Some(Value::Array(list)) = described.get("examples") else {
        return;
    };
    let map: Map<String, Value> = list
        .iter()
        .enumerate()
        .map(|(i, v)| (i.to_string(), serde_json::json!({ "value": v })))
        .collect();
    cx.warn(
        &schema::child(path, "examples"),
        "`examples` here is a map of Example objects (`{name: {value: ...}}`); this list is read as one example per item",
        "write `examples: {<name>: {value: <example>}}`",
    );
    if let Value::Object(m) = described {
        m.insert("examples".to_string(), Value::Object(map));
    }
}

/// Decodes `%xx` escapes in a URI fragment (`#/components/schemas/A%20B`).
pub(crate) fn percent_decode(fragment: &str) -> String {
    if !fragment.contains('%') {
        return fragment.to_string();
    }
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, ..) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The `$defs` entries and the other schemas `$ref`s point at outside `components/schemas`
/// (`#/components/schemas/Pet/properties/tag`) that [`read`] found, as JSON pointer →
/// schema, in document order, and the webhooks. Read after normalisation, so they are as the
/// generator reads every other schema.
pub fn extras(doc: &Value, found: &Found) -> Extras {
    let mut schemas: Vec<(String, Value)> = Vec::new();
    for at in &found.defs {
        if let Some(def) = doc.pointer(&at[1..]) {
            schemas.push((at.clone(), def.clone()));
        }
    }
    for reference in &found.refs {
        let at = &reference[1..];
        // Only a place a schema stands: inside `components/schemas`, or under a `schema`.
        let schema_place = at.starts_with("/components/schemas/")
            || at.contains("/schema/")
            || at.ends_with("/schema");
        if !schema_place || schemas.iter().any(|(p, _)| p == reference) {
            continue;
        }
        if let Some(target) = doc.pointer(at).filter(|t| t.is_object()) {
            schemas.push((reference.clone(), target.clone()));
        }
    }
    let webhooks = doc
        .get("webhooks")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    Extras { schemas, webhooks }
}

/// The schema a `$defs` entry (or another `$ref` target outside `components/schemas`) is
/// written in, if any, and the name of its type: `#/components/schemas/Pet/$defs/Tag` is
/// `PetTag`, in `Pet`'s file (and, written as 3.0, `components/schemas/PetTag`).
pub fn extra_name(at: &str) -> (Option<String>, String) {
    let segments: Vec<String> = at
        .trim_start_matches('#')
        .split('/')
        .skip(1)
        .map(unescape_segment)
        .collect();
    let owner = match segments.as_slice() {
        [c, s, owner, ..] if c == "components" && s == "schemas" => Some(owner.clone()),
        _ => None,
    };
    let skip = [
        "components",
        "schemas",
        "$defs",
        "definitions",
        "properties",
        "x-prefixItems",
    ];
    let words: Vec<&str> = segments
        .iter()
        .map(String::as_str)
        .filter(|s| !skip.contains(s) && !s.chars().all(|c| c.is_ascii_digit()))
        .collect();
    let name = if words.is_empty() {
        "Schema".to_string()
    } else {
        words.join(" ")
    };
    (owner, crate::naming::type_name(&name))
}

pub mod downgrade;
mod keywords;
mod schema;

#[cfg(test)]
mod tests;
