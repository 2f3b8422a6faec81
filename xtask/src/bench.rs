//! `cargo xtask bench`: every benchmark in one run, then the figures of `BENCHMARKS.md` and
//! its chart.
//!
//! The in-process benches are programs of their own (`bench/benches/`,
//! `generator/benches/`, and `bench/full_spec/`, built against a crate generated from the
//! full 2026 spec; run with `cargo bench`) that append JSON lines to
//! `target/bench/results.jsonl`; whole processes (the `codegen` command, builds of generated
//! crates) are measured here. Everything goes into the part of `BENCHMARKS.md` between its
//! two `bench:` markers, and the chart into `bench/ratios.svg`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::Value;

use crate::codegen::{crate_files, generate, generate_with, root, write_files};

const BEGIN: &str = "<!-- bench:begin (written by `cargo xtask bench`; do not edit by hand) -->";
const END: &str = "<!-- bench:end -->";
const CHART: &str = "bench/ratios.svg";

/// `cargo xtask bench`'s options.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A smoke run: few rounds, figures not worth quoting
    #[arg(long)]
    quick: bool,
    /// Run that bench alone and print its figures; BENCHMARKS.md and the chart are left as
    /// they are
    #[arg(long, value_enum, value_name = "BENCH")]
    only: Option<Only>,
}

/// A bench that `--only` runs alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Only {
    /// Decoding the 2026 spec's chat completion response
    ChatCompletion,
    /// The clean builds and checks of the generated crates
    BuildCost,
}

pub fn run(args: &Args) -> Result<(), String> {
    let quick = args.quick;
    let only_chat = args.only == Some(Only::ChatCompletion);
    let only_build = args.only == Some(Only::BuildCost);
    let root = root();
    let out = root.join("target/bench");
    fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let results = out.join("results.jsonl");
    let _ = fs::remove_file(&results);
    let load_before = load_average();

    if only_chat {
        // One step alone: its figures are printed, BENCHMARKS.md and the chart are left as
        // they are (they hold a whole run).
        chat_completion(&root, quick, &results)?;
        if results.exists() {
            let figures = read_records(&results)?;
            let machine = machine(quick, &load_before, &load_average());
            println!("{}", render(&figures, &Vec::new(), &machine));
        }
        return Ok(());
    }
    if only_build {
        // Likewise: the cost of building the generated crates, printed.
        let (figures, sizes) = build_cost(&root, quick)?;
        let machine = machine(quick, &load_before, &load_average());
        println!("{}", render(&figures, &sizes, &machine));
        return Ok(());
    }

    eprintln!("== client benches (cargo bench -p portkey-bench)");
    cargo_bench(&root, &["-p", "portkey-bench"], quick, &results)?;
    chat_completion(&root, quick, &results)?;
    eprintln!("== generation by stage (cargo bench -p portkey-codegen --bench generate)");
    cargo_bench(
        &root,
        &["-p", "portkey-codegen", "--bench", "generate"],
        quick,
        &results,
    )?;
    let mut figures = read_records(&results)?;
    eprintln!("== the codegen command as a process");
    figures.extend(codegen_processes(&root, quick)?);
    eprintln!("== building generated crates");
    let (build_figures, sizes) = build_cost(&root, quick)?;
    figures.extend(build_figures);

    let machine = machine(quick, &load_before, &load_average());
    let section = render(&figures, &sizes, &machine);
    let chart = chart(&figures);
    fs::write(root.join(CHART), chart).map_err(|e| format!("cannot write {CHART}: {e}"))?;
    let doc_path = root.join("BENCHMARKS.md");
    let doc = fs::read_to_string(&doc_path).unwrap_or_default();
    let doc = match (doc.find(BEGIN), doc.find(END)) {
        (Some(b), Some(e)) if b < e => {
            format!("{}{BEGIN}\n{section}{}", &doc[..b], &doc[e..])
        }
        _ => format!("{doc}\n{BEGIN}\n{section}{END}\n"),
    };
    fs::write(&doc_path, doc).map_err(|e| format!("cannot write BENCHMARKS.md: {e}"))?;
    println!("{section}");
    eprintln!("BENCHMARKS.md and {CHART} written");
    Ok(())
}

