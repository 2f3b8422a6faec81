//! The report as text for a terminal and as Markdown for a pull request description.

use super::{ApiDiff, Change, ChangeKind, Impact};

impl ApiDiff {
    /// The report for a terminal.
    pub fn to_text(&self) -> String {
        let mut out = format!("API changes: {} → {}\n", self.old, self.new);
        for (impact, changes) in self.grouped() {
            out.push_str(&format!("\n{} ({}):\n", impact.heading(), changes.len()));
            for line in lines(&changes) {
                out.push_str(&format!("  - {}: {}\n", line.location, line.what));
                out.push_str(&format!("      {}", line.reason));
                if let Some(p) = &line.pointer {
                    out.push_str(&format!(" [{p}]"));
                }
                out.push('\n');
            }
        }
        out.push_str(&format!("\n{}\n", self.summary()));
        out
    }

    /// The report as Markdown, for a pull request description. Long sections other than
    /// the breaking one are folded.
    pub fn to_markdown(&self) -> String {
        let mut out = format!(
            "## API changes: {} → {}\n\n",
            md_code(&self.old),
            md_code(&self.new)
        );
        if self.changes.is_empty() {
            out.push_str("No change to the generated crate's API.\n");
            return out;
        }
        out.push_str(&format!(
            "**Implied version bump: {}.** {} breaking, {} additive, {} without effect on code.\n",
            self.bump(),
            self.count(Impact::Breaking),
            self.count(Impact::Additive),
            self.count(Impact::None)
        ));
        for (impact, changes) in self.grouped() {
            let body: String = lines(&changes)
                .iter()
                .map(|l| {
                    let pointer = l
                        .pointer
                        .as_ref()
                        .map(|p| format!(" <sub>{}</sub>", md_code(p)))
                        .unwrap_or_default();
                    format!(
                        "- {}: {}. {}.{pointer}\n",
                        md_code(&l.location),
                        md_inline(&l.what),
                        md_inline(&capitalized(&l.reason))
                    )
                })
                .collect();
            let heading = format!("{} ({})", impact.heading(), changes.len());
            if impact != Impact::Breaking && changes.len() > FOLD_AFTER {
                out.push_str(&format!(
                    "\n<details><summary>{heading}</summary>\n\n{body}\n</details>\n"
                ));
            } else {
                out.push_str(&format!("\n### {heading}\n\n{body}"));
            }
        }
        out
    }

    fn grouped(&self) -> Vec<(Impact, Vec<&Change>)> {
        [Impact::Breaking, Impact::Additive, Impact::None]
            .into_iter()
            .map(|i| (i, self.changes.iter().filter(|c| c.impact == i).collect()))
            .filter(|(_, c): &(Impact, Vec<&Change>)| !c.is_empty())
            .collect()
    }
}

/// Markdown sections with more lines than this are folded.
const FOLD_AFTER: usize = 20;

/// A rendered line: one change, or several alike. Added types are gathered into one line (a
/// new spec adds hundreds; their names are what a reviewer needs), and so are changes that
/// say the same thing at several places (one credential change on every operation).
struct Line {
    location: String,
    what: String,
    reason: String,
    pointer: Option<String>,
}

/// More places than this in one line are counted, not listed, unless the change breaks code:
/// then every place is named.
const LIST_AT_MOST: usize = 12;

fn lines(changes: &[&Change]) -> Vec<Line> {
    let added: Vec<&str> = changes
        .iter()
        .filter(|c| c.kind == ChangeKind::TypeAdded)
        .map(|c| c.location.trim_start_matches("types::"))
        .collect();
    // (kind, what, reason) → the changes that share it, in order of first appearance.
    let mut groups: Vec<(&Change, Vec<&Change>)> = Vec::new();
    for c in changes {
        if c.kind == ChangeKind::TypeAdded && added.len() > 1 {
            continue;
        }
        match groups.iter_mut().find(|(first, _)| {
            (first.kind, &first.what, &first.reason) == (c.kind, &c.what, &c.reason)
        }) {
            Some((_, members)) => members.push(c),
            None => groups.push((c, vec![c])),
        }
    }
    let mut out: Vec<Line> = groups
        .into_iter()
        .map(|(first, members)| {
            if members.len() == 1 {
                return Line {
                    location: first.location.clone(),
                    what: first.what.clone(),
                    reason: first.reason.clone(),
                    pointer: first.pointer.clone(),
                };
            }
            let mut places: Vec<&str> = members.iter().map(|c| c.location.as_str()).collect();
            let more = if first.impact == Impact::Breaking {
                0
            } else {
                places.len().saturating_sub(LIST_AT_MOST)
            };
            places.truncate(places.len() - more);
            let mut location = places.join(", ");
            if more > 0 {
                location.push_str(&format!(" and {more} more"));
            }
            Line {
                location: format!("{} places: {location}", members.len()),
                what: first.what.clone(),
                reason: first.reason.clone(),
                pointer: None,
            }
        })
        .collect();
    if added.len() > 1 {
        out.push(Line {
            location: "types".to_string(),
            what: format!("{} types added: {}", added.len(), added.join(", ")),
            reason: "new names; nothing that exists changes".to_string(),
            pointer: None,
        });
    }
    out
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn md_code(s: &str) -> String {
    if s.contains('`') {
        format!("`` {s} ``")
    } else {
        format!("`{s}`")
    }
}

/// Text that already marks code with backticks; only table-breaking and HTML characters
/// outside code need care.
fn md_inline(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            out.push('`');
            out.push_str(part);
            out.push('`');
        } else {
            out.push_str(&part.replace('<', "&lt;").replace('>', "&gt;"));
        }
    }
    out
}
