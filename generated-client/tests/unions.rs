//! Decoding the generated unions and string enums: tagged unions (`oneOf` with a
//! discriminator) in one pass wherever the tag stands, untagged ones tried in order, string
//! enums from borrowed and owned strings, from every kind of deserializer.

use portkey_client::types::{
    AssistantsApiToolChoiceOption, CreateMessageRequestContent,
    CreateMessageRequestContentArrayOfContentPartsItem, CreateRunRequest,
    CreateRunRequestToolsItem,
};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// Decodes `text` from a `&str`, from bytes, from a reader and from a `Value`, checks that
/// all four agree, and returns one of them.
fn decode_every_way<T: DeserializeOwned + PartialEq + std::fmt::Debug>(text: &str) -> T {
    let from_str: T = serde_json::from_str(text).expect("from_str");
    let from_slice: T = serde_json::from_slice(text.as_bytes()).expect("from_slice");
    let from_reader: T = serde_json::from_reader(text.as_bytes()).expect("from_reader");
    let value: Value = serde_json::from_str(text).expect("JSON");
    let from_value: T = serde_json::from_value(value).expect("from_value");
    assert_eq!(from_str, from_slice);
    assert_eq!(from_str, from_reader);
    assert_eq!(from_str, from_value);
    from_str
}

fn function_name(tool: &CreateRunRequestToolsItem) -> &str {
    match tool {
        CreateRunRequestToolsItem::Function(f) => &f.function.name,
        other => panic!("not a function tool: {other:?}"),
    }
}

#[test]
fn the_tag_is_found_first_last_or_in_the_middle() {
    let first =
        r#"{"type": "function", "function": {"name": "a", "parameters": {"type": "object"}}}"#;
    let last =
        r#"{"function": {"name": "a", "parameters": {"type": "object"}}, "type": "function"}"#;
    let middle = r#"{"function": {"name": "a", "parameters": {"type": "object"}}, "type": "function", "strict": true}"#;
    let a: CreateRunRequestToolsItem = decode_every_way(first);
    let b: CreateRunRequestToolsItem = decode_every_way(last);
    let c: CreateRunRequestToolsItem = decode_every_way(middle);
    assert_eq!(function_name(&a), "a");
    assert_eq!(a, b);
    assert_eq!(a, c);
    assert_eq!(
        serde_json::to_value(&a).unwrap(),
        json!({"type": "function", "function": {"name": "a", "parameters": {"type": "object"}}})
    );
}

#[test]
fn escaped_strings_decode_as_well_as_borrowed_ones() {
    let text =
        r#"{"function": {"name": "a\"b\u00e9", "description": "line\nbreak"}, "type": "function"}"#;
    let tool: CreateRunRequestToolsItem = decode_every_way(text);
    match &tool {
        CreateRunRequestToolsItem::Function(f) => {
            assert_eq!(f.function.name, "a\"b\u{e9}");
            assert_eq!(f.function.description.as_deref(), Some("line\nbreak"));
        }
        other => panic!("not a function tool: {other:?}"),
    }
}

#[test]
fn an_unknown_missing_or_non_string_tag_keeps_the_whole_value() {
    for value in [
        json!({"a": [1, -2, 2.5, null, true], "type": "web_browser", "z": {"nested": "x\ny"}}),
        json!({"type": "web_browser"}),
        json!({"function": {"name": "a"}}),
        json!({"type": 7, "function": {"name": "a"}}),
        json!({}),
        json!("function"),
        json!([{"type": "function"}]),
        json!(12),
        json!(null),
    ] {
        let tool: CreateRunRequestToolsItem = decode_every_way(&value.to_string());
        assert_eq!(tool, CreateRunRequestToolsItem::Unknown(value.clone()));
        assert_eq!(serde_json::to_value(&tool).unwrap(), value);
    }
}

#[test]
fn a_known_tag_with_a_bad_variant_is_an_error() {
    for text in [
        r#"{"type": "function", "function": {"name": 5}}"#,
        r#"{"function": {"name": 5}, "type": "function"}"#,
        r#"{"type": "function"}"#,
    ] {
        assert!(
            serde_json::from_str::<CreateRunRequestToolsItem>(text).is_err(),
            "{text}"
        );
        let value: Value = serde_json::from_str(text).unwrap();
        assert!(
            serde_json::from_value::<CreateRunRequestToolsItem>(value).is_err(),
            "{text}"
        );
    }
}

