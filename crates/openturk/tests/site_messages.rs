//! The worker's messages on the website (over real HTTP): the inbox shows what NotifyWorkers
//! sent, escaped; marking read and setting the email address need the CSRF token.

mod common;

use common::{create_hit, TestServer};
use reqwest::header::{COOKIE, LOCATION};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn get(s: &TestServer, path: &str, cookie: &str) -> (StatusCode, String) {
    let r = http().get(format!("{}{path}", s.endpoint())).header(COOKIE, cookie).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn post(s: &TestServer, path: &str, cookie: &str, form: &[(&str, &str)]) -> (StatusCode, Option<String>) {
    let r = http().post(format!("{}{path}", s.endpoint())).header(COOKIE, cookie).form(form).send().await.unwrap();
    (r.status(), r.headers().get(LOCATION).map(|v| v.to_str().unwrap().to_string()))
}

fn csrf(page: &str) -> String {
    let key = r#"name="csrf" value=""#;
    let at = page.find(key).expect("a form with a CSRF token") + key.len();
    page[at..at + page[at..].find('"').unwrap()].to_string()
}

both_backends!(inbox_page, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let (wid, token) = s.worker("ana").await;
    let cookie = format!("openturk_session={token}");
    let (st, page) = get(&s, "/messages", &cookie).await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.contains("No messages yet."), "{page}");
    assert_eq!(get(&s, "/messages", "").await.0, StatusCode::SEE_OTHER, "signed out: to the sign-in page");

    // Work approved, then a message with markup in it.
    let hit = create_hit(&c).send().await.unwrap().hit.unwrap().hit_id.unwrap();
    let (_, a) = s.worker_call(Method::POST, &format!("/hits/{hit}/accept"), &token, None).await;
    let aid = a["AssignmentId"].as_str().unwrap().to_string();
    let answers = json!({ "Answers": { "answer": "x" } });
    s.worker_call(Method::POST, &format!("/assignments/{aid}/submit"), &token, Some(answers)).await;
    c.approve_assignment().assignment_id(&aid).send().await.unwrap();
    c.notify_workers()
        .subject("New <b>HITs</b>")
        .message_text("Line one\n<script>alert(1)</script>")
        .worker_ids(&wid)
        .send()
        .await
        .unwrap();

    let (_, page) = get(&s, "/messages", &cookie).await;
    assert!(page.contains("<strong>1 unread</strong>"), "{page}");
    assert!(page.contains("New &#60;b&#62;HITs&#60;/b&#62;") || page.contains("New &lt;b&gt;HITs&lt;/b&gt;"), "{page}");
    assert!(!page.contains("<script>alert(1)</script>"), "escaped");
    assert!(page.contains("From default,"), "{page}");
    let msg_id = {
        let key = "action=\"/messages/";
        let at = page.find(key).unwrap() + key.len();
        page[at..at + page[at..].find('/').unwrap()].to_string()
    };
    // Without the CSRF token: refused, and nothing changes.
    let (st, _) = post(&s, &format!("/messages/{msg_id}/read"), &cookie, &[]).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let t = csrf(&page);
    let (st, to) = post(&s, &format!("/messages/{msg_id}/read"), &cookie, &[("csrf", &t)]).await;
    assert_eq!((st, to.as_deref()), (StatusCode::SEE_OTHER, Some("/messages")));
    let (_, page) = get(&s, "/messages", &cookie).await;
    assert!(!page.contains("unread</strong>") && !page.contains("Mark as read"), "{page}");

    // The email address.
    let (st, _) = post(&s, "/account/email", &cookie, &[("csrf", &t), ("email", "ana@example.org")]).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, page) = get(&s, "/messages", &cookie).await;
    assert!(page.contains(r#"value="ana@example.org""#), "{page}");
    let r = http()
        .post(format!("{}/account/email", s.endpoint()))
        .header(COOKIE, &cookie)
        .form(&[("csrf", t.as_str()), ("email", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("is not an email address"));
});
