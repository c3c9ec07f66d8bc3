//! Reading a desired-state file: the YAML, its shape, each entry; every mistake with its
//! line and field path, all at once (up to [`MAX_MISTAKES`]).

use std::collections::HashMap;

use serde_norway::{Mapping, Value as Yaml};

use infisical_oci_auth::IdentityId;
use infisical_oci_auth::desired::{DesiredOciAuth, DesiredState};
use infisical_oci_auth::model::{AccessTokenTtl, AttachOciAuth};

use crate::mistake::{FileError, Mistake};

/// The most mistakes a file error lists; the rest are counted.
const MAX_MISTAKES: usize = 20;

/// The entries of the file `name` whose text is `text`, in order.
pub(crate) fn entries(
    text: &str,
    name: &str,
) -> Result<Vec<(IdentityId, DesiredState)>, FileError> {
    let fail = |mistakes: Vec<Mistake>, more| FileError::new(name, mistakes, more);
    let doc: Yaml = serde_norway::from_str(text).map_err(|e| {
        let mistake = duplicate_key(&e, text).unwrap_or_else(|| {
            Mistake::new(e.location().map(|at| at.line()), "", syntax_reason(&e))
        });
        fail(vec![mistake], 0)
    })?;
    let identities = identities_of(doc, text).map_err(|m| fail(vec![m], 0))?;
    let lines = Lines::new(text);
    let mut mistakes = Vec::new();
    let mut more = 0;
    let mut note = |m: Mistake| {
        if mistakes.len() < MAX_MISTAKES {
            mistakes.push(m);
        } else {
            more += 1;
        }
    };
    let mut seen: HashMap<IdentityId, Option<usize>> = HashMap::new();
    let mut entries = Vec::with_capacity(identities.len());
    let mut after = lines.key_line("identities", 0, 0).unwrap_or(0);
    for (key, value) in identities {
        let key = scalar(&key);
        let line = lines.key_line(&key, after, 1);
        after = line.unwrap_or(after);
        match entry(&key, value, line, &lines, &mut seen) {
            Ok(entry) => entries.push(entry),
            Err(mistake) => note(mistake),
        }
    }
    if mistakes.is_empty() {
        Ok(entries)
    } else {
        Err(fail(mistakes, more))
    }
}

/// The YAML parser refuses a key written twice: name it on its second line.
fn duplicate_key(e: &serde_norway::Error, text: &str) -> Option<Mistake> {
    let message = e.to_string();
    let key = message
        .split_once("duplicate entry with key \"")?
        .1
        .split_once('"')?
        .0
        .to_owned();
    let lines = Lines::new(text);
    let first = lines.key_line(&key, 0, 1)?;
    let second = lines.key_line(&key, first, 1);
    Some(Mistake::new(
        second,
        format!("identities.{key}"),
        format!("the identity is listed twice (first on line {first})"),
    ))
}

/// One entry, written as `key` on `line`: its identity (once in the file) and state.
fn entry(
    key: &str,
    value: Yaml,
    line: Option<usize>,
    lines: &Lines<'_>,
    seen: &mut HashMap<IdentityId, Option<usize>>,
) -> Result<(IdentityId, DesiredState), Mistake> {
    let path = format!("identities.{key}");
    let identity = IdentityId::new(key).map_err(|e| {
        Mistake::new(
            line,
            &path,
            format!("the key must be an identity id: {}", e.reason()),
        )
    })?;
    if let Some(first) = seen.insert(identity, line) {
        let first = first.map_or_else(String::new, |l| format!(" (first on line {l})"));
        return Err(Mistake::new(
            line,
            &path,
            format!("the identity is listed twice{first}"),
        ));
    }
    let state = desired_state(value).map_err(|(field, reason)| {
        let at = line.and_then(|l| lines.field_line(l, &field)).or(line);
        let path = if field.is_empty() {
            path.clone()
        } else {
            format!("{path}.{field}")
        };
        Mistake::new(at, path, reason)
    })?;
    Ok((identity, state))
}

