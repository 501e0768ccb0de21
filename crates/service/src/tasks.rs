//! What the worker website needs to show a task: the HIT a group previews, and an assignment
//! with its HIT for the worker who holds it. The rules (who may accept, submit, return) stay in
//! `assignments.rs`; these are reads.
//!
//! The task origin serves an HTMLQuestion's page to a browser that carries no site cookie (it
//! is another site), so it cannot ask who is looking. The site therefore hands out the frame's
//! URL with a signed task link ([`Service::task_link`]) only after its own checks (the worker may
//! preview the HIT, or holds the assignment), and the task origin serves the page only with one
//! ([`Service::task_link_opens`]): a HIT ID alone does not show a task that its requirements
//! guard from previews.

use crate::eligibility::may;
use crate::error::{Error, Result};
use crate::{not_found, repo, Service};
use openturk_domain::clock::Millis;
use openturk_domain::eligibility::Action;
use openturk_domain::model::{Assignment, Hit};
use openturk_domain::ErrorKind;
use openturk_storage::{params, Tx};

/// How long a preview's task link opens the task: the preview page is made again (and the worker
/// checked again) after that.
pub const PREVIEW_LINK_MS: Millis = 3600 * 1000;
/// The purpose task links' signing key is derived for.
const TASK_LINK_PURPOSE: &str = "openturk task frame links v1";

impl Service {
    /// A HIT of the group that this worker could accept now, to preview; the oldest first, as
    /// [`Service::accept_from_group`] picks.
    pub fn hit_to_preview(&self, worker_id: &str, group_id: &str) -> Result<Hit> {
        let now = self.now();
        self.read(|tx: &mut dyn Tx| match next_hit_in_group(tx, group_id, worker_id, now)? {
            Some(hit) => {
                may(tx, self.mode(), worker_id, &hit, Action::Preview)?;
                Ok(hit)
            }
            None => Err(no_hit_left(tx, group_id)?),
        })
    }

    /// A HIT for this worker to preview: refused, saying why, when its requirements guard
    /// previews and the worker does not meet them, or its requester blocked the worker.
    pub fn preview_hit(&self, worker_id: &str, hit_id: &str) -> Result<Hit> {
        self.read(|tx: &mut dyn Tx| {
            let hit = repo::load_hit(tx, hit_id)?
                .filter(|h| !h.deleted)
                .ok_or_else(|| not_found(ErrorKind::HitNotFound, "Hit", hit_id))?;
            may(tx, self.mode(), worker_id, &hit, Action::Preview)?;
            Ok(hit)
        })
    }

    /// An assignment of this worker, with its HIT. Another worker's assignment is refused as
    /// [`Service::submit`] refuses it.
    pub fn worker_assignment(&self, worker_id: &str, assignment_id: &str) -> Result<(Assignment, Hit)> {
        self.read(|tx: &mut dyn Tx| {
            let a = crate::assignments::owned_assignment(tx, worker_id, assignment_id)?;
            let hit = repo::load_hit(tx, &a.hit_id)?
                .ok_or_else(|| Error::new(ErrorKind::Internal, format!("assignment {assignment_id} has no HIT")))?;
            Ok((a, hit))
        })
    }

    /// A requester's name, as workers see it.
    pub fn requester_name(&self, requester_id: &str) -> Result<String> {
        self.read(|tx: &mut dyn Tx| {
            tx.query_opt("SELECT name FROM requesters WHERE requester_id = ?", params![requester_id])?
                .map(|r| r.string("name"))
                .transpose()?
                .ok_or_else(|| not_found(ErrorKind::NotFound, "Requester", requester_id))
        })
    }

    /// The worker who holds an assignment. An assignment ID is handed only to the worker who
    /// accepted it (in the task's URL), and is unguessable, so externalSubmit may take it as the
    /// right to submit that assignment, as MTurk does.
    pub fn worker_of_assignment(&self, assignment_id: &str) -> Result<String> {
        self.read(|tx: &mut dyn Tx| {
            repo::load_assignment(tx, assignment_id)?
                .map(|a| a.worker_id)
                .ok_or_else(|| not_found(ErrorKind::AssignmentNotFound, "Assignment", assignment_id))
        })
    }

    /// A link token opening this HIT's task content until `until`: for a page that has checked
    /// the worker may see the task (a preview: [`PREVIEW_LINK_MS`] on; a work page: the
    /// assignment's deadline).
    pub fn task_link(&self, hit_id: &str, until: Millis) -> String {
        crate::signed_links::sign(&self.inner.sealer.derive_key(TASK_LINK_PURPOSE), hit_id, until)
    }

    /// Whether a task link token is genuine, unexpired, and made for this HIT.
    pub fn task_link_opens(&self, token: &str, hit_id: &str) -> bool {
        let key = self.inner.sealer.derive_key(TASK_LINK_PURPOSE);
        crate::signed_links::verify(&key, token, self.now()).is_ok_and(|h| h == hit_id)
    }
}

/// The oldest HIT of the group that `worker_id` can accept at `now`: assignable, not expired,
/// and not one the worker already holds or has worked.
pub(crate) fn next_hit_in_group(tx: &mut dyn Tx, group_id: &str, worker_id: &str, now: i64) -> Result<Option<Hit>> {
    let sql = format!(
        "SELECT {} FROM hits WHERE hit_group_id = ? AND status = 'Assignable' AND expires_at > ? AND deleted = 0
         AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.hit_id = hits.hit_id AND a.worker_id = ?
                         AND a.status IN ('Accepted', 'Submitted', 'Approved', 'Rejected'))
         ORDER BY seq LIMIT 1",
        repo::HIT_COLS
    );
    match tx.query_opt(&sql, params![group_id, now, worker_id])? {
        Some(row) => Ok(Some(repo::hit_from_row(&row)?.0)),
        None => Ok(None),
    }
}

/// Why [`next_hit_in_group`] found nothing: the group has no HIT left for this worker, or there
/// is no such group.
pub(crate) fn no_hit_left(tx: &mut dyn Tx, group_id: &str) -> Result<Error> {
    let exists = tx.query_opt("SELECT 1 FROM hits WHERE hit_group_id = ? LIMIT 1", params![group_id])?.is_some();
    Ok(if exists {
        Error::new(ErrorKind::Conflict, format!("HIT group {group_id} has no HIT left that you can accept"))
    } else {
        not_found(ErrorKind::NotFound, "HIT group", group_id)
    })
}
