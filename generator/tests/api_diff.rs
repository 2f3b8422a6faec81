//! The API change report: one small spec, one change at a time, and the classification each
//! change gets; the one-schema diff; and the real update between Portkey's published specs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use generator::diff::{ApiDiff, Bump, Change, ChangeKind, Impact, MARKDOWN_LIMIT};
use generator::Input;
use serde_json::{json, Value};

/// A spec with a request struct that derives `Default` (`ThingRequest`), one that cannot
/// (`OrderRequest`: its required `size` is an enum), a response struct (`Thing`), an open
/// string enum, a tagged union used by no operation (`Pet`), query and path parameters and
/// one security scheme.
const BASE: &str = r##"
openapi: 3.0.0
info: {title: Things, version: "1.0"}
servers:
  - url: https://api.example.com/v1
security:
  - ApiKey: []
paths:
  /things:
    get:
      operationId: listThings
      parameters:
        - {name: limit, in: query, schema: {type: integer}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Thing"}}
    post:
      operationId: createThing
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ThingRequest"}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
  /things/{thing_id}:
    get:
      operationId: getThing
      parameters:
        - {name: thing_id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
  /orders:
    post:
      operationId: createOrder
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/OrderRequest"}
      responses:
        "204": {description: created}
components:
  securitySchemes:
    ApiKey: {type: apiKey, in: header, name: x-api-key}
  schemas:
    ThingRequest:
      type: object
      required: [name]
      properties:
        name: {type: string}
        color: {type: string}
    OrderRequest:
      type: object
      required: [size]
      properties:
        size: {$ref: "#/components/schemas/Size"}
        note: {type: string}
    Size: {type: string, enum: [small, large]}
    Thing:
      type: object
      required: [id, status, owner, label]
      properties:
        id: {type: string}
        status: {type: string, enum: [queued, done]}
        owner: {$ref: "#/components/schemas/Owner"}
        note: {type: string}
        label: {type: string, nullable: true}
    Owner:
      type: object
      required: [name]
      properties:
        name: {type: string}
    Pet:
      oneOf:
        - {$ref: "#/components/schemas/Cat"}
        - {$ref: "#/components/schemas/Dog"}
      discriminator: {propertyName: kind}
    Cat:
      type: object
      required: [kind]
      properties:
        kind: {type: string, enum: [cat]}
    Dog:
      type: object
      required: [kind]
      properties:
        kind: {type: string, enum: [dog]}
"##;

fn base() -> Value {
    serde_yaml::from_str(BASE).expect("the base spec is YAML")
}

fn diff_texts(old: &str, new: &str) -> ApiDiff {
    let input = |text| Input {
        spec_path: Path::new("spec.json"),
        spec_text: text,
        overlay: None,
        source_name: "spec.json",
        example_check: false,
    };
    generator::api_diff(&input(old), &input(new)).expect("both sides generate")
}

/// The report between the base spec and the base spec changed by `change`.
fn diff(change: impl FnOnce(&mut Value)) -> ApiDiff {
    let old = base();
    let mut new = old.clone();
    change(&mut new);
    diff_texts(&old.to_string(), &new.to_string())
}

/// The value at a JSON pointer (`~1` for `/`), which must exist.
fn at<'a>(v: &'a mut Value, pointer: &str) -> &'a mut Value {
    v.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("the base spec has {pointer}"))
}

fn insert(v: &mut Value, pointer: &str, key: &str, value: Value) {
    at(v, pointer)
        .as_object_mut()
        .expect("an object")
        .insert(key.to_string(), value);
}

fn remove(v: &mut Value, pointer: &str, key: &str) {
    at(v, pointer)
        .as_object_mut()
        .expect("an object")
        .shift_remove(key)
        .expect("the key exists");
}

fn push(v: &mut Value, pointer: &str, value: Value) {
    at(v, pointer).as_array_mut().expect("an array").push(value);
}

/// The report's changes as `(impact, kind, location)`, in report order.
fn changes(d: &ApiDiff) -> Vec<(Impact, ChangeKind, &str)> {
    d.changes
        .iter()
        .map(|c| (c.impact, c.kind, c.location.as_str()))
        .collect()
}

const THING: &str = "/components/schemas/Thing/properties";

#[test]
fn the_same_spec_reports_nothing() {
    let d = diff(|_| {});
    assert!(d.changes.is_empty(), "{:#?}", d.changes);
    assert_eq!(d.bump(), Bump::Patch);
    assert!(d.summary().starts_with("no API change"), "{}", d.summary());
    assert!(d.to_markdown().contains("No change"), "{}", d.to_markdown());
}

#[test]
fn an_operation_added_is_additive() {
    let d = diff(|s| {
        insert(
            s,
            "/paths/~1things~1{thing_id}",
            "delete",
            json!({"operationId": "deleteThing",
                   "parameters": [{"name": "thing_id", "in": "path", "required": true, "schema": {"type": "string"}}],
                   "responses": {"204": {"description": "gone"}}}),
        )
    });
    assert_eq!(
        changes(&d),
        [(
            Impact::Additive,
            ChangeKind::OperationAdded,
            "Client::delete_thing"
        )]
    );
    assert_eq!(d.bump(), Bump::Minor);
    assert_eq!(
        d.changes[0].pointer.as_deref(),
        Some("#/paths/~1things~1{thing_id}/delete")
    );
}

#[test]
fn an_operation_removed_is_breaking() {
    let d = diff(|s| remove(s, "/paths/~1things~1{thing_id}", "get"));
    assert_eq!(
        changes(&d),
        [(
            Impact::Breaking,
            ChangeKind::OperationRemoved,
            "Client::get_thing"
        )]
    );
    assert_eq!(d.bump(), Bump::Major);
}

