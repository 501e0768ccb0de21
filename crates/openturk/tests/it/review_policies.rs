//! Review policies at work, with aws-sdk-mturk on both backends: ScoreMyKnownAnswers approving,
//! rejecting and extending as work is submitted; SimplePlurality approving, rejecting,
//! extending and setting HITReviewStatus when the HIT becomes reviewable (by its last
//! submission or by expiry); the disregard parameters, together and each alone; actions that
//! fail. Workers submit
//! through the worker API; the books must balance. (Listing and bad policies:
//! review_policy_results.rs.)

use crate::common;
use crate::review_support;

use aws_sdk_mturk::types::{AssignmentStatus, HitReviewStatus, HitStatus, PolicyParameter, ReviewActionStatus};
use common::{create_hit, Created, TestServer};
use reqwest::Method;
use review_support::*;
use serde_json::{json, Value};

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
        .created()
        .await;
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
        .created()
        .await;
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
        .created()
        .await;
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

/// A HIT whose assignment policy scores the gold question without acting on the score, and
/// whose plurality policy has these Disregard… parameters.
async fn scored_plurality_hit(c: &aws_sdk_mturk::Client, max: i32, disregard: PolicyParameter) -> String {
    create_hit(c)
        .max_assignments(max)
        .assignment_review_policy(policy(KNOWN, vec![answer_key(&[("gold", &["G"])])]))
        .hit_review_policy(policy(
            PLURALITY,
            vec![param("QuestionIds", &["label"]), param("QuestionAgreementThreshold", &["100"]), disregard],
        ))
        .created()
        .await
}

both_backends!(each_disregard_rule_works_alone, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();

    // By known-answer score alone: the third missed the gold question, is not rejected (the
    // assignment policy only scores), and is left out, so the other two agree.
    let id = scored_plurality_hit(&c, 3, param("DisregardAssignmentIfKnownAnswerScoreIsLessThan", &["100"])).await;
    let mut aids = Vec::new();
    for (i, answers) in
        [json!({"gold": "G", "label": "x"}), json!({"gold": "G", "label": "x"}), json!({"gold": "no", "label": "y"})]
            .into_iter()
            .enumerate()
    {
        let (_, t) = s.worker(&format!("score{i}")).await;
        aids.push(work(&s, &t, &id, answers).await);
    }
    assert_eq!(assignment(&c, &aids[2]).await.assignment_status(), Some(&AssignmentStatus::Submitted));
    let rs = results(report(&c, &id).await.hit_review_report());
    assert_eq!(value_of(&rs, &id, "label", "AnswerAgreementScore").as_deref(), Some("100"), "{rs:?}");
    assert_eq!(value_of(&rs, &aids[2], "", "WorkerAgreementScore"), None, "{rs:?}");
    assert_eq!(value_of(&rs, &aids[0], "", "WorkerAgreementScore").as_deref(), Some("100"), "{rs:?}");

    // By rejection alone: the first answered the gold question right but was rejected by the
    // requester, and is left out; the fourth missed the gold question, is not rejected, and
    // counts (the score rule is not set), agreeing with the other two.
    let id = scored_plurality_hit(&c, 4, param("DisregardAssignmentIfRejected", &["true"])).await;
    let mut aids = Vec::new();
    for (i, answers) in [
        json!({"gold": "G", "label": "y"}),
        json!({"gold": "G", "label": "x"}),
        json!({"gold": "G", "label": "x"}),
        json!({"gold": "no", "label": "x"}),
    ]
    .into_iter()
    .enumerate()
    {
        let (_, t) = s.worker(&format!("rejected{i}")).await;
        aids.push(work(&s, &t, &id, answers).await);
        if i == 0 {
            c.reject_assignment().assignment_id(&aids[0]).requester_feedback("Wrong label").send().await.unwrap();
        }
    }
    let rs = results(report(&c, &id).await.hit_review_report());
    assert_eq!(value_of(&rs, &id, "label", "AnswerAgreementScore").as_deref(), Some("100"), "{rs:?}");
    assert_eq!(value_of(&rs, &aids[0], "", "WorkerAgreementScore"), None, "{rs:?}");
    assert_eq!(value_of(&rs, &aids[3], "", "WorkerAgreementScore").as_deref(), Some("100"), "{rs:?}");
    let known = results(report(&c, &id).await.assignment_review_report());
    assert_eq!(value_of(&known, &aids[0], "", "KnownAnswerScore").as_deref(), Some("100"));
    assert_eq!(value_of(&known, &aids[3], "", "KnownAnswerScore").as_deref(), Some("0"));
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
        .created()
        .await;
    // Extensions are announced; a refused one must not be.
    let ty = hit(&c, &id).await.hit_type_id().unwrap().to_string();
    let extended = aws_sdk_mturk::types::NotificationSpecification::builder()
        .transport(aws_sdk_mturk::types::NotificationTransport::Email)
        .destination("requester@example.com")
        .version("2014-08-15")
        .event_types(aws_sdk_mturk::types::EventType::HitExtended)
        .build()
        .unwrap();
    c.update_notification_settings().hit_type_id(&ty).notification(extended).active(true).send().await.unwrap();
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
    let announced = common::sync(|| s.service.notification_deliveries(None, Some(&ty), None, 10)).unwrap();
    assert!(announced.is_empty(), "no HITExtended for a refused extension: {announced:?}");
    let bal = c.get_account_balance().send().await.unwrap();
    assert_eq!((bal.available_balance(), bal.on_hold_balance()), (Some("0.00"), Some("0.60")));
    s.verify_ledger();
});

