//! `POST /mturk/externalSubmit`: where HTMLQuestion and ExternalQuestion forms send their
//! results. Fields come from the form body (and, CGI-style, the query string); `assignmentId`
//! names the assignment, and the reserved names `assignmentId`, `hitId`, `turkSubmitTo` and
//! `workerId` are not stored as answers. Repeated names become one answer with several values.
//!
//! Who may submit: a program that sends `Authorization: Bearer <token>` must be the worker who
//! holds the assignment. Without a bearer token, the assignment ID is the right to submit that
//! assignment, as on MTurk: it is unguessable and handed only to the worker who accepted it, in
//! the task's URL. That is how a task frame on the task origin submits (the browser sends it no
//! site cookie: another site, SameSite). The site's session cookie authorises nothing here, so
//! another site's form cannot submit through it (CSRF).
//!
//! A browser (Accept: text/html) gets an HTML page, which the site's task frame may show; a
//! program gets JSON and a status code.

use crate::html::message_page;
use crate::worker::WorkerApiError;
use crate::{blocking, AppState};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use openturk_domain::validate;
use std::collections::HashMap;

/// The task URL's parameter carrying the site's task link (`site::task`): a task page that
/// copies its URL's parameters into its form must not submit it as an answer either.
pub(crate) const TASK_LINK_PARAM: &str = "taskLink";
/// Names MTurk (and the site) put in the task URL; they are not answers. (`assignmentId` is
/// read apart.)
const RESERVED: [&str; 4] = ["hitId", "turkSubmitTo", "workerId", TASK_LINK_PARAM];
pub const SESSION_COOKIE: &str = "openturk_session";

fn wants_html(headers: &HeaderMap) -> bool {
    headers.get("accept").and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}

/// Its pages are shown inside the site's task frame: the site may frame them, nothing else.
fn framed_page(st: &AppState, status: StatusCode, title: &str, text: &str) -> Response {
    let mut r = message_page(status, title, text);
    let h = r.headers_mut();
    h.remove(axum::http::header::X_FRAME_OPTIONS);
    let csp = crate::site::PAGE_CSP.replace("frame-ancestors 'none'", &format!("frame-ancestors {}", st.site.origin));
    if let Ok(v) = axum::http::HeaderValue::from_str(&csp) {
        h.insert(axum::http::header::CONTENT_SECURITY_POLICY, v);
    }
    r
}

fn fail(st: &AppState, html: bool, e: WorkerApiError) -> Response {
    if html {
        framed_page(st, e.status, "Your work was not submitted", &e.message)
    } else {
        e.into_response()
    }
}

/// The form's fields grouped by name, in the order names first appear, with `assignmentId`
/// taken out. Linear in the number of fields; more than [`validate::MAX_ANSWER_FIELDS`] fields
/// is an error (checked while reading, so an oversized form costs no more than the cap).
pub(crate) struct SubmittedForm {
    pub assignment_id: Option<String>,
    pub answers: Vec<(String, Vec<String>)>,
}

pub(crate) fn read_form(query: &str, body: &[u8]) -> Result<SubmittedForm, WorkerApiError> {
    let mut assignment_id = None;
    let mut answers: Vec<(String, Vec<String>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let fields = url::form_urlencoded::parse(query.as_bytes()).chain(url::form_urlencoded::parse(body));
    for (n, (k, v)) in fields.enumerate() {
        if n >= validate::MAX_ANSWER_FIELDS {
            return Err(WorkerApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "TooManyFields",
                format!(
                    "The form has more than {} fields; no task form may have that many",
                    validate::MAX_ANSWER_FIELDS
                ),
            ));
        }
        if k == "assignmentId" {
            assignment_id.get_or_insert_with(|| v.into_owned());
            continue;
        }
        if RESERVED.contains(&k.as_ref()) {
            continue;
        }
        match index.get(k.as_ref()) {
            Some(&i) => answers[i].1.push(v.into_owned()),
            None => {
                index.insert(k.clone().into_owned(), answers.len());
                answers.push((k.into_owned(), vec![v.into_owned()]));
            }
        }
    }
    Ok(SubmittedForm { assignment_id, answers })
}

/// externalSubmit with a method other than POST and GET.
pub async fn method_not_allowed(
    State(st): State<AppState>,
    method: axum::http::Method,
    headers: HeaderMap,
) -> Response {
    fail(
        &st,
        wants_html(&headers),
        WorkerApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            format!("externalSubmit takes a form by POST (or GET), not {method}"),
        ),
    )
}

pub async fn handle(State(st): State<AppState>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let html = wants_html(&headers);
    let ct = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if !body.is_empty() && !ct.starts_with("application/x-www-form-urlencoded") {
        return fail(
            &st,
            html,
            WorkerApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UnsupportedMediaType",
                format!("externalSubmit takes application/x-www-form-urlencoded form data, not '{ct}'"),
            ),
        );
    }
    // A program's bearer token is checked first: nothing of the form is read for a caller
    // whose token is wrong.
    let bearer = match crate::worker::handlers_bearer(&headers) {
        Some(token) => {
            let svc = st.service.clone();
            match blocking(&st.service, move || svc.worker_of_token(&token)).await {
                Ok(w) => Some(w),
                Err(e) => return fail(&st, html, e.into()),
            }
        }
        None => None,
    };
    let form = match read_form(uri.query().unwrap_or(""), &body) {
        Ok(f) => f,
        Err(e) => return fail(&st, html, e),
    };
    let assignment_id = match form.assignment_id.as_deref() {
        None | Some("") => return fail(&st, html, WorkerApiError::invalid("The form has no assignmentId field; it must post the assignmentId it was given")),
        Some("ASSIGNMENT_ID_NOT_AVAILABLE") => {
            return fail(
                &st,
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
    // Without a bearer token, the assignment ID is the capability (see the module's comment).
    let worker_id = match bearer {
        Some(w) => w,
        None => {
            let svc = st.service.clone();
            let id = assignment_id.clone();
            match blocking(&st.service, move || svc.worker_of_assignment(&id)).await {
                Ok(w) => w,
                Err(e) => return fail(&st, html, e.into()),
            }
        }
    };
    let answers = form.answers;
    let svc = st.service.clone();
    let result = blocking(&st.service, move || svc.submit(&worker_id, &assignment_id, &answers)).await;
    match result {
        Ok(a) if html => framed_page(
            &st,
            StatusCode::OK,
            "Thank you: your work was submitted",
            &format!("Assignment {} is submitted.", a.assignment_id),
        ),
        // The same fields as the worker API's submit.
        Ok(a) => Json(serde_json::json!({
            "AssignmentId": a.assignment_id,
            "AssignmentStatus": a.status.as_str(),
            "SubmitTime": a.submitted_at.map(openturk_protocol::wire::seconds),
        }))
        .into_response(),
        Err(e) => fail(&st, html, e.into()),
    }
}
