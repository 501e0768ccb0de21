//! The assignment life cycle: accept, return, abandon (by deadline), submit, approve, reject,
//! auto-approve. Bonuses are `bonuses.rs`.

use crate::error::{Error, Result};
use crate::jobs::Job;
use crate::notifications::{self as note, EventType as Ev};
use crate::paging::{Cursor, Page};
use crate::{accounts, blobs, ledger, not_found, repo, Service};
use openturk_domain::clock::Millis;
use openturk_domain::model::{Assignment, AssignmentStatus, Hit, HitStatus};
use openturk_domain::question::{check_answers, normalize_answers, render_answers, QuestionDocument};
use openturk_domain::validate;
use openturk_domain::{ids, ErrorKind};
use openturk_storage::{params, Tx};

/// How long after submission a rejection may still be overridden.
const OVERRIDE_WINDOW_MS: i64 = 30 * 24 * 3600 * 1000;

pub use crate::bonuses::Bonus;

/// A worker's answers: field name → one or more values.
pub type Answers = Vec<(String, Vec<String>)>;

const REQUESTER_VISIBLE: &str = "('Submitted', 'Approved', 'Rejected')";

impl Service {
    // ----- worker side -----

    /// Accepts one specific HIT.
    pub fn accept_hit(&self, worker_id: &str, hit_id: &str) -> Result<(Assignment, Hit)> {
        self.write(|tx| {
            let now = self.now();
            let hit = repo::load_hit(tx, hit_id)?.ok_or_else(|| not_found(ErrorKind::HitNotFound, "Hit", hit_id))?;
            self.accept_in(tx, worker_id, hit, now)
        })
    }

    /// Accepts the next HIT of a group that this worker can still work.
    pub fn accept_from_group(&self, worker_id: &str, group_id: &str) -> Result<(Assignment, Hit)> {
        self.write(|tx| {
            let now = self.now();
            let hit = match crate::tasks::next_hit_in_group(tx, group_id, worker_id, now)? {
                Some(hit) => hit,
                None => return Err(crate::tasks::no_hit_left(tx, group_id)?),
            };
            self.accept_in(tx, worker_id, hit, now)
        })
    }

