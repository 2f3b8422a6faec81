//! One schema read the JSON Schema 2020-12 way, into the OpenAPI 3.0 shape: the rewrites
//! of the table in [`super`], each recorded on the [`Cx`].

use serde_json::{Map, Value};

use super::{percent_decode, Construct, Cx};
use crate::diagnostic::pointer;
use crate::walk::{each_subschema, is_annotation};

/// The keywords [`read`] walks into: those whose schemas `openapiv3` reads or the
/// generator generates. The others (`if`, `contains`, ...) are reported, not generated.
fn generated_keyword(key: &str) -> bool {
    matches!(
        key,
        "items"
            | "not"
            | "additionalProperties"
            | "allOf"
            | "anyOf"
            | "oneOf"
            | "x-prefixItems"
            | "properties"
            | "$defs"
            | "definitions"
    )
}

/// Reads one schema, then the schemas inside it.
pub(super) fn read(value: &mut Value, path: &mut Vec<String>, cx: &mut Cx) {
    if let Value::Bool(b) = value {
        let b = *b;
        cx.saw(Construct::BooleanSchema, path, || {
            format!(
                "`{b}` as a schema written as {}",
                if b { "`{}`" } else { "`{not: {}}`" }
            )
        });
        *value = if b {
            Value::Object(Map::new())
        } else {
            serde_json::json!({"not": {}})
        };
        return;
    }
    let Value::Object(map) = value else { return };
    if needs_reading(map) {
        // The author's `nullable`, before the rewrites below write their own.
        if map.contains_key("nullable") {
            cx.saw(Construct::Nullable, path, || {
                "`nullable` (OpenAPI 3.0) read as a `null` alternative".to_string()
            });
        }
        // First, so that the keywords of a lone non-null alternative, merged up into this
        // schema, are read with its own.
        null_alternatives(map, path, cx);
        anchors_and_defs(map, path, cx);
        reference(map, path, cx);
        constant(map, path, cx);
        types(map, path, cx);
        exclusive_bounds(map, path, cx);
        content(map, path, cx);
        pattern_properties(map, path, cx);
        tuple(map, path, cx);
        examples(map, path, cx);
        unsupported(map, path, cx);
    }
    let id = map.get("$id").and_then(Value::as_str).map(str::to_string);
    if let Some(id) = &id {
        cx.bases.push((pointer(path.iter()), id.clone()));
    }
    each_subschema(map, path, &generated_keyword, &mut |key, child, path| {
        // `additionalProperties` takes a boolean in 3.0 too; other boolean sub-schemas are
        // read by `read` itself.
        if key == "additionalProperties" && child.is_boolean() {
            return;
        }
        read(child, path, cx)
    });
    if id.is_some() {
        cx.bases.pop();
    }
}

/// Whether a schema has a keyword [`read`] rewrites or reports: most schemas of a 3.0 spec
/// have none, and are passed over after one look at their keys.
fn needs_reading(map: &Map<String, Value>) -> bool {
    map.iter().any(|(key, value)| match key.as_str() {
        "type" => value.as_str().is_none_or(|t| t == "null"),
        "items" => value.is_array(),
        "$ref"
        | "$dynamicRef"
        | "$recursiveRef"
        | "const"
        | "nullable"
        | "exclusiveMinimum"
        | "exclusiveMaximum"
        | "contentMediaType"
        | "contentEncoding"
        | "patternProperties"
        | "prefixItems"
        | "examples"
        | "anyOf"
        | "oneOf"
        | "if"
        | "dependentSchemas"
        | "unevaluatedProperties"
        | "unevaluatedItems"
        | "$defs"
        | "definitions"
        | "$anchor"
        | "$id"
        | "$dynamicAnchor" => true,
        _ => false,
    })
}

