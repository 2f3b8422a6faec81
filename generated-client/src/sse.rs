//! An incremental parser for Server-Sent Events (`text/event-stream`), following the
//! WHATWG HTML standard's "event stream interpretation".
//!
//! Feed the body's bytes to [`Parser::push`] as they arrive, in chunks of any size; it
//! returns the events those bytes complete. Call [`Parser::finish`] when the body ends.
//!
//! ```
//! use portkey_client::sse::Parser;
//!
//! let mut parser = Parser::new();
//! assert!(parser.push(b"event: greeting\ndata: hel").unwrap().is_empty());
//! let events = parser.push(b"lo\n\n").unwrap();
//! assert_eq!(events[0].event.as_deref(), Some("greeting"));
//! assert_eq!(events[0].data, "hello");
//! assert!(!parser.finish().unwrap());
//! ```

use std::fmt;

use crate::error::StreamError;

/// The default limit on one line, and on one event's data, in bytes (16 MiB).
pub const MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    /// The `event` field: the event type. `None` means the default type, `message`.
    pub event: Option<String>,
    /// The `data` lines, joined with `\n`.
    pub data: String,
    /// The last event ID as of this event: set by an `id` field in this event or an
    /// earlier one (it carries over, as in the standard), cleared by an empty `id`.
    pub id: Option<String>,
    /// The `retry` field given in this event, in milliseconds. See also
    /// [`Parser::retry`], which keeps the latest value even from undispatched blocks.
    pub retry: Option<u64>,
}

/// An incremental event stream parser. It buffers bytes, not text, so chunks may split
/// lines, `\r\n` pairs and multi-byte UTF-8 characters anywhere.
///
/// Memory is bounded: a line or an event's data longer than the limit
/// ([`MAX_EVENT_BYTES`] unless set with [`with_limit`](Self::with_limit)) is reported as
/// [`StreamError::TooLarge`], after which the parser accepts nothing more.
pub struct Parser {
    limit: usize,
    /// Bytes of the current, not yet terminated line.
    line: Vec<u8>,
    /// The previous chunk ended in `\r`: a `\n` starting the next one belongs to it.
    after_cr: bool,
    /// Still looking for a byte order mark at the start of the stream.
    at_start: bool,
    data: String,
    /// At least one `data` field was seen since the last dispatch.
    has_data: bool,
    event_type: String,
    last_event_id: String,
    event_retry: Option<u64>,
    retry: Option<u64>,
    /// Set once the limit was exceeded; reported by every later call.
    failed: Option<StreamError>,
}

impl Default for Parser {
    fn default() -> Self {
        Parser::with_limit(MAX_EVENT_BYTES)
    }
}

impl fmt::Debug for Parser {
    // Lengths only: the buffers may hold megabytes of someone's data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parser")
            .field("limit", &self.limit)
            .field("buffered_line_len", &self.line.len())
            .field("buffered_data_len", &self.data.len())
            .field("last_event_id", &self.last_event_id())
            .field("retry", &self.retry)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl Parser {
    /// A parser with the default limit, [`MAX_EVENT_BYTES`].
    pub fn new() -> Self {
        Parser::default()
    }

    /// A parser that refuses lines and events longer than `limit` bytes.
    pub fn with_limit(limit: usize) -> Self {
        Parser {
            limit,
            line: Vec::new(),
            after_cr: false,
            at_start: true,
            data: String::new(),
            has_data: false,
            event_type: String::new(),
            last_event_id: String::new(),
            event_retry: None,
            retry: None,
            failed: None,
        }
    }

    /// The last event ID seen (the value to send as `Last-Event-ID` when reconnecting),
    /// or `None` if there was none or it was cleared.
    pub fn last_event_id(&self) -> Option<&str> {
        Some(self.last_event_id.as_str()).filter(|id| !id.is_empty())
    }

    /// The latest `retry` value seen (the reconnection time, in milliseconds).
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }

