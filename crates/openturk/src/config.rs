//! The server's configuration: defaults, then a TOML file, then `OPENTURK_*` environment
//! variables, then command-line flags, each overriding the one before. See docs/config.md.

use anyhow::{bail, Context, Result};
use openturk_domain::fees::FeePolicy;
use openturk_domain::model::Mode;
use openturk_service::passwords::SignInLimits;
use openturk_service::smtp::{SmtpSettings, TlsMode};
use openturk_service::ServiceConfig;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: String,
    /// Directory for the SQLite database, the master key and the credentials file.
    pub data_dir: PathBuf,
    /// A SQLite path or a `postgres://` URL; default: `DATA_DIR/openturk.db`.
    pub database: Option<String>,
    /// `sandbox` or `production`. Unset, an existing database is used in the mode it was
    /// created in, and a new one is created in sandbox mode; set, it must match the database's.
    pub mode: Option<Mode>,
    pub fees: FeePolicy,
    pub lifecycle: Lifecycle,
    pub workers: Workers,
    pub site: Site,
    pub smtp: Smtp,
    pub blobs: Blobs,
    pub aws: Aws,
}

/// The operator's AWS (or AWS-compatible) account, for notifications over SQS and SNS and for
/// an S3 blob store. Every field is optional: credentials default to the standard AWS chain
/// (AWS_ACCESS_KEY_ID…, shared profiles, SSO, web identity, ECS, instance metadata), endpoints
/// to the AWS SDKs' variables (AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_SNS, AWS_ENDPOINT_URL_S3,
/// AWS_ENDPOINT_URL), then AWS's own.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Aws {
    /// The region to sign for when a destination names none (an SNS topic ARN and an AWS queue
    /// URL do). Default: AWS_REGION / the profile's, else us-east-1.
    pub region: Option<String>,
    /// Static credentials, both or neither (with an optional session token). Prefer the chain.
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    /// Endpoints per service, e.g. "http://127.0.0.1:5000" for a compatible server.
    pub sqs_endpoint: Option<String>,
    pub sns_endpoint: Option<String>,
    pub s3_endpoint: Option<String>,
    /// A bound on one request, in seconds (kept under the outbox lease).
    pub timeout_secs: u64,
}

impl Default for Aws {
    fn default() -> Self {
        Aws {
            region: None,
            access_key_id: None,
            secret_access_key: None,
            session_token: None,
            sqs_endpoint: None,
            sns_endpoint: None,
            s3_endpoint: None,
            timeout_secs: 30,
        }
    }
}

impl Aws {
    pub fn settings(&self) -> openturk_service::aws::AwsSettings {
        openturk_service::aws::AwsSettings {
            region: self.region.clone(),
            access_key_id: self.access_key_id.clone(),
            secret_access_key: self.secret_access_key.clone(),
            session_token: self.session_token.clone(),
            sqs_endpoint: self.sqs_endpoint.clone(),
            sns_endpoint: self.sns_endpoint.clone(),
            s3_endpoint: self.s3_endpoint.clone(),
            timeout: std::time::Duration::from_secs(self.timeout_secs),
        }
    }
}

/// Where files uploaded as answers (FileUploadAnswer) are kept. See docs/config.md.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Blobs {
    /// `dir` (the default: a directory, `dir` or DATA_DIR/blobs) or `s3` (a bucket, for
    /// replicas). Env: OPENTURK_BLOBS_STORE.
    pub store: BlobStoreKind,
    /// The directory of the `dir` store; default DATA_DIR/blobs. Env: OPENTURK_BLOBS_DIR.
    pub dir: Option<PathBuf>,
    /// The bucket of the `s3` store. Env: OPENTURK_BLOBS_BUCKET.
    pub bucket: Option<String>,
    /// The largest file a worker may upload, in bytes. Env: OPENTURK_BLOBS_MAX_FILE_BYTES.
    pub max_file_bytes: u64,
    /// The bytes of all uploads held in memory at once, at least `max_file_bytes`; an upload
    /// that arrives when they are spent is refused with 503. Env:
    /// OPENTURK_BLOBS_MAX_UPLOAD_MEMORY_BYTES.
    pub max_upload_memory_bytes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlobStoreKind {
    Dir,
    S3,
}

