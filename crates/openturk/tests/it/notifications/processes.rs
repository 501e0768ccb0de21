//! Real `openturk serve` processes: a kill -9 while events are queued and a send is under way,
//! then a restart; two replicas on one PostgreSQL database racing for every delivery. Part of
//! the `notifications` test target.

use super::*;
use crate::common::processes::{self, advance_clock, ServeProcess};
use std::process::Command;

/// `openturk serve` (with the test clock or the wall clock), its AWS endpoints and credentials
/// from the AWS SDKs' own variables.
fn serve(db: &str, dir: &std::path::Path, sns_endpoint: &str, sqs_endpoint: &str, test_clock: bool) -> ServeProcess {
    processes::serve(
        db,
        dir,
        &[
            ("OPENTURK_TEST_CLOCK", if test_clock { "1" } else { "0" }),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL_SNS", sns_endpoint),
            ("AWS_ENDPOINT_URL_SQS", sqs_endpoint),
        ],
    )
}

fn client_for(dir: &std::path::Path, addr: &str) -> aws_sdk_mturk::Client {
    processes::client(addr, &processes::credentials(&[dir]))
}

/// A TCP server that accepts connections and never answers: a send to it hangs, holding its
/// row's lease, until the process dies.
async fn black_hole() -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let n = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = n.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = l.accept().await {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            held.push(sock);
        }
    });
    (url, n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(not(feature = "test-clock"), ignore = "needs `--features openturk/test-clock`")]
async fn kill_9_while_events_are_queued_then_every_event_arrives_sqlite() {
    kill_9_while_events_are_queued(common::Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(not(feature = "test-clock"), ignore = "needs `--features openturk/test-clock`")]
async fn kill_9_while_events_are_queued_then_every_event_arrives_postgres() {
    kill_9_while_events_are_queued(common::Backend::Postgres).await
}

async fn kill_9_while_events_are_queued(b: common::Backend) {
    let base = std::env::temp_dir().join(format!("openturk-kill9-{:?}-{}", b, std::process::id()));
    std::fs::create_dir_all(&base).unwrap();
    let database = sync(|| common::fresh_database(b, &base));
    let db = database.url.clone();
    let m = Moto::start().await;
    let topic = m.create_topic("crash").await;
    let q = m.create_queue("crash-events").await;
    m.subscribe(&topic, "sqs", &format!("arn:aws:sqs:us-east-1:{}:crash-events", moto_client::ACCOUNT)).await;

    // First life: SNS is a black hole, so the first send hangs with its row leased and the
    // other rows wait behind it.
    let (hole, connections) = black_hole().await;
    let mut first = serve(&db, &base, &hole, &m.url, true);
    let c = client_for(&base, &first.addr);
    let ty = hit_type(&c, 3600).await;
    c.update_notification_settings()
        .hit_type_id(&ty)
        .notification(spec(NotificationTransport::Sns, &topic, "2014-08-15", &["HITCreated"]))
        .send()
        .await
        .unwrap();
    let mut hits = Vec::new();
    for _ in 0..5 {
        hits.push(hit_of_type(&c, &ty, 1, 3600).await);
    }
    for _ in 0..400 {
        if connections.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(connections.load(std::sync::atomic::Ordering::SeqCst) > 0, "a send was under way");
    // kill -9: no shutdown, the lease is left behind.
    let pid = first.child.id().to_string();
    assert!(Command::new("kill").args(["-9", &pid]).status().unwrap().success());
    let _ = first.child.wait();
    assert!(m.receive(&q).await.is_empty(), "nothing was delivered before the crash");

    // Second life, with SNS reachable: the rows nobody holds go at once; the one whose lease
    // the dead process held goes when its lease (5 minutes) has ended.
    let second = serve(&db, &base, &m.url, &m.url, true);
    advance_clock(&second.addr, 301).await;
    let mut docs: Vec<String> = Vec::new();
    for _ in 0..400 {
        for (e, _) in m.receive(&q).await {
            docs.push(serde_json::from_str::<Value>(&e).unwrap()["Message"].as_str().unwrap().to_string());
        }
        if events_of(&docs).len() >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut got: Vec<String> = events_of(&docs).into_iter().map(|(t, h, _)| format!("{t} {h}")).collect();
    let mut want: Vec<String> = hits.iter().map(|h| format!("HITCreated {h}")).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "every event arrived");
    drop(second);
    let _ = std::fs::remove_dir_all(&base);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_never_both_deliver_one_event() {
    let base = std::env::temp_dir().join(format!("openturk-notify-replicas-{}", std::process::id()));
    let (dir_a, dir_b) = (base.join("a"), base.join("b"));
    std::fs::create_dir_all(&dir_a).unwrap();
    std::fs::create_dir_all(&dir_b).unwrap();
    let database = sync(|| common::fresh_database(common::Backend::Postgres, &base));
    let db = database.url.clone();
    let m = Moto::start().await;
    let q = m.create_queue("replicas").await;
    let a = serve(&db, &dir_a, &m.url, &m.url, false);
    let b = serve(&db, &dir_b, &m.url, &m.url, false);
    let dir = if dir_a.join("credentials").exists() { &dir_a } else { &dir_b };
    let (ca, cb) = (client_for(dir, &a.addr), client_for(dir, &b.addr));
    // One HIT type per task, so that no two tasks' events can share a message: at least N
    // messages race.
    const N: usize = 30;
    let mut types = Vec::new();
    for i in 0..N {
        let ty = hit_type(&ca, 3600 + i as i64).await;
        ca.update_notification_settings()
            .hit_type_id(&ty)
            .notification(spec(NotificationTransport::Sqs, &q, "2014-08-15", &["HITCreated", "HITExtended"]))
            .send()
            .await
            .unwrap();
        types.push(ty);
    }
    // Events made on both replicas at once; both deliverers race for every row.
    let mut tasks = Vec::new();
    for (i, ty) in types.into_iter().enumerate() {
        let c = if i % 2 == 0 { ca.clone() } else { cb.clone() };
        tasks.push(tokio::spawn(async move {
            let h = hit_of_type(&c, &ty, 1, 3600).await;
            c.create_additional_assignments_for_hit()
                .hit_id(&h)
                .number_of_additional_assignments(1)
                .send()
                .await
                .unwrap();
            h
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let bodies = m.receive_n(&q, 1).await;
    let mut all = bodies;
    for _ in 0..100 {
        if events_of(&all).len() >= 2 * N {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        all.extend(m.receive(&q).await.into_iter().map(|(b, _)| b));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    all.extend(m.receive(&q).await.into_iter().map(|(b, _)| b));
    let mut per_doc = std::collections::HashMap::new();
    for b in &all {
        let id = serde_json::from_str::<Value>(b).unwrap()["EventDocId"].as_str().unwrap().to_string();
        *per_doc.entry(id).or_insert(0) += 1;
    }
    assert!(per_doc.values().all(|n| *n == 1), "an EventDocId arrived twice: {per_doc:?}");
    assert_eq!(events_of(&all).len(), 2 * N, "every event arrived once");
    println!("{} events in {} messages", 2 * N, all.len());
    assert!(all.len() >= N, "at least one message per HIT type");
    drop((a, b));
    let _ = std::fs::remove_dir_all(&base);
}
