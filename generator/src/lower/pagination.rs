//! Listings: operations whose answer is one page of a longer list get methods that walk it.
//!
//! The shape is recognised from the query parameters and the response (see [`recognise`]),
//! or stated by the operation's `x-pagination` extension, which overrides the heuristic:
//!
//! ```yaml
//! x-pagination:
//!   shape: cursor        # cursor | page | offset; `x-pagination: false` turns it off
//!   param: after         # the query parameter that moves
//!   items: data          # the response's array of items
//!   has_more: has_more   # optional: a boolean saying whether there is more
//!   total: total         # optional: the listing's item count (page and offset shapes)
//!   next_cursor: last_id # optional (cursor): the response's cursor of the next page
//!   item_cursor: id      # optional (cursor): the item field that is its cursor
//!   first_page: 1        # optional (page): the number of the first page
//! ```
//!
//! Keys left out are found as the heuristic finds them.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::ir::*;
use crate::naming::Namer;

/// What lowering saw of an operation that pagination needs and the IR does not keep.
#[derive(Debug, Default)]
pub(crate) struct PageHints {
    /// Query parameters whose schema says the first page is 1 (`minimum: 1` or
    /// `default: 1`), by wire name.
    pub first_is_one: Vec<String>,
    /// The operation's `x-pagination`, and its pointer.
    pub stated: Option<(Value, String)>,
}

const CURSOR_PARAMS: [&str; 2] = ["after", "starting_after"];
/// Cursor parameters whose next value the response names in a field of its own.
const TOKEN_PARAMS: [&str; 5] = [
    "page_token",
    "pageToken",
    "cursor",
    "next_token",
    "nextToken",
];
const TOKEN_FIELDS: [&str; 5] = [
    "next_cursor",
    "next_page_token",
    "nextPageToken",
    "next_token",
    "nextToken",
];
const PAGE_PARAMS: [&str; 5] = [
    "current_page",
    "currentPage",
    "page",
    "page_number",
    "pageNumber",
];
const OFFSET_PARAMS: [&str; 2] = ["offset", "skip"];
const ITEM_FIELDS: [&str; 5] = ["data", "items", "results", "records", "entries"];
const HAS_MORE_FIELDS: [&str; 2] = ["has_more", "hasMore"];
const TOTAL_FIELDS: [&str; 4] = ["total", "total_count", "totalCount", "count"];
const LAST_ID_FIELDS: [&str; 2] = ["last_id", "lastId"];

/// Recognises or reads the pagination of every operation and names its methods.
pub(super) fn paginate(
    types: &[TypeDef],
    ops: &mut [Operation],
    hints: &BTreeMap<String, PageHints>,
    names: &mut Namer,
    diags: &mut Vec<Diagnostic>,
) {
    for op in ops.iter_mut() {
        let hint = hints.get(&op.pointer);
        let found = match hint.and_then(|h| h.stated.as_ref()) {
            Some((Value::Bool(false), _)) => None,
            Some((_, at)) if op.body.is_some() => {
                diags.push(Diagnostic::warning(at, "`x-pagination` on an operation with a request body is not supported; the operation gets no paging methods"));
                None
            }
            Some((stated, at)) => match read_stated(types, op, stated, hint) {
                Ok(p) => Some(p),
                Err(why) => {
                    diags.push(
                        Diagnostic::warning(at, format!("`x-pagination` cannot be followed: {why}; the operation gets no paging methods"))
                            .with_help("see the generator's README for the keys `x-pagination` takes"),
                    );
                    None
                }
            },
            None => match recognise(types, op, hint) {
                Ok(found) => found,
                Err(why) => {
                    diags.push(
                        Diagnostic::warning(&op.pointer, format!("looks like a listing but is not walked page by page: {why}"))
                            .with_help("state how it pages with `x-pagination` in an overlay, or turn this off with `x-pagination: false`"),
                    );
                    None
                }
            },
        };
        if let Some(mut p) = found {
            let stream = format!("{}_stream", op.name);
            p.stream = if names.is_taken(&stream) {
                names.unique(&format!("{}_items", op.name))
            } else {
                names.unique(&stream)
            };
            p.pages = names.unique(&format!("{}_pages", op.name));
            op.pagination = Some(p);
        }
    }
}

/// The fields of the struct an operation answers with, through aliases.
fn page_struct<'a>(types: &'a [TypeDef], op: &Operation) -> Option<&'a Struct> {
    match &op.response {
        Response::Json(ty) => struct_of(types, ty),
        _ => None,
    }
}

/// The struct a type names, through aliases (alias cycles are broken before this runs).
fn struct_of<'a>(types: &'a [TypeDef], ty: &TypeRef) -> Option<&'a Struct> {
    match ty {
        TypeRef::Named(id) => match &types[*id].kind {
            TypeKind::Struct(s) => Some(s),
            TypeKind::Alias(next) => struct_of(types, next),
            _ => None,
        },
        _ => None,
    }
}

