//! `cargo xtask full-specs`: the generator on the full published Portkey specs.
//!
//! The specs are test inputs only (`../shared/specs/`): the crates generated from them are
//! written under `target/full-specs/` and built there, never committed.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use generator::Severity;

use crate::codegen::{crate_files, display, generate_with, root, write_files};

/// The published specs, oldest first: two full 3.0 specs a year apart, the last 3.0 version
/// before Portkey's month of `openapi: 3.1.0`, the last 3.1 version, and the day after (the
/// same document declaring 3.0 again).
pub const SPECS: &[&str] = &[
    "portkey-2024-06.yaml",
    "portkey-2024-10-3.0.yaml",
    "portkey-2024-11-3.1.yaml",
    "portkey-2024-11-3.0.yaml",
    "portkey-2026-07.yaml",
];

/// Specs that differ from another only in the `openapi` version they declare: each must
/// generate the same files as its twin (but for the header naming the spec), so its crate is
/// that crate and is not built again.
pub const TWINS: &[(&str, &str)] = &[("portkey-2024-11-3.0.yaml", "portkey-2024-11-3.1.yaml")];

/// Where the full specs are, if this checkout has them beside it.
pub fn specs_dir() -> Option<PathBuf> {
    let dir = root().join("../shared/specs");
    SPECS.iter().all(|s| dir.join(s).exists()).then_some(dir)
}

/// What one spec gave.
pub struct Outcome {
    pub spec: String,
    pub types: usize,
    pub operations: usize,
    pub warnings: Vec<String>,
    /// Each kind of warning (its message with names and numbers taken out) and how often.
    pub kinds: Vec<(String, usize)>,
    pub generate_seconds: f64,
}

