//! Turns an OpenAPI 3.0, 3.1 or 3.2 spec into the Rust source of a client crate.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! spec file ─load─▶ openapiv3::OpenAPI ─lower─▶ ir::Api ─emit─▶ TokenStream ─format─▶ files
//! ```
//!
//! [`load`] also applies an [OpenAPI Overlay](overlay), reads OpenAPI 3.1 and JSON Schema
//! 2020-12 into the shape the rest reads ([`dialect`]) and [normalises](normalize) what
//! the spec means but does not say; [`examples`] checks the spec's own examples against the
//! types it produced. Nothing here prints or panics: problems are [`Diagnostic`]s.
//! [`api_diff`] compares what two specs generate: the [change report](diff) for reviewers.

pub mod diagnostic;
pub mod dialect;
pub mod diff;
pub mod emit;
pub mod examples;
pub mod features;
pub mod format;
pub mod ir;
pub mod load;
pub mod locate;
pub mod lower;
pub mod naming;
pub mod normalize;
pub mod overlay;
pub mod walk;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
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
    /// The crate's cargo features, one per tag (see [`features`]).
    pub features: Vec<features::Feature>,
    /// The listings the client walks page by page, in document order.
    pub listings: Vec<Listing>,
    /// Operations that open a WebSocket.
    pub websockets: usize,
}

/// A listing the generated client walks page by page, as `cargo xtask codegen` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// `GET /assistants`.
    pub route: String,
    /// How a caller reaches its item stream: `client.assistants().list_assistants_stream`.
    pub method: String,
    /// `cursor`, `page` or `offset`.
    pub shape: &'static str,
    /// The query parameter that moves from page to page.
    pub param: String,
    /// Stated by `x-pagination` rather than recognised.
    pub stated: bool,
}

impl Generated {
    /// The `[features]` table the generated code expects in its crate's manifest.
    pub fn cargo_features(&self) -> String {
        features::toml(&self.features, self.websockets > 0)
    }
}

/// Stack for the pipeline. Deserialising a schema nested as deep as the YAML parser allows
/// (128 levels) takes several mebibytes of stack in a debug build, more than a test thread's
/// 2 MiB; the memory is reserved, and only touched as deep as a spec goes.
const PIPELINE_STACK_BYTES: usize = 64 << 20;

/// Runs the whole pipeline on text already read, on a thread of its own with a stack deep
/// enough for any spec the parser accepts, so a deep spec cannot overflow the caller's.
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
    /// IR → formatted source text, wall time: each file is emitted as tokens and formatted
    /// by one of [`Timings::workers`] threads, so the two steps are one stage.
    pub emit_format: Duration,
    /// Of [`Timings::emit_format`], the time spent emitting tokens, summed over the workers.
    pub emit_work: Duration,
    /// Of [`Timings::emit_format`], the time spent formatting, summed over the workers.
    pub format_work: Duration,
    /// How many threads emitted and formatted.
    pub workers: usize,
}

/// [`generate`], also saying how long each stage took.
pub fn generate_timed(input: &Input) -> Result<(Generated, Timings), Error> {
    on_a_deep_stack(|| run_pipeline(input))
}

/// Runs `f` on a thread of its own with [`PIPELINE_STACK_BYTES`] of stack.
fn on_a_deep_stack<T: Send>(f: impl Fn() -> T + Sync) -> T {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("portkey-codegen".to_owned())
            .stack_size(PIPELINE_STACK_BYTES)
            .spawn_scoped(scope, &f);
        match worker {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            // No thread to be had: run here, as deep as this stack allows.
            Err(_) => f(),
        }
    })
}

/// A stopwatch that adds the time since its last lap to a stage.
struct Laps(Instant);

impl Laps {
    fn lap(&mut self, stage: &mut Duration) {
        let now = Instant::now();
        *stage += now - self.0;
        self.0 = now;
    }
}

