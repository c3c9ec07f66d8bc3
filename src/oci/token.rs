//! The access token an OCI login answers with, and how long the server will accept it.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use secrecy::SecretString;

/// An Infisical access token from OCI login.
///
/// The token is a secret: `Debug` does not show it; read it with
/// [`secrecy::ExposeSecret`] on [`token`](Self::token).
#[derive(Clone)]
pub struct AccessToken {
    token: SecretString,
    expires_in: Duration,
    max_ttl: Duration,
    /// `exp − iat` of the token's JWT payload, when it has both.
    jwt_lifetime: Option<Duration>,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .field("max_ttl", &self.max_ttl)
            .field("lifetime", &self.lifetime())
            .finish()
    }
}

impl AccessToken {
    pub(crate) fn new(token: String, expires_in: Duration, max_ttl: Duration) -> Self {
        let jwt_lifetime = jwt_lifetime(&token);
        Self {
            token: SecretString::from(token),
            expires_in,
            max_ttl,
            jwt_lifetime,
        }
    }

    /// The bearer token.
    pub fn token(&self) -> &SecretString {
        &self.token
    }

    /// How long the token is valid from issue as the server's answer says (`expiresIn`);
    /// zero when it says the token does not expire. See [`lifetime`](Self::lifetime) for
    /// how long the server will actually accept it.
    pub fn expires_in(&self) -> Duration {
        self.expires_in
    }

    /// The longest the token may live with renewals; zero when unlimited.
    pub fn max_ttl(&self) -> Duration {
        self.max_ttl
    }

    /// How long the server accepts the token from issue: the shorter of `expiresIn` and the
    /// JWT's own `exp − iat` (read from its payload, not verified: the server verifies it).
    /// Zero when neither limits it.
    ///
    /// They differ on Infisical servers of 2026: a TTL over 90 days is capped at 7,776,000 s
    /// in the JWT while `expiresIn` still says the configured TTL, and with TTL 0
    /// (`expiresIn: 0`, "never") the JWT lives the max TTL. A token whose payload cannot
    /// be read, or has no `exp`, lives `expiresIn`.
    pub fn lifetime(&self) -> Duration {
        match (self.expires_in, self.jwt_lifetime) {
            (expires_in, None) => expires_in,
            (expires_in, Some(jwt)) if expires_in.is_zero() => jwt,
            (expires_in, Some(jwt)) => expires_in.min(jwt),
        }
    }
}

/// The claims of a JWT payload that say how long it lives.
#[derive(serde::Deserialize)]
struct Claims {
    exp: Option<f64>,
    iat: Option<f64>,
}

/// `exp − iat` of a JWT (`header.payload.signature`, base64url without padding), when the
/// payload is JSON with both as numbers and `exp` is later than `iat`.
fn jwt_lifetime(token: &str) -> Option<Duration> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || payload.len() > 64 * 1024 {
        return None;
    }
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: Claims = serde_json::from_slice(&json).ok()?;
    let (exp, iat) = (claims.exp?, claims.iat?);
    let seconds = exp - iat;
    (seconds.is_finite() && seconds > 0.0 && seconds < 1e12)
        .then(|| Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!(
            "{}.{}.c2ln",
            b64(r#"{"alg":"HS256","typ":"JWT"}"#),
            b64(payload)
        )
    }

    #[test]
    fn the_lifetime_is_the_shorter_of_expires_in_and_the_jwts() {
        let day = 86_400;
        // 2026 server, TTL 315360000: the JWT is capped at 90 days.
        let capped = jwt(&format!(r#"{{"iat":1000,"exp":{}}}"#, 1000 + 90 * day));
        let token = AccessToken::new(capped, Duration::from_secs(315_360_000), Duration::ZERO);
        assert_eq!(token.lifetime(), Duration::from_secs(7_776_000));
        // TTL 0 ("never") with max TTL 5: the JWT lives 5 s.
        let max = jwt(r#"{"iat":1000,"exp":1005,"authMethod":"oci-auth"}"#);
        let token = AccessToken::new(max, Duration::ZERO, Duration::from_secs(5));
        assert_eq!(token.lifetime(), Duration::from_secs(5));
        // The JWT longer than expiresIn: expiresIn.
        let long = jwt(r#"{"iat":1000,"exp":9000}"#);
        let token = AccessToken::new(long, Duration::from_secs(60), Duration::ZERO);
        assert_eq!(token.lifetime(), Duration::from_secs(60));
    }

    #[test]
    fn a_token_that_cannot_be_read_lives_expires_in() {
        for text in [
            "opaque-token".to_owned(),
            "a.b.c".to_owned(),
            "a.!!!.c".to_owned(),
            jwt(r#"{"iat":1000}"#),
            jwt(r#"{"iat":1000,"exp":"soon"}"#),
            jwt(r#"{"iat":1000,"exp":900}"#),
            jwt(r#"[1,2]"#),
            "a.b.c.d".to_owned(),
        ] {
            let token = AccessToken::new(text.clone(), Duration::from_secs(60), Duration::ZERO);
            assert_eq!(token.lifetime(), Duration::from_secs(60), "{text}");
            let never = AccessToken::new(text.clone(), Duration::ZERO, Duration::ZERO);
            assert_eq!(never.lifetime(), Duration::ZERO, "{text}");
        }
    }
}
