//! Rows ↔ records for qualification types, scores and requests: the only place that knows
//! their column lists. Rows are read by position, in the order of the `*_COLS` constants.

use crate::error::{corrupt, Error, Result};
use crate::not_found;
use openturk_domain::clock::Millis;
use openturk_domain::model::Mode;
use openturk_domain::qualification_type::{
    Qualification, QualificationRequest, QualificationStatus, QualificationType, QualificationTypeStatus,
    RequestStatus, SystemType,
};
use openturk_domain::ErrorKind;
use openturk_storage::{params, Row, Tx};

pub const TYPE_COLS: &str = "qualification_type_id, requester_id, name, description, keywords, status, \
    retry_delay_secs, test, answer_key, test_duration_secs, auto_granted, auto_granted_value, created_at, seq";

pub fn type_from_row(r: &Row) -> Result<(QualificationType, i64)> {
    let status = r.string("status")?;
    Ok((
        QualificationType {
            qualification_type_id: r.string("qualification_type_id")?,
            requester_id: Some(r.string("requester_id")?),
            name: r.string("name")?,
            description: r.string("description")?,
            keywords: r.opt_string("keywords")?,
            status: QualificationTypeStatus::parse(&status)
                .ok_or_else(|| corrupt("qualification type status", &status))?,
            retry_delay_secs: r.opt_i64("retry_delay_secs")?,
            test: r.opt_string("test")?,
            answer_key: r.opt_string("answer_key")?,
            test_duration_secs: r.opt_i64("test_duration_secs")?,
            auto_granted: r.bool("auto_granted")?,
            auto_granted_value: r.opt_i64("auto_granted_value")?,
            created_at: r.i64("created_at")?,
        },
        r.i64("seq")?,
    ))
}

/// The lower-cased text Query searches: name, description and keywords.
pub fn search_text(name: &str, description: &str, keywords: Option<&str>) -> String {
    format!("{name}\n{description}\n{}", keywords.unwrap_or("")).to_lowercase()
}

pub fn insert_type(tx: &mut dyn Tx, t: &QualificationType) -> Result<()> {
    let owner = t.requester_id.as_deref().ok_or_else(|| Error::new(ErrorKind::Internal, "a system type has no row"))?;
    tx.execute(
        "INSERT INTO qualification_types (qualification_type_id, requester_id, name, description, keywords, status, \
         retry_delay_secs, test, answer_key, test_duration_secs, auto_granted, auto_granted_value, search_text, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        params![
            &t.qualification_type_id,
            owner,
            &t.name,
            &t.description,
            t.keywords.clone(),
            t.status.as_str(),
            t.retry_delay_secs,
            t.test.clone(),
            t.answer_key.clone(),
            t.test_duration_secs,
            t.auto_granted,
            t.auto_granted_value,
            search_text(&t.name, &t.description, t.keywords.as_deref()),
            t.created_at,
        ],
    )?;
    Ok(())
}

/// Writes the properties UpdateQualificationType may change.
pub fn update_type(tx: &mut dyn Tx, t: &QualificationType) -> Result<()> {
    tx.execute(
        "UPDATE qualification_types SET description = ?, status = ?, retry_delay_secs = ?, test = ?, answer_key = ?, \
         test_duration_secs = ?, auto_granted = ?, auto_granted_value = ?, search_text = ? WHERE qualification_type_id = ?",
        params![
            &t.description,
            t.status.as_str(),
            t.retry_delay_secs,
            t.test.clone(),
            t.answer_key.clone(),
            t.test_duration_secs,
            t.auto_granted,
            t.auto_granted_value,
            search_text(&t.name, &t.description, t.keywords.as_deref()),
            &t.qualification_type_id,
        ],
    )?;
    Ok(())
}

/// A custom type's row, in any status.
pub fn load_custom_type(tx: &mut dyn Tx, id: &str) -> Result<Option<QualificationType>> {
    let sql = format!("SELECT {TYPE_COLS} FROM qualification_types WHERE qualification_type_id = ?");
    tx.query_opt(&sql, params![id])?.map(|r| type_from_row(&r).map(|(t, _)| t)).transpose()
}

