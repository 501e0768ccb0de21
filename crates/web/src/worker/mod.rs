//! The worker API, `/worker-api/v1`: JSON with PascalCase names like the Requester API, bearer
//! tokens from `POST /sessions`. Documented in docs/worker-api.md. The worker website is a thin
//! layer over the same service calls.

mod error;
mod files;
mod handlers;
mod messages;
mod qualifications;
pub(crate) use handlers::bearer as handlers_bearer;

pub use error::WorkerApiError;

use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sessions", post(handlers::sign_in))
        .route("/sessions/current", axum::routing::delete(handlers::sign_out))
        .route("/workers", post(handlers::sign_up))
        .route("/me", get(handlers::me))
        .route("/dashboard", get(handlers::dashboard))
        .route("/me/password", post(handlers::change_password))
        .route("/me/email", axum::routing::put(messages::set_email))
        .route("/messages", get(messages::list))
        .route("/messages/{message_id}/read", post(messages::mark_read))
        .route("/hit-groups", get(handlers::hit_groups))
        .route("/hit-groups/{group_id}/accept", post(handlers::accept_group))
        .route("/hits/{hit_id}", get(handlers::preview_hit))
        .route("/hits/{hit_id}/accept", post(handlers::accept_hit))
        .route("/assignments", get(handlers::assignments))
        // Multipart submits carry files: their bound follows from the HIT (`crate::uploads`).
        .route(
            "/assignments/{assignment_id}/submit",
            post(handlers::submit).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/assignments/{assignment_id}/return", post(handlers::return_assignment))
        .route("/qualifications", get(qualifications::mine))
        .route("/qualification-types", get(qualifications::requestable))
        .route("/qualification-types/{type_id}", get(qualifications::one_type))
        .route("/qualification-types/{type_id}/request", post(qualifications::request))
        .route("/qualification-requests", get(qualifications::my_requests))
        .route("/qualification-requests/{request_id}/submit", post(qualifications::submit_test))
        .route("/me/adult", post(qualifications::set_adult))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found(method: axum::http::Method, uri: axum::http::Uri) -> WorkerApiError {
    WorkerApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "NotFound",
        format!("The worker API has no {method} {}; see docs/worker-api.md", full_path(&uri)),
    )
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> WorkerApiError {
    WorkerApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        format!("{} does not take {method}; see docs/worker-api.md", full_path(&uri)),
    )
}

/// The request's path as the client wrote it (inside `nest`, axum strips the prefix).
fn full_path(uri: &axum::http::Uri) -> String {
    let p = uri.path();
    if p.starts_with(PREFIX) {
        p.to_string()
    } else {
        format!("{PREFIX}{p}")
    }
}

/// Where [`routes`] are mounted.
pub const PREFIX: &str = "/worker-api/v1";
