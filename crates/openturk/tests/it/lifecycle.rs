//! The assignment life cycle end to end: the worker API on one side, aws-sdk-mturk on the
//! other, with the clock moved by the test. Races each run on both backends.

use crate::common;

use aws_sdk_mturk::types::{AssignmentStatus, HitStatus};
use common::{create_hit, err, Created, Options, TestServer};
use openturk_domain::model::Mode;
use reqwest::Method;
use serde_json::json;

async fn accept(s: &TestServer, token: &str, hit_id: &str) -> (u16, serde_json::Value) {
    s.worker_call(Method::POST, &format!("/hits/{hit_id}/accept"), token, None).await
}

async fn submit(
    s: &TestServer,
    token: &str,
    assignment_id: &str,
    answers: serde_json::Value,
) -> (u16, serde_json::Value) {
    s.worker_call(
        Method::POST,
        &format!("/assignments/{assignment_id}/submit"),
        token,
        Some(json!({ "Answers": answers })),
    )
    .await
}

both_backends!(full_cycle_with_counts_and_answers, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let hit = create_hit(&c).max_assignments(2).auto_approval_delay_in_seconds(3600).send().await.unwrap().hit.unwrap();
    let id = hit.hit_id().unwrap().to_string();
    let (w1, t1) = s.worker("ana").await;
    let (_w2, t2) = s.worker("ben").await;

    // The group is listed; accepting by group gives an assignment with a deadline.
    let (st, groups) = s.worker_call(Method::GET, "/hit-groups", &t1, None).await;
    assert_eq!(st, 200);
    let g = &groups["HITGroups"][0];
    assert_eq!(g["HITGroupId"], hit.hit_group_id().unwrap());
    assert_eq!(g["Reward"], "0.50");
    assert_eq!(g["RequesterName"], "default");
    let (st, a1) = s
        .worker_call(Method::POST, &format!("/hit-groups/{}/accept", g["HITGroupId"].as_str().unwrap()), &t1, None)
        .await;
    assert_eq!(st, 201, "{a1}");
    let a1id = a1["AssignmentId"].as_str().unwrap().to_string();
    assert_eq!(a1["HITId"], id.as_str());
    assert!(a1["Question"].as_str().unwrap().contains("HTMLQuestion"));
    // The same worker cannot hold two assignments of one HIT.
    let (st, e) = accept(&s, &t1, &id).await;
    assert_eq!(st, 409, "{e}");
    let h = c.get_hit().hit_id(&id).send().await.unwrap().hit.unwrap();
    assert_eq!((h.number_of_assignments_available(), h.number_of_assignments_pending()), (Some(1), Some(1)));

    let (st, a2) = accept(&s, &t2, &id).await;
    assert_eq!(st, 201);
    let h = c.get_hit().hit_id(&id).send().await.unwrap().hit.unwrap();
    assert_eq!(h.hit_status(), Some(&HitStatus::Unassignable));
    assert_eq!(h.number_of_assignments_available(), Some(0));

    let (st, r) = submit(&s, &t1, &a1id, json!({"answer": "a <b> & 'c'", "colors": ["red", "blue"]})).await;
    assert_eq!(st, 200, "{r}");
    // A worker cannot submit someone else's assignment, nor submit twice.
    let (st, _) = submit(&s, &t1, a2["AssignmentId"].as_str().unwrap(), json!({"x": "y"})).await;
    assert_eq!(st, 403);
    let (st, _) = submit(&s, &t1, &a1id, json!({"x": "y"})).await;
    assert_eq!(st, 409);
    // And can never work the same HIT twice.
    let (st, _) = accept(&s, &t1, &id).await;
    assert_eq!(st, 409);

    let got = c.get_assignment().assignment_id(&a1id).send().await.unwrap();
    let a = got.assignment.unwrap();
    assert_eq!(a.assignment_status(), Some(&AssignmentStatus::Submitted));
    assert_eq!(a.worker_id(), Some(w1.as_str()));
    let answer = a.answer().unwrap();
    assert!(answer.contains("QuestionFormAnswers.xsd"), "{answer}");
    assert!(
        answer.contains(
            "<QuestionIdentifier>answer</QuestionIdentifier><FreeText>a &lt;b&gt; &amp; &apos;c&apos;</FreeText>"
        ) || answer.contains("<FreeText>a &lt;b&gt; &amp; 'c'</FreeText>"),
        "{answer}"
    );
    assert!(answer.contains("<FreeText>red|blue</FreeText>"), "{answer}");

    // Approve with feedback; the worker sees earnings.
    let (code, msg) =
        err(c.approve_assignment().assignment_id(&a1id).requester_feedback("x".repeat(1025)).send().await.unwrap_err());
    assert_eq!(code, "RequestError");
    assert!(msg.contains("RequesterFeedback"), "{msg}");
    assert!(c.approve_assignment().assignment_id(&a1id).requester_feedback("bad\u{1}").send().await.is_err());
    c.approve_assignment().assignment_id(&a1id).requester_feedback("Great work").send().await.unwrap();
    let (code, _) = err(c.approve_assignment().assignment_id(&a1id).send().await.unwrap_err());
    assert_eq!(code, "RequestError", "approving twice is refused");
    let (_, me) = s.worker_call(Method::GET, "/me", &t1, None).await;
    assert_eq!(me["Earnings"]["Approved"], "0.50");
    assert_eq!(me["Earnings"]["Available"], "0.50");
    assert_eq!(me["AssignmentCounts"]["Approved"], 1);
    let (_, mine) = s.worker_call(Method::GET, "/assignments?Status=Approved", &t1, None).await;
    assert_eq!(mine["Assignments"][0]["RequesterFeedback"], "Great work");

    // Reject the other with required feedback; then override within 30 days.
    let a2id = a2["AssignmentId"].as_str().unwrap();
    submit(&s, &t2, a2id, json!({"answer": "meh"})).await;
    let h = c.get_hit().hit_id(&id).send().await.unwrap().hit.unwrap();
    assert_eq!(h.hit_status(), Some(&HitStatus::Reviewable));
    c.reject_assignment().assignment_id(a2id).requester_feedback("Wrong label").send().await.unwrap();
    let list =
        c.list_assignments_for_hit().hit_id(&id).assignment_statuses(AssignmentStatus::Rejected).send().await.unwrap();
    assert_eq!(list.num_results(), Some(1));
    let h = c.get_hit().hit_id(&id).send().await.unwrap().hit.unwrap();
    assert_eq!(h.number_of_assignments_completed(), Some(2));
    s.advance(29 * 86_400).await;
    c.approve_assignment().assignment_id(a2id).override_rejection(true).send().await.unwrap();
    let list =
        c.list_assignments_for_hit().hit_id(&id).assignment_statuses(AssignmentStatus::Approved).send().await.unwrap();
    assert_eq!(list.num_results(), Some(2));
    s.verify_ledger();
});

