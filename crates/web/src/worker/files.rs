//! The worker API's multipart submit: the answers of a QuestionForm with the files of its
//! FileUploadAnswer questions, in one request (docs/worker-api.md, "Submitting files").
//! Text parts are answers (a name sent several times gives several values); a part with a file
//! name is the file for the question its name gives.

use super::handlers::{submitted, Res};
use super::WorkerApiError;
use crate::{blocking, AppState};
use axum::http::StatusCode;

pub(super) async fn submit_multipart(st: &AppState, worker: String, id: String, req: axum::extract::Request) -> Res {
    // Know the assignment (the caller's own) and its HIT before reading the body: its file
    // questions bound what is read.
    let svc = st.service.clone();
    let (w, aid) = (worker.clone(), id.clone());
    let (_, hit) = blocking(&st.service, move || svc.worker_assignment(&w, &aid)).await?;
    let files = crate::uploads::file_questions(&hit, st.service.mode());
    let form = crate::uploads::read(req, files, st.service.max_file_bytes(), st.service.upload_memory())
        .await
        .map_err(|e| {
            WorkerApiError::new(
                e.status,
                match e.status {
                    StatusCode::PAYLOAD_TOO_LARGE => "PayloadTooLarge",
                    StatusCode::SERVICE_UNAVAILABLE => "ServiceUnavailable",
                    _ => "InvalidParameter",
                },
                e.message,
            )
        })?;
    let mut answers: Vec<(String, Vec<String>)> = Vec::new();
    for (name, value) in form.fields {
        match answers.iter_mut().find(|(n, _)| *n == name) {
            Some((_, vs)) => vs.push(value),
            None => answers.push((name, vec![value])),
        }
    }
    let svc = st.service.clone();
    // Storing the files writes to disk or a bucket: off the async threads.
    let a = tokio::task::spawn_blocking(move || svc.submit_with_files(&worker, &id, &answers, &form.files))
        .await
        .map_err(|_| {
            WorkerApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", "the submit failed; retry")
        })??;
    Ok(submitted(&a))
}