/// Tags are cargo features: an operation that leaves a feature is lost to code that turned on
/// only that one; one that gains a feature, or loses its last tag (always compiled), is not.
#[test]
fn an_operation_changing_tags_changes_its_cargo_features() {
    let tagged = |tags: Value| {
        let mut spec = base();
        insert(&mut spec, "/paths/~1things/get", "tags", tags);
        spec.to_string()
    };
    let untagged = base().to_string();
    let one = tagged(json!(["Things"]));
    let two = tagged(json!(["Things", "Admin > Things"]));
    let other = tagged(json!(["Admin > Things"]));

    // Same first tag: the same group; only the features change.
    let d = diff_texts(&one, &two);
    assert_eq!(
        changes(&d),
        [(
            Impact::Additive,
            ChangeKind::OperationFeatureChanged,
            "Client::things().list_things"
        )]
    );
    assert_eq!(
        d.changes[0].what,
        "cargo features now `admin-things`, `things` (were `things`)"
    );
    let d = diff_texts(&two, &one);
    assert_eq!(
        changes(&d),
        [(
            Impact::Breaking,
            ChangeKind::OperationFeatureChanged,
            "Client::things().list_things"
        )]
    );

    // Another first tag: the methods move to another group, which breaks their callers.
    for (old, new, location) in [
        (&one, &other, "Client::admin().things().list_things"),
        (&untagged, &one, "Client::things().list_things"),
    ] {
        let d = diff_texts(old, new);
        assert_eq!(
            changes(&d),
            [
                (Impact::Breaking, ChangeKind::OperationRegrouped, location),
                (
                    Impact::Breaking,
                    ChangeKind::OperationFeatureChanged,
                    location
                )
            ]
        );
    }
    let d = diff_texts(&one, &other);
    assert_eq!(
        d.changes[0].what,
        "now in another group (was `Client::things().list_things`)"
    );
    let d = diff_texts(&one, &untagged);
    assert_eq!(
        changes(&d),
        [
            (
                Impact::Breaking,
                ChangeKind::OperationRegrouped,
                "Client::list_things"
            ),
            (
                Impact::Additive,
                ChangeKind::OperationFeatureChanged,
                "Client::list_things"
            )
        ]
    );
    assert!(
        d.changes[1].what.contains("now none: always compiled"),
        "{}",
        d.changes[1].what
    );
}

/// A listing that gains paging methods is additive; losing them breaks their callers; paging
/// another way keeps the methods.
#[test]
fn an_operation_gaining_or_losing_pagination_is_reported() {
    let listing = |x_pagination: Option<Value>, param: &str| {
        let mut spec = base();
        insert(
            &mut spec,
            "/paths/~1things/get",
            "parameters",
            json!([{"name": param, "in": "query", "schema": {"type": if param == "after" { "string" } else { "integer" }}}]),
        );
        insert(
            &mut spec,
            "/paths/~1things/get/responses/200/content/application~1json",
            "schema",
            json!({"type": "object", "required": ["data"], "properties": {
                "data": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}},
                "has_more": {"type": "boolean"},
                "total": {"type": "integer"}
            }}),
        );
        if let Some(x) = x_pagination {
            insert(&mut spec, "/paths/~1things/get", "x-pagination", x);
        }
        spec.to_string()
    };
    let off = listing(Some(json!(false)), "offset");
    let by_offset = listing(None, "offset");
    let by_page = listing(None, "page");

    let d = diff_texts(&off, &by_offset);
    assert_eq!(
        changes(&d),
        [(
            Impact::Additive,
            ChangeKind::PaginationAdded,
            "Client::list_things"
        )]
    );
    assert_eq!(
        d.changes[0].what,
        "now walked page by page (offset, by `offset`): `list_things_stream` and `list_things_pages`"
    );
    let d = diff_texts(&by_offset, &off);
    assert_eq!(
        changes(&d),
        [(
            Impact::Breaking,
            ChangeKind::PaginationRemoved,
            "Client::list_things"
        )]
    );
    let d = diff_texts(&by_offset, &by_page);
    let kinds: Vec<ChangeKind> = d.changes.iter().map(|c| c.kind).collect();
    assert!(kinds.contains(&ChangeKind::PaginationChanged), "{kinds:?}");
    let paging = d
        .changes
        .iter()
        .find(|c| c.kind == ChangeKind::PaginationChanged)
        .unwrap();
    assert_eq!(paging.impact, Impact::None);
    assert_eq!(
        paging.what,
        "pages by page by `page` (was offset by `offset`)"
    );
}

#[test]
fn an_operation_renamed_is_breaking_once() {
    let d = diff(|s| {
        *at(s, "/paths/~1things~1{thing_id}/get/operationId") = json!("fetchThing");
    });
    assert_eq!(
        changes(&d),
        [(
            Impact::Breaking,
            ChangeKind::OperationRenamed,
            "Client::fetch_thing"
        )]
    );
    assert!(d.changes[0].what.contains("`Client::get_thing`"));
}

#[test]
fn an_optional_query_parameter_added_is_additive_as_the_params_derive_default() {
    let d = diff(|s| {
        push(
            s,
            "/paths/~1things/get/parameters",
            json!({"name": "offset", "in": "query", "schema": {"type": "integer"}}),
        )
    });
    assert_eq!(
        changes(&d),
        [(
            Impact::Additive,
            ChangeKind::ParameterAdded,
            "types::ListThingsParams.offset"
        )]
    );
    assert!(
        d.changes[0].reason.contains("Default"),
        "{:?}",
        d.changes[0]
    );
}

#[test]
fn a_required_query_parameter_added_is_breaking_and_takes_default_away() {
    let d = diff(|s| {
        push(
            s,
            "/paths/~1things/get/parameters",
            json!({"name": "owner", "in": "query", "required": true, "schema": {"type": "string"}}),
        )
    });
    assert_eq!(
        changes(&d),
        [
            (
                Impact::Breaking,
                ChangeKind::ParameterAdded,
                "types::ListThingsParams.owner"
            ),
            (
                Impact::Breaking,
                ChangeKind::DefaultLost,
                "types::ListThingsParams"
            ),
        ]
    );
}

