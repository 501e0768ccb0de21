//! Qualification requests. The worker's side: asking for a qualification, taking its test
//! (timed by TestDurationInSeconds, graded at once by its AnswerKey), under the type's retry
//! rule. The requester's side: ListQualificationRequests, AcceptQualificationRequest and
//! RejectQualificationRequest.
//!
//! Retries: without RetryDelayInSeconds a worker may ask once, ever (API Reference,
//! CreateQualificationType); with it, again once the delay has passed since the last request,
//! whatever became of that one (a better score can be sought). A request waiting for the
//! requester blocks another, and asking while a test is in progress gives the same test back.

use super::repo::{self, StoredRequest};
use super::types::integer_value;
use crate::error::{Error, Result};
use crate::paging::{Cursor, Page};
use crate::{not_found, Service};
use openturk_domain::clock::{format_iso8601, Millis};
use openturk_domain::qualification_type::{
    Qualification, QualificationRequest, QualificationStatus, QualificationType, QualificationTypeStatus, RequestStatus,
};
use openturk_domain::question::{
    check_answers, normalize_answers, parse_answer_key, parse_question, render_answers, QuestionDocument,
    QuestionParseOptions,
};
use openturk_domain::validate::no_control_chars;
use openturk_domain::{ids, ErrorKind};
use openturk_storage::{params, Tx};

/// What became of a worker's request.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestOutcome {
    /// Granted at once (an AutoGranted type, or a test graded by its answer key).
    Granted { request: QualificationRequest, value: i64 },
    /// Waiting for the requester to accept or reject it.
    Pending { request: QualificationRequest },
    /// A test to answer before `request.test_deadline`; `request.test` is its QuestionForm.
    Test { request: QualificationRequest },
}

fn request_not_found(id: &str) -> Error {
    not_found(ErrorKind::QualificationRequestNotFound, "QualificationRequest", id)
}

fn wrong_request_state(q: &QualificationRequest, allowed: &str) -> Error {
    Error::new(
        ErrorKind::InvalidQualificationRequestState,
        format!(
            "QualificationRequest {} has the status {}. This operation can be called with a status of: {allowed}",
            q.qualification_request_id,
            q.status.as_str()
        ),
    )
}

/// May the worker ask for `t` now? Returns a test in progress to hand back, if any.
fn check_retry(tx: &mut dyn Tx, t: &QualificationType, worker_id: &str, now: Millis) -> Result<Option<StoredRequest>> {
    let id = &t.qualification_type_id;
    if let Some(last) = repo::latest_request(tx, worker_id, id)? {
        let q = &last.request;
        match q.status {
            RequestStatus::Started if q.test_deadline.is_some_and(|d| now <= d) => return Ok(Some(last)),
            RequestStatus::Submitted => {
                return Err(Error::new(
                    ErrorKind::Conflict,
                    format!(
                        "Your request {} for Qualification type {id} is waiting for the requester's decision",
                        q.qualification_request_id
                    ),
                ))
            }
            _ => {}
        }
        return match t.retry_delay_secs {
            None => Err(Error::new(
                ErrorKind::QualificationRetakeNotAllowed,
                format!("You have already requested Qualification type {id}, which does not allow retakes"),
            )),
            Some(d) if now < q.requested_at + d * 1000 => Err(Error::new(
                ErrorKind::QualificationRetryDelayNotElapsed,
                format!(
                    "You can request Qualification type {id} again at {} (its RetryDelayInSeconds is {d})",
                    format_iso8601(q.requested_at + d * 1000)
                ),
            )),
            Some(_) => Ok(None),
        };
    }
    // Granted directly (AssociateQualificationWithWorker), never requested.
    let has = repo::load_score(tx, id, worker_id)?.is_some_and(|s| s.status == QualificationStatus::Granted);
    if has && t.retry_delay_secs.is_none() {
        return Err(Error::new(
            ErrorKind::QualificationRetakeNotAllowed,
            format!("You already have a Qualification of type {id}, which does not allow retakes"),
        ));
    }
    Ok(None)
}

