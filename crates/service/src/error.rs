use openturk_domain::question::AnswerError;
use openturk_domain::{DomainError, ErrorKind};
use openturk_storage::{StorageError, UnitError};

/// What a service call can fail with: the caller's mistake or state (a [`DomainError`]), or the
/// storage underneath (always a server fault).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Too many failed attempts (sign-ins): refused without looking further, until the window
    /// of the marketplace clock ends.
    #[error("{message}")]
    Throttled { message: String, retry_after_secs: i64 },
    /// Submitted answers fail their `QuestionForm`'s constraints: one message per failing
    /// question, to be shown next to its field. Its kind is `InvalidParameter`.
    #[error("{}", answer_errors_message(.0))]
    InvalidAnswers(Vec<AnswerError>),
    /// The worker does not meet the HIT's QualificationRequirements that guard what it tried:
    /// each one it misses, to be told with a way to get it. Its kind is `AccessDenied`.
    #[error("You do not meet this HIT's qualification requirements: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    NotQualified(Vec<crate::eligibility::Unmet>),
}

/// "The answers do not meet the form's requirements: q1: …; q2: …".
fn answer_errors_message(errors: &[AnswerError]) -> String {
    let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
    format!("The answers do not meet the form's requirements: {}", list.join("; "))
}

impl UnitError for Error {
    fn is_retryable(&self) -> bool {
        matches!(self, Error::Storage(e) if e.is_retryable())
    }
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error::Domain(DomainError::new(kind, message))
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::Domain(DomainError::invalid(message))
    }
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Domain(d) => d.kind,
            Error::Storage(_) => ErrorKind::Internal,
            Error::Throttled { .. } => ErrorKind::LimitExceeded,
            Error::InvalidAnswers(_) => ErrorKind::InvalidParameter,
            Error::NotQualified(_) => ErrorKind::AccessDenied,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Turns a column-decoding error into an error of ours.
pub(crate) fn corrupt(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Domain(DomainError::internal(format!("stored {what} is unreadable: {e}")))
}
