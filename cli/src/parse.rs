//! Reading a desired-state file: every mistake of every identity, in file order, each with
//! its line and field path (up to [`MAX_MISTAKES`]); a duplicated identity or field is one
//! mistake, and reading goes on past it. Values are judged by the library's model, one
//! field at a time, and then together (the TTL against the max TTL).

use std::collections::HashMap;

use infisical_oci_auth::IdentityId;
use infisical_oci_auth::desired::{DesiredOciAuth, DesiredState};
use infisical_oci_auth::model::rules::parse_allowed_usernames;
use infisical_oci_auth::model::{
    AccessTokenTtl, AttachOciAuth, NumUsesLimit, TenancyOcid, TrustedIp, ValidationError,
};

use crate::mistake::{FileError, Mistake};
use crate::yaml::{self, Node, Value};

/// The most mistakes a file error lists; the rest are counted.
pub(crate) const MAX_MISTAKES: usize = 50;

/// The fields of an identity's OCI Auth, in the API's names.
const FIELDS: [&str; 6] = [
    "tenancyOcid",
    "allowedUsernames",
    "accessTokenTrustedIps",
    "accessTokenTTL",
    "accessTokenMaxTTL",
    "accessTokenNumUsesLimit",
];

/// The entries of the file `name` whose text is `text`, in order.
pub(crate) fn entries(
    text: &str,
    name: &str,
) -> Result<Vec<(IdentityId, DesiredState)>, FileError> {
    let mut mistakes = Mistakes::default();
    let entries = match yaml::parse(text) {
        Ok(root) => read_file(root.as_ref(), &mut mistakes),
        Err((line, reason)) => {
            mistakes.add(line, "", format!("not valid YAML: {reason}"));
            Vec::new()
        }
    };
    mistakes.into_result(name, entries)
}

/// The mistakes found so far, each with its line.
#[derive(Default)]
struct Mistakes(Vec<Mistake>);

impl Mistakes {
    fn add(&mut self, line: usize, path: impl Into<String>, reason: impl Into<String>) {
        self.0.push(Mistake::new(Some(line), path, reason));
    }

    fn into_result<T>(self, name: &str, value: T) -> Result<T, FileError> {
        let mut all = self.0;
        if all.is_empty() {
            return Ok(value);
        }
        // In file order; a stable sort keeps a line's mistakes as found.
        all.sort_by_key(|m| m.line);
        let more = all.len().saturating_sub(MAX_MISTAKES);
        all.truncate(MAX_MISTAKES);
        Err(FileError::new(name, all, more))
    }
}

/// The file's one key, `identities`, and each identity in it.
fn read_file(root: Option<&Node>, mistakes: &mut Mistakes) -> Vec<(IdentityId, DesiredState)> {
    let Some(root) = root.filter(|r| !r.is_null()) else {
        return Vec::new();
    };
    let Value::Map(pairs) = &root.value else {
        mistakes.add(
            root.line,
            "",
            "the file must be a mapping with one key, `identities`",
        );
        return Vec::new();
    };
    let mut identities = None;
    for (key, value) in pairs {
        match key.text() {
            Some("identities") if identities.is_none() => identities = Some(value),
            Some("identities") => mistakes.add(key.line, "identities", "is listed twice"),
            _ => mistakes.add(
                key.line,
                key.describe(),
                "unknown top-level key; the only one is `identities`",
            ),
        }
    }
    match identities {
        None => Vec::new(),
        Some(node) if node.is_null() => Vec::new(),
        Some(Node {
            value: Value::Map(entries),
            ..
        }) => read_identities(entries, mistakes),
        Some(other) => {
            let found = other.describe();
            let reason = format!("must map identity ids to their OCI Auth, got {found}");
            mistakes.add(other.line, "identities", reason);
            Vec::new()
        }
    }
}

fn read_identities(
    pairs: &[(Node, Node)],
    mistakes: &mut Mistakes,
) -> Vec<(IdentityId, DesiredState)> {
    let mut first_line: HashMap<IdentityId, usize> = HashMap::new();
    let mut entries = Vec::with_capacity(pairs.len());
    for (key, value) in pairs {
        let written = key.text().map_or_else(|| key.describe(), str::to_owned);
        let path = format!("identities.{written}");
        let identity = match IdentityId::new(&written) {
            Ok(identity) => identity,
            Err(e) => {
                let reason = format!("the key must be an identity id: {}", e.reason());
                mistakes.add(key.line, path, reason);
                continue;
            }
        };
        if let Some(first) = first_line.get(&identity) {
            let reason = format!("the identity is listed twice (first on line {first})");
            mistakes.add(key.line, path, reason);
            continue;
        }
        first_line.insert(identity, key.line);
        if let Some(state) = read_state(key.line, value, &path, mistakes) {
            entries.push((identity, state));
        }
    }
    entries
}