#[test]
fn a_parameter_made_required_is_breaking() {
    let d = diff(|s| {
        insert(
            s,
            "/paths/~1things/get/parameters/0",
            "required",
            json!(true),
        )
    });
    assert_eq!(
        changes(&d)[0],
        (
            Impact::Breaking,
            ChangeKind::ParameterMadeRequired,
            "types::ListThingsParams.limit"
        )
    );
    assert!(
        d.changes[0].reason.contains("`Option<i64>` to `i64`"),
        "{:?}",
        d.changes[0]
    );
}

#[test]
fn the_first_query_parameter_of_an_operation_is_a_new_argument() {
    let d = diff(|s| {
        push(
            s,
            "/paths/~1things~1{thing_id}/get/parameters",
            json!({"name": "expand", "in": "query", "schema": {"type": "boolean"}}),
        );
    });
    assert_eq!(
        changes(&d),
        [(
            Impact::Breaking,
            ChangeKind::ParameterAdded,
            "Client::get_thing"
        )]
    );
}

#[test]
fn a_required_request_field_added_is_breaking() {
    let d = diff(|s| {
        insert(
            s,
            "/components/schemas/ThingRequest/properties",
            "size",
            json!({"type": "string"}),
        );
        push(
            s,
            "/components/schemas/ThingRequest/required",
            json!("size"),
        );
    });
    assert_eq!(
        changes(&d),
        [(
            Impact::Breaking,
            ChangeKind::FieldAdded,
            "types::ThingRequest.size"
        )]
    );
}

/// `ThingRequest` derives `Default`: callers write `..Default::default()`, and a new optional
/// field does not break them.
#[test]
fn an_optional_request_field_added_to_a_default_struct_is_additive() {
    let d = diff(|s| {
        insert(
            s,
            "/components/schemas/ThingRequest/properties",
            "weight",
            json!({"type": "integer"}),
        )
    });
    assert_eq!(
        changes(&d),
        [(
            Impact::Additive,
            ChangeKind::FieldAdded,
            "types::ThingRequest.weight"
        )]
    );
    assert!(
        d.changes[0].what.contains("`Option<i64>`"),
        "{:?}",
        d.changes[0]
    );
}

/// `OrderRequest` cannot derive `Default` (its required `size` is an enum without one), so
/// callers name every field, and a new optional field breaks them.
#[test]
fn an_optional_request_field_added_to_a_struct_without_default_is_breaking() {
    let d = diff(|s| {
        insert(
            s,
            "/components/schemas/OrderRequest/properties",
            "gift",
            json!({"type": "boolean"}),
        )
    });
    assert_eq!(
        changes(&d),
        [(
            Impact::Breaking,
            ChangeKind::FieldAdded,
            "types::OrderRequest.gift"
        )]
    );
    assert!(
        d.changes[0].reason.contains("no `Default`"),
        "{:?}",
        d.changes[0]
    );
}

#[test]
fn response_fields_added_are_additive_required_or_not() {
    let d = diff(|s| {
        insert(s, THING, "updated_at", json!({"type": "string"}));
        insert(s, THING, "created", json!({"type": "integer"}));
        push(s, "/components/schemas/Thing/required", json!("created"));
    });
    assert_eq!(
        changes(&d),
        [
            (
                Impact::Additive,
                ChangeKind::FieldAdded,
                "types::Thing.updated_at"
            ),
            (
                Impact::Additive,
                ChangeKind::FieldAdded,
                "types::Thing.created"
            ),
        ]
    );
}

/// Readers break: `thing.id` was a `String` and is now an `Option<String>`.
#[test]
fn a_response_field_made_nullable_is_breaking() {
    let d = diff(|s| insert(s, &format!("{THING}/id"), "nullable", json!(true)));
    assert_eq!(
        changes(&d),
        [(
            Impact::Breaking,
            ChangeKind::FieldMadeNullable,
            "types::Thing.id"
        )]
    );
    assert!(
        d.changes[0].what.contains("`String` → `Option<String>`"),
        "{:?}",
        d.changes[0]
    );
    assert_eq!(
        d.changes[0].pointer.as_deref(),
        Some("#/components/schemas/Thing")
    );
}

#[test]
fn a_response_field_made_optional_is_breaking() {
    let d =
        diff(|s| *at(s, "/components/schemas/Thing/required") = json!(["id", "status", "label"]));
    assert_eq!(
        changes(&d),
        [(
            Impact::Breaking,
            ChangeKind::FieldMadeOptional,
            "types::Thing.owner"
        )]
    );
    assert!(d.changes[0].what.contains("`Owner` → `Option<Owner>`"));
}

#[test]
fn a_field_retyped_or_removed_is_breaking() {
    let d = diff(|s| *at(s, &format!("{THING}/note/type")) = json!("integer"));
    assert_eq!(
        changes(&d),
        [(
            Impact::Breaking,
            ChangeKind::FieldRetyped,
            "types::Thing.note"
        )]
    );
    assert!(d.changes[0]
        .what
        .contains("`Option<String>` → `Option<i64>`"));

    let d = diff(|s| remove(s, THING, "note"));
    assert_eq!(
        changes(&d),
        [(
            Impact::Breaking,
            ChangeKind::FieldRemoved,
            "types::Thing.note"
        )]
    );
}

/// Required-and-nullable and optional are both `Option<String>` in Rust: only whether `None`
/// is sent as `null` changes.
#[test]
fn a_change_rust_does_not_see_has_no_effect_on_code() {
    let d = diff(|s| {
        *at(s, "/components/schemas/Thing/required") = json!(["id", "status", "owner"]);
        remove(s, &format!("{THING}/label"), "nullable");
    });
    assert_eq!(
        changes(&d),
        [(
            Impact::None,
            ChangeKind::FieldWireChanged,
            "types::Thing.label"
        )]
    );
    assert_eq!(d.bump(), Bump::Patch);
}

