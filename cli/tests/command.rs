//! The `infisical-oci-auth` command as a CI job runs it: arguments, help, exit codes,
//! stable output in every format, `export`, file errors, and a private CA.

mod common;

use common::{Scratch, run, stderr, stdout};

use infisical_oci_auth::{AttachOciAuth, IdentityId};
use infisical_oci_auth_fake::FakeInfisical;

const TENANCY: &str = "ocid1.tenancy.oc1..aaaa";

#[tokio::test]
async fn help_and_version_go_to_stdout_with_exit_0_and_usage_errors_exit_1() {
    for args in [
        &["--help"][..],
        &["-h"],
        &["help"],
        &["plan", "--help"],
        &["apply", "-h"],
        &["export", "--help"],
        &["help", "plan"],
    ] {
        let o = run(None, args, &[]).await;
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).contains("Usage: infisical-oci-auth"), "{args:?}");
        for var in [
            "INFISICAL_API_URL",
            "INFISICAL_TOKEN",
            "INFISICAL_OCI_IDENTITY_ID",
            "OCI_CLI_CONFIG_FILE",
            "OCI_CLI_PROFILE",
            "INFISICAL_CA_FILE",
            "SSL_CERT_FILE",
            "HTTPS_PROXY",
            "NO_PROXY",
        ] {
            assert!(stdout(&o).contains(var), "{args:?} lists {var}");
        }
    }
    let o = run(None, &["--version"], &[]).await;
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o).trim(),
        format!("infisical-oci-auth {}", env!("CARGO_PKG_VERSION"))
    );
    for args in [
        &["destroy", "f.yaml"][..],
        &["plan"],
        &["plan", "f.yaml", "--yes"],
        &["plan", "f.yaml", "--concurrency", "0"],
        &["plan", "f.yaml", "--format", "xml"],
        &["export"],
        &["export", "not-an-id"],
        &[],
    ] {
        let o = run(None, args, &[]).await;
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(stdout(&o).is_empty(), "{args:?}: usage errors go to stderr");
        assert!(!stderr(&o).is_empty(), "{args:?}");
    }
}

