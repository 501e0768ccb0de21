//! The Requester API's HIT, HIT-type and balance operations, driven by aws-sdk-mturk, on both
//! backends.

use crate::common;

use aws_sdk_mturk::primitives::DateTime;
use aws_sdk_mturk::types::{Comparator, HitStatus, QualificationRequirement, ReviewableHitStatus};
use common::{create_hit, err, TestServer};

both_backends!(create_get_and_list, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let hit = create_hit(&c).max_assignments(3).requester_annotation("batch-7").send().await.unwrap().hit.unwrap();
    let id = hit.hit_id().unwrap();
    assert_eq!(hit.hit_status(), Some(&HitStatus::Assignable));
    assert_eq!(hit.reward(), Some("0.50"));
    assert_eq!(hit.max_assignments(), Some(3));
    assert_eq!(hit.number_of_assignments_available(), Some(3));
    assert_eq!(hit.auto_approval_delay_in_seconds(), Some(2_592_000), "default AutoApprovalDelay");
    let exp = hit.expiration().unwrap().secs();
    assert!((exp - s.now_secs() - 3600).abs() <= 1);

    let got = c.get_hit().hit_id(id).send().await.unwrap().hit.unwrap();
    assert_eq!(got.title(), Some("Label an image"));
    assert_eq!(got.requester_annotation(), Some("batch-7"));
    assert_eq!(got.question(), Some(common::HTML_QUESTION));

    let list = c.list_hits().send().await.unwrap();
    assert_eq!(list.num_results(), Some(1));
    assert_eq!(list.hits()[0].hit_id(), Some(id));

    let (code, msg) = err(c.get_hit().hit_id("NOSUCHHIT").send().await.unwrap_err());
    assert_eq!(code, "RequestError");
    assert!(msg.starts_with("Hit NOSUCHHIT does not exist.") && msg.ends_with(')'), "{msg}");
});

both_backends!(hit_types_are_idempotent_by_value, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let make = |reward: &'static str| {
        c.create_hit_type()
            .title("T")
            .description("D")
            .reward(reward)
            .assignment_duration_in_seconds(300)
            .qualification_requirements(
                QualificationRequirement::builder()
                    .qualification_type_id("000000000000000000L0")
                    .comparator(Comparator::GreaterThanOrEqualTo)
                    .integer_values(95)
                    .build()
                    .unwrap(),
            )
            .send()
    };
    let a = make("0.10").await.unwrap().hit_type_id.unwrap();
    let a2 = make("0.10").await.unwrap().hit_type_id.unwrap();
    let b2 = make("0.11").await.unwrap().hit_type_id.unwrap();
    assert_eq!(a, a2);
    assert_ne!(a, b2);
    let h1 = c
        .create_hit_with_hit_type()
        .hit_type_id(&a)
        .lifetime_in_seconds(600)
        .question(common::HTML_QUESTION)
        .send()
        .await
        .unwrap()
        .hit
        .unwrap();
    let h2 = c
        .create_hit_with_hit_type()
        .hit_type_id(&a)
        .lifetime_in_seconds(600)
        .question(common::HTML_QUESTION)
        .send()
        .await
        .unwrap()
        .hit
        .unwrap();
    assert_eq!(h1.hit_type_id(), Some(a.as_str()));
    assert_eq!(h1.hit_group_id(), h2.hit_group_id());
    assert_eq!(h1.qualification_requirements().len(), 1);
    // Another requester cannot use this HIT type.
    let other = common::sync(|| s.service.create_requester("other")).unwrap();
    let c2 = s.client_with(&other.access_key_id, &other.secret_access_key);
    let (code, msg) = err(c2
        .create_hit_with_hit_type()
        .hit_type_id(&a)
        .lifetime_in_seconds(600)
        .question(common::HTML_QUESTION)
        .send()
        .await
        .unwrap_err());
    assert_eq!(code, "RequestError");
    assert!(msg.contains(&a), "{msg}");
});

