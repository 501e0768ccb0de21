//! HIT layouts: made with the real binary's `openturk layout create`, used by CreateHIT and
//! CreateHITWithHITType through aws-sdk-mturk, and served to workers like any HTMLQuestion.

use crate::common;

use aws_sdk_mturk::operation::create_hit::CreateHITError;
use aws_sdk_mturk::operation::create_hit_with_hit_type::CreateHITWithHITTypeError;
use aws_sdk_mturk::types::HitLayoutParameter;
use common::{create_hit, sync, TestServer};
use openturk_service::layouts::RequesterRef;
use reqwest::header::{COOKIE, HOST};
use reqwest::{Method, StatusCode};
use std::process::Output;

const TEMPLATE: &str = r#"<!DOCTYPE html>
<html><body>
<h1>${title}</h1>
<img src="${image_url}" alt="${title}">
<form method="post" action="https://www.mturk.com/mturk/externalSubmit">
<input type="hidden" name="assignmentId" id="aid"><input name="label">
</form>
</body></html>
"#;

fn param(name: &str, value: &str) -> HitLayoutParameter {
    HitLayoutParameter::builder().name(name).value(value).build().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A layout of the test server's default requester, made by the service (the CLI test makes
/// its own with the binary).
fn layout(s: &TestServer, template: &str) -> String {
    sync(|| s.service.create_layout(&RequesterRef::NameOrId(s.requester_id.clone()), "test layout", template))
        .unwrap()
        .hit_layout_id
}

fn with_layout(
    c: &aws_sdk_mturk::Client,
    id: &str,
    params: &[(&str, &str)],
) -> aws_sdk_mturk::operation::create_hit::builders::CreateHITFluentBuilder {
    let mut call = create_hit(c).set_question(None).hit_layout_id(id);
    for (n, v) in params {
        call = call.hit_layout_parameters(param(n, v));
    }
    call
}

/// CreateHIT's RequestError: (TurkErrorCode, message).
fn create_error(
    e: aws_sdk_mturk::error::SdkError<CreateHITError, aws_sdk_mturk::config::http::HttpResponse>,
) -> (String, String) {
    match e.into_service_error() {
        CreateHITError::RequestError(e) => {
            (e.turk_error_code().unwrap_or("").to_string(), e.message().unwrap_or("").to_string())
        }
        other => panic!("expected a RequestError, got {other:?}"),
    }
}

both_backends!(a_layout_made_with_the_cli_fills_a_hit, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let file = s.dir.join("template.html");
    std::fs::write(&file, TEMPLATE).unwrap();

    let o = s.cli(&[
        "layout",
        "create",
        "--requester",
        "default",
        "--name",
        "Image tagging",
        "--file",
        file.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    let id = out.lines().find_map(|l| l.strip_prefix("HITLayoutId: ")).expect(&out).to_string();
    assert!(id.len() == 30 && id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()), "{id}");
    assert!(out.contains("Parameters: title, image_url\n"), "{out}");

    // By access key too; `show` gives the name, the placeholders and the template.
    let o =
        s.cli(&["layout", "create", "--access-key", &s.key_id, "--name", "Plain", "--file", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let o = s.cli(&["layout", "show", &id]);
    assert!(o.status.success(), "{}", text(&o));
    let shown = text(&o);
    assert!(shown.contains("Name: Image tagging") && shown.contains("Parameters: title, image_url"), "{shown}");
    assert!(shown.contains(&format!("Requester: default ({})", s.requester_id)), "{shown}");
    assert!(shown.ends_with(&format!("Template:\n{TEMPLATE}")), "{shown}");
    let o = s.cli(&["layout", "list", "--requester", &s.requester_id]);
    let listed = text(&o);
    assert!(o.status.success() && listed.contains(&id) && listed.contains("Plain"), "{listed}");
    assert_eq!(listed.lines().count(), 3, "a header and two layouts: {listed}");

    // Bad input: the CLI names what is wrong and creates nothing.
    let bad = s.dir.join("bad.html");
    std::fs::write(&bad, "<p>\n  ${image url}</p>").unwrap();
    let o = s.cli(&["layout", "create", "--requester", "default", "--name", "x", "--file", bad.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(text(&o).contains("line 2, column 3: `${image url}` is not a placeholder"), "{}", text(&o));
    std::fs::write(&bad, "<p>\u{1}</p>").unwrap();
    let o = s.cli(&["layout", "create", "--requester", "default", "--name", "x", "--file", bad.to_str().unwrap()]);
    assert!(
        !o.status.success() && text(&o).contains("line 1, column 4: the character U+0001 is not allowed"),
        "{}",
        text(&o)
    );
    let o = s.cli(&["layout", "create", "--requester", "nobody", "--name", "x", "--file", file.to_str().unwrap()]);
    assert!(!o.status.success() && text(&o).contains("no requester is named or has the ID 'nobody'"), "{}", text(&o));
    let o = s.cli(&["layout", "create", "--name", "x", "--file", file.to_str().unwrap()]);
    assert!(!o.status.success() && text(&o).contains("--requester"), "an owner is required: {}", text(&o));
    let o = s.cli(&["layout", "show", "3NOSUCHLAYOUT00000000000000000"]);
    assert!(!o.status.success() && text(&o).contains("HITLayout 3NOSUCHLAYOUT00000000000000000 does not exist"));
    let o = s.cli(&["layout", "list"]);
    assert_eq!(text(&o).lines().count(), 3, "{}", text(&o));

    // CreateHIT with the layout: the HIT's question is the HTMLQuestion rendered from it.
    let hit = with_layout(&c, &id, &[("image_url", "https://example.com/cat.png"), ("title", "A \"cat\" & co")])
        .send()
        .await
        .unwrap();
    let hit = hit.hit().unwrap();
    assert_eq!(hit.hit_layout_id(), Some(id.as_str()));
    let got = c.get_hit().hit_id(hit.hit_id().unwrap()).send().await.unwrap();
    let got = got.hit().unwrap();
    assert_eq!(got.hit_layout_id(), Some(id.as_str()));
    let html = TEMPLATE
        .replace("${image_url}", "https://example.com/cat.png")
        .replace("${title}", "A &quot;cat&quot; &amp; co");
    assert_eq!(
        got.question().unwrap(),
        format!(
            "<HTMLQuestion xmlns=\"http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd\">\
             <HTMLContent><![CDATA[{html}]]></HTMLContent><FrameHeight>0</FrameHeight></HTMLQuestion>"
        )
    );
    // A HIT given a Question names no layout.
    let plain = create_hit(&c).send().await.unwrap();
    assert_eq!(plain.hit().unwrap().hit_layout_id(), None);
    s.verify_ledger();
});

both_backends!(values_arrive_escaped_in_the_task_frame_and_workers_do_the_hit, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = layout(&s, TEMPLATE);
    let hit = with_layout(&c, &id, &[("title", "<script>alert(1)</script>"), ("image_url", "x\" onerror=\"alert(2)")])
        .send()
        .await
        .unwrap();
    let hit_id = hit.hit().unwrap().hit_id().unwrap().to_string();
    let group = hit.hit().unwrap().hit_group_id().unwrap().to_string();
    let (_, token) = s.worker("layout-worker").await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    // The site's preview frames the task on the task origin, as for any HTMLQuestion.
    let preview = http
        .get(format!("{}/groups/{group}/preview", s.endpoint()))
        .header(COOKIE, format!("openturk_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(preview.status(), StatusCode::OK);
    let page = preview.text().await.unwrap();
    let task_origin = format!("http://localhost:{}", s.addr.port());
    assert!(page.contains(&format!(r#"<iframe class="task" src="{task_origin}/task/{hit_id}?"#)), "{page}");

    // The frame's HTML, fetched from the task origin: the values are text, not markup.
    let src = common::site::frame_src(&page);
    let r = http
        .get(format!("{}{}", s.endpoint(), src.strip_prefix(&task_origin).unwrap()))
        .header(HOST, format!("localhost:{}", s.addr.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-security-policy"].to_str().unwrap().starts_with("sandbox allow-scripts"));
    let content = r.text().await.unwrap();
    assert!(content.contains("<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>"), "{content}");
    assert!(content.contains(r#"<img src="x&quot; onerror=&quot;alert(2)" alt="&lt;script&gt;"#), "{content}");
    assert!(!content.contains("<script>alert") && !content.contains("\" onerror"), "{content}");
    // The form posts to OpenTurk, and FrameHeight 0 fits the frame to the content.
    assert!(content.contains(&format!(r#"action="{}/mturk/externalSubmit""#, s.endpoint())), "{content}");
    assert!(content.contains("/static/task-frame-"), "{content}");

    // The worker API previews and accepts it like any HTMLQuestion HIT, and the answer comes back.
    let (st, preview) = s.worker_call(Method::GET, &format!("/hits/{hit_id}"), &token, None).await;
    assert_eq!(st, 200, "{preview}");
    let question = c.get_hit().hit_id(&hit_id).send().await.unwrap().hit().unwrap().question().unwrap().to_string();
    assert_eq!(preview["Question"].as_str(), Some(question.as_str()));
    let (st, accepted) = s.worker_call(Method::POST, &format!("/hits/{hit_id}/accept"), &token, None).await;
    assert_eq!(st, 201, "{accepted}");
    let aid = accepted["AssignmentId"].as_str().unwrap().to_string();
    let r = http
        .post(format!("{}/mturk/externalSubmit", s.endpoint()))
        .form(&[("assignmentId", aid.as_str()), ("label", "a cat")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let a = c.get_assignment().assignment_id(&aid).send().await.unwrap();
    let answer = a.assignment().unwrap().answer().unwrap().to_string();
    assert!(answer.contains("<QuestionIdentifier>label</QuestionIdentifier>") && answer.contains("a cat"), "{answer}");
});

both_backends!(parameters_must_match_the_placeholders, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = layout(&s, TEMPLATE);
    let before = c.list_hits().send().await.unwrap().num_results();

    let (code, msg) = create_error(with_layout(&c, &id, &[("title", "t")]).send().await.unwrap_err());
    assert_eq!(code, "AWS.MechanicalTurk.InvalidParameterValue");
    assert!(
        msg.starts_with(
            "Your request is missing required parameters. Required parameters include HITLayoutParameter. \
             You have not provided all required HITLayout parameters. Missing parameter names: image_url"
        ),
        "{msg}"
    );
    let (_, msg) = create_error(with_layout(&c, &id, &[]).send().await.unwrap_err());
    assert!(msg.contains("Missing parameter names: title, image_url"), "{msg}");

    let extra = [("title", "t"), ("image_url", "u"), ("zed", "z"), ("alpha", "a")];
    let (code, msg) = create_error(with_layout(&c, &id, &extra).send().await.unwrap_err());
    assert_eq!(code, "AWS.MechanicalTurk.InvalidParameterValue");
    assert!(msg.contains(&format!("HITLayoutParameter names not used in HITLayout {id}: alpha, zed.")), "{msg}");

    let twice = [("title", "t"), ("image_url", "u"), ("title", "again")];
    let (_, msg) = create_error(with_layout(&c, &id, &twice).send().await.unwrap_err());
    assert!(msg.contains("HITLayoutParameter title is given more than once"), "{msg}");

    // A value must be text XML can hold.
    let (code, msg) =
        create_error(with_layout(&c, &id, &[("title", "bell\u{7}"), ("image_url", "u")]).send().await.unwrap_err());
    assert_eq!(code, "AWS.MechanicalTurk.InvalidParameterValue");
    assert!(msg.contains("the value of parameter title holds the character U+0007"), "{msg}");

    // Placeholder names are case-sensitive.
    let (_, msg) = create_error(with_layout(&c, &id, &[("TITLE", "t"), ("image_url", "u")]).send().await.unwrap_err());
    assert!(msg.contains("Missing parameter names: title"), "{msg}");

    // The rendered question must fit in a Question.
    let huge = "x".repeat(70_000);
    let (_, msg) =
        create_error(with_layout(&c, &id, &[("title", &huge), ("image_url", "u")]).send().await.unwrap_err());
    assert!(msg.contains(&format!("made from HITLayout {id}")) && msg.contains("65535"), "{msg}");

    // Nothing was created, and a layout without placeholders takes no parameters.
    assert_eq!(c.list_hits().send().await.unwrap().num_results(), before);
    let fixed = layout(&s, "<p>Is this a cat?</p>");
    assert!(with_layout(&c, &fixed, &[]).send().await.is_ok());
    let (_, msg) = create_error(with_layout(&c, &fixed, &[("x", "1")]).send().await.unwrap_err());
    assert!(msg.contains("names not used") && msg.contains(": x."), "{msg}");
});

both_backends!(question_or_layout_and_only_the_callers_layout, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = layout(&s, TEMPLATE);
    let params = [("title", "t"), ("image_url", "u")];

    let (code, msg) =
        create_error(with_layout(&c, &id, &params).question(common::HTML_QUESTION).send().await.unwrap_err());
    assert_eq!(code, "AWS.MechanicalTurk.InvalidParameterValue");
    assert!(
        msg.starts_with("Either a Question parameter or a HITLayoutId parameter must be provided, but not both."),
        "{msg}"
    );
    let (_, msg) = create_error(create_hit(&c).set_question(None).send().await.unwrap_err());
    assert!(msg.starts_with("Either a Question parameter or a HITLayoutId parameter must be provided."), "{msg}");
    let (_, msg) = create_error(create_hit(&c).hit_layout_parameters(param("title", "t")).send().await.unwrap_err());
    assert!(msg.contains("HITLayoutParameters may be given only with a HITLayoutId"), "{msg}");

    // Another requester's layout, and one that does not exist, are the same to the caller.
    let other = sync(|| s.service.create_requester("other")).unwrap();
    let oc = s.client_with(&other.access_key_id, &other.secret_access_key);
    for (client, layout_id) in [(&oc, id.as_str()), (&c, "3NOSUCHLAYOUT00000000000000000")] {
        let (code, msg) = create_error(with_layout(client, layout_id, &params).send().await.unwrap_err());
        assert_eq!(code, "AWS.MechanicalTurk.HITLayoutDoesNotExist");
        assert!(msg.starts_with(&format!("HITLayout {layout_id} does not exist.")), "{msg}");
    }
    assert_eq!(oc.list_hits().send().await.unwrap().num_results(), Some(0));
});

both_backends!(create_hit_with_hit_type_takes_a_layout, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let id = layout(&s, TEMPLATE);
    let ty = c
        .create_hit_type()
        .title("Tag")
        .description("Tag an image")
        .reward("0.10")
        .assignment_duration_in_seconds(600)
        .send()
        .await
        .unwrap();
    let ty = ty.hit_type_id().unwrap();
    let made = c
        .create_hit_with_hit_type()
        .hit_type_id(ty)
        .lifetime_in_seconds(3600)
        .hit_layout_id(&id)
        .hit_layout_parameters(param("title", "<b>dog</b>"))
        .hit_layout_parameters(param("image_url", "https://example.com/dog.png"))
        .send()
        .await
        .unwrap();
    let made = made.hit().unwrap();
    assert_eq!((made.hit_layout_id(), made.hit_type_id()), (Some(id.as_str()), Some(ty)));
    assert!(made.question().unwrap().contains("<h1>&lt;b&gt;dog&lt;/b&gt;</h1>"), "{:?}", made.question());
    // ListHITs shows it too.
    let listed = c.list_hits().send().await.unwrap();
    assert_eq!(listed.hits()[0].hit_layout_id(), Some(id.as_str()));

    let e = c
        .create_hit_with_hit_type()
        .hit_type_id(ty)
        .lifetime_in_seconds(3600)
        .hit_layout_id(&id)
        .hit_layout_parameters(param("title", "only one"))
        .send()
        .await
        .unwrap_err();
    match e.into_service_error() {
        CreateHITWithHITTypeError::RequestError(e) => {
            assert!(e.message().unwrap().contains("Missing parameter names: image_url"), "{e:?}")
        }
        other => panic!("expected a RequestError, got {other:?}"),
    }
});
