//! Review policies with aws-sdk-mturk on both backends: ScoreMyKnownAnswers approving,
//! rejecting and extending as work is submitted; SimplePlurality approving, rejecting,
//! extending and setting HITReviewStatus when the HIT becomes reviewable; the disregard
//! parameters; ListReviewPolicyResultsForHIT with its levels, filters and pages; bad policies
//! refused at CreateHIT. Workers submit through the worker API; the books must balance.

mod common;

use aws_sdk_mturk::operation::list_review_policy_results_for_hit::ListReviewPolicyResultsForHitOutput as Report;
use aws_sdk_mturk::types::{
    AssignmentStatus, HitReviewStatus, HitStatus, ParameterMapEntry, PolicyParameter, ReviewActionStatus, ReviewPolicy,
    ReviewPolicyLevel, ReviewReport,
};
use common::{create_hit, err, TestServer};
use reqwest::Method;
use serde_json::{json, Value};

const KNOWN: &str = "ScoreMyKnownAnswers/2011-09-01";
const PLURALITY: &str = "SimplePlurality/2011-09-01";

fn param(key: &str, values: &[&str]) -> PolicyParameter {
    PolicyParameter::builder().key(key).set_values(Some(values.iter().map(|v| v.to_string()).collect())).build()
}

fn answer_key(entries: &[(&str, &[&str])]) -> PolicyParameter {
    let entries = entries
        .iter()
        .map(|(q, v)| {
            ParameterMapEntry::builder().key(*q).set_values(Some(v.iter().map(|s| s.to_string()).collect())).build()
        })
        .collect();
    PolicyParameter::builder().key("AnswerKey").set_map_entries(Some(entries)).build()
}

fn policy(name: &str, params: Vec<PolicyParameter>) -> ReviewPolicy {
    ReviewPolicy::builder().policy_name(name).set_parameters(Some(params)).build().unwrap()
}

/// Accepts `hit_id` as the worker and submits `answers`; returns the AssignmentId.
async fn work(s: &TestServer, token: &str, hit_id: &str, answers: Value) -> String {
    let (st, a) = s.worker_call(Method::POST, &format!("/hits/{hit_id}/accept"), token, None).await;
    assert_eq!(st, 201, "{a}");
    let aid = a["AssignmentId"].as_str().unwrap().to_string();
    let body = json!({ "Answers": answers });
    let (st, r) = s.worker_call(Method::POST, &format!("/assignments/{aid}/submit"), token, Some(body)).await;
    assert_eq!(st, 200, "{r}");
    aid
}

async fn report(c: &aws_sdk_mturk::Client, hit_id: &str) -> Report {
    c.list_review_policy_results_for_hit().hit_id(hit_id).send().await.unwrap()
}

/// A report's results as (SubjectId, QuestionId, Key, Value).
fn results(r: Option<&ReviewReport>) -> Vec<(String, String, String, String)> {
    r.map(|r| r.review_results())
        .unwrap_or_default()
        .iter()
        .map(|x| {
            (
                x.subject_id().unwrap_or("").to_string(),
                x.question_id().unwrap_or("").to_string(),
                x.key().unwrap().to_string(),
                x.value().unwrap().to_string(),
            )
        })
        .collect()
}

/// A report's actions as (ActionName, TargetId, Status, Result).
fn actions(r: Option<&ReviewReport>) -> Vec<(String, String, ReviewActionStatus, String)> {
    r.map(|r| r.review_actions())
        .unwrap_or_default()
        .iter()
        .map(|x| {
            assert!(x.action_id().is_some_and(|id| id.len() == 30), "{x:?}");
            assert!(x.complete_time().is_some(), "{x:?}");
            (
                x.action_name().unwrap().to_string(),
                x.target_id().unwrap().to_string(),
                x.status().unwrap().clone(),
                x.result().unwrap().to_string(),
            )
        })
        .collect()
}

fn value_of(rs: &[(String, String, String, String)], subject: &str, question: &str, key: &str) -> Option<String> {
    rs.iter().rev().find(|r| r.0 == subject && r.1 == question && r.2 == key).map(|r| r.3.clone())
}

