//! The report as text for a terminal and as Markdown for a pull request description.

use super::{ApiDiff, Change, ChangeKind, Impact};

impl ApiDiff {
    /// The report for a terminal.
    pub fn to_text(&self) -> String {
        let mut out = format!("API changes: {} → {}\n", self.old, self.new);
        for (impact, changes) in self.grouped() {
            out.push_str(&format!("\n{} ({}):\n", impact.heading(), changes.len()));
            for line in lines(&changes, None) {
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
    /// the breaking one are folded, and the whole stays within what GitHub accepts as a
    /// description ([`MARKDOWN_LIMIT`]): when it would not, the section without effect on
    /// code, then the additive one, lose their last lines, with a note saying how many.
    /// Breaking changes are always listed in full.
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
        let mut sections: Vec<(Impact, String, String)> = self
            .grouped()
            .into_iter()
            .map(|(impact, changes)| {
                let heading = format!("{} ({})", impact.heading(), changes.len());
                let body: String = lines(&changes, Some(TYPE_NAMES_IN_MARKDOWN))
                    .iter()
                    .map(markdown_line)
                    .collect();
                (impact, heading, body)
            })
            .collect();
        let size = |sections: &[(Impact, String, String)]| {
            out.len()
                + sections
                    .iter()
                    .map(|(_, h, b)| h.len() + b.len() + 64)
                    .sum::<usize>()
        };
        for cut in [Impact::None, Impact::Additive] {
            let over = size(&sections).saturating_sub(MARKDOWN_LIMIT);
            if over == 0 {
                break;
            }
            if let Some(section) = sections.iter_mut().find(|(i, _, _)| *i == cut) {
                section.2 = shortened(&section.2, over);
            }
        }
        for (impact, heading, body) in sections {
            if impact != Impact::Breaking && body.lines().count() > FOLD_AFTER {
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

/// `body`'s lines but the last ones, `over` characters and a note's worth fewer, and the note
/// saying how many were left out.
fn shortened(body: &str, over: usize) -> String {
    let lines: Vec<&str> = body.lines().collect();
    let note = |left: usize| {
        format!(
            "- …and {left} more, not listed to keep this description within GitHub's size \
             limit: `cargo xtask api-diff` prints every change.\n"
        )
    };
    let budget = body.len().saturating_sub(over + note(lines.len()).len());
    let mut kept = String::new();
    let mut count = 0;
    for line in &lines {
        if kept.len() + line.len() + 1 > budget {
            break;
        }
        kept.push_str(line);
        kept.push('\n');
        count += 1;
    }
    kept.push_str(&note(lines.len() - count));
    kept
}

/// Markdown sections with more lines than this are folded.
const FOLD_AFTER: usize = 20;

/// GitHub refuses pull request descriptions over 65,536 characters; leave room for a few
/// words of the author's own.
pub const MARKDOWN_LIMIT: usize = 60_000;

/// Added types named in Markdown; the text report names them all.
const TYPE_NAMES_IN_MARKDOWN: usize = 100;

fn markdown_line(l: &Line) -> String {
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
}

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

/// The lines of one section; `type_names` caps how many added types are named.
fn lines(changes: &[&Change], type_names: Option<usize>) -> Vec<Line> {
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
        let shown = type_names.unwrap_or(added.len()).min(added.len());
        let mut names = added[..shown].join(", ");
        if shown < added.len() {
            names.push_str(&format!(" and {} more", added.len() - shown));
        }
        out.push(Line {
            location: "types".to_string(),
            what: format!("{} types added: {names}", added.len()),
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
