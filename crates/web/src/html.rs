//! The smallest pieces of HTML other surfaces write: escaping, and a page that says what
//! happened (rendered by the worker website's templates, [`crate::site`]).

use axum::http::StatusCode;
use axum::response::Response;

/// Escapes text for an HTML text node or a double-quoted attribute value.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    openturk_domain::question::escape_html_into(s, &mut out);
    out
}

/// A page with a title and one paragraph of text, both escaped, in the worker website's layout
/// and with its security headers. Its navigation does not depend on the session: callers (the
/// router's fallback, externalSubmit) have not looked it up.
pub fn message_page(status: StatusCode, title: &str, text: &str) -> Response {
    crate::site::message(status, crate::site::Layout::new(title, crate::site::Nav::Unknown, false), text)
}
