//! Qualification types and scores through aws-sdk-mturk on both backends: every operation's
//! parameters and errors (with MTurk's codes and the texts tools match), paging, Query without
//! regard to case, the system types, deletion through Disposing. Requests and tests are in
//! qualification_requests.rs.

use crate::common;

use aws_sdk_mturk::error::SdkError;
use aws_sdk_mturk::types::{Comparator, QualificationRequirement, QualificationStatus, QualificationTypeStatus};
use common::{create_hit, Options, TestServer};
use openturk_domain::model::Mode;
use std::collections::HashSet;

/// (TurkErrorCode, Message) of a RequestError.
pub fn turk<E, R>(e: SdkError<E, R>) -> (String, String)
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

async fn new_type(c: &aws_sdk_mturk::Client, name: &str) -> String {
    c.create_qualification_type()
        .name(name)
        .description(format!("{name}: a test type"))
        .qualification_type_status(QualificationTypeStatus::Active)
        .send()
        .await
        .unwrap()
        .qualification_type
        .unwrap()
        .qualification_type_id
        .unwrap()
}

both_backends!(create_get_update_and_duplicate_names, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let t = c
        .create_qualification_type()
        .name("EnglishWritingAbility")
        .description("The ability to write and edit text in English")
        .keywords("english, writing")
        .qualification_type_status(QualificationTypeStatus::Active)
        .retry_delay_in_seconds(3600)
        .send()
        .await
        .unwrap()
        .qualification_type
        .unwrap();
    let id = t.qualification_type_id().unwrap().to_string();
    assert_eq!(id.len(), 30);
    assert_eq!(t.qualification_type_status(), Some(&QualificationTypeStatus::Active));
    assert_eq!(t.keywords(), Some("english, writing"));
    assert_eq!(t.retry_delay_in_seconds(), Some(3600));
    assert_eq!(t.is_requestable(), Some(true));
    assert_eq!(t.auto_granted(), Some(false));
    assert_eq!(t.auto_granted_value(), None);
    assert!(t.creation_time().is_some());

    let g = c.get_qualification_type().qualification_type_id(&id).send().await.unwrap().qualification_type.unwrap();
    assert_eq!(g.name(), Some("EnglishWritingAbility"));

    // Names are unique per requester, with MTurk's words (Dallinger matches them).
    let (code, msg) = turk(
        c.create_qualification_type()
            .name("EnglishWritingAbility")
            .description("again")
            .qualification_type_status(QualificationTypeStatus::Inactive)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "AWS.MechanicalTurk.QualificationTypeAlreadyExists");
    assert!(msg.contains("You have already created a QualificationType with this name"), "{msg}");
    // Another requester may use the name.
    let k2 = common::sync(|| s.service.create_requester("other")).unwrap();
    let c2 = s.client_with(&k2.access_key_id, &k2.secret_access_key);
    new_type(&c2, "EnglishWritingAbility").await;

    // Update: description, status, retry delay, AutoGranted.
    let u = c
        .update_qualification_type()
        .qualification_type_id(&id)
        .description("Better English")
        .qualification_type_status(QualificationTypeStatus::Inactive)
        .retry_delay_in_seconds(60)
        .auto_granted(true)
        .auto_granted_value(7)
        .send()
        .await
        .unwrap()
        .qualification_type
        .unwrap();
    assert_eq!(u.description(), Some("Better English"));
    assert_eq!(u.qualification_type_status(), Some(&QualificationTypeStatus::Inactive));
    assert_eq!(u.retry_delay_in_seconds(), Some(60));
    assert_eq!((u.auto_granted(), u.auto_granted_value()), (Some(true), Some(7)));
    // An AutoGranted type cannot take a test unless it stops being AutoGranted.
    let (_, msg) = turk(
        c.update_qualification_type()
            .qualification_type_id(&id)
            .test(TEST)
            .test_duration_in_seconds(60)
            .send()
            .await
            .unwrap_err(),
    );
    assert!(msg.contains("is AutoGranted"), "{msg}");
    assert_eq!(u.name(), Some("EnglishWritingAbility"));
    // Only the owner may update, and a type that does not exist does not exist.
    let (code, _) =
        turk(c2.update_qualification_type().qualification_type_id(&id).description("x").send().await.unwrap_err());
    assert_eq!(code, "AWS.MechanicalTurk.PermissionDeniedException");
    let (code, msg) = turk(c.get_qualification_type().qualification_type_id("3NOSUCHTYPE").send().await.unwrap_err());
    assert_eq!(code, "AWS.MechanicalTurk.QualificationTypeDoesNotExist");
    assert!(msg.contains("does not exist"), "{msg}");
    // Another requester's type can be read (HITs may require any type).
    let g2 = c2.get_qualification_type().qualification_type_id(&id).send().await.unwrap().qualification_type.unwrap();
    assert_eq!(g2.description(), Some("Better English"));
});

