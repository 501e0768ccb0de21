//! Review policies: CreateHIT's AssignmentReviewPolicy and HITReviewPolicy (wire → domain), and
//! ListReviewPolicyResultsForHIT.

use super::errors::api_error;
use openturk_domain::review_policy::{RawParameter, RawPolicy};
use openturk_domain::ErrorKind;
use openturk_protocol::wire::{parse, seconds, to_body};
use openturk_protocol::wire_review::{self as wr, Flag};
use openturk_protocol::{ApiError, TurkErrorCode};
use openturk_service::review_policies::{EntryLevel, ReviewEntry};
use openturk_service::Service;

type Out = Result<Vec<u8>, ApiError>;

/// A ReviewPolicy as given; `at` names it in errors.
pub fn raw_policy(at: &str, p: Option<wr::ReviewPolicy>) -> Result<Option<RawPolicy>, ApiError> {
    let Some(p) = p else { return Ok(None) };
    let mut parameters = Vec::new();
    for (i, param) in p.parameters.unwrap_or_default().into_iter().enumerate() {
        let key = param.key.ok_or_else(|| {
            ApiError::request(
                TurkErrorCode::MissingParameter,
                format!("The request is missing the required parameter {at}.Parameters.{}.Key", i + 1),
            )
        })?;
        let mut map_entries = Vec::new();
        for (j, e) in param.map_entries.unwrap_or_default().into_iter().enumerate() {
            let k = e.key.ok_or_else(|| {
                ApiError::request(
                    TurkErrorCode::MissingParameter,
                    format!(
                        "The request is missing the required parameter {at}.Parameters.{}.MapEntries.{}.Key",
                        i + 1,
                        j + 1
                    ),
                )
            })?;
            map_entries.push((k, e.values.unwrap_or_default()));
        }
        parameters.push(RawParameter { key, values: param.values.unwrap_or_default(), map_entries });
    }
    Ok(Some(RawPolicy { policy_name: p.policy_name, parameters }))
}

fn flag(name: &str, f: Option<Flag>) -> Result<Option<bool>, ApiError> {
    match f {
        None => Ok(None),
        Some(Flag::Bool(b)) => Ok(Some(b)),
        Some(Flag::Text(t)) => openturk_domain::review_policy::flag(&t).map(Some).ok_or_else(|| {
            ApiError::request(
                TurkErrorCode::InvalidParameterValue,
                format!("Value '{t}' at '{name}' failed to satisfy constraint: Member must be true or false"),
            )
        }),
    }
}

/// A failed action's ErrorCode: the TurkErrorCode its error has on this API.
fn error_code(kind: ErrorKind, message: &str) -> Option<String> {
    match api_error(openturk_service::Error::new(kind, message)) {
        ApiError::Request { turk_code, .. } => Some(turk_code.wire()),
        _ => None,
    }
}

pub fn list_review_policy_results(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wr::ListReviewPolicyResultsForHITRequest = parse(body)?;
    let mut levels = Vec::new();
    for l in r.policy_levels.unwrap_or_default() {
        levels.push(match l.as_str() {
            "Assignment" => EntryLevel::Assignment,
            "HIT" => EntryLevel::Hit,
            _ => {
                return Err(ApiError::request(
                    TurkErrorCode::InvalidParameterValue,
                    format!("Value '{l}' at 'PolicyLevels' failed to satisfy constraint: Member must satisfy enum value set: [Assignment, HIT]"),
                ))
            }
        });
    }
    let actions = flag("RetrieveActions", r.retrieve_actions)?;
    let results = flag("RetrieveResults", r.retrieve_results)?;
    let rep = svc
        .list_review_results(
            rid,
            &r.hit_id,
            &levels,
            r.assignment_id.as_deref(),
            actions,
            results,
            r.next_token.as_deref(),
            r.max_results,
        )
        .map_err(api_error)?;
    let wanted = |l: EntryLevel| levels.is_empty() || levels.contains(&l);
    // A report per level asked for, with the lists asked for (each possibly empty).
    let report = |l: EntryLevel| {
        wanted(l).then(|| wr::ReviewReport {
            review_results: results.unwrap_or(true).then(Vec::new),
            review_actions: actions.unwrap_or(true).then(Vec::new),
        })
    };
    let (mut a_report, mut h_report) = (report(EntryLevel::Assignment), report(EntryLevel::Hit));
    for (level, entry) in rep.entries.items {
        let Some(rep) = (match level {
            EntryLevel::Assignment => a_report.as_mut(),
            EntryLevel::Hit => h_report.as_mut(),
        }) else {
            continue;
        };
        match entry {
            ReviewEntry::Result(x) => rep.review_results.get_or_insert_with(Vec::new).push(wr::ReviewResultDetail {
                action_id: x.action_id,
                subject_id: x.subject_id,
                subject_type: x.subject_type,
                question_id: x.question_id,
                key: x.key,
                value: x.value,
            }),
            ReviewEntry::Action(x) => rep.review_actions.get_or_insert_with(Vec::new).push(wr::ReviewActionDetail {
                error_code: x.error_kind.and_then(|k| error_code(k, &x.result)),
                action_id: x.action_id,
                action_name: x.action_name,
                target_id: x.target_id,
                target_type: x.target_type,
                status: x.status,
                complete_time: seconds(x.complete_time),
                result: x.result,
            }),
        }
    }
    let name_only = |n: Option<String>, l: EntryLevel| {
        n.filter(|_| wanted(l)).map(|policy_name| wr::ReviewPolicy { policy_name, parameters: None })
    };
    Ok(to_body(&wr::ListReviewPolicyResultsForHITResponse {
        hit_id: rep.hit_id,
        assignment_review_policy: name_only(rep.assignment_policy, EntryLevel::Assignment),
        hit_review_policy: name_only(rep.hit_policy, EntryLevel::Hit),
        assignment_review_report: a_report,
        hit_review_report: h_report,
        next_token: rep.entries.next_token,
    }))
}
