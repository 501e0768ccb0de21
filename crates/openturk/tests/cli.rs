//! The admin commands, run as the real binary on a data directory.

use std::process::{Command, Output};

fn openturk(dir: &std::path::Path, args: &[&str]) -> Output {
    openturk_env(dir, args, &[])
}

fn openturk_env(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_openturk"))
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("OPENTURK_MODE")
        .env_remove("OPENTURK_DATABASE")
        .env_remove("OPENTURK_CONFIG")
        .env_remove("OPENTURK_MASTER_KEY")
        .env_remove("OPENTURK_TEST_CLOCK")
        .env_remove("OPENTURK_LISTEN")
        .envs(env.iter().copied())
        // The directory holds no openturk.toml: only the flags and `env` configure the command.
        .current_dir(dir)
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
    // A production database is not used as a sandbox one.
    let o = openturk_env(&dir, &["requester", "list"], &[("OPENTURK_MODE", "sandbox")]);
    assert!(!o.status.success());
    assert!(text(&o).contains("created in production mode and cannot be used in sandbox mode"), "{}", text(&o));
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

#[test]
fn admin_commands_take_the_mode_from_the_database() {
    let dir = tempdir("dbmode");
    assert!(openturk(&dir, &["--production", "requester", "create", "acme"]).status.success());
    // No --production again: the database says production.
    let o = openturk(&dir, &["requester", "deposit", "acme", "3.00"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("available 3.00"), "{}", text(&o));
    let o = openturk(&dir, &["worker", "create", "wendy", "--password", "long-enough-pw"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = openturk(&dir, &["ledger", "verify"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = openturk(&dir, &["requester", "list"]);
    assert!(o.status.success() && text(&o).contains("3.00"), "{}", text(&o));
    // A mode setting that contradicts the database is the only thing refused, and changes nothing.
    let o = openturk_env(&dir, &["requester", "deposit", "acme", "1.00"], &[("OPENTURK_MODE", "sandbox")]);
    assert!(!o.status.success());
    assert!(text(&o).contains("production mode"), "{}", text(&o));
    std::fs::write(dir.join("openturk.toml"), "mode = \"sandbox\"\n").unwrap();
    let o = openturk(&dir, &["ledger", "verify"]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("cannot be used in sandbox mode"), "{}", text(&o));
    std::fs::remove_file(dir.join("openturk.toml")).unwrap();
    let o = openturk(&dir, &["requester", "list"]);
    assert!(text(&o).contains("3.00"), "{}", text(&o));
    // The other way round: a sandbox database, and --production.
    let sandbox = tempdir("dbmode-sandbox");
    assert!(openturk(&sandbox, &["requester", "create", "lab"]).status.success());
    let o = openturk(&sandbox, &["--production", "requester", "list"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("created in sandbox mode and cannot be used in production mode"), "{}", text(&o));
    let o = openturk(&sandbox, &["requester", "deposit", "lab", "1.00"]);
    assert!(text(&o).contains("sandbox"), "deposits stay refused in sandbox mode: {}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&sandbox);
}

#[test]
fn serve_takes_the_mode_from_the_database_and_refuses_a_contradiction() {
    let dir = tempdir("servemode");
    assert!(openturk(&dir, &["--production", "requester", "create", "acme"]).status.success());
    // A contradicting mode is refused before anything is served.
    let o = openturk_env(&dir, &["serve", "--listen", "127.0.0.1:0"], &[("OPENTURK_MODE", "sandbox")]);
    assert!(!o.status.success());
    assert!(text(&o).contains("cannot be used in sandbox mode"), "{}", text(&o));
    // Without a mode, serve runs in the database's: it says so on its first line.
    let mut child = Command::new(env!("CARGO_BIN_EXE_openturk"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .env_remove("OPENTURK_MODE")
        .env_remove("OPENTURK_CONFIG")
        .env_remove("OPENTURK_DATABASE")
        .env_remove("OPENTURK_TEST_CLOCK")
        .current_dir(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut first).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(first.contains("in production mode"), "{first}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_test_clock_is_refused_in_production_mode() {
    let dir = tempdir("clockprod");
    let clock = [("OPENTURK_TEST_CLOCK", "1")];
    // Set by flag: refused before the database is created.
    let o = openturk_env(&dir, &["--production", "serve", "--listen", "127.0.0.1:0"], &clock);
    assert!(!o.status.success());
    assert!(text(&o).contains("test clock (OPENTURK_TEST_CLOCK) cannot be used in production mode"), "{}", text(&o));
    assert!(!dir.join("openturk.db").exists(), "nothing was created");
    // Taken from the database.
    assert!(openturk(&dir, &["--production", "requester", "create", "acme"]).status.success());
    let o = openturk_env(&dir, &["serve", "--listen", "127.0.0.1:0"], &clock);
    assert!(!o.status.success());
    assert!(text(&o).contains("cannot be used in production mode"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `cargo test` builds the binary without the `test-clock` feature (the client suite builds it
/// with), so this binary must refuse the switch rather than serve with a movable clock.
#[cfg(not(feature = "test-clock"))]
#[test]
fn the_test_clock_needs_a_binary_built_for_tests() {
    let dir = tempdir("clockfeature");
    for v in ["1", "true"] {
        let o = openturk_env(&dir, &["serve", "--listen", "127.0.0.1:0"], &[("OPENTURK_TEST_CLOCK", v)]);
        assert!(!o.status.success());
        assert!(text(&o).contains("built without it"), "{}", text(&o));
        assert!(text(&o).contains("--features test-clock"), "{}", text(&o));
    }
    let o = openturk(&dir, &["serve", "--listen", "127.0.0.1:0", "--test-clock"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("built without it"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}
