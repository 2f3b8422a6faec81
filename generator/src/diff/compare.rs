//! The comparison itself: two IRs, paired type by type and operation by operation.

use std::collections::{BTreeMap, BTreeSet};

use super::{ApiDiff, Change, ChangeKind, Impact};
use crate::ir::*;

/// Compares two APIs. Changes come in a fixed order: servers and auth, operations (in the new
/// document's order, then those removed), webhooks, types (likewise).
pub fn diff(old: &Api, new: &Api) -> ApiDiff {
    let mut d = Differ {
        old,
        new,
        old_usage: usage(old),
        new_usage: usage(new),
        renamed: BTreeMap::new(),
        pairs: Vec::new(),
        old_matched: Vec::new(),
        changes: Vec::new(),
    };
    d.match_types();
    d.servers_and_auth();
    d.operations();
    d.webhooks();
    d.types();
    let mut changes = d.changes;
    // Stable: within an impact, document order stays.
    changes.sort_by_key(|c| c.impact);
    ApiDiff {
        old: format!("{} {}", old.title, old.version),
        new: format!("{} {}", new.title, new.version),
        changes,
    }
}

/// Which way a type travels: in requests, in responses, or both.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Usage {
    input: bool,
    output: bool,
}

/// The direction of every type, from the operations that reach it. A type no operation
/// reaches is counted as both: callers may build it and read it.
fn usage(api: &Api) -> Vec<Usage> {
    let mut u = vec![Usage::default(); api.types.len()];
    for op in &api.operations {
        let mut inputs: Vec<&TypeRef> = op.path_params.iter().map(|p| &p.ty).collect();
        if let Some(ps) = &op.params {
            inputs.extend(ps.fields.iter().map(|p| &p.ty));
        }
        if let Some(b) = &op.body {
            inputs.push(&b.ty);
        }
        if let Response::WebSocket(m) = &op.response {
            inputs.push(&m.send);
        }
        for ty in inputs {
            walk(api, ty, true, &mut u);
        }
        let mut outputs: Vec<&TypeRef> = op.errors.iter().filter_map(|(_, t)| t.as_ref()).collect();
        match &op.response {
            Response::Json(t) => outputs.push(t),
            Response::WebSocket(m) => outputs.push(&m.receive),
            Response::Empty | Response::Bytes => {}
        }
        if let Some(s) = &op.stream {
            outputs.push(&s.item);
        }
        for ty in outputs {
            walk(api, ty, false, &mut u);
        }
    }
    for w in &api.webhooks {
        walk(api, &w.payload, false, &mut u);
    }
    for x in &mut u {
        if *x == Usage::default() {
            *x = Usage {
                input: true,
                output: true,
            };
        }
    }
    u
}

/// Marks every type reachable from `root` as travelling one way. A work list rather than
/// recursion: a spec's chains of types can be long.
fn walk(api: &Api, root: &TypeRef, input: bool, u: &mut [Usage]) {
    let mut work = vec![root];
    while let Some(ty) = work.pop() {
        match ty {
            TypeRef::Named(id) => {
                let Some(slot) = u.get_mut(*id) else { continue };
                let seen = if input {
                    &mut slot.input
                } else {
                    &mut slot.output
                };
                if !*seen {
                    *seen = true;
                    work.extend(api.types[*id].kind.children());
                }
            }
            TypeRef::Array(t) | TypeRef::Map(t) | TypeRef::Nullable(t) => work.push(t),
            TypeRef::Tuple(items) => work.extend(items),
            _ => {}
        }
    }
}

/// A field's or parameter's shape as the spec states it, and the Rust type that follows.
#[derive(Debug, Clone, PartialEq)]
struct Shape {
    required: bool,
    nullable: bool,
    /// The inner type, `Box` included.
    inner: String,
    rust: String,
}

impl Shape {
    fn of_field(names: &dyn Fn(&TypeRef) -> String, f: &Field) -> Shape {
        let mut inner = names(&f.ty);
        if f.boxed {
            inner = format!("Box<{inner}>");
        }
        let rust = if f.tri_state {
            format!("Nullable<{inner}>")
        } else if f.optional {
            format!("Option<{inner}>")
        } else {
            inner.clone()
        };
        // Required-but-nullable fields are sent as `null`; optional ones are left out.
        let may_be_absent = f.tri_state || (f.optional && f.skip_if_none);
        Shape {
            required: !may_be_absent,
            nullable: f.tri_state || (f.optional && !f.skip_if_none),
            inner,
            rust,
        }
    }

    fn describe(&self) -> &'static str {
        match (self.required, self.nullable) {
            (true, false) => "required",
            (true, true) => "required, nullable",
            (false, false) => "optional",
            (false, true) => "optional, nullable",
        }
    }
}

/// Whether an old and a new type are the same one, by one rule.
type SameType = dyn Fn(&TypeDef, &TypeDef) -> bool;

struct Differ<'a> {
    old: &'a Api,
    new: &'a Api,
    old_usage: Vec<Usage>,
    new_usage: Vec<Usage>,
    /// Old type name → new name, for types whose schema (pointer) stayed and name did not.
    renamed: BTreeMap<String, String>,
    /// For each new type, the old type it continues.
    pairs: Vec<Option<TypeId>>,
    /// Old types some new type continues.
    old_matched: Vec<bool>,
    changes: Vec<Change>,
}

impl<'a> Differ<'a> {
    fn push(
        &mut self,
        impact: Impact,
        kind: ChangeKind,
        location: impl Into<String>,
        pointer: Option<&str>,
        what: impl Into<String>,
        reason: impl Into<String>,
    ) {
        self.changes.push(Change {
            impact,
            kind,
            location: location.into(),
            pointer: pointer.map(str::to_string),
            what: what.into(),
            reason: reason.into(),
        });
    }

    /// Rust spelling of a type of the old API, with renamed types under their new names so a
    /// rename is reported once, where it happens, not at every use.
    fn old_ty(&self, r: &TypeRef) -> String {
        rust_type(r, &|id| {
            let name = &self.old.types[id].name;
            self.renamed.get(name).unwrap_or(name).clone()
        })
    }

