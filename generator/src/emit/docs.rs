//! Spec text → rustdoc. Markdown stays intact, but nothing in a description can break the
//! generated code or become a doctest: code blocks that rustdoc would compile are re-fenced
//! as `text`.

use proc_macro2::TokenStream;
use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use quote::quote;

use crate::ir::Docs;

/// `#[doc = "..."]` attributes, one per line, for `text`.
pub fn attrs(text: &str) -> TokenStream {
    let text = text.trim_end();
    if text.trim().is_empty() {
        return TokenStream::new();
    }
    let lines = text.lines().map(|line| {
        // Control characters other than tab have no place in docs; drop them (and copy the
        // line character by character only when it has any).
        let unwanted = |c: char| c.is_control() && c != '\t';
        let line = if line.is_empty() {
            String::new()
        } else if !line.contains(unwanted) {
            format!(" {line}")
        } else {
            let clean: String = line.chars().filter(|&c| !unwanted(c)).collect();
            if clean.is_empty() {
                String::new()
            } else {
                format!(" {clean}")
            }
        };
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

/// The documentation text for a schema's docs, plus `extra` paragraphs.
pub fn render(docs: &Docs, extra: &[String]) -> String {
    let mut parts: Vec<String> = Vec::new();
    match (&docs.title, &docs.description) {
        (Some(t), Some(d)) if !d.trim().is_empty() => {
            parts.push(t.trim().to_string());
            parts.push(sanitize(d));
        }
        (Some(t), _) => parts.push(t.trim().to_string()),
        (None, Some(d)) if !d.trim().is_empty() => parts.push(sanitize(d)),
        _ => {}
    }
    if docs.deprecated {
        parts.push("**Deprecated** in the spec.".to_string());
    }
    parts.extend(extra.iter().cloned());
    if let Some(default) = &docs.default {
        parts.push(format!("Default: `{}`", inline_json(default)));
    }
    if let Some(example) = &docs.example {
        let json = serde_json::to_string_pretty(example).unwrap_or_default();
        if json.lines().count() == 1 && json.len() < 80 {
            parts.push(format!("Example: `{}`", json.replace('`', "'")));
        } else {
            parts.push(format!(
                "# Example\n\n```json\n{}\n```",
                json.replace("```", "'''")
            ));
        }
    }
    parts.join("\n\n")
}

fn inline_json(v: &serde_json::Value) -> String {
    serde_json::to_string(v)
        .unwrap_or_default()
        .replace('`', "'")
}

/// Re-fences every code block rustdoc would treat as Rust (indented blocks, fences without a
/// language or with `rust`) as `text`, and closes an unbalanced fence.
pub fn sanitize(markdown: &str) -> String {
    let markdown = markdown.trim();
    let mut out = String::new();
    let mut last = 0;
    let mut block_start: Option<usize> = None;
    let mut needs_fence = false;
    let mut code = String::new();
    for (event, range) in Parser::new(markdown).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                needs_fence = match &kind {
                    CodeBlockKind::Indented => true,
                    CodeBlockKind::Fenced(lang) => {
                        let lang = lang.split(',').next().unwrap_or("").trim();
                        lang.is_empty() || lang == "rust"
                    }
                };
                block_start = Some(range.start);
                code.clear();
            }
            Event::Text(t) if block_start.is_some() => code.push_str(&t),
            Event::End(TagEnd::CodeBlock) => {
                if let Some(start) = block_start.take() {
                    // An indented block's range starts after its indentation: drop that too.
                    let before = &markdown[last..start];
                    out.push_str(if needs_fence {
                        before.trim_end_matches([' ', '\t'])
                    } else {
                        before
                    });
                    if needs_fence {
                        out.push_str("```text\n");
                        out.push_str(&code.replace("```", "'''"));
                        if !code.ends_with('\n') {
                            out.push('\n');
                        }
                        out.push_str("```");
                    } else {
                        let block = &markdown[start..range.end];
                        out.push_str(block.trim_end());
                        // An unbalanced fence runs to the end of the text: close it.
                        let fence_lines = block
                            .lines()
                            .filter(|l| l.trim_start().starts_with("```"))
                            .count();
                        if fence_lines < 2 {
                            out.push_str("\n```");
                        }
                    }
                    last = range.end;
                    if markdown[..range.end].ends_with('\n') {
                        out.push('\n');
                    }
                }
            }
            _ => {}
        }
    }
    out.push_str(&markdown[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_looking_code_blocks_become_text() {
        let md =
            "Intro.\n\n    indented code\n\nAfter.\n\n```\nplain fence\n```\n\n```json\n{}\n```";
        let out = sanitize(md);
        assert!(out.contains("```text\nindented code\n```"), "{out}");
        assert!(out.contains("```text\nplain fence\n```"), "{out}");
        assert!(out.contains("```json\n{}\n```"), "{out}");
        assert!(out.starts_with("Intro.") && out.contains("After."));
    }

    #[test]
    fn unbalanced_fence_is_closed() {
        let out = sanitize("Text\n\n```python\nprint(1)\n");
        assert_eq!(out.matches("```").count(), 2, "{out}");
    }

    #[test]
    fn quotes_and_comment_markers_stay_text() {
        let attrs = attrs("ends */ and \"# and \\ too");
        let s = attrs.to_string();
        assert!(s.contains("ends */ and \\\"# and \\\\ too"), "{s}");
    }
}
