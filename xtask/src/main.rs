//! `cargo xtask`: the project's own commands. See `cargo xtask help`.

mod api_diff;
mod bench;
mod codegen;
mod full_specs;
mod fuzz;
mod normalize_spec;

use std::process::ExitCode;

const HELP: &str = "\
cargo xtask <command>

Commands:
  codegen [options]   Generate the client from a spec. When regenerating the committed
                      client from a spec or overlay that differs from HEAD's, also print
                      the API change report (see api-diff) against HEAD.
      --spec PATH         spec to read (default: spec/portkey.yaml)
      --overlay PATH      OpenAPI Overlay applied first (default: spec/portkey.overlay.yaml
                          when generating from the default spec)
      --no-overlay        apply no overlay
      --out DIR           write a complete, buildable client crate into DIR instead of
                          regenerating generated-client/src/generated
      --check             change nothing; fail and name every file that is out of date
      --deny-warnings     fail when the spec has warnings
      --quiet             print only the summary line and errors
      --report FILE       also write the API change report (against the spec committed
                          at HEAD) as Markdown, for a pull request description
  api-diff OLD NEW [options]
                      Report what changed in the generated crate's API between two specs
                      (operations, parameters, fields, enum values, types, auth, servers),
                      each change breaking, additive or without effect on code, and the
                      semver bump implied. A side is a file, or REV:PATH read from git
                      (HEAD:spec/portkey.yaml). The committed spec comes with its overlay.
      --overlay PATH      apply this overlay to both sides
      --no-overlay        apply no overlay
      --markdown FILE     also write the report as Markdown
  full-specs [--no-build]
                      Generate crates from the full Portkey specs in ../shared/specs/ (3.0
                      and 3.1) into target/full-specs/, check them with clippy and rustdoc
                      (warnings denied), decode their examples, and print a report.
  fuzz [--spec PATH]... [--seed N] [--iterations N] [--timeout-secs N]
                      Mutate specs (default: the full Portkey specs 2024-06, 2024-11 (3.1)
                      and 2026-07, else the committed one; 200 mutants each from seed 1) and check that the generator
                      answers each with files or diagnostics, never a panic or a hang.
                      Run it with `cargo run --release -p xtask -- fuzz` for long runs.
  normalize-spec IN OUT [--overlay PATH] [--quiet]
                      Write IN as the generator understood it (overlay applied, Portkey's
                      nullable `$ref`s, untyped nullables and impossible `required` entries
                      made strict OpenAPI 3.0; an OpenAPI 3.1 or 3.2 spec written as 3.0) to
                      OUT (JSON when OUT ends in .json, else YAML), reporting every change.
  bench [--quick] [--only chat-completion|build-cost]
                      Run every benchmark (generation, decoding, requests, streaming,
                      uploads, builds of generated crates) and write the figures into
                      BENCHMARKS.md and its chart, bench/ratios.svg. The chat completion
                      response of the 2026 spec is decoded by a crate generated from
                      ../shared/specs/ into target/bench/full-spec/ (skipped when absent).
      --quick             a smoke run: few rounds, figures not worth quoting
      --only chat-completion|build-cost
                          run that bench (or the clean builds and checks of the
                          generated crates) alone and print its figures; BENCHMARKS.md
                          and the chart are left as they are
  help                Show this text.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => codegen::run(&args[1..]),
        Some("full-specs") => full_specs::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("api-diff") => api_diff::run(&args[1..]),
        Some("normalize-spec") => normalize_spec::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("help" | "--help" | "-h") | None => {
            print!("{HELP}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    /// Each README code block followed by "(This is `PATH`" is the file at `PATH`, which
    /// `cargo test` compiles (the examples of `generated-client`) or the contract tests
    /// compile against the client of the full spec: the README cannot show code that does not
    /// build.
    #[test]
    fn readme_examples_are_compiled_examples() {
        let root = crate::codegen::root();
        let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
        let mut checked = Vec::new();
        for block in readme.split("```rust\n").skip(1) {
            let Some((code, after)) = block.split_once("```\n") else {
                continue;
            };
            let Some(path) = after
                .trim_start()
                .strip_prefix("(This is `")
                .and_then(|rest| rest.split('`').next())
            else {
                continue;
            };
            let file = std::fs::read_to_string(root.join(path))
                .unwrap_or_else(|e| panic!("README.md names {path}: {e}"));
            assert_eq!(code, file, "README.md's example differs from {path}");
            checked.push(path.to_string());
        }
        assert!(
            checked.len() >= 3,
            "the README's compiled examples: {checked:?}"
        );
    }
}