impl Default for Blobs {
    fn default() -> Self {
        Blobs {
            store: BlobStoreKind::Dir,
            dir: None,
            bucket: None,
            max_file_bytes: openturk_service::blobs::DEFAULT_MAX_FILE_BYTES,
            max_upload_memory_bytes: openturk_service::blobs::DEFAULT_MAX_UPLOAD_MEMORY_BYTES,
        }
    }
}

/// The SMTP server that NotifyWorkers' email goes through (the outbox's deliverer sends it).
/// Unset `host`: no email is queued or sent; workers get messages in their inbox only.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Smtp {
    /// The server's host name. Env: OPENTURK_SMTP_HOST.
    pub host: Option<String>,
    /// Default: 25 with `tls = "none"`, 587 with `"starttls"`, 465 with `"tls"`. Env: OPENTURK_SMTP_PORT.
    pub port: Option<u16>,
    /// The From address, e.g. `OpenTurk <noreply@example.org>`. Env: OPENTURK_SMTP_FROM.
    pub from: Option<String>,
    /// Sign-in to the server, if it needs one: both or neither. Env: OPENTURK_SMTP_USERNAME,
    /// OPENTURK_SMTP_PASSWORD.
    pub username: Option<String>,
    pub password: Option<String>,
    /// `starttls` (the default), `tls` or `none` (plain text: a relay on a trusted network).
    /// Env: OPENTURK_SMTP_TLS.
    pub tls: TlsMode,
    /// A bound on one send, in seconds (kept under the outbox lease). Env: OPENTURK_SMTP_TIMEOUT_SECS.
    pub timeout_secs: u64,
}

impl Default for Smtp {
    fn default() -> Self {
        Smtp {
            host: None,
            port: None,
            from: None,
            username: None,
            password: None,
            tls: TlsMode::Starttls,
            timeout_secs: 60,
        }
    }
}

impl Smtp {
    /// The transport's settings, when a server is configured.
    pub fn settings(&self) -> Option<SmtpSettings> {
        let host = self.host.clone()?;
        let port = self.port.unwrap_or(match self.tls {
            TlsMode::None => 25,
            TlsMode::Starttls => 587,
            TlsMode::Tls => 465,
        });
        Some(SmtpSettings {
            host,
            port,
            from: self.from.clone().unwrap_or_default(),
            username: self.username.clone(),
            password: self.password.clone(),
            tls: self.tls,
            timeout: std::time::Duration::from_secs(self.timeout_secs),
        })
    }
}

/// The worker website.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Site {
    /// The site is reached over HTTPS (a TLS proxy in front): its cookies are marked `Secure`.
    /// Env: OPENTURK_SITE_HTTPS=1.
    pub https: bool,
    /// The site's origin as browsers reach it, e.g. `https://work.example.org`; default
    /// `http://127.0.0.1:PORT`. Env: OPENTURK_SITE_ORIGIN.
    pub origin: Option<String>,
    /// Where requesters' task pages are served: another *site* (host) than `origin`, e.g.
    /// `https://tasks.example-usercontent.org`; default `http://localhost:PORT`. Both names
    /// must reach this server. Env: OPENTURK_TASK_ORIGIN.
    pub task_origin: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Lifecycle {
    /// Days after a HIT becomes reviewable until it is disposed of (MTurk: 120).
    pub disposal_after_days: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Workers {
    /// Assignments a worker may hold in progress at once.
    pub max_assignments_in_progress: i64,
    /// Assignments of one requester a worker may hold in progress at once (MTurk: 10).
    pub max_assignments_in_progress_per_requester: i64,
    /// Whether workers may sign up through the worker API.
    pub open_signup: bool,
    /// Lifetime of a worker session token, in hours.
    pub session_ttl_hours: i64,
    /// Argon2 password hashes (19 MiB each) that may run at once; default: the number of cores.
    pub max_concurrent_password_hashes: usize,
    /// Failed sign-ins an account may have in a window before its sign-ins are refused.
    pub sign_in_failures_per_account: u32,
    /// Failed sign-ins a client address may have in a window before its sign-ins are refused.
    pub sign_in_failures_per_address: u32,
    /// The window of those counts, in minutes.
    pub sign_in_window_minutes: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("openturk-data"),
            database: None,
            mode: None,
            fees: FeePolicy::default(),
            lifecycle: Lifecycle::default(),
            workers: Workers::default(),
            site: Site::default(),
            smtp: Smtp::default(),
            blobs: Blobs::default(),
            aws: Aws::default(),
        }
    }
}