/// One figure, as the benches write them (see `bench/src/lib.rs`).
#[derive(Debug, Clone)]
struct Figure {
    group: String,
    case: String,
    unit: String,
    median: f64,
    min: f64,
    max: f64,
    samples: usize,
    floor: Option<String>,
    ratio: Option<Spread>,
    items: Option<f64>,
}

impl Figure {
    fn new(group: &str, case: &str, unit: &str, samples: &[f64]) -> Figure {
        let (median, min, max) = spread(samples);
        Figure {
            group: group.to_string(),
            case: case.to_string(),
            unit: unit.to_string(),
            median,
            min,
            max,
            samples: samples.len(),
            floor: None,
            ratio: None,
            items: None,
        }
    }

    fn from_json(v: &Value) -> Option<Figure> {
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let num = |k: &str| v.get(k).and_then(Value::as_f64);
        Some(Figure {
            group: text("group")?,
            case: text("case")?,
            unit: text("unit")?,
            median: num("median")?,
            min: num("min")?,
            max: num("max")?,
            samples: v.get("samples").and_then(Value::as_u64)? as usize,
            floor: text("floor"),
            ratio: match (num("ratio_median"), num("ratio_min"), num("ratio_max")) {
                (Some(m), Some(lo), Some(hi)) => Some((m, lo, hi)),
                _ => None,
            },
            items: num("items"),
        })
    }
}

/// Median, minimum and maximum.
type Spread = (f64, f64, f64);

fn spread(samples: &[f64]) -> Spread {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => (0.0, 0.0, 0.0),
        n if n % 2 == 1 => (sorted[n / 2], sorted[0], sorted[n - 1]),
        n => (
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
            sorted[0],
            sorted[n - 1],
        ),
    }
}

fn cargo_bench(root: &Path, args: &[&str], quick: bool, results: &Path) -> Result<(), String> {
    let mut command = crate::codegen::cargo_command();
    command
        .arg("bench")
        .arg("--quiet")
        .args(args)
        .current_dir(root)
        .env("PORTKEY_BENCH_OUT", results);
    if quick {
        command.env("PORTKEY_BENCH_QUICK", "1");
    }
    let status = command.status().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo bench {} failed", args.join(" ")))
    }
}

fn read_records(path: &Path) -> Result<Vec<Figure>, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("no bench results: {e}"))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str::<Value>(l)
                .ok()
                .as_ref()
                .and_then(Figure::from_json)
                .ok_or_else(|| format!("a bench wrote a line that is not a record: {l}"))
        })
        .collect()
}

/// Runs a command to its end; returns its wall time in seconds and its peak resident set
/// in bytes.
fn measure(command: &mut Command) -> Result<(f64, f64), String> {
    let started = Instant::now();
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `rusage` is plain data, all zeros is a valid value; `wait4` writes both
    // out-parameters for the child just spawned, which nothing else waits for.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let seconds = started.elapsed().as_secs_f64();
    if waited != pid {
        return Err(format!("wait4 failed: {}", std::io::Error::last_os_error()));
    }
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        return Err(format!("{command:?} failed (wait status {status})"));
    }
    // Linux reports `ru_maxrss` in KiB.
    Ok((seconds, usage.ru_maxrss as f64 * 1024.0))
}