both_backends!(parameter_rules, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let base = || {
        c.create_qualification_type()
            .name("T")
            .description("d")
            .qualification_type_status(QualificationTypeStatus::Active)
    };
    let cases: Vec<(_, &str, &str)> = vec![
        (base().description("d".repeat(2001)), "InvalidParameterValue", "Description"),
        (base().keywords("k".repeat(1001)), "InvalidParameterValue", "Keywords"),
        (base().retry_delay_in_seconds(-1), "InvalidParameterValue", "RetryDelayInSeconds"),
        (
            base().qualification_type_status(QualificationTypeStatus::from("Disposing")),
            "InvalidParameterValue",
            "QualificationTypeStatus",
        ),
        (base().test(TEST), "InvalidParameterValue", "TestDurationInSeconds"),
        (base().test(TEST).test_duration_in_seconds(60).auto_granted(true), "InvalidParameterValue", "AutoGranted"),
        (base().answer_key(key("")), "InvalidParameterValue", "AnswerKey"),
        (base().test_duration_in_seconds(60), "InvalidParameterValue", "TestDurationInSeconds"),
        (base().test("<QuestionForm").test_duration_in_seconds(60), "XMLParseError", "Test"),
        (base().test(common::HTML_QUESTION).test_duration_in_seconds(60), "InvalidParameterValue", "QuestionForm"),
        (base().test(TEST).test_duration_in_seconds(60).answer_key("<AnswerKey/>"), "XMLParseError", "namespace"),
        (
            base().test(TEST).test_duration_in_seconds(60).answer_key(key(&option("nope", "a", 1))),
            "InvalidParameterValue",
            "not a question of the Test",
        ),
        (
            base().test(TEST).test_duration_in_seconds(60).answer_key(key(&option("q1", "zz", 1))),
            "InvalidParameterValue",
            "SelectionIdentifier",
        ),
        (
            base().auto_granted(true).auto_granted_value(i32::MAX).test(TEST),
            "InvalidParameterValue",
            "TestDurationInSeconds",
        ),
    ];
    for (call, code, needle) in cases {
        let (got, msg) = turk(call.send().await.unwrap_err());
        assert_eq!(got, format!("AWS.MechanicalTurk.{code}"), "{needle}: {msg}");
        assert!(msg.contains(needle), "{needle}: {msg}");
    }
    // A test with a key that grades it, and a duration.
    let t = base()
        .test(TEST)
        .test_duration_in_seconds(60)
        .answer_key(key(&option("q1", "a", 1)))
        .send()
        .await
        .unwrap()
        .qualification_type
        .unwrap();
    assert_eq!(t.test(), Some(TEST));
    assert_eq!(t.test_duration_in_seconds(), Some(60));
    assert!(t.answer_key().unwrap().contains("AnswerKey"));
    let id = t.qualification_type_id().unwrap();
    // A type with a test cannot become AutoGranted; a new test needs its duration; a key
    // alone cannot be updated.
    let (code, msg) =
        turk(c.update_qualification_type().qualification_type_id(id).auto_granted(true).send().await.unwrap_err());
    assert_eq!(code, "AWS.MechanicalTurk.InvalidParameterValue");
    assert!(msg.contains("has a Test"), "{msg}");
    let (_, msg) = turk(c.update_qualification_type().qualification_type_id(id).test(TEST).send().await.unwrap_err());
    assert!(msg.contains("TestDurationInSeconds"), "{msg}");
    let (_, msg) = turk(
        c.update_qualification_type()
            .qualification_type_id(id)
            .answer_key(key(&option("q1", "b", 1)))
            .send()
            .await
            .unwrap_err(),
    );
    assert!(msg.contains("AnswerKey"), "{msg}");
    // Updating the test without a key drops the key.
    let u = c
        .update_qualification_type()
        .qualification_type_id(id)
        .test(TEST)
        .test_duration_in_seconds(30)
        .send()
        .await
        .unwrap()
        .qualification_type
        .unwrap();
    assert_eq!((u.answer_key(), u.test_duration_in_seconds()), (None, Some(30)));
});

