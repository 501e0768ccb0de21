//! The worker website over real HTTP (reqwest, no browser yet): sign-up, sign-in and sign-out
//! with the session cookie, CSRF refusals, the security headers, the embedded stylesheet, and
//! the HIT list with search, sort and paging over HITs made with aws-sdk-mturk.

use crate::common;
use common::site::{csrf, http};

use common::{create_hit, sync, Options, TestServer};
use openturk_service::ServiceConfig;
use reqwest::header::{HeaderMap, COOKIE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;

const PASSWORD: &str = "password-123";

/// A client that shows redirects instead of following them, so that tests see Set-Cookie.
/// (status, headers, body) of a GET with the given cookies.
async fn get(s: &TestServer, path: &str, cookies: &str) -> (StatusCode, HeaderMap, String) {
    let mut req = http().get(format!("{}{path}", s.endpoint()));
    if !cookies.is_empty() {
        req = req.header(COOKIE, cookies);
    }
    let r = req.send().await.unwrap();
    (r.status(), r.headers().clone(), r.text().await.unwrap())
}

/// (status, headers, body) of a form POST with the given cookies and extra headers.
async fn post(
    s: &TestServer,
    path: &str,
    cookies: &str,
    form: &[(&str, &str)],
    extra: &[(&str, String)],
) -> (StatusCode, HeaderMap, String) {
    let mut req = http().post(format!("{}{path}", s.endpoint())).form(form);
    if !cookies.is_empty() {
        req = req.header(COOKIE, cookies);
    }
    for (k, v) in extra {
        req = req.header(*k, v);
    }
    let r = req.send().await.unwrap();
    (r.status(), r.headers().clone(), r.text().await.unwrap())
}

/// The Set-Cookie header for `name`, whole.
fn set_cookie(h: &HeaderMap, name: &str) -> Option<String> {
    h.get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).find(|c| c.starts_with(&format!("{name}=")))
}

/// `name=value` of a Set-Cookie header, for a Cookie header.
fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_string()
}

/// The CSRF token of the first form of a page.
fn assert_page_headers(h: &HeaderMap) {
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
}

fn session_live(s: &TestServer, token: &str) -> bool {
    sync(|| s.service.worker_of_token(token)).is_ok()
}

/// The sign-up form's fields with a CSRF token (the country in lower case, as people type it).
fn sign_up_form(csrf: &str) -> [(&str, &str); 4] {
    [("username", "ana"), ("password", PASSWORD), ("country", "us"), ("csrf", csrf)]
}

