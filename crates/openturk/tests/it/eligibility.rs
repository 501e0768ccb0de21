//! Enforcement of QualificationRequirements and worker blocks wherever a worker meets a HIT:
//! the HIT list (worker API and site share the service call), preview, accept and accepting
//! from a group, with every guarded action; an assignment already accepted is kept.

use crate::common;

use aws_sdk_mturk::types::{Comparator, HitAccessActions, Locale, QualificationRequirement};
use common::{Backend, TestServer};
use reqwest::Method;
use serde_json::Value;

fn req(type_id: &str, cmp: Comparator, ints: &[i32], guard: Option<HitAccessActions>) -> QualificationRequirement {
    let mut b = QualificationRequirement::builder().qualification_type_id(type_id).comparator(cmp);
    for i in ints {
        b = b.integer_values(*i);
    }
    if let Some(g) = guard {
        b = b.actions_guarded(g);
    }
    b.build().unwrap()
}

fn locale(cmp: Comparator, countries: &[&str], guard: HitAccessActions) -> QualificationRequirement {
    let mut b = QualificationRequirement::builder()
        .qualification_type_id("00000000000000000071")
        .comparator(cmp)
        .actions_guarded(guard);
    for c in countries {
        b = b.locale_values(Locale::builder().country(*c).build().unwrap());
    }
    b.build().unwrap()
}

/// Creates a HIT with these requirements; returns (HITId, HITGroupId).
async fn hit(s: &TestServer, title: &str, reqs: Vec<QualificationRequirement>) -> (String, String) {
    let h = common::create_hit(&s.client())
        .title(title)
        .max_assignments(3)
        .set_qualification_requirements(Some(reqs))
        .send()
        .await
        .unwrap()
        .hit
        .unwrap();
    (h.hit_id.unwrap(), h.hit_group_id.unwrap())
}

