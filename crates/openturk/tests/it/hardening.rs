//! Regression tests for the faults an outside probe found (issue 9): unbounded work before
//! authentication, a cache that failed requests could grow, answers stored as the wrong kind,
//! and signatures that did not bind the service or the operation.

use crate::common;

use common::TestServer;
use openturk_protocol::sigv4;
use reqwest::Method;
use serde_json::{json, Value};

fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Posts a Requester API call signed with our own signer, for `service` and `region`, covering
/// exactly `signed` of the headers; returns (status, body).
async fn post_signed(
    s: &TestServer,
    target: &str,
    body: &str,
    region: &str,
    service: &str,
    secret: &str,
    signed: &[&str],
) -> (u16, Value) {
    let host = s.addr.to_string();
    let target = format!("MTurkRequesterServiceV20170117.{target}");
    let all = [("host", host.as_str()), ("content-type", "application/x-amz-json-1.1"), ("x-amz-target", &target)];
    let headers: Vec<(&str, &str)> = all.iter().copied().filter(|(n, _)| signed.contains(n)).collect();
    let auth = sigv4::sign("POST", "/", "", &headers, body.as_bytes(), &s.key_id, secret, region, service, now_secs());
    let mut req = reqwest::Client::new()
        .post(s.endpoint() + "/")
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", &target)
        .body(body.to_string());
    for (n, v) in auth {
        req = req.header(n, v);
    }
    let resp = req.send().await.unwrap();
    let st = resp.status().as_u16();
    (st, serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap_or(Value::Null))
}

const ALL_SIGNED: &[&str] = &["host", "content-type", "x-amz-target"];

async fn hit_count(s: &TestServer) -> usize {
    s.client().list_hits().send().await.unwrap().hits().len()
}

both_backends!(a_signature_for_another_service_is_refused, |b| async move {
    let s = TestServer::start(b).await;
    let create = json!({
        "Title": "t", "Description": "d", "Reward": "0.10", "AssignmentDurationInSeconds": 600,
        "LifetimeInSeconds": 600, "MaxAssignments": 1, "Question": common::HTML_QUESTION,
    })
    .to_string();
    for service in ["s3", "execute-api", "mturk"] {
        let (st, v) = post_signed(&s, "CreateHIT", &create, "us-east-1", service, &s.secret, ALL_SIGNED).await;
        assert_eq!((st, v["__type"].as_str()), (400, Some("InvalidSignatureException")), "{service}: {v}");
        assert!(v["message"].as_str().unwrap().contains("'mturk-requester'"), "{v}");
    }
    assert_eq!(hit_count(&s).await, 0, "no HIT was created");
    let (st, v) = post_signed(&s, "CreateHIT", &create, "us-east-1", "mturk-requester", &s.secret, ALL_SIGNED).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(hit_count(&s).await, 1);
});

both_backends!(the_operation_header_must_be_signed, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let hit = common::create_hit(&c).max_assignments(1).send().await.unwrap();
    let hit_id = hit.hit().unwrap().hit_id().unwrap().to_string();
    let (_, token) = s.worker("worker1").await;
    let (st, a) = s.worker_call(Method::POST, &format!("/hits/{hit_id}/accept"), &token, None).await;
    assert_eq!(st, 201, "{a}");
    let aid = a["AssignmentId"].as_str().unwrap().to_string();
    let (st, _) = s
        .worker_call(Method::POST, &format!("/assignments/{aid}/submit"), &token, Some(json!({"Answers": {"a": "x"}})))
        .await;
    assert_eq!(st, 200);

    // A signature over host (and the date) alone would let GetAssignment become ApproveAssignment.
    let body = json!({ "AssignmentId": aid }).to_string();
    for signed in [&["host"][..], &["host", "content-type"][..]] {
        let (st, v) =
            post_signed(&s, "ApproveAssignment", &body, "us-east-1", "mturk-requester", &s.secret, signed).await;
        assert_eq!((st, v["__type"].as_str()), (400, Some("IncompleteSignatureException")), "{v}");
        assert!(v["message"].as_str().unwrap().contains("X-Amz-Target"), "{v}");
    }
    let got = c.get_assignment().assignment_id(&aid).send().await.unwrap();
    assert_eq!(got.assignment().unwrap().assignment_status().unwrap().as_str(), "Submitted", "nothing was paid");

    // The same holds for a presigned URL: X-Amz-SignedHeaders must name x-amz-target.
    let host = s.addr.to_string();
    let target = "MTurkRequesterServiceV20170117.ApproveAssignment";
    for (headers, ok) in
        [(vec![("host", host.as_str())], false), (vec![("host", host.as_str()), ("x-amz-target", target)], true)]
    {
        let query = sigv4::presign(
            "POST",
            "/",
            "",
            &headers,
            body.as_bytes(),
            &s.key_id,
            &s.secret,
            "us-east-1",
            "mturk-requester",
            now_secs(),
            600,
        );
        let resp = reqwest::Client::new()
            .post(format!("{}/?{query}", s.endpoint()))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", target)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let st = resp.status().as_u16();
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        if ok {
            assert_eq!(st, 200, "a presigned URL that signs the target works: {v}");
        } else {
            assert_eq!((st, v["__type"].as_str()), (400, Some("IncompleteSignatureException")), "{v}");
        }
    }
    s.verify_ledger();
});

