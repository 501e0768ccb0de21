//! NotifyWorkers on both backends: parameter rules, who is notified and who comes back in
//! NotifyWorkersFailureStatuses, the worker's inbox, and email through the outbox to a real SMTP
//! server that the test starts (aiosmtpd, by scripts/smtp-sink): the exact message received,
//! retries after the server was down, and two replicas on one database sending each email once.

use crate::common;

use common::smtp::{self, parse_message, unquote, SmtpSink};
use common::{create_hit, err, free_port, sync, Options, TestServer};
use openturk_service::outbox::{OutboxEntry, Status};
use openturk_service::{Service, ServiceConfig};
use reqwest::Method;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc};
use std::time::Duration;

fn email_on() -> Options {
    Options { config: ServiceConfig { email_enabled: true, ..ServiceConfig::default() }, ..Options::default() }
}

/// Runs `svc`'s outbox deliverer, sending to the SMTP sink on `port`.
fn deliverer(svc: &Service, port: u16) -> tokio::sync::oneshot::Sender<()> {
    smtp::deliverer(svc, Arc::new(smtp::transport(port)))
}

fn outbox(s: &TestServer) -> Vec<OutboxEntry> {
    sync(|| s.service.outbox_list(None, 1000)).unwrap()
}

/// Waits (boundedly) until the outbox satisfies `done`.
async fn outbox_until(s: &TestServer, what: &str, done: impl Fn(&[OutboxEntry]) -> bool) -> Vec<OutboxEntry> {
    for _ in 0..400 {
        let rows = outbox(s);
        if done(&rows) {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("outbox never got to: {what}; it holds {:#?}", outbox(s));
}

/// A worker whose work the default requester approved (or rejected): one NotifyWorkers reaches.
async fn worked_for(s: &TestServer, name: &str, approve: bool) -> (String, String) {
    let c = s.client();
    let (wid, token) = s.worker(name).await;
    let hit = create_hit(&c).send().await.unwrap().hit.unwrap().hit_id.unwrap();
    let (st, a) = s.worker_call(Method::POST, &format!("/hits/{hit}/accept"), &token, None).await;
    assert_eq!(st, 201, "{a}");
    let aid = a["AssignmentId"].as_str().unwrap().to_string();
    let body = json!({ "Answers": { "answer": "done" } });
    let (st, r) = s.worker_call(Method::POST, &format!("/assignments/{aid}/submit"), &token, Some(body)).await;
    assert_eq!(st, 200, "{r}");
    if approve {
        c.approve_assignment().assignment_id(&aid).send().await.unwrap();
    } else {
        c.reject_assignment().assignment_id(&aid).requester_feedback("Wrong").send().await.unwrap();
    }
    (wid, token)
}

both_backends!(parameter_rules, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let (w, _) = worked_for(&s, "ana", true).await;
    let send = |subject: String, text: String, ids: Vec<String>| {
        c.notify_workers().subject(subject).message_text(text).set_worker_ids(Some(ids)).send()
    };
    let cases = [
        ("s".repeat(201), "m".to_string(), vec![w.clone()], "'Subject'"),
        (String::new(), "m".to_string(), vec![w.clone()], "'Subject'"),
        ("s".into(), "m".repeat(4097), vec![w.clone()], "'MessageText'"),
        ("s".into(), String::new(), vec![w.clone()], "'MessageText'"),
        ("s".into(), "m".into(), vec![], "up to 100 Workers"),
        ("s".into(), "m".into(), vec![w.clone(); 101], "up to 100 Workers"),
        ("line\nbreak".into(), "m".into(), vec![w.clone()], "Subject must be one line"),
    ];
    for (subject, text, ids, expect) in cases {
        let (code, msg) = err(send(subject, text, ids).await.unwrap_err());
        assert_eq!(code, "RequestError");
        assert!(msg.contains(expect), "{expect}: {msg}");
    }
    // The limits themselves are fine: 200, 4,096 (characters, not bytes) and 100.
    let r = send("s".repeat(200), "é".repeat(4096), vec![w.clone(); 100]).await.unwrap();
    assert_eq!(r.notify_workers_failure_statuses().len(), 0);
    // A worker listed 100 times gets the message once.
    let inbox = sync(|| s.service.worker_messages(&w, false, None, None)).unwrap();
    assert_eq!(inbox.page.items.len(), 1);
});

both_backends!(who_is_notified, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let (approved, at) = worked_for(&s, "ana", true).await;
    let (rejected, _) = worked_for(&s, "bob", false).await;
    let (blocked, bt) = worked_for(&s, "cyd", true).await;
    c.create_worker_block().worker_id(&blocked).reason("Poor quality").send().await.unwrap();
    let (stranger, _) = s.worker("dee").await;
    // Work submitted but neither approved nor rejected does not count yet (API Reference).
    let (pending, pt) = s.worker("eve").await;
    let hit = create_hit(&c).send().await.unwrap().hit.unwrap().hit_id.unwrap();
    let (_, a) = s.worker_call(Method::POST, &format!("/hits/{hit}/accept"), &pt, None).await;
    let aid = a["AssignmentId"].as_str().unwrap();
    let body = json!({ "Answers": { "answer": "x" } });
    s.worker_call(Method::POST, &format!("/assignments/{aid}/submit"), &pt, Some(body)).await;
    // Another requester's worker is a stranger to this one.
    let other = sync(|| s.service.create_requester("other")).unwrap();

    let ids: Vec<String> =
        [&approved, &rejected, &blocked, &stranger, &pending, "A0NOSUCHWORKER", "junk"].map(str::to_string).to_vec();
    let r = c
        .notify_workers()
        .subject("Bonus HITs tomorrow")
        .message_text("Hello,\nnew HITs at 9:00 UTC.")
        .set_worker_ids(Some(ids))
        .send()
        .await
        .unwrap();
    let failures: Vec<(&str, &str, &str)> = r
        .notify_workers_failure_statuses()
        .iter()
        .map(|f| {
            (
                f.worker_id().unwrap(),
                f.notify_workers_failure_code().unwrap().as_str(),
                f.notify_workers_failure_message().unwrap(),
            )
        })
        .collect();
    let not_worked = |w: &str| {
        format!("Worker {w} cannot be notified: you can notify only Workers whose work you have approved or rejected.")
    };
    assert_eq!(
        failures,
        [
            (stranger.as_str(), "HardFailure", not_worked(&stranger).as_str()),
            (pending.as_str(), "HardFailure", not_worked(&pending).as_str()),
            ("A0NOSUCHWORKER", "HardFailure", "WorkerId is invalid."),
            ("junk", "HardFailure", "WorkerId is invalid."),
        ]
    );
    let oc = s.client_with(&other.access_key_id, &other.secret_access_key);
    let r = oc.notify_workers().subject("s").message_text("m").worker_ids(&approved).send().await.unwrap();
    assert_eq!(r.notify_workers_failure_statuses()[0].worker_id(), Some(approved.as_str()));

    // The inbox, through the worker API: the message, unread; then read.
    let (st, inbox) = s.worker_call(Method::GET, "/messages", &at, None).await;
    assert_eq!(st, 200, "{inbox}");
    assert_eq!(inbox["UnreadCount"], 1);
    let m = &inbox["Messages"][0];
    assert_eq!(m["Subject"], "Bonus HITs tomorrow");
    assert_eq!(m["MessageText"], "Hello,\nnew HITs at 9:00 UTC.");
    assert_eq!(m["RequesterId"], s.requester_id.as_str());
    assert_eq!(m["RequesterName"], "default");
    assert!(m["ReadTime"].is_null());
    assert!(inbox["NextToken"].is_null());
    let id = m["MessageId"].as_str().unwrap().to_string();
    // Another worker cannot touch it.
    let (st, _) = s.worker_call(Method::POST, &format!("/messages/{id}/read"), &bt, None).await;
    assert_eq!(st, 404);
    let (st, _) = s.worker_call(Method::POST, &format!("/messages/{id}/read"), &at, None).await;
    assert_eq!(st, 204);
    let (_, inbox) = s.worker_call(Method::GET, "/messages", &at, None).await;
    assert_eq!(inbox["UnreadCount"], 0);
    assert_eq!(inbox["Messages"][0]["ReadTime"].as_f64().map(|t| t as i64), Some(s.now_secs()));
    let (_, unread) = s.worker_call(Method::GET, "/messages?UnreadOnly=true", &at, None).await;
    assert_eq!(unread["Messages"].as_array().unwrap().len(), 0);
    // The blocked worker got it too; the stranger and the pending worker got nothing.
    let (_, inbox) = s.worker_call(Method::GET, "/messages", &bt, None).await;
    assert_eq!(inbox["Messages"].as_array().unwrap().len(), 1);
    let (_, inbox) = s.worker_call(Method::GET, "/messages", &pt, None).await;
    assert_eq!(inbox["Messages"].as_array().unwrap().len(), 0);
    // Email is off on this server: nothing was queued.
    assert!(outbox(&s).is_empty());
});

