//! Files of many identities against the fake: reading them (every mistake with its line),
//! planning and applying them, and the command's output and exit codes.

use std::time::Instant;

use infisical_oci_auth::desired::{DesiredState, Plan};
use infisical_oci_auth::{AttachOciAuth, IdentityId};
use infisical_oci_auth_cli::{DesiredFile, Summary, apply_file, plan_file};
use infisical_oci_auth_fake::FakeInfisical;

mod common;

use common::{Scratch, file_of, run, stdout};

const TENANCY: &str = "ocid1.tenancy.oc1..aaaa";

fn desired() -> AttachOciAuth {
    AttachOciAuth::builder(TENANCY)
        .allowed_usernames("alice, bob")
        .access_token_trusted_ips(["0.0.0.0/0", "::/0"])
        .access_token_ttl(1800)
        .access_token_max_ttl(3600)
        .build()
        .unwrap()
}

fn writes(fake: &FakeInfisical) -> usize {
    fake.requests().iter().filter(|r| r.method != "GET").count()
}

fn reads(fake: &FakeInfisical) -> usize {
    fake.requests().iter().filter(|r| r.method == "GET").count()
}

const BODY: &str = "tenancyOcid: ocid1.tenancy.oc1..aaaa\nallowedUsernames: alice, bob\naccessTokenTTL: 1800\naccessTokenMaxTTL: 3600";

#[tokio::test]
async fn a_file_attaches_what_is_missing_and_revokes_what_is_absent() {
    let fake = FakeInfisical::start().await.unwrap();
    let client = fake.client_builder().build().unwrap();
    let (new, gone, already_gone) = (
        fake.create_identity(),
        fake.create_identity(),
        fake.create_identity(),
    );
    client.apply_oci_auth(&gone, &desired()).await.unwrap();
    let text = file_of(&[(new, BODY), (gone, "absent"), (already_gone, "absent")]);
    let file = DesiredFile::parse(&text, "identities.yaml").unwrap();

    let planned = plan_file(&client, &file, 4, |_| {}).await;
    let actions: Vec<_> = planned
        .iter()
        .map(|o| o.result.as_ref().unwrap().plan.action())
        .collect();
    assert_eq!(
        actions,
        ["attach", "revoke", "unchanged"],
        "in the file's order"
    );

    let applied = apply_file(&client, &file, 4, |_| {}).await;
    assert_eq!(
        Summary::of(&applied),
        Summary::of(&planned),
        "apply did what plan said"
    );
    assert!(fake.oci_auth(&new).is_some());
    assert!(fake.oci_auth(&gone).is_none());
    let again = apply_file(&client, &file, 4, |_| {}).await;
    assert!(!Summary::of(&again).changes_anything());
}