both_backends!(failed_signatures_leave_nothing_in_the_key_cache, |b| async move {
    let s = TestServer::start(b).await;
    // Distinct, valid-looking regions with a wrong secret: none of them may be remembered.
    for i in 0..200 {
        let (st, v) =
            post_signed(&s, "GetAccountBalance", "{}", &format!("r-{i}"), "mturk-requester", "wrong", ALL_SIGNED).await;
        assert_eq!((st, v["__type"].as_str()), (400, Some("InvalidSignatureException")), "{v}");
    }
    assert_eq!(s.sigv4.usage().0, 0, "failed signatures cached nothing");
    // A 48 KiB region is refused before any key is derived, and is not echoed back.
    let region = "a".repeat(48 * 1024);
    let (st, v) = post_signed(&s, "GetAccountBalance", "{}", &region, "mturk-requester", &s.secret, ALL_SIGNED).await;
    assert_eq!((st, v["__type"].as_str()), (400, Some("InvalidSignatureException")), "{v}");
    assert!(v["message"].as_str().unwrap().len() < 512, "{v}");
    assert_eq!(s.sigv4.usage().0, 0);
    // A good signature is remembered, once.
    for _ in 0..3 {
        s.client().get_account_balance().send().await.unwrap();
    }
    assert_eq!(s.sigv4.usage().0, 1);
    // An unknown access key ID is echoed only in part.
    let long_id = "AKIA".to_string() + &"X".repeat(100);
    let c = s.client_with(&long_id, "secret");
    let (code, msg) = common::err(c.get_account_balance().send().await.unwrap_err());
    assert_eq!(code, "UnrecognizedClientException");
    assert!(!msg.contains(&long_id) && msg.contains(&long_id[..32]), "{msg}");
});

/// A QuestionForm whose Overview nests `depth` levels of XHTML, and one selection question.
fn deep_form(depth: usize) -> String {
    format!(
        r#"<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd"><Overview><FormattedContent><![CDATA[{}deep{}]]></FormattedContent></Overview><Question><QuestionIdentifier>q1</QuestionIdentifier><QuestionContent><Text>Pick one</Text></QuestionContent><AnswerSpecification><SelectionAnswer><Selections><Selection><SelectionIdentifier>A1</SelectionIdentifier><Text>One</Text></Selection><Selection><SelectionIdentifier>A2</SelectionIdentifier><Text>Two</Text></Selection></Selections></SelectionAnswer></AnswerSpecification></Question></QuestionForm>"#,
        "<b>".repeat(depth),
        "</b>".repeat(depth)
    )
}