/// `cargo xtask codegen` on the 2026 spec (the committed spec when the full ones are
/// absent), as the debug binary `cargo xtask` runs and as a release build.
fn codegen_processes(root: &Path, quick: bool) -> Result<Vec<Figure>, String> {
    let (label, spec) = match crate::full_specs::specs_dir() {
        Some(dir) => ("portkey-2026-07.yaml", dir.join("portkey-2026-07.yaml")),
        None => {
            println!("../shared/specs/ is absent: the codegen process runs on spec/portkey.yaml");
            ("spec/portkey.yaml", root.join("spec/portkey.yaml"))
        }
    };
    let status = crate::codegen::cargo_command()
        .args(["build", "--release", "--quiet", "--package", "xtask"])
        .current_dir(root)
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("cargo build --release --package xtask failed".into());
    }
    let debug = std::env::current_exe().map_err(|e| e.to_string())?;
    let release = root.join("target/release/xtask");
    let out = root.join("target/bench/codegen-out");
    let rounds = if quick { 1 } else { 5 };
    let mut figures = Vec::new();
    for (name, binary) in [("release build", &release), ("debug build", &debug)] {
        let (mut times, mut peaks) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let (seconds, peak) = measure(
                Command::new(binary)
                    .arg("codegen")
                    .arg("--spec")
                    .arg(&spec)
                    .arg("--out")
                    .arg(&out)
                    .arg("--quiet")
                    .current_dir(root),
            )?;
            times.push(seconds);
            peaks.push(peak);
        }
        let group = format!("codegen process, {label}");
        figures.push(Figure::new(&group, &format!("time, {name}"), "s", &times));
        figures.push(Figure::new(
            &group,
            &format!("peak memory, {name}"),
            "bytes",
            &peaks,
        ));
    }
    let spec_bytes = fs::metadata(&spec).map(|m| m.len() as f64).unwrap_or(0.0);
    figures.push(Figure::new(
        &format!("codegen process, {label}"),
        "spec file size",
        "bytes",
        &[spec_bytes],
    ));
    Ok(figures)
}

/// Decoding and encoding the chat completion response type generated from the 2026 spec
/// (`bench/full_spec/chat_completion.rs`). The crate is generated into
/// `target/bench/full-spec/client`, beside a bench crate whose bench is that committed file
/// and which gets the spec's example response as `example.json`; the workspace of the two is
/// built on a target folder of its own and run like the other benches.
fn chat_completion(root: &Path, quick: bool, results: &Path) -> Result<(), String> {
    let Some(dir) = crate::full_specs::specs_dir() else {
        println!("../shared/specs/ is absent: the 2026 chat completion response is not measured");
        return Ok(());
    };
    eprintln!("== the 2026 spec's chat completion response (bench/full_spec/chat_completion.rs)");
    let spec = dir.join("portkey-2026-07.yaml");
    let text = generator::load::read_text(&spec).map_err(|e| e.to_string())?;
    let (doc, _) = generator::load::parse_document(&spec, &text).map_err(|e| e.to_string())?;
    let (pointer, example) = chat_completion_example(&doc)
        .ok_or("portkey-2026-07.yaml has no example of a chat completion response")?;
    eprintln!("   the spec's example: {pointer}");
    let generated = generate_with(root, &spec, None, false).map_err(|e| e.to_string())?;

    let workspace = root.join("target/bench/full-spec");
    let client = workspace.join("client");
    let mut files: std::collections::BTreeMap<PathBuf, String> =
        crate_files(root, &generated, Some("portkey-client-2026"))?
            .into_iter()
            .map(|(p, c)| (client.join(p), c))
            .collect();
    let bench = workspace.join("bench");
    // Paths in a manifest are TOML strings; the escapes serde_json writes are valid TOML.
    let quote = |p: &Path| Value::from(p.to_string_lossy()).to_string();
    files.insert(
        bench.join("Cargo.toml"),
        format!(
            "[package]\nname = \"full-spec-bench\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
             publish = false\n\n[[bench]]\nname = \"chat_completion\"\npath = {}\nharness = false\n\n\
             [dependencies]\nportkey-bench = {{ path = {} }}\n\
             portkey-client-2026 = {{ path = \"../client\" }}\n\
             serde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\n",
            quote(&root.join("bench/full_spec/chat_completion.rs")),
            quote(&root.join("bench")),
        ),
    );
    files.insert(
        bench.join("src/lib.rs"),
        "//! Empty: the package is its bench, `bench/full_spec/chat_completion.rs`.\n".into(),
    );
    files.insert(
        bench.join("example.json"),
        serde_json::to_string(&example).map_err(|e| e.to_string())?,
    );
    files.insert(
        workspace.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"bench\", \"client\"]\n".into(),
    );
    // `write_files` leaves files whose text has not changed, so a second run rebuilds nothing.
    write_files(&files, &client.join("src/generated"))?;
    fs::copy(root.join("Cargo.lock"), workspace.join("Cargo.lock")).map_err(|e| e.to_string())?;
    let manifest = workspace.join("Cargo.toml");
    let target = root.join("target/bench/full-spec-target");
    cargo_bench(
        root,
        &[
            "--manifest-path",
            &manifest.to_string_lossy(),
            "--target-dir",
            &target.to_string_lossy(),
            "-p",
            "full-spec-bench",
            "--bench",
            "chat_completion",
        ],
        quick,
        results,
    )
}

