//! Real `openturk serve` processes (replicas, kill -9, restarts): started on a free port with a
//! shared master key, their requester's client, and their test clock.

use aws_sdk_mturk::config::{BehaviorVersion, Credentials, Region};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// The master key every replica of a test shares (replicas must: it seals the secret keys).
pub const MASTER_KEY: &str = "6f70656e7475726b2d7265706c6963612d746573742d6b65792d303030303030";

/// The binary under test: cargo's, or OPENTURK_BIN_UNDER_TEST (for a checkout that shares its
/// target directory with others, where target/debug/openturk may be another build's).
pub fn bin() -> String {
    std::env::var("OPENTURK_BIN_UNDER_TEST").unwrap_or_else(|_| env!("CARGO_BIN_EXE_openturk").to_string())
}

/// A running `openturk serve`; killed (SIGKILL) when dropped.
pub struct ServeProcess {
    pub child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `openturk serve` on `db` with data directory `dir` and the extra environment `env`.
pub fn serve(db: &str, dir: &Path, env: &[(&str, &str)]) -> ServeProcess {
    let mut child = Command::new(bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--database", db, "--data-dir"])
        .arg(dir)
        .env("OPENTURK_MASTER_KEY", MASTER_KEY)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut addr = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(a) = line.trim().strip_prefix("Requester API: http://") {
            addr = Some(a.trim_end_matches('/').to_string());
            break;
        }
    }
    // Keep reading, so the server never writes to a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    ServeProcess { child, addr: addr.expect("server printed its address") }
}

/// Runs an admin command (`openturk ARGS --database DB --data-dir DIR`); returns its output.
pub fn admin(db: &str, dir: &Path, args: &[&str]) -> String {
    let o = Command::new(bin())
        .args(args)
        .args(["--database", db, "--data-dir"])
        .arg(dir)
        .env("OPENTURK_MASTER_KEY", MASTER_KEY)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// The default requester's key pair, from the credentials file the first start wrote in one of
/// `dirs`.
pub fn credentials(dirs: &[&Path]) -> (String, String) {
    let creds = dirs
        .iter()
        .find_map(|d| std::fs::read_to_string(d.join("credentials")).ok())
        .expect("a credentials file in a data directory");
    let field = |k: &str| creds.lines().find_map(|l| l.strip_prefix(k)).unwrap().trim_start_matches(" = ").to_string();
    (field("aws_access_key_id"), field("aws_secret_access_key"))
}

/// An aws-sdk-mturk client of the server at `addr`.
pub fn client(addr: &str, (key, secret): &(String, String)) -> aws_sdk_mturk::Client {
    aws_sdk_mturk::Client::from_conf(
        aws_sdk_mturk::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(format!("http://{addr}"))
            .credentials_provider(Credentials::new(key, secret, None, None, "test"))
            .build(),
    )
}

/// Moves a test-clock server's clock.
pub async fn advance_clock(addr: &str, secs: i64) {
    let st = reqwest::Client::new()
        .post(format!("http://{addr}/_openturk/test/clock"))
        .header("content-type", "application/json")
        .body(serde_json::json!({ "AdvanceSeconds": secs }).to_string())
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(st.as_u16(), 200);
}
