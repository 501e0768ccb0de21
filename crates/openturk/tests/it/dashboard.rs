//! The worker's dashboard and status page: the worker API's `GET /dashboard` and the site's
//! `GET /dashboard` show the same figures (one service call), day by day by the marketplace
//! clock; `GET /status` lists assignments by status with paging.

use crate::common;

use common::{create_hit, TestServer};
use reqwest::header::COOKIE;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn page(s: &TestServer, path: &str, cookie: &str) -> (StatusCode, String) {
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}{path}", s.endpoint()))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

/// The texts of a row of the site's daily table, without tags: [date, submitted, approved,
/// rejected, pending, earnings].
fn day_row(html: &str, date: &str) -> Vec<String> {
    let key = format!(r#"<th scope="row" data-label="Date">{date}</th>"#);
    let at = html.find(&key).unwrap_or_else(|| panic!("no row for {date}"));
    let row = &html[at..at + html[at..].find("</tr>").unwrap()];
    let mut cells = Vec::new();
    for part in row.split("</t").filter(|p| p.contains('>')) {
        let text = &part[part.rfind('>').unwrap() + 1..];
        cells.push(text.trim().to_string());
    }
    cells.retain(|c| !c.is_empty());
    cells
}

/// The same row from the worker API's day.
fn api_row(d: &Value) -> Vec<String> {
    vec![
        d["Date"].as_str().unwrap().to_string(),
        d["Submitted"].to_string(),
        d["Approved"].to_string(),
        d["Rejected"].to_string(),
        d["Pending"].to_string(),
        format!("${}", d["Earnings"].as_str().unwrap()),
    ]
}

async fn accept_and_submit(s: &TestServer, token: &str, hit_id: &str) -> String {
    let (st, a) = s.worker_call(Method::POST, &format!("/hits/{hit_id}/accept"), token, None).await;
    assert_eq!(st, 201, "{a}");
    let aid = a["AssignmentId"].as_str().unwrap().to_string();
    let (st, r) = s
        .worker_call(
            Method::POST,
            &format!("/assignments/{aid}/submit"),
            token,
            Some(json!({"Answers": {"answer": "x"}})),
        )
        .await;
    assert_eq!(st, 200, "{r}");
    aid
}

both_backends!(dashboard_figures_agree_on_the_api_and_the_site, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let mut hits = Vec::new();
    for (title, reward) in
        [("Label an image", "0.50"), ("Rate a sentence", "0.25"), ("Transcribe audio", "0.75"), ("Tag a photo", "0.10")]
    {
        let h = create_hit(&c).title(title).reward(reward).send().await.unwrap();
        hits.push(h.hit().unwrap().hit_id().unwrap().to_string());
    }
    let (worker_id, token) = s.worker("ana").await;
    let cookie = format!("openturk_session={token}");

    // Nothing yet: zero earnings, no approval rate.
    let (st, d) = s.worker_call(Method::GET, "/dashboard", &token, None).await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(d["ApprovalRate"], Value::Null);
    assert_eq!(d["Earnings"]["Available"], "0.00");
    let (st, html) = page(&s, "/dashboard", &cookie).await;
    assert_eq!(st, StatusCode::OK, "{html}");
    assert!(html.contains("<dt>Approval rate</dt><dd>—</dd>"), "{html}");
    assert!(html.contains("No bonuses yet.") && html.contains("None of your work has been rejected."));

    let approved = accept_and_submit(&s, &token, &hits[0]).await;
    let rejected = accept_and_submit(&s, &token, &hits[1]).await;
    let pending = accept_and_submit(&s, &token, &hits[2]).await;
    let (st, open) = s.worker_call(Method::POST, &format!("/hits/{}/accept", hits[3]), &token, None).await;
    assert_eq!(st, 201, "{open}");
    c.approve_assignment().assignment_id(&approved).send().await.unwrap();
    c.reject_assignment().assignment_id(&rejected).requester_feedback("Wrong <label>").send().await.unwrap();
    c.send_bonus()
        .worker_id(&worker_id)
        .assignment_id(&approved)
        .bonus_amount("1.25")
        .reason("Great work & fast")
        .send()
        .await
        .unwrap();

    // The worker API.
    let (_, d) = s.worker_call(Method::GET, "/dashboard", &token, None).await;
    assert_eq!(d["WorkerId"], worker_id.as_str());
    assert_eq!(d["Earnings"], json!({"Pending": "0.75", "Approved": "0.50", "Bonuses": "1.25", "Available": "1.75"}));
    assert_eq!(d["ApprovalRate"], "50.0");
    assert_eq!(d["AssignmentCounts"]["Submitted"], 1);
    let days = d["Days"].as_array().unwrap();
    assert_eq!(days.len(), 45);
    let day_ms = 86_400_000;
    let today_start = s.service.now().div_euclid(day_ms) * day_ms;
    assert_eq!(days[44]["Start"].as_f64().unwrap() as i64, today_start / 1000);
    let today = days[44]["Date"].as_str().unwrap().to_string();
    assert_eq!(
        (&days[44]["Submitted"], &days[44]["Approved"], &days[44]["Rejected"], &days[44]["Pending"]),
        (&json!(3), &json!(1), &json!(1), &json!(1))
    );
    assert_eq!(days[44]["Earnings"], "1.75", "the reward approved today plus today's bonus");
    assert!(days[..44].iter().all(|x| x["Submitted"] == 0 && x["Earnings"] == "0.00"));
    let bonuses = d["Bonuses"].as_array().unwrap();
    assert_eq!(bonuses.len(), 1);
    assert_eq!(
        (&bonuses[0]["AssignmentId"], &bonuses[0]["Title"], &bonuses[0]["BonusAmount"], &bonuses[0]["Reason"]),
        (&json!(approved), &json!("Label an image"), &json!("1.25"), &json!("Great work & fast"))
    );
    let rej = d["RejectedAssignments"].as_array().unwrap();
    assert_eq!(rej.len(), 1);
    assert_eq!(
        (&rej[0]["AssignmentId"], &rej[0]["Title"], &rej[0]["RequesterFeedback"], &rej[0]["Reward"]),
        (&json!(rejected), &json!("Rate a sentence"), &json!("Wrong <label>"), &json!("0.25"))
    );
    assert_eq!(rej[0]["RejectionTime"].as_f64().unwrap() as i64, s.now_secs());
    // /me shows the same earnings.
    let (_, me) = s.worker_call(Method::GET, "/me", &token, None).await;
    assert_eq!(me["Earnings"], d["Earnings"]);

    // The site: the same figures, escaped.
    let (_, html) = page(&s, "/dashboard", &cookie).await;
    for (name, value) in [("Pending", "$0.75"), ("Approved", "$0.50"), ("Bonuses", "$1.25"), ("Available", "$1.75")] {
        assert!(html.contains(&format!("<dt>{name}</dt><dd>{value}</dd>")), "{name}: {html}");
    }
    assert!(html.contains("<dt>Approval rate</dt><dd>50.0%</dd>"), "{html}");
    assert_eq!(day_row(&html, &today), api_row(&days[44]));
    assert_eq!(
        day_row(&html, &today),
        ["", "3", "1", "1", "1", "$1.75"].map(|x| if x.is_empty() { today.clone() } else { x.into() })
    );
    assert!(html.contains("Great work &#38; fast") && html.contains("Wrong &#60;label&#62;"), "{html}");
    assert!(html.contains(&format!("<code>{rejected}</code>")));
    // The chart: an image with a title and a description, one bar (today's).
    assert!(html.contains(r#"<svg class="chart" role="img" aria-labelledby="chart-title chart-desc""#), "{html}");
    assert!(html.contains(r#"<title id="chart-title">"#) && html.contains(r#"<desc id="chart-desc">"#));
    assert_eq!(html.matches(r#"<rect class="bar""#).count(), 1);
    assert!(html.contains(&format!("<title>{today}: $1.75</title>")), "{html}");
    assert!(html.contains(r#"<a href="/dashboard">Dashboard</a>"#) && html.contains(r#"<a href="/status">Status</a>"#));

    // The status page, filtered.
    let (st, html) = page(&s, "/status?status=Rejected", &cookie).await;
    assert_eq!(st, StatusCode::OK, "{html}");
    assert!(html.contains("Rate a sentence") && html.contains("Wrong &#60;label&#62;"), "{html}");
    assert!(!html.contains("Label an image") && !html.contains("Transcribe audio"), "{html}");
    assert!(html.contains(r#"<option value="Rejected" selected>"#), "{html}");
    let (_, html) = page(&s, "/status?status=Accepted", &cookie).await;
    assert!(
        html.contains("Tag a photo")
            && html.contains(&format!(r#"href="/work/{}""#, open["AssignmentId"].as_str().unwrap()))
    );
    assert!(!html.contains("Rate a sentence"));
    let (_, html) = page(&s, "/status?status=Submitted", &cookie).await;
    assert!(html.contains("Transcribe audio") && !html.contains("Tag a photo"), "{html}");
    let (_, html) = page(&s, "/status?status=Returned", &cookie).await;
    assert!(html.contains("You have no Returned assignments."), "{html}");
    let (st, html) = page(&s, "/status?status=Bogus", &cookie).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("&#39;Bogus&#39; is not a status") || html.contains("'Bogus' is not a status"), "{html}");
    // Paging by NextToken: newest first, two a page.
    let (_, p1) = page(&s, "/status?size=2", &cookie).await;
    assert!(p1.contains("Tag a photo") && p1.contains("Transcribe audio") && !p1.contains("Rate a sentence"), "{p1}");
    let key = r#"<a href=""#;
    let next =
        p1[p1.rfind(key).unwrap() + key.len()..].split('"').next().unwrap().replace("&#38;", "&").replace("&amp;", "&");
    assert!(next.starts_with("/status?size=2&next="), "{next}");
    let (_, p2) = page(&s, &next, &cookie).await;
    assert!(p2.contains("Rate a sentence") && p2.contains("Label an image") && !p2.contains("Tag a photo"), "{p2}");
    assert!(!p2.contains(r#"rel="next""#) && p2.contains("First page"), "{p2}");
    let (st, _) = page(&s, "/status?next=garbage", &cookie).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);

    // A day later: the pending one is approved today; yesterday keeps its submissions.
    s.advance(86_400).await;
    c.approve_assignment().assignment_id(&pending).send().await.unwrap();
    let (_, d) = s.worker_call(Method::GET, "/dashboard", &token, None).await;
    assert_eq!(d["Earnings"], json!({"Pending": "0.00", "Approved": "1.25", "Bonuses": "1.25", "Available": "2.50"}));
    assert_eq!(d["ApprovalRate"], "66.7");
    let days = d["Days"].as_array().unwrap();
    assert_eq!(days.len(), 45);
    assert_eq!(days[43]["Date"], today.as_str());
    let now_today = days[44]["Date"].as_str().unwrap().to_string();
    assert_ne!(now_today, today);
    assert_eq!(api_row(&days[43]), [today.as_str(), "3", "1", "1", "0", "$1.75"]);
    assert_eq!(api_row(&days[44]), [now_today.as_str(), "0", "1", "0", "0", "$0.75"]);
    let (_, html) = page(&s, "/dashboard", &cookie).await;
    assert_eq!(day_row(&html, &today), api_row(&days[43]));
    assert_eq!(day_row(&html, &now_today), api_row(&days[44]));
    assert!(html.contains("<dt>Approval rate</dt><dd>66.7%</dd>") && html.contains("<dt>Available</dt><dd>$2.50</dd>"));
    assert_eq!(html.matches(r#"<rect class="bar""#).count(), 2);
    // The day's assignment deadline passed meanwhile: abandoned.
    let (_, html) = page(&s, "/status?status=Abandoned", &cookie).await;
    assert!(html.contains("Tag a photo"), "{html}");

    // Signed out: the pages send to sign-in; the API needs a token.
    let (st, _) = page(&s, "/dashboard", "").await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (st, _) = page(&s, "/status", "").await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (st, _) = s.worker_call(Method::GET, "/dashboard", "nope", None).await;
    assert_eq!(st, 401);
    s.verify_ledger();
});
