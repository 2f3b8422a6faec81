//! `cargo xtask api-diff OLD NEW`: what changed in the generated crate's API between two specs,
//! and the semver bump it implies. `cargo xtask codegen` uses the same report for the spec it
//! regenerates from, against the one committed at `HEAD`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use generator::diff::ApiDiff;

use crate::codegen::{display, root, DEFAULT_OVERLAY, DEFAULT_SPEC};

/// One side of a comparison: a spec's text and, optionally, an overlay's.
pub struct Side {
    pub name: String,
    pub spec: String,
    pub overlay: Option<(PathBuf, String)>,
}

impl Side {
    fn input(&self) -> generator::Input<'_> {
        generator::Input {
            spec_path: Path::new(&self.name),
            spec_text: &self.spec,
            overlay: self
                .overlay
                .as_ref()
                .map(|(path, text)| (path.as_path(), text.as_str())),
            source_name: &self.name,
            example_check: false,
        }
    }
}

/// The report, its sides named after the files as well as the specs' own title and version
/// (which often stay the same across releases).
pub fn compare(old: &Side, new: &Side) -> Result<ApiDiff, String> {
    let mut report = generator::api_diff(&old.input(), &new.input()).map_err(|e| e.to_string())?;
    report.old = format!("{} ({})", old.name, report.old);
    report.new = format!("{} ({})", new.name, report.new);
    Ok(report)
}

/// Reads a side: a file, or `REV:PATH` from git when no such file exists (`HEAD:spec/portkey.yaml`).
pub fn read(root: &Path, arg: &str) -> Result<String, String> {
    let path = Path::new(arg);
    if path.exists() {
        return fs::read_to_string(path).map_err(|e| format!("cannot read {arg}: {e}"));
    }
    match arg.split_once(':') {
        Some((rev, file)) if !rev.is_empty() && !file.is_empty() => git_show(root, rev, file),
        _ => Err(format!("cannot read {arg}: no such file")),
    }
}

/// `git show REV:PATH`, PATH relative to the root.
pub fn git_show(root: &Path, rev: &str, path: &str) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .arg("show")
        .arg(format!("{rev}:{path}"))
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`git show {rev}:{path}` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    String::from_utf8(out.stdout).map_err(|_| format!("{rev}:{path} is not UTF-8"))
}

/// `cargo xtask api-diff`'s arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The spec before: a file, or REV:PATH read from git (HEAD:spec/portkey.yaml)
    old: String,
    /// The spec after, the same way
    new: String,
    /// Apply this overlay to both sides
    #[arg(long, value_name = "PATH", conflicts_with = "no_overlay")]
    overlay: Option<PathBuf>,
    /// Apply no overlay (the committed spec otherwise comes with its own)
    #[arg(long)]
    no_overlay: bool,
    /// Also write the report as Markdown
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
}

