//! The outbox: deliveries to the outside world: email (NotifyWorkers) and HIT event
//! notifications over SQS, SNS and email (`crate::notifications`).
//!
//! A delivery is a row of `outbox`, written by [`enqueue`] in the same transaction as the change
//! that causes it, so it exists if and only if that change committed. Nothing is sent from inside
//! a unit of work (units may be re-run, and a send cannot be taken back). The background
//! deliverer ([`Service::run_deliverer`]) sends afterwards:
//!
//! 1. **claim** (one transaction): due `Pending` rows get a lease, `lease_owner` and
//!    `lease_until`, set by a conditional `UPDATE … WHERE lease_until IS NULL OR lease_until <= now`.
//!    On PostgreSQL two replicas claiming the same row conflict under SERIALIZABLE; the loser is
//!    re-run, sees the lease and skips the row. So no two replicas send one row at once. A lease
//!    outlives any send ([`LEASE_MS`] against the SMTP timeout), and lets a row whose sender died
//!    be claimed again when it ends.
//! 2. **send**, outside any transaction, through a [`Transport`].
//! 3. **finish** (one transaction, only if the lease is still ours): `Sent`, or the attempt
//!    counted with its error and the next attempt after an exponential backoff; after
//!    [`MAX_ATTEMPTS`] the row is `Failed` and stays for the operator (`openturk outbox list`).
//!
//! Delivery is at least once: a crash between a send and its finish sends the row again after
//! its lease ends. Times come from the service clock.
//!
//! Deliveries have the shape of the background jobs ([`crate::jobs`]): a typed [`Delivery`] per
//! channel, stored as JSON tagged by its channel (the `channel` column) with an attempt count,
//! written with [`jobs::encode`] and read back with [`jobs::decode`]. A row that does not read as
//! a delivery (a channel this build does not know) is not claimed: it is marked `Failed` with
//! its error, logged, and kept for the operator.

use crate::error::{corrupt, Result};
use crate::jobs::{self, Payload};
use crate::notifications::EventDoc;
use crate::Service;
use openturk_domain::clock::Millis;
use openturk_storage::{params, Row, Tx};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// How long a claimed row is ours: longer than any send may take (the SMTP transport's timeout
/// is 60 s), so a lease never ends while its send is still going.
pub const LEASE_MS: i64 = 5 * 60 * 1000;
/// Attempts before a row is given up as `Failed`: with the backoff below, about 36 hours.
pub const MAX_ATTEMPTS: i64 = 15;
/// The first retry's delay; each later one doubles, up to [`MAX_BACKOFF_MS`].
pub const FIRST_BACKOFF_MS: i64 = 30_000;
pub const MAX_BACKOFF_MS: i64 = 6 * 3600 * 1000;
/// Rows claimed at once.
const BATCH: i64 = 20;

/// What a row delivers, stored as JSON in `payload`; its channel is the `channel` column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "channel", rename_all = "snake_case")]
pub enum Delivery {
    Email(Email),
    /// A notification message, the body of `SendMessage` to the queue URL (`destination`).
    Sqs(EventDoc),
    /// A notification message, the Message `Publish`ed to the topic ARN (`destination`).
    Sns(EventDoc),
    /// A notification message by email to `destination`.
    NotificationEmail(EventDoc),
}

impl Delivery {
    pub fn channel(&self) -> &'static str {
        match self {
            Delivery::Email(_) => "email",
            Delivery::Sqs(_) => "sqs",
            Delivery::Sns(_) => "sns",
            Delivery::NotificationEmail(_) => "notification_email",
        }
    }
    pub fn destination(&self) -> &str {
        match self {
            Delivery::Email(e) => &e.to,
            Delivery::Sqs(d) | Delivery::Sns(d) | Delivery::NotificationEmail(d) => &d.destination,
        }
    }
}

impl Payload for Delivery {
    fn kind(&self) -> &'static str {
        self.channel()
    }
}

/// A plain-text email. The From address is the transport's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    /// The left part of its Message-ID (`<id@from-domain>`): the same on every attempt, so a
    /// mail client can drop the copy that an at-least-once retry may deliver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// Sends deliveries; an `Err` is the reason, kept as the row's `last_error`.
pub trait Transport: Send + Sync {
    fn send<'a>(&'a self, d: &'a Delivery) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Sent,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "Pending",
            Status::Sent => "Sent",
            Status::Failed => "Failed",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        [Status::Pending, Status::Sent, Status::Failed].into_iter().find(|x| x.as_str() == s)
    }
}

