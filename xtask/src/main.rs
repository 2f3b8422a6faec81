//! `cargo xtask`: the project's own commands. See `cargo xtask help`.

mod bench;
mod codegen;
mod full_specs;

use std::process::ExitCode;

const HELP: &str = "\
cargo xtask <command>

Commands:
  codegen [options]   Generate the client from a spec.
      --spec PATH         spec to read (default: spec/portkey.yaml)
      --overlay PATH      OpenAPI Overlay applied first (default: spec/portkey.overlay.yaml
                          when generating from the default spec)
      --no-overlay        apply no overlay
      --out DIR           write a complete, buildable client crate into DIR instead of
                          regenerating generated-client/src/generated
      --check             change nothing; fail and name every file that is out of date
      --deny-warnings     fail when the spec has warnings
      --quiet             print only the summary line and errors
  full-specs [--no-build]
                      Generate crates from the full Portkey specs in ../shared/specs/ into
                      target/full-specs/, check them with clippy and rustdoc (warnings
                      denied), and print a report.
  bench [--quick]     Run every benchmark (generation, decoding, requests, streaming,
                      uploads, builds of generated crates) and write the figures into
                      BENCHMARKS.md and its chart, bench/ratios.svg. --quick: a smoke run.
  help                Show this text.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("codegen") => codegen::run(&args[1..]),
        Some("full-specs") => full_specs::run(&args[1..]),
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
    /// The README's usage example is `generated-client/examples/create_run.rs`, which
    /// `cargo test` compiles: the README cannot show code that does not build.
    #[test]
    fn readme_example_is_the_compiled_example() {
        let root = crate::codegen::root();
        let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
        let example = std::fs::read_to_string(root.join("generated-client/examples/create_run.rs"))
            .expect("example");
        let block = readme
            .split("```rust\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("the README has a rust code block");
        assert_eq!(
            block, example,
            "README.md's example differs from generated-client/examples/create_run.rs"
        );
    }
}
