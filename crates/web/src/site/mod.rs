//! The worker website: server-rendered HTML pages over the same service calls as the worker
//! API. Templates (askama, escaped by default) are under `crates/web/templates/site/`; the one
//! stylesheet is embedded in the binary ([`assets`]).
//!
//! Security foundations every page and form uses (and the requester website will reuse):
//! - [`session`]: the `openturk_session` cookie (HttpOnly, SameSite=Lax, Secure over HTTPS)
//!   holding a worker session token from `Service::sign_in`, and CSRF tokens derived from it;
//! - [`page`]: every page goes out with a Content-Security-Policy that allows no inline script
//!   and forbids framing, `nosniff`, a same-origin Referrer-Policy and `no-store`.

mod account;
pub mod assets;
mod dashboard;
mod format;
mod messages;
mod pages;
mod qualifications;
pub mod question_form;
pub mod session;
mod task;
mod work;
mod work_files;

use crate::AppState;
use askama::Template;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

/// Settings of the website.
///
/// Requesters' HTML and JavaScript run only on the *task origin*, a different site (host, not
/// just port: cookies ignore ports) from the worker site, inside a sandboxed iframe. With no
/// configuration, on one machine, the site is `http://127.0.0.1:PORT` and tasks are
/// `http://localhost:PORT` (or the reverse when listening on `localhost`).
#[derive(Debug, Clone)]
pub struct SiteConfig {
    /// The site is served over HTTPS (behind a TLS proxy): cookies get `Secure`. Requests that
    /// a proxy marks `X-Forwarded-Proto: https` get it as well.
    pub https: bool,
    /// The worker site's origin, e.g. `http://127.0.0.1:8080` or `https://work.example.org`.
    pub origin: String,
    /// The task origin, e.g. `http://localhost:8080` or `https://tasks.example-usercontent.org`.
    pub task_origin: String,
}

impl SiteConfig {
    /// The zero-configuration origins for a server listening on `addr`.
    pub fn local(addr: std::net::SocketAddr) -> SiteConfig {
        let port = addr.port();
        SiteConfig {
            https: false,
            origin: format!("http://127.0.0.1:{port}"),
            task_origin: format!("http://localhost:{port}"),
        }
    }

    /// The site and the task origin must be different sites, or requesters' code would run
    /// with the worker's cookies.
    pub fn check(&self) -> Result<(), String> {
        let host = |o: &str| authority(o).map(|a| a.rsplit_once(':').map_or(a, |(h, _)| h).to_ascii_lowercase());
        match (host(&self.origin), host(&self.task_origin)) {
            (Some(a), Some(b)) if a != b => Ok(()),
            (Some(_), Some(_)) => Err(format!(
                "the task origin {} must be on another host than the site {} (cookies ignore ports)",
                self.task_origin, self.origin
            )),
            _ => Err(format!(
                "the site and task origins must be http(s) URLs, not {} and {}",
                self.origin, self.task_origin
            )),
        }
    }

    /// Whether a request was addressed to the task origin (by its Host header).
    pub fn is_task_host(&self, headers: &HeaderMap) -> bool {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        matches!((host, authority(&self.task_origin)), (Some(h), Some(t)) if h.eq_ignore_ascii_case(t))
    }
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig::local(std::net::SocketAddr::from(([127, 0, 0, 1], 8080)))
    }
}

/// `host:port` of an origin URL.
pub fn authority(origin: &str) -> Option<&str> {
    origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://")).map(|a| a.trim_end_matches('/'))
}

