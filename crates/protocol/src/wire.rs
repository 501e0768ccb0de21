//! Request and response shapes of the operations OpenTurk serves, field for field as the
//! `mturk` service model names them. Timestamps are epoch seconds as JSON numbers; amounts are
//! strings such as "0.50". Unknown request fields are ignored, as AWS JSON services do.

use crate::{ApiError, TurkErrorCode};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// Parses a request body, naming the offending field in the error.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b"{}" } else { body };
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::protocol(
                "SerializationException",
                400,
                format!("The request body is not valid JSON: {inner}"),
            );
        }
        let msg = inner.to_string();
        // serde's "missing field `X` at line…": say which parameter is required.
        if let Some(rest) = msg.strip_prefix("missing field `") {
            let field = rest.split('`').next().unwrap_or(rest);
            let at = if path == "." || path.is_empty() { String::new() } else { format!("{path}.") };
            return ApiError::request(
                TurkErrorCode::MissingParameter,
                format!("The request is missing the required parameter {at}{field}"),
            );
        }
        let detail = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        ApiError::request(TurkErrorCode::InvalidParameterValue, format!("Value at '{path}' is invalid: {detail}"))
    })
}

pub fn to_body<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).expect("response serializes")
}

/// Epoch milliseconds as the wire's epoch seconds.
pub fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Locale {
    pub country: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdivision: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct QualificationRequirement {
    pub qualification_type_id: String,
    pub comparator: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integer_values: Option<Vec<i32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale_values: Option<Vec<Locale>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_to_preview: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions_guarded: Option<String>,
}

pub use crate::wire_review::ReviewPolicy;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateHITTypeRequest {
    pub auto_approval_delay_in_seconds: Option<i64>,
    pub assignment_duration_in_seconds: i64,
    pub reward: String,
    pub title: String,
    pub keywords: Option<String>,
    pub description: String,
    #[serde(default)]
    pub qualification_requirements: Option<Vec<QualificationRequirement>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CreateHITTypeResponse {
    #[serde(rename = "HITTypeId")]
    pub hit_type_id: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateHITRequest {
    pub max_assignments: Option<i64>,
    pub auto_approval_delay_in_seconds: Option<i64>,
    pub lifetime_in_seconds: i64,
    pub assignment_duration_in_seconds: i64,
    pub reward: String,
    pub title: String,
    pub keywords: Option<String>,
    pub description: String,
    pub question: Option<String>,
    pub requester_annotation: Option<String>,
    #[serde(default)]
    pub qualification_requirements: Option<Vec<QualificationRequirement>>,
    pub unique_request_token: Option<String>,
    pub assignment_review_policy: Option<ReviewPolicy>,
    #[serde(rename = "HITReviewPolicy")]
    pub hit_review_policy: Option<ReviewPolicy>,
    #[serde(rename = "HITLayoutId")]
    pub hit_layout_id: Option<String>,
    #[serde(rename = "HITLayoutParameters")]
    pub hit_layout_parameters: Option<Vec<crate::wire_layouts::HitLayoutParameter>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateHITWithHITTypeRequest {
    #[serde(rename = "HITTypeId")]
    pub hit_type_id: String,
    pub max_assignments: Option<i64>,
    pub lifetime_in_seconds: i64,
    pub question: Option<String>,
    pub requester_annotation: Option<String>,
    pub unique_request_token: Option<String>,
    pub assignment_review_policy: Option<ReviewPolicy>,
    #[serde(rename = "HITReviewPolicy")]
    pub hit_review_policy: Option<ReviewPolicy>,
    #[serde(rename = "HITLayoutId")]
    pub hit_layout_id: Option<String>,
    #[serde(rename = "HITLayoutParameters")]
    pub hit_layout_parameters: Option<Vec<crate::wire_layouts::HitLayoutParameter>>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Hit {
    #[serde(rename = "HITId")]
    pub hit_id: String,
    #[serde(rename = "HITTypeId")]
    pub hit_type_id: String,
    #[serde(rename = "HITGroupId")]
    pub hit_group_id: String,
    #[serde(rename = "HITLayoutId", skip_serializing_if = "Option::is_none")]
    pub hit_layout_id: Option<String>,
    pub creation_time: f64,
    pub title: String,
    pub description: String,
    pub question: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keywords: Option<String>,
    #[serde(rename = "HITStatus")]
    pub hit_status: String,
    pub max_assignments: i64,
    pub reward: String,
    pub auto_approval_delay_in_seconds: i64,
    pub expiration: f64,
    pub assignment_duration_in_seconds: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requester_annotation: Option<String>,
    pub qualification_requirements: Vec<QualificationRequirement>,
    #[serde(rename = "HITReviewStatus")]
    pub hit_review_status: String,
    pub number_of_assignments_pending: i64,
    pub number_of_assignments_available: i64,
    pub number_of_assignments_completed: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct HitResponse {
    #[serde(rename = "HIT")]
    pub hit: Hit,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HitIdRequest {
    #[serde(rename = "HITId")]
    pub hit_id: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListHITsRequest {
    pub next_token: Option<String>,
    pub max_results: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListReviewableHITsRequest {
    #[serde(rename = "HITTypeId")]
    pub hit_type_id: Option<String>,
    pub status: Option<String>,
    pub next_token: Option<String>,
    pub max_results: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListHITsResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    pub num_results: i64,
    #[serde(rename = "HITs")]
    pub hits: Vec<Hit>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateExpirationForHITRequest {
    #[serde(rename = "HITId")]
    pub hit_id: String,
    pub expire_at: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateHITReviewStatusRequest {
    #[serde(rename = "HITId")]
    pub hit_id: String,
    pub revert: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UpdateHITTypeOfHITRequest {
    #[serde(rename = "HITId")]
    pub hit_id: String,
    #[serde(rename = "HITTypeId")]
    pub hit_type_id: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateAdditionalAssignmentsForHITRequest {
    #[serde(rename = "HITId")]
    pub hit_id: String,
    pub number_of_additional_assignments: i64,
    pub unique_request_token: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetAccountBalanceResponse {
    pub available_balance: String,
    pub on_hold_balance: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Assignment {
    pub assignment_id: String,
    pub worker_id: String,
    #[serde(rename = "HITId")]
    pub hit_id: String,
    pub assignment_status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_approval_time: Option<f64>,
    pub accept_time: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submit_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection_time: Option<f64>,
    pub deadline: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requester_feedback: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssignmentIdRequest {
    pub assignment_id: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetAssignmentResponse {
    pub assignment: Assignment,
    #[serde(rename = "HIT")]
    pub hit: Hit,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAssignmentsForHITRequest {
    #[serde(rename = "HITId")]
    pub hit_id: String,
    pub next_token: Option<String>,
    pub max_results: Option<i64>,
    pub assignment_statuses: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAssignmentsForHITResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    pub num_results: i64,
    pub assignments: Vec<Assignment>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApproveAssignmentRequest {
    pub assignment_id: String,
    pub requester_feedback: Option<String>,
    pub override_rejection: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RejectAssignmentRequest {
    pub assignment_id: String,
    pub requester_feedback: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SendBonusRequest {
    pub worker_id: String,
    pub bonus_amount: String,
    pub assignment_id: String,
    pub reason: String,
    pub unique_request_token: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListBonusPaymentsRequest {
    #[serde(rename = "HITId")]
    pub hit_id: Option<String>,
    pub assignment_id: Option<String>,
    pub next_token: Option<String>,
    pub max_results: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BonusPayment {
    pub worker_id: String,
    pub bonus_amount: String,
    pub assignment_id: String,
    pub reason: String,
    pub grant_time: f64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListBonusPaymentsResponse {
    pub num_results: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    pub bonus_payments: Vec<BonusPayment>,
}

/// Operations with no output answer `{}`.
#[derive(Debug, Clone, Serialize)]
pub struct Empty {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_name_the_field() {
        let e = parse::<CreateHITTypeRequest>(br#"{"Reward":"0.1","Title":"t","Description":"d"}"#).unwrap_err();
        assert!(e.to_string().contains("AssignmentDurationInSeconds"), "{e}");
        let e = parse::<CreateHITTypeRequest>(
            br#"{"AssignmentDurationInSeconds":"x","Reward":"0.1","Title":"t","Description":"d"}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("AssignmentDurationInSeconds"), "{e}");
        let e = parse::<CreateHITTypeRequest>(b"{nope").unwrap_err();
        assert_eq!(e.code(), "SerializationException");
        assert!(parse::<ListHITsRequest>(b"").is_ok());
    }
}