/// The example response of `createChatCompletion` in the spec, else the first chat
/// completion response found among the spec's other examples (an object whose `object` is
/// `chat.completion` and which has `choices`, also inside examples written as JSON text),
/// with a pointer to where it is.
fn chat_completion_example(doc: &Value) -> Option<(String, Value)> {
    let paths = doc.get("paths")?.as_object()?;
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            if op.get("operationId").and_then(Value::as_str) != Some("createChatCompletion") {
                continue;
            }
            let Some(media) = op.pointer("/responses/200/content/application~1json") else {
                continue;
            };
            let at = format!(
                "#/paths/{}/{method}/responses/200/content/application~1json",
                escape_pointer(path)
            );
            if let Some(example) = media.get("example") {
                return Some((format!("{at}/example"), example.clone()));
            }
            if let Some((name, example)) = media
                .get("examples")
                .and_then(Value::as_object)
                .and_then(|e| e.iter().find_map(|(n, e)| Some((n, e.get("value")?))))
            {
                return Some((format!("{at}/examples/{name}/value"), example.clone()));
            }
        }
    }
    find_chat_completion(doc, "#")
}

fn find_chat_completion(value: &Value, at: &str) -> Option<(String, Value)> {
    match value {
        Value::Object(map) => {
            if map.get("object").and_then(Value::as_str) == Some("chat.completion")
                && map.get("choices").is_some_and(Value::is_array)
            {
                return Some((at.to_string(), value.clone()));
            }
            map.iter()
                .find_map(|(k, v)| find_chat_completion(v, &format!("{at}/{}", escape_pointer(k))))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| find_chat_completion(v, &format!("{at}/{i}"))),
        Value::String(text) if text.trim_start().starts_with('{') => {
            let parsed: Value = serde_json::from_str(text).ok()?;
            find_chat_completion(&parsed, &format!("{at} (as JSON)"))
        }
        _ => None,
    }
}

/// A key as a JSON pointer spells it.
fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Lines of generated code per crate: `(crate, files, lines, of which types/)`.
type Sizes = Vec<(String, usize, usize, usize)>;