both_backends!(inbox_pages_newest_first, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let (w, t) = worked_for(&s, "ana", true).await;
    for i in 0..3 {
        c.notify_workers().subject(format!("n{i}")).message_text("m").worker_ids(&w).send().await.unwrap();
    }
    let (_, p1) = s.worker_call(Method::GET, "/messages?MaxResults=2", &t, None).await;
    let subjects: Vec<&str> =
        p1["Messages"].as_array().unwrap().iter().map(|m| m["Subject"].as_str().unwrap()).collect();
    assert_eq!(subjects, ["n2", "n1"]);
    let next = p1["NextToken"].as_str().unwrap();
    let (_, p2) = s.worker_call(Method::GET, &format!("/messages?MaxResults=2&NextToken={next}"), &t, None).await;
    assert_eq!(p2["Messages"][0]["Subject"], "n0");
    assert!(p2["NextToken"].is_null(), "the worker API ends on the last page: {p2}");
});

both_backends!(worker_email_setting, |b| async move {
    let s = TestServer::start(b).await;
    let (_, t) = s.worker("ana").await;
    let (_, me) = s.worker_call(Method::GET, "/me", &t, None).await;
    assert!(me["Email"].is_null());
    let (st, e) = s.worker_call(Method::PUT, "/me/email", &t, Some(json!({ "Email": "not an address" }))).await;
    assert_eq!(st, 422, "{e}");
    let (st, _) = s.worker_call(Method::PUT, "/me/email", &t, Some(json!({ "Email": "ana@example.org" }))).await;
    assert_eq!(st, 204);
    let (_, me) = s.worker_call(Method::GET, "/me", &t, None).await;
    assert_eq!(me["Email"], "ana@example.org");
    let (st, _) = s.worker_call(Method::PUT, "/me/email", &t, Some(json!({ "Email": null }))).await;
    assert_eq!(st, 204);
    let (_, me) = s.worker_call(Method::GET, "/me", &t, None).await;
    assert!(me["Email"].is_null());
    // At sign-up.
    let r = reqwest::Client::new()
        .post(format!("{}/worker-api/v1/workers", s.endpoint()))
        .json(&json!({ "Username": "bob", "Password": "password-123", "Country": "US", "Email": "bo@example.org" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let bo = r.json::<Value>().await.unwrap()["WorkerId"].as_str().unwrap().to_string();
    assert_eq!(sync(|| s.service.worker_profile(&bo)).unwrap().email.as_deref(), Some("bo@example.org"));
});

both_backends!(email_reaches_a_real_smtp_server, |b| async move {
    let s = TestServer::start_with(b, email_on()).await;
    let c = s.client();
    let port = free_port();
    let sink = SmtpSink::start(port);
    let _stop = deliverer(&s.service, port);
    let (ana, at) = worked_for(&s, "ana", true).await;
    let (bo, _) = worked_for(&s, "bob", true).await; // no email address: inbox only
    let (st, _) = s.worker_call(Method::PUT, "/me/email", &at, Some(json!({ "Email": "ana@example.org" }))).await;
    assert_eq!(st, 204);

    let text = "Hello Ana,\n\nThank you for your careful work.\nMore HITs come on Monday.";
    c.notify_workers().subject("Thank you").message_text(text).worker_ids(&ana).worker_ids(&bo).send().await.unwrap();

    let m = sink.next();
    println!("received by the SMTP server:\n{}", m["data"].as_str().unwrap());
    assert_eq!(m["mail_from"], "noreply@openturk.test");
    assert_eq!(m["rcpt_tos"], json!(["ana@example.org"]));
    let (headers, body) = parse_message(m["data"].as_str().unwrap());
    let h = |k: &str| headers.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(h("from"), Some("OpenTurk <noreply@openturk.test>"));
    assert_eq!(h("to"), Some("ana@example.org"));
    assert_eq!(h("subject"), Some("Thank you"));
    let inbox = sync(|| s.service.worker_messages(&ana, false, None, None)).unwrap();
    let mid = format!("<notify-{}@openturk.test>", inbox.page.items[0].message_id.to_lowercase());
    assert_eq!(h("message-id"), Some(mid.as_str()));
    assert_eq!(h("content-type"), Some("text/plain; charset=utf-8"));
    // A line longer than 76 characters and the signature separator's trailing space make lettre
    // choose quoted-printable, as it should.
    assert_eq!(h("content-transfer-encoding"), Some("quoted-printable"));
    assert_eq!(
        unquote(&body),
        format!(
            "{text}\n\n-- \nSent by the requester default ({}) through OpenTurk. This message is also in your \
             OpenTurk inbox.\n\n",
            s.requester_id
        )
    );
    let rows = outbox_until(&s, "the email sent", |r| r.len() == 1 && r[0].status == Status::Sent).await;
    assert_eq!(
        (rows[0].channel.as_str(), rows[0].destination.as_str(), rows[0].attempts),
        ("email", "ana@example.org", 1)
    );
    assert_eq!(rows[0].last_error, None);
    // Bo, without an address, has the message in the inbox only, and no email was queued.
    assert_eq!(sync(|| s.service.worker_messages(&bo, false, None, None)).unwrap().page.items.len(), 1);
    assert!(sink.next_within(Duration::from_millis(300)).is_none(), "only one email");
});

both_backends!(email_is_retried_after_the_server_was_down, |b| async move {
    let s = TestServer::start_with(b, email_on()).await;
    let c = s.client();
    let port = free_port(); // nothing listens there yet
    let _stop = deliverer(&s.service, port);
    let (ana, at) = worked_for(&s, "ana", true).await;
    s.worker_call(Method::PUT, "/me/email", &at, Some(json!({ "Email": "ana@example.org" }))).await;
    c.notify_workers().subject("Still there?").message_text("Ping").worker_ids(&ana).send().await.unwrap();

    // The first attempt fails (connection refused); the row waits 30 s of marketplace time.
    let rows = outbox_until(&s, "one failed attempt", |r| r.len() == 1 && r[0].attempts == 1).await;
    assert_eq!(rows[0].status, Status::Pending);
    let error = rows[0].last_error.clone().expect("the error is recorded");
    assert!(!error.is_empty());
    assert_eq!(rows[0].next_attempt_at, s.service.now() + 30_000);

    // The CLI shows it, with its last error.
    let list = Command::new(env!("CARGO_BIN_EXE_openturk"))
        .args(["outbox", "list", "--database", &s.db_url, "--data-dir"])
        .arg(s.dir.join("cli"))
        .output()
        .unwrap();
    assert!(list.status.success(), "{}", String::from_utf8_lossy(&list.stderr));
    let out = String::from_utf8(list.stdout).unwrap();
    println!("openturk outbox list:\n{out}");
    let line = out.lines().nth(1).expect("one delivery");
    assert!(line.contains("email") && line.contains("ana@example.org") && line.contains("Pending"), "{line}");
    assert!(line.contains(error.lines().next().unwrap()), "{line}");

    // The server comes up; before the backoff ends nothing is sent, then it is.
    let sink = SmtpSink::start(port);
    s.clock.advance_secs(29);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(outbox(&s)[0].attempts, 1, "not before the backoff ends");
    s.clock.advance_secs(1);
    let m = sink.next();
    assert!(m["data"].as_str().unwrap().contains("Subject: Still there?"));
    let rows = outbox_until(&s, "sent on the second attempt", |r| r[0].status == Status::Sent).await;
    assert_eq!((rows[0].attempts, rows[0].last_error.as_deref()), (2, None));
});

both_backends!(two_replicas_send_each_email_once, |b| async move {
    let s = TestServer::start_with(b, email_on()).await;
    let c = s.client();
    let port = free_port();
    let sink = SmtpSink::start(port);
    let (ana, at) = worked_for(&s, "ana", true).await;
    s.worker_call(Method::PUT, "/me/email", &at, Some(json!({ "Email": "ana@example.org" }))).await;
    // Queued before any deliverer runs, so that both find all of them at once.
    const N: usize = 40;
    for i in 0..N {
        c.notify_workers().subject(format!("n{i}")).message_text("m").worker_ids(&ana).send().await.unwrap();
    }
    let replica = sync(|| {
        TestServer::replica(&s.db_url, &s.clock, ServiceConfig { email_enabled: true, ..ServiceConfig::default() })
    });
    // Two deliverers, each claiming and sending as fast as it can, on two services.
    let (a, b2) = (s.service.clone(), replica.clone());
    let t1 = tokio::spawn(async move { a.deliver_due("replica-a", &smtp::transport(port)).await.unwrap() });
    let t2 = tokio::spawn(async move { b2.deliver_due("replica-b", &smtp::transport(port)).await.unwrap() });
    let (n1, n2) = (t1.await.unwrap(), t2.await.unwrap());
    assert_eq!(n1 + n2, N, "each row sent by exactly one replica ({n1} + {n2})");
    let mut subjects: Vec<String> = (0..N)
        .map(|_| {
            let (h, _) = parse_message(sink.next()["data"].as_str().unwrap());
            h.into_iter().find(|(k, _)| k == "subject").unwrap().1
        })
        .collect();
    assert!(sink.next_within(Duration::from_millis(500)).is_none(), "no email twice");
    subjects.sort_by_key(|s| s[1..].parse::<usize>().unwrap());
    assert_eq!(subjects, (0..N).map(|i| format!("n{i}")).collect::<Vec<_>>());
    assert!(outbox(&s).iter().all(|r| r.status == Status::Sent && r.attempts == 1));
});

both_backends!(claims_never_overlap, |b| async move {
    // The claim itself, raced by two services on one database from two threads.
    let s = TestServer::start_with(b, email_on()).await;
    let c = s.client();
    let (ana, at) = worked_for(&s, "ana", true).await;
    s.worker_call(Method::PUT, "/me/email", &at, Some(json!({ "Email": "ana@example.org" }))).await;
    for i in 0..30 {
        c.notify_workers().subject(format!("n{i}")).message_text("m").worker_ids(&ana).send().await.unwrap();
    }
    let replica = sync(|| TestServer::replica(&s.db_url, &s.clock, ServiceConfig::default()));
    let claim = |svc: Service, owner: &'static str| {
        std::thread::spawn(move || {
            let mut mine = Vec::new();
            loop {
                let got = svc.outbox_claim(owner, 3).unwrap();
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|c| c.seq));
            }
        })
    };
    let (h1, h2) = (claim(s.service.clone(), "a"), claim(replica, "b"));
    let (mut a, b2) = (h1.join().unwrap(), h2.join().unwrap());
    let total = a.len() + b2.len();
    a.extend(b2);
    a.sort();
    a.dedup();
    assert_eq!((a.len(), total), (30, 30), "every row claimed once");
    // A lease that ran out (a deliverer that died) can be claimed again.
    s.clock.advance_ms(openturk_service::outbox::LEASE_MS);
    assert_eq!(sync(|| s.service.outbox_claim("c", 100)).unwrap().len(), 30);
});