/// Notes the schema's `$anchor`s and `$id` (what `$ref`s may name it by), and its `$defs`
/// entries (named types to be).
fn anchors_and_defs(map: &Map<String, Value>, path: &[String], cx: &mut Cx) {
    for key in ["$anchor", "$id", "$dynamicAnchor"] {
        if let Some(name) = map.get(key).and_then(Value::as_str) {
            let name = if key == "$id" {
                name.to_string()
            } else {
                format!("#{name}")
            };
            cx.anchors.push((name, pointer(path)));
        }
    }
    for key in ["$defs", "definitions"] {
        if let Some(Value::Object(entries)) = map.get(key) {
            cx.saw(Construct::Defs, path, || {
                "`$defs` entries become named types".to_string()
            });
            for name in entries.keys() {
                cx.found.defs.push(pointer(
                    path.iter().map(String::as_str).chain([key, name.as_str()]),
                ));
            }
        }
    }
}

/// A `$dynamicRef` (not supported) makes the schema any JSON value. A `$ref` by JSON pointer
/// is noted (decoded when percent-encoded) for [`super::extras`]; one to an anchor or an
/// `$id` waits until every anchor is known ([`resolve_anchor`]).
fn reference(map: &mut Map<String, Value>, path: &[String], cx: &mut Cx) {
    for key in ["$dynamicRef", "$recursiveRef"] {
        if let Some(target) = map.shift_remove(key) {
            cx.warn(
                &child(path, key),
                format!(
                    "`{key}: {}` is not supported; the schema is typed as any JSON value",
                    target.as_str().unwrap_or("?")
                ),
                "refer to the schema with `$ref`",
            );
            map.retain(|k, _| k.starts_with("x-") || is_annotation(k));
        }
    }
    let Some(Value::String(reference)) = map.get_mut("$ref") else {
        return;
    };
    if reference.contains('%') {
        if let Some(fragment) = reference.strip_prefix('#') {
            *reference = format!("#{}", percent_decode(fragment));
        }
    }
    let base = cx.bases.last().cloned();
    if !reference.starts_with("#/") || base.is_some() {
        cx.pending.push((path.to_vec(), base));
        return;
    }
    note_ref(reference, cx);
}

/// Notes a `$ref` by pointer that is not `#/components/schemas/<name>`.
fn note_ref(reference: &str, cx: &mut Cx) {
    let named = crate::diagnostic::named_schema(reference).is_some();
    if !named && !cx.found.refs.iter().any(|r| r == reference) {
        cx.found.refs.push(reference.to_string());
    }
}

/// Resolves the `$ref`s [`reference`] left for when every anchor is known: to `#anchor`, to
/// a schema's `$id` (absolute, or relative to the `$id` around the reference), and `#/...`
/// inside a schema with an `$id`, which JSON Schema reads relative to that schema (when the
/// pointer is there; a document-wide pointer, as authors often mean, otherwise). Each is
/// rewritten to the schema's JSON pointer in the document.
pub(super) fn resolve_pending(doc: &mut Value, cx: &mut Cx) {
    for (path, base) in std::mem::take(&mut cx.pending) {
        let at = pointer(&path);
        let Some(reference) = doc
            .pointer(&at[1..])
            .and_then(|node| node.get("$ref"))
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            continue;
        };
        let by_id = |id: &str| {
            cx.anchors
                .iter()
                .find(|(name, _)| name == id)
                .map(|(_, p)| p.clone())
        };
        let (target, fragment) = match reference.split_once('#') {
            Some((target, fragment)) => (target, Some(fragment)),
            None => (reference.as_str(), None),
        };
        // The schema the reference is relative to: the `$id` it names, or the one around it.
        let resource = if target.is_empty() {
            base.as_ref().map(|(p, _)| p.clone())
        } else {
            by_id(target).or_else(|| {
                let (_, base_id) = base.as_ref()?;
                by_id(&join_uri(base_id, target))
            })
        };
        let resolved = match fragment {
            None | Some("") => resource,
            Some(f) if f.starts_with('/') => match resource {
                Some(p) if doc.pointer(&format!("{}{f}", &p[1..])).is_some() => {
                    Some(format!("{p}{f}"))
                }
                // Relative to the document, as authors who paste pointers mean.
                _ if target.is_empty() => Some(reference.clone()),
                _ => None,
            },
            // An anchor of this document, or of a schema it names by its `$id`; another
            // file's is not ours to resolve.
            Some(anchor) if target.is_empty() || resource.is_some() => by_id(&format!("#{anchor}")),
            Some(_) => None,
        };
        let Some(resolved) = resolved else { continue };
        if resolved != reference {
            cx.saw(Construct::IdAnchor, &path, || {
                format!("`$ref: {reference}` written as `$ref: {resolved}`")
            });
        }
        note_ref(&resolved, cx);
        if let Some(Value::Object(node)) = doc.pointer_mut(&at[1..]) {
            node.insert("$ref".to_string(), Value::String(resolved));
        }
    }
}