/// A row as the operator sees it.
#[derive(Debug, Clone)]
pub struct OutboxEntry {
    pub seq: i64,
    pub channel: String,
    pub destination: String,
    pub ref_id: Option<String>,
    pub requester_id: Option<String>,
    pub status: Status,
    pub attempts: i64,
    pub next_attempt_at: Millis,
    pub last_error: Option<String>,
    pub created_at: Millis,
    pub sent_at: Option<Millis>,
}

/// A row claimed for sending.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub seq: i64,
    pub attempts: i64,
    pub delivery: Delivery,
}

/// Queues `d` in the caller's transaction. `ref_id` names what caused it (a message ID).
pub(crate) fn enqueue(
    tx: &mut dyn Tx,
    d: &Delivery,
    ref_id: Option<&str>,
    requester_id: Option<&str>,
    now: Millis,
) -> Result<i64> {
    let payload = jobs::encode(d);
    let row = tx.query_one(
        "INSERT INTO outbox (channel, destination, payload, ref_id, requester_id, status, attempts, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, 'Pending', 0, ?, ?) RETURNING seq",
        params![d.channel(), d.destination(), &payload, ref_id, requester_id, now, now],
    )?;
    QUEUED.with(|q| q.set(true));
    Ok(row.i64("seq")?)
}

