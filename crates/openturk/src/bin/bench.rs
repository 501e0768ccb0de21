//! `openturk-bench`: a load generator for OpenTurk.
//!
//! It starts the real server (`openturk serve --listen 127.0.0.1:0 --data-dir <temp dir>`) as a
//! child process, reads the requester key pair it writes to `<data dir>/credentials`, drives it
//! over keep-alive HTTP/1.1 connections, and prints a markdown table. Every Requester API call is
//! freshly signed (Signature V4), so signing is part of the client's cost, as with a real SDK.
//!
//! Scenarios (`--scenarios`, comma list, default all):
//! - `noop`: a signed call the server authenticates but does not implement
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
const ALL: &[&str] = &["noop", "get-hit", "create-hit", "list-hits", "cycle", "signin"];
const HTML_QUESTION: &str = r#"<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><body><form name="mturk_form" method="post" action="https://www.mturk.com/mturk/externalSubmit"><input type="hidden" name="assignmentId" value=""/><input name="a"/></form></body></html>]]></HTMLContent><FrameHeight>450</FrameHeight></HTMLQuestion>"#;
const PASSWORD: &str = "bench-password-1";

#[derive(Parser, Debug)]
#[command(
    name = "openturk-bench",
    about = "Load generator for OpenTurk: starts the server, drives it, prints a markdown table",
    long_about = None
)]
struct Args {
    /// Scenarios to run, comma-separated: noop, get-hit, create-hit, list-hits, cycle, signin.
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

async fn run_all(args: &Args, runs: &[(String, usize)], server_bin: &Path) -> Result<(Vec<Outcome>, Vec<String>)> {
    let plan = db_plan(&args.database)?;
    let mut results = Vec::new();
    let mut shared: Option<Server> = None;
    let mut failures = Vec::new();
    for (i, (name, conns)) in runs.iter().enumerate() {
        let (server, created_db) = match &plan {
            DbPlan::Shared(url) => {
                if shared.is_none() {
                    shared = Some(Server::start(
                        server_bin,
                        Some(url.clone()),
                        args.keep_data,
                        args.server_config.as_deref(),
                    )?);
                }
                (None, None)
            }
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
        let srv = server.as_ref().or(shared.as_ref()).unwrap();
        eprintln!("== {name}, {conns} connections: server pid {} at {} ({})", srv.pid(), srv.addr, srv.db_label);
        let r = run_scenario(args, name, *conns, srv).await;
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
        if let Some((server_url, db)) = created_db {
            if !args.keep_data {
                if let Err(e) = psql(&server_url, &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")) {
                    eprintln!("warning: {e}");
                }
            }
        }
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
    drop(shared);
    Ok((results, failures))
}

async fn run_scenario(args: &Args, name: &str, conns: usize, srv: &Server) -> Result<Outcome> {
    let ctx = Arc::new(Ctx { addr: srv.addr, host: srv.addr.to_string(), creds: srv.creds.clone() });
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
    let unit = match load {
        Load::Cycle { .. } => "cycles",
        Load::SignIn => "sign-ins",
        _ => "req",
    };
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
}

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
                let user = worker_name(i);
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
// HTTP
// ---------------------------------------------------------------------------------------------

#[derive(Clone)]
struct Creds {
    access_key_id: String,
    secret: String,
}

struct Ctx {
    addr: SocketAddr,
    host: String,
    creds: Creds,
}

impl Ctx {
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
        self.sender.ready().await?;
        let resp = self.sender.send_request(req).await?;
        let st = resp.status();
        let body = resp.into_body().collect().await?.to_bytes();
        Ok((st, body))
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
