//! The worker's qualifications on the site: the Qualifications page (scores, system values,
//! revocations, and the types the worker can request, with a search), one type's page (details,
//! the worker's score or request, Request or Take the test), taking a test (a QuestionForm
//! rendered by `question_form.rs`, timed by TestDurationInSeconds, graded at once by an
//! AnswerKey). The Adult setting is on the account page (`account.rs`).
//!
//! Every rule (who may request, retries, deadlines, grading, constraints) is the service's
//! (`openturk_service::qualifications`), the same calls the worker API makes; these handlers
//! only shape pages.

use super::pages::{layout, service_error, signed_in, signed_in_post};
use super::question_form::{answers_from_fields, render_question_form};
use super::session::Visitor;
use super::task::FormState;
use super::{format, message, page, Layout, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use openturk_domain::qualification_type::{
    QualificationRequest, QualificationStatus, QualificationType, QualificationValue, RequestStatus, SystemType,
};
use openturk_domain::question::{parse_question, QuestionDocument, QuestionParseOptions};
use openturk_service::qualifications::{MyTypeStanding, RequestOutcome};
use std::collections::HashMap;

/// Requestable types on one page of the Qualifications page.
const TYPES_PAGE_SIZE: i64 = 25;

fn value_text(v: &QualificationValue) -> String {
    match v {
        QualificationValue::Integer(i) => i.to_string(),
        QualificationValue::Locale(l) => match &l.subdivision {
            Some(s) => format!("{}-{s}", l.country),
            None => l.country.clone(),
        },
    }
}

/// A system value in words.
fn system_text(s: SystemType, v: &QualificationValue) -> String {
    match (s, v) {
        (SystemType::PercentAssignmentsApproved, QualificationValue::Integer(i)) => format!("{i}%"),
        (SystemType::Adult, QualificationValue::Integer(1)) => "1 (you said you are an adult)".into(),
        (SystemType::Adult, QualificationValue::Integer(_)) => "0 (not acknowledged)".into(),
        (SystemType::Masters, QualificationValue::Integer(_)) => "1 (granted)".into(),
        _ => value_text(v),
    }
}

/// The retry rule of a type, in words.
fn retry_text(t: &QualificationType) -> String {
    match t.retry_delay_secs {
        None => "You can request it (or take its test) only once.".into(),
        Some(0) => "You can request it again at any time.".into(),
        Some(d) => format!("You can request it again {} after your last request.", format::duration(d)),
    }
}

struct SystemRow {
    type_id: String,
    name: String,
    description: String,
    value: String,
}

struct ScoreRow {
    type_id: String,
    name: String,
    value: i64,
    granted: String,
    granted_iso: String,
    revoked: Option<(String, String)>,
    reason: Option<String>,
}

struct TypeRow {
    type_id: String,
    name: String,
    description: String,
    has_test: bool,
    auto_granted: bool,
}

#[derive(Template)]
#[template(path = "site/qualifications.html")]
struct QualificationsPage {
    l: Layout,
    system: Vec<SystemRow>,
    scores: Vec<ScoreRow>,
    q: String,
    types: Vec<TypeRow>,
    error: Option<String>,
    first_url: Option<String>,
    next_url: Option<String>,
}

fn types_url(q: &str, next: Option<&str>) -> String {
    let mut params = Vec::new();
    if !q.is_empty() {
        params.push(("q", q));
    }
    if let Some(t) = next {
        params.push(("next", t));
    }
    super::format::link("/qualifications", &params, "requestable")
}

/// `GET /qualifications`: the worker's values and scores, and the types it can request
/// (`q` searches them, `next` pages).
pub async fn list(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    let (v, worker) = match signed_in(&st, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let title = "Your qualifications";
    let q = p.get("q").map(|s| s.trim().to_string()).unwrap_or_default();
    let next = p.get("next").map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let svc = st.service.clone();
    let mode = svc.mode();
    let mine = match blocking(&st.service, move || svc.my_qualifications(&worker)).await {
        Ok(m) => m,
        Err(e) => return service_error(layout(&st, &v, title), e),
    };
    let svc = st.service.clone();
    let (query, token) = (q.clone(), next.clone());
    let found = blocking(&st.service, move || {
        svc.requestable_qualification_types(
            Some(query.as_str()).filter(|s| !s.is_empty()),
            token.as_deref(),
            Some(TYPES_PAGE_SIZE),
        )
    })
    .await;
    let (mut types, mut next_url, mut error) = (Vec::new(), None, None);
    match found {
        Ok(pg) => {
            types = pg
                .items
                .into_iter()
                .map(|t| TypeRow {
                    has_test: t.test.is_some(),
                    auto_granted: t.auto_granted,
                    type_id: t.qualification_type_id,
                    name: t.name,
                    description: t.description,
                })
                .collect();
            next_url = pg.next_token.map(|t| types_url(&q, Some(&t)));
        }
        Err(e) if e.kind() == openturk_domain::ErrorKind::InvalidParameter => error = Some(e.to_string()),
        Err(e) => return service_error(layout(&st, &v, title), e),
    }
    let p = QualificationsPage {
        l: layout(&st, &v, title),
        system: mine
            .system
            .iter()
            .map(|(s, val)| SystemRow {
                type_id: s.id(mode).to_string(),
                name: s.name().to_string(),
                description: s.description().to_string(),
                value: system_text(*s, val),
            })
            .collect(),
        scores: mine
            .scores
            .into_iter()
            .map(|m| {
                let s = m.qualification;
                ScoreRow {
                    type_id: s.qualification_type_id,
                    name: m.qualification_type.name,
                    value: s.integer_value,
                    granted: format::time(s.granted_at),
                    granted_iso: format::time_iso(s.granted_at),
                    revoked: (s.status == QualificationStatus::Revoked)
                        .then(|| s.revoked_at.map(|t| (format::time(t), format::time_iso(t))).unwrap_or_default()),
                    reason: s.revoke_reason,
                }
            })
            .collect(),
        first_url: next.as_ref().map(|_| types_url(&q, None)),
        q,
        types,
        error,
        next_url,
    };
    let status = if p.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    page(status, &p)
}

// ---------------------------------------------------------------------------------------------
// One type.

#[derive(Template)]
#[template(path = "site/qualification_type.html")]
struct TypePage {
    l: Layout,
    csrf: String,
    type_id: String,
    name: String,
    description: String,
    keywords: Option<String>,
    /// The owner's name; `None` for a system type.
    requester: Option<String>,
    has_test: bool,
    test_duration: Option<String>,
    auto_granted: bool,
    retry: String,
    /// A system type: the worker's value, set by the marketplace.
    system_value: Option<String>,
    /// Worker_Adult: the worker's own setting, on the account page.
    adult_setting: bool,
    score: Option<ScoreRow>,
    /// The latest request, in words, and the requester's reason for a rejection.
    request: Option<(String, Option<String>)>,
    /// A test in progress: its deadline (text, ISO).
    test_in_progress: Option<(String, String)>,
    /// A request waiting for the requester (said in `request`; it cannot be asked again).
    pending: bool,
    /// Why asking now would be refused, in the service's words.
    refusal: Option<String>,
}

/// The latest request in words (a test in progress is shown apart).
fn request_text(r: &QualificationRequest, now: i64) -> Option<String> {
    let t = format::time;
    Some(match r.status {
        RequestStatus::Started => match r.test_deadline {
            Some(d) if now <= d => return None,
            Some(d) => format!(
                "You started its test at {}, and the time for it ran out at {} before you submitted answers.",
                t(r.requested_at),
                t(d)
            ),
            None => return None,
        },
        RequestStatus::Submitted if r.test.is_some() => format!(
            "You submitted the test at {}. Your answers are waiting for the requester, who will grade them.",
            t(r.submitted_at.unwrap_or(r.requested_at))
        ),
        RequestStatus::Submitted => format!(
            "You asked for it at {}. Your request is waiting for the requester to accept or reject it.",
            t(r.requested_at)
        ),
        RequestStatus::Granted => format!(
            "Your request of {} was granted at {}{}.",
            t(r.requested_at),
            t(r.decided_at.unwrap_or(r.requested_at)),
            r.integer_value.map(|v| format!(" with the score {v}")).unwrap_or_default()
        ),
        RequestStatus::Rejected => format!(
            "The requester rejected your request of {} at {}.",
            t(r.requested_at),
            t(r.decided_at.unwrap_or(r.requested_at))
        ),
    })
}

async fn standing(st: &AppState, worker: &str, type_id: &str) -> openturk_service::Result<MyTypeStanding> {
    let (svc, w, id) = (st.service.clone(), worker.to_string(), type_id.to_string());
    blocking(&st.service, move || svc.my_qualification_type(&w, &id)).await
}

/// `GET /qualifications/{type_id}`: the type, the worker's score or request, and Request or
/// Take the test.
pub async fn one(State(st): State<AppState>, headers: HeaderMap, Path(type_id): Path<String>) -> Response {
    let (v, worker) = match signed_in(&st, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let s = match standing(&st, &worker, &type_id).await {
        Ok(s) => s,
        Err(e) => return service_error(layout(&st, &v, "This qualification cannot be shown"), e),
    };
    let now = st.service.now();
    let mode = st.service.mode();
    let t = s.qualification_type;
    let system = SystemType::from_id(&t.qualification_type_id, mode);
    let system_value = match system {
        Some(sys) => {
            let (svc, w) = (st.service.clone(), worker.clone());
            match blocking(&st.service, move || svc.qualification_values(&w)).await {
                Ok(vals) => Some(vals.get(sys.id(mode)).map_or("none".to_string(), |val| system_text(sys, val))),
                Err(e) => return service_error(layout(&st, &v, "This qualification cannot be shown"), e),
            }
        }
        None => None,
    };
    let requester = match &t.requester_id {
        Some(id) => {
            let (svc, rid) = (st.service.clone(), id.clone());
            Some(blocking(&st.service, move || svc.requester_name(&rid)).await.unwrap_or_else(|_| id.clone()))
        }
        None => None,
    };
    let test_in_progress = s.latest_request.as_ref().and_then(|r| match (r.status, r.test_deadline) {
        (RequestStatus::Started, Some(d)) if now <= d => Some((format::time(d), format::time_iso(d))),
        _ => None,
    });
    let p = TypePage {
        l: layout(&st, &v, &t.name),
        csrf: v.csrf().unwrap_or_default(),
        type_id: t.qualification_type_id.clone(),
        description: t.description.clone(),
        keywords: t.keywords.clone().filter(|k| !k.is_empty()),
        requester,
        has_test: t.test.is_some(),
        test_duration: t.test_duration_secs.map(format::duration),
        auto_granted: t.auto_granted,
        retry: retry_text(&t),
        system_value,
        adult_setting: system == Some(SystemType::Adult),
        score: s.score.map(|q| ScoreRow {
            type_id: q.qualification_type_id,
            name: t.name.clone(),
            value: q.integer_value,
            granted: format::time(q.granted_at),
            granted_iso: format::time_iso(q.granted_at),
            revoked: (q.status == QualificationStatus::Revoked)
                .then(|| q.revoked_at.map(|r| (format::time(r), format::time_iso(r))).unwrap_or_default()),
            reason: q.revoke_reason,
        }),
        request: s.latest_request.as_ref().and_then(|r| {
            let reason = (r.status == RequestStatus::Rejected).then(|| r.reason.clone()).flatten();
            request_text(r, now).map(|text| (text, reason))
        }),
        test_in_progress,
        pending: s.latest_request.as_ref().is_some_and(|r| r.status == RequestStatus::Submitted),
        refusal: if system.is_some() { None } else { s.refusal.map(|e| e.to_string()) },
        name: t.name,
    };
    page(StatusCode::OK, &p)
}

/// `POST /qualifications/{type_id}/request`: asks for the qualification. A test opens the test
/// page; a grant or a request waiting for the requester shows on the type's page.
pub async fn request(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(type_id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let (v, worker, _) = match signed_in_post(&st, &headers, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (svc, id) = (st.service.clone(), type_id.clone());
    match blocking(&st.service, move || svc.request_qualification(&worker, &id)).await {
        Ok(RequestOutcome::Test { .. }) => Redirect::to(&format!("/qualifications/{type_id}/test")).into_response(),
        Ok(_) => Redirect::to(&format!("/qualifications/{type_id}")).into_response(),
        Err(e) => service_error(layout(&st, &v, "The qualification could not be requested"), e),
    }
}

// ---------------------------------------------------------------------------------------------
// Taking a test.

#[derive(Template)]
#[template(path = "site/qualification_test.html")]
struct TestPage {
    l: Layout,
    csrf: String,
    type_id: String,
    name: String,
    request_id: String,
    form_html: String,
    deadline: String,
    deadline_iso: String,
    seconds_left: i64,
    script: &'static str,
}

/// The test of a started request, with the worker's answers and errors after a failed check.
fn render_test(
    st: &AppState,
    v: &Visitor,
    name: &str,
    r: &QualificationRequest,
    form_state: FormState<'_>,
) -> Response {
    let doc = parse_question(r.test.as_deref().unwrap_or_default(), &QuestionParseOptions::default());
    let Ok(QuestionDocument::Form(qf)) = doc else {
        return message(
            StatusCode::INTERNAL_SERVER_ERROR,
            layout(st, v, "This test cannot be shown"),
            "This qualification's test cannot be read; ask its requester.",
        );
    };
    let deadline = r.test_deadline.unwrap_or_default();
    let p = TestPage {
        l: layout(st, v, &format!("Test: {name}")),
        csrf: v.csrf().unwrap_or_default(),
        type_id: r.qualification_type_id.clone(),
        name: name.to_string(),
        request_id: r.qualification_request_id.clone(),
        form_html: render_question_form(
            &qf,
            form_state.map(|s| s.0),
            form_state.map_or(&[], |s| s.1),
            st.service.max_file_bytes(),
        ),
        deadline: format::time(deadline),
        deadline_iso: format::time_iso(deadline),
        seconds_left: (deadline - st.service.now()).div_euclid(1000).max(0),
        script: super::assets::work_script_url(),
    };
    let status = if form_state.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    super::task::with_form_csp(page(status, &p))
}

/// What the test page shows when there is no test to answer: the time ran out, or none started.
fn no_test(st: &AppState, v: &Visitor, s: &MyTypeStanding, now: i64) -> Response {
    let t = &s.qualification_type;
    let expired = s.latest_request.as_ref().and_then(|r| match (r.status, r.test_deadline) {
        (RequestStatus::Started, Some(d)) if now > d => Some(d),
        _ => None,
    });
    match expired {
        Some(d) => message(
            StatusCode::OK,
            layout(st, v, "The time for this test ran out"),
            format!(
                "The test of {} had to be submitted by {}. {} {}",
                t.name,
                format::time(d),
                retry_text(t),
                s.refusal.as_ref().map(|e| e.to_string()).unwrap_or_else(|| "You can take it again now.".into())
            ),
        ),
        None => Redirect::to(&format!("/qualifications/{}", t.qualification_type_id)).into_response(),
    }
}

/// `GET /qualifications/{type_id}/test`: the test the worker started, with its countdown.
pub async fn test(State(st): State<AppState>, headers: HeaderMap, Path(type_id): Path<String>) -> Response {
    let (v, worker) = match signed_in(&st, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let s = match standing(&st, &worker, &type_id).await {
        Ok(s) => s,
        Err(e) => return service_error(layout(&st, &v, "This test cannot be shown"), e),
    };
    let now = st.service.now();
    match &s.latest_request {
        Some(r) if r.status == RequestStatus::Started && r.test_deadline.is_some_and(|d| now <= d) => {
            render_test(&st, &v, &s.qualification_type.name, r, None)
        }
        _ => no_test(&st, &v, &s, now),
    }
}

#[derive(Template)]
#[template(path = "site/qualification_result.html")]
struct ResultPage {
    l: Layout,
    type_id: String,
    /// The score, when the test was graded at once.
    score: Option<i64>,
}

/// `POST /qualifications/{type_id}/test`: the test's answers (and `request`, the request they
/// answer), checked and graded by the service; on a failed check the test comes back with the
/// worker's input and each error next to its question.
pub async fn submit_test(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(type_id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let (v, worker, form) = match signed_in_post(&st, &headers, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let failed = "Your test was not submitted";
    let request_id = form.get("request").cloned().unwrap_or_default();
    let fields: Vec<(String, String)> = match crate::external_submit::read_form("", &body) {
        Ok(f) => f.answers.into_iter().flat_map(|(k, vs)| vs.into_iter().map(move |v| (k.clone(), v))).collect(),
        Err(e) => return message(e.status, layout(&st, &v, failed), e.message),
    };
    let (svc, w, rid) = (st.service.clone(), worker.clone(), request_id.clone());
    let r = match blocking(&st.service, move || svc.my_qualification_request(&w, &rid)).await {
        Ok(r) if r.qualification_type_id == type_id => r,
        Ok(_) => {
            return message(
                StatusCode::NOT_FOUND,
                layout(&st, &v, failed),
                "This test belongs to another qualification.",
            )
        }
        Err(e) => return service_error(layout(&st, &v, failed), e),
    };
    let s = match standing(&st, &worker, &type_id).await {
        Ok(s) => s,
        Err(e) => return service_error(layout(&st, &v, failed), e),
    };
    let doc = parse_question(r.test.as_deref().unwrap_or_default(), &QuestionParseOptions::default());
    let answers = match &doc {
        Ok(QuestionDocument::Form(qf)) => answers_from_fields(qf, &fields),
        _ => Vec::new(),
    };
    let (svc, sent) = (st.service.clone(), answers.clone());
    match blocking(&st.service, move || svc.submit_qualification_test(&worker, &request_id, &sent)).await {
        Ok(RequestOutcome::Granted { value, .. }) => page(
            StatusCode::OK,
            &ResultPage { l: layout(&st, &v, "Your test was graded"), type_id, score: Some(value) },
        ),
        Ok(_) => page(
            StatusCode::OK,
            &ResultPage { l: layout(&st, &v, "Your test was sent to the requester"), type_id, score: None },
        ),
        Err(openturk_service::Error::InvalidAnswers(errors)) => {
            render_test(&st, &v, &s.qualification_type.name, &r, Some((&answers, &errors)))
        }
        // Too late: the page explains the deadline and the retry rule in words.
        Err(_) if st.service.now() > r.test_deadline.unwrap_or(i64::MAX) => no_test(&st, &v, &s, st.service.now()),
        Err(e) => service_error(layout(&st, &v, failed), e),
    }
}
