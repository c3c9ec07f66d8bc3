//! Where each element of a YAML document is: JSON pointer → line and column, so that a drift
//! finding can name the line of `openapi/infisical-oci-auth.yaml` to edit.
//!
//! A mapping value is placed at its key (the line a person looks for), a sequence item at
//! its first character.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A line and column, both from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Position {
    pub(crate) line: usize,
    pub(crate) col: usize,
}

/// The positions of every node of a YAML document, by JSON pointer (`""` is the root).
#[derive(Debug, Default)]
pub(crate) struct Positions(HashMap<String, Position>);

impl Positions {
    /// Indexes `text`; an unparsable document has no positions.
    pub(crate) fn of(text: &str) -> Self {
        let mut index = Indexer::default();
        if Parser::new_from_str(text).load(&mut index, false).is_err() {
            return Positions::default();
        }
        Positions(index.positions)
    }

    /// The position of the node at `pointer`, or of its nearest ancestor that has one.
    pub(crate) fn find(&self, pointer: &str) -> Option<Position> {
        let mut pointer = pointer;
        loop {
            if let Some(p) = self.0.get(pointer) {
                return Some(*p);
            }
            pointer = &pointer[..pointer.rfind('/')?];
        }
    }
}

enum Frame {
    Map {
        pointer: String,
        /// The key just read, waiting for its value, and where it was.
        key: Option<(String, Marker)>,
    },
    Seq {
        pointer: String,
        next: usize,
    },
}

#[derive(Default)]
struct Indexer {
    stack: Vec<Frame>,
    positions: HashMap<String, Position>,
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn at(mark: Marker) -> Position {
    Position {
        line: mark.line(),
        col: mark.col() + 1,
    }
}

impl Indexer {
    /// A node starts here: returns its pointer, or `None` when it is a mapping key.
    fn node(&mut self, mark: Marker, key_text: Option<&str>) -> Option<String> {
        let pointer = match self.stack.last_mut() {
            None => String::new(),
            Some(Frame::Seq { pointer, next }) => {
                let p = format!("{pointer}/{next}");
                *next += 1;
                self.positions.insert(p.clone(), at(mark));
                p
            }
            Some(Frame::Map { pointer, key }) => match key.take() {
                None => {
                    *key = Some((key_text.unwrap_or_default().to_owned(), mark));
                    return None;
                }
                Some((name, key_mark)) => {
                    let p = format!("{pointer}/{}", escape(&name));
                    self.positions.insert(p.clone(), at(key_mark));
                    p
                }
            },
        };
        Some(pointer)
    }
}

impl MarkedEventReceiver for Indexer {
    fn on_event(&mut self, event: Event, mark: Marker) {
        match event {
            Event::Scalar(text, ..) => {
                self.node(mark, Some(&text));
            }
            Event::Alias(_) => {
                self.node(mark, None);
            }
            Event::MappingStart(..) => {
                if let Some(pointer) = self.node(mark, None) {
                    self.positions.entry(pointer.clone()).or_insert(at(mark));
                    self.stack.push(Frame::Map { pointer, key: None });
                }
            }
            Event::SequenceStart(..) => {
                if let Some(pointer) = self.node(mark, None) {
                    self.positions.entry(pointer.clone()).or_insert(at(mark));
                    self.stack.push(Frame::Seq { pointer, next: 0 });
                }
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_items_and_nested_values_have_their_lines() {
        let text = "openapi: 3.0.3\npaths:\n  /a/{id}:\n    get:\n      parameters:\n        - in: path\n          name: id\n";
        let p = Positions::of(text);
        assert_eq!(p.find("/openapi"), Some(Position { line: 1, col: 1 }));
        assert_eq!(
            p.find("/paths/~1a~1{id}/get"),
            Some(Position { line: 4, col: 5 })
        );
        assert_eq!(
            p.find("/paths/~1a~1{id}/get/parameters/0/name"),
            Some(Position { line: 7, col: 11 })
        );
        // A pointer below what exists falls back to its nearest ancestor.
        assert_eq!(
            p.find("/paths/~1a~1{id}/get/requestBody/content"),
            Some(Position { line: 4, col: 5 })
        );
        assert!(Positions::of("a: [").find("/a").is_none());
    }
}