/// Any type, system or custom; a missing one "does not exist".
pub fn any_type(tx: &mut dyn Tx, id: &str, mode: Mode) -> Result<QualificationType> {
    if let Some(s) = SystemType::from_id(id, mode) {
        return Ok(s.qualification_type(mode));
    }
    load_custom_type(tx, id)?.ok_or_else(|| type_not_found(id))
}

pub fn type_not_found(id: &str) -> Error {
    not_found(ErrorKind::QualificationTypeNotFound, "QualificationType", id)
}

/// A type the caller owns. System types and other requesters' types are refused: only a
/// type's owner may change it, grant it or see its scores and requests.
pub fn own_type(tx: &mut dyn Tx, requester_id: &str, id: &str, mode: Mode) -> Result<QualificationType> {
    let t = any_type(tx, id, mode)?;
    if t.requester_id.as_deref() != Some(requester_id) {
        let whose = if t.requester_id.is_none() { "a system Qualification type" } else { "another requester's" };
        return Err(Error::new(
            ErrorKind::AccessDenied,
            format!("QualificationType {id} is {whose}: only the owner of a Qualification type can do this"),
        ));
    }
    Ok(t)
}

/// Refuses a type that is being disposed.
pub fn not_disposing(t: &QualificationType) -> Result<()> {
    if t.status == QualificationTypeStatus::Disposing {
        return Err(Error::new(
            ErrorKind::InvalidQualificationTypeState,
            format!(
                "QualificationType {} is being disposed. This operation can be called with a status of: Active, Inactive",
                t.qualification_type_id
            ),
        ));
    }
    Ok(())
}

pub const SCORE_COLS: &str =
    "qualification_type_id, worker_id, integer_value, status, granted_at, revoked_at, revoke_reason, seq";

pub fn score_from_row(r: &Row) -> Result<(Qualification, i64)> {
    let status = r.string("status")?;
    Ok((
        Qualification {
            qualification_type_id: r.string("qualification_type_id")?,
            worker_id: r.string("worker_id")?,
            integer_value: r.i64("integer_value")?,
            status: QualificationStatus::parse(&status).ok_or_else(|| corrupt("qualification status", &status))?,
            granted_at: r.i64("granted_at")?,
            revoked_at: r.opt_i64("revoked_at")?,
            revoke_reason: r.opt_string("revoke_reason")?,
        },
        r.i64("seq")?,
    ))
}

pub fn load_score(tx: &mut dyn Tx, type_id: &str, worker_id: &str) -> Result<Option<Qualification>> {
    let sql = format!("SELECT {SCORE_COLS} FROM qualifications WHERE qualification_type_id = ? AND worker_id = ?");
    tx.query_opt(&sql, params![type_id, worker_id])?.map(|r| score_from_row(&r).map(|(q, _)| q)).transpose()
}

/// Grants (or grants again, after a revocation) a score: the new value and grant time.
pub fn grant(tx: &mut dyn Tx, type_id: &str, worker_id: &str, value: i64, now: Millis) -> Result<()> {
    tx.execute(
        "INSERT INTO qualifications (qualification_type_id, worker_id, integer_value, status, granted_at) \
         VALUES (?, ?, ?, 'Granted', ?) ON CONFLICT (qualification_type_id, worker_id) DO UPDATE SET \
         integer_value = excluded.integer_value, status = 'Granted', granted_at = excluded.granted_at, \
         revoked_at = NULL, revoke_reason = NULL",
        params![type_id, worker_id, value, now],
    )?;
    Ok(())
}

pub const REQUEST_COLS: &str = "qualification_request_id, qualification_type_id, requester_id, worker_id, status, \
    test, answer_key, answer, requested_at, test_deadline, submitted_at, decided_at, integer_value, reason, seq";

/// A request with the answer key it was given (which only grading reads).
pub struct StoredRequest {
    pub request: QualificationRequest,
    pub answer_key: Option<String>,
}

