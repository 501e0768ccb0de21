//! The smallest pieces of HTML the server writes before the worker website has its templates:
//! escaping, and a page that says what happened.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// Escapes text for an HTML text node or a double-quoted attribute value.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    openturk_domain::question::escape_html_into(s, &mut out);
    out
}

/// A page with a title and one paragraph of text, both escaped.
pub fn message_page(status: StatusCode, title: &str, text: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{t}</title></head><body><main><h1>{t}</h1><p>{x}</p></main></body></html>",
        t = escape(title),
        x = escape(text)
    );
    (status, Html(html)).into_response()
}
