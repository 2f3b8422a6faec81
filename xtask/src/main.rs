//! `cargo xtask`: the project's own commands. See `cargo xtask help`.

mod api_diff;
mod bench;
mod codegen;
mod full_specs;
mod fuzz;
mod normalize_spec;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

// The command line is declared once, here and in each command's `Args`: the parser, the help
// and the errors all come from that declaration.
/// The project's own commands (see README.md)
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate the client from a spec
    ///
    /// Without options, regenerates generated-client/src/generated (and the features of
    /// generated-client/Cargo.toml) from spec/portkey.yaml with its overlay. When the spec or
    /// overlay differs from HEAD's, also prints the API change report (see api-diff)
    /// against HEAD.
    Codegen(codegen::Args),
    /// Report what changed in the generated crate's API between two specs
    ///
    /// Operations, parameters, fields, enum values, types, auth and servers, each change
    /// breaking, additive or without effect on code, and the semver bump implied. The
    /// committed spec comes with its overlay.
    ApiDiff(api_diff::Args),
    /// Generate, build and check crates from the full Portkey specs
    ///
    /// The specs in ../shared/specs/ (3.0 and 3.1) are generated into target/full-specs/,
    /// checked with clippy and rustdoc (warnings denied) and with each feature alone, their
    /// examples decoded, and a report printed.
    FullSpecs(full_specs::Args),
    /// Mutate specs and check that the generator answers each with files or diagnostics,
    /// never a panic or a hang
    ///
    /// For long runs: `cargo run --release -p xtask -- fuzz --iterations 10000`.
    Fuzz(fuzz::Args),
    /// Write a spec as the generator understood it, in strict OpenAPI 3.0
    ///
    /// The overlay applied, Portkey's nullable `$ref`s, untyped nullables and impossible
    /// `required` entries made strict, an OpenAPI 3.1 or 3.2 spec written as 3.0; every
    /// change reported.
    NormalizeSpec(normalize_spec::Args),
    /// Run the benchmarks and write their figures into BENCHMARKS.md and bench/ratios.svg
    ///
    /// Generation, decoding, requests, streaming, uploads and builds of generated crates.
    /// The chat completion of the 2026 spec is decoded by a crate generated from
    /// ../shared/specs/ into target/bench/full-spec/ (skipped when absent).
    Bench(bench::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Codegen(args) => codegen::run(args),
        Command::ApiDiff(args) => api_diff::run(args),
        Command::FullSpecs(args) => full_specs::run(args),
        Command::Fuzz(args) => fuzz::run(args),
        Command::NormalizeSpec(args) => normalize_spec::run(args),
        Command::Bench(args) => bench::run(args),
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
    use clap::{CommandFactory, Parser};

    use super::{Cli, Command};

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("cargo xtask").chain(args.iter().copied()))
    }

    /// The declaration is consistent (clap's own check: no two options with one name, every
    /// conflict naming an option that exists, ...).
    #[test]
    fn the_command_line_is_declared_consistently() {
        Cli::command().debug_assert();
    }

    /// Every command refuses what it does not declare, instead of ignoring it.
    #[test]
    fn unknown_arguments_are_errors_for_every_command() {
        for args in [
            &["codegen", "--bogus"][..],
            &["api-diff", "a.yaml", "b.yaml", "--bogus"],
            &["full-specs", "--bogus"],
            &["fuzz", "--bogus"],
            &["normalize-spec", "in.yaml", "out.yaml", "--bogus"],
            &["bench", "--bogus"],
            &["no-such-command"],
        ] {
            let e = parse(args).expect_err("refused");
            assert!(
                matches!(
                    e.kind(),
                    clap::error::ErrorKind::UnknownArgument
                        | clap::error::ErrorKind::InvalidSubcommand
                ),
                "{args:?}: {e}"
            );
        }
    }

    /// Values are checked where they are declared: counts, choices, pairs of specs, options
    /// that contradict each other.
    #[test]
    fn arguments_are_checked_as_declared() {
        let kind = |args: &[&str]| parse(args).expect_err("refused").kind();
        use clap::error::ErrorKind::*;
        assert_eq!(kind(&["api-diff", "old.yaml"]), MissingRequiredArgument);
        assert_eq!(kind(&["fuzz", "--seed", "x"]), ValueValidation);
        assert_eq!(kind(&["bench", "--only", "everything"]), InvalidValue);
        assert_eq!(
            kind(&["codegen", "--check", "--report", "r.md"]),
            ArgumentConflict
        );
        assert_eq!(
            kind(&["codegen", "--overlay", "o.yaml", "--no-overlay"]),
            ArgumentConflict
        );
        let cli = parse(&["api-diff", "a.yaml", "--markdown", "r.md", "b.yaml"]).expect("valid");
        let Command::ApiDiff(args) = cli.command else {
            panic!("api-diff parses as api-diff");
        };
        let shown = format!("{args:?}");
        assert!(
            shown.contains("\"a.yaml\"") && shown.contains("\"b.yaml\"") && shown.contains("r.md"),
            "{shown}"
        );
    }

    /// The help a user reads lists every option the parser takes: both come from one
    /// declaration (`normalize-spec`'s hand-written usage once left out `--quiet`).
    #[test]
    fn the_help_lists_every_option() {
        for (command, options) in [
            (
                "codegen",
                &[
                    "--spec",
                    "--overlay",
                    "--no-overlay",
                    "--out",
                    "--check",
                    "--deny-warnings",
                    "--quiet",
                    "--report",
                ][..],
            ),
            ("api-diff", &["--overlay", "--no-overlay", "--markdown"]),
            ("full-specs", &["--no-build"]),
            (
                "fuzz",
                &["--spec", "--seed", "--iterations", "--timeout-secs"],
            ),
            ("normalize-spec", &["--overlay", "--quiet"]),
            ("bench", &["--quick", "--only"]),
        ] {
            let mut cli = Cli::command();
            let help = cli
                .find_subcommand_mut(command)
                .expect("a command")
                .render_long_help()
                .to_string();
            for option in options {
                assert!(
                    help.contains(option),
                    "`{command}`'s help lacks {option}:\n{help}"
                );
            }
        }
    }
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
