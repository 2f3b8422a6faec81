//! The keywords of OpenAPI 3.1's objects: a 3.2 document is read as 3.1, and each keyword
//! 3.1 does not have (`itemSchema`, `query`, `$self`, ...) is reported where it stands, so
//! that nothing it says is dropped silently.

use serde_json::{Map, Value};

use crate::diagnostic::{pointer, Diagnostic};

/// The kinds of object whose keywords are checked. Schemas are not: JSON Schema allows
/// keywords of its own vocabularies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Root,
    Info,
    Contact,
    License,
    Server,
    ServerVariable,
    Components,
    PathItem,
    Operation,
    ExternalDocs,
    Parameter,
    RequestBody,
    MediaType,
    Encoding,
    Responses,
    Response,
    Example,
    Link,
    Header,
    Tag,
    SecurityScheme,
    OAuthFlows,
    OAuthFlow,
    /// A value not checked further (a schema, a string, a map of free names).
    Leaf,
}

/// How the value of a keyword is made.
#[derive(Debug, Clone, Copy)]
enum Shape {
    One(Kind),
    /// A map of names (or paths, or status codes) to objects of this kind.
    MapOf(Kind),
    ListOf(Kind),
}

use Kind::*;
use Shape::*;

/// A parameter's keywords; `name` and `in` first, as a header has all but those.
const PARAMETER: &[(&str, Shape)] = &[
    ("name", One(Leaf)),
    ("in", One(Leaf)),
    ("description", One(Leaf)),
    ("required", One(Leaf)),
    ("deprecated", One(Leaf)),
    ("allowEmptyValue", One(Leaf)),
    ("style", One(Leaf)),
    ("explode", One(Leaf)),
    ("allowReserved", One(Leaf)),
    ("schema", One(Leaf)),
    ("example", One(Leaf)),
    ("examples", MapOf(Example)),
    ("content", MapOf(MediaType)),
];

/// The keywords of `kind` with the shape of their values.
fn keywords(kind: Kind) -> &'static [(&'static str, Shape)] {
    match kind {
        Root => &[
            ("openapi", One(Leaf)),
            ("info", One(Info)),
            ("jsonSchemaDialect", One(Leaf)),
            ("servers", ListOf(Server)),
            ("paths", MapOf(PathItem)),
            ("webhooks", MapOf(PathItem)),
            ("components", One(Components)),
            ("security", One(Leaf)),
            ("tags", ListOf(Tag)),
            ("externalDocs", One(ExternalDocs)),
        ],
        Info => &[
            ("title", One(Leaf)),
            ("summary", One(Leaf)),
            ("description", One(Leaf)),
            ("termsOfService", One(Leaf)),
            ("contact", One(Contact)),
            ("license", One(License)),
            ("version", One(Leaf)),
        ],
        Contact => &[
            ("name", One(Leaf)),
            ("url", One(Leaf)),
            ("email", One(Leaf)),
        ],
        License => &[
            ("name", One(Leaf)),
            ("identifier", One(Leaf)),
            ("url", One(Leaf)),
        ],
        Server => &[
            ("url", One(Leaf)),
            ("description", One(Leaf)),
            ("variables", MapOf(ServerVariable)),
        ],
        ServerVariable => &[
            ("enum", One(Leaf)),
            ("default", One(Leaf)),
            ("description", One(Leaf)),
        ],
        Components => &[
            ("schemas", One(Leaf)),
            ("responses", MapOf(Response)),
            ("parameters", MapOf(Parameter)),
            ("examples", MapOf(Example)),
            ("requestBodies", MapOf(RequestBody)),
            ("headers", MapOf(Header)),
            ("securitySchemes", MapOf(SecurityScheme)),
            ("links", MapOf(Link)),
            ("callbacks", One(Leaf)),
            ("pathItems", MapOf(PathItem)),
        ],
        PathItem => &[
            ("$ref", One(Leaf)),
            ("summary", One(Leaf)),
            ("description", One(Leaf)),
            ("get", One(Operation)),
            ("put", One(Operation)),
            ("post", One(Operation)),
            ("delete", One(Operation)),
            ("options", One(Operation)),
            ("head", One(Operation)),
            ("patch", One(Operation)),
            ("trace", One(Operation)),
            ("servers", ListOf(Server)),
            ("parameters", ListOf(Parameter)),
        ],
        Operation => &[
            ("tags", One(Leaf)),
            ("summary", One(Leaf)),
            ("description", One(Leaf)),
            ("externalDocs", One(ExternalDocs)),
            ("operationId", One(Leaf)),
            ("parameters", ListOf(Parameter)),
            ("requestBody", One(RequestBody)),
            ("responses", One(Responses)),
            ("callbacks", One(Leaf)),
            ("deprecated", One(Leaf)),
            ("security", One(Leaf)),
            ("servers", ListOf(Server)),
        ],
        ExternalDocs => &[("description", One(Leaf)), ("url", One(Leaf))],
        Parameter => PARAMETER,
        RequestBody => &[
            ("description", One(Leaf)),
            ("content", MapOf(MediaType)),
            ("required", One(Leaf)),
        ],
        MediaType => &[
            ("schema", One(Leaf)),
            ("example", One(Leaf)),
            ("examples", MapOf(Example)),
            ("encoding", MapOf(Encoding)),
        ],
        Encoding => &[
            ("contentType", One(Leaf)),
            ("headers", MapOf(Header)),
            ("style", One(Leaf)),
            ("explode", One(Leaf)),
            ("allowReserved", One(Leaf)),
        ],
        // Status codes and `default`; checked by the caller.
        Responses => &[],
        Response => &[
            ("description", One(Leaf)),
            ("headers", MapOf(Header)),
            ("content", MapOf(MediaType)),
            ("links", MapOf(Link)),
        ],
        Example => &[
            ("summary", One(Leaf)),
            ("description", One(Leaf)),
            ("value", One(Leaf)),
            ("externalValue", One(Leaf)),
        ],
        Link => &[
            ("operationRef", One(Leaf)),
            ("operationId", One(Leaf)),
            ("parameters", One(Leaf)),
            ("requestBody", One(Leaf)),
            ("description", One(Leaf)),
            ("server", One(Server)),
        ],
        // A header is a parameter without `name` and `in`.
        Header => &PARAMETER[2..],
        Tag => &[
            ("name", One(Leaf)),
            ("description", One(Leaf)),
            ("externalDocs", One(ExternalDocs)),
        ],
        SecurityScheme => &[
            ("type", One(Leaf)),
            ("description", One(Leaf)),
            ("name", One(Leaf)),
            ("in", One(Leaf)),
            ("scheme", One(Leaf)),
            ("bearerFormat", One(Leaf)),
            ("flows", One(OAuthFlows)),
            ("openIdConnectUrl", One(Leaf)),
        ],
        OAuthFlows => &[
            ("implicit", One(OAuthFlow)),
            ("password", One(OAuthFlow)),
            ("clientCredentials", One(OAuthFlow)),
            ("authorizationCode", One(OAuthFlow)),
        ],
        OAuthFlow => &[
            ("authorizationUrl", One(Leaf)),
            ("tokenUrl", One(Leaf)),
            ("refreshUrl", One(Leaf)),
            ("scopes", One(Leaf)),
        ],
        Leaf => &[],
    }
}

