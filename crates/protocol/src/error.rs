//! Errors as AWS JSON 1.1 clients read them: the `__type` names the error shape, and MTurk's
//! RequestError and ServiceFault carry a `TurkErrorCode` and a `Message` that ends with the
//! time in epoch milliseconds.
//!
//! Policy: anything the caller did wrong is a 4xx — the SDKs retry 5xx, so bad input must never
//! get one. ServiceFault (500) is only for faults on our side.

use crate::turk_code::TurkErrorCode;
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// MTurk's RequestError (400): the caller's mistake, or a state that does not allow the call.
    #[error("{turk_code}: {message}")]
    Request { turk_code: TurkErrorCode, message: String },
    /// MTurk's ServiceFault (500): our fault.
    #[error("ServiceFault: {message}")]
    ServiceFault { message: String },
    /// An error of the AWS protocol layer (authentication, framing), named as AWS names it.
    #[error("{code}: {message}")]
    Protocol { code: &'static str, status: u16, message: String },
}

impl ApiError {
    pub fn request(turk_code: TurkErrorCode, message: impl Into<String>) -> Self {
        ApiError::Request { turk_code, message: message.into() }
    }
    pub fn protocol(code: &'static str, status: u16, message: impl Into<String>) -> Self {
        ApiError::Protocol { code, status, message: message.into() }
    }

    pub fn status(&self) -> u16 {
        match self {
            ApiError::Request { .. } => 400,
            ApiError::ServiceFault { .. } => 500,
            ApiError::Protocol { status, .. } => *status,
        }
    }

    /// The error's `__type` without namespace, as SDKs report it.
    pub fn code(&self) -> &str {
        match self {
            ApiError::Request { .. } => "RequestError",
            ApiError::ServiceFault { .. } => "ServiceFault",
            ApiError::Protocol { code, .. } => code,
        }
    }

    /// The response body; `now_ms` is appended to MTurk errors' messages as MTurk does.
    pub fn body(&self, now_ms: i64) -> Vec<u8> {
        let v = match self {
            ApiError::Request { turk_code, message } => json!({
                "__type": "com.amazonaws.mturk.requester#RequestError",
                "Message": format!("{message} ({now_ms})"),
                "TurkErrorCode": turk_code.wire(),
            }),
            ApiError::ServiceFault { message } => json!({
                "__type": "com.amazonaws.mturk.requester#ServiceFault",
                "Message": format!("{message} ({now_ms})"),
                "TurkErrorCode": TurkErrorCode::ServiceFault.wire(),
            }),
            ApiError::Protocol { code, message, .. } => json!({ "__type": code, "message": message }),
        };
        serde_json::to_vec(&v).expect("error serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_error_shape() {
        let e = ApiError::request(TurkErrorCode::HitDoesNotExist, "Hit X does not exist.");
        let v: serde_json::Value = serde_json::from_slice(&e.body(1700000000123)).unwrap();
        assert_eq!(v["__type"], "com.amazonaws.mturk.requester#RequestError");
        assert_eq!(v["Message"], "Hit X does not exist. (1700000000123)");
        assert_eq!(v["TurkErrorCode"], TurkErrorCode::HitDoesNotExist.wire());
        assert_eq!(e.status(), 400);
        let fault = ApiError::ServiceFault { message: "x".into() };
        assert_eq!(fault.status(), 500);
        let v: serde_json::Value = serde_json::from_slice(&fault.body(1)).unwrap();
        assert_eq!(v["TurkErrorCode"], TurkErrorCode::ServiceFault.wire());
    }
}