#[test]
fn enum_values_added_are_additive_and_removed_are_breaking() {
    let d = diff(|s| push(s, &format!("{THING}/status/enum"), json!("failed")));
    assert_eq!(
        changes(&d),
        [(
            Impact::Additive,
            ChangeKind::EnumValueAdded,
            "types::ThingStatus"
        )]
    );
    assert!(
        d.changes[0].reason.contains("`Other(\"failed\")`"),
        "{:?}",
        d.changes[0]
    );

    // With one value left, `Size` is a constant with a `Default`, and so is `OrderRequest`.
    let d = diff(|s| *at(s, "/components/schemas/Size/enum") = json!(["small"]));
    assert_eq!(
        changes(&d),
        [
            (
                Impact::Breaking,
                ChangeKind::EnumValueRemoved,
                "types::Size"
            ),
            (
                Impact::Additive,
                ChangeKind::DefaultGained,
                "types::OrderRequest"
            ),
        ]
    );
}

#[test]
fn a_union_variant_added_is_additive_thanks_to_unknown() {
    let d = diff(|s| {
        insert(
            s,
            "/components/schemas",
            "Bird",
            json!({"type": "object", "required": ["kind"],
                   "properties": {"kind": {"type": "string", "enum": ["bird"]}}}),
        );
        push(
            s,
            "/components/schemas/Pet/oneOf",
            json!({"$ref": "#/components/schemas/Bird"}),
        );
    });
    assert_eq!(
        changes(&d),
        [
            (Impact::Additive, ChangeKind::VariantAdded, "types::Pet"),
            (Impact::Additive, ChangeKind::TypeAdded, "types::Bird"),
            (Impact::Additive, ChangeKind::TypeAdded, "types::BirdKind"),
        ]
    );
}

/// An untagged union has no catch-all when all its alternatives are objects: alternatives are
/// tried in order, so a new one can change what a value decodes to.
#[test]
fn an_untagged_variant_added_is_breaking_without_a_catch_all() {
    let mut old = base();
    insert(
        &mut old,
        "/components/schemas",
        "Shape",
        json!({"oneOf": [{"$ref": "#/components/schemas/Owner"},
                         {"type": "array", "items": {"type": "string"}}]}),
    );
    let mut new = old.clone();
    push(
        &mut new,
        "/components/schemas/Shape/oneOf",
        json!({"type": "integer"}),
    );
    let d = diff_texts(&old.to_string(), &new.to_string());
    assert_eq!(
        changes(&d),
        [(Impact::Breaking, ChangeKind::VariantAdded, "types::Shape")]
    );
    assert!(
        d.changes[0].reason.contains("tried in order"),
        "{:?}",
        d.changes[0]
    );
}

#[test]
fn a_path_parameter_retyped_is_breaking() {
    let d = diff(|s| {
        *at(s, "/paths/~1things~1{thing_id}/get/parameters/0/schema") = json!({"type": "integer"})
    });
    assert_eq!(
        changes(&d),
        [(
            Impact::Breaking,
            ChangeKind::ParameterRetyped,
            "Client::get_thing"
        )]
    );
    assert!(
        d.changes[0].what.contains("`i64` (was `String`)"),
        "{:?}",
        d.changes[0]
    );
}

/// Deprecation and documented errors change the docs, not the signatures.
#[test]
fn deprecation_and_error_statuses_have_no_effect_on_code() {
    let d = diff(|s| {
        insert(s, "/paths/~1things/get", "deprecated", json!(true));
        insert(
            s,
            "/paths/~1things/get/responses",
            "429",
            json!({"description": "slow down"}),
        );
    });
    assert_eq!(
        changes(&d),
        [
            (
                Impact::None,
                ChangeKind::OperationDeprecated,
                "Client::list_things"
            ),
            (
                Impact::None,
                ChangeKind::ErrorsChanged,
                "Client::list_things"
            ),
        ]
    );
    assert_eq!(d.bump(), Bump::Patch);
}

/// Multipart forms hold files and derive no `Default`: callers name every field, so any new
/// field breaks them.
#[test]
fn a_form_field_added_is_breaking() {
    let mut old = base();
    insert(
        &mut old,
        "/paths",
        "/uploads",
        json!({"post": {"operationId": "upload",
            "requestBody": {"required": true, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}}}}}},
            "responses": {"204": {"description": "stored"}}}}),
    );
    let mut new = old.clone();
    insert(
        &mut new,
        "/paths/~1uploads/post/requestBody/content/multipart~1form-data/schema/properties",
        "purpose",
        json!({"type": "string"}),
    );
    let d = diff_texts(&old.to_string(), &new.to_string());
    // The schema is also generated as a plain struct (`UploadBody`, deriving `Default`),
    // which no method takes: additive there.
    assert_eq!(
        changes(&d),
        [
            (
                Impact::Breaking,
                ChangeKind::FieldAdded,
                "types::UploadForm.purpose"
            ),
            (
                Impact::Additive,
                ChangeKind::FieldAdded,
                "types::UploadBody.purpose"
            ),
        ]
    );
    assert!(
        d.changes[0].reason.contains("no `Default`"),
        "{:?}",
        d.changes[0]
    );
}

/// A spec that does not load is an error naming the file, not a panic.
#[test]
fn a_spec_that_does_not_load_is_an_error() {
    let input = |text| Input {
        spec_path: Path::new("broken.yaml"),
        spec_text: text,
        overlay: None,
        source_name: "broken.yaml",
        example_check: false,
    };
    let e = generator::api_diff(&input("openapi: [unclosed"), &input(BASE)).unwrap_err();
    assert!(e.to_string().contains("broken.yaml"), "{e}");
}

