//! Cargo features: one per tag of the spec, so that a user compiles only the operations they
//! call and the types those operations reach.
//!
//! Compiling the generated crate is dominated by the types' serde code, and a program calls a
//! few parts of a large API. Each operation is compiled with the feature of any of its tags;
//! each type module with the feature of any operation that reaches it, directly or through
//! other types. A module is planned as a whole (a named schema and its inline types share a
//! file), so whenever a module is compiled, so is every module its types name. Modules no
//! operation reaches get a feature of their own, [`UNREFERENCED`]; operations without a tag,
//! and whatever they reach, are always compiled. The payloads of the spec's webhooks, and the
//! `webhooks` module that names them, are the feature [`WEBHOOKS`]. `full`, the default,
//! turns everything on.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use heck::ToKebabCase;

use crate::ir::{Api, Operation, TypeRef};

/// The feature that turns every other one on; the default.
pub const FULL: &str = "full";
/// The feature of the type modules no operation reaches.
pub const UNREFERENCED: &str = "unreferenced-schemas";
/// The feature of the webhooks' payloads.
pub const WEBHOOKS: &str = "webhooks";
/// The feature of the runtime's WebSocket module and its dependencies, which the feature of
/// every operation that opens a WebSocket turns on. Its dependencies are those the runtime's
/// manifest (`generated-client/Cargo.toml`) declares optional.
pub const WEBSOCKET: &str = "websocket";
const WEBSOCKET_DEPENDENCIES: &str =
    r#"["dep:futures-sink", "dep:rustls", "dep:tokio-tungstenite", "dep:webpki-roots"]"#;

/// One cargo feature of the generated crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    pub name: String,
    /// The tags it compiles (one, unless several tags give the same feature name); empty for
    /// [`UNREFERENCED`].
    pub tags: Vec<String>,
    /// Operations it compiles.
    pub operations: usize,
    /// Webhook payloads it compiles (those of [`WEBHOOKS`]).
    pub webhooks: usize,
    /// Of its operations, those that open a WebSocket: it turns on [`WEBSOCKET`].
    pub websockets: usize,
}

impl Feature {
    fn new(name: &str) -> Feature {
        Feature {
            name: name.to_string(),
            tags: Vec::new(),
            operations: 0,
            webhooks: 0,
            websockets: 0,
        }
    }
}

/// When a module is compiled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Gate {
    #[default]
    Always,
    /// With any of these features (sorted, never empty).
    Any(Vec<String>),
}

/// The features of an API and the gate of each module.
#[derive(Debug, Clone, Default)]
pub struct Features {
    /// Sorted by name.
    pub list: Vec<Feature>,
    /// Type module → gate; a module not listed is always compiled.
    pub type_modules: HashMap<String, Gate>,
    /// Operation module → gate; an operation not listed is always compiled.
    pub operations: HashMap<String, Gate>,
    /// When the `webhooks` module is compiled.
    pub webhooks: Gate,
    /// By index into [`Api::groups`](crate::ir::Api::groups), when a group's handle is
    /// compiled: with any feature of an operation in it or in a group inside it.
    pub groups: Vec<Gate>,
}

impl Features {
    pub fn type_module(&self, module: &str) -> &Gate {
        self.type_modules.get(module).unwrap_or(&Gate::Always)
    }

    pub fn operation(&self, module: &str) -> &Gate {
        self.operations.get(module).unwrap_or(&Gate::Always)
    }

    pub fn group(&self, group: usize) -> &Gate {
        self.groups.get(group).unwrap_or(&Gate::Always)
    }
}

/// The `[features]` table of the generated crate's manifest. `websocket`: some operation
/// opens a WebSocket, so `full` needs the WebSocket runtime even without tags.
pub fn toml(list: &[Feature], websocket: bool) -> String {
    let mut out = String::from("[features]\n");
    out.push_str(&format!("default = [\"{FULL}\"]\n"));
    out.push_str("# Every operation and type of the API.\n");
    out.push_str(&format!("{FULL} = ["));
    let mut full: Vec<&str> = list.iter().map(|f| f.name.as_str()).collect();
    if websocket {
        full.push(WEBSOCKET);
    }
    for name in &full {
        out.push_str(&format!("\n    \"{name}\","));
    }
    out.push_str(if full.is_empty() { "]\n" } else { "\n]\n" });
    for f in list {
        let mut parts = Vec::new();
        if !f.tags.is_empty() {
            let tags: Vec<String> = f.tags.iter().map(|t| format!("`{t}`")).collect();
            parts.push(format!(
                "Operations tagged {} ({})",
                tags.join(" or "),
                f.operations
            ));
        }
        if f.webhooks > 0 {
            parts.push(format!(
                "the payloads of the API's webhooks ({})",
                f.webhooks
            ));
        }
        let what = if parts.is_empty() {
            "Schemas no operation uses, and the types they name.".to_string()
        } else {
            let mut what = format!("{}, and the types they use.", parts.join(", "));
            what[..1].make_ascii_uppercase();
            what
        };
        let needs = if f.websockets > 0 {
            format!("\"{WEBSOCKET}\"")
        } else {
            String::new()
        };
        out.push_str(&format!("# {what}\n{} = [{needs}]\n", f.name));
    }
    out.push_str(&format!(
        "# The WebSocket runtime (`websocket`), for operations that open a WebSocket.\n{WEBSOCKET} = {WEBSOCKET_DEPENDENCIES}\n"
    ));
    out
}

