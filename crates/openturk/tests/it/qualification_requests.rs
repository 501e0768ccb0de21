//! Qualification requests and tests, the worker's side (worker API) and the requester's
//! (aws-sdk-mturk), on both backends: manual requests accepted and rejected, AutoGranted types,
//! tests timed by the clock and graded by their answer key with each value mapping, retry
//! delays (the clock moves; nothing sleeps), deletion rejecting pending requests, and the
//! system values computed from a worker's history.

use crate::common;

use aws_sdk_mturk::error::SdkError;
use aws_sdk_mturk::types::QualificationTypeStatus;
use common::{create_hit, TestServer};
use openturk_domain::qualification::Locale;
use openturk_domain::qualification_type::QualificationValue;
use reqwest::Method;
use serde_json::{json, Value};

fn turk<E, R>(e: SdkError<E, R>) -> (String, String)
where
    aws_sdk_mturk::Error: From<SdkError<E, R>>,
{
    match aws_sdk_mturk::Error::from(e) {
        aws_sdk_mturk::Error::RequestError(r) => {
            (r.turk_error_code().unwrap_or("").to_string(), r.message().unwrap_or("").to_string())
        }
        other => panic!("expected a RequestError, got {other:?}"),
    }
}

const TEST: &str = r#"<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd"><Question><QuestionIdentifier>q1</QuestionIdentifier><IsRequired>true</IsRequired><QuestionContent><Text>2 + 2?</Text></QuestionContent><AnswerSpecification><SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion><Selections><Selection><SelectionIdentifier>a</SelectionIdentifier><Text>4</Text></Selection><Selection><SelectionIdentifier>b</SelectionIdentifier><Text>5</Text></Selection></Selections></SelectionAnswer></AnswerSpecification></Question><Question><QuestionIdentifier>q2</QuestionIdentifier><QuestionContent><Text>Capital of France?</Text></QuestionContent><AnswerSpecification><SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion><Selections><Selection><SelectionIdentifier>x</SelectionIdentifier><Text>Paris</Text></Selection><Selection><SelectionIdentifier>y</SelectionIdentifier><Text>Lyon</Text></Selection></Selections></SelectionAnswer></AnswerSpecification></Question></QuestionForm>"#;

/// q1 = a scores 10, q2 = x scores 5 (DefaultScore 1 otherwise), then `mapping`.
fn key(mapping: &str) -> String {
    format!(
        r#"<AnswerKey xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/AnswerKey.xsd"><Question><QuestionIdentifier>q1</QuestionIdentifier><AnswerOption><SelectionIdentifier>a</SelectionIdentifier><AnswerScore>10</AnswerScore></AnswerOption></Question><Question><QuestionIdentifier>q2</QuestionIdentifier><AnswerOption><SelectionIdentifier>x</SelectionIdentifier><AnswerScore>5</AnswerScore></AnswerOption><DefaultScore>1</DefaultScore></Question>{mapping}</AnswerKey>"#
    )
}

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
        .description("for the requests tests")
        .qualification_type_status(QualificationTypeStatus::Active))
    .send()
    .await
    .unwrap()
    .qualification_type
    .unwrap()
    .qualification_type_id
    .unwrap()
}

async fn request(s: &TestServer, token: &str, type_id: &str) -> (u16, Value) {
    s.worker_call(Method::POST, &format!("/qualification-types/{type_id}/request"), token, None).await
}

async fn submit(s: &TestServer, token: &str, request_id: &str, answers: Value) -> (u16, Value) {
    s.worker_call(
        Method::POST,
        &format!("/qualification-requests/{request_id}/submit"),
        token,
        Some(json!({ "Answers": answers })),
    )
    .await
}

async fn score(c: &aws_sdk_mturk::Client, type_id: &str, worker: &str) -> Option<i32> {
    c.get_qualification_score()
        .qualification_type_id(type_id)
        .worker_id(worker)
        .send()
        .await
        .ok()
        .and_then(|r| r.qualification.and_then(|q| q.integer_value))
}