both_backends!(validation_names_the_parameter, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let long = "x".repeat(129);
    let cases: Vec<(aws_sdk_mturk::operation::create_hit::builders::CreateHITFluentBuilder, &str)> = vec![
        (create_hit(&c).title(&long), "Title"),
        (create_hit(&c).description("d".repeat(2001)), "Description"),
        (create_hit(&c).keywords("k".repeat(1001)), "Keywords"),
        (create_hit(&c).requester_annotation("a".repeat(256)), "RequesterAnnotation"),
        (create_hit(&c).lifetime_in_seconds(29), "LifetimeInSeconds"),
        (create_hit(&c).assignment_duration_in_seconds(31_536_001), "AssignmentDurationInSeconds"),
        (create_hit(&c).auto_approval_delay_in_seconds(2_592_001), "AutoApprovalDelayInSeconds"),
        (create_hit(&c).max_assignments(0), "MaxAssignments"),
        (create_hit(&c).reward("1.234"), "Reward"),
        (create_hit(&c).question("<nope"), "XML"),
        (create_hit(&c).question(format!("{}{}", "<!-- -->", "x".repeat(65_536))), "65535"),
        // Question and HITLayoutId together (hit_layouts.rs has the rest of layouts).
        (create_hit(&c).hit_layout_id("LAYOUT"), "HITLayoutId parameter must be provided, but not both"),
    ];
    for (call, needle) in cases {
        let (code, msg) = err(call.send().await.unwrap_err());
        assert_eq!(code, "RequestError", "{needle}");
        assert!(msg.contains(needle), "message for {needle}: {msg}");
    }
    let eleven: Vec<_> = (0..11)
        .map(|_| {
            QualificationRequirement::builder()
                .qualification_type_id("Q")
                .comparator(Comparator::Exists)
                .build()
                .unwrap()
        })
        .collect();
    let (_, msg) = err(create_hit(&c).set_qualification_requirements(Some(eleven)).send().await.unwrap_err());
    assert!(msg.contains("at most 10"), "{msg}");
    let sixteen = QualificationRequirement::builder()
        .qualification_type_id("Q")
        .comparator(Comparator::In)
        .set_integer_values(Some((0..16).collect()))
        .build()
        .unwrap();
    let (_, msg) = err(create_hit(&c).qualification_requirements(sixteen).send().await.unwrap_err());
    assert!(msg.contains("1 to 15"), "{msg}");
    // A requirement names a type that exists here: not an unknown one, nor production's
    // Masters in the sandbox.
    for id in ["3NOSUCHTYPE", "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH"] {
        let unknown = QualificationRequirement::builder()
            .qualification_type_id(id)
            .comparator(Comparator::Exists)
            .build()
            .unwrap();
        let (code, msg) = err(create_hit(&c).qualification_requirements(unknown).send().await.unwrap_err());
        assert_eq!(code, "RequestError");
        assert!(msg.contains(&format!("QualificationType {id} does not exist")), "{msg}");
    }
    let script = r#"<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd"><Question><QuestionIdentifier>q</QuestionIdentifier><QuestionContent><FormattedContent><![CDATA[<p>hi</p><script>alert(1)</script>]]></FormattedContent></QuestionContent><AnswerSpecification><FreeTextAnswer/></AnswerSpecification></Question></QuestionForm>"#;
    let (_, msg) = err(create_hit(&c).question(script).send().await.unwrap_err());
    assert!(msg.contains("script"), "{msg}");
    let ext = |url: &str| {
        format!(
            r#"<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"><ExternalURL>{url}</ExternalURL><FrameHeight>400</FrameHeight></ExternalQuestion>"#
        )
    };
    assert!(create_hit(&c).question(ext("http://example.com/task")).send().await.is_err());
    assert!(create_hit(&c).question(ext("http://127.0.0.1:9/task")).send().await.is_ok(), "loopback http in sandbox");
    assert!(create_hit(&c).question(ext("https://example.com/task")).send().await.is_ok());
    // Nothing invalid was created.
    assert_eq!(c.list_hits().send().await.unwrap().num_results(), Some(2));
});

both_backends!(unique_request_token_dedupes_even_racing, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let first = create_hit(&c).unique_request_token("tok-1").send().await.unwrap().hit.unwrap();
    let (code, msg) = err(create_hit(&c).unique_request_token("tok-1").send().await.unwrap_err());
    assert_eq!(code, "RequestError");
    assert!(msg.contains(first.hit_id().unwrap()), "{msg}");
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move { create_hit(&c).unique_request_token("tok-race").send().await.is_ok() }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += t.await.unwrap() as usize;
    }
    assert_eq!(ok, 1, "exactly one racing CreateHIT with one token succeeds");
    assert_eq!(c.list_hits().send().await.unwrap().num_results(), Some(2));
    // After 24 hours the token may be used again.
    s.advance(24 * 3600 + 1).await;
    assert!(create_hit(&c).unique_request_token("tok-1").send().await.is_ok());
});

