//! Reviewing work with aws-sdk-mturk on both backends: empty rejection feedback, and, in
//! production mode, what moving time does to money. (A production server refuses the test
//! clock, so the client suite cannot move its time; these tests move the harness's clock.)

use crate::common;

use aws_sdk_mturk::types::HitStatus;
use common::{create_hit, Options, TestServer};
use openturk_domain::model::Mode;
use openturk_domain::Money;
use reqwest::Method;
use serde_json::json;

/// Accepts `hit_id` and submits an answer; returns the AssignmentId.
async fn work(s: &TestServer, token: &str, hit_id: &str) -> String {
    let (st, a) = s.worker_call(Method::POST, &format!("/hits/{hit_id}/accept"), token, None).await;
    assert_eq!(st, 201, "{a}");
    let aid = a["AssignmentId"].as_str().unwrap().to_string();
    let body = json!({ "Answers": { "answer": "done" } });
    let (st, r) = s.worker_call(Method::POST, &format!("/assignments/{aid}/submit"), token, Some(body)).await;
    assert_eq!(st, 200, "{r}");
    aid
}

async fn balance(c: &aws_sdk_mturk::Client) -> (String, String) {
    let b = c.get_account_balance().send().await.unwrap();
    (b.available_balance().unwrap().to_string(), b.on_hold_balance().unwrap_or("").to_string())
}

both_backends!(reject_with_empty_feedback, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = create_hit(&c).send().await.unwrap().hit.unwrap().hit_id.unwrap();
    let (_, t) = s.worker("pat").await;
    let aid = work(&s, &t, &id).await;
    // psiTurk and oTree send "", and MTurk accepts it.
    c.reject_assignment().assignment_id(&aid).requester_feedback("").send().await.unwrap();
    let a = c.get_assignment().assignment_id(&aid).send().await.unwrap().assignment.unwrap();
    assert_eq!(a.assignment_status().map(|s| s.as_str()), Some("Rejected"));
    // No feedback was specified, so there is none (MTurk's "Default: None").
    assert_eq!(a.requester_feedback(), None);
    let (_, mine) = s.worker_call(Method::GET, "/assignments?Status=Rejected", &t, None).await;
    assert_eq!(mine["Assignments"][0]["AssignmentId"], aid.as_str());
    assert!(mine["Assignments"][0]["RequesterFeedback"].is_null(), "{mine}");
    // (A missing or null RequesterFeedback, still an error, is sent by the client suite: the
    // SDK does not send a request without it.)
    s.verify_ledger();
});

fn production() -> Options {
    Options { mode: Mode::Production, ..Options::default() }
}

both_backends!(production_auto_approval_pays, |b| async move {
    let s = TestServer::start_with(b, production()).await;
    let c = s.client();
    common::sync(|| s.service.deposit("default", Money(500))).unwrap();
    let id = create_hit(&c).reward("2.00").auto_approval_delay_in_seconds(60).send().await.unwrap().hit.unwrap();
    let id = id.hit_id.unwrap();
    let (_, t) = s.worker("quinn").await;
    work(&s, &t, &id).await;
    assert_eq!(balance(&c).await, ("2.60".into(), "2.40".into()));
    s.advance(61).await;
    assert_eq!(balance(&c).await, ("2.60".into(), "0.00".into()));
    let (_, me) = s.worker_call(Method::GET, "/me", &t, None).await;
    assert_eq!(me["Earnings"]["Available"], "2.00");
    s.verify_ledger();
});

both_backends!(production_abandoned_work_keeps_the_slot_held_until_expiry, |b| async move {
    let s = TestServer::start_with(b, production()).await;
    let c = s.client();
    common::sync(|| s.service.deposit("default", Money(1000))).unwrap();
    let hit = create_hit(&c)
        .reward("1.00")
        .lifetime_in_seconds(600)
        .assignment_duration_in_seconds(60)
        .send()
        .await
        .unwrap()
        .hit
        .unwrap();
    let id = hit.hit_id.unwrap();
    let (_, t) = s.worker("rosa").await;
    let (st, _) = s.worker_call(Method::POST, &format!("/hits/{id}/accept"), &t, None).await;
    assert_eq!(st, 201);
    s.advance(61).await;
    let h = c.get_hit().hit_id(&id).send().await.unwrap().hit.unwrap();
    assert_eq!((h.hit_status(), h.number_of_assignments_available()), (Some(&HitStatus::Assignable), Some(1)));
    assert_eq!(balance(&c).await, ("8.80".into(), "1.20".into()));
    s.advance(600).await;
    let h = c.get_hit().hit_id(&id).send().await.unwrap().hit.unwrap();
    assert_eq!(h.hit_status(), Some(&HitStatus::Reviewable));
    assert_eq!(balance(&c).await, ("10.00".into(), "0.00".into()));
    // Extending the expired HIT needs the money again.
    let far = aws_sdk_mturk::primitives::DateTime::from_secs(s.now_secs() + 3600);
    c.update_expiration_for_hit().hit_id(&id).expire_at(far).send().await.unwrap();
    assert_eq!(balance(&c).await, ("8.80".into(), "1.20".into()));
    s.verify_ledger();
});
