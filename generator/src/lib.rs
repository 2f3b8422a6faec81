//! Turns an OpenAPI 3.0 spec into the Rust source of a client crate.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! spec file ─load─▶ openapiv3::OpenAPI ─lower─▶ ir::Api ─emit─▶ TokenStream ─format─▶ files
//! ```
//!
//! [`load`] also applies an [OpenAPI Overlay](overlay) and [normalises](normalize) what
//! the spec means but does not say; [`examples`] checks the spec's own examples against the
//! types it produced. Nothing here prints or panics: problems are [`Diagnostic`]s.
//! [`api_diff`] compares what two specs generate: the [change report](diff) for reviewers.

pub mod diagnostic;
pub mod diff;
pub mod emit;
pub mod examples;
pub mod format;
pub mod ir;
pub mod load;
pub mod locate;
pub mod lower;
pub mod naming;
pub mod normalize;
pub mod overlay;

use std::collections::BTreeMap;
use std::path::Path;

pub use diagnostic::{Diagnostic, Error, Location, Severity};

/// One spec file (and optionally its overlay) as text.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    pub spec_path: &'a Path,
    pub spec_text: &'a str,
    pub overlay: Option<(&'a Path, &'a str)>,
    /// How generated headers name the spec, e.g. `spec/portkey.yaml`.
    pub source_name: &'a str,
    /// Also emit `example_check.rs`: a hidden `check_examples()` that decodes every example
    /// of the spec into its generated type (for testing the generator on large specs).
    pub example_check: bool,
}

/// The generated files and everything the generator noticed on the way.
#[derive(Debug, Clone)]
pub struct Generated {
    /// Path relative to the generated folder (with `/`) → file contents.
    pub files: BTreeMap<String, String>,
    pub diagnostics: Vec<Diagnostic>,
    pub type_count: usize,
    pub operation_count: usize,
}

/// Runs the whole pipeline on text already read.
pub fn generate(input: &Input) -> Result<Generated, Error> {
    let Lowered {
        api,
        raw,
        mut diagnostics,
    } = lower_input(input)?;
    let examples = examples::collect(&api, &raw);
    examples::check(&api, &examples, &mut diagnostics);
    if !diagnostics.is_empty() {
        locate::Index::new(input.spec_text).place(&mut diagnostics);
    }
    let mut files = BTreeMap::new();
    let example_check = input.example_check.then_some(examples.as_slice());
    for (path, file) in emit::emit(&api, example_check) {
        let text = format::format_file(&path, &file, input.source_name)?;
        files.insert(path, text);
    }
    Ok(Generated {
        files,
        diagnostics,
        type_count: api.types.len(),
        operation_count: api.operations.len(),
    })
}

/// What the generator would emit, before emission: the IR with every name decided.
struct Lowered {
    api: ir::Api,
    /// The overlaid, normalised spec as JSON (examples are read from it).
    raw: serde_json::Value,
    /// Located only when loading fails; [`generate`] places the rest after its own checks.
    diagnostics: Vec<Diagnostic>,
}

fn lower_input(input: &Input) -> Result<Lowered, Error> {
    let doc = load::parse_document(input.spec_path, input.spec_text)?;
    let overlay = match input.overlay {
        Some((path, text)) => Some(load::parse_document(path, text)?),
        None => None,
    };
    let loaded = load::load(input.spec_path, doc, overlay.as_ref()).map_err(|e| match e {
        Error::Invalid {
            path,
            mut diagnostics,
        } => {
            locate::Index::new(input.spec_text).place(&mut diagnostics);
            Error::Invalid { path, diagnostics }
        }
        other => other,
    })?;
    let mut diagnostics = loaded.diagnostics;
    let api = lower::lower(&loaded.api, &mut diagnostics);
    Ok(Lowered {
        api,
        raw: loaded.raw,
        diagnostics,
    })
}

/// Compares what two specs generate: the API change report a reviewer reads before the
/// generated diff. Both sides go through the whole pipeline up to the IR, so the report speaks
/// of the Rust names and types users of the generated crate see.
pub fn api_diff(old: &Input, new: &Input) -> Result<diff::ApiDiff, Error> {
    let old = lower_input(old)?.api;
    let new = lower_input(new)?.api;
    Ok(diff::diff(&old, &new))
}

/// Reads `spec` (and `overlay`) from disk and runs [`generate`].
pub fn generate_files(
    spec: &Path,
    overlay: Option<&Path>,
    source_name: &str,
    example_check: bool,
) -> Result<Generated, Error> {
    let spec_text = load::read_text(spec)?;
    let overlay_text = overlay.map(load::read_text).transpose()?;
    generate(&Input {
        spec_path: spec,
        spec_text: &spec_text,
        overlay: overlay.zip(overlay_text.as_deref()),
        source_name,
        example_check,
    })
}
