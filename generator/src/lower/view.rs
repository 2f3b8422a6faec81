//! One view over a schema, whichever form openapiv3 parsed it into.
//!
//! openapiv3 reads a plain `type: string` into `SchemaKind::Type` but the same schema with an
//! extra keyword (say `properties` beside `oneOf`) into `SchemaKind::Any`; lowering should not
//! care which.

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, Discriminator, ReferenceOr, Schema, SchemaData, SchemaKind, Type,
};
use serde_json::Value;

type Props = IndexMap<String, ReferenceOr<Box<Schema>>>;

pub struct View<'s> {
    pub data: &'s SchemaData,
    pub ty: Option<&'s str>,
    pub format: Option<String>,
    pub enum_values: Vec<Value>,
    pub properties: Option<&'s Props>,
    pub required: &'s [String],
    pub additional: Option<&'s AdditionalProperties>,
    pub items: Option<&'s ReferenceOr<Box<Schema>>>,
    pub one_of: &'s [ReferenceOr<Schema>],
    pub any_of: &'s [ReferenceOr<Schema>],
    pub all_of: &'s [ReferenceOr<Schema>],
    pub not: Option<&'s ReferenceOr<Schema>>,
}

fn opt_values<T: Clone + Into<Value>>(values: &[Option<T>]) -> Vec<Value> {
    values
        .iter()
        .map(|v| v.clone().map_or(Value::Null, Into::into))
        .collect()
}

fn format_of<T: std::fmt::Debug>(f: &openapiv3::VariantOrUnknownOrEmpty<T>) -> Option<String> {
    match f {
        openapiv3::VariantOrUnknownOrEmpty::Item(i) => Some(format!("{i:?}").to_lowercase()),
        openapiv3::VariantOrUnknownOrEmpty::Unknown(s) => Some(s.clone()),
        openapiv3::VariantOrUnknownOrEmpty::Empty => None,
    }
}

impl<'s> View<'s> {
    pub fn of(schema: &'s Schema) -> Self {
        let mut v = View {
            data: &schema.schema_data,
            ty: None,
            format: None,
            enum_values: Vec::new(),
            properties: None,
            required: &[],
            additional: None,
            items: None,
            one_of: &[],
            any_of: &[],
            all_of: &[],
            not: None,
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                v.ty = Some("string");
                v.format = format_of(&s.format);
                v.enum_values = opt_values(&s.enumeration);
            }
            SchemaKind::Type(Type::Number(n)) => {
                v.ty = Some("number");
                v.format = format_of(&n.format);
                v.enum_values = opt_values(&n.enumeration);
            }
            SchemaKind::Type(Type::Integer(i)) => {
                v.ty = Some("integer");
                v.format = format_of(&i.format);
                v.enum_values = opt_values(&i.enumeration);
            }
            SchemaKind::Type(Type::Boolean(b)) => {
                v.ty = Some("boolean");
                v.enum_values = opt_values(&b.enumeration);
            }
            SchemaKind::Type(Type::Object(o)) => {
                v.ty = Some("object");
                v.properties = Some(&o.properties);
                v.required = &o.required;
                v.additional = o.additional_properties.as_ref();
            }
            SchemaKind::Type(Type::Array(a)) => {
                v.ty = Some("array");
                v.items = a.items.as_ref();
            }
            SchemaKind::OneOf { one_of } => v.one_of = one_of,
            SchemaKind::AnyOf { any_of } => v.any_of = any_of,
            SchemaKind::AllOf { all_of } => v.all_of = all_of,
            SchemaKind::Not { not } => v.not = Some(not),
            SchemaKind::Any(a) => {
                v.ty = a.typ.as_deref();
                v.format = a.format.clone();
                v.enum_values = a.enumeration.clone();
                if !a.properties.is_empty() {
                    v.properties = Some(&a.properties);
                }
                v.required = &a.required;
                v.additional = a.additional_properties.as_ref();
                v.items = a.items.as_ref();
                v.one_of = &a.one_of;
                v.any_of = &a.any_of;
                v.all_of = &a.all_of;
                v.not = a.not.as_deref();
            }
        }
        v
    }

    pub fn discriminator(&self) -> Option<&'s Discriminator> {
        self.data.discriminator.as_ref()
    }

    pub fn has_properties(&self) -> bool {
        self.properties.is_some_and(|p| !p.is_empty())
    }

    /// The string values of a string enum (`None` when any value is not a string).
    pub fn string_enum(&self) -> Option<Vec<String>> {
        if self.enum_values.is_empty() || !matches!(self.ty, None | Some("string")) {
            return None;
        }
        self.enum_values
            .iter()
            .filter(|v| !v.is_null())
            .map(|v| v.as_str().map(str::to_string))
            .collect()
    }

    /// A string with no enum: any string.
    pub fn is_free_string(&self) -> bool {
        self.ty == Some("string") && self.enum_values.is_empty() && self.is_plain()
    }

    /// The schema is a tuple: [`crate::dialect`] kept its `prefixItems` as `x-prefixItems`.
    pub fn is_tuple(&self) -> bool {
        self.data.extensions.contains_key("x-prefixItems")
    }

    /// The items of a tuple, if the schema is one.
    pub fn prefix_items(&self) -> Option<Result<Vec<ReferenceOr<Schema>>, serde_json::Error>> {
        use serde::Deserialize;
        let items = self.data.extensions.get("x-prefixItems")?;
        Some(Vec::<ReferenceOr<Schema>>::deserialize(items))
    }

    /// No composition keywords.
    pub fn is_plain(&self) -> bool {
        self.one_of.is_empty() && self.any_of.is_empty() && self.all_of.is_empty()
    }
}