impl Default for Lifecycle {
    fn default() -> Self {
        Lifecycle { disposal_after_days: 120 }
    }
}

impl Default for Workers {
    fn default() -> Self {
        let d = ServiceConfig::default();
        Workers {
            max_assignments_in_progress: d.max_assignments_in_progress,
            max_assignments_in_progress_per_requester: d.max_assignments_in_progress_per_requester,
            open_signup: d.open_signup,
            session_ttl_hours: d.session_ttl_secs / 3600,
            max_concurrent_password_hashes: d.max_concurrent_password_hashes,
            sign_in_failures_per_account: d.sign_in_limits.failures_per_account,
            sign_in_failures_per_address: d.sign_in_limits.failures_per_address,
            sign_in_window_minutes: d.sign_in_limits.window_secs / 60,
        }
    }
}

/// Flags that override the file and the environment.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct Overrides {
    /// Config file (TOML); default: ./openturk.toml if it exists. Env: OPENTURK_CONFIG.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Data directory. Env: OPENTURK_DATA_DIR.
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// SQLite path or postgres:// URL. Env: OPENTURK_DATABASE.
    #[arg(long, global = true)]
    pub database: Option<String>,
    /// Run in production mode (real prepaid balances). Env: OPENTURK_MODE=production.
    #[arg(long, global = true)]
    pub production: bool,
}

