//! What the generator says about a spec: located diagnostics and the error type.

use std::fmt;
use std::path::PathBuf;

/// How serious a diagnostic is. Errors stop generation; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The spec says something the generator worked around; the output is still right.
    Warning,
    /// The generator cannot produce a correct crate from this input.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// A line and column (both 1-based) in the spec's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// One finding about the spec, anchored at a JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Diagnostic {
    pub severity: Severity,
    /// JSON pointer into the spec, as a URI fragment: `#/components/schemas/RunObject`.
    pub pointer: String,
    pub message: String,
    /// What the reader can do about it.
    pub help: Option<String>,
    /// Where the pointer lands in the spec's text, where known.
    pub location: Option<Location>,
}

impl Diagnostic {
    pub fn warning(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            pointer: pointer.into(),
            message: message.into(),
            help: None,
            location: None,
        }
    }

    pub fn error(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            ..Diagnostic::warning(pointer, message)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}\n  --> {}",
            self.severity, self.message, self.pointer
        )?;
        if let Some(loc) = self.location {
            write!(f, " (line {}, column {})", loc.line, loc.column)?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

/// Why generation did not produce a crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not valid YAML or JSON.
    #[error("{}:{}:{}: {message}", path.display(), location.line, location.column)]
    Syntax {
        path: PathBuf,
        location: Location,
        message: String,
    },
    /// The document is YAML or JSON but not an OpenAPI document the generator accepts.
    #[error("{} has {} error(s); the first: {}", path.display(), diagnostics.iter().filter(|d| d.severity == Severity::Error).count(), diagnostics.iter().find(|d| d.severity == Severity::Error).map(|d| d.to_string()).unwrap_or_default())]
    Invalid {
        path: PathBuf,
        /// Every diagnostic found, errors and warnings.
        diagnostics: Vec<Diagnostic>,
    },
    /// The generator produced tokens that are not valid Rust: a bug in the generator.
    #[error("internal error: generated code for {file} does not parse ({message}); please report this with the spec")]
    Internal { file: String, message: String },
}

/// Escapes one JSON pointer segment (RFC 6901).
pub fn escape_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Reverses [`escape_segment`].
pub fn unescape_segment(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// The (escaped) name of the schema `pointer` is, when it is a named schema:
/// `#/components/schemas/<name>` and nothing deeper.
pub fn named_schema(pointer: &str) -> Option<&str> {
    pointer
        .strip_prefix("#/components/schemas/")
        .filter(|name| !name.contains('/'))
}

/// Builds `#/a/b/c` from unescaped segments.
pub fn pointer<I, S>(segments: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out = String::from("#");
    for s in segments {
        out.push('/');
        out.push_str(&escape_segment(s.as_ref()));
    }
    out
}