both_backends!(manual_requests_are_accepted_or_rejected, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = create(&c, "Manual", |x| x).await;
    let (w1, t1) = s.worker("mia").await;
    let (w2, t2) = s.worker("max").await;

    // The worker finds the type by searching, and asks for it.
    let (st, list) = s.worker_call(Method::GET, "/qualification-types?Query=MANUAL", &t1, None).await;
    assert_eq!(st, 200, "{list}");
    assert_eq!(list["QualificationTypes"][0]["QualificationTypeId"], id.as_str());
    assert!(list["NextToken"].is_null());
    let (st, r1) = request(&s, &t1, &id).await;
    assert_eq!((st, r1["Status"].as_str()), (201, Some("Submitted")), "{r1}");
    let (st, again) = request(&s, &t1, &id).await;
    assert_eq!((st, again["Error"]["Code"].as_str()), (409, Some("Conflict")), "{again}");
    let (_, r2) = request(&s, &t2, &id).await;

    let l = c.list_qualification_requests().qualification_type_id(&id).send().await.unwrap();
    assert_eq!(l.num_results(), Some(2));
    assert!(l.next_token().is_some());
    let q = &l.qualification_requests()[0];
    assert_eq!((q.worker_id(), q.qualification_type_id()), (Some(w1.as_str()), Some(id.as_str())));
    assert!(q.submit_time().is_some() && q.test().is_none());
    // All of the caller's types when no type is named.
    assert_eq!(c.list_qualification_requests().send().await.unwrap().num_results(), Some(2));

    let r1id = r1["QualificationRequestId"].as_str().unwrap();
    c.accept_qualification_request().qualification_request_id(r1id).integer_value(80).send().await.unwrap();
    assert_eq!(score(&c, &id, &w1).await, Some(80));
    // Accepting twice: the request is no longer Submitted.
    let (code, msg) = turk(c.accept_qualification_request().qualification_request_id(r1id).send().await.unwrap_err());
    assert_eq!(code, "AWS.MechanicalTurk.InvalidQualificationRequestState");
    assert!(msg.contains("This operation can be called with a status of: Submitted"), "{msg}");
    let r2id = r2["QualificationRequestId"].as_str().unwrap();
    c.reject_qualification_request().qualification_request_id(r2id).reason("Not this time").send().await.unwrap();
    assert_eq!(score(&c, &id, &w2).await, None);
    let (_, mine) = s.worker_call(Method::GET, "/qualification-requests", &t2, None).await;
    assert_eq!(mine["QualificationRequests"][0]["Status"], "Rejected");
    assert_eq!(mine["QualificationRequests"][0]["Reason"], "Not this time");
    assert_eq!(c.list_qualification_requests().send().await.unwrap().num_results(), Some(0));

    // No RetryDelayInSeconds: no second request, ever.
    let (st, e) = request(&s, &t2, &id).await;
    assert_eq!((st, e["Error"]["Code"].as_str()), (409, Some("RetakeNotAllowed")), "{e}");
    // Another requester cannot decide, list or see these requests.
    let k2 = common::sync(|| s.service.create_requester("other")).unwrap();
    let c2 = s.client_with(&k2.access_key_id, &k2.secret_access_key);
    let (code, _) = turk(c2.reject_qualification_request().qualification_request_id(r1id).send().await.unwrap_err());
    assert_eq!(code, "AWS.MechanicalTurk.QualificationRequestDoesNotExist");
    let (code, _) = turk(c2.list_qualification_requests().qualification_type_id(&id).send().await.unwrap_err());
    assert_eq!(code, "AWS.MechanicalTurk.PermissionDeniedException");
    // Inactive types and system types cannot be requested.
    let (_, t3) = s.worker("moe").await;
    c.update_qualification_type()
        .qualification_type_id(&id)
        .qualification_type_status(QualificationTypeStatus::Inactive)
        .send()
        .await
        .unwrap();
    let (st, e) = request(&s, &t3, &id).await;
    assert_eq!((st, e["Error"]["Code"].as_str()), (409, Some("InvalidState")), "{e}");
    let (st, _) = request(&s, &t3, "00000000000000000071").await;
    assert_eq!(st, 409);
    let (st, _) = request(&s, &t3, "3NOSUCHTYPE").await;
    assert_eq!(st, 404);
});

