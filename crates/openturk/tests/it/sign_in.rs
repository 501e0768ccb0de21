//! Failed sign-ins are limited per account and per client address, in windows of the
//! marketplace clock (moved by the test, never slept through), over the real worker API.

use crate::common;

use common::{Options, TestServer};
use openturk_service::passwords::SignInLimits;
use openturk_service::ServiceConfig;
use serde_json::{json, Value};

const PASSWORD: &str = "password-123";

/// POST /sessions; returns (status, Retry-After, body).
async fn sign_in(s: &TestServer, user: &str, password: &str) -> (u16, Option<String>, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/worker-api/v1/sessions", s.endpoint()))
        .json(&json!({ "Username": user, "Password": password }))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let retry = resp.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
    (status, retry, resp.json().await.unwrap_or(Value::Null))
}

fn limited(failures_per_account: u32, failures_per_address: u32) -> Options {
    Options {
        config: ServiceConfig {
            sign_in_limits: SignInLimits { failures_per_account, failures_per_address, window_secs: 600 },
            ..ServiceConfig::default()
        },
        ..Options::default()
    }
}

both_backends!(failed_sign_ins_are_limited_per_account, |b| async move {
    let s = TestServer::start_with(b, limited(3, 100)).await;
    s.worker("alice").await;
    s.worker("bob").await;
    for _ in 0..3 {
        let (st, _, e) = sign_in(&s, "alice", "wrong-password").await;
        assert_eq!(st, 401, "{e}");
    }
    // Over the limit even the right password is refused, before any hashing, and says why.
    let (st, retry, e) = sign_in(&s, "alice", PASSWORD).await;
    assert_eq!(st, 429, "{e}");
    assert_eq!(e["Error"]["Code"], "TooManyRequests");
    let msg = e["Error"]["Message"].as_str().unwrap();
    assert!(msg.contains("Too many failed sign-ins for 'alice'") && msg.contains("600 seconds"), "{msg}");
    assert_eq!(retry.as_deref(), Some("600"));
    // Another account from the same address is not affected.
    assert_eq!(sign_in(&s, "bob", PASSWORD).await.0, 201);
    // The window is the marketplace clock's.
    s.advance(599).await;
    let (st, retry, _) = sign_in(&s, "alice", PASSWORD).await;
    assert_eq!((st, retry.as_deref()), (429, Some("1")));
    s.advance(1).await;
    assert_eq!(sign_in(&s, "alice", PASSWORD).await.0, 201);
    // A success clears the account's count: three more failures are allowed again.
    for _ in 0..2 {
        assert_eq!(sign_in(&s, "alice", "wrong-password").await.0, 401);
    }
    assert_eq!(sign_in(&s, "alice", PASSWORD).await.0, 201);
    for _ in 0..3 {
        assert_eq!(sign_in(&s, "alice", "wrong-password").await.0, 401);
    }
    assert_eq!(sign_in(&s, "alice", PASSWORD).await.0, 429);
});

both_backends!(failed_sign_ins_are_limited_per_address, |b| async move {
    let s = TestServer::start_with(b, limited(100, 4)).await;
    s.worker("carol").await;
    // Guessing across accounts, known or not, counts against the address.
    for user in ["carol", "nobody-1", "nobody-2", "nobody-3"] {
        assert_eq!(sign_in(&s, user, "wrong-password").await.0, 401);
    }
    let (st, retry, e) = sign_in(&s, "carol", PASSWORD).await;
    assert_eq!(st, 429, "{e}");
    let msg = e["Error"]["Message"].as_str().unwrap();
    assert!(msg.contains("from your address") && msg.contains("try again in 600 seconds"), "{msg}");
    assert_eq!(retry.as_deref(), Some("600"));
    // A user name longer than any account's counts too, and is refused the same way.
    assert_eq!(sign_in(&s, &"x".repeat(10_000), PASSWORD).await.0, 429);
    s.advance(600).await;
    assert_eq!(sign_in(&s, "carol", PASSWORD).await.0, 201);
    assert_eq!(sign_in(&s, &"x".repeat(10_000), PASSWORD).await.0, 401);
});