#[test]
fn types_added_removed_and_reshaped() {
    let d = diff(|s| insert(s, "/components/schemas", "Color", json!({"type": "string"})));
    assert_eq!(
        changes(&d),
        [(Impact::Additive, ChangeKind::TypeAdded, "types::Color")]
    );

    let d = diff(|s| remove(s, "/components/schemas", "Pet"));
    assert_eq!(
        changes(&d),
        [(Impact::Breaking, ChangeKind::TypeRemoved, "types::Pet")]
    );

    let d = diff(|s| *at(s, "/components/schemas/Owner") = json!({"type": "string"}));
    assert_eq!(
        changes(&d),
        [(Impact::Breaking, ChangeKind::TypeReshaped, "types::Owner")]
    );
    assert!(d.changes[0]
        .what
        .contains("now a type alias (was a struct)"));
}

/// A named schema that takes the name of an inline type pushes the inline type to another
/// name: the report says it is renamed, not that `Thing.status` changed type.
#[test]
fn a_type_renamed_by_a_new_schema_is_breaking() {
    let d = diff(|s| {
        insert(
            s,
            "/components/schemas",
            "ThingStatus",
            json!({"type": "string", "enum": ["on", "off"]}),
        )
    });
    assert_eq!(
        changes(&d),
        [
            (
                Impact::Breaking,
                ChangeKind::TypeRenamed,
                "types::ThingStatus2"
            ),
            (
                Impact::Additive,
                ChangeKind::TypeAdded,
                "types::ThingStatus"
            ),
        ]
    );
}

#[test]
fn operation_signatures_response_and_body() {
    let d = diff(|s| {
        *at(
            s,
            "/paths/~1things~1{thing_id}/get/responses/200/content/application~1json/schema",
        ) = json!({"$ref": "#/components/schemas/Owner"});
        *at(s, "/paths/~1things/post/requestBody/required") = json!(false);
    });
    assert_eq!(
        changes(&d),
        [
            (
                Impact::Breaking,
                ChangeKind::BodyMadeOptional,
                "Client::create_thing"
            ),
            (
                Impact::Breaking,
                ChangeKind::ResponseRetyped,
                "Client::get_thing"
            ),
        ]
    );
    assert!(d.changes[1].what.contains("returns `Owner` (was `Thing`)"));
}

#[test]
fn auth_and_server_changes() {
    let d = diff(|s| {
        insert(
            s,
            "/components/securitySchemes",
            "Bearer",
            json!({"type": "http", "scheme": "bearer"}),
        );
        *at(s, "/servers/0/url") = json!("https://eu.example.com/v1");
    });
    assert_eq!(
        changes(&d),
        [
            (
                Impact::Additive,
                ChangeKind::AuthAdded,
                "ClientBuilder::bearer"
            ),
            (Impact::None, ChangeKind::ServerChanged, "DEFAULT_BASE_URL"),
        ]
    );

    let d = diff(|s| {
        remove(s, "/components/securitySchemes", "ApiKey");
        remove(s, "", "security");
    });
    assert_eq!(
        changes(&d)[0],
        (
            Impact::Breaking,
            ChangeKind::AuthRemoved,
            "ClientBuilder::api_key"
        )
    );
}

/// A spec update with a little of everything, as a pull request description shows it.
#[test]
fn markdown_report() {
    let d = diff(|s| {
        remove(s, "/paths/~1things~1{thing_id}", "get");
        insert(s, &format!("{THING}/id"), "nullable", json!(true));
        push(s, &format!("{THING}/status/enum"), json!("failed"));
        insert(
            s,
            "/components/schemas/ThingRequest/properties",
            "weight",
            json!({"type": "integer"}),
        );
        insert(s, "/components/schemas", "Color", json!({"type": "string"}));
        *at(s, "/servers/0/url") = json!("https://eu.example.com/v1");
    });
    insta::assert_snapshot!("markdown_report", d.to_markdown());
    insta::assert_snapshot!("text_report", d.to_text());
}