both_backends!(auto_granted_types_grant_at_once, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = create(&c, "Auto", |x| x.auto_granted(true).auto_granted_value(9).retry_delay_in_seconds(0)).await;
    let (w, t) = s.worker("ann").await;
    let (st, r) = request(&s, &t, &id).await;
    assert_eq!((st, r["Status"].as_str(), r["IntegerValue"].as_i64()), (201, Some("Granted"), Some(9)), "{r}");
    assert_eq!(score(&c, &id, &w).await, Some(9));
    assert_eq!(c.list_qualification_requests().send().await.unwrap().num_results(), Some(0));
    let (_, mine) = s.worker_call(Method::GET, "/qualifications", &t, None).await;
    assert_eq!(mine["Qualifications"][0]["IntegerValue"], 9);
    // RetryDelayInSeconds 0: asking again at once is allowed.
    let (st, _) = request(&s, &t, &id).await;
    assert_eq!(st, 201);
});

both_backends!(tests_are_graded_by_the_answer_key, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let percent = "<QualificationValueMapping><PercentageMapping><MaximumSummedScore>15</MaximumSummedScore></PercentageMapping></QualificationValueMapping>";
    let scale = "<QualificationValueMapping><ScaleMapping><SummedScoreMultiplier>1.5</SummedScoreMultiplier></ScaleMapping></QualificationValueMapping>";
    let range = "<QualificationValueMapping><RangeMapping><SummedScoreRange><InclusiveLowerBound>0</InclusiveLowerBound><InclusiveUpperBound>10</InclusiveUpperBound><QualificationValue>1</QualificationValue></SummedScoreRange><SummedScoreRange><InclusiveLowerBound>11</InclusiveLowerBound><InclusiveUpperBound>14</InclusiveUpperBound><QualificationValue>2</QualificationValue></SummedScoreRange><OutOfRangeQualificationValue>3</OutOfRangeQualificationValue></RangeMapping></QualificationValueMapping>";
    // (mapping, value for q1=a q2=y [10 + 1 = 11], value for q1=a q2=x [15])
    let cases = [("", 11, 15), (percent, 73, 100), (scale, 17, 23), (range, 2, 3)];
    for (i, (mapping, partly, fully)) in cases.into_iter().enumerate() {
        let id = create(&c, &format!("Graded {i}"), |x| {
            x.test(TEST).answer_key(key(mapping)).test_duration_in_seconds(300).retry_delay_in_seconds(60)
        })
        .await;
        let (w, t) = s.worker(&format!("grace{i}")).await;
        let (st, started) = request(&s, &t, &id).await;
        assert_eq!((st, started["Status"].as_str()), (201, Some("Started")), "{started}");
        assert_eq!(started["Test"], TEST);
        assert_eq!(started["TestDeadline"].as_f64().unwrap() as i64, s.now_secs() + 300);
        // Asking again while the test runs gives the same test back.
        let (_, same) = request(&s, &t, &id).await;
        assert_eq!(same["QualificationRequestId"], started["QualificationRequestId"]);
        let rid = started["QualificationRequestId"].as_str().unwrap();
        // Answers are checked against the form first (q1 is required).
        let (st, bad) = submit(&s, &t, rid, json!({ "q2": "x" })).await;
        assert_eq!((st, bad["Error"]["Code"].as_str()), (422, Some("InvalidAnswer")), "{bad}");
        let (st, graded) = submit(&s, &t, rid, json!({ "q1": "a", "q2": "y" })).await;
        assert_eq!((st, graded["Status"].as_str()), (200, Some("Granted")), "{graded}");
        assert_eq!(graded["IntegerValue"].as_i64(), Some(partly), "mapping {i}");
        assert_eq!(score(&c, &id, &w).await, Some(partly as i32));
        // Graded tests never wait for the requester.
        assert_eq!(
            c.list_qualification_requests().qualification_type_id(&id).send().await.unwrap().num_results(),
            Some(0)
        );
        // A retake for a better score, once the delay has passed.
        let (st, e) = request(&s, &t, &id).await;
        assert_eq!((st, e["Error"]["Code"].as_str()), (409, Some("RetryDelayNotElapsed")), "{e}");
        s.advance(61).await;
        let (_, retake) = request(&s, &t, &id).await;
        let rid = retake["QualificationRequestId"].as_str().unwrap();
        let (_, graded) = submit(&s, &t, rid, json!({ "q1": ["a"], "q2": ["x"] })).await;
        assert_eq!(graded["IntegerValue"].as_i64(), Some(fully), "mapping {i}");
        assert_eq!(score(&c, &id, &w).await, Some(fully as i32));
    }
});

