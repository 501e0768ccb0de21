//! The worker's inbox (messages requesters sent with NotifyWorkers) and email address.

use super::handlers::{body, worker, Res};
use super::WorkerApiError;
use crate::{blocking, AppState};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use openturk_protocol::wire::seconds;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListParams {
    unread_only: Option<bool>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

/// `GET /messages?UnreadOnly=&NextToken=&MaxResults=`: newest first.
pub async fn list(
    State(st): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Res {
    let wid = worker(&st.service, &headers).await?;
    let Query(q) = q.map_err(|e| WorkerApiError::invalid(format!("Bad query parameters: {e}")))?;
    let svc = st.service.clone();
    let inbox = blocking(&st.service, move || {
        svc.worker_messages(&wid, q.unread_only.unwrap_or(false), q.next_token.as_deref(), q.max_results)
    })
    .await?;
    let messages: Vec<serde_json::Value> = inbox
        .page
        .items
        .iter()
        .map(|m| {
            json!({
                "MessageId": m.message_id,
                "RequesterId": m.requester_id,
                "RequesterName": m.requester_name,
                "Subject": m.subject,
                "MessageText": m.text,
                "SentTime": seconds(m.sent_at),
                "ReadTime": m.read_at.map(seconds),
            })
        })
        .collect();
    Ok(Json(json!({ "Messages": messages, "UnreadCount": inbox.unread, "NextToken": inbox.page.next_token }))
        .into_response())
}

/// `POST /messages/{MessageId}/read` → 204.
pub async fn mark_read(State(st): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Res {
    let wid = worker(&st.service, &headers).await?;
    let svc = st.service.clone();
    blocking(&st.service, move || svc.mark_message_read(&wid, &id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EmailChange {
    email: Option<String>,
}

/// `PUT /me/email` `{"Email": "ana@example.org"}` (or `null` to remove it) → 204.
pub async fn set_email(State(st): State<AppState>, headers: HeaderMap, b: Bytes) -> Res {
    let wid = worker(&st.service, &headers).await?;
    let r: EmailChange = body(&b)?;
    let svc = st.service.clone();
    blocking(&st.service, move || svc.set_worker_email(&wid, r.email.as_deref())).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
