//! The API change report: two [`ir::Api`](crate::ir::Api)s compared the way users of the
//! generated crate meet them.
//!
//! The comparison runs on the IR, not on the spec: names are decided, inline schemas have
//! become named types, and every field has the Rust type the crate will expose. A change the
//! spec makes but the Rust does not show (a reworded description, a schema moved under
//! `allOf`) is not reported; a change the spec hardly shows (a `nullable` that turns `T` into
//! `Option<T>`) is.
//!
//! Each [`Change`] has an [`Impact`] on code that uses the crate as documented: it builds
//! request structs with `..Default::default()` where they derive `Default`, reads response
//! fields by name, and matches open enums (those with an `Other`/`Unknown` catch-all) with a
//! wildcard arm.

mod compare;
mod render;

use std::fmt;

pub use compare::diff;
pub use render::MARKDOWN_LIMIT;

/// What a change means for code that uses the generated crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Impact {
    /// Code that compiled may stop compiling: a major version.
    Breaking,
    /// New API; existing code keeps compiling: a minor version.
    Additive,
    /// No change to the Rust API (what is sent, docs, defaults): a patch version.
    None,
}

impl Impact {
    fn heading(self) -> &'static str {
        match self {
            Impact::Breaking => "Breaking",
            Impact::Additive => "Additive",
            Impact::None => "No effect on code",
        }
    }
}

/// The kind of a change, for filtering and tests; [`Change::what`] says it in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    OperationAdded,
    OperationRemoved,
    OperationRenamed,
    /// Same method, another HTTP method or path.
    OperationMoved,
    OperationDeprecated,
    /// The cargo features that compile the operation (its tags) changed.
    OperationFeatureChanged,
    /// The operation's methods moved to another group (its first tag changed).
    OperationRegrouped,
    /// A listing's `*_stream` and `*_pages` methods appear or go.
    PaginationAdded,
    PaginationRemoved,
    /// A listing pages another way (shape or parameter); same methods.
    PaginationChanged,
    /// A second method (`*_stream`, `*_byte_stream`, `*_with_response`) appears.
    MethodAdded,
    MethodRemoved,
    ParameterAdded,
    ParameterRemoved,
    ParameterRetyped,
    ParameterMadeRequired,
    ParameterMadeOptional,
    BodyAdded,
    BodyRemoved,
    BodyRetyped,
    BodyMadeRequired,
    BodyMadeOptional,
    ResponseRetyped,
    StreamRetyped,
    ErrorsChanged,
    OperationAuthChanged,
    TypeAdded,
    TypeRemoved,
    TypeRenamed,
    /// A struct became an enum, an alias changed its target, ...
    TypeReshaped,
    DefaultGained,
    DefaultLost,
    FieldAdded,
    FieldRemoved,
    FieldRetyped,
    FieldMadeRequired,
    FieldMadeOptional,
    FieldMadeNullable,
    FieldMadeNonNullable,
    /// Same Rust type; only what goes over the wire differs (`null` sent or left out).
    FieldWireChanged,
    EnumValueAdded,
    EnumValueRemoved,
    VariantAdded,
    VariantRemoved,
    VariantRetyped,
    /// A webhook's payload appears, goes, or changes type.
    WebhookAdded,
    WebhookRemoved,
    WebhookRetyped,
    AuthAdded,
    AuthRemoved,
    AuthChanged,
    ServerChanged,
}

/// One change, located and explained.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub impact: Impact,
    pub kind: ChangeKind,
    /// Where, as the crate names it: `Client::assistants().create_run`, `types::RunObject`,
    /// `types::RunObject.status`, `ClientBuilder::api_key`.
    pub location: String,
    /// The JSON pointer into the spec of the schema or operation, when there is one (the new
    /// spec's, or the old one's for what was removed).
    pub pointer: Option<String>,
    /// What changed: "field `usage` made nullable: `RunCompletionUsage` → `Option<...>`".
    pub what: String,
    /// Why it has its impact, in one line.
    pub reason: String,
}

/// The version bump a report implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    Major,
    Minor,
    Patch,
}

impl fmt::Display for Bump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Bump::Major => "major (breaking changes; for a 0.x crate, the minor number)",
            Bump::Minor => "minor (additions only)",
            Bump::Patch => "patch (no change to the Rust API)",
        })
    }
}

/// The report: every change between two specs, as the generated crate sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiDiff {
    /// `title version` of each side.
    pub old: String,
    pub new: String,
    pub changes: Vec<Change>,
}

impl ApiDiff {
    pub fn count(&self, impact: Impact) -> usize {
        self.changes.iter().filter(|c| c.impact == impact).count()
    }

    pub fn count_kind(&self, kind: ChangeKind) -> usize {
        self.changes.iter().filter(|c| c.kind == kind).count()
    }

    /// The largest impact: a breaking change makes a major version, and so on.
    pub fn bump(&self) -> Bump {
        match self.changes.iter().map(|c| c.impact).min() {
            Some(Impact::Breaking) => Bump::Major,
            Some(Impact::Additive) => Bump::Minor,
            _ => Bump::Patch,
        }
    }

    /// One line: how many changes of each impact and the bump.
    pub fn summary(&self) -> String {
        if self.changes.is_empty() {
            return format!("no API change ({} → {})", self.old, self.new);
        }
        format!(
            "{} breaking, {} additive, {} without effect on code ({} operations added, {} removed; {} types added, {} removed); implied bump: {}",
            self.count(Impact::Breaking),
            self.count(Impact::Additive),
            self.count(Impact::None),
            self.count_kind(ChangeKind::OperationAdded),
            self.count_kind(ChangeKind::OperationRemoved),
            self.count_kind(ChangeKind::TypeAdded),
            self.count_kind(ChangeKind::TypeRemoved),
            self.bump()
        )
    }
}
