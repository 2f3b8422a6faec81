//! Lower: `openapiv3::OpenAPI` → [`ir::Api`](crate::ir::Api), with every name decided.

mod groups;
mod operation;
mod pagination;
mod schema;
mod view;

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{OpenAPI, ReferenceOr, Schema, SecurityScheme as OaScheme};

use crate::diagnostic::{pointer, Diagnostic};
use crate::ir::*;
use crate::load::Loaded;
use crate::naming::{self, Namer};

pub use pagination::shape_name;
pub(crate) use schema::Ctx;

/// Builds the IR. Problems become diagnostics; lowering itself never fails.
pub fn lower(loaded: &Loaded, diags: &mut Vec<Diagnostic>) -> Api {
    let api = &loaded.api;
    let mut l = Lowerer {
        api,
        extra: &loaded.extra_schemas,
        diags,
        types: Vec::new(),
        names: Vec::new(),
        type_names: Namer::new(),
        modules: Namer::new(),
        named: BTreeMap::new(),
        extra_ids: BTreeMap::new(),
        nullable_named: BTreeSet::new(),
        page_hints: BTreeMap::new(),
    };
    for reserved in ["mod", "types", "client", "operations"] {
        l.modules.reserve(reserved);
    }

    let schemas: Vec<(String, ReferenceOr<openapiv3::Schema>)> = api
        .components
        .as_ref()
        .map(|c| {
            c.schemas
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();

    // Reserve an id for every named schema before lowering any: forward and recursive
    // references then resolve to ids that already exist. `$defs` entries and other schemas
    // `$ref`s point at come after `components/schemas`, in the module of the schema they are
    // written in.
    let mut modules = Vec::new();
    let mut module_of: BTreeMap<&str, usize> = BTreeMap::new();
    for (key, schema) in &schemas {
        let name = l.type_names.unique(&naming::type_name(key));
        module_of.insert(key.as_str(), modules.len());
        modules.push(l.modules.unique(&naming::snake_name(&name, "schema")));
        l.named.insert(key.clone(), l.types.len());
        l.reserve(name, schema);
    }
    let mut extra_ctx = Vec::new();
    for (at, schema) in l.extra {
        let (owner, name) = crate::dialect::extra_name(at);
        let name = l.type_names.unique(&name);
        let module = match owner.and_then(|o| module_of.get(o.as_str())) {
            Some(&i) => modules[i].clone(),
            None => l.modules.unique(&naming::snake_name(&name, "schema")),
        };
        l.extra_ids.insert(at.clone(), l.types.len());
        extra_ctx.push((l.types.len(), module, at.clone()));
        l.reserve(name, schema);
    }
    for (i, (key, schema)) in schemas.iter().enumerate() {
        let ctx = Ctx {
            name: l.names[i].clone(),
            module: modules[i].clone(),
            pointer: pointer(["components", "schemas", key.as_str()]),
            reserved: Some(i),
        };
        l.lower_ref_or(schema, &ctx);
    }
    for ((id, module, at), (_, schema)) in extra_ctx.into_iter().zip(l.extra) {
        let ctx = Ctx {
            name: l.names[id].clone(),
            module,
            pointer: at,
            reserved: Some(id),
        };
        l.lower_ref_or(schema, &ctx);
    }

    let security = l.lower_security();
    let (mut operations, mut method_names) = l.lower_operations(&security);
    let groups = l.assign_groups(&mut operations, &mut method_names);
    let webhooks = l.lower_webhooks(&loaded.webhooks);

    let mut types: Vec<TypeDef> = l
        .types
        .into_iter()
        .enumerate()
        .map(|(id, t)| {
            t.unwrap_or_else(|| TypeDef {
                // Unreachable by construction; an alias to JSON keeps the crate building.
                name: l.names[id].clone(),
                module: "unresolved".to_string(),
                pointer: "#".to_string(),
                docs: Docs::default(),
                kind: TypeKind::Alias(TypeRef::Json),
            })
        })
        .collect();
    break_alias_cycles(&mut types, l.diags);
    check_defaults(&mut types);
    break_cycles(&mut types);
    mark_defaultable(&mut types);
    pagination::paginate(
        &types,
        &mut operations,
        &l.page_hints,
        &mut method_names,
        l.diags,
    );

    Api {
        title: api.info.title.clone(),
        version: api.info.version.clone(),
        description: api.info.description.clone(),
        base_url: api
            .servers
            .first()
            .map(|s| s.url.clone())
            .unwrap_or_else(|| "http://localhost".to_string()),
        base_url_env: base_url_env(&security),
        security,
        types,
        operations,
        groups,
        webhooks,
    }
}

pub(crate) struct Lowerer<'a> {
    pub(crate) api: &'a OpenAPI,
    /// Schemas outside `components/schemas` that are named types, by JSON pointer.
    pub(crate) extra: &'a [(String, ReferenceOr<Schema>)],
    pub(crate) diags: &'a mut Vec<Diagnostic>,
    /// Slots for every type; `None` until defined.
    pub(crate) types: Vec<Option<TypeDef>>,
    /// The decided name of every slot.
    pub(crate) names: Vec<String>,
    pub(crate) type_names: Namer,
    pub(crate) modules: Namer,
    /// Schema key in `components.schemas` → id.
    pub(crate) named: BTreeMap<String, TypeId>,
    /// JSON pointer of an [`Lowerer::extra`] schema → id.
    pub(crate) extra_ids: BTreeMap<String, TypeId>,
    /// Named schemas that are themselves `nullable: true`.
    pub(crate) nullable_named: BTreeSet<TypeId>,
    /// By operation pointer, what pagination needs of the spec that the IR does not keep.
    pub(crate) page_hints: BTreeMap<String, pagination::PageHints>,
}

impl Lowerer<'_> {
    /// Takes the next id for a named schema called `name`.
    fn reserve(&mut self, name: String, schema: &ReferenceOr<Schema>) {
        if let ReferenceOr::Item(s) = schema {
            if s.schema_data.nullable {
                self.nullable_named.insert(self.types.len());
            }
        }
        self.types.push(None);
        self.names.push(name);
    }

    fn lower_security(&mut self) -> Vec<SecurityScheme> {
        let Some(components) = &self.api.components else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (id, scheme) in &components.security_schemes {
            let at = pointer(["components", "securitySchemes", id.as_str()]);
            let scheme = match scheme {
                ReferenceOr::Item(s) => s,
                ReferenceOr::Reference { reference } => {
                    self.diags.push(Diagnostic::warning(&at, format!("security scheme `$ref: {reference}` is not supported; the scheme is not generated")));
                    continue;
                }
            };
            let (kind, description) = match scheme {
                OaScheme::APIKey {
                    location: openapiv3::APIKeyLocation::Header,
                    name,
                    description,
                    ..
                } => (
                    SecuritySchemeKind::ApiKeyHeader {
                        header: name.clone(),
                    },
                    description,
                ),
                OaScheme::HTTP {
                    scheme,
                    description,
                    ..
                } if scheme.eq_ignore_ascii_case("bearer") => {
                    (SecuritySchemeKind::Bearer, description)
                }
                OaScheme::HTTP {
                    scheme,
                    description,
                    ..
                } if scheme.eq_ignore_ascii_case("basic") => {
                    (SecuritySchemeKind::Basic, description)
                }
                OaScheme::OAuth2 { description, .. }
                | OaScheme::OpenIDConnect { description, .. } => {
                    self.diags.push(Diagnostic::warning(&at, "OAuth2 and OpenID Connect flows are not run by the client; the token is set as a bearer token"));
                    (SecuritySchemeKind::Bearer, description)
                }
                _ => {
                    self.diags.push(Diagnostic::warning(&at, "only header API keys and HTTP bearer/basic schemes are supported; this scheme is not generated"));
                    continue;
                }
            };
            out.push(SecurityScheme {
                id: id.clone(),
                setter: String::new(),
                kind,
                env_var: None,
                description: description.clone(),
            });
        }
        name_security_setters(&mut out);
        out
    }
}

