//! Previewing, accepting and working HITs on the site (over real HTTP; the browser tests drive
//! the same pages in Chromium), the task origin that serves requesters' HTML, and
//! externalSubmit's capability rule.

use crate::common;
use common::site::{csrf, frame_src, http, worker_cookie};

use common::{create_hit, TestServer};
use reqwest::header::{HeaderMap, COOKIE, HOST, LOCATION};
use reqwest::StatusCode;
use serde_json::Value;

async fn get(s: &TestServer, path: &str, cookie: &str, host: Option<String>) -> (StatusCode, HeaderMap, String) {
    let mut req = http().get(format!("{}{path}", s.endpoint()));
    if !cookie.is_empty() {
        req = req.header(COOKIE, cookie);
    }
    if let Some(h) = host {
        req = req.header(HOST, h);
    }
    let r = req.send().await.unwrap();
    (r.status(), r.headers().clone(), r.text().await.unwrap())
}

async fn post(s: &TestServer, path: &str, cookie: &str, form: &[(&str, &str)]) -> (StatusCode, HeaderMap, String) {
    let r = http().post(format!("{}{path}", s.endpoint())).header(COOKIE, cookie).form(form).send().await.unwrap();
    (r.status(), r.headers().clone(), r.text().await.unwrap())
}

fn task_host(s: &TestServer) -> String {
    format!("localhost:{}", s.addr.port())
}

const TASK_HTML: &str = r#"<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><head><script src="https://assets.crowd.aws/crowd-html-elements.js"></script></head><body><form method="post" action="https://www.mturk.com/mturk/externalSubmit"><input type="hidden" name="assignmentId" id="aid"><input name="answer"></form><script>var sandbox = "https://workersandbox.mturk.com/mturk/externalSubmit";</script></body></html>]]></HTMLContent><FrameHeight>0</FrameHeight></HTMLQuestion>"#;