thread_local! {
    /// Whether the unit of work running on this thread queued a delivery (a unit runs on its
    /// caller's thread): `Service::after_unit` then wakes the deliverer. Per thread, not per
    /// process, so that one unit's commit never takes another's wake-up before that one commits.
    static QUEUED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The delay before attempt `attempts + 1`, after `attempts` failed ones.
pub fn backoff_ms(attempts: i64) -> i64 {
    doubling_backoff_ms(attempts, MAX_BACKOFF_MS)
}

/// [`FIRST_BACKOFF_MS`] after the first failure, doubling with each later one, up to `max_ms`:
/// the outbox's retries and the file deleter's.
pub(crate) fn doubling_backoff_ms(failures: i64, max_ms: i64) -> i64 {
    let doublings = (failures - 1).clamp(0, 30) as u32;
    FIRST_BACKOFF_MS.saturating_mul(1i64 << doublings).min(max_ms)
}

/// What is kept of a remote server's error: what an operator needs, not megabytes.
pub(crate) fn error_text(e: &str) -> String {
    e.chars().take(1000).collect()
}

pub(crate) const ENTRY_COLS: &str =
    "seq, channel, destination, ref_id, requester_id, status, attempts, next_attempt_at, \
                          last_error, created_at, sent_at";

pub(crate) fn entry_from_row(r: &Row) -> Result<OutboxEntry> {
    let status = r.string("status")?;
    Ok(OutboxEntry {
        seq: r.i64("seq")?,
        channel: r.string("channel")?,
        destination: r.string("destination")?,
        ref_id: r.opt_string("ref_id")?,
        requester_id: r.opt_string("requester_id")?,
        status: Status::parse(&status).ok_or_else(|| corrupt("outbox status", &status))?,
        attempts: r.i64("attempts")?,
        next_attempt_at: r.i64("next_attempt_at")?,
        last_error: r.opt_string("last_error")?,
        created_at: r.i64("created_at")?,
        sent_at: r.opt_i64("sent_at")?,
    })
}

impl Service {
    /// The outbox, newest first, optionally only rows in `status`; at most `limit` rows.
    pub fn outbox_list(&self, status: Option<Status>, limit: i64) -> Result<Vec<OutboxEntry>> {
        let st = status.map(Status::as_str).unwrap_or("");
        let sql = format!("SELECT {ENTRY_COLS} FROM outbox WHERE (? = '' OR status = ?) ORDER BY seq DESC LIMIT ?");
        self.inner.db.read(|tx: &mut dyn Tx| -> Result<Vec<OutboxEntry>> {
            tx.query(&sql, params![st, st, limit.max(0)])?.iter().map(entry_from_row).collect()
        })
    }

    /// Claims up to `max` due rows for `owner` (see the module documentation).
    pub fn outbox_claim(&self, owner: &str, max: i64) -> Result<Vec<Claimed>> {
        let now = self.now();
        self.inner.db.write(|tx: &mut dyn Tx| -> Result<Vec<Claimed>> {
            let due = tx.query(
                "SELECT seq, channel, attempts, payload FROM outbox
                 WHERE status = 'Pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
                 ORDER BY next_attempt_at, seq LIMIT ?",
                params![now, now, max],
            )?;
            let mut claimed = Vec::with_capacity(due.len());
            for r in &due {
                let seq = r.i64("seq")?;
                let delivery = match jobs::decode::<Delivery>(&r.string("channel")?, &r.string("payload")?) {
                    Ok(d) => d,
                    Err(e) => {
                        // Not a delivery this build knows: kept, failed, for the operator.
                        tracing::error!(seq, error = %e, "outbox row unreadable; marked Failed");
                        tx.execute(
                            "UPDATE outbox SET status = 'Failed', last_error = ? WHERE seq = ? AND status = 'Pending'",
                            params![e.to_string(), seq],
                        )?;
                        continue;
                    }
                };
                // Conditional: only a row nobody holds a live lease on becomes ours.
                let n = tx.execute(
                    "UPDATE outbox SET lease_owner = ?, lease_until = ?
                     WHERE seq = ? AND status = 'Pending' AND (lease_until IS NULL OR lease_until <= ?)",
                    params![owner, now + LEASE_MS, seq, now],
                )?;
                if n == 1 {
                    claimed.push(Claimed { seq, attempts: r.i64("attempts")?, delivery });
                }
            }
            Ok(claimed)
        })
    }

    /// Records the outcomes of sending claimed rows `(seq, outcome)`, in one unit of work. Says
    /// for each whether it was recorded: not when the lease was no longer `owner`'s (it ran out
    /// and another deliverer took the row), which changes nothing.
    pub fn outbox_finish(&self, owner: &str, outcomes: &[(i64, std::result::Result<(), String>)]) -> Result<Vec<bool>> {
        let now = self.now();
        self.inner.db.write(|tx: &mut dyn Tx| -> Result<Vec<bool>> {
            outcomes.iter().map(|(seq, outcome)| finish_in(tx, *seq, owner, outcome, now)).collect()
        })
    }

    /// When the next pending row falls due (its lease, if any, counted), if there is one.
    pub fn outbox_next_due(&self) -> Result<Option<Millis>> {
        self.inner.db.read(|tx: &mut dyn Tx| -> Result<Option<Millis>> {
            Ok(tx
                .query_one(
                    "SELECT MIN(CASE WHEN lease_until IS NOT NULL AND lease_until > next_attempt_at
                                     THEN lease_until ELSE next_attempt_at END) AS next_due
                     FROM outbox WHERE status = 'Pending'",
                    &[],
                )?
                .opt_i64("next_due")?)
        })
    }

    /// Claims and sends what is due, until nothing is; returns how many rows were sent.
    pub async fn deliver_due(&self, owner: &str, transport: &dyn Transport) -> Result<usize> {
        let mut sent = 0;
        loop {
            let svc = self.clone();
            let o = owner.to_string();
            let claimed = tokio::task::spawn_blocking(move || svc.outbox_claim(&o, BATCH))
                .await
                .map_err(|e| crate::Error::Domain(openturk_domain::DomainError::internal(e.to_string())))??;
            let n = claimed.len() as i64;
            // The batch's sends run at once: each waits on a remote server (an SMTP dialogue,
            // an HTTPS round trip to SQS or SNS), so one at a time would bound a replica's
            // throughput by one over that round trip. Each is bounded by its transport's timeout,
            // well inside the lease.
            let outcomes = futures_util::future::join_all(claimed.iter().map(|c| transport.send(&c.delivery))).await;
            let mut finished = Vec::with_capacity(claimed.len());
            for (c, outcome) in claimed.iter().zip(outcomes) {
                match &outcome {
                    Ok(()) => sent += 1,
                    Err(e) => tracing::warn!(seq = c.seq, attempt = c.attempts + 1, error = %e, "delivery failed"),
                }
                finished.push((c.seq, outcome));
            }
            // The batch's outcomes in one unit of work (on SQLite, one turn of its one writer).
            let svc = self.clone();
            let o = owner.to_string();
            let (finished, kept) =
                tokio::task::spawn_blocking(move || svc.outbox_finish(&o, &finished).map(|k| (finished, k)))
                    .await
                    .map_err(|e| crate::Error::Domain(openturk_domain::DomainError::internal(e.to_string())))??;
            for ((seq, _), kept) in finished.iter().zip(kept) {
                if !kept {
                    tracing::warn!(seq, "outbox lease ran out during a send; the row may be sent twice");
                }
            }
            if n < BATCH {
                return Ok(sent);
            }
        }
    }

    /// The background deliverer: runs until `shutdown` resolves. Woken at once when a call
    /// queues a delivery in this process; rows queued by other replicas, and retries, are found
    /// within a second.
    pub async fn run_deliverer(self, transport: Arc<dyn Transport>, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let owner = format!("deliverer-{}", openturk_domain::ids::new_token(8));
        loop {
            if let Err(e) = self.deliver_due(&owner, transport.as_ref()).await {
                tracing::error!(error = %e, "outbox delivery failed; retrying in 1 s");
            }
            let svc = self.clone();
            let next = tokio::task::spawn_blocking(move || svc.outbox_next_due()).await.ok().and_then(|r| r.ok());
            // A manual clock in tests does not move by itself: cap the sleep and look again.
            let wait = next.flatten().map(|n| (n - self.now()).clamp(0, 1000)).unwrap_or(1000);
            tokio::select! {
                _ = &mut shutdown => return,
                _ = self.inner.outbox_wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(wait as u64)) => {}
            }
        }
    }

    /// Wakes this process's deliverer: called after a unit of work that queued deliveries has
    /// committed (waking it earlier would only make it look too soon, which is harmless).
    pub fn wake_deliverer(&self) {
        self.inner.outbox_wake.notify_one();
    }

    /// After a unit of work (`Service::after_unit`): wakes the deliverer if the unit queued a
    /// delivery ([`enqueue`]). A unit that rolled back leaves a wake-up for nothing, which is
    /// harmless.
    pub(crate) fn wake_deliverer_if_queued(&self) {
        if QUEUED.with(|q| q.replace(false)) {
            self.wake_deliverer();
        }
    }
}