/// Setter and environment variable names for credentials. Header schemes are named after the
/// header without `x-` and without a first word every header shares (`x-portkey-api-key` →
/// `api_key`, read from `PORTKEY_API_KEY`); other schemes after their key.
fn name_security_setters(schemes: &mut [SecurityScheme]) {
    let all_words: Vec<Vec<String>> = schemes
        .iter()
        .filter_map(|s| match &s.kind {
            SecuritySchemeKind::ApiKeyHeader { header } => Some(header_words(header)),
            _ => None,
        })
        .collect();
    let common = match all_words.first() {
        Some(first) if all_words.len() > 1 && first.len() > 1 => first
            .first()
            .filter(|w| {
                all_words
                    .iter()
                    .all(|h| h.len() > 1 && h.first() == Some(w))
            })
            .cloned(),
        _ => None,
    };
    let mut names = Namer::new();
    for reserved in [
        "base_url",
        "http_client",
        "build",
        "from_env",
        "new",
        "runtime",
        "timeout",
        "connect_timeout",
        "max_retries",
        "retry_policy",
        // Portkey's gateway options (`crate::gateway_setters!`).
        "trace_id",
        "span_id",
        "parent_span_id",
        "span_name",
        "metadata",
        "cache_namespace",
        "cache_force_refresh",
        "forward_headers",
        "request_timeout",
        "strict_openai_compliance",
        "gateway_options_mut",
    ] {
        names.reserve(reserved);
    }
    for s in schemes.iter_mut() {
        let (setter, env) = match &s.kind {
            SecuritySchemeKind::ApiKeyHeader { header } => {
                let words = header_words(header);
                let env = words.join("_").to_ascii_uppercase();
                let trimmed = match &common {
                    Some(c) if words.first() == Some(c) => words[1..].join("_"),
                    _ => words.join("_"),
                };
                (naming::field_name(&trimmed), Some(env))
            }
            _ => (naming::field_name(&s.id), None),
        };
        s.setter = names.unique(&setter);
        s.env_var = env;
    }
}

