//! `openturk`: the marketplace server and its admin commands.

mod config;
mod files;
mod layout;

use anyhow::{anyhow, bail, Context, Result};
use clap::{Parser, Subcommand};
use config::{Config, Overrides};
use openturk_domain::clock::{format_iso8601, Clock, ManualClock, SystemClock};
use openturk_domain::model::Mode;
use openturk_domain::Money;
use openturk_service::accounts::AccessKey;
use openturk_service::jobs::ScheduledJob;
use openturk_service::outbox::{OutboxEntry, Status};
use openturk_service::secrets::{write_private, Sealer};
use openturk_service::workers::NewWorker;
use openturk_service::Service;
use openturk_storage::Db;
use std::io::Write;
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "openturk", version, about = "A self-hosted marketplace that speaks the Amazon Mechanical Turk API")]
struct Cli {
    #[command(flatten)]
    overrides: Overrides,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the marketplace.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080). Env: OPENTURK_LISTEN.
        #[arg(long)]
        listen: Option<String>,
        /// Testing only: a clock that moves only through POST /_openturk/test/clock. Works only
        /// in a binary built with the `test-clock` feature, and never in production mode.
        #[arg(long, hide = true, env = "OPENTURK_TEST_CLOCK", action = clap::ArgAction::SetTrue,
              value_parser = clap::builder::BoolishValueParser::new())]
        test_clock: bool,
    },
    /// Applies database migrations and exits.
    Migrate,
    /// Manages requesters.
    #[command(subcommand)]
    Requester(RequesterCmd),
    /// Manages workers.
    #[command(subcommand)]
    Worker(WorkerCmd),
    /// Manages HIT layouts: HTML templates with ${name} placeholders for CreateHIT's HITLayoutId.
    #[command(subcommand)]
    Layout(layout::LayoutCmd),
    /// Checks the books.
    #[command(subcommand)]
    Ledger(LedgerCmd),
    /// Shows the outbox: email and notification deliveries, their status and last error.
    #[command(subcommand)]
    Outbox(OutboxCmd),
    /// Shows HIT event notification deliveries (SQS, SNS, email): status, attempts, last error.
    #[command(subcommand)]
    Notifications(NotificationsCmd),
    /// Shows the life-cycle schedule: expiries, deadlines, auto-approvals, disposals.
    #[command(subcommand)]
    Schedule(ScheduleCmd),
    /// Shows uploaded files waiting to be deleted, with their attempts and last error.
    #[command(subcommand)]
    Files(files::FilesCmd),
}