async fn assignment(c: &aws_sdk_mturk::Client, aid: &str) -> aws_sdk_mturk::types::Assignment {
    c.get_assignment().assignment_id(aid).send().await.unwrap().assignment.unwrap()
}

async fn hit(c: &aws_sdk_mturk::Client, id: &str) -> aws_sdk_mturk::types::Hit {
    c.get_hit().hit_id(id).send().await.unwrap().hit.unwrap()
}

both_backends!(known_answers_approve_reject_and_extend, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let created = create_hit(&c)
        .max_assignments(2)
        .lifetime_in_seconds(600)
        .assignment_review_policy(policy(
            KNOWN,
            vec![
                answer_key(&[("q1", &["B"]), ("q2", &["A"])]),
                param("ApproveIfKnownAnswerScoreIsAtLeast", &["100"]),
                param("ApproveReason", &["All known answers right"]),
                param("RejectIfKnownAnswerScoreIsLessThan", &["50"]),
                param("RejectReason", &["Known answers wrong"]),
                param("ExtendIfKnownAnswerScoreIsLessThan", &["100"]),
                param("ExtendMaximumAssignments", &["3"]),
                param("ExtendMinimumTimeInSeconds", &["3600"]),
            ],
        ))
        .send()
        .await
        .unwrap();
    let id = created.hit.unwrap().hit_id.unwrap();
    let (_, t1) = s.worker("kw1").await;
    let (_, t2) = s.worker("kw2").await;
    let (_, t3) = s.worker("kw3").await;

    // Both known answers right (whitespace around a value does not count): approved at once.
    let a1 = work(&s, &t1, &id, json!({"q1": " B ", "q2": "A", "free": "x"})).await;
    let got = assignment(&c, &a1).await;
    assert_eq!(got.assignment_status(), Some(&AssignmentStatus::Approved));
    assert_eq!(got.requester_feedback(), Some("All known answers right"));
    assert_eq!(hit(&c, &id).await.max_assignments(), Some(2), "a score of 100 does not extend");

    // None right: rejected with the reason, and the HIT extended by one, open an hour more.
    let before = s.now_secs();
    let a2 = work(&s, &t2, &id, json!({"q1": "A", "q2": "b"})).await;
    let got = assignment(&c, &a2).await;
    assert_eq!(got.assignment_status(), Some(&AssignmentStatus::Rejected));
    assert_eq!(got.requester_feedback(), Some("Known answers wrong"));
    let h = hit(&c, &id).await;
    assert_eq!(h.max_assignments(), Some(3));
    assert!(h.expiration().unwrap().secs() >= before + 3600, "{h:?}");
    assert_eq!(h.hit_status(), Some(&HitStatus::Assignable));

    // Half right: neither approved (below 100) nor rejected (not below 50); the HIT already
    // has the 3 assignments the policy allows, so it is not extended again.
    let a3 = work(&s, &t3, &id, json!({"q1": "B"})).await;
    assert_eq!(assignment(&c, &a3).await.assignment_status(), Some(&AssignmentStatus::Submitted));
    let h = hit(&c, &id).await;
    assert_eq!((h.max_assignments(), h.hit_status()), (Some(3), Some(&HitStatus::Reviewable)));
    // Without a HIT-level policy, HITReviewStatus stays NotReviewed.
    assert_eq!(h.hit_review_status(), Some(&HitReviewStatus::NotReviewed));

    let r = report(&c, &id).await;
    assert_eq!(r.hit_id(), Some(id.as_str()));
    assert_eq!(r.assignment_review_policy().map(|p| p.policy_name()), Some(KNOWN));
    assert!(r.assignment_review_policy().unwrap().parameters().is_empty(), "only the name is returned");
    assert!(r.hit_review_policy().is_none());
    let rs = results(r.assignment_review_report());
    for (aid, score, q1, q2) in [(&a1, "100", "1", "1"), (&a2, "0", "0", "0"), (&a3, "50", "1", "0")] {
        assert_eq!(value_of(&rs, aid, "", "KnownAnswerScore").as_deref(), Some(score), "{rs:?}");
        assert_eq!(value_of(&rs, aid, "q1", "KnownAnswerCorrect").as_deref(), Some(q1));
        assert_eq!(value_of(&rs, aid, "q2", "KnownAnswerCorrect").as_deref(), Some(q2));
    }
    assert_eq!(rs.len(), 9, "{rs:?}");
    let acts = actions(r.assignment_review_report());
    let names: Vec<(&str, &str, &ReviewActionStatus)> =
        acts.iter().map(|a| (a.0.as_str(), a.1.as_str(), &a.2)).collect();
    let ok = &ReviewActionStatus::Succeeded;
    assert_eq!(
        names,
        vec![
            ("Approve", a1.as_str(), ok),
            ("Reject", a2.as_str(), ok),
            ("Extend", id.as_str(), ok),
            ("Extend", id.as_str(), ok)
        ]
    );
    assert!(acts[2].3.starts_with("Extended to 3 assignments"), "{acts:?}");
    assert!(acts[3].3.starts_with("Not extended"), "{acts:?}");
    assert!(results(r.hit_review_report()).is_empty());

    // The policy's approval paid the worker as ApproveAssignment does.
    let (_, me) = s.worker_call(Method::GET, "/me", &t1, None).await;
    assert_eq!(me["Earnings"]["Available"], "0.50", "{me}");
    s.verify_ledger();
});

