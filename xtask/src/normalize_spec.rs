//! `cargo xtask normalize-spec IN OUT`: the spec as the generator understood it, in strict
//! OpenAPI 3.0, for validators and mock servers.

use std::fs;
use std::path::PathBuf;

use crate::codegen::{display, print_diagnostics, root};

/// `cargo xtask normalize-spec`'s arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The spec to read
    #[arg(value_name = "IN")]
    spec: PathBuf,
    /// Where to write it: JSON when it ends in .json, else YAML
    #[arg(value_name = "OUT")]
    out: PathBuf,
    /// An OpenAPI Overlay applied first
    #[arg(long, value_name = "PATH")]
    overlay: Option<PathBuf>,
    /// Print only errors and the closing line
    #[arg(long)]
    quiet: bool,
}

pub fn run(args: &Args) -> Result<(), String> {
    let Args {
        spec,
        out,
        overlay,
        quiet,
    } = args;
    let quiet = *quiet;
    let root = root();
    let result = generator::normalize_files(spec, overlay.as_deref());
    let normalized = result.map_err(|e| {
        if let generator::Error::Invalid { diagnostics, .. } = &e {
            print_diagnostics(diagnostics, false, spec, &root);
        }
        e.to_string()
    })?;
    print_diagnostics(&normalized.diagnostics, quiet, spec, &root);
    let json = out.extension().is_some_and(|e| e == "json");
    let text = normalized.to_text(json).map_err(|e| e.to_string())?;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    fs::write(out, text).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    eprintln!(
        "wrote {} ({} change(s) and warning(s))",
        display(&root, out),
        normalized.diagnostics.len()
    );
    Ok(())
}
