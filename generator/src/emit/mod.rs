//! Emit: IR → one token stream per generated file.
//!
//! The output is split so that a spec change touches few lines: each named schema has its own
//! file under `types/` (with the inline types it owns), each operation its own under
//! `operations/`. Module lists are sorted, so adding a schema adds one line to them.

mod client;
pub mod docs;
mod types;

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::*;
use types::ident;

/// Relative path (with `/`) → tokens and the module doc of that file.
pub struct EmittedFile {
    pub doc: String,
    pub tokens: TokenStream,
}

pub fn emit(api: &Api) -> BTreeMap<String, EmittedFile> {
    let mut files = BTreeMap::new();

    let mut type_modules: BTreeMap<&str, Vec<TokenStream>> = BTreeMap::new();
    for t in &api.types {
        type_modules
            .entry(&t.module)
            .or_default()
            .push(types::type_def(api, t));
    }
    for op in &api.operations {
        if let Some(ps) = &op.params {
            type_modules
                .entry(&op.module)
                .or_default()
                .push(client::params_struct(api, op, ps));
        }
    }
    let type_mods = type_modules.keys().map(|m| {
        let m = ident(m);
        quote! {
            mod #m;
            pub use #m::*;
        }
    });
    files.insert(
        "types/mod.rs".to_string(),
        EmittedFile {
            doc: "Types of the API's schemas, request bodies and responses.".to_string(),
            tokens: quote!(#(#type_mods)*),
        },
    );
    for (module, defs) in &type_modules {
        let pointer = api
            .types
            .iter()
            .find(|t| t.module == *module)
            .map(|t| t.pointer.clone())
            .or_else(|| {
                api.operations
                    .iter()
                    .find(|o| o.module == *module)
                    .map(|o| o.pointer.clone())
            })
            .unwrap_or_default();
        files.insert(
            format!("types/{module}.rs"),
            EmittedFile {
                doc: format!("From `{pointer}`."),
                tokens: quote!(#(#defs)*),
            },
        );
    }

    let mut op_modules: Vec<&str> = api.operations.iter().map(|o| o.module.as_str()).collect();
    op_modules.sort_unstable();
    let op_mods = op_modules.iter().map(|m| {
        let m = ident(m);
        quote!(mod #m;)
    });
    files.insert(
        "operations/mod.rs".to_string(),
        EmittedFile {
            doc: "One method on [`Client`](crate::Client) per operation.".to_string(),
            tokens: quote!(#(#op_mods)*),
        },
    );
    for op in &api.operations {
        files.insert(
            format!("operations/{}.rs", op.module),
            EmittedFile {
                doc: format!("From `{}`.", op.pointer),
                tokens: client::operation(api, op),
            },
        );
    }

    files.insert(
        "client.rs".to_string(),
        EmittedFile {
            doc: "The client and its settings.".to_string(),
            tokens: client::client(api),
        },
    );

    let mut about = format!("Generated from {} {}.", api.title, api.version);
    if let Some(d) = &api.description {
        about = format!("{about}\n\n{}", docs::sanitize(d));
    }
    files.insert(
        "mod.rs".to_string(),
        EmittedFile {
            doc: about,
            tokens: quote! {
                // Spec text becomes docs verbatim: links and HTML in it are the spec's own.
                #![allow(rustdoc::bare_urls, rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]
                // Shapes come from the spec: a large variant or many path parameters are its call.
                #![allow(clippy::large_enum_variant, clippy::too_many_arguments)]

                mod client;
                mod operations;
                pub mod types;

                pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL};
            },
        },
    );
    files
}
