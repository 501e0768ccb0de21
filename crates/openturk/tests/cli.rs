//! The admin commands, run as the real binary on a data directory.

use std::process::{Command, Output};

fn openturk(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_openturk"))
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("OPENTURK_MODE")
        .env_remove("OPENTURK_DATABASE")
        .env_remove("OPENTURK_CONFIG")
        .env_remove("OPENTURK_MASTER_KEY")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let d = std::env::temp_dir().join(format!("openturk-cli-{name}-{n:x}"));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn requesters_keys_deposits_and_modes() {
    let dir = tempdir("prod");
    let o = openturk(&dir, &["--production", "requester", "create", "acme"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.starts_with("[acme]\naws_access_key_id = AKIA"), "{out}");
    assert!(out.contains("aws_secret_access_key = "), "{out}");
    let o = openturk(&dir, &["--production", "requester", "key", "acme", "--read-only"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = openturk(&dir, &["--production", "requester", "deposit", "acme", "12.5"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("available 12.50"), "{}", text(&o));
    let o = openturk(&dir, &["--production", "requester", "deposit", "acme", "-1"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("AMOUNT"), "{}", text(&o));
    let o = openturk(&dir, &["--production", "requester", "list"]);
    assert!(
        text(&o).contains("acme") && text(&o).contains("(read-only)") && text(&o).contains("12.50"),
        "{}",
        text(&o)
    );
    let o = openturk(&dir, &["--production", "ledger", "verify"]);
    assert!(o.status.success(), "{}", text(&o));
    // A production database is not served as a sandbox one.
    let o = openturk(&dir, &["requester", "list"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("production mode"), "{}", text(&o));
    // Secrets are sealed at rest: the secret does not appear in the database file.
    let secret = out.lines().find_map(|l| l.strip_prefix("aws_secret_access_key = ")).unwrap().to_string();
    let db = std::fs::read(dir.join("openturk.db")).unwrap();
    assert!(!db.windows(secret.len()).any(|w| w == secret.as_bytes()), "secret stored in clear");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sandbox_deposits_are_refused_and_workers_are_created() {
    let dir = tempdir("sandbox");
    assert!(openturk(&dir, &["requester", "create", "lab"]).status.success());
    let o = openturk(&dir, &["requester", "deposit", "lab", "5.00"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("sandbox"), "{}", text(&o));
    let o = openturk(
        &dir,
        &["worker", "create", "wendy", "--password", "long-enough-pw", "--country", "DE", "--subdivision", "BE"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let id = String::from_utf8(o.stdout).unwrap().trim().to_string();
    assert!(id.starts_with('A') && (13..=15).contains(&id.len()), "{id}");
    let o = openturk(&dir, &["worker", "create", "wendy", "--password", "long-enough-pw"]);
    assert!(!o.status.success(), "duplicate user name");
    let o = openturk(&dir, &["worker", "create", "shorty", "--password", "short"]);
    assert!(text(&o).contains("Password"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}
