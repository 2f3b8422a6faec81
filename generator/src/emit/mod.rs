//! Emit: IR → one token stream per generated file.
//!
//! The output is split so that a spec change touches few lines: each named schema has its own
//! file under `types/` (with the inline types it owns), each operation its own under
//! `operations/`. Module lists are sorted, so adding a schema adds one line to them.

mod client;
pub mod docs;
mod groups;
mod types;
mod wire;

use std::collections::{BTreeMap, HashMap};

use proc_macro2::TokenStream;
use quote::quote;

use crate::features::{Features, Gate, FULL};
use crate::ir::*;
use types::ident;

/// Tokens and the module doc of one file.
pub struct EmittedFile {
    pub doc: String,
    pub tokens: TokenStream,
}

/// One file to generate, before its tokens exist.
///
/// Emission is split in two, [`plan`] (which files there are) and [`emit_file`] (one file's
/// tokens), so that files can be emitted and formatted on several threads sharing the IR:
/// `TokenStream` cannot cross threads, so each thread emits what it formats.
#[derive(Debug, Clone)]
pub struct PlannedFile<'a> {
    /// Relative path, with `/`.
    pub path: String,
    what: What<'a>,
}

/// An operation and its parameter struct.
type Params<'a> = (&'a Operation, &'a ParamsStruct);