/// Records one send's outcome, if `owner` still holds the row's lease.
fn finish_in(
    tx: &mut dyn Tx,
    seq: i64,
    owner: &str,
    outcome: &std::result::Result<(), String>,
    now: Millis,
) -> Result<bool> {
    let Some(r) = tx.query_opt(
        "SELECT attempts FROM outbox WHERE seq = ? AND status = 'Pending' AND lease_owner = ?",
        params![seq, owner],
    )?
    else {
        return Ok(false);
    };
    let attempts = r.i64("attempts")? + 1;
    match outcome {
        Ok(()) => tx.execute(
            "UPDATE outbox SET status = 'Sent', attempts = ?, sent_at = ?, last_error = NULL,
                    lease_owner = NULL, lease_until = NULL WHERE seq = ?",
            params![attempts, now, seq],
        )?,
        Err(e) => {
            let status = if attempts >= MAX_ATTEMPTS { Status::Failed } else { Status::Pending };
            let e = error_text(e);
            tx.execute(
                "UPDATE outbox SET status = ?, attempts = ?, last_error = ?, next_attempt_at = ?,
                        lease_owner = NULL, lease_until = NULL WHERE seq = ?",
                params![status.as_str(), attempts, &e, now + backoff_ms(attempts), seq],
            )?
        }
    };
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_cap() {
        assert_eq!(backoff_ms(1), 30_000);
        assert_eq!(backoff_ms(2), 60_000);
        assert_eq!(backoff_ms(3), 120_000);
        assert_eq!(backoff_ms(40), MAX_BACKOFF_MS);
    }

    #[test]
    fn payload_names_its_channel() {
        let d = Delivery::Email(Email { to: "a@b.c".into(), subject: "s".into(), text: "t".into(), id: None });
        let j = serde_json::to_string(&d).unwrap();
        assert_eq!(j, r#"{"channel":"email","to":"a@b.c","subject":"s","text":"t"}"#);
        assert_eq!(serde_json::from_str::<Delivery>(&j).unwrap(), d);
        assert_eq!(jobs::encode(&d), j);
        assert_eq!(jobs::decode::<Delivery>("email", &j).unwrap(), d);
    }

    #[test]
    fn unknown_channels_are_errors() {
        let e = jobs::decode::<Delivery>("sms", r#"{"channel":"sms","to":"+1"}"#).unwrap_err();
        assert_eq!(e.kind, "sms");
        assert!(e.reason.contains("unknown variant"), "{e}");
        // The channel column and the payload's tag must agree.
        let j = r#"{"channel":"email","to":"a@b.c","subject":"s","text":"t"}"#;
        assert!(jobs::decode::<Delivery>("webhook", j).is_err());
    }
}
