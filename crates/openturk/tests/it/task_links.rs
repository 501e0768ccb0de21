//! The task origin serves an HTMLQuestion's page only through a task link the site made for a
//! worker it checked: a HIT ID alone shows nothing, a link opens only its own HIT, a preview's
//! link lasts an hour and a work page's until the assignment's deadline, and a HIT whose
//! requirements guard previews shows its task to nobody who misses them.

use crate::common;

use aws_sdk_mturk::types::{Comparator, HitAccessActions, Locale, QualificationRequirement};
use common::site::{csrf, frame_src, http, worker_cookie};
use common::{create_hit, TestServer};
use reqwest::header::{COOKIE, HOST, LOCATION};
use reqwest::StatusCode;

const TASK_HTML: &str = r#"<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><body><p>The secret task</p><form method="post" action="https://www.mturk.com/mturk/externalSubmit"><input type="hidden" name="assignmentId"><input name="answer"></form></body></html>]]></HTMLContent><FrameHeight>450</FrameHeight></HTMLQuestion>"#;

struct Site<'a> {
    s: &'a TestServer,
    http: reqwest::Client,
    cookie: String,
}

impl Site<'_> {
    /// A site page (on the site's host): its status and body.
    async fn page(&self, path: &str) -> (StatusCode, String) {
        let r =
            self.http.get(format!("{}{path}", self.s.endpoint())).header(COOKIE, &self.cookie).send().await.unwrap();
        (r.status(), r.text().await.unwrap())
    }

    /// A task origin URL (`http://localhost:PORT/task/…`), fetched with no cookie as the
    /// sandboxed frame does: its status and body.
    async fn task(&self, src: &str) -> (StatusCode, String) {
        let task_origin = format!("http://localhost:{}", self.s.addr.port());
        let path = src.strip_prefix(&task_origin).unwrap_or_else(|| panic!("not on the task origin: {src}"));
        let r = self
            .http
            .get(format!("{}{path}", self.s.endpoint()))
            .header(HOST, format!("localhost:{}", self.s.addr.port()))
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    }
}

async fn hit(s: &TestServer, reqs: Vec<QualificationRequirement>) -> String {
    let h = create_hit(&s.client())
        .question(TASK_HTML)
        .lifetime_in_seconds(4 * 3600)
        .set_qualification_requirements(Some(reqs))
        .send()
        .await
        .unwrap();
    h.hit().unwrap().hit_id().unwrap().to_string()
}

both_backends!(task_links_open_only_their_hit_until_they_expire, |b| async move {
    let s = TestServer::start(b).await;
    let (first, second) = (hit(&s, vec![]).await, hit(&s, vec![]).await);
    let site = Site { s: &s, http: http(), cookie: worker_cookie(&s, "linda").await };

    let (st, preview) = site.page(&format!("/hits/{first}/preview")).await;
    assert_eq!(st, StatusCode::OK, "{preview}");
    let preview_src = frame_src(&preview);
    assert!(preview_src.contains("&taskLink="), "{preview_src}");
    let (st, content) = site.task(&preview_src).await;
    assert_eq!(st, StatusCode::OK, "{content}");
    assert!(content.contains("The secret task"), "{content}");

    // Without the link, with a forged one, or with another HIT's: nothing of the task.
    let bare = preview_src.split("&taskLink=").next().unwrap().to_string();
    let link = preview_src.split("&taskLink=").nth(1).unwrap().to_string();
    let forged = format!("{bare}&taskLink={}", link.replace(&first, &second));
    let (_, second_preview) = site.page(&format!("/hits/{second}/preview")).await;
    let second_link = frame_src(&second_preview).split("&taskLink=").nth(1).unwrap().to_string();
    for refused in [bare.clone(), forged, format!("{bare}&taskLink={second_link}"), format!("{bare}&taskLink=x.1.00")] {
        let (st, body) = site.task(&refused).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{refused}: {body}");
        assert!(body.contains("not valid or has expired") && !body.contains("The secret task"), "{body}");
    }

    // Working: the work page's link lasts until the assignment's deadline (600 s).
    let csrf = csrf(&preview);
    let r = site
        .http
        .post(format!("{}/hits/{first}/accept", s.endpoint()))
        .header(COOKIE, &site.cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (st, work) = site.page(r.headers()[LOCATION].to_str().unwrap()).await;
    assert_eq!(st, StatusCode::OK, "{work}");
    let work_src = frame_src(&work);
    s.advance(599).await;
    assert_eq!(site.task(&work_src).await.0, StatusCode::OK);
    s.advance(1).await;
    assert_eq!(site.task(&work_src).await.0, StatusCode::FORBIDDEN, "the deadline has passed");

    // The preview's link lasts an hour from the preview.
    assert_eq!(site.task(&preview_src).await.0, StatusCode::OK);
    s.advance(3600 - 600).await;
    assert_eq!(site.task(&preview_src).await.0, StatusCode::FORBIDDEN, "an hour has passed");
    let (_, again) = site.page(&format!("/hits/{second}/preview")).await;
    assert_eq!(site.task(&frame_src(&again)).await.0, StatusCode::OK, "a new preview makes a new link");
});

both_backends!(a_task_guarded_from_previews_is_shown_to_nobody_who_misses_it, |b| async move {
    let s = TestServer::start(b).await;
    // Workers outside the US only; linda is in the US.
    let outside_us = QualificationRequirement::builder()
        .qualification_type_id("00000000000000000071")
        .comparator(Comparator::NotEqualTo)
        .locale_values(Locale::builder().country("US").build().unwrap())
        .actions_guarded(HitAccessActions::PreviewAndAccept)
        .build()
        .unwrap();
    let guarded = hit(&s, vec![outside_us]).await;
    let site = Site { s: &s, http: http(), cookie: worker_cookie(&s, "linda").await };
    let (st, page) = site.page(&format!("/hits/{guarded}/preview")).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{page}");
    assert!(!page.contains("<iframe") && !page.contains("taskLink"), "{page}");
    let task_origin = format!("http://localhost:{}", s.addr.port());
    let direct = format!("{task_origin}/task/{guarded}?assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE&hitId={guarded}");
    let (st, body) = site.task(&direct).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert!(!body.contains("The secret task"), "{body}");
});
