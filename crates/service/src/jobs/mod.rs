//! Background work as typed jobs.
//!
//! Work that falls due at a time is a [`Job`]: one variant per kind, with its payload, stored as
//! a row of `schedule` (`kind`, `ref_id`, `payload`, `attempts`, `due_at`, `last_error`). The
//! payload is the job as JSON, tagged by its kind (`{"kind":"hit_expire","hit_id":"…"}`);
//! `(kind, ref_id)` is the row's key, so scheduling a job again moves it (an upsert) and
//! unscheduling needs only the key ([`JobKey`]). `attempts` counts the times a job put itself
//! back (a disposal waiting for review).
//!
//! Stored rows become jobs in one place ([`decode`]): a kind this build does not know, or a
//! payload that does not read, is an error, logged and kept: the row is parked (its `due_at`
//! moved to the end of time, its `last_error` set) for an operator, never matched by a default.
//!
//! Each kind's work is its own module (`hit_expire.rs`, …) and `Job::run` is the one
//! dispatcher. The outbox (`outbox.rs`) is the same shape for deliveries: a typed
//! `outbox::Delivery` per channel, stored as JSON tagged by its `channel`, with an attempt count,
//! read back through [`decode`] too (see ARCHITECTURE.md).

mod assignment_deadline;
mod auto_approve;
pub(crate) mod due_hint;
mod hit_dispose;
mod hit_expire;
mod hit_review;
mod qualification_type_dispose;

pub(crate) use qualification_type_dispose::LOOK_AFTER_MS as QUALIFICATION_TYPE_LOOK_AFTER_MS;

use crate::error::Result;
use crate::Service;
use openturk_domain::clock::Millis;
use openturk_storage::{params, Tx};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A unit of background work, with what it needs to know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// A HIT reaches its expiry: settle it (status and hold).
    HitExpire { hit_id: String },
    /// A HIT has been reviewable for the disposal period: dispose of it once nothing waits for
    /// review.
    HitDispose { hit_id: String },
    /// An accepted assignment's time is up: it is abandoned.
    AssignmentDeadline { assignment_id: String },
    /// A submitted assignment reaches its auto-approval time.
    AutoApprove { assignment_id: String },
    /// A HIT with a HIT-level review policy became Reviewable: run the policy.
    HitReview { hit_id: String },
    /// A deleted qualification type (Disposing): remove it once no HIT uses it any more.
    QualificationTypeDispose { qualification_type_id: String },
}

/// The key of a scheduled job, `(kind, ref_id)`: enough to unschedule it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobKey<'a> {
    pub kind: &'static str,
    pub ref_id: &'a str,
}

impl Job {
    pub const HIT_EXPIRE: &'static str = "hit_expire";
    pub const HIT_DISPOSE: &'static str = "hit_dispose";
    pub const ASSIGNMENT_DEADLINE: &'static str = "assignment_deadline";
    pub const AUTO_APPROVE: &'static str = "auto_approve";
    pub const HIT_REVIEW: &'static str = "hit_review";
    pub const QUALIFICATION_TYPE_DISPOSE: &'static str = "qualification_type_dispose";

    pub fn hit_expire(hit_id: &str) -> Job {
        Job::HitExpire { hit_id: hit_id.into() }
    }
    pub fn hit_dispose(hit_id: &str) -> Job {
        Job::HitDispose { hit_id: hit_id.into() }
    }
    pub fn assignment_deadline(assignment_id: &str) -> Job {
        Job::AssignmentDeadline { assignment_id: assignment_id.into() }
    }
    pub fn auto_approve(assignment_id: &str) -> Job {
        Job::AutoApprove { assignment_id: assignment_id.into() }
    }
    pub fn hit_review(hit_id: &str) -> Job {
        Job::HitReview { hit_id: hit_id.into() }
    }
    pub fn qualification_type_dispose(qualification_type_id: &str) -> Job {
        Job::QualificationTypeDispose { qualification_type_id: qualification_type_id.into() }
    }

    /// The row's key: one job of a kind per HIT or assignment.
    pub fn key(&self) -> JobKey<'_> {
        let (kind, ref_id) = match self {
            Job::HitExpire { hit_id } => (Job::HIT_EXPIRE, hit_id),
            Job::HitDispose { hit_id } => (Job::HIT_DISPOSE, hit_id),
            Job::AssignmentDeadline { assignment_id } => (Job::ASSIGNMENT_DEADLINE, assignment_id),
            Job::AutoApprove { assignment_id } => (Job::AUTO_APPROVE, assignment_id),
            Job::HitReview { hit_id } => (Job::HIT_REVIEW, hit_id),
            Job::QualificationTypeDispose { qualification_type_id } => {
                (Job::QUALIFICATION_TYPE_DISPOSE, qualification_type_id)
            }
        };
        JobKey { kind, ref_id }
    }

    /// Does the job, in the scheduler's transaction. `due` is when it fell due; `attempts` how
    /// many times it has put itself back.
    fn run(&self, svc: &Service, tx: &mut dyn Tx, due: Millis, attempts: i64, now: Millis) -> Result<()> {
        match self {
            Job::HitExpire { hit_id } => hit_expire::run(svc, tx, hit_id, now),
            Job::HitDispose { hit_id } => hit_dispose::run(svc, tx, hit_id, attempts, now),
            Job::AssignmentDeadline { assignment_id } => assignment_deadline::run(svc, tx, assignment_id, due, now),
            Job::AutoApprove { assignment_id } => auto_approve::run(svc, tx, assignment_id, due, now),
            Job::HitReview { hit_id } => hit_review::run(svc, tx, hit_id, now),
            Job::QualificationTypeDispose { qualification_type_id } => {
                qualification_type_dispose::run(svc, tx, qualification_type_id, attempts, now)
            }
        }
    }
}

