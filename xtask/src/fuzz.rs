//! `cargo xtask fuzz`: mutates real specs (deletes keys, changes types, dangles and retargets
//! `$ref`s, duplicates names, splices subtrees, replaces scalars, writes schemas the OpenAPI
//! 3.1 way and changes the declared version) and checks that the generator answers every
//! mutant with files or diagnostics: never a panic, never a hang.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Mutex, Once, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::codegen::root;

/// One mutant the generator failed on.
#[derive(Debug)]
pub struct Failure {
    /// `panic` or `hang`.
    pub kind: &'static str,
    /// The seed that reproduces it: `cargo xtask fuzz --spec .. --seed <seed> --iterations 1`.
    pub seed: u64,
    /// The mutations applied.
    pub mutations: Vec<String>,
    /// The panic message and place, or how long it ran.
    pub detail: String,
}

/// What a run saw.
#[derive(Debug, Default)]
pub struct Report {
    pub mutants: usize,
    /// Mutants that generated (possibly with warnings).
    pub generated: usize,
    /// Mutants refused with diagnostics.
    pub refused: usize,
    pub failures: Vec<Failure>,
}

/// Options of one run.
pub struct Options {
    pub seed: u64,
    pub iterations: usize,
    /// How long one generation may take before it counts as a hang.
    pub timeout: Duration,
}

/// Generates `options.iterations` mutants of `spec_text`, mutant `i` from seed
/// `options.seed + i`, and reports how the generator answered each. Stops at the first hang
/// (its thread cannot be stopped).
pub fn fuzz(spec_text: &str, options: &Options) -> Result<Report, String> {
    let original: Value = serde_yaml::from_str(spec_text).map_err(|e| e.to_string())?;
    let mut report = Report::default();
    for i in 0..options.iterations {
        let seed = options.seed.wrapping_add(i as u64);
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut doc = original.clone();
        let mutations: Vec<String> = (0..rng.usize(1..=3))
            .filter_map(|_| mutate(&mut doc, &mut rng))
            .collect();
        // Half the mutants go in as YAML, half as JSON: both parsers see hostile text.
        let (name, text) = if rng.bool() {
            (
                "mutant.yaml",
                serde_yaml::to_string(&doc).map_err(|e| e.to_string())?,
            )
        } else {
            (
                "mutant.json",
                serde_json::to_string(&doc).map_err(|e| e.to_string())?,
            )
        };
        report.mutants += 1;
        let job = move || {
            generator::generate(&generator::Input {
                spec_path: Path::new(name),
                spec_text: &text,
                overlay: None,
                source_name: name,
                example_check: false,
            })
            .is_ok()
        };
        match run_one(job, options.timeout) {
            Outcome::Generated => report.generated += 1,
            Outcome::Refused => report.refused += 1,
            Outcome::Panicked(detail) => report.failures.push(Failure {
                kind: "panic",
                seed,
                mutations,
                detail,
            }),
            Outcome::Hung => {
                report.failures.push(Failure {
                    kind: "hang",
                    seed,
                    mutations,
                    detail: format!("still running after {:?}", options.timeout),
                });
                break;
            }
        }
    }
    Ok(report)
}

enum Outcome {
    Generated,
    Refused,
    Panicked(String),
    Hung,
}

/// The name of the threads mutants are generated on: their panics are recorded, not printed.
const WORKER: &str = "fuzz-mutant";

/// The last panic of a [`WORKER`] thread: message and place.
fn last_panic() -> &'static Mutex<Option<String>> {
    static SLOT: OnceLock<Mutex<Option<String>>> = OnceLock::new();
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() != Some(WORKER) {
                return previous(info);
            }
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let place = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            if let Ok(mut slot) = last_panic().lock() {
                *slot = Some(format!("{message} at {place}"));
            }
        }));
    });
    SLOT.get_or_init(Mutex::default)
}