both_backends!(return_abandon_expiry_and_auto_approval, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = create_hit(&c)
        .max_assignments(1)
        .assignment_duration_in_seconds(300)
        .lifetime_in_seconds(500)
        .auto_approval_delay_in_seconds(100)
        .created()
        .await;
    let (_, t1) = s.worker("cat").await;
    let (_, t2) = s.worker("dan").await;
    // Return frees the slot.
    let (_, a) = accept(&s, &t1, &id).await;
    let (st, _) = s
        .worker_call(Method::POST, &format!("/assignments/{}/return", a["AssignmentId"].as_str().unwrap()), &t1, None)
        .await;
    assert_eq!(st, 200);
    assert_eq!(c.get_hit().hit_id(&id).send().await.unwrap().hit.unwrap().number_of_assignments_available(), Some(1));
    // Abandonment: the deadline passes, the slot opens again.
    let (_, a) = accept(&s, &t2, &id).await;
    let deadline_passed_id = a["AssignmentId"].as_str().unwrap().to_string();
    s.advance(301).await;
    assert_eq!(c.get_hit().hit_id(&id).send().await.unwrap().hit.unwrap().number_of_assignments_available(), Some(1));
    let (st, _) = submit(&s, &t2, &deadline_passed_id, json!({"a": "late"})).await;
    assert_eq!(st, 409, "too late");
    let (_, abandoned) = s.worker_call(Method::GET, "/assignments?Status=Abandoned", &t2, None).await;
    assert_eq!(abandoned["Assignments"].as_array().unwrap().len(), 1);
    // Accept, then the HIT expires: the work may still be submitted before its own deadline.
    let (_, a) = accept(&s, &t1, &id).await;
    let aid = a["AssignmentId"].as_str().unwrap().to_string();
    s.advance(250).await; // past the HIT's lifetime (500 s from creation), not the assignment's 300 s
    let h = c.get_hit().hit_id(&id).send().await.unwrap().hit.unwrap();
    assert_eq!(h.hit_status(), Some(&HitStatus::Unassignable));
    let (_, t3) = s.worker("eve").await;
    assert_eq!(accept(&s, &t3, &id).await.0, 409, "nobody can accept after expiry");
    let (st, _) = submit(&s, &t1, &aid, json!({"a": "done"})).await;
    assert_eq!(st, 200);
    let h = c.get_hit().hit_id(&id).send().await.unwrap().hit.unwrap();
    assert_eq!(h.hit_status(), Some(&HitStatus::Reviewable));
    // Auto-approval happens on time without any request.
    s.advance(100).await;
    let a = c.get_assignment().assignment_id(&aid).send().await.unwrap().assignment.unwrap();
    assert_eq!(a.assignment_status(), Some(&AssignmentStatus::Approved));
    s.verify_ledger();
});