fn run_pipeline(input: &Input) -> Result<(Generated, Timings), Error> {
    let mut timings = Timings::default();
    let mut laps = Laps(Instant::now());
    let Lowered {
        api,
        raw,
        mut diagnostics,
    } = lower_input(input, Some((&mut laps, &mut timings)))?;
    let examples = examples::collect(&api, &raw);
    examples::check(&api, &examples, &mut diagnostics);
    locate::place(input.spec_text, &mut diagnostics);
    laps.lap(&mut timings.examples);
    let examples = if input.example_check {
        examples.as_slice()
    } else {
        &[]
    };
    let features = features::plan(&api);
    let planned = emit::plan(&api, &features, input.example_check);
    let (files, work) = emit_and_format(&api, examples, &planned, input.source_name, workers())?;
    laps.lap(&mut timings.emit_format);
    timings.emit_work = work.emit;
    timings.format_work = work.format;
    timings.workers = work.workers;
    let generated = Generated {
        files,
        diagnostics,
        type_count: api.types.len(),
        operation_count: api.operations.len(),
        features: features.list,
        listings: listings(&api),
        websockets: api
            .operations
            .iter()
            .filter(|op| matches!(op.response, ir::Response::WebSocket(_)))
            .count(),
    };
    Ok((generated, timings))
}

fn listings(api: &ir::Api) -> Vec<Listing> {
    api.operations
        .iter()
        .filter_map(|op| {
            let p = op.pagination.as_ref()?;
            let mut method = api.reach(op.group);
            method.push_str(&p.stream);
            Some(Listing {
                route: format!("{} {}", op.method.upper(), op.path),
                method,
                shape: lower::shape_name(&p.shape),
                param: p.param.wire_name.clone(),
                stated: p.stated,
            })
        })
        .collect()
}

/// Threads to emit and format on: one per core.
fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// Time spent by [`emit_and_format`]'s workers.
#[derive(Debug, Default)]
struct Work {
    emit: Duration,
    format: Duration,
    workers: usize,
}