both_backends!(sign_up_sign_in_and_sign_out, |b| async move {
    let s = TestServer::start(b).await;
    let origin = s.endpoint();

    // Signed out, the home page welcomes, in the layout, with the headers.
    let (st, h, page) = get(&s, "/", "").await;
    assert_eq!(st, StatusCode::OK);
    assert_page_headers(&h);
    assert!(page.contains(r#"<html lang="en">"#) && page.contains(r#"name="viewport""#), "{page}");
    assert!(page.contains(r##"href="#main""##) && page.contains(r#"<main id="main""#), "skip link: {page}");
    assert!(page.contains(r#"href="/sign-in""#) && page.contains(r#"href="/sign-up""#), "{page}");

    // The embedded stylesheet: a hashed URL, cached for long, revalidated by ETag.
    let css = page.split(r#"rel="stylesheet" href=""#).nth(1).unwrap().split('"').next().unwrap().to_string();
    assert!(css.starts_with("/static/site-") && css.ends_with(".css"), "{css}");
    let r = http().get(format!("{origin}{css}")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/css; charset=utf-8");
    assert!(r.headers()["cache-control"].to_str().unwrap().contains("max-age=31536000"));
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    assert!(r.text().await.unwrap().contains("@media"));
    let r = http().get(format!("{origin}{css}")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(get(&s, "/static/site-0000000000000000.css", "").await.0, StatusCode::NOT_FOUND);

    // The sign-up form sets the signed-out CSRF secret and labels every input.
    let (st, h, page) = get(&s, "/sign-up", "").await;
    assert_eq!(st, StatusCode::OK);
    let pre = pair(&set_cookie(&h, "openturk_csrf").expect("a CSRF secret cookie"));
    let token = csrf(&page);
    for id in ["username", "password", "country", "subdivision"] {
        assert!(page.contains(&format!(r#"<label for="{id}">"#)) && page.contains(&format!(r#"id="{id}""#)), "{id}");
    }
    let form = sign_up_form(&token);

    // Without the token, with a wrong one, or from another origin: 403, and no account.
    for (cookies, f, extra) in [
        (pre.as_str(), &form[..3], vec![]),
        (pre.as_str(), &sign_up_form("forged")[..], vec![]),
        ("", &form[..], vec![]),
        (pre.as_str(), &form[..], vec![("origin", "http://evil.example".to_string())]),
        (pre.as_str(), &form[..], vec![("sec-fetch-site", "cross-site".to_string())]),
    ] {
        let (st, h, page) = post(&s, "/sign-up", cookies, f, &extra).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{page}");
        assert_page_headers(&h);
        assert!(set_cookie(&h, "openturk_session").is_none());
    }
    assert!(sync(|| s.service.sign_in("ana", PASSWORD, None)).is_err(), "a refused form created the account");

    // With it: the account exists and the browser is signed in.
    let extra = [("origin", origin.clone()), ("sec-fetch-site", "same-origin".to_string())];
    let (st, h, page) = post(&s, "/sign-up", &pre, &form, &extra).await;
    assert_eq!(st, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(h[LOCATION], "/");
    let c = set_cookie(&h, "openturk_session").expect("a session cookie");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(c.contains(flag), "{c} lacks {flag}");
    }
    assert!(!c.contains("Secure"), "served over plain HTTP: {c}");
    let session = pair(&c);
    let session_token = session.split_once('=').unwrap().1.to_string();
    assert!(session_live(&s, &session_token));

    // Signed in, home is the HIT list with a sign-out form bound to the session.
    let (st, h, page) = get(&s, "/", &session).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(h["cache-control"], "no-store");
    assert!(page.contains("<h1>HITs</h1>") && page.contains("There are no HITs available"), "{page}");
    let out = csrf(&page);
    assert_ne!(out, token, "signed-in forms are bound to the session");

    // Taking an existing name is an error shown on the form, with the input kept.
    let (st, _, page) = post(&s, "/sign-up", &pre, &form, &[]).await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert!(page.contains("already taken") && page.contains(r#"value="ana""#), "{page}");

    // Sign-out without the session's token, or with the signed-out one: refused, still signed in.
    // (The browser still holds the signed-out secret, which no longer counts.)
    let both = format!("{session}; {pre}");
    for t in ["", token.as_str()] {
        let (st, _, _) = post(&s, "/sign-out", &both, &[("csrf", t)], &[]).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        assert!(session_live(&s, &session_token));
    }
    let (st, h, _) = post(&s, "/sign-out", &session, &[("csrf", &out)], &[]).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert!(set_cookie(&h, "openturk_session").unwrap().contains("Max-Age=0"));
    assert!(!session_live(&s, &session_token), "sign-out revokes the session");
    let (_, _, page) = get(&s, "/", &session).await;
    assert!(page.contains("Find work on OpenTurk"), "a revoked cookie is signed out: {page}");

    // Sign in: a wrong password is shown on the form; the right one starts a new session.
    let (_, h, page) = get(&s, "/sign-in", "").await;
    let pre = pair(&set_cookie(&h, "openturk_csrf").unwrap());
    let t = csrf(&page);
    let (st, _, page) =
        post(&s, "/sign-in", &pre, &[("username", "ana"), ("password", "wrong-one"), ("csrf", &t)], &[]).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Username or password is wrong") && page.contains(r#"value="ana""#), "{page}");
    let (st, _, _) = post(&s, "/sign-in", &pre, &[("username", "ana"), ("password", PASSWORD)], &[]).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "sign-in without a token");
    let (st, h, _) =
        post(&s, "/sign-in", &pre, &[("username", "ana"), ("password", PASSWORD), ("csrf", &t)], &[]).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let session = pair(&set_cookie(&h, "openturk_session").unwrap());
    let (_, _, page) = get(&s, "/", &session).await;
    assert!(page.contains("<h1>HITs</h1>"), "{page}");

    // Behind a TLS proxy that says so, the cookie is Secure.
    let f = [("username", "ana"), ("password", PASSWORD), ("csrf", t.as_str())];
    let (st, h, _) = post(&s, "/sign-in", &pre, &f, &[("x-forwarded-proto", "https".into())]).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert!(set_cookie(&h, "openturk_session").unwrap().ends_with("; Secure"));
});

both_backends!(closed_sign_up_and_error_pages, |b| async move {
    let s = TestServer::start_with(
        b,
        Options { config: ServiceConfig { open_signup: false, ..ServiceConfig::default() }, ..Options::default() },
    )
    .await;
    let (_, _, page) = get(&s, "/", "").await;
    assert!(!page.contains(r#"href="/sign-up""#), "no link to a closed sign-up: {page}");
    let (st, _, page) = get(&s, "/sign-up", "").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert!(page.contains("Sign-up is closed"), "{page}");
    let (_, h, page) = get(&s, "/sign-in", "").await;
    let pre = pair(&set_cookie(&h, "openturk_csrf").unwrap());
    let t = csrf(&page);
    let (st, _, _) =
        post(&s, "/sign-up", &pre, &[("username", "bo"), ("password", PASSWORD), ("country", "US"), ("csrf", &t)], &[])
            .await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // An unknown page is a 404 in the site's layout, with its headers.
    let (st, h, page) = get(&s, "/no/such/page", "").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_page_headers(&h);
    assert!(page.contains("Page not found") && page.contains("/no/such/page"), "{page}");
    assert!(page.contains(r#"rel="stylesheet""#) && page.contains(r##"href="#main""##), "{page}");
});

/// Titles of the HIT rows of a list page, in order.
fn titles(page: &str) -> Vec<String> {
    page.split(r#"<span class="title">"#).skip(1).map(|p| p[..p.find("</span>").unwrap()].to_string()).collect()
}

both_backends!(hit_list_search_sort_and_paging, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    // A second apart, so that "newest first" has one answer.
    create_hit(&c).send().await.unwrap();
    s.clock.advance_secs(1);
    create_hit(&c).title("Transcribe <b>audio</b>").keywords("speech").reward("1.25").send().await.unwrap();
    s.clock.advance_secs(1);
    create_hit(&c)
        .title("Alpha survey")
        .description("Ten questions")
        .reward("0.10")
        .max_assignments(5)
        .send()
        .await
        .unwrap();
    let (_, token) = s.worker("wendy").await;
    let cookie = format!("openturk_session={token}");

    let (st, _, page) = get(&s, "/", &cookie).await;
    assert_eq!(st, StatusCode::OK, "{page}");
    // Newest first; requester, reward, HITs available, time allotted and expiry on each row.
    let only = |page: &str| titles(page).iter().map(|t| t[..5].to_string()).collect::<Vec<_>>();
    assert_eq!(only(&page), ["Alpha", "Trans", "Label"]);
    assert!(page.contains("Transcribe &#60;b&#62;audio&#60;/b&#62;"), "titles are escaped: {page}");
    assert!(!page.contains("<b>audio</b>"), "titles are escaped: {page}");
    for text in ["default", "$1.25", "$0.10", "10 minutes", "UTC</time>", r#"data-label="HITs""#] {
        assert!(page.contains(text), "{text} missing: {page}");
    }

    let (_, _, page) = get(&s, "/?q=SPEECH", &cookie).await;
    assert_eq!(only(&page), ["Trans"]);
    let (_, _, page) = get(&s, "/?q=ten+questions", &cookie).await;
    assert_eq!(only(&page), ["Alpha"]);
    let (_, _, page) = get(&s, "/?min_reward=0.50", &cookie).await;
    assert_eq!(only(&page), ["Trans", "Label"]);
    let (_, _, page) = get(&s, "/?sort=Title", &cookie).await;
    assert_eq!(only(&page), ["Alpha", "Label", "Trans"]);
    assert!(page.contains(r#"<option value="Title" selected>"#), "{page}");
    let (_, _, page) = get(&s, "/?sort=RewardDesc", &cookie).await;
    assert_eq!(only(&page), ["Trans", "Label", "Alpha"]);
    let (_, _, page) = get(&s, "/?q=nothing-like-this", &cookie).await;
    assert!(titles(&page).is_empty() && page.contains("No HITs match your search"), "{page}");

    // Paging: two per page, then the rest, keeping the search.
    let (_, _, page) = get(&s, "/?sort=Title&size=2", &cookie).await;
    assert_eq!(only(&page), ["Alpha", "Label"]);
    let next = page.split(r#"rel="next""#).next().unwrap().rsplit(r#"href=""#).next().unwrap();
    let next = next[..next.find('"').unwrap()].replace("&#38;", "&").replace("&amp;", "&");
    assert!(next.contains("sort=Title") && next.contains("size=2") && next.contains("next="), "{next}");
    let (_, _, page) = get(&s, &next, &cookie).await;
    assert_eq!(only(&page), ["Trans"]);
    assert!(!page.contains(r#"rel="next""#) && page.contains("First page"), "{page}");

    // Bad input is said on the page.
    let (st, _, page) = get(&s, "/?min_reward=lots", &cookie).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Minimum reward") && page.contains(r#"role="alert""#), "{page}");
    let (st, _, page) = get(&s, "/?next=bogus", &cookie).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("NextToken"), "{page}");
});
