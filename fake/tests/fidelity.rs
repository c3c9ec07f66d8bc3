//! `FakeInfisical` answers as the real server does where the crate's FACTS.md and the
//! pinned upstream say it differs from a naive fake:
//! the Authorization header, token states, roles, paths, bodies, database errors, numbers,
//! attach's refine, and the form of answers. Requests are written byte for byte over TCP,
//! so that nothing between the test and the fake adds or drops a header.

use std::time::Duration;

use infisical_oci_auth::{AttachOciAuth, IdentityId};
use infisical_oci_auth_fake::{FakeInfisical, Release, Role, TokenOptions};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TENANCY: &str = "ocid1.tenancy.oc1..aaaa";

struct Answer {
    status: u16,
    /// The body as sent, to check key order.
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    /// The top-level keys, in the order sent.
    fn keys(&self) -> Vec<String> {
        Ordered::parse(&self.text).keys()
    }

    fn error(&self) -> (u16, String, String) {
        let v = self.json();
        (
            self.status,
            v["error"].as_str().unwrap_or_default().to_owned(),
            v["message"].as_str().unwrap_or_default().to_owned(),
        )
    }
}

/// JSON with its objects' keys in the order written (serde_json's map may sort them).
#[derive(Debug, Default)]
enum Ordered {
    Object(Vec<(String, Ordered)>),
    Array(Vec<Ordered>),
    #[default]
    Scalar,
}

impl Ordered {
    fn parse(text: &str) -> Self {
        serde_json::from_str(text).unwrap()
    }

    fn keys(&self) -> Vec<String> {
        match self {
            Ordered::Object(entries) => entries.iter().map(|(k, _)| k.clone()).collect(),
            _ => Vec::new(),
        }
    }

    fn get(&self, key: &str) -> &Ordered {
        match self {
            Ordered::Object(entries) => &entries.iter().find(|(k, _)| k == key).unwrap().1,
            _ => panic!("not an object"),
        }
    }

