use super::WorkerApiError;
use crate::{blocking, AppState};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use openturk_domain::model::{Assignment, AssignmentStatus, Hit};
use openturk_domain::Money;
use openturk_protocol::wire::seconds;
use openturk_service::workers::{GroupQuery, GroupSort, NewWorker};
use openturk_service::Service;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

pub(super) type Res = Result<Response, WorkerApiError>;

pub(super) fn body<T: DeserializeOwned>(b: &Bytes) -> Result<T, WorkerApiError> {
    serde_json::from_slice(b).map_err(|e| WorkerApiError::invalid(format!("The request body is not valid: {e}")))
}

/// The bearer token of a request.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

/// The signed-in worker, from the bearer token.
pub(crate) async fn worker(svc: &Service, headers: &HeaderMap) -> Result<String, WorkerApiError> {
    let token = bearer(headers).ok_or_else(|| {
        WorkerApiError::unauthenticated(
            "This call needs 'Authorization: Bearer <Token>'; get a token from POST /worker-api/v1/sessions",
        )
    })?;
    let owned = svc.clone();
    Ok(blocking(svc, move || owned.worker_of_token(&token)).await?)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SignIn {
    username: String,
    password: String,
}

/// The client's address, for limits on failed sign-ins. Present when the server is served with
/// connect info (`crate::serve` does); absent in a router driven without a socket.
type Client = Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>;

pub async fn sign_in(State(st): State<AppState>, client: Client, b: Bytes) -> Res {
    let r: SignIn = body(&b)?;
    let svc = st.service.clone();
    let ip = client.map(|c| c.0 .0.ip());
    // Password hashing is tens of milliseconds of CPU and waits for its turn under the cap on
    // concurrent hashes: always off the async threads.
    let s = tokio::task::spawn_blocking(move || svc.sign_in(&r.username, &r.password, ip))
        .await
        .expect("sign-in panicked")?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "Token": s.token, "WorkerId": s.worker_id, "Expiration": seconds(s.expires_at) })),
    )
        .into_response())
}

