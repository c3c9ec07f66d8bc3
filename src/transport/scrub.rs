//! The client's tokens taken out of whatever a server wrote.

use secrecy::ExposeSecret;

use crate::auth::Auth;

/// What a secret in the server's text becomes.
const REDACTED: &str = "<redacted>";
/// A token shorter than this could be part of an ordinary word: it is replaced only where
/// it stands alone (not next to a letter, digit, `-`, `_` or `.`). Longer ones wherever
/// they occur.
const SHORT_TOKEN_CHARS: usize = 16;

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

    /// `text` (something a server wrote) with every token replaced by `<redacted>`; a
    /// short token only where it stands alone, so that it is not cut out of words.
    pub(crate) fn clean(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for secret in &self.0 {
            if !text.contains(secret.as_str()) {
                continue;
            }
            text = if secret.chars().count() >= SHORT_TOKEN_CHARS {
                text.replace(secret.as_str(), REDACTED)
            } else {
                replace_standing_alone(&text, secret)
            };
        }
        text
    }

    /// The length of the longest secret, in characters.
    pub(crate) fn longest(&self) -> usize {
        self.0.iter().map(|s| s.chars().count()).max().unwrap_or(0)
    }
}

/// `text` with each occurrence of `secret` that is not part of a longer word replaced.
fn replace_standing_alone(text: &str, secret: &str) -> String {
    let in_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || "-_.".contains(c));
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(secret) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + secret.len()..].chars().next();
        out.push_str(&rest[..at]);
        if in_word(before) || in_word(after) {
            out.push_str(secret);
        } else {
            out.push_str(REDACTED);
        }
        rest = &rest[at + secret.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
impl Scrubber {
    pub(crate) fn of_tokens(tokens: &[&str]) -> Self {
        Self(tokens.iter().map(|t| (*t).to_owned()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_token_is_scrubbed_where_it_stands_alone_not_out_of_words() {
        let scrubber = Scrubber::of_tokens(&["x"]);
        assert_eq!(
            scrubber.clean("expected value at line 1 column 1"),
            "expected value at line 1 column 1"
        );
        assert_eq!(
            scrubber.clean("token \"x\" refused: x"),
            "token \"<redacted>\" refused: <redacted>"
        );
        let long = Scrubber::of_tokens(&["0123456789abcdef"]);
        assert_eq!(long.clean("id0123456789abcdefz"), "id<redacted>z");
    }
}