/// A YAML syntax error's message, without the position the mistake's line already gives.
fn syntax_reason(e: &serde_norway::Error) -> String {
    let text = e.to_string();
    match text.find(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// The `identities` mapping of a file's document, or what is wrong with its shape.
fn identities_of(doc: Yaml, text: &str) -> Result<Mapping, Mistake> {
    let lines = Lines::new(text);
    let Yaml::Mapping(top) = doc else {
        return Err(Mistake::new(
            Some(1),
            "",
            "expected a mapping with one key, `identities`",
        ));
    };
    let mut identities = None;
    for (key, value) in top {
        match key.as_str() {
            Some("identities") => identities = Some(value),
            _ => {
                let key = scalar(&key);
                return Err(Mistake::new(
                    lines.key_line(&key, 0, 0),
                    key,
                    "unknown top-level key; the only one is `identities`",
                ));
            }
        }
    }
    match identities {
        Some(Yaml::Mapping(m)) => Ok(m),
        Some(Yaml::Null) => Ok(Mapping::new()),
        Some(_) => Err(Mistake::new(
            lines.key_line("identities", 0, 0),
            "identities",
            "must be a mapping of identity id to configuration or `absent`",
        )),
        None => Err(Mistake::new(None, "identities", "missing")),
    }
}

/// One entry's value: a configuration in the wire field names, or `absent`. An error names
/// the field (empty for the entry itself) and what is wrong.
fn desired_state(value: Yaml) -> Result<DesiredState, (String, String)> {
    let whole = |reason: String| (String::new(), reason);
    let mut value = match value {
        Yaml::String(s) if s == "absent" => return Ok(DesiredState::Absent),
        Yaml::Mapping(m) => m,
        other => {
            return Err(whole(format!(
                "expected an OCI Auth mapping or `absent`, got {}",
                scalar(&other)
            )));
        }
    };
    ips_as_entries(&mut value)?;
    let no_max_ttl = without_max_ttl(&mut value);
    let json = serde_json::to_value(&value).map_err(|e| whole(e.to_string()))?;
    let attach: AttachOciAuth = serde_json::from_value(json).map_err(|e| {
        let text = e.to_string();
        // serde names an unknown field in backticks: point at it.
        if let Some((field, _)) = text
            .strip_prefix("unknown field `")
            .and_then(|t| t.split_once('`'))
        {
            return (
                field.to_owned(),
                "unknown field; the fields are tenancyOcid, allowedUsernames, \
                 accessTokenTrustedIps, accessTokenTTL, accessTokenMaxTTL and \
                 accessTokenNumUsesLimit"
                    .to_owned(),
            );
        }
        // The model's rules say "invalid <field>: <reason>".
        let text = text.split(" at line ").next().unwrap_or(&text);
        match text
            .strip_prefix("invalid ")
            .and_then(|t| t.split_once(": "))
        {
            Some((field, reason)) if !field.contains(' ') => (field.to_owned(), reason.to_owned()),
            _ => whole(text.to_owned()),
        }
    })?;
    let desired = DesiredOciAuth::from(attach);
    Ok(DesiredState::Present(if no_max_ttl {
        desired.without_max_ttl()
    } else {
        desired
    }))
}

/// `accessTokenMaxTTL: 0` (no max, which only an update can store): the attach part takes
/// the largest max TTL instead, and the configuration is marked as having none.
fn without_max_ttl(value: &mut Mapping) -> bool {
    let key = Yaml::from("accessTokenMaxTTL");
    if value.get(&key).and_then(Yaml::as_u64) != Some(0) {
        return false;
    }
    value.insert(key, Yaml::from(AccessTokenTtl::MAX.get()));
    true
}

/// `accessTokenTrustedIps` may list addresses as plain strings: each becomes
/// `{ipAddress: …}`. Anything else but a mapping is a mistake at its index.
fn ips_as_entries(value: &mut Mapping) -> Result<(), (String, String)> {
    const FIELD: &str = "accessTokenTrustedIps";
    let Some(Yaml::Sequence(items)) = value.get_mut(FIELD) else {
        return match value.get(FIELD) {
            None | Some(Yaml::Sequence(_)) => Ok(()),
            Some(other) => Err((
                FIELD.to_owned(),
                format!(
                    "must be a list of addresses or ranges, got {}",
                    scalar(other)
                ),
            )),
        };
    };
    for (i, item) in items.iter_mut().enumerate() {
        match item {
            Yaml::Mapping(_) => {}
            Yaml::String(s) => {
                let mut entry = Mapping::new();
                entry.insert(Yaml::from("ipAddress"), Yaml::String(std::mem::take(s)));
                *item = Yaml::Mapping(entry);
            }
            other => {
                return Err((
                    format!("{FIELD}[{i}]"),
                    format!(
                        "expected an address or range such as 10.0.0.0/8, got {}",
                        scalar(other)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A YAML scalar as text (keys and values in messages).
fn scalar(v: &Yaml) -> String {
    match v {
        Yaml::String(s) => s.clone(),
        other => serde_norway::to_string(other)
            .map(|s| s.trim_end().to_owned())
            .unwrap_or_else(|_| "a value".into()),
    }
}

/// The file's lines, to find where a key stands (the YAML parser gives positions only for
/// syntax errors).
struct Lines<'a>(Vec<&'a str>);

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Lines(text.lines().collect())
    }

    /// The line (from 1) of the first `key:` after line `after`, indented by more than
    /// `min_indent - 1` spaces.
    fn key_line(&self, key: &str, after: usize, min_indent: usize) -> Option<usize> {
        self.0.iter().enumerate().skip(after).find_map(|(i, line)| {
            let indent = line.len() - line.trim_start().len();
            let rest = line.trim_start().trim_start_matches(['"', '\'']);
            (indent >= min_indent
                && rest.starts_with(key)
                && rest[key.len()..]
                    .trim_start_matches(['"', '\''])
                    .starts_with(':'))
            .then_some(i + 1)
        })
    }

    /// The line of `field` (its first path segment) inside the entry that starts on
    /// `entry_line`.
    fn field_line(&self, entry_line: usize, field: &str) -> Option<usize> {
        let name = field.split(['.', '[']).next().unwrap_or(field);
        let entry_indent = self
            .0
            .get(entry_line - 1)
            .map(|l| l.len() - l.trim_start().len())?;
        for (i, line) in self.0.iter().enumerate().skip(entry_line) {
            let indent = line.len() - line.trim_start().len();
            if !line.trim().is_empty() && indent <= entry_indent {
                return None;
            }
            if line.trim_start().starts_with(&format!("{name}:")) {
                return Some(i + 1);
            }
        }
        None
    }
}
