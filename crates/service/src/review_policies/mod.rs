//! Review policies: validated and stored at CreateHIT, run as work is submitted, and listed by
//! ListReviewPolicyResultsForHIT.
//!
//! - The assignment-level policy (ScoreMyKnownAnswers) runs inside the submit's own unit of
//!   work, right after the assignment is saved as Submitted: its score, its approval or
//!   rejection and its extension commit with the submission or not at all, and no reader ever
//!   sees a submitted assignment the policy has not yet judged.
//! - The HIT-level policy (SimplePlurality) runs when the HIT becomes Reviewable. That moment
//!   is found inside `Service::settle_hit`, in the middle of other changes (often an approval
//!   that is itself settling the HIT), so the policy cannot act there: it is a typed job,
//!   `Job::HitReview`, scheduled due at once in the same transaction, with the HIT marked
//!   MarkedForReview. Any service call does due jobs first (`Service::catch_up`), so the next
//!   call already sees the policy's results.
//!
//! Every action goes through the service's own paths: `approve_in` (ApproveAssignment),
//! `reject_in` (RejectAssignment) and `add_assignments_in` (CreateAdditionalAssignmentsForHIT),
//! so money moves through the ledger exactly as for the API calls. Those paths refuse before
//! they write anything, so a refused action is recorded as Failed and the policy goes on.

mod repo;

use crate::error::{Error, Result};
use crate::jobs::Job;
use crate::paging::{Cursor, Page};
use crate::{repo as hits_repo, Service};
use openturk_domain::clock::Millis;
use openturk_domain::model::{Assignment, AssignmentStatus, Hit, HitReviewStatus, HitStatus};
use openturk_domain::question::{parse_answers, QuestionDocument};
use openturk_domain::review_policy::{
    self as rp, answer_text, AssignmentDecision, KnownAnswers, Plurality, PluralityInput, RawPolicy,
};
use openturk_domain::ErrorKind;
use openturk_storage::{params, Tx};
use std::collections::HashMap;

pub(crate) use repo::question_and_assignment_policy;

/// A HIT's policies, validated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReviewPolicies {
    pub assignment: Option<KnownAnswers>,
    pub hit: Option<Plurality>,
}

impl ReviewPolicies {
    /// Validates CreateHIT's AssignmentReviewPolicy and HITReviewPolicy.
    pub fn parse(assignment: Option<&RawPolicy>, hit: Option<&RawPolicy>) -> Result<ReviewPolicies> {
        Ok(ReviewPolicies {
            assignment: assignment.map(rp::parse_assignment_policy).transpose()?,
            hit: hit.map(rp::parse_hit_policy).transpose()?,
        })
    }

    /// Refuses policies that name questions a QuestionForm does not have.
    pub(crate) fn check_against(&self, doc: &QuestionDocument) -> Result<()> {
        let Some(form) = doc.as_form() else { return Ok(()) };
        if let Some(a) = &self.assignment {
            let ids: Vec<&str> = a.answer_key.iter().map(|(q, _)| q.as_str()).collect();
            rp::check_questions("AssignmentReviewPolicy", "AnswerKey", &ids, form)?;
        }
        if let Some(h) = &self.hit {
            let ids: Vec<&str> = h.question_ids.iter().map(String::as_str).collect();
            rp::check_questions("HITReviewPolicy", "QuestionIds", &ids, form)?;
        }
        Ok(())
    }
}

/// Which policy produced an entry, and which ListReviewPolicyResultsForHIT's PolicyLevels
/// selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryLevel {
    Assignment,
    Hit,
}

/// A ReviewResultDetail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewResult {
    pub action_id: String,
    pub subject_id: String,
    pub subject_type: String,
    pub question_id: Option<String>,
    pub key: String,
    pub value: String,
}

/// A ReviewActionDetail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewAction {
    pub action_id: String,
    pub action_name: String,
    pub target_id: String,
    pub target_type: String,
    /// Succeeded or Failed: actions are taken at once, never left Intended.
    pub status: String,
    pub complete_time: Millis,
    pub result: String,
    /// Why a Failed action failed.
    pub error_kind: Option<ErrorKind>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewEntry {
    Result(ReviewResult),
    Action(ReviewAction),
}

/// What ListReviewPolicyResultsForHIT returns.
#[derive(Debug, Clone)]
pub struct ReviewReport {
    pub hit_id: String,
    pub assignment_policy: Option<String>,
    pub hit_policy: Option<String>,
    pub entries: Page<(EntryLevel, ReviewEntry)>,
}