/// What is stored of a typed payload: the value of its kind column and its JSON.
pub trait Payload: Serialize + DeserializeOwned {
    /// The value of the row's kind column (`schedule.kind`, `outbox.channel`), which is also
    /// the JSON's tag.
    fn kind(&self) -> &'static str;
}

impl Payload for Job {
    fn kind(&self) -> &'static str {
        self.key().kind
    }
}

/// A stored row that is not a payload this build knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stored {kind:?} payload is unreadable: {reason}")]
pub struct DecodeError {
    pub kind: String,
    pub reason: String,
}

/// The JSON of a payload, tagged by its kind.
pub fn encode<P: Payload>(p: &P) -> String {
    // Serializing plain structs of strings cannot fail.
    serde_json::to_string(p).expect("payloads serialize")
}

/// The one way stored rows become payloads: `payload` must read as a `P` whose kind is the
/// row's `kind` column. An unknown kind is an error, never a default.
pub fn decode<P: Payload>(kind: &str, payload: &str) -> std::result::Result<P, DecodeError> {
    let err = |reason: String| DecodeError { kind: kind.to_string(), reason };
    let p: P = serde_json::from_str(payload).map_err(|e| err(e.to_string()))?;
    if p.kind() != kind {
        return Err(err(format!("its payload is a {:?}", p.kind())));
    }
    Ok(p)
}

thread_local! {
    /// The earliest due time scheduled on this thread since `take_scheduled` (a unit of work
    /// runs on its caller's thread); `Service::after_commit` reads it.
    static SCHEDULED: std::cell::Cell<Millis> = const { std::cell::Cell::new(i64::MAX) };
}

/// The earliest due time scheduled on this thread since the last call, resetting it.
pub(crate) fn take_scheduled() -> Millis {
    SCHEDULED.with(|c| c.replace(i64::MAX))
}

/// Where a parked row's `due_at` goes: after any real time, so it is never due again.
pub(crate) const PARKED: Millis = i64::MAX;

/// A job read from `schedule`, fallen due.
pub(crate) struct Due {
    pub kind: String,
    pub ref_id: String,
    pub due: Millis,
    pub attempts: i64,
    pub job: std::result::Result<Job, DecodeError>,
}

impl Service {
    /// Schedules `job` at `due`; a job with the same key moves to `due` (its attempts kept).
    pub(crate) fn schedule(&self, tx: &mut dyn Tx, job: &Job, due: Millis) -> Result<()> {
        self.schedule_attempt(tx, job, due, 0)
    }

    fn schedule_attempt(&self, tx: &mut dyn Tx, job: &Job, due: Millis, attempts: i64) -> Result<()> {
        let key = job.key();
        tx.execute(
            "INSERT INTO schedule (kind, ref_id, payload, attempts, due_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (kind, ref_id) DO UPDATE SET payload = excluded.payload, due_at = excluded.due_at,
                 attempts = CASE WHEN excluded.attempts > schedule.attempts THEN excluded.attempts
                                 ELSE schedule.attempts END,
                 last_error = NULL",
            params![key.kind, key.ref_id, encode(job), attempts, due],
        )?;
        // The next-due hint is lowered after the commit (`Service::after_commit`), which wakes
        // the scheduler if the job falls due before what it waits for: lowering it (or waking
        // the scheduler) now would only send passes to read a schedule without this job.
        SCHEDULED.with(|c| c.set(c.get().min(due)));
        Ok(())
    }

    /// Puts a job back to run again at `due`, counting the attempt it just made.
    pub(crate) fn reschedule(&self, tx: &mut dyn Tx, job: &Job, due: Millis, attempts: i64) -> Result<()> {
        self.schedule_attempt(tx, job, due, attempts + 1)
    }

    pub(crate) fn unschedule(&self, tx: &mut dyn Tx, key: JobKey<'_>) -> Result<()> {
        tx.execute("DELETE FROM schedule WHERE kind = ? AND ref_id = ?", params![key.kind, key.ref_id])?;
        Ok(())
    }

