//! `multipart/form-data` request bodies: text fields and files, sent with
//! [`Request::multipart`](crate::runtime::Request::multipart).
//!
//! Files are streamed: a [`FilePart`] from a path or a reader is read while the request
//! is sent, never held in memory whole.
//!
//! ```no_run
//! # async fn run() -> Result<(), portkey_client::Error> {
//! use portkey_client::upload::{FilePart, Form};
//!
//! let form = Form::new()
//!     .text("purpose", "fine-tune")
//!     .file("file", FilePart::path("train.jsonl").await?);
//! # let _ = form;
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::path::Path;
use std::pin::Pin;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio_util::io::ReaderStream;

use crate::error::{one_line, Error};

/// Bytes read from a file or reader at a time.
const READ_CHUNK: usize = 64 * 1024;

/// The content type of a file part whose name says nothing better.
const OCTET_STREAM: &str = "application/octet-stream";

/// A `multipart/form-data` body being built: named text fields and files, sent in order.
#[derive(Default)]
#[must_use = "a form does nothing until it is sent"]
pub struct Form {
    parts: Vec<(String, Field)>,
}

enum Field {
    Text(String),
    File(FilePart),
}

impl Form {
    /// An empty form.
    pub fn new() -> Self {
        Form::default()
    }

    /// Adds a text field.
    pub fn text(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.parts.push((name.into(), Field::Text(value.into())));
        self
    }

    /// Adds a file field.
    pub fn file(mut self, name: impl Into<String>, file: FilePart) -> Self {
        self.parts.push((name.into(), Field::File(file)));
        self
    }

    /// The first deferred error among the parts (an invalid content type).
    pub(crate) fn check(&self) -> Result<(), Error> {
        self.parts.iter().try_for_each(|(name, field)| match field {
            Field::File(file) => file.check(name),
            Field::Text(_) => Ok(()),
        })
    }

    /// Converts to reqwest's form; files start being read only when it is sent.
    pub(crate) fn into_reqwest(self) -> Result<reqwest::multipart::Form, Error> {
        self.check()?;
        self.parts
            .into_iter()
            .try_fold(reqwest::multipart::Form::new(), |form, (name, field)| {
                let part = match field {
                    Field::Text(value) => reqwest::multipart::Part::text(value),
                    Field::File(file) => file.into_part()?,
                };
                Ok(form.part(name, part))
            })
    }
}

impl fmt::Debug for Form {
    // Names, file names and sizes only: values may be private, files large.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Entry<'a>(&'a str, &'a Field);
        impl fmt::Debug for Entry<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.1 {
                    Field::Text(value) => f
                        .debug_struct("Text")
                        .field("name", &self.0)
                        .field("len", &value.len())
                        .finish(),
                    Field::File(file) => f
                        .debug_struct("File")
                        .field("name", &self.0)
                        .field("part", file)
                        .finish(),
                }
            }
        }
        f.debug_list()
            .entries(self.parts.iter().map(|(name, field)| Entry(name, field)))
            .finish()
    }
}

/// A file to upload: its content, file name and content type.
#[must_use = "a file part does nothing until added to a form and sent"]
pub struct FilePart {
    source: Source,
    file_name: String,
    /// `Err` holds the message for an invalid content type, reported at send.
    content_type: Result<String, String>,
}

enum Source {
    Bytes(Bytes),
    Reader {
        reader: Pin<Box<dyn AsyncRead + Send + Sync>>,
        /// Known for files: the part is then sent with a length, and so is the request.
        len: Option<u64>,
    },
}

impl FilePart {
    /// A file held in memory. The content type is guessed from the file name's
    /// extension (`application/octet-stream` when it says nothing).
    pub fn bytes(bytes: impl Into<Bytes>, file_name: impl Into<String>) -> Self {
        FilePart::new(Source::Bytes(bytes.into()), file_name.into())
    }