/// Emits and formats `planned` files on up to `workers` threads (this one included), each
/// taking the next file not yet taken. The result does not depend on which thread did what:
/// files are keyed by path, and a failure is that of the first failing path, as when files were
/// done one after the other.
fn emit_and_format(
    api: &ir::Api,
    examples: &[examples::Example],
    planned: &[emit::PlannedFile],
    source_name: &str,
    workers: usize,
) -> Result<(BTreeMap<String, String>, Work), Error> {
    type Done = Vec<(usize, Result<String, Error>)>;
    let next = AtomicUsize::new(0);
    let work = || {
        let (mut done, mut emit, mut format): (Done, Duration, Duration) = Default::default();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(file) = planned.get(i) else {
                break;
            };
            let started = Instant::now();
            let emitted = emit::emit_file(api, examples, file);
            let emitted_at = Instant::now();
            done.push((i, format::format_file(&file.path, &emitted, source_name)));
            emit += emitted_at - started;
            format += emitted_at.elapsed();
        }
        (done, emit, format)
    };
    let helpers = workers.clamp(1, planned.len().max(1)) - 1;
    let results = std::thread::scope(|scope| {
        // Each worker needs the pipeline's stack: emitting and formatting recurse as deep as
        // the spec's types nest. A thread that cannot be had leaves its share to the others.
        let handles: Vec<_> = (0..helpers)
            .filter_map(|n| {
                std::thread::Builder::new()
                    .name(format!("portkey-codegen-{}", n + 1))
                    .stack_size(PIPELINE_STACK_BYTES)
                    .spawn_scoped(scope, work)
                    .ok()
            })
            .collect();
        let mut results = vec![work()];
        for handle in handles {
            results.push(
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        results
    });
    let mut total = Work {
        workers: results.len(),
        ..Work::default()
    };
    let mut texts: Vec<Option<Result<String, Error>>> = planned.iter().map(|_| None).collect();
    for (done, emit, format) in results {
        total.emit += emit;
        total.format += format;
        for (i, text) in done {
            texts[i] = Some(text);
        }
    }
    let mut files = BTreeMap::new();
    for (file, text) in planned.iter().zip(texts) {
        if let Some(text) = text {
            files.insert(file.path.clone(), text?);
        }
    }
    Ok((files, total))
}

/// What the generator would emit, before emission: the IR with every name decided.
struct Lowered {
    api: ir::Api,
    /// The overlaid, normalised spec as JSON (examples are read from it).
    raw: serde_json::Value,
    /// Located only when loading fails; [`generate`] places the rest after its own checks.
    diagnostics: Vec<Diagnostic>,
}

/// Parses, loads and lowers; with a stopwatch, times the three stages.
fn lower_input(
    input: &Input,
    mut timing: Option<(&mut Laps, &mut Timings)>,
) -> Result<Lowered, Error> {
    let mut lap = |stage: fn(&mut Timings) -> &mut Duration| {
        if let Some((laps, timings)) = timing.as_mut() {
            laps.lap(stage(timings));
        }
    };
    let (doc, parse_diagnostics) = load::parse_document(input.spec_path, input.spec_text)?;
    let overlay = match input.overlay {
        Some((path, text)) => Some(load::parse_overlay(path, text)?),
        None => None,
    };
    lap(|t| &mut t.parse);
    let mut loaded = load::load(
        input.spec_path,
        doc,
        overlay.as_ref(),
        dialect::Report::Summary,
    )
    .map_err(|e| match e {
        Error::Invalid {
            path,
            mut diagnostics,
        } => {
            locate::place(input.spec_text, &mut diagnostics);
            Error::Invalid { path, diagnostics }
        }
        other => other,
    })?;
    lap(|t| &mut t.load);
    let mut diagnostics = parse_diagnostics;
    diagnostics.append(&mut loaded.diagnostics);
    let api = lower::lower(&loaded, &mut diagnostics);
    lap(|t| &mut t.lower);
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
    on_a_deep_stack(|| {
        let old = lower_input(old, None)?.api;
        let new = lower_input(new, None)?.api;
        Ok(diff::diff(&old, &new))
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
/// as strict OpenAPI 3.0 ([`dialect::downgrade`], then [`normalize::strict`]), for tools such
/// as mock servers and validators that take Portkey's spec literally; a 3.1 spec comes out as
/// 3.0. Schemas and operations that are not valid
/// OpenAPI are left out as in [`generate`].
pub fn normalize_spec(input: &Input) -> Result<Normalized, Error> {
    on_a_deep_stack(|| normalize_on_this_thread(input))
}

fn normalize_on_this_thread(input: &Input) -> Result<Normalized, Error> {
    let (doc, parse_diagnostics) = load::parse_document(input.spec_path, input.spec_text)?;
    let overlay = match input.overlay {
        Some((path, text)) => Some(load::parse_overlay(path, text)?),
        None => None,
    };
    let index = locate::Index::new(input.spec_text);
    let loaded = load::load(
        input.spec_path,
        doc,
        overlay.as_ref(),
        dialect::Report::EachRewrite,
    )
    .map_err(|e| match e {
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
    let mut diagnostics = parse_diagnostics;
    diagnostics.extend(loaded.diagnostics);
    let defs: Vec<String> = loaded
        .extra_schemas
        .iter()
        .map(|(at, _)| at.clone())
        .filter(|at| at.contains("/$defs/") || at.contains("/definitions/"))
        .collect();
    dialect::downgrade::to_30(&mut document, &loaded.version, &defs, &mut diagnostics);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Files come out the same whichever thread emitted and formatted them.
    #[test]
    fn output_does_not_depend_on_the_number_of_workers() {
        let spec_path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/portkey.yaml"));
        let spec_text = std::fs::read_to_string(spec_path).expect("the seed spec is readable");
        let input = Input {
            spec_path,
            spec_text: &spec_text,
            overlay: None,
            source_name: "spec/portkey.yaml",
            example_check: true,
        };
        let by = |workers: usize| {
            on_a_deep_stack(|| {
                let lowered = lower_input(&input, None).expect("the seed spec lowers");
                let examples = examples::collect(&lowered.api, &lowered.raw);
                let features = features::plan(&lowered.api);
                let planned = emit::plan(&lowered.api, &features, true);
                let (files, work) =
                    emit_and_format(&lowered.api, &examples, &planned, "spec", workers)
                        .expect("the seed spec formats");
                assert_eq!(work.workers, workers);
                files
            })
        };
        let one = by(1);
        assert!(one.contains_key("example_check.rs") && one.len() > 20);
        assert_eq!(one, by(3));
        assert_eq!(one, by(8));
    }
}