// An extension CreateAdditionalAssignmentsForHIT would refuse (a HIT made with fewer than 10
// assignments never reaches 10) fails with that call's error, and changes nothing.
both_backends!(an_extension_past_the_ten_assignment_rule_fails_as_the_api_would, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = create_hit(&c)
        .max_assignments(9)
        .assignment_review_policy(policy(
            KNOWN,
            vec![
                answer_key(&[("q", &["yes"])]),
                param("ExtendIfKnownAnswerScoreIsLessThan", &["100"]),
                param("ExtendMaximumAssignments", &["12"]),
            ],
        ))
        .created()
        .await;
    let (_, t) = s.worker("ninth").await;
    work(&s, &t, &id, json!({"q": "no"})).await;
    assert_eq!(hit(&c, &id).await.max_assignments(), Some(9));
    let r = report(&c, &id).await;
    let d = r.assignment_review_report().unwrap().review_actions();
    assert_eq!((d.len(), d[0].action_name(), d[0].status()), (1, Some("Extend"), Some(&ReviewActionStatus::Failed)));
    assert_eq!(d[0].error_code(), Some("AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease"), "{d:?}");
    s.verify_ledger();
});

both_backends!(plurality_runs_when_the_hit_expires, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = create_hit(&c)
        .max_assignments(5)
        .lifetime_in_seconds(60)
        .hit_review_policy(policy(
            PLURALITY,
            vec![
                param("QuestionIds", &["animal"]),
                param("QuestionAgreementThreshold", &["100"]),
                param("ApproveIfWorkerAgreementScoreIsAtLeast", &["100"]),
            ],
        ))
        .created()
        .await;
    let mut aids = Vec::new();
    for i in 0..2 {
        let (_, t) = s.worker(&format!("xw{i}")).await;
        aids.push(work(&s, &t, &id, json!({"animal": "owl"})).await);
    }
    assert_eq!(hit(&c, &id).await.hit_review_status(), Some(&HitReviewStatus::NotReviewed));
    // Two of five assignments done when the HIT expires: it is Reviewable, and reviewed.
    s.advance(61).await;
    let h = hit(&c, &id).await;
    assert_eq!(h.hit_status(), Some(&HitStatus::Reviewable));
    assert_eq!(h.hit_review_status(), Some(&HitReviewStatus::ReviewedAppropriate));
    for a in &aids {
        assert_eq!(assignment(&c, a).await.assignment_status(), Some(&AssignmentStatus::Approved));
    }
    s.verify_ledger();
});
