//! The task origin: where requesters' HTML runs, and how the site shows a task.
//!
//! The isolation design (see ARCHITECTURE.md):
//! - The site's pages answer only on the site's host ([`site_host_only`]); [`task_content`]
//!   answers only on the task origin's host, a different *site*, so the requester's code never
//!   runs with the site's cookies or on its origin.
//! - The task is shown in an `<iframe sandbox>` without `allow-same-origin` (so its documents
//!   get an opaque origin and reach no storage), without `allow-top-navigation` (so it cannot
//!   navigate the site away), and the task response carries its own CSP `sandbox` as well.
//! - The frame's form posts to the site's `/mturk/externalSubmit`. The browser sends no site
//!   cookie with that cross-site POST (SameSite), so externalSubmit takes the assignment ID the
//!   task was given (unguessable, handed only to the worker who accepted it) as the right to
//!   submit that assignment, as MTurk does; the worker's cookie authorises nothing there.
//! - The task origin serves a task's page only with a signed task link in its URL
//!   (`taskLink`), which the site adds to the frame's URL once it has checked that the worker
//!   may preview the HIT or holds its assignment (see `openturk_service::tasks`).
//! - The work page learns that the frame submitted by asking the server (`/work/{id}/state`);
//!   it trusts no message from the frame.
//! - A QuestionForm is not requester code: the site renders it natively (`question_form.rs`).

use super::question_form::render_question_form;
use super::{message, Layout, Nav};
use crate::external_submit::TASK_LINK_PARAM;
use crate::{blocking, AppState};
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use openturk_domain::clock::Millis;
use openturk_domain::model::{Hit, Mode};
use openturk_domain::question::{parse_question, AnswerError, QuestionDocument, QuestionParseOptions};

/// The value of `assignmentId` in a preview, as on MTurk.
pub const PREVIEW_ASSIGNMENT_ID: &str = "ASSIGNMENT_ID_NOT_AVAILABLE";
/// Where MTurk's own HTML posts; requesters' HTML posts here instead.
const MTURK_SUBMIT_URLS: [&str; 2] =
    ["https://www.mturk.com/mturk/externalSubmit", "https://workersandbox.mturk.com/mturk/externalSubmit"];
/// What MTurk's own HTML templates load; task pages get OpenTurk's implementation instead.
const CROWD_ELEMENTS_URL: &str = "https://assets.crowd.aws/crowd-html-elements.js";
/// The frame's sandbox: scripts and forms run, popups open; no same-origin, no top navigation.
const TASK_SANDBOX: &str = "allow-scripts allow-forms allow-popups allow-modals";
/// Frame height when the requester asks for 0 ("fit the content"), until the content reports
/// its height (HTMLQuestion), or for good (ExternalQuestion, whose page OpenTurk does not
/// serve): most of a window.
const FIT_HEIGHT_PX: u32 = 800;

/// Refuses the site's pages on the task origin's host: requesters' code runs there.
pub async fn site_host_only(State(st): State<AppState>, req: Request, next: Next) -> Response {
    if st.site.is_task_host(req.headers()) {
        return not_on_task_host(&st);
    }
    next.run(req).await
}

/// What the task origin answers for anything but a task.
pub(super) fn not_on_task_host(st: &AppState) -> Response {
    message(
        StatusCode::NOT_FOUND,
        Layout::new("Page not found", Nav::Unknown, false),
        format!("This address serves only task content. The worker site is at {}.", st.site.origin),
    )
}

/// How the task is shown: a frame (HTMLQuestion on the task origin, ExternalQuestion at the
/// requester's URL) or, for a QuestionForm, a note that the site cannot render it yet.
pub(super) struct TaskView {
    pub(super) frame_src: Option<String>,
    pub(super) frame_height: u32,
    /// The frame grows to fit its content: an HTMLQuestion with FrameHeight 0, whose page
    /// reports its height (`assets/task-frame.js`) to the work page's script.
    pub(super) fit: bool,
    /// The frame's sandbox flags.
    pub(super) sandbox: &'static str,
    /// Origins the page's CSP lets it frame.
    pub(super) frame_origins: String,
    /// A QuestionForm, rendered natively: the inside of its `<form>`, every value escaped.
    pub(super) form_html: Option<String>,
    /// The form has FileUploadAnswer questions: it posts `multipart/form-data`.
    pub(super) has_files: bool,
    pub(super) note: Option<&'static str>,
}

/// What a QuestionForm shows again after a failed submit: the worker's answers and the errors.
pub(super) type FormState<'a> = Option<(&'a [(String, Vec<String>)], &'a [AnswerError])>;