/// The cargo feature name of a tag: kebab case, ASCII letters, digits and `-` only.
pub fn feature_name(tag: &str) -> String {
    let kebab = tag.to_kebab_case();
    let mut name = String::new();
    for c in kebab.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    while name.ends_with('-') {
        name.pop();
    }
    if name.is_empty() {
        name.push_str("tag");
    }
    if name == "default" || name == FULL || name == UNREFERENCED || name == WEBSOCKET {
        name.push_str("-tag");
    }
    name
}

/// Plans the features of `api`. An API none of whose operations has a tag has no features
/// but `full`, and nothing is gated.
pub fn plan(api: &Api) -> Features {
    if api.operations.iter().all(|op| op.tags.is_empty()) && api.webhooks.is_empty() {
        return Features::default();
    }

    // Modules, and the modules each one's types and parameter structs name.
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for t in &api.types {
        let next = index.len();
        index.entry(&t.module).or_insert(next);
    }
    for op in &api.operations {
        if op.params.is_some() {
            let next = index.len();
            index.entry(&op.module).or_insert(next);
        }
    }
    let mut edges: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); index.len()];
    for t in &api.types {
        let from = index[t.module.as_str()];
        for child in t.kind.children() {
            for id in child.named() {
                edges[from].insert(index[api.types[id].module.as_str()]);
            }
        }
    }
    for op in &api.operations {
        if let Some(ps) = &op.params {
            let from = index[op.module.as_str()];
            for p in &ps.fields {
                for id in p.ty.named() {
                    edges[from].insert(index[api.types[id].module.as_str()]);
                }
            }
        }
    }

    let mut by_name: BTreeMap<String, Feature> = BTreeMap::new();
    let mut op_features: Vec<Vec<String>> = Vec::new();
    for op in &api.operations {
        let mut names = Vec::new();
        for tag in &op.tags {
            let name = feature_name(tag);
            let f = by_name
                .entry(name.clone())
                .or_insert_with(|| Feature::new(&name));
            if !f.tags.contains(tag) {
                f.tags.push(tag.clone());
            }
            if !names.contains(&name) {
                f.operations += 1;
                if matches!(op.response, crate::ir::Response::WebSocket(_)) {
                    f.websockets += 1;
                }
                names.push(name);
            }
        }
        names.sort();
        op_features.push(names);
    }

    // Which features reach each module; `always` for what untagged operations reach.
    let mut reached: Vec<BTreeSet<String>> = vec![BTreeSet::new(); index.len()];
    let mut always = vec![false; index.len()];
    let spread = |from: Vec<usize>, seen: &mut dyn FnMut(usize) -> bool| {
        let mut work = from;
        while let Some(m) = work.pop() {
            if seen(m) {
                work.extend(edges[m].iter().copied());
            }
        }
    };
    let mut roots_by_feature: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut always_roots = Vec::new();
    for (op, names) in api.operations.iter().zip(&op_features) {
        let roots = root_modules(api, op, &index);
        if names.is_empty() {
            always_roots.extend(roots);
        } else {
            for name in names {
                roots_by_feature
                    .entry(name)
                    .or_default()
                    .extend(roots.iter().copied());
            }
        }
    }
    // A tag whose feature name is `webhooks` shares the feature: it then compiles both.
    if !api.webhooks.is_empty() {
        let f = by_name
            .entry(WEBHOOKS.to_string())
            .or_insert_with(|| Feature::new(WEBHOOKS));
        f.webhooks = api.webhooks.len();
        let roots = roots_by_feature.entry(WEBHOOKS).or_default();
        for w in &api.webhooks {
            roots.extend(
                w.payload
                    .named()
                    .into_iter()
                    .map(|id| index[api.types[id].module.as_str()]),
            );
        }
    }
    spread(always_roots, &mut |m| {
        !std::mem::replace(&mut always[m], true)
    });
    for (name, roots) in &roots_by_feature {
        spread(roots.clone(), &mut |m| reached[m].insert(name.to_string()));
    }
    let orphans: Vec<usize> = (0..index.len())
        .filter(|&m| !always[m] && reached[m].is_empty())
        .collect();
    if !orphans.is_empty() {
        by_name.insert(UNREFERENCED.to_string(), Feature::new(UNREFERENCED));
        spread(orphans, &mut |m| {
            reached[m].insert(UNREFERENCED.to_string())
        });
    }

    let type_modules = index
        .iter()
        .filter(|(_, &m)| !always[m])
        .map(|(module, &m)| {
            (
                module.to_string(),
                Gate::Any(reached[m].iter().cloned().collect()),
            )
        })
        .collect();
    // A group is compiled with the features of the operations in it and in the groups it
    // holds; an untagged operation is in no group.
    let mut group_features: Vec<BTreeSet<String>> = vec![BTreeSet::new(); api.groups.len()];
    for (op, names) in api.operations.iter().zip(&op_features) {
        let mut at = op.group;
        while let Some(g) = at {
            group_features[g].extend(names.iter().cloned());
            at = api.groups[g].parent;
        }
    }
    let groups = group_features
        .into_iter()
        .map(|names| Gate::Any(names.into_iter().collect()))
        .collect();
    let operations = api
        .operations
        .iter()
        .zip(op_features)
        .filter(|(_, names)| !names.is_empty())
        .map(|(op, names)| (op.module.clone(), Gate::Any(names)))
        .collect();
    let webhooks = if api.webhooks.is_empty() {
        Gate::Always
    } else {
        Gate::Any(vec![WEBHOOKS.to_string()])
    };
    Features {
        list: by_name.into_values().collect(),
        type_modules,
        operations,
        webhooks,
        groups,
    }
}

