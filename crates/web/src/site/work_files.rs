//! The work page's submit when its QuestionForm has FileUploadAnswer questions: the browser
//! posts `multipart/form-data`. The checks every POST of the site passes come in the same order
//! as far as a multipart body allows: the origin and the session before anything is read, the
//! assignment (the worker's own) to bound what is read, then the CSRF token, which travels in
//! the body, before anything changes.

use super::message;
use super::pages::{layout, service_error, visitor_failed};
use super::session::{self, CSRF_FIELD};
use super::work::finish_submit;
use crate::{blocking, AppState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

pub(super) async fn submit_multipart(
    st: AppState,
    headers: HeaderMap,
    id: String,
    req: axum::extract::Request,
) -> Response {
    let v = match session::visitor(&st, &headers).await {
        Ok(v) => v,
        Err(e) => return visitor_failed(e),
    };
    let refuse = |v: &session::Visitor| {
        message(
            StatusCode::FORBIDDEN,
            layout(&st, v, "This form cannot be accepted"),
            "The form did not come from this site, or it has expired. Go back, reload the page and try again.",
        )
    };
    if session::cross_origin(&headers) {
        return refuse(&v);
    }
    let Some(worker) = v.worker_id().map(str::to_string) else {
        return Redirect::to("/sign-in").into_response();
    };
    let svc = st.service.clone();
    let (w, aid) = (worker.clone(), id.clone());
    let (a, hit) = match blocking(&st.service, move || svc.worker_assignment(&w, &aid)).await {
        Ok(x) => x,
        Err(e) => return service_error(layout(&st, &v, "Your work was not submitted"), e),
    };
    let files = crate::uploads::file_questions(&hit, st.service.mode());
    let form = match crate::uploads::read(req, files, st.service.max_file_bytes(), st.service.upload_memory()).await {
        Ok(f) => f,
        Err(e) => return message(e.status, layout(&st, &v, "Your work was not submitted"), e.message),
    };
    let csrf_ok = form.fields.iter().any(|(k, t)| k == CSRF_FIELD && v.csrf_ok(t));
    if !csrf_ok {
        return refuse(&v);
    }
    let auto = form.fields.iter().any(|(k, _)| k == "auto");
    finish_submit(&st, &v, worker, (a, hit), auto, &form.fields, form.files).await
}