/// Runs `job` on a worker thread with a main thread's stack, waiting at most `timeout`.
fn run_one(job: impl FnOnce() -> bool + Send + 'static, timeout: Duration) -> Outcome {
    let slot = last_panic();
    let (send, receive) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name(WORKER.to_owned())
        .stack_size(8 << 20)
        .spawn(move || {
            let _ = send.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)));
        });
    if let Err(e) = spawned {
        return Outcome::Panicked(format!("could not start a thread: {e}"));
    }
    match receive.recv_timeout(timeout) {
        Ok(Ok(true)) => Outcome::Generated,
        Ok(Ok(false)) => Outcome::Refused,
        Ok(Err(_)) => Outcome::Panicked(
            slot.lock()
                .ok()
                .and_then(|mut slot| slot.take())
                .unwrap_or_else(|| "a panic without a message".to_owned()),
        ),
        Err(mpsc::RecvTimeoutError::Timeout) => Outcome::Hung,
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Outcome::Panicked("the generating thread died".to_owned())
        }
    }
}

/// One step of a path into a document, borrowed from it.
#[derive(Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// Calls `visit` on every node of `doc` but the root, with its path and value, until it
/// returns `true`.
fn walk<'a>(
    value: &'a Value,
    at: &mut Vec<Step<'a>>,
    visit: &mut dyn FnMut(&[Step<'a>], &'a Value) -> bool,
) -> bool {
    let mut enter = |step: Step<'a>, child: &'a Value, at: &mut Vec<Step<'a>>| {
        at.push(step);
        let stop = visit(at, child) || walk(child, at, visit);
        at.pop();
        stop
    };
    match value {
        Value::Object(map) => map.iter().any(|(k, v)| enter(Step::Key(k), v, at)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .any(|(i, v)| enter(Step::Index(i), v, at)),
        _ => false,
    }
}

fn owned(at: &[Step<'_>]) -> Vec<String> {
    at.iter()
        .map(|step| match step {
            Step::Key(k) => (*k).to_owned(),
            Step::Index(i) => i.to_string(),
        })
        .collect()
}

/// A random node of `doc` for which `pick` (given the node's last path step and value)
/// holds, as pointer segments: one pass counts the candidates, a second finds the chosen one,
/// so a large spec costs no copies.
fn pick_node(
    doc: &Value,
    rng: &mut fastrand::Rng,
    pick: impl Fn(Option<&str>, &Value) -> bool,
) -> Option<Vec<String>> {
    fn last<'a>(at: &[Step<'a>]) -> Option<&'a str> {
        match at.last() {
            Some(Step::Key(k)) => Some(k),
            _ => None,
        }
    }
    let mut count = 0usize;
    walk(doc, &mut Vec::new(), &mut |at, v| {
        count += usize::from(pick(last(at), v));
        false
    });
    if count == 0 {
        return None;
    }
    let mut index = rng.usize(..count);
    let mut chosen = None;
    walk(doc, &mut Vec::new(), &mut |at, v| {
        if !pick(last(at), v) {
            return false;
        }
        if index == 0 {
            chosen = Some(owned(at));
            return true;
        }
        index -= 1;
        false
    });
    chosen
}

fn get_mut<'a>(doc: &'a mut Value, at: &[String]) -> Option<&'a mut Value> {
    at.iter().try_fold(doc, |value, key| match value {
        Value::Object(map) => map.get_mut(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
        _ => None,
    })
}

fn show(at: &[String]) -> String {
    format!("/{}", at.join("/"))
}

