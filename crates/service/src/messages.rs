//! Messages from requesters to workers: NotifyWorkers, and the worker's inbox.
//!
//! NotifyWorkers writes, in one transaction, one inbox message per worker notified and, for a
//! worker with an email address when email is configured, one outbox row (see `outbox`): the
//! email is sent afterwards by the deliverer, never from inside the call.

use crate::error::{Error, Result};
use crate::outbox::{self, Delivery, Email};
use crate::paging::{Cursor, Page};
use crate::{not_found, smtp, Service};
use openturk_domain::clock::Millis;
use openturk_domain::{ids, validate, ErrorKind};
use openturk_storage::{params, Tx};
use std::collections::HashSet;

pub const MAX_SUBJECT_CHARS: usize = 200;
pub const MAX_MESSAGE_CHARS: usize = 4096;
pub const MAX_WORKERS_PER_CALL: usize = 100;

/// The assignment statuses that make a worker one the requester may notify. The API Reference:
/// "The NotifyWorkers operation will send a notification email to a Worker only if you have
/// previously approved or rejected work from the Worker."
const WORKED_FOR: &str = "('Approved', 'Rejected')";

/// NotifyWorkersFailureCode: Hard when the same call would fail again, Soft when a retry may
/// succeed. OpenTurk answers only Hard: once the message is in the inbox and the email in the
/// outbox, delivery problems are the outbox's to retry, not the caller's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyFailureCode {
    SoftFailure,
    HardFailure,
}

impl NotifyFailureCode {
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyFailureCode::SoftFailure => "SoftFailure",
            NotifyFailureCode::HardFailure => "HardFailure",
        }
    }
}

/// A worker NotifyWorkers did not notify, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyFailure {
    pub worker_id: String,
    pub code: NotifyFailureCode,
    pub message: String,
}

/// A message in a worker's inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerMessage {
    pub message_id: String,
    pub requester_id: String,
    pub requester_name: String,
    pub subject: String,
    pub text: String,
    pub sent_at: Millis,
    pub read_at: Option<Millis>,
}

/// A worker's inbox page, with how many messages are unread in all.
#[derive(Debug, Clone)]
pub struct Inbox {
    pub page: Page<WorkerMessage>,
    pub unread: i64,
}

fn check_notify(subject: &str, text: &str, worker_ids: &[String]) -> Result<()> {
    validate::text("Subject", subject, MAX_SUBJECT_CHARS, false)?;
    validate::no_control_chars("Subject", subject)?;
    if subject.contains(['\r', '\n']) {
        return Err(Error::invalid("Subject must be one line: it is the email's subject line."));
    }
    validate::text("MessageText", text, MAX_MESSAGE_CHARS, false)?;
    validate::no_control_chars("MessageText", text)?;
    if worker_ids.is_empty() || worker_ids.len() > MAX_WORKERS_PER_CALL {
        return Err(Error::invalid(format!(
            "WorkerIds must list 1 to {MAX_WORKERS_PER_CALL} Workers; it lists {}. You can notify up to \
             {MAX_WORKERS_PER_CALL} Workers at a time.",
            worker_ids.len()
        )));
    }
    Ok(())
}

/// The email a notified worker receives: the requester's text, and who sent it.
pub fn email_text(text: &str, requester_name: &str, requester_id: &str) -> String {
    format!(
        "{text}\n\n-- \nSent by the requester {requester_name} ({requester_id}) through OpenTurk. This message \
         is also in your OpenTurk inbox.\n"
    )
}

/// Checks a worker's email address (sign-up, the worker API).
pub(crate) fn check_email(email: &str) -> Result<()> {
    if !smtp::is_address(email) {
        return Err(Error::invalid(format!("Email '{email}' is not an email address such as ana@example.org")));
    }
    Ok(())
}

