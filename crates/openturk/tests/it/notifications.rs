//! HIT event notifications on both backends, delivered to real servers the tests start: moto
//! (scripts/moto-server) for SQS and SNS, aiosmtpd (scripts/smtp-sink) for email. Each test reads
//! what a consumer reads: the SQS message body, the SNS envelope (through an SQS subscription
//! and an HTTP subscription, parsed as Dallinger's listener does), the email.

use crate::common;
mod bench;
mod mail;
mod moto_client;
mod processes;

use aws_sdk_mturk::operation::send_test_event_notification::SendTestEventNotificationError;
use aws_sdk_mturk::operation::update_notification_settings::UpdateNotificationSettingsError;
use aws_sdk_mturk::types::{EventType as SdkEvent, NotificationSpecification, NotificationTransport};
use common::{sync, Created, TestServer};
use moto_client::{free_port, HttpListener, Moto};
use openturk_service::notifications::deliver::Transports;
use openturk_service::outbox::{OutboxEntry, Status};
use openturk_service::Service;
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const ALL_EVENTS: [&str; 11] = [
    "AssignmentAccepted",
    "AssignmentAbandoned",
    "AssignmentReturned",
    "AssignmentSubmitted",
    "AssignmentRejected",
    "AssignmentApproved",
    "HITCreated",
    "HITExtended",
    "HITDisposed",
    "HITReviewable",
    "HITExpired",
];

/// Runs `svc`'s deliverer with `transports` until the returned sender is dropped.
fn deliverer(svc: &Service, transports: Transports) -> tokio::sync::oneshot::Sender<()> {
    common::smtp::deliverer(svc, Arc::new(transports))
}

fn spec(
    transport: NotificationTransport,
    destination: &str,
    version: &str,
    events: &[&str],
) -> NotificationSpecification {
    NotificationSpecification::builder()
        .transport(transport)
        .destination(destination)
        .version(version)
        .set_event_types(Some(events.iter().map(|e| SdkEvent::from(*e)).collect()))
        .build()
        .unwrap()
}

/// A HIT type of the default requester's (reward 0.50, 600 s per assignment).
async fn hit_type(c: &aws_sdk_mturk::Client, auto_approval_secs: i64) -> String {
    c.create_hit_type()
        .title("Label an image")
        .description("Say what the picture shows")
        .reward("0.50")
        .assignment_duration_in_seconds(600)
        .auto_approval_delay_in_seconds(auto_approval_secs)
        .send()
        .await
        .unwrap()
        .hit_type_id
        .unwrap()
}

async fn hit_of_type(c: &aws_sdk_mturk::Client, ty: &str, max: i32, lifetime: i64) -> String {
    c.create_hit_with_hit_type()
        .hit_type_id(ty)
        .max_assignments(max)
        .lifetime_in_seconds(lifetime)
        .question(common::HTML_QUESTION)
        .created()
        .await
}

async fn accept(s: &TestServer, token: &str, hit: &str) -> String {
    let (st, a) = s.worker_call(Method::POST, &format!("/hits/{hit}/accept"), token, None).await;
    assert_eq!(st, 201, "{a}");
    a["AssignmentId"].as_str().unwrap().to_string()
}

async fn submit(s: &TestServer, token: &str, aid: &str) {
    let body = json!({ "Answers": { "answer": "done" } });
    let (st, r) = s.worker_call(Method::POST, &format!("/assignments/{aid}/submit"), token, Some(body)).await;
    assert_eq!(st, 200, "{r}");
}

/// The events of message bodies, in order: (EventType, HITId, AssignmentId or "").
fn events_of(bodies: &[String]) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for b in bodies {
        let doc: Value = serde_json::from_str(b).unwrap();
        for e in doc["Events"].as_array().unwrap() {
            out.push((
                e["EventType"].as_str().unwrap().to_string(),
                e["HITId"].as_str().unwrap().to_string(),
                e["AssignmentId"].as_str().unwrap_or("").to_string(),
            ));
        }
    }
    out
}

