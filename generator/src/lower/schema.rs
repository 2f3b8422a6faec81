//! Schemas → types: where `$ref`, `oneOf`, `anyOf`, `allOf`, enums and `nullable` are decided.

use openapiv3::{AdditionalProperties, ReferenceOr, Schema};
use serde_json::Value;

use super::view::View;
use super::Lowerer;
use crate::diagnostic::{escape_segment, named_schema, unescape_segment, Diagnostic};
use crate::ir::*;
use crate::naming::{self, Namer};

/// Where a schema stands: what an inline type there is called and where it lives.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Name an inline type defined here gets (before making it unique).
    pub name: String,
    /// Module inline types defined here go into.
    pub module: String,
    pub pointer: String,
    /// The id reserved for a named schema: its definition goes there.
    pub reserved: Option<TypeId>,
}

impl Ctx {
    /// The context of a sub-schema: `name` is appended to the type name, `segments` to the
    /// pointer.
    pub fn child(&self, name: &str, segments: &[&str]) -> Ctx {
        let mut pointer = self.pointer.clone();
        for s in segments {
            pointer.push('/');
            pointer.push_str(&escape_segment(s));
        }
        Ctx {
            name: format!("{}{}", self.name, naming::pascal(name)),
            module: self.module.clone(),
            pointer,
            reserved: None,
        }
    }
}

/// The outcome of lowering one schema.
#[derive(Debug, Clone)]
pub struct Lowered {
    pub ty: TypeRef,
    /// The schema (or the schema it references) admits `null`.
    pub nullable: bool,
}

const REF_PREFIX: &str = "#/components/schemas/";

impl<'a> Lowerer<'a> {
    /// Resolves a `$ref` to a named schema's id, reporting one that does not resolve.
    pub(crate) fn resolve_ref(&mut self, reference: &str, at: &str) -> Option<TypeId> {
        let id = self.ref_id(reference);
        if id.is_none() {
            self.diags.push(unresolved_ref(reference, at));
        }
        id
    }

    /// The id of the named schema (in `components/schemas`, or an extra one such as a
    /// `$defs` entry) a `$ref` names.
    fn ref_id(&self, reference: &str) -> Option<TypeId> {
        match named_schema(reference) {
            Some(name) => self.named.get(&unescape_segment(name)).copied(),
            None => self.extra_ids.get(reference).copied(),
        }
    }

    /// The schema a `$ref` or inline schema stands for.
    pub(crate) fn deref<'x>(&self, s: &'x ReferenceOr<Schema>) -> Option<&'x Schema>
    where
        'a: 'x,
    {
        let mut reference = match s {
            ReferenceOr::Item(schema) => return Some(schema),
            ReferenceOr::Reference { reference } => reference.as_str(),
        };
        // A schema that is itself a bare reference: follow once more, bounded.
        for _ in 0..2 {
            match self.ref_target(reference)? {
                ReferenceOr::Item(schema) => return Some(schema),
                ReferenceOr::Reference { reference: next } => reference = next,
            }
        }
        None
    }

    fn ref_target(&self, reference: &str) -> Option<&'a ReferenceOr<Schema>> {
        match named_schema(reference) {
            Some(name) => self
                .api
                .components
                .as_ref()?
                .schemas
                .get(&unescape_segment(name)),
            None => self
                .extra
                .iter()
                .find(|(at, _)| at == reference)
                .map(|(_, s)| s),
        }
    }
}

/// The name of the schema a `$ref` points at: its key in `components/schemas`, else the last
/// segment of its pointer (`#/components/schemas/Pet/$defs/Tag` is `Tag`).
pub(crate) fn ref_schema_name(reference: &str) -> Option<String> {
    match named_schema(reference) {
        Some(name) => Some(unescape_segment(name)),
        None => reference
            .strip_prefix("#/")
            .and_then(|p| p.rsplit('/').next())
            .map(unescape_segment),
    }
}

