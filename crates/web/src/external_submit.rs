//! `POST /mturk/externalSubmit`: where HTMLQuestion and ExternalQuestion forms send their
//! results. Fields come from the form body (and, CGI-style, the query string); `assignmentId`
//! names the assignment, and the reserved names `assignmentId`, `hitId`, `turkSubmitTo` and
//! `workerId` are not stored as answers. Repeated names become one answer with several values.
//!
//! The caller is identified by `Authorization: Bearer <token>` (programs) or the
//! `openturk_session` cookie (the worker website). A browser (Accept: text/html) gets an HTML
//! page; a program gets JSON and a status code.

use crate::worker::WorkerApiError;
use crate::{blocking, AppState};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;

const RESERVED: [&str; 4] = ["assignmentId", "hitId", "turkSubmitTo", "workerId"];
pub const SESSION_COOKIE: &str = "openturk_session";

fn session_token(headers: &HeaderMap) -> Option<String> {
    if let Some(t) = crate::worker::handlers_bearer(headers) {
        return Some(t);
    }
    let cookies = headers.get("cookie")?.to_str().ok()?;
    cookies.split(';').find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == SESSION_COOKIE).then(|| v.to_string())
    })
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers.get("accept").and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head><body><h1>{t}</h1><p>{x}</p></body></html>",
        t = escape(title),
        x = escape(text)
    );
    (status, Html(html)).into_response()
}

fn fail(html: bool, e: WorkerApiError) -> Response {
    if html {
        page(e.status, "Your work was not submitted", &e.message)
    } else {
        e.into_response()
    }
}

pub async fn handle(State(st): State<AppState>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let html = wants_html(&headers);
    let ct = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if !body.is_empty() && !ct.starts_with("application/x-www-form-urlencoded") {
        return fail(
            html,
            WorkerApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UnsupportedMediaType",
                format!("externalSubmit takes application/x-www-form-urlencoded form data, not '{ct}'"),
            ),
        );
    }
    let mut fields: Vec<(String, String)> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()).into_owned().collect();
    fields.extend(url::form_urlencoded::parse(&body).into_owned());

    let assignment_id = fields.iter().find(|(k, _)| k == "assignmentId").map(|(_, v)| v.clone());
    let assignment_id = match assignment_id.as_deref() {
        None | Some("") => return fail(html, WorkerApiError::invalid("The form has no assignmentId field; it must post the assignmentId it was given")),
        Some("ASSIGNMENT_ID_NOT_AVAILABLE") => {
            return fail(
                html,
                WorkerApiError::new(
                    StatusCode::CONFLICT,
                    "PreviewOnly",
                    "This HIT is being previewed (assignmentId is ASSIGNMENT_ID_NOT_AVAILABLE): accept the HIT before submitting work",
                ),
            )
        }
        Some(a) => a.to_string(),
    };
    let Some(token) = session_token(&headers) else {
        return fail(
            html,
            WorkerApiError::unauthenticated("Sign in as the worker who accepted this assignment to submit it"),
        );
    };
    let mut answers: Vec<(String, Vec<String>)> = Vec::new();
    for (k, v) in fields {
        if RESERVED.contains(&k.as_str()) {
            continue;
        }
        match answers.iter_mut().find(|(n, _)| *n == k) {
            Some((_, vals)) => vals.push(v),
            None => answers.push((k, vec![v])),
        }
    }
    let svc = st.service.clone();
    let result = blocking(&st.service, move || {
        let wid = svc.worker_of_token(&token)?;
        svc.submit(&wid, &assignment_id, &answers)
    })
    .await;
    match result {
        Ok(a) if html => page(
            StatusCode::OK,
            "Thank you: your work was submitted",
            &format!("Assignment {} is submitted.", a.assignment_id),
        ),
        Ok(a) => Json(serde_json::json!({ "AssignmentId": a.assignment_id, "AssignmentStatus": a.status.as_str() }))
            .into_response(),
        Err(e) => fail(html, e.into()),
    }
}
