//! The test harness: a real server on a free port (axum on 127.0.0.1:0), a real database
//! (a fresh SQLite file, or a fresh database on the PostgreSQL server that `scripts/pg-start`
//! starts), a manual clock, and the official aws-sdk-mturk client. Nothing is mocked.
#![allow(dead_code)]

pub mod moto;
pub mod processes;
pub mod site;
pub mod smtp;

use aws_sdk_mturk::config::{BehaviorVersion, Credentials, Region};
use openturk_domain::model::Mode;
use openturk_domain::ManualClock;
use openturk_service::secrets::Sealer;
use openturk_service::workers::NewWorker;
use openturk_service::{Service, ServiceConfig};
use openturk_storage::Db;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs one test body on both backends (in scope everywhere: `#[macro_use] mod common` in main.rs).
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                ($body)(common::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                ($body)(common::Backend::Postgres).await
            }
        }
    };
}

/// A port nothing listens on (yet).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Runs blocking service code from an async test (the PostgreSQL client blocks).
pub fn sync<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

fn random_name(prefix: &str) -> String {
    let n: u64 = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    format!("{prefix}_{:x}_{:x}", n, std::process::id())
}

/// The PostgreSQL server URL: OPENTURK_TEST_PG_URL, or the one scripts/pg-start starts.
pub fn pg_server_url() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(u) = std::env::var("OPENTURK_TEST_PG_URL") {
            return u;
        }
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg-start");
        let out = std::process::Command::new(&script).output().expect("run scripts/pg-start");
        assert!(out.status.success(), "scripts/pg-start failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    })
    .clone()
}

/// A fresh, empty database for one test. A PostgreSQL database is dropped with its guard (a
/// CI run creates hundreds, ~8 MB each); a SQLite file goes with the test's directory.
pub struct TestDatabase {
    pub url: String,
    /// The server's URL and the database's name, on PostgreSQL.
    postgres: Option<(String, String)>,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else { return };
        // The blocking client starts a runtime of its own, which a test's runtime thread may
        // not: drop from a plain thread. FORCE ends the connections servers left open.
        let dropped = std::thread::spawn(move || {
            // Bounded, so a server that hangs fails the teardown rather than hanging it.
            let mut config: postgres::Config = server.parse()?;
            let mut c = config.connect_timeout(std::time::Duration::from_secs(10)).connect(postgres::NoTls)?;
            c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("could not drop a test database: {e}");
        }
    }
}

pub fn fresh_database(backend: Backend, dir: &std::path::Path) -> TestDatabase {
    match backend {
        Backend::Sqlite => TestDatabase { url: dir.join("openturk.db").to_string_lossy().into_owned(), postgres: None },
        Backend::Postgres => {
            let server = pg_server_url();
            let name = random_name("ot_test");
            let mut c = postgres::Client::connect(&server, postgres::NoTls).expect("connect to PostgreSQL");
            c.batch_execute(&format!("CREATE DATABASE {name}")).expect("create database");
            let base = server.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
            TestDatabase { url: format!("{base}/{name}"), postgres: Some((server, name)) }
        }
    }
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub service: Service,
    pub clock: ManualClock,
    pub db_url: String,
    pub dir: PathBuf,
    pub key_id: String,
    pub secret: String,
    pub requester_id: String,
    /// The server's signing-key cache, to see what failed requests leave in it.
    pub sigv4: Arc<openturk_web::requester::auth::SigningKeyCache>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    /// Last, so the service above is dropped before its database.
    _database: TestDatabase,
}

pub struct Options {
    pub mode: Mode,
    pub config: ServiceConfig,
}

impl Default for Options {
    fn default() -> Self {
        Options { mode: Mode::Sandbox, config: ServiceConfig::default() }
    }
}

impl TestServer {
    pub async fn start(backend: Backend) -> TestServer {
        Self::start_with(backend, Options::default()).await
    }

    pub async fn start_with(backend: Backend, opts: Options) -> TestServer {
        let dir = std::env::temp_dir().join(random_name("openturk-test"));
        std::fs::create_dir_all(&dir).unwrap();
        let clock = ManualClock::starting_now();
        let (database, service, key) = sync(|| {
            let database = fresh_database(backend, &dir);
            let service = Self::replica(&database.url, &clock, ServiceConfig { mode: opts.mode, ..opts.config });
            let key = service.create_requester("default").unwrap();
            (database, service, key)
        });
        Self::serve(service, clock, database, dir, key).await
    }

    /// Another service on the same database (a replica), sharing the clock.
    pub fn replica(db_url: &str, clock: &ManualClock, config: ServiceConfig) -> Service {
        let db = Db::open(db_url).unwrap();
        Service::open(db, Arc::new(clock.clone()), config, Sealer::from_key([42; 32])).unwrap()
    }