#[test]
fn error_paths_name_the_field_that_holds_the_union() {
    for text in [
        r#"{"assistant_id": "a", "tools": [{"type": "code_interpreter"}, {"type": "function", "function": {"name": 5}}]}"#,
        r#"{"assistant_id": "a", "tools": [{"type": "code_interpreter"}, {"function": {"name": 5}, "type": "function"}]}"#,
    ] {
        let de = &mut serde_json::Deserializer::from_str(text);
        let err = serde_path_to_error::deserialize::<_, CreateRunRequest>(de).unwrap_err();
        let path = err.path().to_string();
        assert!(path.starts_with("tools[1]"), "{path}");
    }
}

#[test]
fn untagged_unions_try_each_variant_in_order() {
    let text: CreateMessageRequestContent = decode_every_way(r#""hello""#);
    assert_eq!(
        text,
        CreateMessageRequestContent::TextContent("hello".into())
    );
    let parts: CreateMessageRequestContent = decode_every_way(
        r#"[{"type": "text", "text": "hi\tthere"}, {"image_url": {"url": "https://example.com/a.png"}, "type": "image_url"}, {"type": "video"}]"#,
    );
    match parts {
        CreateMessageRequestContent::ArrayOfContentParts(parts) => {
            assert_eq!(parts.len(), 3);
            assert!(matches!(
                &parts[0],
                CreateMessageRequestContentArrayOfContentPartsItem::Text(t) if t.text == "hi\tthere"
            ));
            assert!(matches!(
                &parts[1],
                CreateMessageRequestContentArrayOfContentPartsItem::ImageUrl(_)
            ));
            assert_eq!(
                parts[2],
                CreateMessageRequestContentArrayOfContentPartsItem::Unknown(
                    json!({"type": "video"})
                )
            );
        }
        other => panic!("not parts: {other:?}"),
    }

    let auto: AssistantsApiToolChoiceOption = decode_every_way(r#""auto""#);
    assert_eq!(auto, AssistantsApiToolChoiceOption::Auto);
    let other: AssistantsApiToolChoiceOption = decode_every_way(r#""sometimes""#);
    assert_eq!(
        other,
        AssistantsApiToolChoiceOption::Other("sometimes".into())
    );
    let named: AssistantsApiToolChoiceOption =
        decode_every_way(r#"{"type": "function", "function": {"name": "f"}}"#);
    assert!(matches!(
        named,
        AssistantsApiToolChoiceOption::AssistantsNamedToolChoice(_)
    ));
}

#[test]
fn an_untagged_value_matching_no_variant_says_why_each_failed() {
    let err = serde_json::from_str::<CreateMessageRequestContent>("12").unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("the value matches no variant of CreateMessageRequestContent"),
        "{message}"
    );
    assert!(
        message.contains("TextContent: invalid type: integer `12`"),
        "{message}"
    );
    assert!(
        message.contains("ArrayOfContentParts: invalid type: integer `12`"),
        "{message}"
    );
    let err = serde_json::from_value::<CreateMessageRequestContent>(json!({"a": 1})).unwrap_err();
    assert!(
        err.to_string().contains("TextContent: invalid type: map"),
        "{err}"
    );
}

/// A string enum decodes from a borrowed string, an escaped one (which serde_json hands over
/// in a scratch buffer), an owned one (from a `Value`) and a reader alike; a value the spec
/// does not list is `Other`, and anything but a string is an error that says so.
#[test]
fn string_enums_decode_from_every_kind_of_string() {
    use portkey_client::types::RunObjectStatus;

    let borrowed: RunObjectStatus = serde_json::from_str(r#""queued""#).unwrap();
    let escaped: RunObjectStatus = serde_json::from_str(r#""qu\u0065ued""#).unwrap();
    let owned: RunObjectStatus = serde_json::from_value(serde_json::json!("queued")).unwrap();
    let read: RunObjectStatus = serde_json::from_reader(&br#""queued""#[..]).unwrap();
    for status in [borrowed, escaped, owned, read] {
        assert_eq!(status, RunObjectStatus::Queued);
    }
    let other: RunObjectStatus = serde_json::from_str(r#""paused""#).unwrap();
    assert_eq!(other, RunObjectStatus::Other("paused".to_string()));
    let e = serde_json::from_str::<RunObjectStatus>("3").unwrap_err();
    assert!(e.to_string().contains("expected a string"), "{e}");
}