/// A fake with `n` identities, every third attached with the file's configuration, and the
/// file that wants them all attached, as written (one text).
async fn fleet(n: usize) -> (FakeInfisical, Vec<IdentityId>, String) {
    let fake = FakeInfisical::start().await.unwrap();
    let admin = fake.client_builder().build().unwrap();
    let desired = AttachOciAuth::builder(TENANCY)
        .allowed_usernames("alice")
        .build()
        .unwrap();
    let mut text = String::from("identities:\n");
    let mut ids = Vec::new();
    for i in 0..n {
        let id = fake.create_identity();
        if i % 3 == 0 {
            admin.attach_oci_auth(&id, &desired).await.unwrap();
        }
        text.push_str(&format!(
            "  {id}:\n    tenancyOcid: {TENANCY}\n    allowedUsernames: alice\n"
        ));
        ids.push(id);
    }
    (fake, ids, text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_list_identities_in_file_order_in_every_format_and_run() {
    let (fake, ids, text) = fleet(12).await;
    let dir = Scratch::new();
    let file = dir.write("identities.yaml", &text);
    let mut texts = Vec::new();
    for _ in 0..3 {
        let o = run(Some(&fake), &["plan", "--concurrency=8", &file], &[]).await;
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        texts.push(stdout(&o));
    }
    assert!(
        texts.windows(2).all(|w| w[0] == w[1]),
        "the same text every run"
    );
    let order: Vec<usize> = ids
        .iter()
        .map(|id| texts[0].find(&format!("{id}: ")).unwrap())
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "file order:\n{}",
        texts[0]
    );
    assert!(
        texts[0].ends_with("plan: 8 attach, 0 update, 0 revoke, 4 unchanged, 0 failed\n"),
        "{}",
        texts[0]
    );

    let o = run(Some(&fake), &["plan", "--format", "json", &file], &[]).await;
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let listed: Vec<String> = doc["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["identity"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        listed,
        ids.iter().map(ToString::to_string).collect::<Vec<_>>()
    );

    let o = run(Some(&fake), &["plan", "--format=markdown", &file], &[]).await;
    assert_eq!(o.status.code(), Some(2));
    let md = stdout(&o);
    println!("{md}");
    let mut lines = md.lines();
    assert_eq!(
        lines.next(),
        Some(format!("**infisical-oci-auth plan** `{file}`: 8 attach, 0 update, 0 revoke, 4 unchanged, 0 failed").as_str())
    );
    assert_eq!(
        md.matches("\n### `").count(),
        8,
        "one section per changed identity"
    );
    assert!(
        !md.contains(&format!("### `{}`", ids[0])),
        "unchanged: no section"
    );
    assert!(md.contains(&format!(
        "### `{}`: attach\n\n```diff\n+ attach OCI Auth",
        ids[1]
    )));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_writes_a_file_that_plans_as_unchanged() {
    let fake = FakeInfisical::start().await.unwrap();
    fake.set_paid_plan(true);
    let admin = fake.client_builder().build().unwrap();
    let (full, bare, absent) = (
        fake.create_identity(),
        fake.create_identity(),
        fake.create_identity(),
    );
    admin
        .attach_oci_auth(
            &full,
            &AttachOciAuth::builder(TENANCY)
                .allowed_usernames("alice, bob")
                .access_token_trusted_ips(["10.0.0.0/8", "203.0.113.7", "2001:db8::/32"])
                .access_token_ttl(600)
                .access_token_max_ttl(7200)
                .access_token_num_uses_limit(5)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    admin
        .attach_oci_auth(&bare, &AttachOciAuth::builder(TENANCY).build().unwrap())
        .await
        .unwrap();
    // No max TTL: a state only an update can store.
    admin
        .modify_oci_auth(&bare, |edit| edit.access_token_max_ttl(0))
        .await
        .unwrap();
    let dir = Scratch::new();
    let out = dir.path().join("exported.yaml").display().to_string();
    let (a, b, c) = (full.to_string(), bare.to_string(), absent.to_string());
    let o = run(Some(&fake), &["export", &a, &b, &c, "--output", &out], &[]).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let exported = std::fs::read_to_string(&out).unwrap();
    println!("{exported}");
    assert!(
        exported.contains(&format!("  {absent}: absent\n")),
        "{exported}"
    );
    let o = run(Some(&fake), &["plan", &out], &[]).await;
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).ends_with("plan: 0 attach, 0 update, 0 revoke, 3 unchanged, 0 failed\n"),
        "{}",
        stdout(&o)
    );
    // To stdout as well.
    let o = run(Some(&fake), &["export", &a], &[]).await;
    assert!(stdout(&o).starts_with("# Written by `infisical-oci-auth export`"));
}

#[tokio::test]
async fn a_file_with_six_mistakes_is_reported_whole_and_nothing_is_sent() {
    let fake = FakeInfisical::start().await.unwrap();
    let dir = Scratch::new();
    let id = fake.create_identity();
    let text = format!(
        "identities:\n  {id}:\n    tenancyOcid: nope\n    accessTokenTTL: -1\n  x: absent\n  y: gone\n  {upper}: absent\n  z: absent\n",
        upper = id.to_string().to_uppercase()
    );
    let file = dir.write("bad.yaml", &text);
    let o = run(Some(&fake), &["plan", &file], &[]).await;
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    // Both of the first identity's mistakes, not only its first.
    assert!(err.contains(&format!("{file}: 6 mistakes")), "{err}");
    assert_eq!(err.matches("\n  line ").count(), 6, "{err}");
    assert!(fake.requests().is_empty());
    // The same key twice: named on its second line.
    let twice = dir.write(
        "twice.yaml",
        &format!("identities:\n  {id}: absent\n  {id}: absent\n"),
    );
    let o = run(Some(&fake), &["plan", &twice], &[]).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&format!(
            "line 3: identities.{id}: the identity is listed twice (first on line 2)"
        )),
        "{}",
        stderr(&o)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_ca_comes_from_ca_file_or_infisical_ca_file() {
    use common::tls::{TestCa, TlsServer};
    let ca = TestCa::new("Company CA");
    let server = TlsServer::start(
        &ca,
        &["localhost"],
        None,
        infisical_oci_auth_fake::Transcript::read("02-get")
            .unwrap()
            .response_body,
    )
    .await;
    let dir = Scratch::new();
    let ca_file = dir.write("ca.pem", &ca.pem());
    // The file wants exactly what the server answers.
    let answer = infisical_oci_auth_fake::Transcript::read("02-get")
        .unwrap()
        .response_json();
    let stored = &answer["identityOciAuth"];
    let text = format!(
        "identities:\n  {}:\n    tenancyOcid: {}\n    allowedUsernames: {}\n    accessTokenTTL: {}\n    accessTokenMaxTTL: {}\n    accessTokenNumUsesLimit: {}\n    accessTokenTrustedIps: [{}]\n",
        stored["identityId"].as_str().unwrap(),
        stored["tenancyOcid"].as_str().unwrap(),
        stored["allowedUsernames"]
            .as_str()
            .map_or("null".to_owned(), |s| format!("{s:?}")),
        stored["accessTokenTTL"],
        stored["accessTokenMaxTTL"],
        stored["accessTokenNumUsesLimit"],
        stored["accessTokenTrustedIps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|ip| match ip["prefix"].as_u64() {
                Some(p) => format!("\"{}/{p}\"", ip["ipAddress"].as_str().unwrap()),
                None => format!("\"{}\"", ip["ipAddress"].as_str().unwrap()),
            })
            .collect::<Vec<_>>()
            .join(", "),
    );
    let file = dir.write("identities.yaml", &text);
    let url = format!("https://localhost:{}", server.addr.port());
    let env = [
        ("INFISICAL_API_URL", url.as_str()),
        ("INFISICAL_TOKEN", "t"),
    ];
    let o = run(None, &["plan", &file], &env).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("the server's certificate is not trusted"),
        "{}",
        stdout(&o)
    );
    let o = run(None, &["plan", "--ca-file", &ca_file, &file], &env).await;
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let with_var = [env[0], env[1], ("INFISICAL_CA_FILE", ca_file.as_str())];
    let o = run(None, &["plan", &file], &with_var).await;
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}