/// `relative` resolved against the URI `base`, the way a browser would for a path:
/// `https://example.test/schemas/pet` and `tag` give `https://example.test/schemas/tag`.
fn join_uri(base: &str, relative: &str) -> String {
    if relative.contains("://") || relative.starts_with('/') && !base.contains("://") {
        return relative.to_string();
    }
    if let Some(rest) = relative.strip_prefix('/') {
        // Absolute path: the base's scheme and host.
        let host_end = base
            .find("://")
            .and_then(|s| base[s + 3..].find('/').map(|i| s + 3 + i))
            .unwrap_or(base.len());
        return format!("{}/{rest}", &base[..host_end]);
    }
    match base.rfind('/') {
        Some(i) => format!("{}{relative}", &base[..=i]),
        None => relative.to_string(),
    }
}

/// `const: v` → `enum: [v]`, typed by `v` when the schema has no `type`; `const: null` is
/// a schema of `null` only. A `const` that contradicts the schema's `type` or `enum` is left
/// out with a warning: no value could be valid.
fn constant(map: &mut Map<String, Value>, path: &[String], cx: &mut Cx) {
    let Some(value) = map.shift_remove("const") else {
        return;
    };
    let declared: Vec<String> = match map.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    // `1.0` is an integer to JSON Schema, and `1` to the 3.0 reader.
    let value = match value.as_f64() {
        Some(f)
            if declared.iter().any(|t| t == "integer")
                && !value.is_i64()
                && !value.is_u64()
                && f.fract() == 0.0
                && f.abs() < 9e15 =>
        {
            Value::from(f as i64)
        }
        _ => value,
    };
    let shown = value.to_string();
    if !declared.is_empty() && !declared.iter().any(|t| fits_type(t, &value)) {
        cx.warn(
            &child(path, "const"),
            format!(
                "`const: {shown}` is not of the schema's type (`{}`), so no value could be valid; the `const` is left out",
                declared.join("`, `")
            ),
            "fix the `const` or the `type`",
        );
        return;
    }
    if let Some(Value::Array(values)) = map.get("enum") {
        if !values.contains(&value) {
            cx.warn(
                &child(path, "const"),
                format!("`const: {shown}` is not one of the schema's `enum` values, so no value could be valid; the `const` is left out"),
                "fix the `const` or the `enum`",
            );
            return;
        }
    }
    cx.saw(Construct::Const, path, || {
        format!("`const: {shown}` written as `enum: [{shown}]`")
    });
    if value.is_null() {
        make_null_only(map);
        return;
    }
    if declared.is_empty() {
        if let Some(t) = json_type(&value).filter(|t| !matches!(*t, "object" | "array")) {
            map.insert("type".to_string(), Value::String(t.to_string()));
        }
    }
    map.insert("enum".to_string(), Value::Array(vec![value]));
}

