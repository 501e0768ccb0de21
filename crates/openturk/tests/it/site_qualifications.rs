//! The worker's qualifications on the site (over real HTTP, both backends; the browser tests
//! drive the same pages in Chromium): the Qualifications page with scores, revocations and the
//! requestable types with a search, a type's page, requests the requester decides, tests graded
//! at once by their answer key (constraint failures kept with the input, deadlines, retries),
//! and the Adult setting. Every POST is refused without the form's CSRF token.

use crate::common;
use common::site::{csrf, http};

use aws_sdk_mturk::types::{Comparator, QualificationRequirement, QualificationTypeStatus};
use common::{create_hit, TestServer};
use reqwest::header::{HeaderMap, COOKIE, LOCATION};
use reqwest::StatusCode;

/// A signed-in worker: (WorkerId, its Cookie header).
async fn worker(s: &TestServer, name: &str) -> (String, String) {
    let (id, token) = s.worker(name).await;
    (id, format!("openturk_session={token}"))
}

async fn get(s: &TestServer, path: &str, cookie: &str) -> (StatusCode, HeaderMap, String) {
    let r = http().get(format!("{}{path}", s.endpoint())).header(COOKIE, cookie).send().await.unwrap();
    (r.status(), r.headers().clone(), r.text().await.unwrap())
}

async fn post(s: &TestServer, path: &str, cookie: &str, form: &[(&str, &str)]) -> (StatusCode, HeaderMap, String) {
    let r = http().post(format!("{}{path}", s.endpoint())).header(COOKIE, cookie).form(form).send().await.unwrap();
    (r.status(), r.headers().clone(), r.text().await.unwrap())
}