impl Config {
    pub fn load(o: &Overrides) -> Result<Config> {
        let path = o.config.clone().or_else(|| std::env::var_os("OPENTURK_CONFIG").map(PathBuf::from));
        let mut c = match &path {
            Some(p) => Self::from_file(p)?,
            None if Path::new("openturk.toml").exists() => Self::from_file(Path::new("openturk.toml"))?,
            None => Config::default(),
        };
        if let Ok(v) = std::env::var("OPENTURK_LISTEN") {
            c.listen = v;
        }
        if let Some(v) = std::env::var_os("OPENTURK_DATA_DIR") {
            c.data_dir = v.into();
        }
        if let Ok(v) = std::env::var("OPENTURK_DATABASE") {
            c.database = Some(v);
        }
        if let Ok(v) = std::env::var("OPENTURK_MODE") {
            c.mode = Some(Mode::parse(&v).with_context(|| format!("OPENTURK_MODE={v}: use sandbox or production"))?);
        }
        if let Ok(v) = std::env::var("OPENTURK_SITE_ORIGIN") {
            c.site.origin = Some(v);
        }
        if let Ok(v) = std::env::var("OPENTURK_TASK_ORIGIN") {
            c.site.task_origin = Some(v);
        }
        if let Ok(v) = std::env::var("OPENTURK_SITE_HTTPS") {
            c.site.https = matches!(v.as_str(), "1" | "true" | "yes");
        }
        let env = |k: &str| std::env::var(k).ok();
        if let Some(v) = env("OPENTURK_SMTP_HOST") {
            c.smtp.host = Some(v).filter(|h| !h.is_empty());
        }
        if let Some(v) = env("OPENTURK_SMTP_PORT") {
            c.smtp.port = Some(v.parse().with_context(|| format!("OPENTURK_SMTP_PORT={v}: use a port number"))?);
        }
        if let Some(v) = env("OPENTURK_SMTP_FROM") {
            c.smtp.from = Some(v);
        }
        if let Some(v) = env("OPENTURK_SMTP_USERNAME") {
            c.smtp.username = Some(v);
        }
        if let Some(v) = env("OPENTURK_SMTP_PASSWORD") {
            c.smtp.password = Some(v);
        }
        if let Some(v) = env("OPENTURK_SMTP_TLS") {
            c.smtp.tls =
                TlsMode::parse(&v).with_context(|| format!("OPENTURK_SMTP_TLS={v}: use starttls, tls or none"))?;
        }
        if let Some(v) = env("OPENTURK_SMTP_TIMEOUT_SECS") {
            c.smtp.timeout_secs =
                v.parse().with_context(|| format!("OPENTURK_SMTP_TIMEOUT_SECS={v}: use a number of seconds"))?;
        }
        if let Some(v) = env("OPENTURK_BLOBS_STORE") {
            c.blobs.store = match v.as_str() {
                "dir" => BlobStoreKind::Dir,
                "s3" => BlobStoreKind::S3,
                _ => bail!("OPENTURK_BLOBS_STORE={v}: use dir or s3"),
            };
        }
        if let Some(v) = std::env::var_os("OPENTURK_BLOBS_DIR") {
            c.blobs.dir = Some(v.into());
        }
        if let Some(v) = env("OPENTURK_BLOBS_BUCKET") {
            c.blobs.bucket = Some(v).filter(|b| !b.is_empty());
        }
        if let Some(v) = env("OPENTURK_BLOBS_MAX_FILE_BYTES") {
            c.blobs.max_file_bytes =
                v.parse().with_context(|| format!("OPENTURK_BLOBS_MAX_FILE_BYTES={v}: use a number of bytes"))?;
        }
        if let Some(v) = env("OPENTURK_BLOBS_MAX_UPLOAD_MEMORY_BYTES") {
            c.blobs.max_upload_memory_bytes = v
                .parse()
                .with_context(|| format!("OPENTURK_BLOBS_MAX_UPLOAD_MEMORY_BYTES={v}: use a number of bytes"))?;
        }
        if let Some(d) = &o.data_dir {
            c.data_dir = d.clone();
        }
        if let Some(d) = &o.database {
            c.database = Some(d.clone());
        }
        if o.production {
            c.mode = Some(Mode::Production);
        }
        c.check()?;
        Ok(c)
    }

    fn from_file(p: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(p).with_context(|| format!("cannot read config file {}", p.display()))?;
        toml::from_str(&text).with_context(|| format!("config file {} is invalid", p.display()))
    }

