//! `cargo xtask codegen`: spec → generated client, or a check that the committed one is fresh.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use generator::{Diagnostic, Generated, Severity};

/// The workspace root (this crate lives in `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// A command running the cargo that runs this program (`$CARGO`), without the
/// `CARGO_MANIFEST_DIR` cargo set for it: build scripts that track that variable (ring's) would
/// otherwise see it change between `cargo xtask …` and a plain `cargo`, and rebuild.
pub fn cargo_command() -> std::process::Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut command = std::process::Command::new(cargo);
    command.env_remove("CARGO_MANIFEST_DIR");
    command
}

pub const DEFAULT_SPEC: &str = "spec/portkey.yaml";
pub const DEFAULT_OVERLAY: &str = "spec/portkey.overlay.yaml";
/// Where the committed client's generated code lives, relative to the root.
pub const GENERATED_DIR: &str = "generated-client/src/generated";
/// The committed client's manifest: its `[features]` table is generated too.
pub const MANIFEST: &str = "generated-client/Cargo.toml";
/// The lines of a manifest between which `codegen` writes the features.
const FEATURES_BEGIN: &str = "# features:begin";
const FEATURES_END: &str = "# features:end";

/// `cargo xtask codegen`'s options.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Spec to read [default: spec/portkey.yaml]
    #[arg(long, value_name = "PATH")]
    spec: Option<PathBuf>,
    /// OpenAPI Overlay applied first [default: spec/portkey.overlay.yaml when generating
    /// from the default spec]
    #[arg(long, value_name = "PATH", conflicts_with = "no_overlay")]
    overlay: Option<PathBuf>,
    /// Apply no overlay
    #[arg(long)]
    no_overlay: bool,
    /// Write a complete, buildable client crate into DIR instead of regenerating
    /// generated-client/src/generated
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Change nothing; fail and name every file that is out of date
    #[arg(long)]
    check: bool,
    /// Fail when the spec has warnings
    #[arg(long)]
    deny_warnings: bool,
    /// Print only the summary line and errors
    #[arg(long)]
    quiet: bool,
    /// Also write the API change report (against the spec committed at HEAD) as Markdown,
    /// for a pull request description; only when regenerating the committed client
    #[arg(long, value_name = "FILE", conflicts_with_all = ["check", "out"])]
    report: Option<PathBuf>,
}

pub fn run(o: &Args) -> Result<(), String> {
    let root = root();
    let spec = o.spec.clone().unwrap_or_else(|| root.join(DEFAULT_SPEC));
    let overlay = if o.no_overlay {
        None
    } else if let Some(path) = &o.overlay {
        Some(path.clone())
    } else if o.spec.is_none() && root.join(DEFAULT_OVERLAY).exists() {
        Some(root.join(DEFAULT_OVERLAY))
    } else {
        None
    };

    let generated = generate(&root, &spec, overlay.as_deref()).map_err(|e| {
        if let generator::Error::Invalid { diagnostics, .. } = &e {
            print_diagnostics(diagnostics, false, &spec, &root);
        }
        e.to_string()
    })?;
    print_diagnostics(&generated.diagnostics, o.quiet, &spec, &root);

    let warnings = generated
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    eprintln!(
        "{}: {} types, {} operations, {} warning(s)",
        display(&root, &spec),
        generated.type_count,
        generated.operation_count,
        warnings
    );
    report_listings(&generated.listings, o.quiet);
    if o.deny_warnings && warnings > 0 {
        return Err(format!("{warnings} warning(s) and --deny-warnings"));
    }

    let files = match &o.out {
        Some(out) => crate_files(&root, &generated, None)?
            .into_iter()
            .map(|(p, c)| (out.join(p), c))
            .collect(),
        None => committed_files(&root, &generated)?,
    };
    let generated_dir = match &o.out {
        Some(out) => out.join("src/generated"),
        None => root.join(GENERATED_DIR),
    };
    if o.check {
        let stale = stale_files(&files, &generated_dir);
        if stale.is_empty() {
            return Ok(());
        }
        for path in &stale {
            eprintln!("stale: {}", display(&root, path));
        }
        return Err(format!(
            "{} generated file(s) differ from what the spec produces; run `cargo xtask codegen`",
            stale.len()
        ));
    }
    write_files(&files, &generated_dir)?;
    if o.out.is_none() {
        report_api_changes(&spec, overlay.as_deref(), &root, o)?;
    }
    Ok(())
}

