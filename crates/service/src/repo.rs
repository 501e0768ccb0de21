//! Rows ↔ records. The only place that knows column lists.

use crate::error::{corrupt, Result};
use crate::groups;
use crate::not_found;
use openturk_domain::model::{Assignment, AssignmentStatus, Hit, HitReviewStatus, HitStatus, HitTypeSpec};
use openturk_domain::{ErrorKind, Money};
use openturk_storage::{params, Row, Tx, Value};

pub const HIT_COLS: &str = "hit_id, hit_type_id, hit_group_id, requester_id, spec, question, requester_annotation, \
    created_at, expires_at, max_assignments, initial_max_assignments, status, review_status, num_pending, \
    num_submitted, num_completed, held_cents, fee_cents, reviewable_at, deleted, hit_layout_id, seq";

pub fn hit_from_row(r: &Row) -> Result<(Hit, i64)> {
    let spec: HitTypeSpec = serde_json::from_str(&r.string("spec")?).map_err(|e| corrupt("HIT properties", e))?;
    let status = r.string("status")?;
    let review = r.string("review_status")?;
    Ok((
        Hit {
            hit_id: r.string("hit_id")?,
            hit_type_id: r.string("hit_type_id")?,
            hit_group_id: r.string("hit_group_id")?,
            requester_id: r.string("requester_id")?,
            spec,
            question: r.string("question")?,
            requester_annotation: r.opt_string("requester_annotation")?,
            created_at: r.i64("created_at")?,
            expires_at: r.i64("expires_at")?,
            max_assignments: r.i64("max_assignments")?,
            initial_max_assignments: r.i64("initial_max_assignments")?,
            status: HitStatus::parse(&status).ok_or_else(|| corrupt("HIT status", &status))?,
            review_status: HitReviewStatus::parse(&review).ok_or_else(|| corrupt("HIT review status", &review))?,
            num_pending: r.i64("num_pending")?,
            num_submitted: r.i64("num_submitted")?,
            num_completed: r.i64("num_completed")?,
            held: Money(r.i64("held_cents")?),
            fee_per_assignment: Money(r.i64("fee_cents")?),
            reviewable_at: r.opt_i64("reviewable_at")?,
            deleted: r.bool("deleted")?,
            hit_layout_id: r.opt_string("hit_layout_id")?,
        },
        r.i64("seq")?,
    ))
}

pub fn load_hit(tx: &mut dyn Tx, hit_id: &str) -> Result<Option<Hit>> {
    let sql = format!("SELECT {HIT_COLS} FROM hits WHERE hit_id = ?");
    tx.query_opt(&sql, params![hit_id])?.map(|r| hit_from_row(&r).map(|(h, _)| h)).transpose()
}

/// The requester's own HIT; another requester's HIT does not exist for it.
pub fn own_hit(tx: &mut dyn Tx, requester_id: &str, hit_id: &str) -> Result<Hit> {
    match load_hit(tx, hit_id)? {
        Some(h) if h.requester_id == requester_id => Ok(h),
        _ => Err(not_found(ErrorKind::HitNotFound, "Hit", hit_id)),
    }
}

/// Inserts a new HIT, and counts it in its group's summary.
pub fn insert_hit(tx: &mut dyn Tx, h: &Hit, question_parsed: &str) -> Result<()> {
    let spec = serde_json::to_string(&h.spec).map_err(|e| corrupt("HIT properties", e))?;
    tx.execute(
        "INSERT INTO hits (hit_id, hit_type_id, hit_group_id, requester_id, spec, title, description, keywords, reward_cents, question, \
         question_parsed, requester_annotation, created_at, expires_at, max_assignments, initial_max_assignments, status, \
         review_status, num_pending, num_submitted, num_completed, held_cents, fee_cents, reviewable_at, deleted, \
         hit_layout_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        params![
            &h.hit_id,
            &h.hit_type_id,
            &h.hit_group_id,
            &h.requester_id,
            spec,
            &h.spec.title,
            &h.spec.description,
            h.spec.keywords.clone(),
            h.spec.reward.0,
            &h.question,
            question_parsed,
            h.requester_annotation.clone(),
            h.created_at,
            h.expires_at,
            h.max_assignments,
            h.initial_max_assignments,
            h.status.as_str(),
            h.review_status.as_str(),
            h.num_pending,
            h.num_submitted,
            h.num_completed,
            h.held.0,
            h.fee_per_assignment.0,
            h.reviewable_at,
            h.deleted,
            h.hit_layout_id.clone(),
        ],
    )?;
    groups::hit_written(tx, None, h)
}

