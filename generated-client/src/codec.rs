//! Serde helpers shared by the generated types: the parts of their encoding that do not
//! depend on the spec.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{CowStrDeserializer, MapAccessDeserializer};
use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor,
};
use serde_json::Value;

/// Implements everything of a generated string enum but its definition, from its table of
/// variants and wire values and the name of its catch-all variant: `as_str`, an infallible
/// `FromStr` (a value the table does not list becomes the catch-all), `Display`,
/// `From<&str>`, `Serialize` and `Deserialize`. The generated code is the enum and one call:
///
/// ```text
/// crate::string_enum_impls!(RunObjectStatus, Other {
///     Queued => "queued",
///     InProgress => "in_progress",
/// });
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! string_enum_impls {
    ($name:ident, $other:ident { $($variant:ident => $value:literal,)* }) => {
        impl $name {
            /// The value as it is sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $value,)*
                    Self::$other(value) => value.as_str(),
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;

            // `Infallible` by name: a variant called `Err` would make `Self::Err` ambiguous.
            fn from_str(value: &str) -> ::std::result::Result<Self, ::std::convert::Infallible> {
                ::std::result::Result::Ok(match value {
                    $($value => Self::$variant,)*
                    other => Self::$other(::std::string::String::from(other)),
                })
            }
        }

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
                $crate::codec::string_enum(deserializer)
            }
        }
    };
}

/// Implements `Serialize`, `Deserialize` and [`TaggedUnion`] for a generated tagged union
/// from its tag, the name of its catch-all variant and its table of variants and the tag
/// values each is decoded from. The generated code is the enum and one call:
///
/// ```text
/// crate::tagged_union_impls!(RunObjectToolsItem, "type", Unknown {
///     Code => "code_interpreter",
///     Function => "function" | "function_call",
/// });
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! tagged_union_impls {
    ($name:ident, $tag:literal, $unknown:ident { $($variant:ident => $($value:literal)|+,)* }) => {
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    $(Self::$variant(value) => ::serde::Serialize::serialize(value, serializer),)*
                    Self::$unknown(value) => ::serde::Serialize::serialize(value, serializer),
                }
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::codec::tagged(deserializer)
            }
        }

        impl $crate::codec::TaggedUnion for $name {
            const TAG: &'static str = $tag;

            fn variant(tag: &str) -> ::std::option::Option<usize> {
                // The variants' tag values, in declaration order: a variant's number is its
                // place here.
                const TAGS: &[&[&str]] = &[$(&[$($value),+]),*];
                TAGS.iter().position(|values| values.contains(&tag))
            }

            #[allow(unused_assignments, unused_mut, unused_variables)]
            fn decode<'de, D: ::serde::Deserializer<'de>>(
                variant: usize,
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let mut number = 0;
                $(
                    if variant == number {
                        // A boxed variant decodes through `Box<T>: Deserialize`.
                        return ::serde::Deserialize::deserialize(deserializer).map(Self::$variant);
                    }
                    number += 1;
                )*
                <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)
                    .map(Self::$unknown)
            }

            fn unknown(value: ::serde_json::Value) -> Self {
                Self::$unknown(value)
            }
        }
    };
}

/// Implements `Serialize` and `Deserialize` for a generated constant: a unit struct whose one
/// value is the JSON text `$json` (`2`, `true`, `{"a":1}`), sent as that value and decoded
/// from it alone.
#[doc(hidden)]
#[macro_export]
macro_rules! const_impls {
    ($name:ident, $json:literal) => {
        impl $name {
            /// The value, as JSON text.
            pub const JSON: &'static str = $json;
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                $crate::codec::serialize_const($json, serializer)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::codec::deserialize_const($json, deserializer).map(|()| $name)
            }
        }
    };
}

/// Encodes the constant whose JSON text is `json`.
#[doc(hidden)]
pub fn serialize_const<S: serde::Serializer>(json: &str, serializer: S) -> Result<S::Ok, S::Error> {
    let value: Value = serde_json::from_str(json).map_err(serde::ser::Error::custom)?;
    serde::Serialize::serialize(&value, serializer)
}

/// Decodes a value and checks that it is the constant whose JSON text is `json` (numbers
/// compare by value: `1.0` is `1`).
#[doc(hidden)]
pub fn deserialize_const<'de, D: Deserializer<'de>>(
    json: &str,
    deserializer: D,
) -> Result<(), D::Error> {
    let expected: Value = serde_json::from_str(json).map_err(de::Error::custom)?;
    let found = Value::deserialize(deserializer)?;
    if same_json(&expected, &found) {
        Ok(())
    } else {
        Err(de::Error::custom(format_args!(
            "expected the constant {json}, found {found}"
        )))
    }
}

