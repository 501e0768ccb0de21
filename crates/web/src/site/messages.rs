//! The worker's inbox on the site: messages requesters sent with NotifyWorkers, newest first,
//! paged, with an unread-only filter; one message in full, and marking it read (a POST with the
//! form's CSRF token: reading a page changes nothing).
//!
//! Every rule (whose message it is, paging, what counts as unread) is the service's
//! (`openturk_service::messages`), the same calls the worker API's `worker/messages.rs` makes.
//! Requesters' subjects and texts are untrusted: the templates escape them, keep their line
//! breaks with CSS (`white-space: pre-wrap`), and make no link of them.

use super::pages::{layout, service_error, signed_in, signed_in_post};
use super::{format, page, Layout, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use openturk_service::messages::WorkerMessage;
use std::collections::HashMap;

/// Messages on one page of the inbox.
const PAGE_SIZE: i64 = 25;

/// How much of a message's text the inbox shows under its subject.
const PREVIEW_CHARS: usize = 120;

struct MessageRow {
    message_id: String,
    requester_name: String,
    subject: String,
    preview: String,
    sent: String,
    sent_iso: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "site/inbox.html")]
struct InboxPage {
    l: Layout,
    unread_only: bool,
    /// Unread messages in all (not only on this page).
    unread: i64,
    messages: Vec<MessageRow>,
    error: Option<String>,
    first_url: Option<String>,
    next_url: Option<String>,
}

/// The start of a message's text on one line.
fn preview(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= PREVIEW_CHARS {
        return line;
    }
    let cut: String = line.chars().take(PREVIEW_CHARS).collect();
    format!("{}…", cut.trim_end())
}

fn inbox_url(unread_only: bool, next: Option<&str>) -> String {
    let mut params = Vec::new();
    if unread_only {
        params.push(("unread", "1"));
    }
    if let Some(t) = next {
        params.push(("next", t));
    }
    super::format::link("/messages", &params, "")
}

/// `GET /messages`: the worker's messages, newest first (`unread=1` lists only unread ones,
/// `next` pages).
pub async fn list(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    let (v, worker) = match signed_in(&st, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let title = "Messages";
    let unread_only = p.get("unread").is_some_and(|u| u == "1");
    let next = p.get("next").map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let (svc, token) = (st.service.clone(), next.clone());
    let found =
        blocking(&st.service, move || svc.worker_messages(&worker, unread_only, token.as_deref(), Some(PAGE_SIZE)))
            .await;
    let (mut messages, mut unread, mut next_url, mut error) = (Vec::new(), v.unread_messages, None, None);
    match found {
        Ok(inbox) => {
            unread = inbox.unread;
            next_url = inbox.page.next_token.map(|t| inbox_url(unread_only, Some(&t)));
            messages = inbox
                .page
                .items
                .into_iter()
                .map(|m| MessageRow {
                    preview: preview(&m.text),
                    sent: format::time(m.sent_at),
                    sent_iso: format::time_iso(m.sent_at),
                    unread: m.read_at.is_none(),
                    message_id: m.message_id,
                    requester_name: m.requester_name,
                    subject: m.subject,
                })
                .collect();
        }
        Err(e) if e.kind() == openturk_domain::ErrorKind::InvalidParameter => error = Some(e.to_string()),
        Err(e) => return service_error(layout(&st, &v, title), e),
    }
    let mut l = layout(&st, &v, title);
    // The navigation's count, as of the same read as the list.
    if let Nav::SignedIn { unread_messages, .. } = &mut l.nav {
        *unread_messages = unread;
    }
    let p = InboxPage {
        l,
        unread_only,
        unread,
        messages,
        first_url: next.as_ref().map(|_| inbox_url(unread_only, None)),
        error,
        next_url,
    };
    let status = if p.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    page(status, &p)
}

#[derive(Template)]
#[template(path = "site/inbox_message.html")]
struct MessagePage {
    l: Layout,
    csrf: String,
    m: WorkerMessage,
    sent: String,
    sent_iso: String,
    /// (text, ISO) of when the worker marked it read.
    read: Option<(String, String)>,
}

/// `GET /messages/{message_id}`: one message in full, with Mark as read while it is unread.
/// Another worker's message is not found.
pub async fn one(State(st): State<AppState>, headers: HeaderMap, Path(message_id): Path<String>) -> Response {
    let (v, worker) = match signed_in(&st, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let svc = st.service.clone();
    let m = match blocking(&st.service, move || svc.worker_message(&worker, &message_id)).await {
        Ok(m) => m,
        Err(e) => return service_error(layout(&st, &v, "This message cannot be shown"), e),
    };
    let p = MessagePage {
        l: layout(&st, &v, &format!("Message: {}", m.subject)),
        csrf: v.csrf().unwrap_or_default(),
        sent: format::time(m.sent_at),
        sent_iso: format::time_iso(m.sent_at),
        read: m.read_at.map(|t| (format::time(t), format::time_iso(t))),
        m,
    };
    page(StatusCode::OK, &p)
}

/// `POST /messages/{message_id}/read`: marks the message read (again: no change) and shows it.
pub async fn mark_read(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(message_id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let (v, worker, _) = match signed_in_post(&st, &headers, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (svc, id) = (st.service.clone(), message_id.clone());
    match blocking(&st.service, move || svc.mark_message_read(&worker, &id)).await {
        // The ID named one of the worker's messages: it is safe in a path.
        Ok(()) => Redirect::to(&format!("/messages/{message_id}")).into_response(),
        Err(e) => service_error(layout(&st, &v, "The message could not be marked read"), e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_are_one_short_line() {
        assert_eq!(preview("Hello,\n\nnew  HITs\ttomorrow."), "Hello, new HITs tomorrow.");
        let long = "é".repeat(300);
        let p = preview(&long);
        assert_eq!(p.chars().count(), PREVIEW_CHARS + 1);
        assert!(p.ends_with('…'));
    }

    #[test]
    fn inbox_urls_keep_the_filter() {
        assert_eq!(inbox_url(false, None), "/messages");
        assert_eq!(inbox_url(true, None), "/messages?unread=1");
        assert_eq!(inbox_url(true, Some("a b")), "/messages?unread=1&next=a+b");
    }
}