both_backends!(tests_are_timed, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = create(&c, "Timed", |x| x.test(TEST).answer_key(key("")).test_duration_in_seconds(60)).await;
    let (w, t) = s.worker("tim").await;
    let (_, started) = request(&s, &t, &id).await;
    let rid = started["QualificationRequestId"].as_str().unwrap();
    s.advance(61).await;
    let (st, late) = submit(&s, &t, rid, json!({ "q1": "a" })).await;
    assert_eq!((st, late["Error"]["Code"].as_str()), (409, Some("InvalidState")), "{late}");
    assert!(late["Error"]["Message"].as_str().unwrap().contains("ran out"), "{late}");
    assert_eq!(score(&c, &id, &w).await, None);
    // The attempt counted: without RetryDelayInSeconds there is no other.
    let (st, e) = request(&s, &t, &id).await;
    assert_eq!((st, e["Error"]["Code"].as_str()), (409, Some("RetakeNotAllowed")), "{e}");
    // Another worker's request is not this worker's to submit.
    let (_, t2) = s.worker("tam").await;
    let (_, other) = request(&s, &t2, &id).await;
    let (st, _) = submit(&s, &t, other["QualificationRequestId"].as_str().unwrap(), json!({ "q1": "a" })).await;
    assert_eq!(st, 404);
});

both_backends!(tests_without_a_key_wait_for_the_requester, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = create(&c, "Essay", |x| x.test(TEST).test_duration_in_seconds(600)).await;
    let (w, t) = s.worker("eve").await;
    let (_, started) = request(&s, &t, &id).await;
    let rid = started["QualificationRequestId"].as_str().unwrap();
    // A test in progress is not yet the requester's to decide.
    assert_eq!(c.list_qualification_requests().send().await.unwrap().num_results(), Some(0));
    let (st, sub) = submit(&s, &t, rid, json!({ "q1": "b", "q2": "x" })).await;
    assert_eq!((st, sub["Status"].as_str()), (200, Some("Submitted")), "{sub}");
    let l = c.list_qualification_requests().qualification_type_id(&id).send().await.unwrap();
    let q = &l.qualification_requests()[0];
    assert_eq!(q.test(), Some(TEST));
    let answer = q.answer().unwrap();
    assert!(
        answer.contains("<QuestionIdentifier>q1</QuestionIdentifier>")
            && answer.contains("<SelectionIdentifier>b</SelectionIdentifier>"),
        "{answer}"
    );
    c.accept_qualification_request().qualification_request_id(rid).send().await.unwrap();
    assert_eq!(score(&c, &id, &w).await, Some(1));
});