#[tokio::test]
async fn a_bad_file_names_entry_and_field_and_nothing_is_sent() {
    let fake = FakeInfisical::start().await.unwrap();
    let (good, bad) = (fake.create_identity(), fake.create_identity());
    let text = file_of(&[
        (good, BODY),
        (
            bad,
            "tenancyOcid: ocid1.tenancy.oc1..aaaa\naccessTokenTTL: 400000000",
        ),
    ]);
    let err = DesiredFile::parse(&text, "ci/identities.yaml").unwrap_err();
    let file = &err;
    assert_eq!(file.file(), "ci/identities.yaml");
    let [mistake] = file.mistakes() else {
        panic!("{err}")
    };
    assert_eq!(mistake.field, format!("identities.{bad}.accessTokenTTL"));
    let ttl_line = text
        .lines()
        .position(|l| l.contains("accessTokenTTL: 400000000"))
        .map(|i| i + 1);
    assert_eq!(mistake.line, ttl_line, "the line of the offending field");
    assert!(
        err.to_string().starts_with(&format!(
            "ci/identities.yaml: line {}: identities.{bad}.accessTokenTTL: ",
            ttl_line.unwrap()
        )),
        "{err}"
    );

    for (text, needle) in [
        (
            format!("identities:\n  {good}:\n    tenancyOcid: [unclosed\n"),
            "line",
        ),
        (
            format!("identities:\n  {good}:\n    tenancyOcid: {TENANCY}\n    ttl: 5\n"),
            ".ttl: unknown field",
        ),
        (
            "identities:\n  not-an-id: absent\n".to_owned(),
            "identities.not-an-id",
        ),
        (format!("identities:\n  {good}: gone\n"), "`absent`"),
        ("identity: {}\n".to_owned(), "unknown top-level key"),
        (
            format!(
                "identities:\n  {good}: absent\n  {}: absent\n",
                good.to_string().to_uppercase()
            ),
            "listed twice",
        ),
    ] {
        let err = DesiredFile::parse(&text, "f.yaml").unwrap_err();
        assert!(err.to_string().contains(needle), "{needle}: {err}");
    }
    assert!(fake.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_max_ttl_of_0_can_be_written_applied_and_planned_as_unchanged() {
    let fake = FakeInfisical::start().await.unwrap();
    let client = fake.client_builder().build().unwrap();
    let id = fake.create_identity();
    let text = file_of(&[(
        id,
        "tenancyOcid: ocid1.tenancy.oc1..aaaa\naccessTokenTTL: 600\naccessTokenMaxTTL: 0",
    )]);
    let file = DesiredFile::parse(&text, "f.yaml").unwrap();
    let outcomes = apply_file(&client, &file, 1, |_| {}).await;
    let applied = outcomes[0].result.as_ref().unwrap();
    assert!(matches!(applied.plan, Plan::Attach(_)), "{}", applied.plan);
    // Attach refuses 0, so the attach is followed by one update.
    assert_eq!(writes(&fake), 2);
    assert_eq!(fake.oci_auth(&id).unwrap().access_token_max_ttl, 0);
    let outcomes = plan_file(&client, &file, 1, |_| {}).await;
    assert_eq!(
        outcomes[0].result.as_ref().unwrap().plan,
        Plan::Unchanged,
        "converged"
    );
}

#[test]
fn a_file_with_five_mistakes_reports_all_five_with_their_lines() {
    let (a, b, c) = (
        "6511e966-169d-4653-a191-c559fe230086",
        "0b3c0d6e-66a4-4d5a-9f0e-4d2cbbd2d1a7",
        "1c9f3a52-0d1e-4c55-8c1a-2b6a7e3d9f10",
    );
    let text = format!(
        "identities:
  {a}:
    tenancyOcid: {TENANCY}
    accessTokenTTL: -5
  not-an-id: absent
  {b}:
    tenancyOcid: {TENANCY}
    accessTokenTrustedIps: [10.0.0.300]
  {c}:
    tenancyOcid: {TENANCY}
    ttl: 5
  {upper}: absent
",
        upper = a.to_uppercase()
    );
    let err = DesiredFile::parse(&text, "identities.yaml").unwrap_err();
    let file = &err;
    let found: Vec<(Option<usize>, String)> = file
        .mistakes()
        .iter()
        .map(|m| (m.line, m.field.clone()))
        .collect();
    assert_eq!(
        found,
        [
            (Some(4), format!("identities.{a}.accessTokenTTL")),
            (Some(5), "identities.not-an-id".to_owned()),
            // A list of plain addresses: the item is the address.
            (Some(8), format!("identities.{b}.accessTokenTrustedIps[0]")),
            (Some(11), format!("identities.{c}.ttl")),
            (Some(12), format!("identities.{}", a.to_uppercase())),
        ],
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.starts_with("identities.yaml: 5 mistakes\n  line 4: "),
        "{text}"
    );
    assert!(text.contains("listed twice (first on line 2)"), "{text}");
    assert!(!text.contains("RawEntry"), "no internal type names: {text}");
    assert!(!text.contains("invalid client configuration"), "{text}");
}

/// The mistakes of a file as `(line, path below identities, reason)`.
fn mistakes_of(text: &str) -> Vec<(usize, String, String)> {
    let err = DesiredFile::parse(text, "f.yaml").unwrap_err();
    err.mistakes()
        .iter()
        .map(|m| {
            let path = m.field.strip_prefix("identities.").unwrap_or(&m.field);
            (m.line.unwrap(), path.to_owned(), m.reason.clone())
        })
        .collect()
}

#[test]
fn every_mistake_of_every_identity_is_reported_with_its_own_line_and_path() {
    let (a, b) = (
        "6511e966-169d-4653-a191-c559fe230086",
        "0b3c0d6e-66a4-4d5a-9f0e-4d2cbbd2d1a7",
    );
    let text = format!(
        "identities:
  {a}:
    tenancyOcid: nope
    accessTokenTTL: \"1800\"
    accessTokenTTL: 60
    allowedUsernames: [alice, {{x: 1}}]
    accessTokenTrustedIps: [10.0.0.0/8, {{ipAddress: 300.1.1.1}}]
  {b}:
    allowedUsernames: al ice
  {a}: absent
"
    );
    let found = mistakes_of(&text);
    let at = |line: usize, path: String| found.iter().find(|m| m.0 == line && m.1 == path);
    assert_eq!(found.len(), 8, "{found:#?}");
    let ttl = at(4, format!("{a}.accessTokenTTL")).unwrap();
    assert!(
        ttl.2.contains("whole number") && ttl.2.contains("the text \"1800\""),
        "{ttl:?}"
    );
    // A duplicated field says so at its own path; reading goes on past it.
    let twice = at(5, format!("{a}.accessTokenTTL")).unwrap();
    assert_eq!(twice.2, "accessTokenTTL is listed twice (first on line 4)");
    assert!(at(3, format!("{a}.tenancyOcid")).is_some());
    assert!(at(6, format!("{a}.allowedUsernames[1]")).is_some());
    assert!(at(7, format!("{a}.accessTokenTrustedIps[1].ipAddress")).is_some());
    // The second identity: no tenancy (at the identity's line), and a bad username.
    assert!(
        at(8, format!("{b}.tenancyOcid"))
            .unwrap()
            .2
            .contains("required")
    );
    assert!(
        at(9, format!("{b}.allowedUsernames"))
            .unwrap()
            .2
            .contains("al ice")
    );
    let again = at(10, a.to_owned()).unwrap();
    assert_eq!(again.2, "the identity is listed twice (first on line 2)");
    // In file order.
    assert!(found.windows(2).all(|w| w[0].0 <= w[1].0), "{found:#?}");
}

#[test]
fn no_serde_or_rust_words_reach_the_user() {
    let id = "6511e966-169d-4653-a191-c559fe230086";
    for value in [
        "[1, 2]",
        "{tenancyOcid: [a]}",
        "{tenancyOcid: ocid1.tenancy.oc1..aaaa, accessTokenTTL: 1.5}",
        "{tenancyOcid: ocid1.tenancy.oc1..aaaa, accessTokenTrustedIps: 10.0.0.0/8}",
        "{tenancyOcid: ocid1.tenancy.oc1..aaaa, allowedUsernames: {a: b}}",
        "{tenancyOcid: ocid1.tenancy.oc1..aaaa, accessTokenTTL: 900, accessTokenMaxTTL: 60}",
        "{tenancyOcid: ocid1.tenancy.oc1..aaaa, accessTokenNumUsesLimit: ~}",
        "*alias",
    ] {
        let text = format!("identities:\n  {id}: {value}\n");
        let Err(err) = DesiredFile::parse(&text, "f.yaml") else {
            panic!("{value} was accepted")
        };
        let said = err.to_string();
        for word in [
            "invalid type",
            "invalid value",
            "expected a string",
            "sequence",
            "serde",
            "struct",
            "Option",
            "u64",
            "u32",
            "RawEntry",
            "variant",
        ] {
            assert!(!said.contains(word), "{value}: {said:?} says {word:?}");
        }
    }
    // The cross-field rule names the field it is reported at.
    let text = format!(
        "identities:\n  {id}:\n    tenancyOcid: ocid1.tenancy.oc1..aaaa\n    accessTokenTTL: 900\n    accessTokenMaxTTL: 60\n"
    );
    let found = mistakes_of(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].1.ends_with(".accessTokenTTL") || found[0].1.ends_with(".accessTokenMaxTTL"));
    assert!(found[0].0 == 4 || found[0].0 == 5, "{found:?}");
}

#[test]
fn usernames_may_be_a_yaml_list_or_one_text() {
    let id: IdentityId = "6511e966-169d-4653-a191-c559fe230086".parse().unwrap();
    for value in [
        "[alice, bob]",
        "\"alice, bob\"",
        "alice,bob",
        "\n      - alice\n      - bob",
    ] {
        let text = format!(
            "identities:\n  {id}:\n    tenancyOcid: {TENANCY}\n    allowedUsernames: {value}\n"
        );
        let file = DesiredFile::parse(&text, "f.yaml").unwrap_or_else(|e| panic!("{value}: {e}"));
        let [(_, DesiredState::Present(desired))] = file.entries() else {
            panic!("{value}")
        };
        let usernames = desired.attach().allowed_usernames().map(|u| u.as_str());
        assert_eq!(usernames, Some("alice, bob"), "{value}");
    }
}

#[test]
fn more_than_fifty_mistakes_are_counted() {
    let mut text = String::from("identities:\n");
    for i in 0..60 {
        text.push_str(&format!("  not-an-id-{i}: absent\n"));
    }
    let err = DesiredFile::parse(&text, "f.yaml").unwrap_err();
    assert_eq!(err.mistakes().len(), 50);
    assert!(err.to_string().contains("60 mistakes"), "{err}");
    assert!(err.to_string().ends_with("… and 10 more"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_identities_with_ten_changed_take_a_hundred_reads_and_ten_writes() {
    let fake = FakeInfisical::start().await.unwrap();
    let client = fake.client_builder().build().unwrap();
    let ids: Vec<IdentityId> = (0..100).map(|_| fake.create_identity()).collect();
    let entries: Vec<(IdentityId, &str)> = ids.iter().map(|id| (*id, BODY)).collect();
    let file = DesiredFile::parse(&file_of(&entries), "many.yaml").unwrap();
    apply_file(&client, &file, 8, |_| {}).await;
    for id in &ids[..10] {
        client
            .modify_oci_auth(id, |edit| edit.access_token_num_uses_limit(5))
            .await
            .unwrap();
    }
    let (reads_before, writes_before) = (reads(&fake), writes(&fake));

    let started = Instant::now();
    let mut seen = 0;
    let outcomes = apply_file(&client, &file, 8, |_| seen += 1).await;
    let took = started.elapsed();
    assert_eq!(seen, 100, "progress for every identity");
    let summary = Summary::of(&outcomes);
    assert_eq!(
        (summary.update, summary.unchanged, summary.failed),
        (10, 90, 0)
    );
    assert_eq!(reads(&fake) - reads_before, 100);
    assert_eq!(writes(&fake) - writes_before, 10);
    for outcome in &outcomes[..10] {
        let plan = &outcome.result.as_ref().unwrap().plan;
        assert_eq!(plan.changes()[0].field, "accessTokenNumUsesLimit");
    }
    println!("apply of 100 identities, 10 changed: 110 requests in {took:?}");
}

#[tokio::test]
async fn one_identitys_failure_does_not_hide_the_others() {
    let fake = FakeInfisical::start().await.unwrap();
    let client = fake.client_builder().build().unwrap();
    let known = fake.create_identity();
    let unknown: IdentityId = "00000000-0000-4000-8000-000000000000".parse().unwrap();
    let file = DesiredFile::parse(&file_of(&[(unknown, BODY), (known, BODY)]), "f.yaml").unwrap();
    let outcomes = apply_file(&client, &file, 2, |_| {}).await;
    assert!(outcomes[0].result.is_err());
    assert!(matches!(
        outcomes[1].result.as_ref().unwrap().plan,
        Plan::Attach(_)
    ));
    assert_eq!(Summary::of(&outcomes).failed, 1);
}

/// Runs the command against `fake` with `file`, returning exit code and stdout.
async fn command(fake: &FakeInfisical, args: &[&str], file: &str) -> (i32, String) {
    let dir = Scratch::new();
    let path = dir.write("identities.yaml", file);
    let mut args = args.to_vec();
    args.push(&path);
    let output = run(Some(fake), &args, &[]).await;
    (output.status.code().unwrap_or(-1), stdout(&output))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_exits_2_on_changes_0_when_converged_and_1_on_errors() {
    let fake = FakeInfisical::start().await.unwrap();
    let identity = fake.create_identity();
    let file = file_of(&[(identity, BODY)]);

    let (code, out) = command(&fake, &["plan"], &file).await;
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains(&format!("{identity}: + attach OCI Auth")),
        "{out}"
    );
    assert!(
        out.contains("plan: 1 attach, 0 update, 0 revoke, 0 unchanged, 0 failed"),
        "{out}"
    );
    assert_eq!(writes(&fake), 0);

    let (code, out) = command(&fake, &["apply"], &file).await;
    assert_eq!(code, 0, "{out}");
    assert_eq!(writes(&fake), 1);

    let (code, out) = command(&fake, &["plan", "--json"], &file).await;
    assert_eq!(code, 0, "{out}");
    let doc: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(doc["identities"][0]["action"], "unchanged");
    assert_eq!(doc["summary"]["unchanged"], 1);

    let (code, _) = command(&fake, &["plan"], "identities:\n  x: absent\n").await;
    assert_eq!(code, 1, "a bad file");
    let unknown = "00000000-0000-4000-8000-000000000000".parse().unwrap();
    let (code, out) = command(&fake, &["apply"], &file_of(&[(unknown, BODY)])).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error:"), "{out}");
}

#[test]
fn the_published_schema_of_the_file_format_is_current() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/desired-state.schema.json"
    );
    let mut generated = serde_json::to_string_pretty(&DesiredFile::json_schema()).unwrap();
    generated.push('\n');
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "schema/desired-state.schema.json is stale: run UPDATE_SCHEMA=1 cargo test -p infisical-oci-auth-cli --test file"
    );
}