/// Clean `cargo build` and `cargo check` of the generated crates (the committed spec's and,
/// when the full specs are there, the 2026 one's), dependencies already built.
fn build_cost(root: &Path, quick: bool) -> Result<(Vec<Figure>, Sizes), String> {
    let workspace = root.join("target/bench/crates");
    let _ = fs::remove_dir_all(&workspace);
    let mut crates = vec![(
        "bench-seed".to_string(),
        "spec/portkey.yaml",
        generate(
            root,
            &root.join("spec/portkey.yaml"),
            Some(&root.join("spec/portkey.overlay.yaml")),
        )
        .map_err(|e| e.to_string())?,
    )];
    match crate::full_specs::specs_dir() {
        Some(dir) => crates.push((
            "bench-full-2026".to_string(),
            "portkey-2026-07.yaml",
            generate_with(root, &dir.join("portkey-2026-07.yaml"), None, false)
                .map_err(|e| e.to_string())?,
        )),
        None => println!("../shared/specs/ is absent: the full-spec build is skipped"),
    }
    let mut sizes = Vec::new();
    let mut members = Vec::new();
    for (name, label, generated) in &crates {
        let dir = workspace.join(name);
        let files: std::collections::BTreeMap<PathBuf, String> =
            crate_files(root, generated, Some(name))?
                .into_iter()
                .map(|(p, c)| (dir.join(p), c))
                .collect();
        write_files(&files, &dir.join("src/generated"))?;
        members.push(format!("\"{name}\""));
        let lines: usize = generated.files.values().map(|c| c.lines().count()).sum();
        let type_lines: usize = generated
            .files
            .iter()
            .filter(|(p, _)| p.starts_with("types/"))
            .map(|(_, c)| c.lines().count())
            .sum();
        sizes.push((label.to_string(), generated.files.len(), lines, type_lines));
    }
    fs::write(
        workspace.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
            members.join(", ")
        ),
    )
    .map_err(|e| e.to_string())?;
    fs::copy(root.join("Cargo.lock"), workspace.join("Cargo.lock")).map_err(|e| e.to_string())?;

    let target = root.join("target/generated-target");
    let cargo = |args: &[&str]| -> Result<f64, String> {
        let started = Instant::now();
        let out = crate::codegen::cargo_command()
            .args(args)
            .current_dir(&workspace)
            .env("CARGO_TARGET_DIR", &target)
            // `cargo clean -p` leaves the incremental cache, which would make a "clean"
            // build a rebuild; and a crate used as a dependency is never built incrementally.
            .env("CARGO_INCREMENTAL", "0")
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "cargo {} failed:\n{}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(started.elapsed().as_secs_f64())
    };
    // Dependencies first, unmeasured.
    for (name, _, _) in &crates {
        cargo(&["build", "--quiet", "--package", name])?;
        cargo(&["check", "--quiet", "--package", name])?;
    }
    let rounds = if quick { 1 } else { 3 };
    let mut figures = Vec::new();
    for (name, label, generated) in &crates {
        // All features (the default), then, on a crate with several, what a program that
        // calls one part of the API compiles: the `chat` feature alone, and no feature.
        let mut variants = vec![(String::new(), Vec::new())];
        if generated.features.len() > 1 && generated.features.iter().any(|f| f.name == "chat") {
            variants.push((
                ", feature `chat` only".to_string(),
                vec!["--no-default-features", "--features", "chat"],
            ));
            variants.push((", no features".to_string(), vec!["--no-default-features"]));
        }
        for (suffix, flags) in &variants {
            for what in ["check", "build"] {
                let mut args = vec![what, "--quiet", "--package", name.as_str()];
                args.extend(flags.iter().copied());
                let mut times = Vec::new();
                for _ in 0..rounds {
                    cargo(&["clean", "--quiet", "--package", name])?;
                    times.push(cargo(&args)?);
                }
                figures.push(Figure::new(
                    "building the generated crate",
                    &format!("cargo {what}, {label}{suffix}"),
                    "s",
                    &times,
                ));
            }
        }
    }
    Ok((figures, sizes))
}

fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn machine(quick: bool, before: &str, after: &str) -> String {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!(
        "Machine: {cores} cores, {model}; {rustc}. Load average (1, 5, 15 min) {before} before \
         the run and {after} after it: the machine was shared. Mode: {}.\n",
        if quick {
            "`--quick` (few rounds: a smoke run, not a measurement)"
        } else {
            "full"
        }
    )
}

fn human(value: f64, unit: &str) -> String {
    match unit {
        "ns" if value >= 1e6 => format!("{:.2} ms", value / 1e6),
        "ns" if value >= 1e3 => format!("{:.2} µs", value / 1e3),
        "ns" => format!("{value:.0} ns"),
        "ms" => format!("{value:.1} ms"),
        "s" => format!("{value:.2} s"),
        "bytes" if value >= 1e6 => format!("{:.1} MB", value / 1e6),
        "bytes" => format!("{:.1} kB", value / 1e3),
        "instructions" => format!("{:.0}k instr.", value / 1e3),
        _ => format!("{value:.2} {unit}"),
    }
}

