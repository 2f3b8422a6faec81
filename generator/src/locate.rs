//! Where a JSON pointer lands in the spec's text: line and column for diagnostics.
//!
//! serde_yaml keeps no positions, so the text is read once more with an event parser that
//! does (yaml-rust2), only when there are diagnostics to place. JSON is YAML, so one index
//! serves both.

use std::collections::{HashMap, HashSet};

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::diagnostic::{escape_segment, Diagnostic, Location};

/// JSON pointer (`#/a/b`) → where that key or item starts.
#[derive(Debug, Default)]
pub struct Index {
    places: HashMap<String, Location>,
}

impl Index {
    /// Indexes `text`; an unreadable text gives an empty index (its syntax error is reported
    /// elsewhere).
    pub fn new(text: &str) -> Self {
        Self::build(text, None)
    }

    /// Indexes only `pointers` and their ancestors: all that [`Index::locate`] looks up for
    /// them, so it finds the same places as [`Index::new`] for these. The rest of the text is
    /// parsed but not indexed, which on a large spec is half the work.
    pub fn of<'a>(text: &str, pointers: impl IntoIterator<Item = &'a str>) -> Self {
        let mut wanted = HashSet::new();
        for pointer in pointers {
            let mut p = pointer;
            // Ancestors are inserted after their descendants: stop at one already there.
            while wanted.insert(p) {
                match p.rfind('/') {
                    Some(end) => p = &p[..end],
                    None => break,
                }
            }
        }
        Self::build(text, Some(&wanted))
    }

    fn build(text: &str, wanted: Option<&HashSet<&str>>) -> Self {
        let mut builder = Builder {
            stack: Vec::new(),
            places: HashMap::new(),
            wanted,
        };
        let _ = Parser::new_from_str(text).load(&mut builder, false);
        Index {
            places: builder.places,
        }
    }

    /// The place of `pointer`, or of its nearest ancestor that is in the text (a pointer into
    /// a normalised or overlaid part may name nodes the text does not have).
    pub fn locate(&self, pointer: &str) -> Option<Location> {
        let mut p = pointer;
        loop {
            if let Some(l) = self.places.get(p) {
                return Some(*l);
            }
            p = &p[..p.rfind('/')?];
        }
    }

    /// Fills in the location of every diagnostic that points into the spec.
    pub fn place(&self, diagnostics: &mut [Diagnostic]) {
        for d in diagnostics.iter_mut().filter(|d| unplaced(d)) {
            d.location = self.locate(&d.pointer);
        }
    }
}

fn unplaced(d: &Diagnostic) -> bool {
    d.location.is_none() && d.pointer.starts_with('#')
}

/// Fills in the location in `text` of every diagnostic that points into it, indexing only
/// what they point at ([`Index::of`]).
pub fn place(text: &str, diagnostics: &mut [Diagnostic]) {
    if diagnostics.iter().any(unplaced) {
        let pointers = diagnostics.iter().filter(|d| unplaced(d));
        Index::of(text, pointers.map(|d| d.pointer.as_str())).place(diagnostics);
    }
}

enum Frame {
    Map {
        pointer: String,
        key: Option<String>,
    },
    Seq {
        pointer: String,
        next: usize,
    },
    /// A map or sequence whose pointer is not wanted: nothing inside it is.
    Unwanted,
}

struct Builder<'w> {
    stack: Vec<Frame>,
    places: HashMap<String, Location>,
    /// Pointers to index, closed under ancestors; `None` for all.
    wanted: Option<&'w HashSet<&'w str>>,
}

