//! `cargo xtask normalize-spec IN OUT`: the spec as the generator understood it, in strict
//! OpenAPI 3.0, for validators and mock servers.

use std::fs;
use std::path::PathBuf;

use crate::codegen::{display, print_diagnostics, root};

pub fn run(args: &[String]) -> Result<(), String> {
    let mut paths = Vec::new();
    let mut overlay = None;
    let mut quiet = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--overlay" => {
                let value = it.next().ok_or("--overlay needs a value")?;
                overlay = Some(PathBuf::from(value));
            }
            "--quiet" => quiet = true,
            other if other.starts_with("--") => {
                return Err(format!("unknown option `{other}` (see `cargo xtask help`)"))
            }
            path => paths.push(PathBuf::from(path)),
        }
    }
    let [spec, out] = <[PathBuf; 2]>::try_from(paths)
        .map_err(|_| "usage: cargo xtask normalize-spec IN OUT [--overlay PATH]".to_string())?;
    let root = root();
    let result = generator::normalize_files(&spec, overlay.as_deref());
    let normalized = result.map_err(|e| {
        if let generator::Error::Invalid { diagnostics, .. } = &e {
            print_diagnostics(diagnostics, false, &spec, &root);
        }
        e.to_string()
    })?;
    print_diagnostics(&normalized.diagnostics, quiet, &spec, &root);
    let json = out.extension().is_some_and(|e| e == "json");
    let text = normalized.to_text(json).map_err(|e| e.to_string())?;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    fs::write(&out, text).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    eprintln!(
        "wrote {} ({} change(s) and warning(s))",
        display(&root, &out),
        normalized.diagnostics.len()
    );
    Ok(())
}
