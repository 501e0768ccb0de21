//! Files embedded in the binary and served at `/static/…`. Each URL carries a hash of the
//! file's content, so a URL never changes meaning: browsers may keep it for a year without
//! asking again, and a new release's file has a new URL.

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const SITE_CSS: &[u8] = include_bytes!("../../assets/site.css");
const WORK_JS: &[u8] = include_bytes!("../../assets/work.js");
const TASK_FRAME_JS: &[u8] = include_bytes!("../../assets/task-frame.js");
const CROWD_JS: &[u8] = include_bytes!("../../assets/crowd-html-elements.js");

struct Asset {
    /// The name in the URL: `site-<16 hex digits>.css`.
    name: String,
    content_type: &'static str,
    body: &'static [u8],
    etag: String,
}

fn asset(stem: &str, ext: &str, content_type: &'static str, body: &'static [u8]) -> Asset {
    let hash = hex::encode(&Sha256::digest(body)[..8]);
    Asset { name: format!("{stem}-{hash}.{ext}"), content_type, body, etag: format!("\"{hash}\"") }
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    vec![
        asset("site", "css", "text/css; charset=utf-8", SITE_CSS),
        asset("work", "js", "text/javascript; charset=utf-8", WORK_JS),
        asset("task-frame", "js", "text/javascript; charset=utf-8", TASK_FRAME_JS),
        asset("crowd-html-elements", "js", "text/javascript; charset=utf-8", CROWD_JS),
    ]
});

/// `/static/<name>` of the asset whose name starts with `stem-`.
fn url_of(stem: &str) -> String {
    let a = ASSETS.iter().find(|a| a.name.starts_with(&format!("{stem}-"))).expect("every named asset is embedded");
    format!("/static/{}", a.name)
}

static STYLESHEET_URL: LazyLock<String> = LazyLock::new(|| url_of("site"));
static WORK_SCRIPT_URL: LazyLock<String> = LazyLock::new(|| url_of("work"));
static TASK_FRAME_SCRIPT_URL: LazyLock<String> = LazyLock::new(|| url_of("task-frame"));
static CROWD_ELEMENTS_URL: LazyLock<String> = LazyLock::new(|| url_of("crowd-html-elements"));

/// The URL of the site's stylesheet.
pub fn stylesheet_url() -> &'static str {
    &STYLESHEET_URL
}

/// The URL of the work page's script (countdown, and noticing that the task was submitted).
pub fn work_script_url() -> &'static str {
    &WORK_SCRIPT_URL
}

/// The URL of the script a task page with FrameHeight 0 gets: it reports the page's height.
pub fn task_frame_script_url() -> &'static str {
    &TASK_FRAME_SCRIPT_URL
}

/// The URL of OpenTurk's Crowd HTML Elements (`assets/crowd-html-elements.js`, documented in
/// docs/crowd-html-elements.md), which task pages load instead of
/// `https://assets.crowd.aws/crowd-html-elements.js`.
pub fn crowd_elements_url() -> &'static str {
    &CROWD_ELEMENTS_URL
}

/// `GET /static/{file}`.
pub async fn serve(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some(a) = ASSETS.iter().find(|a| a.name == file) else {
        return crate::html::message_page(
            StatusCode::NOT_FOUND,
            "Page not found",
            &format!("There is no file /static/{file}. Check the address, or start again from the home page."),
        );
    };
    let mut r = if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| {
        v.split(',').any(|t| {
            let t = t.trim();
            t == "*" || t.trim_start_matches("W/") == a.etag
        })
    }) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, a.content_type)], a.body).into_response()
    };
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    h.insert(header::ETAG, HeaderValue::from_str(&a.etag).expect("hex is a valid header value"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    r
}