    async fn serve(
        service: Service,
        clock: ManualClock,
        database: TestDatabase,
        dir: PathBuf,
        key: openturk_service::accounts::AccessKey,
    ) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        // Uploaded files in a directory of the test's, with links on the task origin and the
        // deleter running, as `openturk serve` does.
        let blobs = openturk_service::blobs::DirStore::open(dir.join("blobs")).unwrap();
        service.set_blob_store(
            openturk_service::blobs::BlobStore::Dir(blobs),
            &openturk_web::site::SiteConfig::local(addr).task_origin,
        );
        tokio::spawn(service.clone().run_blob_deleter(std::future::pending()));
        let state = openturk_web::AppState::new(service.clone(), Some(clock.clone()))
            .with_site(openturk_web::site::SiteConfig::local(addr));
        let sigv4 = state.sigv4.clone();
        tokio::spawn(async move {
            openturk_web::serve(listener, state, async move {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        TestServer {
            addr,
            service,
            clock,
            db_url: database.url.clone(),
            dir,
            key_id: key.access_key_id,
            secret: key.secret_access_key,
            requester_id: key.requester_id,
            sigv4,
            shutdown: Some(tx),
            _database: database,
        }
    }

    /// The real binary (an admin command) on this server's data directory and database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_openturk"))
            .arg("--data-dir")
            .arg(&self.dir)
            .args(["--database", &self.db_url])
            .args(args)
            .env_remove("OPENTURK_MODE")
            .env_remove("OPENTURK_DATABASE")
            .env_remove("OPENTURK_CONFIG")
            .env_remove("OPENTURK_MASTER_KEY")
            .env_remove("OPENTURK_TEST_CLOCK")
            .current_dir(&self.dir)
            .output()
            .unwrap()
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The official Rust SDK client for the default requester.
    pub fn client(&self) -> aws_sdk_mturk::Client {
        self.client_with(&self.key_id, &self.secret)
    }

    pub fn client_with(&self, key_id: &str, secret: &str) -> aws_sdk_mturk::Client {
        let conf = aws_sdk_mturk::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(self.endpoint())
            .credentials_provider(Credentials::new(key_id, secret, None, None, "test"))
            .build();
        aws_sdk_mturk::Client::from_conf(conf)
    }

    /// Moves the marketplace clock and does the work that fell due, as the scheduler would.
    pub async fn advance(&self, secs: i64) {
        self.clock.advance_secs(secs);
        let s = self.service.clone();
        tokio::task::spawn_blocking(move || s.run_due().unwrap()).await.unwrap();
    }

    pub fn now_secs(&self) -> i64 {
        self.service.now() / 1000
    }

    /// Creates a worker and signs it in; returns (WorkerId, bearer token).
    pub async fn worker(&self, name: &str) -> (String, String) {
        let s = self.service.clone();
        let name = name.to_string();
        tokio::task::spawn_blocking(move || {
            let id = s
                .create_worker(&NewWorker {
                    username: name.clone(),
                    password: "password-123".into(),
                    country: "US".into(),
                    subdivision: None,
                    email: None,
                })
                .unwrap();
            let sess = s.sign_in(&name, "password-123", None).unwrap();
            (id, sess.token)
        })
        .await
        .unwrap()
    }

    /// A worker-API call; returns (status, JSON body).
    pub async fn worker_call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let url = format!("{}/worker-api/v1{}", self.endpoint(), path);
        let mut req = reqwest::Client::new().request(method, url).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
    }

    pub fn verify_ledger(&self) {
        let (_, problems) = sync(|| self.service.verify_ledger()).unwrap();
        assert!(problems.is_empty(), "ledger discrepancies: {problems:?}");
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub const HTML_QUESTION: &str = r#"<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><body><form name="mturk_form" method="post" action="https://www.mturk.com/mturk/externalSubmit"><input type="hidden" name="assignmentId" value=""/><input name="answer"/></form></body></html>]]></HTMLContent><FrameHeight>450</FrameHeight></HTMLQuestion>"#;

/// Sends a CreateHIT or CreateHITWithHITType and returns the new HIT's ID.
pub trait Created {
    async fn created(self) -> String;
}

impl Created for aws_sdk_mturk::operation::create_hit::builders::CreateHITFluentBuilder {
    async fn created(self) -> String {
        self.send().await.unwrap().hit.unwrap().hit_id.unwrap()
    }
}

impl Created for aws_sdk_mturk::operation::create_hit_with_hit_type::builders::CreateHITWithHITTypeFluentBuilder {
    async fn created(self) -> String {
        self.send().await.unwrap().hit.unwrap().hit_id.unwrap()
    }
}

/// A CreateHIT call with sensible defaults.
pub fn create_hit(c: &aws_sdk_mturk::Client) -> aws_sdk_mturk::operation::create_hit::builders::CreateHITFluentBuilder {
    c.create_hit()
        .title("Label an image")
        .description("Say what the picture shows")
        .keywords("image, label")
        .reward("0.50")
        .assignment_duration_in_seconds(600)
        .lifetime_in_seconds(3600)
        .max_assignments(1)
        .question(HTML_QUESTION)
}

/// An Active custom qualification type of the client's requester; returns its ID.
pub async fn qualification_type(c: &aws_sdk_mturk::Client, name: &str, description: &str) -> String {
    c.create_qualification_type()
        .name(name)
        .description(description)
        .qualification_type_status(aws_sdk_mturk::types::QualificationTypeStatus::Active)
        .send()
        .await
        .unwrap()
        .qualification_type
        .unwrap()
        .qualification_type_id
        .unwrap()
}

/// The TurkErrorCode-less view of an SDK error: (error code, message).
pub fn err<E, R>(e: aws_sdk_mturk::error::SdkError<E, R>) -> (String, String)
where
    E: aws_sdk_mturk::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    match e {
        aws_sdk_mturk::error::SdkError::ServiceError(se) => {
            let m = se.err();
            (m.code().unwrap_or("").to_string(), m.message().unwrap_or("").to_string())
        }
        other => panic!("expected a service error, got {other:?}"),
    }
}