/// A report too long for a pull request description keeps every breaking change and cuts
/// the rest to counts, the changes without effect on code first.
#[test]
fn markdown_stays_within_the_description_limit() {
    let change = |impact, i: usize| Change {
        impact,
        kind: ChangeKind::FieldAdded,
        location: format!("types::Thing{i}.field"),
        pointer: Some(format!("#/components/schemas/Thing{i}")),
        what: format!("field `field{i}` added (optional, `Option<String>`)"),
        reason: "`Thing` only comes back in responses: code that reads it is unaffected"
            .to_string(),
    };
    let mut changes: Vec<Change> = (0..50).map(|i| change(Impact::Breaking, i)).collect();
    changes.extend((0..150).map(|i| change(Impact::Additive, i)));
    changes.extend((0..400).map(|i| change(Impact::None, i)));
    let report = ApiDiff {
        old: "old".to_string(),
        new: "new".to_string(),
        changes,
    };
    let all = report.to_text();
    assert!(all.len() > MARKDOWN_LIMIT, "the case must be too long");
    let markdown = report.to_markdown();
    assert!(
        markdown.len() <= MARKDOWN_LIMIT,
        "{} characters",
        markdown.len()
    );
    assert!(
        markdown.contains("`types::Thing49.field`"),
        "every breaking change is listed"
    );
    assert!(
        markdown.contains("`types::Thing149.field`"),
        "the additive ones fit"
    );
    assert_eq!(
        markdown.matches("more, not listed").count(),
        1,
        "only what must be cut is"
    );
    // The changes without effect on code lose their last lines, as many as must go.
    assert!(
        markdown.contains("`types::Thing0.field`"),
        "the first ones stay"
    );
    assert!(!markdown.contains("`types::Thing399.field`"));
    let left: usize = markdown
        .split("- …and ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the note says how many");
    let listed = markdown.matches("field `field").count();
    assert_eq!(listed + left, 600, "every change is listed or counted");
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Generates the committed spec (with its overlay) from a JSON value.
fn generate_committed(spec: &Value) -> std::collections::BTreeMap<String, String> {
    let overlay_path = root().join("spec/portkey.overlay.yaml");
    let overlay = std::fs::read_to_string(&overlay_path).expect("overlay");
    let text = spec.to_string();
    generator::generate(&Input {
        spec_path: Path::new("portkey.json"),
        spec_text: &text,
        overlay: Some((&overlay_path, &overlay)),
        source_name: "spec/portkey.yaml",
        example_check: false,
    })
    .expect("the committed spec generates")
    .files
}

/// Files added, removed or changed between two generations.
fn changed_files(
    old: &std::collections::BTreeMap<String, String>,
    new: &std::collections::BTreeMap<String, String>,
) -> BTreeSet<String> {
    old.keys()
        .chain(new.keys())
        .filter(|k| old.get(*k) != new.get(*k))
        .cloned()
        .collect()
}

/// A one-schema change is a one-schema diff: adding a schema to the committed spec adds its
/// file and one line to the module list, and changes nothing else; using it from an existing
/// schema changes that schema's file too.
#[test]
fn one_schema_added_changes_one_file_and_the_module_list() {
    let spec: Value = serde_yaml::from_str(
        &std::fs::read_to_string(root().join("spec/portkey.yaml")).expect("committed spec"),
    )
    .expect("YAML");
    let old = generate_committed(&spec);

    let schema = json!({"type": "object", "description": "Where a run's files come from.",
                        "properties": {"vector_store_ids": {"type": "array", "items": {"type": "string"}}}});
    let mut standalone = spec.clone();
    insert(
        &mut standalone,
        "/components/schemas",
        "ToolResources",
        schema,
    );
    let new = generate_committed(&standalone);
    assert_eq!(
        changed_files(&old, &new),
        BTreeSet::from([
            "types/mod.rs".to_string(),
            "types/tool_resources.rs".to_string()
        ])
    );
    let module_list = diff_lines(&old["types/mod.rs"], &new["types/mod.rs"]);
    // No operation uses it: it comes with the feature of unreferenced schemas.
    assert_eq!(
        module_list,
        [
            "+#[cfg(feature = \"unreferenced-schemas\")]",
            "+mod tool_resources;",
            "+#[cfg(feature = \"unreferenced-schemas\")]",
            "+pub use tool_resources::*;"
        ]
    );

    let mut used = standalone.clone();
    insert(
        &mut used,
        "/components/schemas/RunObject/properties",
        "tool_resources",
        json!({"$ref": "#/components/schemas/ToolResources"}),
    );
    let new = generate_committed(&used);
    assert_eq!(
        changed_files(&old, &new),
        BTreeSet::from([
            "types/mod.rs".to_string(),
            "types/run_object.rs".to_string(),
            "types/tool_resources.rs".to_string()
        ])
    );
    let d = diff_texts(&spec.to_string(), &used.to_string());
    assert_eq!(
        changes(&d),
        [
            (
                Impact::Additive,
                ChangeKind::FieldAdded,
                "types::RunObject.tool_resources"
            ),
            (
                Impact::Additive,
                ChangeKind::TypeAdded,
                "types::ToolResources"
            ),
        ]
    );
}

/// The lines only one side has, `-` or `+` first, in order (the files differ by insertions).
fn diff_lines(old: &str, new: &str) -> Vec<String> {
    let old_lines: BTreeSet<&str> = old.lines().collect();
    let new_lines: BTreeSet<&str> = new.lines().collect();
    let mut out: Vec<String> = old
        .lines()
        .filter(|l| !new_lines.contains(l))
        .map(|l| format!("-{l}"))
        .collect();
    out.extend(
        new.lines()
            .filter(|l| !old_lines.contains(l))
            .map(|l| format!("+{l}")),
    );
    out
}

/// The real update: Portkey's 2024-06 spec to its 2026-07 spec. Every fact checked here was
/// read in the two YAML files by hand.
#[test]
fn the_2024_to_2026_update() {
    let dir = root().join("../shared/specs");
    let (old_path, new_path) = (
        dir.join("portkey-2024-06.yaml"),
        dir.join("portkey-2026-07.yaml"),
    );
    let (Ok(old), Ok(new)) = (
        std::fs::read_to_string(&old_path),
        std::fs::read_to_string(&new_path),
    ) else {
        println!("skipped: ../shared/specs/ has no portkey-2024-06.yaml and portkey-2026-07.yaml");
        return;
    };
    fn input<'a>(path: &'a Path, text: &'a str) -> Input<'a> {
        Input {
            spec_path: path,
            spec_text: text,
            overlay: None,
            source_name: "portkey.yaml",
            example_check: false,
        }
    }
    let d = generator::api_diff(&input(&old_path, &old), &input(&new_path, &new))
        .expect("both specs generate");
    let has = |impact: Impact, kind: ChangeKind, location: &str, what: &str| {
        assert!(
            d.changes.iter().any(|c| c.impact == impact
                && c.kind == kind
                && c.location == location
                && c.what.contains(what)),
            "no {impact:?} {kind:?} at {location} ({what})"
        );
    };
    // `/collections` is new in 2026 (58 paths then, 144 now).
    has(
        Impact::Additive,
        ChangeKind::OperationAdded,
        "Client::collections().get_collections",
        "`GET /collections`",
    );
    has(
        Impact::Additive,
        ChangeKind::OperationAdded,
        "Client::collections().post_collections",
        "`POST /collections`",
    );
    // `POST /admin/users/invites` had no operationId; 2026 calls it `Invites_create`.
    has(
        Impact::Breaking,
        ChangeKind::OperationRenamed,
        "Client::user_invites().invites_create",
        "`Client::user_invites().post_admin_users_invites`",
    );
    // `POST /fine_tuning/jobs` is tagged `Finetune` first in 2026: its group changes.
    has(
        Impact::Breaking,
        ChangeKind::OperationRegrouped,
        "Client::finetune().create_fine_tuning_job",
        "(was `Client::fine_tuning().create_fine_tuning_job`)",
    );
    // `GET /models` gains `limit` and `offset` and a list answer: a listing by offset.
    has(
        Impact::Additive,
        ChangeKind::PaginationAdded,
        "Client::models().list_models",
        "(offset, by `offset`): `list_models_stream` and `list_models_pages`",
    );
    // `CreateChatCompletionRequest` gains `max_completion_tokens` (optional, nullable); the
    // struct has no `Default` (its required `model` is an open enum), so this breaks literals.
    has(
        Impact::Breaking,
        ChangeKind::FieldAdded,
        "types::CreateChatCompletionRequest.max_completion_tokens",
        "`Nullable<i64>`",
    );
    // The chat model enum gains `gpt-5`.
    has(
        Impact::Additive,
        ChangeKind::EnumValueAdded,
        "types::CreateChatCompletionRequestModel",
        "`\"gpt-5\"`",
    );
    // `Workspace.description` becomes `nullable: true`.
    has(
        Impact::Breaking,
        ChangeKind::FieldMadeNullable,
        "types::Workspace.description",
        "`Option<String>` → `Nullable<String>`",
    );
    // `WorkspaceMember` loses `user_id` and `user`.
    has(
        Impact::Breaking,
        ChangeKind::FieldRemoved,
        "types::WorkspaceMember.user_id",
        "",
    );
    // The one `ApiKeyAuth` scheme gives way to six: `Portkey-Key` (x-portkey-api-key), ...
    has(
        Impact::Breaking,
        ChangeKind::AuthRemoved,
        "ClientBuilder::portkey_api_key",
        "`ApiKeyAuth`",
    );
    has(
        Impact::Additive,
        ChangeKind::AuthAdded,
        "ClientBuilder::api_key",
        "`x-portkey-api-key`",
    );
    assert_eq!(d.count_kind(ChangeKind::AuthAdded), 6);
    assert_eq!(d.count_kind(ChangeKind::OperationRemoved), 0);
    assert_eq!(d.bump(), Bump::Major);
    let markdown = d.to_markdown();
    assert!(
        markdown.len() <= MARKDOWN_LIMIT,
        "{} characters",
        markdown.len()
    );
    assert!(markdown
        .contains("`Client::user_invites().invites_create`: renamed from `Client::user_invites().post_admin_users_invites`"));
    // The README records the counts; this keeps them true.
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    assert!(
        readme.contains(&d.summary()),
        "README.md should quote the summary of the 2024-06 → 2026-07 report:\n{}",
        d.summary()
    );
}

/// Reads a spec of `../shared/specs/`, or says it is absent.
fn shared_spec(name: &str) -> Option<(PathBuf, String)> {
    let path = root().join("../shared/specs").join(name);
    let text = std::fs::read_to_string(&path).ok()?;
    Some((path, text))
}

fn spec_input((path, text): &(PathBuf, String)) -> Input<'_> {
    Input {
        spec_path: path.as_path(),
        spec_text: text.as_str(),
        overlay: None,
        source_name: "portkey.yaml",
        example_check: false,
    }
}