    fn new_ty(&self, r: &TypeRef) -> String {
        rust_type(r, &|id| self.new.types[id].name.clone())
    }

    /// Pairs each new type with the old type it continues, in three passes: same name and
    /// schema; then same schema under another name (a rename: a new schema took the name, or
    /// the `operationId` an inline name comes from changed); then same name from another
    /// schema (an inline schema moved into `components`, say).
    fn match_types(&mut self) {
        let mut taken = vec![false; self.old.types.len()];
        let mut pairs: Vec<Option<TypeId>> = vec![None; self.new.types.len()];
        let passes: [&SameType; 3] = [
            &|o, n| o.name == n.name && o.pointer == n.pointer,
            &|o, n| o.pointer == n.pointer,
            &|o, n| o.name == n.name,
        ];
        for same in passes {
            for (new_id, n) in self.new.types.iter().enumerate() {
                if pairs[new_id].is_some() {
                    continue;
                }
                let found = self
                    .old
                    .types
                    .iter()
                    .enumerate()
                    .find(|(old_id, o)| !taken[*old_id] && same(o, n));
                if let Some((old_id, o)) = found {
                    taken[old_id] = true;
                    pairs[new_id] = Some(old_id);
                    if o.name != n.name {
                        self.renamed.insert(o.name.clone(), n.name.clone());
                    }
                }
            }
        }
        self.pairs = pairs;
        self.old_matched = taken;
    }

    fn servers_and_auth(&mut self) {
        let (old, new) = (self.old, self.new);
        if old.base_url != new.base_url {
            self.push(
                Impact::None,
                ChangeKind::ServerChanged,
                "DEFAULT_BASE_URL",
                Some("#/servers/0"),
                format!("`{}` → `{}`", old.base_url, new.base_url),
                "a client built without `base_url` talks to the new server; the API is the same",
            );
        }
        if old.base_url_env != new.base_url_env {
            self.push(
                Impact::None,
                ChangeKind::ServerChanged,
                "ClientBuilder::from_env",
                None,
                format!(
                    "reads the base URL from {} (was {})",
                    opt_code(&new.base_url_env),
                    opt_code(&old.base_url_env)
                ),
                "same method; another environment variable",
            );
        }
        for s in &new.security {
            let pointer = format!("#/components/securitySchemes/{}", escape(&s.id));
            let location = format!("ClientBuilder::{}", s.setter);
            match old.security.iter().find(|o| o.id == s.id) {
                None => self.push(
                    Impact::Additive,
                    ChangeKind::AuthAdded,
                    location,
                    Some(&pointer),
                    format!(
                        "security scheme `{}` added ({})",
                        s.id,
                        scheme_kind(&s.kind)
                    ),
                    "a new builder setting; clients that do not set it send what they sent",
                ),
                Some(o) if o.setter != s.setter => self.push(
                    Impact::Breaking,
                    ChangeKind::AuthChanged,
                    location,
                    Some(&pointer),
                    format!(
                        "security scheme `{}` is set with `{}` (was `{}`)",
                        s.id, s.setter, o.setter
                    ),
                    "the old builder method is gone",
                ),
                Some(o) if o.kind != s.kind || o.env_var != s.env_var => self.push(
                    Impact::None,
                    ChangeKind::AuthChanged,
                    location,
                    Some(&pointer),
                    format!(
                        "security scheme `{}`: {} (was {}), from_env reads {} (was {})",
                        s.id,
                        scheme_kind(&s.kind),
                        scheme_kind(&o.kind),
                        opt_code(&s.env_var),
                        opt_code(&o.env_var)
                    ),
                    "same builder method; the credential travels differently",
                ),
                Some(_) => {}
            }
        }
        for o in &old.security {
            if !new.security.iter().any(|s| s.id == o.id) {
                self.push(
                    Impact::Breaking,
                    ChangeKind::AuthRemoved,
                    format!("ClientBuilder::{}", o.setter),
                    Some(&format!("#/components/securitySchemes/{}", escape(&o.id))),
                    format!("security scheme `{}` removed", o.id),
                    "its builder method is gone: code that calls it no longer compiles",
                );
            }
        }
    }

    fn operations(&mut self) {
        let (old, new) = (self.old, self.new);
        let new_names: BTreeSet<&str> = new.operations.iter().map(|o| o.name.as_str()).collect();
        // An operation whose method name changed but whose HTTP method and path did not is a
        // rename (a new `operationId`).
        let mut moved_from: BTreeMap<(HttpMethod, &str), &Operation> = BTreeMap::new();
        for o in &old.operations {
            if !new_names.contains(o.name.as_str()) {
                moved_from.insert((o.method, o.path.as_str()), o);
            }
        }
        let mut renamed_old = BTreeSet::new();
        for n in &new.operations {
            let location = method_path(new, n, &n.name);
            if let Some(o) = old.operations.iter().find(|o| o.name == n.name) {
                self.operation(o, n);
                continue;
            }
            if let Some(o) = moved_from.remove(&(n.method, n.path.as_str())) {
                renamed_old.insert(o.name.as_str());
                self.push(
                    Impact::Breaking,
                    ChangeKind::OperationRenamed,
                    location,
                    Some(&n.pointer),
                    format!("renamed from `{}`", method_path(old, o, &o.name)),
                    "the old method name is gone (the spec changed the operationId)",
                );
                self.operation(o, n);
                continue;
            }
            let extra: Vec<String> = extra_methods(n)
                .iter()
                .chain(&paging_methods(n))
                .map(|m| format!("`{m}`"))
                .collect();
            let what = if extra.is_empty() {
                format!("operation added: `{} {}`", n.method.upper(), n.path)
            } else {
                format!(
                    "operation added: `{} {}` (also {})",
                    n.method.upper(),
                    n.path,
                    extra.join(", ")
                )
            };
            self.push(
                Impact::Additive,
                ChangeKind::OperationAdded,
                location,
                Some(&n.pointer),
                what,
                "a new method",
            );
        }
        for o in &old.operations {
            if !new_names.contains(o.name.as_str()) && !renamed_old.contains(o.name.as_str()) {
                self.push(
                    Impact::Breaking,
                    ChangeKind::OperationRemoved,
                    method_path(old, o, &o.name),
                    Some(&o.pointer),
                    format!("operation removed: `{} {}`", o.method.upper(), o.path),
                    "the method is gone: code that calls it no longer compiles",
                );
            }
        }
    }

