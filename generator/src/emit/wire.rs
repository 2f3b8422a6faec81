//! How a value reaches the wire as text: query and header parameters, multipart text parts.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::*;

/// How a parameter value reaches the wire.
pub enum Wire {
    /// `&str` already.
    Str,
    /// `to_string()` (numbers, booleans).
    Display,
    /// A generated string enum: `as_str()`.
    Enum,
    /// One value per element.
    List(Box<Wire>),
    /// Anything else: JSON text.
    Json,
}

pub fn wire_of(api: &Api, r: &TypeRef) -> Wire {
    match r {
        TypeRef::String => Wire::Str,
        TypeRef::Integer | TypeRef::Number | TypeRef::Boolean => Wire::Display,
        TypeRef::Array(inner) => match wire_of(api, inner) {
            Wire::List(_) => Wire::Json,
            w => Wire::List(Box::new(w)),
        },
        TypeRef::Named(id) => match &api.type_def(*id).kind {
            TypeKind::StringEnum(_) => Wire::Enum,
            TypeKind::Alias(inner) => wire_of(api, inner),
            _ => Wire::Json,
        },
        _ => Wire::Json,
    }
}

/// An expression of type `&str` (or `String` deref'd) for one value.
pub fn wire_expr(w: &Wire, value: TokenStream) -> TokenStream {
    match w {
        Wire::Str => quote!(#value.as_ref()),
        Wire::Display => quote!(&#value.to_string()),
        Wire::Enum => quote!(#value.as_str()),
        // Lists are expanded by `send_param`; one that reaches here is sent as JSON text.
        Wire::Json | Wire::List(_) => quote!(&::serde_json::to_string(&#value).unwrap_or_default()),
    }
}
