//! Review policies on the wire: the ReviewPolicy of CreateHIT (PolicyParameter,
//! ParameterMapEntry) and ListReviewPolicyResultsForHIT (ReviewReport, ReviewResultDetail,
//! ReviewActionDetail), member for member as the `mturk` service model names them.

use serde::{Deserialize, Serialize};

/// ReviewPolicy: a PolicyName and its Parameters. In a ListReviewPolicyResultsForHIT response
/// it carries only the PolicyName.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct ReviewPolicy {
    pub policy_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Vec<PolicyParameter>>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyParameter {
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_entries: Option<Vec<ParameterMapEntry>>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct ParameterMapEntry {
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

/// A Boolean member that older clients send as the API Reference's "T or F".
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Flag {
    Bool(bool),
    Text(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListReviewPolicyResultsForHITRequest {
    #[serde(rename = "HITId")]
    pub hit_id: String,
    #[serde(default)]
    pub policy_levels: Option<Vec<String>>,
    /// The API Reference's request has it; the service model (and so the SDKs) does not.
    pub assignment_id: Option<String>,
    pub retrieve_actions: Option<Flag>,
    pub retrieve_results: Option<Flag>,
    pub next_token: Option<String>,
    pub max_results: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ReviewReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_results: Option<Vec<ReviewResultDetail>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_actions: Option<Vec<ReviewActionDetail>>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReviewResultDetail {
    pub action_id: String,
    pub subject_id: String,
    pub subject_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question_id: Option<String>,
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReviewActionDetail {
    pub action_id: String,
    pub action_name: String,
    pub target_id: String,
    pub target_type: String,
    /// Intended, Succeeded, Failed or Cancelled.
    pub status: String,
    /// Epoch seconds.
    pub complete_time: f64,
    pub result: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ListReviewPolicyResultsForHITResponse {
    #[serde(rename = "HITId")]
    pub hit_id: String,
    #[serde(rename = "AssignmentReviewPolicy", skip_serializing_if = "Option::is_none")]
    pub assignment_review_policy: Option<ReviewPolicy>,
    #[serde(rename = "HITReviewPolicy", skip_serializing_if = "Option::is_none")]
    pub hit_review_policy: Option<ReviewPolicy>,
    #[serde(rename = "AssignmentReviewReport", skip_serializing_if = "Option::is_none")]
    pub assignment_review_report: Option<ReviewReport>,
    #[serde(rename = "HITReviewReport", skip_serializing_if = "Option::is_none")]
    pub hit_review_report: Option<ReviewReport>,
    #[serde(rename = "NextToken", skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}
