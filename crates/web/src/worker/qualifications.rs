//! The worker's qualifications on the worker API: scores (with revocations), requestable types
//! with a search, requests and tests, and the Adult acknowledgement. Every rule is the
//! service's (`openturk_service::qualifications`); this file only shapes JSON.

use super::handlers::{body, worker, Res, Submit};
use super::WorkerApiError;
use crate::{blocking, AppState};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use openturk_domain::qualification_type::{QualificationRequest, QualificationType, QualificationValue, RequestStatus};
use openturk_protocol::wire::seconds;
use openturk_service::qualifications::RequestOutcome;
use serde::Deserialize;
use serde_json::{json, Value};

fn value_json(v: &QualificationValue) -> Value {
    match v {
        QualificationValue::Integer(i) => json!({ "IntegerValue": i }),
        QualificationValue::Locale(l) => {
            json!({ "LocaleValue": { "Country": l.country, "Subdivision": l.subdivision } })
        }
    }
}

/// A type as workers see it: never its answer key, and its test only once they take it.
fn type_json(t: &QualificationType) -> Value {
    json!({
        "QualificationTypeId": t.qualification_type_id,
        "Name": t.name,
        "Description": t.description,
        "Keywords": t.keywords,
        "RequesterId": t.requester_id,
        "QualificationTypeStatus": t.status.as_str(),
        "IsRequestable": t.is_requestable(),
        "HasTest": t.test.is_some(),
        "TestDurationInSeconds": t.test_duration_secs,
        "AutoGranted": t.auto_granted,
        "RetryDelayInSeconds": t.retry_delay_secs,
        "CreationTime": seconds(t.created_at),
    })
}

fn request_json(q: &QualificationRequest) -> Value {
    json!({
        "QualificationRequestId": q.qualification_request_id,
        "QualificationTypeId": q.qualification_type_id,
        "Status": q.status.as_str(),
        "RequestTime": seconds(q.requested_at),
        "TestDeadline": q.test_deadline.map(seconds),
        "SubmitTime": q.submitted_at.map(seconds),
        "DecisionTime": q.decided_at.map(seconds),
        "IntegerValue": q.integer_value,
        "Reason": q.reason,
    })
}

fn outcome_json(o: &RequestOutcome) -> Value {
    match o {
        RequestOutcome::Granted { request, .. } | RequestOutcome::Pending { request } => request_json(request),
        RequestOutcome::Test { request } => {
            let mut v = request_json(request);
            v["Test"] = json!(request.test);
            v
        }
    }
}

/// `GET /qualifications`: the worker's system values and custom scores.
pub async fn mine(State(st): State<AppState>, headers: HeaderMap) -> Res {
    let wid = worker(&st.service, &headers).await?;
    let svc = st.service.clone();
    let mode = svc.mode();
    let m = blocking(&st.service, move || svc.my_qualifications(&wid)).await?;
    let system: Vec<Value> = m
        .system
        .iter()
        .map(|(s, v)| {
            let mut j = value_json(v);
            j["QualificationTypeId"] = json!(s.id(mode));
            j["Name"] = json!(s.name());
            j
        })
        .collect();
    let scores: Vec<Value> = m
        .scores
        .iter()
        .map(|s| {
            let q = &s.qualification;
            json!({
                "QualificationTypeId": q.qualification_type_id,
                "Name": s.qualification_type.name,
                "Description": s.qualification_type.description,
                "RequesterId": s.qualification_type.requester_id,
                "IntegerValue": q.integer_value,
                "Status": q.status.as_str(),
                "GrantTime": seconds(q.granted_at),
                "RevokeTime": q.revoked_at.map(seconds),
                "RevokeReason": q.revoke_reason,
            })
        })
        .collect();
    Ok(Json(json!({ "SystemQualifications": system, "Qualifications": scores })).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TypeParams {
    query: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

/// `GET /qualification-types`: the types the worker can request, with a search.
pub async fn requestable(
    State(st): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<TypeParams>, axum::extract::rejection::QueryRejection>,
) -> Res {
    worker(&st.service, &headers).await?;
    let Query(q) = q.map_err(|e| WorkerApiError::invalid(format!("Bad query parameters: {e}")))?;
    let svc = st.service.clone();
    let page = blocking(&st.service, move || {
        svc.requestable_qualification_types(q.query.as_deref(), q.next_token.as_deref(), q.max_results)
    })
    .await?;
    let types: Vec<Value> = page.items.iter().map(type_json).collect();
    Ok(Json(json!({ "QualificationTypes": types, "NextToken": page.next_token })).into_response())
}

/// `GET /qualification-types/{id}`: one type (any, system ones too).
pub async fn one_type(State(st): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Res {
    worker(&st.service, &headers).await?;
    let svc = st.service.clone();
    let t = blocking(&st.service, move || svc.get_qualification_type(None, &id)).await?;
    Ok(Json(type_json(&t)).into_response())
}

/// `POST /qualification-types/{id}/request`: ask for the qualification; the answer says
/// whether it was granted, waits for the requester, or is a test to take.
pub async fn request(State(st): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Res {
    let wid = worker(&st.service, &headers).await?;
    let svc = st.service.clone();
    let o = blocking(&st.service, move || svc.request_qualification(&wid, &id)).await?;
    Ok((StatusCode::CREATED, Json(outcome_json(&o))).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RequestParams {
    next_token: Option<String>,
    max_results: Option<i64>,
}

/// `GET /qualification-requests`: the worker's requests, newest first.
pub async fn my_requests(
    State(st): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<RequestParams>, axum::extract::rejection::QueryRejection>,
) -> Res {
    let wid = worker(&st.service, &headers).await?;
    let Query(q) = q.map_err(|e| WorkerApiError::invalid(format!("Bad query parameters: {e}")))?;
    let svc = st.service.clone();
    let page =
        blocking(&st.service, move || svc.my_qualification_requests(&wid, q.next_token.as_deref(), q.max_results))
            .await?;
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|r| {
            let mut v = request_json(r);
            // The test stays readable while it can be answered.
            if r.status == RequestStatus::Started {
                v["Test"] = json!(r.test);
            }
            v
        })
        .collect();
    Ok(Json(json!({ "QualificationRequests": items, "NextToken": page.next_token })).into_response())
}

/// `POST /qualification-requests/{id}/submit`: a test's answers, `{"Answers": {...}}`.
pub async fn submit_test(State(st): State<AppState>, headers: HeaderMap, Path(id): Path<String>, b: Bytes) -> Res {
    let wid = worker(&st.service, &headers).await?;
    let r: Submit = body(&b)?;
    let answers = r.into_answers();
    let svc = st.service.clone();
    let o = blocking(&st.service, move || svc.submit_qualification_test(&wid, &id, &answers)).await?;
    Ok(Json(outcome_json(&o)).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Adult {
    adult: bool,
}

/// `POST /me/adult`: `{"Adult": true}` acknowledges adult content (Worker_Adult = 1);
/// `false` withdraws it.
pub async fn set_adult(State(st): State<AppState>, headers: HeaderMap, b: Bytes) -> Res {
    let wid = worker(&st.service, &headers).await?;
    let r: Adult = body(&b)?;
    let svc = st.service.clone();
    blocking(&st.service, move || svc.set_adult(&wid, r.adult)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