pub fn request_from_row(r: &Row) -> Result<(StoredRequest, i64)> {
    let status = r.string("status")?;
    Ok((
        StoredRequest {
            request: QualificationRequest {
                qualification_request_id: r.string("qualification_request_id")?,
                qualification_type_id: r.string("qualification_type_id")?,
                requester_id: r.string("requester_id")?,
                worker_id: r.string("worker_id")?,
                status: RequestStatus::parse(&status)
                    .ok_or_else(|| corrupt("qualification request status", &status))?,
                test: r.opt_string("test")?,
                answer: r.opt_string("answer")?,
                requested_at: r.i64("requested_at")?,
                test_deadline: r.opt_i64("test_deadline")?,
                submitted_at: r.opt_i64("submitted_at")?,
                decided_at: r.opt_i64("decided_at")?,
                integer_value: r.opt_i64("integer_value")?,
                reason: r.opt_string("reason")?,
            },
            answer_key: r.opt_string("answer_key")?,
        },
        r.i64("seq")?,
    ))
}

pub fn load_request(tx: &mut dyn Tx, request_id: &str) -> Result<Option<StoredRequest>> {
    let sql = format!("SELECT {REQUEST_COLS} FROM qualification_requests WHERE qualification_request_id = ?");
    tx.query_opt(&sql, params![request_id])?.map(|r| request_from_row(&r).map(|(q, _)| q)).transpose()
}

/// The worker's latest request for a type.
pub fn latest_request(tx: &mut dyn Tx, worker_id: &str, type_id: &str) -> Result<Option<StoredRequest>> {
    let sql = format!(
        "SELECT {REQUEST_COLS} FROM qualification_requests WHERE worker_id = ? AND qualification_type_id = ? \
         ORDER BY seq DESC LIMIT 1"
    );
    tx.query_opt(&sql, params![worker_id, type_id])?.map(|r| request_from_row(&r).map(|(q, _)| q)).transpose()
}

pub fn insert_request(tx: &mut dyn Tx, q: &QualificationRequest, answer_key: Option<&str>) -> Result<()> {
    tx.execute(
        "INSERT INTO qualification_requests (qualification_request_id, qualification_type_id, requester_id, worker_id, \
         status, test, answer_key, answer, requested_at, test_deadline, submitted_at, decided_at, integer_value, reason) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        params![
            &q.qualification_request_id,
            &q.qualification_type_id,
            &q.requester_id,
            &q.worker_id,
            q.status.as_str(),
            q.test.clone(),
            answer_key,
            q.answer.clone(),
            q.requested_at,
            q.test_deadline,
            q.submitted_at,
            q.decided_at,
            q.integer_value,
            q.reason.clone(),
        ],
    )?;
    Ok(())
}

/// Records a request's progress: its status, answers, times, value and reason.
pub fn update_request(tx: &mut dyn Tx, q: &QualificationRequest) -> Result<()> {
    tx.execute(
        "UPDATE qualification_requests SET status = ?, answer = ?, submitted_at = ?, decided_at = ?, integer_value = ?, \
         reason = ? WHERE qualification_request_id = ?",
        params![
            q.status.as_str(),
            q.answer.clone(),
            q.submitted_at,
            q.decided_at,
            q.integer_value,
            q.reason.clone(),
            &q.qualification_request_id,
        ],
    )?;
    Ok(())
}

/// The worker exists (scores and requests name only real workers).
pub fn check_worker(tx: &mut dyn Tx, worker_id: &str) -> Result<()> {
    if tx.query_opt("SELECT 1 FROM workers WHERE worker_id = ?", params![worker_id])?.is_none() {
        return Err(not_found(ErrorKind::WorkerNotFound, "Worker", worker_id));
    }
    Ok(())
}

/// Records which qualification types a HIT type's requirements name, for
/// ListHITsForQualificationType. Idempotent: HIT types are created by value.
pub fn link_hit_type(tx: &mut dyn Tx, hit_type_id: &str, type_ids: &[&str]) -> Result<()> {
    for q in type_ids {
        tx.execute(
            "INSERT INTO hit_type_qualifications (hit_type_id, qualification_type_id) VALUES (?, ?) \
             ON CONFLICT (qualification_type_id, hit_type_id) DO NOTHING",
            params![hit_type_id, *q],
        )?;
    }
    Ok(())
}