/// `type: "null"`, and `type` as a list: `null` in it is `nullable`, several other types are
/// an `anyOf` of one schema per type with the keywords that apply to it.
fn types(map: &mut Map<String, Value>, path: &[String], cx: &mut Cx) {
    match map.get("type") {
        Some(Value::String(t)) if t == "null" => {
            cx.saw(Construct::TypeNull, path, || {
                "`type: \"null\"` written as `enum: [null]`".to_string()
            });
            make_null_only(map);
        }
        Some(Value::Array(list)) => {
            let list = list.clone();
            let shown = Value::Array(list.clone()).to_string();
            let mut names: Vec<&str> = Vec::new();
            let mut nullable = false;
            for (i, t) in list.iter().enumerate() {
                match t.as_str() {
                    Some("null") => nullable = true,
                    Some(name) if KNOWN_TYPES.contains(&name) => {
                        if !names.contains(&name) {
                            names.push(name);
                        }
                    }
                    _ => cx.warn(
                        &child(&child(path, "type"), &i.to_string()),
                        format!("unknown type {t} in `type: {shown}`; left out"),
                        "JSON Schema's types are string, number, integer, boolean, array, object and null",
                    ),
                }
            }
            if names.contains(&"number") {
                names.retain(|n| *n != "integer");
            }
            // An `enum` (or `const`) without `null` says `null` is not a value after all.
            let nullable = nullable
                && map
                    .get("enum")
                    .and_then(Value::as_array)
                    .is_none_or(|values| values.iter().any(Value::is_null));
            map.shift_remove("type");
            match names.as_slice() {
                [] if nullable => make_null_only(map),
                [] => {}
                [one] => {
                    map.insert("type".to_string(), Value::String(one.to_string()));
                }
                several => split_by_type(map, several),
            }
            if nullable && !names.is_empty() {
                map.insert("nullable".to_string(), Value::Bool(true));
            }
            let read_as = match (names.as_slice(), nullable) {
                ([one], true) => format!("`type: {one}, nullable: true`"),
                ([one], false) => format!("`type: {one}`"),
                ([], true) => "`enum: [null]`".to_string(),
                ([], false) => "a schema without `type`".to_string(),
                (_, true) => "`anyOf` of one schema per type, `nullable: true`".to_string(),
                (_, false) => "`anyOf` of one schema per type".to_string(),
            };
            cx.saw(Construct::TypeList, path, || {
                format!("`type: {shown}` written as {read_as}")
            });
        }
        _ => {}
    }
}

const KNOWN_TYPES: [&str; 6] = ["string", "number", "integer", "boolean", "array", "object"];

/// Keywords that apply to values of one type only.
fn keywords_of(ty: &str) -> &'static [&'static str] {
    match ty {
        "string" => &[
            "minLength",
            "maxLength",
            "pattern",
            "contentMediaType",
            "contentEncoding",
            "contentSchema",
        ],
        "number" | "integer" => &[
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
        ],
        "array" => &[
            "items",
            "prefixItems",
            "additionalItems",
            "minItems",
            "maxItems",
            "uniqueItems",
            "contains",
            "minContains",
            "maxContains",
            "unevaluatedItems",
        ],
        "object" => &[
            "properties",
            "required",
            "additionalProperties",
            "patternProperties",
            "minProperties",
            "maxProperties",
            "propertyNames",
            "dependentRequired",
            "dependentSchemas",
            "unevaluatedProperties",
        ],
        _ => &[],
    }
}

