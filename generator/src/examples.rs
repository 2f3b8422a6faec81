//! Checks the spec's own examples against the types generated for them.
//!
//! Servers break their own specs: Portkey's `createRun` example sends `"instructions": null`
//! where `RunObject` declares a required, non-nullable string. A client that follows the
//! schema to the letter fails on the real server. Each such contradiction becomes a warning
//! that names the example, the schema it contradicts, and the overlay action that fixes it.

use serde_json::Value;

use crate::diagnostic::{escape_segment, Diagnostic};
use crate::ir::*;

/// Where an example breaks its schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// Path inside the example, like `tools[0].type` (`.` for the root).
    pub at: String,
    /// JSON pointer of the schema the value contradicts.
    pub schema: String,
    pub message: String,
    /// JSON pointer of the schema to make nullable, when that would fix it.
    pub nullable_fix: Option<String>,
}

/// One example from the spec, with the type it should decode into.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// JSON pointer of the example.
    pub pointer: String,
    pub ty: TypeRef,
    /// The example as JSON text (as written, for `x-code-samples`).
    pub text: String,
}

/// Every example that belongs to a generated type: schema and property `example`s and
/// `examples` lists, the `example` and `examples` of parameters, of request and response
/// media types and of webhook payloads, Portkey's `x-code-samples.example` on schemas, and the `response` of
/// operations' `x-code-samples`. Each place is checked once, however often it is used.
pub fn collect(api: &Api, raw: &Value) -> Vec<Example> {
    let mut out = Examples::default();
    for (id, t) in api.types.iter().enumerate() {
        let Some(schema) = raw.pointer(&t.pointer[1..]) else {
            continue;
        };
        if is_named(&t.pointer) {
            out.schema(schema, &t.pointer, &TypeRef::Named(id));
            if let Some(text) = schema
                .pointer("/x-code-samples/example")
                .and_then(Value::as_str)
            {
                out.push_text(
                    format!("{}/x-code-samples/example", t.pointer),
                    &TypeRef::Named(id),
                    text.to_string(),
                );
            }
        }
        if let TypeKind::Struct(s) = &t.kind {
            for f in &s.fields {
                let ty = if f.optional {
                    TypeRef::Nullable(Box::new(f.ty.clone()))
                } else {
                    f.ty.clone()
                };
                let at = format!("{}/properties/{}", t.pointer, escape_segment(&f.wire_name));
                match schema.get("properties").and_then(|p| p.get(&f.wire_name)) {
                    Some(property) => out.schema(property, &at, &ty),
                    // A property merged from an `allOf` part.
                    None => {
                        if let Some(example) = &f.docs.example {
                            out.push(format!("{at}/example"), &ty, example);
                        }
                    }
                }
            }
        }
    }
    for op in &api.operations {
        if let Some(body) = op.body.as_ref().filter(|b| !b.multipart) {
            out.media(raw, &body.media, &body.ty);
        }
        if let (Response::Json(ty), Some(media)) = (&op.response, &op.response_media) {
            out.media(raw, media, ty);
        }
        out.parameters(raw, op);
        let Response::Json(ty) = &op.response else {
            continue;
        };
        let samples = raw
            .pointer(&op.pointer[1..])
            .and_then(|o| o.get("x-code-samples"))
            .and_then(Value::as_array);
        for (i, sample) in samples.into_iter().flatten().enumerate() {
            if let Some(text) = sample.get("response").and_then(Value::as_str) {
                out.push_text(
                    format!("{}/x-code-samples/{i}/response", op.pointer),
                    ty,
                    text.to_string(),
                );
            }
        }
    }
    for w in api.webhooks.iter().filter(|w| !w.media.is_empty()) {
        out.media(raw, &w.media, &w.payload);
    }
    out.list
}

/// A named schema's place: `components/schemas/X`, or a `$defs` entry.
fn is_named(pointer: &str) -> bool {
    if crate::diagnostic::named_schema(pointer).is_some() {
        return true;
    }
    let mut segments = pointer.rsplit('/');
    segments.next();
    matches!(segments.next(), Some("$defs" | "definitions"))
}

/// The examples found so far, each place once.
#[derive(Default)]
struct Examples {
    list: Vec<Example>,
    /// Pointers of the examples found.
    seen: std::collections::HashSet<String>,
    /// Pointers of the media types and parameters read.
    places: std::collections::HashSet<String>,
}

impl Examples {
    fn push(&mut self, pointer: String, ty: &TypeRef, value: &Value) {
        self.push_text(pointer, ty, value.to_string());
    }

    fn push_text(&mut self, pointer: String, ty: &TypeRef, text: String) {
        if self.seen.insert(pointer.clone()) {
            self.list.push(Example {
                pointer,
                ty: ty.clone(),
                text,
            });
        }
    }