    /// Feeds bytes as they arrive; returns the events completed by them, in order.
    ///
    /// Fails with [`StreamError::TooLarge`] when a line or an event exceeds the limit.
    /// Events completed before that point in the same chunk are returned first: the
    /// error then comes from the next call to `push` or [`finish`](Self::finish). Once
    /// failed, the parser ignores further input and reports the same error again.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<Event>, StreamError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let mut events = Vec::new();
        match self.push_lines(chunk, &mut events) {
            Ok(()) => Ok(events),
            Err(e) => {
                self.failed = Some(e.clone());
                // Reclaim the memory now: the parser is done.
                self.line = Vec::new();
                self.data = String::new();
                if events.is_empty() {
                    Err(e)
                } else {
                    Ok(events)
                }
            }
        }
    }

    /// The stream ended. As the standard says, an event not yet terminated by a blank
    /// line is discarded, never dispatched: this returns whether anything was discarded
    /// (an unterminated line, or fields of an event without its blank line).
    ///
    /// Fails if the limit was exceeded earlier and not yet reported. The parser is then
    /// reset to expect a new stream (keeping the last event ID and retry value).
    pub fn finish(&mut self) -> Result<bool, StreamError> {
        let discarded = !self.line.is_empty()
            || self.has_data
            || !self.event_type.is_empty()
            || self.event_retry.is_some();
        let failed = self.failed.take();
        *self = Parser {
            last_event_id: std::mem::take(&mut self.last_event_id),
            retry: self.retry,
            ..Parser::with_limit(self.limit)
        };
        match failed {
            Some(e) => Err(e),
            None => Ok(discarded),
        }
    }

    fn push_lines(&mut self, mut rest: &[u8], events: &mut Vec<Event>) -> Result<(), StreamError> {
        if self.at_start {
            // The BOM may itself arrive split across chunks: hold back a prefix of it.
            self.line.extend_from_slice(rest);
            if self.line.len() < BOM.len() && BOM.starts_with(&self.line) {
                return Ok(());
            }
            self.at_start = false;
            let start = if self.line.starts_with(BOM) {
                BOM.len()
            } else {
                0
            };
            let buffered = std::mem::take(&mut self.line);
            return self.push_lines(&buffered[start..], events);
        }
        if self.after_cr && !rest.is_empty() {
            self.after_cr = false;
            if rest[0] == b'\n' {
                rest = &rest[1..];
            }
        }
        while let Some(end) = rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            if self.line.is_empty() {
                self.check_len(end)?;
                self.line_done(&rest[..end], events)?;
            } else {
                self.check_len(self.line.len() + end)?;
                let mut line = std::mem::take(&mut self.line);
                line.extend_from_slice(&rest[..end]);
                self.line_done(&line, events)?;
                line.clear();
                self.line = line; // keep the allocation
            }
            let cr = rest[end] == b'\r';
            rest = &rest[end + 1..];
            if cr {
                match rest.first() {
                    Some(b'\n') => rest = &rest[1..],
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
        }
        self.check_len(self.line.len() + rest.len())?;
        self.line.extend_from_slice(rest);
        Ok(())
    }

    fn check_len(&self, len: usize) -> Result<(), StreamError> {
        if len > self.limit {
            Err(StreamError::TooLarge { limit: self.limit })
        } else {
            Ok(())
        }
    }

    /// Interprets one complete line (without its line end).
    fn line_done(&mut self, line: &[u8], events: &mut Vec<Event>) -> Result<(), StreamError> {
        if line.is_empty() {
            self.dispatch(events);
            return Ok(());
        }
        if line[0] == b':' {
            return Ok(()); // a comment, typically a keep-alive
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &[][..]),
        };
        match name {
            b"data" => {
                self.check_len(self.data.len() + value.len() + 1)?;
                self.data.push_str(&String::from_utf8_lossy(value));
                self.data.push('\n');
                self.has_data = true;
            }
            b"event" => self.event_type = String::from_utf8_lossy(value).into_owned(),
            b"id" if !value.contains(&0) => {
                self.last_event_id = String::from_utf8_lossy(value).into_owned();
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                // Only digits, so parsing fails only on overflow: then it is ignored.
                if let Ok(ms) = std::str::from_utf8(value).unwrap_or_default().parse() {
                    self.retry = Some(ms);
                    self.event_retry = Some(ms);
                }
            }
            _ => {} // unknown fields, an `id` with NUL, a `retry` not all digits
        }
        Ok(())
    }

    fn dispatch(&mut self, events: &mut Vec<Event>) {
        let event_type = std::mem::take(&mut self.event_type);
        let retry = self.event_retry.take();
        if !std::mem::take(&mut self.has_data) {
            return; // no data field: nothing is dispatched
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop(); // the `\n` after the last data line
        events.push(Event {
            event: Some(event_type).filter(|t| !t.is_empty()),
            data,
            id: self.last_event_id().map(str::to_owned),
            retry,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(chunks: &[&[u8]]) -> Vec<Event> {
        let mut parser = Parser::new();
        let mut events = Vec::new();
        for chunk in chunks {
            events.extend(parser.push(chunk).unwrap());
        }
        assert!(!parser.finish().unwrap(), "bytes left over");
        events
    }

    fn data(data: &str) -> Event {
        Event {
            data: data.to_owned(),
            ..Event::default()
        }
    }

    /// Feeds `input` split at every possible position, and byte by byte.
    fn parse_every_split(input: &[u8]) -> Vec<Event> {
        let whole = parse(&[input]);
        for at in 0..=input.len() {
            let (a, b) = input.split_at(at);
            assert_eq!(parse(&[a, b]), whole, "split at {at}");
        }
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(parse(&bytes), whole, "byte by byte");
        whole
    }

    #[test]
    fn multi_line_data_is_joined_with_newlines() {
        let events = parse_every_split(b"data: first\ndata:second\ndata\ndata:  indented\n\n");
        assert_eq!(events, [data("first\nsecond\n\n indented")]);
    }

    #[test]
    fn event_id_and_retry_fields() {
        let events = parse_every_split(
            b"event: add\nid: 7\nretry: 2500\ndata: one\n\ndata: two\n\nid\ndata: three\n\n",
        );
        assert_eq!(
            events,
            [
                Event {
                    event: Some("add".into()),
                    data: "one".into(),
                    id: Some("7".into()),
                    retry: Some(2500),
                },
                // The id carries over; event type and retry do not.
                Event {
                    id: Some("7".into()),
                    ..data("two")
                },
                // An empty id clears it.
                data("three"),
            ]
        );
    }

    #[test]
    fn bad_id_and_retry_values_are_ignored() {
        let mut parser = Parser::new();
        let events = parser
            .push(b"id: a\0b\nretry: 12a\nretry: -1\nretry:\nretry: 99999999999999999999999\ndata: x\n\n")
            .unwrap();
        assert_eq!(events, [data("x")]);
        assert_eq!(parser.last_event_id(), None);
        assert_eq!(parser.retry(), None);
        parser.push(b"retry: 300\nid: 5\n\n").unwrap();
        assert_eq!(parser.retry(), Some(300));
        assert_eq!(parser.last_event_id(), Some("5"));
    }

    #[test]
    fn comments_and_unknown_fields_are_ignored() {
        let events =
            parse_every_split(b": keep-alive\n\n:\ndata: a\n: inside\nfoo: bar\nDATA: no\n\n");
        assert_eq!(events, [data("a")]);
    }

    #[test]
    fn crlf_and_lone_cr_end_lines() {
        let events = parse_every_split(b"data: a\r\ndata: b\rdata: c\n\r\ndata: d\r\r");
        assert_eq!(events, [data("a\nb\nc"), data("d")]);
    }

    #[test]
    fn crlf_split_across_pushes_is_one_line_end() {
        let mut parser = Parser::new();
        assert!(parser.push(b"data: a\r").unwrap().is_empty());
        // Had the `\n` counted as a second line end, the event would be dispatched here.
        assert!(parser.push(b"\n").unwrap().is_empty());
        assert_eq!(parser.push(b"\r").unwrap(), [data("a")]);
        assert!(parser.push(b"").unwrap().is_empty());
        assert!(parser.push(b"\ndata: b\n\n").unwrap() == [data("b")]);
        assert!(!parser.finish().unwrap());
    }

    #[test]
    fn utf8_characters_split_across_pushes() {
        let input = "data: héllo 世界 🎉\n\n".as_bytes();
        let events = parse_every_split(input);
        assert_eq!(events, [data("héllo 世界 🎉")]);
        // Invalid UTF-8 is replaced, not an error.
        assert_eq!(parse(&[b"data: a\xffb\n\n"]), [data("a\u{fffd}b")]);
    }

    #[test]
    fn chunk_boundary_inside_a_field_name() {
        let mut parser = Parser::new();
        assert!(parser.push(b"ev").unwrap().is_empty());
        assert!(parser.push(b"ent: ping\nda").unwrap().is_empty());
        let events = parser.push(b"ta: {}\n\n").unwrap();
        assert_eq!(
            events,
            [Event {
                event: Some("ping".into()),
                ..data("{}")
            }]
        );
    }

    #[test]
    fn leading_bom_is_ignored_once() {
        assert_eq!(parse_every_split(b"\xEF\xBB\xBFdata: a\n\n"), [data("a")]);
        // Only at the very start: a second BOM makes the field name unknown.
        assert_eq!(parse(&[b"\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\n"]), []);
        // A stream shorter than a BOM.
        let mut parser = Parser::new();
        assert!(parser.push(b"\xEF").unwrap().is_empty());
        assert!(parser.finish().unwrap());
    }

    #[test]
    fn field_without_colon_has_an_empty_value() {
        assert_eq!(parse_every_split(b"data\n\n"), [data("")]);
        assert_eq!(parse(&[b"data\ndata\n\n"]), [data("\n")]);
        assert_eq!(
            parse(&[b"event\ndata: x\n\n"]),
            [data("x")],
            "an empty event type is the default type"
        );
    }

    #[test]
    fn event_without_data_is_not_dispatched() {
        let events = parse_every_split(b"event: ping\n\nid: 1\nretry: 5\n\n\n\ndata: after\n\n");
        // The event type of the undispatched block does not leak into the next one.
        assert_eq!(
            events,
            [Event {
                id: Some("1".into()),
                ..data("after")
            }]
        );
    }

    #[test]
    fn space_after_colon_is_stripped_once() {
        assert_eq!(parse(&[b"data:  two\n\n"]), [data(" two")]);
        assert_eq!(parse(&[b"data:\ttab\n\n"]), [data("\ttab")]);
        assert_eq!(parse(&[b"data: a:b: c\n\n"]), [data("a:b: c")]);
    }

    #[test]
    fn unterminated_event_is_discarded_at_finish() {
        let mut parser = Parser::new();
        assert!(parser.push(b"data: done\n").unwrap().is_empty());
        assert!(parser.finish().unwrap());
        assert!(parser.push(b"data: partial").unwrap().is_empty());
        assert!(parser.finish().unwrap());
        // finish resets the parser for a new stream, so the BOM is honoured again.
        assert_eq!(
            parser.push(b"\xEF\xBB\xBFdata: x\n\n").unwrap(),
            [data("x")]
        );
        assert!(!parser.finish().unwrap());
    }

    #[test]
    fn overlong_line_is_an_error_not_growth() {
        let mut parser = Parser::with_limit(10);
        assert!(parser.push(b"data: 1234").unwrap().is_empty());
        let err = parser.push(b"5").unwrap_err();
        assert_eq!(err, StreamError::TooLarge { limit: 10 });
        assert_eq!(
            err.to_string(),
            "event stream line or event exceeds the limit of 10 bytes"
        );
        // Sticky: nothing more is accepted.
        assert_eq!(parser.push(b"\n\ndata: x\n\n").unwrap_err(), err);
        assert_eq!(parser.finish().unwrap_err(), err);
    }

    #[test]
    fn overlong_event_is_an_error_after_the_events_before_it() {
        let mut parser = Parser::with_limit(10);
        let events = parser
            .push(b"data: ok\n\ndata: 12345\ndata: 12345\n")
            .unwrap();
        assert_eq!(events, [data("ok")]);
        assert_eq!(
            parser.finish().unwrap_err(),
            StreamError::TooLarge { limit: 10 }
        );
    }

    #[test]
    fn default_limit_is_16_mib() {
        let mut parser = Parser::new();
        let line = vec![b'x'; MAX_EVENT_BYTES];
        assert!(parser.push(b"data:").unwrap().is_empty());
        let err = parser.push(&line).unwrap_err();
        assert_eq!(
            err,
            StreamError::TooLarge {
                limit: MAX_EVENT_BYTES
            }
        );
        let debug = format!("{parser:?}");
        assert!(debug.len() < 300, "{debug}");
    }
}