both_backends!(selection_answers_stay_selections_at_every_accepted_depth, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let (code, msg) = common::err(common::create_hit(&c).question(deep_form(101)).send().await.unwrap_err());
    assert_eq!(code, "RequestError", "{msg}");
    assert!(msg.contains("nested too deeply (more than 100 levels)"), "{msg}");
    let (_, token) = s.worker("worker1").await;
    for depth in [39, 40, 100] {
        let hit = common::create_hit(&c).question(deep_form(depth)).send().await.unwrap();
        let hit_id = hit.hit().unwrap().hit_id().unwrap().to_string();
        let (st, a) = s.worker_call(Method::POST, &format!("/hits/{hit_id}/accept"), &token, None).await;
        assert_eq!(st, 201, "{a}");
        let aid = a["AssignmentId"].as_str().unwrap().to_string();
        let (st, v) = s
            .worker_call(
                Method::POST,
                &format!("/assignments/{aid}/submit"),
                &token,
                Some(json!({"Answers": {"q1": "A1"}})),
            )
            .await;
        assert_eq!(st, 200, "depth {depth}: {v}");
        let got = c.get_assignment().assignment_id(&aid).send().await.unwrap();
        let answer = got.assignment().unwrap().answer().unwrap().to_string();
        assert!(answer.contains("<SelectionIdentifier>A1</SelectionIdentifier>"), "depth {depth}: {answer}");
        assert!(!answer.contains("<FreeText>"), "depth {depth}: {answer}");
    }
});

both_backends!(external_submit_authenticates_first_and_caps_fields, |b| async move {
    let s = TestServer::start(b).await;
    let url = format!("{}/mturk/externalSubmit", s.endpoint());
    let http = reqwest::Client::new();
    let huge: String = (0..80_000).map(|i| format!("f{i}=&")).collect();
    // An unknown caller learns nothing about the form: 401 before it is read.
    let r = http
        .post(&url)
        .header("authorization", "Bearer x")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(huge.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // A signed-in worker with too many fields gets a clear 413, and nothing is submitted.
    let c = s.client();
    let hit = common::create_hit(&c).send().await.unwrap();
    let hit_id = hit.hit().unwrap().hit_id().unwrap().to_string();
    let (_, token) = s.worker("worker1").await;
    let (_, a) = s.worker_call(Method::POST, &format!("/hits/{hit_id}/accept"), &token, None).await;
    let aid = a["AssignmentId"].as_str().unwrap().to_string();
    let r = http
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("assignmentId={aid}&{huge}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["Error"]["Code"], "TooManyFields", "{v}");
    // The same worker's real form goes through; repeated names are one answer, in order.
    let r = http
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("assignmentId={aid}&colour=red&size=big&colour=blue&hitId=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());
    let got = c.get_assignment().assignment_id(&aid).send().await.unwrap();
    let answer = got.assignment().unwrap().answer().unwrap().to_string();
    assert!(
        answer.contains("<QuestionIdentifier>colour</QuestionIdentifier><FreeText>red|blue</FreeText>"),
        "{answer}"
    );
    assert!(!answer.contains("hitId"), "{answer}");
});

both_backends!(unknown_routes_answer_in_each_surfaces_own_shape, |b| async move {
    let s = TestServer::start(b).await;
    let http = reqwest::Client::new();
    // The Requester API: its JSON error, for another path or another method.
    let r = http
        .post(format!("{}/nope", s.endpoint()))
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "MTurkRequesterServiceV20170117.GetAccountBalance")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["__type"], "UnknownOperationException", "{v}");
    let r = http.put(s.endpoint() + "/").body("{}").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let v: Value = r.json().await.unwrap();
    assert!(v["message"].as_str().unwrap().contains("POST"), "{v}");
    // The worker API: {"Error": …}.
    let (_, token) = s.worker("worker1").await;
    let (st, v) = s.worker_call(Method::GET, "/no-such-thing", &token, None).await;
    assert_eq!((st, v["Error"]["Code"].as_str()), (404, Some("NotFound")), "{v}");
    assert!(v["Error"]["Message"].as_str().unwrap().contains("/worker-api/v1/no-such-thing"), "{v}");
    let (st, v) = s.worker_call(Method::DELETE, "/me", &token, None).await;
    assert_eq!((st, v["Error"]["Code"].as_str()), (405, Some("MethodNotAllowed")), "{v}");
    // Anything else: a page.
    let r = http.get(format!("{}/no/such/page", s.endpoint())).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = r.text().await.unwrap();
    assert!(page.contains("Page not found") && page.contains("/no/such/page"), "{page}");
    let r = http.delete(format!("{}/mturk/externalSubmit", s.endpoint())).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 405);
});
