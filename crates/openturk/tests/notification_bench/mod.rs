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
//! - throughput: a backlog of N single-event messages queued while no deliverer runs, then one
//!   deliverer drains it; events delivered per second of wall time.

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

    // Throughput: N messages queued with no deliverer running (the clock moves 1 ms between
    // HITs, so that each event is a message of its own), then drained by one deliverer.
    const N: usize = 2000;
    for _ in 0..N {
        s.clock.advance_ms(1);
        hit_of_type(&c, &ty, 1, 3600).await;
    }
    let start = Instant::now();
    let _stop = deliverer(&s.service, Transports { smtp: None, aws: Some(m.aws()) });
    loop {
        let pending = sync(|| s.service.notification_deliveries(None, None, Some(Status::Pending), 1)).unwrap();
        if pending.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let secs = start.elapsed().as_secs_f64();
    let received = m.receive(&q).await.len();
    assert_eq!(received, N);
    println!(
        "notification delivery ({backend:?}, moto SQS): latency p50 {} ms, p99 {} ms, max {} ms over {L} events; \
         throughput {:.0} events/s ({N} single-event messages in {secs:.2} s)",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat[L - 1],
        N as f64 / secs
    );
}
