//! ListReviewPolicyResultsForHIT with aws-sdk-mturk on both backends: its levels, filters,
//! pages and owner; and CreateHIT refusing bad review policies.

use crate::common;
use crate::review_support;

use aws_sdk_mturk::types::{ReviewPolicy, ReviewPolicyLevel};
use common::{create_hit, err, TestServer};
use review_support::*;
use serde_json::json;

both_backends!(listing_levels_filters_pages_and_owners, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = both_policies_hit(&c, 2).await;
    for (i, answers) in
        [json!({"gold": "G", "label": "x"}), json!({"gold": "bad", "label": "x"})].into_iter().enumerate()
    {
        let (_, t) = s.worker(&format!("lw{i}")).await;
        work(&s, &t, &id, answers).await;
    }
    let full = report(&c, &id).await;
    let (ar, aa) = (results(full.assignment_review_report()), actions(full.assignment_review_report()));
    let (hr, ha) = (results(full.hit_review_report()), actions(full.hit_review_report()));
    assert_eq!((ar.len(), aa.len()), (4, 1), "{ar:?} {aa:?}");
    assert!(!hr.is_empty() && !ha.is_empty());
    assert!(full.next_token().is_some(), "a non-empty page carries a NextToken");

    // One level: the other's policy and report are left out.
    let only_hit =
        c.list_review_policy_results_for_hit().hit_id(&id).policy_levels(ReviewPolicyLevel::Hit).send().await.unwrap();
    assert!(only_hit.assignment_review_policy().is_none() && only_hit.assignment_review_report().is_none());
    assert_eq!(results(only_hit.hit_review_report()), hr);
    // Results without actions, actions without results.
    let no_actions = c.list_review_policy_results_for_hit().hit_id(&id).retrieve_actions(false).send().await.unwrap();
    assert!(no_actions.hit_review_report().unwrap().review_actions().is_empty());
    assert_eq!(results(no_actions.assignment_review_report()), ar);
    let no_results = c
        .list_review_policy_results_for_hit()
        .hit_id(&id)
        .policy_levels(ReviewPolicyLevel::Assignment)
        .retrieve_results(false)
        .retrieve_actions(true)
        .send()
        .await
        .unwrap();
    assert!(no_results.assignment_review_report().unwrap().review_results().is_empty());
    assert_eq!(actions(no_results.assignment_review_report()), aa);

    // Pages of 2: every entry once, in order, and a last, empty page.
    let mut token: Option<String> = None;
    let (mut got_r, mut got_a, mut pages) = (Vec::new(), Vec::new(), 0);
    loop {
        let p = c
            .list_review_policy_results_for_hit()
            .hit_id(&id)
            .max_results(2)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        let n = [p.assignment_review_report(), p.hit_review_report()]
            .iter()
            .map(|r| r.map(|r| r.review_results().len() + r.review_actions().len()).unwrap_or(0))
            .sum::<usize>();
        assert!(n <= 2);
        pages += 1;
        got_r.extend(results(p.assignment_review_report()));
        got_r.extend(results(p.hit_review_report()));
        got_a.extend(actions(p.assignment_review_report()));
        got_a.extend(actions(p.hit_review_report()));
        match p.next_token() {
            Some(t) => {
                assert!(n > 0);
                token = Some(t.to_string());
            }
            None => {
                assert_eq!(n, 0, "only an empty page ends the listing");
                break;
            }
        }
    }
    let total = ar.len() + aa.len() + hr.len() + ha.len();
    assert_eq!(pages, total.div_ceil(2) + 1);
    assert_eq!(got_r.len() + got_a.len(), total);
    for r in ar.iter().chain(&hr) {
        assert!(got_r.contains(r), "{r:?} missing from the pages");
    }
    // The SDK's paginator reads the same pages.
    let pages: Vec<_> = c
        .list_review_policy_results_for_hit()
        .hit_id(&id)
        .max_results(3)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert_eq!(pages.len(), total.div_ceil(3) + 1);

    // Only the owner sees them; bad parameters are refused.
    let other = common::sync(|| s.service.create_requester("other")).unwrap();
    let c2 = s.client_with(&other.access_key_id, &other.secret_access_key);
    let e = c2.list_review_policy_results_for_hit().hit_id(&id).send().await.unwrap_err();
    let (code, msg) = err(e);
    assert_eq!(code, "RequestError");
    assert!(msg.contains("does not exist"), "{msg}");
    let e = c.list_review_policy_results_for_hit().hit_id("NOSUCHHIT").send().await.unwrap_err();
    assert!(err(e).1.contains("does not exist"));
    let e = c
        .list_review_policy_results_for_hit()
        .hit_id(&id)
        .policy_levels(ReviewPolicyLevel::from("Worker"))
        .send()
        .await
        .unwrap_err();
    assert!(err(e).1.contains("[Assignment, HIT]"));
    let e = c.list_review_policy_results_for_hit().hit_id(&id).max_results(0).send().await.unwrap_err();
    assert!(err(e).1.contains("MaxResults"));
    s.verify_ledger();
});

both_backends!(bad_policies_are_refused_and_change_nothing, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let key = || answer_key(&[("q", &["A"])]);
    let cases: Vec<(Option<ReviewPolicy>, Option<ReviewPolicy>, &str)> = vec![
        (
            Some(policy("ScoreMyKnownAnswers/2020-01-01", vec![key()])),
            None,
            "'ScoreMyKnownAnswers/2020-01-01' cannot be used here",
        ),
        (Some(policy(PLURALITY, vec![])), None, "AssignmentReviewPolicy.PolicyName"),
        (None, Some(policy(KNOWN, vec![key()])), "HITReviewPolicy.PolicyName"),
        (Some(policy(KNOWN, vec![])), None, "'AnswerKey' of ScoreMyKnownAnswers/2011-09-01 is required"),
        (Some(policy(KNOWN, vec![key(), param("AutoApprove", &["T"])])), None, "'AutoApprove' is not a parameter"),
        (Some(policy(KNOWN, vec![key(), param("ApproveIfKnownAnswerScoreIsAtLeast", &["102"])])), None, "0 to 101"),
        (Some(policy(KNOWN, vec![key(), param("ExtendMaximumAssignments", &["30"])])), None, "2 to 25"),
        (None, Some(policy(PLURALITY, vec![param("QuestionIds", &["q"])])), "'QuestionAgreementThreshold'"),
        (
            None,
            Some(policy(
                PLURALITY,
                vec![
                    param("QuestionIds", &["q"]),
                    param("QuestionAgreementThreshold", &["50"]),
                    param("ExtendIfHITAgreementScoreIsLessThan", &["50"]),
                ],
            )),
            "'ExtendMaximumAssignments' of SimplePlurality/2011-09-01 is required when",
        ),
        (
            None,
            Some(policy(
                PLURALITY,
                vec![
                    param("QuestionIds", &["q"]),
                    param("QuestionAgreementThreshold", &["50"]),
                    param("DisregardAssignmentIfRejected", &["yes"]),
                ],
            )),
            "T or F",
        ),
    ];
    for (a, h, want) in cases {
        let e = create_hit(&c).set_assignment_review_policy(a).set_hit_review_policy(h).send().await.unwrap_err();
        let (code, msg) = err(e);
        assert_eq!(code, "RequestError");
        assert!(msg.contains(want), "{want:?} not in {msg}");
    }
    assert!(c.list_hits().send().await.unwrap().hits().is_empty(), "nothing was created");
    s.verify_ledger();
});
