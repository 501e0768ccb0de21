//! The wire protocol and Signature V4 as raw HTTP sees them: framing errors, authentication
//! errors, request IDs. Requests are signed with our own signer (itself tested against AWS's
//! published vectors) so that each field can be broken on purpose.

use crate::common;

use common::TestServer;
use openturk_protocol::sigv4;
use serde_json::Value;

struct Raw<'a> {
    target: &'a str,
    content_type: &'a str,
    body: Vec<u8>,
    key: Option<(&'a str, &'a str)>,
    region: &'a str,
    time_offset_secs: i64,
}

impl Default for Raw<'_> {
    fn default() -> Self {
        Raw {
            target: "MTurkRequesterServiceV20170117.GetAccountBalance",
            content_type: "application/x-amz-json-1.1",
            body: b"{}".to_vec(),
            key: None,
            region: "us-east-1",
            time_offset_secs: 0,
        }
    }
}

async fn send(s: &TestServer, r: Raw<'_>) -> (u16, Value, Option<String>) {
    let host = s.addr.to_string();
    let headers = [("host", host.as_str()), ("content-type", r.content_type), ("x-amz-target", r.target)];
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let (k, sec) = r.key.unwrap_or((&s.key_id, &s.secret));
    let signed =
        sigv4::sign("POST", "/", "", &headers, &r.body, k, sec, r.region, "mturk-requester", now + r.time_offset_secs);
    let mut req = reqwest::Client::new()
        .post(s.endpoint() + "/")
        .header("content-type", r.content_type)
        .header("x-amz-target", r.target)
        .body(r.body.clone());
    if r.key != Some(("", "")) {
        for (name, value) in signed {
            req = req.header(name, value);
        }
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let rid = resp.headers().get("x-amzn-requestid").map(|v| v.to_str().unwrap().to_string());
    let body: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap_or(Value::Null);
    (status, body, rid)
}

fn code(v: &Value) -> &str {
    v["__type"].as_str().unwrap_or("")
}

both_backends!(authentication_errors_are_distinct, |b| async move {
    let s = TestServer::start(b).await;
    let (st, v, rid) = send(&s, Raw::default()).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["AvailableBalance"], "10000.00");
    assert!(rid.is_some_and(|r| r.len() == 36));
    // Any region the client was configured with is accepted; the scope carries it.
    assert_eq!(send(&s, Raw { region: "sandbox", ..Raw::default() }).await.0, 200);

    let (st, v, rid) = send(&s, Raw { key: Some(("", "")), ..Raw::default() }).await;
    assert_eq!((st, code(&v)), (403, "MissingAuthenticationTokenException"), "{v}");
    assert!(rid.is_some(), "errors carry a request ID too");
    let (st, v, _) = send(&s, Raw { key: Some(("AKIANOSUCHKEY0000000", "x")), ..Raw::default() }).await;
    assert_eq!((st, code(&v)), (400, "UnrecognizedClientException"), "{v}");
    let (st, v, _) = send(&s, Raw { key: Some((&s.key_id.clone(), "wrong-secret")), ..Raw::default() }).await;
    assert_eq!((st, code(&v)), (400, "InvalidSignatureException"), "{v}");
    let (st, v, _) = send(&s, Raw { time_offset_secs: -16 * 60, ..Raw::default() }).await;
    assert_eq!((st, code(&v)), (400, "RequestExpired"), "{v}");
    assert!(v["message"].as_str().unwrap().contains("Signature expired"), "{v}");
    let (st, _, _) = send(&s, Raw { time_offset_secs: -14 * 60, ..Raw::default() }).await;
    assert_eq!(st, 200, "within 15 minutes");
    let (st, v, _) = send(&s, Raw { time_offset_secs: 16 * 60, ..Raw::default() }).await;
    assert_eq!((st, code(&v)), (400, "RequestExpired"), "{v}");

    // A tampered body no longer matches its signature.
    let host = s.addr.to_string();
    let headers = [
        ("host", host.as_str()),
        ("content-type", "application/x-amz-json-1.1"),
        ("x-amz-target", "MTurkRequesterServiceV20170117.ListHITs"),
    ];
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let signed =
        sigv4::sign("POST", "/", "", &headers, b"{}", &s.key_id, &s.secret, "us-east-1", "mturk-requester", now);
    let mut req = reqwest::Client::new()
        .post(s.endpoint() + "/")
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "MTurkRequesterServiceV20170117.ListHITs")
        .body("{\"MaxResults\":5}");
    for (n, v) in signed {
        req = req.header(n, v);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(code(&v), "InvalidSignatureException");
});

