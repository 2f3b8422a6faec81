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

pub mod diagnostic;
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
use std::time::{Duration, Instant};

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
    generate_timed(input).map(|(generated, _)| generated)
}

/// How long each stage of one [`generate_timed`] run took; for benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    /// Spec (and overlay) text → JSON value.
    pub parse: Duration,
    /// Overlay, normalisation, and the value → `openapiv3::OpenAPI`.
    pub load: Duration,
    /// `openapiv3::OpenAPI` → IR.
    pub lower: Duration,
    /// The spec's examples checked against the IR.
    pub examples: Duration,
    /// IR → token streams.
    pub emit: Duration,
    /// Token streams → formatted source text.
    pub format: Duration,
}

/// [`generate`], also saying how long each stage took.
pub fn generate_timed(input: &Input) -> Result<(Generated, Timings), Error> {
    let mut timings = Timings::default();
    let mut clock = Instant::now();
    let mut lap = |stage: &mut Duration| {
        let now = Instant::now();
        *stage += now - clock;
        clock = now;
    };
    let doc = load::parse_document(input.spec_path, input.spec_text)?;
    let overlay = match input.overlay {
        Some((path, text)) => Some(load::parse_document(path, text)?),
        None => None,
    };
    lap(&mut timings.parse);
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
    lap(&mut timings.load);
    let mut diagnostics = loaded.diagnostics;
    let api = lower::lower(&loaded.api, &mut diagnostics);
    lap(&mut timings.lower);
    let examples = examples::collect(&api, &loaded.raw);
    examples::check(&api, &examples, &mut diagnostics);
    if !diagnostics.is_empty() {
        locate::Index::new(input.spec_text).place(&mut diagnostics);
    }
    lap(&mut timings.examples);
    let mut files = BTreeMap::new();
    let example_check = input.example_check.then_some(examples.as_slice());
    let emitted = emit::emit(&api, example_check);
    lap(&mut timings.emit);
    for (path, file) in emitted {
        let text = format::format_file(&path, &file, input.source_name)?;
        files.insert(path, text);
    }
    lap(&mut timings.format);
    let generated = Generated {
        files,
        diagnostics,
        type_count: api.types.len(),
        operation_count: api.operations.len(),
    };
    Ok((generated, timings))
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
