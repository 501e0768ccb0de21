//! Request and response shapes of the qualification operations, field for field as the `mturk`
//! service model names them (required members are non-`Option`, so a missing one is named in
//! a MissingParameter error).

use crate::wire::Locale;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateQualificationTypeRequest {
    pub name: String,
    pub keywords: Option<String>,
    pub description: String,
    pub qualification_type_status: String,
    pub retry_delay_in_seconds: Option<i64>,
    pub test: Option<String>,
    pub answer_key: Option<String>,
    pub test_duration_in_seconds: Option<i64>,
    pub auto_granted: Option<bool>,
    pub auto_granted_value: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateQualificationTypeRequest {
    pub qualification_type_id: String,
    pub description: Option<String>,
    pub qualification_type_status: Option<String>,
    pub test: Option<String>,
    pub answer_key: Option<String>,
    pub test_duration_in_seconds: Option<i64>,
    pub retry_delay_in_seconds: Option<i64>,
    pub auto_granted: Option<bool>,
    pub auto_granted_value: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct QualificationTypeIdRequest {
    pub qualification_type_id: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QualificationType {
    pub qualification_type_id: String,
    pub creation_time: f64,
    pub name: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keywords: Option<String>,
    pub qualification_type_status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_duration_in_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_delay_in_seconds: Option<i64>,
    pub is_requestable: bool,
    pub auto_granted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_granted_value: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QualificationTypeResponse {
    pub qualification_type: QualificationType,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListQualificationTypesRequest {
    pub query: Option<String>,
    pub must_be_requestable: bool,
    pub must_be_owned_by_caller: Option<bool>,
    pub next_token: Option<String>,
    pub max_results: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListQualificationTypesResponse {
    pub num_results: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    pub qualification_types: Vec<QualificationType>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssociateQualificationWithWorkerRequest {
    pub qualification_type_id: String,
    pub worker_id: String,
    pub integer_value: Option<i64>,
    pub send_notification: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DisassociateQualificationFromWorkerRequest {
    pub worker_id: String,
    pub qualification_type_id: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetQualificationScoreRequest {
    pub qualification_type_id: String,
    pub worker_id: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Qualification {
    pub qualification_type_id: String,
    pub worker_id: String,
    pub grant_time: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integer_value: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale_value: Option<Locale>,
    pub status: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetQualificationScoreResponse {
    pub qualification: Qualification,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListWorkersWithQualificationTypeRequest {
    pub qualification_type_id: String,
    pub status: Option<String>,
    pub next_token: Option<String>,
    pub max_results: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListWorkersWithQualificationTypeResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    pub num_results: i64,
    pub qualifications: Vec<Qualification>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListHITsForQualificationTypeRequest {
    pub qualification_type_id: String,
    pub next_token: Option<String>,
    pub max_results: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListQualificationRequestsRequest {
    pub qualification_type_id: Option<String>,
    pub next_token: Option<String>,
    pub max_results: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QualificationRequest {
    pub qualification_request_id: String,
    pub qualification_type_id: String,
    pub worker_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submit_time: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListQualificationRequestsResponse {
    pub num_results: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    pub qualification_requests: Vec<QualificationRequest>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AcceptQualificationRequestRequest {
    pub qualification_request_id: String,
    pub integer_value: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RejectQualificationRequestRequest {
    pub qualification_request_id: String,
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::parse;

    #[test]
    fn required_members_are_named() {
        let e = parse::<ListQualificationTypesRequest>(br#"{"Query":"x"}"#).unwrap_err();
        assert!(e.to_string().contains("MustBeRequestable"), "{e}");
        let e = parse::<CreateQualificationTypeRequest>(br#"{"Name":"n","Description":"d"}"#).unwrap_err();
        assert!(e.to_string().contains("QualificationTypeStatus"), "{e}");
    }
}