impl Builder<'_> {
    fn is_wanted(&self, pointer: &str) -> bool {
        self.wanted.is_none_or(|w| w.contains(pointer))
    }

    fn record(&mut self, pointer: String, mark: Marker) {
        if self.is_wanted(&pointer) {
            self.places.entry(pointer).or_insert(Location {
                line: mark.line(),
                column: mark.col() + 1,
            });
        }
    }

    /// The pointer of a value that starts here (a value in a map, or the next item of a
    /// sequence), recording where it starts; `None` inside an unwanted map or sequence.
    fn value_pointer(&mut self, mark: Marker) -> Option<String> {
        let pointer = match self.stack.last_mut() {
            None => "#".to_string(),
            Some(Frame::Map { pointer, key }) => {
                let key = key.take().unwrap_or_default();
                // The key's own place was recorded when it was read.
                return Some(format!("{pointer}/{}", escape_segment(&key)));
            }
            Some(Frame::Seq { pointer, next }) => {
                *next += 1;
                format!("{pointer}/{}", *next - 1)
            }
            Some(Frame::Unwanted) => return None,
        };
        self.record(pointer.clone(), mark);
        Some(pointer)
    }

    /// The frame of a map or sequence that starts here at `pointer`.
    fn open(&self, pointer: Option<String>, frame: impl FnOnce(String) -> Frame) -> Frame {
        match pointer {
            Some(p) if self.is_wanted(&p) => frame(p),
            _ => Frame::Unwanted,
        }
    }
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::MappingStart(..) => {
                let pointer = self.value_pointer(mark);
                let frame = self.open(pointer, |pointer| Frame::Map { pointer, key: None });
                self.stack.push(frame);
            }
            Event::SequenceStart(..) => {
                let pointer = self.value_pointer(mark);
                let frame = self.open(pointer, |pointer| Frame::Seq { pointer, next: 0 });
                self.stack.push(frame);
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            Event::Scalar(value, ..) => {
                if let Some(Frame::Map {
                    pointer,
                    key: key @ None,
                }) = self.stack.last_mut()
                {
                    let at = format!("{pointer}/{}", escape_segment(&value));
                    *key = Some(value);
                    self.record(at, mark);
                } else {
                    self.value_pointer(mark);
                }
            }
            Event::Alias(_) => {
                self.value_pointer(mark);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_and_items_in_yaml() {
        let text = "openapi: 3.0.0\ncomponents:\n  schemas:\n    Run:\n      required:\n        - id\n        - thread_id\n      properties:\n        'a/b': {type: string}\n";
        let index = Index::new(text);
        let at = |p| index.locate(p).map(|l| (l.line, l.column));
        assert_eq!(at("#/components/schemas/Run"), Some((4, 5)));
        assert_eq!(at("#/components/schemas/Run/required/1"), Some((7, 11)));
        assert_eq!(at("#/components/schemas/Run/properties/a~1b"), Some((9, 9)));
        // A pointer the text does not have lands on its nearest ancestor.
        assert_eq!(
            at("#/components/schemas/Run/properties/a~1b/allOf/0"),
            Some((9, 9))
        );
    }

    #[test]
    fn an_index_of_some_pointers_places_them_as_the_whole_index_does() {
        let text = "openapi: 3.0.0\ncomponents:\n  schemas:\n    Run:\n      required: [id, thread_id]\n      properties:\n        id: {type: string}\n        'a/b': {type: string}\n    Run2: {}\n    Run: {dup: 1}\n";
        let pointers = [
            "#/components/schemas/Run/required/1",
            "#/components/schemas/Run/properties/a~1b/allOf/0",
            "#/components/schemas/Run/dup",
            "#/components/schemas/Missing/x",
            "#/components/schemas/Run2",
        ];
        let (all, some) = (Index::new(text), Index::of(text, pointers));
        for p in pointers {
            assert_eq!(some.locate(p), all.locate(p), "{p}");
            assert!(some.locate(p).is_some(), "{p}");
        }
        assert!(some.places.len() < all.places.len());
    }

    #[test]
    fn finds_keys_in_json() {
        let index = Index::new("{\n  \"paths\": {\n    \"/x\": {\"get\": {}}\n  }\n}");
        assert_eq!(
            index.locate("#/paths/~1x/get").map(|l| (l.line, l.column)),
            Some((3, 12))
        );
    }
}
