//! What the review-policy tests share: building policies, working HITs through the worker
//! API, and reading ListReviewPolicyResultsForHIT's reports.
#![allow(dead_code)]

use super::common::{create_hit, Created, TestServer};
use aws_sdk_mturk::operation::list_review_policy_results_for_hit::ListReviewPolicyResultsForHitOutput as Report;
use aws_sdk_mturk::types::{ParameterMapEntry, PolicyParameter, ReviewActionStatus, ReviewPolicy, ReviewReport};
use reqwest::Method;
use serde_json::{json, Value};

pub const KNOWN: &str = "ScoreMyKnownAnswers/2011-09-01";
pub const PLURALITY: &str = "SimplePlurality/2011-09-01";

pub fn param(key: &str, values: &[&str]) -> PolicyParameter {
    PolicyParameter::builder().key(key).set_values(Some(values.iter().map(|v| v.to_string()).collect())).build()
}

pub fn answer_key(entries: &[(&str, &[&str])]) -> PolicyParameter {
    let entries = entries
        .iter()
        .map(|(q, v)| {
            ParameterMapEntry::builder().key(*q).set_values(Some(v.iter().map(|s| s.to_string()).collect())).build()
        })
        .collect();
    PolicyParameter::builder().key("AnswerKey").set_map_entries(Some(entries)).build()
}

pub fn policy(name: &str, params: Vec<PolicyParameter>) -> ReviewPolicy {
    ReviewPolicy::builder().policy_name(name).set_parameters(Some(params)).build().unwrap()
}

/// Accepts `hit_id` as the worker and submits `answers`; returns the AssignmentId.
pub async fn work(s: &TestServer, token: &str, hit_id: &str, answers: Value) -> String {
    let (st, a) = s.worker_call(Method::POST, &format!("/hits/{hit_id}/accept"), token, None).await;
    assert_eq!(st, 201, "{a}");
    let aid = a["AssignmentId"].as_str().unwrap().to_string();
    let body = json!({ "Answers": answers });
    let (st, r) = s.worker_call(Method::POST, &format!("/assignments/{aid}/submit"), token, Some(body)).await;
    assert_eq!(st, 200, "{r}");
    aid
}

pub async fn report(c: &aws_sdk_mturk::Client, hit_id: &str) -> Report {
    c.list_review_policy_results_for_hit().hit_id(hit_id).send().await.unwrap()
}

/// A report's results as (SubjectId, QuestionId, Key, Value).
pub fn results(r: Option<&ReviewReport>) -> Vec<(String, String, String, String)> {
    r.map(|r| r.review_results())
        .unwrap_or_default()
        .iter()
        .map(|x| {
            (
                x.subject_id().unwrap_or("").to_string(),
                x.question_id().unwrap_or("").to_string(),
                x.key().unwrap().to_string(),
                x.value().unwrap().to_string(),
            )
        })
        .collect()
}

/// A report's actions as (ActionName, TargetId, Status, Result).
pub fn actions(r: Option<&ReviewReport>) -> Vec<(String, String, ReviewActionStatus, String)> {
    r.map(|r| r.review_actions())
        .unwrap_or_default()
        .iter()
        .map(|x| {
            assert!(x.action_id().is_some_and(|id| id.len() == 30), "{x:?}");
            assert!(x.complete_time().is_some(), "{x:?}");
            (
                x.action_name().unwrap().to_string(),
                x.target_id().unwrap().to_string(),
                x.status().unwrap().clone(),
                x.result().unwrap().to_string(),
            )
        })
        .collect()
}

pub fn value_of(rs: &[(String, String, String, String)], subject: &str, question: &str, key: &str) -> Option<String> {
    rs.iter().rev().find(|r| r.0 == subject && r.1 == question && r.2 == key).map(|r| r.3.clone())
}

pub async fn assignment(c: &aws_sdk_mturk::Client, aid: &str) -> aws_sdk_mturk::types::Assignment {
    c.get_assignment().assignment_id(aid).send().await.unwrap().assignment.unwrap()
}

pub async fn hit(c: &aws_sdk_mturk::Client, id: &str) -> aws_sdk_mturk::types::Hit {
    c.get_hit().hit_id(id).send().await.unwrap().hit.unwrap()
}

/// A HIT with both policies: a gold question scored per assignment, a plurality question
/// compared across them.
pub async fn both_policies_hit(c: &aws_sdk_mturk::Client, max: i32) -> String {
    create_hit(c)
        .max_assignments(max)
        .assignment_review_policy(policy(
            KNOWN,
            vec![answer_key(&[("gold", &["G"])]), param("RejectIfKnownAnswerScoreIsLessThan", &["100"])],
        ))
        .hit_review_policy(policy(
            PLURALITY,
            vec![
                param("QuestionIds", &["label"]),
                param("QuestionAgreementThreshold", &["100"]),
                param("DisregardAssignmentIfRejected", &["T"]),
                param("DisregardAssignmentIfKnownAnswerScoreIsLessThan", &["100"]),
                param("ApproveIfWorkerAgreementScoreIsAtLeast", &["100"]),
                param("RejectIfWorkerAgreementScoreIsLessThan", &["100"]),
            ],
        ))
        .created()
        .await
}
