//! The worker's messages on the site: the inbox (what requesters sent with NotifyWorkers), marking
//! a message read, and the email address messages are also sent to. The same service calls as
//! the worker API's `/messages` and `/me/email`.

use super::format;
use super::pages::{layout, read_post, service_error, visitor_failed};
use super::session;
use super::{page, Layout, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// Messages on one page.
const PAGE_SIZE: i64 = 25;

struct Row {
    message_id: String,
    requester_name: String,
    subject: String,
    text: String,
    sent: String,
    sent_iso: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "site/messages.html")]
struct MessagesPage {
    l: Layout,
    csrf: String,
    rows: Vec<Row>,
    unread: i64,
    next: Option<String>,
    email: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct Params {
    next: Option<String>,
}

/// `GET /messages`.
pub async fn inbox(State(st): State<AppState>, headers: HeaderMap, Query(q): Query<Params>) -> Response {
    let v = match session::visitor(&st, &headers).await {
        Ok(v) => v,
        Err(e) => return visitor_failed(e),
    };
    let (Some((_, worker)), Some(csrf)) = (v.session.clone(), v.csrf()) else {
        return Redirect::to("/sign-in").into_response();
    };
    let next = q.next;
    let svc = st.service.clone();
    let got = blocking(&st.service, move || {
        let inbox = svc.worker_messages(&worker, false, next.as_deref(), Some(PAGE_SIZE))?;
        let email = svc.worker_profile(&worker)?.email;
        Ok::<_, openturk_service::Error>((inbox, email))
    })
    .await;
    let l = layout(&st, &v, "Messages");
    let (inbox, email) = match got {
        Ok(x) => x,
        Err(e) => return service_error(l, e),
    };
    let rows = inbox
        .page
        .items
        .into_iter()
        .map(|m| Row {
            message_id: m.message_id,
            requester_name: m.requester_name,
            subject: m.subject,
            text: m.text,
            sent: format::time(m.sent_at),
            sent_iso: format::time_iso(m.sent_at),
            unread: m.read_at.is_none(),
        })
        .collect();
    page(
        StatusCode::OK,
        &MessagesPage {
            l,
            csrf,
            rows,
            unread: inbox.unread,
            next: inbox.page.next_token,
            email: email.unwrap_or_default(),
            error: None,
        },
    )
}

/// `POST /messages/{message_id}/read`: back to the inbox.
pub async fn mark_read(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let (v, _) = match read_post(&st, &headers, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some((_, worker)) = v.session.clone() else {
        return Redirect::to("/sign-in").into_response();
    };
    let svc = st.service.clone();
    match blocking(&st.service, move || svc.mark_message_read(&worker, &id)).await {
        Ok(()) => Redirect::to("/messages").into_response(),
        Err(e) => service_error(layout(&st, &v, "Messages"), e),
    }
}

/// `POST /account/email`: sets (or, empty, removes) the address; back to the inbox.
pub async fn set_email(State(st): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (v, form) = match read_post(&st, &headers, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some((_, worker)) = v.session.clone() else {
        return Redirect::to("/sign-in").into_response();
    };
    let email = form.get("email").cloned().unwrap_or_default();
    let svc = st.service.clone();
    match blocking(&st.service, move || svc.set_worker_email(&worker, Some(&email))).await {
        Ok(()) => Redirect::to("/messages").into_response(),
        Err(e) => service_error(layout(&st, &v, "Messages"), e),
    }
}
