//! The worker API's error: `{"Error": {"Code", "Message"}}` with the 4xx status that fits.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use openturk_domain::question::AnswerError;
use openturk_domain::ErrorKind;
use openturk_service::eligibility::Unmet;
use openturk_service::Error;

#[derive(Debug)]
pub struct WorkerApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds for a `Retry-After` header (429 answers).
    pub retry_after_secs: Option<i64>,
    /// For `InvalidAnswer`: each failing question of a QuestionForm with its message, sent as
    /// `Error.Questions`.
    pub answer_errors: Vec<AnswerError>,
    /// For `NotQualified`: each requirement the worker misses, sent as `Error.Requirements`.
    pub unmet: Vec<Unmet>,
}

impl WorkerApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        WorkerApiError {
            status,
            code,
            message: message.into(),
            retry_after_secs: None,
            answer_errors: Vec::new(),
            unmet: Vec::new(),
        }
    }
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Unauthenticated", message)
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "InvalidParameter", message)
    }
}

impl From<Error> for WorkerApiError {
    fn from(e: Error) -> Self {
        use StatusCode as S;
        if let Error::Throttled { message, retry_after_secs } = e {
            let mut r = Self::new(S::TOO_MANY_REQUESTS, "TooManyRequests", message);
            r.retry_after_secs = Some(retry_after_secs);
            return r;
        }
        if let Error::NotQualified(unmet) = &e {
            let mut r = Self::new(S::FORBIDDEN, "NotQualified", e.to_string());
            r.unmet = unmet.clone();
            return r;
        }
        if let Error::InvalidAnswers(errors) = &e {
            let mut r = Self::new(S::UNPROCESSABLE_ENTITY, "InvalidAnswer", e.to_string());
            r.answer_errors = errors.clone();
            return r;
        }
        let (status, code) = match e.kind() {
            ErrorKind::InvalidParameter | ErrorKind::InvalidDocument | ErrorKind::InvalidTransportEndpoint => {
                (S::UNPROCESSABLE_ENTITY, "InvalidParameter")
            }
            ErrorKind::HitNotFound
            | ErrorKind::HitTypeNotFound
            | ErrorKind::AssignmentNotFound
            | ErrorKind::WorkerNotFound
            | ErrorKind::QualificationTypeNotFound
            | ErrorKind::QualificationNotFound
            | ErrorKind::QualificationRequestNotFound
            | ErrorKind::HitLayoutNotFound
            | ErrorKind::NotFound => (S::NOT_FOUND, "NotFound"),
            ErrorKind::InvalidHitState
            | ErrorKind::InvalidAssignmentState
            | ErrorKind::InvalidQualificationTypeState
            | ErrorKind::InvalidQualificationState
            | ErrorKind::InvalidQualificationRequestState => (S::CONFLICT, "InvalidState"),
            ErrorKind::QualificationTypeAlreadyExists => (S::CONFLICT, "Conflict"),
            // A retry too soon, or none allowed: the worker may not ask now.
            ErrorKind::QualificationRetryDelayNotElapsed => (S::CONFLICT, "RetryDelayNotElapsed"),
            ErrorKind::QualificationRetakeNotAllowed => (S::CONFLICT, "RetakeNotAllowed"),
            ErrorKind::Conflict | ErrorKind::HitAlreadyExists | ErrorKind::DuplicateRequest => {
                (S::CONFLICT, "Conflict")
            }
            ErrorKind::LimitExceeded => (S::CONFLICT, "LimitExceeded"),
            ErrorKind::InsufficientFunds | ErrorKind::InvalidMaximumAssignmentsIncrease => (S::CONFLICT, "Conflict"),
            ErrorKind::AccessDenied => (S::FORBIDDEN, "Forbidden"),
            ErrorKind::Unauthenticated => (S::UNAUTHORIZED, "Unauthenticated"),
            ErrorKind::Unsupported => (S::UNPROCESSABLE_ENTITY, "Unsupported"),
            ErrorKind::Internal => {
                tracing::error!(error = %e, "worker API fault");
                return Self::new(S::INTERNAL_SERVER_ERROR, "InternalError", "internal error; please retry");
            }
        };
        Self::new(status, code, e.to_string())
    }
}

impl IntoResponse for WorkerApiError {
    fn into_response(self) -> Response {
        let mut error = serde_json::json!({ "Code": self.code, "Message": self.message });
        if !self.answer_errors.is_empty() {
            let questions: Vec<serde_json::Value> = self
                .answer_errors
                .iter()
                .map(|a| serde_json::json!({ "QuestionIdentifier": a.question_identifier, "Message": a.message }))
                .collect();
            error["Questions"] = questions.into();
        }
        if !self.unmet.is_empty() {
            let reqs: Vec<serde_json::Value> = self
                .unmet
                .iter()
                .map(|u| {
                    serde_json::json!({
                        "QualificationTypeId": u.qualification_type_id,
                        "Name": u.name,
                        "Requirement": u.wanted,
                        "Requestable": u.requestable,
                    })
                })
                .collect();
            error["Requirements"] = reqs.into();
        }
        let mut r = (self.status, axum::Json(serde_json::json!({ "Error": error }))).into_response();
        if let Some(s) = self.retry_after_secs {
            r.headers_mut().insert(axum::http::header::RETRY_AFTER, s.into());
        }
        r
    }
}
