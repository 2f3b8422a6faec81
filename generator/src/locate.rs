//! Where a JSON pointer lands in the spec's text: line and column for diagnostics.
//!
//! serde_yaml keeps no positions, so the text is read once more with an event parser that
//! does (yaml-rust2), only when there are diagnostics to place. JSON is YAML, so one index
//! serves both.

use std::collections::HashMap;

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
        let mut builder = Builder::default();
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
        for d in diagnostics
            .iter_mut()
            .filter(|d| d.location.is_none() && d.pointer.starts_with('#'))
        {
            d.location = self.locate(&d.pointer);
        }
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
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    places: HashMap<String, Location>,
}

impl Builder {
    /// The pointer of a value that starts here (a value in a map, or the next item of a
    /// sequence), recording where it starts.
    fn value_pointer(&mut self, mark: Marker) -> String {
        let pointer = match self.stack.last_mut() {
            None => "#".to_string(),
            Some(Frame::Map { pointer, key }) => {
                let key = key.take().unwrap_or_default();
                // The key's own place was recorded when it was read.
                return format!("{pointer}/{}", escape_segment(&key));
            }
            Some(Frame::Seq { pointer, next }) => {
                *next += 1;
                format!("{pointer}/{}", *next - 1)
            }
        };
        self.places.entry(pointer.clone()).or_insert(Location {
            line: mark.line(),
            column: mark.col() + 1,
        });
        pointer
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::MappingStart(..) => {
                let pointer = self.value_pointer(mark);
                self.stack.push(Frame::Map { pointer, key: None });
            }
            Event::SequenceStart(..) => {
                let pointer = self.value_pointer(mark);
                self.stack.push(Frame::Seq { pointer, next: 0 });
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
                    self.places.entry(at).or_insert(Location {
                        line: mark.line(),
                        column: mark.col() + 1,
                    });
                    *key = Some(value);
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
    fn finds_keys_in_json() {
        let index = Index::new("{\n  \"paths\": {\n    \"/x\": {\"get\": {}}\n  }\n}");
        assert_eq!(
            index.locate("#/paths/~1x/get").map(|l| (l.line, l.column)),
            Some((3, 12))
        );
    }
}