/// Applies one random mutation to `doc` and says what it did.
fn mutate(doc: &mut Value, rng: &mut fastrand::Rng) -> Option<String> {
    match rng.u8(0..9) {
        0 => {
            let at = pick_node(doc, rng, |_, _| true)?;
            let (key, parent) = at.split_last()?;
            match get_mut(doc, parent)? {
                Value::Object(map) => {
                    map.remove(key);
                }
                Value::Array(items) => {
                    let i: usize = key.parse().ok()?;
                    items.remove(i);
                }
                _ => return None,
            }
            Some(format!("delete {}", show(&at)))
        }
        1 => {
            let at = pick_node(doc, rng, |key, _| key == Some("type"))?;
            let choices = [
                Value::from("string"),
                Value::from("integer"),
                Value::from("number"),
                Value::from("boolean"),
                Value::from("object"),
                Value::from("array"),
                Value::from("null"),
                Value::from("no-such-type"),
                Value::from(42),
                serde_json::json!(["string", "null"]),
            ];
            let new = choices[rng.usize(..choices.len())].clone();
            let description = format!("set {} to {new}", show(&at));
            *get_mut(doc, &at)? = new;
            Some(description)
        }
        2 => {
            let at = pick_node(doc, rng, |key, _| key == Some("$ref"))?;
            let choices = [
                "#/components/schemas/DoesNotExist",
                "other.yaml#/components/schemas/A",
                "not a reference",
                "#/components/schemas/",
                "#/",
                "#",
                "",
                "#/paths",
                "#/components/schemas/a~1b",
            ];
            let new = choices[rng.usize(..choices.len())];
            let description = format!("dangle {} as {new:?}", show(&at));
            *get_mut(doc, &at)? = Value::from(new);
            Some(description)
        }
        3 => {
            // A schema or operation id that collides with another after case conversion.
            let schemas = doc
                .pointer_mut("/components/schemas")
                .and_then(Value::as_object_mut)?;
            let names: Vec<String> = schemas.keys().cloned().collect();
            let name = names.get(rng.usize(..names.len().max(1)))?.clone();
            let twin = match rng.u8(0..3) {
                0 => heck::ToSnakeCase::to_snake_case(name.as_str()),
                1 => name.to_uppercase(),
                _ => format!("{name}-"),
            };
            let copy = schemas.get(&name)?.clone();
            schemas.insert(twin.clone(), copy);
            Some(format!("duplicate schema {name} as {twin}"))
        }
        4 => {
            let source = pick_node(doc, rng, |_, _| true)?;
            let target = pick_node(doc, rng, |_, _| true)?;
            // A subtree spliced into itself would grow without bound on repeat; skip.
            if target.starts_with(&source) || source.starts_with(&target) {
                return None;
            }
            let copy = get_mut(doc, &source)?.clone();
            *get_mut(doc, &target)? = copy;
            Some(format!("splice {} over {}", show(&source), show(&target)))
        }
        5 => {
            let at = pick_node(doc, rng, |_, v| !v.is_object() && !v.is_array())?;
            let choices = [
                Value::Null,
                Value::from(""),
                Value::from(-1),
                Value::from(1e308),
                Value::from(u64::MAX),
                Value::from(true),
                serde_json::json!({}),
                serde_json::json!([]),
                Value::from("x".repeat(10_000)),
                Value::from("*/ \"# ```\n<script>\u{7}"),
            ];
            let new = choices[rng.usize(..choices.len())].clone();
            let description = format!("replace {} with {}", show(&at), short(&new));
            *get_mut(doc, &at)? = new;
            Some(description)
        }
        7 => {
            // A schema written with what OpenAPI 3.1 (JSON Schema 2020-12) brings, right or
            // wrong.
            let at = pick_node(doc, rng, |_, v| {
                v.get("type").is_some_and(Value::is_string)
                    || v.get("$ref").is_some()
                    || v.get("properties").is_some()
            })?;
            let node = get_mut(doc, &at)?;
            let old = node.clone();
            let ty = old.get("type").cloned().unwrap_or(Value::from("object"));
            let (what, new) = match rng.u8(0..12) {
                0 => ("a `type` list with null", {
                    let mut n = old.clone();
                    n["type"] = serde_json::json!([ty, "null"]);
                    n
                }),
                1 => (
                    "an `anyOf` with a null alternative",
                    serde_json::json!({"anyOf": [old, {"type": "null"}], "description": "nullable"}),
                ),
                2 => ("a `const`", {
                    let consts = [
                        Value::from("x"),
                        Value::from(2),
                        Value::Null,
                        Value::from(true),
                        serde_json::json!({"a": [1]}),
                    ];
                    let mut n = old.clone();
                    n["const"] = consts[rng.usize(..consts.len())].clone();
                    n
                }),
                3 => (
                    "`prefixItems`",
                    serde_json::json!({"type": "array", "prefixItems": [old, {"type": "string"}], "items": rng.bool()}),
                ),
                4 => (
                    "`$defs` and a `$ref` into them",
                    serde_json::json!({"$defs": {"Inner": old}, "$ref": "#/$defs/Inner"}),
                ),
                5 => ("`examples`", {
                    let mut n = old.clone();
                    n["examples"] = serde_json::json!([1, "two", null, {"three": 3}]);
                    n
                }),
                6 => ("numeric exclusive bounds", {
                    let mut n = old.clone();
                    n["exclusiveMinimum"] = Value::from(1);
                    n["exclusiveMaximum"] = Value::from(-1);
                    n
                }),
                7 => ("`if`/`then`/`else` and `unevaluatedProperties`", {
                    let mut n = old.clone();
                    n["if"] = serde_json::json!({"required": ["a"]});
                    n["then"] = old.clone();
                    n["unevaluatedProperties"] = serde_json::json!({"type": "integer"});
                    n
                }),
                8 => ("an `$anchor` and a `$ref` to it", {
                    let mut n = old.clone();
                    n["$anchor"] = Value::from("here");
                    n["properties"] = serde_json::json!({"again": {"$ref": "#here"}, "dynamic": {"$dynamicRef": "#here"}});
                    n
                }),
                9 => ("a boolean schema", Value::Bool(rng.bool())),
                10 => ("a `type` list of several types", {
                    let mut n = old.clone();
                    n["type"] =
                        serde_json::json!(["string", "object", "integer", "array", "no-such-type"]);
                    n
                }),
                _ => ("`patternProperties` and `contentMediaType`", {
                    let mut n = old.clone();
                    n["patternProperties"] = serde_json::json!({"^a": old, "^b": {"type": "null"}});
                    n["contentMediaType"] = Value::from("image/png");
                    n
                }),
            };
            *node = new;
            Some(format!("write {} the 3.1 way: {what}", show(&at)))
        }
        8 => {
            let versions = ["3.1.0", "3.2.0", "3.0.3", "4.0.0", "3.1"];
            let version = versions[rng.usize(..versions.len())];
            doc.as_object_mut()?
                .insert("openapi".to_owned(), Value::from(version));
            Some(format!("declare openapi {version}"))
        }
        _ => {
            // A schema made to refer to itself, directly.
            let schemas = doc
                .pointer_mut("/components/schemas")
                .and_then(Value::as_object_mut)?;
            let names: Vec<String> = schemas.keys().cloned().collect();
            let name = names.get(rng.usize(..names.len().max(1)))?.clone();
            let reference = format!("#/components/schemas/{name}");
            let shape = match rng.u8(0..3) {
                0 => serde_json::json!({"$ref": reference}),
                1 => serde_json::json!({"allOf": [{"$ref": reference}]}),
                _ => serde_json::json!({"type": "object", "required": ["me"],
                    "properties": {"me": {"$ref": reference}}}),
            };
            schemas.insert(name.clone(), shape);
            Some(format!("make schema {name} refer to itself"))
        }
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}

/// `cargo xtask fuzz`'s options.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A spec to mutate (repeatable) [default: the full Portkey specs 2024-06, 2024-11 (3.1)
    /// and 2026-07, else the committed one]
    #[arg(long = "spec", value_name = "PATH")]
    specs: Vec<PathBuf>,
    /// The first seed
    #[arg(long, value_name = "N", default_value_t = 1)]
    seed: u64,
    /// Mutants per spec
    #[arg(long, value_name = "N", default_value_t = 200)]
    iterations: usize,
    /// How long one generation may take before it counts as a hang
    #[arg(long, value_name = "N", default_value_t = 120)]
    timeout_secs: u64,
}