both_backends!(pagination_is_stable_under_inserts, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    for _ in 0..25 {
        create_hit(&c).send().await.unwrap();
    }
    let mut seen = std::collections::HashSet::new();
    let mut token: Option<String> = None;
    for pages in 1.. {
        let page = c.list_hits().max_results(7).set_next_token(token.clone()).send().await.unwrap();
        assert_eq!(page.num_results(), Some(page.hits().len() as i32));
        for h in page.hits() {
            assert!(seen.insert(h.hit_id().unwrap().to_string()), "duplicate across pages");
        }
        // Someone creates HITs while we page. Not after every page: a listing ends only on an
        // empty page, which a writer who adds one HIT per page read would never let happen.
        if pages <= 3 {
            create_hit(&c).send().await.unwrap();
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            assert_eq!(page.num_results(), Some(0), "only an empty page ends the listing");
            break;
        }
        assert!(pages < 20, "the listing does not end");
    }
    assert_eq!(seen.len(), 28, "every HIT, those created while paging too, exactly once");
    let (_, msg) = err(c.list_hits().max_results(101).send().await.unwrap_err());
    assert!(msg.contains("MaxResults"), "{msg}");
    let (_, msg) = err(c.list_hits().next_token("garbage").send().await.unwrap_err());
    assert!(msg.contains("NextToken"), "{msg}");
});

both_backends!(expiration_review_status_and_delete, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let hit = create_hit(&c).send().await.unwrap().hit.unwrap();
    let id = hit.hit_id().unwrap().to_string();
    let exp = hit.expiration().unwrap().secs();
    // Shortening is refused; extending works.
    let (_, msg) = err(c
        .update_expiration_for_hit()
        .hit_id(&id)
        .expire_at(DateTime::from_secs(exp - 60))
        .send()
        .await
        .unwrap_err());
    assert!(msg.contains("cannot shorten"), "{msg}");
    c.update_expiration_for_hit().hit_id(&id).expire_at(DateTime::from_secs(exp + 600)).send().await.unwrap();
    let got = c.get_hit().hit_id(&id).send().await.unwrap().hit.unwrap();
    assert_eq!(got.expiration().unwrap().secs(), exp + 600);
    // DeleteHIT refuses an Assignable HIT.
    let (_, msg) = err(c.delete_hit().hit_id(&id).send().await.unwrap_err());
    assert!(msg.contains("Assignable"), "{msg}");
    // Expire now with 0: it becomes Reviewable at once (nothing pending).
    c.update_expiration_for_hit().hit_id(&id).expire_at(DateTime::from_secs(0)).send().await.unwrap();
    let got = c.get_hit().hit_id(&id).send().await.unwrap().hit.unwrap();
    assert_eq!(got.hit_status(), Some(&HitStatus::Reviewable));
    // Expired, yet its one untaken slot is still counted, as MTurk counts it.
    assert_eq!(got.number_of_assignments_available(), Some(1));
    let r = c.list_reviewable_hits().send().await.unwrap();
    assert_eq!(r.num_results(), Some(1));
    // Reviewable -> Reviewing -> Reviewable.
    c.update_hit_review_status().hit_id(&id).send().await.unwrap();
    let got = c.get_hit().hit_id(&id).send().await.unwrap().hit.unwrap();
    assert_eq!(got.hit_status(), Some(&HitStatus::Reviewing));
    assert_eq!(
        c.list_reviewable_hits().status(ReviewableHitStatus::Reviewing).send().await.unwrap().num_results(),
        Some(1)
    );
    assert!(c.update_hit_review_status().hit_id(&id).send().await.is_err(), "already Reviewing");
    c.update_hit_review_status().hit_id(&id).revert(true).send().await.unwrap();
    // Delete: gone from ListHITs, and GetHIT says Disposed.
    c.delete_hit().hit_id(&id).send().await.unwrap();
    assert_eq!(c.list_hits().send().await.unwrap().num_results(), Some(0));
    let got = c.get_hit().hit_id(&id).send().await.unwrap().hit.unwrap();
    assert_eq!(got.hit_status(), Some(&HitStatus::Disposed));
});