/// Why `reference` names no schema, and what to do about it.
fn unresolved_ref(reference: &str, at: &str) -> Diagnostic {
    let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    let (message, help) = if !file.is_empty() && (reference.contains('#') || file.contains('.')) {
        (
            format!("`$ref: {reference}` points into another file (`{file}`); references to other files are not followed, so this is typed as any JSON value"),
            "bundle the spec into one file first (`redocly bundle`, `swagger-cli bundle`), or copy the schema into components/schemas",
        )
    } else if !reference.starts_with('#') {
        (
            format!("`$ref: {reference}` is not a reference (a JSON pointer such as `#/components/schemas/Name`); typed as any JSON value"),
            "write the reference as `#/components/schemas/<name>`",
        )
    } else if fragment.contains("/$defs/") || fragment.contains("/definitions/") {
        (
            format!("`$ref: {reference}` names a `$defs` entry the document does not have; typed as any JSON value"),
            "fix the reference, or add the entry to the schema's `$defs`",
        )
    } else if !reference.starts_with(REF_PREFIX) {
        (
            format!("`$ref: {reference}` points at `{fragment}`, which is not a schema of the document; typed as any JSON value"),
            "schemas are referenced as `#/components/schemas/<name>`, or by the JSON pointer of a schema",
        )
    } else {
        (
            format!("`$ref: {reference}` does not name a schema in components/schemas; typed as any JSON value"),
            "fix the reference, or add the missing schema",
        )
    };
    Diagnostic::warning(at, message).with_help(help)
}

impl<'a> Lowerer<'a> {
    pub(crate) fn lower_ref_or(&mut self, s: &ReferenceOr<Schema>, ctx: &Ctx) -> Lowered {
        match s {
            ReferenceOr::Reference { reference } => self.lower_reference(reference, ctx),
            ReferenceOr::Item(schema) => self.lower_schema(schema, ctx),
        }
    }

    pub(crate) fn lower_boxed(&mut self, s: &ReferenceOr<Box<Schema>>, ctx: &Ctx) -> Lowered {
        match s {
            ReferenceOr::Reference { reference } => self.lower_reference(reference, ctx),
            ReferenceOr::Item(schema) => self.lower_schema(schema, ctx),
        }
    }

    fn lower_reference(&mut self, reference: &str, ctx: &Ctx) -> Lowered {
        let lowered = match self.resolve_ref(reference, &ctx.pointer) {
            Some(id) => Lowered {
                ty: TypeRef::Named(id),
                nullable: self.nullable_named.contains(&id),
            },
            None => Lowered {
                ty: TypeRef::Json,
                nullable: true,
            },
        };
        match ctx.reserved {
            // A named schema that is only a reference is an alias of the referenced type.
            Some(id) => {
                self.define(id, ctx, &Docs::default(), TypeKind::Alias(lowered.ty));
                Lowered {
                    ty: TypeRef::Named(id),
                    nullable: lowered.nullable,
                }
            }
            None => lowered,
        }
    }