/// One identity's value (its key on `line`): `absent`, or its OCI Auth; `None` after a
/// mistake.
fn read_state(
    line: usize,
    value: &Node,
    path: &str,
    mistakes: &mut Mistakes,
) -> Option<DesiredState> {
    match &value.value {
        Value::Scalar { text, plain: true } if text == "absent" => Some(DesiredState::Absent),
        Value::Map(fields) => read_config(line, fields, path, mistakes),
        _ => {
            let found = value.describe();
            let reason = format!("expected an OCI Auth mapping or `absent`, got {found}");
            mistakes.add(value.line, path, reason);
            None
        }
    }
}

/// An identity's fields, each checked alone; then all together.
fn read_config(
    line: usize,
    fields: &[(Node, Node)],
    path: &str,
    mistakes: &mut Mistakes,
) -> Option<DesiredState> {
    let before = mistakes.0.len();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut config = Config::default();
    for (key, value) in fields {
        let name = key.text().unwrap_or_default();
        let at = |field: &str| format!("{path}.{field}");
        if !FIELDS.contains(&name) {
            let reason = format!("unknown field; the fields are {}", list(&FIELDS));
            mistakes.add(key.line, at(&key.describe()), reason);
            continue;
        }
        if let Some(first) = seen.insert(name, key.line) {
            let reason = format!("{name} is listed twice (first on line {first})");
            mistakes.add(key.line, at(name), reason);
            continue;
        }
        if let Err((line, field, reason)) = config.read(name, value) {
            mistakes.add(line, at(&field), reason);
        }
    }
    if !seen.contains_key("tenancyOcid") {
        let reason = "is required: the OCID of the tenancy whose users may log in";
        mistakes.add(line, format!("{path}.tenancyOcid"), reason);
    }
    if mistakes.0.len() > before {
        return None;
    }
    match config.build() {
        Ok(state) => Some(state),
        Err(e) => {
            let field = e.field().to_owned();
            let at = seen.get(field.as_str()).copied().unwrap_or(line);
            mistakes.add(at, format!("{path}.{field}"), e.reason().to_owned());
            None
        }
    }
}

/// "a, b and c".
fn list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// A field's mistake: its line, its path below the identity, and the reason.
type FieldMistake = (usize, String, String);

/// An identity's fields as read, each valid alone.
#[derive(Default)]
struct Config {
    tenancy: Option<TenancyOcid>,
    usernames: Option<String>,
    ips: Option<Vec<TrustedIp>>,
    ttl: Option<AccessTokenTtl>,
    max_ttl: Option<AccessTokenTtl>,
    uses: Option<NumUsesLimit>,
}

impl Config {
    fn read(&mut self, name: &str, value: &Node) -> Result<(), FieldMistake> {
        fn checked<T>(r: Result<T, ValidationError>, at: (usize, &str)) -> Result<T, FieldMistake> {
            r.map_err(|e| (at.0, at.1.to_owned(), e.reason().to_owned()))
        }
        let at = (value.line, name);
        match name {
            "tenancyOcid" => {
                self.tenancy = Some(checked(TenancyOcid::new(text(name, value)?), at)?)
            }
            "allowedUsernames" => self.usernames = usernames(value)?,
            "accessTokenTrustedIps" => self.ips = Some(trusted_ips(value)?),
            "accessTokenTTL" => {
                self.ttl = Some(checked(AccessTokenTtl::new(number(name, value)?), at)?);
            }
            "accessTokenMaxTTL" => {
                self.max_ttl = Some(checked(AccessTokenTtl::new(number(name, value)?), at)?);
            }
            _ => self.uses = Some(checked(NumUsesLimit::new(number(name, value)?), at)?),
        }
        Ok(())
    }

