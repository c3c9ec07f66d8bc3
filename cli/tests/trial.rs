//! The README's one-minute trial: the fake Infisical's binary, the environment it prints,
//! and the command planning, applying and planning again `examples/identities.yaml`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

mod common;

use common::fake_binary;

/// The fake binary, serving; killed on drop.
struct Fake(Child, Vec<(String, String)>);

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_fake() -> Fake {
    let mut child = Command::new(fake_binary())
        .args(["--listen", "127.0.0.1:0", "--identities", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut env = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let (name, value) = line
            .strip_prefix("export ")
            .unwrap()
            .split_once('=')
            .unwrap();
        env.push((name.to_owned(), value.trim_matches('"').to_owned()));
        if name == "INFISICAL_IDENTITY_IDS" {
            break;
        }
    }
    Fake(child, env)
}

fn command(fake: &Fake, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_infisical-oci-auth"));
    cmd.args(args)
        .env_clear()
        .envs(fake.1.iter().map(|(k, v)| (k, v)))
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd.output().unwrap()
}

#[test]
fn the_example_file_plans_two_attaches_applies_and_then_plans_no_change() {
    let fake = start_fake();
    let plan = command(&fake, &["plan", "examples/identities.yaml"]);
    let out = String::from_utf8_lossy(&plan.stdout);
    assert_eq!(
        plan.status.code(),
        Some(2),
        "{out}{}",
        String::from_utf8_lossy(&plan.stderr)
    );
    assert!(
        out.contains("plan: 2 attach, 0 update, 0 revoke, 0 unchanged, 0 failed"),
        "{out}"
    );
    assert!(
        out.contains(r#"allowedUsernames: "ci-runner, deploy""#),
        "{out}"
    );

    let apply = command(&fake, &["apply", "examples/identities.yaml"]);
    assert_eq!(
        apply.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&apply.stderr)
    );

    let again = command(&fake, &["plan", "examples/identities.yaml"]);
    let out = String::from_utf8_lossy(&again.stdout);
    assert_eq!(again.status.code(), Some(0), "{out}");
    assert!(
        out.contains("plan: 0 attach, 0 update, 0 revoke, 2 unchanged, 0 failed"),
        "{out}"
    );
}