both_backends!(immediate_auto_approval_and_state_before_scheduler, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = create_hit(&c).auto_approval_delay_in_seconds(0).send().await.unwrap().hit.unwrap().hit_id.unwrap();
    let (_, t) = s.worker("fay").await;
    let (_, a) = accept(&s, &t, &id).await;
    let (_, r) = submit(&s, &t, a["AssignmentId"].as_str().unwrap(), json!({"a": "1"})).await;
    assert_eq!(r["AssignmentStatus"], "Approved");
    // State read before the scheduler runs is right: move the clock without running due work.
    let id2 = create_hit(&c).lifetime_in_seconds(60).send().await.unwrap().hit.unwrap().hit_id.unwrap();
    s.clock.advance_secs(61);
    let h = c.get_hit().hit_id(&id2).send().await.unwrap().hit.unwrap();
    assert_eq!(h.hit_status(), Some(&HitStatus::Reviewable));
});

both_backends!(bonuses, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = create_hit(&c).send().await.unwrap().hit.unwrap().hit_id.unwrap();
    let (w, t) = s.worker("gus").await;
    let (other, _) = s.worker("hal").await;
    let (_, a) = accept(&s, &t, &id).await;
    let aid = a["AssignmentId"].as_str().unwrap().to_string();
    submit(&s, &t, &aid, json!({"a": "1"})).await;
    let (_, msg) = err(c
        .send_bonus()
        .worker_id(&other)
        .assignment_id(&aid)
        .bonus_amount("1.00")
        .reason("thanks")
        .send()
        .await
        .unwrap_err());
    assert!(msg.contains(&other), "{msg}");
    // Retried concurrently with one token: paid once.
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (c, w, aid) = (c.clone(), w.clone(), aid.clone());
        tasks.push(tokio::spawn(async move {
            c.send_bonus()
                .worker_id(w)
                .assignment_id(aid)
                .bonus_amount("1.25")
                .reason("great")
                .unique_request_token("bonus-1")
                .send()
                .await
                .is_ok()
        }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += t.await.unwrap() as usize;
    }
    assert_eq!(ok, 1);
    let by_hit = c.list_bonus_payments().hit_id(&id).send().await.unwrap();
    assert_eq!(by_hit.num_results(), Some(1));
    assert_eq!(by_hit.bonus_payments()[0].bonus_amount(), Some("1.25"));
    let by_a = c.list_bonus_payments().assignment_id(&aid).send().await.unwrap();
    assert_eq!(by_a.bonus_payments()[0].reason(), Some("great"));
    let (_, me) = s.worker_call(Method::GET, "/me", &t, None).await;
    assert_eq!(me["Earnings"]["Bonuses"], "1.25");
    s.verify_ledger();
});