/// May the worker ask for `t` now: the type is a custom, Active one, and the retry rule allows
/// it. Returns the type's owner, and a test in progress to hand back, if any.
fn check_requestable(
    tx: &mut dyn Tx,
    t: &QualificationType,
    worker_id: &str,
    now: Millis,
) -> Result<(String, Option<StoredRequest>)> {
    let type_id = &t.qualification_type_id;
    let Some(owner) = t.requester_id.clone() else {
        return Err(Error::new(
            ErrorKind::InvalidQualificationTypeState,
            format!("{type_id} is a system Qualification type: the marketplace assigns it, it cannot be requested"),
        ));
    };
    if t.status != QualificationTypeStatus::Active {
        return Err(Error::new(
            ErrorKind::InvalidQualificationTypeState,
            format!(
                "QualificationType {type_id} is {}: it cannot be requested. This operation can be called with a status of: Active",
                t.status.as_str()
            ),
        ));
    }
    Ok((owner, check_retry(tx, t, worker_id, now)?))
}

/// One type as a worker stands with it: what the worker's page for the type shows.
#[derive(Debug)]
pub struct MyTypeStanding {
    pub qualification_type: QualificationType,
    /// The worker's score of the type, granted or revoked (none for system types: see
    /// `Service::my_qualifications`).
    pub score: Option<Qualification>,
    /// The worker's latest request for the type (never its answer key).
    pub latest_request: Option<QualificationRequest>,
    /// Why `Service::request_qualification` would refuse now (the same check), if it would.
    pub refusal: Option<Error>,
}

impl Service {
    /// One qualification type (custom or system) and where the worker stands with it: score,
    /// latest request, and whether asking for it now would be refused and why.
    pub fn my_qualification_type(&self, worker_id: &str, type_id: &str) -> Result<MyTypeStanding> {
        let mode = self.mode();
        let now = self.now();
        self.read(|tx| {
            repo::check_worker(tx, worker_id)?;
            let t = repo::any_type(tx, type_id, mode)?;
            let score = repo::load_score(tx, type_id, worker_id)?;
            let latest_request = repo::latest_request(tx, worker_id, type_id)?.map(|s| s.request);
            let refusal = check_requestable(tx, &t, worker_id, now).err();
            Ok(MyTypeStanding { qualification_type: t, score, latest_request, refusal })
        })
    }

    /// One of the worker's own requests (another worker's behaves as not found).
    pub fn my_qualification_request(&self, worker_id: &str, request_id: &str) -> Result<QualificationRequest> {
        self.read(|tx| {
            repo::load_request(tx, request_id)?
                .map(|s| s.request)
                .filter(|q| q.worker_id == worker_id)
                .ok_or_else(|| request_not_found(request_id))
        })
    }

    /// A worker asks for a qualification: an AutoGranted type grants it at once, a type with a
    /// test hands out the test, any other waits for its owner.
    pub fn request_qualification(&self, worker_id: &str, type_id: &str) -> Result<RequestOutcome> {
        let mode = self.mode();
        let now = self.now();
        self.write(|tx| {
            repo::check_worker(tx, worker_id)?;
            let t = repo::any_type(tx, type_id, mode)?;
            let (owner, started) = check_requestable(tx, &t, worker_id, now)?;
            if let Some(started) = started {
                return Ok(RequestOutcome::Test { request: started.request });
            }
            let mut q = QualificationRequest {
                qualification_request_id: ids::new_qualification_request_id(),
                qualification_type_id: type_id.to_string(),
                requester_id: owner,
                worker_id: worker_id.to_string(),
                status: RequestStatus::Submitted,
                test: None,
                answer: None,
                requested_at: now,
                test_deadline: None,
                submitted_at: None,
                decided_at: None,
                integer_value: None,
                reason: None,
            };
            if let Some(test) = &t.test {
                let duration = t.test_duration_secs.ok_or_else(|| crate::error::corrupt("test", "no duration"))?;
                q.status = RequestStatus::Started;
                q.test = Some(test.clone());
                q.test_deadline = Some(now + duration * 1000);
                repo::insert_request(tx, &q, t.answer_key.as_deref())?;
                return Ok(RequestOutcome::Test { request: q });
            }
            q.submitted_at = Some(now);
            if t.auto_granted {
                let value = t.auto_granted_value.unwrap_or(1);
                q.status = RequestStatus::Granted;
                q.decided_at = Some(now);
                q.integer_value = Some(value);
                repo::insert_request(tx, &q, None)?;
                repo::grant(tx, type_id, worker_id, value, now)?;
                return Ok(RequestOutcome::Granted { request: q, value });
            }
            repo::insert_request(tx, &q, None)?;
            Ok(RequestOutcome::Pending { request: q })
        })
    }