/// Reads the queue until `want` events arrived; asserts they are exactly those, in order, and
/// that nothing else follows.
async fn expect_events(m: &Moto, queue: &str, want: &[(&str, &str, &str)]) -> Vec<String> {
    let mut bodies = Vec::new();
    for _ in 0..400 {
        bodies.extend(m.receive(queue).await.into_iter().map(|(b, _)| b));
        if events_of(&bodies).len() >= want.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let got = events_of(&bodies);
    let want: Vec<(String, String, String)> =
        want.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect();
    assert_eq!(got, want);
    bodies
}

/// (TurkErrorCode, message) of a refused UpdateNotificationSettings.
fn update_err<R: std::fmt::Debug + Send + Sync + 'static>(
    e: aws_sdk_mturk::error::SdkError<UpdateNotificationSettingsError, R>,
) -> (String, String) {
    match e.into_service_error() {
        UpdateNotificationSettingsError::RequestError(e) => {
            (e.turk_error_code().unwrap_or("").to_string(), e.message().unwrap_or("").to_string())
        }
        other => panic!("expected a RequestError, got {other:?}"),
    }
}

/// (TurkErrorCode, message) of a refused SendTestEventNotification.
fn test_err<R: std::fmt::Debug + Send + Sync + 'static>(
    e: aws_sdk_mturk::error::SdkError<SendTestEventNotificationError, R>,
) -> (String, String) {
    match e.into_service_error() {
        SendTestEventNotificationError::RequestError(e) => {
            (e.turk_error_code().unwrap_or("").to_string(), e.message().unwrap_or("").to_string())
        }
        other => panic!("expected a RequestError, got {other:?}"),
    }
}

fn deliveries(s: &TestServer) -> Vec<OutboxEntry> {
    sync(|| s.service.notification_deliveries(None, None, None, 1000)).unwrap()
}