both_backends!(production_money, |b| async move {
    let s = TestServer::start_with(b, Options { mode: Mode::Production, ..Options::default() }).await;
    let c = s.client();
    let bal = c.get_account_balance().send().await.unwrap();
    assert_eq!(bal.available_balance(), Some("0.00"));
    let (_, msg) = err(create_hit(&c).send().await.unwrap_err());
    assert!(msg.contains("insufficient funds"), "{msg}");
    assert_eq!(c.list_hits().send().await.unwrap().num_results(), Some(0), "nothing created");
    common::sync(|| s.service.deposit("default", openturk_domain::Money(1000))).unwrap();
    // 2 × (0.50 + 0.10 fee) on hold.
    let id = create_hit(&c).max_assignments(2).send().await.unwrap().hit.unwrap().hit_id.unwrap();
    let bal = c.get_account_balance().send().await.unwrap();
    assert_eq!((bal.available_balance(), bal.on_hold_balance()), (Some("8.80"), Some("1.20")));
    // Ten assignments pay 40%: 10 × 0.70 = 7.00 ≤ 8.80.
    create_hit(&c).max_assignments(10).send().await.unwrap();
    let bal = c.get_account_balance().send().await.unwrap();
    assert_eq!((bal.available_balance(), bal.on_hold_balance()), (Some("1.80"), Some("8.20")));
    let (_, t) = s.worker("ivy").await;
    let (w2, t2) = s.worker("jon").await;
    let (_, a) = accept(&s, &t, &id).await;
    let aid = a["AssignmentId"].as_str().unwrap().to_string();
    submit(&s, &t, &aid, json!({"a": "1"})).await;
    c.approve_assignment().assignment_id(&aid).send().await.unwrap();
    let (_, a2) = accept(&s, &t2, &id).await;
    let a2id = a2["AssignmentId"].as_str().unwrap().to_string();
    submit(&s, &t2, &a2id, json!({"a": "2"})).await;
    c.reject_assignment().assignment_id(&a2id).requester_feedback("no").send().await.unwrap();
    let bal = c.get_account_balance().send().await.unwrap();
    assert_eq!((bal.available_balance(), bal.on_hold_balance()), (Some("2.40"), Some("7.00")));
    // Bonus 2.00 + 0.40 fee = 2.40: exactly affordable; then nothing is left.
    c.send_bonus().worker_id(&w2).assignment_id(&a2id).bonus_amount("2.00").reason("sorry").send().await.unwrap();
    let (_, msg) = err(c
        .send_bonus()
        .worker_id(&w2)
        .assignment_id(&a2id)
        .bonus_amount("0.01")
        .reason("more")
        .send()
        .await
        .unwrap_err());
    assert!(msg.contains("insufficient funds"), "{msg}");
    // Expiring the ten-assignment HIT releases its hold.
    let big = c.list_hits().send().await.unwrap().hits()[1].hit_id().unwrap().to_string();
    c.update_expiration_for_hit()
        .hit_id(&big)
        .expire_at(aws_sdk_mturk::primitives::DateTime::from_secs(0))
        .send()
        .await
        .unwrap();
    let bal = c.get_account_balance().send().await.unwrap();
    assert_eq!((bal.available_balance(), bal.on_hold_balance()), (Some("7.00"), Some("0.00")));
    // Extending an expired HIT holds again, and fails cleanly without the money.
    let far = aws_sdk_mturk::primitives::DateTime::from_secs(s.now_secs() + 3600);
    create_hit(&c).max_assignments(9).send().await.unwrap(); // 9 × 0.60 = 5.40 of the 7.00
    let (_, msg) = err(c.update_expiration_for_hit().hit_id(&big).expire_at(far).send().await.unwrap_err());
    assert!(msg.contains("insufficient funds"), "{msg}");
    let h = c.get_hit().hit_id(&big).send().await.unwrap().hit.unwrap();
    assert_eq!(h.hit_status(), Some(&HitStatus::Reviewable), "the failed extension changed nothing");
    let bal = c.get_account_balance().send().await.unwrap();
    assert_eq!((bal.available_balance(), bal.on_hold_balance()), (Some("1.60"), Some("5.40")));
    s.verify_ledger();
});