both_backends!(deleting_a_type_rejects_its_pending_requests, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = create(&c, "Doomed", |x| x).await;
    let (_, t) = s.worker("dan").await;
    let (_, r) = request(&s, &t, &id).await;
    c.delete_qualification_type().qualification_type_id(&id).send().await.unwrap();
    let (_, mine) = s.worker_call(Method::GET, "/qualification-requests", &t, None).await;
    assert_eq!(mine["QualificationRequests"][0]["Status"], "Rejected");
    let (code, _) = turk(
        c.accept_qualification_request()
            .qualification_request_id(r["QualificationRequestId"].as_str().unwrap())
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "AWS.MechanicalTurk.InvalidQualificationRequestState");
    let (_, list) = s.worker_call(Method::GET, "/qualification-types", &t, None).await;
    assert_eq!(list["QualificationTypes"].as_array().unwrap().len(), 0);
});

both_backends!(system_values_come_from_the_worker, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let (w, t) = s.worker("sam").await;
    let values = |w: &str| common::sync(|| s.service.qualification_values(w)).unwrap();
    let v = values(&w);
    assert_eq!(
        v.get("00000000000000000071"),
        Some(&QualificationValue::Locale(Locale { country: "US".into(), subdivision: None }))
    );
    assert_eq!(v.get("00000000000000000060"), Some(&QualificationValue::Integer(0)));
    assert_eq!(v.get("00000000000000000040"), Some(&QualificationValue::Integer(0)));
    assert_eq!(v.get("000000000000000000L0"), Some(&QualificationValue::Integer(100)));
    assert_eq!(v.get("2ARFPLSP75KLA8M8DH1HTEQVJT3SY6"), None);

    // Adult: the worker's own setting.
    let (st, _) = s.worker_call(Method::POST, "/me/adult", &t, Some(json!({ "Adult": true }))).await;
    assert_eq!(st, 204);
    assert_eq!(values(&w).get("00000000000000000060"), Some(&QualificationValue::Integer(1)));
    // Masters: an operator's grant.
    common::sync(|| s.service.set_masters("sam", true)).unwrap();
    assert_eq!(values(&w).get("2ARFPLSP75KLA8M8DH1HTEQVJT3SY6"), Some(&QualificationValue::Integer(1)));
    // One approved and one rejected assignment: 1 approved HIT, and still 100 %: fewer than
    // 100 submitted.
    for approve in [true, false] {
        let id = create_hit(&c).send().await.unwrap().hit.unwrap().hit_id.unwrap();
        let (_, a) = s.worker_call(Method::POST, &format!("/hits/{id}/accept"), &t, None).await;
        let aid = a["AssignmentId"].as_str().unwrap().to_string();
        let body = json!({ "Answers": { "answer": "done" } });
        let (st, _) = s.worker_call(Method::POST, &format!("/assignments/{aid}/submit"), &t, Some(body)).await;
        assert_eq!(st, 200);
        if approve {
            c.approve_assignment().assignment_id(&aid).send().await.unwrap();
        } else {
            c.reject_assignment().assignment_id(&aid).requester_feedback("no").send().await.unwrap();
        }
    }
    let v = values(&w);
    assert_eq!(v.get("00000000000000000040"), Some(&QualificationValue::Integer(1)));
    assert_eq!(v.get("000000000000000000L0"), Some(&QualificationValue::Integer(100)));
    // Custom scores are in the same map; revoked ones are not.
    let id = create(&c, "Custom", |x| x).await;
    c.associate_qualification_with_worker()
        .qualification_type_id(&id)
        .worker_id(&w)
        .integer_value(4)
        .send()
        .await
        .unwrap();
    assert_eq!(values(&w).get(&id), Some(&QualificationValue::Integer(4)));
    c.disassociate_qualification_from_worker().qualification_type_id(&id).worker_id(&w).send().await.unwrap();
    assert_eq!(values(&w).get(&id), None);
    // The worker's page shows the system values too.
    let (_, mine) = s.worker_call(Method::GET, "/qualifications", &t, None).await;
    let sys = mine["SystemQualifications"].as_array().unwrap();
    assert!(sys.iter().any(|q| q["Name"] == "Masters" && q["IntegerValue"] == 1), "{mine}");
    assert!(sys
        .iter()
        .any(|q| q["QualificationTypeId"] == "00000000000000000071" && q["LocaleValue"]["Country"] == "US"));
    common::sync(|| s.service.set_masters(&w, false)).unwrap();
    assert_eq!(values(&w).get("2ARFPLSP75KLA8M8DH1HTEQVJT3SY6"), None);
    assert!(common::sync(|| s.service.qualification_values("ANOSUCHWORKER1")).is_err());
});

