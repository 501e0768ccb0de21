//! What the worker-website tests share: a client that shows redirects instead of following
//! them, a signed-in worker's cookie, and the values tests read out of pages.

use super::TestServer;

/// An HTTP client that returns redirects (303 after a form) instead of following them.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A new worker, signed in: its Cookie header.
pub async fn worker_cookie(s: &TestServer, name: &str) -> String {
    let (_, token) = s.worker(name).await;
    format!("openturk_session={token}")
}

/// The CSRF token of the page's (first) form.
pub fn csrf(page: &str) -> String {
    attribute_after(page, r#"name="csrf" value=""#, "a form with a CSRF token")
}

/// The `src` of the page's task frame, unescaped.
pub fn frame_src(page: &str) -> String {
    attribute_after(page, r#"<iframe class="task" src=""#, "a task frame").replace("&amp;", "&").replace("&#38;", "&")
}

fn attribute_after(page: &str, key: &str, what: &str) -> String {
    let at = page.find(key).unwrap_or_else(|| panic!("{what} in {page}")) + key.len();
    page[at..at + page[at..].find('"').unwrap()].to_string()
}