    /// A file on disk, streamed from it while the request is sent. The file is opened
    /// now; its length comes from its metadata, its name from the path and its content
    /// type from the extension (`application/octet-stream` when unknown).
    ///
    /// Fails with [`Error::Io`] when the file cannot be opened or is not a regular file.
    pub async fn path(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let io_error = |e: std::io::Error| {
            Error::Io(std::io::Error::new(
                e.kind(),
                format!("could not open `{}` for upload: {e}", path.display()),
            ))
        };
        let file = tokio::fs::File::open(path).await.map_err(io_error)?;
        let metadata = file.metadata().await.map_err(io_error)?;
        if !metadata.is_file() {
            return Err(io_error(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file",
            )));
        }
        let len = metadata.len();
        let file_name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".to_owned());
        // `take`: a file that grows meanwhile must not overrun the announced length.
        let reader = Box::pin(file.take(len));
        Ok(FilePart::new(
            Source::Reader {
                reader,
                len: Some(len),
            },
            file_name,
        ))
    }

    /// Content read from `reader` while the request is sent; its length is unknown, so
    /// the request is sent with chunked transfer encoding. The content type is guessed
    /// from the file name, as for [`bytes`](Self::bytes).
    pub fn reader<R: AsyncRead + Send + Sync + 'static>(
        reader: R,
        file_name: impl Into<String>,
    ) -> Self {
        let source = Source::Reader {
            reader: Box::pin(reader),
            len: None,
        };
        FilePart::new(source, file_name.into())
    }

    /// Sets the content type, such as `audio/mpeg`, instead of the guessed one.
    /// An invalid one is reported when the request is sent, as [`Error::InvalidRequest`].
    pub fn content_type(mut self, mime: &str) -> Self {
        self.content_type = match mime.parse::<mime_guess::mime::Mime>() {
            Ok(mime) => Ok(mime.to_string()),
            Err(_) => Err(format!(
                "invalid content type `{}` for file `{}`",
                one_line(mime, 100),
                one_line(&self.file_name, 100)
            )),
        };
        self
    }

    /// The file name sent with the part.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The content type sent with the part, unless the one set is invalid.
    pub fn mime_type(&self) -> Option<&str> {
        self.content_type.as_deref().ok()
    }

    /// The length in bytes, when known before sending.
    pub fn content_length(&self) -> Option<u64> {
        match &self.source {
            Source::Bytes(bytes) => Some(bytes.len() as u64),
            Source::Reader { len, .. } => *len,
        }
    }

    fn new(source: Source, file_name: String) -> Self {
        let guessed = Path::new(&file_name)
            .extension()
            .and_then(|ext| ext.to_str())
            .and_then(|ext| mime_guess::from_ext(ext).first())
            .map_or_else(|| OCTET_STREAM.to_owned(), |mime| mime.to_string());
        FilePart {
            source,
            file_name,
            content_type: Ok(guessed),
        }
    }

    fn check(&self, field: &str) -> Result<(), Error> {
        match &self.content_type {
            Ok(_) => Ok(()),
            Err(message) => Err(Error::InvalidRequest(format!(
                "{message} (form field `{}`)",
                one_line(field, 100)
            ))),
        }
    }

    fn into_part(self) -> Result<reqwest::multipart::Part, Error> {
        let part = match self.source {
            Source::Bytes(bytes) => {
                let len = bytes.len() as u64;
                reqwest::multipart::Part::stream_with_length(bytes, len)
            }
            Source::Reader { reader, len } => {
                let body =
                    reqwest::Body::wrap_stream(ReaderStream::with_capacity(reader, READ_CHUNK));
                match len {
                    Some(len) => reqwest::multipart::Part::stream_with_length(body, len),
                    None => reqwest::multipart::Part::stream(body),
                }
            }
        };
        let content_type = self.content_type.map_err(Error::InvalidRequest)?;
        part.file_name(self.file_name)
            .mime_str(&content_type)
            .map_err(|_| {
                Error::InvalidRequest(format!(
                    "invalid content type `{}`",
                    one_line(&content_type, 100)
                ))
            })
    }
}

impl fmt::Debug for FilePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            Source::Bytes(_) => "bytes",
            Source::Reader { len: Some(_), .. } => "file",
            Source::Reader { len: None, .. } => "reader",
        };
        f.debug_struct("FilePart")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("source", &source)
            .field("len", &self.content_length())
            .finish()
    }
}