both_backends!(two_accepts_of_one_request_grant_once, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = create(&c, "Raced", |x| x).await;
    for i in 0..5 {
        let (w, t) = s.worker(&format!("racer{i}")).await;
        let (_, r) = request(&s, &t, &id).await;
        let rid = r["QualificationRequestId"].as_str().unwrap().to_string();
        let (a, b2) = tokio::join!(
            c.accept_qualification_request().qualification_request_id(&rid).integer_value(10).send(),
            c.accept_qualification_request().qualification_request_id(&rid).integer_value(20).send(),
        );
        let (won, lost) = match (a, b2) {
            (Ok(_), Err(e)) => (10, turk(e)),
            (Err(e), Ok(_)) => (20, turk(e)),
            other => panic!("exactly one accept must win: {other:?}"),
        };
        assert_eq!(lost.0, "AWS.MechanicalTurk.InvalidQualificationRequestState", "{}", lost.1);
        assert_eq!(score(&c, &id, &w).await, Some(won));
    }
});

both_backends!(a_test_is_graded_by_the_key_it_was_given_with, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = create(&c, "Changing", |x| x.test(TEST).answer_key(key("")).test_duration_in_seconds(600)).await;
    let (w, t) = s.worker("gus").await;
    let (_, started) = request(&s, &t, &id).await;
    // The requester changes the key while the worker takes the test: q1 = b now scores 100.
    let new_key = key("").replace(
        "<SelectionIdentifier>a</SelectionIdentifier><AnswerScore>10",
        "<SelectionIdentifier>b</SelectionIdentifier><AnswerScore>100",
    );
    let (sub, upd) = tokio::join!(
        submit(&s, &t, started["QualificationRequestId"].as_str().unwrap(), json!({ "q1": "a", "q2": "x" })),
        c.update_qualification_type()
            .qualification_type_id(&id)
            .test(TEST)
            .answer_key(&new_key)
            .test_duration_in_seconds(600)
            .send(),
    );
    upd.unwrap();
    assert_eq!((sub.0, sub.1["IntegerValue"].as_i64()), (200, Some(15)), "{}", sub.1);
    assert_eq!(score(&c, &id, &w).await, Some(15));
    // The next worker's test comes with the new key.
    let (_, t2) = s.worker("gil").await;
    let (_, started) = request(&s, &t2, &id).await;
    let (_, graded) = submit(&s, &t2, started["QualificationRequestId"].as_str().unwrap(), json!({ "q1": "b" })).await;
    assert_eq!(graded["IntegerValue"].as_i64(), Some(101));
});