    /// A schema's `examples` (a list, JSON Schema's) and its `example` (OpenAPI 3.0's), unless
    /// that is the first of the list (as [`crate::dialect`] copies it for the docs).
    fn schema(&mut self, schema: &Value, at: &str, ty: &TypeRef) {
        let list = schema.get("examples").and_then(Value::as_array);
        if let Some(example) = schema.get("example") {
            if list.and_then(|l| l.first()) != Some(example) {
                self.push(format!("{at}/example"), ty, example);
            }
        }
        for (i, example) in list.into_iter().flatten().enumerate() {
            self.push(format!("{at}/examples/{i}"), ty, example);
        }
    }

    /// A media type's or a parameter's `example`, and its `examples`: a map of Example
    /// objects (their `value`, through `$ref`s to `components/examples`), or, read liberally,
    /// a list of values.
    fn media(&mut self, raw: &Value, at: &str, ty: &TypeRef) {
        // A parameter or body written once and used by many operations is read once.
        if !self.places.insert(at.to_string()) {
            return;
        }
        let Some(media) = raw.pointer(&at[1..]) else {
            return;
        };
        if let Some(example) = media.get("example") {
            self.push(format!("{at}/example"), ty, example);
        }
        match media.get("examples") {
            Some(Value::Object(named)) => {
                for (name, example) in named {
                    let (place, example) = match example.get("$ref").and_then(Value::as_str) {
                        Some(r) => (
                            r.to_string(),
                            r.strip_prefix('#').and_then(|p| raw.pointer(p)),
                        ),
                        None => (
                            format!("{at}/examples/{}", escape_segment(name)),
                            Some(example),
                        ),
                    };
                    if let Some(value) = example.and_then(|e| e.get("value")) {
                        self.push(format!("{place}/value"), ty, value);
                    }
                }
            }
            Some(Value::Array(list)) => {
                for (i, example) in list.iter().enumerate() {
                    self.push(format!("{at}/examples/{i}"), ty, example);
                }
            }
            _ => {}
        }
    }

    /// The examples of an operation's parameters, each with its parameter's type.
    fn parameters(&mut self, raw: &Value, op: &Operation) {
        let params = op
            .path_params
            .iter()
            .chain(op.params.iter().flat_map(|p| &p.fields));
        for p in params.filter(|p| !p.pointer.is_empty()) {
            self.media(raw, &p.pointer, &p.ty);
        }
    }
}

/// Adds a warning for every example that does not decode into its generated type.
pub fn check(api: &Api, examples: &[Example], diags: &mut Vec<Diagnostic>) {
    for e in examples {
        match serde_json::from_str::<Value>(&e.text) {
            Ok(value) => report(api, &e.ty, &value, &e.pointer, diags),
            Err(err) => diags.push(Diagnostic::warning(
                &e.pointer,
                format!("example is not JSON ({err}); not checked"),
            )),
        }
    }
}

fn report(api: &Api, ty: &TypeRef, value: &Value, at: &str, diags: &mut Vec<Diagnostic>) {
    let mut found = Vec::new();
    validate(api, ty, value, ".", &mut found);
    for m in found {
        let mut d = Diagnostic::warning(
            at,
            format!(
                "the spec's example does not fit its schema: `{}` {}; contradicts {}",
                m.at, m.message, m.schema
            ),
        );
        if let Some(pointer) = &m.nullable_fix {
            d = d.with_help(format!(
                "if the server sends this, add to the overlay: `- target: {}` with `update: {{nullable: true}}`",
                json_path(pointer)
            ));
        }
        diags.push(d);
    }
}

/// `#/components/schemas/A/properties/b` → `$.components.schemas.A.properties.b`.
pub fn json_path(pointer: &str) -> String {
    let mut out = String::from("$");
    for seg in pointer
        .trim_start_matches('#')
        .split('/')
        .filter(|s| !s.is_empty())
    {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !seg.starts_with(|c: char| c.is_ascii_digit())
        {
            out.push('.');
            out.push_str(&seg);
        } else {
            out.push_str(&format!(
                "['{}']",
                seg.replace('\\', "\\\\").replace('\'', "\\'")
            ));
        }
    }
    out
}

fn join(at: &str, key: &str) -> String {
    if at == "." {
        key.to_string()
    } else {
        format!("{at}.{key}")
    }
}

