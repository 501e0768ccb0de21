//! The worker's account: the account page (the Adult setting, the email address NotifyWorkers
//! messages are sent to) and changing the password. The rules are the service's, which the
//! worker API calls too: `Service::set_adult`, `Service::set_worker_email` (what an address
//! is) and `Service::change_password` (current password, length, other sessions ended).

use super::pages::{layout, read_post, service_error, signed_in, signed_in_post, visitor_failed};
use super::session::{self, Visitor};
use super::{message, page, Layout, Nav};
use crate::worker::WorkerApiError;
use crate::{blocking, AppState};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use openturk_domain::qualification_type::{QualificationValue, SystemType};
use std::collections::HashMap;

// ---------------------------------------------------------------------------------------------
// The account page: the Adult setting and the email address.

#[derive(Template)]
#[template(path = "site/account.html")]
struct AccountPage {
    l: Layout,
    csrf: String,
    adult: bool,
    /// The address on record.
    email: Option<String>,
    /// What the email field shows: the address on record, or what the worker typed.
    email_input: String,
    /// The marketplace sends email (an SMTP server is configured).
    email_enabled: bool,
    /// A confirmation, after a change.
    saved: Option<&'static str>,
    /// Why the address typed was refused.
    email_error: Option<String>,
}

/// The account page, read afresh; `typed` and `email_error` after a refused address.
async fn account_page(
    st: &AppState,
    v: &Visitor,
    worker: String,
    saved: Option<&'static str>,
    typed: Option<(String, String)>,
) -> Response {
    let title = "Your account";
    let svc = st.service.clone();
    let adult_id = SystemType::Adult.id(svc.mode());
    let w = worker.clone();
    let adult = match blocking(&st.service, move || svc.qualification_values(&w)).await {
        Ok(vals) => matches!(vals.get(adult_id), Some(QualificationValue::Integer(1))),
        Err(e) => return service_error(layout(st, v, title), e),
    };
    let svc = st.service.clone();
    let email = match blocking(&st.service, move || svc.worker_email(&worker)).await {
        Ok(e) => e,
        Err(e) => return service_error(layout(st, v, title), e),
    };
    let (email_input, email_error) = match typed {
        Some((input, error)) => (input, Some(error)),
        None => (email.clone().unwrap_or_default(), None),
    };
    let status = if email_error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let p = AccountPage {
        l: layout(st, v, title),
        csrf: v.csrf().unwrap_or_default(),
        adult,
        email,
        email_input,
        email_enabled: st.service.config().email_enabled,
        saved,
        email_error,
    };
    page(status, &p)
}

/// `GET /account`: the worker's settings (the Adult acknowledgement, the email address) and a
/// link to change the password. `saved` names what was just changed.
pub async fn account(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    let (v, worker) = match signed_in(&st, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let saved = match p.get("saved").map(String::as_str) {
        Some("email") => Some("Your email address was saved."),
        Some("email-removed") => Some("Your email address was removed: messages reach only your inbox now."),
        Some(_) => Some("Your setting was saved."),
        None => None,
    };
    account_page(&st, &v, worker, saved, None).await
}

/// `POST /account/adult`: `adult=1` acknowledges adult content (Worker_Adult = 1); without it,
/// the acknowledgement is withdrawn.
pub async fn set_adult(State(st): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (v, worker, form) = match signed_in_post(&st, &headers, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let adult = form.get("adult").is_some_and(|a| a == "1");
    let svc = st.service.clone();
    match blocking(&st.service, move || svc.set_adult(&worker, adult)).await {
        Ok(()) => Redirect::to("/account?saved=1").into_response(),
        Err(e) => service_error(layout(&st, &v, "Your setting was not saved"), e),
    }
}

/// `POST /account/email`: `email` sets the address NotifyWorkers messages are emailed to; an
/// empty one (or `remove`) removes it. A refused address comes back on the account page with
/// the reason.
pub async fn set_email(State(st): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (v, worker, form) = match signed_in_post(&st, &headers, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let typed = form.get("email").map(|e| e.trim().to_string()).unwrap_or_default();
    let email = (!form.contains_key("remove") && !typed.is_empty()).then(|| typed.clone());
    let (svc, w, set) = (st.service.clone(), worker.clone(), email.clone());
    match blocking(&st.service, move || svc.set_worker_email(&w, set.as_deref())).await {
        Ok(()) if email.is_some() => Redirect::to("/account?saved=email").into_response(),
        Ok(()) => Redirect::to("/account?saved=email-removed").into_response(),
        Err(e) if e.kind() == openturk_domain::ErrorKind::InvalidParameter => {
            account_page(&st, &v, worker, None, Some((typed, WorkerApiError::from(e).message))).await
        }
        Err(e) => service_error(layout(&st, &v, "Your email address was not saved"), e),
    }
}

// ---------------------------------------------------------------------------------------------
// The password.

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