/// `cargo xtask fuzz`.
pub fn run(args: &Args) -> Result<(), String> {
    let mut specs = args.specs.clone();
    let options = Options {
        seed: args.seed,
        iterations: args.iterations,
        timeout: Duration::from_secs(args.timeout_secs),
    };
    if specs.is_empty() {
        specs = default_specs();
    }
    let mut failed = false;
    for spec in &specs {
        let text = std::fs::read_to_string(spec)
            .map_err(|e| format!("{}: {e}", crate::codegen::display(&root(), spec)))?;
        let started = Instant::now();
        let report = fuzz(&text, &options)?;
        println!(
            "{}: {} mutants (seeds {}..{}): {} generated, {} refused with diagnostics, {} failures, {:.0?}",
            crate::codegen::display(&root(), spec),
            report.mutants,
            options.seed,
            options.seed + report.mutants as u64,
            report.generated,
            report.refused,
            report.failures.len(),
            started.elapsed(),
        );
        for f in &report.failures {
            failed = true;
            println!(
                "  {} with seed {}: {}\n    mutations: {}",
                f.kind,
                f.seed,
                f.detail,
                f.mutations.join("; ")
            );
        }
    }
    if failed {
        Err("the generator panicked or hung on some mutants".to_owned())
    } else {
        Ok(())
    }
}