/// The task of `hit` for a worker the caller has checked may see it: an HTMLQuestion's frame
/// opens (by its task link) until `link_until`.
pub(super) fn task_view(
    st: &AppState,
    hit: &Hit,
    assignment_id: &str,
    worker_id: Option<&str>,
    link_until: Millis,
    form_state: FormState<'_>,
) -> TaskView {
    let mut params = url::form_urlencoded::Serializer::new(String::new());
    params.append_pair("assignmentId", assignment_id).append_pair("hitId", &hit.hit_id);
    params.append_pair("turkSubmitTo", &st.site.origin);
    if let Some(w) = worker_id {
        params.append_pair("workerId", w);
    }
    let params = params.finish();
    let opts = QuestionParseOptions { allow_loopback_http: st.service.mode() == Mode::Sandbox };
    let none = TaskView {
        frame_src: None,
        frame_height: 0,
        fit: false,
        sandbox: TASK_SANDBOX,
        frame_origins: String::new(),
        form_html: None,
        has_files: false,
        note: Some("This HIT's question cannot be read; ask its requester."),
    };
    let height = |h: u32| if h == 0 { FIT_HEIGHT_PX } else { h };
    match parse_question(&hit.question, &opts) {
        Ok(QuestionDocument::Html(h)) => TaskView {
            frame_src: Some(format!(
                "{}/task/{}?{params}&{TASK_LINK_PARAM}={}",
                st.site.task_origin,
                hit.hit_id,
                st.service.task_link(&hit.hit_id, link_until)
            )),
            frame_height: height(h.frame_height),
            fit: h.frame_height == 0,
            sandbox: TASK_SANDBOX,
            frame_origins: st.site.task_origin.clone(),
            form_html: None,
            has_files: false,
            note: None,
        },
        Ok(QuestionDocument::External(e)) => {
            let sep = if e.external_url.contains('?') { '&' } else { '?' };
            let origin = url::Url::parse(&e.external_url).map(|u| u.origin().ascii_serialization()).unwrap_or_default();
            // The requester's own origin may keep its storage (psiTurk and others need it), unless
            // it is the site's origin: same-origin and scripts together would lift the sandbox.
            let sandbox = if origin == st.site.origin {
                TASK_SANDBOX
            } else {
                "allow-scripts allow-forms allow-popups allow-modals allow-same-origin"
            };
            TaskView {
                frame_src: Some(format!("{}{sep}{params}", e.external_url)),
                frame_height: height(e.frame_height),
                fit: false,
                sandbox,
                frame_origins: origin,
                form_html: None,
                has_files: false,
                note: None,
            }
        }
        Ok(QuestionDocument::Form(f)) => TaskView {
            form_html: Some(render_question_form(
                &f,
                form_state.map(|s| s.0),
                form_state.map_or(&[], |s| s.1),
                st.service.max_file_bytes(),
            )),
            has_files: f
                .questions()
                .any(|q| matches!(q.answer, openturk_domain::question::AnswerSpecification::FileUpload(_))),
            note: None,
            ..none
        },
        Err(_) => none,
    }
}

/// The CSP of a page that shows a task: the site's, plus the task's origin in `frame-src`, or,
/// for a QuestionForm, the requester's images, audio and video (Binary content is a URL).
pub(super) fn with_task_csp(mut r: Response, task: &TaskView) -> Response {
    if task.form_html.is_some() {
        return with_form_csp(r);
    }
    if task.frame_origins.is_empty() {
        return r;
    }
    let csp =
        super::PAGE_CSP.replace("object-src 'none';", &format!("object-src 'none'; frame-src {};", task.frame_origins));
    if let Ok(v) = HeaderValue::from_str(&csp) {
        r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    r
}

/// The CSP of a page that shows a QuestionForm (a HIT's, or a qualification test): the site's,
/// plus the requester's images, audio and video (Binary content is a URL).
pub(super) fn with_form_csp(mut r: Response) -> Response {
    let csp =
        super::PAGE_CSP.replace("img-src 'self' data:;", "img-src 'self' data: https: http:; media-src https: http:;");
    if let Ok(v) = HeaderValue::from_str(&csp) {
        r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    r
}

/// `GET /task/{hit_id}` on the task origin: an HTMLQuestion's page, with MTurk's submit URLs
/// and the Crowd HTML Elements script pointed at OpenTurk; only with a task link for the HIT.
pub async fn task_content(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(hit_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    if !st.site.is_task_host(&headers) {
        return message(
            StatusCode::NOT_FOUND,
            Layout::new("Page not found", Nav::Unknown, false),
            "Task content is served only on the task origin.",
        );
    }
    let link = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == TASK_LINK_PARAM)
        .map(|(_, v)| v.into_owned());
    if !link.is_some_and(|t| st.service.task_link_opens(&t, &hit_id)) {
        return crate::html::message_page(
            StatusCode::FORBIDDEN,
            "This task link is not valid",
            "This link to the task is not valid or has expired. Open the HIT again from the worker site.",
        );
    }
    let svc = st.service.clone();
    let hit = match blocking(&st.service, move || svc.hit_for_worker(&hit_id)).await {
        Ok(h) => h,
        Err(e) => return crate::html::message_page(StatusCode::NOT_FOUND, "No such task", &e.to_string()),
    };
    let opts = QuestionParseOptions { allow_loopback_http: st.service.mode() == Mode::Sandbox };
    let Ok(QuestionDocument::Html(h)) = parse_question(&hit.question, &opts) else {
        return crate::html::message_page(StatusCode::NOT_FOUND, "No such task", "This HIT has no HTML task page.");
    };
    let mut html = h.html_content;
    let submit = format!("{}/mturk/externalSubmit", st.site.origin);
    for u in MTURK_SUBMIT_URLS {
        html = html.replace(u, &submit);
    }
    // Crowd HTML Elements, offline: OpenTurk's own implementation, from the task origin.
    html = html.replace(CROWD_ELEMENTS_URL, &format!("{}{}", st.site.task_origin, super::assets::crowd_elements_url()));
    if h.frame_height == 0 {
        // "Fit the content": the page reports its height to the work page, which sizes the frame.
        html.push_str(&format!(
            r#"<script src="{}{}"></script>"#,
            st.site.task_origin,
            super::assets::task_frame_script_url()
        ));
    }
    let mut r = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    let h = r.headers_mut();
    // The task's own CSP: an opaque origin even if opened outside the frame, framed only by the
    // site, and forms may post only to the site's externalSubmit (or anywhere the requester's
    // page already posts: the sandbox, not the CSP, is what keeps it from the worker).
    let csp = format!("sandbox {TASK_SANDBOX}; frame-ancestors {}", st.site.origin);
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&csp).expect("origins are header-safe"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    r
}
