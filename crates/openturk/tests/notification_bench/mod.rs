//! A measurement, not a check (ignored by default): the deliverer's latency and throughput
//! against moto's SQS, on the backend of OPENTURK_BENCH_BACKEND (sqlite, the default, or
//! postgres). Run with
//!
//! ```text
//! cargo test --release -p openturk --features openturk/test-clock --test notifications \
//!     measure_delivery -- --ignored --nocapture
//! ```
//!
//! - latency: CreateHITWithHITType (one HITCreated each) → the message in the queue, by moto's
//!   SentTimestamp against the wall clock before the call; one event in flight at a time;
//! - throughput: a backlog queued while no deliverer runs, then drained by one deliverer, in
//!   events delivered per second of wall time: N events of one HIT type (which wait together,
//!   so they leave 100 to a message), and M events of M HIT types (one message each).

use super::*;
use std::time::Instant;

fn wall_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a measurement: run with --ignored --nocapture (see the module documentation)"]
async fn measure_delivery() {
    let backend = match std::env::var("OPENTURK_BENCH_BACKEND").as_deref() {
        Ok("postgres") => common::Backend::Postgres,
        _ => common::Backend::Sqlite,
    };
    let s = TestServer::start(backend).await;
    let m = Moto::start().await;
    let q = m.create_queue("bench").await;
    let c = s.client();
    let ty = hit_type(&c, 3600).await;
    c.update_notification_settings()
        .hit_type_id(&ty)
        .notification(spec(NotificationTransport::Sqs, &q, "2014-08-15", &["HITCreated"]))
        .send()
        .await
        .unwrap();

    // Latency, one event at a time.
    let stop = deliverer(&s.service, Transports { smtp: None, aws: Some(m.aws()) });
    const L: usize = 200;
    let mut lat = Vec::with_capacity(L);
    for _ in 0..L {
        let t0 = wall_ms();
        hit_of_type(&c, &ty, 1, 3600).await;
        let sent = loop {
            let got = m.receive(&q).await;
            if let Some((_, sent)) = got.first() {
                assert_eq!(got.len(), 1);
                break *sent;
            }
        };
        lat.push(sent - t0);
    }
    drop(stop);
    lat.sort_unstable();

    // Throughput of a backlog: N events of one HIT type, batched as they wait.
    const N: usize = 2000;
    for _ in 0..N {
        hit_of_type(&c, &ty, 1, 3600).await;
    }
    let (batched_secs, batched_msgs) = drain(&s, &m, &q, N).await;

    // And M events of M HIT types: one message each.
    const M: usize = 300;
    let mut types = Vec::new();
    for i in 0..M {
        let t = hit_type(&c, 7200 + i as i64).await;
        c.update_notification_settings()
            .hit_type_id(&t)
            .notification(spec(NotificationTransport::Sqs, &q, "2014-08-15", &["HITCreated"]))
            .send()
            .await
            .unwrap();
        types.push(t);
    }
    for t in &types {
        hit_of_type(&c, t, 1, 3600).await;
    }
    let (single_secs, single_msgs) = drain(&s, &m, &q, M).await;
    assert_eq!(single_msgs, M);
    println!(
        "notification delivery ({backend:?}, moto SQS): latency p50 {} ms, p99 {} ms, max {} ms over {L} events; \
         throughput {:.0} events/s batched ({N} events of one HIT type in {batched_msgs} messages, {batched_secs:.2} s), \
         {:.0} events/s unbatched ({M} events of {M} HIT types, {single_secs:.2} s)",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat[L - 1],
        N as f64 / batched_secs,
        M as f64 / single_secs,
    );
}

/// Runs a deliverer until nothing is pending; returns the seconds it took and the messages the
/// queue received (which must hold `events` events).
async fn drain(s: &TestServer, m: &Moto, q: &str, events: usize) -> (f64, usize) {
    let start = Instant::now();
    let stop = deliverer(&s.service, Transports { smtp: None, aws: Some(m.aws()) });
    loop {
        let pending = sync(|| s.service.notification_deliveries(None, None, Some(Status::Pending), 1)).unwrap();
        if pending.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let secs = start.elapsed().as_secs_f64();
    drop(stop);
    let bodies: Vec<String> = m.receive(q).await.into_iter().map(|(b, _)| b).collect();
    assert_eq!(events_of(&bodies).len(), events);
    (secs, bodies.len())
}
