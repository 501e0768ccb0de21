//! The life-cycle engine: work that falls due at a time (assignment deadlines, HIT expiries,
//! auto-approvals, disposals) is a typed job, a row in `schedule` (see [`crate::jobs`]). It is done by whichever comes first: the
//! background scheduler, which sleeps until the next due time and is woken when new work is
//! scheduled, or any service call, which first does what has fallen due ([`Service::catch_up`]).
//!
//! Each job re-checks the state it acts on inside its transaction, so doing a job twice —
//! two replicas, or a call racing the scheduler — changes nothing the second time.

use crate::accounts::funding_account;
use crate::error::Result;
use crate::jobs::Job;
use crate::notifications::{self as note, EventType as Ev};
use crate::{accounts, ledger, repo, Service};
use openturk_domain::clock::Millis;
use openturk_domain::model::{Hit, HitStatus};
use openturk_domain::Money;
use openturk_storage::{params, Backend, Tx};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// On PostgreSQL, how stale (in marketplace milliseconds) this replica's view of other
/// replicas' due work may be before a call asks the database again.
const DUE_CHECK_MS: i64 = 100;

/// Jobs done per transaction, so one backlog does not make one huge transaction.
const BATCH: i64 = 200;

impl Service {
    /// Does all life-cycle work due by now. Cheap when nothing is due: on SQLite, where this
    /// process is the only writer, an in-memory lower bound answers; on PostgreSQL, where other
    /// replicas schedule work too, one indexed query does.
    pub fn catch_up(&self) -> Result<()> {
        let now = self.now();
        match self.inner.db.backend() {
            Backend::Sqlite => {
                if now < self.inner.next_due.get() {
                    return Ok(());
                }
            }
            Backend::Postgres => {
                // Other replicas schedule work this process does not know about; ask the
                // database, but at most every DUE_CHECK_MS of marketplace time.
                if now < self.inner.next_due.get() {
                    let last = self.inner.last_due_check.load(Ordering::SeqCst);
                    if now.saturating_sub(last) < DUE_CHECK_MS {
                        return Ok(());
                    }
                    self.inner.last_due_check.store(now, Ordering::SeqCst);
                    let next = self.inner.db.read(|tx: &mut dyn Tx| -> Result<Option<i64>> {
                        Ok(tx.query_one("SELECT MIN(due_at) AS next_due FROM schedule", &[])?.opt_i64("next_due")?)
                    })?;
                    if let Some(n) = next {
                        self.inner.next_due.lower(n);
                    }
                    if next.is_none_or(|n| n > now) {
                        return Ok(());
                    }
                }
            }
        }
        self.run_due().map(|_| ())
    }

    /// Does due work in batches; returns the next due time, if any work is scheduled.
    pub fn run_due(&self) -> Result<Option<Millis>> {
        loop {
            let seen = self.inner.next_due.snapshot();
            let now = self.now();
            let first = self.inner.db.read(|tx: &mut dyn Tx| -> Result<Option<i64>> {
                Ok(tx.query_one("SELECT MIN(due_at) AS next_due FROM schedule", &[])?.opt_i64("next_due")?)
            })?;
            if first.is_none_or(|f| f > now) {
                self.inner.next_due.raise(seen, first.unwrap_or(Millis::MAX));
                return Ok(first);
            }
            let (done, next) = self.unit(None, |tx: &mut dyn Tx| -> Result<(usize, Option<i64>)> {
                let jobs = self.due_jobs(tx, now, BATCH)?;
                for j in &jobs {
                    self.do_due(tx, j, now)?;
                }
                let next = tx.query_one("SELECT MIN(due_at) AS next_due FROM schedule", &[])?.opt_i64("next_due")?;
                Ok((jobs.len(), next))
            })?;
            // To what was read, or to work lowered since the snapshot (see `jobs::due_hint`).
            self.inner.next_due.raise(seen, next.unwrap_or(Millis::MAX));
            if (done as i64) < BATCH {
                return Ok(next);
            }
        }
    }