#[derive(Subcommand)]
enum ScheduleCmd {
    /// Lists scheduled jobs, soonest first; parked ones (rows no job of this build reads, kept
    /// with their error) last.
    List {
        /// Only the parked jobs.
        #[arg(long)]
        parked: bool,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

#[derive(Subcommand)]
enum OutboxCmd {
    /// Lists deliveries, newest first.
    List {
        /// Only deliveries in this status: Pending, Sent or Failed.
        #[arg(long)]
        status: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

#[derive(Subcommand)]
enum NotificationsCmd {
    /// Lists notification deliveries, newest first.
    List {
        /// Only this requester's (its ID, e.g. A1B2C3D4E5F6G7).
        #[arg(long)]
        requester: Option<String>,
        /// Only this HIT type's.
        #[arg(long)]
        hit_type: Option<String>,
        /// Only deliveries in this status: Pending, Sent or Failed.
        #[arg(long)]
        status: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

#[derive(Subcommand)]
enum RequesterCmd {
    /// Creates a requester and prints its key pair as an AWS credentials profile.
    Create { name: String },
    /// Adds a key pair to a requester.
    Key {
        name: String,
        /// The key may call only Get* and List* operations.
        #[arg(long)]
        read_only: bool,
    },
    /// Adds prepaid money to a requester's account (production mode), e.g. 100.00.
    Deposit { name: String, amount: String },
    /// Lists requesters, their keys and balances.
    List,
}

#[derive(Subcommand)]
enum WorkerCmd {
    /// Creates a worker and prints its WorkerId.
    Create {
        name: String,
        #[arg(long)]
        password: String,
        #[arg(long, default_value = "US")]
        country: String,
        #[arg(long)]
        subdivision: Option<String>,
        /// Where NotifyWorkers also sends email.
        #[arg(long)]
        email: Option<String>,
    },
    /// Grants the Masters qualification to a worker (WorkerId or username): an operator's
    /// decision, as on MTurk.
    GrantMasters { worker: String },
    /// Takes the Masters qualification away from a worker (WorkerId or username).
    RevokeMasters { worker: String },
}

#[derive(Subcommand)]
enum LedgerCmd {
    /// Verifies every balance against its entries; exits non-zero on any discrepancy.
    Verify,
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("OPENTURK_LOG").unwrap_or_else(|_| "openturk=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if let Err(e) = run(cli) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    let config = Config::load(&cli.overrides)?;
    match cli.command {
        Command::Serve { listen, test_clock } => serve(config, listen, test_clock),
        Command::Migrate => {
            let db = Db::open(&config.database_url()).context("cannot open the database")?;
            let applied = db.migrate()?;
            println!(
                "database is up to date{}",
                if applied.is_empty() { String::new() } else { format!(" (applied {})", applied.join(", ")) }
            );
            Ok(())
        }
        Command::Requester(cmd) => {
            let svc = open(&config, Arc::new(SystemClock))?;
            match cmd {
                RequesterCmd::Create { name } => print!("{}", profile(&name, &svc.create_requester(&name)?)),
                RequesterCmd::Key { name, read_only } => print!("{}", profile(&name, &svc.add_key(&name, read_only)?)),
                RequesterCmd::Deposit { name, amount } => {
                    let amount = Money::parse_amount("AMOUNT", &amount)?;
                    let b = svc.deposit(&name, amount)?;
                    println!("deposited {amount} to {name}: available {}, on hold {}", b.available, b.on_hold);
                }
                RequesterCmd::List => {
                    println!("{:<20} {:<16} {:>14} {:>12}  keys", "name", "requester id", "available", "on hold");
                    for r in svc.list_requesters()? {
                        let keys: Vec<String> = r
                            .keys
                            .iter()
                            .map(|(k, ro)| if *ro { format!("{k} (read-only)") } else { k.clone() })
                            .collect();
                        println!(
                            "{:<20} {:<16} {:>14} {:>12}  {}",
                            r.name,
                            r.requester_id,
                            r.available,
                            r.on_hold,
                            keys.join(", ")
                        );
                    }
                }
            }
            Ok(())
        }
        Command::Worker(WorkerCmd::Create { name, password, country, subdivision, email }) => {
            let svc = open(&config, Arc::new(SystemClock))?;
            let id = svc.create_worker(&NewWorker { username: name, password, country, subdivision, email })?;
            println!("{id}");
            Ok(())
        }
        Command::Worker(WorkerCmd::GrantMasters { worker }) => {
            let svc = open(&config, Arc::new(SystemClock))?;
            let id = svc.set_masters(&worker, true)?;
            let masters = openturk_domain::qualification_type::SystemType::Masters.id(svc.mode());
            println!("{id} is a Master (qualification type {masters})");
            Ok(())
        }
        Command::Worker(WorkerCmd::RevokeMasters { worker }) => {
            let svc = open(&config, Arc::new(SystemClock))?;
            let id = svc.set_masters(&worker, false)?;
            println!("{id} is not a Master any more");
            Ok(())
        }
        Command::Layout(cmd) => layout::run(&open(&config, Arc::new(SystemClock))?, cmd),
        Command::Files(cmd) => files::run(&open(&config, Arc::new(SystemClock))?, cmd),
        Command::Outbox(OutboxCmd::List { status, limit }) => {
            let status = parse_status(status.as_deref())?;
            let svc = open(&config, Arc::new(SystemClock))?;
            print!("{}", outbox_table(&svc.outbox_list(status, limit)?));
            Ok(())
        }
        Command::Notifications(NotificationsCmd::List { requester, hit_type, status, limit }) => {
            let status = parse_status(status.as_deref())?;
            let svc = open(&config, Arc::new(SystemClock))?;
            let rows = svc.notification_deliveries(requester.as_deref(), hit_type.as_deref(), status, limit)?;
            print!("{}", notifications_table(&rows));
            Ok(())
        }
        Command::Schedule(ScheduleCmd::List { parked, limit }) => {
            let svc = open(&config, Arc::new(SystemClock))?;
            print!("{}", schedule_table(&svc.scheduled_jobs(parked, limit)?));
            Ok(())
        }
        Command::Ledger(LedgerCmd::Verify) => {
            let svc = open(&config, Arc::new(SystemClock))?;
            let (accounts, problems) = svc.verify_ledger()?;
            if problems.is_empty() {
                println!("ledger OK: {accounts} accounts balance with their entries, and the books balance");
                Ok(())
            } else {
                for p in &problems {
                    println!("DISCREPANCY: {}", p.0);
                }
                bail!("{} discrepancies in the ledger", problems.len())
            }
        }
    }
}

fn schedule_table(rows: &[ScheduledJob]) -> String {
    let mut out = format!("{:<20}  {:<32}  {:<20}  {:>8}  last error\n", "kind", "ref", "due", "attempts");
    for r in rows {
        out.push_str(&format!(
            "{:<20}  {:<32}  {:<20}  {:>8}  {}\n",
            r.kind,
            r.ref_id,
            r.due_at.map(format_iso8601).unwrap_or_else(|| "parked".into()),
            r.attempts,
            r.last_error.as_deref().unwrap_or("-").replace('\n', " ")
        ));
    }
    out
}

fn parse_status(s: Option<&str>) -> Result<Option<Status>> {
    s.map(|s| Status::parse(s).ok_or_else(|| anyhow!("--status {s}: use Pending, Sent or Failed"))).transpose()
}

/// When a delivery was sent, or will next be tried.
fn next_or_sent(r: &OutboxEntry) -> String {
    match r.status {
        Status::Sent => r.sent_at.map(format_iso8601).unwrap_or_default(),
        Status::Pending => format_iso8601(r.next_attempt_at),
        Status::Failed => "-".into(),
    }
}

/// `openturk notifications list`: one line per message, times in UTC.
fn notifications_table(rows: &[OutboxEntry]) -> String {
    let mut out = format!(
        "{:>6}  {:<18}  {:<30}  {:<14}  {:<30}  {:<7}  {:>8}  {:<20}  {:<20}  last error\n",
        "seq",
        "channel",
        "hit type",
        "requester",
        "destination",
        "status",
        "attempts",
        "created",
        "next attempt / sent"
    );
    for r in rows {
        out.push_str(&format!(
            "{:>6}  {:<18}  {:<30}  {:<14}  {:<30}  {:<7}  {:>8}  {:<20}  {:<20}  {}\n",
            r.seq,
            r.channel,
            r.ref_id.as_deref().unwrap_or("(test)"),
            r.requester_id.as_deref().unwrap_or("-"),
            r.destination,
            r.status.as_str(),
            r.attempts,
            format_iso8601(r.created_at),
            next_or_sent(r),
            r.last_error.as_deref().unwrap_or("-").replace('\n', " ")
        ));
    }
    out
}

/// `openturk outbox list`: one line per delivery, times in UTC.
fn outbox_table(rows: &[OutboxEntry]) -> String {
    let mut out = format!(
        "{:>6}  {:<18}  {:<30}  {:<7}  {:>8}  {:<20}  {:<20}  last error\n",
        "seq", "channel", "destination", "status", "attempts", "created", "next attempt / sent"
    );
    for r in rows {
        out.push_str(&format!(
            "{:>6}  {:<18}  {:<30}  {:<7}  {:>8}  {:<20}  {:<20}  {}\n",
            r.seq,
            r.channel,
            r.destination,
            r.status.as_str(),
            r.attempts,
            format_iso8601(r.created_at),
            next_or_sent(r),
            r.last_error.as_deref().unwrap_or("-").replace('\n', " ")
        ));
    }
    out
}

/// An AWS shared-credentials profile.
fn profile(name: &str, k: &AccessKey) -> String {
    format!("[{name}]\naws_access_key_id = {}\naws_secret_access_key = {}\n", k.access_key_id, k.secret_access_key)
}

fn open(config: &Config, clock: Arc<dyn Clock>) -> Result<Service> {
    let (db, mode) = open_db(config)?;
    open_service(config, db, mode, clock)
}

/// The database, and the mode to open it in. The database remembers its mode: a command
/// without a mode setting uses that one, so that `requester deposit` works on a database served
/// with --production without repeating it. Only a mode setting that contradicts the database
/// is refused (by `Service::open`).
fn open_db(config: &Config) -> Result<(Db, Mode)> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
    let url = config.database_url();
    let db = Db::open(&url).with_context(|| format!("cannot open the database {}", redact(&url)))?;
    let mode = match config.mode {
        Some(m) => m,
        None => Service::stored_mode(&db)?.unwrap_or(Mode::Sandbox),
    };
    Ok((db, mode))
}

fn open_service(config: &Config, db: Db, mode: Mode, clock: Arc<dyn Clock>) -> Result<Service> {
    let sealer = Sealer::load_or_create(&config.data_dir).map_err(|e| anyhow!(e))?;
    Ok(Service::open(db, clock, config.service_config(mode), sealer)?)
}

/// The test clock lets anyone who can reach the server move time: expire HITs, pass deadlines,
/// auto-approve work. So it needs a binary built for tests, and never moves real money.
fn check_test_clock(mode: Mode) -> Result<()> {
    if mode == Mode::Production {
        bail!(
            "the test clock (OPENTURK_TEST_CLOCK) cannot be used in production mode: it would let anyone \
             who reaches the server move the time that deadlines and payments depend on"
        );
    }
    if !cfg!(feature = "test-clock") {
        bail!(
            "the test clock (OPENTURK_TEST_CLOCK) is for tests only, and this binary was built without it; \
             unset OPENTURK_TEST_CLOCK, or build a test binary with `cargo build --release -p openturk \
             --features test-clock` (as scripts/test and scripts/client-tests do)"
        );
    }
    Ok(())
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn serve(mut config: Config, listen: Option<String>, test_clock: bool) -> Result<()> {
    if let Some(l) = listen {
        config.listen = l;
    }
    // A production mode set in the configuration is refused before the database is touched;
    // one recorded in the database, once it is open.
    if test_clock && config.mode == Some(Mode::Production) {
        check_test_clock(Mode::Production)?;
    }
    let (db, mode) = open_db(&config)?;
    if test_clock {
        check_test_clock(mode)?;
    }
    let manual = test_clock.then(ManualClock::starting_now);
    let clock: Arc<dyn Clock> = match &manual {
        Some(m) => Arc::new(m.clone()),
        None => Arc::new(SystemClock),
    };
    let svc = open_service(&config, db, mode, clock)?;
    let cred_path = config.data_dir.join("credentials");
    if !svc.has_requesters()? {
        let key = svc.create_requester("default")?;
        write_private(&cred_path, &profile("default", &key))
            .with_context(|| format!("cannot write {}", cred_path.display()))?;
    }
    let smtp = config.smtp.settings();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let addr = listener.local_addr()?;
        let mut site = openturk_web::site::SiteConfig::local(addr);
        site.https = config.site.https;
        if let Some(o) = &config.site.origin {
            site.origin = o.trim_end_matches('/').to_string();
        }
        if let Some(o) = &config.site.task_origin {
            site.task_origin = o.trim_end_matches('/').to_string();
        }
        site.check().map_err(|e| anyhow::anyhow!("site.origin and site.task_origin: {e}"))?;
        // Uploaded files' download links are served on the task origin, the host for content
        // nobody vouches for (they are downloads, never pages, either way).
        // One AWS client (its HTTP connections, credentials and region) for the blob store and
        // the deliverer.
        let aws = openturk_service::aws::Aws::new(config.aws.settings()).map_err(|e| anyhow!(e))?;
        let blobs = blob_store(&config, &aws)?;
        if let openturk_service::blobs::BlobStore::S3(s3) = &blobs {
            s3.check().await.map_err(|e| {
                anyhow!(
                    "blobs.bucket \"{}\" cannot hold uploaded files: {e}. Create the bucket, or fix blobs.bucket or the [aws] settings",
                    s3.bucket()
                )
            })?;
        }
        let blobs_line = format!("{blobs:?}");
        svc.set_blob_store(blobs, &site.task_origin);
        // A closed stdout (a supervisor that stopped reading) must not stop the server.
        let mut out = std::io::stdout();
        let _ = writeln!(out, "OpenTurk {} in {} mode", env!("CARGO_PKG_VERSION"), svc.mode().as_str());
        let _ = writeln!(out, "  Requester API: http://{addr}/");
        let _ = writeln!(out, "  Worker site:   {}/ (tasks run on {})", site.origin, site.task_origin);
        let _ = writeln!(out, "  Worker API:    http://{addr}/worker-api/v1");
        let _ = writeln!(out, "  Database:      {}", redact(&config.database_url()));
        if cred_path.exists() {
            let _ = writeln!(out, "  Credentials:   {} (profile default)", cred_path.display());
            let _ = writeln!(out, "  Try:           AWS_SHARED_CREDENTIALS_FILE={} aws mturk get-account-balance --endpoint-url http://{addr} --region us-east-1", cred_path.display());
        }
        if manual.is_some() {
            let _ = writeln!(out, "  Test clock:    on (POST /_openturk/test/clock)");
        }
        match &smtp {
            Some(s) => {
                let _ = writeln!(out, "  Email:         SMTP {}:{} ({:?})", s.host, s.port, s.tls);
            }
            None => {
                let _ = writeln!(out, "  Email:         off (no smtp.host; messages go to workers' inboxes only)");
            }
        }
        let _ = writeln!(out, "  Files:         {blobs_line}");
        let _ = out.flush();
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        // Deletes uploaded files whose HIT was disposed of, or whose submit never committed.
        let mut deleter_stop = stop_rx.clone();
        let deleter = tokio::spawn(svc.clone().run_blob_deleter(async move {
            let _ = deleter_stop.wait_for(|s| *s).await;
        }));
        let mut sched_stop = stop_rx.clone();
        let scheduler = tokio::spawn(svc.clone().run_scheduler(async move {
            let _ = sched_stop.wait_for(|s| *s).await;
        }));
        // The outbox deliverer, always: email over SMTP when [smtp] is set, notifications to
        // SQS and SNS with [aws] (or AWS's own credential chain and endpoints). A delivery that
        // cannot go (no SMTP server) is retried and shows its error in `notifications list`.
        let smtp = smtp.as_ref().map(openturk_service::smtp::SmtpTransport::new).transpose().map_err(|e| anyhow!(e))?;
        let transports = openturk_service::notifications::deliver::Transports { smtp, aws: Some(aws) };
        let mut stop = stop_rx.clone();
        let deliverer = tokio::spawn(svc.clone().run_deliverer(Arc::new(transports), async move {
            let _ = stop.wait_for(|s| *s).await;
        }));
        let state = openturk_web::AppState::new(svc, manual).with_site(site);
        let shutdown = async move {
            let _ = tokio::signal::ctrl_c().await;
            let _ = stop_tx.send(true);
        };
        openturk_web::serve(listener, state, shutdown).await?;
        let _ = scheduler.await;
        let _ = deleter.await;
        let _ = deliverer.await;
        Ok(())
    })
}

/// The blob store `[blobs]` configures.
fn blob_store(config: &Config, aws: &openturk_service::aws::Aws) -> Result<openturk_service::blobs::BlobStore> {
    use openturk_service::blobs::{BlobStore, DirStore};
    match config.blobs.store {
        config::BlobStoreKind::Dir => {
            let dir = config.blobs.dir.clone().unwrap_or_else(|| config.data_dir.join("blobs"));
            Ok(BlobStore::Dir(DirStore::open(dir).map_err(|e| anyhow!(e))?))
        }
        config::BlobStoreKind::S3 => {
            let bucket = config.blobs.bucket.clone().unwrap_or_default();
            Ok(BlobStore::S3(openturk_service::blobs::s3::S3Store::new(aws.clone(), bucket)))
        }
    }
}
