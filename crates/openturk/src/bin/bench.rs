//! `openturk-bench`: a load generator for OpenTurk.
//!
//! It starts the real server (`openturk serve --listen 127.0.0.1:0 --data-dir <temp dir>`) as a
//! child process, reads the requester key pair it writes to `<data dir>/credentials`, drives it
//! over keep-alive HTTP/1.1 connections, and prints a markdown table. Every Requester API call is
//! freshly signed (Signature V4), so signing is part of the client's cost, as with a real SDK.
//!
//! Scenarios (`--scenarios`, comma list, default all):
//! - `noop`: a signed call the server authenticates and refuses for its missing parameters
//!   (`NotifyWorkers`, body `{}`); it answers 400 after full framing + SigV4 + dispatch. The
//!   ceiling of the stack. 4xx answers count as completed for this scenario only.
//! - `get-hit`: `GetHIT` on random IDs among 1,000 HITs created beforehand.
//! - `create-hit`: `CreateHIT` with a small HTMLQuestion.
//! - `list-hits`: `ListHITs` with `MaxResults` 100, over 1,000 HITs created beforehand.
//! - `cycle`: accept (worker API) + submit (worker API) + `ApproveAssignment` (Requester API).
//!   Workers sign up and sign in through the worker API first; each HIT is its own HIT group
//!   with MaxAssignments = the number of workers; each connection owns its own workers, and a
//!   worker walks through the HITs in order, so no (worker, HIT) pair repeats and a worker never
//!   holds more than one assignment.
//! - The worker website, over 100,000 HITs in 10,000 groups (`--site-hits`, `--site-group-size`)
//!   created beforehand with CreateHIT over 16 connections (one title per group, so each group is
//!   one HIT type; MaxAssignments 1), and workers signed up and in through the worker API. These
//!   scenarios share one seeded server per run (the seeding takes about a minute at 100k HITs),
//!   so their RSS accumulates and `site-cycle`, which consumes HITs, should come last:
//!   - `site-list`: `GET /` (the first page of the HIT-group list, 25 groups, newest first) with
//!     a signed-in worker's session cookie;
//!   - `site-search`: `GET /?q=topicNN`, a keyword that 100 of the 10,000 groups carry (a random
//!     one of 100 keywords per request);
//!   - `site-work`: `GET /work/{assignmentId}`, the work page, over the 10 assignments the worker
//!     holds;
//!   - `task-frame`: the task frame's `GET /task/{hitId}?assignmentId=…` on the task origin
//!     (Host `localhost:PORT`), the URL the work page's iframe loads;
//!   - `site-cycle`: what a browser does, over HTTP: `GET /` (the list), `POST
//!     /groups/{id}/accept` with the page's CSRF token (303 to the work page), `GET /work/{id}`,
//!     `GET` of the iframe's task URL on the task origin, `POST /mturk/externalSubmit` as the
//!     task's form does (`Origin: null`). One worker per connection; connection i accepts row
//!     (i + k) of the page; a group emptied between list and accept (409) sends the cycle back
//!     to the list, as a person would go back (counted as retries).
//!   - `site-cycle-nolist`: the same cycle without its `GET /` (a diagnostic: what the list
//!     costs the cycle). Each connection takes the next group of the seeding, oldest first, and
//!     accepts from it until it is empty (the 409 that ends a group is counted as a retry).
//! - `signin`: worker sign-ins (`POST /worker-api/v1/sessions`), each connection signing in its
//!   own worker again and again: with `--connections 64`, bursts of 64 concurrent Argon2 hashes.
//!   Its figure of merit is the server's peak RSS. Not in the default list.
//!
//! Each scenario runs against a fresh server and a fresh, empty database, so the peak RSS
//! (`VmHWM`) reported is that scenario's. Databases:
//! - default: SQLite in a fresh temporary data directory per scenario;
//! - `--database postgres://HOST/DBNAME`: that database, which must be fresh (empty); all
//!   scenarios then share one server (RSS and data accumulate across scenarios);
//! - `--database postgres://HOST/postgres` (a *server* URL: database `postgres` or none): the
//!   bench creates a fresh database per scenario with `psql` (`CREATE DATABASE
//!   openturk_bench_<pid>_<n>`) and drops it afterwards (`--keep-data` keeps it).
//!
//! Non-2xx answers (other than `noop`'s 4xx) and transport failures are errors; the bench exits
//! non-zero if any scenario's error rate exceeds 1%.
//!
//! Example: `openturk-bench --scenarios get-hit,cycle --seconds 10 --connections 32`

use anyhow::{anyhow, bail, Context, Result};
use bytes::Bytes;
use clap::Parser;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const TARGET_PREFIX: &str = "MTurkRequesterServiceV20170117.";
const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
const REGION: &str = "us-east-1";
const SERVICE: &str = "mturk-requester";
const ALL: &[&str] = &[
    "noop",
    "get-hit",
    "create-hit",
    "list-hits",
    "cycle",
    "signin",
    "site-list",
    "site-search",
    "site-work",
    "task-frame",
    "site-cycle",
    "site-cycle-nolist",
];
const SITE_SCENARIOS: &[&str] =
    &["site-list", "site-search", "site-work", "task-frame", "site-cycle", "site-cycle-nolist"];
/// Keywords of the site scenarios: group g carries `topic{g % 100:02}`.
const SITE_TOPICS: usize = 100;
const HTML_QUESTION: &str = r#"<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><body><form name="mturk_form" method="post" action="https://www.mturk.com/mturk/externalSubmit"><input type="hidden" name="assignmentId" value=""/><input name="a"/></form></body></html>]]></HTMLContent><FrameHeight>450</FrameHeight></HTMLQuestion>"#;
const PASSWORD: &str = "bench-password-1";

#[derive(Parser, Debug)]
#[command(
    name = "openturk-bench",
    about = "Load generator for OpenTurk: starts the server, drives it, prints a markdown table",
    long_about = None
)]
struct Args {
    /// Scenarios to run, comma-separated: noop, get-hit, create-hit, list-hits, cycle, signin,
    /// site-list, site-search, site-work, task-frame, site-cycle.
    #[arg(long, default_value = "noop,get-hit,create-hit,list-hits,cycle")]
    scenarios: String,
    /// Measured seconds per scenario (after the warm-up).
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Warm-up seconds per scenario (load runs, nothing is recorded).
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Concurrent keep-alive HTTP/1.1 connections (one request in flight on each). A comma list
    /// (e.g. 16,32,64) runs every scenario at each value.
    #[arg(long, default_value = "32")]
    connections: String,
    /// Tokio worker threads of the load generator (default: 2).
    #[arg(long, default_value_t = 2)]
    client_threads: usize,
    /// PostgreSQL URL. A database named other than `postgres` must be fresh (empty) and is shared
    /// by all scenarios; a server URL (database `postgres` or none) makes the bench create a fresh
    /// database per scenario with `psql`. Default: SQLite in a fresh temporary directory.
    #[arg(long)]
    database: Option<String>,
    /// The `openturk` binary (default: `openturk` next to this executable).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Cycles the `cycle` scenario must be able to run (default: 5,000/s x (warm-up + seconds)).
    #[arg(long)]
    cycle_capacity: Option<usize>,
    /// Keep the temporary data directories (and created PostgreSQL databases).
    #[arg(long)]
    keep_data: bool,
    /// A config file for the server (`openturk --config FILE`); default: none, the defaults.
    #[arg(long)]
    server_config: Option<PathBuf>,
    /// HITs created for the site scenarios.
    #[arg(long, default_value_t = 100_000)]
    site_hits: usize,
    /// HITs per HIT group in the site scenarios (groups = site-hits / site-group-size).
    #[arg(long, default_value_t = 10)]
    site_group_size: usize,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let scenarios: Vec<String> =
        args.scenarios.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    for s in &scenarios {
        if !ALL.contains(&s.as_str()) {
            bail!("unknown scenario '{s}'; use {}", ALL.join(", "));
        }
    }
    let conn_list: Vec<usize> = args
        .connections
        .split(',')
        .map(|c| c.trim().parse::<usize>().ok().filter(|n| *n > 0))
        .collect::<Option<_>>()
        .ok_or_else(|| anyhow!("--connections must be positive numbers, e.g. 32 or 16,32,64"))?;
    if args.seconds <= 0.0 {
        bail!("--seconds must be positive");
    }
    let server_bin = match &args.server_bin {
        Some(p) => p.clone(),
        None => std::env::current_exe()?.parent().ok_or_else(|| anyhow!("no exe dir"))?.join("openturk"),
    };
    if !server_bin.exists() {
        bail!("server binary {} not found; build it or pass --server-bin", server_bin.display());
    }
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(args.client_threads.max(1)).enable_all().build()?;
    let command_line = shell_line(std::env::args());
    let mut runs = Vec::new();
    for s in &scenarios {
        for c in &conn_list {
            runs.push((s.clone(), *c));
        }
    }
    let (results, failures) = rt.block_on(run_all(&args, &runs, &server_bin))?;