    /// Brings a HIT's status and its money on hold in line with its counters and the clock,
    /// and saves it. Every change to a HIT ends here. Fails, changing nothing, when the hold
    /// must grow and the requester cannot pay.
    pub(crate) fn settle_hit(&self, tx: &mut dyn Tx, hit: &mut Hit, now: Millis) -> Result<()> {
        let per = hit.spec.reward + hit.fee_per_assignment;
        let mut target = per.checked_mul(hit.available(now)).unwrap_or(Money(i64::MAX));
        if hit.num_pending + hit.num_submitted > 0 {
            // Work already accepted keeps the reward it was accepted at.
            target = target
                + Money(
                    tx.query_one(
                        "SELECT CAST(COALESCE(SUM(reward_cents + fee_cents), 0) AS BIGINT) AS held FROM assignments
                         WHERE hit_id = ? AND status IN ('Accepted', 'Submitted')",
                        params![&hit.hit_id],
                    )?
                    .i64("held")?,
                );
        }
        let delta = target - hit.held;
        let rid = hit.requester_id.clone();
        let hold = ledger::hold(&rid);
        if delta.0 > 0 {
            accounts::spend(tx, self.mode(), &rid, "hold", &hit.hit_id, now, &[(&hold, delta)])?;
        } else if delta.0 < 0 {
            let back = funding_account(self.mode(), &rid);
            ledger::post(tx, "release", &hit.hit_id, now, &[(&hold, delta), (&back, -delta)])?;
        }
        hit.held = target;

        if hit.status != HitStatus::Disposed {
            let status = hit.derived_status(now);
            match status {
                HitStatus::Reviewable | HitStatus::Reviewing => {
                    if hit.reviewable_at.is_none() {
                        hit.reviewable_at = Some(now);
                        note::emit(self, tx, hit, Ev::HITReviewable, None, now)?;
                        let due = now + self.config().disposal_after_secs * 1000;
                        self.schedule(tx, &Job::hit_dispose(&hit.hit_id), due)?;
                        self.on_reviewable(tx, hit, now)?;
                    }
                }
                _ => {
                    if hit.reviewable_at.take().is_some() {
                        self.unschedule(tx, Job::hit_dispose(&hit.hit_id).key())?;
                    }
                }
            }
            hit.status = status;
        }
        repo::save_hit(tx, hit)
    }

    /// Disposes of a HIT: it leaves ListHITs, its remaining hold is released, and it can no
    /// longer be changed.
    pub(crate) fn dispose(&self, tx: &mut dyn Tx, hit: &mut Hit, now: Millis) -> Result<()> {
        hit.deleted = true;
        hit.status = HitStatus::Disposed;
        note::emit(self, tx, hit, Ev::HITDisposed, None, now)?;
        self.unschedule(tx, Job::hit_expire(&hit.hit_id).key())?;
        self.unschedule(tx, Job::hit_dispose(&hit.hit_id).key())?;
        // Uploaded files go with the HIT: deleted from the store after this commits.
        self.discard_hit_files(tx, &hit.hit_id, now)?;
        self.settle_hit(tx, hit, now)
    }

    /// The background scheduler: runs until `shutdown` resolves.
    pub async fn run_scheduler(self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let svc = self.clone();
            // Sleep until the next due time by our clock, or the hint's if lower (a job that a
            // unit committing meanwhile scheduled); a manual clock in tests does not move by
            // itself, so cap the sleep and look again (cheap: one indexed query). After a
            // failure, a full second: the hint is still due then (the pass never raised it).
            let wait = match tokio::task::spawn_blocking(move || svc.run_due()).await {
                Ok(Ok(next)) => {
                    let due = next.unwrap_or(Millis::MAX).min(self.inner.next_due.get());
                    due.saturating_sub(self.now()).clamp(0, 1000)
                }
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "life-cycle work failed; retrying in 1 s");
                    1000
                }
                Err(e) => {
                    tracing::error!(error = %e, "life-cycle task panicked; retrying in 1 s");
                    1000
                }
            };
            tokio::select! {
                _ = &mut shutdown => return,
                _ = self.inner.wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(wait as u64)) => {}
            }
        }
    }
}