/// `{type: [A, B], ...}` → `{anyOf: [{type: A, ...A's keywords}, {type: B, ...}], ...}`.
fn split_by_type(map: &mut Map<String, Value>, names: &[&str]) {
    let enum_values = map.get("enum").and_then(Value::as_array).cloned();
    let format = map
        .get("format")
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut alternatives = Vec::new();
    for name in names {
        let mut alt = Map::new();
        alt.insert("type".to_string(), Value::String(name.to_string()));
        if let Some(f) = &format {
            if format_fits(name, f) {
                alt.insert("format".to_string(), Value::String(f.clone()));
            }
        }
        for key in keywords_of(name) {
            if let Some(v) = map.get(*key) {
                alt.insert(key.to_string(), v.clone());
            }
        }
        if let Some(values) = &enum_values {
            let fitting: Vec<Value> = values
                .iter()
                .filter(|v| v.is_null() || fits_type(name, v))
                .cloned()
                .collect();
            if fitting.iter().all(Value::is_null) {
                // No value of this type is allowed: not an alternative at all.
                continue;
            }
            alt.insert("enum".to_string(), Value::Array(fitting));
        }
        alternatives.push(Value::Object(alt));
    }
    for name in names {
        for key in keywords_of(name) {
            map.shift_remove(*key);
        }
    }
    map.shift_remove("enum");
    map.shift_remove("format");
    // An `enum` whose values are all of one type leaves one alternative: the schema itself.
    if let [Value::Object(only)] = alternatives.as_slice() {
        for (k, v) in only {
            map.insert(k.clone(), v.clone());
        }
        return;
    }
    let union = Value::Array(alternatives);
    if ["anyOf", "oneOf", "allOf"]
        .iter()
        .any(|k| map.contains_key(*k))
    {
        let mut part = Map::new();
        part.insert("anyOf".to_string(), union);
        match map.get_mut("allOf") {
            Some(Value::Array(parts)) => parts.push(Value::Object(part)),
            _ => {
                map.insert("allOf".to_string(), Value::Array(vec![Value::Object(part)]));
            }
        }
    } else {
        map.insert("anyOf".to_string(), union);
    }
}

/// `exclusiveMinimum: 5` (3.1) → `minimum: 5, exclusiveMinimum: true` (3.0), unless the
/// schema's `minimum` is already stricter; likewise for the maximum.
fn exclusive_bounds(map: &mut Map<String, Value>, path: &[String], cx: &mut Cx) {
    for (exclusive, bound, stricter) in [
        (
            "exclusiveMinimum",
            "minimum",
            (|b: f64, n: f64| b > n) as fn(f64, f64) -> bool,
        ),
        ("exclusiveMaximum", "maximum", |b: f64, n: f64| b < n),
    ] {
        match map.get(exclusive) {
            Some(Value::Number(n)) => {
                let n = n.clone();
                let keep = map
                    .get(bound)
                    .and_then(Value::as_f64)
                    .zip(n.as_f64())
                    .is_some_and(|(b, n)| stricter(b, n));
                cx.saw(Construct::NumericExclusive, path, || {
                    format!("`{exclusive}: {n}` written as `{bound}: {n}, {exclusive}: true`")
                });
                if keep {
                    map.shift_remove(exclusive);
                } else {
                    map.insert(bound.to_string(), Value::Number(n));
                    map.insert(exclusive.to_string(), Value::Bool(true));
                }
            }
            Some(Value::Bool(_)) => cx.saw(Construct::BooleanExclusive, path, || {
                format!("boolean `{exclusive}` (OpenAPI 3.0) read as 3.0 reads it")
            }),
            _ => {}
        }
    }
}

