//! Serde helpers shared by the generated types: the parts of their encoding that do not
//! depend on the spec.

use serde::de::DeserializeOwned;
use serde_json::Value;

/// Implements `Display`, `From<&str>`, `Serialize` and `Deserialize` for a generated string
/// enum in terms of its `as_str` and infallible `FromStr`.
#[doc(hidden)]
#[macro_export]
macro_rules! string_enum_impls {
    ($name:ident) => {
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match <Self as ::std::str::FromStr>::from_str(value) {
                    ::std::result::Result::Ok(v) => v,
                    ::std::result::Result::Err(never) => match never {},
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(
                    deserializer,
                )?;
                ::std::result::Result::Ok(Self::from(value.as_ref()))
            }
        }
    };
}

/// The string value of `value[tag]`, if there is one.
#[doc(hidden)]
pub fn tag<'v>(value: &'v Value, tag: &str) -> Option<&'v str> {
    value.get(tag).and_then(Value::as_str)
}

/// Decodes one variant from an already-parsed value, with the error type of the caller.
#[doc(hidden)]
pub fn from_value<T: DeserializeOwned, E: serde::de::Error>(value: &Value) -> Result<T, E> {
    T::deserialize(value).map_err(E::custom)
}

/// Decodes one variant from a parsed value it may take apart: strings, arrays and maps move
/// into the result instead of being copied.
#[doc(hidden)]
pub fn from_owned<T: DeserializeOwned, E: serde::de::Error>(value: Value) -> Result<T, E> {
    T::deserialize(value).map_err(E::custom)
}

/// The error for a value that matched none of an enum's alternatives: says why each failed.
#[doc(hidden)]
pub fn no_variant<E: serde::de::Error>(type_name: &str, errors: &[(&str, serde_json::Error)]) -> E {
    let reasons: Vec<String> = errors
        .iter()
        .map(|(name, e)| format!("{name}: {e}"))
        .collect();
    E::custom(format_args!(
        "the value matches no variant of {type_name} ({})",
        reasons.join("; ")
    ))
}