/// Writes every field of a HIT that can change after creation, and keeps its group's summary
/// (and, when it moved, its old group's) in step.
pub fn save_hit(tx: &mut dyn Tx, h: &Hit) -> Result<()> {
    let before = groups::Stored::read(tx, &h.hit_id)?;
    // Only the indexed columns that change are set: SQLite rewrites an index entry whenever its
    // column is in the SET list, changed or not, and each rewritten entry is one more page in
    // the commit's WAL (a HIT's type, group, status and expiry feed three indexes).
    let moved = before.as_ref().is_none_or(|b| b.hit_type_id != h.hit_type_id);
    let status = before.as_ref().is_none_or(|b| b.status != h.status.as_str());
    let expiry = before.as_ref().is_none_or(|b| b.share.expires_at != h.expires_at);
    let mut set = String::from(
        "max_assignments = ?, review_status = ?, num_pending = ?, num_submitted = ?, num_completed = ?, \
         held_cents = ?, fee_cents = ?, reviewable_at = ?, deleted = ?",
    );
    let mut args: Vec<Value> = params![
        h.max_assignments,
        h.review_status.as_str(),
        h.num_pending,
        h.num_submitted,
        h.num_completed,
        h.held.0,
        h.fee_per_assignment.0,
        h.reviewable_at,
        h.deleted,
    ]
    .to_vec();
    if moved {
        let spec = serde_json::to_string(&h.spec).map_err(|e| corrupt("HIT properties", e))?;
        set.push_str(
            ", hit_type_id = ?, hit_group_id = ?, spec = ?, title = ?, description = ?, keywords = ?, reward_cents = ?",
        );
        args.extend(
            params![
                &h.hit_type_id,
                &h.hit_group_id,
                spec,
                &h.spec.title,
                &h.spec.description,
                h.spec.keywords.clone(),
                h.spec.reward.0,
            ]
            .iter()
            .cloned(),
        );
    }
    if status {
        set.push_str(", status = ?");
        args.push(h.status.as_str().into());
    }
    if expiry {
        set.push_str(", expires_at = ?");
        args.push(h.expires_at.into());
    }
    args.push(h.hit_id.clone().into());
    tx.execute(&format!("UPDATE hits SET {set} WHERE hit_id = ?"), &args)?;
    groups::hit_written(tx, before.as_ref().map(|b| &b.share), h)
}

pub const ASSIGNMENT_COLS: &str = "assignment_id, hit_id, worker_id, requester_id, status, accepted_at, deadline, \
    submitted_at, auto_approval_at, approved_at, rejected_at, returned_at, answer, requester_feedback, reward_cents, fee_cents, seq";

pub fn assignment_from_row(r: &Row) -> Result<(Assignment, i64)> {
    let status = r.string("status")?;
    Ok((
        Assignment {
            assignment_id: r.string("assignment_id")?,
            hit_id: r.string("hit_id")?,
            worker_id: r.string("worker_id")?,
            requester_id: r.string("requester_id")?,
            status: AssignmentStatus::parse(&status).ok_or_else(|| corrupt("assignment status", &status))?,
            accepted_at: r.i64("accepted_at")?,
            deadline: r.i64("deadline")?,
            submitted_at: r.opt_i64("submitted_at")?,
            auto_approval_at: r.opt_i64("auto_approval_at")?,
            approved_at: r.opt_i64("approved_at")?,
            rejected_at: r.opt_i64("rejected_at")?,
            returned_at: r.opt_i64("returned_at")?,
            answer: r.opt_string("answer")?,
            requester_feedback: r.opt_string("requester_feedback")?,
            reward: Money(r.i64("reward_cents")?),
            fee: Money(r.i64("fee_cents")?),
        },
        r.i64("seq")?,
    ))
}

pub fn load_assignment(tx: &mut dyn Tx, assignment_id: &str) -> Result<Option<Assignment>> {
    let sql = format!("SELECT {ASSIGNMENT_COLS} FROM assignments WHERE assignment_id = ?");
    tx.query_opt(&sql, params![assignment_id])?.map(|r| assignment_from_row(&r).map(|(a, _)| a)).transpose()
}

pub fn insert_assignment(tx: &mut dyn Tx, a: &Assignment) -> Result<()> {
    tx.execute(
        "INSERT INTO assignments (assignment_id, hit_id, worker_id, requester_id, status, accepted_at, deadline, \
         reward_cents, fee_cents) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        params![
            &a.assignment_id,
            &a.hit_id,
            &a.worker_id,
            &a.requester_id,
            a.status.as_str(),
            a.accepted_at,
            a.deadline,
            a.reward.0,
            a.fee.0
        ],
    )?;
    Ok(())
}

pub fn save_assignment(tx: &mut dyn Tx, a: &Assignment) -> Result<()> {
    tx.execute(
        "UPDATE assignments SET status = ?, submitted_at = ?, auto_approval_at = ?, approved_at = ?, rejected_at = ?, \
         returned_at = ?, answer = ?, requester_feedback = ? WHERE assignment_id = ?",
        params![
            a.status.as_str(),
            a.submitted_at,
            a.auto_approval_at,
            a.approved_at,
            a.rejected_at,
            a.returned_at,
            a.answer.clone(),
            a.requester_feedback.clone(),
            &a.assignment_id
        ],
    )?;
    Ok(())
}