    /// The desired state, with the rules that concern several fields; a max TTL of 0 (no
    /// max, which only an update can store) is kept as such.
    fn build(self) -> Result<DesiredState, ValidationError> {
        let tenancy = self
            .tenancy
            .map(|t| t.as_str().to_owned())
            .unwrap_or_default();
        let no_max_ttl = self.max_ttl.is_some_and(|m| m.get() == 0);
        let mut builder = AttachOciAuth::builder(tenancy);
        if let Some(usernames) = self.usernames {
            builder = builder.allowed_usernames(usernames);
        }
        if let Some(ips) = self.ips {
            builder = builder.access_token_trusted_ips(ips.iter().map(ToString::to_string));
        }
        if let Some(ttl) = self.ttl {
            builder = builder.access_token_ttl(ttl.get().into());
        }
        let max = match self.max_ttl {
            Some(max) if !no_max_ttl => Some(max),
            Some(_) => Some(AccessTokenTtl::MAX),
            None => None,
        };
        if let Some(max) = max {
            builder = builder.access_token_max_ttl(max.get().into());
        }
        if let Some(uses) = self.uses {
            builder = builder.access_token_num_uses_limit(uses.get());
        }
        let desired = DesiredOciAuth::from(builder.build()?);
        Ok(DesiredState::Present(if no_max_ttl {
            desired.without_max_ttl()
        } else {
            desired
        }))
    }
}

/// A field that takes text.
fn text<'a>(name: &str, value: &'a Node) -> Result<&'a str, FieldMistake> {
    match &value.value {
        Value::Scalar { text, .. } if !value.is_null() => Ok(text),
        _ => Err((
            value.line,
            name.to_owned(),
            format!("must be text, got {}", value.describe()),
        )),
    }
}

/// A field that takes a whole number, written without quotes.
fn number(name: &str, value: &Node) -> Result<u64, FieldMistake> {
    let whole = match &value.value {
        Value::Scalar { text, plain: true } => text.replace('_', "").parse::<u64>().ok(),
        _ => None,
    };
    whole.ok_or_else(|| {
        let found = value.describe();
        (
            value.line,
            name.to_owned(),
            format!("must be a whole number of 0 or more, got {found}"),
        )
    })
}

/// `allowedUsernames`: one text of names separated by commas, or a list of names; nothing
/// (`~`) allows any username.
fn usernames(value: &Node) -> Result<Option<String>, FieldMistake> {
    const NAME: &str = "allowedUsernames";
    let list = match &value.value {
        _ if value.is_null() => return Ok(None),
        Value::Scalar { text, .. } => text.clone(),
        Value::List(items) => {
            let mut names = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match item.text() {
                    Some(name) => names.push(name.to_owned()),
                    None => {
                        let reason = format!("must be a username, got {}", item.describe());
                        return Err((item.line, format!("{NAME}[{i}]"), reason));
                    }
                }
            }
            names.join(", ")
        }
        _ => {
            let reason = format!(
                "must be a list of usernames (or one text of names separated by commas), got {}",
                value.describe()
            );
            return Err((value.line, NAME.to_owned(), reason));
        }
    };
    parse_allowed_usernames(&list)
        .map_err(|e| (value.line, NAME.to_owned(), e.reason().to_owned()))?;
    Ok(Some(list))
}

/// `accessTokenTrustedIps`: a list of addresses or ranges, each as text or as
/// `{ipAddress: …}` (the API's form).
fn trusted_ips(value: &Node) -> Result<Vec<TrustedIp>, FieldMistake> {
    const NAME: &str = "accessTokenTrustedIps";
    let Value::List(items) = &value.value else {
        let reason = format!(
            "must be a list of addresses or ranges, got {}",
            value.describe()
        );
        return Err((value.line, NAME.to_owned(), reason));
    };
    if items.is_empty() {
        let reason = "must list at least one address or range (0.0.0.0/0 and ::/0 allow any)";
        return Err((value.line, NAME.to_owned(), reason.to_owned()));
    }
    let mut ips = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let (node, path) = match &item.value {
            Value::Map(pairs) => match pairs.as_slice() {
                [(key, address)] if key.text() == Some("ipAddress") => {
                    (address, format!("{NAME}[{i}].ipAddress"))
                }
                _ => {
                    let reason =
                        "must be an address or range, or a mapping with the one key ipAddress";
                    return Err((item.line, format!("{NAME}[{i}]"), reason.to_owned()));
                }
            },
            _ => (item, format!("{NAME}[{i}]")),
        };
        let Some(address) = node.text() else {
            let reason = format!(
                "must be an address or range such as 10.0.0.0/8, got {}",
                node.describe()
            );
            return Err((node.line, path, reason));
        };
        let ip = TrustedIp::new(address).map_err(|e| (node.line, path, e.reason().to_owned()))?;
        ips.push(ip);
    }
    Ok(ips)
}
