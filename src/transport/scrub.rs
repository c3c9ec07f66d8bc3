//! The client's tokens taken out of whatever a server wrote.

use secrecy::ExposeSecret;

use crate::auth::Auth;

/// What a secret in the server's text becomes.
const REDACTED: &str = "<redacted>";

/// Replaces the client's tokens in text a server wrote.
pub(crate) struct Scrubber(Vec<String>);

impl Scrubber {
    /// The tokens `auth` sends or sent lately.
    pub(crate) fn of(auth: &Auth) -> Self {
        let tokens = auth.recent_tokens();
        Self(
            tokens
                .iter()
                .map(|t| t.expose_secret().trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect(),
        )
    }

    /// A scrubber with nothing to scrub.
    #[cfg(feature = "fuzzing")]
    pub(crate) fn none() -> Self {
        Self(Vec::new())
    }

    /// `text` with every token replaced by `<redacted>`.
    pub(crate) fn clean(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for secret in &self.0 {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), REDACTED);
            }
        }
        text
    }

    /// The length of the longest secret, in characters.
    pub(crate) fn longest(&self) -> usize {
        self.0.iter().map(|s| s.chars().count()).max().unwrap_or(0)
    }
}

#[cfg(test)]
impl Scrubber {
    pub(crate) fn of_tokens(tokens: &[&str]) -> Self {
        Self(tokens.iter().map(|t| (*t).to_owned()).collect())
    }
}