/// The full Portkey specs when present, else the committed spec.
fn default_specs() -> Vec<PathBuf> {
    let root = root();
    let shared = root.join("../shared/specs");
    let full: Vec<PathBuf> = [
        "portkey-2024-06.yaml",
        "portkey-2024-11-3.1.yaml",
        "portkey-2026-07.yaml",
    ]
    .iter()
    .map(|name| shared.join(name))
    .filter(|path| path.exists())
    .collect();
    if full.is_empty() {
        vec![root.join("spec/portkey.yaml")]
    } else {
        full
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A short run on every spec at hand: the committed one and a 3.1 one written the 3.1
    /// way (the fixture of the same API in both styles) always, the full ones when present.
    /// `cargo xtask fuzz` runs longer.
    #[test]
    fn mutants_get_files_or_diagnostics_never_a_panic() {
        let root = root();
        let mut runs = vec![
            (root.join("spec/portkey.yaml"), 150),
            (root.join("generator/tests/fixtures/same_api_31.yaml"), 150),
            (root.join("generator/tests/fixtures/v31_webhooks.yaml"), 50),
        ];
        let shared = root.join("../shared/specs");
        if shared.exists() {
            runs.push((shared.join("portkey-2024-06.yaml"), 6));
            runs.push((shared.join("portkey-2024-11-3.1.yaml"), 6));
        } else {
            println!("../shared/specs/ is absent: fuzzing the committed spec only");
        }
        for (spec, iterations) in runs {
            let text = std::fs::read_to_string(&spec).unwrap();
            let report = fuzz(
                &text,
                &Options {
                    seed: 1,
                    iterations,
                    timeout: Duration::from_secs(300),
                },
            )
            .unwrap();
            assert!(
                report.failures.is_empty(),
                "{}: {:#?}",
                spec.display(),
                report.failures
            );
            assert_eq!(report.mutants, iterations);
            // The mutations are not all harmless: some must be refused, most generate.
            assert!(report.generated > 0, "{report:?}");
        }
    }

    #[test]
    fn the_harness_catches_panics_and_hangs() {
        // The harness itself: without this, a fuzz run that finds nothing proves nothing.
        match run_one(|| panic!("boom"), Duration::from_secs(60)) {
            Outcome::Panicked(message) => assert!(message.starts_with("boom at "), "{message}"),
            _ => panic!("a panic was not reported"),
        }
        let hang = || loop {
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(matches!(
            run_one(hang, Duration::from_millis(200)),
            Outcome::Hung
        ));
        assert!(matches!(
            run_one(|| true, Duration::from_secs(60)),
            Outcome::Generated
        ));
        assert!(matches!(
            run_one(|| false, Duration::from_secs(60)),
            Outcome::Refused
        ));
    }

    #[test]
    fn mutations_change_the_document_reproducibly() {
        let text = std::fs::read_to_string(root().join("spec/portkey.yaml")).unwrap();
        let original: Value = serde_yaml::from_str(&text).unwrap();
        let mut changed = 0;
        for seed in 0..50 {
            let mutate_with = |seed| {
                let mut doc = original.clone();
                let what = mutate(&mut doc, &mut fastrand::Rng::with_seed(seed));
                (doc, what)
            };
            let (a, what) = mutate_with(seed);
            assert_eq!((a.clone(), what.clone()), mutate_with(seed), "seed {seed}");
            if what.is_some() && a != original {
                changed += 1;
            }
        }
        assert!(
            changed >= 40,
            "only {changed} of 50 mutations changed the spec"
        );
    }
}
