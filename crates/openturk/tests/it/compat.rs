//! What real MTurk tools depend on beyond the API Reference, found by running Mephisto and the
//! JavaScript SDK against OpenTurk: a NextToken on every non-empty page, MTurk's spelling of
//! TurkErrorCodes, and the counts of an expired HIT. aws-sdk-mturk on both backends.

use crate::common;

use aws_sdk_mturk::operation::get_assignment::GetAssignmentError;
use aws_sdk_mturk::operation::get_hit::GetHITError;
use aws_sdk_mturk::types::HitStatus;
use common::{create_hit, TestServer};
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

/// A worker accepts and submits one assignment of the HIT; returns (WorkerId, AssignmentId).
async fn work(s: &TestServer, name: &str, hit_id: &str) -> (String, String) {
    let (wid, token) = s.worker(name).await;
    let (st, a) = s.worker_call(Method::POST, &format!("/hits/{hit_id}/accept"), &token, None).await;
    assert_eq!(st, 201, "{a}");
    let aid = a["AssignmentId"].as_str().unwrap().to_string();
    let body = json!({ "Answers": { "answer": "x" } });
    let (st, r) = s.worker_call(Method::POST, &format!("/assignments/{aid}/submit"), &token, Some(body)).await;
    assert_eq!(st, 200, "{r}");
    (wid, aid)
}

/// The NumResults and NextToken of each page of a listing read by hand, as Mephisto's
/// `get_outstanding_hits` reads it: until an empty page.
macro_rules! walk {
    ($call:expr) => {{
        let mut pages: Vec<(i32, Option<String>)> = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = $call.set_next_token(token.clone()).send().await.unwrap();
            let n = page.num_results().unwrap();
            pages.push((n, page.next_token().map(str::to_string)));
            if n == 0 {
                break;
            }
            // A non-empty page always says where to go on.
            token = Some(page.next_token().expect("a non-empty page carries a NextToken").to_string());
            assert!(pages.len() < 10, "the listing does not end: {pages:?}");
        }
        pages.iter().map(|(n, t)| (*n, t.is_some())).collect::<Vec<_>>()
    }};
}

/// The page sizes an SDK paginator yields; it must stop by itself.
macro_rules! paginate {
    ($call:expr) => {{
        let mut stream = $call.into_paginator().send();
        let mut sizes = Vec::new();
        let all = async {
            while let Some(page) = stream.next().await {
                sizes.push(page.unwrap().num_results().unwrap());
            }
        };
        tokio::time::timeout(Duration::from_secs(30), all).await.expect("the paginator stops");
        sizes
    }};
}

both_backends!(every_non_empty_page_carries_a_next_token, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let mut hits = Vec::new();
    for _ in 0..3 {
        hits.push(create_hit(&c).max_assignments(3).send().await.unwrap().hit.unwrap().hit_id.unwrap());
    }
    let expect = vec![(2, true), (1, true), (0, false)];

    // ListHITs: the page holding the last HIT still has a NextToken; the empty page has none.
    assert_eq!(walk!(c.list_hits().max_results(2)), expect);
    // All on one page: it too has a NextToken (Mephisto reads it unconditionally).
    let one = c.list_hits().send().await.unwrap();
    assert_eq!(one.num_results(), Some(3));
    assert!(one.next_token().is_some());
    assert_eq!(paginate!(c.list_hits().max_results(2)), vec![2, 1, 0]);

    // ListAssignmentsForHIT.
    let mut assignments = Vec::new();
    for name in ["ana", "ben", "cyd"] {
        assignments.push(work(&s, name, &hits[0]).await);
    }
    assert_eq!(walk!(c.list_assignments_for_hit().hit_id(&hits[0]).max_results(2)), expect);
    assert_eq!(paginate!(c.list_assignments_for_hit().hit_id(&hits[0]).max_results(2)), vec![2, 1, 0]);

    // ListReviewableHITs: three expired HITs.
    for h in &hits {
        c.update_expiration_for_hit()
            .hit_id(h)
            .expire_at(aws_sdk_mturk::primitives::DateTime::from_secs(0))
            .send()
            .await
            .unwrap();
    }
    assert_eq!(walk!(c.list_reviewable_hits().max_results(2)), expect);
    assert_eq!(paginate!(c.list_reviewable_hits().max_results(2)), vec![2, 1, 0]);

    // ListBonusPayments, by HIT and by assignment.
    let (worker, asg) = &assignments[0];
    c.approve_assignment().assignment_id(asg).send().await.unwrap();
    for i in 0..3 {
        c.send_bonus()
            .worker_id(worker)
            .assignment_id(asg)
            .bonus_amount("0.10")
            .reason(format!("thanks {i}"))
            .send()
            .await
            .unwrap();
    }
    assert_eq!(walk!(c.list_bonus_payments().hit_id(&hits[0]).max_results(2)), expect);
    assert_eq!(walk!(c.list_bonus_payments().assignment_id(asg).max_results(2)), expect);
    assert_eq!(paginate!(c.list_bonus_payments().hit_id(&hits[0]).max_results(2)), vec![2, 1, 0]);

    // An empty listing is one empty page without a NextToken.
    let none = c.list_bonus_payments().hit_id(&hits[1]).send().await.unwrap();
    assert_eq!((none.num_results(), none.next_token()), (Some(0), None));
});