    /// Lowers an inline or named schema.
    pub(crate) fn lower_schema(&mut self, schema: &Schema, ctx: &Ctx) -> Lowered {
        // A schema a `$ref` points at is a named type: where it is written, it is that type,
        // not a second one.
        if ctx.reserved.is_none() {
            if let Some(&id) = self.extra_ids.get(&ctx.pointer) {
                return Lowered {
                    ty: TypeRef::Named(id),
                    nullable: self.nullable_named.contains(&id),
                };
            }
        }
        let view = View::of(schema);
        let nullable = view.data.nullable;
        let docs = docs_of(view.data);

        // `allOf: [$ref]` with nothing else: the reference itself (how a nullable or described
        // `$ref` reads after normalisation).
        if view.all_of.len() == 1
            && !view.has_properties()
            && view.one_of.is_empty()
            && view.any_of.is_empty()
        {
            let inner = self.lower_ref_or(
                &view.all_of[0],
                &Ctx {
                    reserved: None,
                    ..ctx.clone()
                },
            );
            return self.finish(ctx, &docs, inner.ty, nullable || inner.nullable);
        }
        if !view.all_of.is_empty() {
            let kind = self.lower_all_of(&view, ctx);
            return self.define_here(ctx, &docs, kind, nullable);
        }
        if !view.one_of.is_empty() || !view.any_of.is_empty() {
            let (alternatives, keyword) = if view.one_of.is_empty() {
                (view.any_of, "anyOf")
            } else {
                (view.one_of, "oneOf")
            };
            if view.has_properties() {
                self.diags.push(Diagnostic::warning(
                    &ctx.pointer,
                    format!("`properties` beside `{keyword}` are not generated; the `{keyword}` alternatives decide the type"),
                ));
            }
            let kind = self.lower_union(&view, alternatives, keyword, ctx);
            return self.define_here(ctx, &docs, kind, nullable);
        }
        if view.not.is_some() {
            self.diags.push(
                Diagnostic::warning(
                    &ctx.pointer,
                    "`not` cannot be expressed as a Rust type; the value is typed as any JSON value",
                )
                .with_help("the server still enforces the constraint"),
            );
            return self.finish(ctx, &docs, TypeRef::Json, nullable);
        }
        // `null` and nothing else (`type: "null"`, `const: null`, `enum: [null]`).
        if !view.enum_values.is_empty() && view.enum_values.iter().all(Value::is_null) {
            return self.finish(ctx, &docs, TypeRef::Null, false);
        }
        if let Some(values) = view.string_enum() {
            let kind = self.lower_string_enum(&values, ctx);
            return self.define_here(ctx, &docs, kind, nullable);
        }
        let values: Vec<&Value> = view.enum_values.iter().filter(|v| !v.is_null()).collect();
        if let [value] = values.as_slice() {
            // One value that is not a string (`const: 2`): a constant of its own.
            let nullable = nullable || values.len() < view.enum_values.len();
            let kind = TypeKind::Const((*value).clone());
            return self.define_here(ctx, &docs, kind, nullable);
        }
        if !view.enum_values.is_empty() && view.enum_values.iter().any(|v| !v.is_null()) {
            self.diags.push(Diagnostic::warning(
                &ctx.pointer,
                format!(
                    "enum of {} values is generated as its base type; the allowed values are listed in the docs",
                    view.ty.unwrap_or("mixed")
                ),
            ));
        }
        let ty = match view.ty {
            Some("string") => TypeRef::String,
            Some("integer") => TypeRef::Integer,
            Some("number") => TypeRef::Number,
            Some("boolean") => TypeRef::Boolean,
            Some("array") if view.is_tuple() => self.lower_tuple(&view, ctx),
            Some("array") => {
                let item = match view.items {
                    Some(items) => {
                        let l = self.lower_boxed(items, &ctx.child("Item", &["items"]));
                        wrap_nullable(l)
                    }
                    None => TypeRef::Json,
                };
                TypeRef::Array(Box::new(item))
            }
            Some("object") | None if view.has_properties() => {
                let kind = self.lower_struct(&view, ctx);
                return self.define_here(ctx, &docs, kind, nullable);
            }
            Some("object") => self.lower_map(&view, ctx),
            None if view.additional.is_some() => self.lower_map(&view, ctx),
            None => TypeRef::Json,
            Some(other) => {
                self.diags.push(Diagnostic::warning(
                    format!("{}/type", ctx.pointer),
                    format!("unknown type `{other}`; typed as any JSON value"),
                ));
                TypeRef::Json
            }
        };
        self.finish(ctx, &docs, ty, nullable)
    }

    /// A schema that needs no definition of its own: an alias when it is a named schema.
    fn finish(&mut self, ctx: &Ctx, docs: &Docs, ty: TypeRef, nullable: bool) -> Lowered {
        match ctx.reserved {
            Some(id) => {
                self.define(id, ctx, docs, TypeKind::Alias(ty));
                Lowered {
                    ty: TypeRef::Named(id),
                    nullable,
                }
            }
            None => Lowered { ty, nullable },
        }
    }

    /// Defines a type at this context: in the reserved slot, or as a new inline type.
    fn define_here(&mut self, ctx: &Ctx, docs: &Docs, kind: TypeKind, nullable: bool) -> Lowered {
        let id = match ctx.reserved {
            Some(id) => id,
            None => {
                let name = self.type_names.unique(&naming::type_name(&ctx.name));
                self.types.push(None);
                self.names.push(name);
                self.types.len() - 1
            }
        };
        self.define(id, ctx, docs, kind);
        Lowered {
            ty: TypeRef::Named(id),
            nullable,
        }
    }

    fn define(&mut self, id: TypeId, ctx: &Ctx, docs: &Docs, kind: TypeKind) {
        self.types[id] = Some(TypeDef {
            name: self.names[id].clone(),
            module: ctx.module.clone(),
            pointer: ctx.pointer.clone(),
            docs: docs.clone(),
            kind,
        });
    }