fn hidden(page: &str, name: &str) -> String {
    let key = format!(r#"name="{name}" value=""#);
    let at = page.find(&key).unwrap_or_else(|| panic!("a hidden {name} field: {page}")) + key.len();
    page[at..at + page[at..].find('"').unwrap()].to_string()
}

fn location(h: &HeaderMap) -> String {
    h[LOCATION].to_str().unwrap().to_string()
}

const TEST: &str = r#"<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd"><Question><QuestionIdentifier>q1</QuestionIdentifier><DisplayName>Sum</DisplayName><IsRequired>true</IsRequired><QuestionContent><Text>2 + 2?</Text></QuestionContent><AnswerSpecification><SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion><Selections><Selection><SelectionIdentifier>a</SelectionIdentifier><Text>4</Text></Selection><Selection><SelectionIdentifier>b</SelectionIdentifier><Text>5</Text></Selection></Selections></SelectionAnswer></AnswerSpecification></Question><Question><QuestionIdentifier>q2</QuestionIdentifier><DisplayName>Capital</DisplayName><IsRequired>true</IsRequired><QuestionContent><Text>Capital of France?</Text></QuestionContent><AnswerSpecification><SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion><Selections><Selection><SelectionIdentifier>x</SelectionIdentifier><Text>Paris</Text></Selection><Selection><SelectionIdentifier>y</SelectionIdentifier><Text>Lyon</Text></Selection></Selections></SelectionAnswer></AnswerSpecification></Question></QuestionForm>"#;

/// q1 = a scores 90, anything else 10.
const KEY: &str = r#"<AnswerKey xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/AnswerKey.xsd"><Question><QuestionIdentifier>q1</QuestionIdentifier><AnswerOption><SelectionIdentifier>a</SelectionIdentifier><AnswerScore>90</AnswerScore></AnswerOption><DefaultScore>10</DefaultScore></Question></AnswerKey>"#;

async fn create(
    c: &aws_sdk_mturk::Client,
    name: &str,
    f: impl FnOnce(
        aws_sdk_mturk::operation::create_qualification_type::builders::CreateQualificationTypeFluentBuilder,
    )
        -> aws_sdk_mturk::operation::create_qualification_type::builders::CreateQualificationTypeFluentBuilder,
) -> String {
    f(c.create_qualification_type()
        .name(name)
        .description(format!("About {name}"))
        .qualification_type_status(QualificationTypeStatus::Active))
    .send()
    .await
    .unwrap()
    .qualification_type
    .unwrap()
    .qualification_type_id
    .unwrap()
}

both_backends!(the_qualifications_page_lists_scores_revocations_and_requestable_types, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let kept = create(&c, "Kept Skill", |x| x).await;
    let lost = create(&c, "Lost Skill", |x| x).await;
    for i in 0..26 {
        create(&c, &format!("Paged {i:02}"), |x| x).await;
    }
    let (wid, cookie) = worker(&s, "quinn").await;
    c.associate_qualification_with_worker()
        .qualification_type_id(&kept)
        .worker_id(&wid)
        .integer_value(70)
        .send()
        .await
        .unwrap();
    c.associate_qualification_with_worker()
        .qualification_type_id(&lost)
        .worker_id(&wid)
        .integer_value(5)
        .send()
        .await
        .unwrap();
    c.disassociate_qualification_from_worker()
        .qualification_type_id(&lost)
        .worker_id(&wid)
        .reason("Too many <mistakes>")
        .send()
        .await
        .unwrap();

    let (st, _, p) = get(&s, "/qualifications", &cookie).await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert!(p.contains(r#"<a href="/qualifications">Qualifications</a>"#), "the navigation links here: {p}");
    for system in ["Worker_PercentAssignmentsApproved", "Worker_NumberHITsApproved", "Worker_Locale", "Worker_Adult"] {
        assert!(p.contains(system), "{system}: {p}");
    }
    assert!(p.contains(">100%<") && p.contains(">US<"), "{p}");
    assert!(!p.contains(">Masters<"), "Masters only once granted: {p}");
    assert!(p.contains("Kept Skill") && p.contains(">70<"), "{p}");
    assert!(p.contains("<strong>Revoked</strong>") && p.contains("Reason: Too many &#60;mistakes&#62;"), "{p}");
    // 28 requestable types: 25 on the first page, the rest on the next.
    assert!(p.contains("Paged 00") && p.contains(r#"rel="next""#), "{p}");
    let next = p.split(r#"rel="next""#).next().unwrap();
    let next = next[next.rfind("href=\"").unwrap() + 6..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    let (st, _, p2) = get(&s, &next, &cookie).await;
    assert_eq!(st, StatusCode::OK, "{p2}");
    assert!(p2.contains("First page") && !p2.contains(r#"rel="next""#), "{p2}");
    // The search is the service's: names, descriptions and keywords, without regard to case.
    let (_, _, found) = get(&s, "/qualifications?q=KEPT", &cookie).await;
    assert!(found.contains(&format!("/qualifications/{kept}")) && !found.contains("Paged 00"), "{found}");
    assert!(found.contains(r#"value="KEPT""#), "the search is kept: {found}");
    let (_, _, none) = get(&s, "/qualifications?q=nothing-like-it", &cookie).await;
    assert!(none.contains("No qualification matches your search."), "{none}");

    // A system type's page shows the worker's value and no Request button.
    let (st, _, sys) = get(&s, "/qualifications/000000000000000000L0", &cookie).await;
    assert_eq!(st, StatusCode::OK, "{sys}");
    assert!(sys.contains("a system qualification") && sys.contains("<strong>100%</strong>"), "{sys}");
    assert!(!sys.contains("/request"), "{sys}");
    let (st, _, _) = get(&s, "/qualifications/3NOSUCHTYPE0000000000000000000", &cookie).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // Signed out: to the sign-in page.
    let (st, h, _) = get(&s, "/qualifications", "").await;
    assert_eq!((st, location(&h).as_str()), (StatusCode::SEE_OTHER, "/sign-in"));
});

both_backends!(a_request_waits_for_the_requester, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = create(&c, "Manual Skill", |x| x.keywords("manual, skill")).await;
    let (_, cookie) = worker(&s, "rita").await;
    let path = format!("/qualifications/{id}");
    let (st, _, p) = get(&s, &path, &cookie).await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert!(p.contains("<h1>Manual Skill</h1>") && p.contains("About Manual Skill") && p.contains("default"), "{p}");
    assert!(p.contains("Ask the requester") && p.contains("only once"), "{p}");
    assert!(p.contains("Request this qualification"), "{p}");

    // Without the form's token (or from another origin) nothing happens.
    let (st, _, _) = post(&s, &format!("{path}/request"), &cookie, &[("csrf", "forged")]).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let r = http()
        .post(format!("{}{path}/request", s.endpoint()))
        .header(COOKIE, &cookie)
        .header("origin", "https://elsewhere.example")
        .form(&[("csrf", csrf(&p).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(c.list_qualification_requests().send().await.unwrap().num_results(), Some(0));

    let (st, h, _) = post(&s, &format!("{path}/request"), &cookie, &[("csrf", &csrf(&p))]).await;
    assert_eq!((st, location(&h)), (StatusCode::SEE_OTHER, path.clone()));
    let (_, _, p) = get(&s, &path, &cookie).await;
    assert!(p.contains("waiting for the requester to accept or reject it"), "{p}");
    assert!(!p.contains("Request this qualification") && !p.contains("You cannot request it now"), "{p}");
    // Asking twice is refused by the service, in its words.
    let (st, _, again) = post(&s, &format!("{path}/request"), &cookie, &[("csrf", &csrf(&p))]).await;
    assert_eq!(st, StatusCode::CONFLICT, "{again}");

    let l = c.list_qualification_requests().qualification_type_id(&id).send().await.unwrap();
    let rid = l.qualification_requests()[0].qualification_request_id().unwrap().to_string();
    c.accept_qualification_request().qualification_request_id(&rid).integer_value(42).send().await.unwrap();
    let (_, _, p) = get(&s, &path, &cookie).await;
    assert!(p.contains("with the score <strong>42</strong>"), "{p}");
    assert!(p.contains("You cannot request it now") && p.contains("does not allow retakes"), "{p}");
});

both_backends!(a_test_is_graded_at_once_and_opens_the_hit, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = create(&c, "Arithmetic", |x| {
        x.test(TEST).answer_key(KEY).test_duration_in_seconds(600).retry_delay_in_seconds(3600)
    })
    .await;
    let req = QualificationRequirement::builder()
        .qualification_type_id(&id)
        .comparator(Comparator::GreaterThanOrEqualTo)
        .integer_values(80)
        .build()
        .unwrap();
    let hit = create_hit(&c).qualification_requirements(req).send().await.unwrap().hit.unwrap();
    let hit_id = hit.hit_id.unwrap();
    let (_, cookie) = worker(&s, "tess").await;

    // Not qualified: the preview links to the type's page.
    let (_, _, preview) = get(&s, &format!("/hits/{hit_id}/preview"), &cookie).await;
    assert!(preview.contains(&format!(r#"href="/qualifications/{id}""#)), "{preview}");

    let path = format!("/qualifications/{id}");
    let (_, _, p) = get(&s, &path, &cookie).await;
    assert!(
        p.contains("Take the test") && p.contains("10 minutes") && p.contains("1 hour after your last request"),
        "{p}"
    );
    let (st, _, _) = post(&s, &format!("{path}/request"), &cookie, &[("csrf", "")]).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, h, _) = post(&s, &format!("{path}/request"), &cookie, &[("csrf", &csrf(&p))]).await;
    assert_eq!((st, location(&h)), (StatusCode::SEE_OTHER, format!("{path}/test")));

    // The test: the native QuestionForm, a countdown, a CSRF token and the request's ID.
    let (st, h, t) = get(&s, &format!("{path}/test"), &cookie).await;
    assert_eq!(st, StatusCode::OK, "{t}");
    assert!(t.contains(r#"data-seconds-left="600""#) && t.contains(r#"role="timer""#), "{t}");
    assert!(t.contains(r#"<legend>Sum"#) && t.contains(r#"name="q1""#) && t.contains(r#"name="q2""#), "{t}");
    assert!(h["content-security-policy"].to_str().unwrap().contains("media-src"), "binary content may load");
    let rid = hidden(&t, "request");
    // The type's page offers to continue it.
    let (_, _, p) = get(&s, &path, &cookie).await;
    assert!(p.contains("Continue the test"), "{p}");

    // A constraint fails: the test comes back with the input kept and the error at its field.
    let (st, _, _) = post(&s, &format!("{path}/test"), &cookie, &[("csrf", "x"), ("request", &rid), ("q1", "a")]).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let form = [("csrf", csrf(&t)), ("request", rid.clone()), ("q1", "a".to_string())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (st, _, bad) = post(&s, &format!("{path}/test"), &cookie, &form).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert!(bad.contains(r#"role="alert""#) && bad.contains(r#"aria-invalid="true""#), "{bad}");
    assert!(bad.contains(r#"value="a" checked"#), "the input is kept: {bad}");

    let form = [("csrf", csrf(&t)), ("request", rid.clone()), ("q1", "a".to_string()), ("q2", "x".to_string())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (st, _, done) = post(&s, &format!("{path}/test"), &cookie, &form).await;
    assert_eq!(st, StatusCode::OK, "{done}");
    assert!(done.contains("Your test was graded") && done.contains("Your score: <strong>90</strong>"), "{done}");
    let (_, _, p) = get(&s, &path, &cookie).await;
    assert!(p.contains("with the score <strong>90</strong>"), "{p}");
    assert!(p.contains("You cannot request it now") && p.contains("again at"), "the retry delay: {p}");
    // The test is over: its page leads back to the type.
    let (st, h, _) = get(&s, &format!("{path}/test"), &cookie).await;
    assert_eq!((st, location(&h)), (StatusCode::SEE_OTHER, path.clone()));

    // Now the HIT can be accepted.
    let (_, _, preview) = get(&s, &format!("/hits/{hit_id}/preview"), &cookie).await;
    assert!(preview.contains("Accept &amp; Work"), "{preview}");
    let (st, h, _) = post(&s, &format!("/hits/{hit_id}/accept"), &cookie, &[("csrf", &csrf(&preview))]).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert!(location(&h).starts_with("/work/"));
});

both_backends!(tests_expire_and_without_a_key_wait_for_the_requester, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let timed = create(&c, "Timed", |x| x.test(TEST).answer_key(KEY).test_duration_in_seconds(60)).await;
    let essay = create(&c, "Essay", |x| x.test(TEST).test_duration_in_seconds(600)).await;
    let (_, cookie) = worker(&s, "uma").await;

    let path = format!("/qualifications/{timed}");
    let (_, _, p) = get(&s, &path, &cookie).await;
    post(&s, &format!("{path}/request"), &cookie, &[("csrf", &csrf(&p))]).await;
    let (_, _, t) = get(&s, &format!("{path}/test"), &cookie).await;
    let rid = hidden(&t, "request");
    s.advance(61).await;
    let form = [("csrf", csrf(&t)), ("request", rid), ("q1", "a".to_string()), ("q2", "x".to_string())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (_, _, late) = post(&s, &format!("{path}/test"), &cookie, &form).await;
    assert!(late.contains("The time for this test ran out"), "{late}");
    assert!(late.contains("only once") && late.contains("does not allow retakes"), "{late}");
    let (_, _, again) = get(&s, &format!("{path}/test"), &cookie).await;
    assert!(again.contains("The time for this test ran out"), "{again}");
    let (_, _, p) = get(&s, &path, &cookie).await;
    assert!(p.contains("the time for it ran out") && p.contains("You cannot request it now"), "{p}");

    let path = format!("/qualifications/{essay}");
    let (_, _, p) = get(&s, &path, &cookie).await;
    post(&s, &format!("{path}/request"), &cookie, &[("csrf", &csrf(&p))]).await;
    let (_, _, t) = get(&s, &format!("{path}/test"), &cookie).await;
    let form =
        [("csrf", csrf(&t)), ("request", hidden(&t, "request")), ("q1", "b".to_string()), ("q2", "x".to_string())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (st, _, sent) = post(&s, &format!("{path}/test"), &cookie, &form).await;
    assert_eq!(st, StatusCode::OK, "{sent}");
    assert!(sent.contains("waiting for the requester"), "{sent}");
    let (_, _, p) = get(&s, &path, &cookie).await;
    assert!(p.contains("Your answers are waiting for the requester"), "{p}");
    // Another type's test cannot be answered through this one's page.
    let (st, _, _) = post(&s, &format!("/qualifications/{timed}/test"), &cookie, &form).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
});

both_backends!(the_adult_acknowledgement_is_a_setting, |b| async move {
    let s = TestServer::start(b).await;
    let (_, cookie) = worker(&s, "vera").await;
    let (st, _, p) = get(&s, "/account", &cookie).await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert!(p.contains(r#"id="adult" name="adult" type="checkbox" value="1" aria-describedby"#), "unticked: {p}");
    assert!(p.contains(r#"href="/account/password""#), "{p}");
    let (st, _, _) = post(&s, "/account/adult", &cookie, &[("csrf", "forged"), ("adult", "1")]).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, h, _) = post(&s, "/account/adult", &cookie, &[("csrf", &csrf(&p)), ("adult", "1")]).await;
    assert_eq!((st, location(&h).as_str()), (StatusCode::SEE_OTHER, "/account?saved=1"));
    let (_, _, p) = get(&s, "/account?saved=1", &cookie).await;
    assert!(p.contains(r#"value="1" checked"#) && p.contains("Your setting was saved."), "{p}");
    let (_, _, q) = get(&s, "/qualifications", &cookie).await;
    assert!(q.contains("1 (you said you are an adult)"), "{q}");
    // Unticked: withdrawn.
    post(&s, "/account/adult", &cookie, &[("csrf", &csrf(&p))]).await;
    let (_, _, q) = get(&s, "/qualifications", &cookie).await;
    assert!(q.contains("0 (not acknowledged)"), "{q}");
    let (st, h, _) = get(&s, "/account", "").await;
    assert_eq!((st, location(&h).as_str()), (StatusCode::SEE_OTHER, "/sign-in"));
});
