//! The worker's HIT list reads a per-group summary that every write of a HIT keeps in step.
//! These tests drive every kind of HIT write (create, accept, return, abandon, submit, extend,
//! expire, more assignments, change of HIT type, delete) and check after each that what a worker
//! sees equals what grouping the HITs themselves gives; and that a database made before the
//! summary existed gets it filled in.

use crate::common;

use common::{create_hit, sync, Backend, TestServer};
use openturk_service::workers::{GroupQuery, GroupSort};
use openturk_storage::{params, Tx};
use reqwest::Method;
use std::collections::BTreeMap;

/// (HITs available, assignments available, latest expiry) per group.
type Groups = BTreeMap<String, (i64, i64, i64)>;

/// What a worker sees: every group of the HIT list, in all four orders (each must agree).
fn listed(s: &TestServer) -> Groups {
    let mut seen: Option<Groups> = None;
    for sort in [GroupSort::Newest, GroupSort::RewardDesc, GroupSort::MostAvailable, GroupSort::Title] {
        let mut groups = Groups::new();
        let mut token = None;
        loop {
            let q = GroupQuery { sort: Some(sort), next_token: token, max_results: Some(2), ..Default::default() };
            let page = sync(|| s.service.list_hit_groups(&q)).unwrap();
            for g in &page.items {
                let fresh =
                    groups.insert(g.hit_group_id.clone(), (g.hits_available, g.assignments_available, g.expires_at));
                assert!(fresh.is_none(), "{sort:?} listed {} twice", g.hit_group_id);
            }
            token = page.next_token;
            if token.is_none() {
                break;
            }
        }
        if let Some(prev) = &seen {
            assert_eq!(prev, &groups, "{sort:?} lists other groups than Newest");
        }
        seen = Some(groups);
    }
    seen.unwrap()
}

/// The same figures from the HITs themselves.
fn grouped(s: &TestServer) -> Groups {
    let now = s.service.now();
    sync(|| {
        s.service.db().read(|tx: &mut dyn Tx| -> openturk_storage::Result<Groups> {
            let rows = tx.query(
                "SELECT hit_group_id, COUNT(*) AS n,
                        CAST(SUM(max_assignments - num_pending - num_submitted - num_completed) AS BIGINT) AS slots, MAX(expires_at) AS expires_at
                 FROM hits WHERE status = 'Assignable' AND deleted = 0 AND expires_at > ? GROUP BY hit_group_id",
                params![now],
            )?;
            rows.iter().map(|r| Ok((r.string("hit_group_id")?, (r.i64("n")?, r.i64("slots")?, r.i64("expires_at")?)))).collect()
        })
    })
    .unwrap()
}

fn check(s: &TestServer, step: &str) {
    let (l, g) = (listed(s), grouped(s));
    assert_eq!(l, g, "after {step}: the HIT list (left) differs from the HITs (right)");
}

async fn accept(s: &TestServer, token: &str, hit_id: &str) -> String {
    let (st, body) = s.worker_call(Method::POST, &format!("/hits/{hit_id}/accept"), token, None).await;
    assert_eq!(st, 201, "{body}");
    body["AssignmentId"].as_str().unwrap().to_string()
}

both_backends!(every_write_keeps_the_list_in_step, |backend: Backend| async move {
    let s = TestServer::start(backend).await;
    let c = s.client();
    let (_, w1) = s.worker("ann").await;
    let (_, w2) = s.worker("bob").await;
    let ty = |title: &str, reward: &str| {
        c.create_hit_type().title(title).description("Groups").reward(reward).assignment_duration_in_seconds(300).send()
    };
    let a = ty("Alpha", "0.10").await.unwrap().hit_type_id.unwrap();
    let b = ty("Beta", "0.20").await.unwrap().hit_type_id.unwrap();
    let with_type = |t: &str, max: i32, life: i64| {
        c.create_hit_with_hit_type()
            .hit_type_id(t)
            .max_assignments(max)
            .lifetime_in_seconds(life)
            .question(common::HTML_QUESTION)
            .send()
    };
    let mut hits = Vec::new();
    // The last HIT of B expires last in B: moving it to A must bring B's latest expiry back.
    for (t, max, life) in [(&a, 2, 3600), (&a, 3, 7200), (&a, 1, 600), (&b, 1, 3600), (&b, 2, 5400)] {
        hits.push(with_type(t, max, life).await.unwrap().hit.unwrap().hit_id.unwrap());
    }
    let other = create_hit(&c).send().await.unwrap().hit.unwrap().hit_id.unwrap();
    check(&s, "creating HITs");

    let x = accept(&s, &w1, &hits[0]).await;
    let _y = accept(&s, &w2, &hits[0]).await;
    check(&s, "filling a HIT");
    let (st, _) = s.worker_call(Method::POST, &format!("/assignments/{x}/return"), &w1, None).await;
    assert_eq!(st, 200);
    check(&s, "a return");
    let z = accept(&s, &w1, &hits[3]).await;
    let (st, body) = s
        .worker_call(
            Method::POST,
            &format!("/assignments/{z}/submit"),
            &w1,
            Some(serde_json::json!({"Answers": {"answer": "x"}})),
        )
        .await;
    assert!(st == 200 || st == 201, "{body}");
    check(&s, "a submit");

    c.create_additional_assignments_for_hit()
        .hit_id(&hits[3])
        .number_of_additional_assignments(2)
        .send()
        .await
        .unwrap();
    check(&s, "more assignments");
    let later = aws_sdk_mturk::primitives::DateTime::from_secs(s.now_secs() + 20_000);
    c.update_expiration_for_hit().hit_id(&hits[1]).expire_at(later).send().await.unwrap();
    check(&s, "a later expiry");
    c.update_hit_type_of_hit().hit_id(&hits[4]).hit_type_id(&a).send().await.unwrap();
    check(&s, "moving a HIT to another type");
    c.update_expiration_for_hit()
        .hit_id(&other)
        .expire_at(aws_sdk_mturk::primitives::DateTime::from_secs(0))
        .send()
        .await
        .unwrap();
    check(&s, "expiring a HIT at once");
    c.delete_hit().hit_id(&other).send().await.unwrap();
    check(&s, "deleting it");

    let v = accept(&s, &w2, &hits[2]).await;
    s.advance(301).await;
    check(&s, "an abandoned assignment");
    s.advance(600).await;
    check(&s, "a HIT's expiry");
    let (st, _) = s.worker_call(Method::POST, &format!("/assignments/{v}/submit"), &w2, None).await;
    assert_ne!(st, 200, "an abandoned assignment cannot be submitted");
    s.advance(30_000).await;
    check(&s, "every HIT expired");
    assert!(listed(&s).is_empty());
});