fn throughput(f: &Figure, figures: &[Figure]) -> String {
    let floor = figures
        .iter()
        .find(|g| g.group == f.group && Some(&g.case) == f.floor.as_ref());
    match (f.items, f.unit.as_str()) {
        (Some(items), "ns") if f.group.starts_with("sse") => {
            format!("{:.2} M events/s", items / f.median * 1e3)
        }
        (Some(items), "ns") if f.group.starts_with("request") => {
            format!("{:.0} requests/s", items / f.median * 1e9)
        }
        (Some(bytes), "ns") => format!("{:.0} MB/s", bytes / f.median * 1e3),
        (Some(file), "bytes") => match floor {
            Some(floor) => format!(
                "peak {:+.1} MB over the baseline: {:.1}% of the file",
                (f.median - floor.median) / 1e6,
                (f.median - floor.median) / file * 100.0
            ),
            None => String::new(),
        },
        _ => String::new(),
    }
}

fn render(figures: &[Figure], sizes: &Sizes, machine: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{machine}");
    let _ = writeln!(out, "![ratios]({CHART})\n");
    let _ = writeln!(out, "### Targets\n");
    let _ = writeln!(
        out,
        "| target | measured (median, min–max over rounds) | met |"
    );
    let _ = writeln!(out, "|---|---|---|");
    for (what, ratio, limit) in targets(figures) {
        let (m, lo, hi) = ratio;
        let _ = writeln!(
            out,
            "| {what} ≤ {limit}x | {m:.3}x ({lo:.3}–{hi:.3}) | {} |",
            if m <= limit { "yes" } else { "**no**" }
        );
    }
    let mut groups: Vec<&str> = Vec::new();
    for f in figures {
        if !groups.contains(&f.group.as_str()) {
            groups.push(&f.group);
        }
    }
    for group in groups {
        let _ = writeln!(out, "\n### {group}\n");
        let _ = writeln!(
            out,
            "| case | median | min–max | rounds | ratio (median, min–max) | throughput |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|");
        for f in figures.iter().filter(|f| f.group == group) {
            let ratio = match (&f.ratio, &f.floor) {
                (Some((m, lo, hi)), Some(floor)) => {
                    format!("{m:.3}x ({lo:.3}–{hi:.3}) of {floor}")
                }
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} – {} | {} | {ratio} | {} |",
                f.case,
                human(f.median, &f.unit),
                human(f.min, &f.unit),
                human(f.max, &f.unit),
                f.samples,
                throughput(f, figures)
            );
        }
    }
    if sizes.is_empty() {
        return out;
    }
    let _ = writeln!(out, "\n### Size of the generated code\n");
    let _ = writeln!(out, "| spec | files | lines | of which `types/` |");
    let _ = writeln!(out, "|---|---|---|---|");
    for (label, files, lines, types) in sizes {
        let _ = writeln!(out, "| {label} | {files} | {lines} | {types} |");
    }
    out
}

/// The targets: what, the measured ratio, the limit.
fn targets(figures: &[Figure]) -> Vec<(String, Spread, f64)> {
    let mut out = Vec::new();
    for f in figures {
        let Some(ratio) = f.ratio else { continue };
        let limit = if f.group.starts_with("generate ") && f.case == "whole generation" {
            Some(2.0)
        } else if (f.group.starts_with("decode ") || f.group.starts_with("encode "))
            && f.case == "generated type"
        {
            Some(1.10)
        } else if f.group.starts_with("request") && f.case == "generated create_run" {
            Some(1.05)
        } else {
            None
        };
        if let Some(limit) = limit {
            out.push((format!("{}: {}", f.group, f.case), ratio, limit));
        }
    }
    out
}