fn diff_specs(old: &(PathBuf, String), new: &(PathBuf, String)) -> ApiDiff {
    generator::api_diff(&spec_input(old), &spec_input(new)).expect("both specs generate")
}

/// Portkey's spec of 11 November 2024 said `openapi: 3.1.0`; the next day's is the same
/// document saying `openapi: 3.0.0`. The update changes nothing a user of the crate sees.
#[test]
fn the_version_line_alone_changes_nothing() {
    let (Some(v31), Some(v30)) = (
        shared_spec("portkey-2024-11-3.1.yaml"),
        shared_spec("portkey-2024-11-3.0.yaml"),
    ) else {
        println!("skipped: ../shared/specs/ lacks the 2024-11 specs");
        return;
    };
    let d = diff_specs(&v31, &v30);
    assert!(d.changes.is_empty(), "{:#?}", d.changes);
    assert!(d.summary().starts_with("no API change"), "{}", d.summary());
    assert_eq!(d.bump(), Bump::Patch);
    // And back: 3.0 to 3.1.
    assert!(diff_specs(&v30, &v31).changes.is_empty());
}

/// From the last 3.0 version before the switch (10 October 2024) to the last 3.1 version
/// (11 November): the report is the month's API changes, exactly those of the same update
/// read as 3.0, so the version switch adds none of its own; a few are checked against facts
/// read in the two YAML files.
#[test]
fn the_month_of_3_1_lists_only_its_api_changes() {
    let (Some(october), Some(v31), Some(v30)) = (
        shared_spec("portkey-2024-10-3.0.yaml"),
        shared_spec("portkey-2024-11-3.1.yaml"),
        shared_spec("portkey-2024-11-3.0.yaml"),
    ) else {
        println!("skipped: ../shared/specs/ lacks the 2024-10 and 2024-11 specs");
        return;
    };
    let d = diff_specs(&october, &v31);
    assert_eq!(d.changes, diff_specs(&october, &v30).changes);
    assert!(!d.changes.is_empty());
    let has = |impact: Impact, kind: ChangeKind, location: &str, what: &str| {
        assert!(
            d.changes.iter().any(|c| c.impact == impact
                && c.kind == kind
                && c.location == location
                && c.what.contains(what)),
            "no {impact:?} {kind:?} at {location} ({what}):\n{}",
            d.to_text()
        );
    };
    // 10 October: one `ApiKeyAuth` and one `VirtualKeyAuth` scheme; 11 November: six,
    // `Portkey-Key` (x-portkey-api-key) first.
    has(
        Impact::Breaking,
        ChangeKind::AuthRemoved,
        "ClientBuilder::api_key",
        "`ApiKeyAuth`",
    );
    has(
        Impact::Additive,
        ChangeKind::AuthAdded,
        "ClientBuilder::api_key",
        "`Portkey-Key` added (header `x-portkey-api-key`)",
    );
    // `/prompts/{promptId}/completions`, `/prompts/{promptId}/render` and `POST /logs` are new.
    has(
        Impact::Additive,
        ChangeKind::OperationAdded,
        "Client::prompts().create_prompt_completion",
        "`POST /prompts/{promptId}/completions`",
    );
    has(
        Impact::Additive,
        ChangeKind::OperationAdded,
        "Client::logs().post_logs",
        "`POST /logs`",
    );
    // Nothing else: no type, field or variant changed shape in a month whose only other
    // change was the version line.
    assert_eq!(d.count_kind(ChangeKind::OperationAdded), 3);
    assert_eq!(d.count(Impact::Breaking), 3, "{}", d.to_text());
    for kind in [
        ChangeKind::TypeReshaped,
        ChangeKind::TypeRemoved,
        ChangeKind::TypeRenamed,
        ChangeKind::FieldRetyped,
        ChangeKind::FieldMadeNullable,
        ChangeKind::FieldMadeNonNullable,
        ChangeKind::VariantRetyped,
        ChangeKind::ResponseRetyped,
        ChangeKind::BodyRetyped,
    ] {
        assert_eq!(d.count_kind(kind), 0, "{kind:?}: {}", d.to_text());
    }
}