both_backends!(listing_query_paging_and_system_types, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let k2 = common::sync(|| s.service.create_requester("other")).unwrap();
    let c2 = s.client_with(&k2.access_key_id, &k2.secret_access_key);
    for i in 0..7 {
        new_type(&c, &format!("Study participation {i}")).await;
    }
    let inactive = new_type(&c2, "Someone else's inactive").await;
    c2.update_qualification_type()
        .qualification_type_id(&inactive)
        .qualification_type_status(QualificationTypeStatus::Inactive)
        .send()
        .await
        .unwrap();
    new_type(&c2, "Someone else's active").await;

    // Dallinger looks a type up by its name in upper case.
    let l = c
        .list_qualification_types()
        .query("STUDY PARTICIPATION 3")
        .must_be_requestable(false)
        .must_be_owned_by_caller(true)
        .send()
        .await
        .unwrap();
    assert_eq!(l.num_results(), Some(1));
    assert_eq!(l.qualification_types()[0].name(), Some("Study participation 3"));
    // The description and keywords match too; LIKE's characters are literal.
    let l = c.list_qualification_types().query("a TEST type").must_be_requestable(true).send().await.unwrap();
    assert_eq!(l.num_results(), Some(8), "mine and the other's active one");
    let l = c.list_qualification_types().query("100%").must_be_requestable(false).send().await.unwrap();
    assert_eq!(l.num_results(), Some(0));

    // Everything, three at a time: 5 system types, 7 of mine, the other requester's active
    // one; a NextToken on every non-empty page, as MTurk.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let p = c
            .list_qualification_types()
            .must_be_requestable(false)
            .max_results(3)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        if p.qualification_types().is_empty() {
            assert_eq!(p.next_token(), None);
            break;
        }
        assert!(p.next_token().is_some());
        seen.extend(p.qualification_types().iter().map(|t| t.qualification_type_id().unwrap().to_string()));
        token = p.next_token().map(str::to_string);
    }
    assert_eq!(seen.len(), 13, "{seen:?}");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 13);
    for system in [
        "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6",
        "00000000000000000040",
        "00000000000000000071",
        "00000000000000000060",
        "000000000000000000L0",
    ] {
        assert!(seen.contains(&system.to_string()), "{system} missing");
    }
    assert!(!seen.contains(&inactive), "another requester's inactive type is not listed");
    // System types are not requestable, nor the caller's own.
    let l = c.list_qualification_types().must_be_requestable(true).send().await.unwrap();
    assert_eq!(l.num_results(), Some(8));
    let l = c.list_qualification_types().must_be_requestable(false).must_be_owned_by_caller(true).send().await.unwrap();
    assert_eq!(l.num_results(), Some(7));
    let l = c.list_qualification_types().query("worker_locale").must_be_requestable(false).send().await.unwrap();
    let t = &l.qualification_types()[0];
    assert_eq!((t.qualification_type_id(), t.is_requestable()), (Some("00000000000000000071"), Some(false)));
    // The owner sees its inactive type.
    let l =
        c2.list_qualification_types().must_be_requestable(false).must_be_owned_by_caller(true).send().await.unwrap();
    assert_eq!(l.num_results(), Some(2));
    // GetQualificationType answers for system types.
    let m = c.get_qualification_type().qualification_type_id("000000000000000000L0").send().await.unwrap();
    assert_eq!(m.qualification_type().unwrap().name(), Some("Worker_PercentAssignmentsApproved"));
    let (code, _) =
        turk(c.list_qualification_types().must_be_requestable(false).next_token("bad").send().await.unwrap_err());
    assert_eq!(code, "AWS.MechanicalTurk.InvalidParameterValue");
});

both_backends!(production_masters_id, |b| async move {
    let s = TestServer::start_with(b, Options { mode: Mode::Production, ..Options::default() }).await;
    let c = s.client();
    let m = c.get_qualification_type().qualification_type_id("2F1QJWKUDD8XADTFD2Q0G6UTO95ALH").send().await.unwrap();
    assert_eq!(m.qualification_type().unwrap().name(), Some("Masters"));
    // The sandbox's Masters ID is not a type in production.
    let (code, _) = turk(
        c.get_qualification_type().qualification_type_id("2ARFPLSP75KLA8M8DH1HTEQVJT3SY6").send().await.unwrap_err(),
    );
    assert_eq!(code, "AWS.MechanicalTurk.QualificationTypeDoesNotExist");
});