/// The committed client changed: report what its API gained and lost since `HEAD`.
fn report_api_changes(
    spec: &Path,
    overlay: Option<&Path>,
    root: &Path,
    o: &Args,
) -> Result<(), String> {
    let read =
        |p: &Path| fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
    let new = crate::api_diff::Side {
        name: display(root, spec),
        spec: read(spec)?,
        overlay: match overlay {
            Some(path) => Some((path.to_path_buf(), read(path)?)),
            None => None,
        },
    };
    crate::api_diff::report_against_head(&new, o.report.as_deref(), o.quiet)
}

/// Runs the generator with the header naming the spec relative to the root.
pub fn generate(
    root: &Path,
    spec: &Path,
    overlay: Option<&Path>,
) -> Result<Generated, generator::Error> {
    generate_with(root, spec, overlay, false)
}

/// [`generate`], optionally with the example check module (see `generator::Input`).
pub fn generate_with(
    root: &Path,
    spec: &Path,
    overlay: Option<&Path>,
    example_check: bool,
) -> Result<Generated, generator::Error> {
    let name = display(root, spec);
    generator::generate_files(spec, overlay, &name, example_check)
}

/// The generated files of the committed client, and its manifest with the generated
/// features, at their absolute paths.
pub fn committed_files(
    root: &Path,
    generated: &Generated,
) -> Result<BTreeMap<PathBuf, String>, String> {
    let mut files: BTreeMap<PathBuf, String> = generated
        .files
        .iter()
        .map(|(p, c)| (root.join(GENERATED_DIR).join(p), c.clone()))
        .collect();
    let manifest = root.join(MANIFEST);
    let text = fs::read_to_string(&manifest)
        .map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
    files.insert(manifest, with_features(&text, generated)?);
    Ok(files)
}

