//! Paths → operations: method names, parameters, bodies, responses and security.

use openapiv3::{
    Operation as OaOperation, Parameter, ParameterSchemaOrContent, ReferenceOr, StatusCode,
};

use serde_json::Value;

use super::schema::Ctx;
use super::Lowerer;
use crate::diagnostic::{pointer, Diagnostic};
use crate::ir::*;
use crate::naming::{self, Namer};

impl Lowerer<'_> {
    /// The operations, and the names the client's methods have taken.
    pub(super) fn lower_operations(
        &mut self,
        security: &[SecurityScheme],
    ) -> (Vec<Operation>, Namer) {
        let mut names = Namer::new();
        // Methods the client already has.
        for reserved in [
            "builder",
            "from_env",
            "runtime",
            "base_url",
            "clone",
            "with_options",
        ] {
            names.reserve(reserved);
        }
        let mut out = Vec::new();
        let api = self.api;
        for (path, item) in api.paths.paths.iter() {
            let item_ptr = pointer(["paths", path.as_str()]);
            let item = match item {
                ReferenceOr::Item(item) => item,
                ReferenceOr::Reference { reference } => {
                    self.diags.push(Diagnostic::warning(&item_ptr, format!("path item `$ref: {reference}` does not resolve; its operations are not generated")));
                    continue;
                }
            };
            for (method, op) in HttpMethod::ALL.into_iter().zip(path_item_operations(item)) {
                let Some(op) = op else { continue };
                let at = pointer(["paths", path.as_str(), method.key()]);
                if let Some(lowered) = self.lower_operation(
                    path,
                    method,
                    op,
                    &item.parameters,
                    &at,
                    &mut names,
                    security,
                ) {
                    out.push(lowered);
                }
            }
        }
        (out, names)
    }

    #[allow(clippy::too_many_arguments)]
    fn lower_operation(
        &mut self,
        path: &str,
        method: HttpMethod,
        op: &OaOperation,
        item_params: &[ReferenceOr<Parameter>],
        at: &str,
        names: &mut Namer,
        security: &[SecurityScheme],
    ) -> Option<Operation> {
        let websocket = self.opens_websocket(op, at);
        if let Some(stated) = op.extensions.get("x-pagination") {
            self.page_hints.entry(at.to_string()).or_default().stated =
                Some((stated.clone(), format!("{at}/x-pagination")));
        }
        let base = match &op.operation_id {
            Some(id) => naming::field_name(id),
            None => name_from_path(method, path),
        };
        if names.is_taken(&base) && op.operation_id.is_some() {
            self.diags.push(Diagnostic::warning(
                format!("{at}/operationId"),
                format!("operation name `{base}` is already taken; this one gets a numbered name"),
            ));
        }
        let name = names.unique(&base);
        let pascal = naming::type_name(&name);
        let module = self.modules.unique(&name);

        // Operation parameters override path-item ones with the same name and location. Each
        // comes with where it is written (the path item's list, the operation's, or the
        // component a `$ref` names).
        let item_at = at.rsplit_once('/').map_or(at, |(item, _)| item);
        let mut params: Vec<(String, Parameter)> = Vec::new();
        for (owner, list) in [(item_at, item_params), (at, &op.parameters[..])] {
            for (i, p) in list.iter().enumerate() {
                let p_at = format!("{owner}/parameters/{i}");
                let Some((p, home)) = self.resolve_parameter(p, &p_at) else {
                    continue;
                };
                let key = (p.parameter_data_ref().name.clone(), location_of(&p));
                params
                    .retain(|(_, q)| (q.parameter_data_ref().name.clone(), location_of(q)) != key);
                params.push((home, p));
            }
        }

        let mut path_params = Vec::new();
        let mut fields = Vec::new();
        let mut arg_names = Namer::new();
        arg_names.reserve("body");
        arg_names.reserve("params");
        for (p_at, p) in &params {
            let data = p.parameter_data_ref();
            let location = match p {
                Parameter::Path { .. } => ParamLocation::Path,
                Parameter::Query { .. } => ParamLocation::Query,
                Parameter::Header { .. } => ParamLocation::Header,
                Parameter::Cookie { .. } => {
                    self.diags.push(Diagnostic::warning(
                        p_at,
                        format!(
                            "cookie parameter `{}` is not supported; not generated",
                            data.name
                        ),
                    ));
                    continue;
                }
            };
            let ty = match &data.format {
                ParameterSchemaOrContent::Schema(s) => {
                    let ctx = Ctx {
                        name: format!("{pascal}{}", naming::pascal(&data.name)),
                        module: module.clone(),
                        pointer: format!("{p_at}/schema"),
                        reserved: None,
                    };
                    self.lower_ref_or(s, &ctx).ty
                }
                ParameterSchemaOrContent::Content(_) => {
                    self.diags.push(Diagnostic::warning(
                        p_at,
                        format!(
                            "parameter `{}` uses `content`; sent as a JSON string",
                            data.name
                        ),
                    ));
                    TypeRef::Json
                }
            };
            if location == ParamLocation::Query && starts_at_one(&data.format) {
                self.page_hints
                    .entry(at.to_string())
                    .or_default()
                    .first_is_one
                    .push(data.name.clone());
            }
            let separator = match p {
                Parameter::Query { style, .. } => {
                    let explode = data
                        .explode
                        .unwrap_or(matches!(style, openapiv3::QueryStyle::Form));
                    match style {
                        openapiv3::QueryStyle::Form if explode => None,
                        openapiv3::QueryStyle::Form => Some(","),
                        openapiv3::QueryStyle::SpaceDelimited => Some(" "),
                        openapiv3::QueryStyle::PipeDelimited => Some("|"),
                        openapiv3::QueryStyle::DeepObject => {
                            self.diags.push(Diagnostic::warning(
                                p_at,
                                format!("query parameter `{}` has style `deepObject`, which is not supported; it is sent as JSON text", data.name),
                            ));
                            None
                        }
                    }
                }
                // Headers use the `simple` style: array items joined by commas.
                _ => Some(","),
            };
            let param = Param {
                name: if location == ParamLocation::Path {
                    arg_names.unique(&naming::field_name(&data.name))
                } else {
                    String::new()
                },
                wire_name: data.name.clone(),
                location,
                pointer: p_at.clone(),
                ty,
                required: data.required || location == ParamLocation::Path,
                description: data.description.clone(),
                separator,
            };
            if location == ParamLocation::Path {
                path_params.push(param);
            } else {
                fields.push(param);
            }
        }

        // Path parameters follow the template; a template name without a parameter still
        // becomes a string argument, so the method can build its URL.
        let template: Vec<String> = template_names(path);
        let mut ordered = Vec::new();
        for t in &template {
            match path_params.iter().position(|p| &p.wire_name == t) {
                Some(i) => ordered.push(path_params.remove(i)),
                None => {
                    self.diags.push(Diagnostic::warning(
                        at,
                        format!("path template names `{{{t}}}` but the operation declares no such path parameter; generated as a string argument"),
                    ));
                    ordered.push(Param {
                        name: arg_names.unique(&naming::field_name(t)),
                        wire_name: t.clone(),
                        location: ParamLocation::Path,
                        pointer: String::new(),
                        ty: TypeRef::String,
                        required: true,
                        description: None,
                        separator: Some(","),
                    });
                }
            }
        }
        for p in path_params {
            self.diags.push(Diagnostic::warning(
                at,
                format!(
                    "path parameter `{}` does not appear in the path template; ignored",
                    p.wire_name
                ),
            ));
        }

        let params_struct = if fields.is_empty() {
            None
        } else {
            let mut field_names = Namer::new();
            for f in &mut fields {
                f.name = field_names.unique(&naming::field_name(&f.wire_name));
            }
            Some(ParamsStruct {
                name: self.type_names.unique(&format!("{pascal}Params")),
                fields,
            })
        };

        let body = match &op.request_body {
            None => None,
            Some(rb) => Some(self.lower_body(rb, at, &pascal, &module)?),
        };
        let (response, response_media) = if websocket {
            let messages = self.lower_websocket_events(op, at, &pascal, &module);
            (Response::WebSocket(messages), None)
        } else {
            self.lower_response(op, at, &pascal, &module)
        };
        let errors = self.lower_errors(op, at, &pascal, &module);
        let stream = self
            .lower_stream(op, at, &pascal, &module, body.as_ref(), &response)
            .map(|mut s| {
                s.name = names.unique(&format!("{name}_stream"));
                s
            });
        let byte_stream =
            (response == Response::Bytes).then(|| names.unique(&format!("{name}_byte_stream")));
        let with_response = (!websocket).then(|| names.unique(&format!("{name}_with_response")));
        let request_fn = names.unique(&format!("{name}_request"));

        // The union of every scheme the operation's security alternatives name.
        let requirements = op.security.as_ref().or(self.api.security.as_ref());
        let mut schemes: Vec<String> = Vec::new();
        for req in requirements.into_iter().flatten() {
            for id in req.keys() {
                if !schemes.contains(id) && security.iter().any(|s| &s.id == id) {
                    schemes.push(id.clone());
                }
            }
        }

        Some(Operation {
            name,
            module,
            method,
            path: path.to_string(),
            pointer: at.to_string(),
            operation_id: op.operation_id.clone(),
            summary: op.summary.clone(),
            description: op.description.clone(),
            deprecated: op.deprecated,
            path_params: ordered,
            params: params_struct,
            body,
            response,
            response_media,
            errors,
            stream,
            byte_stream,
            with_response,
            request_fn,
            security: schemes,
            tags: op.tags.clone(),
            group: None,
            pagination: None,
        })
    }

    /// Whether the operation upgrades to a WebSocket: `x-websocket: true|false` says so, else
    /// a `101 Switching Protocols` answer without a 2xx one.
    fn opens_websocket(&mut self, op: &OaOperation, at: &str) -> bool {
        match op.extensions.get("x-websocket") {
            Some(Value::Bool(stated)) => return *stated,
            Some(other) => self.diags.push(
                Diagnostic::warning(
                    format!("{at}/x-websocket"),
                    format!("`x-websocket` is `{other}`, not true or false; ignored"),
                )
                .with_help("write `x-websocket: true` for an operation that opens a WebSocket"),
            ),
            None => {}
        }
        let upgrades = op
            .responses
            .responses
            .keys()
            .any(|c| *c == StatusCode::Code(101));
        let succeeds = op.responses.responses.keys().any(|c| match c {
            StatusCode::Code(c) => (200..300).contains(c),
            StatusCode::Range(r) => *r == 2,
        });
        upgrades && !succeeds
    }

    /// The message types of a WebSocket operation: the schemas `x-websocket-events` names for
    /// `client` (sent) and `server` (received), each any JSON when not stated.
    fn lower_websocket_events(
        &mut self,
        op: &OaOperation,
        at: &str,
        pascal: &str,
        module: &str,
    ) -> WebSocketMessages {
        let mut messages = WebSocketMessages {
            send: TypeRef::Json,
            receive: TypeRef::Json,
        };
        let Some(stated) = op.extensions.get("x-websocket-events") else {
            return messages;
        };
        let events_at = format!("{at}/x-websocket-events");
        let Some(object) = stated.as_object() else {
            self.diags.push(
                Diagnostic::warning(
                    &events_at,
                    "`x-websocket-events` is not an object; messages are any JSON",
                )
                .with_help(
                    "write `x-websocket-events: {client: {$ref: ...}, server: {$ref: ...}}`",
                ),
            );
            return messages;
        };
        for key in object.keys().filter(|k| *k != "client" && *k != "server") {
            self.diags.push(Diagnostic::warning(
                format!("{events_at}/{}", crate::diagnostic::escape_segment(key)),
                format!(
                    "`x-websocket-events` has no key `{key}` (only `client` and `server`); ignored"
                ),
            ));
        }
        for (key, slot, suffix) in [
            ("client", &mut messages.send, "ClientEvent"),
            ("server", &mut messages.receive, "ServerEvent"),
        ] {
            let Some(value) = object.get(key) else {
                continue;
            };
            let key_at = format!("{events_at}/{key}");
            match serde_json::from_value::<ReferenceOr<openapiv3::Schema>>(value.clone()) {
                Ok(schema) => {
                    let ctx = Ctx {
                        name: format!("{pascal}{suffix}"),
                        module: module.to_string(),
                        pointer: key_at,
                        reserved: None,
                    };
                    *slot = self.lower_ref_or(&schema, &ctx).ty;
                }
                Err(e) => self.diags.push(Diagnostic::warning(
                    &key_at,
                    format!("`x-websocket-events.{key}` is not a schema ({e}); these messages are any JSON"),
                )),
            }
        }
        messages
    }

    /// A parameter, through its `$ref`, and where it is written.
    fn resolve_parameter(
        &mut self,
        p: &ReferenceOr<Parameter>,
        at: &str,
    ) -> Option<(Parameter, String)> {
        match p {
            ReferenceOr::Item(p) => Some((p.clone(), at.to_string())),
            ReferenceOr::Reference { reference } => {
                let found = reference
                    .strip_prefix("#/components/parameters/")
                    .and_then(|name| {
                        self.api
                            .components
                            .as_ref()?
                            .parameters
                            .get(&crate::diagnostic::unescape_segment(name))
                    });
                match found {
                    Some(ReferenceOr::Item(p)) => Some((p.clone(), reference.clone())),
                    _ => {
                        self.diags.push(Diagnostic::warning(at, format!("parameter `$ref: {reference}` does not resolve; the parameter is not generated")));
                        None
                    }
                }
            }
        }
    }

    /// A request body, through its `$ref`, and where it is written; `None`, with a
    /// diagnostic ending in `outcome`, when the reference does not resolve.
    fn resolve_request_body(
        &mut self,
        rb: &ReferenceOr<openapiv3::RequestBody>,
        at: &str,
        outcome: &str,
    ) -> Option<(openapiv3::RequestBody, String)> {
        match rb {
            ReferenceOr::Item(rb) => Some((rb.clone(), format!("{at}/requestBody"))),
            ReferenceOr::Reference { reference } => {
                let found = reference
                    .strip_prefix("#/components/requestBodies/")
                    .and_then(|name| {
                        self.api
                            .components
                            .as_ref()?
                            .request_bodies
                            .get(&crate::diagnostic::unescape_segment(name))
                    });
                match found {
                    Some(ReferenceOr::Item(rb)) => Some((rb.clone(), reference.clone())),
                    _ => {
                        self.diags.push(Diagnostic::warning(
                            format!("{at}/requestBody"),
                            format!("request body `$ref: {reference}` does not resolve; {outcome}"),
                        ));
                        None
                    }
                }
            }
        }
    }

    /// Returns `None` (the operation is skipped, with a diagnostic) for bodies not supported yet.
    fn lower_body(
        &mut self,
        rb: &ReferenceOr<openapiv3::RequestBody>,
        at: &str,
        pascal: &str,
        module: &str,
    ) -> Option<Body> {
        let (rb, home) = self.resolve_request_body(rb, at, "the operation is not generated")?;
        let json = rb.content.iter().find(|(ct, _)| is_json(ct));
        let multipart = rb
            .content
            .iter()
            .find(|(ct, _)| ct.split(';').next().unwrap_or("").trim() == "multipart/form-data");
        let Some((ct, media)) = json.or(multipart) else {
            let types: Vec<&str> = rb.content.keys().map(String::as_str).collect();
            self.diags.push(
                Diagnostic::warning(
                    format!("{at}/requestBody"),
                    format!("request body content type `{}` is not supported yet; the operation is not generated", types.join("`, `")),
                )
                .with_help("JSON and multipart/form-data request bodies are supported"),
            );
            return None;
        };
        let ty = match &media.schema {
            Some(s) => {
                let ctx = Ctx {
                    name: format!("{pascal}Body"),
                    module: module.to_string(),
                    pointer: pointer_join(at, &["requestBody", "content", ct, "schema"]),
                    reserved: None,
                };
                self.lower_ref_or(s, &ctx).ty
            }
            None => TypeRef::Json,
        };
        let media = pointer_join(&home, &["content", ct]);
        if json.is_some() {
            return Some(Body {
                ty,
                media,
                required: rb.required,
                multipart: false,
            });
        }
        let form = self.lower_form(&ty, at, pascal, module)?;
        Some(Body {
            ty: form,
            media,
            required: rb.required,
            multipart: true,
        })
    }

    /// The form type of a multipart body: one field per property of the body's object schema.
    fn lower_form(
        &mut self,
        body: &TypeRef,
        at: &str,
        pascal: &str,
        module: &str,
    ) -> Option<TypeRef> {
        let fields = match body {
            TypeRef::Named(id) => match self
                .types
                .get(*id)
                .and_then(Option::as_ref)
                .map(|t| &t.kind)
            {
                Some(TypeKind::Struct(s)) => s.fields.clone(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        if fields.is_empty() {
            self.diags.push(Diagnostic::warning(
                format!("{at}/requestBody"),
                "multipart/form-data body without object properties; the operation is not generated",
            ));
            return None;
        }
        let form = Form {
            fields: fields
                .into_iter()
                .map(|f| FormField {
                    name: f.name,
                    wire_name: f.wire_name,
                    file: f.binary,
                    ty: f.ty,
                    optional: f.optional,
                    docs: f.docs,
                })
                .collect(),
        };
        let name = self.type_names.unique(&format!("{pascal}Form"));
        self.types.push(Some(TypeDef {
            name: name.clone(),
            module: module.to_string(),
            pointer: format!("{at}/requestBody"),
            docs: Docs {
                description: Some(format!(
                    "The `multipart/form-data` body of [`Client::{method}`](crate::Client::{method}): files are streamed, the other fields are sent as text.",
                    method = crate::naming::field_name(pascal)
                )),
                ..Docs::default()
            },
            kind: TypeKind::Form(form),
        }));
        self.names.push(name);
        Some(TypeRef::Named(self.types.len() - 1))
    }

    /// The response, and the JSON pointer of the media type a JSON one is read from.
    fn lower_response(
        &mut self,
        op: &OaOperation,
        at: &str,
        pascal: &str,
        module: &str,
    ) -> (Response, Option<String>) {
        let mut success: Vec<(String, &ReferenceOr<openapiv3::Response>)> = op
            .responses
            .responses
            .iter()
            .filter_map(|(code, r)| match code {
                StatusCode::Code(c) if (200..300).contains(c) => Some((c.to_string(), r)),
                StatusCode::Range(2) => Some(("2XX".to_string(), r)),
                _ => None,
            })
            .collect();
        success.sort_by(|a, b| a.0.cmp(&b.0));
        let Some((code, response)) = success.first() else {
            return (Response::Empty, None);
        };
        let home = match response {
            ReferenceOr::Item(_) => pointer_join(at, &["responses", code]),
            ReferenceOr::Reference { reference } => reference.clone(),
        };
        let response = match response {
            ReferenceOr::Item(r) => r.clone(),
            ReferenceOr::Reference { reference } => {
                let found = reference
                    .strip_prefix("#/components/responses/")
                    .and_then(|name| {
                        self.api
                            .components
                            .as_ref()?
                            .responses
                            .get(&crate::diagnostic::unescape_segment(name))
                    });
                match found {
                    Some(ReferenceOr::Item(r)) => r.clone(),
                    _ => {
                        self.diags.push(Diagnostic::warning(format!("{at}/responses/{code}"), format!("response `$ref: {reference}` does not resolve; the body is returned as bytes")));
                        return (Response::Bytes, None);
                    }
                }
            }
        };
        if success.len() > 1 {
            self.diags.push(Diagnostic::warning(
                format!("{at}/responses"),
                format!("several success responses; the method decodes the first ({code})"),
            ));
        }
        if response.content.is_empty() {
            return (Response::Empty, None);
        }
        match response.content.iter().find(|(ct, _)| is_json(ct)) {
            Some((ct, media)) => {
                let ty = match &media.schema {
                    Some(s) => {
                        let ctx = Ctx {
                            name: format!("{pascal}Response"),
                            module: module.to_string(),
                            pointer: pointer_join(
                                at,
                                &["responses", code, "content", ct, "schema"],
                            ),
                            reserved: None,
                        };
                        self.lower_ref_or(s, &ctx).ty
                    }
                    None => TypeRef::Json,
                };
                (
                    Response::Json(ty),
                    Some(pointer_join(&home, &["content", ct])),
                )
            }
            None => {
                let types: Vec<&str> = response.content.keys().map(String::as_str).collect();
                self.diags.push(Diagnostic::warning(
                    format!("{at}/responses/{code}"),
                    format!(
                        "response content type `{}` is returned as raw bytes",
                        types.join("`, `")
                    ),
                ));
                (Response::Bytes, None)
            }
        }
    }
}

impl Lowerer<'_> {
    /// Webhooks: the JSON payload of each becomes a type; there is no client method.
    pub(super) fn lower_webhooks(
        &mut self,
        webhooks: &[(String, openapiv3::PathItem)],
    ) -> Vec<Webhook> {
        let mut names = Namer::new();
        let mut out = Vec::new();
        for (key, item) in webhooks {
            let ops: Vec<(HttpMethod, &OaOperation)> = HttpMethod::ALL
                .into_iter()
                .zip(path_item_operations(item))
                .filter_map(|(m, op)| Some((m, op.as_ref()?)))
                .collect();
            for &(method, op) in &ops {
                let at = pointer(["webhooks", key.as_str(), method.key()]);
                let base = if ops.len() > 1 {
                    format!("{key} {}", method.key())
                } else {
                    key.clone()
                };
                let name = names.unique(&naming::type_name(&base));
                let Some(rb) = &op.request_body else {
                    self.diags.push(Diagnostic::warning(
                        &at,
                        "webhook without a request body: there is no payload to generate",
                    ));
                    continue;
                };
                let Some((rb, home)) =
                    self.resolve_request_body(rb, &at, "its payload is not generated")
                else {
                    continue;
                };
                let mut media = String::new();
                let payload = match rb.content.iter().find(|(ct, _)| is_json(ct)) {
                    Some((ct, json)) => match &json.schema {
                        Some(schema) => {
                            media = pointer_join(&home, &["content", ct]);
                            let ctx = Ctx {
                                name: format!("{name}Webhook"),
                                module: self.modules.unique(&naming::snake_name(
                                    &format!("{name} webhook"),
                                    "webhook",
                                )),
                                pointer: pointer_join(
                                    &at,
                                    &["requestBody", "content", ct, "schema"],
                                ),
                                reserved: None,
                            };
                            self.lower_ref_or(schema, &ctx).ty
                        }
                        None => TypeRef::Json,
                    },
                    None => {
                        let types: Vec<&str> = rb.content.keys().map(String::as_str).collect();
                        self.diags.push(Diagnostic::warning(
                            format!("{at}/requestBody"),
                            format!("webhook payload content type `{}` is not JSON; no payload type is generated", types.join("`, `")),
                        ));
                        continue;
                    }
                };
                out.push(Webhook {
                    key: key.clone(),
                    name,
                    method,
                    pointer: at,
                    summary: op.summary.clone(),
                    description: op.description.clone(),
                    deprecated: op.deprecated,
                    payload,
                    media,
                });
            }
        }
        out
    }

    /// Error responses: every status outside 2xx, and `default`, with the type of its JSON body.
    fn lower_errors(
        &mut self,
        op: &OaOperation,
        at: &str,
        pascal: &str,
        module: &str,
    ) -> Vec<(String, Option<TypeRef>)> {
        let mut out = Vec::new();
        let responses = op
            .responses
            .responses
            .iter()
            .map(|(code, r)| (code.to_string(), r))
            .filter(|(code, _)| !code.starts_with('2') && code != "101")
            .chain(
                op.responses
                    .default
                    .iter()
                    .map(|r| ("default".to_string(), r)),
            );
        for (code, response) in responses {
            let response = match response {
                ReferenceOr::Item(r) => Some(r.clone()),
                ReferenceOr::Reference { reference } => reference
                    .strip_prefix("#/components/responses/")
                    .and_then(|n| {
                        self.api
                            .components
                            .as_ref()?
                            .responses
                            .get(&crate::diagnostic::unescape_segment(n))
                    })
                    .and_then(|r| r.as_item().cloned()),
            };
            let ty = response.and_then(|r| {
                let (ct, media) = r.content.iter().find(|(ct, _)| is_json(ct))?;
                let schema = media.schema.as_ref()?;
                let ctx = Ctx {
                    name: format!("{pascal}Error{}", naming::pascal(&code)),
                    module: module.to_string(),
                    pointer: pointer_join(at, &["responses", &code, "content", ct, "schema"]),
                    reserved: None,
                };
                Some(self.lower_ref_or(schema, &ctx).ty)
            });
            out.push((code, ty));
        }
        out
    }

    /// A streaming variant of the operation: from a `text/event-stream` response, or from a
    /// boolean `stream` property of the JSON body. The event type comes from the event-stream
    /// schema, else the operation's `x-stream-event` extension (set it in an overlay), else the
    /// `{X}StreamResponse` schema of a `{X}Response`; failing those, events are JSON values.
    #[allow(clippy::too_many_arguments)]
    fn lower_stream(
        &mut self,
        op: &OaOperation,
        at: &str,
        pascal: &str,
        module: &str,
        body: Option<&Body>,
        response: &Response,
    ) -> Option<Stream> {
        let flag = body.and_then(|b| self.stream_flag(&b.ty));
        let sse = op
            .responses
            .responses
            .iter()
            .find_map(|(code, r)| match (code, r) {
                (StatusCode::Code(200..=299), ReferenceOr::Item(r)) => r
                    .content
                    .iter()
                    .find(|(ct, _)| {
                        ct.split(';').next().unwrap_or("").trim() == "text/event-stream"
                    })
                    .map(|(ct, media)| (code.to_string(), ct.clone(), media.schema.clone())),
                _ => None,
            });
        let (item, envelope) = if let Some((code, ct, schema)) = sse {
            match schema {
                Some(schema) => {
                    let envelope = self.is_envelope(&schema, 0);
                    let ctx = Ctx {
                        name: format!("{pascal}Event"),
                        module: module.to_string(),
                        pointer: pointer_join(at, &["responses", &code, "content", &ct, "schema"]),
                        reserved: None,
                    };
                    (self.lower_ref_or(&schema, &ctx).ty, envelope)
                }
                None => (TypeRef::Json, false),
            }
        } else if flag.is_some() {
            match op.extensions.get("x-stream-event") {
                Some(ext) => {
                    let envelope = ext
                        .get("envelope")
                        .and_then(serde_json::Value::as_bool)
                        .unwrap_or(false);
                    let item = match ext
                        .pointer("/schema/$ref")
                        .and_then(serde_json::Value::as_str)
                    {
                        Some(reference) => self
                            .resolve_ref(reference, &format!("{at}/x-stream-event/schema"))
                            .map_or(TypeRef::Json, TypeRef::Named),
                        None => TypeRef::Json,
                    };
                    (item, envelope)
                }
                None => {
                    let by_name = match response {
                        Response::Json(TypeRef::Named(id)) => {
                            self.names[*id].strip_suffix("Response").and_then(|stem| {
                                self.named.get(&format!("{stem}StreamResponse")).copied()
                            })
                        }
                        _ => None,
                    };
                    match by_name {
                        Some(id) => (TypeRef::Named(id), false),
                        None => {
                            self.diags.push(
                                Diagnostic::warning(
                                    at,
                                    "the body has a `stream` flag but the spec does not say what the events are; they are typed as JSON values",
                                )
                                .with_help("name the event schema in an overlay: `x-stream-event: {schema: {$ref: ...}, envelope: false}` on the operation"),
                            );
                            (TypeRef::Json, false)
                        }
                    }
                }
            }
        } else {
            return None;
        };
        Some(Stream {
            // Decided by the caller, which owns the method names.
            name: String::new(),
            item,
            envelope,
            flag,
        })
    }

    /// The wire name of a boolean `stream` property of a JSON body.
    fn stream_flag(&self, body: &TypeRef) -> Option<String> {
        // Through aliases, a bounded number of times: alias cycles (`A: {$ref: A}`) are only
        // broken once every type is lowered, after operations.
        let mut body = body;
        for _ in 0..16 {
            let TypeRef::Named(id) = body else {
                return None;
            };
            match &self.types.get(*id)?.as_ref()?.kind {
                TypeKind::Struct(s) => {
                    return s
                        .fields
                        .iter()
                        .find(|f| f.wire_name == "stream" && f.ty == TypeRef::Boolean)
                        .map(|f| f.wire_name.clone())
                }
                TypeKind::Alias(inner) => body = inner,
                _ => return None,
            }
        }
        None
    }

    /// Whether events are modelled as `{event, data}` objects (OpenAI's Assistants streams).
    fn is_envelope(&self, schema: &ReferenceOr<openapiv3::Schema>, depth: usize) -> bool {
        let Some(schema) = self.deref(schema).filter(|_| depth < 4) else {
            return false;
        };
        let view = super::view::View::of(schema);
        if view
            .properties
            .is_some_and(|p| p.contains_key("event") && p.contains_key("data"))
        {
            return true;
        }
        view.one_of
            .iter()
            .chain(view.any_of)
            .any(|alt| self.is_envelope(alt, depth + 1))
    }
}

/// Whether a parameter's schema says it counts from 1 (`minimum: 1` or `default: 1`): the
/// first page of a listing numbered so.
fn starts_at_one(format: &ParameterSchemaOrContent) -> bool {
    let ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) = format else {
        return false;
    };
    let minimum = match &schema.schema_kind {
        openapiv3::SchemaKind::Type(openapiv3::Type::Integer(i)) => i.minimum,
        openapiv3::SchemaKind::Type(openapiv3::Type::Number(n)) => n.minimum.map(|m| m as i64),
        _ => None,
    };
    let default = schema.schema_data.default.as_ref().and_then(Value::as_i64);
    minimum == Some(1) || default == Some(1)
}

