//! OpenTurk's HTTP surfaces, on axum:
//! - `POST /`: the MTurk Requester API (AWS JSON 1.1, Signature V4) — [`requester`];
//! - `/worker-api/v1/…`: the worker API (JSON, bearer tokens) — [`worker`];
//! - `POST /mturk/externalSubmit`: where HTMLQuestion and ExternalQuestion forms post — [`external_submit`];
//! - `GET /` and the other pages of the worker website — [`site`].
//!
//! Handlers parse, call the service on a blocking thread, and render; rules live in the service.

pub mod external_submit;
pub mod html;
pub mod requester;
pub mod site;
mod uploads;
pub mod worker;

use axum::routing::post;
use axum::Router;
use openturk_domain::ManualClock;
use openturk_service::Service;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub service: Service,
    pub sigv4: Arc<requester::auth::SigningKeyCache>,
    /// Set only when the server runs with a test clock: enables `POST /_openturk/test/clock`.
    pub test_clock: Option<ManualClock>,
    /// The worker website's settings ([`AppState::with_site`]).
    pub site: site::SiteConfig,
}

impl AppState {
    pub fn new(service: Service, test_clock: Option<ManualClock>) -> Self {
        AppState {
            service,
            sigv4: Arc::new(requester::auth::SigningKeyCache::default()),
            test_clock,
            site: site::SiteConfig::default(),
        }
    }

    pub fn with_site(self, site: site::SiteConfig) -> Self {
        AppState { site, ..self }
    }
}

pub fn router(state: AppState) -> Router {
    let mut r = Router::new()
        .route("/", post(requester::handle).get(site::home).fallback(requester::method_not_allowed))
        .route(
            "/mturk/externalSubmit",
            post(external_submit::handle).get(external_submit::handle).fallback(external_submit::method_not_allowed),
        )
        .nest(worker::PREFIX, worker::routes())
        // GetFileUploadURL's links: a signed, expiring token (any host: requesters' programs).
        .route("/files/{token}", axum::routing::get(uploads::download))
        .merge(site::routes(state.clone()))
        .fallback(not_found);
    if state.test_clock.is_some() {
        r = r.route("/_openturk/test/clock", post(advance_test_clock));
    }
    r.layer(CatchPanicLayer::custom(panic_response)).with_state(state)
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // With the peer's address, for the limits on failed sign-ins per client address.
    axum::serve(listener, router(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// No route: a Requester API call (it carries `X-Amz-Target` or the AWS JSON content type)
/// gets the API's JSON error; anything else gets a page.
async fn not_found(method: http::Method, uri: http::Uri, headers: http::HeaderMap) -> axum::response::Response {
    let is_api_call = headers.contains_key("x-amz-target")
        || headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with(openturk_protocol::CONTENT_TYPE));
    if is_api_call {
        return requester::not_found(method, uri).await;
    }
    html::message_page(
        http::StatusCode::NOT_FOUND,
        "Page not found",
        &format!("There is no page at {}. Check the address, or start again from the home page.", uri.path()),
    )
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let e = openturk_protocol::ApiError::ServiceFault { message: "internal error".into() };
    axum::response::Response::builder()
        .status(500)
        .header("content-type", openturk_protocol::CONTENT_TYPE)
        .body(axum::body::Body::from(e.body(0)))
        .expect("valid response")
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ClockMove {
    advance_seconds: i64,
}

/// Testing only: moves the server's manual clock and does the work that fell due.
async fn advance_test_clock(
    axum::extract::State(st): axum::extract::State<AppState>,
    axum::Json(m): axum::Json<ClockMove>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let Some(clock) = &st.test_clock else { return http::StatusCode::NOT_FOUND.into_response() };
    clock.advance_secs(m.advance_seconds);
    let svc = st.service.clone();
    let _ = blocking(&st.service, move || svc.run_due()).await;
    axum::Json(serde_json::json!({ "NowMillis": st.service.now() })).into_response()
}

/// Runs a synchronous service call. On SQLite a call is a few tens of microseconds of CPU
/// with no network wait, and handing it to the blocking pool costs more than the call itself
/// (two thread switches), so it runs in place. On PostgreSQL, whose client waits on the network
/// (and must not run on an async worker thread), it runs on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(svc: &Service, f: impl FnOnce() -> T + Send + 'static) -> T {
    if svc.db().backend() == openturk_storage::Backend::Sqlite {
        f()
    } else {
        tokio::task::spawn_blocking(f).await.expect("service call panicked")
    }
}

/// A request ID in the UUID shape AWS uses.
pub(crate) fn request_id() -> String {
    let b: [u8; 16] = rand::random();
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}