both_backends!(preview_accept_work_and_submit_from_the_task_frame, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let hit = create_hit(&c).question(TASK_HTML).max_assignments(2).send().await.unwrap();
    let hit = hit.hit().unwrap();
    let (hit_id, group) = (hit.hit_id().unwrap().to_string(), hit.hit_group_id().unwrap().to_string());
    let cookie = worker_cookie(&s, "worker1").await;

    // The list offers Preview and Accept & Work.
    let (st, _, home) = get(&s, "/", &cookie, None).await;
    assert_eq!(st, StatusCode::OK);
    assert!(home.contains(&format!("/groups/{group}/preview")) && home.contains(&format!("/groups/{group}/accept")));

    // Preview: the task in a sandboxed frame on the task origin, with MTurk's preview parameters.
    let (st, h, preview) = get(&s, &format!("/groups/{group}/preview"), &cookie, None).await;
    assert_eq!(st, StatusCode::OK, "{preview}");
    let src = frame_src(&preview);
    let task_origin = format!("http://{}", task_host(&s));
    assert!(src.starts_with(&format!("{task_origin}/task/{hit_id}?")), "{src}");
    assert!(src.contains("assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE") && !src.contains("workerId"), "{src}");
    assert!(preview.contains(r#"sandbox="allow-scripts allow-forms allow-popups allow-modals""#), "{preview}");
    assert!(preview.contains("<dt>Requester</dt><dd>default</dd>"), "the requester's name: {preview}");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains(&format!("frame-src {task_origin}")) && csp.contains("frame-ancestors 'none'"), "{csp}");

    // Accepting needs the form's CSRF token.
    let (st, _, _) = post(&s, &format!("/hits/{hit_id}/accept"), &cookie, &[("csrf", "forged")]).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, h, _) = post(&s, &format!("/groups/{group}/accept"), &cookie, &[("csrf", &csrf(&preview))]).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let work_url = h[LOCATION].to_str().unwrap().to_string();
    let aid = work_url.strip_prefix("/work/").unwrap().to_string();

    // The work page: the frame gets the assignment, the worker and turkSubmitTo (the site).
    let (st, _, work) = get(&s, &work_url, &cookie, None).await;
    assert_eq!(st, StatusCode::OK, "{work}");
    let src = frame_src(&work);
    assert!(src.contains(&format!("assignmentId={aid}")) && src.contains("workerId="), "{src}");
    assert!(src.contains(&format!("turkSubmitTo=http%3A%2F%2F127.0.0.1%3A{}", s.addr.port())), "{src}");
    assert!(work.contains("Return this HIT") && work.contains(r#"role="timer""#));
    let (_, _, state) = get(&s, &format!("/work/{aid}/state"), &cookie, None).await;
    assert_eq!(serde_json::from_str::<Value>(&state).unwrap()["Open"], true);

    // The task content: only on the task host, with its own sandbox, posting to OpenTurk.
    let path = src.strip_prefix(&task_origin).unwrap().to_string();
    let (st, _, _) = get(&s, &path, "", None).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "task content is not served on the site's host");
    let (st, h, content) = get(&s, &path, "", Some(task_host(&s))).await;
    assert_eq!(st, StatusCode::OK);
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("sandbox allow-scripts allow-forms") && !csp.contains("allow-same-origin"), "{csp}");
    assert!(csp.contains(&format!("frame-ancestors http://127.0.0.1:{}", s.addr.port())), "{csp}");
    let submit = format!("{}/mturk/externalSubmit", s.endpoint());
    assert!(content.contains(&format!(r#"action="{submit}""#)), "{content}");
    assert!(content.contains(&format!(r#"var sandbox = "{submit}""#)), "{content}");
    assert!(!content.contains("mturk.com"), "{content}");
    // FrameHeight 0: the page reports its height, and the frame is marked to fit it.
    assert!(content.contains(&format!(r#"<script src="{task_origin}/static/task-frame-"#)), "{content}");
    assert!(work.contains(r#"data-fit="1""#), "{work}");
    // Crowd HTML Elements come from OpenTurk, on the task origin.
    let crowd = format!(r#"<script src="{task_origin}/static/crowd-html-elements-"#);
    assert!(content.contains(&crowd) && !content.contains("assets.crowd.aws"), "{content}");
    let at = content.find(&format!("{task_origin}/static/")).unwrap() + task_origin.len();
    let js_path = content[at..].split('"').next().unwrap().to_string();
    let (st, h, _) = get(&s, &js_path, "", Some(task_host(&s))).await;
    assert_eq!(st, StatusCode::OK);
    assert!(h["content-type"].to_str().unwrap().starts_with("text/javascript"));

    // The frame posts cross-site: no cookie comes with it, and the assignment ID suffices.
    let r = http()
        .post(&submit)
        .header("accept", "text/html")
        .form(&[("assignmentId", aid.as_str()), ("answer", "a cat")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains(&format!("frame-ancestors http://127.0.0.1:{}", s.addr.port())), "{csp}");
    assert!(r.headers().get("x-frame-options").is_none(), "the site's frame shows the confirmation");
    let (_, _, state) = get(&s, &format!("/work/{aid}/state"), &cookie, None).await;
    let state: Value = serde_json::from_str(&state).unwrap();
    assert_eq!((state["AssignmentStatus"].as_str(), state["Open"].as_bool()), (Some("Submitted"), Some(false)));
    let (_, _, done) = get(&s, &work_url, &cookie, None).await;
    assert!(done.contains("Your work was submitted"), "{done}");
    let got = c.get_assignment().assignment_id(&aid).send().await.unwrap();
    assert!(got.assignment().unwrap().answer().unwrap().contains("a cat"));
});

both_backends!(the_task_origin_serves_tasks_only_and_the_site_no_tasks, |b| async move {
    let s = TestServer::start(b).await;
    let cookie = worker_cookie(&s, "worker1").await;
    for path in ["/", "/sign-in", "/hits/x/preview", "/work/x"] {
        let (st, _, page) = get(&s, path, &cookie, Some(task_host(&s))).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{path}");
        assert!(page.contains("serves only task content"), "{path}: {page}");
    }
    // The Requester API and the worker API answer on any host.
    let (st, _, _) = get(&s, "/worker-api/v1/me", "", Some(task_host(&s))).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
});

both_backends!(work_pages_are_the_workers_own_and_return_works, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let hit = create_hit(&c).question(TASK_HTML).send().await.unwrap();
    let hit_id = hit.hit().unwrap().hit_id().unwrap().to_string();
    let (a_cookie, b_cookie) = (worker_cookie(&s, "worker1").await, worker_cookie(&s, "worker2").await);
    let (_, _, preview) = get(&s, &format!("/hits/{hit_id}/preview"), &a_cookie, None).await;
    let (st, h, _) = post(&s, &format!("/hits/{hit_id}/accept"), &a_cookie, &[("csrf", &csrf(&preview))]).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let work_url = h[LOCATION].to_str().unwrap().to_string();
    let aid = work_url.strip_prefix("/work/").unwrap().to_string();

    // Another worker sees neither the page nor its state, and cannot submit it by bearer token.
    let (st, _, _) = get(&s, &work_url, &b_cookie, None).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _, _) = get(&s, &format!("/work/{aid}/state"), &b_cookie, None).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let b_token = b_cookie.strip_prefix("openturk_session=").unwrap();
    let r = http()
        .post(format!("{}/mturk/externalSubmit", s.endpoint()))
        .bearer_auth(b_token)
        .form(&[("assignmentId", aid.as_str()), ("answer", "mine now")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // An unknown assignment ID submits nothing.
    let r = http()
        .post(format!("{}/mturk/externalSubmit", s.endpoint()))
        .form(&[("assignmentId", "3XNOSUCHASSIGNMENT00000000000"), ("answer", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Return: CSRF-checked, then the HIT is open to others again.
    let (_, _, work) = get(&s, &work_url, &a_cookie, None).await;
    let (st, _, _) = post(&s, &format!("{work_url}/return"), &a_cookie, &[("csrf", "forged")]).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, h, _) = post(&s, &format!("{work_url}/return"), &a_cookie, &[("csrf", &csrf(&work))]).await;
    assert_eq!((st, h[LOCATION].to_str().unwrap()), (StatusCode::SEE_OTHER, "/"));
    let (_, _, page) = get(&s, &work_url, &a_cookie, None).await;
    assert!(page.contains("You returned this HIT"), "{page}");
    let (_, _, preview) = get(&s, &format!("/hits/{hit_id}/preview"), &b_cookie, None).await;
    let (st, _, _) = post(&s, &format!("/hits/{hit_id}/accept"), &b_cookie, &[("csrf", &csrf(&preview))]).await;
    assert_eq!(st, StatusCode::SEE_OTHER, "the returned HIT is open again");
});

both_backends!(a_deadline_passing_closes_the_work_page, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let hit = create_hit(&c).question(TASK_HTML).assignment_duration_in_seconds(60).send().await.unwrap();
    let hit_id = hit.hit().unwrap().hit_id().unwrap().to_string();
    let cookie = worker_cookie(&s, "worker1").await;
    let (_, _, preview) = get(&s, &format!("/hits/{hit_id}/preview"), &cookie, None).await;
    let (_, h, _) = post(&s, &format!("/hits/{hit_id}/accept"), &cookie, &[("csrf", &csrf(&preview))]).await;
    let work_url = h[LOCATION].to_str().unwrap().to_string();
    let (_, _, work) = get(&s, &work_url, &cookie, None).await;
    assert!(work.contains(r#"data-seconds-left="60""#), "{work}");
    s.advance(61).await;
    let (_, _, page) = get(&s, &work_url, &cookie, None).await;
    assert!(page.contains("The time for this HIT is up"), "{page}");
    let aid = work_url.strip_prefix("/work/").unwrap();
    let r = http()
        .post(format!("{}/mturk/externalSubmit", s.endpoint()))
        .form(&[("assignmentId", aid), ("answer", "late")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT, "a late submit is refused");
});

both_backends!(external_questions_are_framed_at_their_own_url, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let q = r#"<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://tasks.example.org/study?cond=2</ExternalURL><FrameHeight>600</FrameHeight></ExternalQuestion>"#;
    let hit = create_hit(&c).question(q).send().await.unwrap();
    let hit_id = hit.hit().unwrap().hit_id().unwrap().to_string();
    let cookie = worker_cookie(&s, "worker1").await;
    let (st, h, preview) = get(&s, &format!("/hits/{hit_id}/preview"), &cookie, None).await;
    assert_eq!(st, StatusCode::OK);
    let src = frame_src(&preview);
    assert!(
        src.starts_with("https://tasks.example.org/study?cond=2&assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE&hitId="),
        "{src}"
    );
    assert!(preview.contains(r#"height="600""#));
    // Its own origin keeps its storage; it is still another site than the worker site.
    assert!(preview.contains("allow-same-origin"), "{preview}");
    assert!(h["content-security-policy"].to_str().unwrap().contains("frame-src https://tasks.example.org;"));
});

both_backends!(skip_auto_accept_and_the_queue, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    // Three HITs of one group (same HIT type).
    let mut hits = Vec::new();
    for _ in 0..3 {
        let h = create_hit(&c).question(TASK_HTML).send().await.unwrap();
        hits.push(h.hit().unwrap().clone());
    }
    let group = hits[0].hit_group_id().unwrap().to_string();
    assert!(hits.iter().all(|h| h.hit_group_id() == Some(group.as_str())));
    let cookie = worker_cookie(&s, "worker1").await;
    let (_, _, home) = get(&s, "/", &cookie, None).await;
    let token = csrf(&home);

    // Accept with auto-accept on: the work page keeps it on.
    let (st, h, _) = post(&s, &format!("/groups/{group}/accept"), &cookie, &[("csrf", &token), ("auto", "1")]).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let first = h[LOCATION].to_str().unwrap().to_string();
    assert!(first.ends_with("?auto=1"), "{first}");
    let (_, _, work) = get(&s, &first, &cookie, None).await;
    assert!(work.contains(r#"id="auto" name="auto" value="1" checked"#), "{work}");
    let first_id = first.trim_start_matches("/work/").trim_end_matches("?auto=1").to_string();

    // The queue shows it, with Continue and Return.
    let (_, _, queue) = get(&s, "/queue", &cookie, None).await;
    assert!(queue.contains(&format!("/work/{first_id}")) && queue.contains("Return"), "{queue}");

    // Skip: the next HIT of the group opens, and the skipped one is returned.
    let (st, h, _) = post(&s, &format!("/work/{first_id}/skip"), &cookie, &[("csrf", &token), ("auto", "1")]).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let second = h[LOCATION].to_str().unwrap().to_string();
    let second_id = second.trim_start_matches("/work/").trim_end_matches("?auto=1").to_string();
    assert_ne!(second_id, first_id);
    let (_, _, page) = get(&s, &format!("/work/{first_id}"), &cookie, None).await;
    assert!(page.contains("You returned this HIT"), "{page}");

    // Submitting with auto-accept on: the page's form accepts the next HIT; when the group has
    // none left for this worker, it says so.
    let submit = format!("{}/mturk/externalSubmit", s.endpoint());
    let mut current = second_id;
    let mut opened = 0;
    loop {
        let r = http().post(&submit).form(&[("assignmentId", current.as_str()), ("answer", "x")]).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let (st, h, body) =
            post(&s, &format!("/groups/{group}/accept"), &cookie, &[("csrf", &token), ("auto", "1")]).await;
        if st == StatusCode::SEE_OTHER {
            opened += 1;
            current =
                h[LOCATION].to_str().unwrap().trim_start_matches("/work/").trim_end_matches("?auto=1").to_string();
        } else {
            assert_eq!(st, StatusCode::OK);
            assert!(body.contains("No HITs left in this group"), "{body}");
            break;
        }
        assert!(opened <= 3, "auto-accept must end");
    }
    // The returned first HIT was open again, so after the second, two more were worked.
    assert_eq!(opened, 2);
    let (_, _, queue) = get(&s, "/queue", &cookie, None).await;
    assert!(queue.contains("You have no HITs in progress"), "{queue}");
});

both_backends!(changing_the_password_ends_other_sessions, |b| async move {
    let s = TestServer::start(b).await;
    let (_, token) = s.worker("worker1").await;
    // A second session of the same worker, elsewhere.
    let svc = s.service.clone();
    let other = common::sync(|| svc.sign_in("worker1", "password-123", None)).unwrap().token;
    let body = |cur: &str, new: &str| Some(serde_json::json!({ "CurrentPassword": cur, "NewPassword": new }));
    let (st, v) =
        s.worker_call(reqwest::Method::POST, "/me/password", &token, body("wrong-one", "new-password-1")).await;
    assert_eq!((st, v["Error"]["Code"].as_str()), (422, Some("InvalidParameter")), "{v}");
    let (st, _) = s.worker_call(reqwest::Method::POST, "/me/password", &token, body("password-123", "short")).await;
    assert_eq!(st, 422);
    let (st, v) =
        s.worker_call(reqwest::Method::POST, "/me/password", &token, body("password-123", "new-password-1")).await;
    assert_eq!(st, 204, "{v}");
    assert_eq!(s.worker_call(reqwest::Method::GET, "/me", &token, None).await.0, 200, "this session goes on");
    assert_eq!(s.worker_call(reqwest::Method::GET, "/me", &other, None).await.0, 401, "the other one ended");
    let svc = s.service.clone();
    assert!(common::sync(|| svc.sign_in("worker1", "password-123", None)).is_err());
    let svc = s.service.clone();
    let fresh = common::sync(|| svc.sign_in("worker1", "new-password-1", None)).unwrap().token;

    // The same on the site, with its form and CSRF token.
    let cookie = format!("openturk_session={fresh}");
    let (st, _, form) = get(&s, "/account/password", &cookie, None).await;
    assert_eq!(st, StatusCode::OK);
    assert!(form.contains(r#"<label for="current">"#) && form.contains(r#"<label for="again">"#));
    let token = csrf(&form);
    let fields = |again: &'static str| {
        vec![
            ("csrf", token.clone()),
            ("current", "new-password-1".to_string()),
            ("new", "third-password".to_string()),
            ("again", again.to_string()),
        ]
    };
    let f = fields("different");
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (st, _, page) = post(&s, "/account/password", &cookie, &f).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("The two new passwords differ"), "{page}");
    let f = fields("third-password");
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (st, _, _) = post(&s, "/account/password", "", &f).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "no session, no change");
    let (st, _, page) = post(&s, "/account/password", &cookie, &f).await;
    assert_eq!(st, StatusCode::OK, "{page}");
    assert!(page.contains("Your password was changed"));
    let svc = s.service.clone();
    assert!(common::sync(|| svc.sign_in("worker1", "third-password", None)).is_ok());
});

both_backends!(a_requesters_page_lists_its_groups, |b| async move {
    let s = TestServer::start(b).await;
    let svc = s.service.clone();
    let other = common::sync(|| svc.create_requester("other-lab")).unwrap();
    create_hit(&s.client()).title("Default's task").send().await.unwrap();
    create_hit(&s.client_with(&other.access_key_id, &other.secret_access_key))
        .title("Other's task")
        .send()
        .await
        .unwrap();
    let cookie = worker_cookie(&s, "worker1").await;
    let (_, _, home) = get(&s, "/", &cookie, None).await;
    assert!(home.contains("Default&#39;s task") && home.contains("Other&#39;s task"), "{home}");
    assert!(home.contains(&format!("/?requester={}", other.requester_id)), "the requester's name links to its page");
    let (st, _, page) = get(&s, &format!("/?requester={}", other.requester_id), &cookie, None).await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.contains("HITs from other-lab") && page.contains("Other&#39;s task"), "{page}");
    assert!(!page.contains("Default&#39;s task"), "{page}");
    // The worker API takes the same filter.
    let (_, token) = s.worker("worker2").await;
    let (st, v) = s
        .worker_call(reqwest::Method::GET, &format!("/hit-groups?RequesterId={}", other.requester_id), &token, None)
        .await;
    assert_eq!(st, 200);
    let groups = v["HITGroups"].as_array().unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0]["Title"], "Other's task");
});

both_backends!(hit_group_pages_stay_stable_while_hits_are_added, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    for i in 0..5 {
        // Distinct titles and rewards make distinct groups.
        create_hit(&c).title(format!("Task {i}")).reward(format!("0.{}0", i + 1)).send().await.unwrap();
        s.advance(1).await;
    }
    let (_, token) = s.worker("worker1").await;
    for sort in ["Newest", "RewardDesc", "MostAvailable", "Title"] {
        let mut seen: Vec<String> = Vec::new();
        let mut next: Option<String> = None;
        let mut added = 0;
        loop {
            let mut path = format!("/hit-groups?SortBy={sort}&MaxResults=2");
            if let Some(t) = &next {
                path.push_str(&format!("&NextToken={t}"));
            }
            let (st, v) = s.worker_call(reqwest::Method::GET, &path, &token, None).await;
            assert_eq!(st, 200, "{v}");
            for g in v["HITGroups"].as_array().unwrap() {
                seen.push(g["Title"].as_str().unwrap().to_string());
            }
            // A new group arrives between pages: it sorts before the page already read.
            if added == 0 {
                create_hit(&c).title(format!("Late {sort}")).reward("0.05").send().await.unwrap();
                added += 1;
            }
            match v["NextToken"].as_str() {
                Some(t) => next = Some(t.to_string()),
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "{sort}: no group twice: {seen:?}");
        for i in 0..5 {
            assert!(seen.contains(&format!("Task {i}")), "{sort}: no group skipped: {seen:?}");
        }
    }
    let (st, v) = s.worker_call(reqwest::Method::GET, "/hit-groups?NextToken=og2.bm9wZQ", &token, None).await;
    assert_eq!((st, v["Error"]["Code"].as_str()), (422, Some("InvalidParameter")), "{v}");
});

const SITE_FORM: &str = r#"<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">
  <Question>
    <QuestionIdentifier>fruit</QuestionIdentifier>
    <IsRequired>true</IsRequired>
    <QuestionContent><Text>Which fruits do you like?</Text><Binary><MimeType><Type>image</Type></MimeType><DataURL>https://img.example.org/fruit.png</DataURL><AltText>Fruit</AltText></Binary></QuestionContent>
    <AnswerSpecification><SelectionAnswer><MinSelectionCount>1</MinSelectionCount><MaxSelectionCount>2</MaxSelectionCount><StyleSuggestion>checkbox</StyleSuggestion>
      <Selections><Selection><SelectionIdentifier>apple</SelectionIdentifier><Text>Apple</Text></Selection><Selection><SelectionIdentifier>banana</SelectionIdentifier><Text>Banana</Text></Selection><Selection><SelectionIdentifier>cherry</SelectionIdentifier><Text>Cherry</Text></Selection></Selections>
    </SelectionAnswer></AnswerSpecification>
  </Question>
  <Question>
    <QuestionIdentifier>code</QuestionIdentifier>
    <QuestionContent><Text>Your code</Text></QuestionContent>
    <AnswerSpecification><FreeTextAnswer><Constraints><AnswerFormatRegex regex="^[A-Z]{2}-\d{3}$" errorText="Enter a code like AB-123."/></Constraints></FreeTextAnswer></AnswerSpecification>
  </Question>
</QuestionForm>"#;

both_backends!(a_question_form_is_worked_natively_on_the_site, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let hit = create_hit(&c).question(SITE_FORM).send().await.unwrap();
    let hit_id = hit.hit().unwrap().hit_id().unwrap().to_string();
    let cookie = worker_cookie(&s, "worker1").await;
    // The preview shows the form, disabled; the page may show the requester's image.
    let (st, h, preview) = get(&s, &format!("/hits/{hit_id}/preview"), &cookie, None).await;
    assert_eq!(st, StatusCode::OK);
    assert!(preview.contains("<fieldset disabled") && preview.contains("Which fruits do you like?"), "{preview}");
    assert!(!preview.contains("<iframe"), "a QuestionForm is not framed");
    assert!(h["content-security-policy"].to_str().unwrap().contains("img-src 'self' data: https: http:"));
    let (_, h, _) = post(&s, &format!("/hits/{hit_id}/accept"), &cookie, &[("csrf", &csrf(&preview))]).await;
    let work_url = h[LOCATION].to_str().unwrap().to_string();
    let aid = work_url.trim_start_matches("/work/").to_string();
    let (_, _, work) = get(&s, &work_url, &cookie, None).await;
    assert!(work.contains(&format!(r#"action="/work/{aid}/submit""#)), "{work}");
    let token = csrf(&work);

    // A failing answer: 422, each error next to its question, the worker's input kept, nothing stored.
    let (st, _, page) = post(
        &s,
        &format!("/work/{aid}/submit"),
        &cookie,
        &[("csrf", &token), ("fruit", "apple"), ("fruit", "banana"), ("fruit", "cherry"), ("code", "nope <b>")],
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("Enter a code like AB-123."), "{page}");
    assert!(
        page.contains(r#"value="nope &lt;b&gt;""#) || page.contains("nope &lt;b&gt;"),
        "the input is kept, escaped"
    );
    assert!(page.contains("aria-invalid"), "{page}");
    let (_, _, state) = get(&s, &format!("/work/{aid}/state"), &cookie, None).await;
    assert!(state.contains(r#""Open":true"#), "{state}");

    // Then a passing one: stored as selections and free text.
    let (st, h, _) = post(
        &s,
        &format!("/work/{aid}/submit"),
        &cookie,
        &[("csrf", &token), ("fruit", "apple"), ("fruit", "cherry"), ("code", "AB-123")],
    )
    .await;
    assert_eq!((st, h[LOCATION].to_str().unwrap()), (StatusCode::SEE_OTHER, work_url.as_str()));
    let got = c.get_assignment().assignment_id(&aid).send().await.unwrap();
    let answer = got.assignment().unwrap().answer().unwrap().to_string();
    assert!(
        answer.contains(
            "<SelectionIdentifier>apple</SelectionIdentifier><SelectionIdentifier>cherry</SelectionIdentifier>"
        ),
        "{answer}"
    );
    assert!(answer.contains("<FreeText>AB-123</FreeText>"), "{answer}");
    // Without the CSRF token nothing is submitted.
    let (st, _, _) = post(&s, &format!("/work/{aid}/submit"), &cookie, &[("fruit", "apple")]).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
});

both_backends!(a_question_form_submit_with_auto_accept_opens_the_next_hit, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    for _ in 0..2 {
        create_hit(&c).question(SITE_FORM).send().await.unwrap();
    }
    let cookie = worker_cookie(&s, "worker1").await;
    let (_, _, home) = get(&s, "/", &cookie, None).await;
    let token = csrf(&home);
    let group = home.split("/groups/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let (_, h, _) = post(&s, &format!("/groups/{group}/accept"), &cookie, &[("csrf", &token), ("auto", "1")]).await;
    let mut work = h[LOCATION].to_str().unwrap().to_string();
    let answers = |t: &str| {
        vec![("csrf", t.to_string()), ("auto", "1".into()), ("fruit", "apple".into()), ("code", "AB-123".into())]
    };
    for round in 0..2 {
        let aid = work.trim_start_matches("/work/").trim_end_matches("?auto=1").to_string();
        let f = answers(&token);
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (st, h, page) = post(&s, &format!("/work/{aid}/submit"), &cookie, &f).await;
        if round == 0 {
            assert_eq!(st, StatusCode::SEE_OTHER, "{page}");
            work = h[LOCATION].to_str().unwrap().to_string();
            assert!(work.ends_with("?auto=1") && !work.contains(&aid), "the next HIT opens: {work}");
        } else {
            assert_eq!(st, StatusCode::OK);
            assert!(page.contains("No HITs left in this group"), "{page}");
        }
    }
});
