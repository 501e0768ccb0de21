//! The worker's messages on the site (over real HTTP, both backends; tests/browser/test_messages.py
//! drives the same pages in Chromium): the inbox newest first, paged, unread ones marked, with an
//! unread-only filter; a message in full, escaped with its line breaks; Mark as read; the unread
//! count in the navigation; and the email address on the account page. Every POST is refused
//! without the form's CSRF token, and another worker's message does not exist.

use crate::common;
use common::site::{csrf, http};

use common::{create_hit, sync, Options, TestServer};
use openturk_service::ServiceConfig;
use reqwest::header::{HeaderMap, COOKIE, LOCATION};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn get(s: &TestServer, path: &str, cookie: &str) -> (StatusCode, HeaderMap, String) {
    let r = http().get(format!("{}{path}", s.endpoint())).header(COOKIE, cookie).send().await.unwrap();
    (r.status(), r.headers().clone(), r.text().await.unwrap())
}

async fn post(s: &TestServer, path: &str, cookie: &str, form: &[(&str, &str)]) -> (StatusCode, HeaderMap, String) {
    let r = http().post(format!("{}{path}", s.endpoint())).header(COOKIE, cookie).form(form).send().await.unwrap();
    (r.status(), r.headers().clone(), r.text().await.unwrap())
}

fn location(h: &HeaderMap) -> String {
    h[LOCATION].to_str().unwrap().to_string()
}