/// Reports every keyword of `root` (a 3.2 document) that OpenAPI 3.1 does not have.
pub fn unknown(root: &Map<String, Value>, diags: &mut Vec<Diagnostic>) {
    object(root, Root, &mut Vec::new(), diags);
}

fn object(
    map: &Map<String, Value>,
    kind: Kind,
    path: &mut Vec<String>,
    diags: &mut Vec<Diagnostic>,
) {
    // A reference object: `$ref` with a summary or description.
    if map.contains_key("$ref") && kind != PathItem {
        return;
    }
    for (key, value) in map {
        if key.starts_with("x-") {
            continue;
        }
        path.push(key.clone());
        let known = keywords(kind)
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, s)| *s);
        match (kind, known) {
            (Responses, _) => shape(value, One(Response), path, diags),
            (_, Some(s)) => shape(value, s, path, diags),
            (_, None) => diags.push(
                Diagnostic::warning(
                    pointer(path.iter()),
                    format!("`{key}` is not an OpenAPI 3.1 keyword: this generator reads OpenAPI 3.2 documents as 3.1 and does not understand `{key}` yet; it is ignored"),
                )
                .with_help("what it says is not generated; if you need it, describe it with 3.1 keywords in an overlay"),
            ),
        }
        path.pop();
    }
}

fn shape(value: &Value, shape: Shape, path: &mut Vec<String>, diags: &mut Vec<Diagnostic>) {
    match (shape, value) {
        (One(Leaf), _) => {}
        (One(kind), Value::Object(map)) => object(map, kind, path, diags),
        (MapOf(kind), Value::Object(map)) => {
            for (name, child) in map {
                if name.starts_with("x-") {
                    continue;
                }
                path.push(name.clone());
                if let Value::Object(child) = child {
                    object(child, kind, path, diags);
                }
                path.pop();
            }
        }
        (ListOf(kind), Value::Array(items)) => {
            for (i, child) in items.iter().enumerate() {
                path.push(i.to_string());
                if let Value::Object(child) = child {
                    object(child, kind, path, diags);
                }
                path.pop();
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
    fn reports_what_3_1_does_not_have_where_it_stands() {
        let doc = json!({
            "openapi": "3.2.0",
            "$self": "https://example.com/api",
            "info": {"title": "t", "version": "1"},
            "paths": {"/a": {
                "query": {"responses": {}},
                "get": {"responses": {"200": {
                    "description": "ok",
                    "content": {"text/event-stream": {"itemSchema": {"type": "string"}}}
                }}}
            }},
            "components": {"schemas": {"A": {"frobnicate": true}}, "mediaTypes": {}},
            "tags": [{"name": "t", "parent": "u", "x-ok": 1}]
        });
        let mut diags = Vec::new();
        unknown(doc.as_object().unwrap(), &mut diags);
        let places: Vec<&str> = diags.iter().map(|d| d.pointer.as_str()).collect();
        assert_eq!(
            places,
            [
                "#/$self",
                "#/paths/~1a/query",
                "#/paths/~1a/get/responses/200/content/text~1event-stream/itemSchema",
                "#/components/mediaTypes",
                "#/tags/0/parent",
            ]
        );
        assert!(diags[2].message.contains("`itemSchema`"), "{}", diags[2]);
    }
}