both_backends!(automatic_disposal_after_retention, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = create_hit(&c).lifetime_in_seconds(60).send().await.unwrap().hit.unwrap().hit_id.unwrap();
    s.advance(61).await;
    assert_eq!(c.get_hit().hit_id(&id).send().await.unwrap().hit.unwrap().hit_status(), Some(&HitStatus::Reviewable));
    s.advance(119 * 86_400).await;
    assert_eq!(c.get_hit().hit_id(&id).send().await.unwrap().hit.unwrap().hit_status(), Some(&HitStatus::Reviewable));
    s.advance(86_400).await;
    assert_eq!(c.get_hit().hit_id(&id).send().await.unwrap().hit.unwrap().hit_status(), Some(&HitStatus::Disposed));
});

both_backends!(additional_assignments_and_hit_type_change, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = create_hit(&c).max_assignments(5).send().await.unwrap().hit.unwrap().hit_id.unwrap();
    c.create_additional_assignments_for_hit()
        .hit_id(&id)
        .number_of_additional_assignments(4)
        .unique_request_token("more-1")
        .send()
        .await
        .unwrap();
    let (_, msg) = err(c
        .create_additional_assignments_for_hit()
        .hit_id(&id)
        .number_of_additional_assignments(4)
        .unique_request_token("more-1")
        .send()
        .await
        .unwrap_err());
    assert!(msg.contains("more-1"), "{msg}");
    let got = c.get_hit().hit_id(&id).send().await.unwrap().hit.unwrap();
    assert_eq!(got.max_assignments(), Some(9));
    let e = c
        .create_additional_assignments_for_hit()
        .hit_id(&id)
        .number_of_additional_assignments(1)
        .send()
        .await
        .unwrap_err();
    let raw = format!("{e:?}");
    assert!(raw.contains("InvalidMaximumAssignmentsIncrease"), "{raw}");
    // UpdateHITTypeOfHIT moves the HIT to the new type's properties.
    let t = c
        .create_hit_type()
        .title("New")
        .description("D2")
        .reward("0.75")
        .assignment_duration_in_seconds(120)
        .send()
        .await
        .unwrap()
        .hit_type_id
        .unwrap();
    c.update_hit_type_of_hit().hit_id(&id).hit_type_id(&t).send().await.unwrap();
    let got = c.get_hit().hit_id(&id).send().await.unwrap().hit.unwrap();
    assert_eq!(got.hit_type_id(), Some(t.as_str()));
    assert_eq!(got.reward(), Some("0.75"));
    assert_eq!(got.title(), Some("New"));
    s.verify_ledger();
});

both_backends!(requesters_are_isolated, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = create_hit(&c).send().await.unwrap().hit.unwrap().hit_id.unwrap();
    let other = common::sync(|| s.service.create_requester("other")).unwrap();
    let c2 = s.client_with(&other.access_key_id, &other.secret_access_key);
    let (_, msg) = err(c2.get_hit().hit_id(&id).send().await.unwrap_err());
    assert!(msg.contains("does not exist"), "{msg}");
    assert!(c2.delete_hit().hit_id(&id).send().await.is_err());
    assert!(c2.update_expiration_for_hit().hit_id(&id).expire_at(DateTime::from_secs(0)).send().await.is_err());
    assert_eq!(c2.list_hits().send().await.unwrap().num_results(), Some(0));
    // The HIT is untouched.
    assert_eq!(c.get_hit().hit_id(&id).send().await.unwrap().hit.unwrap().hit_status(), Some(&HitStatus::Assignable));
});

both_backends!(read_only_keys, |b| async move {
    let s = TestServer::start(b).await;
    let ro = common::sync(|| s.service.add_key("default", true)).unwrap();
    let c = s.client_with(&ro.access_key_id, &ro.secret_access_key);
    assert!(c.list_hits().send().await.is_ok());
    assert!(c.get_account_balance().send().await.is_ok());
    let (code, msg) = err(create_hit(&c).send().await.unwrap_err());
    assert_eq!(code, "AccessDeniedException");
    assert!(msg.contains("read-only"), "{msg}");
});

both_backends!(sandbox_balance, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let bal = c.get_account_balance().send().await.unwrap();
    assert_eq!(bal.available_balance(), Some("10000.00"));
    create_hit(&c).max_assignments(2).send().await.unwrap();
    let bal = c.get_account_balance().send().await.unwrap();
    assert_eq!(bal.available_balance(), Some("10000.00"));
    assert_eq!(bal.on_hold_balance(), Some("1.20"));
});
