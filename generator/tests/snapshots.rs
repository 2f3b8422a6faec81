//! One fixture spec per mapping rule; each snapshot holds the diagnostics and the generated
//! code. Review changes with `cargo insta review`. That the snapshots also compile is checked
//! by `cargo xtask`'s fixture build test.

use std::path::Path;

fn render(fixture: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{fixture}.yaml"));
    let text = std::fs::read_to_string(&path).expect("fixture exists");
    let generated = generator::generate(&generator::Input {
        spec_path: &path,
        spec_text: &text,
        overlay: None,
        source_name: &format!("{fixture}.yaml"),
        example_check: false,
    })
    .unwrap_or_else(|e| panic!("{fixture}: {e}"));
    let mut out = String::new();
    for d in &generated.diagnostics {
        out.push_str(&format!("{d}\n"));
    }
    for (file, content) in &generated.files {
        // Module lists and the client are the same for every spec without operations.
        let boilerplate = file.ends_with("mod.rs") || file == "client.rs";
        if boilerplate && generated.operation_count == 0 {
            continue;
        }
        out.push_str(&format!("\n===== {file} =====\n"));
        // The two header lines are the same in every file.
        out.extend(content.lines().skip(3).map(|l| format!("{l}\n")));
    }
    if !generated.features.is_empty() {
        out.push_str("\n===== Cargo.toml: [features] =====\n");
        out.push_str(&generated.cargo_features());
    }
    out
}

macro_rules! snapshot_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                insta::assert_snapshot!(render(stringify!($name)));
            }
        )*
    };
}

snapshot_tests!(
    accepted_bad_input,
    all_of,
    any_of_open_enum,
    bodies,
    defaults,
    discriminator,
    docs,
    features,
    inline_names,
    maps,
    names,
    not,
    nullable_ref,
    one_of_tagged,
    one_of_untagged,
    operations,
    recursive,
    required_non_property,
    required_optional,
    string_enum,
);