/// The error kinds an action may fail with and be recorded (the refusals of the approve,
/// reject and extend paths); any other error aborts the unit of work.
const RECORDED_KINDS: &[ErrorKind] = &[
    ErrorKind::InvalidAssignmentState,
    ErrorKind::InvalidHitState,
    ErrorKind::InsufficientFunds,
    ErrorKind::InvalidMaximumAssignmentsIncrease,
    ErrorKind::InvalidParameter,
];

pub(crate) fn recorded_kind(name: &str) -> Option<ErrorKind> {
    RECORDED_KINDS.iter().copied().find(|k| format!("{k:?}") == name)
}

/// How an action ended.
enum Outcome {
    Done(String),
    Failed(Error),
}

fn result(
    subject_id: &str,
    subject_type: &str,
    question_id: Option<&str>,
    key: &str,
    value: impl ToString,
) -> ReviewResult {
    ReviewResult {
        action_id: String::new(),
        subject_id: subject_id.to_string(),
        subject_type: subject_type.to_string(),
        question_id: question_id.map(str::to_string),
        key: key.to_string(),
        value: value.to_string(),
    }
}

/// An action's refusal to record, or an error to abort with.
fn refused(e: Error) -> Result<Outcome> {
    if RECORDED_KINDS.contains(&e.kind()) && matches!(e, Error::Domain(_)) {
        Ok(Outcome::Failed(e))
    } else {
        Err(e)
    }
}

fn answers_of(a: &Assignment) -> Result<Vec<(String, Vec<String>)>> {
    let xml = a.answer.as_deref().unwrap_or("");
    parse_answers(xml).map_err(|e| {
        Error::new(
            ErrorKind::Internal,
            format!("the stored answer of assignment {} cannot be read: {e}", a.assignment_id),
        )
    })
}

impl Service {
    /// Stores a new HIT's policies (CreateHIT's unit of work).
    pub(crate) fn store_review_policies(&self, tx: &mut dyn Tx, hit_id: &str, p: &ReviewPolicies) -> Result<()> {
        if let Some(a) = &p.assignment {
            repo::insert_policy(tx, hit_id, EntryLevel::Assignment, rp::SCORE_MY_KNOWN_ANSWERS, a)?;
        }
        if let Some(h) = &p.hit {
            repo::insert_policy(tx, hit_id, EntryLevel::Hit, rp::SIMPLE_PLURALITY, h)?;
        }
        Ok(())
    }

    /// Called by `settle_hit` when a HIT becomes Reviewable: a HIT with a HIT-level policy is
    /// marked for review and its policy is scheduled at once.
    pub(crate) fn on_reviewable(&self, tx: &mut dyn Tx, hit: &mut Hit, now: Millis) -> Result<()> {
        if repo::has_hit_policy(tx, &hit.hit_id)? {
            hit.review_status = HitReviewStatus::MarkedForReview;
            self.schedule(tx, &Job::hit_review(&hit.hit_id), now)?;
        }
        Ok(())
    }

    fn record_action(
        &self,
        tx: &mut dyn Tx,
        hit_id: &str,
        level: EntryLevel,
        (name, target_id, target_type): (&str, &str, &str),
        outcome: Outcome,
        now: Millis,
    ) -> Result<bool> {
        let (status, text, kind, done) = match outcome {
            Outcome::Done(t) => ("Succeeded", t, None, true),
            Outcome::Failed(e) => ("Failed", e.to_string(), Some(e.kind()), false),
        };
        let action = ReviewAction {
            action_id: String::new(),
            action_name: name.to_string(),
            target_id: target_id.to_string(),
            target_type: target_type.to_string(),
            status: status.to_string(),
            complete_time: now,
            result: text,
            error_kind: kind,
        };
        repo::insert_action(tx, hit_id, level, &action)?;
        Ok(done)
    }

    /// Approves or rejects an assignment (as the unit has it) for a policy, through
    /// ApproveAssignment's and RejectAssignment's own paths; returns it as the action left it.
    fn decide(
        &self,
        tx: &mut dyn Tx,
        level: EntryLevel,
        a: Assignment,
        decision: AssignmentDecision,
        feedback: Option<&str>,
        now: Millis,
    ) -> Result<Assignment> {
        let (hit_id, assignment_id) = (a.hit_id.clone(), a.assignment_id.clone());
        let mut after = a.clone();
        let (name, outcome) = match (decision, a.status) {
            (AssignmentDecision::Leave, _) => return Ok(a),
            (AssignmentDecision::Approve, AssignmentStatus::Submitted) => (
                "Approve",
                self.approve_in(tx, a, feedback, now, now).map(|done| {
                    after = done;
                    Outcome::Done("Approved".into())
                }),
            ),
            (AssignmentDecision::Approve, AssignmentStatus::Approved) => {
                ("Approve", Ok(Outcome::Done("Already approved".into())))
            }
            (AssignmentDecision::Reject, AssignmentStatus::Submitted) => (
                "Reject",
                self.reject_in(tx, a, feedback, now).map(|done| {
                    after = done;
                    Outcome::Done("Rejected".into())
                }),
            ),
            (AssignmentDecision::Reject, AssignmentStatus::Rejected) => {
                ("Reject", Ok(Outcome::Done("Already rejected".into())))
            }
            (d, st) => {
                let (name, done) =
                    if d == AssignmentDecision::Approve { ("Approve", "approved") } else { ("Reject", "rejected") };
                let e = Error::new(
                    ErrorKind::InvalidAssignmentState,
                    format!("Assignment {assignment_id} is {}; only a Submitted assignment can be {done}", st.as_str()),
                );
                (name, Ok(Outcome::Failed(e)))
            }
        };
        let outcome = outcome.or_else(refused)?;
        self.record_action(tx, &hit_id, level, (name, &assignment_id, "Assignment"), outcome, now)?;
        Ok(after)
    }