both_backends!(an_unreadable_delivery_is_kept_failed_and_the_others_go_on, |b| async move {
    use openturk_storage::{params, Tx};
    let s = TestServer::start_with(b, email_on()).await;
    let c = s.client();
    let (ana, at) = worked_for(&s, "ana", true).await;
    s.worker_call(Method::PUT, "/me/email", &at, Some(json!({ "Email": "ana@example.org" }))).await;
    // A row of a channel this build does not know, queued before a real email.
    let now = s.service.now();
    let db = s.service.db().clone();
    sync(|| {
        db.write(|tx: &mut dyn Tx| -> openturk_storage::Result<()> {
            tx.execute(
                "INSERT INTO outbox (channel, destination, payload, status, attempts, next_attempt_at, created_at)
                 VALUES ('pigeon', 'roof', '{\"channel\":\"pigeon\"}', 'Pending', 0, ?, ?)",
                params![now - 1, now - 1],
            )?;
            Ok(())
        })
        .unwrap()
    });
    c.notify_workers().subject("hello").message_text("m").worker_ids(&ana).send().await.unwrap();
    let claimed = sync(|| s.service.outbox_claim("a", 10)).unwrap();
    assert_eq!(claimed.len(), 1, "only the email is claimed");
    assert_eq!(claimed[0].delivery.channel(), "email");
    let rows = outbox(&s);
    let pigeon = rows.iter().find(|r| r.channel == "pigeon").unwrap();
    assert_eq!(pigeon.status, Status::Failed);
    assert!(pigeon.last_error.as_deref().is_some_and(|e| e.contains("pigeon")), "{:?}", pigeon.last_error);
});