both_backends!(last_slot_race, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = create_hit(&c).max_assignments(1).send().await.unwrap().hit.unwrap().hit_id.unwrap();
    let mut tokens = Vec::new();
    for i in 0..8 {
        tokens.push(s.worker(&format!("racer{i}")).await.1);
    }
    let s = std::sync::Arc::new(s);
    let mut tasks = Vec::new();
    for t in tokens {
        let (s, id) = (s.clone(), id.clone());
        tasks.push(tokio::spawn(async move { accept(&s, &t, &id).await.0 }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "{statuses:?}");
    let h = c.get_hit().hit_id(&id).send().await.unwrap().hit.unwrap();
    assert_eq!((h.number_of_assignments_pending(), h.number_of_assignments_available()), (Some(1), Some(0)));
});

both_backends!(submit_races_deadline, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    for (offset_ms, round) in [(-1i64, 0), (1, 1), (0, 2), (-1, 3), (1, 4)] {
        let id = create_hit(&c).assignment_duration_in_seconds(60).send().await.unwrap().hit.unwrap().hit_id.unwrap();
        let (_, t) = s.worker(&format!("sub{round}")).await;
        let (_, a) = accept(&s, &t, &id).await;
        let aid = a["AssignmentId"].as_str().unwrap().to_string();
        s.clock.advance_ms(60_000 + offset_ms);
        let svc = s.service.clone();
        let sched = tokio::task::spawn_blocking(move || svc.run_due().unwrap());
        let (st, body) = submit(&s, &t, &aid, json!({"a": "x"})).await;
        sched.await.unwrap();
        let h = c.get_hit().hit_id(&id).send().await.unwrap().hit.unwrap();
        if offset_ms < 0 {
            assert_eq!(st, 200, "submitted before the deadline: {body}");
            assert_eq!(h.hit_status(), Some(&HitStatus::Reviewable));
        } else {
            assert_eq!(st, 409, "submitted at or after the deadline: {body}");
            assert_eq!(h.number_of_assignments_available(), Some(1));
        }
        assert_eq!(h.number_of_assignments_pending(), Some(0));
    }
    s.verify_ledger();
});

