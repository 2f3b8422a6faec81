//! Emit: IR → one token stream per generated file.
//!
//! The output is split so that a spec change touches few lines: each named schema has its own
//! file under `types/` (with the inline types it owns), each operation its own under
//! `operations/`. Module lists are sorted, so adding a schema adds one line to them.

mod client;
pub mod docs;
mod types;
mod wire;

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

/// Emits every file; with `example_check`, also `example_check.rs` (see [`crate::Input`]).
pub fn emit(
    api: &Api,
    example_check: Option<&[crate::examples::Example]>,
) -> BTreeMap<String, EmittedFile> {
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

    let check_mod = example_check.map(|examples| {
        files.insert(
            "example_check.rs".to_string(),
            EmittedFile {
                doc: "Decodes every example of the spec into its generated type.".to_string(),
                tokens: examples_tokens(api, examples),
            },
        );
        quote! {
            #[doc(hidden)]
            pub mod example_check;
        }
    });
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
                #check_mod

                pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL};
            },
        },
    );
    files
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
    quote! {
        type Check = fn(&str) -> ::std::result::Result<(), ::std::string::String>;

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