    /// Extends a HIT by one assignment, up to `max_total` in all, open at least
    /// `min_time_secs` from now, through CreateAdditionalAssignmentsForHIT's path. Says
    /// whether the HIT was extended.
    fn extend(
        &self,
        tx: &mut dyn Tx,
        level: EntryLevel,
        hit_id: &str,
        max_total: i64,
        min_time_secs: i64,
        now: Millis,
    ) -> Result<bool> {
        let Some(mut hit) = hits_repo::load_hit(tx, hit_id)? else { return Ok(false) };
        let mut extended = false;
        // CreateAdditionalAssignmentsForHIT's own rules (a disposed HIT, the 10-assignment
        // rule, the requester's funds) refuse below, recorded with the API's error.
        let outcome = if hit.max_assignments >= max_total {
            // "An extend action attempted when the HIT has already been extended to [its
            // maximum] will take no action and report SUCCESS."
            Outcome::Done(format!(
                "Not extended: the HIT has {} assignments, the most this policy gives it ({max_total})",
                hit.max_assignments
            ))
        } else {
            let old_expiry = hit.expires_at;
            hit.expires_at = hit.expires_at.max(now + min_time_secs * 1000);
            match self.add_assignments_in(tx, &mut hit, 1, now) {
                Ok(()) => {
                    if hit.expires_at != old_expiry {
                        self.schedule(tx, &Job::hit_expire(hit_id), hit.expires_at)?;
                    }
                    extended = true;
                    Outcome::Done(format!(
                        "Extended to {} assignments, open until {}",
                        hit.max_assignments,
                        hit.expires_at / 1000
                    ))
                }
                Err(e) => refused(e)?,
            }
        };
        self.record_action(tx, hit_id, level, ("Extend", hit_id, "HIT"), outcome, now)?;
        Ok(extended)
    }

    /// ScoreMyKnownAnswers on an assignment just submitted, in the submit's unit of work.
    /// Returns the assignment as the policy left it.
    pub(crate) fn review_submitted(
        &self,
        tx: &mut dyn Tx,
        a: Assignment,
        policy: &KnownAnswers,
        now: Millis,
    ) -> Result<Assignment> {
        let level = EntryLevel::Assignment;
        let id = a.assignment_id.clone();
        let hit_id = a.hit_id.clone();
        let score = policy.score(&answers_of(&a)?);
        for (q, ok) in &score.questions {
            let r = result(&id, "Assignment", Some(q), "KnownAnswerCorrect", if *ok { 1 } else { 0 });
            repo::insert_result(tx, &hit_id, level, &r, now)?;
        }
        repo::insert_result(
            tx,
            &hit_id,
            level,
            &result(&id, "Assignment", None, "KnownAnswerScore", score.score),
            now,
        )?;
        let decision = policy.decide(score.score);
        let feedback = match decision {
            AssignmentDecision::Approve => policy.approve_reason.as_deref(),
            _ => policy.reject_reason.as_deref(),
        };
        let a = self.decide(tx, level, a, decision, feedback, now)?;
        if policy.extends(score.score) {
            self.extend(tx, level, &hit_id, policy.extend_maximum_assignments, policy.extend_minimum_time_secs, now)?;
        }
        Ok(a)
    }