    /// `prefixItems` (kept by [`crate::dialect`] as `x-prefixItems`): a tuple of the item
    /// types. Past the twelve items the standard library implements traits for, or when an
    /// item is not a schema, a list of JSON values.
    fn lower_tuple(&mut self, view: &View, ctx: &Ctx) -> TypeRef {
        let members = match view.prefix_items() {
            Some(Ok(members)) if members.len() <= 12 => members,
            Some(Ok(members)) => {
                self.diags.push(Diagnostic::warning(
                    format!("{}/prefixItems", ctx.pointer),
                    format!("a tuple of {} items (more than the 12 Rust implements traits for) is generated as a list of JSON values", members.len()),
                ));
                return TypeRef::Array(Box::new(TypeRef::Json));
            }
            _ => {
                self.diags.push(Diagnostic::warning(
                    format!("{}/prefixItems", ctx.pointer),
                    "`prefixItems` is not a list of schemas; generated as a list of JSON values",
                ));
                return TypeRef::Array(Box::new(TypeRef::Json));
            }
        };
        let items = members
            .iter()
            .enumerate()
            .map(|(i, member)| {
                let i = i.to_string();
                let l = self.lower_ref_or(
                    member,
                    &ctx.child(&format!("Item{i}"), &["prefixItems", &i]),
                );
                wrap_nullable(l)
            })
            .collect();
        TypeRef::Tuple(items)
    }

    fn lower_map(&mut self, view: &View, ctx: &Ctx) -> TypeRef {
        match view.additional {
            Some(AdditionalProperties::Schema(s)) => {
                let value = self.lower_ref_or(s, &ctx.child("Value", &["additionalProperties"]));
                TypeRef::Map(Box::new(wrap_nullable(value)))
            }
            _ => TypeRef::JsonMap,
        }
    }

    fn lower_struct(&mut self, view: &View, ctx: &Ctx) -> TypeKind {
        let mut fields = Vec::new();
        let mut names = Namer::new();
        self.add_fields(view, ctx, &[], &mut names, &mut fields);
        TypeKind::Struct(Struct {
            fields,
            derive_default: false,
        })
    }

    /// Adds `view`'s properties to `fields`. `extra_required` comes from sibling `allOf` parts.
    fn add_fields(
        &mut self,
        view: &View,
        ctx: &Ctx,
        extra_required: &[String],
        names: &mut Namer,
        fields: &mut Vec<Field>,
    ) {
        let Some(props) = view.properties else { return };
        for (wire, prop) in props {
            if fields.iter().any(|f: &Field| &f.wire_name == wire) {
                continue;
            }
            let lowered = self.lower_boxed(prop, &ctx.child(wire, &["properties", wire]));
            let required = view.required.contains(wire) || extra_required.contains(wire);
            let docs = match prop {
                ReferenceOr::Item(s) => docs_of(&s.schema_data),
                ReferenceOr::Reference { .. } => Docs::default(),
            };
            let binary = match prop {
                ReferenceOr::Item(s) => {
                    let v = View::of(s);
                    v.ty == Some("string") && v.format.as_deref() == Some("binary")
                }
                ReferenceOr::Reference { .. } => false,
            };
            let optional = !required || lowered.nullable;
            let default = match (&docs.default, optional) {
                (Some(value), false) => field_default(&lowered.ty, value),
                _ => FieldDefault::None,
            };
            fields.push(Field {
                name: names.unique(&naming::field_name(wire)),
                wire_name: wire.clone(),
                ty: lowered.ty,
                optional,
                skip_if_none: !required,
                tri_state: !required && lowered.nullable,
                boxed: false,
                default,
                binary,
                docs,
            });
        }
    }

    /// `allOf`: one struct with the merged properties and the union of `required`. A part that
    /// is itself an `allOf` (directly or through `$ref`) is merged in turn, to any depth.
    fn lower_all_of(&mut self, view: &View, ctx: &Ctx) -> TypeKind {
        let mut required: Vec<String> = view.required.to_vec();
        let mut parts = Vec::new();
        let mut seen = vec![ctx.pointer.clone()];
        self.all_of_parts(view.all_of, &ctx.pointer, &mut parts, &mut seen);
        for (_, schema) in &parts {
            required.extend(View::of(schema).required.iter().cloned());
        }
        let mut fields = Vec::new();
        let mut names = Namer::new();
        self.add_fields(view, ctx, &required, &mut names, &mut fields);
        for (pointer, schema) in &parts {
            let part_view = View::of(schema);
            if !part_view.one_of.is_empty() || !part_view.any_of.is_empty() {
                self.diags.push(Diagnostic::warning(
                    pointer.clone(),
                    "`oneOf`/`anyOf` inside `allOf` is not merged; only the part's own properties are",
                ));
            }
            let part_ctx = Ctx {
                pointer: pointer.clone(),
                ..ctx.clone()
            };
            self.add_fields(&part_view, &part_ctx, &required, &mut names, &mut fields);
        }
        TypeKind::Struct(Struct {
            fields,
            derive_default: false,
        })
    }

