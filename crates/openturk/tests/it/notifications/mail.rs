//! Email notifications to a real SMTP server (scripts/smtp-sink), and SendTestEventNotification
//! over every transport. Part of the `notifications` test target.

use super::*;
use crate::common::smtp::{parse_decoded, transport, SmtpSink};

both_backends!(email_notifications_reach_a_real_smtp_server, |b| async move {
    let s = TestServer::start(b).await;
    let port = free_port();
    let sink = SmtpSink::start(port);
    let _stop = deliverer(&s.service, Transports { smtp: Some(transport(port)), aws: None });
    let c = s.client();
    let ty = hit_type(&c, 3600).await;
    c.update_notification_settings()
        .hit_type_id(&ty)
        .notification(spec(
            NotificationTransport::Email,
            "requester@example.org",
            "2006-05-05",
            &["AssignmentAccepted"],
        ))
        .send()
        .await
        .unwrap();
    let hit = hit_of_type(&c, &ty, 1, 3600).await;
    let (_, t) = s.worker("ana").await;
    let a = accept(&s, &t, &hit).await;
    let msg = sink.next();
    assert_eq!(msg["rcpt_tos"], json!(["requester@example.org"]));
    let (headers, body) = parse_decoded(msg["data"].as_str().unwrap());
    let h = |k: &str| headers.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    assert_eq!(h("subject"), "OpenTurk notification: AssignmentAccepted");
    assert!(h("from").contains("noreply@openturk.test"), "{headers:?}");
    assert!(
        body.contains(&format!("AssignmentAccepted\n  HITTypeId: {ty}\n  HITId: {hit}\n  AssignmentId: {a}\n")),
        "{body}"
    );
    // The same document as SQS and SNS carry, at the end; its EventDocId is the Message-ID.
    let json_line = body.lines().rev().find(|l| l.starts_with('{')).unwrap();
    let doc: Value = serde_json::from_str(json_line).unwrap();
    assert_eq!(doc["Events"][0]["AssignmentId"], a.as_str());
    assert!(h("message-id").contains(doc["EventDocId"].as_str().unwrap()), "{headers:?}");
    let rows = deliveries_until(&s, "sent", |r| r.len() == 1 && r[0].status == Status::Sent).await;
    assert_eq!(rows[0].channel, "notification_email");
});

both_backends!(send_test_event_notification_sends_at_once, |b| async move {
    let s = TestServer::start(b).await;
    let m = Moto::start().await;
    let q = m.create_queue("tests").await;
    let topic = m.create_topic("tests").await;
    let via_sns = m.create_queue("tests-via-sns").await;
    m.subscribe(&topic, "sqs", &format!("arn:aws:sqs:us-east-1:{}:tests-via-sns", moto_client::ACCOUNT)).await;
    let port = free_port();
    let sink = SmtpSink::start(port);
    let _stop = deliverer(&s.service, Transports { smtp: Some(transport(port)), aws: Some(m.aws()) });
    let c = s.client();
    // Ping, which only tests may name, to each transport.
    c.send_test_event_notification()
        .notification(spec(NotificationTransport::Sqs, &q, "2014-08-15", &["Ping"]))
        .test_event_type(SdkEvent::Ping)
        .send()
        .await
        .unwrap();
    let body = m.receive_n(&q, 1).await.remove(0);
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["CustomerId"], s.requester_id.as_str());
    assert_eq!(doc["EventDocVersion"], "2014-08-15");
    let e = &doc["Events"][0];
    assert_eq!((e["EventType"].as_str(), doc["Events"].as_array().unwrap().len()), (Some("Ping"), 1));
    assert!(e["HITId"].as_str().unwrap().len() == 30 && e.get("AssignmentId").is_none(), "{doc}");

    // The test event is sent even though the specification does not list it.
    c.send_test_event_notification()
        .notification(spec(NotificationTransport::Sns, &topic, "2006-05-05", &["HITExpired"]))
        .test_event_type(SdkEvent::AssignmentSubmitted)
        .send()
        .await
        .unwrap();
    let env: Value = serde_json::from_str(&m.receive_n(&via_sns, 1).await[0]).unwrap();
    let doc: Value = serde_json::from_str(env["Message"].as_str().unwrap()).unwrap();
    assert_eq!(doc["Events"][0]["EventType"], "AssignmentSubmitted");
    assert_eq!(doc["Events"][0]["AssignmentId"].as_str().unwrap().len(), 30);

    c.send_test_event_notification()
        .notification(spec(NotificationTransport::Email, "me@example.org", "2006-05-05", &["Ping"]))
        .test_event_type(SdkEvent::Ping)
        .send()
        .await
        .unwrap();
    let (headers, _) = parse_decoded(sink.next()["data"].as_str().unwrap());
    assert!(headers.contains(&("subject".into(), "OpenTurk notification: Ping".into())), "{headers:?}");

    // Test messages belong to no HIT type.
    let rows = deliveries_until(&s, "three sent", |r| r.len() == 3 && r.iter().all(|r| r.status == Status::Sent)).await;
    assert!(rows.iter().all(|r| r.ref_id.is_none()));

    // Its errors.
    let bad = c
        .send_test_event_notification()
        .notification(spec(NotificationTransport::Sqs, &topic, "2014-08-15", &["Ping"]))
        .test_event_type(SdkEvent::Ping)
        .send()
        .await
        .unwrap_err();
    let (code, msg) = test_err(bad);
    assert_eq!(code, "AWS.MechanicalTurk.InvalidTransportEndpoint", "{msg}");
    let bad = c
        .send_test_event_notification()
        .notification(spec(NotificationTransport::Sqs, &q, "2014-08-15", &["Ping"]))
        .test_event_type(SdkEvent::from("Pong"))
        .send()
        .await
        .unwrap_err();
    let (code, msg) = test_err(bad);
    assert_eq!(code, "AWS.MechanicalTurk.InvalidParameterValue");
    assert!(msg.contains("'Pong'"), "{msg}");
    assert_eq!(deliveries(&s).len(), 3, "refused calls queue nothing");
});