/// The spec's table: four questions, three workers.
fn spec_answers() -> [Value; 3] {
    [
        json!({"A": "coat", "B": "blue", "C": "large", "D": "Furry"}),
        json!({"A": "sweater", "B": "blue", "C": "large", "D": "fur"}),
        json!({"A": "coat", "B": "green", "C": "large", "D": "furr"}),
    ]
}

both_backends!(plurality_approves_rejects_and_reviews_the_hit, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let hp = policy(
        PLURALITY,
        vec![
            param("QuestionIds", &["A,B,C,D"]),
            param("QuestionAgreementThreshold", &["60"]),
            param("ApproveIfWorkerAgreementScoreIsAtLeast", &["100"]),
            param("RejectIfWorkerAgreementScoreIsLessThan", &["67"]),
            param("RejectReason", &["You disagreed with the other workers"]),
        ],
    );
    // CreateHITWithHITType takes policies too.
    let ty = c
        .create_hit_type()
        .title("Describe a coat")
        .description("Four questions")
        .reward("0.25")
        .assignment_duration_in_seconds(600)
        .send()
        .await
        .unwrap()
        .hit_type_id
        .unwrap();
    let id = c
        .create_hit_with_hit_type()
        .hit_type_id(&ty)
        .max_assignments(3)
        .lifetime_in_seconds(3600)
        .question(common::HTML_QUESTION)
        .hit_review_policy(hp)
        .send()
        .await
        .unwrap()
        .hit
        .unwrap()
        .hit_id
        .unwrap();
    let mut aids = Vec::new();
    for (i, answers) in spec_answers().into_iter().enumerate() {
        let (_, t) = s.worker(&format!("pw{i}")).await;
        aids.push(work(&s, &t, &id, answers).await);
        if i < 2 {
            // Not reviewable yet: nothing reviewed, nothing decided.
            let h = hit(&c, &id).await;
            assert_eq!(h.hit_review_status(), Some(&HitReviewStatus::NotReviewed));
            assert!(results(report(&c, &id).await.hit_review_report()).is_empty());
        }
    }
    let h = hit(&c, &id).await;
    assert_eq!(h.hit_status(), Some(&HitStatus::Reviewable));
    // 75% of the questions agreed, and without ExtendIfHITAgreementScoreIsLessThan the HIT is
    // asked to agree on all of them.
    assert_eq!(h.hit_review_status(), Some(&HitReviewStatus::ReviewedInappropriate));
    let st: Vec<Option<AssignmentStatus>> = {
        let mut v = Vec::new();
        for a in &aids {
            v.push(assignment(&c, a).await.assignment_status().cloned());
        }
        v
    };
    assert_eq!(
        st,
        vec![Some(AssignmentStatus::Approved), Some(AssignmentStatus::Rejected), Some(AssignmentStatus::Rejected)]
    );
    assert_eq!(assignment(&c, &aids[1]).await.requester_feedback(), Some("You disagreed with the other workers"));

    let r = report(&c, &id).await;
    assert_eq!(r.hit_review_policy().map(|p| p.policy_name()), Some(PLURALITY));
    let rs = results(r.hit_review_report());
    let v = |s: &str, q: &str, k: &str| value_of(&rs, s, q, k);
    assert_eq!(v(&id, "", "HitAgreementScore").as_deref(), Some("75"));
    assert_eq!(v(&id, "A", "AgreedAnswer").as_deref(), Some("coat"));
    assert_eq!(v(&id, "A", "AnswerAgreementScore").as_deref(), Some("66"));
    assert_eq!(v(&id, "C", "AnswerAgreementScore").as_deref(), Some("100"));
    assert_eq!(v(&id, "D", "AgreedAnswerFound").as_deref(), Some("false"));
    assert_eq!(v(&id, "D", "AgreedAnswer"), None);
    assert_eq!(v(&aids[0], "", "WorkerAgreementScore").as_deref(), Some("100"));
    assert_eq!(v(&aids[1], "", "WorkerAgreementScore").as_deref(), Some("66"));
    assert_eq!(v(&aids[1], "", "PluralityAnswersCorrect").as_deref(), Some("2"));
    assert_eq!(v(&aids[1], "", "PluralityAnswersIncorrect").as_deref(), Some("1"));
    let subject_types: Vec<&str> =
        r.hit_review_report().unwrap().review_results().iter().map(|x| x.subject_type().unwrap()).collect();
    assert!(subject_types.contains(&"HIT") && subject_types.contains(&"Assignment"));
    let acts = actions(r.hit_review_report());
    let names: Vec<&str> = acts.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(names, ["Approve", "Reject", "Reject"]);
    assert!(acts.iter().all(|a| a.2 == ReviewActionStatus::Succeeded));
    s.verify_ledger();
});

