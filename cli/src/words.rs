//! The library's errors in the command's words: flags and environment variables, never the
//! library's types or methods.

use infisical_oci_auth::{Error, TransportError};

/// What the operation and its URL were, as a transport error's Display begins.
fn target(e: &TransportError) -> String {
    format!("{}: {} {}", e.operation(), e.method(), e.url())
}

/// `e` as the command says it.
pub(crate) fn say(e: &Error) -> String {
    match e {
        Error::Transport(t) if t.is_untrusted_certificate() => format!(
            "{}: the server's certificate is not trusted (unknown issuer, another host name, \
             or expired): if the server uses a private CA, pass it with --ca-file FILE (or \
             INFISICAL_CA_FILE), or set SSL_CERT_FILE",
            target(t)
        ),
        Error::Transport(t) if t.is_client_certificate_required() => format!(
            "{}: the server requires a client certificate: pass --client-cert FILE (and \
             --client-key FILE unless the key is in that file), or set INFISICAL_CLIENT_CERT \
             and INFISICAL_CLIENT_KEY",
            target(t)
        ),
        other => other.to_string(),
    }
}

/// When `e` is the server refusing the command's credential (a 401, or a 403 `TokenError`,
/// or a refused OCI login): the one message that says so and what to check.
pub(crate) fn refused_credential(e: &Error) -> Option<String> {
    let api = e.as_api().filter(|_| e.is_token_refused())?;
    let answer = format!(
        "{} {}: {}",
        api.status().as_u16(),
        api.error(),
        api.message()
    );
    if api.operation() == "loginWithOciAuth" {
        let reason = api
            .reason_code()
            .map_or_else(String::new, |code| format!(" (reason: {code})"));
        return Some(format!(
            "Infisical refused the OCI login as INFISICAL_OCI_IDENTITY_ID ({answer}){reason}: \
             check that the identity has OCI Auth for your tenancy, that your OCI user's name \
             is in its allowed usernames, and that OCI_CLI_CONFIG_FILE and OCI_CLI_PROFILE \
             name the right key"
        ));
    }
    let which = if std::env::var_os("INFISICAL_TOKEN").is_some_and(|v| !v.is_empty()) {
        "INFISICAL_TOKEN: check that it is a machine identity's access token for this \
         server (INFISICAL_API_URL), not expired, not revoked, and with uses left"
    } else {
        "the token of the OCI login as INFISICAL_OCI_IDENTITY_ID: check that its use limit \
         and lifetime allow a run of this size"
    };
    Some(format!(
        "Infisical refused the credential ({answer}); {which}"
    ))
}