/// A string's `contentEncoding: base64` is `format: byte`; a `contentMediaType` that is not
/// text is binary content, `format: binary` (a file in a multipart form).
fn content(map: &mut Map<String, Value>, path: &[String], cx: &mut Cx) {
    let encoding = map.get("contentEncoding").and_then(Value::as_str);
    let media = map.get("contentMediaType").and_then(Value::as_str);
    if encoding.is_none() && media.is_none() {
        return;
    }
    let format = match (encoding, media) {
        (Some(e), _) if e.eq_ignore_ascii_case("base64") || e.eq_ignore_ascii_case("base64url") => {
            Some("byte")
        }
        (None, Some(m)) if !is_textual(m) => Some("binary"),
        _ => None,
    };
    let string = map.get("type").is_none_or(|t| t.as_str() == Some("string"));
    match format {
        Some(f) if string && !map.contains_key("format") => {
            cx.saw(Construct::ContentKeywords, path, || {
                format!(
                    "`contentEncoding`/`contentMediaType` written as `type: string, format: {f}`"
                )
            });
            map.insert("type".to_string(), Value::String("string".to_string()));
            map.insert("format".to_string(), Value::String(f.to_string()));
        }
        _ => cx.saw(Construct::ContentKeywords, path, || {
            "`contentEncoding`/`contentMediaType` read as a string".to_string()
        }),
    }
}

/// Media types whose content is text, not bytes.
fn is_textual(media: &str) -> bool {
    let essence = media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence.starts_with("text/")
        || essence.ends_with("/json")
        || essence.ends_with("+json")
        || essence.ends_with("/xml")
        || essence.ends_with("+xml")
        || essence == "application/x-www-form-urlencoded"
        || essence == "application/javascript"
}

/// `patternProperties` give the values of a map: `additionalProperties` (an `anyOf` when
/// several patterns, or `additionalProperties` too, say what the values are).
fn pattern_properties(map: &mut Map<String, Value>, path: &[String], cx: &mut Cx) {
    let Some(Value::Object(patterns)) = map.get("patternProperties") else {
        return;
    };
    let mut values: Vec<Value> = patterns.values().cloned().collect();
    cx.saw(Construct::PatternProperties, path, || {
        "`patternProperties` written as `additionalProperties` (the key patterns are not checked)"
            .to_string()
    });
    map.shift_remove("patternProperties");
    match map.get("additionalProperties") {
        None | Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) => values.clear(),
        Some(other) => values.push(other.clone()),
    }
    let value = match values.len() {
        0 => Value::Bool(true),
        1 => values.remove(0),
        _ => serde_json::json!({ "anyOf": values }),
    };
    map.insert("additionalProperties".to_string(), value);
    if !map.contains_key("type") && !map.contains_key("properties") {
        map.insert("type".to_string(), Value::String("object".to_string()));
    }
}

/// `prefixItems` (or `items` as a list, as older drafts write it): a tuple, kept as
/// `x-prefixItems` for the generator. Where the schema allows more items of a given schema
/// (`items: {...}`), positions cannot be typed: the items are an `anyOf` of every item schema.
fn tuple(map: &mut Map<String, Value>, path: &[String], cx: &mut Cx) {
    let (keyword, members, rest) = match (map.get("prefixItems"), map.get("items")) {
        (Some(Value::Array(_)), _) => {
            let Some(Value::Array(members)) = map.shift_remove("prefixItems") else {
                return;
            };
            ("prefixItems", members, map.shift_remove("items"))
        }
        (None, Some(Value::Array(_))) => {
            let Some(Value::Array(members)) = map.shift_remove("items") else {
                return;
            };
            ("items", members, map.shift_remove("additionalItems"))
        }
        _ => return,
    };
    let n = members.len();
    if !map.contains_key("type") {
        map.insert("type".to_string(), Value::String("array".to_string()));
    }
    match rest {
        Some(rest @ Value::Object(_)) if rest.as_object().is_some_and(|m| !m.is_empty()) => {
            cx.warn(
                &child(path, keyword),
                "a tuple (`prefixItems`) with more items allowed: the positions are not typed one by one; the items are any of the item schemas",
                "add `items: false` (or `maxItems`) if the array has exactly these items",
            );
            let mut all = members;
            all.push(rest);
            map.insert("items".to_string(), serde_json::json!({ "anyOf": all }));
            cx.saw(Construct::PrefixItems, path, || {
                "`prefixItems` written as `items: {anyOf: [...]}`".to_string()
            });
        }
        rest => {
            if rest == Some(Value::Bool(false)) && !map.contains_key("maxItems") {
                map.insert("maxItems".to_string(), Value::from(n));
            }
            map.insert("x-prefixItems".to_string(), Value::Array(members));
            cx.saw(Construct::PrefixItems, path, || {
                format!("`prefixItems` kept as `x-prefixItems`: a tuple of {n}")
            });
        }
    }
}