both_backends!(turk_error_codes_are_spelled_as_mturk_spells_them, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    match c.get_hit().hit_id("3NOSUCHHIT00000000000000000000").send().await.unwrap_err().into_service_error() {
        GetHITError::RequestError(e) => {
            assert_eq!(e.turk_error_code(), Some("AWS.MechanicalTurk.HITDoesNotExist"));
            assert!(e.message().unwrap().starts_with("Hit 3NOSUCHHIT00000000000000000000 does not exist."));
        }
        other => panic!("expected a RequestError, got {other:?}"),
    }
    match c
        .get_assignment()
        .assignment_id("3NOSUCHASG00000000000000000000")
        .send()
        .await
        .unwrap_err()
        .into_service_error()
    {
        GetAssignmentError::RequestError(e) => {
            assert_eq!(e.turk_error_code(), Some("AWS.MechanicalTurk.AssignmentDoesNotExist"))
        }
        other => panic!("expected a RequestError, got {other:?}"),
    }
    // CreateHIT's repeated UniqueRequestToken: `Hit`, as the API Reference spells this one.
    create_hit(&c).unique_request_token("tok-1").send().await.unwrap();
    let e = create_hit(&c).unique_request_token("tok-1").send().await.unwrap_err().into_service_error();
    let aws_sdk_mturk::operation::create_hit::CreateHITError::RequestError(e) = e else { panic!("{e:?}") };
    assert_eq!(e.turk_error_code(), Some("AWS.MechanicalTurk.HitAlreadyExists"));
    // DeleteHIT of an Assignable HIT: `InvalidHITState`.
    let id = create_hit(&c).send().await.unwrap().hit.unwrap().hit_id.unwrap();
    let e = c.delete_hit().hit_id(&id).send().await.unwrap_err().into_service_error();
    let aws_sdk_mturk::operation::delete_hit::DeleteHITError::RequestError(e) = e else { panic!("{e:?}") };
    assert_eq!(e.turk_error_code(), Some("AWS.MechanicalTurk.InvalidHITState"));
});

both_backends!(an_expired_hit_reports_the_slots_never_taken, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let untouched = create_hit(&c).max_assignments(3).lifetime_in_seconds(60).send().await.unwrap().hit.unwrap();
    let untouched = untouched.hit_id.unwrap();
    let worked = create_hit(&c).max_assignments(3).lifetime_in_seconds(60).send().await.unwrap().hit.unwrap();
    let (group, worked) = (worked.hit_group_id.unwrap(), worked.hit_id.unwrap());
    work(&s, "ana", &worked).await;
    s.advance(61).await;

    // MTurk's counts: the slots nobody took stay "available" once the HIT has expired, which
    // is how Mephisto tells an expired HIT (Reviewable, some available) from a finished one.
    let h = c.get_hit().hit_id(&untouched).send().await.unwrap().hit.unwrap();
    assert_eq!(h.hit_status(), Some(&HitStatus::Reviewable));
    let counts =
        (h.number_of_assignments_available(), h.number_of_assignments_pending(), h.number_of_assignments_completed());
    assert_eq!(counts, (Some(3), Some(0), Some(0)));
    let h = c.get_hit().hit_id(&worked).send().await.unwrap().hit.unwrap();
    assert_eq!(h.hit_status(), Some(&HitStatus::Reviewable));
    assert_eq!(h.number_of_assignments_available(), Some(2));
    let listed = c.list_reviewable_hits().send().await.unwrap();
    assert!(listed.hits().iter().all(|h| h.number_of_assignments_available() > Some(0)));
    assert_eq!(listed.num_results(), Some(2));

    // Yet the HIT is closed: nothing is held for those slots, the books balance, workers
    // neither see nor accept it.
    let bal = c.get_account_balance().send().await.unwrap();
    assert_eq!(bal.on_hold_balance(), Some("0.60"), "only the submitted assignment's reward and fee");
    s.verify_ledger();
    let (_, t) = s.worker("ben").await;
    let (st, groups) = s.worker_call(Method::GET, "/hit-groups", &t, None).await;
    assert_eq!(st, 200);
    assert_eq!(groups["HITGroups"].as_array().unwrap().len(), 0, "{groups}");
    let (st, e) = s.worker_call(Method::POST, &format!("/hits/{untouched}/accept"), &t, None).await;
    assert_eq!(st, 409, "{e}");
    let (st, e) = s.worker_call(Method::POST, &format!("/hit-groups/{group}/accept"), &t, None).await;
    assert_eq!(st, 409, "{e}");
    let h = c.get_hit().hit_id(&untouched).send().await.unwrap().hit.unwrap();
    assert_eq!((h.hit_status(), h.number_of_assignments_available()), (Some(&HitStatus::Reviewable), Some(3)));

    // Extending it opens the same slots again.
    c.update_expiration_for_hit()
        .hit_id(&untouched)
        .expire_at(aws_sdk_mturk::primitives::DateTime::from_secs(s.now_secs() + 3600))
        .send()
        .await
        .unwrap();
    let h = c.get_hit().hit_id(&untouched).send().await.unwrap().hit.unwrap();
    assert_eq!((h.hit_status(), h.number_of_assignments_available()), (Some(&HitStatus::Assignable), Some(3)));
    s.verify_ledger();
});