pub fn run(o: &Args) -> Result<(), String> {
    let root = root();
    let overlay = match (&o.overlay, o.no_overlay) {
        (_, true) => None,
        (Some(path), false) => Some((
            path.clone(),
            fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        )),
        (None, false) => None,
    };
    let mut sides = Vec::new();
    for arg in [&o.old, &o.new] {
        // The committed spec (a file or `REV:spec/portkey.yaml`) comes with its overlay, read
        // from the same place, unless an overlay was chosen.
        let default_overlay = if o.overlay.is_none() && !o.no_overlay {
            committed_overlay(&root, arg)?
        } else {
            None
        };
        sides.push(Side {
            name: side_name(&root, arg),
            spec: read(&root, arg)?,
            overlay: default_overlay.or_else(|| overlay.clone()),
        });
    }
    let report = compare(&sides[0], &sides[1])?;
    print!("{}", report.to_text());
    if let Some(path) = &o.markdown {
        fs::write(path, report.to_markdown())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// The overlay that goes with `arg` when it names the committed spec: `spec/portkey.yaml`
/// takes `spec/portkey.overlay.yaml`, `REV:spec/portkey.yaml` takes the overlay at `REV`.
fn committed_overlay(root: &Path, arg: &str) -> Result<Option<(PathBuf, String)>, String> {
    let path = Path::new(arg);
    if path.exists() {
        let same = fs::canonicalize(path).ok() == fs::canonicalize(root.join(DEFAULT_SPEC)).ok();
        let overlay = root.join(DEFAULT_OVERLAY);
        if same && overlay.exists() {
            let text = fs::read_to_string(&overlay)
                .map_err(|e| format!("cannot read {}: {e}", overlay.display()))?;
            return Ok(Some((overlay, text)));
        }
        return Ok(None);
    }
    match arg.split_once(':') {
        Some((rev, file)) if file == DEFAULT_SPEC => Ok(git_show(root, rev, DEFAULT_OVERLAY)
            .ok()
            .map(|text| (PathBuf::from(DEFAULT_OVERLAY), text))),
        _ => Ok(None),
    }
}

fn side_name(root: &Path, arg: &str) -> String {
    let path = Path::new(arg);
    if path.exists() {
        display(root, path)
    } else {
        arg.to_string()
    }
}

/// What `cargo xtask codegen` prints after regenerating the committed client: the API change
/// report against the spec and overlay committed at `HEAD`, when they differ from `new`.
/// Outside a git checkout it says so in one line.
pub fn report_against_head(new: &Side, markdown: Option<&Path>, quiet: bool) -> Result<(), String> {
    let root = root();
    let old_spec = match git_show(&root, "HEAD", DEFAULT_SPEC) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("api changes: not reported, no committed spec to compare with ({e})");
            return Ok(());
        }
    };
    let old = Side {
        name: format!("HEAD:{DEFAULT_SPEC}"),
        spec: old_spec,
        overlay: git_show(&root, "HEAD", DEFAULT_OVERLAY)
            .ok()
            .map(|text| (PathBuf::from(DEFAULT_OVERLAY), text)),
    };
    let unchanged = old.spec == new.spec
        && old.overlay.as_ref().map(|(_, t)| t) == new.overlay.as_ref().map(|(_, t)| t);
    let report = if unchanged {
        None
    } else {
        Some(compare(&old, new)?)
    };
    match &report {
        Some(r) if !quiet && !r.changes.is_empty() => eprint!("{}", r.to_text()),
        Some(r) => eprintln!("api changes since HEAD: {}", r.summary()),
        None => {}
    }
    if let Some(path) = markdown {
        let text = match &report {
            Some(r) => r.to_markdown(),
            None => "## API changes\n\nThe spec and overlay are those committed at `HEAD`: no API change.\n".to_string(),
        };
        fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use generator::diff::{ChangeKind, Impact};

    /// The committed spec is compared as it is generated, overlay applied; another spec is
    /// read as it is.
    #[test]
    fn the_committed_spec_comes_with_its_overlay() {
        let root = root();
        let spec = root.join(DEFAULT_SPEC);
        let found = committed_overlay(&root, spec.to_str().expect("UTF-8 path")).expect("reads");
        assert_eq!(
            found.map(|(path, _)| path),
            Some(root.join(DEFAULT_OVERLAY))
        );
        let other = root.join("generator/tests/fixtures");
        let fixture = fs::read_dir(&other)
            .expect("fixtures")
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "yaml"))
            .expect("a fixture spec");
        let found = committed_overlay(&root, fixture.to_str().expect("UTF-8 path"));
        assert_eq!(found, Ok(None));
    }

    /// What the overlay does, as the report sees it: without it, `RunObject.instructions` is
    /// the spec's non-nullable `String` again, which breaks code reading an `Option`.
    #[test]
    fn the_overlay_shows_in_the_report() {
        let root = root();
        let spec = fs::read_to_string(root.join(DEFAULT_SPEC)).expect("spec");
        let overlay = fs::read_to_string(root.join(DEFAULT_OVERLAY)).expect("overlay");
        let with = Side {
            name: DEFAULT_SPEC.to_string(),
            spec: spec.clone(),
            overlay: Some((root.join(DEFAULT_OVERLAY), overlay)),
        };
        let without = Side {
            name: DEFAULT_SPEC.to_string(),
            spec,
            overlay: None,
        };
        let report = compare(&with, &without).expect("both generate");
        let change = report
            .changes
            .iter()
            .find(|c| c.location == "types::RunObject.instructions")
            .expect("instructions changes");
        assert_eq!(change.kind, ChangeKind::FieldMadeNonNullable);
        assert_eq!(change.impact, Impact::Breaking);
        assert!(
            change.what.contains("`Option<String>` → `String`"),
            "{change:?}"
        );
        assert!(
            report.old.starts_with("spec/portkey.yaml ("),
            "{}",
            report.old
        );
    }
}
