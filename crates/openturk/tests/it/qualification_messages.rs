//! Workers hear about their qualifications: a grant (unless SendNotification is false), a
//! revocation with its reason, and the requester's decision on a request reach the worker's
//! inbox (and its email, through the same outbox as NotifyWorkers).

use crate::common;

use common::{Backend, TestServer};
use reqwest::Method;

async fn inbox(s: &TestServer, token: &str) -> Vec<(String, String)> {
    let (st, body) = s.worker_call(Method::GET, "/messages", token, None).await;
    assert_eq!(st, 200, "{body}");
    body["Messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["Subject"].as_str().unwrap().to_string(), m["MessageText"].as_str().unwrap().to_string()))
        .collect()
}

both_backends!(workers_hear_about_their_qualifications, |backend: Backend| async move {
    let s = TestServer::start(backend).await;
    let c = s.client();
    let (ann_id, ann) = s.worker("ann").await;
    let (bob_id, bob) = s.worker("bob").await;
    let (_, cat) = s.worker("cat").await;
    let qt = common::qualification_type(&c, "Careful annotator", "Passed the screening").await;

    c.associate_qualification_with_worker()
        .qualification_type_id(&qt)
        .worker_id(&ann_id)
        .integer_value(80)
        .send()
        .await
        .unwrap();
    let got = inbox(&s, &ann).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "You have been granted the qualification \"Careful annotator\"");
    assert!(got[0].1.contains("with the value 80"), "{got:?}");

    c.associate_qualification_with_worker()
        .qualification_type_id(&qt)
        .worker_id(&bob_id)
        .send_notification(false)
        .send()
        .await
        .unwrap();
    assert!(inbox(&s, &bob).await.is_empty(), "SendNotification false: no message");

    c.disassociate_qualification_from_worker()
        .qualification_type_id(&qt)
        .worker_id(&ann_id)
        .reason("Too many mistakes in batch 3")
        .send()
        .await
        .unwrap();
    let got = inbox(&s, &ann).await;
    assert_eq!(got[0].0, "Your qualification \"Careful annotator\" has been revoked");
    assert!(got[0].1.ends_with(": Too many mistakes in batch 3"), "{got:?}");

    // A request without a test waits for the requester, who rejects it with a reason.
    let (st, body) = s.worker_call(Method::POST, &format!("/qualification-types/{qt}/request"), &cat, None).await;
    assert_eq!(st, 201, "{body}");
    let rid = body["QualificationRequestId"].as_str().unwrap().to_string();
    c.reject_qualification_request().qualification_request_id(&rid).reason("Screening is closed").send().await.unwrap();
    let got = inbox(&s, &cat).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "Your request for the qualification \"Careful annotator\" was rejected");
    assert!(got[0].1.ends_with(": Screening is closed"), "{got:?}");
});
