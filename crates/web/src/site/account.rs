//! The worker's account: changing the password. The rule (current password, length, other
//! sessions ended) is `Service::change_password`'s, which the worker API calls too.

use super::pages::{layout, read_post, visitor_failed};
use super::session;
use super::{message, page, Layout, Nav};
use crate::worker::WorkerApiError;
use crate::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "site/password.html")]
struct PasswordPage {
    l: Layout,
    csrf: String,
    error: Option<String>,
}

/// `GET /account/password`.
pub async fn password_form(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let v = match session::visitor(&st, &headers).await {
        Ok(v) => v,
        Err(e) => return visitor_failed(e),
    };
    let Some(csrf) = v.session.as_ref().and(v.csrf()) else {
        return Redirect::to("/sign-in").into_response();
    };
    page(StatusCode::OK, &PasswordPage { l: layout(&st, &v, "Change your password"), csrf, error: None })
}

/// `POST /account/password`.
pub async fn change_password(State(st): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (v, form) = match read_post(&st, &headers, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some((token, worker)) = v.session.clone() else {
        return Redirect::to("/sign-in").into_response();
    };
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let (current, new, again) = (get("current"), get("new"), get("again"));
    let again_page = |status: StatusCode, error: String| {
        page(
            status,
            &PasswordPage {
                l: layout(&st, &v, "Change your password"),
                csrf: v.csrf().unwrap_or_default(),
                error: Some(error),
            },
        )
    };
    if new != again {
        return again_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The two new passwords differ; type the same one twice.".into(),
        );
    }
    let svc = st.service.clone();
    // Two password hashes: off the async threads, like sign-in.
    let changed = tokio::task::spawn_blocking(move || svc.change_password(&worker, &token, &current, &new))
        .await
        .expect("password change panicked");
    match changed {
        Ok(()) => message(
            StatusCode::OK,
            layout(&st, &v, "Your password was changed"),
            "Use the new password from now on. Every other session of your account was signed out.",
        ),
        Err(e) => {
            let w = WorkerApiError::from(e);
            let mut r = again_page(w.status, w.message);
            if let Some(s) = w.retry_after_secs {
                r.headers_mut().insert(header::RETRY_AFTER, s.into());
            }
            r
        }
    }
}
