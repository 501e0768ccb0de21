//! OpenTurk's use cases. Every surface — the MTurk Requester API, the worker API, the worker and
//! requester websites, the admin commands — calls these, so the rules live in one place.
//!
//! Calls are synchronous and run one unit of work each (see `openturk_storage`); async callers
//! run them on a blocking thread. Before any call reads or changes state, life-cycle work that
//! has fallen due (deadlines, expiries, auto-approvals, disposals) is done first, so what a call
//! sees is right even if the background scheduler has not run yet.

pub mod accounts;
pub mod assignments;
pub mod blobs;
pub mod blocks;
pub mod bonuses;
pub mod config;
pub mod dashboard;
pub mod eligibility;
pub mod error;
mod groups;
pub mod hit_list;
pub mod hits;
pub mod jobs;
pub mod layouts;
pub mod ledger;
pub mod lifecycle;
pub mod messages;
pub mod notifications;
pub mod outbox;
pub mod paging;
pub mod passwords;
pub mod qualifications;
mod repo;
pub mod review_policies;
pub mod secrets;
pub mod signed_links;
pub mod smtp;
pub mod tasks;
pub mod workers;

pub use config::ServiceConfig;
pub use error::{Error, Result};
/// Calls out to SQS, SNS and S3 (notifications, the blob store): the `openturk-aws` crate.
pub use openturk_aws as aws;

use openturk_domain::clock::{Clock, Millis};
use openturk_domain::model::Mode;
use openturk_domain::{DomainError, ErrorKind};
use openturk_storage::{params, Db, Tx};
use parking_lot::RwLock;
use secrets::Sealer;
use std::collections::HashMap;
use std::sync::atomic::AtomicI64;
use std::sync::Arc;

/// The marketplace. Cheap to clone; all clones share state.
#[derive(Clone)]
pub struct Service {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    clock: Arc<dyn Clock>,
    config: ServiceConfig,
    sealer: Sealer,
    keys: RwLock<HashMap<String, Arc<accounts::AccessKey>>>,
    /// No scheduled work falls due before this time (a lower bound; see `jobs::due_hint`).
    next_due: jobs::due_hint::DueHint,
    /// When (marketplace clock) this process last asked PostgreSQL for due work.
    last_due_check: AtomicI64,
    /// Wakes the background scheduler when new work is scheduled.
    wake: tokio::sync::Notify,
    /// Wakes the outbox deliverer when a call has queued deliveries.
    outbox_wake: tokio::sync::Notify,
    /// Uploaded files: the blob store and the deleter's wake-up.
    files: blobs::Files,
    /// The memory uploads in flight may hold, in KiB permits (see `Service::upload_memory`).
    upload_memory: Arc<tokio::sync::Semaphore>,
    hasher: passwords::Hasher,
    throttle: passwords::Throttle,
}

impl Service {
    /// Opens the marketplace on `db`. The database remembers the mode it was created in; serving
    /// a sandbox database as production, or the other way round, is refused.
    pub fn open(db: Db, clock: Arc<dyn Clock>, config: ServiceConfig, sealer: Sealer) -> Result<Service> {
        let mode = config.mode;
        db.write(|tx: &mut dyn Tx| -> Result<()> {
            let stored = tx.query_opt("SELECT value FROM meta WHERE key = 'mode'", &[])?;
            match stored {
                None => {
                    tx.execute("INSERT INTO meta (key, value) VALUES ('mode', ?)", params![mode.as_str()])?;
                }
                Some(r) => {
                    let s = r.string("value")?;
                    if s != mode.as_str() {
                        return Err(Error::new(
                            ErrorKind::Conflict,
                            format!(
                                "this database was created in {s} mode and cannot be used in {} mode; \
                                 leave the mode unset to use it in its own mode, or use another data \
                                 directory or database",
                                mode.as_str()
                            ),
                        ));
                    }
                }
            }
            groups::index_migrated_words(tx)
        })?;
        Ok(Service {
            inner: Arc::new(Inner {
                db,
                clock,
                sealer,
                keys: RwLock::new(HashMap::new()),
                next_due: jobs::due_hint::DueHint::unknown(),
                last_due_check: AtomicI64::new(i64::MIN),
                wake: tokio::sync::Notify::new(),
                outbox_wake: tokio::sync::Notify::new(),
                files: blobs::Files::default(),
                upload_memory: Arc::new(tokio::sync::Semaphore::new(
                    config.max_upload_memory_bytes.div_ceil(1024).min(tokio::sync::Semaphore::MAX_PERMITS as u64)
                        as usize,
                )),
                hasher: passwords::Hasher::new(config.max_concurrent_password_hashes),
                throttle: passwords::Throttle::default(),
                config,
            }),
        })
    }

