//! Tags → groups: each operation's methods go on the handle of its first tag, so that the
//! client lists tens of groups and each group tens of methods, as the spec's tags organise
//! them. `Integrations > Workspaces` is the group `workspaces` inside `integrations`.

use std::collections::BTreeMap;

use super::Lowerer;
use crate::ir::*;
use crate::naming::{self, Namer};

/// The segments of a tag: `Integrations > Workspaces` → `["Integrations", "Workspaces"]`.
/// Empty segments (`A >> B`, a tag of spaces) are dropped.
pub(crate) fn tag_path(tag: &str) -> Vec<&str> {
    tag.split('>')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

impl Lowerer<'_> {
    /// Puts each operation with a tag into the group of its first tag, creating parents of
    /// nested tags as needed. An accessor is unique among the methods of the handle it is on
    /// and never an operation's name (`names` holds every operation's, and is given the
    /// accessors, so that methods named later avoid them).
    pub(super) fn assign_groups(&mut self, ops: &mut [Operation], names: &mut Namer) -> Vec<Group> {
        let descriptions: BTreeMap<&str, Option<&String>> = self
            .api
            .tags
            .iter()
            .map(|t| (t.name.as_str(), t.description.as_ref()))
            .collect();
        let mut groups: Vec<Group> = Vec::new();
        // The path of segments (lower-cased, as a feature name folds them) → group.
        let mut by_path: BTreeMap<Vec<String>, usize> = BTreeMap::new();
        let mut type_names = Namer::new();
        // Per handle (`None`: the client), the names its methods may not take.
        let mut scopes: BTreeMap<Option<usize>, Namer> = BTreeMap::new();
        for op in ops.iter_mut() {
            let Some(tag) = op.tags.first() else { continue };
            let segments = tag_path(tag);
            if segments.is_empty() {
                continue;
            }
            let mut parent = None;
            for depth in 1..=segments.len() {
                let key: Vec<String> = segments[..depth].iter().map(|s| s.to_lowercase()).collect();
                if let Some(&g) = by_path.get(&key) {
                    parent = Some(g);
                    continue;
                }
                let full = segments[..depth].join(" > ");
                // The spec's own spelling of the tag, when this is the whole of it.
                let written = if depth == segments.len() {
                    tag.clone()
                } else {
                    full.clone()
                };
                let description = descriptions
                    .get(written.as_str())
                    .or_else(|| descriptions.get(full.as_str()))
                    .copied()
                    .flatten()
                    .cloned();
                let accessor = scopes
                    .entry(parent)
                    .or_insert_with(|| names.clone())
                    .unique(&naming::field_name(segments[depth - 1]));
                let group = Group {
                    accessor,
                    type_name: type_names.unique(&naming::type_name(&full)),
                    tag: written,
                    parent,
                    description,
                };
                by_path.insert(key, groups.len());
                parent = Some(groups.len());
                groups.push(group);
            }
            op.group = parent;
        }
        for g in &groups {
            names.reserve(&g.accessor);
        }
        groups
    }
}