/// The modules an operation names directly: its parameter struct's, and those of the types of
/// its path parameters, body, responses, error bodies and stream items.
fn root_modules(api: &Api, op: &Operation, index: &BTreeMap<&str, usize>) -> Vec<usize> {
    let mut refs: Vec<&TypeRef> = op.path_params.iter().map(|p| &p.ty).collect();
    refs.extend(op.body.as_ref().map(|b| &b.ty));
    match &op.response {
        crate::ir::Response::Json(ty) => refs.push(ty),
        crate::ir::Response::WebSocket(m) => refs.extend([&m.send, &m.receive]),
        crate::ir::Response::Empty | crate::ir::Response::Bytes => {}
    }
    refs.extend(op.errors.iter().filter_map(|(_, ty)| ty.as_ref()));
    refs.extend(op.stream.as_ref().map(|s| &s.item));
    let mut roots: Vec<usize> = refs
        .into_iter()
        .flat_map(TypeRef::named)
        .map(|id| index[api.types[id].module.as_str()])
        .collect();
    if op.params.is_some() {
        roots.push(index[op.module.as_str()]);
    }
    roots
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_become_cargo_feature_names() {
        for (tag, name) in [
            ("Chat", "chat"),
            ("Analytics > Graphs", "analytics-graphs"),
            ("PromptPartials", "prompt-partials"),
            ("Virtual-keys", "virtual-keys"),
            ("MCP Servers > User Access", "mcp-servers-user-access"),
            ("  Fine_tuning!! ", "fine-tuning"),
            ("v2 Files", "v2-files"),
            ("Übersicht", "bersicht"),
            ("日本語", "tag"),
            ("Full", "full-tag"),
            ("default", "default-tag"),
            ("Unreferenced Schemas", "unreferenced-schemas-tag"),
            ("Websocket", "websocket-tag"),
        ] {
            assert_eq!(feature_name(tag), name, "{tag}");
        }
    }

    #[test]
    fn the_manifest_table_lists_every_feature_under_full() {
        let feature = |name: &str, operations, webhooks, websockets| Feature {
            operations,
            webhooks,
            websockets,
            ..Feature::new(name)
        };
        let mut list = vec![
            feature("admin-keys", 3, 0, 0),
            feature(UNREFERENCED, 0, 0, 0),
            feature(WEBHOOKS, 0, 2, 0),
        ];
        list[0].tags = vec!["Admin > Keys".to_string(), "Admin-Keys".to_string()];
        let websocket_line = "# The WebSocket runtime (`websocket`), for operations that open a WebSocket.\n\
             websocket = [\"dep:futures-sink\", \"dep:rustls\", \"dep:tokio-tungstenite\", \"dep:webpki-roots\"]\n";
        assert_eq!(
            toml(&list, false),
            format!(
                "[features]\ndefault = [\"full\"]\n# Every operation and type of the API.\n\
                 full = [\n    \"admin-keys\",\n    \"unreferenced-schemas\",\n    \"webhooks\",\n]\n\
                 # Operations tagged `Admin > Keys` or `Admin-Keys` (3), and the types they use.\n\
                 admin-keys = []\n\
                 # Schemas no operation uses, and the types they name.\nunreferenced-schemas = []\n\
                 # The payloads of the API's webhooks (2), and the types they use.\nwebhooks = []\n\
                 {websocket_line}"
            )
        );
        assert_eq!(
            toml(&[], false),
            format!("[features]\ndefault = [\"full\"]\n# Every operation and type of the API.\nfull = []\n{websocket_line}")
        );
        // A feature with a WebSocket operation turns the runtime's on; `full` names it even
        // when no tag does (an untagged WebSocket operation).
        let mut realtime = feature("realtime", 1, 0, 1);
        realtime.tags = vec!["Realtime".to_string()];
        let table = toml(&[realtime], true);
        assert!(
            table.contains("full = [\n    \"realtime\",\n    \"websocket\",\n]\n"),
            "{table}"
        );
        assert!(table.contains("\nrealtime = [\"websocket\"]\n"), "{table}");
        let untagged = toml(&[], true);
        assert!(
            untagged.contains("full = [\n    \"websocket\",\n]\n"),
            "{untagged}"
        );
    }
}