    fn item(&self, at: usize) -> &Ordered {
        match self {
            Ordered::Array(items) => &items[at],
            _ => panic!("not an array"),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Ordered, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Ordered>()? {
                    entries.push((k, v));
                }
                Ok(Ordered::Object(entries))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Ordered, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Ordered::Array(items))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_str<E>(self, _: &str) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_unit<E>(self) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// Sends `head` (request line and headers, without the final blank line) and `body` as
/// they are, and reads the answer to the end.
async fn send(fake: &FakeInfisical, head: &str, body: &[u8]) -> Answer {
    let addr = fake.base_url().trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut request =
        format!("{head}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").into_bytes();
    request.extend_from_slice(body);
    stream.write_all(&request).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    Answer {
        status,
        text: if chunked {
            dechunk(body)
        } else {
            body.to_owned()
        },
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

/// A request with a JSON body and the admin token.
async fn json_request(fake: &FakeInfisical, method: &str, path: &str, body: &str) -> Answer {
    let head = format!(
        "{method} {path} HTTP/1.1\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}",
        fake.admin_token(),
        body.len()
    );
    send(fake, &head, body.as_bytes()).await
}

fn path_of(identity: &IdentityId) -> String {
    format!("/api/v1/auth/oci-auth/identities/{identity}")
}

async fn attached(fake: &FakeInfisical) -> IdentityId {
    let identity = fake.create_identity();
    fake.client_builder()
        .build()
        .unwrap()
        .attach_oci_auth(&identity, &AttachOciAuth::builder(TENANCY).build().unwrap())
        .await
        .unwrap();
    identity
}

async fn get_with(fake: &FakeInfisical, identity: &IdentityId, authorization: &str) -> Answer {
    let head = format!(
        "GET {} HTTP/1.1\r\nAuthorization: {authorization}",
        path_of(identity)
    );
    send(fake, &head, b"").await
}

// --- Authorization (upstream inject-identity.ts: `authHeader.slice(7)`) ---

#[tokio::test]
async fn the_scheme_word_is_not_read_only_skipped() {
    let fake = FakeInfisical::start().await.unwrap();
    let identity = attached(&fake).await;
    let token = fake.admin_token().to_owned();
    for scheme in ["Bearer", "bearer", "BEARER", "Token!"] {
        let answer = get_with(&fake, &identity, &format!("{scheme} {token}")).await;
        assert_eq!(answer.status, 200, "{scheme}: {}", answer.text);
    }
}

#[tokio::test]
async fn an_empty_token_is_jwt_must_be_provided_and_no_header_is_token_missing() {
    let fake = FakeInfisical::start().await.unwrap();
    let identity = attached(&fake).await;
    for value in ["Bearer ", "Bearer"] {
        assert_eq!(
            get_with(&fake, &identity, value).await.error(),
            (403, "TokenError".into(), "jwt must be provided".into()),
            "{value:?}"
        );
    }
    let head = format!("GET {} HTTP/1.1", path_of(&identity));
    assert_eq!(
        send(&fake, &head, b"").await.error(),
        (401, "UnauthorizedError".into(), "Token missing".into())
    );
    let head = format!("GET {} HTTP/1.1\r\nAuthorization: ", path_of(&identity));
    assert_eq!(send(&fake, &head, b"").await.status, 401);
}

#[tokio::test]
async fn a_service_token_is_looked_up_by_its_id() {
    let fake = FakeInfisical::start().await.unwrap();
    let identity = attached(&fake).await;
    assert_eq!(
        get_with(&fake, &identity, "Bearer st.abc123.secret.more")
            .await
            .error(),
        (
            404,
            "NotFound".into(),
            "Service token with ID 'abc123' not found".into()
        )
    );
}

#[tokio::test]
async fn a_refused_token_is_refused_on_login_too() {
    let fake = FakeInfisical::start().await.unwrap();
    let head = "POST /api/v1/auth/oci-auth/login HTTP/1.1\r\nAuthorization: Bearer nonsense\r\nContent-Type: application/json\r\nContent-Length: 2";
    assert_eq!(send(&fake, head, b"{}").await.error().0, 403);
}

#[tokio::test(start_paused = true)]
async fn tokens_expire_with_403_and_spend_their_uses_with_401() {
    let fake = FakeInfisical::start().await.unwrap();
    let identity = attached(&fake).await;
    let expiring = fake.identity_token_with(
        &identity,
        TokenOptions::new().expires_in(Duration::from_secs(60)),
    );
    let bearer = format!("Bearer {expiring}");
    assert_eq!(get_with(&fake, &identity, &bearer).await.status, 200);
    tokio::time::advance(Duration::from_secs(61)).await;
    assert_eq!(
        get_with(&fake, &identity, &bearer).await.error(),
        (
            403,
            "TokenError".into(),
            "Your token has expired. Please re-authenticate.".into()
        )
    );

    let limited = fake.identity_token_with(&identity, TokenOptions::new().uses_limit(2));
    let bearer = format!("Bearer {limited}");
    assert_eq!(get_with(&fake, &identity, &bearer).await.status, 200);
    assert_eq!(get_with(&fake, &identity, &bearer).await.status, 200);
    assert_eq!(
        get_with(&fake, &identity, &bearer).await.error(),
        (
            401,
            "UnauthorizedError".into(),
            "Unable to renew because access token number of uses limit reached".into()
        )
    );
    // A spent token is revoked: the 2026 server says so (FACTS.md "The 2026 server"), the
    // 2025 one finds no token.
    assert_eq!(
        get_with(&fake, &identity, &bearer).await.error().2,
        "Failed to authorize: token has been revoked"
    );
    fake.set_release(Release::V2025_06_22);
    assert_eq!(
        get_with(&fake, &identity, &bearer).await.error().2,
        "No identity access token found"
    );
}

// --- Roles (upstream identity-oci-auth-service.ts; transcripts 66-70) ---

#[tokio::test]
async fn each_role_may_do_what_infisicals_built_in_role_may() {
    let fake = FakeInfisical::start().await.unwrap();
    let target = attached(&fake).await;
    let fresh = fake.create_identity();
    let patch = format!(r#"{{"tenancyOcid":"{TENANCY}"}}"#);
    let with = |role: Role| {
        let actor = fake.create_identity_with_role(role);
        format!("Bearer {}", fake.identity_token(&actor))
    };
    let call = async |bearer: &str, method: &str, identity: &IdentityId, body: &str| {
        let head = format!(
            "{method} {} HTTP/1.1\r\nAuthorization: {bearer}\r\nContent-Type: application/json\r\nContent-Length: {}",
            path_of(identity),
            body.len()
        );
        send(&fake, &head, body.as_bytes()).await
    };

    let no_access = with(Role::NoAccess);
    for (method, identity, body, action) in [
        ("GET", &target, "", "read"),
        ("PATCH", &target, patch.as_str(), "edit"),
        ("DELETE", &target, "{}", "edit"),
        ("POST", &fresh, patch.as_str(), "create"),
    ] {
        let answer = call(&no_access, method, identity, body).await;
        assert_eq!(
            answer.error(),
            (
                403,
                "PermissionDenied".into(),
                format!("You are not allowed to {action} on identity")
            ),
            "{method}"
        );
        assert_eq!(answer.json()["details"], json!([]));
    }

    let member = with(Role::Member);
    assert_eq!(call(&member, "GET", &target, "").await.status, 200);
    assert_eq!(call(&member, "PATCH", &target, &patch).await.status, 200);
    let denied = call(&member, "DELETE", &target, "{}").await;
    assert_eq!(denied.error().1, "PermissionBoundaryError");
    assert_eq!(
        denied.json()["details"],
        json!({"missingPermissions": [{"action": "revoke-auth", "subject": "identity"}]})
    );

    let admin = with(Role::Admin);
    assert_eq!(call(&admin, "DELETE", &target, "{}").await.status, 200);

    // A role change applies to the identity's existing tokens.
    let actor = fake.create_identity_with_role(Role::Admin);
    let bearer = format!("Bearer {}", fake.identity_token(&actor));
    let other = attached(&fake).await;
    assert_eq!(call(&bearer, "GET", &other, "").await.status, 200);
    assert!(fake.set_role(&actor, Role::NoAccess));
    assert_eq!(call(&bearer, "GET", &other, "").await.status, 403);
}

// --- Paths (fastify ignoreTrailingSlash, the route schemas, fastify's 404) ---

#[tokio::test]
async fn a_trailing_slash_is_accepted_and_only_post_trims_the_id() {
    let fake = FakeInfisical::start().await.unwrap();
    let identity = attached(&fake).await;
    let slash = format!(
        "GET {}/ HTTP/1.1\r\nAuthorization: Bearer {}",
        path_of(&identity),
        fake.admin_token()
    );
    assert_eq!(send(&fake, &slash, b"").await.status, 200);

    let fresh = fake.create_identity();
    let body = format!(r#"{{"tenancyOcid":"{TENANCY}"}}"#);
    let padded = format!("/api/v1/auth/oci-auth/identities/%20{fresh}%20");
    assert_eq!(
        json_request(&fake, "POST", &padded, &body).await.status,
        200
    );
    // Postgres refuses the padded id in the first identity query: its name changed in 2026.
    let answer = json_request(&fake, "PATCH", &padded, &body).await;
    assert_eq!(
        answer.error(),
        (
            500,
            "MembershipGetByIdentityId".into(),
            "Something went wrong".into()
        )
    );
    fake.set_release(Release::V2025_06_22);
    let answer = json_request(&fake, "PATCH", &padded, &body).await;
    assert_eq!(
        answer.error(),
        (500, "FindOne".into(), "Something went wrong".into())
    );
    fake.set_release(Release::default());

    // The not-found message names the id as it was sent.
    let unknown = "6511E966-169D-4653-A191-C559FE230086";
    let answer = json_request(
        &fake,
        "GET",
        &format!("/api/v1/auth/oci-auth/identities/{unknown}"),
        "",
    )
    .await;
    assert_eq!(
        answer.error().2,
        format!("Failed to find identity with ID {unknown}")
    );
}

#[tokio::test]
async fn an_unknown_route_is_fastifys_own_404() {
    let fake = FakeInfisical::start().await.unwrap();
    let identity = fake.create_identity();
    for (method, path) in [
        ("GET", "/api/v1/auth/oci-auth/identities".to_owned()),
        ("PUT", path_of(&identity)),
        ("GET", "/api/v1/auth/oci-auth/login?x=1".to_owned()),
    ] {
        let answer = send(&fake, &format!("{method} {path} HTTP/1.1"), b"").await;
        assert_eq!(answer.status, 404, "{method} {path}");
        assert_eq!(answer.keys(), ["message", "error", "statusCode"]);
        assert_eq!(
            answer.json()["message"],
            format!("Route {method}:{path} not found")
        );
    }
}

// --- Bodies (fastify 4 handleRequest + contentTypeParser, secure-json-parse) ---

async fn patch_raw(
    fake: &FakeInfisical,
    identity: &IdentityId,
    headers: &str,
    body: &[u8],
) -> Answer {
    let head = format!(
        "PATCH {} HTTP/1.1\r\nAuthorization: Bearer {}{headers}",
        path_of(identity),
        fake.admin_token()
    );
    send(fake, &head, body).await
}

#[tokio::test]
async fn bodies_parse_as_fastify_and_secure_json_parse_parse_them() {
    let fake = FakeInfisical::start().await.unwrap();
    let identity = attached(&fake).await;
    let valid = format!(r#"{{"tenancyOcid":"{TENANCY}"}}"#);
    let framed =
        |ct: &str, body: &[u8]| format!("\r\nContent-Type: {ct}\r\nContent-Length: {}", body.len());
    let ok = |a: &Answer| a.status == 200;
    let internal = (
        500,
        "InternalServerError".into(),
        "Something went wrong".into(),
    );

    // A UTF-8 BOM is dropped; the media type is compared without case or parameters.
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(valid.as_bytes());
    assert!(ok(&patch_raw(
        &fake,
        &identity,
        &framed("application/json", &bom),
        &bom
    )
    .await));
    let v = valid.as_bytes();
    assert!(ok(&patch_raw(
        &fake,
        &identity,
        &framed("Application/JSON; charset=utf-8", v),
        v
    )
    .await));
    // Other +json types have no parser.
    assert_eq!(
        patch_raw(
            &fake,
            &identity,
            &framed("application/merge-patch+json", v),
            v
        )
        .await
        .error(),
        internal
    );
    // Plain text is a string to the schema.
    let text = patch_raw(&fake, &identity, &framed("text/plain", v), v).await;
    assert_eq!(text.status, 422);
    assert_eq!(
        text.json()["message"][0]["message"],
        "Expected object, received string"
    );
    // A body without a content type: no parser for "".
    let no_type = format!("\r\nContent-Length: {}", v.len());
    assert_eq!(
        patch_raw(&fake, &identity, &no_type, v).await.error(),
        internal
    );
    // No body and no content type: fastify's validation hands the schema null, in both
    // releases.
    for release in [Release::V2025_06_22, Release::V2026_06_30] {
        fake.set_release(release);
        let nothing = patch_raw(&fake, &identity, "", b"").await;
        assert_eq!(nothing.status, 422, "{release:?}");
        let issue = &nothing.json()["message"][0];
        assert_eq!(
            issue["message"], "Expected object, received null",
            "{release:?}"
        );
        assert_eq!(issue["received"], "null", "{release:?}");
        assert_eq!(issue["path"], json!([]), "{release:?}");
    }
    // SCIM's JSON type has a parser of Infisical's own: parsed, and answered normally.
    let scim = patch_raw(&fake, &identity, &framed("application/scim+json", v), v).await;
    assert!(ok(&scim), "{}", scim.text);
    assert_eq!(
        scim.json()["identityOciAuth"]["tenancyOcid"],
        json!(TENANCY)
    );
    let broken = b"{not json";
    assert_eq!(
        patch_raw(
            &fake,
            &identity,
            &framed("application/scim+json", broken),
            broken
        )
        .await
        .error(),
        internal
    );
    // An empty JSON body is fastify's error.
    assert_eq!(
        patch_raw(&fake, &identity, &framed("application/json", b""), b"")
            .await
            .error(),
        internal
    );
    // Prototype keys are refused; a harmless `constructor` is not.
    for body in [
        format!(r#"{{"tenancyOcid":"{TENANCY}","__proto__":{{"x":1}}}}"#),
        format!(r#"{{"tenancyOcid":"{TENANCY}","a":[{{"constructor":{{"prototype":{{}}}}}}]}}"#),
        format!(r#"{{"tenancyOcid":"{TENANCY}","constructor":null}}"#),
    ] {
        let b = body.as_bytes();
        assert_eq!(
            patch_raw(&fake, &identity, &framed("application/json", b), b)
                .await
                .error(),
            internal,
            "{body}"
        );
    }
    let harmless = format!(r#"{{"tenancyOcid":"{TENANCY}","constructor":"x"}}"#);
    let b = harmless.as_bytes();
    assert!(ok(&patch_raw(
        &fake,
        &identity,
        &framed("application/json", b),
        b
    )
    .await));
}

#[tokio::test]
async fn the_body_limit_is_one_mebibyte() {
    let fake = FakeInfisical::start().await.unwrap();
    let identity = attached(&fake).await;
    let valid = format!(r#"{{"tenancyOcid":"{TENANCY}"}}"#);
    let padded = |total: usize| {
        let mut body = valid.clone().into_bytes();
        body.resize(total, b' ');
        body
    };
    for (size, status) in [(1024 * 1024, 200), (1024 * 1024 + 1, 500)] {
        let body = padded(size);
        let headers = format!("\r\nContent-Type: application/json\r\nContent-Length: {size}");
        assert_eq!(
            patch_raw(&fake, &identity, &headers, &body).await.status,
            status,
            "{size}"
        );
    }
}

#[tokio::test]
async fn a_delete_body_is_parsed_only_with_a_content_type() {
    let fake = FakeInfisical::start().await.unwrap();
    let identity = attached(&fake).await;
    let delete = |headers: &str| {
        format!(
            "DELETE {} HTTP/1.1\r\nAuthorization: Bearer {}{headers}",
            path_of(&identity),
            fake.admin_token()
        )
    };
    // A content type with an empty framed body: the JSON parser's empty-body error.
    let answer = send(
        &fake,
        &delete("\r\nContent-Type: application/json\r\nContent-Length: 0"),
        b"",
    )
    .await;
    assert_eq!(answer.error().1, "InternalServerError");
    // Without a content type, whatever the body is, it is not read.
    let answer = send(&fake, &delete("\r\nContent-Length: 3"), b"{{{").await;
    assert_eq!(answer.status, 200, "{}", answer.text);
}

// --- Database errors, numbers, attach's refine ---

#[tokio::test]
async fn database_errors_carry_the_querys_name() {
    let fake = FakeInfisical::start().await.unwrap();
    let identity = fake.create_identity();
    let long = format!("ocid1.tenancy.oc1..{}", "a".repeat(240));
    let body = format!(r#"{{"tenancyOcid":"{long}"}}"#);
    assert_eq!(
        json_request(&fake, "POST", &path_of(&identity), &body)
            .await
            .error(),
        (500, "Create".into(), "Something went wrong".into())
    );
}

#[tokio::test]
async fn integers_beyond_2_pow_53_are_rounded_as_javascript_rounds_them() {
    let fake = FakeInfisical::start().await.unwrap();
    let identity = attached(&fake).await;
    let body =
        format!(r#"{{"tenancyOcid":"{TENANCY}","accessTokenNumUsesLimit":9007199254740993}}"#);
    let answer = json_request(&fake, "PATCH", &path_of(&identity), &body).await;
    assert_eq!(
        answer.json()["identityOciAuth"]["accessTokenNumUsesLimit"],
        json!(9_007_199_254_740_992u64)
    );
    // Beyond the database's bigint: the failing query's 500, in both releases.
    let fresh = fake.create_identity();
    for release in [Release::V2025_06_22, Release::V2026_06_30] {
        fake.set_release(release);
        for limit in ["1e19", "9223372036854775808", "99999999999999999999"] {
            let body =
                format!(r#"{{"tenancyOcid":"{TENANCY}","accessTokenNumUsesLimit":{limit}}}"#);
            let something = |op: &str| (500, op.to_owned(), "Something went wrong".to_owned());
            assert_eq!(
                json_request(&fake, "PATCH", &path_of(&identity), &body)
                    .await
                    .error(),
                something("Update by id"),
                "{release:?} {limit}"
            );
            assert_eq!(
                json_request(&fake, "POST", &path_of(&fresh), &body)
                    .await
                    .error(),
                something("Create"),
                "{release:?} {limit}"
            );
        }
    }
}

#[tokio::test]
async fn attachs_refine_compares_the_values_as_given() {
    let fake = FakeInfisical::start().await.unwrap();
    let issues = async |extra: &str| {
        let identity = fake.create_identity();
        let body = format!(r#"{{"tenancyOcid":"{TENANCY}",{extra}}}"#);
        let answer = json_request(&fake, "POST", &path_of(&identity), &body).await;
        assert_eq!(answer.status, 422, "{extra}: {}", answer.text);
        answer.json()["message"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["message"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let refine = "Access Token TTL cannot be greater than Access Token Max TTL.";
    // An invalid TTL is compared as it is (-1 ≤ 100), not replaced by the default.
    assert_eq!(
        issues(r#""accessTokenTTL":-1,"accessTokenMaxTTL":100"#).await,
        ["Number must be greater than or equal to 0"]
    );
    // An absent TTL takes its default (2592000 > 100).
    assert_eq!(issues(r#""accessTokenMaxTTL":100"#).await, [refine]);
    // An invalid max TTL is compared too (2592000 > -5).
    assert_eq!(
        issues(r#""accessTokenMaxTTL":-5"#).await,
        ["Number must be greater than or equal to 1", refine]
    );
    // A wrong type stops the refine.
    assert_eq!(
        issues(r#""accessTokenTTL":"x","accessTokenMaxTTL":1"#).await,
        ["Expected number, received string"]
    );
}

// --- Answers: the server's key order, millisecond timestamps ---

#[tokio::test]
async fn answers_have_the_servers_key_order_and_millisecond_timestamps() {
    let fake = FakeInfisical::start().await.unwrap();
    let identity = attached(&fake).await;
    let answer = get_with(&fake, &identity, &format!("Bearer {}", fake.admin_token())).await;
    let ordered = Ordered::parse(&answer.text);
    let config = answer.json()["identityOciAuth"].clone();
    // Transcript 01.
    assert_eq!(
        ordered.get("identityOciAuth").keys(),
        [
            "id",
            "accessTokenTTL",
            "accessTokenMaxTTL",
            "accessTokenNumUsesLimit",
            "accessTokenTrustedIps",
            "createdAt",
            "updatedAt",
            "identityId",
            "type",
            "tenancyOcid",
            "allowedUsernames",
            "accessTokenPeriod"
        ]
    );
    assert_eq!(
        ordered
            .get("identityOciAuth")
            .get("accessTokenTrustedIps")
            .item(0)
            .keys(),
        ["type", "prefix", "ipAddress"]
    );
    for key in ["createdAt", "updatedAt"] {
        let t = config[key].as_str().unwrap();
        assert_eq!(t.len(), "2026-11-27T00:52:28.855Z".len(), "{t}");
        assert_eq!(&t[19..20], ".", "{t}");
        assert!(t.ends_with('Z'), "{t}");
    }

    let missing = json_request(&fake, "GET", &path_of(&fake.create_identity()), "").await;
    assert_eq!(missing.keys(), ["reqId", "statusCode", "message", "error"]);
}