/// The titles the worker's HIT list shows, and whether each is marked qualified.
async fn listed(s: &TestServer, token: &str, qualified_only: bool) -> Vec<(String, bool)> {
    let path = format!("/hit-groups?SortBy=Title&QualifiedOnly={qualified_only}");
    let (st, body) = s.worker_call(Method::GET, &path, token, None).await;
    assert_eq!(st, 200, "{body}");
    body["HITGroups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["Title"].as_str().unwrap().to_string(), g["Qualified"].as_bool().unwrap()))
        .collect()
}

async fn preview(s: &TestServer, token: &str, hit_id: &str) -> (u16, Value) {
    s.worker_call(Method::GET, &format!("/hits/{hit_id}"), token, None).await
}

async fn accept(s: &TestServer, token: &str, hit_id: &str) -> (u16, Value) {
    s.worker_call(Method::POST, &format!("/hits/{hit_id}/accept"), token, None).await
}

both_backends!(each_guarded_action_is_enforced, |backend: Backend| async move {
    let s = TestServer::start(backend).await;
    let c = s.client();
    let qt = common::qualification_type(&c, "Took part before", "Workers who did the pilot").await;
    let (_, ann) = s.worker("ann").await;
    let (bob_id, bob) = s.worker("bob").await;
    c.associate_qualification_with_worker()
        .qualification_type_id(&qt)
        .worker_id(&bob_id)
        .integer_value(7)
        .send()
        .await
        .unwrap();

    let (open, _) = hit(&s, "A open", vec![]).await;
    let (accept_only, _) = hit(&s, "B accept", vec![req(&qt, Comparator::Exists, &[], None)]).await;
    // The deprecated RequiredToPreview, which tools still send, guards previews too.
    let mut legacy = req(&qt, Comparator::GreaterThan, &[5], None);
    #[allow(deprecated)]
    {
        legacy.required_to_preview = Some(true);
    }
    let (preview_guard, _) = hit(&s, "C preview", vec![legacy]).await;
    let (hidden, hidden_group) =
        hit(&s, "D hidden", vec![req(&qt, Comparator::Exists, &[], Some(HitAccessActions::DiscoverPreviewAndAccept))])
            .await;
    // "Not twice": only workers who do not have the type.
    let (fresh_only, _) = hit(
        &s,
        "E newcomers",
        vec![req(&qt, Comparator::DoesNotExist, &[], Some(HitAccessActions::DiscoverPreviewAndAccept))],
    )
    .await;

    // Ann has no score: D is hidden; B and C are listed but not qualified; E is hers.
    assert_eq!(
        listed(&s, &ann, false).await,
        [
            ("A open".into(), true),
            ("B accept".into(), false),
            ("C preview".into(), false),
            ("E newcomers".into(), true)
        ]
    );
    assert_eq!(listed(&s, &ann, true).await, [("A open".into(), true), ("E newcomers".into(), true)]);
    // Bob has 7: everything but E.
    assert_eq!(
        listed(&s, &bob, false).await,
        [("A open".into(), true), ("B accept".into(), true), ("C preview".into(), true), ("D hidden".into(), true)]
    );

    // Preview: B (accept-only) may be previewed; C and D may not.
    assert_eq!(preview(&s, &ann, &accept_only).await.0, 200);
    let (st, body) = preview(&s, &ann, &preview_guard).await;
    assert_eq!(st, 403, "{body}");
    assert_eq!(body["Error"]["Code"], "NotQualified");
    let r = &body["Error"]["Requirements"][0];
    assert_eq!(r["QualificationTypeId"], qt.as_str());
    assert_eq!(r["Name"], "Took part before");
    assert_eq!(r["Requirement"], "must be greater than 5");
    assert_eq!(r["Requestable"], true);
    assert_eq!(preview(&s, &ann, &hidden).await.0, 403);
    assert_eq!(preview(&s, &bob, &hidden).await.0, 200);

    // Accept: refused for each guarded HIT Ann misses, allowed for the others.
    for h in [&accept_only, &preview_guard, &hidden] {
        let (st, body) = accept(&s, &ann, h).await;
        assert_eq!((st, body["Error"]["Code"].as_str()), (403, Some("NotQualified")), "{body}");
    }
    let (st, body) = s.worker_call(Method::POST, &format!("/hit-groups/{hidden_group}/accept"), &ann, None).await;
    assert_eq!(st, 403, "accepting from a group checks the same: {body}");
    assert_eq!(accept(&s, &ann, &open).await.0, 201);
    assert_eq!(accept(&s, &ann, &fresh_only).await.0, 201);
    assert_eq!(accept(&s, &bob, &fresh_only).await.0, 403);
    let (st, body) = accept(&s, &bob, &hidden).await;
    assert_eq!(st, 201, "{body}");
    let kept = body["AssignmentId"].as_str().unwrap().to_string();

    // Revoking takes nothing away from work already accepted, but stops the next accept.
    c.disassociate_qualification_from_worker()
        .qualification_type_id(&qt)
        .worker_id(&bob_id)
        .reason("Pilot data was lost")
        .send()
        .await
        .unwrap();
    assert_eq!(accept(&s, &bob, &accept_only).await.0, 403);
    let (st, body) = s
        .worker_call(
            Method::POST,
            &format!("/assignments/{kept}/submit"),
            &bob,
            Some(serde_json::json!({"Answers": {"answer": "done"}})),
        )
        .await;
    assert!(st < 300, "the assignment accepted before the revocation is still Bob's: {body}");
});

both_backends!(system_qualifications_are_the_workers_own, |backend: Backend| async move {
    let s = TestServer::start(backend).await;
    let (_, ann) = s.worker("ann").await; // US, nothing approved yet
    let any = HitAccessActions::DiscoverPreviewAndAccept;
    hit(&s, "Locale US", vec![locale(Comparator::EqualTo, &["US"], any.clone())]).await;
    hit(&s, "Locale not US", vec![locale(Comparator::NotIn, &["US", "CA"], any.clone())]).await;
    hit(&s, "Locale in list", vec![locale(Comparator::In, &["DE", "US"], any.clone())]).await;
    hit(&s, "Rate 95", vec![req("000000000000000000L0", Comparator::GreaterThanOrEqualTo, &[95], Some(any.clone()))])
        .await;
    hit(&s, "Approved 1", vec![req("00000000000000000040", Comparator::GreaterThanOrEqualTo, &[1], Some(any.clone()))])
        .await;
    hit(&s, "Masters", vec![req("2ARFPLSP75KLA8M8DH1HTEQVJT3SY6", Comparator::Exists, &[], Some(any.clone()))]).await;
    hit(&s, "Adult", vec![req("00000000000000000060", Comparator::EqualTo, &[1], Some(any.clone()))]).await;
    let titles = |l: Vec<(String, bool)>| l.into_iter().map(|(t, _)| t).collect::<Vec<_>>();
    // A new worker's approval rate is 100 until 100 submissions (the spec).
    assert_eq!(titles(listed(&s, &ann, false).await), ["Locale US", "Locale in list", "Rate 95"]);
    // The worker says it is an adult on the site or the worker API: the Adult HIT appears.
    let (st, body) = s.worker_call(Method::POST, "/me/adult", &ann, Some(serde_json::json!({"Adult": true}))).await;
    assert!(st < 300, "{body}");
    assert_eq!(titles(listed(&s, &ann, false).await), ["Adult", "Locale US", "Locale in list", "Rate 95"]);
});

both_backends!(a_block_hides_the_requesters_hits, |backend: Backend| async move {
    let s = TestServer::start(backend).await;
    let c = s.client();
    let (ann_id, ann) = s.worker("ann").await;
    let (first, _) = hit(&s, "Blocked soon", vec![]).await;
    let (second, group) = hit(&s, "Blocked later", vec![]).await;
    let (st, body) = accept(&s, &ann, &first).await;
    assert_eq!(st, 201);
    let held = body["AssignmentId"].as_str().unwrap().to_string();
    c.create_worker_block().worker_id(&ann_id).reason("Spam answers").send().await.unwrap();
    assert!(listed(&s, &ann, false).await.is_empty(), "a blocked worker does not find the requester's HITs");
    let (st, body) = accept(&s, &ann, &second).await;
    assert_eq!(st, 403, "{body}");
    assert!(body["Error"]["Message"].as_str().unwrap().contains("blocked"), "{body}");
    assert_eq!(s.worker_call(Method::POST, &format!("/hit-groups/{group}/accept"), &ann, None).await.0, 403);
    assert_eq!(preview(&s, &ann, &second).await.0, 403);
    // The assignment accepted before the block is still the worker's to submit.
    let (st, body) = s
        .worker_call(
            Method::POST,
            &format!("/assignments/{held}/submit"),
            &ann,
            Some(serde_json::json!({"Answers": {"answer": "x"}})),
        )
        .await;
    assert!(st < 300, "{body}");
    c.delete_worker_block().worker_id(&ann_id).reason("Appealed").send().await.unwrap();
    assert_eq!(listed(&s, &ann, false).await.len(), 2);
    assert_eq!(accept(&s, &ann, &second).await.0, 201);
});

both_backends!(pages_read_past_hidden_groups, |backend: Backend| async move {
    let s = TestServer::start(backend).await;
    let (_, ann) = s.worker("ann").await;
    let hidden = || {
        vec![req(
            "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6",
            Comparator::Exists,
            &[],
            Some(HitAccessActions::DiscoverPreviewAndAccept),
        )]
    };
    // Runs of hidden groups between visible ones, at the start, middle and end of the order.
    let pattern = "hhvhhhvvhvhhhhhvh";
    let mut visible = Vec::new();
    for (i, kind) in pattern.chars().enumerate() {
        let title = format!("G{i:02}");
        hit(&s, &title, if kind == 'h' { hidden() } else { vec![] }).await;
        if kind == 'v' {
            visible.push(title);
        }
    }
    for size in [1, 2, 3, 10] {
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut path = format!("/hit-groups?SortBy=Title&MaxResults={size}");
            if let Some(t) = &token {
                path.push_str(&format!("&NextToken={t}"));
            }
            let (st, body) = s.worker_call(Method::GET, &path, &ann, None).await;
            assert_eq!(st, 200, "{body}");
            let page = body["HITGroups"].as_array().unwrap();
            assert!(page.len() <= size);
            seen.extend(page.iter().map(|g| g["Title"].as_str().unwrap().to_string()));
            match body["NextToken"].as_str() {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
        }
        assert_eq!(seen, visible, "pages of {size}");
    }
});

both_backends!(a_deleted_type_disposes_the_hit_types_that_require_it, |backend: Backend| async move {
    let s = TestServer::start(backend).await;
    let c = s.client();
    let qt = common::qualification_type(&c, "Soon gone", "Deleted below").await;
    let ty = c
        .create_hit_type()
        .title("Needs the type")
        .description("d")
        .reward("0.10")
        .assignment_duration_in_seconds(300)
        .qualification_requirements(req(&qt, Comparator::Exists, &[], None))
        .send()
        .await
        .unwrap()
        .hit_type_id
        .unwrap();
    let with_type = || {
        c.create_hit_with_hit_type()
            .hit_type_id(&ty)
            .lifetime_in_seconds(600)
            .max_assignments(1)
            .question(common::HTML_QUESTION)
            .send()
    };
    with_type().await.unwrap();
    c.delete_qualification_type().qualification_type_id(&qt).send().await.unwrap();
    let (code, msg) = common::err(with_type().await.unwrap_err());
    assert_eq!(code, "RequestError");
    assert!(msg.contains(&format!("QualificationType {qt} is being disposed")), "{msg}");
    let (_, msg) = common::err(
        common::create_hit(&c)
            .qualification_requirements(req(&qt, Comparator::Exists, &[], None))
            .send()
            .await
            .unwrap_err(),
    );
    assert!(msg.contains("being disposed"), "{msg}");
});

// Races: a worker accepting a HIT while the requester revokes the qualification it requires.
// Whichever commits first wins, as if one came after the other: the accept either succeeds (and
// the assignment stays the worker's after the revocation) or is refused as not qualified;
// never a fault, never an assignment the worker was not qualified for when it was made.
both_backends!(accepting_while_the_qualification_is_revoked, |backend: Backend| async move {
    let s = TestServer::start(backend).await;
    let c = s.client();
    let qt = common::qualification_type(&c, "Raced", "Granted and revoked while accepting").await;
    let (wid, token) = s.worker("racer").await;
    let (mut won, mut refused) = (0, 0);
    for round in 0..12 {
        let (h, _) = hit(&s, &format!("Race {round:02}"), vec![req(&qt, Comparator::Exists, &[], None)]).await;
        c.associate_qualification_with_worker()
            .qualification_type_id(&qt)
            .worker_id(&wid)
            .send_notification(false)
            .send()
            .await
            .unwrap();
        let revoke = c.disassociate_qualification_from_worker().qualification_type_id(&qt).worker_id(&wid).send();
        let (accepted, revoked) = tokio::join!(accept(&s, &token, &h), revoke);
        revoked.unwrap();
        let (st, body) = accepted;
        match st {
            201 => {
                won += 1;
                // The revocation took nothing away: the worker submits the assignment.
                let aid = body["AssignmentId"].as_str().unwrap();
                let (st, body) = s
                    .worker_call(
                        Method::POST,
                        &format!("/assignments/{aid}/submit"),
                        &token,
                        Some(serde_json::json!({"Answers": {"answer": "x"}})),
                    )
                    .await;
                assert!(st < 300, "round {round}: {body}");
            }
            403 => {
                refused += 1;
                assert_eq!(body["Error"]["Code"], "NotQualified", "{body}");
            }
            other => panic!("round {round}: accept answered {other}: {body}"),
        }
        // Revoked now: the HIT cannot be accepted (again).
        let (st, body) = accept(&s, &token, &h).await;
        assert!(st == 403 || st == 409, "round {round}: {st} {body}");
    }
    eprintln!("accepted first {won} times, revoked first {refused} times");
});