/// JSON equality with numbers compared by value.
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_json(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// Decodes a string enum from the string as the deserializer has it, borrowed or not: only a
/// value the enum does not list allocates (its `Other` variant). Serde's `Cow<str>` would
/// always allocate.
#[doc(hidden)]
pub fn string_enum<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: for<'a> From<&'a str>,
    D: Deserializer<'de>,
{
    struct Str<T>(PhantomData<T>);

    impl<T: for<'a> From<&'a str>> Visitor<'_> for Str<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string")
        }

        fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<T, E> {
            Ok(T::from(value))
        }
    }

    deserializer.deserialize_str(Str(PhantomData))
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

/// A value read once and kept for a second look: how unions are decoded without building a
/// `serde_json::Value` (a `BTreeMap` and an owned `String` per object) first.
///
/// Strings borrow from the input where the deserializer lends them (`serde_json::from_str`,
/// `from_slice`) and are owned otherwise (`from_reader`, `from_value`); objects are a list of
/// pairs in input order. It is turned into a `serde_json::Value` only where a `Value` is what
/// is kept: the `Unknown` variant of a tagged union.
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq)]
pub enum Content<'de> {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(Cow<'de, str>),
    Seq(Vec<Content<'de>>),
    Map(Vec<(Cow<'de, str>, Content<'de>)>),
}

impl<'de> Content<'de> {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Content::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The string, owned, if this is one.
    pub fn into_string(self) -> Option<String> {
        match self {
            Content::Str(s) => Some(s.into_owned()),
            _ => None,
        }
    }

    /// The same value as a `serde_json::Value` (for an object, the last of equal keys wins,
    /// as when the input is read into a `Value` directly).
    pub fn into_value(self) -> Value {
        match self {
            Content::Null => Value::Null,
            Content::Bool(b) => Value::Bool(b),
            Content::U64(n) => Value::Number(n.into()),
            Content::I64(n) => Value::Number(n.into()),
            Content::F64(n) => serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number),
            Content::Str(s) => Value::String(s.into_owned()),
            Content::Seq(items) => {
                Value::Array(items.into_iter().map(Content::into_value).collect())
            }
            Content::Map(pairs) => Value::Object(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.into_owned(), v.into_value()))
                    .collect(),
            ),
        }
    }
}

impl<'de> Deserialize<'de> for Content<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ContentVisitor)
    }
}

/// A map key or string, borrowed from the input where it can be.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Reads any value into [`Content`]: what `serde_json::Value` accepts, it accepts.
struct ContentVisitor;

