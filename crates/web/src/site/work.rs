//! Previewing, accepting and working a HIT on the site: the preview and work pages, accept,
//! Return, Skip, auto-accept, a QuestionForm's submit, and the queue. How a task is shown, and
//! the task origin that serves requesters' HTML, are in `task.rs`.

use super::pages::{layout, service_error, signed_in, signed_in_post};
use super::question_form::answers_from_fields;
use super::session::Visitor;
use super::task::{task_view, with_task_csp, FormState, TaskView, PREVIEW_ASSIGNMENT_ID};
use super::{format, message, page, Layout, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use openturk_domain::model::{Assignment, AssignmentStatus, Hit, Mode};
use openturk_domain::question::{parse_question, QuestionDocument, QuestionParseOptions};

struct HitSummary {
    title: String,
    description: String,
    requester: String,
    reward: String,
    allotted: String,
    expires: String,
    expires_iso: String,
}

/// The requester's name for a HIT's details (its ID if the name cannot be read).
async fn requester_of(st: &AppState, h: &Hit) -> String {
    let (svc, id) = (st.service.clone(), h.requester_id.clone());
    blocking(&st.service, move || svc.requester_name(&id)).await.unwrap_or_else(|_| h.requester_id.clone())
}

fn summary(h: &Hit, requester: String) -> HitSummary {
    HitSummary {
        title: h.spec.title.clone(),
        description: h.spec.description.clone(),
        requester,
        reward: h.spec.reward.to_string(),
        allotted: format::duration(h.spec.assignment_duration_secs),
        expires: format::time(h.expires_at),
        expires_iso: format::time_iso(h.expires_at),
    }
}

#[derive(Template)]
#[template(path = "site/preview.html")]
struct PreviewPage {
    l: Layout,
    /// The page's script (a frame that fits its content).
    script: &'static str,
    hit_id: String,
    hit: HitSummary,
    task: TaskView,
    csrf: String,
    /// The requirements guarding accepting that the worker misses: no Accept button then.
    unmet: Vec<openturk_service::eligibility::Unmet>,
}

async fn preview(st: AppState, v: Visitor, hit: Result<Hit, openturk_service::Error>) -> Response {
    let hit = match hit {
        Ok(h) => h,
        Err(e) => return service_error(layout(&st, &v, "This HIT cannot be previewed"), e),
    };
    let link_until = st.service.now() + openturk_service::tasks::PREVIEW_LINK_MS;
    let task = task_view(&st, &hit, PREVIEW_ASSIGNMENT_ID, None, link_until, None);
    let unmet = match v.worker_id() {
        Some(w) => {
            let (svc, w, h) = (st.service.clone(), w.to_string(), hit.clone());
            match blocking(&st.service, move || svc.unmet_to_accept(&w, &h)).await {
                Ok(u) => u,
                Err(e) => return service_error(layout(&st, &v, "This HIT cannot be previewed"), e),
            }
        }
        None => Vec::new(),
    };
    let p = PreviewPage {
        unmet,
        l: layout(&st, &v, &format!("Preview: {}", hit.spec.title)),
        script: super::assets::work_script_url(),
        hit_id: hit.hit_id.clone(),
        hit: summary(&hit, requester_of(&st, &hit).await),
        task,
        csrf: v.csrf().unwrap_or_default(),
    };
    with_task_csp(page(StatusCode::OK, &p), &p.task)
}

/// `GET /groups/{group_id}/preview`: the next HIT of the group this worker could accept.
pub async fn preview_group(State(st): State<AppState>, headers: HeaderMap, Path(group): Path<String>) -> Response {
    let (v, worker) = match signed_in(&st, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let svc = st.service.clone();
    let hit = blocking(&st.service, move || svc.hit_to_preview(&worker, &group)).await;
    preview(st, v, hit).await
}

/// `GET /hits/{hit_id}/preview`.
pub async fn preview_hit(State(st): State<AppState>, headers: HeaderMap, Path(hit_id): Path<String>) -> Response {
    let (v, worker) = match signed_in(&st, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let svc = st.service.clone();
    let now = svc.now();
    let hit = blocking(&st.service, move || svc.preview_hit(&worker, &hit_id)).await.and_then(|h| {
        if h.available(now) > 0 {
            Ok(h)
        } else {
            Err(openturk_service::Error::new(
                openturk_domain::ErrorKind::Conflict,
                format!("HIT {} is no longer available: it has expired or all its assignments are taken", h.hit_id),
            ))
        }
    });
    preview(st, v, hit).await
}

/// `POST /groups/{group_id}/accept`: accepts the group's next HIT and opens it.
pub async fn accept_group(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(group): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    accept(st, headers, body, move |svc, w| svc.accept_from_group(&w, &group)).await
}

/// `POST /hits/{hit_id}/accept`.
pub async fn accept_hit(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(hit_id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    accept(st, headers, body, move |svc, w| svc.accept_hit(&w, &hit_id)).await
}

async fn accept(
    st: AppState,
    headers: HeaderMap,
    body: axum::body::Bytes,
    call: impl FnOnce(openturk_service::Service, String) -> openturk_service::Result<(Assignment, Hit)> + Send + 'static,
) -> Response {
    let (v, worker, form) = match signed_in_post(&st, &headers, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let auto = form.contains_key("auto");
    let svc = st.service.clone();
    let accepted = blocking(&st.service, move || call(svc, worker)).await;
    opened(&st, &v, accepted, auto)
}

/// Where an accept leads: the new work page, or, with auto-accept on and the group empty for
/// this worker, a page that says auto-accept stopped.
fn opened(st: &AppState, v: &Visitor, accepted: openturk_service::Result<(Assignment, Hit)>, auto: bool) -> Response {
    match accepted {
        Ok((a, _)) => Redirect::to(&work_url(&a.assignment_id, auto)).into_response(),
        Err(e) if auto && e.kind() == openturk_domain::ErrorKind::Conflict => message(
            StatusCode::OK,
            layout(st, v, "No HITs left in this group"),
            "Auto-accept stopped: this group has no HIT left that you can accept. Find more work on the home page.",
        ),
        Err(e) => service_error(layout(st, v, "The HIT could not be accepted"), e),
    }
}

/// The work page of an assignment; `auto` keeps "auto-accept the next HIT" on.
fn work_url(assignment_id: &str, auto: bool) -> String {
    if auto {
        format!("/work/{assignment_id}?auto=1")
    } else {
        format!("/work/{assignment_id}")
    }
}

#[derive(Template)]
#[template(path = "site/work.html")]
struct WorkPage {
    l: Layout,
    assignment_id: String,
    group_id: String,
    auto: bool,
    hit: HitSummary,
    task: TaskView,
    csrf: String,
    deadline: String,
    deadline_iso: String,
    seconds_left: i64,
    script: &'static str,
}

/// `GET /work/{assignment_id}`: the task, its details, the time left, and Return.
pub async fn work(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let (v, worker) = match signed_in(&st, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let svc = st.service.clone();
    let (a, hit) = match blocking(&st.service, move || svc.worker_assignment(&worker, &id)).await {
        Ok(x) => x,
        Err(e) => return service_error(layout(&st, &v, "This assignment cannot be shown"), e),
    };
    render_work(requester_of(&st, &hit).await, &st, &v, &a, &hit, q.contains_key("auto"), None)
}

/// The work page of an assignment, or what became of it. `form_state` is a QuestionForm's
/// answers and errors after a failed submit.
pub(super) fn render_work(
    requester: String,
    st: &AppState,
    v: &Visitor,
    a: &Assignment,
    hit: &Hit,
    auto: bool,
    form_state: FormState<'_>,
) -> Response {
    let now = st.service.now();
    if a.status != AssignmentStatus::Accepted || now >= a.deadline {
        let (title, text) = match a.status {
            AssignmentStatus::Accepted | AssignmentStatus::Abandoned => (
                "The time for this HIT is up",
                "The deadline passed before the work was submitted, so the HIT went back to other workers. Find another HIT on the home page.",
            ),
            AssignmentStatus::Returned => ("You returned this HIT", "It is open to other workers again."),
            AssignmentStatus::Submitted | AssignmentStatus::Approved | AssignmentStatus::Rejected => {
                ("Your work was submitted", "Thank you. The requester will review it; find more HITs on the home page.")
            }
        };
        return message(StatusCode::OK, layout(st, v, title), text);
    }
    let status = if form_state.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let p = WorkPage {
        l: layout(st, v, &format!("Working: {}", hit.spec.title)),
        assignment_id: a.assignment_id.clone(),
        group_id: hit.hit_group_id.clone(),
        auto,
        hit: summary(hit, requester),
        task: task_view(st, hit, &a.assignment_id, Some(&a.worker_id), a.deadline, form_state),
        csrf: v.csrf().unwrap_or_default(),
        deadline: format::time(a.deadline),
        deadline_iso: format::time_iso(a.deadline),
        seconds_left: (a.deadline - now).div_euclid(1000),
        script: super::assets::work_script_url(),
    };
    with_task_csp(page(status, &p), &p.task)
}

/// `POST /work/{assignment_id}/submit`: a QuestionForm's answers, checked by the service like
/// every other submit; on a failed check the form comes back with the worker's input and each
/// error next to its question. With auto-accept on, the group's next HIT opens. A form with
/// file questions posts `multipart/form-data` (`work_files.rs`).
pub async fn submit(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Response {
    if crate::uploads::is_multipart(&headers) {
        return super::work_files::submit_multipart(st, headers, id, req).await;
    }
    let Ok(body) = axum::body::to_bytes(req.into_body(), FORM_BODY_BYTES).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.").into_response();
    };
    let (v, worker, form) = match signed_in_post(&st, &headers, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let auto = form.contains_key("auto");
    // Every value of every field (a multi-select sends one name several times), capped like
    // externalSubmit's forms.
    let fields: Vec<(String, String)> = match crate::external_submit::read_form("", &body) {
        Ok(f) => f.answers.into_iter().flat_map(|(k, vs)| vs.into_iter().map(move |v| (k.clone(), v))).collect(),
        Err(e) => return message(e.status, layout(&st, &v, "Your work was not submitted"), e.message),
    };
    let svc = st.service.clone();
    let (w, aid) = (worker.clone(), id.clone());
    let (a, hit) = match blocking(&st.service, move || svc.worker_assignment(&w, &aid)).await {
        Ok(x) => x,
        Err(e) => return service_error(layout(&st, &v, "Your work was not submitted"), e),
    };
    finish_submit(&st, &v, worker, (a, hit), auto, &fields, Vec::new()).await
}

/// The bound on a form posted without files.
const FORM_BODY_BYTES: usize = crate::uploads::TEXT_BYTES;

/// Submits the posted fields (and files) of a QuestionForm's work page, and answers with the
/// next page: the work's status, the next HIT with auto-accept, or the form again with errors.
pub(super) async fn finish_submit(
    st: &AppState,
    v: &Visitor,
    worker: String,
    (a, hit): (Assignment, Hit),
    auto: bool,
    fields: &[(String, String)],
    files: Vec<openturk_service::blobs::UploadedFile>,
) -> Response {
    let id = a.assignment_id.clone();
    let opts = QuestionParseOptions { allow_loopback_http: st.service.mode() == Mode::Sandbox };
    let Ok(QuestionDocument::Form(qf)) = parse_question(&hit.question, &opts) else {
        return message(
            StatusCode::CONFLICT,
            layout(st, v, "Your work was not submitted"),
            "This HIT's task is not a QuestionForm; submit it from its own page.",
        );
    };
    let answers = answers_from_fields(&qf, fields);
    let svc = st.service.clone();
    let (w, aid, sent) = (worker.clone(), id.clone(), answers.clone());
    let result = if files.is_empty() {
        blocking(&st.service, move || svc.submit(&w, &aid, &sent)).await
    } else {
        // Storing the files writes to disk or a bucket: off the async threads.
        tokio::task::spawn_blocking(move || svc.submit_with_files(&w, &aid, &sent, &files)).await.unwrap_or_else(|_| {
            Err(openturk_service::Error::new(openturk_domain::ErrorKind::Internal, "the submit failed"))
        })
    };
    match result {
        Ok(_) if auto => {
            let svc = st.service.clone();
            let group = hit.hit_group_id.clone();
            let next = blocking(&st.service, move || svc.accept_from_group(&worker, &group)).await;
            opened(st, v, next, true)
        }
        Ok(_) => Redirect::to(&format!("/work/{id}")).into_response(),
        Err(openturk_service::Error::InvalidAnswers(errors)) => {
            render_work(requester_of(st, &hit).await, st, v, &a, &hit, auto, Some((&answers, &errors)))
        }
        Err(e) => service_error(layout(st, v, "Your work was not submitted"), e),
    }
}

/// `POST /work/{assignment_id}/return`.
pub async fn return_assignment(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let (v, worker, _) = match signed_in_post(&st, &headers, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let svc = st.service.clone();
    match blocking(&st.service, move || svc.return_assignment(&worker, &id)).await {
        Ok(_) => Redirect::to("/").into_response(),
        Err(e) => service_error(layout(&st, &v, "The HIT could not be returned"), e),
    }
}

/// `POST /work/{assignment_id}/skip`: returns this HIT and opens the next of its group.
pub async fn skip(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let (v, worker, form) = match signed_in_post(&st, &headers, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let auto = form.contains_key("auto");
    let svc = st.service.clone();
    let current = id.clone();
    let skipped = blocking(&st.service, move || {
        let (_, hit) = svc.worker_assignment(&worker, &id)?;
        // The next one first: while this worker holds the current HIT, the group cannot give it
        // back. Then the current one is returned.
        let next = svc.accept_from_group(&worker, &hit.hit_group_id)?;
        svc.return_assignment(&worker, &id)?;
        Ok::<_, openturk_service::Error>(next)
    })
    .await;
    match skipped {
        Ok((a, _)) => Redirect::to(&work_url(&a.assignment_id, auto)).into_response(),
        Err(e) if e.kind() == openturk_domain::ErrorKind::Conflict => message(
            StatusCode::OK,
            layout(&st, &v, "No other HIT in this group"),
            format!(
                "This group has no other HIT that you can accept, so you still hold this one: continue it at /work/{current}, or return it."
            ),
        ),
        Err(e) => service_error(layout(&st, &v, "The HIT could not be skipped"), e),
    }
}

/// `GET /work/{assignment_id}/state`: the assignment's status, which the work page polls to
/// learn that its frame submitted.
pub async fn state(State(st): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let (_, worker) = match signed_in(&st, &headers).await {
        Ok(x) => x,
        Err(_) => return StatusCode::UNAUTHORIZED.into_response(),
    };
    let svc = st.service.clone();
    let now = svc.now();
    match blocking(&st.service, move || svc.worker_assignment(&worker, &id)).await {
        Ok((a, _)) => {
            let open = a.status == AssignmentStatus::Accepted && now < a.deadline;
            let mut r =
                Json(serde_json::json!({ "AssignmentStatus": a.status.as_str(), "Open": open })).into_response();
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(e) => crate::worker::WorkerApiError::from(e).into_response(),
    }
}

struct QueueRow {
    assignment_id: String,
    title: String,
    reward: String,
    time_left: String,
    deadline_iso: String,
}

#[derive(Template)]
#[template(path = "site/queue.html")]
struct QueuePage {
    l: Layout,
    rows: Vec<QueueRow>,
    csrf: String,
}

/// `GET /queue`: the HITs this worker has accepted and not yet submitted, with the time left.
pub async fn queue(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let (v, worker) = match signed_in(&st, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let svc = st.service.clone();
    let now = svc.now();
    // A worker holds at most `max_assignments_in_progress` at once, so one page holds them all.
    let held = blocking(&st.service, move || {
        svc.worker_assignments(&worker, Some(AssignmentStatus::Accepted), None, Some(100))
    })
    .await;
    let page_items = match held {
        Ok(p) => p.items,
        Err(e) => return service_error(layout(&st, &v, "Your queue"), e),
    };
    let rows = page_items
        .into_iter()
        .filter(|(a, _)| a.deadline > now)
        .map(|(a, h)| QueueRow {
            title: h.spec.title,
            reward: a.reward.to_string(),
            time_left: format::duration((a.deadline - now).div_euclid(1000)),
            deadline_iso: format::time_iso(a.deadline),
            assignment_id: a.assignment_id,
        })
        .collect();
    page(StatusCode::OK, &QueuePage { l: layout(&st, &v, "Your queue"), rows, csrf: v.csrf().unwrap_or_default() })
}