both_backends!(a_database_from_before_the_summary_gets_it, |backend: Backend| async move {
    let s = TestServer::start(backend).await;
    let c = s.client();
    for _ in 0..3 {
        create_hit(&c).max_assignments(2).send().await.unwrap();
    }
    let (_, w) = s.worker("cat").await;
    let g = listed(&s);
    let hit = c.list_hits().send().await.unwrap().hits.unwrap()[0].hit_id.clone().unwrap();
    accept(&s, &w, &hit).await;
    // Back to schema version 1: no summary.
    sync(|| {
        s.service.db().write(|tx: &mut dyn Tx| -> openturk_storage::Result<()> {
            tx.batch("DROP TABLE hit_group_words; DROP TABLE hit_groups")?;
            tx.execute("DELETE FROM schema_migrations WHERE version = 2", &[])?;
            tx.execute("DELETE FROM meta WHERE key = 'hit_group_words'", &[])?;
            Ok(())
        })
    })
    .unwrap();
    let reopened = sync(|| {
        let svc = TestServer::replica(&s.db_url, &s.clock, Default::default());
        let all = svc.list_hit_groups(&GroupQuery::default()).unwrap();
        // Its words were indexed at the first start on the new schema.
        let q = GroupQuery { query: Some("LABEL pict".into()), ..Default::default() };
        assert_eq!(svc.list_hit_groups(&q).unwrap().items.len(), 1);
        all
    });
    let group = g.keys().next().unwrap();
    assert_eq!(reopened.items.len(), 1);
    assert_eq!(&reopened.items[0].hit_group_id, group);
    assert_eq!((reopened.items[0].hits_available, reopened.items[0].assignments_available), (3, 5));
    assert_eq!(reopened.items[0].title, "Label an image");
    assert_eq!(reopened.items[0].assignment_duration_secs, 600);
    check(&s, "the migration");
});

both_backends!(search_matches_words_by_their_beginning, |backend: Backend| async move {
    let s = TestServer::start(backend).await;
    let c = s.client();
    let group = |title: &str, description: &str, keywords: &str| {
        create_hit(&c).title(title).description(description).keywords(keywords).send()
    };
    group("Transcribe receipts", "Type the totals", "ocr, money").await.unwrap();
    group("Label street photos", "Say what the picture shows", "image, vision").await.unwrap();
    group("Übersetzen: Straßennamen", "Translate German street names", "translation, deutsch").await.unwrap();
    let found = |q: &str| {
        let q = GroupQuery { query: Some(q.to_string()), sort: Some(GroupSort::Title), ..Default::default() };
        let page = sync(|| s.service.list_hit_groups(&q)).unwrap();
        page.items.into_iter().map(|g| g.title).collect::<Vec<_>>()
    };
    assert_eq!(found("receipts"), ["Transcribe receipts"]);
    // Any case; the beginning of a word; a keyword; words of title and description together.
    assert_eq!(found("RECEIPT"), ["Transcribe receipts"]);
    assert_eq!(found("vis"), ["Label street photos"]);
    assert_eq!(found("label picture"), ["Label street photos"]);
    assert_eq!(found("street"), ["Label street photos", "Übersetzen: Straßennamen"]);
    assert_eq!(found("übersetzen"), ["Übersetzen: Straßennamen"]);
    assert_eq!(found("STRASSE").len(), 0, "ß is not folded to ss");
    assert_eq!(found("straß"), ["Übersetzen: Straßennamen"]);
    // Every word must match; the middle of a word does not.
    assert!(found("street money").is_empty());
    assert!(found("ceipt").is_empty());
    // Punctuation alone asks for nothing in particular.
    assert_eq!(found("%_!").len(), 3);
});