/// Generates a crate per spec into `target/full-specs/`, then checks them all with clippy
/// and rustdoc, warnings denied. Returns a Markdown report.
pub fn run_all(build: bool) -> Result<String, String> {
    let dir = specs_dir().ok_or("../shared/specs/ with the full Portkey specs is absent")?;
    let root = root();
    let workspace = root.join("target/full-specs");
    let _ = fs::remove_dir_all(&workspace);
    let mut outcomes = Vec::new();
    let mut members = Vec::new();
    let mut features = Vec::new();
    let mut built: Vec<(&str, std::collections::BTreeMap<String, String>)> = Vec::new();
    for spec in SPECS {
        let path = dir.join(spec);
        let started = Instant::now();
        let generated =
            generate_with(&root, &path, None, true).map_err(|e| format!("{spec}: {e}"))?;
        let generate_seconds = started.elapsed().as_secs_f64();
        let warnings: Vec<&generator::Diagnostic> = generated
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .collect();
        outcomes.push(Outcome {
            spec: display(&root, &path),
            types: generated.type_count,
            operations: generated.operation_count,
            warnings: warnings.iter().map(|d| d.to_string()).collect(),
            kinds: kinds(&warnings),
            generate_seconds,
        });
        let body = without_headers(&generated.files);
        if let Some((_, twin)) = TWINS.iter().find(|(copy, _)| copy == spec) {
            let (_, twin_files) = built
                .iter()
                .find(|(name, _)| name == twin)
                .ok_or_else(|| format!("{twin} must come before its twin {spec} in SPECS"))?;
            if let Some(path) = first_difference(twin_files, &body) {
                return Err(format!(
                    "{spec} differs from {twin} only in its `openapi` version, but generates another `{path}`"
                ));
            }
            continue;
        }
        built.push((spec, body));
        let stem = package_stem(spec);
        let crate_dir = workspace.join(&stem);
        let mut files: std::collections::BTreeMap<PathBuf, String> =
            crate_files(&root, &generated, Some(&format!("full-{stem}")))?
                .into_iter()
                .map(|(p, c)| (crate_dir.join(p), c))
                .collect();
        features.push((
            format!("full-{stem}"),
            generated.features.iter().map(|f| f.name.clone()).collect(),
        ));
        let lib = format!("full_{}", stem.replace('-', "_"));
        files.insert(
            crate_dir.join("examples/check_examples.rs"),
            format!(
                "//! Prints how many examples were checked, then each that failed: pointer, tab, error.\n\
                 fn main() {{\n    let (checked, failures) = {lib}::example_check::check_examples();\n    \
                 println!(\"{{checked}}\");\n    for (pointer, error) in failures {{\n        \
                 println!(\"{{pointer}}\\t{{}}\", error.replace('\\n', \" \"));\n    }}\n}}\n"
            ),
        );
        write_files(&files, &crate_dir.join("src/generated"))?;
        members.push(format!("\"{stem}\""));
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

    let mut report = String::from(
        "| spec | types | operations | warnings | generation |\n|---|---|---|---|---|\n",
    );
    for o in &outcomes {
        let _ = writeln!(
            report,
            "| {} | {} | {} | {} | {:.2} s |",
            o.spec,
            o.types,
            o.operations,
            o.warnings.len(),
            o.generate_seconds
        );
    }
    for (copy, twin) in TWINS {
        let _ = writeln!(
            report,
            "\n{copy} generates the same files as {twin}, but for their headers: its crate is that crate"
        );
    }
    if build {
        for (what, seconds) in check_clean(&workspace)? {
            let _ = writeln!(
                report,
                "\n`cargo {what}` with warnings denied: clean ({seconds:.0} s)"
            );
        }
        let started = Instant::now();
        let checked = check_features(&workspace, &features)?;
        let _ = writeln!(
            report,
            "\n`cargo check` with no features and with each feature alone, warnings denied, in \
             batches of crates: {checked} builds, clean ({:.0} s)",
            started.elapsed().as_secs_f64()
        );
        let mut problems = Vec::new();
        for spec in SPECS
            .iter()
            .filter(|s| !TWINS.iter().any(|(copy, _)| copy == *s))
        {
            let (line, problem) = check_examples(&workspace, spec)?;
            let _ = writeln!(report, "\n{spec}: {line}");
            problems.extend(problem);
        }
        if !problems.is_empty() {
            return Err(format!("{report}\n{}", problems.join("\n")));
        }
    }
    for o in &outcomes {
        let _ = writeln!(report, "\n### {} warnings by kind\n", o.spec);
        for (kind, n) in &o.kinds {
            let _ = writeln!(report, "- {n} × {kind}");
        }
        let _ = writeln!(report, "\n```text");
        for w in &o.warnings {
            let _ = writeln!(report, "{w}");
        }
        report.push_str("```\n");
    }
    Ok(report)
}

/// The name of a spec's crate: its file stem with anything but letters, digits and `-`
/// written as `-` (`portkey-2024-10-3.0.yaml` is `portkey-2024-10-3-0`).
fn package_stem(spec: &str) -> String {
    let stem = spec.strip_suffix(".yaml").unwrap_or(spec);
    stem.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// Generated files without the header lines that name the spec.
fn without_headers(
    files: &std::collections::BTreeMap<String, String>,
) -> std::collections::BTreeMap<String, String> {
    files
        .iter()
        .map(|(path, text)| {
            let body = text
                .lines()
                .filter(|l| !l.starts_with("// This file is generated by"))
                .collect::<Vec<_>>()
                .join("\n");
            (path.clone(), body)
        })
        .collect()
}

/// The first file in which two file sets differ, if any.
fn first_difference(
    a: &std::collections::BTreeMap<String, String>,
    b: &std::collections::BTreeMap<String, String>,
) -> Option<String> {
    a.iter()
        .find(|(path, text)| b.get(*path) != Some(*text))
        .map(|(path, _)| path.clone())
        .or_else(|| b.keys().find(|p| !a.contains_key(*p)).cloned())
}

/// Warnings grouped by kind: the message with what is quoted and every number taken out, so
/// that "`required` names `thread_id`" and "`required` names `logprobs`" are one kind.
pub fn kinds(warnings: &[&generator::Diagnostic]) -> Vec<(String, usize)> {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for d in warnings {
        let mut kind = String::new();
        let mut quoted = false;
        for c in d.message.chars() {
            match c {
                '`' if !quoted => {
                    quoted = true;
                    kind.push_str("`…`");
                }
                '`' => quoted = false,
                _ if quoted => {}
                c if c.is_ascii_digit() => {
                    if !kind.ends_with('N') {
                        kind.push('N');
                    }
                }
                c => kind.push(c),
            }
        }
        // What is in parentheses names the schema or place; the kind is what comes before.
        let kind = kind.split('(').next().unwrap_or(&kind).trim().to_string();
        *counts.entry(kind).or_default() += 1;
    }
    let mut kinds: Vec<(String, usize)> = counts.into_iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    kinds
}

/// Runs a crate's `check_examples` program and compares its failures with the spec bugs
/// listed in `xtask/spec-bugs/{stem}.txt`. Returns a summary line, and a problem when the two
/// differ.
fn check_examples(workspace: &Path, spec: &str) -> Result<(String, Option<String>), String> {
    let package = package_stem(spec);
    let stem = spec.strip_suffix(".yaml").unwrap_or(spec);
    let out = cargo_output(
        workspace,
        &[
            "run",
            "--quiet",
            "--package",
            &format!("full-{package}"),
            "--example",
            "check_examples",
        ],
    )?;
    let mut lines = out.lines();
    let checked: usize = lines
        .next()
        .and_then(|l| l.trim().parse().ok())
        .ok_or("check_examples printed no count")?;
    let failures: Vec<(&str, &str)> = lines.filter_map(|l| l.split_once('\t')).collect();

    let list_path = root().join("xtask/spec-bugs").join(format!("{stem}.txt"));
    let list = fs::read_to_string(&list_path).unwrap_or_default();
    // Lines are `pointer  # reason`; lines starting `# ` are comments (pointers start `#/`).
    let known: Vec<&str> = list
        .lines()
        .filter(|l| !l.starts_with("# ") && l.trim() != "#")
        .map(|l| l.split("  #").next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .collect();
    let unexpected: Vec<String> = failures
        .iter()
        .filter(|(p, _)| !known.contains(p))
        .map(|(p, e)| format!("  {p}\n      {e}"))
        .collect();
    let fixed: Vec<&str> = known
        .iter()
        .copied()
        .filter(|k| !failures.iter().any(|(p, _)| p == k))
        .collect();
    let line = format!(
        "{checked} examples checked; {} do not decode, all listed as spec bugs in xtask/spec-bugs/{stem}.txt",
        failures.len()
    );
    let mut problem = String::new();
    if !unexpected.is_empty() {
        let _ = writeln!(
            problem,
            "{stem}: {} example(s) do not decode into their generated types and are not listed as spec bugs.\n\
             Where the example contradicts its own schema, add its pointer to xtask/spec-bugs/{stem}.txt with the reason;\n\
             otherwise the generator is wrong:\n{}",
            unexpected.len(),
            unexpected.join("\n")
        );
    }
    if !fixed.is_empty() {
        let _ = writeln!(
            problem,
            "{stem}: these listed spec bugs now decode; remove them from xtask/spec-bugs/{stem}.txt:\n  {}",
            fixed.join("\n  ")
        );
    }
    Ok((line, (!problem.is_empty()).then_some(problem)))
}

/// Checks every crate of a workspace of generated crates with clippy and rustdoc, warnings
/// denied; returns how long each took.
pub fn check_clean(workspace: &Path) -> Result<Vec<(&'static str, f64)>, String> {
    let mut timings = Vec::new();
    for (what, args, flags) in [
        (
            "clippy",
            &["clippy", "--workspace", "--quiet", "--", "-D", "warnings"][..],
            ("RUSTFLAGS", "-D warnings"),
        ),
        (
            "doc",
            &["doc", "--workspace", "--no-deps", "--quiet"][..],
            ("RUSTDOCFLAGS", "-D warnings"),
        ),
    ] {
        let started = Instant::now();
        cargo(workspace, args, flags)
            .map_err(|e| format!("cargo {what} failed in {}:\n{e}", workspace.display()))?;
        timings.push((what, started.elapsed().as_secs_f64()));
    }
    Ok(timings)
}

/// Checks, with warnings denied, each crate in `workspace` with no features and with each
/// of its features alone: what a feature compiles names only what it turns on. `crates` are
/// package names with their features (see `Generated::features`). Returns how many builds
/// were checked.
///
/// The builds go in batches, one cargo run per batch: every crate with no features, then
/// every crate with its first feature, its second, and so on (`--features a/x,b/y`), so that
/// cargo checks several crates at once on several cores. A batch that fails is checked crate
/// by crate, to name the one that does not build.
pub fn check_features(workspace: &Path, crates: &[(String, Vec<String>)]) -> Result<usize, String> {
    let mut checked = 0;
    for (round, batch) in feature_batches(crates).into_iter().enumerate() {
        if check_batch(workspace, &batch).is_err() {
            for one in &batch {
                check_batch(workspace, std::slice::from_ref(one)).map_err(|e| {
                    let with = match one.1 {
                        None => "no features".to_string(),
                        Some(f) => format!("only the feature `{f}`"),
                    };
                    format!("{} with {with} does not build:\n{e}", one.0)
                })?;
            }
            return Err(format!(
                "the crates of batch {round} build one by one but not together: {batch:?}"
            ));
        }
        checked += batch.len();
    }
    Ok(checked)
}

/// The batches of [`check_features`]: each crate with features, with none, then with its
/// first, its second, ... feature, as `(package, feature)`.
fn feature_batches(crates: &[(String, Vec<String>)]) -> Vec<Vec<(&str, Option<&str>)>> {
    let crates: Vec<&(String, Vec<String>)> =
        crates.iter().filter(|(_, f)| !f.is_empty()).collect();
    let rounds = crates
        .iter()
        .map(|(_, f)| f.len())
        .max()
        .map_or(0, |n| n + 1);
    (0..rounds)
        .map(|round| {
            crates
                .iter()
                .filter_map(|(package, features)| match round {
                    0 => Some((package.as_str(), None)),
                    n => features
                        .get(n - 1)
                        .map(|f| (package.as_str(), Some(f.as_str()))),
                })
                .collect()
        })
        .collect()
}

/// One `cargo check` of each package with the one feature (or none) it is given.
fn check_batch(workspace: &Path, batch: &[(&str, Option<&str>)]) -> Result<(), String> {
    let features: Vec<String> = batch
        .iter()
        .filter_map(|(package, feature)| feature.map(|f| format!("{package}/{f}")))
        .collect();
    let features = features.join(",");
    let mut args = vec!["check", "--quiet", "--no-default-features"];
    for (package, _) in batch {
        args.extend(["--package", package]);
    }
    if !features.is_empty() {
        args.extend(["--features", &features]);
    }
    // The flags of the clippy run in `check_clean`, so dependencies are built once.
    cargo(workspace, &args, ("RUSTFLAGS", "-D warnings"))
}

/// Runs cargo in `dir` on the shared target folder of generated crates.
fn cargo(dir: &Path, args: &[&str], flags: (&str, &str)) -> Result<(), String> {
    run_cargo(dir, args, Some(flags)).map(|_| ())
}

/// Like [`cargo`], returning what the command printed.
pub fn cargo_output(dir: &Path, args: &[&str]) -> Result<String, String> {
    run_cargo(dir, args, None)
}

fn run_cargo(dir: &Path, args: &[&str], flags: Option<(&str, &str)>) -> Result<String, String> {
    let mut command = crate::codegen::cargo_command();
    command
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", root().join("target/generated-target"));
    if let Some((name, value)) = flags {
        command.env(name, value);
    }
    let out = command.output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        // A failing test says why on standard output; cargo and rustc on standard error.
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// `cargo xtask full-specs`'s options.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Generate and report only: build, lint and document nothing
    #[arg(long)]
    no_build: bool,
}

pub fn run(o: &Args) -> Result<(), String> {
    let report = run_all(!o.no_build)?;
    print!("{report}");
    Ok(())
}

#[cfg(test)]
mod tests {
    /// Every crate is checked with no features and with each of its features alone, a
    /// crate at most once per batch.
    #[test]
    fn feature_checks_go_in_batches_of_one_feature_per_crate() {
        let crates = [
            ("a".to_string(), vec!["x".to_string(), "y".to_string()]),
            ("b".to_string(), Vec::new()),
            ("c".to_string(), vec!["z".to_string()]),
        ];
        assert_eq!(
            super::feature_batches(&crates),
            [
                vec![("a", None), ("c", None)],
                vec![("a", Some("x")), ("c", Some("z"))],
                vec![("a", Some("y"))],
            ]
        );
        assert!(super::feature_batches(&[]).is_empty());
    }

    /// Both published specs generate crates that build, pass clippy and document with
    /// warnings denied. The report (counts and every diagnostic) is printed with
    /// `--nocapture` and by `cargo xtask full-specs`.
    #[test]
    fn full_specs_generate_and_build_clean() {
        if super::specs_dir().is_none() {
            println!("../shared/specs/ is absent: the full-spec build is skipped");
            return;
        }
        match super::run_all(true) {
            Ok(report) => println!("{report}"),
            Err(e) => panic!("{e}"),
        }
    }
}
