//! CreateWorkerBlock, DeleteWorkerBlock and ListWorkerBlocks through aws-sdk-mturk, on both
//! backends: parameter rules and errors, paging, and the service's `is_blocked` check.

use crate::common;

use common::{err, sync, TestServer};
use openturk_service::blocks;
use openturk_storage::Tx;

fn is_blocked(s: &TestServer, requester_id: &str, worker_id: &str) -> bool {
    sync(|| {
        s.service.db().read(|tx: &mut dyn Tx| -> openturk_service::Result<bool> {
            blocks::is_blocked(tx, requester_id, worker_id)
        })
    })
    .unwrap()
}

both_backends!(block_list_and_unblock, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let (ana, _) = s.worker("ana").await;
    let (bo, _) = s.worker("bob").await;
    let (cy, _) = s.worker("cyd").await;

    // Nothing blocked yet: an empty page, without a NextToken.
    let l = c.list_worker_blocks().send().await.unwrap();
    assert_eq!((l.num_results(), l.worker_blocks().len(), l.next_token()), (Some(0), 0, None));

    for (w, why) in [(&ana, "Poor quality"), (&bo, "Spam answers"), (&cy, "Duplicate account")] {
        c.create_worker_block().worker_id(w).reason(why).send().await.unwrap();
    }
    assert!(is_blocked(&s, &s.requester_id, &ana));
    assert!(sync(|| s.service.is_worker_blocked(&s.requester_id, &bo)).unwrap());

    // Blocking again replaces the reason and keeps the block's place.
    c.create_worker_block().worker_id(&ana).reason("Poor quality, twice").send().await.unwrap();

    // Pages of two: a NextToken on every non-empty page, as MTurk; the empty page ends.
    let p1 = c.list_worker_blocks().max_results(2).send().await.unwrap();
    assert_eq!(p1.num_results(), Some(2));
    let got: Vec<(&str, &str)> =
        p1.worker_blocks().iter().map(|w| (w.worker_id().unwrap(), w.reason().unwrap())).collect();
    assert_eq!(got, [(ana.as_str(), "Poor quality, twice"), (bo.as_str(), "Spam answers")]);
    let t1 = p1.next_token().expect("a NextToken on a full page").to_string();
    let p2 = c.list_worker_blocks().max_results(2).next_token(&t1).send().await.unwrap();
    assert_eq!(p2.worker_blocks().len(), 1);
    assert_eq!(p2.worker_blocks()[0].worker_id(), Some(cy.as_str()));
    let t2 = p2.next_token().expect("a NextToken on every non-empty page").to_string();
    let p3 = c.list_worker_blocks().max_results(2).next_token(&t2).send().await.unwrap();
    assert_eq!((p3.worker_blocks().len(), p3.next_token()), (0, None));

    // The SDK's paginator walks them all, and stops by itself.
    let mut stream = c.list_worker_blocks().max_results(1).into_paginator().send();
    let mut all = Vec::new();
    while let Some(page) = stream.next().await {
        all.extend(page.unwrap().worker_blocks().iter().map(|w| w.worker_id().unwrap().to_string()));
    }
    assert_eq!(all, [ana.clone(), bo.clone(), cy.clone()]);

    // Unblocking; unblocking a worker who is not blocked succeeds too (API Reference).
    c.delete_worker_block().worker_id(&bo).reason("Appealed").send().await.unwrap();
    c.delete_worker_block().worker_id(&bo).send().await.unwrap();
    assert!(!is_blocked(&s, &s.requester_id, &bo));
    let l = c.list_worker_blocks().send().await.unwrap();
    let ids: Vec<&str> = l.worker_blocks().iter().filter_map(|w| w.worker_id()).collect();
    assert_eq!(ids, [ana.as_str(), cy.as_str()]);

    // Another requester sees none of these blocks, and its blocks are its own.
    let other = sync(|| s.service.create_requester("other")).unwrap();
    let oc = s.client_with(&other.access_key_id, &other.secret_access_key);
    assert_eq!(oc.list_worker_blocks().send().await.unwrap().worker_blocks().len(), 0);
    oc.create_worker_block().worker_id(&bo).reason("Mine").send().await.unwrap();
    assert!(is_blocked(&s, &other.requester_id, &bo));
    assert!(!is_blocked(&s, &s.requester_id, &bo));
    assert!(!is_blocked(&s, &other.requester_id, &ana));
});