    fn check(&self) -> Result<()> {
        if self.lifecycle.disposal_after_days < 1 {
            bail!("lifecycle.disposal_after_days must be at least 1");
        }
        if self.workers.max_assignments_in_progress < 1 {
            bail!("workers.max_assignments_in_progress must be at least 1");
        }
        let w = &self.workers;
        if w.max_concurrent_password_hashes < 1 {
            bail!("workers.max_concurrent_password_hashes must be at least 1");
        }
        if w.sign_in_failures_per_account < 1 || w.sign_in_failures_per_address < 1 {
            bail!("workers.sign_in_failures_per_account and workers.sign_in_failures_per_address must be at least 1");
        }
        if w.sign_in_window_minutes < 1 {
            bail!("workers.sign_in_window_minutes must be at least 1");
        }
        if self.smtp.host.is_some() {
            if self.smtp.from.as_deref().is_none_or(str::is_empty) {
                bail!("smtp.from is required with smtp.host: the From address of the email sent, e.g. \"OpenTurk <noreply@example.org>\"");
            }
            if self.smtp.username.is_some() != self.smtp.password.is_some() {
                bail!("smtp.username and smtp.password go together: set both or neither");
            }
            // The send must end before the outbox lease does, or another replica could send too.
            if self.smtp.timeout_secs < 1
                || self.smtp.timeout_secs * 1000 >= (openturk_service::outbox::LEASE_MS / 2) as u64
            {
                bail!("smtp.timeout_secs must be between 1 and {}", openturk_service::outbox::LEASE_MS / 2000 - 1);
            }
        }
        if self.blobs.store == BlobStoreKind::S3 && self.blobs.bucket.as_deref().is_none_or(str::is_empty) {
            bail!("blobs.bucket is required with blobs.store = \"s3\": the bucket that holds uploaded files");
        }
        // MTurk's own bound on MaxFileSizeInBytes; files are held in memory while stored.
        if self.blobs.max_file_bytes < 1 || self.blobs.max_file_bytes > 2_000_000_000 {
            bail!("blobs.max_file_bytes must be between 1 and 2000000000");
        }
        if self.blobs.max_upload_memory_bytes < self.blobs.max_file_bytes {
            bail!(
                "blobs.max_upload_memory_bytes ({}) must be at least blobs.max_file_bytes ({}), or no upload of the largest size could ever be received",
                self.blobs.max_upload_memory_bytes,
                self.blobs.max_file_bytes
            );
        }
        // Building the client checks the credentials' pairing.
        openturk_service::aws::Aws::new(self.aws.settings())?;
        if self.aws.timeout_secs < 1 || self.aws.timeout_secs * 1000 >= (openturk_service::outbox::LEASE_MS / 2) as u64
        {
            bail!("aws.timeout_secs must be between 1 and {}", openturk_service::outbox::LEASE_MS / 2000 - 1);
        }
        for (name, endpoint) in [
            ("sqs_endpoint", &self.aws.sqs_endpoint),
            ("sns_endpoint", &self.aws.sns_endpoint),
            ("s3_endpoint", &self.aws.s3_endpoint),
        ] {
            if let Some(e) = endpoint {
                if !(e.starts_with("http://") || e.starts_with("https://")) {
                    bail!("aws.{name} = {e:?}: use an http:// or https:// URL");
                }
            }
        }
        if self.fees.minimum_fee_cents < 0 || self.fees.commission_basis_points < 0 {
            bail!("fees must not be negative");
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        self.database.clone().unwrap_or_else(|| self.data_dir.join("openturk.db").to_string_lossy().into_owned())
    }

    /// The service's settings, in `mode`: the one resolved against the database (see
    /// `main::open`), not necessarily the one configured.
    pub fn service_config(&self, mode: Mode) -> ServiceConfig {
        ServiceConfig {
            mode,
            fees: self.fees.clone(),
            disposal_after_secs: self.lifecycle.disposal_after_days * 86_400,
            max_assignments_in_progress: self.workers.max_assignments_in_progress,
            max_assignments_in_progress_per_requester: self.workers.max_assignments_in_progress_per_requester,
            open_signup: self.workers.open_signup,
            session_ttl_secs: self.workers.session_ttl_hours * 3600,
            max_concurrent_password_hashes: self.workers.max_concurrent_password_hashes,
            sign_in_limits: SignInLimits {
                failures_per_account: self.workers.sign_in_failures_per_account,
                failures_per_address: self.workers.sign_in_failures_per_address,
                window_secs: self.workers.sign_in_window_minutes * 60,
            },
            email_enabled: self.smtp.host.is_some(),
            max_file_bytes: self.blobs.max_file_bytes,
            max_upload_memory_bytes: self.blobs.max_upload_memory_bytes,
            ..ServiceConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml_text: &str) -> Result<Config> {
        let c: Config = toml::from_str(toml_text)?;
        c.check()?;
        Ok(c)
    }

    #[test]
    fn blobs_default_to_a_directory_and_s3_needs_a_bucket() {
        let c = parse("").unwrap();
        assert_eq!((c.blobs.store, c.blobs.max_file_bytes), (BlobStoreKind::Dir, 100 * 1024 * 1024));
        let e = parse("[blobs]\nstore = \"s3\"\n").unwrap_err().to_string();
        assert!(e.contains("blobs.bucket is required"), "{e}");
        let c = parse("[blobs]\nstore = \"s3\"\nbucket = \"files\"\nmax_file_bytes = 1000\n").unwrap();
        assert_eq!(c.service_config(Mode::Sandbox).max_file_bytes, 1000);
        assert!(parse("[blobs]\nmax_file_bytes = 0\n").is_err());
        let e = parse("[blobs]\nmax_file_bytes = 1000\nmax_upload_memory_bytes = 999\n").unwrap_err().to_string();
        assert!(e.contains("must be at least blobs.max_file_bytes"), "{e}");
        assert!(parse("[blobs]\nstore = \"ftp\"\n").is_err());
    }

    #[test]
    fn smtp_is_off_unless_a_host_is_set() {
        let c = parse("").unwrap();
        assert!(c.smtp.settings().is_none());
        assert!(!c.service_config(Mode::Sandbox).email_enabled);
    }

    #[test]
    fn smtp_ports_follow_the_tls_mode() {
        let c = parse("[smtp]\nhost = \"mail.example.org\"\nfrom = \"OpenTurk <n@example.org>\"\n").unwrap();
        let s = c.smtp.settings().unwrap();
        assert_eq!((s.port, s.tls, s.timeout.as_secs()), (587, TlsMode::Starttls, 60));
        assert!(c.service_config(Mode::Sandbox).email_enabled);
        for (tls, port) in [("none", 25), ("tls", 465)] {
            let c = parse(&format!("[smtp]\nhost = \"h\"\nfrom = \"n@example.org\"\ntls = \"{tls}\"\n")).unwrap();
            assert_eq!(c.smtp.settings().unwrap().port, port);
        }
        let c = parse("[smtp]\nhost = \"h\"\nfrom = \"n@example.org\"\nport = 2525\n").unwrap();
        assert_eq!(c.smtp.settings().unwrap().port, 2525);
    }

    #[test]
    fn smtp_mistakes_are_refused() {
        let e = parse("[smtp]\nhost = \"h\"\n").unwrap_err().to_string();
        assert!(e.contains("smtp.from is required"), "{e}");
        let e = parse("[smtp]\nhost = \"h\"\nfrom = \"n@example.org\"\nusername = \"u\"\n").unwrap_err();
        assert!(e.to_string().contains("both or neither"), "{e}");
        let e = parse("[smtp]\nhost = \"h\"\nfrom = \"n@example.org\"\ntimeout_secs = 600\n").unwrap_err();
        assert!(e.to_string().contains("timeout_secs"), "{e}");
        assert!(parse("[smtp]\ntls = \"ssl\"\n").is_err());
    }

    #[test]
    fn aws_settings_and_mistakes() {
        let c = parse("[aws]\nregion = \"eu-west-1\"\nsqs_endpoint = \"http://127.0.0.1:5000\"\n").unwrap();
        let s = c.aws.settings();
        assert_eq!(s.region.as_deref(), Some("eu-west-1"));
        assert_eq!(s.sqs_endpoint.as_deref(), Some("http://127.0.0.1:5000"));
        assert_eq!(s.timeout, std::time::Duration::from_secs(30));
        let e = parse("[aws]\naccess_key_id = \"AKIA\"\n").unwrap_err().to_string();
        assert!(e.contains("aws.access_key_id and aws.secret_access_key go together"), "{e}");
        let e = parse("[aws]\nsns_endpoint = \"127.0.0.1:5000\"\n").unwrap_err().to_string();
        assert!(e.contains("aws.sns_endpoint"), "{e}");
        assert!(parse("[aws]\ntimeout_secs = 0\n").is_err());
    }
}