    let backend = match &args.database {
        None => "SQLite".to_string(),
        Some(_) => "PostgreSQL".to_string(),
    };
    println!();
    println!("Command: `{command_line}`");
    println!();
    println!("{}", machine_line());
    println!();
    println!("| scenario | backend | conns | rate /s | p50 ms | p99 ms | max ms | done | errors | server CPU | bench CPU | other CPU | idle | server RSS peak / end |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut failed = Vec::new();
    for r in &results {
        println!(
            "| {} | {} | {} | {:.0} {} | {:.2} | {:.2} | {:.2} | {} | {} ({:.2}%) | {:.0}% | {:.0}% | {:.0}% | {:.0}% | {:.0} / {:.0} MiB |",
            r.name,
            backend,
            r.conns,
            r.rate,
            r.unit,
            r.p50_ms,
            r.p99_ms,
            r.max_ms,
            r.done,
            r.errors,
            r.error_rate() * 100.0,
            r.server_cpu,
            r.client_cpu,
            r.other_cpu(),
            r.idle_cpu,
            r.peak_rss_kib as f64 / 1024.0,
            r.end_rss_kib as f64 / 1024.0,
        );
        if r.error_rate() > 0.01 {
            failed.push(r.name.clone());
        }
    }
    println!();
    println!(
        "CPU columns: percent of ONE core over the measured window (this machine: {} cores = {}%); \
         other = busy CPU used by neither the server nor the bench (other processes on the machine). \
         RSS: VmHWM (peak, includes setup such as Argon2 sign-ups) / VmRSS at the end.",
        ncpu(),
        ncpu() * 100
    );
    for r in &results {
        for n in &r.notes {
            println!("note [{}, {} conns]: {n}", r.name, r.conns);
        }
    }
    for r in &results {
        for e in &r.error_samples {
            println!("error sample [{}]: {e}", r.name);
        }
    }
    for f in &failures {
        println!("FAILED: {f}");
    }
    if !failures.is_empty() {
        failed.push(format!("{} runs that failed outright", failures.len()));
    }
    if !failed.is_empty() {
        eprintln!("FAIL: error rate above 1% in: {}", failed.join(", "));
        std::process::exit(2);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Orchestration
// ---------------------------------------------------------------------------------------------

struct Outcome {
    name: String,
    conns: usize,
    unit: &'static str,
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    done: u64,
    errors: u64,
    server_cpu: f64,
    client_cpu: f64,
    idle_cpu: f64,
    peak_rss_kib: u64,
    end_rss_kib: u64,
    error_samples: Vec<String>,
    /// Setup and other remarks printed under the table.
    notes: Vec<String>,
}

impl Outcome {
    fn other_cpu(&self) -> f64 {
        (ncpu() as f64 * 100.0 - self.idle_cpu - self.server_cpu - self.client_cpu).max(0.0)
    }
    fn error_rate(&self) -> f64 {
        let total = self.done + self.errors;
        if total == 0 {
            1.0
        } else {
            self.errors as f64 / total as f64
        }
    }
}

enum DbPlan {
    Sqlite,
    /// One given database, one server for all scenarios.
    Shared(String),
    /// A server URL: a fresh database per scenario.
    PerScenario {
        server_url: String,
    },
}

fn db_plan(database: &Option<String>) -> Result<DbPlan> {
    let Some(url) = database else { return Ok(DbPlan::Sqlite) };
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        bail!("--database must be a postgres:// URL (SQLite is the default)");
    }
    let after = &url[url.find("://").unwrap() + 3..];
    let dbname = after.split_once('/').map(|(_, d)| d.split('?').next().unwrap_or("")).unwrap_or("");
    Ok(if dbname.is_empty() || dbname == "postgres" {
        DbPlan::PerScenario { server_url: url.clone() }
    } else {
        DbPlan::Shared(url.clone())
    })
}

/// `postgres://u@h:p/postgres?x` with its database replaced by `name`.
fn with_dbname(url: &str, name: &str) -> String {
    let scheme_end = url.find("://").unwrap() + 3;
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

fn psql(url: &str, sql: &str) -> Result<()> {
    let out = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .context("cannot run psql (needed to create databases from a server URL)")?;
    if !out.status.success() {
        bail!("psql '{sql}' failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

/// The server the site scenarios share, seeded once per run.
struct SiteServer {
    /// None: the shared server of a `DbPlan::Shared` run.
    server: Option<Server>,
    created_db: Option<(String, String)>,
    data: Option<SiteData>,
}

async fn run_all(args: &Args, runs: &[(String, usize)], server_bin: &Path) -> Result<(Vec<Outcome>, Vec<String>)> {
    let plan = db_plan(&args.database)?;
    let mut results = Vec::new();
    let mut shared: Option<Server> = None;
    let mut site: Option<SiteServer> = None;
    let mut failures = Vec::new();
    for (i, (name, conns)) in runs.iter().enumerate() {
        let is_site = SITE_SCENARIOS.contains(&name.as_str());
        if let (DbPlan::Shared(url), None) = (&plan, &shared) {
            shared = Some(Server::start(server_bin, Some(url.clone()), args.keep_data, args.server_config.as_deref())?);
        }
        if is_site && site.is_none() {
            site = Some(match &plan {
                DbPlan::Shared(_) => SiteServer { server: None, created_db: None, data: None },
                DbPlan::Sqlite => SiteServer {
                    server: Some(Server::start(server_bin, None, args.keep_data, args.server_config.as_deref())?),
                    created_db: None,
                    data: None,
                },
                DbPlan::PerScenario { server_url } => {
                    let db = format!("openturk_bench_{}_site", std::process::id());
                    psql(server_url, &format!("CREATE DATABASE {db}"))?;
                    let url = with_dbname(server_url, &db);
                    SiteServer {
                        server: Some(Server::start(
                            server_bin,
                            Some(url),
                            args.keep_data,
                            args.server_config.as_deref(),
                        )?),
                        created_db: Some((server_url.clone(), db)),
                        data: None,
                    }
                }
            });
        }
        let (server, created_db) = match &plan {
            _ if is_site => (None, None),
            DbPlan::Shared(_) => (None, None),
            DbPlan::Sqlite => {
                (Some(Server::start(server_bin, None, args.keep_data, args.server_config.as_deref())?), None)
            }
            DbPlan::PerScenario { server_url } => {
                let db = format!("openturk_bench_{}_{}", std::process::id(), i);
                psql(server_url, &format!("CREATE DATABASE {db}"))?;
                let url = with_dbname(server_url, &db);
                (
                    Some(Server::start(server_bin, Some(url), args.keep_data, args.server_config.as_deref())?),
                    Some((server_url.clone(), db)),
                )
            }
        };
        let srv = if is_site {
            let s = site.as_ref().expect("site server started");
            s.server.as_ref().or(shared.as_ref()).expect("a server")
        } else {
            server.as_ref().or(shared.as_ref()).expect("a server")
        };
        eprintln!("== {name}, {conns} connections: server pid {} at {} ({})", srv.pid(), srv.addr, srv.db_label);
        let r = if is_site {
            let s = site.as_mut().expect("site server started");
            let srv = s.server.as_ref().or(shared.as_ref()).expect("a server");
            run_site_scenario(args, name, *conns, srv, &mut s.data).await
        } else {
            run_scenario(args, name, *conns, srv).await
        };
        let srv = if is_site {
            site.as_ref().and_then(|s| s.server.as_ref()).or(shared.as_ref()).expect("a server")
        } else {
            server.as_ref().or(shared.as_ref()).expect("a server")
        };
        let bad = match &r {
            Ok(o) => o.errors > 0,
            Err(_) => true,
        };
        if bad {
            let tail = srv.log_tail(15);
            if !tail.is_empty() {
                eprintln!("   server log (last lines):\n{tail}");
            }
        }
        drop(server);
        drop_db(args, created_db);
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                eprintln!("   {name} with {conns} connections FAILED: {e:#}");
                failures.push(format!("{name} ({conns} connections): {e:#}"));
                continue;
            }
        };
        eprintln!(
            "   {name}: {:.0} {}/s, p50 {:.2} ms, p99 {:.2} ms, errors {}, server CPU {:.0}%, bench CPU {:.0}%",
            r.rate, r.unit, r.p50_ms, r.p99_ms, r.errors, r.server_cpu, r.client_cpu
        );
        results.push(r);
    }
    if let Some(s) = site {
        drop(s.server);
        drop_db(args, s.created_db);
    }
    drop(shared);
    Ok((results, failures))
}

fn drop_db(args: &Args, created_db: Option<(String, String)>) {
    if let Some((server_url, db)) = created_db {
        if !args.keep_data {
            if let Err(e) = psql(&server_url, &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")) {
                eprintln!("warning: {e}");
            }
        }
    }
}

async fn run_scenario(args: &Args, name: &str, conns: usize, srv: &Server) -> Result<Outcome> {
    let ctx = Arc::new(Ctx::new(srv));
    let load: Load = match name {
        "noop" => Load::Noop,
        "get-hit" => {
            let t = Instant::now();
            let hits = create_hits(&ctx, 1000, false, 1, conns.min(16)).await?;
            eprintln!("   seeded 1000 HITs in {:.1}s", t.elapsed().as_secs_f64());
            Load::GetHit(Arc::new(hits.into_iter().map(|h| h.0).collect()))
        }
        "create-hit" => Load::CreateHit,
        "list-hits" => {
            let t = Instant::now();
            create_hits(&ctx, 1000, false, 1, conns.min(16)).await?;
            eprintln!("   seeded 1000 HITs in {:.1}s", t.elapsed().as_secs_f64());
            Load::ListHits
        }
        "cycle" => {
            let capacity =
                args.cycle_capacity.unwrap_or(((args.warmup + args.seconds) * 5000.0).ceil() as usize).max(conns);
            // Each connection owns `per` workers; W = conns * per workers in all.
            let per = 64usize.div_ceil(conns).max(1);
            let nworkers = conns * per;
            let nhits = capacity.div_ceil(nworkers);
            let t = Instant::now();
            let tokens = create_workers(&ctx, nworkers).await?;
            eprintln!("   signed up and signed in {nworkers} workers in {:.1}s", t.elapsed().as_secs_f64());
            let t = Instant::now();
            let hits = create_hits(&ctx, nhits, true, nworkers as i64, conns.min(16)).await?;
            eprintln!(
                "   created {nhits} HITs (one group each, MaxAssignments {nworkers}) in {:.1}s: capacity {} cycles",
                t.elapsed().as_secs_f64(),
                nhits * nworkers
            );
            Load::Cycle { tokens: Arc::new(tokens), groups: Arc::new(hits.into_iter().map(|h| h.1).collect()), per }
        }
        "signin" => {
            let t = Instant::now();
            create_workers(&ctx, conns).await?;
            eprintln!("   signed up {conns} workers in {:.1}s", t.elapsed().as_secs_f64());
            Load::SignIn
        }
        _ => unreachable!(),
    };
    measure(args, name, conns, srv, ctx, load, Vec::new()).await
}

/// Runs `load` on `conns` connections: warm-up, then the measured window.
async fn measure(
    args: &Args,
    name: &str,
    conns: usize,
    srv: &Server,
    ctx: Arc<Ctx>,
    load: Load,
    mut notes: Vec<String>,
) -> Result<Outcome> {
    let unit = match load {
        Load::Cycle { .. } | Load::SiteCycle { .. } | Load::SiteCycleNoList { .. } => "cycles",
        Load::SignIn => "sign-ins",
        Load::SiteList { .. } | Load::SiteSearch { .. } | Load::SiteWork { .. } => "pages",
        _ => "req",
    };
    let retries_before = SITE_CYCLE_RETRIES.load(Ordering::Relaxed);
    let load = Arc::new(load);
    let errors = Arc::new(ErrorLog::default());
    let start = Instant::now();
    let t_measure = start + Duration::from_secs_f64(args.warmup);
    let t_end = t_measure + Duration::from_secs_f64(args.seconds);
    let mut tasks = Vec::new();
    for i in 0..conns {
        let (ctx, load, errors) = (ctx.clone(), load.clone(), errors.clone());
        tasks.push(tokio::spawn(async move { drive(i, ctx, load, errors, t_measure, t_end).await }));
    }
    // CPU accounting over the measured window.
    tokio::time::sleep_until(t_measure.into()).await;
    let cpu0 = CpuSnap::take(srv.pid());
    tokio::time::sleep_until(t_end.into()).await;
    let cpu1 = CpuSnap::take(srv.pid());
    let mut lat: Vec<u32> = Vec::new();
    let mut exhausted = 0;
    for t in tasks {
        let r = t.await?;
        lat.extend_from_slice(&r.latencies_us);
        if r.exhausted {
            exhausted += 1;
        }
    }
    if exhausted > 0 {
        bail!("{exhausted} connections ran out of (worker, HIT) pairs before the end; raise --cycle-capacity");
    }
    lat.sort_unstable();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return 0.0;
        }
        let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
        lat[i] as f64 / 1000.0
    };
    let done = lat.len() as u64;
    let (server_cpu, client_cpu, idle_cpu) = cpu0.zip(cpu1).map(|(a, b)| a.delta(&b)).unwrap_or((0.0, 0.0, 0.0));
    let error_samples = errors.samples.lock().unwrap().clone();
    if matches!(*load, Load::SiteCycle { .. } | Load::SiteCycleNoList { .. }) {
        let retries = SITE_CYCLE_RETRIES.load(Ordering::Relaxed) - retries_before;
        notes.push(if matches!(*load, Load::SiteCycle { .. }) {
            format!("{retries} accepts (warm-up included) found their group emptied since the list was read and went back to the list")
        } else {
            format!("{retries} accepts (warm-up included) found their group empty and went on to the next group (one per group used up)")
        });
    }
    Ok(Outcome {
        name: name.to_string(),
        conns,
        unit,
        rate: done as f64 / args.seconds,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        max_ms: lat.last().map(|v| *v as f64 / 1000.0).unwrap_or(0.0),
        done,
        errors: errors.count.load(Ordering::Relaxed),
        server_cpu,
        client_cpu,
        idle_cpu,
        peak_rss_kib: srv.rss_kib("VmHWM:"),
        end_rss_kib: srv.rss_kib("VmRSS:"),
        error_samples,
        notes,
    })
}

// ---------------------------------------------------------------------------------------------
// The load
// ---------------------------------------------------------------------------------------------

enum Load {
    Noop,
    GetHit(Arc<Vec<String>>),
    CreateHit,
    ListHits,
    /// Tokens of all workers; HIT group of each HIT; workers per connection.
    Cycle {
        tokens: Arc<Vec<String>>,
        groups: Arc<Vec<String>>,
        per: usize,
    },
    /// Connection `i` signs in worker `i` (see [`worker_name`]).
    SignIn,
    /// The site's HIT list, as this session.
    SiteList {
        session: String,
    },
    /// The HIT list with `q=topicNN`.
    SiteSearch {
        session: String,
    },
    /// Work pages of these assignments, all held by the session's worker.
    SiteWork {
        session: String,
        assignments: Arc<Vec<String>>,
    },
    /// Task-frame URLs (path and query) on the task origin.
    TaskFrame(Arc<Vec<String>>),
    /// Connection `i` works as the worker of session `i`.
    SiteCycle {
        sessions: Arc<Vec<String>>,
    },
    /// The cycle without the list: groups taken in turn from `groups` at the shared cursor.
    SiteCycleNoList {
        sessions: Arc<Vec<String>>,
        csrf: Arc<Vec<String>>,
        groups: Arc<Vec<String>>,
        cursor: Arc<AtomicUsize>,
    },
}

static SITE_CYCLE_RETRIES: AtomicU64 = AtomicU64::new(0);

#[derive(Default)]
struct ErrorLog {
    count: AtomicU64,
    samples: Mutex<Vec<String>>,
}

impl ErrorLog {
    fn record(&self, msg: String) {
        self.count.fetch_add(1, Ordering::Relaxed);
        let mut s = self.samples.lock().unwrap();
        if s.len() < 5 {
            s.push(msg);
        }
    }
}

struct DriveResult {
    latencies_us: Vec<u32>,
    exhausted: bool,
}

/// One connection's loop: one request (or cycle) in flight at a time until `t_end`.
async fn drive(
    idx: usize,
    ctx: Arc<Ctx>,
    load: Arc<Load>,
    errors: Arc<ErrorLog>,
    t_measure: Instant,
    t_end: Instant,
) -> DriveResult {
    let mut lat = Vec::with_capacity(1 << 16);
    let mut conn: Option<Conn> = None;
    let mut rng = Rng::new(idx as u64 + 1);
    let mut k: usize = 0; // cycle counter of this connection
    loop {
        if Instant::now() >= t_end {
            return DriveResult { latencies_us: lat, exhausted: false };
        }
        if conn.is_none() {
            match Conn::open(ctx.addr).await {
                Ok(c) => conn = Some(c),
                Err(e) => {
                    errors.record(format!("connect: {e:#}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        let c = conn.as_mut().expect("connected");
        let t0 = Instant::now();
        let res: Result<Result<(), String>> = match &*load {
            Load::Noop => {
                let req = ctx.signed("NotifyWorkers", b"{}".to_vec());
                c.send(req).await.map(|(st, body)| {
                    if st.is_success() || st.is_client_error() {
                        Ok(())
                    } else {
                        Err(format!("NotifyWorkers: {st} {}", String::from_utf8_lossy(&body)))
                    }
                })
            }
            Load::GetHit(ids) => {
                let id = &ids[rng.below(ids.len())];
                let req = ctx.signed("GetHIT", format!(r#"{{"HITId":"{id}"}}"#).into_bytes());
                c.send(req).await.map(|r| check("GetHIT", r))
            }
            Load::CreateHit => {
                let req = ctx.signed("CreateHIT", create_hit_body("Bench HIT", 1));
                c.send(req).await.map(|r| check("CreateHIT", r))
            }
            Load::ListHits => {
                let req = ctx.signed("ListHITs", br#"{"MaxResults":100}"#.to_vec());
                c.send(req).await.map(|r| check("ListHITs", r))
            }
            Load::Cycle { tokens, groups, per } => {
                let hit = k / per;
                if hit >= groups.len() {
                    return DriveResult { latencies_us: lat, exhausted: true };
                }
                let worker = idx * per + (k % per);
                k += 1;
                cycle(&ctx, c, &tokens[worker], &groups[hit]).await
            }
            Load::SiteList { session } => {
                c.send(ctx.site(Method::GET, "/", Some(session), None)).await.map(|r| check("GET /", r))
            }
            Load::SiteSearch { session } => {
                let path = format!("/?q=topic{:02}", rng.below(SITE_TOPICS));
                c.send(ctx.site(Method::GET, &path, Some(session), None)).await.map(|r| check("GET /?q=", r))
            }
            Load::SiteWork { session, assignments } => {
                let path = format!("/work/{}", assignments[rng.below(assignments.len())]);
                c.send(ctx.site(Method::GET, &path, Some(session), None)).await.map(|r| check("GET /work", r))
            }
            Load::TaskFrame(urls) => {
                let req = ctx.task(&urls[rng.below(urls.len())]);
                c.send(req).await.map(|r| check("GET /task", r))
            }
            Load::SiteCycle { sessions } => {
                k += 1;
                site_cycle(&ctx, c, &sessions[idx], idx + k).await
            }
            Load::SiteCycleNoList { sessions, csrf, groups, cursor } => {
                site_cycle_nolist(&ctx, c, &sessions[idx], &csrf[idx], groups, cursor, &mut k).await
            }
            Load::SignIn => {
                let body = json!({"Username": worker_name(idx), "Password": PASSWORD}).to_string().into_bytes();
                let req = ctx.worker(Method::POST, "/worker-api/v1/sessions", None, Some(body));
                c.send(req).await.map(|r| check("sign-in", r))
            }
        };
        let t1 = Instant::now();
        match res {
            Ok(Ok(())) => {
                if t0 >= t_measure && t1 <= t_end {
                    lat.push((t1 - t0).as_micros().min(u32::MAX as u128) as u32);
                }
            }
            Ok(Err(msg)) => {
                if t1 >= t_measure && t1 <= t_end {
                    errors.record(msg);
                }
            }
            Err(e) => {
                if t1 >= t_measure && t1 <= t_end {
                    errors.record(format!("transport: {e:#}"));
                }
                conn = None;
            }
        }
    }
}

fn check(op: &str, (st, body): (StatusCode, Bytes)) -> Result<(), String> {
    if st.is_success() {
        Ok(())
    } else {
        Err(format!("{op}: {st} {}", String::from_utf8_lossy(&body)))
    }
}

/// accept + submit + approve. Outer error: transport; inner: an HTTP error answer.
async fn cycle(ctx: &Ctx, c: &mut Conn, token: &str, group: &str) -> Result<Result<(), String>> {
    let req = ctx.worker(Method::POST, &format!("/worker-api/v1/hit-groups/{group}/accept"), Some(token), None);
    let (st, body) = c.send(req).await?;
    if !st.is_success() {
        return Ok(Err(format!("accept: {st} {}", String::from_utf8_lossy(&body))));
    }
    let v: Value = serde_json::from_slice(&body)?;
    let aid = v["AssignmentId"].as_str().ok_or_else(|| anyhow!("accept: no AssignmentId in {v}"))?.to_string();
    let req = ctx.worker(
        Method::POST,
        &format!("/worker-api/v1/assignments/{aid}/submit"),
        Some(token),
        Some(br#"{"Answers":{"a":"x"}}"#.to_vec()),
    );
    let (st, body) = c.send(req).await?;
    if !st.is_success() {
        return Ok(Err(format!("submit: {st} {}", String::from_utf8_lossy(&body))));
    }
    let req = ctx.signed("ApproveAssignment", format!(r#"{{"AssignmentId":"{aid}"}}"#).into_bytes());
    let (st, body) = c.send(req).await?;
    if !st.is_success() {
        return Ok(Err(format!("approve: {st} {}", String::from_utf8_lossy(&body))));
    }
    Ok(Ok(()))
}

fn create_hit_body(title: &str, max_assignments: i64) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "Title": title,
        "Description": "A HIT created by openturk-bench",
        "Keywords": "bench",
        "Reward": "0.05",
        "MaxAssignments": max_assignments,
        "LifetimeInSeconds": 86400,
        "AssignmentDurationInSeconds": 3600,
        "AutoApprovalDelayInSeconds": 86400,
        "Question": HTML_QUESTION,
    }))
    .expect("json")
}

/// Creates `n` HITs over `par` connections; returns (HITId, HITGroupId) in creation order.
/// `distinct`: each HIT gets its own title, hence its own HIT type and group.
async fn create_hits(
    ctx: &Arc<Ctx>,
    n: usize,
    distinct: bool,
    max_assignments: i64,
    par: usize,
) -> Result<Vec<(String, String)>> {
    let next = Arc::new(AtomicUsize::new(0));
    let out = Arc::new(Mutex::new(vec![(String::new(), String::new()); n]));
    let mut tasks = Vec::new();
    for _ in 0..par.max(1) {
        let (ctx, next, out) = (ctx.clone(), next.clone(), out.clone());
        tasks.push(tokio::spawn(async move {
            let mut c = Conn::open(ctx.addr).await?;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return Ok::<(), anyhow::Error>(());
                }
                let title = if distinct { format!("Bench cycle HIT {i}") } else { "Bench HIT".to_string() };
                let (st, body) = c.send(ctx.signed("CreateHIT", create_hit_body(&title, max_assignments))).await?;
                if !st.is_success() {
                    bail!("seeding CreateHIT: {st} {}", String::from_utf8_lossy(&body));
                }
                let v: Value = serde_json::from_slice(&body)?;
                let id = v["HIT"]["HITId"].as_str().ok_or_else(|| anyhow!("no HITId in {v}"))?;
                let g = v["HIT"]["HITGroupId"].as_str().ok_or_else(|| anyhow!("no HITGroupId in {v}"))?;
                out.lock().unwrap()[i] = (id.to_string(), g.to_string());
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    let v = std::mem::take(&mut *out.lock().unwrap());
    Ok(v)
}

/// The user name of the bench's `i`th worker.
fn worker_name(i: usize) -> String {
    format!("bench-{}-{i}", std::process::id())
}

/// Signs up and signs in `n` workers (Argon2 on the server: slow on purpose); returns tokens.
async fn create_workers(ctx: &Arc<Ctx>, n: usize) -> Result<Vec<String>> {
    create_workers_from(ctx, 0, n).await
}

/// [`create_workers`] for the workers numbered `first..first + n`.
async fn create_workers_from(ctx: &Arc<Ctx>, first: usize, n: usize) -> Result<Vec<String>> {
    let next = Arc::new(AtomicUsize::new(0));
    let out = Arc::new(Mutex::new(vec![String::new(); n]));
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (ctx, next, out) = (ctx.clone(), next.clone(), out.clone());
        tasks.push(tokio::spawn(async move {
            let mut c = Conn::open(ctx.addr).await?;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return Ok::<(), anyhow::Error>(());
                }
                let user = worker_name(first + i);
                let body = serde_json::to_vec(&json!({"Username": user, "Password": PASSWORD, "Country": "US"}))?;
                let (st, b) = c.send(ctx.worker(Method::POST, "/worker-api/v1/workers", None, Some(body))).await?;
                if !st.is_success() {
                    bail!("sign-up: {st} {}", String::from_utf8_lossy(&b));
                }
                let body = serde_json::to_vec(&json!({"Username": user, "Password": PASSWORD}))?;
                let (st, b) = c.send(ctx.worker(Method::POST, "/worker-api/v1/sessions", None, Some(body))).await?;
                if !st.is_success() {
                    bail!("sign-in: {st} {}", String::from_utf8_lossy(&b));
                }
                let v: Value = serde_json::from_slice(&b)?;
                let tok = v["Token"].as_str().ok_or_else(|| anyhow!("no Token in {v}"))?;
                out.lock().unwrap()[i] = tok.to_string();
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    let v = std::mem::take(&mut *out.lock().unwrap());
    Ok(v)
}

// ---------------------------------------------------------------------------------------------
// The worker website
// ---------------------------------------------------------------------------------------------

/// What the site scenarios share: the seeded HITs and the signed-in workers.
struct SiteData {
    /// Session tokens (= the site's cookie). Session 0 is the worker of site-list, site-search,
    /// site-work and task-frame; sessions 1..=conns are site-cycle's workers.
    sessions: Vec<String>,
    /// Assignments the worker of session 0 holds, and their task-frame URLs.
    held: Vec<(String, String)>,
    /// How the data were made, for the notes.
    setup: Vec<String>,
    /// Every group, in the order of the seeding (oldest first), and the next one to work.
    groups: Arc<Vec<String>>,
    cursor: Arc<AtomicUsize>,
}

/// Worker numbers of the site scenarios start here (apart from `cycle`'s on a shared database).
const SITE_WORKER_BASE: usize = 100_000;

async fn run_site_scenario(
    args: &Args,
    name: &str,
    conns: usize,
    srv: &Server,
    data: &mut Option<SiteData>,
) -> Result<Outcome> {
    let ctx = Arc::new(Ctx::new(srv));
    if data.is_none() {
        *data = Some(seed_site(args, &ctx, &srv.data_dir).await?);
    }
    let d = data.as_mut().expect("seeded");
    // The seeding's notes go with the first site scenario of the run.
    let mut notes = std::mem::take(&mut d.setup);
    let load = match name {
        "site-list" => Load::SiteList { session: d.sessions[0].clone() },
        "site-search" => Load::SiteSearch { session: d.sessions[0].clone() },
        "site-work" => Load::SiteWork {
            session: d.sessions[0].clone(),
            assignments: Arc::new(d.held.iter().map(|h| h.0.clone()).collect()),
        },
        "task-frame" => Load::TaskFrame(Arc::new(d.held.iter().map(|h| h.1.clone()).collect())),
        "site-cycle" | "site-cycle-nolist" => {
            if d.sessions.len() < conns + 1 {
                let have = d.sessions.len();
                let t = Instant::now();
                let more = create_workers_from(&ctx, SITE_WORKER_BASE + have, conns + 1 - have).await?;
                let msg = format!(
                    "signed up and signed in {} more workers for site-cycle in {:.1}s",
                    more.len(),
                    t.elapsed().as_secs_f64()
                );
                eprintln!("   {msg}");
                notes.push(msg);
                d.sessions.extend(more);
            }
            let sessions = Arc::new(d.sessions[1..=conns].to_vec());
            if name == "site-cycle" {
                Load::SiteCycle { sessions }
            } else {
                // The CSRF token of each worker's forms, read once from the list.
                let mut c = Conn::open(ctx.addr).await?;
                let mut csrf = Vec::new();
                for s in sessions.iter() {
                    csrf.push(list_page(&ctx, &mut c, s, "/?size=1").await?.0);
                }
                Load::SiteCycleNoList {
                    sessions,
                    csrf: Arc::new(csrf),
                    groups: d.groups.clone(),
                    cursor: d.cursor.clone(),
                }
            }
        }
        _ => unreachable!(),
    };
    measure(args, name, conns, srv, ctx, load, notes).await
}

/// Seeds the site scenarios' server: `--site-hits` HITs in groups of `--site-group-size`, one
/// signed-in worker holding 10 assignments (the per-requester limit), and checks that the pages
/// show what they should.
async fn seed_site(args: &Args, ctx: &Arc<Ctx>, data_dir: &Path) -> Result<SiteData> {
    let per = args.site_group_size.max(1);
    // At least 40 groups: the seeding checks a full first page of 25.
    let n = args.site_hits.max(per * 40);
    let ngroups = n.div_ceil(per);
    let mut setup = Vec::new();
    let t = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let group_ids = Arc::new(Mutex::new(vec![String::new(); ngroups]));
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (ctx, next, group_ids) = (ctx.clone(), next.clone(), group_ids.clone());
        tasks.push(tokio::spawn(async move {
            let mut c = Conn::open(ctx.addr).await?;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return Ok::<(), anyhow::Error>(());
                }
                // HIT i is in group i / per: the groups fill one after another.
                let g = i / per;
                let mut hit = json!({
                    "Title": format!("Bench group {g:05}: label the picture"),
                    "Description": format!("Look at the picture and choose its label (topic{:02})", g % SITE_TOPICS),
                    "Keywords": format!("bench, image, topic{:02}", g % SITE_TOPICS),
                    "Reward": "0.05",
                    "MaxAssignments": 1,
                    "LifetimeInSeconds": 86400,
                    "AssignmentDurationInSeconds": 3600,
                    "AutoApprovalDelayInSeconds": 86400,
                    "Question": HTML_QUESTION,
                });
                if let Some(reqs) = site_requirements(g) {
                    hit["QualificationRequirements"] = reqs;
                }
                let body = serde_json::to_vec(&hit)?;
                let (st, b) = c.send(ctx.signed("CreateHIT", body)).await?;
                if !st.is_success() {
                    bail!("seeding CreateHIT: {st} {}", String::from_utf8_lossy(&b));
                }
                if i % per == 0 {
                    let v: Value = serde_json::from_slice(&b)?;
                    let gid = v["HIT"]["HITGroupId"].as_str().ok_or_else(|| anyhow!("no HITGroupId in {v}"))?;
                    group_ids.lock().unwrap()[g] = gid.to_string();
                }
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    let msg = format!(
        "setup: created {n} HITs in {ngroups} groups (CreateHIT over 16 connections) in {:.1}s ({:.0} HITs/s)",
        t.elapsed().as_secs_f64(),
        n as f64 / t.elapsed().as_secs_f64()
    );
    eprintln!("   {msg}");
    setup.push(msg);
    // SQLite: the size of the database and of its WAL after the seeding.
    let size = |f: &str| std::fs::metadata(data_dir.join(f)).map(|m| m.len() as f64 / 1048576.0).ok();
    if let (Some(db), Some(wal)) = (size("openturk.db"), size("openturk.db-wal")) {
        let msg = format!("setup: after seeding, openturk.db is {db:.0} MiB and its WAL file {wal:.0} MiB");
        eprintln!("   {msg}");
        setup.push(msg);
    }
    let t = Instant::now();
    let sessions = create_workers_from(ctx, SITE_WORKER_BASE, 1).await?;
    let session = sessions[0].clone();
    let mut c = Conn::open(ctx.addr).await?;
    // The list: a full page, each row with a group and the CSRF token.
    let (csrf, groups) = list_page(ctx, &mut c, &session, "/").await?;
    if groups.len() != 25 {
        bail!("the HIT list shows {} groups, not 25", groups.len());
    }
    let (_, found) = list_page(ctx, &mut c, &session, "/?q=topic07").await?;
    if found.is_empty() {
        bail!("searching for topic07 finds no group");
    }
    // 10 assignments (the per-requester limit) from the first page's groups, and their frames.
    let mut held = Vec::new();
    for g in groups.iter().take(10) {
        let aid = match accept(ctx, &mut c, &session, &csrf, g).await? {
            Ok(a) => a,
            Err((_, e)) => bail!("seeding: {e}"),
        };
        let frame = match work_page(ctx, &mut c, &session, &aid).await? {
            Ok(f) => f,
            Err(e) => bail!("seeding: {e}"),
        };
        let (st, b) = c.send(ctx.task(&frame)).await?;
        if !st.is_success() || !memfind(&b, b"/mturk/externalSubmit") {
            bail!("the task frame {frame} answers {st}, without the rewritten submit URL");
        }
        held.push((aid, frame));
    }
    let msg = format!(
        "setup: signed up and in 1 worker, checked the list (25 rows) and a search ({} rows), accepted 10 HITs in {:.1}s",
        found.len(),
        t.elapsed().as_secs_f64()
    );
    eprintln!("   {msg}");
    setup.push(msg);
    // The groups the bench's workers may accept from (site-cycle-nolist walks them).
    let mut groups = std::mem::take(&mut *group_ids.lock().unwrap());
    let mut g = 0;
    groups.retain(|_| {
        g += 1;
        !site_hidden(g - 1)
    });
    let groups = Arc::new(groups);
    Ok(SiteData { sessions, held, setup, groups, cursor: Arc::new(AtomicUsize::new(0)) })
}

/// The QualificationRequirements of site group `g`: half the groups have some, as the
/// qualifications issue asks, and the bench's workers (US, new, not Masters) meet most of them:
/// - a quarter require Worker_Locale US to accept;
/// - a quarter require an approval rate of 95 or more to be found at all
///   (DiscoverPreviewAndAccept; a new worker's rate is 100);
/// - one group in 50 is hidden from all but Masters, so pages read past groups the worker may
///   not see. Only a few: nobody in the bench can take their HITs, so in `site-cycle` they pile
///   up at the top of the list as the others are emptied.
fn site_requirements(g: usize) -> Option<Value> {
    if site_hidden(g) {
        return Some(json!([{
            "QualificationTypeId": "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6",
            "Comparator": "Exists",
            "ActionsGuarded": "DiscoverPreviewAndAccept",
        }]));
    }
    match (g + g / SITE_TOPICS) % 4 {
        1 => Some(json!([{
            "QualificationTypeId": "00000000000000000071",
            "Comparator": "EqualTo",
            "LocaleValues": [{"Country": "US"}],
        }])),
        3 => Some(json!([{
            "QualificationTypeId": "000000000000000000L0",
            "Comparator": "GreaterThanOrEqualTo",
            "IntegerValues": [95],
            "ActionsGuarded": "DiscoverPreviewAndAccept",
        }])),
        _ => None,
    }
}

/// Mixed so that neighbouring groups and each search keyword (`topic{g % 100}`) have hidden
/// ones.
fn site_hidden(g: usize) -> bool {
    (g + g / SITE_TOPICS) % 50 == 7
}

/// What an HTML answer says: the text of its `<main>` (or of the whole body), tags dropped,
/// at most 300 characters.
fn page_text(b: &[u8]) -> String {
    let html = String::from_utf8_lossy(b);
    let main = html.find("<main").map(|i| &html[i..]).unwrap_or(&html);
    let main = main.find("</main>").map(|i| &main[..i]).unwrap_or(main);
    let mut text = String::new();
    let mut in_tag = false;
    for ch in main.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(ch),
            _ => {}
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    text.chars().take(300).collect()
}

fn memfind(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The values of every `{prefix}VALUE{suffix}` in `html`, in order.
fn between<'a>(html: &'a str, prefix: &str, suffix: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(prefix) {
        rest = &rest[i + prefix.len()..];
        match rest.find(suffix) {
            Some(j) => {
                out.push(&rest[..j]);
                rest = &rest[j + suffix.len()..];
            }
            None => break,
        }
    }
    out
}

/// An HTML attribute's value, unescaped (askama escapes `&`, quotes and `<>`, perhaps `/`).
fn unescape_attr(v: &str) -> String {
    v.replace("&#x2f;", "/")
        .replace("&#47;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A HIT-list page: its CSRF token and the groups of its Accept & Work forms.
async fn list_page(ctx: &Ctx, c: &mut Conn, session: &str, path: &str) -> Result<(String, Vec<String>)> {
    let (st, b) = c.send(ctx.site(Method::GET, path, Some(session), None)).await?;
    if st != StatusCode::OK {
        bail!("GET {path}: {st} {}", String::from_utf8_lossy(&b));
    }
    let html = String::from_utf8_lossy(&b);
    let csrf = between(&html, r#"name="csrf" value=""#, "\"").first().map(|s| unescape_attr(s)).unwrap_or_default();
    let groups: Vec<String> =
        between(&html, r#"action="/groups/"#, r#"/accept""#).into_iter().map(unescape_attr).collect();
    Ok((csrf, groups))
}

/// Accept & Work on a group: the assignment the 303 leads to. Inner error: the answer, with its
/// status (409 when the group has no HIT left).
async fn accept(
    ctx: &Ctx,
    c: &mut Conn,
    session: &str,
    csrf: &str,
    group: &str,
) -> Result<Result<String, (StatusCode, String)>> {
    let req = ctx.site(Method::POST, &format!("/groups/{group}/accept"), Some(session), Some(format!("csrf={csrf}")));
    let (st, location, b) = c.send_h(req).await?;
    match location.as_deref().and_then(|l| l.strip_prefix("/work/")) {
        Some(aid) if st == StatusCode::SEE_OTHER => Ok(Ok(aid.split('?').next().unwrap_or(aid).to_string())),
        _ => Ok(Err((st, format!("accept: {st} {}", page_text(&b))))),
    }
}

/// The work page of an assignment: the path and query of its task frame on the task origin.
async fn work_page(ctx: &Ctx, c: &mut Conn, session: &str, aid: &str) -> Result<Result<String, String>> {
    let (st, b) = c.send(ctx.site(Method::GET, &format!("/work/{aid}"), Some(session), None)).await?;
    if st != StatusCode::OK {
        return Ok(Err(format!("GET /work: {st} {}", page_text(&b))));
    }
    let html = String::from_utf8_lossy(&b);
    let Some(src) = between(&html, r#"<iframe class="task" src=""#, "\"").first().map(|s| unescape_attr(s)) else {
        return Ok(Err("the work page has no task frame".into()));
    };
    let origin = format!("http://{}", ctx.task_host);
    match src.strip_prefix(&origin) {
        Some(p) => Ok(Ok(p.to_string())),
        None => Ok(Err(format!("the task frame {src} is not on the task origin {origin}"))),
    }
}

/// [`site_cycle`] without the list: accepts from this connection's current group (`k`: its
/// index in `groups`, plus one; 0 before the first), and takes the next group at `cursor` when
/// that one is empty.
async fn site_cycle_nolist(
    ctx: &Ctx,
    c: &mut Conn,
    session: &str,
    csrf: &str,
    groups: &[String],
    cursor: &AtomicUsize,
    k: &mut usize,
) -> Result<Result<(), String>> {
    let mut tries = 0;
    let aid = loop {
        if *k == 0 {
            *k = cursor.fetch_add(1, Ordering::Relaxed) + 1;
        }
        let Some(group) = groups.get(*k - 1) else {
            // Out of HITs: an error, not a busy loop.
            tokio::time::sleep(Duration::from_millis(100)).await;
            return Ok(Err("every group has been worked: raise --site-hits".into()));
        };
        match accept(ctx, c, session, csrf, group).await? {
            Ok(aid) => break aid,
            Err((StatusCode::CONFLICT, _)) if tries < 20 => {
                SITE_CYCLE_RETRIES.fetch_add(1, Ordering::Relaxed);
                tries += 1;
                *k = 0;
            }
            Err((_, e)) => return Ok(Err(e)),
        }
    };
    finish_cycle(ctx, c, session, &aid).await
}

/// A browser's cycle: list, accept (row `row` of the page, back to the list if that group has
/// just run out), work page, task frame, externalSubmit.
async fn site_cycle(ctx: &Ctx, c: &mut Conn, session: &str, row: usize) -> Result<Result<(), String>> {
    let mut tries = 0;
    let aid = loop {
        let (csrf, groups) = list_page(ctx, c, session, "/").await?;
        if groups.is_empty() {
            return Ok(Err("the HIT list is empty: raise --site-hits".into()));
        }
        match accept(ctx, c, session, &csrf, &groups[(row + tries) % groups.len()]).await? {
            Ok(aid) => break aid,
            Err((StatusCode::CONFLICT, _)) if tries < 5 => {
                SITE_CYCLE_RETRIES.fetch_add(1, Ordering::Relaxed);
                tries += 1;
            }
            Err((_, e)) => return Ok(Err(e)),
        }
    };
    finish_cycle(ctx, c, session, &aid).await
}

/// The work page, the task frame and externalSubmit of an accepted assignment.
async fn finish_cycle(ctx: &Ctx, c: &mut Conn, session: &str, aid: &str) -> Result<Result<(), String>> {
    let frame = match work_page(ctx, c, session, aid).await? {
        Ok(f) => f,
        Err(e) => return Ok(Err(e)),
    };
    let (st, b) = c.send(ctx.task(&frame)).await?;
    if !st.is_success() {
        return Ok(Err(format!("GET /task: {st} {}", page_text(&b))));
    }
    let (st, b) = c.send(ctx.external_submit(aid)).await?;
    if !st.is_success() {
        return Ok(Err(format!("externalSubmit: {st} {}", page_text(&b))));
    }
    Ok(Ok(()))
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

#[derive(Clone)]
struct Creds {
    access_key_id: String,
    secret: String,
}

struct Ctx {
    addr: SocketAddr,
    /// The site's host (`127.0.0.1:PORT`): the Requester API, the worker API and the site.
    host: String,
    /// The task origin's host (`localhost:PORT`).
    task_host: String,
    creds: Creds,
}

impl Ctx {
    fn new(srv: &Server) -> Ctx {
        Ctx {
            addr: srv.addr,
            host: srv.addr.to_string(),
            task_host: format!("localhost:{}", srv.addr.port()),
            creds: srv.creds.clone(),
        }
    }

    /// A request of the site as a browser sends it: the session cookie, and for a form POST its
    /// body and the `Origin` and `Sec-Fetch-Site` a browser adds.
    fn site(&self, method: Method, path: &str, session: Option<&str>, form: Option<String>) -> Request<Full<Bytes>> {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header("host", self.host.as_str())
            .header("accept", "text/html,application/xhtml+xml");
        if let Some(t) = session {
            b = b.header("cookie", format!("openturk_session={t}"));
        }
        let body = match form {
            Some(f) => {
                b = b
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("origin", format!("http://{}", self.host))
                    .header("sec-fetch-site", "same-origin");
                Bytes::from(f)
            }
            None => Bytes::new(),
        };
        b.body(Full::new(body)).expect("request")
    }

    /// The task frame's GET on the task origin (no cookie: the site's cookie never goes there).
    fn task(&self, path_and_query: &str) -> Request<Full<Bytes>> {
        Request::builder()
            .method(Method::GET)
            .uri(path_and_query)
            .header("host", self.task_host.as_str())
            .header("accept", "text/html")
            .body(Full::new(Bytes::new()))
            .expect("request")
    }

    /// The task's form posting to externalSubmit from the sandboxed frame (`Origin: null`).
    fn external_submit(&self, assignment_id: &str) -> Request<Full<Bytes>> {
        Request::builder()
            .method(Method::POST)
            .uri("/mturk/externalSubmit")
            .header("host", self.host.as_str())
            .header("accept", "text/html")
            .header("origin", "null")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Full::new(Bytes::from(format!("assignmentId={assignment_id}&a=x"))))
            .expect("request")
    }

    /// A freshly signed Requester API request.
    fn signed(&self, op: &str, body: Vec<u8>) -> Request<Full<Bytes>> {
        let target = format!("{TARGET_PREFIX}{op}");
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
        let headers = [("host", self.host.as_str()), ("content-type", CONTENT_TYPE), ("x-amz-target", target.as_str())];
        let sig = openturk_protocol::sigv4::sign(
            "POST",
            "/",
            "",
            &headers,
            &body,
            &self.creds.access_key_id,
            &self.creds.secret,
            REGION,
            SERVICE,
            now,
        );
        let mut b = Request::builder()
            .method(Method::POST)
            .uri("/")
            .header("host", self.host.as_str())
            .header("content-type", CONTENT_TYPE)
            .header("x-amz-target", target);
        for (k, v) in sig {
            b = b.header(k, v);
        }
        b.body(Full::new(Bytes::from(body))).expect("request")
    }

    /// A worker API request.
    fn worker(&self, method: Method, path: &str, token: Option<&str>, body: Option<Vec<u8>>) -> Request<Full<Bytes>> {
        let mut b = Request::builder().method(method).uri(path).header("host", self.host.as_str());
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        let body = match body {
            Some(v) => {
                b = b.header("content-type", "application/json");
                Bytes::from(v)
            }
            None => Bytes::new(),
        };
        b.body(Full::new(body)).expect("request")
    }
}

struct Conn {
    sender: SendRequest<Full<Bytes>>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> Result<Conn> {
        let stream = tokio::net::TcpStream::connect(addr).await.with_context(|| format!("connect {addr}"))?;
        stream.set_nodelay(true)?;
        let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Conn { sender })
    }

    async fn send(&mut self, req: Request<Full<Bytes>>) -> Result<(StatusCode, Bytes)> {
        let (st, _, body) = self.send_h(req).await?;
        Ok((st, body))
    }

    /// `send`, with the response's `Location` header.
    async fn send_h(&mut self, req: Request<Full<Bytes>>) -> Result<(StatusCode, Option<String>, Bytes)> {
        self.sender.ready().await?;
        let resp = self.sender.send_request(req).await?;
        let st = resp.status();
        let location = resp.headers().get(http::header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_string);
        let body = resp.into_body().collect().await?.to_bytes();
        Ok((st, location, body))
    }
}

/// xorshift64*: enough to spread GetHIT over the seeded IDs.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let t = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64;
        Rng((seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ t) | 1)
    }
    fn below(&mut self, n: usize) -> usize {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }
}

// ---------------------------------------------------------------------------------------------
// The server process
// ---------------------------------------------------------------------------------------------

struct Server {
    child: Child,
    addr: SocketAddr,
    creds: Creds,
    data_dir: PathBuf,
    keep: bool,
    db_label: String,
}

static SERVER_SEQ: AtomicUsize = AtomicUsize::new(0);

impl Server {
    fn start(bin: &Path, database: Option<String>, keep: bool, config: Option<&Path>) -> Result<Server> {
        let n = SERVER_SEQ.fetch_add(1, Ordering::Relaxed);
        let data_dir = std::env::temp_dir().join(format!("openturk-bench-{}-{n}", std::process::id()));
        if data_dir.exists() {
            std::fs::remove_dir_all(&data_dir)?;
        }
        std::fs::create_dir_all(&data_dir)?;
        let log = std::fs::File::create(data_dir.join("server.log"))?;
        let mut cmd = Command::new(bin);
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"]).arg(&data_dir);
        if let Some(db) = &database {
            cmd.args(["--database", db]);
        }
        if let Some(c) = config {
            cmd.arg("--config").arg(std::path::absolute(c)?);
        }
        // No config file or environment from the caller's shell: the defaults are benchmarked.
        cmd.env_remove("OPENTURK_CONFIG")
            .env_remove("OPENTURK_DATABASE")
            .env_remove("OPENTURK_DATA_DIR")
            .env_remove("OPENTURK_LISTEN")
            .env_remove("OPENTURK_MODE")
            .current_dir(&data_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        let mut child = cmd.spawn().with_context(|| format!("cannot start {}", bin.display()))?;
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            use std::io::BufRead;
            let mut sent = false;
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if !sent {
                    if let Some(rest) = line.trim().strip_prefix("Requester API: http://") {
                        let _ = tx.send(rest.trim_end_matches('/').to_string());
                        sent = true;
                    }
                }
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(a) => a,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                let log = std::fs::read_to_string(data_dir.join("server.log")).unwrap_or_default();
                bail!("the server did not print its address within 30 s; its log:\n{log}");
            }
        };
        let addr: SocketAddr = addr.parse().with_context(|| format!("bad address '{addr}'"))?;
        let creds = read_credentials(&data_dir.join("credentials"))?;
        let db_label = database.map(|d| redact(&d)).unwrap_or_else(|| "SQLite".into());
        Ok(Server { child, addr, creds, data_dir, keep, db_label })
    }

    /// The last `n` lines of the server's log (stderr).
    fn log_tail(&self, n: usize) -> String {
        let log = std::fs::read_to_string(self.data_dir.join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `VmHWM:` (peak) or `VmRSS:` (now) from /proc/PID/status, in KiB.
    fn rss_kib(&self, field: &str) -> u64 {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        s.lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.data_dir);
        } else {
            eprintln!("   kept {}", self.data_dir.display());
        }
    }
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
            None => url.to_string(),
        },
        _ => url.to_string(),
    }
}

/// The `default` profile of an AWS shared-credentials file.
fn read_credentials(path: &Path) -> Result<Creds> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut in_default = false;
    let (mut id, mut secret) = (None, None);
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_default = line == "[default]";
            continue;
        }
        if !in_default {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            match k.trim() {
                "aws_access_key_id" => id = Some(v.trim().to_string()),
                "aws_secret_access_key" => secret = Some(v.trim().to_string()),
                _ => {}
            }
        }
    }
    match (id, secret) {
        (Some(access_key_id), Some(secret)) => Ok(Creds { access_key_id, secret }),
        _ => bail!("{} has no [default] key pair", path.display()),
    }
}

// ---------------------------------------------------------------------------------------------
// Machine and CPU accounting
// ---------------------------------------------------------------------------------------------

fn ncpu() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

fn machine_line() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").map(|v| v.trim_start_matches([' ', '\t', ':']).to_string()))
        .unwrap_or_else(|| "unknown CPU".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    format!(
        "Machine: {} cores ({}), {:.1} GiB RAM; load generator on the same machine.",
        ncpu(),
        model,
        mem_kib as f64 / 1024.0 / 1024.0
    )
}

/// CPU ticks of the server, of this process, and of the whole machine (busy, idle).
#[derive(Clone, Copy)]
struct CpuSnap {
    at: Instant,
    server: u64,
    me: u64,
    idle: u64,
}

fn proc_ticks(pid: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the ")" that ends the command name: state is field 3; utime 14, stime 15.
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

fn idle_ticks() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/stat").ok()?;
    let line = s.lines().next()?;
    let f: Vec<u64> = line.split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    Some(f.get(3)? + f.get(4).copied().unwrap_or(0)) // idle + iowait
}

impl CpuSnap {
    fn take(server_pid: u32) -> Option<CpuSnap> {
        Some(CpuSnap {
            at: Instant::now(),
            server: proc_ticks(&server_pid.to_string())?,
            me: proc_ticks("self")?,
            idle: idle_ticks()?,
        })
    }

    /// (server %, bench %, idle %) of one core over the interval. Assumes USER_HZ = 100.
    fn delta(&self, later: &CpuSnap) -> (f64, f64, f64) {
        let secs = (later.at - self.at).as_secs_f64().max(1e-9);
        let pc = |a: u64, b: u64| (b.saturating_sub(a)) as f64 / 100.0 / secs * 100.0;
        (pc(self.server, later.server), pc(self.me, later.me), pc(self.idle, later.idle))
    }
}

fn shell_line(args: impl Iterator<Item = String>) -> String {
    args.map(|a| {
        if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=,@".contains(c)) {
            a
        } else {
            format!("'{}'", a.replace('\'', "'\\''"))
        }
    })
    .collect::<Vec<_>>()
    .join(" ")
}
