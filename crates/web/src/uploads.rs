//! Files sent as answers (FileUploadAnswer questions): reading a `multipart/form-data` submit,
//! shared by the worker API and the website, and `GET /files/{token}`, where GetFileUploadURL's
//! URLs lead.
//!
//! A multipart submit is read only after the caller is known and its assignment found, and only
//! up to a bound that follows from the HIT: its file questions times the server's file limit,
//! plus room for the text answers.

use crate::AppState;
use axum::extract::{FromRequest, Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use openturk_domain::model::{Hit, Mode};
use openturk_domain::question::{parse_question, AnswerSpecification, QuestionDocument, QuestionParseOptions};
use openturk_service::blobs::UploadedFile;
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The bound on a submit's answers as text (a JSON or form body, or a multipart body's text
/// fields): axum's default bound on bodies, which the submit routes lift for their files.
pub(crate) const TEXT_BYTES: usize = 2 * 1024 * 1024;
/// The most parts a multipart submit may have: as many as a submit may have answer fields.
const MAX_PARTS: usize = openturk_domain::validate::MAX_ANSWER_FIELDS;

/// A multipart submit: its text fields in order, and its files.
pub(crate) struct MultipartForm {
    pub fields: Vec<(String, String)>,
    pub files: Vec<UploadedFile>,
    /// The share of the server's upload memory these bytes hold, given back when the form is
    /// dropped (after the files are stored, or refused).
    _memory: Option<OwnedSemaphorePermit>,
}

/// Why a multipart body could not be read.
pub(crate) struct ReadError {
    pub status: StatusCode,
    pub message: String,
}

pub(crate) fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// How many FileUploadAnswer questions the HIT's form has.
pub(crate) fn file_questions(hit: &Hit, mode: Mode) -> usize {
    let opts = QuestionParseOptions { allow_loopback_http: mode == Mode::Sandbox };
    match parse_question(&hit.question, &opts) {
        Ok(QuestionDocument::Form(f)) => {
            f.questions().filter(|q| matches!(q.answer, AnswerSpecification::FileUpload(_))).count()
        }
        _ => 0,
    }
}

/// Reads a multipart body. Parts with a file name are files (named by their question), others
/// are text fields. A part with an empty file name and no bytes is a file input left empty,
/// which browsers send all the same: it is no file. The body may hold at most
/// `file_questions` files of at most `max_file_bytes` each. Its bytes take their share of
/// `memory` (the service's [`upload_memory`](openturk_service::Service::upload_memory)) as they
/// arrive; when none is left, the upload is refused with 503 to be tried again.
pub(crate) async fn read(
    req: axum::extract::Request,
    file_questions: usize,
    max_file_bytes: u64,
    memory: Arc<Semaphore>,
) -> Result<MultipartForm, ReadError> {
    let bad = |status: StatusCode, message: String| ReadError { status, message };
    let limit = max_file_bytes.saturating_mul(file_questions as u64).saturating_add(TEXT_BYTES as u64);
    let mut mp = Multipart::from_request(req, &())
        .await
        .map_err(|e| bad(StatusCode::BAD_REQUEST, format!("The multipart/form-data body cannot be read: {e}")))?;
    let mut form = MultipartForm { fields: Vec::new(), files: Vec::new(), _memory: None };
    // Bytes received, and the KiB of `memory` held for them.
    let mut held_kib: u64 = 0;
    let mut total: u64 = 0;
    let mut parts = 0usize;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(bad(StatusCode::BAD_REQUEST, format!("The multipart/form-data body cannot be read: {e}")))
            }
        };
        parts += 1;
        if parts > MAX_PARTS {
            return Err(bad(StatusCode::PAYLOAD_TOO_LARGE, format!("The form has more than {MAX_PARTS} parts.")));
        }
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let mut field = field;
        let mut bytes: Vec<u8> = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(c)) => {
                    total += c.len() as u64;
                    if total > limit {
                        return Err(bad(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            format!(
                                "The upload is larger than this server takes: at most {max_file_bytes} bytes per file, for {file_questions} file question(s)."
                            ),
                        ));
                    }
                    let need = total.div_ceil(1024).saturating_sub(held_kib);
                    if need > 0 {
                        let more = u32::try_from(need).ok().and_then(|n| memory.clone().try_acquire_many_owned(n).ok());
                        let Some(more) = more else {
                            return Err(bad(
                                StatusCode::SERVICE_UNAVAILABLE,
                                "The server is receiving too many uploads at once. Try again in a moment.".to_string(),
                            ));
                        };
                        held_kib += need;
                        match &mut form._memory {
                            Some(p) => p.merge(more),
                            None => form._memory = Some(more),
                        }
                    }
                    bytes.extend_from_slice(&c);
                }
                Ok(None) => break,
                Err(e) => {
                    return Err(bad(
                        StatusCode::BAD_REQUEST,
                        format!("The multipart/form-data body cannot be read: {e}"),
                    ))
                }
            }
        }
        match file_name {
            Some(f) if f.is_empty() && bytes.is_empty() => {}
            Some(_) => form.files.push(UploadedFile { question_identifier: name, bytes }),
            None => {
                let text = String::from_utf8(bytes)
                    .map_err(|_| bad(StatusCode::BAD_REQUEST, format!("The form field '{name}' is not UTF-8 text.")))?;
                form.fields.push((name, text));
            }
        }
    }
    Ok(form)
}

