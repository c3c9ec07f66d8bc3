//! A YAML document as a tree in which every node knows its line, and every mapping keeps
//! each key as written, in order, duplicates included: what the file's mistakes are
//! reported against. Built from yaml-rust2's parser events.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A node and the line (from 1) it starts on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) line: usize,
    pub(crate) value: Value,
}

/// What a node holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// A scalar as written; `plain` when unquoted (then `~`, `null` and nothing are null,
    /// and digits a number).
    Scalar { text: String, plain: bool },
    /// A sequence.
    List(Vec<Node>),
    /// A mapping: keys and values in the order written, duplicates kept.
    Map(Vec<(Node, Node)>),
    /// An alias (`*name`), which this format does not use.
    Alias,
}

impl Node {
    /// Whether the node is YAML's null (written as nothing, `~` or `null`).
    pub(crate) fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true }
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The node's text when it is a scalar that is not null.
    pub(crate) fn text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } if !self.is_null() => Some(text),
            _ => None,
        }
    }

    /// The node in the file's words, for a mistake that says what was found.
    pub(crate) fn describe(&self) -> String {
        match &self.value {
            _ if self.is_null() => "nothing".into(),
            Value::Scalar { text, plain: true } => text.clone(),
            Value::Scalar { text, plain: false } => format!("the text {text:?}"),
            Value::List(_) => "a list".into(),
            Value::Map(_) => "a mapping".into(),
            Value::Alias => "an alias".into(),
        }
    }
}

/// The document in `text` (`None` when it is empty), or the line and reason of a syntax
/// error.
pub(crate) fn parse(text: &str) -> Result<Option<Node>, (usize, String)> {
    let mut builder = Builder::default();
    Parser::new_from_str(text)
        .load(&mut builder, false)
        .map_err(|e| (e.marker().line(), e.info().to_owned()))?;
    Ok(builder.root)
}

/// Open collections, innermost last, and the finished document.
#[derive(Default)]
struct Builder {
    open: Vec<(usize, Open)>,
    root: Option<Node>,
}

enum Open {
    List(Vec<Node>),
    /// Keys and values alternate.
    Map(Vec<Node>),
}

impl Builder {
    fn push(&mut self, node: Node) {
        match self.open.last_mut() {
            Some((_, Open::List(items) | Open::Map(items))) => items.push(node),
            None => self.root = Some(node),
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let line = mark.line();
        match event {
            Event::Scalar(text, style, _, _) => self.push(Node {
                line,
                value: Value::Scalar {
                    text,
                    plain: style == TScalarStyle::Plain,
                },
            }),
            Event::Alias(_) => self.push(Node {
                line,
                value: Value::Alias,
            }),
            Event::SequenceStart(..) => self.open.push((line, Open::List(Vec::new()))),
            Event::MappingStart(..) => self.open.push((line, Open::Map(Vec::new()))),
            Event::SequenceEnd | Event::MappingEnd => {
                let Some((line, open)) = self.open.pop() else {
                    return;
                };
                let value = match open {
                    Open::List(items) => Value::List(items),
                    Open::Map(items) => {
                        let mut items = items.into_iter();
                        let mut pairs = Vec::new();
                        while let (Some(key), Some(value)) = (items.next(), items.next()) {
                            pairs.push((key, value));
                        }
                        Value::Map(pairs)
                    }
                };
                self.push(Node { line, value });
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_know_their_lines_and_mappings_keep_duplicates() {
        let root = parse("a: 1\nb:\n  - x\n  - 'y'\na: ~\n").unwrap().unwrap();
        let Value::Map(pairs) = &root.value else {
            panic!("{root:?}")
        };
        let keys: Vec<_> = pairs.iter().map(|(k, _)| (k.text(), k.line)).collect();
        assert_eq!(keys, [(Some("a"), 1), (Some("b"), 2), (Some("a"), 5)]);
        assert!(pairs[2].1.is_null());
        let Value::List(items) = &pairs[1].1.value else {
            panic!()
        };
        assert_eq!(items[1].describe(), "the text \"y\"");
        assert_eq!(items[1].line, 4);
    }

    #[test]
    fn a_syntax_error_has_its_line() {
        let (line, reason) = parse("a: 1\nb: [\n").unwrap_err();
        assert!(line >= 2, "{line}: {reason}");
        assert!(parse("").unwrap().is_none());
    }
}