fn base_url_env(schemes: &[SecurityScheme]) -> Option<String> {
    let vars: Vec<&str> = schemes
        .iter()
        .filter_map(|s| s.env_var.as_deref())
        .collect();
    let prefix = vars.first()?.split('_').next()?;
    let shared = vars.len() > 1
        && vars
            .iter()
            .all(|v| v.split('_').next() == Some(prefix) && v.len() > prefix.len());
    shared.then(|| format!("{prefix}_BASE_URL"))
}

fn header_words(header: &str) -> Vec<String> {
    let mut words: Vec<String> = naming::words(header)
        .into_iter()
        .map(|w| w.to_ascii_lowercase())
        .collect();
    if words.len() > 1 && words[0] == "x" {
        words.remove(0);
    }
    words
}

/// `A: {$ref: B}`, `B: {$ref: A}` has no type in between: aliases of each other cannot compile.
/// Each alias on such a cycle becomes any JSON value, with a warning.
fn break_alias_cycles(types: &mut [TypeDef], diags: &mut Vec<Diagnostic>) {
    let target = |t: &TypeDef| match &t.kind {
        TypeKind::Alias(ty) => direct_target(ty),
        _ => None,
    };
    // Each cycle, as the ids on it, found once from its smallest id.
    let mut cycles: Vec<Vec<TypeId>> = Vec::new();
    for start in 0..types.len() {
        let mut seen = vec![start];
        let mut at = start;
        while let Some(next) = target(&types[at]) {
            if next == start {
                if seen.iter().all(|&id| id >= start) {
                    cycles.push(seen);
                }
                break;
            }
            if seen.contains(&next) {
                break;
            }
            seen.push(next);
            at = next;
        }
    }
    for cycle in cycles {
        let names: Vec<&str> = cycle.iter().map(|&id| types[id].name.as_str()).collect();
        let message = if cycle.len() == 1 {
            format!(
                "`{}` is a `$ref` to itself; typed as any JSON value",
                names[0]
            )
        } else {
            format!(
                "`$ref` cycle with no type in between ({}); typed as any JSON value",
                names.join(" → ")
            )
        };
        for &id in &cycle {
            diags.push(
                Diagnostic::warning(&types[id].pointer, message.clone()).with_help(
                    "one of these schemas should define a type instead of referring to another",
                ),
            );
        }
        for &id in &cycle {
            types[id].kind = TypeKind::Alias(TypeRef::Json);
        }
    }
}

/// A default that names an enum value must name one the enum has; otherwise it is dropped.
fn check_defaults(types: &mut [TypeDef]) {
    let enum_values: BTreeMap<TypeId, Vec<String>> = types
        .iter()
        .enumerate()
        .filter_map(|(id, t)| match &t.kind {
            TypeKind::StringEnum(e) => {
                Some((id, e.variants.iter().map(|v| v.value.clone()).collect()))
            }
            _ => None,
        })
        .collect();
    for t in types.iter_mut() {
        if let TypeKind::Struct(s) = &mut t.kind {
            for f in &mut s.fields {
                if let (TypeRef::Named(id), FieldDefault::Value(v)) = (&f.ty, &f.default) {
                    let known = v.as_str().is_some_and(|v| {
                        enum_values
                            .get(id)
                            .is_some_and(|vals| vals.iter().any(|x| x == v))
                    });
                    if !known {
                        f.default = FieldDefault::None;
                    }
                }
            }
        }
    }
}