    /// SimplePlurality on a HIT that became Reviewable (the `HitReview` job). A HIT that is no
    /// longer reviewable (extended meanwhile) is left alone: its policy runs again when it is.
    pub(crate) fn review_hit(&self, tx: &mut dyn Tx, hit_id: &str, now: Millis) -> Result<()> {
        let Some(hit) = hits_repo::load_hit(tx, hit_id)? else { return Ok(()) };
        if !matches!(hit.status, HitStatus::Reviewable | HitStatus::Reviewing) {
            return Ok(());
        }
        let Some(policy) = repo::hit_policy(tx, hit_id)? else { return Ok(()) };
        let level = EntryLevel::Hit;
        let scores = repo::known_answer_scores(tx, hit_id)?;
        let sql = format!(
            "SELECT {} FROM assignments WHERE hit_id = ? AND status IN ('Submitted', 'Approved', 'Rejected') ORDER BY seq",
            hits_repo::ASSIGNMENT_COLS
        );
        let (mut inputs, mut assignments) = (Vec::new(), HashMap::new());
        for row in tx.query(&sql, params![hit_id])? {
            let (a, _) = hits_repo::assignment_from_row(&row)?;
            inputs.push(PluralityInput {
                known_answer_score: scores.iter().rev().find(|(id, _)| *id == a.assignment_id).map(|(_, s)| *s),
                rejected: a.status == AssignmentStatus::Rejected,
                answers: answers_of(&a)?,
                assignment_id: a.assignment_id.clone(),
            });
            assignments.insert(a.assignment_id.clone(), a);
        }
        let outcome = policy.evaluate(&inputs);
        let mut results = Vec::new();
        for q in &outcome.questions {
            let qid = Some(q.question_id.as_str());
            results.push(result(hit_id, "HIT", qid, "AgreedAnswerFound", q.agreed.is_some()));
            if let Some((answer, score)) = &q.agreed {
                results.push(result(hit_id, "HIT", qid, "AgreedAnswer", answer_text(answer)));
                results.push(result(hit_id, "HIT", qid, "AnswerAgreementScore", score));
            }
        }
        results.push(result(hit_id, "HIT", None, "HitAgreementScore", outcome.hit_agreement_score));
        for w in &outcome.workers {
            let id = w.assignment_id.as_str();
            if let Some(s) = w.score {
                results.push(result(id, "Assignment", None, "WorkerAgreementScore", s));
            }
            results.push(result(id, "Assignment", None, "PluralityAnswersCorrect", w.agreed));
            results.push(result(id, "Assignment", None, "PluralityAnswersIncorrect", w.disagreed));
        }
        for r in &results {
            repo::insert_result(tx, hit_id, level, r, now)?;
        }
        for w in &outcome.workers {
            let feedback =
                if w.decision == AssignmentDecision::Reject { policy.reject_reason.as_deref() } else { None };
            if let Some(a) = assignments.remove(&w.assignment_id) {
                self.decide(tx, level, a, w.decision, feedback, now)?;
            }
        }
        let extended = match (policy.extends(&outcome), policy.extend_maximum_assignments) {
            (true, Some(max)) => self.extend(tx, level, hit_id, max, policy.extend_minimum_time_secs, now)?,
            _ => false,
        };
        let mut hit =
            hits_repo::load_hit(tx, hit_id)?.ok_or_else(|| Error::new(ErrorKind::Internal, "HIT vanished"))?;
        // Extended, the HIT waits for more work and stays marked; otherwise the policy's verdict.
        hit.review_status = if extended {
            HitReviewStatus::MarkedForReview
        } else if policy.appropriate(&outcome) {
            HitReviewStatus::ReviewedAppropriate
        } else {
            HitReviewStatus::ReviewedInappropriate
        };
        self.settle_hit(tx, &mut hit, now)
    }

    /// ListReviewPolicyResultsForHIT: the caller's own HIT only. Without levels, both; without
    /// RetrieveActions or RetrieveResults, both kinds; with an assignment, only the results
    /// about it and the actions on it.
    #[allow(clippy::too_many_arguments)]
    pub fn list_review_results(
        &self,
        requester_id: &str,
        hit_id: &str,
        levels: &[EntryLevel],
        assignment_id: Option<&str>,
        retrieve_actions: Option<bool>,
        retrieve_results: Option<bool>,
        next_token: Option<&str>,
        max_results: Option<i64>,
    ) -> Result<ReviewReport> {
        let cur = Cursor::forward(next_token, max_results)?;
        let levels = if levels.is_empty() { &[EntryLevel::Assignment, EntryLevel::Hit][..] } else { levels };
        let (actions, results) = (retrieve_actions.unwrap_or(true), retrieve_results.unwrap_or(true));
        self.read(|tx| {
            hits_repo::own_hit(tx, requester_id, hit_id)?;
            let (assignment_policy, hit_policy) = repo::policy_names(tx, hit_id)?;
            let entries = if actions || results {
                repo::entries(tx, hit_id, levels, assignment_id, results, actions, &cur)?
            } else {
                Page { items: vec![], next_token: None }
            };
            Ok(ReviewReport { hit_id: hit_id.to_string(), assignment_policy, hit_policy, entries })
        })
    }
}
