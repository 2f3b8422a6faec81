//! The one sanitiser for every identifier the generator emits.
//!
//! Every name goes through [`words`], so `gpt-4-0125-preview`, `thread.run`, `fooBar` and
//! `HTTPServer` split the same way everywhere. Digits that were separated in the original keep
//! an underscore between them (`gpt-3.5` is `Gpt3_5`, not `Gpt35`), which keeps most values
//! that differ only in punctuation apart; [`Namer`] makes whatever still collides unique.

use std::collections::BTreeSet;

/// Rust keywords (strict and reserved, all editions) and names that cannot be raw identifiers.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Splits a raw name into words: on every character that is not an ASCII letter or digit, and
/// on case changes (`fooBar` → `foo`, `Bar`; `HTTPServer` → `HTTP`, `Server`).
pub fn words(raw: &str) -> Vec<String> {
    // Transliterate first, so `café` reads as `cafe` rather than losing a letter.
    let raw = deunicode::deunicode(raw);
    let mut out = Vec::new();
    for chunk in raw.split(|c: char| !c.is_ascii_alphanumeric()) {
        let chars: Vec<char> = chunk.chars().collect();
        let mut start = 0;
        for i in 1..chars.len() {
            let (prev, cur) = (chars[i - 1], chars[i]);
            let next_lower = chars.get(i + 1).is_some_and(|c| c.is_ascii_lowercase());
            let boundary = (prev.is_ascii_lowercase() && cur.is_ascii_uppercase())
                || (prev.is_ascii_digit() && cur.is_ascii_uppercase())
                || (prev.is_ascii_uppercase() && cur.is_ascii_uppercase() && next_lower);
            if boundary {
                out.push(chars[start..i].iter().collect());
                start = i;
            }
        }
        if start < chars.len() {
            out.push(chars[start..].iter().collect());
        }
    }
    out
}

fn join_pascal(words: &[String]) -> String {
    let mut out = String::new();
    for w in words {
        let starts_digit = w.starts_with(|c: char| c.is_ascii_digit());
        if starts_digit && out.ends_with(|c: char| c.is_ascii_digit()) {
            out.push('_');
        }
        let mut chars = w.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    out
}

/// `UpperCamelCase`, or `fallback` when nothing usable is left; a leading digit gets `prefix`.
fn pascal_with(raw: &str, fallback: &str, prefix: &str) -> String {
    let name = join_pascal(&words(raw));
    if name.is_empty() {
        fallback.to_string()
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{prefix}{name}")
    } else if name == "Self" {
        "Self_".to_string()
    } else {
        name
    }
}

/// A type name: `run.object` → `RunObject`, `2fa` → `T2fa`.
pub fn type_name(raw: &str) -> String {
    pascal_with(raw, "Unnamed", "T")
}

/// An enum variant name: `in_progress` → `InProgress`, `1024x1024` → `V1024x1024`, `` → `Empty`.
pub fn variant_name(raw: &str) -> String {
    pascal_with(raw, "Empty", "V")
}

/// UpperCamelCase without any sanitising for keywords: for composing names from parts.
pub fn pascal(raw: &str) -> String {
    join_pascal(&words(raw))
}

/// `snake_case` with keywords suffixed by `_` (`type` → `type_`) and a leading digit prefixed.
pub fn snake_name(raw: &str, fallback: &str) -> String {
    let name = words(raw)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if name.is_empty() {
        fallback.to_string()
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{name}")
    } else if KEYWORDS.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

/// A field, parameter or method name.
pub fn field_name(raw: &str) -> String {
    snake_name(raw, "field")
}

/// Hands out names that are unique within one scope, in the order they are asked for.
#[derive(Debug, Default, Clone)]
pub struct Namer {
    used: BTreeSet<String>,
}

impl Namer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks `name` as taken without handing it out (names the scope already has).
    pub fn reserve(&mut self, name: &str) {
        self.used.insert(name.to_string());
    }

    pub fn is_taken(&self, name: &str) -> bool {
        self.used.contains(name)
    }

    /// `base` if free, else `base2`, `base3`, … (`base_2` when `base` ends in a digit).
    pub fn unique(&mut self, base: &str) -> String {
        if self.used.insert(base.to_string()) {
            return base.to_string();
        }
        let sep = if base.ends_with(|c: char| c.is_ascii_digit()) {
            "_"
        } else {
            ""
        };
        (2..)
            .map(|n| format!("{base}{sep}{n}"))
            .find(|candidate| self.used.insert(candidate.clone()))
            .expect("an unbounded range always yields a free name")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_a_person_reads() {
        assert_eq!(words("fooBar"), ["foo", "Bar"]);
        assert_eq!(words("HTTPServer"), ["HTTP", "Server"]);
        assert_eq!(words("thread.run"), ["thread", "run"]);
        assert_eq!(words("x-portkey-api-key"), ["x", "portkey", "api", "key"]);
    }

    #[test]
    fn enum_values_become_clean_variants() {
        assert_eq!(variant_name("thread.run"), "ThreadRun");
        assert_eq!(variant_name("gpt-4-0125-preview"), "Gpt4_0125Preview");
        assert_eq!(variant_name("gpt-3.5-turbo"), "Gpt3_5Turbo");
        assert_eq!(variant_name("gpt-35-turbo"), "Gpt35Turbo");
        assert_eq!(variant_name("gpt-4o"), "Gpt4o");
        assert_eq!(variant_name("1024x1024"), "V1024x1024");
        assert_eq!(variant_name(""), "Empty");
        assert_eq!(variant_name("Self"), "Self_");
        assert_eq!(variant_name("café"), "Cafe");
    }

    #[test]
    fn fields_are_snake_case_and_never_keywords() {
        assert_eq!(field_name("type"), "type_");
        assert_eq!(field_name("self"), "self_");
        assert_eq!(field_name("createdAt"), "created_at");
        assert_eq!(field_name("2fa"), "_2fa");
        assert_eq!(field_name("not"), "not");
        assert_eq!(field_name("---"), "field");
    }

    #[test]
    fn namer_makes_collisions_unique() {
        let mut n = Namer::new();
        assert_eq!(n.unique("Foo"), "Foo");
        assert_eq!(n.unique("Foo"), "Foo2");
        assert_eq!(n.unique("V1"), "V1");
        assert_eq!(n.unique("V1"), "V1_2");
    }
}