/// [`Service::message_worker_in`] of a message about a worker's qualification, from the type's
/// owner (its name and the worker's address read here).
pub(crate) fn tell_worker(
    svc: &Service,
    tx: &mut dyn Tx,
    requester_id: &str,
    worker_id: &str,
    subject: &str,
    text: &str,
) -> Result<bool> {
    let requester_name = tx
        .query_opt("SELECT name FROM requesters WHERE requester_id = ?", params![requester_id])?
        .map(|r| r.string("name"))
        .transpose()?
        .unwrap_or_default();
    let email = match tx.query_opt("SELECT email FROM workers WHERE worker_id = ?", params![worker_id])? {
        Some(r) => r.opt_string("email")?,
        None => None,
    };
    svc.message_worker_in(tx, requester_id, &requester_name, worker_id, email, subject, text, svc.now())
}

impl Service {
    /// NotifyWorkers. Returns the workers not notified, with why; the call itself fails only
    /// on bad parameters. A worker listed twice is notified once. A worker the requester has
    /// blocked is notified like any other (a block keeps a worker from HITs, not from messages).
    pub fn notify_workers(
        &self,
        requester_id: &str,
        subject: &str,
        text: &str,
        worker_ids: &[String],
    ) -> Result<Vec<NotifyFailure>> {
        check_notify(subject, text, worker_ids)?;
        let now = self.now();
        let (failures, queued) = self.write_for(requester_id, |tx| {
            let requester_name = tx
                .query_opt("SELECT name FROM requesters WHERE requester_id = ?", params![requester_id])?
                .map(|r| r.string("name"))
                .transpose()?
                .unwrap_or_default();
            let mut failures = Vec::new();
            let mut queued = 0usize;
            let mut seen = HashSet::new();
            for wid in worker_ids {
                if !seen.insert(wid.as_str()) {
                    continue;
                }
                let hard = |message: String| NotifyFailure {
                    worker_id: wid.clone(),
                    code: NotifyFailureCode::HardFailure,
                    message,
                };
                let worker = if ids::is_worker_id(wid) {
                    tx.query_opt("SELECT email FROM workers WHERE worker_id = ?", params![wid])?
                } else {
                    None
                };
                let Some(worker) = worker else {
                    failures.push(hard("WorkerId is invalid.".into()));
                    continue;
                };
                let worked = tx
                    .query_opt(
                        &format!(
                            "SELECT 1 FROM assignments WHERE worker_id = ? AND requester_id = ? AND status IN {WORKED_FOR} LIMIT 1"
                        ),
                        params![wid, requester_id],
                    )?
                    .is_some();
                if !worked {
                    failures.push(hard(format!(
                        "Worker {wid} cannot be notified: you can notify only Workers whose work you have approved or rejected."
                    )));
                    continue;
                }
                if self.message_worker_in(tx, requester_id, &requester_name, wid, worker.opt_string("email")?, subject, text, now)? {
                    queued += 1;
                }
            }
            Ok((failures, queued))
        })?;
        if queued > 0 {
            self.wake_deliverer();
        }
        Ok(failures)
    }