both_backends!(failed_actions_are_reported_and_the_rest_go_on, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    // No disregarding: the assignment the gold question rejected still agrees with the
    // plurality, and the HIT-level policy's approval of it fails.
    let id = create_hit(&c)
        .max_assignments(2)
        .assignment_review_policy(policy(
            KNOWN,
            vec![answer_key(&[("gold", &["G"])]), param("RejectIfKnownAnswerScoreIsLessThan", &["100"])],
        ))
        .hit_review_policy(policy(
            PLURALITY,
            vec![
                param("QuestionIds", &["label"]),
                param("QuestionAgreementThreshold", &["100"]),
                param("ApproveIfWorkerAgreementScoreIsAtLeast", &["100"]),
            ],
        ))
        .send()
        .await
        .unwrap()
        .hit
        .unwrap()
        .hit_id
        .unwrap();
    let (_, t1) = s.worker("fw1").await;
    let (_, t2) = s.worker("fw2").await;
    let a1 = work(&s, &t1, &id, json!({"gold": "G", "label": "x"})).await;
    let a2 = work(&s, &t2, &id, json!({"gold": "F", "label": "x"})).await;
    assert_eq!(assignment(&c, &a1).await.assignment_status(), Some(&AssignmentStatus::Approved));
    assert_eq!(assignment(&c, &a2).await.assignment_status(), Some(&AssignmentStatus::Rejected));
    let r = report(&c, &id).await;
    let details = r.hit_review_report().unwrap().review_actions();
    assert_eq!(details.len(), 2, "{details:?}");
    assert_eq!(details[0].target_id(), Some(a1.as_str()));
    assert_eq!(details[0].status(), Some(&ReviewActionStatus::Succeeded));
    assert_eq!(details[0].error_code(), None);
    assert_eq!(details[1].target_id(), Some(a2.as_str()));
    assert_eq!(details[1].status(), Some(&ReviewActionStatus::Failed));
    assert_eq!(details[1].error_code(), Some("AWS.MechanicalTurk.InvalidAssignmentState"));
    assert!(details[1].result().unwrap().contains("is Rejected"), "{details:?}");
    assert_eq!(hit(&c, &id).await.hit_review_status(), Some(&HitReviewStatus::ReviewedAppropriate));
    s.verify_ledger();
});