/// `manifest` with the lines between its feature markers replaced by the `[features]` table
/// the generated code needs.
pub fn with_features(manifest: &str, generated: &Generated) -> Result<String, String> {
    let begin = manifest
        .lines()
        .position(|l| l.trim_end() == FEATURES_BEGIN);
    let end = manifest.lines().position(|l| l.trim_end() == FEATURES_END);
    let (Some(begin), Some(end)) = (begin, end) else {
        return Err(format!(
            "{MANIFEST} needs the lines `{FEATURES_BEGIN}` and `{FEATURES_END}`, in that order, \
             where the generated `[features]` table goes"
        ));
    };
    if end < begin {
        return Err(format!(
            "{MANIFEST}: `{FEATURES_END}` comes before `{FEATURES_BEGIN}`"
        ));
    }
    let lines: Vec<&str> = manifest.lines().collect();
    let mut out = String::new();
    for line in &lines[..=begin] {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&generated.cargo_features());
    for line in &lines[end..] {
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

/// The full file set of a standalone crate: the committed crate's manifest and runtime, plus
/// the generated folder. With `package`, the crate is renamed and left for the caller to
/// place in a workspace; without, it is a workspace of its own.
/// What pagination recognised: a count by shape, and, unless quiet, one line per listing.
fn report_listings(listings: &[generator::Listing], quiet: bool) {
    if listings.is_empty() {
        return;
    }
    let count = |shape: &str| listings.iter().filter(|l| l.shape == shape).count();
    let stated = listings.iter().filter(|l| l.stated).count();
    eprintln!(
        "listings walked page by page: {} ({} cursor, {} page number, {} offset; {} stated by x-pagination)",
        listings.len(),
        count("cursor"),
        count("page"),
        count("offset"),
        stated
    );
    if quiet {
        return;
    }
    for l in listings {
        let how = if l.stated { "stated" } else { "recognised" };
        eprintln!(
            "  {:<7} {:<14} {:<10} {} -> {}",
            l.shape, l.param, how, l.route, l.method
        );
    }
}

pub fn crate_files(
    root: &Path,
    generated: &Generated,
    package: Option<&str>,
) -> Result<BTreeMap<PathBuf, String>, String> {
    let client = root.join("generated-client");
    let read =
        |p: &Path| fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
    let mut files = BTreeMap::new();
    let manifest = with_features(
        &without_dev_dependencies(&read(&client.join("Cargo.toml"))?),
        generated,
    )?;
    let manifest = match package {
        Some(name) => manifest
            .replacen("name = \"portkey-client\"", &format!("name = \"{name}\""), 1)
            .replacen(
                "name = \"portkey_client\"",
                &format!("name = \"{}\"", name.replace('-', "_")),
                1,
            ),
        None => format!(
            "{manifest}\n# Generated with `cargo xtask codegen --out`: a workspace of its own.\n[workspace]\n"
        ),
    };
    files.insert(PathBuf::from("Cargo.toml"), manifest);
    // The hand-written runtime: every file directly under `src/` (the generated folder is
    // a directory, written below).
    for path in list_files(&client.join("src")) {
        if path.parent() == Some(&client.join("src")) && path.extension().is_some_and(|e| e == "rs")
        {
            let name = path.file_name().expect("a file has a name");
            files.insert(Path::new("src").join(name), read(&path)?);
        }
    }
    for (p, c) in &generated.files {
        files.insert(Path::new("src/generated").join(p), c.clone());
    }
    Ok(files)
}

/// The manifest without its `[dev-dependencies]` table: the crate written elsewhere has none of
/// the tests, and a dev-dependency by path (the generator) would not resolve there.
fn without_dev_dependencies(manifest: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            skipping = line.trim() == "[dev-dependencies]";
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Files whose content differs, that are missing, or that the generated folder has but the
/// spec no longer produces.
pub fn stale_files(files: &BTreeMap<PathBuf, String>, generated_dir: &Path) -> Vec<PathBuf> {
    let mut stale: Vec<PathBuf> = files
        .iter()
        .filter(|(path, content)| {
            fs::read_to_string(path).ok().as_deref() != Some(content.as_str())
        })
        .map(|(path, _)| path.clone())
        .collect();
    for existing in list_files(generated_dir) {
        if !files.contains_key(&existing) {
            stale.push(existing);
        }
    }
    stale.sort();
    stale
}

pub fn write_files(files: &BTreeMap<PathBuf, String>, generated_dir: &Path) -> Result<(), String> {
    // Files of schemas the spec no longer has go away with them.
    for existing in list_files(generated_dir) {
        if !files.contains_key(&existing) {
            fs::remove_file(&existing)
                .map_err(|e| format!("cannot remove {}: {e}", existing.display()))?;
        }
    }
    for (path, content) in files {
        if fs::read_to_string(path).ok().as_deref() == Some(content.as_str()) {
            continue;
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        fs::write(path, content).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

fn list_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(list_files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

pub fn print_diagnostics(diagnostics: &[Diagnostic], quiet: bool, spec: &Path, root: &Path) {
    let text = fs::read_to_string(spec).unwrap_or_default();
    let name = display(root, spec);
    for d in diagnostics {
        if !quiet || d.severity == Severity::Error {
            eprintln!("{}\n", render(d, &text, &name));
        }
    }
}

/// A diagnostic as rustc shows one: the message, the file, line and column, the line itself
/// with the spot marked and labelled with the JSON pointer, and the help.
pub fn render(d: &Diagnostic, text: &str, file: &str) -> String {
    use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let line_text = d
        .location
        .and_then(|l| text.lines().nth(l.line.saturating_sub(1)).map(|t| (l, t)));
    let Some((location, line)) = line_text else {
        // No place in the text (a pointer into the overlay, say): the plain form.
        return d.to_string();
    };
    let start = line
        .char_indices()
        .nth(location.column.saturating_sub(1))
        .map_or(line.len(), |(i, _)| i);
    // Mark the token there: a key, a list item, a value.
    let rest = &line[start..];
    let token = rest
        .find(|c: char| matches!(c, ':' | ',' | '}' | ']') || c.is_whitespace())
        .unwrap_or(rest.len());
    let end = if token > 0 { start + token } else { line.len() };
    let snippet = Snippet::source(line)
        .line_start(location.line)
        .path(file)
        .annotation(AnnotationKind::Primary.span(start..end).label(&d.pointer));
    let mut report = vec![level.primary_title(&d.message).element(snippet)];
    if let Some(help) = &d.help {
        report.push(Group::with_title(Level::HELP.secondary_title(help)));
    }
    Renderer::plain().render(&report).to_string()
}

/// `path` relative to the root when it is inside it, else as given.
pub fn display(root: &Path, path: &Path) -> String {
    let abs = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let root = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    abs.strip_prefix(&root)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_else(|_| {
            path.file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn committed_spec() -> Generated {
        let root = root();
        generate(
            &root,
            &root.join(DEFAULT_SPEC),
            Some(&root.join(DEFAULT_OVERLAY)),
        )
        .expect("the committed spec generates")
    }

    #[test]
    fn diagnostics_render_with_the_offending_line() {
        let text = "components:\n  schemas:\n    Req:\n      required:\n        - thread_id\n";
        let mut d = generator::Diagnostic::warning(
            "#/components/schemas/Req/required/0",
            "`required` names `thread_id`",
        )
        .with_help("remove it");
        d.location = Some(generator::Location {
            line: 5,
            column: 11,
        });
        let shown = render(&d, text, "spec/portkey.yaml");
        assert!(
            shown.starts_with("warning: `required` names `thread_id`"),
            "{shown}"
        );
        assert!(shown.contains("--> spec/portkey.yaml:5:11"), "{shown}");
        assert!(shown.contains("5 |         - thread_id"), "{shown}");
        assert!(
            shown.contains("^^^^^^^^^ #/components/schemas/Req/required/0"),
            "{shown}"
        );
        assert!(shown.contains("help: remove it"), "{shown}");
        // Without a place in the text, the one-line form.
        d.location = None;
        assert_eq!(render(&d, text, "spec/portkey.yaml"), d.to_string());
    }

    /// rust-analyzer's pattern: the committed client must be what the committed spec makes.
    #[test]
    fn committed_client_is_fresh() {
        let root = root();
        let files = committed_files(&root, &committed_spec()).expect("the manifest is readable");
        let stale = stale_files(&files, &root.join(GENERATED_DIR));
        assert!(
            stale.is_empty(),
            "generated-client is out of date with spec/portkey.yaml; run `cargo xtask codegen` and commit the result.\nStale: {stale:#?}"
        );
    }

    #[test]
    fn generation_is_deterministic() {
        let first = committed_spec();
        let second = committed_spec();
        assert_eq!(first.files, second.files);
        assert_eq!(first.diagnostics, second.diagnostics);
    }

    /// Every snapshot fixture generates a crate that builds without warnings, passes clippy
    /// with `-D warnings` and documents cleanly: snapshots are code, not just text. Every
    /// example of the fixtures is then decoded into its generated type, encoded and decoded
    /// again: those that fail are exactly those the generator warned about.
    #[test]
    fn fixture_crates_build_clean() {
        let root = root();
        let fixtures = root.join("generator/tests/fixtures");
        let workspace = root.join("target/fixture-crates");
        let _ = fs::remove_dir_all(&workspace);
        let mut members = Vec::new();
        let mut features = Vec::new();
        let mut warned: Vec<String> = Vec::new();
        let mut runner = String::from("fn main() {\n");
        let mut runner_deps = String::new();
        let mut names: Vec<PathBuf> = fs::read_dir(&fixtures)
            .expect("fixtures folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        names.sort();
        for spec in &names {
            let stem = spec
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .replace('_', "-");
            let generated = generate_with(&root, spec, None, true).expect("fixture generates");
            warned.extend(
                generated
                    .diagnostics
                    .iter()
                    .filter(|d| d.message.starts_with("the spec's example does not fit"))
                    .map(|d| d.pointer.clone()),
            );
            let lib = format!("fixture_{}", stem.replace('-', "_"));
            runner_deps.push_str(&format!("fixture-{stem} = {{ path = \"../{stem}\" }}\n"));
            runner.push_str(&format!(
                "    for (pointer, _) in {lib}::example_check::check_examples().1 {{\n        println!(\"{{pointer}}\");\n    }}\n"
            ));
            let dir = workspace.join(&stem);
            let files = crate_files(&root, &generated, Some(&format!("fixture-{stem}")))
                .expect("crate files");
            let files = files.into_iter().map(|(p, c)| (dir.join(p), c)).collect();
            write_files(&files, &dir.join("src/generated")).expect("write fixture crate");
            members.push(format!("\"{stem}\""));
            features.push((
                format!("fixture-{stem}"),
                generated.features.iter().map(|f| f.name.clone()).collect(),
            ));
        }
        runner.push_str("}\n");
        fs::create_dir_all(workspace.join("examples-runner/src")).expect("runner folder");
        fs::write(
            workspace.join("examples-runner/Cargo.toml"),
            format!("[package]\nname = \"examples-runner\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n{runner_deps}"),
        )
        .expect("runner manifest");
        fs::write(workspace.join("examples-runner/src/main.rs"), runner).expect("runner");
        members.push("\"examples-runner\"".to_string());
        // Tests of what the fixture crates do, not only that they build: against a loopback
        // server, with the project's own test dependencies.
        let tests = workspace.join("fixture-tests");
        fs::create_dir_all(tests.join("src")).expect("fixture tests folder");
        fs::write(tests.join("src/lib.rs"), "").expect("fixture tests lib");
        fs::write(
            tests.join("Cargo.toml"),
            "[package]\nname = \"fixture-tests\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dev-dependencies]\nfixture-pagination = { path = \"../pagination\" }\nfixture-websocket = { path = \"../websocket\" }\n\
             futures-util = \"0.3\"\nserde_json = \"1\"\n\
             tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\", \"net\", \"time\"] }\n\
             tokio-tungstenite = { version = \"0.30\", default-features = false, features = [\"connect\", \"rustls-tls-webpki-roots\"] }\n\
             wiremock = \"0.6\"\n",
        )
        .expect("fixture tests manifest");
        for entry in fs::read_dir(root.join("xtask/fixture-tests")).expect("xtask/fixture-tests") {
            let from = entry.expect("entry").path();
            let to = tests
                .join("tests")
                .join(from.file_name().expect("a file name"));
            fs::create_dir_all(tests.join("tests")).expect("fixture tests folder");
            fs::copy(&from, to).expect("copy a fixture test");
        }
        members.push("\"fixture-tests\"".to_string());
        fs::write(
            workspace.join("Cargo.toml"),
            format!(
                "[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
                members.join(", ")
            ),
        )
        .expect("workspace manifest");
        // The same dependency versions as the project, so nothing is resolved anew.
        fs::copy(root.join("Cargo.lock"), workspace.join("Cargo.lock")).expect("lock file");

        if let Err(e) = crate::full_specs::check_clean(&workspace) {
            panic!("{e}");
        }
        let checked = crate::full_specs::check_features(&workspace, &features)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            checked >= 4,
            "the features fixture has three features: {checked}"
        );
        crate::full_specs::cargo_output(
            &workspace,
            &[
                "clippy",
                "--quiet",
                "--package",
                "fixture-tests",
                "--tests",
                "--",
                "-D",
                "warnings",
            ],
        )
        .unwrap_or_else(|e| panic!("clippy finds fault with the fixture crates' tests:\n{e}"));
        crate::full_specs::cargo_output(
            &workspace,
            &["test", "--quiet", "--package", "fixture-tests"],
        )
        .unwrap_or_else(|e| panic!("the fixture crates' tests fail:\n{e}"));
        let out = crate::full_specs::cargo_output(
            &workspace,
            &["run", "--quiet", "--package", "examples-runner"],
        )
        .unwrap_or_else(|e| panic!("the examples runner fails: {e}"));
        let mut failed: Vec<&str> = out.lines().collect();
        failed.sort_unstable();
        warned.sort();
        warned.dedup();
        assert_eq!(
            failed, warned,
            "the examples that do not decode should be those the generator warned about"
        );
        assert!(
            warned.len() >= 3,
            "the fixtures have contradicting examples: {warned:?}"
        );
    }

    #[test]
    fn standalone_crates_leave_out_the_dev_dependencies() {
        let manifest = "[package]\nname = \"x\"\n\n[dependencies]\nbytes = \"1\"\n\n[dev-dependencies]\ngen = { path = \"../generator\" }\n\n[features]\na = []\n";
        let out = super::without_dev_dependencies(manifest);
        assert!(!out.contains("generator"), "{out}");
        assert!(
            out.contains("bytes = \"1\"") && out.contains("[features]\na = []"),
            "{out}"
        );
    }
}