// `openturk serve` configured through OPENTURK_SMTP_* (no test clock needed): the deliverer it
// starts sends NotifyWorkers' email to the SMTP server.
both_backends!(serve_sends_email_with_smtp_settings, |b| async move {
    use aws_sdk_mturk::config::{BehaviorVersion, Credentials, Region};
    let dir = std::env::temp_dir().join(format!("openturk-serve-smtp-{}-{:?}", std::process::id(), b));
    std::fs::create_dir_all(&dir).unwrap();
    let database = sync(|| common::fresh_database(b, &dir));
    let db = database.url.clone();
    let port = free_port();
    let sink = SmtpSink::start(port);
    let mut child = Command::new(env!("CARGO_BIN_EXE_openturk"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database", &db, "--data-dir"])
        .arg(&dir)
        .env("OPENTURK_SMTP_HOST", "127.0.0.1")
        .env("OPENTURK_SMTP_PORT", port.to_string())
        .env("OPENTURK_SMTP_TLS", "none")
        .env("OPENTURK_SMTP_FROM", "Marketplace <mail@openturk.test>")
        .env_remove("OPENTURK_TEST_CLOCK")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    struct Kill(Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    // Its banner, read by a thread so that a server that never prints a line fails the test
    // instead of hanging it.
    let out = child.stdout.take().unwrap();
    let child = Kill(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let (mut addr, mut email_line) = (None, None);
    while email_line.is_none() {
        let line = rx.recv_timeout(Duration::from_secs(60)).expect("the server printed its banner");
        if let Some(a) = line.trim().strip_prefix("Requester API: http://") {
            addr = Some(a.trim_end_matches('/').to_string());
        }
        if line.trim().starts_with("Email:") {
            email_line = Some(line.trim().to_string());
        }
    }
    let addr = addr.expect("the server printed its address");
    assert_eq!(email_line.as_deref(), Some(format!("Email:         SMTP 127.0.0.1:{port} (None)").as_str()));
    let creds = std::fs::read_to_string(dir.join("credentials")).unwrap();
    let field = |k: &str| creds.lines().find_map(|l| l.strip_prefix(k)).unwrap().trim_start_matches(" = ").to_string();
    let c = aws_sdk_mturk::Client::from_conf(
        aws_sdk_mturk::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(format!("http://{addr}"))
            .credentials_provider(Credentials::new(
                field("aws_access_key_id"),
                field("aws_secret_access_key"),
                None,
                None,
                "t",
            ))
            .build(),
    );
    // A worker with an address, made by the admin command, who does one HIT.
    let out = Command::new(env!("CARGO_BIN_EXE_openturk"))
        .args(["worker", "create", "ana", "--password", "password-123", "--email", "ana@example.org"])
        .args(["--database", &db, "--data-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let wid = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let http = reqwest::Client::new();
    let api = format!("http://{addr}/worker-api/v1");
    let post = |path: String, body: Value, token: Option<String>| {
        let mut r = http.post(format!("{api}{path}")).json(&body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        async move { r.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let token = post("/sessions".into(), json!({"Username": "ana", "Password": "password-123"}), None).await["Token"]
        .as_str()
        .unwrap()
        .to_string();
    let hit = create_hit(&c).send().await.unwrap().hit.unwrap().hit_id.unwrap();
    let a = post(format!("/hits/{hit}/accept"), json!({}), Some(token.clone())).await;
    let aid = a["AssignmentId"].as_str().unwrap().to_string();
    post(format!("/assignments/{aid}/submit"), json!({"Answers": {"answer": "x"}}), Some(token)).await;
    c.approve_assignment().assignment_id(&aid).send().await.unwrap();
    let r = c.notify_workers().subject("Hello").message_text("Thanks!").worker_ids(&wid).send().await.unwrap();
    assert!(r.notify_workers_failure_statuses().is_empty());

    let m = sink.next();
    assert_eq!((m["mail_from"].as_str(), &m["rcpt_tos"]), (Some("mail@openturk.test"), &json!(["ana@example.org"])));
    let (headers, _) = parse_message(m["data"].as_str().unwrap());
    assert!(headers.contains(&("from".into(), "Marketplace <mail@openturk.test>".into())), "{headers:?}");
    assert!(headers.contains(&("subject".into(), "Hello".into())), "{headers:?}");
    drop(child);
    let _ = std::fs::remove_dir_all(&dir);
});