    fn accept_in(&self, tx: &mut dyn Tx, worker_id: &str, mut hit: Hit, now: Millis) -> Result<(Assignment, Hit)> {
        if hit.deleted || hit.is_expired(now) {
            return Err(Error::new(
                ErrorKind::Conflict,
                format!("HIT {} has expired and can no longer be accepted", hit.hit_id),
            ));
        }
        crate::eligibility::may(tx, self.mode(), worker_id, &hit, openturk_domain::eligibility::Action::Accept)?;
        let mine = tx.query_opt(
            "SELECT status FROM assignments WHERE hit_id = ? AND worker_id = ? AND status IN ('Accepted', 'Submitted', 'Approved', 'Rejected')",
            params![&hit.hit_id, worker_id],
        )?;
        if let Some(r) = mine {
            let st = r.string("status")?;
            return Err(Error::new(
                ErrorKind::Conflict,
                if st == "Accepted" {
                    format!("You already hold an assignment for HIT {}", hit.hit_id)
                } else {
                    format!("You have already worked HIT {}; a HIT can be worked only once per worker", hit.hit_id)
                },
            ));
        }
        if hit.available(now) == 0 {
            return Err(Error::new(ErrorKind::Conflict, format!("HIT {} has no assignments available", hit.hit_id)));
        }
        let held = tx
            .query_one(
                "SELECT COUNT(*) AS n FROM assignments WHERE worker_id = ? AND status = 'Accepted'",
                params![worker_id],
            )?
            .i64("n")?;
        let limit = self.config().max_assignments_in_progress;
        if held >= limit {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                format!("You already have {held} assignments in progress, the most allowed at once ({limit}); submit or return one first"),
            ));
        }
        // "By default, any Worker can accept a maximum of 10 assignments for your HITs."
        let per = self.config().max_assignments_in_progress_per_requester;
        let of_requester = tx
            .query_one(
                "SELECT COUNT(*) AS n FROM assignments WHERE worker_id = ? AND status = 'Accepted' AND requester_id = ?",
                params![worker_id, &hit.requester_id],
            )?
            .i64("n")?;
        if of_requester >= per {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                format!(
                    "You already have {of_requester} assignments of this requester in progress, the most allowed ({per}); submit or return one first"
                ),
            ));
        }
        let a = Assignment {
            assignment_id: ids::new_assignment_id(),
            hit_id: hit.hit_id.clone(),
            worker_id: worker_id.to_string(),
            requester_id: hit.requester_id.clone(),
            status: AssignmentStatus::Accepted,
            accepted_at: now,
            deadline: now + hit.spec.assignment_duration_secs * 1000,
            submitted_at: None,
            auto_approval_at: None,
            approved_at: None,
            rejected_at: None,
            returned_at: None,
            answer: None,
            requester_feedback: None,
            reward: hit.spec.reward,
            fee: hit.fee_per_assignment,
        };
        repo::insert_assignment(tx, &a)?;
        hit.num_pending += 1;
        note::emit(self, tx, &hit, Ev::AssignmentAccepted, Some(&a.assignment_id), now)?;
        self.settle_hit(tx, &mut hit, now)?;
        self.schedule(tx, &Job::assignment_deadline(&a.assignment_id), a.deadline)?;
        Ok((a, hit))
    }

    /// The worker's own assignment that is still open for work.
    fn open_assignment(
        &self,
        tx: &mut dyn Tx,
        worker_id: &str,
        assignment_id: &str,
        now: Millis,
    ) -> Result<Assignment> {
        let a = owned_assignment(tx, worker_id, assignment_id)?;
        // The deadline is exclusive: at the deadline the assignment is abandoned.
        if a.status != AssignmentStatus::Accepted || now >= a.deadline {
            let st = if a.status == AssignmentStatus::Accepted { "Abandoned" } else { a.status.as_str() };
            return Err(Error::new(
                ErrorKind::InvalidAssignmentState,
                format!("Assignment {assignment_id} is {st} and no longer open for work"),
            ));
        }
        Ok(a)
    }

    /// Submits answers. Allowed until the assignment's own deadline, even after the HIT expired.
    pub fn submit(&self, worker_id: &str, assignment_id: &str, answers: &Answers) -> Result<Assignment> {
        self.submit_with_files(worker_id, assignment_id, answers, &[])
    }

    /// Submits answers with the files uploaded for the form's FileUploadAnswer questions (see
    /// `blobs`: the files are stored first, and the submit's transaction records them).
    pub fn submit_with_files(
        &self,
        worker_id: &str,
        assignment_id: &str,
        answers: &Answers,
        files: &[blobs::UploadedFile],
    ) -> Result<Assignment> {
        let values: usize = answers.iter().map(|(_, v)| v.len()).sum();
        if values > validate::MAX_ANSWER_FIELDS {
            return Err(Error::invalid(format!(
                "The answer has {values} values; at most {} are accepted",
                validate::MAX_ANSWER_FIELDS
            )));
        }
        for (name, values) in answers {
            if name.is_empty() {
                return Err(Error::invalid("an answer has an empty field name"));
            }
            for v in values {
                validate::no_control_chars(&format!("Answers.{name}"), v)?;
            }
        }
        // A HIT's question never changes once it is made: read it, check the answers against it
        // and render them before taking the writer (on SQLite, one for the whole marketplace),
        // which is then held only for the change of state. The assignment is checked open here
        // too, so that a closed one is reported as such before any complaint about its answers.
        let (hit_id, parsed, policy) = self.read(|tx| {
            let a = self.open_assignment(tx, worker_id, assignment_id, self.now())?;
            let (parsed, policy) = crate::review_policies::question_and_assignment_policy(tx, &a.hit_id)?;
            Ok((a.hit_id, parsed, policy))
        })?;
        // A stored question that cannot be read back is our fault, and must not turn a
        // selection answer into free text: fail the call instead.
        let doc: QuestionDocument = serde_json::from_str(&parsed).map_err(|e| {
            Error::new(ErrorKind::Internal, format!("the stored question of HIT {hit_id} cannot be read: {e}"))
        })?;
        let (answers, planned) = blobs::plan(&doc, answers, files, self.max_file_bytes())?;
        let answers = &answers;
        // A QuestionForm's constraints are checked here, on every submit path; a failure
        // changes nothing.
        let normalized;
        let answers = match doc.as_form() {
            Some(form) => {
                check_answers(form, answers).map_err(Error::InvalidAnswers)?;
                normalized = normalize_answers(form, answers);
                &normalized
            }
            None => answers,
        };
        let rendered = render_answers(answers, Some(&doc));
        if !planned.is_empty() {
            self.store_uploads(&hit_id, assignment_id, &planned, files)?;
        }
        let submitted = self.write(|tx| {
            let now = self.now();
            let mut a = self.open_assignment(tx, worker_id, assignment_id, now)?;
            self.commit_uploads(tx, &planned)?;
            let mut hit = repo::load_hit(tx, &a.hit_id)?
                .ok_or_else(|| Error::new(ErrorKind::Internal, "assignment without HIT"))?;
            a.answer = Some(rendered.clone());
            a.status = AssignmentStatus::Submitted;
            a.submitted_at = Some(now);
            a.auto_approval_at = Some(now + hit.spec.auto_approval_delay_secs * 1000);
            repo::save_assignment(tx, &a)?;
            self.unschedule(tx, Job::assignment_deadline(&a.assignment_id).key())?;
            hit.num_pending -= 1;
            hit.num_submitted += 1;
            note::emit(self, tx, &hit, Ev::AssignmentSubmitted, Some(&a.assignment_id), now)?;
            self.settle_hit(tx, &mut hit, now)?;
            if let Some(p) = &policy {
                a = self.review_submitted(tx, a, p, now)?;
            }
            if a.status != AssignmentStatus::Submitted {
                // The assignment-level review policy approved or rejected it.
            } else if hit.spec.auto_approval_delay_secs == 0 {
                a = self.approve_in(tx, a, None, now, now)?;
            } else {
                self.schedule(tx, &Job::auto_approve(&a.assignment_id), a.auto_approval_at.unwrap_or(now))?;
            }
            Ok(a)
        });
        if submitted.is_err() && !planned.is_empty() {
            self.abandon_uploads(&planned);
        }
        submitted
    }

    /// Returns an accepted assignment; its slot opens again if the HIT has not expired.
    pub fn return_assignment(&self, worker_id: &str, assignment_id: &str) -> Result<Assignment> {
        self.write(|tx| {
            let now = self.now();
            let mut a = self.open_assignment(tx, worker_id, assignment_id, now)?;
            a.status = AssignmentStatus::Returned;
            a.returned_at = Some(now);
            repo::save_assignment(tx, &a)?;
            self.unschedule(tx, Job::assignment_deadline(&a.assignment_id).key())?;
            if let Some(mut hit) = repo::load_hit(tx, &a.hit_id)? {
                hit.num_pending -= 1;
                note::emit(self, tx, &hit, Ev::AssignmentReturned, Some(&a.assignment_id), now)?;
                self.settle_hit(tx, &mut hit, now)?;
            }
            Ok(a)
        })
    }

    /// The worker's assignments, newest first, optionally of one status.
    pub fn worker_assignments(
        &self,
        worker_id: &str,
        status: Option<AssignmentStatus>,
        next_token: Option<&str>,
        max_results: Option<i64>,
    ) -> Result<Page<(Assignment, Hit)>> {
        let cur = Cursor::backward(next_token, max_results)?;
        let sql = format!(
            "SELECT {} FROM assignments WHERE worker_id = ? AND (? = '' OR status = ?) AND seq < ? ORDER BY seq DESC LIMIT ?",
            repo::ASSIGNMENT_COLS
        );
        let st = status.map(|s| s.as_str()).unwrap_or("");
        self.read(|tx| {
            let rows = tx.query(&sql, params![worker_id, st, st, cur.seq, cur.fetch()])?;
            let p = cur.worker_page(rows, repo::assignment_from_row)?;
            let mut items = Vec::with_capacity(p.items.len());
            for a in p.items {
                let hit = repo::load_hit(tx, &a.hit_id)?
                    .ok_or_else(|| Error::new(ErrorKind::Internal, "assignment without HIT"))?;
                items.push((a, hit));
            }
            Ok(Page { items, next_token: p.next_token })
        })
    }

    // ----- requester side -----

    /// The requester's own assignment, submitted or reviewed, of a HIT not disposed of:
    /// "Requesters can only retrieve their own assignments for HITs that they have not
    /// disposed of." Anything else does not exist for the caller.
    pub(crate) fn own_assignment(
        &self,
        tx: &mut dyn Tx,
        requester_id: &str,
        assignment_id: &str,
    ) -> Result<Assignment> {
        let visible = |a: &Assignment| {
            a.requester_id == requester_id
                && matches!(
                    a.status,
                    AssignmentStatus::Submitted | AssignmentStatus::Approved | AssignmentStatus::Rejected
                )
        };
        match repo::load_assignment(tx, assignment_id)? {
            Some(a) if visible(&a) => {
                let disposed =
                    tx.query_one("SELECT deleted FROM hits WHERE hit_id = ?", params![&a.hit_id])?.bool("deleted")?;
                if disposed {
                    Err(not_found(ErrorKind::AssignmentNotFound, "Assignment", assignment_id))
                } else {
                    Ok(a)
                }
            }
            _ => Err(not_found(ErrorKind::AssignmentNotFound, "Assignment", assignment_id)),
        }
    }

    pub fn get_assignment(&self, requester_id: &str, assignment_id: &str) -> Result<(Assignment, Hit)> {
        self.read(|tx| {
            let a = self.own_assignment(tx, requester_id, assignment_id)?;
            let hit = repo::load_hit(tx, &a.hit_id)?
                .ok_or_else(|| Error::new(ErrorKind::Internal, "assignment without HIT"))?;
            Ok((a, hit))
        })
    }

    pub fn list_assignments_for_hit(
        &self,
        requester_id: &str,
        hit_id: &str,
        statuses: &[AssignmentStatus],
        next_token: Option<&str>,
        max_results: Option<i64>,
    ) -> Result<Page<Assignment>> {
        for s in statuses {
            if !matches!(s, AssignmentStatus::Submitted | AssignmentStatus::Approved | AssignmentStatus::Rejected) {
                return Err(Error::invalid(format!(
                    "Value '{}' at 'AssignmentStatuses' failed to satisfy constraint: Member must satisfy enum value set: [Submitted, Approved, Rejected]",
                    s.as_str()
                )));
            }
        }
        let cur = Cursor::forward(next_token, max_results)?;
        let filter = if statuses.is_empty() {
            REQUESTER_VISIBLE.to_string()
        } else {
            format!("({})", statuses.iter().map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(", "))
        };
        let sql = format!(
            "SELECT {} FROM assignments WHERE hit_id = ? AND status IN {filter} AND seq > ? ORDER BY seq LIMIT ?",
            repo::ASSIGNMENT_COLS
        );
        self.read(|tx| {
            repo::own_hit(tx, requester_id, hit_id)?;
            cur.requester_page(tx.query(&sql, params![hit_id, cur.seq, cur.fetch()])?, repo::assignment_from_row)
        })
    }

    /// ApproveAssignment, including OverrideRejection.
    pub fn approve(
        &self,
        requester_id: &str,
        assignment_id: &str,
        feedback: Option<&str>,
        override_rejection: bool,
    ) -> Result<Assignment> {
        check_feedback(feedback)?;
        self.write_for(requester_id, |tx| {
            let now = self.now();
            let a = self.own_assignment(tx, requester_id, assignment_id)?;
            match a.status {
                AssignmentStatus::Submitted => self.approve_in(tx, a, feedback, now, now),
                AssignmentStatus::Rejected if override_rejection => self.override_rejection(tx, a, feedback, now),
                st => Err(Error::new(
                    ErrorKind::InvalidAssignmentState,
                    format!(
                        "This operation can be called with a status of: Submitted{} (assignment {assignment_id} is {})",
                        if override_rejection { ", Rejected" } else { "" },
                        st.as_str()
                    ),
                )),
            }
        })
    }

    /// Pays a submitted assignment from its HIT's hold. Used by approval and auto-approval.
    pub(crate) fn approve_in(
        &self,
        tx: &mut dyn Tx,
        mut a: Assignment,
        feedback: Option<&str>,
        at: Millis,
        now: Millis,
    ) -> Result<Assignment> {
        let mut hit =
            repo::load_hit(tx, &a.hit_id)?.ok_or_else(|| Error::new(ErrorKind::Internal, "assignment without HIT"))?;
        a.status = AssignmentStatus::Approved;
        a.approved_at = Some(at);
        if let Some(f) = feedback {
            a.requester_feedback = Some(f.to_string());
        }
        repo::save_assignment(tx, &a)?;
        self.unschedule(tx, Job::auto_approve(&a.assignment_id).key())?;
        let hold = ledger::hold(&hit.requester_id);
        let w = ledger::worker(&a.worker_id);
        ledger::post(
            tx,
            "approve",
            &a.assignment_id,
            now,
            &[(&hold, -(a.reward + a.fee)), (&w, a.reward), (ledger::PLATFORM_FEES, a.fee)],
        )?;
        hit.held = hit.held - (a.reward + a.fee);
        hit.num_submitted -= 1;
        hit.num_completed += 1;
        note::emit(self, tx, &hit, Ev::AssignmentApproved, Some(&a.assignment_id), at)?;
        self.settle_hit(tx, &mut hit, now)?;
        Ok(a)
    }

    fn override_rejection(
        &self,
        tx: &mut dyn Tx,
        mut a: Assignment,
        feedback: Option<&str>,
        now: Millis,
    ) -> Result<Assignment> {
        let hit =
            repo::load_hit(tx, &a.hit_id)?.ok_or_else(|| Error::new(ErrorKind::Internal, "assignment without HIT"))?;
        if hit.status == HitStatus::Disposed {
            return Err(Error::new(
                ErrorKind::InvalidHitState,
                format!("HIT {} has been deleted; its rejected assignments can no longer be approved", hit.hit_id),
            ));
        }
        if now > a.submitted_at.unwrap_or(0) + OVERRIDE_WINDOW_MS {
            return Err(Error::new(
                ErrorKind::InvalidAssignmentState,
                format!(
                    "Assignment {} was submitted more than 30 days ago; its rejection can no longer be overridden",
                    a.assignment_id
                ),
            ));
        }
        a.status = AssignmentStatus::Approved;
        a.approved_at = Some(now);
        a.rejected_at = None;
        if let Some(f) = feedback {
            a.requester_feedback = Some(f.to_string());
        }
        repo::save_assignment(tx, &a)?;
        let w = ledger::worker(&a.worker_id);
        accounts::spend(
            tx,
            self.mode(),
            &a.requester_id,
            "approve",
            &a.assignment_id,
            now,
            &[(&w, a.reward), (ledger::PLATFORM_FEES, a.fee)],
        )?;
        note::emit(self, tx, &hit, Ev::AssignmentApproved, Some(&a.assignment_id), now)?;
        Ok(a)
    }

    /// Rejects a submitted assignment. RequesterFeedback is required on the wire, but may be
    /// empty, as on MTurk (psiTurk and oTree send ""); empty feedback is stored as none, so the
    /// assignment then has no RequesterFeedback ("if the Requester ... specified feedback").
    pub fn reject(&self, requester_id: &str, assignment_id: &str, feedback: &str) -> Result<Assignment> {
        check_feedback(Some(feedback))?;
        let feedback = Some(feedback).filter(|f| !f.is_empty());
        self.write_for(requester_id, |tx| {
            let now = self.now();
            let a = self.own_assignment(tx, requester_id, assignment_id)?;
            if a.status != AssignmentStatus::Submitted {
                return Err(Error::new(
                    ErrorKind::InvalidAssignmentState,
                    format!(
                        "This operation can be called with a status of: Submitted (assignment {assignment_id} is {})",
                        a.status.as_str()
                    ),
                ));
            }
            self.reject_in(tx, a, feedback, now)
        })
    }

    /// Rejects a submitted assignment. Used by RejectAssignment and review policies.
    pub(crate) fn reject_in(
        &self,
        tx: &mut dyn Tx,
        mut a: Assignment,
        feedback: Option<&str>,
        now: Millis,
    ) -> Result<Assignment> {
        a.status = AssignmentStatus::Rejected;
        a.rejected_at = Some(now);
        a.requester_feedback = feedback.map(str::to_string);
        repo::save_assignment(tx, &a)?;
        self.unschedule(tx, Job::auto_approve(&a.assignment_id).key())?;
        let mut hit =
            repo::load_hit(tx, &a.hit_id)?.ok_or_else(|| Error::new(ErrorKind::Internal, "assignment without HIT"))?;
        hit.num_submitted -= 1;
        hit.num_completed += 1;
        note::emit(self, tx, &hit, Ev::AssignmentRejected, Some(&a.assignment_id), now)?;
        self.settle_hit(tx, &mut hit, now)?;
        Ok(a)
    }
}

fn check_feedback(feedback: Option<&str>) -> Result<()> {
    if let Some(f) = feedback {
        validate::text("RequesterFeedback", f, validate::MAX_FEEDBACK, true)?;
        validate::no_control_chars("RequesterFeedback", f)?;
    }
    Ok(())
}

/// The worker's own assignment; another worker's is refused, and a missing one does not exist.
pub(crate) fn owned_assignment(tx: &mut dyn Tx, worker_id: &str, assignment_id: &str) -> Result<Assignment> {
    match repo::load_assignment(tx, assignment_id)? {
        Some(a) if a.worker_id == worker_id => Ok(a),
        Some(_) => Err(Error::new(
            ErrorKind::AccessDenied,
            format!("Assignment {assignment_id} is not yours: only the worker who accepted it can work on it"),
        )),
        None => Err(not_found(ErrorKind::AssignmentNotFound, "Assignment", assignment_id)),
    }
}