both_backends!(framing_errors_are_clear_400s, |b| async move {
    let s = TestServer::start(b).await;
    let (st, v, _) = send(&s, Raw { target: "MTurkRequesterServiceV20170117.FlyToMoon", ..Raw::default() }).await;
    assert_eq!((st, code(&v)), (400, "UnknownOperationException"), "{v}");
    assert!(v["message"].as_str().unwrap().contains("FlyToMoon"));
    let (st, v, _) = send(&s, Raw { content_type: "application/json", ..Raw::default() }).await;
    assert_eq!(st, 400, "{v}");
    assert!(v["message"].as_str().unwrap().contains("application/x-amz-json-1.1"), "{v}");
    let (st, v, _) = send(
        &s,
        Raw { target: "MTurkRequesterServiceV20170117.ListHITs", body: b"{not json".to_vec(), ..Raw::default() },
    )
    .await;
    assert_eq!((st, code(&v)), (400, "SerializationException"), "{v}");
    let (st, v, _) = send(
        &s,
        Raw { target: "MTurkRequesterServiceV20170117.GetHIT", body: b"{\"HITId\": 5}".to_vec(), ..Raw::default() },
    )
    .await;
    assert_eq!(st, 400);
    assert_eq!(v["__type"], "com.amazonaws.mturk.requester#RequestError");
    assert!(v["Message"].as_str().unwrap().contains("HITId"), "{v}");
    let (st, v, _) = send(&s, Raw { target: "MTurkRequesterServiceV20170117.GetHIT", ..Raw::default() }).await;
    assert_eq!(st, 400);
    assert!(v["Message"].as_str().unwrap().contains("HITId"), "missing parameter named: {v}");
    let big = format!("{{\"Question\": \"{}\"}}", "x".repeat(600 * 1024));
    let (st, v, _) =
        send(&s, Raw { target: "MTurkRequesterServiceV20170117.CreateHIT", body: big.into_bytes(), ..Raw::default() })
            .await;
    assert_eq!(st, 400, "{v}");
    assert!(v["message"].as_str().unwrap().contains("larger than"), "{v}");
    // Operations with no output answer {}.
    let hit = common::create_hit(&s.client()).send().await.unwrap().hit.unwrap();
    let body = format!("{{\"HITId\": \"{}\", \"ExpireAt\": 0}}", hit.hit_id().unwrap());
    let (st, v, _) = send(
        &s,
        Raw {
            target: "MTurkRequesterServiceV20170117.UpdateExpirationForHIT",
            body: body.into_bytes(),
            ..Raw::default()
        },
    )
    .await;
    assert_eq!((st, v), (200, serde_json::json!({})));
    // A missing required parameter is named, as a 4xx the SDKs do not retry.
    let (st, v, _) =
        send(&s, Raw { target: "MTurkRequesterServiceV20170117.GetFileUploadURL", ..Raw::default() }).await;
    assert_eq!(st, 400);
    assert!(v["Message"].as_str().unwrap().contains("AssignmentId"), "{v}");
});

both_backends!(external_submit_and_worker_sessions, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = common::create_hit(&c).max_assignments(2).send().await.unwrap().hit.unwrap().hit_id.unwrap();
    let (_, t1) = s.worker("lea").await;
    let (_, t2) = s.worker("max").await;
    let (_, a) = s.worker_call(reqwest::Method::POST, &format!("/hits/{id}/accept"), &t1, None).await;
    let aid = a["AssignmentId"].as_str().unwrap().to_string();
    let post = |token: &str, body: String, html: bool| {
        let mut r = reqwest::Client::new()
            .post(s.endpoint() + "/mturk/externalSubmit")
            .bearer_auth(token)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if html {
            r = r.header("accept", "text/html");
        }
        r.send()
    };
    let r = post(&t1, "assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE&answer=x".into(), false).await.unwrap();
    assert_eq!(r.status().as_u16(), 409);
    let r = post(&t2, format!("assignmentId={aid}&answer=x"), false).await.unwrap();
    assert_eq!(r.status().as_u16(), 403, "another worker's assignment");
    let r = post(
        &t1,
        format!(
            "assignmentId={aid}&hitId=zzz&workerId=zzz&turkSubmitTo=zzz&taskLink=zzz&answer=yes+%26+no&tag=a&tag=b"
        ),
        true,
    )
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("submitted"));
    let got = c.get_assignment().assignment_id(&aid).send().await.unwrap().assignment.unwrap();
    let answer = got.answer().unwrap();
    assert!(answer.contains("<FreeText>yes &amp; no</FreeText>"), "{answer}");
    assert!(answer.contains("<FreeText>a|b</FreeText>"), "{answer}");
    for reserved in ["hitId", "workerId", "turkSubmitTo", "taskLink"] {
        assert!(!answer.contains(reserved), "{reserved} is no answer: {answer}");
    }
    let r = post(&t1, format!("assignmentId={aid}&answer=again"), false).await.unwrap();
    assert_eq!(r.status().as_u16(), 409, "no longer open");
    // Revoked tokens stop working.
    let r = reqwest::Client::new()
        .delete(s.endpoint() + "/worker-api/v1/sessions/current")
        .bearer_auth(&t1)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let (st, v) = s.worker_call(reqwest::Method::GET, "/me", &t1, None).await;
    assert_eq!(st, 401, "{v}");
    assert_eq!(v["Error"]["Code"], "Unauthenticated");
    // Wrong password.
    let r = reqwest::Client::new()
        .post(s.endpoint() + "/worker-api/v1/sessions")
        .body(r#"{"Username":"lea","Password":"nope-nope"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
});
