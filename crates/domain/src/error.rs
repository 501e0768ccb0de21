//! The domain's error: a kind that each API surface maps to its own wire error, and a message
//! written for the caller (it names the parameter or object and the offending value).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A parameter is missing, malformed or out of range.
    InvalidParameter,
    /// A notification Destination does not fit its Transport.
    InvalidTransportEndpoint,
    /// A question or answer document is not valid.
    InvalidDocument,
    /// The object does not exist, or belongs to somebody else (which looks the same).
    HitNotFound,
    HitTypeNotFound,
    AssignmentNotFound,
    WorkerNotFound,
    QualificationTypeNotFound,
    /// The worker has no score of the type.
    QualificationNotFound,
    QualificationRequestNotFound,
    /// No such HIT layout, or another requester's.
    HitLayoutNotFound,
    NotFound,
    /// The object is in a state in which the operation is not allowed.
    InvalidHitState,
    InvalidAssignmentState,
    /// The qualification type is being disposed (or inactive, where that matters).
    InvalidQualificationTypeState,
    /// The worker's score is not Granted (revoked).
    InvalidQualificationState,
    /// The qualification request was already decided.
    InvalidQualificationRequestState,
    /// The requester already has a qualification type of this name.
    QualificationTypeAlreadyExists,
    /// A worker asked for a qualification again before the type's RetryDelayInSeconds passed.
    QualificationRetryDelayNotElapsed,
    /// A worker asked for a qualification again, and the type allows no retries.
    QualificationRetakeNotAllowed,
    /// CreateHIT's UniqueRequestToken was used within the last 24 hours.
    HitAlreadyExists,
    /// Another operation's UniqueRequestToken was used within the last 24 hours.
    DuplicateRequest,
    InsufficientFunds,
    /// MaxAssignments may not cross 10 by extension.
    InvalidMaximumAssignmentsIncrease,
    /// The caller may not do this (read-only key, a worker acting on another's assignment…).
    AccessDenied,
    /// The caller is not authenticated.
    Unauthenticated,
    /// The caller conflicts with existing data (a taken user name, an already accepted HIT…).
    Conflict,
    /// The worker has reached a limit (assignments in progress).
    LimitExceeded,
    /// A feature this server does not offer (yet); never a silent no-op.
    Unsupported,
    /// Something on our side broke. Never used for bad input.
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DomainError {
    pub kind: ErrorKind,
    pub message: String,
}

impl DomainError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        DomainError { kind, message: message.into() }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidParameter, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }
}

pub type DomainResult<T> = Result<T, DomainError>;
