//! Site sessions and CSRF protection.
//!
//! - The session is the `openturk_session` cookie holding a token from `Service::sign_in` (the
//!   worker API's bearer tokens, so one revocation ends both). It is HttpOnly (no script reads
//!   it), SameSite=Lax (other sites' forms and frames do not send it), Path=/, and Secure over
//!   HTTPS.
//! - Every state-changing form carries a CSRF token: an HMAC keyed by a secret only the browser
//!   and the server know. Signed in, that secret is the session token; signed out (the sign-in
//!   and sign-up forms, so that another site cannot sign a browser into an account of its
//!   choosing) it is the random `openturk_csrf` cookie. Another site can read neither cookie,
//!   so it cannot forge the token; nothing is stored server-side, so replicas need no shared key.
//! - Every POST is also refused when the browser says it comes from another origin
//!   (`Sec-Fetch-Site`, `Origin`), before the form is parsed.

use crate::{blocking, AppState};
use axum::http::{header, HeaderMap, HeaderValue};
use base64::Engine;
use hmac::{Hmac, Mac};
use openturk_domain::ErrorKind;
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub use crate::external_submit::SESSION_COOKIE;
/// The signed-out CSRF secret.
pub const CSRF_COOKIE: &str = "openturk_csrf";
/// The form field that carries the CSRF token.
pub const CSRF_FIELD: &str = "csrf";

/// Who is asking: the live session, if any, and the signed-out CSRF secret, if any.
#[derive(Debug, Clone, Default)]
pub struct Visitor {
    /// (session token, WorkerId) of a live session.
    pub session: Option<(String, String)>,
    pub pre_session: Option<String>,
    /// How many of the signed-in worker's messages are unread (read with the session).
    pub unread_messages: i64,
}

impl Visitor {
    pub fn worker_id(&self) -> Option<&str> {
        self.session.as_ref().map(|(_, w)| w.as_str())
    }

    /// The CSRF token of forms shown to this visitor, if it has a secret to derive it from.
    pub fn csrf(&self) -> Option<String> {
        self.session.as_ref().map(|(t, _)| t).or(self.pre_session.as_ref()).map(|s| csrf_token(s))
    }

    /// Whether a submitted token was derived from this visitor's secret: the session's when
    /// signed in (a signed-out secret, which a sibling site could toss into a shared parent
    /// domain's cookies, never authorises a signed-in action), else the signed-out one.
    pub fn csrf_ok(&self, submitted: &str) -> bool {
        let secret = match &self.session {
            Some((token, _)) => Some(token),
            None => self.pre_session.as_ref(),
        };
        secret
            .is_some_and(|s| !submitted.is_empty() && bool::from(csrf_token(s).as_bytes().ct_eq(submitted.as_bytes())))
    }
}

/// A cookie's value; the first one of that name.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == name && !v.is_empty()).then_some(v)
    })
}

/// Reads the visitor's cookies; a session cookie that is unknown, expired or revoked counts as
/// signed out. One query: the session and the unread count the navigation shows.
pub async fn visitor(st: &AppState, headers: &HeaderMap) -> Result<Visitor, openturk_service::Error> {
    let pre_session = cookie(headers, CSRF_COOKIE).map(str::to_string);
    let signed_out = |pre_session| Visitor { session: None, pre_session, unread_messages: 0 };
    let Some(token) = cookie(headers, SESSION_COOKIE).map(str::to_string) else {
        return Ok(signed_out(pre_session));
    };
    let svc = st.service.clone();
    let t = token.clone();
    match blocking(&st.service, move || svc.site_session(&t)).await {
        Ok((worker_id, unread_messages)) => {
            Ok(Visitor { session: Some((token, worker_id)), pre_session, unread_messages })
        }
        Err(e) if e.kind() == ErrorKind::Unauthenticated => Ok(signed_out(pre_session)),
        Err(e) => Err(e),
    }
}

/// The CSRF token bound to a secret: HMAC-SHA256 keyed by it, of a fixed label.
pub fn csrf_token(secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(b"openturk site csrf v1");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// A new signed-out CSRF secret.
pub fn new_secret() -> String {
    let b: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Whether the browser says the request comes from another origin. Browsers send
/// `Sec-Fetch-Site` and `Origin` with form posts; requests without them (old browsers, programs)
/// rely on the CSRF token alone.
pub fn cross_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        // "none": the user's own action (address bar, bookmark).
        if !matches!(site.to_str(), Ok("same-origin" | "none")) {
            return true;
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        let authority =
            origin.to_str().ok().and_then(|o| o.strip_prefix("https://").or_else(|| o.strip_prefix("http://")));
        // "null" (sandboxed frames, some redirects) names no origin, so it is not ours.
        return !matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h));
    }
    false
}

/// Whether the request reached us over HTTPS: configured, or said by the TLS proxy in front.
/// (A client that forges the header only makes its own cookie Secure.)
pub fn is_https(st: &AppState, headers: &HeaderMap) -> bool {
    st.site.https
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value for one of the site's cookies; `max_age_secs` 0 deletes it.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Max-Age={}; Path=/; HttpOnly; SameSite=Lax{secure}",
        max_age_secs.max(0)
    ))
    .expect("cookie names and values are header-safe")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_tokens_bind_to_their_secret() {
        let v =
            Visitor { session: Some(("tok".into(), "A1".into())), pre_session: Some("pre".into()), unread_messages: 0 };
        assert!(v.csrf_ok(&csrf_token("tok")));
        assert!(!v.csrf_ok(&csrf_token("pre")), "signed in, only the session's token counts");
        let signed_out = Visitor { session: None, pre_session: Some("pre".into()), unread_messages: 0 };
        assert!(signed_out.csrf_ok(&csrf_token("pre")) && !signed_out.csrf_ok(&csrf_token("tok")));
        assert!(!v.csrf_ok(&csrf_token("other")) && !v.csrf_ok(""));
        assert_eq!(v.csrf().unwrap(), csrf_token("tok"), "signed in, forms use the session's token");
        assert!(!Visitor::default().csrf_ok(&csrf_token("")));
    }

    #[test]
    fn cookies_have_the_flags() {
        let c = set_cookie(SESSION_COOKIE, "abc", 60, true);
        assert_eq!(c, "openturk_session=abc; Max-Age=60; Path=/; HttpOnly; SameSite=Lax; Secure");
        assert!(!set_cookie(SESSION_COOKIE, "abc", 60, false).to_str().unwrap().contains("Secure"));
    }

    #[test]
    fn other_origins_are_recognised() {
        let h = |pairs: &[(&'static str, &'static str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(*k, HeaderValue::from_static(v));
            }
            m
        };
        assert!(!cross_origin(&h(&[("host", "localhost:8080")])));
        assert!(!cross_origin(&h(&[("host", "localhost:8080"), ("origin", "http://localhost:8080")])));
        assert!(cross_origin(&h(&[("host", "localhost:8080"), ("origin", "http://127.0.0.1:8080")])));
        assert!(cross_origin(&h(&[("host", "localhost:8080"), ("origin", "null")])));
        assert!(cross_origin(&h(&[("host", "localhost:8080"), ("sec-fetch-site", "cross-site")])));
        assert!(cross_origin(&h(&[("host", "localhost:8080"), ("sec-fetch-site", "same-site")])));
        assert!(!cross_origin(&h(&[("host", "localhost:8080"), ("sec-fetch-site", "same-origin")])));
    }
}
