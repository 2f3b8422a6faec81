//! `cargo xtask full-specs`: the generator on the full published Portkey specs.
//!
//! The specs are test inputs only (`../shared/specs/`): the crates generated from them are
//! written under `target/full-specs/` and built there, never committed.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use generator::Severity;

use crate::codegen::{crate_files, display, generate, root, write_files};

/// The published specs, oldest first.
pub const SPECS: &[&str] = &["portkey-2024-06.yaml", "portkey-2026-07.yaml"];

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
    for spec in SPECS {
        let path = dir.join(spec);
        let started = Instant::now();
        let generated = generate(&root, &path, None).map_err(|e| format!("{spec}: {e}"))?;
        let generate_seconds = started.elapsed().as_secs_f64();
        let stem = Path::new(spec)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let crate_dir = workspace.join(&stem);
        let files = crate_files(&root, &generated, Some(&format!("full-{stem}")))?
            .into_iter()
            .map(|(p, c)| (crate_dir.join(p), c))
            .collect();
        write_files(&files, &crate_dir.join("src/generated"))?;
        members.push(format!("\"{stem}\""));
        outcomes.push(Outcome {
            spec: display(&root, &path),
            types: generated.type_count,
            operations: generated.operation_count,
            warnings: generated
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Warning)
                .map(|d| d.to_string())
                .collect(),
            generate_seconds,
        });
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
    if build {
        for (what, seconds) in check_clean(&workspace)? {
            let _ = writeln!(
                report,
                "\n`cargo {what}` with warnings denied: clean ({seconds:.0} s)"
            );
        }
    }
    for o in &outcomes {
        let _ = writeln!(report, "\n### {} warnings\n\n```text", o.spec);
        for w in &o.warnings {
            let _ = writeln!(report, "{w}");
        }
        report.push_str("```\n");
    }
    Ok(report)
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

/// Runs cargo in `dir` on the shared target folder of generated crates.
fn cargo(dir: &Path, args: &[&str], flags: (&str, &str)) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", root().join("target/generated-target"))
        .env(flags.0, flags.1)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

pub fn run(args: &[String]) -> Result<(), String> {
    let build = !args.iter().any(|a| a == "--no-build");
    let report = run_all(build)?;
    print!("{report}");
    Ok(())
}

#[cfg(test)]
mod tests {
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