async fn deliveries_until(s: &TestServer, what: &str, done: impl Fn(&[OutboxEntry]) -> bool) -> Vec<OutboxEntry> {
    for _ in 0..400 {
        let rows = deliveries(s);
        if done(&rows) {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("deliveries never got to: {what}; they are {:#?}", deliveries(s));
}

fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

both_backends!(every_event_type_reaches_sqs_at_its_cause, |b| async move {
    let s = TestServer::start(b).await;
    let m = Moto::start().await;
    let q = m.create_queue("events").await;
    let _stop = deliverer(&s.service, Transports { smtp: None, aws: Some(m.aws()) });
    let c = s.client();
    let ty = hit_type(&c, 3600).await;
    c.update_notification_settings()
        .hit_type_id(&ty)
        .notification(spec(NotificationTransport::Sqs, &q, "2014-08-15", &ALL_EVENTS))
        .active(true)
        .send()
        .await
        .unwrap();

    let hit = hit_of_type(&c, &ty, 3, 7 * 86_400).await;
    let bodies = expect_events(&m, &q, &[("HITCreated", &hit, "")]).await;
    // The exact message a consumer reads.
    let doc: Value = serde_json::from_str(&bodies[0]).unwrap();
    let id = doc["EventDocId"].as_str().unwrap();
    let account = doc["SourceAccount"].as_str().unwrap();
    let ts = doc["Events"][0]["EventTimestamp"].as_str().unwrap();
    assert!(is_timestamp(ts), "{ts}");
    assert_eq!(
        bodies[0],
        format!(
            r#"{{"EventDocId":"{id}","SourceAccount":"{account}","CustomerId":"{}","EventDocVersion":"2014-08-15","Events":[{{"EventType":"HITCreated","EventTimestamp":"{ts}","HITTypeId":"{ty}","HITId":"{hit}"}}]}}"#,
            s.requester_id
        )
    );
    assert_eq!(account.len(), 12);

    // Accept, then return.
    let (_, t1) = s.worker("ana").await;
    let a1 = accept(&s, &t1, &hit).await;
    expect_events(&m, &q, &[("AssignmentAccepted", &hit, &a1)]).await;
    let (st, _) = s.worker_call(Method::POST, &format!("/assignments/{a1}/return"), &t1, None).await;
    assert_eq!(st, 200);
    expect_events(&m, &q, &[("AssignmentReturned", &hit, &a1)]).await;

    // Accept, then let the assignment's time run out.
    let (_, t2) = s.worker("bobo").await;
    let a2 = accept(&s, &t2, &hit).await;
    expect_events(&m, &q, &[("AssignmentAccepted", &hit, &a2)]).await;
    s.advance(601).await;
    expect_events(&m, &q, &[("AssignmentAbandoned", &hit, &a2)]).await;

    // Submit and approve; submit and reject; submit and auto-approve.
    let mut done = Vec::new();
    for (name, outcome) in [("cyril", "approve"), ("diana", "reject"), ("edith", "auto")] {
        let (_, t) = s.worker(name).await;
        let a = accept(&s, &t, &hit).await;
        submit(&s, &t, &a).await;
        let mut want = vec![("AssignmentAccepted", hit.as_str(), a.as_str()), ("AssignmentSubmitted", &hit, &a)];
        if outcome == "auto" {
            // The last slot's work is in: the HIT is Reviewable in the same transaction.
            want.push(("HITReviewable", &hit, ""));
        }
        expect_events(&m, &q, &want).await;
        match outcome {
            "approve" => {
                c.approve_assignment().assignment_id(&a).send().await.unwrap();
                expect_events(&m, &q, &[("AssignmentApproved", &hit, &a)]).await;
            }
            "reject" => {
                c.reject_assignment().assignment_id(&a).requester_feedback("no").send().await.unwrap();
                expect_events(&m, &q, &[("AssignmentRejected", &hit, &a)]).await;
            }
            _ => {
                s.advance(3601).await;
                expect_events(&m, &q, &[("AssignmentApproved", &hit, &a)]).await;
            }
        }
        done.push(a);
    }

    // Extended twice: more assignments, a later expiry (which also ends the reviewable state).
    c.create_additional_assignments_for_hit().hit_id(&hit).number_of_additional_assignments(1).send().await.unwrap();
    expect_events(&m, &q, &[("HITExtended", &hit, "")]).await;
    let later = aws_sdk_mturk::primitives::DateTime::from_secs(s.now_secs() + 14 * 86_400);
    c.update_expiration_for_hit().hit_id(&hit).expire_at(later).send().await.unwrap();
    expect_events(&m, &q, &[("HITExtended", &hit, "")]).await;

    // Expired now: HITExpired, then (nothing pending) HITReviewable, in one message.
    c.update_expiration_for_hit()
        .hit_id(&hit)
        .expire_at(aws_sdk_mturk::primitives::DateTime::from_secs(0))
        .send()
        .await
        .unwrap();
    let bodies = expect_events(&m, &q, &[("HITExpired", &hit, ""), ("HITReviewable", &hit, "")]).await;
    assert_eq!(bodies.len(), 1, "the events of one transaction share one message");
    // Expiring it again changes nothing and says nothing.
    c.update_expiration_for_hit()
        .hit_id(&hit)
        .expire_at(aws_sdk_mturk::primitives::DateTime::from_secs(0))
        .send()
        .await
        .unwrap();

    c.delete_hit().hit_id(&hit).send().await.unwrap();
    expect_events(&m, &q, &[("HITDisposed", &hit, "")]).await;

    // A HIT that reaches its expiry by itself (the scheduler's job), then is disposed by it.
    let h2 = hit_of_type(&c, &ty, 1, 60).await;
    expect_events(&m, &q, &[("HITCreated", &h2, "")]).await;
    s.advance(61).await;
    expect_events(&m, &q, &[("HITExpired", &h2, ""), ("HITReviewable", &h2, "")]).await;
    s.advance(s.service.config().disposal_after_secs + 1).await;
    expect_events(&m, &q, &[("HITDisposed", &h2, "")]).await;

    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(m.receive(&q).await.is_empty(), "no other message");
    let rows = deliveries(&s);
    assert!(rows.iter().all(|r| r.status == Status::Sent && r.channel == "sqs" && r.attempts == 1), "{rows:#?}");
    assert!(rows
        .iter()
        .all(|r| r.ref_id.as_deref() == Some(&ty) && r.requester_id.as_deref() == Some(&s.requester_id)));
    s.verify_ledger();
});

both_backends!(sns_messages_read_as_dallingers_listener_reads_them, |b| async move {
    let s = TestServer::start(b).await;
    let m = Moto::start().await;
    let topic = m.create_topic("mturk-events").await;
    let q = m.create_queue("from-sns").await;
    m.subscribe(&topic, "sqs", &format!("arn:aws:sqs:us-east-1:{}:from-sns", moto_client::ACCOUNT)).await;
    let listener = HttpListener::start().await;
    m.subscribe(&topic, "http", &listener.url).await;
    let _stop = deliverer(&s.service, Transports { smtp: None, aws: Some(m.aws()) });
    let c = s.client();
    let ty = hit_type(&c, 3600).await;
    // What Dallinger's recruiter asks for.
    let events = [
        "AssignmentAccepted",
        "AssignmentAbandoned",
        "AssignmentReturned",
        "AssignmentSubmitted",
        "HITReviewable",
        "HITExpired",
    ];
    c.update_notification_settings()
        .hit_type_id(&ty)
        .notification(spec(NotificationTransport::Sns, &topic, "2006-05-05", &events))
        .active(true)
        .send()
        .await
        .unwrap();
    let hit = hit_of_type(&c, &ty, 1, 3600).await;
    let (_, t) = s.worker("ana").await;
    let a = accept(&s, &t, &hit).await;
    submit(&s, &t, &a).await;

    // Each subscriber gets the SNS envelope; its Message is the notification document.
    let want =
        [("AssignmentAccepted", &hit, &a), ("AssignmentSubmitted", &hit, &a), ("HITReviewable", &hit, &String::new())];
    let check = |envelopes: Vec<String>| {
        let mut docs = Vec::new();
        for e in &envelopes {
            let content: Value = serde_json::from_str(e).unwrap();
            assert_eq!(content["Type"], "Notification", "{content}");
            assert_eq!(content["TopicArn"], topic.as_str());
            // Dallinger: events = json.loads(content["Message"])["Events"]
            let message: Value = serde_json::from_str(content["Message"].as_str().unwrap()).unwrap();
            assert_eq!(message["EventDocVersion"], "2006-05-05");
            assert_eq!(message["CustomerId"], s.requester_id.as_str());
            docs.push(content["Message"].as_str().unwrap().to_string());
        }
        let got = events_of(&docs);
        let want: Vec<(String, String, String)> =
            want.iter().map(|(x, y, z)| (x.to_string(), y.to_string(), z.to_string())).collect();
        assert_eq!(got, want);
        docs
    };
    let via_sqs = check(m.receive_n(&q, 2).await);
    let via_http = check(listener.wait_for(2).await);
    assert_eq!(via_sqs, via_http, "both subscribers read the same documents");
});

// One unit's events share messages of at most 100 events: 150 HITs of one type expiring in one
// pass of the scheduler leave as two messages, of 100 and 50 events.
both_backends!(one_units_events_fill_messages_of_a_hundred, |b| async move {
    let s = TestServer::start(b).await;
    let m = Moto::start().await;
    let q = m.create_queue("expiries").await;
    let c = s.client();
    let ty = hit_type(&c, 3600).await;
    c.update_notification_settings()
        .hit_type_id(&ty)
        .notification(spec(NotificationTransport::Sqs, &q, "2014-08-15", &["HITExpired"]))
        .active(true)
        .send()
        .await
        .unwrap();
    let mut hits = Vec::new();
    for _ in 0..150 {
        hits.push(hit_of_type(&c, &ty, 1, 60).await);
    }
    s.advance(60).await;
    let rows = sync(|| s.service.notification_deliveries(None, Some(&ty), None, 1000)).unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");

    let _stop = deliverer(&s.service, Transports { smtp: None, aws: Some(m.aws()) });
    let bodies = m.receive_n(&q, 2).await;
    let mut sizes: Vec<usize> = bodies.iter().map(|b| events_of(std::slice::from_ref(b)).len()).collect();
    sizes.sort();
    assert_eq!(sizes, [50, 100]);
    let mut expired: Vec<String> = events_of(&bodies).into_iter().map(|(t, h, _)| format!("{t} {h}")).collect();
    expired.sort();
    let mut want: Vec<String> = hits.iter().map(|h| format!("HITExpired {h}")).collect();
    want.sort();
    assert_eq!(expired, want);
});

both_backends!(active_false_stops_and_active_true_resumes, |b| async move {
    let s = TestServer::start(b).await;
    let m = Moto::start().await;
    let q = m.create_queue("onoff").await;
    let _stop = deliverer(&s.service, Transports { smtp: None, aws: Some(m.aws()) });
    let c = s.client();
    let ty = hit_type(&c, 3600).await;
    c.update_notification_settings()
        .hit_type_id(&ty)
        .notification(spec(NotificationTransport::Sqs, &q, "2014-08-15", &["HITCreated"]))
        .active(false)
        .send()
        .await
        .unwrap();
    hit_of_type(&c, &ty, 1, 3600).await;
    c.update_notification_settings().hit_type_id(&ty).active(true).send().await.unwrap();
    let h2 = hit_of_type(&c, &ty, 1, 3600).await;
    expect_events(&m, &q, &[("HITCreated", &h2, "")]).await;
    c.update_notification_settings().hit_type_id(&ty).active(false).send().await.unwrap();
    hit_of_type(&c, &ty, 1, 3600).await;
    // A new specification keeps Active as it was (off).
    c.update_notification_settings()
        .hit_type_id(&ty)
        .notification(spec(NotificationTransport::Sqs, &q, "2014-08-15", &["HITCreated", "HITExtended"]))
        .send()
        .await
        .unwrap();
    hit_of_type(&c, &ty, 1, 3600).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(m.receive(&q).await.is_empty(), "nothing while inactive");
    assert_eq!(deliveries(&s).len(), 1, "nothing queued while inactive");
    // Events of other HIT types are not sent either.
    let other = hit_type(&c, 60).await;
    hit_of_type(&c, &other, 1, 3600).await;
    assert_eq!(deliveries(&s).len(), 1);
});

both_backends!(errors_name_what_is_wrong_and_change_nothing, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let ty = hit_type(&c, 3600).await;
    let q = "https://sqs.us-east-1.amazonaws.com/123456789012/q";
    let update = |n: Option<NotificationSpecification>, active: Option<bool>| {
        c.update_notification_settings().hit_type_id(&ty).set_notification(n).set_active(active).send()
    };
    let cases: Vec<(Option<NotificationSpecification>, Option<bool>, &str, &str)> = vec![
        (None, Some(true), "InvalidParameterValue", "has no notification specification"),
        (None, None, "InvalidParameterValue", "Notification or Active"),
        (
            Some(spec(
                NotificationTransport::Sqs,
                "arn:aws:sns:us-east-1:123456789012:t",
                "2014-08-15",
                &["HITCreated"],
            )),
            None,
            "InvalidTransportEndpoint",
            "not an SQS queue URL",
        ),
        (
            Some(spec(NotificationTransport::Sns, q, "2014-08-15", &["HITCreated"])),
            None,
            "InvalidTransportEndpoint",
            "not an SNS topic ARN",
        ),
        (
            Some(spec(NotificationTransport::Email, "nobody", "2014-08-15", &["HITCreated"])),
            None,
            "InvalidTransportEndpoint",
            "not an email address",
        ),
        (
            Some(spec(NotificationTransport::Sqs, q, "2014-08-15", &["Ping"])),
            None,
            "InvalidParameterValue",
            "only valid for SendTestEventNotification",
        ),
        (
            Some(spec(NotificationTransport::Sqs, q, "2015-01-01", &["HITCreated"])),
            None,
            "InvalidParameterValue",
            "2015-01-01",
        ),
        (
            Some(spec(NotificationTransport::Sqs, q, "2014-08-15", &["HitCreated"])),
            None,
            "InvalidParameterValue",
            "'HitCreated'",
        ),
        (Some(spec(NotificationTransport::Sqs, q, "2014-08-15", &[])), None, "InvalidParameterValue", "at least one"),
        (
            Some(spec(NotificationTransport::from("HTTP"), q, "2014-08-15", &["HITCreated"])),
            None,
            "InvalidParameterValue",
            "[Email, SQS, SNS]",
        ),
    ];
    for (n, active, code, words) in cases {
        let (got, msg) = update_err(update(n, active).await.unwrap_err());
        assert_eq!(got, format!("AWS.MechanicalTurk.{code}"), "{msg}");
        assert!(msg.contains(words), "{msg} should say {words}");
    }
    assert_eq!(sync(|| s.service.notification_settings(&s.requester_id, &ty)).unwrap(), None, "nothing was set");

    // Unknown HIT types, and other requesters' HIT types, do not exist.
    let good = spec(NotificationTransport::Sqs, q, "2014-08-15", &["HITCreated"]);
    let (code, _) = update_err(
        c.update_notification_settings().hit_type_id("NOSUCHTYPE").notification(good.clone()).send().await.unwrap_err(),
    );
    assert_eq!(code, "AWS.MechanicalTurk.HITTypeDoesNotExist");
    let other = sync(|| s.service.create_requester("other")).unwrap();
    let oc = s.client_with(&other.access_key_id, &other.secret_access_key);
    let (code, msg) = update_err(
        oc.update_notification_settings().hit_type_id(&ty).notification(good.clone()).send().await.unwrap_err(),
    );
    assert_eq!(code, "AWS.MechanicalTurk.HITTypeDoesNotExist", "{msg}");
    assert!(msg.contains(&ty), "{msg}");

    // A good one is stored; a bad one after it leaves it as it was.
    update(Some(good.clone()), None).await.unwrap();
    update(Some(spec(NotificationTransport::Sns, q, "2014-08-15", &["HITCreated"])), Some(false)).await.unwrap_err();
    let stored = sync(|| s.service.notification_settings(&s.requester_id, &ty)).unwrap().unwrap();
    assert!(stored.active);
    assert_eq!(stored.spec.destination, q);
});

both_backends!(a_failed_destination_is_retried_with_backoff_shown_in_the_cli, |b| async move {
    let s = TestServer::start(b).await;
    let m = Moto::start().await;
    let _stop = deliverer(&s.service, Transports { smtp: None, aws: Some(m.aws()) });
    let c = s.client();
    let ty = hit_type(&c, 3600).await;
    // The queue does not exist yet.
    let q = m.queue_url("later");
    c.update_notification_settings()
        .hit_type_id(&ty)
        .notification(spec(NotificationTransport::Sqs, &q, "2014-08-15", &["HITCreated"]))
        .send()
        .await
        .unwrap();
    let hit = hit_of_type(&c, &ty, 1, 3600).await;
    let rows = deliveries_until(&s, "one failed attempt", |r| r.len() == 1 && r[0].attempts == 1).await;
    assert_eq!(rows[0].status, Status::Pending);
    let error = rows[0].last_error.clone().unwrap();
    assert!(error.contains("NonExistentQueue") || error.contains("does not exist"), "{error}");
    assert_eq!(rows[0].next_attempt_at, s.service.now() + 30_000);

    let cli = |args: &[&str]| {
        let o = s.cli(&[&["notifications", "list"], args].concat());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let out = cli(&["--hit-type", &ty]);
    println!("openturk notifications list:\n{out}");
    let line = out.lines().nth(1).expect("one delivery");
    assert!(line.contains("sqs") && line.contains(&ty) && line.contains(&q) && line.contains("Pending"), "{line}");
    let next = openturk_domain::clock::format_iso8601(rows[0].next_attempt_at);
    assert!(line.contains(&next), "the next attempt {next} is shown: {line}");
    assert!(line.contains(error.lines().next().unwrap()), "{line}");
    assert_eq!(cli(&["--status", "Sent"]).lines().count(), 1, "only the heading");
    assert_eq!(cli(&["--requester", "ANOBODY"]).lines().count(), 1);

    // The queue appears; nothing is sent before the backoff ends, then it is.
    m.create_queue("later").await;
    s.clock.advance_secs(29);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(deliveries(&s)[0].attempts, 1, "not before the backoff ends");
    s.clock.advance_secs(1);
    expect_events(&m, &q, &[("HITCreated", &hit, "")]).await;
    let rows = deliveries_until(&s, "sent", |r| r[0].status == Status::Sent).await;
    assert_eq!((rows[0].attempts, rows[0].last_error.as_deref()), (2, None));
    let out = cli(&["--status", "Sent"]);
    assert!(out.lines().nth(1).unwrap().contains("Sent"), "{out}");
});