impl<'de> Visitor<'de> for ContentVisitor {
    type Value = Content<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Content<'de>, E> {
        Ok(Content::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Content<'de>, E> {
        Ok(Content::I64(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Content<'de>, E> {
        Ok(Content::U64(v))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Content<'de>, E> {
        if let Ok(n) = u64::try_from(v) {
            Ok(Content::U64(n))
        } else if let Ok(n) = i64::try_from(v) {
            Ok(Content::I64(n))
        } else {
            Err(E::custom("number out of range"))
        }
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Content<'de>, E> {
        u64::try_from(v)
            .map(Content::U64)
            .map_err(|_| E::custom("number out of range"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Content<'de>, E> {
        Ok(Content::F64(v))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Content<'de>, E> {
        Ok(Content::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Content<'de>, E> {
        Ok(Content::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Content<'de>, E> {
        Ok(Content::Str(Cow::Owned(v)))
    }
    fn visit_none<E: de::Error>(self) -> Result<Content<'de>, E> {
        Ok(Content::Null)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Content<'de>, E> {
        Ok(Content::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Content<'de>, D::Error> {
        Content::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Content<'de>, D::Error> {
        Content::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Content<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Content::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Content<'de>, A::Error> {
        let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
        while let Some(Key(key)) = map.next_key()? {
            pairs.push((key, map.next_value()?));
        }
        Ok(Content::Map(pairs))
    }
}

/// Decodes from a [`Content`] by reference, so that an untagged union can try one variant
/// after another; strings the content borrowed from the input are lent on.
struct ContentRef<'a, 'de, E> {
    content: &'a Content<'de>,
    error: PhantomData<E>,
}

fn content_ref<'a, 'de, E>(content: &'a Content<'de>) -> ContentRef<'a, 'de, E> {
    ContentRef {
        content,
        error: PhantomData,
    }
}

fn visit_str_ref<'de, V: Visitor<'de>, E: de::Error>(
    s: &Cow<'de, str>,
    visitor: V,
) -> Result<V::Value, E> {
    match s {
        Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
        Cow::Owned(s) => visitor.visit_str(s),
    }
}

impl<'de, E: de::Error> Deserializer<'de> for ContentRef<'_, 'de, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.content {
            Content::Null => visitor.visit_unit(),
            Content::Bool(b) => visitor.visit_bool(*b),
            Content::U64(n) => visitor.visit_u64(*n),
            Content::I64(n) => visitor.visit_i64(*n),
            Content::F64(n) => visitor.visit_f64(*n),
            Content::Str(s) => visit_str_ref(s, visitor),
            Content::Seq(items) => {
                let mut seq = SeqRef {
                    items: items.iter(),
                    error: PhantomData,
                };
                let value = visitor.visit_seq(&mut seq)?;
                match seq.items.len() {
                    0 => Ok(value),
                    _ => Err(E::invalid_length(items.len(), &"fewer elements in array")),
                }
            }
            Content::Map(pairs) => {
                let mut map = MapRef {
                    pairs: pairs.iter(),
                    value: None,
                    error: PhantomData,
                };
                let value = visitor.visit_map(&mut map)?;
                match map.pairs.len() {
                    0 => Ok(value),
                    _ => Err(E::invalid_length(pairs.len(), &"fewer elements in map")),
                }
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.content {
            Content::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        match self.content {
            // A unit variant is its name; any other variant an object with one key.
            Content::Str(s) => visitor.visit_enum(CowStrDeserializer::<E>::new(s.clone())),
            Content::Map(pairs) if pairs.len() == 1 => MapAccessDeserializer::new(MapRef {
                pairs: pairs.iter(),
                value: None,
                error: PhantomData,
            })
            .deserialize_enum(name, variants, visitor),
            other => Err(E::invalid_type(
                unexpected(other),
                &"a string or an object with one key",
            )),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

fn unexpected<'a>(content: &'a Content<'_>) -> Unexpected<'a> {
    match content {
        Content::Null => Unexpected::Unit,
        Content::Bool(b) => Unexpected::Bool(*b),
        Content::U64(n) => Unexpected::Unsigned(*n),
        Content::I64(n) => Unexpected::Signed(*n),
        Content::F64(n) => Unexpected::Float(*n),
        Content::Str(s) => Unexpected::Str(s),
        Content::Seq(_) => Unexpected::Seq,
        Content::Map(_) => Unexpected::Map,
    }
}

struct SeqRef<'a, 'de, E> {
    items: std::slice::Iter<'a, Content<'de>>,
    error: PhantomData<E>,
}

impl<'de, E: de::Error> SeqAccess<'de> for SeqRef<'_, 'de, E> {
    type Error = E;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, E> {
        match self.items.next() {
            Some(item) => seed.deserialize(content_ref(item)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapRef<'a, 'de, E> {
    pairs: std::slice::Iter<'a, (Cow<'de, str>, Content<'de>)>,
    value: Option<&'a Content<'de>>,
    error: PhantomData<E>,
}

impl<'de, E: de::Error> MapAccess<'de> for MapRef<'_, 'de, E> {
    type Error = E;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, E> {
        match self.pairs.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(StrRef::<E>(key, PhantomData)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, E> {
        match self.value.take() {
            Some(value) => seed.deserialize(content_ref(value)),
            None => Err(E::custom("a map value was asked for before its key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.pairs.len())
    }
}

/// A map key, lent on borrowed where the input lent it.
struct StrRef<'a, 'de, E>(&'a Cow<'de, str>, PhantomData<E>);

impl<'de, E: de::Error> Deserializer<'de> for StrRef<'_, 'de, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visit_str_ref(self.0, visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// Decodes one alternative of an untagged union from content read once; the error is a
/// `serde_json::Error`, to be listed by [`no_variant`] if no alternative fits.
#[doc(hidden)]
pub fn from_content<'de, T: Deserialize<'de>>(
    content: &Content<'de>,
) -> Result<T, serde_json::Error> {
    T::deserialize(content_ref(content))
}

/// A union told apart by the string value of one property (`oneOf` with a discriminator).
/// Implemented by the generated types; decoded by [`tagged`].
#[doc(hidden)]
pub trait TaggedUnion: Sized {
    /// The property that tells the variants apart.
    const TAG: &'static str;

    /// Which variant a value of the tag names, if it is one this crate knows.
    fn variant(tag: &str) -> Option<usize>;

    /// Decodes variant number `variant` (as [`TaggedUnion::variant`] gave it) from the whole
    /// object, tag included.
    fn decode<'de, D: Deserializer<'de>>(variant: usize, deserializer: D)
        -> Result<Self, D::Error>;

    /// A value whose tag is missing or unknown, or that is not an object.
    fn unknown(value: Value) -> Self;
}

/// Decodes a tagged union in one pass: the object's members are read until the tag is found
/// (those before it are kept as [`Content`]); the variant it names is then decoded from the
/// kept members, the tag and the rest of the object, straight from the input. Only a value
/// with a missing or unknown tag, kept whole, becomes a `serde_json::Value`.
#[doc(hidden)]
pub fn tagged<'de, T: TaggedUnion, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_any(TaggedVisitor(PhantomData))
}

struct TaggedVisitor<T>(PhantomData<T>);

macro_rules! unknown_scalar {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(
            fn $method<E: de::Error>(self, v: $ty) -> Result<T, E> {
                ContentVisitor.$method(v).map(|c| T::unknown(c.into_value()))
            }
        )*
    };
}

impl<'de, T: TaggedUnion> Visitor<'de> for TaggedVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object with a `{}`", T::TAG)
    }

    unknown_scalar! {
        visit_bool(bool), visit_i64(i64), visit_u64(u64), visit_i128(i128), visit_u128(u128),
        visit_f64(f64), visit_str(&str), visit_borrowed_str(&'de str), visit_string(String),
    }

    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        Ok(T::unknown(Value::Null))
    }
    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(T::unknown(Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        ContentVisitor
            .visit_seq(seq)
            .map(|c| T::unknown(c.into_value()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut before = Vec::new();
        while let Some(Key(key)) = map.next_key()? {
            let value: Content<'de> = map.next_value()?;
            if key != T::TAG {
                before.push((key, value));
                continue;
            }
            if let Some(variant) = value.as_str().and_then(T::variant) {
                let rest = Rest {
                    before: before.into_iter(),
                    tag: Some((T::TAG, value)),
                    value: None,
                    map,
                };
                return T::decode(variant, MapAccessDeserializer::new(rest));
            }
            // An unknown tag: the whole object is kept as it is.
            before.push((key, value));
            let mut object: serde_json::Map<String, Value> = before
                .into_iter()
                .map(|(k, v)| (k.into_owned(), v.into_value()))
                .collect();
            while let Some((k, v)) = map.next_entry::<String, Value>()? {
                object.insert(k, v);
            }
            return Ok(T::unknown(Value::Object(object)));
        }
        Ok(T::unknown(Content::Map(before).into_value()))
    }
}

/// The object a tagged union's variant is decoded from: the members read before the tag,
/// then the tag, then the rest of the input's object.
struct Rest<'de, A> {
    before: std::vec::IntoIter<(Cow<'de, str>, Content<'de>)>,
    tag: Option<(&'static str, Content<'de>)>,
    value: Option<Content<'de>>,
    map: A,
}

impl<'de, A: MapAccess<'de>> Rest<'de, A> {
    fn key<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
        key: &Cow<'de, str>,
        value: Content<'de>,
    ) -> Result<Option<K::Value>, A::Error> {
        self.value = Some(value);
        seed.deserialize(StrRef::<A::Error>(key, PhantomData))
            .map(Some)
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Rest<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        if let Some((key, value)) = self.before.next() {
            return self.key(seed, &key, value);
        }
        if let Some((name, tag)) = self.tag.take() {
            return self.key(seed, &Cow::Borrowed(name), tag);
        }
        self.map.next_key_seed(seed)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(content_ref(&value)),
            None => self.map.next_value_seed(seed),
        }
    }
}

#[cfg(test)]
mod tests {
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
    struct Two;
    crate::const_impls!(Two, "2");

    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
    struct Shape;
    crate::const_impls!(Shape, "{\"kind\":\"square\",\"sides\":4}");

    #[test]
    fn a_constant_encodes_as_its_value_and_decodes_from_it_alone() {
        assert_eq!(serde_json::to_string(&Two).unwrap(), "2");
        assert_eq!(serde_json::from_str::<Two>("2").unwrap(), Two);
        // Numbers compare by value.
        assert_eq!(serde_json::from_str::<Two>("2.0").unwrap(), Two);
        let wrong = serde_json::from_str::<Two>("3").unwrap_err().to_string();
        assert!(
            wrong.contains("expected the constant 2, found 3"),
            "{wrong}"
        );
        assert!(serde_json::from_str::<Two>("\"2\"").is_err());

        let shape = r#"{"sides":4,"kind":"square"}"#;
        assert_eq!(serde_json::from_str::<Shape>(shape).unwrap(), Shape);
        assert_eq!(
            serde_json::to_string(&Shape).unwrap(),
            r#"{"kind":"square","sides":4}"#
        );
        assert!(serde_json::from_str::<Shape>(r#"{"kind":"square"}"#).is_err());
        assert_eq!(Two::JSON, "2");
        assert!(Shape::JSON.starts_with("{\"kind\""));
    }

    #[test]
    fn a_constant_inside_a_union_decodes_through_content() {
        // Unions decode their alternatives from buffered content, not from the input.
        let content: super::Content = serde_json::from_str("2").unwrap();
        assert_eq!(super::from_content::<Two>(&content).unwrap(), Two);
        let content: super::Content = serde_json::from_str("true").unwrap();
        assert!(super::from_content::<Two>(&content).is_err());
    }
}