/// The site's routes other than `GET /` (which `crate::router` shares with the Requester API's
/// `POST /`).
pub fn routes(state: AppState) -> Router<AppState> {
    let pages = Router::new()
        .route("/sign-in", get(pages::sign_in_form).post(pages::sign_in))
        .route("/sign-up", get(pages::sign_up_form).post(pages::sign_up))
        .route("/sign-out", post(pages::sign_out))
        .route("/groups/{group_id}/preview", get(work::preview_group))
        .route("/groups/{group_id}/accept", post(work::accept_group))
        .route("/hits/{hit_id}/preview", get(work::preview_hit))
        .route("/hits/{hit_id}/accept", post(work::accept_hit))
        .route("/work/{assignment_id}", get(work::work))
        .route("/work/{assignment_id}/return", post(work::return_assignment))
        .route("/work/{assignment_id}/skip", post(work::skip))
        // A form with files posts multipart: its bound follows from the HIT (`crate::uploads`).
        .route("/work/{assignment_id}/submit", post(work::submit).layer(axum::extract::DefaultBodyLimit::disable()))
        .route("/queue", get(work::queue))
        .route("/dashboard", get(dashboard::dashboard))
        .route("/status", get(dashboard::status))
        .route("/account", get(account::account))
        .route("/account/adult", post(account::set_adult))
        .route("/account/email", post(account::set_email))
        .route("/messages", get(messages::list))
        .route("/messages/{message_id}", get(messages::one))
        .route("/messages/{message_id}/read", post(messages::mark_read))
        .route("/account/password", get(account::password_form).post(account::change_password))
        .route("/qualifications", get(qualifications::list))
        .route("/qualifications/{type_id}", get(qualifications::one))
        .route("/qualifications/{type_id}/request", post(qualifications::request))
        .route("/qualifications/{type_id}/test", get(qualifications::test).post(qualifications::submit_test))
        .route("/work/{assignment_id}/state", get(work::state))
        .route_layer(axum::middleware::from_fn_with_state(state, task::site_host_only));
    Router::new()
        .merge(pages)
        .route("/task/{hit_id}", get(task::task_content))
        .route("/static/{file}", get(assets::serve))
}

pub use pages::home;

/// What the navigation shows.
#[derive(Debug, Clone)]
pub enum Nav {
    /// A signed-in worker: the sign-out form carries the session's CSRF token.
    SignedIn {
        worker_id: String,
        csrf: String,
        /// Unread messages, shown as "Messages (2)".
        unread_messages: i64,
    },
    SignedOut,
    /// Pages rendered without looking at the session (errors from other surfaces): only the
    /// link home, which is right for anyone.
    Unknown,
}

/// What the base layout (`templates/site/base.html`) needs from every page.
#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    pub nav: Nav,
    pub signup_open: bool,
    pub stylesheet: &'static str,
}

impl Layout {
    pub fn new(title: impl Into<String>, nav: Nav, signup_open: bool) -> Layout {
        Layout { title: title.into(), nav, signup_open, stylesheet: assets::stylesheet_url() }
    }
}

/// A page with a title and one paragraph, in the site's layout.
#[derive(Template)]
#[template(path = "site/message.html")]
pub struct MessagePage {
    l: Layout,
    /// Escaped by [`crate::html::escape`] when built (named entities, `&lt;`, which clients of
    /// externalSubmit's pages already look for), so the template does not escape it again.
    text: askama::filters::Safe<String>,
}

/// The Content-Security-Policy of every site page: nothing but this origin's own files, no
/// inline script or style, forms post only here, and no one may frame the site (clickjacking).
pub const PAGE_CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the headers every site page carries.
pub fn protect(headers: &mut HeaderMap) {
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    // For browsers that predate frame-ancestors.
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Pages hold a worker's data and CSRF tokens: no cache (shared or back-forward) keeps them.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// Renders a template into a page with the site's headers.
pub fn page(status: StatusCode, t: &impl Template) -> Response {
    let mut r = match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "site template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error; please retry").into_response()
        }
    };
    protect(r.headers_mut());
    r
}

/// A message page in the site's layout.
pub fn message(status: StatusCode, l: Layout, text: impl Into<String>) -> Response {
    page(status, &MessagePage { l, text: askama::filters::Safe(crate::html::escape(&text.into())) })
}
