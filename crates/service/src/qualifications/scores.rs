//! Workers' scores, the requester's side: AssociateQualificationWithWorker,
//! DisassociateQualificationFromWorker, GetQualificationScore, ListWorkersWithQualificationType,
//! and ListHITsForQualificationType.

use super::repo;
use super::types::integer_value;
use crate::error::{Error, Result};
use crate::paging::{Cursor, Page};
use crate::{repo as hit_repo, Service};
use openturk_domain::model::Hit;
use openturk_domain::qualification_type::{Qualification, QualificationStatus};
use openturk_domain::validate::no_control_chars;
use openturk_domain::ErrorKind;
use openturk_storage::params;

/// The error GetQualificationScore and DisassociateQualificationFromWorker give when the worker
/// has no score of the type. Tools match "does not exist".
fn no_score(type_id: &str, worker_id: &str) -> Error {
    Error::new(
        ErrorKind::QualificationNotFound,
        format!("You requested a Qualification that does not exist: Worker {worker_id} has no Qualification of type {type_id}."),
    )
}

/// The error for a revoked score where a granted one is needed. Tools (Dallinger) match
/// "This operation can be called with a status of: Granted".
fn revoked(type_id: &str, worker_id: &str) -> Error {
    Error::new(
        ErrorKind::InvalidQualificationState,
        format!(
            "The Qualification of type {type_id} of Worker {worker_id} has been revoked. This operation can be called with a status of: Granted"
        ),
    )
}

impl Service {
    /// AssociateQualificationWithWorker: grants the score at once (again, if it was revoked),
    /// whatever requests the worker has pending. With `send_notification` (default true, as on
    /// MTurk) the worker gets a message saying so: in the inbox, and by email when on.
    pub fn associate_qualification(
        &self,
        requester_id: &str,
        type_id: &str,
        worker_id: &str,
        value: Option<i64>,
        send_notification: Option<bool>,
    ) -> Result<()> {
        let value = integer_value("IntegerValue", value.unwrap_or(1))?;
        let mode = self.mode();
        let now = self.now();
        let emailed = self.write_for(requester_id, |tx| {
            let t = repo::own_type(tx, requester_id, type_id, mode)?;
            repo::not_disposing(&t)?;
            repo::check_worker(tx, worker_id)?;
            repo::grant(tx, type_id, worker_id, value, now)?;
            if send_notification == Some(false) {
                return Ok(false);
            }
            let subject = format!("You have been granted the qualification \"{}\"", t.name);
            let text = format!(
                "You now have the qualification \"{}\" ({type_id}) with the value {value}. HITs that require it are open to you.",
                t.name
            );
            crate::messages::tell_worker(self, tx, requester_id, worker_id, &subject, &text)
        })?;
        if emailed {
            self.wake_deliverer();
        }
        Ok(())
    }

    /// DisassociateQualificationFromWorker: revokes a granted score, with the reason the worker
    /// sees. A revoked score counts as none for HITs, and can be granted again.
    pub fn disassociate_qualification(
        &self,
        requester_id: &str,
        type_id: &str,
        worker_id: &str,
        reason: Option<&str>,
    ) -> Result<()> {
        if let Some(r) = reason {
            no_control_chars("Reason", r)?;
        }
        let mode = self.mode();
        let now = self.now();
        let emailed = self.write_for(requester_id, |tx| {
            let t = repo::own_type(tx, requester_id, type_id, mode)?;
            let q = repo::load_score(tx, type_id, worker_id)?.ok_or_else(|| no_score(type_id, worker_id))?;
            if q.status != QualificationStatus::Granted {
                return Err(revoked(type_id, worker_id));
            }
            tx.execute(
                "UPDATE qualifications SET status = 'Revoked', revoked_at = ?, revoke_reason = ? \
                 WHERE qualification_type_id = ? AND worker_id = ?",
                params![now, reason, type_id, worker_id],
            )?;
            // "The user who had the Qualification sees this message."
            let subject = format!("Your qualification \"{}\" has been revoked", t.name);
            let text = match reason {
                Some(r) if !r.is_empty() => {
                    format!("The requester revoked your qualification \"{}\" ({type_id}): {r}", t.name)
                }
                _ => format!("The requester revoked your qualification \"{}\" ({type_id}).", t.name),
            };
            crate::messages::tell_worker(self, tx, requester_id, worker_id, &subject, &text)
        })?;
        if emailed {
            self.wake_deliverer();
        }
        Ok(())
    }

    /// GetQualificationScore: the owner's view of a worker's granted score.
    pub fn qualification_score(&self, requester_id: &str, type_id: &str, worker_id: &str) -> Result<Qualification> {
        let mode = self.mode();
        self.read(|tx| {
            repo::own_type(tx, requester_id, type_id, mode)?;
            let q = repo::load_score(tx, type_id, worker_id)?.ok_or_else(|| no_score(type_id, worker_id))?;
            if q.status != QualificationStatus::Granted {
                return Err(revoked(type_id, worker_id));
            }
            Ok(q)
        })
    }

    /// ListWorkersWithQualificationType: the type's Granted (default) or Revoked scores, in
    /// the order they were first granted.
    pub fn list_workers_with_qualification_type(
        &self,
        requester_id: &str,
        type_id: &str,
        status: Option<&str>,
        next_token: Option<&str>,
        max_results: Option<i64>,
    ) -> Result<Page<Qualification>> {
        let status = match status {
            None => QualificationStatus::Granted,
            Some(s) => QualificationStatus::parse(s).ok_or_else(|| {
                Error::invalid(format!(
                    "Value '{s}' at 'Status' failed to satisfy constraint: Member must satisfy enum value set: [Granted, Revoked]"
                ))
            })?,
        };
        let cur = Cursor::forward(next_token, max_results)?;
        let mode = self.mode();
        let sql = format!(
            "SELECT {} FROM qualifications WHERE qualification_type_id = ? AND status = ? AND seq > ? ORDER BY seq LIMIT ?",
            repo::SCORE_COLS
        );
        self.read(|tx| {
            repo::own_type(tx, requester_id, type_id, mode)?;
            let rows = tx.query(&sql, params![type_id, status.as_str(), cur.seq, cur.fetch()])?;
            cur.requester_page(rows, repo::score_from_row)
        })
    }

    /// ListHITsForQualificationType: the caller's HITs (any status, not deleted) whose
    /// requirements name the type, which may be anyone's or a system type.
    pub fn list_hits_for_qualification_type(
        &self,
        requester_id: &str,
        type_id: &str,
        next_token: Option<&str>,
        max_results: Option<i64>,
    ) -> Result<Page<Hit>> {
        let cur = Cursor::forward(next_token, max_results)?;
        let mode = self.mode();
        let sql = format!(
            "SELECT {} FROM hits WHERE requester_id = ? AND deleted = 0 AND hit_type_id IN \
             (SELECT hit_type_id FROM hit_type_qualifications WHERE qualification_type_id = ?) \
             AND seq > ? ORDER BY seq LIMIT ?",
            hit_repo::HIT_COLS
        );
        self.read(|tx| {
            repo::any_type(tx, type_id, mode)?;
            let rows = tx.query(&sql, params![requester_id, type_id, cur.seq, cur.fetch()])?;
            cur.requester_page(rows, hit_repo::hit_from_row)
        })
    }
}