both_backends!(plurality_extends_until_workers_agree, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = create_hit(&c)
        .max_assignments(2)
        .lifetime_in_seconds(600)
        .hit_review_policy(policy(
            PLURALITY,
            vec![
                param("QuestionIDs", &["animal"]),
                param("QuestionAgreementThreshold", &["60"]),
                param("ExtendIfHITAgreementScoreIsLessThan", &["100"]),
                param("ExtendMaximumAssignments", &["3"]),
                param("ExtendMinimumTimeInSeconds", &["3600"]),
                param("ApproveIfWorkerAgreementScoreIsAtLeast", &["100"]),
            ],
        ))
        .send()
        .await
        .unwrap()
        .hit
        .unwrap()
        .hit_id
        .unwrap();
    let (_, t1) = s.worker("ew1").await;
    let (_, t2) = s.worker("ew2").await;
    let (_, t3) = s.worker("ew3").await;
    let a1 = work(&s, &t1, &id, json!({"animal": "cat"})).await;
    let a2 = work(&s, &t2, &id, json!({"animal": "dog"})).await;
    // A tie: no agreed answer, so the HIT is extended to a third worker, for an hour more, and
    // stays marked for review while it waits.
    let h = hit(&c, &id).await;
    assert_eq!(h.max_assignments(), Some(3));
    assert_eq!(h.hit_status(), Some(&HitStatus::Assignable));
    assert_eq!(h.hit_review_status(), Some(&HitReviewStatus::MarkedForReview));
    assert!(h.expiration().unwrap().secs() >= s.now_secs() + 3600 - 1);
    let a3 = work(&s, &t3, &id, json!({"animal": " cat"})).await;
    let h = hit(&c, &id).await;
    assert_eq!(h.hit_status(), Some(&HitStatus::Reviewable));
    assert_eq!(h.hit_review_status(), Some(&HitReviewStatus::ReviewedAppropriate));
    assert_eq!(assignment(&c, &a1).await.assignment_status(), Some(&AssignmentStatus::Approved));
    assert_eq!(assignment(&c, &a2).await.assignment_status(), Some(&AssignmentStatus::Submitted));
    assert_eq!(assignment(&c, &a3).await.assignment_status(), Some(&AssignmentStatus::Approved));

    // Both runs are in the report, in order: the first found no agreement.
    let r = report(&c, &id).await;
    let scores: Vec<String> =
        results(r.hit_review_report()).into_iter().filter(|x| x.2 == "HitAgreementScore").map(|x| x.3).collect();
    assert_eq!(scores, ["0", "100"]);
    let acts = actions(r.hit_review_report());
    let names: Vec<&str> = acts.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(names, ["Extend", "Approve", "Approve"]);
    assert!(r.assignment_review_report().unwrap().review_results().is_empty());
    s.verify_ledger();
});

/// A HIT with both policies: a gold question scored per assignment, a plurality question
/// compared across them.
async fn both_policies_hit(c: &aws_sdk_mturk::Client, max: i32) -> String {
    create_hit(c)
        .max_assignments(max)
        .assignment_review_policy(policy(
            KNOWN,
            vec![answer_key(&[("gold", &["G"])]), param("RejectIfKnownAnswerScoreIsLessThan", &["100"])],
        ))
        .hit_review_policy(policy(
            PLURALITY,
            vec![
                param("QuestionIds", &["label"]),
                param("QuestionAgreementThreshold", &["100"]),
                param("DisregardAssignmentIfRejected", &["T"]),
                param("DisregardAssignmentIfKnownAnswerScoreIsLessThan", &["100"]),
                param("ApproveIfWorkerAgreementScoreIsAtLeast", &["100"]),
                param("RejectIfWorkerAgreementScoreIsLessThan", &["100"]),
            ],
        ))
        .send()
        .await
        .unwrap()
        .hit
        .unwrap()
        .hit_id
        .unwrap()
}