/// A path item's operations, in the order of [`HttpMethod::ALL`].
fn path_item_operations(item: &openapiv3::PathItem) -> [&Option<OaOperation>; 8] {
    [
        &item.get,
        &item.put,
        &item.post,
        &item.delete,
        &item.options,
        &item.head,
        &item.patch,
        &item.trace,
    ]
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence == "application/json" || essence.ends_with("+json")
}

fn location_of(p: &Parameter) -> &'static str {
    match p {
        Parameter::Path { .. } => "path",
        Parameter::Query { .. } => "query",
        Parameter::Header { .. } => "header",
        Parameter::Cookie { .. } => "cookie",
    }
}

fn pointer_join(base: &str, segments: &[&str]) -> String {
    let mut out = base.to_string();
    for s in segments {
        out.push('/');
        out.push_str(&crate::diagnostic::escape_segment(s));
    }
    out
}

/// `{name}` placeholders of a path template, in order.
pub(crate) fn template_names(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push(rest[start + 1..start + len].to_string());
        rest = &rest[start + len + 1..];
    }
    out
}

/// A method name for an operation without `operationId`: `GET /configs/{slug}` →
/// `get_configs_by_slug`.
fn name_from_path(method: HttpMethod, path: &str) -> String {
    let mut parts = vec![method.key().to_string()];
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => {
                parts.push("by".to_string());
                parts.push(param.to_string());
            }
            None => parts.push(segment.to_string()),
        }
    }
    naming::field_name(&parts.join("_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_operations_without_an_id_from_method_and_path() {
        assert_eq!(
            name_from_path(HttpMethod::Get, "/configs/{slug}"),
            "get_configs_by_slug"
        );
        assert_eq!(
            name_from_path(HttpMethod::Delete, "/virtual-keys/{slug}"),
            "delete_virtual_keys_by_slug"
        );
        assert_eq!(name_from_path(HttpMethod::Get, "/"), "get");
    }

    #[test]
    fn reads_template_names_in_order() {
        assert_eq!(
            template_names("/threads/{thread_id}/runs/{run_id}"),
            ["thread_id", "run_id"]
        );
    }
}