#[derive(Debug, Clone)]
enum What<'a> {
    /// `types/mod.rs`: the sorted list of type modules, each with when it is compiled.
    TypesMod(Vec<(&'a str, &'a Gate)>),
    /// `types/{module}.rs`: the types that live in `module` (a named schema and its inline
    /// types, in IR order), then the parameter structs of the operations in it.
    TypeModule {
        pointer: &'a str,
        types: Vec<&'a TypeDef>,
        params: Vec<Params<'a>>,
    },
    /// `operations/mod.rs`: the sorted list of operation modules, each with when it is
    /// compiled.
    OperationsMod(Vec<(&'a str, &'a Gate)>),
    /// An operation and when it is compiled.
    Operation(&'a Operation, &'a Gate),
    /// `client.rs`, with the features that gate the groups' accessors.
    Client(&'a Features),
    /// `groups.rs`: a handle type per group of operations.
    Groups(&'a Features),
    /// `webhooks.rs`: a name per webhook for its payload type.
    Webhooks,
    /// `example_check.rs` (see [`crate::Input`]).
    ExampleCheck,
    /// `mod.rs`; `true` when it declares `example_check`, and when `webhooks` is compiled.
    Root(bool, &'a Gate),
}

/// Every file [`emit_file`] will emit, sorted by path; with `example_check`, also
/// `example_check.rs` (see [`crate::Input`]).
pub fn plan<'a>(api: &'a Api, features: &'a Features, example_check: bool) -> Vec<PlannedFile<'a>> {
    let mut files = Vec::new();

    let mut type_modules: BTreeMap<&str, (Vec<&TypeDef>, Vec<Params>)> = BTreeMap::new();
    for t in &api.types {
        type_modules.entry(&t.module).or_default().0.push(t);
    }
    for op in &api.operations {
        if let Some(ps) = &op.params {
            type_modules.entry(&op.module).or_default().1.push((op, ps));
        }
    }
    // A module's doc names the outermost schema in it or, for one that only holds
    // parameters, the first operation of that name.
    let mut op_pointers: HashMap<&str, &str> = HashMap::new();
    for op in &api.operations {
        op_pointers.entry(&op.module).or_insert(&op.pointer);
    }
    files.push(PlannedFile {
        path: "types/mod.rs".to_string(),
        what: What::TypesMod(
            type_modules
                .keys()
                .map(|m| (*m, features.type_module(m)))
                .collect(),
        ),
    });
    for (module, (types, params)) in type_modules {
        // The named schema, else the outermost one: inline types inside it are defined
        // before it.
        let pointer = match types.iter().min_by_key(|t| {
            (
                crate::diagnostic::named_schema(&t.pointer).is_none(),
                t.pointer.len(),
            )
        }) {
            Some(t) => t.pointer.as_str(),
            None => op_pointers.get(module).copied().unwrap_or_default(),
        };
        files.push(PlannedFile {
            path: format!("types/{module}.rs"),
            what: What::TypeModule {
                pointer,
                types,
                params,
            },
        });
    }

    let mut op_modules: Vec<(&str, &Gate)> = api
        .operations
        .iter()
        .map(|o| (o.module.as_str(), features.operation(&o.module)))
        .collect();
    op_modules.sort_unstable_by_key(|(m, _)| *m);
    files.push(PlannedFile {
        path: "operations/mod.rs".to_string(),
        what: What::OperationsMod(op_modules),
    });
    for op in &api.operations {
        files.push(PlannedFile {
            path: format!("operations/{}.rs", op.module),
            what: What::Operation(op, features.operation(&op.module)),
        });
    }
    files.push(PlannedFile {
        path: "client.rs".to_string(),
        what: What::Client(features),
    });
    if !api.groups.is_empty() {
        files.push(PlannedFile {
            path: "groups.rs".to_string(),
            what: What::Groups(features),
        });
    }
    if !api.webhooks.is_empty() {
        files.push(PlannedFile {
            path: "webhooks.rs".to_string(),
            what: What::Webhooks,
        });
    }
    if example_check {
        files.push(PlannedFile {
            path: "example_check.rs".to_string(),
            what: What::ExampleCheck,
        });
    }
    files.push(PlannedFile {
        path: "mod.rs".to_string(),
        what: What::Root(example_check, &features.webhooks),
    });
    // As a map by path would hold them; a later file of the same path wins, as it did when
    // emission filled that map.
    files.reverse();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|later, first| later.path == first.path);
    files
}

/// Emits one planned file. `examples` are those of `example_check.rs`: none when it is not
/// planned.
pub fn emit_file(
    api: &Api,
    examples: &[crate::examples::Example],
    file: &PlannedFile,
) -> EmittedFile {
    let (doc, tokens) = match &file.what {
        What::TypesMod(modules) => {
            let type_mods = modules.iter().map(|(m, gate)| {
                let m = ident(m);
                let cfg = cfg(gate);
                quote! {
                    #cfg
                    mod #m;
                    #cfg
                    pub use #m::*;
                }
            });
            (
                "Types of the API's schemas, request bodies and responses.".to_string(),
                quote!(#(#type_mods)*),
            )
        }
        What::TypeModule {
            pointer,
            types,
            params,
        } => {
            let defs = types.iter().map(|t| types::type_def(api, t));
            let params = params
                .iter()
                .map(|(op, ps)| client::params_struct(api, op, ps));
            (format!("From `{pointer}`."), quote!(#(#defs)* #(#params)*))
        }
        What::OperationsMod(modules) => {
            let op_mods = modules.iter().map(|(m, gate)| {
                let m = ident(m);
                let cfg = cfg(gate);
                quote!(#cfg mod #m;)
            });
            (
                "One method on [`Client`](crate::Client) per operation.".to_string(),
                quote!(#(#op_mods)*),
            )
        }
        What::Operation(op, gate) => (
            format!("From `{}`.", op.pointer),
            client::operation(api, op, gate),
        ),
        What::Client(features) => (
            "The client and its settings.".to_string(),
            client::client(api, features),
        ),
        What::Groups(features) => (
            "The operations grouped by the spec's tags: each group is a handle, from a method \
             of the [`Client`](crate::Client) or of the group it is nested in, whose methods \
             are the operations of its tag."
                .to_string(),
            groups::groups(api, features),
        ),
        What::Webhooks => (
            "The webhooks the API sends, each named for its payload type: decode a delivery's \
             body with `serde_json::from_slice::<webhooks::Name>(&body)`. The client has no \
             method for them; the API calls you."
                .to_string(),
            webhooks(api),
        ),
        What::ExampleCheck => (
            "Decodes every example of the spec into its generated type.".to_string(),
            examples_tokens(api, examples),
        ),
        What::Root(example_check, webhooks_gate) => {
            let webhooks_mod = (!api.webhooks.is_empty()).then(|| {
                let cfg = cfg(webhooks_gate);
                quote! {
                    #cfg
                    pub mod webhooks;
                }
            });
            let groups_mod = (!api.groups.is_empty()).then(|| {
                quote!(
                    pub mod groups;
                )
            });
            let check_mod = example_check.then(|| {
                // It names every type: with the features that compile them all.
                quote! {
                    #[doc(hidden)]
                    #[cfg(feature = #FULL)]
                    pub mod example_check;
                }
            });
            let mut about = format!("Generated from {} {}.", api.title, api.version);
            if let Some(d) = &api.description {
                about = format!("{about}\n\n{}", docs::sanitize(d));
            }
            (
                about,
                quote! {
                    // Spec text becomes docs verbatim: links and HTML in it are the spec's own.
                    #![allow(rustdoc::bare_urls, rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]
                    // Shapes come from the spec: a large variant or many path parameters are its call.
                    #![allow(clippy::large_enum_variant, clippy::too_many_arguments)]

                    mod client;
                    #groups_mod
                    mod operations;
                    pub mod types;
                    #webhooks_mod
                    #check_mod

                    pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL};
                },
            )
        }
    };
    EmittedFile { doc, tokens }
}

/// `pub type Name = Payload;` for each webhook, documented with the spec's words.
fn webhooks(api: &Api) -> TokenStream {
    let aliases = api.webhooks.iter().map(|w| {
        let name = ident(&w.name);
        let payload = types::ty(api, &w.payload, types::Scope::Crate);
        let mut text = format!(
            "The payload of the webhook `{}` (`{}`).",
            w.key.replace('`', "'"),
            w.method.upper()
        );
        for part in [&w.summary, &w.description].into_iter().flatten() {
            text.push_str("\n\n");
            text.push_str(&docs::sanitize(part));
        }
        if w.deprecated {
            text.push_str("\n\n**Deprecated** in the spec.");
        }
        let doc = docs::attrs(&text);
        quote! {
            #doc
            pub type #name = #payload;
        }
    });
    quote!(#(#aliases)*)
}

/// The attribute that compiles a module only with its features; nothing for one always
/// compiled.
fn cfg(gate: &Gate) -> Option<TokenStream> {
    match gate {
        Gate::Always => None,
        Gate::Any(names) if names.len() == 1 => {
            let name = &names[0];
            Some(quote!(#[cfg(feature = #name)]))
        }
        Gate::Any(names) => Some(quote!(#[cfg(any(#(feature = #names),*))])),
    }
}

/// `check_examples()`: decodes each example (serde, naming the failing path), encodes it and
/// decodes it again, and returns how many were checked and which failed.
fn examples_tokens(api: &Api, examples: &[crate::examples::Example]) -> TokenStream {
    let cases = examples.iter().map(|e| {
        let pointer = &e.pointer;
        let text = &e.text;
        let ty = types::ty(api, &e.ty, types::Scope::Crate);
        quote!((#pointer, #text, check::<#ty>),)
    });
    // Without examples, nothing calls `check`.
    let allow = examples.is_empty().then(|| quote!(#[allow(dead_code)]));
    quote! {
        type Check = fn(&str) -> ::std::result::Result<(), ::std::string::String>;

        #allow
        fn check<T>(json: &str) -> ::std::result::Result<(), ::std::string::String>
        where
            T: ::serde::de::DeserializeOwned + ::serde::Serialize + ::std::cmp::PartialEq,
        {
            let mut de = ::serde_json::Deserializer::from_str(json);
            let value: T = ::serde_path_to_error::deserialize(&mut de)
                .map_err(|e| ::std::format!("at {}: {}", e.path(), e.inner()))?;
            let encoded = ::serde_json::to_value(&value).map_err(|e| ::std::format!("encoding: {e}"))?;
            let again: T = ::serde_json::from_value(encoded).map_err(|e| ::std::format!("decoding the encoded value: {e}"))?;
            if again != value {
                return ::std::result::Result::Err(::std::string::String::from("encoding then decoding changed the value"));
            }
            ::std::result::Result::Ok(())
        }

        const CASES: &[(&str, &str, Check)] = &[
            #(#cases)*
        ];

        /// How many examples were checked, and the pointer and error of each that failed.
        pub fn check_examples() -> (usize, ::std::vec::Vec<(&'static str, ::std::string::String)>) {
            let failures = CASES
                .iter()
                .filter_map(|(pointer, json, check)| check(json).err().map(|e| (*pointer, e)))
                .collect();
            (CASES.len(), failures)
        }
    }
}