    /// The parts of `all_of` (at `pointer`), each with the pointer of where it is written,
    /// with the parts of nested `allOf`s after their owner. `seen` holds the pointers
    /// already merged: a cycle of `allOf`s merges each schema once.
    fn all_of_parts<'x>(
        &mut self,
        all_of: &'x [ReferenceOr<Schema>],
        pointer: &str,
        parts: &mut Vec<(String, &'x Schema)>,
        seen: &mut Vec<String>,
    ) where
        'a: 'x,
    {
        for (i, part) in all_of.iter().enumerate() {
            let at = format!("{pointer}/allOf/{i}");
            let Some(schema) = self.deref(part) else {
                if let ReferenceOr::Reference { reference } = part {
                    self.resolve_ref(reference, &at);
                }
                continue;
            };
            // Where the part is written: its schema's own place when it is a reference.
            let home = match part {
                ReferenceOr::Reference { reference } if reference.starts_with("#/") => {
                    reference.clone()
                }
                _ => at,
            };
            if seen.contains(&home) {
                continue;
            }
            seen.push(home.clone());
            parts.push((home.clone(), schema));
            let nested = View::of(schema).all_of;
            if !nested.is_empty() {
                self.all_of_parts(nested, &home, parts, seen);
            }
        }
    }

    fn lower_string_enum(&mut self, values: &[String], ctx: &Ctx) -> TypeKind {
        let mut names = Namer::new();
        // The catch-all is always `Other`; a value spelled "Other" gets a numbered name.
        names.reserve("Other");
        let mut variants: Vec<EnumVariant> = Vec::new();
        for value in values {
            if variants.iter().any(|v| &v.value == value) {
                self.diags.push(Diagnostic::warning(
                    format!("{}/enum", ctx.pointer),
                    format!("enum lists `{value}` more than once; generated once"),
                ));
                continue;
            }
            variants.push(EnumVariant {
                name: names.unique(&naming::variant_name(value)),
                value: value.clone(),
            });
        }
        if variants.is_empty() {
            self.diags.push(Diagnostic::warning(
                format!("{}/enum", ctx.pointer),
                "enum lists no string values; generated as a plain string",
            ));
            return TypeKind::Alias(TypeRef::String);
        }
        TypeKind::StringEnum(StringEnum {
            variants,
            other: "Other".to_string(),
        })
    }

    fn lower_union(
        &mut self,
        view: &View,
        alternatives: &[ReferenceOr<Schema>],
        keyword: &str,
        ctx: &Ctx,
    ) -> TypeKind {
        // Strings only (`anyOf: [string, enum]`): one open enum.
        let views: Vec<Option<View>> = alternatives
            .iter()
            .map(|a| self.deref(a).map(View::of))
            .collect();
        let all_strings = views.iter().all(|v| {
            v.as_ref()
                .is_some_and(|v| v.is_free_string() || (v.string_enum().is_some() && v.is_plain()))
        });
        if all_strings {
            let mut values = Vec::new();
            for v in views.iter().flatten() {
                for value in v.string_enum().unwrap_or_default() {
                    if !values.contains(&value) {
                        values.push(value);
                    }
                }
            }
            return self.lower_string_enum(&values, ctx);
        }
        if let Some(tagged) = self.try_tagged(view, alternatives, keyword, ctx) {
            return tagged;
        }

        let mut names = Namer::new();
        let mut variants = Vec::new();
        let mut has_consts = false;
        let mut has_string = false;
        for (i, alt) in alternatives.iter().enumerate() {
            let index = i.to_string();
            let alt_view = match alt {
                ReferenceOr::Item(s) => Some(View::of(s)),
                ReferenceOr::Reference { .. } => None,
            };
            // An inline string enum among other alternatives: its values become unit variants.
            if let Some(values) = alt_view
                .as_ref()
                .filter(|v| v.is_plain())
                .and_then(View::string_enum)
            {
                for value in values {
                    has_consts = true;
                    variants.push(UntaggedVariant {
                        name: names.unique(&naming::variant_name(&value)),
                        kind: UntaggedKind::Const(value),
                    });
                }
                continue;
            }
            let base = match (alt, &alt_view) {
                (ReferenceOr::Reference { reference }, _) => ref_schema_name(reference)
                    .map(|n| naming::type_name(&n))
                    .unwrap_or_else(|| format!("Variant{i}")),
                (_, Some(v)) => match &v.data.title {
                    Some(title) => naming::type_name(title),
                    None => kind_name(v),
                },
                _ => format!("Variant{i}"),
            };
            let name = names.unique(&base);
            let lowered = self.lower_ref_or(alt, &ctx.child(&name, &[keyword, &index]));
            has_string |= lowered.ty == TypeRef::String;
            variants.push(UntaggedVariant {
                name,
                kind: UntaggedKind::Value {
                    ty: wrap_nullable(lowered),
                    boxed: false,
                },
            });
        }
        if has_consts && !has_string {
            variants.push(UntaggedVariant {
                name: names.unique("Other"),
                kind: UntaggedKind::OtherString,
            });
        }
        TypeKind::Untagged(Untagged { variants })
    }