    /// Webhooks, by name in the spec: each is a payload alias in the `webhooks` module.
    fn webhooks(&mut self) {
        let (old, new) = (self.old, self.new);
        for n in &new.webhooks {
            let location = format!("webhooks::{}", n.name);
            let Some(o) = old
                .webhooks
                .iter()
                .find(|o| o.key == n.key && o.method == n.method)
            else {
                self.push(
                    Impact::Additive,
                    ChangeKind::WebhookAdded,
                    location,
                    Some(&n.pointer),
                    format!(
                        "webhook added: `{}`, payload `{}`",
                        n.key,
                        self.new_ty(&n.payload)
                    ),
                    "a new payload type; nothing that exists changes",
                );
                continue;
            };
            let (a, b) = (self.old_ty(&o.payload), self.new_ty(&n.payload));
            if o.name != n.name || a != b {
                self.push(
                    Impact::Breaking,
                    ChangeKind::WebhookRetyped,
                    location,
                    Some(&n.pointer),
                    format!(
                        "webhook `{}`: `webhooks::{}` = `{b}` (was `webhooks::{}` = `{a}`)",
                        n.key, n.name, o.name
                    ),
                    "code that decodes this webhook sees another type",
                );
            }
        }
        for o in &old.webhooks {
            if !new
                .webhooks
                .iter()
                .any(|n| n.key == o.key && n.method == o.method)
            {
                self.push(
                    Impact::Breaking,
                    ChangeKind::WebhookRemoved,
                    format!("webhooks::{}", o.name),
                    Some(&o.pointer),
                    format!("webhook removed: `{}`", o.key),
                    "code that names its payload no longer compiles",
                );
            }
        }
    }

