//! JSON whose objects keep their keys in the order written: the fake writes the real
//! server's key order itself, whatever order `serde_json`'s maps keep in the build at hand.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

/// A JSON value whose objects keep their keys in the order written.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Json {
    /// An object, keys in order.
    Object(Vec<(&'static str, Json)>),
    /// An array.
    Array(Vec<Json>),
    /// Anything else (or an object whose key order does not matter).
    Plain(Value),
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
            Json::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Plain(value) => value.serialize(serializer),
        }
    }
}

/// A plain JSON value.
pub(super) fn plain(value: impl Into<Value>) -> Json {
    Json::Plain(value.into())
}