/// `GET /files/{token}`: a file uploaded as an answer, for whoever holds a GetFileUploadURL URL
/// that has not expired. Always a download, never a page: `Content-Disposition: attachment`,
/// `application/octet-stream`, `nosniff`, and a CSP sandbox in case a browser renders it anyway;
/// and only on the task origin, never on the worker site's.
pub async fn download(State(st): State<AppState>, headers: HeaderMap, Path(token): Path<String>) -> Response {
    // Links are made on the task origin; the worker site's host never serves a worker's file.
    if !st.site.is_task_host(&headers) {
        return (StatusCode::NOT_FOUND, "Uploaded files are served on the task origin only.").into_response();
    }
    let svc = st.service.clone();
    // The file is opened from disk: off the async threads.
    let r = tokio::task::spawn_blocking(move || svc.download_file(&token)).await;
    match r {
        Ok(Ok(f)) => {
            let mut resp = axum::body::Body::from_stream(stream_file(f.file)).into_response();
            let h = resp.headers_mut();
            h.insert(header::CONTENT_LENGTH, HeaderValue::from(f.len));
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", f.file_key)) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
            h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
            resp
        }
        Ok(Err(e)) if e.kind() == openturk_domain::ErrorKind::NotFound => (
            StatusCode::NOT_FOUND,
            "No file at this address: the link is wrong, has expired (links from GetFileUploadURL last 60 seconds), or its HIT was disposed of.",
        )
            .into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "a file download failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "The file cannot be read now; try again.").into_response()
        }
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response(),
    }
}

/// Bytes read from disk at a time while a file is sent.
const CHUNK: usize = 64 * 1024;

/// A file's bytes as a stream of chunks, each read on a blocking thread, so a download holds
/// one chunk in memory, not the file.
fn stream_file(
    file: std::fs::File,
) -> impl futures_util::Stream<Item = std::io::Result<bytes::Bytes>> + Send + 'static {
    futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let read = tokio::task::spawn_blocking(move || {
            use std::io::Read;
            let mut buf = vec![0u8; CHUNK];
            let n = file.read(&mut buf)?;
            buf.truncate(n);
            Ok::<_, std::io::Error>((file, buf))
        })
        .await;
        match read {
            Ok(Ok((_, buf))) if buf.is_empty() => None,
            Ok(Ok((file, buf))) => Some((Ok(bytes::Bytes::from(buf)), Some(file))),
            Ok(Err(e)) => Some((Err(e), None)),
            Err(e) => Some((Err(std::io::Error::other(e)), None)),
        }
    })
}