    /// An operation compiled with other cargo features: code that turned on only the old
    /// ones loses the method; with `full`, the default, nothing changes.
    fn features(&mut self, o: &Operation, n: &Operation, location: &str, ptr: Option<&str>) {
        let of = |op: &Operation| -> BTreeSet<String> {
            op.tags
                .iter()
                .map(|t| crate::features::feature_name(t))
                .collect()
        };
        let (old, new) = (of(o), of(n));
        if old == new {
            return;
        }
        let list = |set: &BTreeSet<String>| {
            if set.is_empty() {
                "none: always compiled".to_string()
            } else {
                set.iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        // Always compiled now, or still with every feature it had: nobody loses it.
        let kept = new.is_empty() || !old.is_empty() && old.is_subset(&new);
        let (impact, why) = if kept {
            (
                Impact::Additive,
                "code that turns on the old features keeps the method",
            )
        } else {
            (
                Impact::Breaking,
                "code that turns on only the old features, not `full`, loses the method",
            )
        };
        self.push(
            impact,
            ChangeKind::OperationFeatureChanged,
            location,
            ptr,
            format!("cargo features now {} (were {})", list(&new), list(&old)),
            why,
        );
    }

    fn operation(&mut self, o: &Operation, n: &Operation) {
        let location = method_path(self.new, n, &n.name);
        let ptr = Some(n.pointer.as_str());
        let was = method_path(self.old, o, &o.name);
        if group_path(self.old, o) != group_path(self.new, n) {
            self.push(
                Impact::Breaking,
                ChangeKind::OperationRegrouped,
                &location,
                ptr,
                format!("now in another group (was `{was}`)"),
                "its first tag changed: code that calls it through the old group no longer compiles",
            );
        }
        if (o.method, o.path.as_str()) != (n.method, n.path.as_str()) {
            self.push(
                Impact::None,
                ChangeKind::OperationMoved,
                &location,
                ptr,
                format!(
                    "now `{} {}` (was `{} {}`)",
                    n.method.upper(),
                    n.path,
                    o.method.upper(),
                    o.path
                ),
                "same signature; the request goes elsewhere",
            );
        }
        if n.deprecated && !o.deprecated {
            self.push(
                Impact::None,
                ChangeKind::OperationDeprecated,
                &location,
                ptr,
                "marked deprecated",
                "documentation only; the method still works",
            );
        }
        self.features(o, n, &location, ptr);
        self.path_params(o, n, &location, ptr);
        self.query_params(o, n, &location, ptr);
        self.body(o, n, &location, ptr);

        let old_resp = response(o, &|r| self.old_ty(r));
        let new_resp = response(n, &|r| self.new_ty(r));
        if old_resp != new_resp {
            self.push(
                Impact::Breaking,
                ChangeKind::ResponseRetyped,
                &location,
                ptr,
                format!("returns `{new_resp}` (was `{old_resp}`)"),
                "code that uses the result sees another type",
            );
        }
        // By suffix, so that a renamed operation's `*_stream` counts as renamed with it.
        let suffixes = |op: &Operation| -> Vec<String> {
            extra_methods(op)
                .iter()
                .map(|m| m.strip_prefix(op.name.as_str()).unwrap_or(m).to_string())
                .collect()
        };
        let old_methods = suffixes(o);
        let new_methods = suffixes(n);
        for m in &new_methods {
            if !old_methods.contains(m) {
                self.push(
                    Impact::Additive,
                    ChangeKind::MethodAdded,
                    method_path(self.new, n, &format!("{}{m}", n.name)),
                    ptr,
                    format!("method added beside `{}`", n.name),
                    "a new method",
                );
            }
        }
        for m in &old_methods {
            if !new_methods.contains(m) {
                self.push(
                    Impact::Breaking,
                    ChangeKind::MethodRemoved,
                    method_path(self.old, o, &format!("{}{m}", o.name)),
                    ptr,
                    format!("method removed (beside `{}`)", n.name),
                    "the method is gone: code that calls it no longer compiles",
                );
            }
        }
        if let (Some(os), Some(ns)) = (&o.stream, &n.stream) {
            let (a, b) = (self.old_ty(&os.item), self.new_ty(&ns.item));
            if a != b {
                self.push(
                    Impact::Breaking,
                    ChangeKind::StreamRetyped,
                    method_path(self.new, n, &ns.name),
                    ptr,
                    format!("streams `{b}` items (was `{a}`)"),
                    "code that reads the events sees another type",
                );
            }
        }
        self.pagination(o, n, &location, ptr);
        let errors =
            |op: &Operation| -> Vec<String> { op.errors.iter().map(|(c, _)| c.clone()).collect() };
        let (oe, ne) = (errors(o), errors(n));
        if oe != ne {
            self.push(
                Impact::None,
                ChangeKind::ErrorsChanged,
                &location,
                ptr,
                format!(
                    "documented error statuses: {} (were {})",
                    list_or_none(&ne),
                    list_or_none(&oe)
                ),
                "documentation only: `Error::Api` carries any status",
            );
        }
        if o.security != n.security {
            self.push(
                Impact::None,
                ChangeKind::OperationAuthChanged,
                &location,
                ptr,
                format!(
                    "accepts credentials {} (was {})",
                    list_or_none(&n.security),
                    list_or_none(&o.security)
                ),
                "same signature; the client sends the credentials it was built with that the operation accepts",
            );
        }
    }

    /// A listing's paging methods: gained, lost, or walking another item type.
    fn pagination(&mut self, o: &Operation, n: &Operation, location: &str, ptr: Option<&str>) {
        match (&o.pagination, &n.pagination) {
            (None, Some(np)) => self.push(
                Impact::Additive,
                ChangeKind::PaginationAdded,
                location,
                ptr,
                format!(
                    "now walked page by page ({}, by `{}`): `{}` and `{}`",
                    crate::lower::shape_name(&np.shape),
                    np.param.wire_name,
                    np.stream,
                    np.pages
                ),
                "new methods beside the operation",
            ),
            (Some(op), None) => self.push(
                Impact::Breaking,
                ChangeKind::PaginationRemoved,
                location,
                ptr,
                format!(
                    "no longer walked page by page: `{}` and `{}` are gone",
                    op.stream, op.pages
                ),
                "code that calls them no longer compiles",
            ),
            (Some(op), Some(np)) => {
                let (a, b) = (self.old_ty(&op.item), self.new_ty(&np.item));
                if a != b {
                    self.push(
                        Impact::Breaking,
                        ChangeKind::StreamRetyped,
                        method_path(self.new, n, &np.stream),
                        ptr,
                        format!("streams `{b}` items (was `{a}`)"),
                        "code that reads the items sees another type",
                    );
                }
                let how = |p: &Pagination| {
                    format!(
                        "{} by `{}`",
                        crate::lower::shape_name(&p.shape),
                        p.param.wire_name
                    )
                };
                if how(op) != how(np) {
                    self.push(
                        Impact::None,
                        ChangeKind::PaginationChanged,
                        location,
                        ptr,
                        format!("pages by {} (was {})", how(np), how(op)),
                        "same methods; the stream asks for pages another way",
                    );
                }
            }
            (None, None) => {}
        }
    }

    fn path_params(&mut self, o: &Operation, n: &Operation, location: &str, ptr: Option<&str>) {
        let old: Vec<(String, String)> = o
            .path_params
            .iter()
            .map(|p| (p.name.clone(), self.old_ty(&p.ty)))
            .collect();
        let new: Vec<(String, String)> = n
            .path_params
            .iter()
            .map(|p| (p.name.clone(), self.new_ty(&p.ty)))
            .collect();
        let mut found_any = false;
        for (name, ty) in &new {
            match old.iter().find(|(o, _)| o == name) {
                None => {
                    found_any = true;
                    self.push(
                        Impact::Breaking,
                        ChangeKind::ParameterAdded,
                        location,
                        ptr,
                        format!("path parameter `{name}` added"),
                        "the method takes one more argument",
                    );
                }
                Some((_, old_ty)) if old_ty != ty => {
                    found_any = true;
                    self.push(
                        Impact::Breaking,
                        ChangeKind::ParameterRetyped,
                        location,
                        ptr,
                        format!("path parameter `{name}`: `{ty}` (was `{old_ty}`)"),
                        "the argument's type changes",
                    );
                }
                Some(_) => {}
            }
        }
        for (name, _) in &old {
            if !new.iter().any(|(n, _)| n == name) {
                found_any = true;
                self.push(
                    Impact::Breaking,
                    ChangeKind::ParameterRemoved,
                    location,
                    ptr,
                    format!("path parameter `{name}` removed"),
                    "the method takes one argument fewer",
                );
            }
        }
        let names =
            |v: &[(String, String)]| -> Vec<String> { v.iter().map(|(n, _)| n.clone()).collect() };
        if !found_any && names(&old) != names(&new) {
            self.push(
                Impact::Breaking,
                ChangeKind::ParameterRetyped,
                location,
                ptr,
                format!(
                    "path parameters reordered: {} (was {})",
                    names(&new).join(", "),
                    names(&old).join(", ")
                ),
                "the method's arguments come in another order",
            );
        }
    }

    fn query_params(&mut self, o: &Operation, n: &Operation, location: &str, ptr: Option<&str>) {
        match (&o.params, &n.params) {
            (None, None) => {}
            (None, Some(ps)) => self.push(
                Impact::Breaking,
                ChangeKind::ParameterAdded,
                location,
                ptr,
                format!(
                    "query/header parameters added: {} (`params: &{}`)",
                    param_list(ps),
                    ps.name
                ),
                "the method takes one more argument",
            ),
            (Some(ps), None) => self.push(
                Impact::Breaking,
                ChangeKind::ParameterRemoved,
                location,
                ptr,
                format!("every query/header parameter removed ({})", param_list(ps)),
                format!("the method no longer takes `&{}`", ps.name),
            ),
            (Some(ops), Some(nps)) => {
                if ops.name != nps.name {
                    self.push(
                        Impact::Breaking,
                        ChangeKind::TypeRenamed,
                        format!("types::{}", nps.name),
                        ptr,
                        format!("renamed from `{}`", ops.name),
                        "the old name is gone",
                    );
                }
                // `{Operation}Params` derives `Default` when every parameter is optional.
                let has_default = nps.fields.iter().all(|p| !p.required);
                let had_default = ops.fields.iter().all(|p| !p.required);
                let at = |p: &Param| format!("types::{}.{}", nps.name, p.name);
                for p in &nps.fields {
                    let place = place(p.location);
                    let new_ty = self.new_ty(&p.ty);
                    match ops.fields.iter().find(|q| q.name == p.name) {
                        None if p.required => self.push(
                            Impact::Breaking,
                            ChangeKind::ParameterAdded,
                            at(p),
                            ptr,
                            format!("required {place} `{}` added (`{new_ty}`)", p.wire_name),
                            "callers must set it: struct literals without it no longer compile",
                        ),
                        None if has_default => self.push(
                            Impact::Additive,
                            ChangeKind::ParameterAdded,
                            at(p),
                            ptr,
                            format!("optional {place} `{}` added (`Option<{new_ty}>`)", p.wire_name),
                            format!("`{}` derives `Default`: literals ending in `..Default::default()` keep compiling", nps.name),
                        ),
                        None => self.push(
                            Impact::Breaking,
                            ChangeKind::ParameterAdded,
                            at(p),
                            ptr,
                            format!("optional {place} `{}` added (`Option<{new_ty}>`)", p.wire_name),
                            format!("`{}` has required fields, so no `Default`: literals naming every field miss this one", nps.name),
                        ),
                        Some(q) => {
                            let old_ty = self.old_ty(&q.ty);
                            if q.required != p.required {
                                let (kind, what) = if p.required {
                                    (ChangeKind::ParameterMadeRequired, "made required")
                                } else {
                                    (ChangeKind::ParameterMadeOptional, "made optional")
                                };
                                self.push(
                                    Impact::Breaking,
                                    kind,
                                    at(p),
                                    ptr,
                                    format!("{place} `{}` {what}", p.wire_name),
                                    if p.required {
                                        format!("its type changes from `Option<{old_ty}>` to `{new_ty}`")
                                    } else {
                                        format!("its type changes from `{old_ty}` to `Option<{new_ty}>`")
                                    },
                                );
                            } else if old_ty != new_ty {
                                self.push(
                                    Impact::Breaking,
                                    ChangeKind::ParameterRetyped,
                                    at(p),
                                    ptr,
                                    format!("{place} `{}`: `{new_ty}` (was `{old_ty}`)", p.wire_name),
                                    "the field's type changes",
                                );
                            }
                        }
                    }
                }
                for q in &ops.fields {
                    if !nps.fields.iter().any(|p| p.name == q.name) {
                        self.push(
                            Impact::Breaking,
                            ChangeKind::ParameterRemoved,
                            format!("types::{}.{}", nps.name, q.name),
                            ptr,
                            format!("{} `{}` removed", place(q.location), q.wire_name),
                            "code that sets it no longer compiles",
                        );
                    }
                }
                if had_default && !has_default {
                    self.push(
                        Impact::Breaking,
                        ChangeKind::DefaultLost,
                        format!("types::{}", nps.name),
                        ptr,
                        "no longer derives `Default` (a parameter became required)",
                        "`..Default::default()` and `Default::default()` stop compiling",
                    );
                }
            }
        }
    }

    fn body(&mut self, o: &Operation, n: &Operation, location: &str, ptr: Option<&str>) {
        match (&o.body, &n.body) {
            (None, None) => {}
            (None, Some(b)) => self.push(
                Impact::Breaking,
                ChangeKind::BodyAdded,
                location,
                ptr,
                format!("request body added (`{}`)", self.new_ty(&b.ty)),
                "the method takes one more argument",
            ),
            (Some(b), None) => self.push(
                Impact::Breaking,
                ChangeKind::BodyRemoved,
                location,
                ptr,
                format!("request body removed (was `{}`)", self.old_ty(&b.ty)),
                "the method takes one argument fewer",
            ),
            (Some(ob), Some(nb)) => {
                let (a, b) = (self.old_ty(&ob.ty), self.new_ty(&nb.ty));
                if a != b {
                    self.push(
                        Impact::Breaking,
                        ChangeKind::BodyRetyped,
                        location,
                        ptr,
                        format!("request body is `{b}` (was `{a}`)"),
                        "the body argument's type changes",
                    );
                }
                if ob.required != nb.required {
                    let (kind, what, reason) = if nb.required {
                        (
                            ChangeKind::BodyMadeRequired,
                            "request body made required",
                            format!("the argument changes from `Option<&{b}>` to `&{b}`"),
                        )
                    } else {
                        (
                            ChangeKind::BodyMadeOptional,
                            "request body made optional",
                            format!("the argument changes from `&{b}` to `Option<&{b}>`"),
                        )
                    };
                    self.push(Impact::Breaking, kind, location, ptr, what, reason);
                }
            }
        }
    }

    fn types(&mut self) {
        let (old, new) = (self.old, self.new);
        for (id, t) in new.types.iter().enumerate() {
            let location = format!("types::{}", t.name);
            let Some(old_id) = self.pairs[id] else {
                self.push(
                    Impact::Additive,
                    ChangeKind::TypeAdded,
                    &location,
                    Some(&t.pointer),
                    format!("type added ({})", kind_name(&t.kind)),
                    "a new name; nothing that exists changes",
                );
                continue;
            };
            let o = &old.types[old_id];
            if o.name != t.name {
                self.push(
                    Impact::Breaking,
                    ChangeKind::TypeRenamed,
                    &location,
                    Some(&t.pointer),
                    format!("renamed from `{}`", o.name),
                    "the old name is gone: code that names it no longer compiles",
                );
            }
            let usage = Usage {
                input: self.new_usage[id].input || self.old_usage[old_id].input,
                output: self.new_usage[id].output || self.old_usage[old_id].output,
            };
            self.type_def(o, t, usage);
        }
        for (old_id, t) in old.types.iter().enumerate() {
            if !self.old_matched[old_id] {
                self.push(
                    Impact::Breaking,
                    ChangeKind::TypeRemoved,
                    format!("types::{}", t.name),
                    Some(&t.pointer),
                    format!("type removed ({})", kind_name(&t.kind)),
                    "code that names it no longer compiles",
                );
            }
        }
    }

    fn type_def(&mut self, o: &TypeDef, n: &TypeDef, usage: Usage) {
        let location = format!("types::{}", n.name);
        let ptr = Some(n.pointer.as_str());
        match (&o.kind, &n.kind) {
            (TypeKind::Struct(os), TypeKind::Struct(ns)) => self.structs(os, ns, n, usage),
            (TypeKind::Form(of), TypeKind::Form(nf)) => self.forms(of, nf, n),
            (TypeKind::StringEnum(oe), TypeKind::StringEnum(ne)) => self.string_enums(oe, ne, n),
            (TypeKind::Tagged(ot), TypeKind::Tagged(nt)) => {
                let old: Vec<(String, String)> = ot
                    .variants
                    .iter()
                    .map(|v| (v.name.clone(), boxed(self.old_ty(&v.ty), v.boxed)))
                    .collect();
                let new: Vec<(String, String)> = nt
                    .variants
                    .iter()
                    .map(|v| (v.name.clone(), boxed(self.new_ty(&v.ty), v.boxed)))
                    .collect();
                let added_reason = format!(
                    "open enum: values with this `{}` decoded as `{}` before",
                    nt.tag, nt.unknown
                );
                self.variants(&location, ptr, &old, &new, Impact::Additive, &added_reason);
            }
            (TypeKind::Untagged(ou), TypeKind::Untagged(nu)) => {
                let untagged =
                    |u: &Untagged, ty: &dyn Fn(&TypeRef) -> String| -> Vec<(String, String)> {
                        u.variants
                            .iter()
                            .map(|v| {
                                let shape = match &v.kind {
                                    UntaggedKind::Const(s) => format!("\"{s}\""),
                                    UntaggedKind::OtherString => "String".to_string(),
                                    UntaggedKind::Value { ty: t, boxed: b } => boxed(ty(t), *b),
                                };
                                (v.name.clone(), shape)
                            })
                            .collect()
                    };
                let old = untagged(ou, &|r| self.old_ty(r));
                let new = untagged(nu, &|r| self.new_ty(r));
                let open = nu
                    .variants
                    .iter()
                    .find(|v| v.kind == UntaggedKind::OtherString)
                    .map(|v| v.name.clone());
                let (impact, reason) = match open {
                    Some(other) => (
                        Impact::Additive,
                        format!("open enum: the string decoded as `{other}` before"),
                    ),
                    None => (
                        Impact::Breaking,
                        "no catch-all: alternatives are tried in order, so a new one can change which variant a value decodes to".to_string(),
                    ),
                };
                self.variants(&location, ptr, &old, &new, impact, &reason);
            }
            (TypeKind::Const(a), TypeKind::Const(b)) if a != b => self.push(
                Impact::Breaking,
                ChangeKind::TypeReshaped,
                location,
                ptr,
                format!("now the constant `{b}` (was `{a}`)"),
                "the one value it encodes and accepts changed",
            ),
            (TypeKind::Const(_), TypeKind::Const(_)) => {}
            (TypeKind::Alias(a), TypeKind::Alias(b)) => {
                let (a, b) = (self.old_ty(a), self.new_ty(b));
                if a != b {
                    self.push(
                        Impact::Breaking,
                        ChangeKind::TypeReshaped,
                        location,
                        ptr,
                        format!("now an alias of `{b}` (was `{a}`)"),
                        "code that uses it sees another type",
                    );
                }
            }
            (a, b) => self.push(
                Impact::Breaking,
                ChangeKind::TypeReshaped,
                location,
                ptr,
                format!("now {} (was {})", kind_name(b), kind_name(a)),
                "code that builds, reads or matches it sees another kind of type",
            ),
        }
    }

    fn structs(&mut self, os: &Struct, ns: &Struct, n: &TypeDef, usage: Usage) {
        let name = &n.name;
        let ptr = Some(n.pointer.as_str());
        let old_names = |r: &TypeRef| self.old_ty(r);
        let new_names = |r: &TypeRef| self.new_ty(r);
        let mut found = Vec::new();
        for f in &ns.fields {
            let at = format!("types::{name}.{}", f.name);
            let new = Shape::of_field(&new_names, f);
            let Some(of) = os.fields.iter().find(|o| o.name == f.name) else {
                let what = format!(
                    "field `{}` added ({}, `{}`)",
                    f.name,
                    new.describe(),
                    new.rust
                );
                let (impact, reason) = added_field(name, &new, ns.derive_default, usage);
                found.push((impact, ChangeKind::FieldAdded, at, what, reason));
                continue;
            };
            let old = Shape::of_field(&old_names, of);
            if old == new {
                continue;
            }
            let mut aspects = Vec::new();
            let mut kind = None;
            if old.inner != new.inner {
                aspects.push("retyped".to_string());
                kind = Some(ChangeKind::FieldRetyped);
            }
            if old.required != new.required {
                let (k, word) = if new.required {
                    (ChangeKind::FieldMadeRequired, "made required")
                } else {
                    (ChangeKind::FieldMadeOptional, "made optional")
                };
                aspects.push(word.to_string());
                kind = kind.or(Some(k));
            }
            if old.nullable != new.nullable {
                let (k, word) = if new.nullable {
                    (ChangeKind::FieldMadeNullable, "made nullable")
                } else {
                    (ChangeKind::FieldMadeNonNullable, "made non-nullable")
                };
                aspects.push(word.to_string());
                kind = kind.or(Some(k));
            }
            let what = format!(
                "field `{}` {}: `{}` → `{}`",
                f.name,
                aspects.join(", "),
                old.rust,
                new.rust
            );
            let (impact, kind, reason) = if old.rust != new.rust {
                let reason = match (usage.input, usage.output) {
                    (true, true) => {
                        "its Rust type changes: code that reads or sets it no longer compiles as is"
                    }
                    (false, _) => {
                        "its Rust type changes: code that reads it no longer compiles as is"
                    }
                    (true, false) => {
                        "its Rust type changes: code that sets it no longer compiles as is"
                    }
                };
                (
                    Impact::Breaking,
                    kind.unwrap_or(ChangeKind::FieldRetyped),
                    reason.to_string(),
                )
            } else {
                (
                    Impact::None,
                    ChangeKind::FieldWireChanged,
                    format!(
                        "still `{}`: only whether `None` is sent as `null` changes",
                        new.rust
                    ),
                )
            };
            found.push((impact, kind, at, what, reason));
        }
        for of in &os.fields {
            if !ns.fields.iter().any(|f| f.name == of.name) {
                found.push((
                    Impact::Breaking,
                    ChangeKind::FieldRemoved,
                    format!("types::{name}.{}", of.name),
                    format!("field `{}` removed", of.name),
                    "code that reads or sets it no longer compiles".to_string(),
                ));
            }
        }
        for (impact, kind, at, what, reason) in found {
            self.push(impact, kind, at, ptr, what, reason);
        }
        if os.derive_default && !ns.derive_default {
            self.push(
                Impact::Breaking,
                ChangeKind::DefaultLost,
                format!("types::{name}"),
                ptr,
                "no longer derives `Default`",
                "literals ending in `..Default::default()` stop compiling",
            );
        } else if !os.derive_default && ns.derive_default {
            self.push(
                Impact::Additive,
                ChangeKind::DefaultGained,
                format!("types::{name}"),
                ptr,
                "now derives `Default`",
                "`..Default::default()` can fill its optional fields",
            );
        }
    }

    fn forms(&mut self, of: &Form, nf: &Form, n: &TypeDef) {
        let ptr = Some(n.pointer.as_str());
        let shape = |f: &FormField, ty: String| {
            let inner = if f.file { "FilePart".to_string() } else { ty };
            if f.optional {
                format!("Option<{inner}>")
            } else {
                inner
            }
        };
        for f in &nf.fields {
            let at = format!("types::{}.{}", n.name, f.name);
            let new = shape(f, self.new_ty(&f.ty));
            match of.fields.iter().find(|o| o.name == f.name) {
                None => self.push(
                    Impact::Breaking,
                    ChangeKind::FieldAdded,
                    at,
                    ptr,
                    format!("form field `{}` added (`{new}`)", f.name),
                    "multipart forms have no `Default`: literals naming every field miss this one",
                ),
                Some(o) => {
                    let old = shape(o, self.old_ty(&o.ty));
                    if old != new {
                        let kind = match (o.optional, f.optional) {
                            (true, false) => ChangeKind::FieldMadeRequired,
                            (false, true) => ChangeKind::FieldMadeOptional,
                            _ => ChangeKind::FieldRetyped,
                        };
                        self.push(
                            Impact::Breaking,
                            kind,
                            at,
                            ptr,
                            format!("form field `{}`: `{old}` → `{new}`", f.name),
                            "its Rust type changes: code that sets it no longer compiles as is",
                        );
                    }
                }
            }
        }
        for o in &of.fields {
            if !nf.fields.iter().any(|f| f.name == o.name) {
                self.push(
                    Impact::Breaking,
                    ChangeKind::FieldRemoved,
                    format!("types::{}.{}", n.name, o.name),
                    ptr,
                    format!("form field `{}` removed", o.name),
                    "code that sets it no longer compiles",
                );
            }
        }
    }

    fn string_enums(&mut self, oe: &StringEnum, ne: &StringEnum, n: &TypeDef) {
        let location = format!("types::{}", n.name);
        let ptr = Some(n.pointer.as_str());
        for v in &ne.variants {
            match oe.variants.iter().find(|o| o.value == v.value) {
                None => self.push(
                    Impact::Additive,
                    ChangeKind::EnumValueAdded,
                    &location,
                    ptr,
                    format!("value `\"{}\"` added (variant `{}`)", v.value, v.name),
                    format!(
                        "open enum: the value decoded as `{}(\"{}\")` before",
                        ne.other, v.value
                    ),
                ),
                Some(o) if o.name != v.name => self.push(
                    Impact::Breaking,
                    ChangeKind::VariantRemoved,
                    &location,
                    ptr,
                    format!(
                        "value `\"{}\"` is variant `{}` (was `{}`)",
                        v.value, v.name, o.name
                    ),
                    "the old variant name is gone",
                ),
                Some(_) => {}
            }
        }
        for o in &oe.variants {
            if !ne.variants.iter().any(|v| v.value == o.value) {
                self.push(
                    Impact::Breaking,
                    ChangeKind::EnumValueRemoved,
                    &location,
                    ptr,
                    format!("value `\"{}\"` removed (variant `{}`)", o.value, o.name),
                    format!(
                        "code that names `{}` no longer compiles; the value now decodes as `{}`",
                        o.name, ne.other
                    ),
                );
            }
        }
        if oe.other != ne.other {
            self.push(
                Impact::Breaking,
                ChangeKind::VariantRemoved,
                &location,
                ptr,
                format!("catch-all variant is `{}` (was `{}`)", ne.other, oe.other),
                "code that matches the old catch-all no longer compiles",
            );
        }
    }

    /// Variants of tagged and untagged enums, by name.
    fn variants(
        &mut self,
        location: &str,
        ptr: Option<&str>,
        old: &[(String, String)],
        new: &[(String, String)],
        added: Impact,
        added_reason: &str,
    ) {
        for (name, shape) in new {
            match old.iter().find(|(o, _)| o == name) {
                None => self.push(
                    added,
                    ChangeKind::VariantAdded,
                    location,
                    ptr,
                    format!("variant `{name}` added (`{shape}`)"),
                    added_reason,
                ),
                Some((_, old_shape)) if old_shape != shape => self.push(
                    Impact::Breaking,
                    ChangeKind::VariantRetyped,
                    location,
                    ptr,
                    format!("variant `{name}` holds `{shape}` (was `{old_shape}`)"),
                    "code that builds or matches it sees another type",
                ),
                Some(_) => {}
            }
        }
        for (name, _) in old {
            if !new.iter().any(|(n, _)| n == name) {
                self.push(
                    Impact::Breaking,
                    ChangeKind::VariantRemoved,
                    location,
                    ptr,
                    format!("variant `{name}` removed"),
                    "code that names it no longer compiles",
                );
            }
        }
    }
}

/// The impact of a field that was not there before, by the way the struct travels.
fn added_field(name: &str, new: &Shape, derives_default: bool, usage: Usage) -> (Impact, String) {
    if !usage.input {
        return (
            Impact::Additive,
            format!("`{name}` only comes back in responses: code that reads it is unaffected"),
        );
    }
    if new.required {
        let how = if derives_default {
            "`..Default::default()` still compiles but fills it with an empty value the server now requires"
        } else {
            "struct literals without it no longer compile"
        };
        return (Impact::Breaking, format!("required in requests: {how}"));
    }
    if derives_default {
        (
            Impact::Additive,
            format!("`{name}` derives `Default`: literals ending in `..Default::default()` keep compiling"),
        )
    } else {
        (
            Impact::Breaking,
            format!("`{name}` has no `Default` (a required field's type has none), so literals name every field and miss this one"),
        )
    }
}

/// The Rust spelling of a type, short: `Vec<RunObject>`, `Option<String>`.
fn rust_type(r: &TypeRef, name: &dyn Fn(TypeId) -> String) -> String {
    match r {
        TypeRef::Named(id) => name(*id),
        TypeRef::String => "String".to_string(),
        TypeRef::Integer => "i64".to_string(),
        TypeRef::Number => "f64".to_string(),
        TypeRef::Boolean => "bool".to_string(),
        TypeRef::Json => "Value".to_string(),
        TypeRef::JsonMap => "Map<String, Value>".to_string(),
        TypeRef::Array(t) => format!("Vec<{}>", rust_type(t, name)),
        TypeRef::Map(t) => format!("BTreeMap<String, {}>", rust_type(t, name)),
        TypeRef::Nullable(t) => format!("Option<{}>", rust_type(t, name)),
        TypeRef::Null => "()".to_string(),
        TypeRef::Tuple(items) => {
            let items: Vec<String> = items.iter().map(|t| rust_type(t, name)).collect();
            match items.as_slice() {
                [one] => format!("({one},)"),
                _ => format!("({})", items.join(", ")),
            }
        }
    }
}

fn boxed(ty: String, boxed: bool) -> String {
    if boxed {
        format!("Box<{ty}>")
    } else {
        ty
    }
}

fn response(op: &Operation, ty: &dyn Fn(&TypeRef) -> String) -> String {
    match &op.response {
        Response::Json(t) => ty(t),
        Response::Empty => "()".to_string(),
        Response::Bytes => "Bytes".to_string(),
        Response::WebSocket(m) => format!("WebSocket<{}, {}>", ty(&m.send), ty(&m.receive)),
    }
}

/// How a reader reaches a method of `op`'s: `Client::create_run`, or through its group,
/// `Client::assistants().create_run`.
fn method_path(api: &Api, op: &Operation, method: &str) -> String {
    format!("Client::{}{method}", group_path(api, op))
}

/// The accessors from the client to `op`'s group, each followed by `.`: `assistants().`.
fn group_path(api: &Api, op: &Operation) -> String {
    api.reach(op.group)["client.".len()..].to_string()
}

/// A listing's methods that walk its pages.
fn paging_methods(op: &Operation) -> Vec<String> {
    op.pagination
        .iter()
        .flat_map(|p| [p.stream.clone(), p.pages.clone()])
        .collect()
}

/// The operation's methods other than the main one.
fn extra_methods(op: &Operation) -> Vec<String> {
    op.stream
        .iter()
        .map(|s| s.name.clone())
        .chain(op.byte_stream.clone())
        .chain(op.with_response.clone())
        .collect()
}

fn kind_name(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::Struct(_) => "a struct",
        TypeKind::StringEnum(_) => "a string enum",
        TypeKind::Tagged(_) => "a tagged enum",
        TypeKind::Untagged(_) => "an untagged enum",
        TypeKind::Alias(_) => "a type alias",
        TypeKind::Form(_) => "a multipart form",
        TypeKind::Const(_) => "a constant",
    }
}

fn scheme_kind(kind: &SecuritySchemeKind) -> String {
    match kind {
        SecuritySchemeKind::ApiKeyHeader { header } => format!("header `{header}`"),
        SecuritySchemeKind::Bearer => "bearer token".to_string(),
        SecuritySchemeKind::Basic => "basic auth".to_string(),
    }
}

fn place(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Header => "header",
        _ => "query parameter",
    }
}

fn param_list(ps: &ParamsStruct) -> String {
    let names: Vec<String> = ps
        .fields
        .iter()
        .map(|p| format!("`{}`", p.wire_name))
        .collect();
    names.join(", ")
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items
            .iter()
            .map(|i| format!("`{i}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn opt_code(v: &Option<String>) -> String {
    v.as_ref()
        .map_or("nothing".to_string(), |v| format!("`{v}`"))
}

/// A JSON pointer segment.
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}