/// The first field of `s` named (on the wire) one of `wire_names` whose type passes `fits`.
/// A field the struct boxes or reads as tri-state is not one a page can be read from.
fn field(s: &Struct, wire_names: &[&str], fits: impl Fn(&TypeRef) -> bool) -> Option<PageField> {
    wire_names.iter().find_map(|w| {
        s.fields
            .iter()
            .find(|f| f.wire_name == *w && !f.tri_state && !f.boxed && fits(&f.ty))
            .map(|f| PageField {
                field: f.name.clone(),
                wire_name: f.wire_name.clone(),
                ty: f.ty.clone(),
                optional: f.optional,
            })
    })
}

fn is_items(t: &TypeRef) -> bool {
    matches!(t, TypeRef::Array(_))
}
fn is_bool(t: &TypeRef) -> bool {
    *t == TypeRef::Boolean
}
fn is_count(t: &TypeRef) -> bool {
    matches!(t, TypeRef::Integer | TypeRef::Number)
}
fn is_string(t: &TypeRef) -> bool {
    *t == TypeRef::String
}

/// The query parameter named one of `wire_names` whose type passes `fits`. A cursor must be
/// optional (the first page has none); a number may be required.
fn param(
    op: &Operation,
    wire_names: &[&str],
    fits: impl Fn(&TypeRef) -> bool,
) -> Option<PageParam> {
    let ps = op.params.as_ref()?;
    wire_names.iter().find_map(|w| {
        ps.fields
            .iter()
            .find(|p| {
                p.wire_name == *w
                    && p.location == ParamLocation::Query
                    && fits(&p.ty)
                    && !(p.required && p.ty == TypeRef::String)
            })
            .map(|p| PageParam {
                field: p.name.clone(),
                wire_name: p.wire_name.clone(),
                ty: p.ty.clone(),
                required: p.required,
            })
    })
}

fn item_type(items: &PageField) -> TypeRef {
    match &items.ty {
        TypeRef::Array(inner) => (**inner).clone(),
        other => other.clone(),
    }
}

fn first_page(param: &PageParam, hint: Option<&PageHints>) -> u64 {
    let one = hint.is_some_and(|h| h.first_is_one.contains(&param.wire_name));
    u64::from(one)
}

/// The heuristic: `Ok(None)` for an operation that is not a listing, `Err` for one that
/// looks like a listing but lacks something the walk needs.
fn recognise(
    types: &[TypeDef],
    op: &Operation,
    hint: Option<&PageHints>,
) -> Result<Option<Pagination>, String> {
    if op.method != HttpMethod::Get || op.body.is_some() {
        return Ok(None);
    }
    let cursor = param(op, &CURSOR_PARAMS, is_string);
    let token = param(op, &TOKEN_PARAMS, is_string);
    let page = param(op, &PAGE_PARAMS, is_count);
    let offset = param(op, &OFFSET_PARAMS, is_count);
    let Some(moving) = cursor
        .clone()
        .or(token.clone())
        .or(page.clone())
        .or(offset.clone())
    else {
        return Ok(None);
    };
    let Some(s) = page_struct(types, op) else {
        return Err(format!(
            "it takes `{}` but its answer is not an object with a list of items",
            moving.wire_name
        ));
    };
    let Some(items) = field(s, &ITEM_FIELDS, is_items) else {
        return Err(format!(
            "it takes `{}` but its answer has no array field named {}",
            moving.wire_name,
            quoted(&ITEM_FIELDS)
        ));
    };
    let has_more = field(s, &HAS_MORE_FIELDS, is_bool);
    let item = item_type(&items);
    let (shape, param, total) = if let Some(param) = cursor {
        let next = field(s, &LAST_ID_FIELDS, is_string);
        let item_id = struct_of(types, &item).and_then(|i| field(i, &["id"], is_string));
        if next.is_none() && item_id.is_none() {
            return Err(format!(
                "it takes the cursor `{}` but neither its answer ({}) nor its items (`id`) give the next one",
                param.wire_name,
                quoted(&LAST_ID_FIELDS)
            ));
        }
        (PageShape::Cursor { next, item_id }, param, None)
    } else if let Some(param) = token {
        let Some(next) = field(s, &TOKEN_FIELDS, is_string) else {
            return Err(format!(
                "it takes the cursor `{}` but its answer has no field {} giving the next one",
                param.wire_name,
                quoted(&TOKEN_FIELDS)
            ));
        };
        let shape = PageShape::Cursor {
            next: Some(next),
            item_id: None,
        };
        (shape, param, None)
    } else if let Some(param) = page {
        let first = first_page(&param, hint);
        let total = field(s, &TOTAL_FIELDS, is_count);
        (PageShape::Page { first }, param, total)
    } else {
        let total = field(s, &TOTAL_FIELDS, is_count);
        (
            PageShape::Offset,
            offset.expect("the moving parameter"),
            total,
        )
    };
    Ok(Some(Pagination {
        shape,
        param,
        item,
        items,
        has_more,
        total,
        stream: String::new(),
        pages: String::new(),
        stated: false,
    }))
}