both_backends!(approval_races_auto_approval, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let (w, t) = s.worker("kim").await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        let id = create_hit(&c).auto_approval_delay_in_seconds(30).send().await.unwrap().hit.unwrap().hit_id.unwrap();
        let (_, a) = accept(&s, &t, &id).await;
        let aid = a["AssignmentId"].as_str().unwrap().to_string();
        submit(&s, &t, &aid, json!({"a": "x"})).await;
        ids.push(aid);
    }
    s.clock.advance_secs(30);
    let svc = s.service.clone();
    let sched = tokio::task::spawn_blocking(move || svc.run_due().unwrap());
    let mut approvals = Vec::new();
    for aid in &ids {
        let c = c.clone();
        let aid = aid.clone();
        approvals.push(tokio::spawn(async move { c.approve_assignment().assignment_id(aid).send().await.is_ok() }));
    }
    for a in approvals {
        let _ = a.await.unwrap();
    }
    sched.await.unwrap();
    let (_, me) = s.worker_call(Method::GET, "/me", &t, None).await;
    assert_eq!(me["Earnings"]["Available"], "2.50", "paid once per assignment ({w})");
    assert_eq!(me["AssignmentCounts"]["Approved"], 5);
    s.verify_ledger();
});

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_on_postgres_pay_once() {
    let s = TestServer::start(common::Backend::Postgres).await;
    let c = s.client();
    let mut tokens = Vec::new();
    for i in 0..4 {
        tokens.push(s.worker(&format!("rep{i}")).await.1);
    }
    let mut n = 0;
    for _ in 0..10 {
        let id = create_hit(&c).max_assignments(4).auto_approval_delay_in_seconds(60).created().await;
        for t in &tokens {
            let (_, a) = accept(&s, t, &id).await;
            submit(&s, t, a["AssignmentId"].as_str().unwrap(), json!({"a": "x"})).await;
            n += 1;
        }
    }
    // A second replica on the same database, both running their schedulers.
    let replica = common::sync(|| TestServer::replica(&s.db_url, &s.clock, openturk_service::ServiceConfig::default()));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut handles = Vec::new();
    for svc in [s.service.clone(), replica.clone()] {
        let mut rx = stop_rx.clone();
        handles.push(tokio::spawn(svc.run_scheduler(async move {
            let _ = rx.wait_for(|v| *v).await;
        })));
    }
    s.clock.advance_secs(61);
    // Also race them directly.
    let (a, b2) = (s.service.clone(), replica.clone());
    let t1 = tokio::task::spawn_blocking(move || a.run_due().unwrap());
    let t2 = tokio::task::spawn_blocking(move || b2.run_due().unwrap());
    t1.await.unwrap();
    t2.await.unwrap();
    stop_tx.send(true).unwrap();
    for h in handles {
        h.await.unwrap();
    }
    let mut total = 0.0;
    for t in &tokens {
        let (_, me) = s.worker_call(Method::GET, "/me", t, None).await;
        total += me["Earnings"]["Available"].as_str().unwrap().parse::<f64>().unwrap();
        assert_eq!(me["AssignmentCounts"]["Approved"], 10);
    }
    assert_eq!(format!("{total:.2}"), format!("{:.2}", n as f64 * 0.5));
    s.verify_ledger();
}

both_backends!(sign_up_open_or_closed_and_in_progress_limit, |b| async move {
    let signup = |s: &TestServer, name: &str| {
        reqwest::Client::new()
            .post(s.endpoint() + "/worker-api/v1/workers")
            .body(
                json!({"Username": name, "Password": "a-long-password", "Country": "US", "Subdivision": "CA"})
                    .to_string(),
            )
            .send()
    };
    let open = TestServer::start(b).await;
    let r = signup(&open, "newbie").await.unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v["WorkerId"].as_str().unwrap().starts_with('A'));
    assert_eq!(signup(&open, "newbie").await.unwrap().status().as_u16(), 409, "name taken");
    let bad = reqwest::Client::new()
        .post(open.endpoint() + "/worker-api/v1/workers")
        .body(r#"{"Username":"x1y","Password":"a-long-password","Country":"usa"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 422);

    let config =
        openturk_service::ServiceConfig { open_signup: false, max_assignments_in_progress: 2, ..Default::default() };
    let closed = TestServer::start_with(b, Options { mode: Mode::Sandbox, config }).await;
    let r = signup(&closed, "newbie").await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    // At most two assignments in progress at once.
    let c = closed.client();
    let (_, t) = closed.worker("busy").await;
    for i in 0..3 {
        let id = create_hit(&c).send().await.unwrap().hit.unwrap().hit_id.unwrap();
        let (st, v) = accept(&closed, &t, &id).await;
        assert_eq!(st, if i < 2 { 201 } else { 409 }, "{v}");
        if i == 2 {
            assert_eq!(v["Error"]["Code"], "LimitExceeded");
        }
    }
});