/// Webhooks are payload types of the `webhooks` module: one added is additive, one removed
/// or retyped is breaking.
#[test]
fn webhooks_added_removed_and_retyped() {
    let spec = |hooks: &str| {
        format!(
            "openapi: 3.1.0\ninfo: {{title: T, version: '1'}}\nwebhooks:\n{hooks}components:\n  schemas:\n    A: {{type: object, properties: {{id: {{type: string}}}}}}\n    B: {{type: object, properties: {{n: {{type: integer}}}}}}\n"
        )
    };
    let hook = |name: &str, schema: &str| {
        format!("  {name}:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema: {{$ref: '#/components/schemas/{schema}'}}\n      responses: {{'200': {{description: ok}}}}\n")
    };
    let old = as_json(&spec(&format!(
        "{}{}",
        hook("done", "A"),
        hook("gone", "A")
    )));
    let new = as_json(&spec(&format!(
        "{}{}",
        hook("done", "B"),
        hook("fresh", "A")
    )));
    let d = diff_texts(&old, &new);
    assert_eq!(
        changes(&d),
        [
            (
                Impact::Breaking,
                ChangeKind::WebhookRetyped,
                "webhooks::Done"
            ),
            (
                Impact::Breaking,
                ChangeKind::WebhookRemoved,
                "webhooks::Gone"
            ),
            (
                Impact::Additive,
                ChangeKind::WebhookAdded,
                "webhooks::Fresh"
            ),
        ]
    );
    assert!(
        d.changes[0]
            .what
            .contains("`webhooks::Done` = `B` (was `webhooks::Done` = `A`)"),
        "{}",
        d.changes[0].what
    );
}

/// A constant (`const: 2`) whose value changes is breaking: it accepts nothing it did.
#[test]
fn a_constant_changed_is_breaking() {
    let spec = |v: u8| {
        format!("openapi: 3.1.0\ninfo: {{title: T, version: '1'}}\ncomponents:\n  schemas:\n    Version: {{const: {v}}}\n")
    };
    let d = diff_texts(&as_json(&spec(1)), &as_json(&spec(2)));
    assert_eq!(
        changes(&d),
        [(Impact::Breaking, ChangeKind::TypeReshaped, "types::Version")]
    );
    assert!(d.changes[0].what.contains("now the constant `2` (was `1`)"));
    assert!(diff_texts(&as_json(&spec(1)), &as_json(&spec(1)))
        .changes
        .is_empty());
}

/// YAML text as the JSON text [`diff_texts`] takes.
fn as_json(yaml: &str) -> String {
    serde_yaml::from_str::<Value>(yaml)
        .expect("YAML")
        .to_string()
}

/// A WebSocket operation (`101 Switching Protocols`) is an operation like any other: added,
/// it is additive, with no `_with_response` twin named; typing its messages with
/// `x-websocket-events` changes what the connection sends and receives, which is breaking.
#[test]
fn a_websocket_operation_added_and_its_messages_typed_are_reported() {
    let socket = json!({"operationId": "connectEvents",
                        "responses": {"101": {"description": "Switching Protocols"}}});
    let d = diff(|s| insert(s, "/paths", "/events", json!({"get": socket.clone()})));
    assert_eq!(
        changes(&d),
        [(
            Impact::Additive,
            ChangeKind::OperationAdded,
            "Client::connect_events"
        )]
    );
    assert!(
        !d.changes[0].what.contains("with_response"),
        "{}",
        d.changes[0].what
    );

    let mut old = base();
    insert(
        &mut old,
        "/paths",
        "/events",
        json!({"get": socket.clone()}),
    );
    let mut new = old.clone();
    insert(
        &mut new,
        "/paths/~1events/get",
        "x-websocket-events",
        json!({"server": {"$ref": "#/components/schemas/Thing"}}),
    );
    let d = diff_texts(&old.to_string(), &new.to_string());
    assert_eq!(
        changes(&d),
        [(
            Impact::Breaking,
            ChangeKind::ResponseRetyped,
            "Client::connect_events"
        )]
    );
    assert!(
        d.changes[0].what.contains("WebSocket<Value, Thing>"),
        "{}",
        d.changes[0].what
    );
}