    /// Up to `limit` jobs due by `now`, oldest first.
    pub(crate) fn due_jobs(&self, tx: &mut dyn Tx, now: Millis, limit: i64) -> Result<Vec<Due>> {
        let rows = tx.query(
            "SELECT kind, ref_id, payload, attempts, due_at FROM schedule WHERE due_at <= ?
             ORDER BY due_at, kind, ref_id LIMIT ?",
            params![now, limit],
        )?;
        rows.iter()
            .map(|r| {
                let kind = r.string("kind")?;
                let job = decode::<Job>(&kind, &r.string("payload")?);
                Ok(Due { ref_id: r.string("ref_id")?, due: r.i64("due_at")?, attempts: r.i64("attempts")?, job, kind })
            })
            .collect()
    }

    /// Does one due job: removes its row, then runs it (it may schedule itself again). A row
    /// that is not a job is parked with its error instead, and logged.
    pub(crate) fn do_due(&self, tx: &mut dyn Tx, d: &Due, now: Millis) -> Result<()> {
        match &d.job {
            Ok(job) => {
                tx.execute("DELETE FROM schedule WHERE kind = ? AND ref_id = ?", params![&d.kind, &d.ref_id])?;
                job.run(self, tx, d.due, d.attempts, now)
            }
            Err(e) => {
                tracing::error!(kind = %d.kind, ref_id = %d.ref_id, error = %e, "scheduled job unreadable; parked");
                tx.execute(
                    "UPDATE schedule SET due_at = ?, attempts = attempts + 1, last_error = ? WHERE kind = ? AND ref_id = ?",
                    params![PARKED, e.to_string(), &d.kind, &d.ref_id],
                )?;
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_round_trip_tagged_by_kind() {
        for (job, json) in [
            (Job::hit_expire("H1"), r#"{"kind":"hit_expire","hit_id":"H1"}"#),
            (Job::hit_dispose("H2"), r#"{"kind":"hit_dispose","hit_id":"H2"}"#),
            (Job::assignment_deadline("A1"), r#"{"kind":"assignment_deadline","assignment_id":"A1"}"#),
            (Job::auto_approve("A2"), r#"{"kind":"auto_approve","assignment_id":"A2"}"#),
            (Job::hit_review("H3"), r#"{"kind":"hit_review","hit_id":"H3"}"#),
            (
                Job::qualification_type_dispose("Q1"),
                r#"{"kind":"qualification_type_dispose","qualification_type_id":"Q1"}"#,
            ),
        ] {
            assert_eq!(encode(&job), json);
            assert_eq!(decode::<Job>(job.kind(), json).unwrap(), job);
            assert_eq!(job.key().ref_id, &json[json.len() - 4..json.len() - 2]);
        }
    }

    #[test]
    fn migrated_payloads_read() {
        // What migration 0005 writes for existing rows.
        let j: Job = decode("auto_approve", r#"{"kind":"auto_approve","assignment_id":"3XYZ"}"#).unwrap();
        assert_eq!(j, Job::auto_approve("3XYZ"));
    }

    #[test]
    fn unknown_kinds_and_bad_payloads_are_errors() {
        let e = decode::<Job>("hit_explode", r#"{"kind":"hit_explode","hit_id":"H"}"#).unwrap_err();
        assert_eq!(e.kind, "hit_explode");
        assert!(e.reason.contains("unknown variant"), "{e}");
        // An empty payload: an unknown kind migrated by 0005.
        assert!(decode::<Job>("old_kind", "").is_err());
        // A payload of another kind than its row's.
        let e = decode::<Job>("hit_dispose", r#"{"kind":"hit_expire","hit_id":"H"}"#).unwrap_err();
        assert!(e.reason.contains("hit_expire"), "{e}");
        // A known kind missing its field.
        assert!(decode::<Job>("hit_expire", r#"{"kind":"hit_expire"}"#).is_err());
    }
}

/// A row of the schedule, as `openturk schedule list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledJob {
    pub kind: String,
    pub ref_id: String,
    /// When it falls due; None for a parked job, which never does.
    pub due_at: Option<Millis>,
    pub attempts: i64,
    pub last_error: Option<String>,
}

impl Service {
    /// Scheduled jobs, soonest first, parked ones (rows no job reads) last; `parked_only` lists
    /// just those, which otherwise only SQL would show.
    pub fn scheduled_jobs(&self, parked_only: bool, limit: i64) -> Result<Vec<ScheduledJob>> {
        let sql = if parked_only {
            "SELECT kind, ref_id, due_at, attempts, last_error FROM schedule WHERE due_at = ?
             ORDER BY kind, ref_id LIMIT ?"
        } else {
            "SELECT kind, ref_id, due_at, attempts, last_error FROM schedule WHERE due_at <= ?
             ORDER BY due_at, kind, ref_id LIMIT ?"
        };
        self.read(|tx| {
            tx.query(sql, params![PARKED, limit.clamp(1, 100_000)])?
                .iter()
                .map(|r| {
                    let due = r.i64("due_at")?;
                    Ok(ScheduledJob {
                        kind: r.string("kind")?,
                        ref_id: r.string("ref_id")?,
                        due_at: (due != PARKED).then_some(due),
                        attempts: r.i64("attempts")?,
                        last_error: r.opt_string("last_error")?,
                    })
                })
                .collect()
        })
    }
}
