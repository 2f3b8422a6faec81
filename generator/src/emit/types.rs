//! Types → tokens: structs, enums and aliases with their serde glue.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use super::docs;
use crate::ir::*;

pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// Where the tokens for a type reference are written from.
#[derive(Clone, Copy)]
pub enum Scope {
    /// Inside `types/*.rs`: sibling types are `super::Name`.
    Types,
    /// Anywhere else in the crate.
    Crate,
}

pub fn ty(api: &Api, r: &TypeRef, scope: Scope) -> TokenStream {
    match r {
        TypeRef::Named(id) => {
            let name = ident(&api.type_def(*id).name);
            match scope {
                Scope::Types => quote!(super::#name),
                Scope::Crate => quote!(crate::types::#name),
            }
        }
        TypeRef::String => quote!(::std::string::String),
        TypeRef::Integer => quote!(i64),
        TypeRef::Number => quote!(f64),
        TypeRef::Boolean => quote!(bool),
        TypeRef::Json => quote!(::serde_json::Value),
        TypeRef::JsonMap => quote!(::serde_json::Map<::std::string::String, ::serde_json::Value>),
        TypeRef::Array(inner) => {
            let inner = ty(api, inner, scope);
            quote!(::std::vec::Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = ty(api, inner, scope);
            quote!(::std::collections::BTreeMap<::std::string::String, #inner>)
        }
        TypeRef::Nullable(inner) => {
            let inner = ty(api, inner, scope);
            quote!(::std::option::Option<#inner>)
        }
        TypeRef::Null => quote!(()),
        TypeRef::Tuple(items) => {
            let items = items.iter().map(|t| ty(api, t, scope));
            quote!((#(#items,)*))
        }
    }
}

/// The tokens for one type definition.
pub fn type_def(api: &Api, t: &TypeDef) -> TokenStream {
    let name = ident(&t.name);
    match &t.kind {
        TypeKind::Struct(s) => struct_def(api, t, &name, s),
        TypeKind::StringEnum(e) => string_enum(t, &name, e),
        TypeKind::Tagged(e) => tagged(api, t, &name, e),
        TypeKind::Untagged(u) => untagged(api, t, &name, u),
        TypeKind::Form(f) => form(api, t, &name, f),
        TypeKind::Const(value) => {
            let json = value.to_string();
            let always = format!(
                "Always `{}`: encodes as this value, and decodes from it alone.",
                json.replace('`', "'")
            );
            let doc = docs::attrs(&docs::render(&t.docs, &[always]));
            quote! {
                #doc
                #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
                pub struct #name;

                crate::const_impls!(#name, #json);
            }
        }
        TypeKind::Alias(target) => {
            let doc = docs::attrs(&docs::render(&t.docs, &[]));
            let target = ty(api, target, Scope::Types);
            quote! {
                #doc
                pub type #name = #target;
            }
        }
    }
}

fn struct_def(api: &Api, t: &TypeDef, name: &Ident, s: &Struct) -> TokenStream {
    let doc = docs::attrs(&docs::render(&t.docs, &[]));
    let mut default_fns = Vec::new();
    let fields = s.fields.iter().map(|f| {
        let field = ident(&f.name);
        let mut inner = ty(api, &f.ty, Scope::Types);
        if f.boxed {
            inner = quote!(::std::boxed::Box<#inner>);
        }
        let field_ty = if f.tri_state {
            quote!(crate::Nullable<#inner>)
        } else if f.optional {
            quote!(::std::option::Option<#inner>)
        } else {
            inner.clone()
        };
        let mut serde_args = Vec::new();
        if f.name != f.wire_name {
            let wire = &f.wire_name;
            serde_args.push(quote!(rename = #wire));
        }
        if f.tri_state {
            serde_args.push(quote!(
                default,
                skip_serializing_if = "crate::Nullable::is_absent"
            ));
        } else if f.optional && f.skip_if_none {
            serde_args.push(quote!(
                default,
                skip_serializing_if = "::std::option::Option::is_none"
            ));
        } else if f.optional {
            // Required but nullable: decodes when absent, sends `null` when `None`.
            serde_args.push(quote!(default));
        }
        if !f.optional {
            match &f.default {
                FieldDefault::None => {}
                FieldDefault::Trait => serde_args.push(quote!(default)),
                FieldDefault::Value(value) => {
                    let fn_name = format!(
                        "{}_{}",
                        crate::naming::snake_name(&t.name, "type").trim_end_matches('_'),
                        f.name.trim_end_matches('_')
                    );
                    let fn_ident = format_ident!("default_{}", fn_name);
                    let fn_str = fn_ident.to_string();
                    serde_args.push(quote!(default = #fn_str));
                    let body = default_expr(api, &f.ty, value);
                    default_fns.push(quote! {
                        fn #fn_ident() -> #inner {
                            #body
                        }
                    });
                }
            }
        }
        let serde_attr = if serde_args.is_empty() {
            TokenStream::new()
        } else {
            quote!(#[serde(#(#serde_args),*)])
        };
        let fdoc = docs::attrs(&docs::render(&f.docs, &[]));
        quote! {
            #fdoc
            #serde_attr
            pub #field: #field_ty,
        }
    });
    let derive_default = if s.derive_default {
        quote!(Default,)
    } else {
        TokenStream::new()
    };
    quote! {
        #doc
        #[derive(Debug, Clone, #derive_default PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        pub struct #name {
            #(#fields)*
        }
        #(#default_fns)*
    }
}

/// A Rust expression for a spec default: only literals lowering decided can be written.
fn default_expr(api: &Api, r: &TypeRef, value: &serde_json::Value) -> TokenStream {
    match (r, value) {
        (TypeRef::Boolean, serde_json::Value::Bool(b)) => quote!(#b),
        (TypeRef::String, serde_json::Value::String(s)) => quote!(::std::string::String::from(#s)),
        (TypeRef::Integer, v) => {
            let n = v.as_i64().unwrap_or_default();
            quote!(#n)
        }
        (TypeRef::Number, v) => {
            let n = v.as_f64().unwrap_or_default();
            quote!(#n)
        }
        (TypeRef::Named(id), serde_json::Value::String(s)) => {
            let t = api.type_def(*id);
            let name = ident(&t.name);
            match &t.kind {
                TypeKind::StringEnum(e) => match e.variants.iter().find(|v| &v.value == s) {
                    Some(v) => {
                        let variant = ident(&v.name);
                        quote!(super::#name::#variant)
                    }
                    None => quote!(::std::default::Default::default()),
                },
                _ => quote!(::std::default::Default::default()),
            }
        }
        _ => quote!(::std::default::Default::default()),
    }
}

fn string_enum(t: &TypeDef, name: &Ident, e: &StringEnum) -> TokenStream {
    let doc = docs::attrs(&docs::render(&t.docs, &[]));
    let other = ident(&e.other);
    let variants = e.variants.iter().map(|v| {
        let vname = ident(&v.name);
        let vdoc = docs::attrs(&format!("`{}`", v.value.replace('`', "'")));
        let default = if e.variants.len() == 1 {
            quote!(#[default])
        } else {
            TokenStream::new()
        };
        quote!(#vdoc #default #vname,)
    });
    let table = e.variants.iter().map(|v| {
        let vname = ident(&v.name);
        let value = &v.value;
        quote!(#vname => #value,)
    });
    // A one-value enum (a constant such as an object's `type`) defaults to its value, so
    // structs holding it can be built with `..Default::default()`.
    let single = e.variants.len() == 1;
    let derive_default = if single {
        quote!(, Default)
    } else {
        TokenStream::new()
    };
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash #derive_default)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A value the spec this crate was generated from does not list.
            #other(::std::string::String),
        }

        crate::string_enum_impls!(#name, #other {
            #(#table)*
        });
    }
}

fn boxed_ty(api: &Api, r: &TypeRef, boxed: bool) -> TokenStream {
    let inner = ty(api, r, Scope::Types);
    if boxed {
        quote!(::std::boxed::Box<#inner>)
    } else {
        inner
    }
}

fn tagged(api: &Api, t: &TypeDef, name: &Ident, e: &Tagged) -> TokenStream {
    let tag = &e.tag;
    let extra = format!("Told apart by the value of `{tag}`; an object with a value this crate does not know decodes as `{}`.", e.unknown);
    let doc = docs::attrs(&docs::render(&t.docs, &[extra]));
    let unknown = ident(&e.unknown);
    let unknown_doc = docs::attrs(&format!(
        "An object whose `{tag}` the spec this crate was generated from does not list."
    ));
    let variants = e.variants.iter().map(|v| {
        let vname = ident(&v.name);
        let vty = boxed_ty(api, &v.ty, v.boxed);
        let values = v
            .values
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let vdoc = docs::attrs(&format!("`{tag}`: {values}"));
        quote!(#vdoc #vname(#vty),)
    });
    let table = e.variants.iter().map(|v| {
        let vname = ident(&v.name);
        let values = &v.values;
        quote!(#vname => #(#values)|*,)
    });
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            #unknown_doc
            #unknown(::serde_json::Value),
        }

        crate::tagged_union_impls!(#name, #tag, #unknown {
            #(#table)*
        });
    }
}

fn untagged(api: &Api, t: &TypeDef, name: &Ident, u: &Untagged) -> TokenStream {
    let doc = docs::attrs(&docs::render(&t.docs, &[]));
    let type_name = &t.name;
    let variants = u.variants.iter().map(|v| {
        let vname = ident(&v.name);
        match &v.kind {
            UntaggedKind::Const(value) => {
                let vdoc = docs::attrs(&format!("`{}`", value.replace('`', "'")));
                quote!(#vdoc #vname,)
            }
            UntaggedKind::OtherString => quote! {
                /// A string the spec this crate was generated from does not list.
                #vname(::std::string::String),
            },
            UntaggedKind::Value { ty: r, boxed } => {
                let vty = boxed_ty(api, r, *boxed);
                quote!(#vname(#vty),)
            }
        }
    });
    let ser = u.variants.iter().map(|v| {
        let vname = ident(&v.name);
        match &v.kind {
            UntaggedKind::Const(value) => quote!(Self::#vname => serializer.serialize_str(#value),),
            UntaggedKind::OtherString => {
                quote!(Self::#vname(value) => serializer.serialize_str(value),)
            }
            UntaggedKind::Value { .. } => {
                quote!(Self::#vname(value) => ::serde::Serialize::serialize(value, serializer),)
            }
        }
    });
    let consts: Vec<(&str, Ident)> = u
        .variants
        .iter()
        .filter_map(|v| match &v.kind {
            UntaggedKind::Const(value) => Some((value.as_str(), ident(&v.name))),
            _ => None,
        })
        .collect();
    let const_match = match consts.as_slice() {
        [] => TokenStream::new(),
        [(value, vname)] => quote! {
            if content.as_str() == ::std::option::Option::Some(#value) {
                return ::std::result::Result::Ok(Self::#vname);
            }
        },
        many => {
            let arms = many.iter().map(|(value, vname)| {
                quote!(::std::option::Option::Some(#value) => return ::std::result::Result::Ok(Self::#vname),)
            });
            quote! {
                match content.as_str() {
                    #(#arms)*
                    _ => {}
                }
            }
        }
    };
    let tries = u.variants.iter().filter_map(|v| {
        let vname = ident(&v.name);
        let label = &v.name;
        match &v.kind {
            UntaggedKind::Value { boxed, .. } => {
                let wrap = if *boxed {
                    quote!(Self::#vname(::std::boxed::Box::new(v)))
                } else {
                    quote!(Self::#vname(v))
                };
                Some(quote! {
                    match crate::codec::from_content(&content) {
                        ::std::result::Result::Ok(v) => return ::std::result::Result::Ok(#wrap),
                        ::std::result::Result::Err(e) => errors.push((#label, e)),
                    }
                })
            }
            _ => None,
        }
    });
    let other = u.variants.iter().find_map(|v| match v.kind {
        UntaggedKind::OtherString => {
            let vname = ident(&v.name);
            Some(quote! {
                if let ::std::option::Option::Some(s) = content.into_string() {
                    return ::std::result::Result::Ok(Self::#vname(s));
                }
            })
        }
        _ => None,
    });
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name {
            #(#variants)*
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    #(#ser)*
                }
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let content = <crate::codec::Content<'de> as ::serde::Deserialize>::deserialize(deserializer)?;
                #const_match
                #[allow(unused_mut)]
                let mut errors: ::std::vec::Vec<(&str, ::serde_json::Error)> = ::std::vec::Vec::new();
                #(#tries)*
                #other
                ::std::result::Result::Err(crate::codec::no_variant(#type_name, &errors))
            }
        }
    }
}

fn form(api: &Api, t: &TypeDef, name: &Ident, f: &Form) -> TokenStream {
    use super::wire::{wire_expr, wire_of, Wire};
    let doc = docs::attrs(&docs::render(&t.docs, &[]));
    let fields = f.fields.iter().map(|field| {
        let fname = ident(&field.name);
        let inner = if field.file {
            quote!(crate::upload::FilePart)
        } else {
            ty(api, &field.ty, Scope::Types)
        };
        let fty = if field.optional {
            quote!(::std::option::Option<#inner>)
        } else {
            inner
        };
        let fdoc = docs::attrs(&docs::render(&field.docs, &[]));
        quote!(#fdoc pub #fname: #fty,)
    });
    let parts = f.fields.iter().map(|field| {
        let fname = ident(&field.name);
        let wire = &field.wire_name;
        let add = |value: TokenStream| -> TokenStream {
            if field.file {
                return quote!(form = form.file(#wire, #value););
            }
            // Form values are owned: strings move in as they are.
            let text = |w: &Wire, v: TokenStream| match w {
                Wire::Str => v,
                Wire::Display => quote!(#v.to_string()),
                Wire::Json | Wire::List(_) => {
                    quote!(::serde_json::to_string(&#v).unwrap_or_default())
                }
                w => wire_expr(w, v),
            };
            match wire_of(api, &field.ty) {
                Wire::List(item) => {
                    let text = text(&item, quote!(item));
                    quote! {
                        for item in #value {
                            form = form.text(#wire, #text);
                        }
                    }
                }
                w => {
                    let text = text(&w, value);
                    quote!(form = form.text(#wire, #text);)
                }
            }
        };
        if field.optional {
            let add = add(quote!(value));
            quote! {
                if let ::std::option::Option::Some(value) = self.#fname {
                    #add
                }
            }
        } else {
            add(quote!(self.#fname))
        }
    });
    quote! {
        #doc
        #[derive(Debug)]
        pub struct #name {
            #(#fields)*
        }

        impl #name {
            /// The form as it is sent: one part per field that is set.
            pub fn into_form(self) -> crate::upload::Form {
                let mut form = crate::upload::Form::new();
                #(#parts)*
                form
            }
        }
    }
}