both_backends!(workers_search_requestable_types, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    for i in 0..3 {
        create(&c, &format!("Survey panel {i}"), |x| x.keywords("panel, survey")).await;
    }
    let hidden =
        create(&c, "Survey panel hidden", |x| x.qualification_type_status(QualificationTypeStatus::Inactive)).await;
    let (_, t) = s.worker("sue").await;
    // Worker API paging: the page with the last types carries no NextToken.
    let (st, p1) = s.worker_call(Method::GET, "/qualification-types?Query=PANEL&MaxResults=2", &t, None).await;
    assert_eq!(st, 200, "{p1}");
    assert_eq!(p1["QualificationTypes"].as_array().unwrap().len(), 2);
    let next = p1["NextToken"].as_str().unwrap();
    let (_, p2) = s
        .worker_call(Method::GET, &format!("/qualification-types?Query=PANEL&MaxResults=2&NextToken={next}"), &t, None)
        .await;
    let last = p2["QualificationTypes"].as_array().unwrap();
    assert_eq!((last.len(), p2["NextToken"].is_null()), (1, true), "{p2}");
    assert!(last[0]["HasTest"] == false && last[0]["AutoGranted"] == false && last[0].get("AnswerKey").is_none());
    let all = [p1["QualificationTypes"].as_array().unwrap().clone(), last.clone()].concat();
    assert!(all.iter().all(|q| q["QualificationTypeId"] != hidden.as_str()), "inactive types are not offered");
    // One type, any: system types too.
    let (st, one) = s.worker_call(Method::GET, "/qualification-types/00000000000000000060", &t, None).await;
    assert_eq!((st, one["Name"].as_str(), one["IsRequestable"].as_bool()), (200, Some("Worker_Adult"), Some(false)));
    let (st, _) = s.worker_call(Method::GET, "/qualification-types/3NOSUCHTYPE", &t, None).await;
    assert_eq!(st, 404);
    let (st, _) = s.worker_call(Method::GET, "/qualification-types?MaxResults=0", &t, None).await;
    assert_eq!(st, 422);
    let (st, e) = s.worker_call(Method::POST, "/me/adult", &t, Some(json!({ "Adult": "yes" }))).await;
    assert_eq!(st, 422, "{e}");
});

// DeleteQualificationType completes once no HIT uses the type: until then (and for an hour at
// least) GetQualificationType shows it Disposing; then it does not exist, with its scores.
both_backends!(a_deleted_type_goes_once_no_hit_uses_it, |b| async move {
    use aws_sdk_mturk::types::{Comparator, QualificationRequirement};
    let s = TestServer::start(b).await;
    let c = s.client();
    let used = common::qualification_type(&c, "Used by a HIT", "d").await;
    let unused = common::qualification_type(&c, "Used by none", "d").await;
    let (worker, _) = s.worker("disposal_worker").await;
    c.associate_qualification_with_worker()
        .qualification_type_id(&used)
        .worker_id(&worker)
        .integer_value(7)
        .send_notification(false)
        .send()
        .await
        .unwrap();
    let req = QualificationRequirement::builder().qualification_type_id(&used).comparator(Comparator::Exists).build();
    let hit = create_hit(&c).qualification_requirements(req.unwrap()).send().await.unwrap().hit.unwrap();
    let hit_id = hit.hit_id().unwrap().to_string();
    for t in [&used, &unused] {
        c.delete_qualification_type().qualification_type_id(t).send().await.unwrap();
    }
    let status = |t: String| {
        let c = c.clone();
        async move {
            match c.get_qualification_type().qualification_type_id(&t).send().await {
                Ok(o) => o.qualification_type.unwrap().qualification_type_status.unwrap().as_str().to_string(),
                Err(e) => turk(e).1,
            }
        }
    };
    assert_eq!(status(used.clone()).await, "Disposing");
    assert_eq!(status(unused.clone()).await, "Disposing");

    // An hour on: the unused type is gone; the one a live HIT requires stays, with its score.
    s.advance(3601).await;
    let gone = |t: &str| format!("QualificationType {t} does not exist. (");
    assert!(status(unused.clone()).await.starts_with(&gone(&unused)), "the unused type is gone");
    assert_eq!(status(used.clone()).await, "Disposing");
    assert_eq!(score(&c, &used, &worker).await, Some(7));

    // Once its HIT is gone, the type goes at the next hourly look.
    c.update_expiration_for_hit()
        .hit_id(&hit_id)
        .expire_at(aws_sdk_mturk::primitives::DateTime::from_secs(0))
        .send()
        .await
        .unwrap();
    c.delete_hit().hit_id(&hit_id).send().await.unwrap();
    assert_eq!(status(used.clone()).await, "Disposing");
    s.advance(3601).await;
    assert!(status(used.clone()).await.starts_with(&gone(&used)), "the type is gone with its HIT");
    let v = common::sync(|| s.service.qualification_values(&worker)).unwrap();
    assert!(!v.contains_key(&used), "its scores went with it");
});