    /// Puts a message from `requester_id` in `worker_id`'s inbox and, when email is on and the
    /// worker has an address (`email`), queues the email in the outbox, all in the caller's
    /// transaction. The one path of messages to workers: NotifyWorkers uses it, and so can the
    /// notifications of qualification decisions. Returns whether an email was queued; then the
    /// caller calls [`Service::wake_deliverer`] once its unit of work has committed.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn message_worker_in(
        &self,
        tx: &mut dyn Tx,
        requester_id: &str,
        requester_name: &str,
        worker_id: &str,
        email: Option<String>,
        subject: &str,
        text: &str,
        now: Millis,
    ) -> Result<bool> {
        let message_id = ids::new_token(15).to_uppercase();
        tx.execute(
            "INSERT INTO worker_messages (message_id, worker_id, requester_id, subject, body, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
            params![&message_id, worker_id, requester_id, subject, text, now],
        )?;
        let Some(to) = email.filter(|_| self.config().email_enabled) else { return Ok(false) };
        let email = Email {
            to,
            subject: subject.to_string(),
            text: email_text(text, requester_name, requester_id),
            id: Some(format!("notify-{}", message_id.to_lowercase())),
        };
        outbox::enqueue(tx, &Delivery::Email(email), Some(&message_id), Some(requester_id), now)?;
        Ok(true)
    }

    /// The worker's messages, newest first (worker API paging: no NextToken after the last).
    pub fn worker_messages(
        &self,
        worker_id: &str,
        unread_only: bool,
        next_token: Option<&str>,
        max_results: Option<i64>,
    ) -> Result<Inbox> {
        let cur = Cursor::backward(next_token, max_results)?;
        self.read(|tx| {
            let rows = tx.query(
                &format!(
                    "{MESSAGE_COLUMNS} WHERE m.worker_id = ? AND m.seq < ? AND (? = 0 OR m.read_at IS NULL)
                     ORDER BY m.seq DESC LIMIT ?"
                ),
                params![worker_id, cur.seq, unread_only, cur.fetch()],
            )?;
            let page = cur.worker_page(rows, |r| Ok((message_row(r)?, r.i64("seq")?)))?;
            let unread = unread_count(tx, worker_id)?;
            Ok(Inbox { page, unread })
        })
    }

    /// One of the worker's messages, read or not (reading it changes nothing: marking it read is
    /// [`Service::mark_message_read`]). Another worker's message does not exist for this one.
    pub fn worker_message(&self, worker_id: &str, message_id: &str) -> Result<WorkerMessage> {
        self.read(|tx| {
            let row = tx.query_opt(
                &format!("{MESSAGE_COLUMNS} WHERE m.message_id = ? AND m.worker_id = ?"),
                params![message_id, worker_id],
            )?;
            match row {
                Some(r) => message_row(&r),
                None => Err(not_found(ErrorKind::NotFound, "Message", message_id)),
            }
        })
    }

    /// Marks one of the worker's messages read (again: no change). Another worker's message
    /// does not exist for this one.
    pub fn mark_message_read(&self, worker_id: &str, message_id: &str) -> Result<()> {
        let now = self.now();
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE worker_messages SET read_at = COALESCE(read_at, ?) WHERE message_id = ? AND worker_id = ?",
                params![now, message_id, worker_id],
            )?;
            if n == 0 {
                return Err(not_found(ErrorKind::NotFound, "Message", message_id));
            }
            Ok(())
        })
    }

    /// The worker's email address, if it gave one.
    pub fn worker_email(&self, worker_id: &str) -> Result<Option<String>> {
        self.read(|tx| {
            let r = tx
                .query_opt("SELECT email FROM workers WHERE worker_id = ?", params![worker_id])?
                .ok_or_else(|| not_found(ErrorKind::WorkerNotFound, "Worker", worker_id))?;
            Ok(r.opt_string("email")?)
        })
    }

    /// Sets or (with None) removes the worker's email address; without one, NotifyWorkers
    /// reaches the worker only in the inbox.
    pub fn set_worker_email(&self, worker_id: &str, email: Option<&str>) -> Result<()> {
        let email = email.map(str::trim).filter(|e| !e.is_empty());
        if let Some(e) = email {
            check_email(e)?;
        }
        self.write(|tx| {
            let n = tx.execute("UPDATE workers SET email = ? WHERE worker_id = ?", params![email, worker_id])?;
            if n == 0 {
                return Err(not_found(ErrorKind::WorkerNotFound, "Worker", worker_id));
            }
            Ok(())
        })
    }
}

/// A message's columns, in the order [`message_row`] reads them (then `seq`).
const MESSAGE_COLUMNS: &str =
    "SELECT m.message_id, m.requester_id, r.name, m.subject, m.body, m.created_at, m.read_at, m.seq
     FROM worker_messages m JOIN requesters r ON r.requester_id = m.requester_id";

fn message_row(r: &openturk_storage::Row) -> Result<WorkerMessage> {
    Ok(WorkerMessage {
        message_id: r.string("message_id")?,
        requester_id: r.string("requester_id")?,
        requester_name: r.string("name")?,
        subject: r.string("subject")?,
        text: r.string("body")?,
        sent_at: r.i64("created_at")?,
        read_at: r.opt_i64("read_at")?,
    })
}

fn unread_count(tx: &mut dyn Tx, worker_id: &str) -> Result<i64> {
    Ok(tx
        .query_one(
            "SELECT COUNT(*) AS n FROM worker_messages WHERE worker_id = ? AND read_at IS NULL",
            params![worker_id],
        )?
        .i64("n")?)
}