both_backends!(scheduled_jobs_are_typed_and_unknown_kinds_are_parked, |b| async move {
    use openturk_storage::{params, Tx};
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = create_hit(&c).lifetime_in_seconds(60).send().await.unwrap().hit.unwrap().hit_id.unwrap();
    let db = s.service.db().clone();
    // The HIT's expiry is a typed job: its payload names its kind and its HIT.
    let (payload, attempts) = common::sync(|| {
        db.read(|tx: &mut dyn Tx| -> openturk_storage::Result<(String, i64)> {
            let r = tx.query_one(
                "SELECT payload, attempts FROM schedule WHERE kind = 'hit_expire' AND ref_id = ?",
                params![&id],
            )?;
            Ok((r.string("payload")?, r.i64("attempts")?))
        })
        .unwrap()
    });
    assert_eq!(payload, format!(r#"{{"kind":"hit_expire","hit_id":"{id}"}}"#));
    assert_eq!(attempts, 0);
    // A row no job reads (a kind from another build), due before the expiry.
    let due = s.service.now() + 1000;
    common::sync(|| {
        db.write(|tx: &mut dyn Tx| -> openturk_storage::Result<()> {
            tx.execute(
                "INSERT INTO schedule (kind, ref_id, payload, attempts, due_at) VALUES ('hit_explode', 'X1', '{}', 0, ?)",
                params![due],
            )?;
            Ok(())
        })
        .unwrap()
    });
    s.advance(120).await;
    // The known job ran (the HIT expired); the unknown one is kept, parked with its error.
    let h = c.get_hit().hit_id(&id).send().await.unwrap().hit.unwrap();
    assert_eq!(h.hit_status(), Some(&HitStatus::Reviewable));
    let (due_at, attempts, error) = common::sync(|| {
        db.read(|tx: &mut dyn Tx| -> openturk_storage::Result<(i64, i64, Option<String>)> {
            let r =
                tx.query_one("SELECT due_at, attempts, last_error FROM schedule WHERE kind = 'hit_explode'", &[])?;
            Ok((r.i64("due_at")?, r.i64("attempts")?, r.opt_string("last_error")?))
        })
        .unwrap()
    });
    assert_eq!(due_at, i64::MAX, "parked");
    assert_eq!(attempts, 1);
    assert!(error.as_deref().is_some_and(|e| e.contains("hit_explode")), "{error:?}");
    // Parked work does not keep the scheduler busy: nothing else is due.
    s.advance(1).await;
    // The operator sees it without SQL.
    let list = std::process::Command::new(env!("CARGO_BIN_EXE_openturk"))
        .args(["schedule", "list", "--parked", "--database", &s.db_url, "--data-dir"])
        .arg(s.dir.join("cli"))
        .output()
        .unwrap();
    assert!(list.status.success(), "{}", String::from_utf8_lossy(&list.stderr));
    let out = String::from_utf8(list.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "a header and the parked job: {out}");
    assert!(lines[1].starts_with("hit_explode") && lines[1].contains("X1") && lines[1].contains("parked"), "{out}");
    assert!(lines[1].contains(error.unwrap().lines().next().unwrap()), "{out}");
    // The whole schedule: the expired HIT's disposal is due, the parked row comes last.
    let all = std::process::Command::new(env!("CARGO_BIN_EXE_openturk"))
        .args(["schedule", "list", "--database", &s.db_url, "--data-dir"])
        .arg(s.dir.join("cli"))
        .output()
        .unwrap();
    let out = String::from_utf8(all.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[1].starts_with("hit_dispose") && lines[1].contains(&id) && lines[1].contains('Z'), "{out}");
    assert!(lines[2].starts_with("hit_explode"), "{out}");
});