    /// `oneOf` of objects told apart by one property: the `discriminator`'s (values from its
    /// `mapping`, else the property's one allowed value, else the schema name), or else a
    /// required property every alternative fixes to a different single value.
    fn try_tagged(
        &mut self,
        view: &View,
        alternatives: &[ReferenceOr<Schema>],
        keyword: &str,
        ctx: &Ctx,
    ) -> Option<TypeKind> {
        let schemas: Option<Vec<&Schema>> = alternatives.iter().map(|a| self.deref(a)).collect();
        let discriminator = view.discriminator();
        let Some(schemas) = schemas else {
            if let Some(d) = discriminator {
                self.diags.push(Diagnostic::warning(
                    format!("{}/discriminator", ctx.pointer),
                    format!("discriminator `{}`: an alternative does not resolve; decoded by trying each alternative in order", d.property_name),
                ));
            }
            return None;
        };
        let views: Vec<View> = schemas.iter().map(|s| View::of(s)).collect();
        if views.len() < 2 {
            return None;
        }
        let fixed_value = |v: &View, prop: &str| -> Option<String> {
            let schema = match v.properties?.get(prop)? {
                ReferenceOr::Item(s) => s.as_ref(),
                ReferenceOr::Reference { .. } => return None,
            };
            match View::of(schema).string_enum()?.as_slice() {
                [one] => Some(one.clone()),
                _ => None,
            }
        };
        let values: Vec<Vec<String>> = match discriminator {
            Some(d) => {
                let prop = d.property_name.as_str();
                let mut all = Vec::new();
                let mut lacking = Vec::new();
                for (alt, v) in alternatives.iter().zip(&views) {
                    let reference = match alt {
                        ReferenceOr::Reference { reference } => Some(reference.as_str()),
                        ReferenceOr::Item(_) => None,
                    };
                    let mapped: Vec<String> = d
                        .mapping
                        .iter()
                        .filter(|(_, target)| Some(target.as_str()) == reference)
                        .map(|(value, _)| value.clone())
                        .collect();
                    let has_prop = v.properties.is_some_and(|p| p.contains_key(prop));
                    let found = if !mapped.is_empty() {
                        Some(mapped)
                    } else if let Some(value) = fixed_value(v, prop) {
                        Some(vec![value])
                    } else if has_prop {
                        // OpenAPI's implicit mapping: the schema's name.
                        reference.and_then(ref_schema_name).map(|n| vec![n])
                    } else {
                        None
                    };
                    match found {
                        Some(values) => all.push(values),
                        None => lacking.push(match reference {
                            Some(r) => r.rsplit('/').next().unwrap_or(r).to_string(),
                            None => "an inline alternative".to_string(),
                        }),
                    }
                }
                if !lacking.is_empty() {
                    self.diags.push(
                        Diagnostic::warning(
                            format!("{}/discriminator", ctx.pointer),
                            format!(
                                "discriminator `{prop}` cannot tell {} apart (no such property, no mapping); decoded by trying each alternative in order",
                                lacking.join(", ")
                            ),
                        )
                        .with_help(format!("add `{prop}` to those schemas, or a `mapping`")),
                    );
                    return None;
                }
                all
            }
            None => {
                if views.iter().any(|v| !v.has_properties()) {
                    return None;
                }
                let candidates: Vec<String> = views[0].properties?.keys().cloned().collect();
                let tag = candidates.into_iter().find(|p| {
                    let vals: Option<Vec<String>> = views
                        .iter()
                        .map(|v| {
                            v.required
                                .iter()
                                .any(|r| r == p)
                                .then(|| fixed_value(v, p))
                                .flatten()
                        })
                        .collect();
                    vals.is_some_and(|vals| {
                        let mut sorted = vals.clone();
                        sorted.sort();
                        sorted.dedup();
                        sorted.len() == vals.len()
                    })
                })?;
                let tag_values = views
                    .iter()
                    .map(|v| fixed_value(v, &tag).map(|x| vec![x]))
                    .collect::<Option<Vec<_>>>()?;
                return Some(self.build_tagged(tag, alternatives, tag_values, keyword, ctx));
            }
        };
        let mut seen = std::collections::BTreeSet::new();
        if values.iter().flatten().any(|v| !seen.insert(v.clone())) {
            self.diags.push(Diagnostic::warning(
                format!("{}/discriminator", ctx.pointer),
                "discriminator values are not unique; decoded by trying each alternative in order",
            ));
            return None;
        }
        let tag = discriminator?.property_name.clone();
        Some(self.build_tagged(tag, alternatives, values, keyword, ctx))
    }

