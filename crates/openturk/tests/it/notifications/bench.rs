//! A measurement, not a check (ignored by default): the deliverer's latency and throughput
//! against moto's SQS, on the backend of OPENTURK_BENCH_BACKEND (sqlite, the default, or
//! postgres). Run with
//!
//! ```text
//! cargo test --release -p openturk --features openturk/test-clock --test it \
//!     notifications::bench::measure_delivery -- --ignored --nocapture
//! ```
//!
//! - latency: CreateHITWithHITType (one HITCreated each) → the message in the queue, by moto's
//!   SentTimestamp against the wall clock before the call; one event in flight at a time;
//! - throughput: a backlog queued while no deliverer runs, then drained by one deliverer, in
//!   events delivered per second of wall time: N events of one HIT type, and M events of M HIT
//!   types. Each event is its own unit's (a CreateHIT), so each leaves in its own message: events
//!   share a message only within one unit (until 9b426a9, a backlog of one HIT type was joined
//!   100 to a message).

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

    // Throughput of a backlog: N events of one HIT type (one queue).
    const N: usize = 2000;
    for _ in 0..N {
        hit_of_type(&c, &ty, 1, 3600).await;
    }
    let (one_type_secs, one_type_msgs) = drain(&s, &m, &q, N).await;

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

    // And the same to a queue 50 ms away (a stand-in for AWS's round trip: an SQS endpoint that
    // answers SendMessage after 50 ms), where sends one at a time would make 20 a second.
    let (far_url, far_count) = far_queue(Duration::from_millis(50)).await;
    let mut far_types = Vec::new();
    for i in 0..M {
        let t = hit_type(&c, 20_000 + i as i64).await;
        c.update_notification_settings()
            .hit_type_id(&t)
            .notification(spec(NotificationTransport::Sqs, &far_url, "2014-08-15", &["HITCreated"]))
            .send()
            .await
            .unwrap();
        far_types.push(t);
    }
    for t in &far_types {
        hit_of_type(&c, t, 1, 3600).await;
    }
    let direct = openturk_service::aws::Aws::new(openturk_service::aws::AwsSettings {
        sqs_endpoint: None,
        ..m.server.settings()
    })
    .unwrap();
    let start = Instant::now();
    let stop = deliverer(&s.service, Transports { smtp: None, aws: Some(direct) });
    while !sync(|| s.service.notification_deliveries(None, None, Some(Status::Pending), 1)).unwrap().is_empty() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let far_secs = start.elapsed().as_secs_f64();
    drop(stop);
    assert_eq!(far_count.load(std::sync::atomic::Ordering::SeqCst), M);
    println!(
        "notification delivery ({backend:?}, moto SQS): latency p50 {} ms, p99 {} ms, max {} ms over {L} events; \
         throughput {:.0} events/s of one HIT type ({N} events in {one_type_msgs} messages, {one_type_secs:.2} s), \
         {:.0} events/s of {M} HIT types ({M} events, {single_secs:.2} s), \
         {:.0} events/s of {M} HIT types to a queue 50 ms away ({far_secs:.2} s)",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat[L - 1],
        N as f64 / one_type_secs,
        M as f64 / single_secs,
        M as f64 / far_secs,
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

/// An SQS endpoint `delay` away: it answers every request (keep-alive connections included) with
/// a SendMessage result after `delay`, and counts them. Returns a queue URL on it.
async fn far_queue(delay: Duration) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/123456789012/far", l.local_addr().unwrap());
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = l.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                loop {
                    // One request: its head, then Content-Length bytes of body.
                    let head_end = loop {
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i + 4;
                        }
                        let mut chunk = [0u8; 8192];
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .map(|v| v.trim().parse().unwrap())
                        .unwrap_or(0);
                    while buf.len() < head_end + len {
                        let mut chunk = [0u8; 8192];
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    buf.drain(..head_end + len);
                    tokio::time::sleep(delay).await;
                    seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let body = "<SendMessageResponse><SendMessageResult><MessageId>far</MessageId>\
                                </SendMessageResult></SendMessageResponse>";
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if sock.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, count)
}