both_backends!(disregarded_assignments_do_not_count, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = both_policies_hit(&c, 3).await;
    let mut aids = Vec::new();
    for (i, answers) in
        [json!({"gold": "G", "label": "x"}), json!({"gold": "G", "label": "x"}), json!({"gold": "nope", "label": "y"})]
            .into_iter()
            .enumerate()
    {
        let (_, t) = s.worker(&format!("dw{i}")).await;
        aids.push(work(&s, &t, &id, answers).await);
    }
    // The third failed the gold question: rejected by the assignment-level policy, and left out
    // of the agreement, which is unanimous among the other two.
    assert_eq!(assignment(&c, &aids[2]).await.assignment_status(), Some(&AssignmentStatus::Rejected));
    for a in &aids[..2] {
        assert_eq!(assignment(&c, a).await.assignment_status(), Some(&AssignmentStatus::Approved));
    }
    let h = hit(&c, &id).await;
    assert_eq!(h.hit_review_status(), Some(&HitReviewStatus::ReviewedAppropriate));
    let r = report(&c, &id).await;
    let rs = results(r.hit_review_report());
    assert_eq!(value_of(&rs, &id, "label", "AnswerAgreementScore").as_deref(), Some("100"));
    assert_eq!(value_of(&rs, &aids[2], "", "WorkerAgreementScore"), None, "{rs:?}");
    assert_eq!(value_of(&rs, &aids[2], "", "PluralityAnswersCorrect"), None, "{rs:?}");
    let acts = actions(r.hit_review_report());
    assert_eq!(acts.iter().filter(|a| a.1 == aids[2]).count(), 0, "{acts:?}");
    assert_eq!(
        value_of(&results(r.assignment_review_report()), &aids[2], "", "KnownAnswerScore").as_deref(),
        Some("0")
    );
    s.verify_ledger();
});

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

both_backends!(an_extension_the_requester_cannot_pay_fails_and_changes_nothing, |b| async move {
    let s = TestServer::start_with(
        b,
        common::Options { mode: openturk_domain::model::Mode::Production, ..common::Options::default() },
    )
    .await;
    let c = s.client();
    // Exactly one assignment's worth: 0.50 reward + 0.10 fee.
    common::sync(|| s.service.deposit("default", openturk_domain::Money(60))).unwrap();
    let id = create_hit(&c)
        .assignment_review_policy(policy(
            KNOWN,
            vec![answer_key(&[("q", &["yes"])]), param("ExtendIfKnownAnswerScoreIsLessThan", &["100"])],
        ))
        .send()
        .await
        .unwrap()
        .hit
        .unwrap()
        .hit_id
        .unwrap();
    let (_, t) = s.worker("poor").await;
    let a = work(&s, &t, &id, json!({"q": "no"})).await;
    // The extension would need another 0.60 on hold: it fails with the API's error and leaves
    // the HIT and the submitted assignment as they were.
    assert_eq!(assignment(&c, &a).await.assignment_status(), Some(&AssignmentStatus::Submitted));
    let h = hit(&c, &id).await;
    assert_eq!((h.max_assignments(), h.hit_status()), (Some(1), Some(&HitStatus::Reviewable)));
    let r = report(&c, &id).await;
    let d = r.assignment_review_report().unwrap().review_actions();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!((d[0].action_name(), d[0].status()), (Some("Extend"), Some(&ReviewActionStatus::Failed)));
    assert_eq!(d[0].error_code(), Some("AWS.MechanicalTurk.InsufficientFunds"));
    assert!(d[0].result().unwrap().contains("insufficient funds"), "{d:?}");
    let bal = c.get_account_balance().send().await.unwrap();
    assert_eq!((bal.available_balance(), bal.on_hold_balance()), (Some("0.00"), Some("0.60")));
    s.verify_ledger();
});