/// A bar per ratio (median, with its min–max as a whisker) on a log scale, with the
/// target marked where there is one.
fn chart(figures: &[Figure]) -> String {
    let targets = targets(figures);
    let rows: Vec<(String, Spread, Option<f64>)> = figures
        .iter()
        .filter_map(|f| {
            let ratio = f.ratio?;
            let label = format!("{}: {}", f.group, f.case);
            let limit = targets.iter().find(|t| t.0 == label).map(|t| t.2);
            Some((label, ratio, limit))
        })
        .collect();
    let (left, width, row_h, top) = (430.0, 420.0, 22.0, 40.0);
    let (lo, hi) = (0.25f64, 32.0f64);
    let x = |r: f64| left + (r.clamp(lo, hi).log2() - lo.log2()) / (hi.log2() - lo.log2()) * width;
    let height = top + rows.len() as f64 * row_h + 30.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"11\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"10\" y=\"18\" font-size=\"13\">Each figure against its floor or baseline, \
         measured in the same run (log scale; whisker: min–max over rounds; red: target)</text>\n",
        w = left + width + 20.0
    );
    let mut tick = lo;
    while tick <= hi {
        let tx = x(tick);
        let _ = writeln!(
            svg,
            "<line x1=\"{tx:.1}\" y1=\"{top}\" x2=\"{tx:.1}\" y2=\"{:.1}\" stroke=\"{}\"/>\
             <text x=\"{tx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{tick}x</text>",
            height - 25.0,
            if tick == 1.0 { "#444" } else { "#ddd" },
            height - 10.0
        );
        tick *= 2.0;
    }
    for (i, (label, (m, rlo, rhi), limit)) in rows.iter().enumerate() {
        let y = top + i as f64 * row_h;
        let colour = match limit {
            Some(l) if m > l => "#d9534f",
            Some(_) => "#5cb85c",
            None => "#8aa4c8",
        };
        let (x0, xm) = (x(1.0).min(x(*m)), x(1.0).max(x(*m)));
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\"/>\
             <line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"black\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{m:.2}x</text>",
            left - 6.0,
            y + 15.0,
            escape(label),
            y + 4.0,
            (xm - x0).max(1.0),
            row_h - 8.0,
            x(*rlo),
            y + row_h / 2.0,
            x(*rhi),
            y + row_h / 2.0,
            x(*rhi).max(xm) + 4.0,
            y + 15.0,
        );
        if let Some(l) = limit {
            let lx = x(*l);
            let _ = writeln!(
                svg,
                "<line x1=\"{lx:.1}\" y1=\"{:.1}\" x2=\"{lx:.1}\" y2=\"{:.1}\" stroke=\"red\" stroke-width=\"2\"/>",
                y + 1.0,
                y + row_h - 1.0
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::chat_completion_example;

    #[test]
    fn chat_completion_example_prefers_the_operation_then_searches_the_spec() {
        let completion = json!({"object": "chat.completion", "choices": [], "id": "c"});
        let operation = |media: serde_json::Value| {
            json!({"paths": {"/chat/completions": {"post": {
                "operationId": "createChatCompletion",
                "responses": {"200": {"content": {"application/json": media}}}
            }}}})
        };
        let mut doc = operation(json!({"example": completion}));
        doc["components"] = json!({"schemas": {"Other": {"example": {"object": "x"}}}});
        assert_eq!(
            chat_completion_example(&doc),
            Some((
                "#/paths/~1chat~1completions/post/responses/200/content/application~1json/example"
                    .to_string(),
                completion.clone()
            ))
        );

        // No example on the operation: the first chat completion among the spec's examples,
        // also inside JSON text; objects without `choices` are not responses.
        let mut doc = operation(json!({}));
        doc["components"] = json!({"schemas": {
            "A": {"example": {"object": "chat.completion", "id": "no choices"}},
            "B": {"x-code-samples": {"example": json!({"body": completion}).to_string()}}
        }});
        assert_eq!(
            chat_completion_example(&doc),
            Some((
                "#/components/schemas/B/x-code-samples/example (as JSON)/body".to_string(),
                completion
            ))
        );
    }
}