both_backends!(scores, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = new_type(&c, "Returning participant").await;
    let (w1, t1) = s.worker("wanda").await;
    let (w2, _) = s.worker("walt").await;

    // No score yet: "does not exist" (Dallinger: WorkerLacksQualification).
    let (code, msg) =
        turk(c.get_qualification_score().qualification_type_id(&id).worker_id(&w1).send().await.unwrap_err());
    assert_eq!(code, "AWS.MechanicalTurk.QualificationDoesNotExist");
    assert!(msg.contains("does not exist"), "{msg}");

    c.associate_qualification_with_worker()
        .qualification_type_id(&id)
        .worker_id(&w1)
        .integer_value(42)
        .send_notification(false)
        .send()
        .await
        .unwrap();
    // IntegerValue defaults to 1.
    c.associate_qualification_with_worker().qualification_type_id(&id).worker_id(&w2).send().await.unwrap();
    let q = c.get_qualification_score().qualification_type_id(&id).worker_id(&w1).send().await.unwrap();
    let q = q.qualification.unwrap();
    assert_eq!((q.integer_value(), q.status()), (Some(42), Some(&QualificationStatus::Granted)));
    assert_eq!(q.worker_id(), Some(w1.as_str()));
    assert!(q.grant_time().is_some());
    let q2 = c.get_qualification_score().qualification_type_id(&id).worker_id(&w2).send().await.unwrap();
    assert_eq!(q2.qualification.unwrap().integer_value(), Some(1));

    let l = c.list_workers_with_qualification_type().qualification_type_id(&id).max_results(1).send().await.unwrap();
    assert_eq!((l.num_results(), l.qualifications()[0].worker_id()), (Some(1), Some(w1.as_str())));
    let l2 = c
        .list_workers_with_qualification_type()
        .qualification_type_id(&id)
        .max_results(1)
        .next_token(l.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(l2.qualifications()[0].worker_id(), Some(w2.as_str()));

    // Revoked: GetQualificationScore says it can be called only on Granted scores.
    c.disassociate_qualification_from_worker()
        .qualification_type_id(&id)
        .worker_id(&w1)
        .reason("Took part already")
        .send()
        .await
        .unwrap();
    let (code, msg) =
        turk(c.get_qualification_score().qualification_type_id(&id).worker_id(&w1).send().await.unwrap_err());
    assert_eq!(code, "AWS.MechanicalTurk.InvalidQualificationState");
    assert!(msg.contains("This operation can be called with a status of: Granted"), "{msg}");
    let (code, _) = turk(
        c.disassociate_qualification_from_worker().qualification_type_id(&id).worker_id(&w1).send().await.unwrap_err(),
    );
    assert_eq!(code, "AWS.MechanicalTurk.InvalidQualificationState");
    let r = c
        .list_workers_with_qualification_type()
        .qualification_type_id(&id)
        .status(QualificationStatus::Revoked)
        .send()
        .await
        .unwrap();
    assert_eq!(r.qualifications().iter().map(|q| q.worker_id().unwrap()).collect::<Vec<_>>(), vec![w1.as_str()]);
    let g = c.list_workers_with_qualification_type().qualification_type_id(&id).send().await.unwrap();
    assert_eq!(g.num_results(), Some(1), "only the granted score by default");
    // The worker sees the revocation and its reason.
    let (st, mine) = s.worker_call(reqwest::Method::GET, "/qualifications", &t1, None).await;
    assert_eq!(st, 200, "{mine}");
    let score = &mine["Qualifications"][0];
    assert_eq!(
        (score["Status"].as_str(), score["RevokeReason"].as_str()),
        (Some("Revoked"), Some("Took part already"))
    );
    assert_eq!(score["Name"], "Returning participant");
    // Associating again grants it again.
    c.associate_qualification_with_worker()
        .qualification_type_id(&id)
        .worker_id(&w1)
        .integer_value(3)
        .send()
        .await
        .unwrap();
    let q = c.get_qualification_score().qualification_type_id(&id).worker_id(&w1).send().await.unwrap();
    assert_eq!(q.qualification.unwrap().integer_value(), Some(3));

    // Errors: an unknown worker, a system type, another requester's type, no such type.
    let (code, _) = turk(
        c.associate_qualification_with_worker()
            .qualification_type_id(&id)
            .worker_id("ANOSUCHWORKER1")
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "AWS.MechanicalTurk.WorkerDoesNotExist");
    let (code, _) = turk(
        c.associate_qualification_with_worker()
            .qualification_type_id("2ARFPLSP75KLA8M8DH1HTEQVJT3SY6")
            .worker_id(&w1)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "AWS.MechanicalTurk.PermissionDeniedException");
    let k2 = common::sync(|| s.service.create_requester("other")).unwrap();
    let c2 = s.client_with(&k2.access_key_id, &k2.secret_access_key);
    let (code, _) =
        turk(c2.get_qualification_score().qualification_type_id(&id).worker_id(&w1).send().await.unwrap_err());
    assert_eq!(code, "AWS.MechanicalTurk.PermissionDeniedException");
    let (code, _) =
        turk(c2.list_workers_with_qualification_type().qualification_type_id(&id).send().await.unwrap_err());
    assert_eq!(code, "AWS.MechanicalTurk.PermissionDeniedException");
});