pub async fn sign_out(State(st): State<AppState>, headers: HeaderMap) -> Res {
    worker(&st.service, &headers).await?;
    let token = bearer(&headers).unwrap_or_default();
    let svc = st.service.clone();
    blocking(&st.service, move || svc.revoke_token(&token)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// `POST /me/password`: changes the password; every other session of the worker ends.
pub async fn change_password(State(st): State<AppState>, headers: HeaderMap, b: Bytes) -> Res {
    let wid = worker(&st.service, &headers).await?;
    let r: PasswordChange = body(&b)?;
    let token = bearer(&headers).unwrap_or_default();
    let svc = st.service.clone();
    // Two password hashes: off the async threads, like sign-in.
    tokio::task::spawn_blocking(move || svc.change_password(&wid, &token, &r.current_password, &r.new_password))
        .await
        .expect("password change panicked")?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SignUp {
    username: String,
    password: String,
    country: String,
    subdivision: Option<String>,
    email: Option<String>,
}

pub async fn sign_up(State(st): State<AppState>, b: Bytes) -> Res {
    let r: SignUp = body(&b)?;
    let svc = st.service.clone();
    // Hashing the password: off the async threads, as in `sign_in`.
    let id = tokio::task::spawn_blocking(move || {
        svc.sign_up(&NewWorker {
            username: r.username,
            password: r.password,
            country: r.country,
            subdivision: r.subdivision,
            email: r.email,
        })
    })
    .await
    .expect("sign-up panicked")?;
    Ok((StatusCode::CREATED, Json(json!({ "WorkerId": id }))).into_response())
}

/// A worker's earnings, as `GET /me` and `GET /dashboard` show them.
fn earnings(p: &openturk_service::workers::WorkerProfile) -> Value {
    json!({
        "Pending": p.pending.to_string(),
        "Approved": p.approved.to_string(),
        "Bonuses": p.bonuses.to_string(),
        "Available": p.available.to_string(),
    })
}

pub async fn me(State(st): State<AppState>, headers: HeaderMap) -> Res {
    let wid = worker(&st.service, &headers).await?;
    let svc = st.service.clone();
    let p = blocking(&st.service, move || svc.worker_profile(&wid)).await?;
    let counts: serde_json::Map<String, Value> = p.counts.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
    Ok(Json(json!({
        "WorkerId": p.worker_id,
        "Username": p.username,
        "Country": p.country,
        "Subdivision": p.subdivision,
        "Email": p.email,
        "CreationTime": seconds(p.created_at),
        "Earnings": earnings(&p),
        "AssignmentCounts": counts,
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupParams {
    query: Option<String>,
    requester_id: Option<String>,
    min_reward: Option<String>,
    sort_by: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
    /// `true`: only the groups the worker meets every accept requirement of.
    qualified_only: Option<bool>,
}

pub async fn hit_groups(
    State(st): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<GroupParams>, axum::extract::rejection::QueryRejection>,
) -> Res {
    let wid = worker(&st.service, &headers).await?;
    let Query(q) = q.map_err(|e| WorkerApiError::invalid(format!("Bad query parameters: {e}")))?;
    let min_reward = q
        .min_reward
        .as_deref()
        .map(|m| Money::parse_amount("MinReward", m))
        .transpose()
        .map_err(|e| WorkerApiError::invalid(e.message))?;
    let sort = match q.sort_by.as_deref() {
        None => None,
        Some(s) => Some(GroupSort::parse(s).ok_or_else(|| {
            WorkerApiError::invalid(format!("SortBy '{s}' is not one of Newest, RewardDesc, MostAvailable, Title"))
        })?),
    };
    let gq = GroupQuery {
        query: q.query,
        min_reward,
        sort,
        next_token: q.next_token,
        max_results: q.max_results,
        requester_id: q.requester_id,
        worker_id: Some(wid),
        qualified_only: q.qualified_only.unwrap_or(false),
    };
    let svc = st.service.clone();
    let page = blocking(&st.service, move || svc.list_hit_groups(&gq)).await?;
    let groups: Vec<Value> = page
        .items
        .iter()
        .map(|g| {
            json!({
                "HITGroupId": g.hit_group_id,
                "HITTypeId": g.hit_type_id,
                "Title": g.title,
                "Description": g.description,
                "Keywords": g.keywords,
                "Reward": g.reward.to_string(),
                "AssignmentDurationInSeconds": g.assignment_duration_secs,
                "HITsAvailable": g.hits_available,
                "AssignmentsAvailable": g.assignments_available,
                "RequesterId": g.requester_id,
                "RequesterName": g.requester_name,
                "Expiration": seconds(g.expires_at),
                "CreationTime": seconds(g.created_at),
                "QualificationRequirements": g.requirements.iter().map(requirement).collect::<Vec<_>>(),
                "Qualified": g.qualified,
            })
        })
        .collect();
    Ok(Json(json!({ "HITGroups": groups, "NextToken": page.next_token })).into_response())
}

/// A QualificationRequirement in the Requester API's shape.
fn requirement(r: &openturk_domain::qualification::QualificationRequirement) -> Value {
    let mut v = json!({
        "QualificationTypeId": r.qualification_type_id,
        "Comparator": r.comparator.as_str(),
        "ActionsGuarded": openturk_domain::eligibility::guarded(r).as_str(),
    });
    if !r.integer_values.is_empty() {
        v["IntegerValues"] = json!(r.integer_values);
    }
    if !r.locale_values.is_empty() {
        v["LocaleValues"] = r
            .locale_values
            .iter()
            .map(|l| match &l.subdivision {
                Some(s) => json!({"Country": l.country, "Subdivision": s}),
                None => json!({"Country": l.country}),
            })
            .collect();
    }
    v
}

fn accepted(a: &Assignment, h: &Hit) -> Value {
    json!({
        "AssignmentId": a.assignment_id,
        "HITId": h.hit_id,
        "HITGroupId": h.hit_group_id,
        "Title": h.spec.title,
        "Reward": a.reward.to_string(),
        "AcceptTime": seconds(a.accepted_at),
        "Deadline": seconds(a.deadline),
        "Question": h.question,
    })
}

pub async fn accept_group(State(st): State<AppState>, headers: HeaderMap, Path(group): Path<String>) -> Res {
    let wid = worker(&st.service, &headers).await?;
    let svc = st.service.clone();
    let (a, h) = blocking(&st.service, move || svc.accept_from_group(&wid, &group)).await?;
    Ok((StatusCode::CREATED, Json(accepted(&a, &h))).into_response())
}

pub async fn accept_hit(State(st): State<AppState>, headers: HeaderMap, Path(hit_id): Path<String>) -> Res {
    let wid = worker(&st.service, &headers).await?;
    let svc = st.service.clone();
    let (a, h) = blocking(&st.service, move || svc.accept_hit(&wid, &hit_id)).await?;
    Ok((StatusCode::CREATED, Json(accepted(&a, &h))).into_response())
}

/// Preview: what a worker sees before accepting.
pub async fn preview_hit(State(st): State<AppState>, headers: HeaderMap, Path(hit_id): Path<String>) -> Res {
    let wid = worker(&st.service, &headers).await?;
    let svc = st.service.clone();
    let now = svc.now();
    let h = blocking(&st.service, move || svc.preview_hit(&wid, &hit_id)).await?;
    Ok(Json(json!({
        "HITId": h.hit_id,
        "HITGroupId": h.hit_group_id,
        "Title": h.spec.title,
        "Description": h.spec.description,
        "Keywords": h.spec.keywords,
        "Reward": h.spec.reward.to_string(),
        "AssignmentDurationInSeconds": h.spec.assignment_duration_secs,
        "Expiration": seconds(h.expires_at),
        "AssignmentsAvailable": h.available(now),
        "Question": h.question,
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(untagged)]
enum AnswerValue {
    One(String),
    Many(Vec<String>),
}

/// `{"Answers": {"q1": "a", "q2": ["x", "y"]}}`, the body of every submit.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct Submit {
    answers: std::collections::BTreeMap<String, AnswerValue>,
}

impl Submit {
    /// Field name → values, as the service takes answers.
    pub(super) fn into_answers(self) -> Vec<(String, Vec<String>)> {
        self.answers
            .into_iter()
            .map(|(k, v)| {
                (
                    k,
                    match v {
                        AnswerValue::One(s) => vec![s],
                        AnswerValue::Many(v) => v,
                    },
                )
            })
            .collect()
    }
}

/// `POST /assignments/{id}/submit`: JSON answers, or `multipart/form-data` with the files of
/// FileUploadAnswer questions (see `crate::uploads` and docs/worker-api.md).
pub async fn submit(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Res {
    let wid = worker(&st.service, &headers).await?;
    if crate::uploads::is_multipart(&headers) {
        return super::files::submit_multipart(&st, wid, id, req).await;
    }
    let b = axum::body::to_bytes(req.into_body(), JSON_BODY_BYTES).await.map_err(|_| {
        WorkerApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PayloadTooLarge",
            format!("The request body is larger than {JSON_BODY_BYTES} bytes"),
        )
    })?;
    let r: Submit = body(&b)?;
    let answers = r.into_answers();
    let svc = st.service.clone();
    let a = blocking(&st.service, move || svc.submit(&wid, &id, &answers)).await?;
    Ok(submitted(&a))
}

/// The bound on a JSON submit.
const JSON_BODY_BYTES: usize = crate::uploads::TEXT_BYTES;

/// The response to a submit.
pub(super) fn submitted(a: &Assignment) -> Response {
    Json(json!({ "AssignmentId": a.assignment_id, "AssignmentStatus": a.status.as_str(), "SubmitTime": a.submitted_at.map(seconds) }))
        .into_response()
}

pub async fn return_assignment(State(st): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Res {
    let wid = worker(&st.service, &headers).await?;
    let svc = st.service.clone();
    let a = blocking(&st.service, move || svc.return_assignment(&wid, &id)).await?;
    Ok(Json(json!({ "AssignmentId": a.assignment_id, "AssignmentStatus": a.status.as_str() })).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssignmentParams {
    status: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

pub async fn assignments(
    State(st): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<AssignmentParams>, axum::extract::rejection::QueryRejection>,
) -> Res {
    let wid = worker(&st.service, &headers).await?;
    let Query(q) = q.map_err(|e| WorkerApiError::invalid(format!("Bad query parameters: {e}")))?;
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(AssignmentStatus::parse(s).ok_or_else(|| {
            WorkerApiError::invalid(format!("Status '{s}' is not one of {}", AssignmentStatus::names()))
        })?),
    };
    let svc = st.service.clone();
    let page =
        blocking(&st.service, move || svc.worker_assignments(&wid, status, q.next_token.as_deref(), q.max_results))
            .await?;
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|(a, h)| {
            json!({
                "AssignmentId": a.assignment_id,
                "HITId": a.hit_id,
                "HITGroupId": h.hit_group_id,
                "Title": h.spec.title,
                "RequesterId": h.requester_id,
                "Reward": a.reward.to_string(),
                "AssignmentStatus": a.status.as_str(),
                "AcceptTime": seconds(a.accepted_at),
                "Deadline": seconds(a.deadline),
                "SubmitTime": a.submitted_at.map(seconds),
                "AutoApprovalTime": a.auto_approval_at.map(seconds),
                "ApprovalTime": a.approved_at.map(seconds),
                "RejectionTime": a.rejected_at.map(seconds),
                "RequesterFeedback": a.requester_feedback,
            })
        })
        .collect();
    Ok(Json(json!({ "Assignments": items, "NextToken": page.next_token })).into_response())
}

/// `GET /dashboard`: `Service::worker_dashboard`, the figures the site's dashboard shows.
pub async fn dashboard(State(st): State<AppState>, headers: HeaderMap) -> Res {
    let wid = worker(&st.service, &headers).await?;
    let svc = st.service.clone();
    let d = blocking(&st.service, move || svc.worker_dashboard(&wid)).await?;
    let p = &d.profile;
    let counts: serde_json::Map<String, Value> = p.counts.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
    let days: Vec<Value> = d
        .days
        .iter()
        .map(|x| {
            json!({
                "Date": x.date,
                "Start": seconds(x.start),
                "Submitted": x.submitted,
                "Approved": x.approved,
                "Rejected": x.rejected,
                "Pending": x.pending,
                "Earnings": x.earnings.to_string(),
            })
        })
        .collect();
    let bonuses: Vec<Value> = d
        .bonuses
        .iter()
        .map(|b| {
            json!({
                "AssignmentId": b.assignment_id,
                "HITId": b.hit_id,
                "Title": b.title,
                "BonusAmount": b.amount.to_string(),
                "Reason": b.reason,
                "GrantTime": seconds(b.granted_at),
            })
        })
        .collect();
    let rejected: Vec<Value> = d
        .rejected
        .iter()
        .map(|r| {
            json!({
                "AssignmentId": r.assignment_id,
                "HITId": r.hit_id,
                "Title": r.title,
                "Reward": r.reward.to_string(),
                "RejectionTime": seconds(r.rejected_at),
                "RequesterFeedback": r.feedback,
            })
        })
        .collect();
    Ok(Json(json!({
        "WorkerId": p.worker_id,
        "Earnings": earnings(p),
        "AssignmentCounts": counts,
        "ApprovalRate": d.approval_rate.percent(),
        "Days": days,
        "Bonuses": bonuses,
        "RejectedAssignments": rejected,
    }))
    .into_response())
}
