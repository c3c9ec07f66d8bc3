//! The OCI CLI config file: INI with `[DEFAULT]` inherited by named profiles.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{OciCredentials, PrivateKey};
use crate::error::Error;

pub(super) const DEFAULT_PROFILE: &str = "DEFAULT";

pub(super) fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Expands a leading `~` to the home directory.
pub(crate) fn expand_home(path: &str) -> Result<PathBuf, Error> {
    match path.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => {
            let home = env("HOME").ok_or_else(|| Error::Credentials {
                location: path.to_owned(),
                reason: "cannot expand ~: HOME is not set".into(),
            })?;
            Ok(PathBuf::from(home).join(rest.trim_start_matches('/')))
        }
        _ => Ok(PathBuf::from(path)),
    }
}

type Sections = HashMap<String, HashMap<String, String>>;

/// Parses INI text: `[section]`, `key = value`, `#`/`;` comments.
fn parse(text: &str, file: &str) -> Result<Sections, Error> {
    let mut sections: Sections = HashMap::new();
    let mut current: Option<String> = None;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim().to_owned();
            sections.entry(name.clone()).or_default();
            current = Some(name);
            continue;
        }
        let bad = |reason: &str| Error::Credentials {
            location: format!("{file}:{}", n + 1),
            reason: reason.into(),
        };
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| bad("expected `key = value` or `[profile]`"))?;
        let section = current
            .as_ref()
            .ok_or_else(|| bad("an entry before any [profile] line"))?;
        sections
            .entry(section.clone())
            .or_default()
            .insert(key.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    Ok(sections)
}

/// Parses config text and looks up the `DEFAULT` profile's entries, as loading does.
#[cfg(feature = "fuzzing")]
pub(crate) fn parse_text(text: &str) -> Result<usize, Error> {
    let sections = parse(text, "<fuzz>")?;
    let default = sections.get(DEFAULT_PROFILE);
    Ok([
        "user",
        "fingerprint",
        "key_file",
        "tenancy",
        "region",
        "pass_phrase",
    ]
    .iter()
    .filter(|k| default.is_some_and(|d| d.contains_key(**k)))
    .count())
}

/// Reads the key at `key_file` (`~` expanded, relative to the config file's folder),
/// decrypting it with `passphrase`; and where it was read.
fn read_key(
    config: &Path,
    key_file: &str,
    passphrase: Option<&str>,
    profile: &str,
) -> Result<(PrivateKey, PathBuf), Error> {
    let mut key_path = expand_home(key_file)?;
    if key_path.is_relative() {
        key_path = config.parent().unwrap_or(Path::new(".")).join(key_path);
    }
    let key_location = format!(
        "{} (key_file of [{profile}] in {})",
        key_path.display(),
        config.display()
    );
    let pem = zeroize::Zeroizing::new(std::fs::read_to_string(&key_path).map_err(|e| {
        Error::Credentials {
            location: key_location.clone(),
            reason: format!("cannot read the key file: {e}"),
        }
    })?);
    let key = PrivateKey::parse(&pem, passphrase).map_err(|reason| Error::Credentials {
        location: key_location,
        reason,
    })?;
    Ok((key, key_path))
}

pub(super) fn load(path: &Path, profile: &str) -> Result<OciCredentials, Error> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| Error::Credentials {
        location: file.clone(),
        reason: format!("cannot read the OCI config file: {e}"),
    })?;
    let sections = parse(&text, &file)?;
    let Some(own) = sections.get(profile) else {
        let mut known: Vec<_> = sections.keys().cloned().collect();
        known.sort();
        return Err(Error::Credentials {
            location: file,
            reason: format!("no profile [{profile}] (profiles: {})", known.join(", ")),
        });
    };
    let inherited = sections.get(DEFAULT_PROFILE);
    let get = |key: &str| {
        own.get(key)
            .or_else(|| inherited.and_then(|d| d.get(key)))
            .filter(|v| !v.is_empty())
    };
    let where_ = |key: &str| format!("{file} [{profile}] {key}");
    let need = |key: &str| {
        get(key).ok_or_else(|| Error::Credentials {
            location: where_(key),
            reason: "missing; the OCI config needs user, fingerprint, key_file, tenancy and region"
                .into(),
        })
    };
    let (user, tenancy, region, key_file) = (
        need("user")?,
        need("tenancy")?,
        need("region")?,
        need("key_file")?,
    );
    let fingerprint = need("fingerprint")?;
    let passphrase = get("pass_phrase").map(|p| zeroize::Zeroizing::new(p.clone()));

    let (key, key_path) = read_key(
        path,
        key_file,
        passphrase.as_deref().map(String::as_str),
        profile,
    )?;
    if !key.fingerprint().eq_ignore_ascii_case(fingerprint.trim()) {
        return Err(Error::Credentials {
            location: where_("fingerprint"),
            reason: format!(
                "{} does not match the key in {} (its fingerprint is {})",
                fingerprint.trim(),
                key_path.display(),
                key.fingerprint()
            ),
        });
    }
    OciCredentials::new(tenancy, user, region, key)
}