both_backends!(deletion_goes_through_disposing, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = new_type(&c, "Short-lived").await;
    let (w, _) = s.worker("dora").await;
    c.associate_qualification_with_worker()
        .qualification_type_id(&id)
        .worker_id(&w)
        .integer_value(5)
        .send()
        .await
        .unwrap();
    c.delete_qualification_type().qualification_type_id(&id).send().await.unwrap();
    let t = c.get_qualification_type().qualification_type_id(&id).send().await.unwrap().qualification_type.unwrap();
    assert_eq!(t.qualification_type_status().map(|s| s.as_str()), Some("Disposing"));
    let l = c.list_qualification_types().must_be_requestable(false).must_be_owned_by_caller(true).send().await.unwrap();
    assert_eq!(l.num_results(), Some(0));
    // Granted scores stay (HITs may still require them) ...
    let q = c.get_qualification_score().qualification_type_id(&id).worker_id(&w).send().await.unwrap();
    assert_eq!(q.qualification.unwrap().integer_value(), Some(5));
    let v = common::sync(|| s.service.qualification_values(&w)).unwrap();
    assert!(v.contains_key(&id));
    // ... but the type takes no more changes, and its name is free again.
    for r in [
        turk(c.update_qualification_type().qualification_type_id(&id).description("x").send().await.unwrap_err()),
        turk(c.delete_qualification_type().qualification_type_id(&id).send().await.unwrap_err()),
        turk(
            c.associate_qualification_with_worker().qualification_type_id(&id).worker_id(&w).send().await.unwrap_err(),
        ),
    ] {
        assert_eq!(r.0, "AWS.MechanicalTurk.InvalidQualificationTypeState", "{}", r.1);
    }
    let again = new_type(&c, "Short-lived").await;
    assert_ne!(again, id);
});

