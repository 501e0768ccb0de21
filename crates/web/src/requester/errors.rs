//! How domain errors look on the Requester API.

use openturk_domain::ErrorKind;
use openturk_protocol::ApiError;
use openturk_service::Error;

pub fn api_error(e: Error) -> ApiError {
    let msg = e.to_string();
    let code = match e.kind() {
        ErrorKind::InvalidParameter => "InvalidParameterValue",
        ErrorKind::InvalidDocument => "XMLParseError",
        ErrorKind::HitNotFound => "HitDoesNotExist",
        ErrorKind::HitTypeNotFound => "HITTypeDoesNotExist",
        ErrorKind::AssignmentNotFound => "AssignmentDoesNotExist",
        ErrorKind::WorkerNotFound => "WorkerDoesNotExist",
        ErrorKind::NotFound => "DoesNotExist",
        ErrorKind::InvalidHitState => "InvalidHITState",
        ErrorKind::InvalidAssignmentState => "InvalidAssignmentState",
        ErrorKind::HitAlreadyExists => "HitAlreadyExists",
        ErrorKind::DuplicateRequest => "DuplicateRequest",
        ErrorKind::InsufficientFunds => "InsufficientFunds",
        ErrorKind::InvalidMaximumAssignmentsIncrease => "InvalidMaximumAssignmentsIncrease",
        ErrorKind::AccessDenied | ErrorKind::Unauthenticated => "AccessDenied",
        ErrorKind::Conflict => "Conflict",
        ErrorKind::LimitExceeded => "LimitExceeded",
        ErrorKind::Unsupported => "UnsupportedOperation",
        ErrorKind::Internal => {
            tracing::error!(error = %msg, "service fault");
            return ApiError::ServiceFault { message: "We encountered an internal error. Please try again.".into() };
        }
    };
    ApiError::request(code, msg)
}
