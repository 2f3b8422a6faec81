//! The groups: one handle type per tag, holding the methods of the operations tagged so.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs;
use super::types::ident;
use crate::features::{Features, Gate};
use crate::ir::*;

/// Where an operation's methods are: the type they are implemented on, and how rustdoc and
/// a reader name it.
pub struct Home {
    /// `crate::Client` or `crate::groups::Assistants<'_>`.
    pub target: TokenStream,
    /// `crate::Client` or `crate::groups::Assistants`: a path rustdoc links.
    pub path: String,
    /// `Client` or `Assistants`.
    pub short: String,
    /// From a `Client` named `client`, the expression reaching the handle:
    /// `client` or `client.integrations().workspaces()`.
    pub reach: TokenStream,
    /// The handle's own client, by reference: `self` or `self.client`.
    pub client: TokenStream,
}

pub fn home(api: &Api, op: &Operation) -> Home {
    match op.group {
        None => Home {
            target: quote!(crate::Client),
            path: "crate::Client".to_string(),
            short: "Client".to_string(),
            reach: quote!(client),
            client: quote!(self),
        },
        Some(g) => {
            let name = ident(&api.groups[g].type_name);
            let accessors = api.group_chain(g).into_iter().map(|g| ident(&g.accessor));
            Home {
                target: quote!(crate::groups::#name<'_>),
                path: format!("crate::groups::{}", api.groups[g].type_name),
                short: api.groups[g].type_name.clone(),
                reach: quote!(client #(.#accessors())*),
                client: quote!(self.client),
            }
        }
    }
}

/// The accessor of group `g`, on the client or on its parent's handle.
fn accessor(api: &Api, features: &Features, g: usize, from_client: bool) -> TokenStream {
    let group = &api.groups[g];
    let accessor = ident(&group.accessor);
    let name = ident(&group.type_name);
    let cfg = super::cfg(features.group(g));
    let doc = docs::attrs(&format!(
        "The operations tagged `{}`: [`{}`](crate::groups::{}).",
        group.tag.replace('`', "'"),
        group.type_name,
        group.type_name
    ));
    let (ret, client) = if from_client {
        (quote!(crate::groups::#name<'_>), quote!(self))
    } else {
        (quote!(#name<'a>), quote!(self.client))
    };
    quote! {
        #doc
        #cfg
        pub fn #accessor(&self) -> #ret {
            crate::groups::#name { client: #client }
        }
    }
}

/// The accessors of the outermost groups, for `impl Client`.
pub fn client_accessors(api: &Api, features: &Features) -> Vec<TokenStream> {
    (0..api.groups.len())
        .filter(|&g| api.groups[g].parent.is_none())
        .map(|g| accessor(api, features, g, true))
        .collect()
}

/// `groups.rs`: every handle type, with the accessors of the groups inside it.
pub fn groups(api: &Api, features: &Features) -> TokenStream {
    let defs = (0..api.groups.len()).map(|g| {
        let group = &api.groups[g];
        let name = ident(&group.type_name);
        let cfg = super::cfg(features.group(g));
        let mut text = format!(
            "The operations tagged `{}`, from `{}`.",
            group.tag.replace('`', "'"),
            api.reach(Some(g)).trim_end_matches('.')
        );
        if let Some(d) = &group.description {
            text = format!("{}\n\n{text}", docs::sanitize(d));
        }
        let doc = docs::attrs(&text);
        let children = (0..api.groups.len())
            .filter(|&c| api.groups[c].parent == Some(g))
            .map(|c| accessor(api, features, c, false));
        // Only the group's own operations send through it: a parent that only holds
        // groups has no use for it, nor has a group whose own operations' features are off
        // while a nested group's are on.
        let own: Vec<&Gate> = api
            .operations
            .iter()
            .filter(|o| o.group == Some(g))
            .map(|o| features.operation(&o.module))
            .collect();
        let runtime = (!own.is_empty()).then(|| {
            let cfg = super::cfg(&union(&own));
            quote! {
                /// The runtime that sends this group's requests.
                #cfg
                pub(crate) fn runtime(&self) -> &'a crate::runtime::Runtime {
                    self.client.runtime()
                }
            }
        });
        quote! {
            #doc
            #cfg
            #[derive(Debug, Clone, Copy)]
            pub struct #name<'a> {
                pub(crate) client: &'a crate::Client,
            }

            #cfg
            impl<'a> #name<'a> {
                #(#children)*
                #runtime
            }
        }
    });
    quote!(#(#defs)*)
}

/// Compiled when any of `gates` is.
fn union(gates: &[&Gate]) -> Gate {
    let mut names: Vec<String> = Vec::new();
    for gate in gates {
        match gate {
            Gate::Always => return Gate::Always,
            Gate::Any(list) => names.extend(list.iter().cloned()),
        }
    }
    names.sort();
    names.dedup();
    Gate::Any(names)
}