fn quoted(names: &[&str]) -> String {
    let list: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    list.join(", ")
}

/// Follows an operation's `x-pagination`; keys it leaves out are found as [`recognise`]
/// finds them.
fn read_stated(
    types: &[TypeDef],
    op: &Operation,
    stated: &Value,
    hint: Option<&PageHints>,
) -> Result<Pagination, String> {
    let Value::Object(map) = stated else {
        return Err("it must be an object or `false`".to_string());
    };
    const KEYS: [&str; 8] = [
        "shape",
        "param",
        "items",
        "has_more",
        "total",
        "next_cursor",
        "item_cursor",
        "first_page",
    ];
    if let Some(unknown) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(format!(
            "unknown key `{unknown}` (known: {})",
            quoted(&KEYS)
        ));
    }
    let text = |key: &str| -> Result<Option<&str>, String> {
        match map.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(format!("`{key}` must be a string")),
        }
    };
    let shape = text("shape")?.ok_or("`shape` is missing (cursor, page or offset)")?;
    let s = page_struct(types, op).ok_or("the answer is not an object")?;
    // A named field, which must exist and fit; else the heuristic's candidates.
    let pick = |key: &str,
                candidates: &[&str],
                fits: fn(&TypeRef) -> bool,
                within: &Struct|
     -> Result<Option<PageField>, String> {
        match text(key)? {
            Some(name) => field(within, &[name], fits)
                .map(Some)
                .ok_or_else(|| format!("`{key}: {name}` names no field of a fitting type")),
            None => Ok(field(within, candidates, fits)),
        }
    };
    let (candidates, fits): (Vec<&str>, fn(&TypeRef) -> bool) = match shape {
        "cursor" => (
            CURSOR_PARAMS.iter().chain(&TOKEN_PARAMS).copied().collect(),
            is_string,
        ),
        "page" => (PAGE_PARAMS.to_vec(), is_count),
        "offset" => (OFFSET_PARAMS.to_vec(), is_count),
        other => return Err(format!("unknown shape `{other}` (cursor, page or offset)")),
    };
    let param = match text("param")? {
        Some(name) => param(op, &[name], fits).ok_or_else(|| {
            format!("`param: {name}` names no query parameter of a fitting type (a cursor must be optional)")
        })?,
        None => param(op, &candidates, fits)
            .ok_or("no query parameter to move from page to page; name it with `param`")?,
    };
    let items = pick("items", &ITEM_FIELDS, is_items, s)?
        .ok_or("no array of items in the answer; name it with `items`")?;
    let has_more = pick("has_more", &HAS_MORE_FIELDS, is_bool, s)?;
    let item = item_type(&items);
    let (shape, total) = match shape {
        "cursor" => {
            let next = pick(
                "next_cursor",
                &[&LAST_ID_FIELDS[..], &TOKEN_FIELDS[..]].concat(),
                is_string,
                s,
            )?;
            let item_id = match struct_of(types, &item) {
                Some(i) => pick("item_cursor", &["id"], is_string, i)?,
                None if map.contains_key("item_cursor") => {
                    return Err("`item_cursor` is given but the items are not objects".to_string())
                }
                None => None,
            };
            if next.is_none() && item_id.is_none() {
                return Err(
                    "nothing gives the next cursor; name it with `next_cursor` or `item_cursor`"
                        .to_string(),
                );
            }
            (PageShape::Cursor { next, item_id }, None)
        }
        "page" => {
            let first = match map.get("first_page") {
                None => first_page(&param, hint),
                Some(v) => v.as_u64().ok_or("`first_page` must be a whole number")?,
            };
            (
                PageShape::Page { first },
                pick("total", &TOTAL_FIELDS, is_count, s)?,
            )
        }
        _ => (
            PageShape::Offset,
            pick("total", &TOTAL_FIELDS, is_count, s)?,
        ),
    };
    Ok(Pagination {
        shape,
        param,
        item,
        items,
        has_more,
        total,
        stream: String::new(),
        pages: String::new(),
        stated: true,
    })
}

/// `cursor`, `page` or `offset`, as `x-pagination` and the codegen report name a shape.
pub fn shape_name(shape: &PageShape) -> &'static str {
    match shape {
        PageShape::Cursor { .. } => "cursor",
        PageShape::Page { .. } => "page",
        PageShape::Offset => "offset",
    }
}