/// Boxes by-value references until no type contains itself: a depth-first walk over the
/// by-value references (in document order) boxes each one that leads back to a type still
/// being walked. Removing those back edges leaves no cycle, and usually boxes one field per
/// cycle. References through `Vec` and maps are already indirect and are left alone.
fn break_cycles(types: &mut [TypeDef]) {
    // Per type, its by-value references as (slot, target); a slot is a field or variant index.
    let edges: Vec<Vec<(usize, TypeId)>> = types
        .iter()
        .map(|t| {
            let targets: Vec<Vec<TypeId>> = match &t.kind {
                TypeKind::Struct(s) => s.fields.iter().map(|f| by_value(&f.ty)).collect(),
                TypeKind::Tagged(e) => e.variants.iter().map(|v| by_value(&v.ty)).collect(),
                TypeKind::Untagged(u) => u
                    .variants
                    .iter()
                    .map(|v| match &v.kind {
                        UntaggedKind::Value { ty, .. } => by_value(ty),
                        _ => Vec::new(),
                    })
                    .collect(),
                TypeKind::Alias(ty) => vec![by_value(ty)],
                // A form is sent, never nested in another type: no cycle can pass through it.
                TypeKind::StringEnum(_) | TypeKind::Form(_) | TypeKind::Const(_) => Vec::new(),
            };
            targets
                .into_iter()
                .enumerate()
                .flat_map(|(slot, ids)| ids.into_iter().map(move |id| (slot, id)))
                .collect()
        })
        .collect();

    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        OnPath,
        Done,
    }
    let mut state = vec![State::New; types.len()];
    let mut boxed: BTreeSet<(TypeId, usize)> = BTreeSet::new();
    for root in 0..types.len() {
        if state[root] != State::New {
            continue;
        }
        // Iterative, so that deeply nested specs cannot overflow the stack.
        let mut stack: Vec<(TypeId, usize)> = vec![(root, 0)];
        state[root] = State::OnPath;
        while let Some((node, next)) = stack.last().copied() {
            match edges[node].get(next) {
                Some(&(slot, target)) => {
                    stack.last_mut().expect("stack is not empty").1 += 1;
                    match state[target] {
                        State::New => {
                            state[target] = State::OnPath;
                            stack.push((target, 0));
                        }
                        State::OnPath => {
                            boxed.insert((node, slot));
                        }
                        State::Done => {}
                    }
                }
                None => {
                    state[node] = State::Done;
                    stack.pop();
                }
            }
        }
    }

    for (id, t) in types.iter_mut().enumerate() {
        let is_boxed = |slot: usize| boxed.contains(&(id, slot));
        match &mut t.kind {
            TypeKind::Struct(s) => s
                .fields
                .iter_mut()
                .enumerate()
                .for_each(|(i, f)| f.boxed = is_boxed(i)),
            TypeKind::Tagged(e) => e
                .variants
                .iter_mut()
                .enumerate()
                .for_each(|(i, v)| v.boxed = is_boxed(i)),
            TypeKind::Untagged(u) => {
                for (i, v) in u.variants.iter_mut().enumerate() {
                    if let UntaggedKind::Value { boxed, .. } = &mut v.kind {
                        *boxed = is_boxed(i);
                    }
                }
            }
            // An alias cannot hold a box; a cycle through one is boxed at a struct or enum.
            TypeKind::Alias(_)
            | TypeKind::StringEnum(_)
            | TypeKind::Form(_)
            | TypeKind::Const(_) => {}
        }
    }
}

/// Decides which structs derive `Default`: those whose required fields all have a `Default`
/// (found by fixpoint, as types refer to each other) and carry no spec default that the
/// derived one would contradict.
fn mark_defaultable(types: &mut [TypeDef]) {
    fn has_default(ty: &TypeRef, can: &[bool]) -> bool {
        match ty {
            TypeRef::Named(id) => can[*id],
            TypeRef::Tuple(items) => items.len() <= 12 && items.iter().all(|t| has_default(t, can)),
            _ => true,
        }
    }
    let mut can = vec![false; types.len()];
    loop {
        let mut changed = false;
        for (id, t) in types.iter().enumerate() {
            if can[id] {
                continue;
            }
            let ok = match &t.kind {
                TypeKind::Struct(s) => s.fields.iter().all(|f| {
                    f.optional
                        || (f.default != FieldDefault::None || has_default(&f.ty, &can))
                            && !matches!(f.default, FieldDefault::Value(_))
                }),
                TypeKind::StringEnum(e) => e.variants.len() == 1,
                TypeKind::Const(_) => true,
                TypeKind::Alias(ty) => has_default(ty, &can),
                TypeKind::Tagged(_) | TypeKind::Untagged(_) | TypeKind::Form(_) => false,
            };
            if ok {
                can[id] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for (t, can) in types.iter_mut().zip(can) {
        if let TypeKind::Struct(s) = &mut t.kind {
            s.derive_default = can;
        }
    }
}

fn direct_target(ty: &TypeRef) -> Option<TypeId> {
    match ty {
        TypeRef::Named(id) => Some(*id),
        TypeRef::Nullable(inner) => direct_target(inner),
        _ => None,
    }
}

/// The types a value of `ty` holds in place (not behind a `Vec` or a map): those a cycle
/// through it must box.
fn by_value(ty: &TypeRef) -> Vec<TypeId> {
    match ty {
        TypeRef::Named(id) => vec![*id],
        TypeRef::Nullable(inner) => by_value(inner),
        TypeRef::Tuple(items) => items.iter().flat_map(by_value).collect(),
        _ => Vec::new(),
    }
}
