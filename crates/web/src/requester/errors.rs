//! How domain errors look on the Requester API.

use openturk_domain::ErrorKind;
use openturk_protocol::{ApiError, TurkErrorCode as C};
use openturk_service::Error;

pub fn api_error(e: Error) -> ApiError {
    let msg = e.to_string();
    let code = match e.kind() {
        ErrorKind::InvalidParameter => C::InvalidParameterValue,
        ErrorKind::InvalidDocument => C::XmlParseError,
        ErrorKind::InvalidTransportEndpoint => C::InvalidTransportEndpoint,
        ErrorKind::HitNotFound => C::HitDoesNotExist,
        ErrorKind::HitTypeNotFound => C::HitTypeDoesNotExist,
        ErrorKind::AssignmentNotFound => C::AssignmentDoesNotExist,
        ErrorKind::WorkerNotFound => C::WorkerDoesNotExist,
        ErrorKind::QualificationTypeNotFound => C::QualificationTypeDoesNotExist,
        ErrorKind::QualificationNotFound => C::QualificationDoesNotExist,
        ErrorKind::QualificationRequestNotFound => C::QualificationRequestDoesNotExist,
        ErrorKind::HitLayoutNotFound => C::HitLayoutDoesNotExist,
        ErrorKind::NotFound => C::DoesNotExist,
        ErrorKind::InvalidHitState => C::InvalidHitState,
        ErrorKind::InvalidAssignmentState => C::InvalidAssignmentState,
        ErrorKind::InvalidQualificationTypeState => C::InvalidQualificationTypeState,
        ErrorKind::InvalidQualificationState => C::InvalidQualificationState,
        ErrorKind::InvalidQualificationRequestState => C::InvalidQualificationRequestState,
        ErrorKind::QualificationTypeAlreadyExists => C::QualificationTypeAlreadyExists,
        ErrorKind::QualificationRetryDelayNotElapsed => C::QualificationTypeRetryDelayNotElapsed,
        ErrorKind::QualificationRetakeNotAllowed => C::QualificationTypeDoesNotAllowRetake,
        ErrorKind::HitAlreadyExists => C::HitAlreadyExists,
        ErrorKind::DuplicateRequest => C::DuplicateRequest,
        ErrorKind::InsufficientFunds => C::InsufficientFunds,
        ErrorKind::InvalidMaximumAssignmentsIncrease => C::InvalidMaximumAssignmentsIncrease,
        ErrorKind::AccessDenied | ErrorKind::Unauthenticated => C::PermissionDenied,
        ErrorKind::Conflict => C::Conflict,
        ErrorKind::LimitExceeded => C::ExceedsMaxAssignmentsPerWorker,
        ErrorKind::Unsupported => C::UnsupportedOperation,
        ErrorKind::Internal => {
            tracing::error!(error = %msg, "service fault");
            return ApiError::ServiceFault { message: "We encountered an internal error. Please try again.".into() };
        }
    };
    ApiError::request(code, msg)
}