    /// A worker submits a test's answers (QuestionIdentifier → values, checked against the
    /// test's QuestionForm): graded at once when the test came with an answer key, otherwise
    /// left for the requester. Too late (after `test_deadline`) is refused.
    pub fn submit_qualification_test(
        &self,
        worker_id: &str,
        request_id: &str,
        answers: &[(String, Vec<String>)],
    ) -> Result<RequestOutcome> {
        let now = self.now();
        self.write(|tx| {
            let stored = repo::load_request(tx, request_id)?.filter(|s| s.request.worker_id == worker_id);
            let Some(StoredRequest { mut request, answer_key }) = stored else {
                return Err(request_not_found(request_id));
            };
            if request.status != RequestStatus::Started {
                return Err(wrong_request_state(&request, "Started"));
            }
            let deadline = request.test_deadline.unwrap_or(i64::MIN);
            if now > deadline {
                return Err(Error::new(
                    ErrorKind::InvalidQualificationRequestState,
                    format!(
                        "The time for this test ran out at {}; its answers can no longer be submitted",
                        format_iso8601(deadline)
                    ),
                ));
            }
            let test = request.test.clone().unwrap_or_default();
            let doc = parse_question(&test, &QuestionParseOptions::default())
                .map_err(|e| crate::error::corrupt("qualification test", e))?;
            let QuestionDocument::Form(form) = &doc else {
                return Err(crate::error::corrupt("qualification test", "not a QuestionForm"));
            };
            check_answers(form, answers).map_err(Error::InvalidAnswers)?;
            let answers = normalize_answers(form, answers);
            request.answer = Some(render_answers(&answers, Some(&doc)));
            request.submitted_at = Some(now);
            match answer_key {
                Some(k) => {
                    let key = parse_answer_key(&k).map_err(|e| crate::error::corrupt("answer key", e))?;
                    let value = key.grade(&answers);
                    request.status = RequestStatus::Granted;
                    request.decided_at = Some(now);
                    request.integer_value = Some(value);
                    repo::update_request(tx, &request)?;
                    repo::grant(tx, &request.qualification_type_id, worker_id, value, now)?;
                    Ok(RequestOutcome::Granted { request, value })
                }
                None => {
                    request.status = RequestStatus::Submitted;
                    repo::update_request(tx, &request)?;
                    Ok(RequestOutcome::Pending { request })
                }
            }
        })
    }

    /// The worker's requests, newest first (worker API paging).
    pub fn my_qualification_requests(
        &self,
        worker_id: &str,
        next_token: Option<&str>,
        max_results: Option<i64>,
    ) -> Result<Page<QualificationRequest>> {
        let cur = Cursor::backward(next_token, max_results)?;
        let sql = format!(
            "SELECT {} FROM qualification_requests WHERE worker_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
            repo::REQUEST_COLS
        );
        self.read(|tx| {
            let rows = tx.query(&sql, params![worker_id, cur.seq, cur.fetch()])?;
            cur.worker_page(rows, |r| repo::request_from_row(r).map(|(s, seq)| (s.request, seq)))
        })
    }

