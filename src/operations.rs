//! The one table of the API's operations: their upstream operationId, progenitor's method
//! name, HTTP method and path, and whether sending one twice is harmless. Retries, tracing
//! spans, errors and the OCI session all read it.

use http::Method;

/// One operation of the OCI Auth API.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Operation {
    /// The upstream operationId, e.g. `updateOciAuth`: what errors and spans name.
    pub(crate) id: &'static str,
    /// The generated method's name (progenitor's `OperationInfo::operation_id`).
    pub(crate) generated: &'static str,
    /// The HTTP method.
    pub(crate) method: Method,
    /// The path after the base URL; `{identityId}` stands for the identity.
    pub(crate) path: &'static str,
    /// Whether the same request sent twice leaves the server as sending it once does. Where
    /// it does not (attach, revoke, login), a request the server may have acted on is never
    /// sent again.
    pub(crate) idempotent: bool,
    /// Whether the request carries the client's bearer token (all but login).
    pub(crate) authenticated: bool,
}

const IDENTITY_PATH: &str = "/api/v1/auth/oci-auth/identities/{identityId}";

pub(crate) const UPDATE: Operation = Operation {
    id: "updateOciAuth",
    generated: "update_oci_auth",
    method: Method::PATCH,
    path: IDENTITY_PATH,
    idempotent: true,
    authenticated: true,
};
pub(crate) const ATTACH: Operation = Operation {
    id: "attachOciAuth",
    generated: "attach_oci_auth",
    method: Method::POST,
    path: IDENTITY_PATH,
    idempotent: false,
    authenticated: true,
};
pub(crate) const GET: Operation = Operation {
    id: "getOciAuth",
    generated: "get_oci_auth",
    method: Method::GET,
    path: IDENTITY_PATH,
    idempotent: true,
    authenticated: true,
};
pub(crate) const REVOKE: Operation = Operation {
    id: "deleteOciAuth",
    generated: "delete_oci_auth",
    method: Method::DELETE,
    path: IDENTITY_PATH,
    idempotent: false,
    authenticated: true,
};
pub(crate) const LOGIN: Operation = Operation {
    id: "loginWithOciAuth",
    generated: "login_with_oci_auth",
    method: Method::POST,
    path: "/api/v1/auth/oci-auth/login",
    idempotent: false,
    authenticated: false,
};

/// Every operation.
#[cfg(test)]
const ALL: [&Operation; 5] = [&UPDATE, &ATTACH, &GET, &REVOKE, &LOGIN];

impl Operation {
    /// The URL a request of this operation goes to, for error messages.
    pub(crate) fn url(&self, base_url: &str, identity: Option<&str>) -> String {
        let path = match identity {
            Some(id) => self.path.replace("{identityId}", id),
            None => self.path.to_owned(),
        };
        format!("{base_url}{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table names every operation of the spec, with the spec's method and path.
    #[test]
    fn the_table_matches_the_spec() {
        let spec = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/openapi/infisical-oci-auth.yaml"
        ))
        .unwrap();
        for op in ALL {
            assert!(
                spec.contains(&format!("operationId: {}", op.id)),
                "{} is not in the spec",
                op.id
            );
            assert!(spec.contains(op.path), "{}", op.path);
        }
        assert_eq!(spec.matches("operationId:").count(), ALL.len());
    }
}