/// Collects every place `value` would fail to decode as `ty`.
pub fn validate(api: &Api, ty: &TypeRef, value: &Value, at: &str, out: &mut Vec<Mismatch>) {
    let mismatch = |out: &mut Vec<Mismatch>, expected: &str| {
        out.push(Mismatch {
            at: at.to_string(),
            schema: String::from("the generated type"),
            message: format!("is {}, not {expected}", kind(value)),
            nullable_fix: None,
        })
    };
    match ty {
        TypeRef::Named(id) => validate_named(api, *id, value, at, out),
        TypeRef::String if !value.is_string() => mismatch(out, "a string"),
        TypeRef::Integer if !(value.is_i64() || value.is_u64()) => mismatch(out, "an integer"),
        TypeRef::Number if !value.is_number() => mismatch(out, "a number"),
        TypeRef::Boolean if !value.is_boolean() => mismatch(out, "a boolean"),
        TypeRef::JsonMap if !value.is_object() => mismatch(out, "an object"),
        TypeRef::Array(item) => match value.as_array() {
            Some(items) => {
                for (i, v) in items.iter().enumerate() {
                    validate(
                        api,
                        item,
                        v,
                        &format!("{}[{i}]", if at == "." { "" } else { at }),
                        out,
                    );
                }
            }
            None => mismatch(out, "an array"),
        },
        TypeRef::Map(inner) => match value.as_object() {
            Some(map) => {
                for (k, v) in map {
                    validate(api, inner, v, &join(at, k), out);
                }
            }
            None => mismatch(out, "an object"),
        },
        TypeRef::Nullable(inner) if !value.is_null() => validate(api, inner, value, at, out),
        TypeRef::Null if !value.is_null() => mismatch(out, "null"),
        TypeRef::Tuple(items) => match value.as_array() {
            Some(values) if values.len() == items.len() => {
                for (i, (item, v)) in items.iter().zip(values).enumerate() {
                    let at = format!("{}[{i}]", if at == "." { "" } else { at });
                    validate(api, item, v, &at, out);
                }
            }
            _ => mismatch(out, &format!("an array of {} items", items.len())),
        },
        _ => {}
    }
}

fn validate_named(api: &Api, id: TypeId, value: &Value, at: &str, out: &mut Vec<Mismatch>) {
    let t = api.type_def(id);
    let wrong = |out: &mut Vec<Mismatch>, expected: &str| {
        out.push(Mismatch {
            at: at.to_string(),
            schema: format!("`{}` ({})", t.name, t.pointer),
            message: format!("is {}, not {expected}", kind(value)),
            nullable_fix: value.is_null().then(|| t.pointer.clone()),
        })
    };
    match &t.kind {
        TypeKind::Alias(inner) => validate(api, inner, value, at, out),
        TypeKind::StringEnum(_) if !value.is_string() => wrong(out, "a string"),
        TypeKind::StringEnum(_) => {}
        TypeKind::Struct(s) => {
            let Some(map) = value.as_object() else {
                return wrong(out, "an object");
            };
            for f in &s.fields {
                let field_at = join(at, &f.wire_name);
                let schema = format!(
                    "#{}/properties/{}",
                    t.pointer.trim_start_matches('#'),
                    escape_segment(&f.wire_name)
                );
                match map.get(&f.wire_name) {
                    Some(Value::Null) if !f.optional => out.push(Mismatch {
                        at: field_at,
                        message: "is null".to_string(),
                        schema: format!(
                            "`{}.{}`, which is not nullable ({schema})",
                            t.name, f.wire_name
                        ),
                        nullable_fix: Some(schema.clone()),
                    }),
                    Some(Value::Null) => {}
                    Some(v) => validate(api, &f.ty, v, &field_at, out),
                    None if !f.optional && f.default == FieldDefault::None => out.push(Mismatch {
                        at: field_at,
                        message: "is missing".to_string(),
                        schema: format!(
                            "`{}.{}`, which is required ({schema})",
                            t.name, f.wire_name
                        ),
                        nullable_fix: None,
                    }),
                    None => {}
                }
            }
        }
        TypeKind::Tagged(e) => {
            let Some(tag) = value.as_object().map(|m| m.get(&e.tag)) else {
                return wrong(out, "an object");
            };
            let tag = tag.and_then(Value::as_str);
            if let Some(v) = e
                .variants
                .iter()
                .find(|v| tag.is_some_and(|tag| v.values.iter().any(|x| x == tag)))
            {
                validate(api, &v.ty, value, at, out);
            }
        }
        // Forms are request-only; no example decodes into one.
        TypeKind::Form(_) => {}
        TypeKind::Const(c) if !same_json(c, value) => wrong(out, &format!("`{c}`")),
        TypeKind::Const(_) => {}
        TypeKind::Untagged(u) => {
            let fits = u.variants.iter().any(|v| match &v.kind {
                UntaggedKind::Const(c) => value.as_str() == Some(c),
                UntaggedKind::OtherString => value.is_string(),
                UntaggedKind::Value { ty, .. } => {
                    let mut inner = Vec::new();
                    validate(api, ty, value, at, &mut inner);
                    inner.is_empty()
                }
            });
            if !fits {
                wrong(out, "any of its alternatives");
            }
        }
    }
}

/// JSON equality, with numbers compared by value (`1` is `1.0`): what the runtime's
/// `codec::deserialize_const` accepts (the generator does not depend on the runtime crate).
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_json(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::json_path;

    #[test]
    fn pointers_become_overlay_targets() {
        assert_eq!(
            json_path("#/components/schemas/RunObject/properties/instructions"),
            "$.components.schemas.RunObject.properties.instructions"
        );
        assert_eq!(
            json_path("#/paths/~1threads~1{id}/post"),
            "$.paths['/threads/{id}'].post"
        );
    }
}