both_backends!(hits_for_a_qualification_type, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = new_type(&c, "Screened").await;
    let req = |q: &str| {
        QualificationRequirement::builder().qualification_type_id(q).comparator(Comparator::Exists).build().unwrap()
    };
    let h1 = create_hit(&c).qualification_requirements(req(&id)).send().await.unwrap().hit.unwrap();
    create_hit(&c).title("No requirement").send().await.unwrap();
    let h3 = create_hit(&c)
        .qualification_requirements(req(&id))
        .qualification_requirements(req("000000000000000000L0"))
        .send()
        .await
        .unwrap()
        .hit
        .unwrap();
    // Another requester's HIT requiring the type is not the caller's.
    let k2 = common::sync(|| s.service.create_requester("other")).unwrap();
    let c2 = s.client_with(&k2.access_key_id, &k2.secret_access_key);
    create_hit(&c2).qualification_requirements(req(&id)).send().await.unwrap();

    let l = c.list_hits_for_qualification_type().qualification_type_id(&id).max_results(1).send().await.unwrap();
    assert_eq!(l.hits()[0].hit_id(), h1.hit_id());
    let l2 = c
        .list_hits_for_qualification_type()
        .qualification_type_id(&id)
        .next_token(l.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(l2.hits().iter().map(|h| h.hit_id()).collect::<Vec<_>>(), vec![h3.hit_id()]);
    let l3 = c
        .list_hits_for_qualification_type()
        .qualification_type_id(&id)
        .next_token(l2.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!((l3.num_results(), l3.next_token()), (Some(0), None));
    // Any type may be asked about, system types too.
    let sys = c.list_hits_for_qualification_type().qualification_type_id("000000000000000000L0").send().await.unwrap();
    assert_eq!(sys.num_results(), Some(1));
    let (code, _) =
        turk(c.list_hits_for_qualification_type().qualification_type_id("3NOSUCHTYPE").send().await.unwrap_err());
    assert_eq!(code, "AWS.MechanicalTurk.QualificationTypeDoesNotExist");
});

pub const TEST: &str = r#"<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd"><Question><QuestionIdentifier>q1</QuestionIdentifier><IsRequired>true</IsRequired><QuestionContent><Text>2 + 2?</Text></QuestionContent><AnswerSpecification><SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion><Selections><Selection><SelectionIdentifier>a</SelectionIdentifier><Text>4</Text></Selection><Selection><SelectionIdentifier>b</SelectionIdentifier><Text>5</Text></Selection></Selections></SelectionAnswer></AnswerSpecification></Question><Question><QuestionIdentifier>q2</QuestionIdentifier><QuestionContent><Text>Capital of France?</Text></QuestionContent><AnswerSpecification><SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion><Selections><Selection><SelectionIdentifier>x</SelectionIdentifier><Text>Paris</Text></Selection><Selection><SelectionIdentifier>y</SelectionIdentifier><Text>Lyon</Text></Selection></Selections></SelectionAnswer></AnswerSpecification></Question></QuestionForm>"#;

pub fn key(body: &str) -> String {
    format!(
        r#"<AnswerKey xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/AnswerKey.xsd">{body}</AnswerKey>"#
    )
}

pub fn option(question: &str, selection: &str, score: i64) -> String {
    format!(
        "<Question><QuestionIdentifier>{question}</QuestionIdentifier><AnswerOption><SelectionIdentifier>{selection}</SelectionIdentifier><AnswerScore>{score}</AnswerScore></AnswerOption></Question>"
    )
}

both_backends!(only_the_owner_sees_an_answer_key, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let t = c
        .create_qualification_type()
        .name("Keyed")
        .description("d")
        .qualification_type_status(QualificationTypeStatus::Active)
        .test(TEST)
        .test_duration_in_seconds(60)
        .answer_key(key(&option("q1", "a", 1)))
        .send()
        .await
        .unwrap()
        .qualification_type
        .unwrap();
    let id = t.qualification_type_id().unwrap();
    let mine = c.get_qualification_type().qualification_type_id(id).send().await.unwrap();
    assert!(mine.qualification_type().unwrap().answer_key().is_some());
    let k2 = common::sync(|| s.service.create_requester("other")).unwrap();
    let c2 = s.client_with(&k2.access_key_id, &k2.secret_access_key);
    let theirs = c2.get_qualification_type().qualification_type_id(id).send().await.unwrap();
    let theirs = theirs.qualification_type().unwrap();
    assert_eq!((theirs.test(), theirs.answer_key()), (Some(TEST), None));
    let listed = c2.list_qualification_types().query("keyed").must_be_requestable(true).send().await.unwrap();
    assert_eq!(listed.qualification_types()[0].answer_key(), None);
    let listed = c.list_qualification_types().query("keyed").must_be_requestable(true).send().await.unwrap();
    assert!(listed.qualification_types()[0].answer_key().is_some());
});

// The migration fills hit_type_qualifications for HIT types made before it: its statement,
// run again on links removed by hand, finds them from the stored properties.
both_backends!(the_migration_links_older_hit_types, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let q = QualificationRequirement::builder()
        .qualification_type_id("000000000000000000L0")
        .comparator(Comparator::GreaterThan)
        .integer_values(90)
        .build()
        .unwrap();
    create_hit(&c).qualification_requirements(q).send().await.unwrap();
    let file = match b {
        common::Backend::Sqlite => include_str!("../../../storage/src/migrations/sqlite/0003_qualifications.sql"),
        common::Backend::Postgres => include_str!("../../../storage/src/migrations/postgres/0003_qualifications.sql"),
    };
    let start = file.find("INSERT INTO hit_type_qualifications").unwrap();
    let fill = &file[start..start + file[start..].find(';').unwrap()];
    let count = |tx: &mut dyn openturk_storage::Tx| {
        tx.query_one("SELECT COUNT(*) AS n FROM hit_type_qualifications", &[]).unwrap().i64("n").unwrap()
    };
    let db = s.service.db().clone();
    common::sync(|| {
        db.write(|tx: &mut dyn openturk_storage::Tx| -> Result<(), openturk_storage::StorageError> {
            assert_eq!(count(tx), 1);
            tx.execute("DELETE FROM hit_type_qualifications", &[])?;
            tx.batch(fill)?;
            Ok(())
        })
        .unwrap()
    });
    let l = c.list_hits_for_qualification_type().qualification_type_id("000000000000000000L0").send().await.unwrap();
    assert_eq!(l.num_results(), Some(1));
});