/// The navigation's Messages link, as HTML.
fn nav_messages(page: &str) -> String {
    let at = page.find(r#"<a href="/messages" class="messages">"#).expect("a Messages link in the navigation");
    page[at..at + page[at..].find("</a>").unwrap() + 4].to_string()
}

/// The message links of an inbox page, in order: (MessageId, the link's HTML).
fn listed(page: &str) -> Vec<String> {
    page.split(r#"<a href="/messages/"#).skip(1).map(|s| s[..s.find('"').unwrap()].to_string()).collect()
}

/// A signed-in worker whose work the default requester approved, so that NotifyWorkers reaches
/// it: (WorkerId, its Cookie header).
async fn worked_for(s: &TestServer, name: &str) -> (String, String) {
    let c = s.client();
    let (wid, token) = s.worker(name).await;
    let hit = create_hit(&c).send().await.unwrap().hit.unwrap().hit_id.unwrap();
    let (st, a) = s.worker_call(Method::POST, &format!("/hits/{hit}/accept"), &token, None).await;
    assert_eq!(st, 201, "{a}");
    let aid = a["AssignmentId"].as_str().unwrap().to_string();
    let body = json!({ "Answers": { "answer": "done" } });
    let (st, r) = s.worker_call(Method::POST, &format!("/assignments/{aid}/submit"), &token, Some(body)).await;
    assert_eq!(st, 200, "{r}");
    c.approve_assignment().assignment_id(&aid).send().await.unwrap();
    (wid, format!("openturk_session={token}"))
}

async fn notify(s: &TestServer, workers: &[&str], subject: &str, text: &str) {
    let r = s
        .client()
        .notify_workers()
        .subject(subject)
        .message_text(text)
        .set_worker_ids(Some(workers.iter().map(|w| w.to_string()).collect()))
        .send()
        .await
        .unwrap();
    assert!(r.notify_workers_failure_statuses().is_empty(), "{r:?}");
}

both_backends!(the_inbox_pages_newest_first_and_marks_unread, |b| async move {
    let s = TestServer::start(b).await;
    let (ana, cookie) = worked_for(&s, "ana").await;
    let (_, _, p) = get(&s, "/messages", &cookie).await;
    assert!(p.contains("You have no messages yet."), "{p}");
    assert_eq!(nav_messages(&p), r#"<a href="/messages" class="messages">Messages</a>"#, "no count at 0");
    for i in 0..26 {
        notify(&s, &[&ana], &format!("Notice {i:02}"), &format!("Text of notice {i:02}")).await;
    }
    // Every page's navigation counts the unread messages.
    for path in ["/", "/account", "/qualifications", "/messages"] {
        let (st, _, p) = get(&s, path, &cookie).await;
        assert_eq!(st, StatusCode::OK, "{path}: {p}");
        assert!(nav_messages(&p).contains(r#"Messages (26)<span class="visually-hidden"> unread</span>"#), "{p}");
    }
    let (_, _, p) = get(&s, "/messages", &cookie).await;
    assert!(p.contains("26 messages are unread."), "{p}");
    let ids = listed(&p);
    assert_eq!(ids.len(), 25, "25 on a page: {p}");
    assert!(p.find("Notice 25").unwrap() < p.find("Notice 24").unwrap(), "newest first: {p}");
    assert!(!p.contains("Notice 00") && p.contains(r#"<li class="unread">"#) && p.contains("Text of notice 25"));
    assert!(p.contains(r#"<a href="/messages" aria-current="page">All messages</a>"#), "{p}");
    let next = p.split(r#"rel="next""#).next().unwrap();
    let next = next[next.rfind("href=\"").unwrap() + 6..].split('"').next().unwrap().replace("&#38;", "&");
    let (st, _, p2) = get(&s, &next, &cookie).await;
    assert_eq!(st, StatusCode::OK, "{p2}");
    assert!(p2.contains("Notice 00") && p2.contains("First page") && !p2.contains(r#"rel="next""#), "{p2}");
    let (st, _, bad) = get(&s, "/messages?next=garbage", &cookie).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert!(bad.contains(r#"class="error" role="alert""#), "{bad}");

    // A message in full does not change it; Mark as read (with the form's token) does.
    let newest = &ids[0];
    let path = format!("/messages/{newest}");
    let (st, _, m) = get(&s, &path, &cookie).await;
    assert_eq!(st, StatusCode::OK, "{m}");
    assert!(m.contains("Notice 25") && m.contains("Text of notice 25") && m.contains("<strong>Unread</strong>"), "{m}");
    assert!(nav_messages(&m).contains("Messages (26)"), "opening changes nothing: {m}");
    let (st, _, _) = post(&s, &format!("{path}/read"), &cookie, &[("csrf", "forged")]).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _, _) = post(&s, &format!("{path}/read"), &cookie, &[]).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(sync(|| s.service.worker_messages(&ana, true, None, None)).unwrap().unread, 26);
    let (st, h, _) = post(&s, &format!("{path}/read"), &cookie, &[("csrf", &csrf(&m))]).await;
    assert_eq!((st, location(&h)), (StatusCode::SEE_OTHER, path.clone()));
    let (_, _, m) = get(&s, &path, &cookie).await;
    assert!(m.contains("Read on <time") && !m.contains("Mark as read"), "{m}");
    assert!(nav_messages(&m).contains("Messages (25)"), "{m}");
    // Again: no change.
    let (st, _, _) = post(&s, &format!("{path}/read"), &cookie, &[("csrf", &csrf(&m))]).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, _, u) = get(&s, "/messages?unread=1", &cookie).await;
    assert!(u.contains(r#"<a href="/messages?unread=1" aria-current="page">Unread only</a>"#), "{u}");
    assert!(!listed(&u).contains(newest) && u.contains("25 messages are unread."), "{u}");
    let (_, _, all) = get(&s, "/messages", &cookie).await;
    assert_eq!(listed(&all)[0], *newest, "read messages stay in the list: {all}");

    // Another worker: the message does not exist, and cannot be marked read.
    let (_, other) = worked_for(&s, "bob").await;
    let (st, _, nf) = get(&s, &path, &other).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{nf}");
    let second = format!("/messages/{}", ids[1]);
    let (_, _, op) = get(&s, "/messages", &other).await;
    assert!(op.contains("You have no messages yet."), "{op}");
    let (st, _, _) = post(&s, &format!("{second}/read"), &other, &[("csrf", &csrf(&op))]).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(sync(|| s.service.worker_messages(&ana, true, None, None)).unwrap().unread, 25);
    let (st, _, _) = get(&s, "/messages/NOSUCHMESSAGE", &cookie).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // Signed out: to the sign-in page, and a POST is refused.
    let (st, h, _) = get(&s, "/messages", "").await;
    assert_eq!((st, location(&h).as_str()), (StatusCode::SEE_OTHER, "/sign-in"));
    let (st, h, _) = get(&s, &second, "").await;
    assert_eq!((st, location(&h).as_str()), (StatusCode::SEE_OTHER, "/sign-in"));
    let (st, _, _) = post(&s, &format!("{second}/read"), "", &[("csrf", &csrf(&m))]).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
});

both_backends!(requesters_text_is_escaped_with_its_line_breaks, |b| async move {
    let s = TestServer::start(b).await;
    let (ana, cookie) = worked_for(&s, "ana").await;
    let subject = r#"<script>alert("subject")</script> & more"#;
    let text = "Hello,\n<a href=\"https://evil.example/\">claim your bonus</a>\n\n<img src=x onerror=alert(1)> https://example.org/x";
    notify(&s, &[&ana], subject, text).await;
    let (_, _, inbox) = get(&s, "/messages", &cookie).await;
    assert!(!inbox.contains("<script>") && !inbox.contains("<img"), "{inbox}");
    assert!(inbox.contains("&#60;script&#62;alert(&#34;subject&#34;)&#60;/script&#62; &#38; more"), "{inbox}");
    // The preview is one line.
    assert!(inbox.contains("Hello, &#60;a href="), "{inbox}");
    let id = listed(&inbox)[0].clone();
    let (st, h, m) = get(&s, &format!("/messages/{id}"), &cookie).await;
    assert_eq!(st, StatusCode::OK, "{m}");
    assert!(h["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
    assert!(!m.contains("<script>") && !m.contains("<img") && !m.contains(r#"<a href="https://evil"#), "{m}");
    assert!(!m.contains(r#"href="https://example.org"#), "no link is made of the text: {m}");
    assert!(
        m.contains(
            "<div class=\"message-text\">Hello,\n&#60;a href=&#34;https://evil.example/&#34;&#62;claim your bonus&#60;/a&#62;\n\n&#60;img"
        ),
        "escaped, line breaks kept: {m}"
    );
    assert!(m.contains("<title>Message: &#60;script&#62;"), "{m}");
});

both_backends!(the_email_address_is_set_changed_and_removed, |b| async move {
    let opts =
        Options { config: ServiceConfig { email_enabled: true, ..ServiceConfig::default() }, ..Options::default() };
    let s = TestServer::start_with(b, opts).await;
    let (ana, cookie) = worked_for(&s, "ana").await;
    let (st, _, p) = get(&s, "/account", &cookie).await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert!(p.contains("This marketplace also emails each message to your address"), "{p}");
    assert!(p.contains("You have not given an address") && !p.contains("Remove email address"), "{p}");
    let token = csrf(&p);

    let (st, _, _) = post(&s, "/account/email", &cookie, &[("csrf", "forged"), ("email", "ana@example.org")]).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _, _) = post(&s, "/account/email", "", &[("csrf", &token), ("email", "ana@example.org")]).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "signed out");
    assert_eq!(sync(|| s.service.worker_email(&ana)).unwrap(), None);

    // Not an address: the page again, with the service's reason and what was typed.
    let (st, _, p) = post(&s, "/account/email", &cookie, &[("csrf", &token), ("email", "not <an> address")]).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert!(p.contains("is not an email address such as ana@example.org") && p.contains(r#"aria-invalid="true""#));
    assert!(p.contains(r#"value="not &#60;an&#62; address""#), "{p}");
    assert_eq!(sync(|| s.service.worker_email(&ana)).unwrap(), None);

    let (st, h, _) = post(&s, "/account/email", &cookie, &[("csrf", &token), ("email", " ana@example.org ")]).await;
    assert_eq!((st, location(&h).as_str()), (StatusCode::SEE_OTHER, "/account?saved=email"));
    let (_, _, p) = get(&s, "/account?saved=email", &cookie).await;
    assert!(p.contains("Your email address was saved.") && p.contains(r#"value="ana@example.org""#), "{p}");
    assert!(p.contains("Remove email address"), "{p}");
    assert_eq!(sync(|| s.service.worker_email(&ana)).unwrap().as_deref(), Some("ana@example.org"));
    // The worker API sees the same address.
    let (_, me) = s.worker_call(Method::GET, "/me", cookie.trim_start_matches("openturk_session="), None).await;
    assert_eq!(me["Email"], "ana@example.org", "{me}");
    // NotifyWorkers emails it (through the outbox).
    notify(&s, &[&ana], "Hi", "Text").await;
    let queued = sync(|| s.service.outbox_list(None, 10)).unwrap();
    assert_eq!(queued.iter().map(|o| o.destination.as_str()).collect::<Vec<_>>(), ["ana@example.org"]);

    // Changed, then removed (the Remove button; an empty field removes it too).
    post(&s, "/account/email", &cookie, &[("csrf", &token), ("email", "ana@example.net")]).await;
    assert_eq!(sync(|| s.service.worker_email(&ana)).unwrap().as_deref(), Some("ana@example.net"));
    let (st, h, _) = post(&s, "/account/email", &cookie, &[("csrf", &token), ("remove", "1")]).await;
    assert_eq!((st, location(&h).as_str()), (StatusCode::SEE_OTHER, "/account?saved=email-removed"));
    assert_eq!(sync(|| s.service.worker_email(&ana)).unwrap(), None);
    let (_, _, p) = get(&s, "/account?saved=email-removed", &cookie).await;
    assert!(p.contains("Your email address was removed") && p.contains(r#"value="""#), "{p}");
    post(&s, "/account/email", &cookie, &[("csrf", &token), ("email", "ana@example.org")]).await;
    post(&s, "/account/email", &cookie, &[("csrf", &token), ("email", "")]).await;
    assert_eq!(sync(|| s.service.worker_email(&ana)).unwrap(), None);
});

both_backends!(without_email_the_account_page_says_so, |b| async move {
    let s = TestServer::start(b).await;
    let (_, cookie) = worked_for(&s, "ana").await;
    let (st, _, p) = get(&s, "/account", &cookie).await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert!(p.contains("for now, email is not set up here"), "{p}");
    assert!(p.contains(r#"action="/account/email""#) && p.contains(r#"type="email""#), "{p}");
});
