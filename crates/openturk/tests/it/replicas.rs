//! Two real `openturk serve` processes on one PostgreSQL database, both running the life-cycle
//! scheduler: work is done once and nobody is paid twice.

use crate::common;

use common::processes::{admin, client, credentials};

// The servers' clocks are moved through POST /_openturk/test/clock, which only a binary built
// with the test-clock feature has (scripts/test builds it so).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(not(feature = "test-clock"), ignore = "needs `--features openturk/test-clock`")]
async fn two_serve_processes_share_one_database_and_pay_once() {
    let base = std::env::temp_dir().join(format!("openturk-replicas-{}", std::process::id()));
    let (dir_a, dir_b) = (base.join("a"), base.join("b"));
    std::fs::create_dir_all(&dir_a).unwrap();
    std::fs::create_dir_all(&dir_b).unwrap();
    let database = common::sync(|| common::fresh_database(common::Backend::Postgres, &base));
    let db = database.url.clone();
    let a = common::processes::serve(&db, &dir_a, &[("OPENTURK_TEST_CLOCK", "1")]);
    let b = common::processes::serve(&db, &dir_b, &[("OPENTURK_TEST_CLOCK", "1")]);
    // The first replica to start created the default requester; the other sees it.
    let keys = credentials(&[&dir_a, &dir_b]);
    let (ca, cb) = (client(&a.addr, &keys), client(&b.addr, &keys));
    let http = reqwest::Client::new();
    let mut tokens = Vec::new();
    for i in 0..3 {
        let name = format!("replica-worker-{i}");
        admin(&db, &dir_a, &["worker", "create", &name, "--password", "long-password"]);
        let r: serde_json::Value = http
            .post(format!("http://{}/worker-api/v1/sessions", a.addr))
            .body(serde_json::json!({"Username": name, "Password": "long-password"}).to_string())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        tokens.push(r["Token"].as_str().unwrap().to_string());
    }
    let mut n = 0;
    for h in 0..6 {
        let c = if h % 2 == 0 { &ca } else { &cb };
        let hit = common::create_hit(c)
            .max_assignments(3)
            .auto_approval_delay_in_seconds(60)
            .send()
            .await
            .unwrap()
            .hit
            .unwrap();
        for (i, t) in tokens.iter().enumerate() {
            let addr = if i % 2 == 0 { &a.addr } else { &b.addr };
            let acc: serde_json::Value = http
                .post(format!("http://{addr}/worker-api/v1/hits/{}/accept", hit.hit_id().unwrap()))
                .bearer_auth(t)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let st = http
                .post(format!(
                    "http://{addr}/worker-api/v1/assignments/{}/submit",
                    acc["AssignmentId"].as_str().unwrap()
                ))
                .bearer_auth(t)
                .body(r#"{"Answers":{"a":"x"}}"#)
                .send()
                .await
                .unwrap()
                .status();
            assert_eq!(st.as_u16(), 200);
            n += 1;
        }
    }
    // Both clocks move past the auto-approval time at once; both schedulers race for the work.
    let advance = |addr: String| {
        let http = http.clone();
        async move {
            http.post(format!("http://{addr}/_openturk/test/clock"))
                .body(r#"{"AdvanceSeconds": 61}"#)
                .header("content-type", "application/json")
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let (sa, sb) = tokio::join!(advance(a.addr.clone()), advance(b.addr.clone()));
    assert_eq!((sa, sb), (200, 200));
    let mut total = 0.0;
    for t in &tokens {
        let me: serde_json::Value = http
            .get(format!("http://{}/worker-api/v1/me", b.addr))
            .bearer_auth(t)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["AssignmentCounts"]["Approved"], 6, "{me}");
        total += me["Earnings"]["Available"].as_str().unwrap().parse::<f64>().unwrap();
    }
    assert_eq!(format!("{total:.2}"), format!("{:.2}", n as f64 * 0.50), "each assignment paid exactly once");
    let verify = admin(&db, &dir_a, &["ledger", "verify"]);
    assert!(verify.contains("ledger OK"), "{verify}");
    drop((a, b));
    let _ = std::fs::remove_dir_all(&base);
}