    fn build_tagged(
        &mut self,
        tag: String,
        alternatives: &[ReferenceOr<Schema>],
        values: Vec<Vec<String>>,
        keyword: &str,
        ctx: &Ctx,
    ) -> TypeKind {
        let mut names = Namer::new();
        names.reserve("Unknown");
        let mut variants = Vec::new();
        for (i, (alt, values)) in alternatives.iter().zip(values).enumerate() {
            let name = names.unique(&naming::variant_name(&values[0]));
            let lowered = self.lower_ref_or(alt, &ctx.child(&name, &[keyword, &i.to_string()]));
            variants.push(TaggedVariant {
                name,
                values,
                ty: lowered.ty,
                boxed: false,
            });
        }
        TypeKind::Tagged(Tagged {
            tag,
            variants,
            unknown: "Unknown".to_string(),
        })
    }
}

/// A variant name for an inline alternative without a title.
fn kind_name(v: &View) -> String {
    if !v.enum_values.is_empty() && v.enum_values.iter().all(Value::is_null) {
        return "Null".to_string();
    }
    match v.ty {
        Some("string") => "String",
        Some("integer") => "Integer",
        Some("number") => "Number",
        Some("boolean") => "Boolean",
        Some("array") => "Array",
        _ if v.has_properties() => "Object",
        Some("object") => "Map",
        _ => "Value",
    }
    .to_string()
}

/// Inside arrays and maps, nullability is carried by the element type.
fn wrap_nullable(l: Lowered) -> TypeRef {
    if l.nullable && l.ty != TypeRef::Json {
        TypeRef::Nullable(Box::new(l.ty))
    } else {
        l.ty
    }
}

pub(crate) fn docs_of(data: &openapiv3::SchemaData) -> Docs {
    Docs {
        title: data.title.clone(),
        description: data.description.clone(),
        default: data.default.clone(),
        example: data.example.clone(),
        deprecated: data.deprecated,
    }
}

/// How a required, non-nullable field with a spec default decodes when absent.
fn field_default(ty: &TypeRef, value: &Value) -> FieldDefault {
    let trivial = match (ty, value) {
        (TypeRef::Array(_), Value::Array(a)) => a.is_empty(),
        (TypeRef::Map(_) | TypeRef::JsonMap, Value::Object(o)) => o.is_empty(),
        (TypeRef::Boolean, Value::Bool(b)) => !b,
        (TypeRef::String, Value::String(s)) => s.is_empty(),
        (TypeRef::Integer, v) => v.as_i64() == Some(0),
        (TypeRef::Number, v) => v.as_f64() == Some(0.0),
        _ => false,
    };
    let literal = matches!(
        (ty, value),
        (TypeRef::Boolean, Value::Bool(_))
            | (TypeRef::String, Value::String(_))
            | (TypeRef::Integer, Value::Number(_))
            | (TypeRef::Number, Value::Number(_))
            | (TypeRef::Named(_), Value::String(_))
    );
    if trivial {
        FieldDefault::Trait
    } else if literal && (!matches!(ty, TypeRef::Integer) || value.as_i64().is_some()) {
        FieldDefault::Value(value.clone())
    } else {
        FieldDefault::None
    }
}