/// `examples` on a schema (a list): the first is the schema's `example`, for the docs.
fn examples(map: &mut Map<String, Value>, path: &[String], cx: &mut Cx) {
    match map.get("examples") {
        Some(Value::Array(list)) => {
            let first = list.first().cloned();
            cx.saw(Construct::SchemaExamples, path, || {
                "`examples` read; the first is the schema's `example`".to_string()
            });
            if let (Some(first), false) = (first, map.contains_key("example")) {
                map.insert("example".to_string(), first);
            }
        }
        Some(_) => cx.warn(
            &child(path, "examples"),
            "`examples` on a schema is a list of values; this one is not a list, so it is not read",
            "write `examples: [<value>, ...]`",
        ),
        None => {}
    }
}

/// `anyOf`/`oneOf` with `{type: "null"}` alternatives: the others, `nullable`. One other
/// alternative is the schema itself (a `$ref` becomes `allOf: [{$ref}]`, as 3.0 writes a
/// nullable reference); none is `null` only.
fn null_alternatives(map: &mut Map<String, Value>, path: &[String], cx: &mut Cx) {
    for keyword in ["anyOf", "oneOf"] {
        let Some(Value::Array(alternatives)) = map.get(keyword) else {
            continue;
        };
        if !alternatives.iter().any(is_null_only) {
            continue;
        }
        let rest: Vec<Value> = alternatives
            .iter()
            .filter(|a| !is_null_only(a))
            .cloned()
            .collect();
        cx.saw(Construct::NullAlternative, path, || {
            format!("`{keyword}` with a `null` alternative written as `nullable: true`")
        });
        match rest.len() {
            0 => {
                map.shift_remove(keyword);
                make_null_only(map);
                return;
            }
            1 => {
                map.shift_remove(keyword);
                let alternative = rest.into_iter().next().unwrap_or_default();
                merge_alternative(map, alternative);
            }
            _ => {
                map.insert(keyword.to_string(), Value::Array(rest));
            }
        }
        map.insert("nullable".to_string(), Value::Bool(true));
    }
}

/// Makes `alternative` (the one non-null alternative of an `anyOf`) the schema `map` is,
/// keeping `map`'s annotations: its keywords are moved up when none collides with `map`'s,
/// else it becomes an `allOf` part. A `$ref` always becomes `allOf: [{$ref}]`.
fn merge_alternative(map: &mut Map<String, Value>, alternative: Value) {
    let Value::Object(mut alt) = alternative else {
        return;
    };
    let only_annotations = map.keys().all(|k| k.starts_with("x-") || is_annotation(k));
    let collides = alt.keys().any(|k| map.contains_key(k));
    let reference = alt.shift_remove("$ref");
    let part = if !collides && (only_annotations || reference.is_some()) {
        for (k, v) in alt {
            map.insert(k, v);
        }
        match reference {
            Some(r) => {
                let mut part = Map::new();
                part.insert("$ref".to_string(), r);
                part
            }
            None => return,
        }
    } else {
        if let Some(r) = reference {
            alt.insert("$ref".to_string(), r);
        }
        alt
    };
    match map.get_mut("allOf") {
        Some(Value::Array(parts)) => parts.push(Value::Object(part)),
        _ => {
            map.insert("allOf".to_string(), Value::Array(vec![Value::Object(part)]));
        }
    }
}

