//! The command as a CI job meets it: a bad file's mistakes in the format asked for, one
//! message for a refused credential, the command's own words in every message, progress
//! only for people, an empty file said, and client certificates.

mod common;

use common::tls::{TestCa, TlsServer};
use common::{Scratch, file_of, run, stderr, stdout};
use infisical_oci_auth::IdentityId;
use infisical_oci_auth_fake::FakeInfisical;

const TENANCY: &str = "ocid1.tenancy.oc1..aaaa";
const BODY: &str = "tenancyOcid: ocid1.tenancy.oc1..aaaa\nallowedUsernames: [alice, bob]";

/// A file with two mistakes in one identity, on lines 3 and 4.
fn bad_file(dir: &Scratch) -> String {
    dir.write(
        "bad.yaml",
        "identities:\n  6511e966-169d-4653-a191-c559fe230086:\n    tenancyOcid: nope\n    accessTokenTTL: -1\n",
    )
}

#[tokio::test]
async fn a_bad_files_mistakes_come_in_the_format_asked_for_with_exit_1() {
    let fake = FakeInfisical::start().await.unwrap();
    let dir = Scratch::new();
    let file = bad_file(&dir);

    let o = run(Some(&fake), &["plan", "--format", "json", &file], &[]).await;
    assert_eq!(o.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{doc}");
    assert_eq!(errors[0]["line"], 3);
    assert!(
        errors[0]["path"]
            .as_str()
            .unwrap()
            .ends_with(".tenancyOcid")
    );
    assert_eq!(errors[1]["line"], 4);
    assert!(
        errors[1]["message"]
            .as_str()
            .unwrap()
            .contains("whole number")
    );
    assert_eq!(doc["command"], "plan");

    let o = run(Some(&fake), &["apply", "--format", "markdown", &file], &[]).await;
    assert_eq!(o.status.code(), Some(1));
    let md = stdout(&o);
    assert!(
        md.starts_with(&format!(
            "**infisical-oci-auth apply** `{file}`: cannot run\n"
        )),
        "{md}"
    );
    assert!(
        md.contains("- line 3: `identities.6511e966-169d-4653-a191-c559fe230086.tenancyOcid`: "),
        "{md}"
    );
    assert!(md.contains("- line 4: "), "{md}");

    // Text keeps stderr.
    let o = run(Some(&fake), &["plan", &file], &[]).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty());
    assert!(stderr(&o).contains("2 mistakes"), "{}", stderr(&o));
    assert!(fake.requests().is_empty(), "nothing is sent for a bad file");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_is_said_once_naming_infisical_token() {
    let fake = FakeInfisical::start().await.unwrap();
    let ids: Vec<IdentityId> = (0..12).map(|_| fake.create_identity()).collect();
    let entries: Vec<_> = ids.iter().map(|id| (*id, BODY)).collect();
    let dir = Scratch::new();
    let file = dir.write("identities.yaml", &file_of(&entries));
    let env = [
        ("INFISICAL_API_URL", fake.base_url()),
        ("INFISICAL_TOKEN", "not-a-token".to_owned()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for format in ["text", "json", "markdown"] {
        let o = run(None, &["plan", "--format", format, &file], &env).await;
        assert_eq!(o.status.code(), Some(1), "{format}");
        let said = format!("{}{}", stdout(&o), stderr(&o));
        assert_eq!(
            said.matches("INFISICAL_TOKEN").count(),
            1,
            "{format}: {said}"
        );
        assert_eq!(
            said.matches("refused the credential").count(),
            1,
            "{format}: {said}"
        );
        assert!(
            !said.contains(&ids[3].to_string()),
            "not per identity: {said}"
        );
    }
    // One identity at a time: the run stops at the first refusal.
    let before = fake.requests().len();
    run(None, &["plan", "-j", "1", &file], &env).await;
    assert_eq!(fake.requests().len() - before, 1);
}

/// The arguments and the environment of one run.
type Case<'a> = (&'a [&'a str], Vec<(&'a str, &'a str)>);

#[tokio::test]
async fn messages_name_variables_and_flags_never_the_librarys_types() {
    let fake = FakeInfisical::start().await.unwrap();
    let dir = Scratch::new();
    let file = dir.write(
        "identities.yaml",
        &file_of(&[(fake.create_identity(), BODY)]),
    );
    let url = fake.base_url();
    let cases: [Case<'_>; 5] = [
        // No credential at all.
        (&["plan", &file], vec![("INFISICAL_API_URL", url.as_str())]),
        (&["export", "6511e966-169d-4653-a191-c559fe230086"], vec![]),
        // A CA file and a client certificate that do not exist.
        (
            &["plan", "--ca-file", "/nonexistent/ca.pem", &file],
            vec![("INFISICAL_TOKEN", "t")],
        ),
        (
            &["plan", "--client-cert", "/nonexistent/client.pem", &file],
            vec![("INFISICAL_TOKEN", "t")],
        ),
        (
            &["plan", &file],
            vec![("INFISICAL_TOKEN", "t"), ("INFISICAL_API_URL", "ftp://x")],
        ),
    ];
    for (args, env) in cases {
        let o = run(None, args, &env).await;
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let said = format!("{}{}", stdout(&o), stderr(&o));
        for word in ["ClientBuilder", "Certificate::", "Identity::", "::"] {
            assert!(!said.contains(word), "{args:?}: {said}");
        }
        assert!(said.starts_with("error: "), "{args:?}: {said}");
    }
    let o = run(None, &["plan", &file], &[]).await;
    assert!(stderr(&o).contains("set INFISICAL_TOKEN"), "{}", stderr(&o));
    let o = run(
        None,
        &["plan", "--client-cert", "/nonexistent/client.pem", &file],
        &[("INFISICAL_TOKEN", "t")],
    )
    .await;
    assert!(
        stderr(&o).contains("/nonexistent/client.pem"),
        "the missing file names itself"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_is_for_people_only() {
    let fake = FakeInfisical::start().await.unwrap();
    let ids: Vec<IdentityId> = (0..3).map(|_| fake.create_identity()).collect();
    let entries: Vec<_> = ids.iter().map(|id| (*id, BODY)).collect();
    let dir = Scratch::new();
    let file = dir.write("identities.yaml", &file_of(&entries));
    // stderr is a pipe here: no per-identity progress, and stdout lists each once.
    let o = run(Some(&fake), &["plan", &file], &[]).await;
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "", "stderr carries only warnings and errors");
    for id in &ids {
        assert_eq!(stdout(&o).matches(&format!("{id}: + attach")).count(), 1);
    }
    // Asked for: one line per identity as it finishes.
    let o = run(Some(&fake), &["plan", "--progress", &file], &[]).await;
    assert_eq!(stderr(&o).lines().count(), 3, "{}", stderr(&o));
    assert!(
        ids.iter()
            .all(|id| stderr(&o).contains(&format!("{id}: attach")))
    );
}

#[tokio::test]
async fn a_file_that_lists_no_identities_is_said() {
    let fake = FakeInfisical::start().await.unwrap();
    let dir = Scratch::new();
    for text in ["identities: {}\n", "identities:\n", ""] {
        let file = dir.write("empty.yaml", text);
        let o = run(Some(&fake), &["plan", &file], &[]).await;
        assert_eq!(o.status.code(), Some(0), "{text:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("warning: {file} lists no identities")),
            "{text:?}: {}",
            stderr(&o)
        );
    }
}

#[tokio::test]
async fn plan_help_lists_the_tls_flags() {
    let o = run(None, &["plan", "--help"], &[]).await;
    for flag in [
        "--ca-file",
        "--client-cert",
        "--client-key",
        "--progress",
        "INFISICAL_CLIENT_CERT",
    ] {
        assert!(stdout(&o).contains(flag), "{flag}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_certificate_comes_from_the_flags_or_the_environment() {
    let ca = TestCa::new("Company CA");
    let clients = TestCa::new("Client CA");
    let answer = infisical_oci_auth_fake::Transcript::read("02-get").unwrap();
    let server = TlsServer::start(
        &ca,
        &["localhost"],
        Some(&clients),
        answer.response_body.clone(),
    )
    .await;
    let (cert, key) = clients.issue(&["workload.example"]);
    let dir = Scratch::new();
    let ca_file = dir.write("ca.pem", &ca.pem());
    let cert_file = dir.write("client.pem", &cert);
    let key_file = dir.write("client.key", &key);
    let both = dir.write("both.pem", &format!("{cert}\n{key}"));
    let id = answer.response_json()["identityOciAuth"]["identityId"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = format!("https://localhost:{}", server.addr.port());
    let env = [
        ("INFISICAL_API_URL", url.as_str()),
        ("INFISICAL_TOKEN", "t"),
        ("INFISICAL_CA_FILE", ca_file.as_str()),
    ];
    let export = |extra: &[&str]| {
        let mut args = vec!["export", id.as_str()];
        args.extend_from_slice(extra);
        args.iter().map(|a| a.to_string()).collect::<Vec<_>>()
    };
    let ok = |o: &std::process::Output| {
        o.status.code() == Some(0) && stdout(o).contains(TENANCY.split("..").next().unwrap())
    };
    let args = export(&["--client-cert", &cert_file, "--client-key", &key_file]);
    let o = run(
        None,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        &env,
    )
    .await;
    assert!(ok(&o), "{}", stderr(&o));
    let args = export(&["--client-cert", &both]);
    let o = run(
        None,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        &env,
    )
    .await;
    assert!(
        ok(&o),
        "the key may sit in the certificate's file: {}",
        stderr(&o)
    );
    let with_vars = [
        env[0],
        env[1],
        env[2],
        ("INFISICAL_CLIENT_CERT", cert_file.as_str()),
        ("INFISICAL_CLIENT_KEY", key_file.as_str()),
    ];
    let args = export(&[]);
    let o = run(
        None,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        &with_vars,
    )
    .await;
    assert!(ok(&o), "{}", stderr(&o));
    // Without one: the command says which flags give it.
    let o = run(
        None,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        &env,
    )
    .await;
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--client-cert FILE"), "{}", stderr(&o));
}
