//! [`Nullable`]: a field that can be left out, sent as `null`, or set.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An optional field the spec also allows to be `null`: three states, where `Option` has two.
///
/// `Absent` (the default) leaves the field out of the JSON, so the server keeps what it has;
/// `Null` sends `null`, which clears it; `Value` sends the value. Setting a value reads like
/// setting any field: `temperature: 0.2.into()`.
///
/// ```
/// use portkey_client::Nullable;
///
/// let set: Nullable<f64> = 0.2.into();
/// assert_eq!(set.value(), Some(&0.2));
/// assert!(Nullable::<f64>::default().is_absent());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Nullable<T> {
    /// Not sent; absent from a response.
    #[default]
    Absent,
    /// Sent, and received, as `null`.
    Null,
    /// A value.
    Value(T),
}

impl<T> Nullable<T> {
    /// Whether the field is left out (the test serde uses to skip it).
    pub fn is_absent(&self) -> bool {
        matches!(self, Nullable::Absent)
    }

    /// Whether the field is an explicit `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Nullable::Null)
    }

    /// The value, if there is one.
    pub fn value(&self) -> Option<&T> {
        match self {
            Nullable::Value(v) => Some(v),
            _ => None,
        }
    }

    /// The value, if there is one: absent and `null` both become `None`.
    pub fn into_option(self) -> Option<T> {
        match self {
            Nullable::Value(v) => Some(v),
            _ => None,
        }
    }

    /// `Nullable<&T>`, to look without taking.
    pub fn as_ref(&self) -> Nullable<&T> {
        match self {
            Nullable::Absent => Nullable::Absent,
            Nullable::Null => Nullable::Null,
            Nullable::Value(v) => Nullable::Value(v),
        }
    }
}

impl<T> From<T> for Nullable<T> {
    fn from(value: T) -> Self {
        Nullable::Value(value)
    }
}

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            // A field that is `Absent` is skipped by the generated `skip_serializing_if`; one
            // serialised on its own (in a list, say) has no better spelling than `null`.
            Nullable::Absent | Nullable::Null => serializer.serialize_none(),
            Nullable::Value(v) => serializer.serialize_some(v),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    /// `null` is `Null`; a missing field is `Absent` through the field's `#[serde(default)]`.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(v) => Nullable::Value(v),
            None => Nullable::Null,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Nullable;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Patch {
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        name: Nullable<String>,
    }

    #[test]
    fn three_states_on_the_wire() {
        let json = |name| serde_json::to_string(&Patch { name }).unwrap();
        assert_eq!(json(Nullable::Absent), "{}");
        assert_eq!(json(Nullable::Null), r#"{"name":null}"#);
        assert_eq!(json("x".to_string().into()), r#"{"name":"x"}"#);

        let decode = |s| serde_json::from_str::<Patch>(s).unwrap().name;
        assert_eq!(decode("{}"), Nullable::Absent);
        assert_eq!(decode(r#"{"name":null}"#), Nullable::Null);
        assert_eq!(decode(r#"{"name":"x"}"#), Nullable::Value("x".to_string()));
    }
}