/// What a Rust type cannot say: reported where it is written.
fn unsupported(map: &Map<String, Value>, path: &[String], cx: &mut Cx) {
    let found: Vec<&str> = [
        "if",
        "dependentSchemas",
        "unevaluatedProperties",
        "unevaluatedItems",
    ]
    .into_iter()
    .filter(|k| match map.get(*k) {
        // `false` closes what a struct or a list closes anyway; `true` allows anything.
        Some(Value::Bool(_)) => *k == "if" || *k == "dependentSchemas",
        Some(_) => true,
        None => false,
    })
    .collect();
    for key in found {
        let (message, help) = match key {
            "if" => (
                "`if`/`then`/`else` cannot be said by a Rust type; the conditional schemas are not generated (the server still applies them)",
                "if the value's shape depends on the condition, describe each shape as a `oneOf` alternative",
            ),
            "dependentSchemas" => (
                "`dependentSchemas` cannot be said by a Rust type; the schemas that depend on a property are not generated",
                "if a property brings others with it, describe each shape as a `oneOf` alternative",
            ),
            "unevaluatedProperties" => (
                "`unevaluatedProperties` with a schema cannot be said by a Rust type; such properties are ignored when decoding and cannot be set",
                "name the properties in `properties`, or use `additionalProperties` for a map",
            ),
            _ => (
                "`unevaluatedItems` with a schema cannot be said by a Rust type; such items are not typed",
                "say what the items are with `items`",
            ),
        };
        cx.warn(&child(path, key), message, help);
    }
}

/// A schema that accepts `null` and nothing else, in any of the ways it is written.
fn is_null_only(v: &Value) -> bool {
    let Value::Object(map) = v else { return false };
    let mut null = false;
    for (k, v) in map {
        match k.as_str() {
            "type" => match v {
                Value::String(t) if t == "null" => null = true,
                Value::Array(ts) if ts.iter().all(|t| t.as_str() == Some("null")) => null = true,
                // `{type: string, nullable: true, enum: [null]}` is `null` only too.
                Value::String(_) if map.get("enum").is_some_and(is_null_list) => {}
                _ => return false,
            },
            "const" if v.is_null() => null = true,
            "enum" if is_null_list(v) => null = true,
            "nullable" => {}
            k if k.starts_with("x-") || is_annotation(k) => {}
            _ => return false,
        }
    }
    null
}

fn is_null_list(v: &Value) -> bool {
    v.as_array()
        .is_some_and(|l| !l.is_empty() && l.iter().all(Value::is_null))
}

/// Turns `map` into a schema of `null` only: `enum: [null]`, with its annotations.
fn make_null_only(map: &mut Map<String, Value>) {
    map.retain(|k, _| k.starts_with("x-") || is_annotation(k));
    map.shift_remove("nullable");
    map.insert("enum".to_string(), Value::Array(vec![Value::Null]));
}

/// Whether `value` is of JSON Schema type `ty` (an integer is a number with no fraction).
fn fits_type(ty: &str, value: &Value) -> bool {
    match ty {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        "number" => value.is_number(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

/// The JSON Schema type of a value (`integer` for a number with no fraction).
fn json_type(value: &Value) -> Option<&'static str> {
    Some(match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::String(_) => "string",
        Value::Number(_) if fits_type("integer", value) => "integer",
        Value::Number(_) => "number",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    })
}

/// Whether a `format` applies to values of type `ty`.
fn format_fits(ty: &str, format: &str) -> bool {
    let numeric = matches!(
        format,
        "int32"
            | "int64"
            | "uint32"
            | "uint64"
            | "int8"
            | "int16"
            | "uint8"
            | "uint16"
            | "float"
            | "double"
            | "decimal"
            | "unixtime"
    );
    match ty {
        "string" => !numeric || format == "decimal",
        "integer" | "number" => numeric,
        _ => false,
    }
}

pub(super) fn child(path: &[String], key: &str) -> Vec<String> {
    let mut at = path.to_vec();
    at.push(key.to_string());
    at
}
