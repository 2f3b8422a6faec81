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
    let examples = examples::collect(&api, &loaded.raw);
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

/// A spec as the generator understood it, in the strict OpenAPI 3.0 that validators accept.
#[derive(Debug, Clone)]
pub struct Normalized {
    /// The document after overlay, normalisation and [`normalize::strict`].
    pub document: serde_json::Value,
    /// Every change made to the spec (and every other warning of the load stage).
    pub diagnostics: Vec<Diagnostic>,
}

/// Applies the overlay and everything the generator reads into the spec, and writes the result
/// as strict OpenAPI 3.0 ([`normalize::strict`]), for tools such as mock servers and
/// validators that take Portkey's spec literally. Schemas and operations that are not valid
/// OpenAPI are left out as in [`generate`].
pub fn normalize_spec(input: &Input) -> Result<Normalized, Error> {
    let doc = load::parse_document(input.spec_path, input.spec_text)?;
    let overlay = match input.overlay {
        Some((path, text)) => Some(load::parse_document(path, text)?),
        None => None,
    };
    let index = locate::Index::new(input.spec_text);
    let loaded = load::load(input.spec_path, doc, overlay.as_ref()).map_err(|e| match e {
        Error::Invalid {
            path,
            mut diagnostics,
        } => {
            index.place(&mut diagnostics);
            Error::Invalid { path, diagnostics }
        }
        other => other,
    })?;
    let mut document = loaded.raw;
    let mut diagnostics = loaded.diagnostics;
    normalize::strict(&mut document, &mut diagnostics);
    index.place(&mut diagnostics);
    Ok(Normalized {
        document,
        diagnostics,
    })
}

impl Normalized {
    /// The document as text: JSON when `json`, else YAML.
    pub fn to_text(&self, json: bool) -> Result<String, Error> {
        let text = if json {
            serde_json::to_string_pretty(&self.document).map(|t| t + "\n")
        } else {
            serde_yaml::to_string(&self.document).map_err(serde::ser::Error::custom)
        };
        text.map_err(|e: serde_json::Error| Error::Internal {
            file: "the normalised spec".to_string(),
            message: e.to_string(),
        })
    }
}

/// Reads `spec` (and `overlay`) from disk and runs [`normalize_spec`].
pub fn normalize_files(spec: &Path, overlay: Option<&Path>) -> Result<Normalized, Error> {
    let spec_text = load::read_text(spec)?;
    let overlay_text = overlay.map(load::read_text).transpose()?;
    normalize_spec(&Input {
        spec_path: spec,
        spec_text: &spec_text,
        overlay: overlay.zip(overlay_text.as_deref()),
        source_name: "",
        example_check: false,
    })
}