    /// The mode `db` was created in, or None if no marketplace has been opened on it yet. Callers
    /// with no mode of their own (admin commands, `serve` without a mode setting) use this one.
    pub fn stored_mode(db: &Db) -> Result<Option<Mode>> {
        let row = db.read(|tx: &mut dyn Tx| -> Result<_> {
            Ok(tx.query_opt("SELECT value FROM meta WHERE key = 'mode'", &[])?)
        })?;
        match row {
            None => Ok(None),
            Some(r) => {
                let s = r.string("value")?;
                Mode::parse(&s).map(Some).ok_or_else(|| error::corrupt("mode", format!("'{s}' is not a mode")))
            }
        }
    }

    pub fn now(&self) -> Millis {
        self.inner.clock.now_ms()
    }
    pub fn config(&self) -> &ServiceConfig {
        &self.inner.config
    }
    pub fn mode(&self) -> Mode {
        self.inner.config.mode
    }
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// A read-only unit of work, after due life-cycle work is done.
    pub(crate) fn read<T>(&self, f: impl FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        self.catch_up()?;
        self.inner.db.read(f)
    }

    /// A read-write unit of work, after due life-cycle work is done.
    pub(crate) fn write<T>(&self, f: impl FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        self.catch_up()?;
        self.unit(None, f)
    }

    /// A read-write unit of work of one requester's: its money and HITs. Such units queue
    /// behind each other rather than conflict (see `Db::write_keyed`).
    pub(crate) fn write_for<T>(&self, requester_id: &str, f: impl FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        self.catch_up()?;
        self.unit(Some(requester_id), f)
    }

    /// A read-write unit of work and what goes around it (calls' and the scheduler's alike):
    /// each attempt (a conflict runs it again) starts with no notification messages open, and
    /// after it the jobs it scheduled lower the next-due hint and the workers it gave work to
    /// are woken.
    pub(crate) fn unit<T>(&self, key: Option<&str>, mut f: impl FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        jobs::take_scheduled();
        let r = self.inner.db.write_keyed(key, |tx| {
            notifications::unit_begins();
            f(tx)
        });
        self.after_commit(r.is_ok());
        self.after_unit();
        r
    }

    /// After a unit of work, committed or not: wakes the background workers it gave work to
    /// (the deliverer, the file deleter), which could not have seen that work before.
    pub(crate) fn after_unit(&self) {
        self.wake_deliverer_if_queued();
        self.wake_deleter_if_discarded();
    }

    /// After a unit that scheduled jobs commits (a call's, or a pass's over the schedule), lowers
    /// the next-due hint to them: only now can a pass read them, and one that read just before
    /// the commit counts this lowering when it raises the hint (`jobs::due_hint`). Wakes the
    /// scheduler if the hint moved, or a job is due already (a HIT's review: the next call does
    /// it too). A unit that failed leaves nothing to lower.
    pub(crate) fn after_commit(&self, committed: bool) {
        let due = jobs::take_scheduled();
        if committed && due < Millis::MAX && (self.inner.next_due.lower(due) || due <= self.now()) {
            self.inner.wake.notify_one();
        }
    }
}

pub(crate) fn not_found(kind: ErrorKind, what: &str, id: &str) -> Error {
    Error::Domain(DomainError::new(kind, format!("{what} {id} does not exist.")))
}