both_backends!(block_parameter_errors, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let (ana, _) = s.worker("ana").await;
    let invalid = |e: (String, String)| {
        assert_eq!(e.0, "RequestError");
        e.1
    };

    // A malformed WorkerId, and a well-formed one that names nobody: MTurk's "WorkerId is invalid."
    for w in ["not-a-worker", "A0000000000000"] {
        let e = err(c.create_worker_block().worker_id(w).reason("x").send().await.unwrap_err());
        assert!(invalid(e).starts_with("WorkerId is invalid."), "{w}");
        let e = err(c.delete_worker_block().worker_id(w).send().await.unwrap_err());
        assert!(invalid(e).starts_with("WorkerId is invalid."), "{w}");
    }
    // Reason is required (the service model says so; the SDK sends "" when asked to).
    let e = err(c.create_worker_block().worker_id(&ana).reason("").send().await.unwrap_err());
    assert!(invalid(e).contains("Reason is required"));
    let e = err(c.create_worker_block().worker_id(&ana).reason("a".repeat(4097)).send().await.unwrap_err());
    assert!(invalid(e).contains("'Reason'"));
    // MaxResults is 1 to 100; NextToken must be one we gave.
    for n in [0, 101] {
        let e = err(c.list_worker_blocks().max_results(n).send().await.unwrap_err());
        assert!(invalid(e).contains("MaxResults"), "{n}");
    }
    let e = err(c.list_worker_blocks().next_token("bogus").send().await.unwrap_err());
    assert!(invalid(e).contains("NextToken"));
    assert_eq!(c.list_worker_blocks().send().await.unwrap().worker_blocks().len(), 0);
});

both_backends!(block_errors_carry_the_turk_error_code, |b| async move {
    // The raw body of an error: TurkErrorCode InvalidParameterValue, as clients compare.
    let s = TestServer::start(b).await;
    let body = serde_json::json!({ "WorkerId": "nope", "Reason": "x" });
    let (status, v) = common_raw(&s, "CreateWorkerBlock", &body).await;
    assert_eq!(status, 400);
    assert_eq!(v["TurkErrorCode"], "AWS.MechanicalTurk.InvalidParameterValue", "{v}");
    assert!(v["Message"].as_str().unwrap().starts_with("WorkerId is invalid."), "{v}");
    // Without Reason (the SDKs never send that; raw callers can).
    let (status, v) = common_raw(&s, "CreateWorkerBlock", &serde_json::json!({ "WorkerId": "A1" })).await;
    assert_eq!(status, 400);
    assert!(v["Message"].as_str().unwrap().contains("Reason"), "{v}");
});

/// A signed Requester API call with a raw JSON body; returns (status, JSON body).
async fn common_raw(s: &TestServer, op: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
    let payload = serde_json::to_vec(body).unwrap();
    let target = format!("MTurkRequesterServiceV20170117.{op}");
    let host = s.addr.to_string();
    let headers = [("host", host.as_str()), ("content-type", "application/x-amz-json-1.1"), ("x-amz-target", &target)];
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let auth = openturk_protocol::sigv4::sign(
        "POST",
        "/",
        "",
        &headers,
        &payload,
        &s.key_id,
        &s.secret,
        "us-east-1",
        "mturk-requester",
        now,
    );
    let mut req = reqwest::Client::new()
        .post(s.endpoint() + "/")
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", &target);
    for (k, v) in auth {
        req = req.header(k, v);
    }
    let resp = req.body(payload).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, serde_json::from_str(&resp.text().await.unwrap()).unwrap())
}

both_backends!(at_most_100000_blocks, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let (ana, _) = s.worker("ana").await;
    // 100,000 blocks, made in SQL (through the API it would take minutes): the limit is reached.
    let rid = s.requester_id.clone();
    sync(|| {
        s.service.db().write(|tx: &mut dyn Tx| -> Result<(), openturk_storage::StorageError> {
            let gen = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)";
            tx.execute(
                &format!(
                    "{gen} INSERT INTO workers (worker_id, username, password_hash, country, created_at)
                     SELECT 'B' || CAST(i AS TEXT), 'bulk' || CAST(i AS TEXT), '-', 'US', 0 FROM n"
                ),
                &[],
            )?;
            tx.execute(
                &format!(
                    "{gen} INSERT INTO worker_blocks (requester_id, worker_id, reason, created_at)
                     SELECT ?, 'B' || CAST(i AS TEXT), 'bulk', 0 FROM n"
                ),
                openturk_storage::params![&rid],
            )?;
            Ok(())
        })
    })
    .unwrap();
    let e = err(c.create_worker_block().worker_id(&ana).reason("one more").send().await.unwrap_err());
    assert!(e.1.starts_with("You can block up to 100,000 Workers, and you have blocked 100000;"), "{}", e.1);
    // Unblocking one makes room (B1 is not a WorkerId's shape for the API, so SQL again).
    sync(|| {
        s.service.db().write(|tx: &mut dyn Tx| -> Result<u64, openturk_storage::StorageError> {
            tx.execute("DELETE FROM worker_blocks WHERE worker_id = 'B1'", &[])
        })
    })
    .unwrap();
    c.create_worker_block().worker_id(&ana).reason("one more").send().await.unwrap();
    // At the limit, changing the reason of a block that exists is still allowed.
    c.create_worker_block().worker_id(&ana).reason("changed").send().await.unwrap();
    assert!(is_blocked(&s, &s.requester_id, &ana));
});