    /// ListQualificationRequests: requests waiting for the caller's decision, for one of its
    /// types or all of them, oldest first.
    pub fn list_qualification_requests(
        &self,
        requester_id: &str,
        type_id: Option<&str>,
        next_token: Option<&str>,
        max_results: Option<i64>,
    ) -> Result<Page<QualificationRequest>> {
        let cur = Cursor::forward(next_token, max_results)?;
        let mode = self.mode();
        let sql = format!(
            "SELECT {} FROM qualification_requests WHERE requester_id = ? AND status = 'Submitted' \
             AND (? = '' OR qualification_type_id = ?) AND seq > ? ORDER BY seq LIMIT ?",
            repo::REQUEST_COLS
        );
        let ty = type_id.unwrap_or("");
        self.read(|tx| {
            if let Some(t) = type_id {
                repo::own_type(tx, requester_id, t, mode)?;
            }
            let rows = tx.query(&sql, params![requester_id, ty, ty, cur.seq, cur.fetch()])?;
            cur.requester_page(rows, |r| repo::request_from_row(r).map(|(s, seq)| (s.request, seq)))
        })
    }

    /// AcceptQualificationRequest: grants the score (IntegerValue, default 1), replacing any
    /// the worker has.
    pub fn accept_qualification_request(&self, requester_id: &str, request_id: &str, value: Option<i64>) -> Result<()> {
        let value = integer_value("IntegerValue", value.unwrap_or(1))?;
        let now = self.now();
        let emailed = self.write_for(requester_id, |tx| {
            let mut q = self.pending_request(tx, requester_id, request_id)?;
            q.status = RequestStatus::Granted;
            q.decided_at = Some(now);
            q.integer_value = Some(value);
            repo::update_request(tx, &q)?;
            repo::grant(tx, &q.qualification_type_id, &q.worker_id, value, now)?;
            let name = type_name(tx, &q.qualification_type_id)?;
            let subject = format!("Your request for the qualification \"{name}\" was accepted");
            let text = format!(
                "The requester accepted your request for the qualification \"{name}\" ({}): your value is {value}.",
                q.qualification_type_id
            );
            crate::messages::tell_worker(self, tx, requester_id, &q.worker_id, &subject, &text)
        })?;
        if emailed {
            self.wake_deliverer();
        }
        Ok(())
    }

    /// RejectQualificationRequest, with the reason the worker sees.
    pub fn reject_qualification_request(
        &self,
        requester_id: &str,
        request_id: &str,
        reason: Option<&str>,
    ) -> Result<()> {
        if let Some(r) = reason {
            no_control_chars("Reason", r)?;
        }
        let now = self.now();
        let emailed = self.write_for(requester_id, |tx| {
            let mut q = self.pending_request(tx, requester_id, request_id)?;
            q.status = RequestStatus::Rejected;
            q.decided_at = Some(now);
            q.reason = reason.map(str::to_string);
            repo::update_request(tx, &q)?;
            let name = type_name(tx, &q.qualification_type_id)?;
            let subject = format!("Your request for the qualification \"{name}\" was rejected");
            let text = match reason {
                Some(r) if !r.is_empty() => {
                    format!("The requester rejected your request for \"{name}\" ({}): {r}", q.qualification_type_id)
                }
                _ => format!("The requester rejected your request for \"{name}\" ({}).", q.qualification_type_id),
            };
            crate::messages::tell_worker(self, tx, requester_id, &q.worker_id, &subject, &text)
        })?;
        if emailed {
            self.wake_deliverer();
        }
        Ok(())
    }

    /// One of the requester's requests, waiting for its decision.
    fn pending_request(&self, tx: &mut dyn Tx, requester_id: &str, request_id: &str) -> Result<QualificationRequest> {
        let q = repo::load_request(tx, request_id)?
            .map(|s| s.request)
            .filter(|q| q.requester_id == requester_id)
            .ok_or_else(|| request_not_found(request_id))?;
        if q.status != RequestStatus::Submitted {
            return Err(wrong_request_state(&q, "Submitted"));
        }
        Ok(q)
    }
}

/// A custom type's name, for messages to workers.
fn type_name(tx: &mut dyn Tx, type_id: &str) -> Result<String> {
    Ok(repo::load_custom_type(tx, type_id)?.map(|t| t.name).unwrap_or_else(|| type_id.to_string()))
}
