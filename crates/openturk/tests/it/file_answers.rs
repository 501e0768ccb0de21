//! FileUploadAnswer questions end to end, on both backends: uploads through the worker API's
//! multipart submit and through the site's form (multipart as a browser sends it), the size
//! checks, the answer document, GetFileUploadURL (the exact bytes, 60 seconds by the marketplace
//! clock, the owner only) and deletion when the HIT is disposed of.

use crate::common;
use common::site::{csrf, http, worker_cookie};

use aws_sdk_mturk::operation::get_file_upload_url::GetFileUploadURLError;
use common::{err, TestServer};
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// A 2005-10-01 QuestionForm (FileUploadAnswer is not in the 2017-11-06 schema): a required file
/// of 5 to 1,000 bytes and a caption.
const FORM: &str = r#"<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionForm.xsd">
  <Question>
    <QuestionIdentifier>photo</QuestionIdentifier>
    <IsRequired>true</IsRequired>
    <QuestionContent><Text>Upload your photo.</Text></QuestionContent>
    <AnswerSpecification>
      <FileUploadAnswer><MaxFileSizeInBytes>1000</MaxFileSizeInBytes><MinFileSizeInBytes>5</MinFileSizeInBytes></FileUploadAnswer>
    </AnswerSpecification>
  </Question>
  <Question>
    <QuestionIdentifier>caption</QuestionIdentifier>
    <QuestionContent><Text>A caption.</Text></QuestionContent>
    <AnswerSpecification><FreeTextAnswer/></AnswerSpecification>
  </Question>
</QuestionForm>"#;

/// Bytes no text path would keep: NUL, invalid UTF-8, and markup a browser could sniff as HTML.
fn payload(n: usize) -> Vec<u8> {
    let mut b = b"<html><script>alert(1)</script>\x00\xff\xfe".to_vec();
    b.extend((0..n.saturating_sub(b.len())).map(|i| (i % 251) as u8));
    b.truncate(n);
    b
}

const BOUNDARY: &str = "----WebKitFormBoundaryOpenTurkTest7MA4YWxk";

/// A `multipart/form-data` body as a browser builds it: text fields, then files (a file part has
/// a `filename` and a Content-Type).
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut b = Vec::new();
    for (name, value) in fields {
        b.extend(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes());
    }
    for (name, filename, bytes) in files {
        b.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend(b"\r\n");
    }
    b.extend(format!("--{BOUNDARY}--\r\n").bytes());
    b
}

async fn api_submit_files(s: &TestServer, token: &str, aid: &str, body: Vec<u8>) -> (u16, serde_json::Value) {
    let r = http()
        .post(format!("{}/worker-api/v1/assignments/{aid}/submit", s.endpoint()))
        .bearer_auth(token)
        .header(CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(body)
        .send()
        .await
        .unwrap();
    let st = r.status().as_u16();
    (st, serde_json::from_str(&r.text().await.unwrap()).unwrap_or_default())
}

async fn new_hit(s: &TestServer) -> String {
    let hit = common::create_hit(&s.client()).question(FORM).send().await.unwrap();
    hit.hit().unwrap().hit_id().unwrap().to_string()
}

async fn file_url(s: &TestServer, aid: &str, q: &str) -> Result<String, GetFileUploadURLError> {
    s.client()
        .get_file_upload_url()
        .assignment_id(aid)
        .question_identifier(q)
        .send()
        .await
        .map(|o| o.file_upload_url().unwrap().to_string())
        .map_err(|e| e.into_service_error())
}

fn turk_code(e: &GetFileUploadURLError) -> String {
    match e {
        GetFileUploadURLError::RequestError(r) => r.turk_error_code().unwrap_or("").to_string(),
        other => panic!("expected a RequestError, got {other:?}"),
    }
}

/// The uploaded file's key in the answer document, checking its size is there too.
async fn answer_of(s: &TestServer, hit_id: &str) -> String {
    let out = s.client().list_assignments_for_hit().hit_id(hit_id).send().await.unwrap();
    out.assignments()[0].answer().unwrap().to_string()
}

fn key_in(answer: &str) -> String {
    let start = answer.find("<UploadedFileKey>").expect("an UploadedFileKey") + "<UploadedFileKey>".len();
    answer[start..start + answer[start..].find('<').unwrap()].to_string()
}

/// Waits (the deleter runs after the disposal commits) until `path` is gone.
async fn gone(path: &std::path::Path) -> bool {
    for _ in 0..100 {
        if !path.exists() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

both_backends!(worker_api_upload_download_expiry_owner_and_disposal, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let hit_id = new_hit(&s).await;
    let (_, token) = s.worker("file_worker").await;
    let (st, a) = s.worker_call(Method::POST, &format!("/hits/{hit_id}/accept"), &token, None).await;
    assert_eq!(st, 201, "{a}");
    let aid = a["AssignmentId"].as_str().unwrap().to_string();

    // A file question is answered by a file only: values of one's own are refused.
    let (st, v) = s
        .worker_call(
            Method::POST,
            &format!("/assignments/{aid}/submit"),
            &token,
            Some(json!({"Answers": {"photo": ["10", "FORGEDKEY"], "caption": "x"}})),
        )
        .await;
    assert_eq!(st, 422, "{v}");
    assert!(v["Error"]["Message"].as_str().unwrap().contains("send the file itself"), "{v}");
    // Required, and within 5..=1000 bytes.
    let (st, v) = api_submit_files(&s, &token, &aid, multipart(&[("caption", "none")], &[])).await;
    assert_eq!((st, v["Error"]["Questions"][0]["Message"].as_str()), (422, Some("Upload a file.")), "{v}");
    let (st, v) = api_submit_files(&s, &token, &aid, multipart(&[], &[("photo", "a.bin", b"abc")])).await;
    assert_eq!(st, 422, "{v}");
    assert_eq!(
        v["Error"]["Questions"][0]["Message"].as_str(),
        Some("The file must be at least 5 bytes (3 bytes given); upload a different file.")
    );
    let (st, v) = api_submit_files(&s, &token, &aid, multipart(&[], &[("photo", "a.bin", &payload(1001))])).await;
    assert_eq!(st, 422, "{v}");
    assert!(
        v["Error"]["Questions"][0]["Message"].as_str().unwrap().contains("at most 1000 bytes (1001 bytes given)"),
        "{v}"
    );
    // A file for a question that takes none.
    let (st, v) = api_submit_files(&s, &token, &aid, multipart(&[], &[("caption", "c.txt", b"hello")])).await;
    assert_eq!(st, 422, "{v}");
    assert!(v["Error"]["Message"].as_str().unwrap().contains("not a FileUploadAnswer question"), "{v}");
    // Refused submits stored nothing.
    let stored = s.dir.join("blobs/uploads");
    assert!(!stored.exists() || std::fs::read_dir(&stored).unwrap().next().is_none(), "nothing stored yet");

    // Before the submit, the assignment is not the requester's to see.
    let e = file_url(&s, &aid, "photo").await.unwrap_err();
    assert_eq!(turk_code(&e), "AWS.MechanicalTurk.AssignmentDoesNotExist");

    let bytes = payload(777);
    let (st, v) =
        api_submit_files(&s, &token, &aid, multipart(&[("caption", "my cat")], &[("photo", "cat.jpg", &bytes)])).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["AssignmentStatus"], "Submitted");

    // The answer document carries the size and the key, as the API Reference shows.
    let answer = answer_of(&s, &hit_id).await;
    let key = key_in(&answer);
    assert!(
        answer.contains(&format!(
            "<Answer><QuestionIdentifier>photo</QuestionIdentifier><UploadedFileSizeInBytes>777</UploadedFileSizeInBytes><UploadedFileKey>{key}</UploadedFileKey></Answer>"
        )),
        "{answer}"
    );
    assert!(answer.contains("<FreeText>my cat</FreeText>"), "{answer}");
    assert!(stored.join(&key).exists(), "the file is in the store under its key");

    // GetFileUploadURL: a link on the server's own (task) origin that downloads the exact bytes,
    // as a download.
    let url = file_url(&s, &aid, "photo").await.unwrap();
    assert!(url.starts_with(&format!("http://localhost:{}/files/", s.addr.port())), "{url}");
    let r = http().get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "application/octet-stream");
    assert_eq!(h["content-disposition"], format!("attachment; filename=\"{key}\"").as_str());
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.unwrap().as_ref(), &bytes[..]);
    // Never on the worker site's host.
    let on_site = url.replace("http://localhost:", "http://127.0.0.1:");
    assert_eq!(http().get(&on_site).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    // Valid for 60 seconds by the marketplace clock.
    s.advance(59).await;
    assert_eq!(http().get(&url).send().await.unwrap().status(), StatusCode::OK);
    s.advance(1).await;
    assert_eq!(http().get(&url).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    // A tampered link is no link.
    let fresh = file_url(&s, &aid, "photo").await.unwrap();
    let last = if fresh.ends_with('0') { '1' } else { '0' };
    let tampered = format!("{}{last}", &fresh[..fresh.len() - 1]);
    assert_eq!(http().get(&tampered).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    // Errors: a question without a file, an unknown assignment, another requester.
    let e = file_url(&s, &aid, "caption").await.unwrap_err();
    assert_eq!(turk_code(&e), "AWS.MechanicalTurk.InvalidParameterValue");
    let msg = aws_sdk_mturk::error::ProvideErrorMetadata::message(&e).unwrap_or_default().to_string();
    assert!(msg.contains("has no uploaded file for QuestionIdentifier 'caption'"), "{msg}");
    let e = file_url(&s, "3ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ", "photo").await.unwrap_err();
    assert_eq!(turk_code(&e), "AWS.MechanicalTurk.AssignmentDoesNotExist");
    let other = common::sync(|| s.service.create_requester("other")).unwrap();
    let (code, msg) = err(s
        .client_with(&other.access_key_id, &other.secret_access_key)
        .get_file_upload_url()
        .assignment_id(&aid)
        .question_identifier("photo")
        .send()
        .await
        .unwrap_err());
    assert_eq!(code, "RequestError");
    assert!(msg.contains(&format!("Assignment {aid} does not exist")), "{msg}");

    // Disposal deletes the file: the link dies at once, GetFileUploadURL fails, and the bytes
    // leave the store once the disposal has committed.
    c.approve_assignment().assignment_id(&aid).send().await.unwrap();
    let fresh = file_url(&s, &aid, "photo").await.unwrap();
    c.delete_hit().hit_id(&hit_id).send().await.unwrap();
    assert_eq!(http().get(&fresh).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let e = file_url(&s, &aid, "photo").await.unwrap_err();
    assert_eq!(turk_code(&e), "AWS.MechanicalTurk.AssignmentDoesNotExist");
    assert!(gone(&stored.join(&key)).await, "the file is deleted from the store");
    s.verify_ledger();
});

/// A signed-in site visitor: its Cookie header.
async fn site_post(s: &TestServer, path: &str, cookie: &str, body: Vec<u8>) -> (StatusCode, String, String) {
    let r = http()
        .post(format!("{}{path}", s.endpoint()))
        .header(COOKIE, cookie)
        .header(CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(body)
        .send()
        .await
        .unwrap();
    let loc = r.headers().get(LOCATION).map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    (r.status(), loc, r.text().await.unwrap())
}

both_backends!(the_site_form_uploads_a_file, |b| async move {
    let s = TestServer::start(b).await;
    let hit_id = new_hit(&s).await;
    let cookie = worker_cookie(&s, "site_file_worker").await;
    let preview = http()
        .get(format!("{}/hits/{hit_id}/preview", s.endpoint()))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = http()
        .post(format!("{}/hits/{hit_id}/accept", s.endpoint()))
        .header(COOKIE, &cookie)
        .form(&[("csrf", csrf(&preview))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let work_path = r.headers()[LOCATION].to_str().unwrap().to_string();
    let aid = work_path.trim_start_matches("/work/").split('?').next().unwrap().to_string();

    // The work page: a multipart form with a file input named by the question.
    let page = http()
        .get(format!("{}{work_path}", s.endpoint()))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"enctype="multipart/form-data""#), "{page}");
    assert!(
        page.contains(r#"<input type="file" id="qf-1-first" name="photo" data-max-bytes="1000" required"#),
        "{page}"
    );
    assert!(page.contains("A file of 5 to 1,000 bytes."), "{page}");
    let token = csrf(&page);
    let submit = format!("/work/{aid}/submit");

    // Without the CSRF token: refused, nothing stored.
    let (st, _, _) =
        site_post(&s, &submit, &cookie, multipart(&[("caption", "x")], &[("photo", "a.bin", b"hello")])).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // Too small: the form again, the error next to the question, the caption kept.
    let (st, _, body) = site_post(
        &s,
        &submit,
        &cookie,
        multipart(&[("csrf", &token), ("caption", "kept caption")], &[("photo", "tiny.bin", b"abc")]),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("The file must be at least 5 bytes (3 bytes given); upload a different file."), "{body}");
    assert!(body.contains("kept caption") && body.contains("Choose your file again"), "{body}");
    // No file chosen: a browser still sends the empty file input.
    let (st, _, body) =
        site_post(&s, &submit, &cookie, multipart(&[("csrf", &token), ("caption", "c")], &[("photo", "", b"")])).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("Upload a file."), "{body}");

    let bytes = payload(321);
    let (st, loc, body) = site_post(
        &s,
        &submit,
        &cookie,
        multipart(&[("csrf", &token), ("caption", "from the site")], &[("photo", "picture.png", &bytes)]),
    )
    .await;
    assert_eq!((st, loc.as_str()), (StatusCode::SEE_OTHER, format!("/work/{aid}").as_str()), "{body}");

    let answer = answer_of(&s, &hit_id).await;
    assert!(answer.contains("<UploadedFileSizeInBytes>321</UploadedFileSizeInBytes>"), "{answer}");
    let url = file_url(&s, &aid, "photo").await.unwrap();
    let got = http().get(&url).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(got.as_ref(), &bytes[..]);
    assert!(s.dir.join("blobs/uploads").join(key_in(&answer)).exists(), "stored under the answer's key");
});

both_backends!(the_s3_store_against_moto, |b| async move {
    use openturk_service::blobs::{s3::S3Store, BlobStore};
    let moto = common::sync(common::moto::Moto::start);
    let aws = moto.aws();
    aws.s3_create_bucket("openturk-files").await.unwrap();
    let s = TestServer::start(b).await;
    s.service.set_blob_store(BlobStore::S3(S3Store::new(aws.clone(), "openturk-files")), "http://unused.invalid");
    let c = s.client();
    let hit_id = new_hit(&s).await;
    let (_, token) = s.worker("s3_worker").await;
    let (_, a) = s.worker_call(Method::POST, &format!("/hits/{hit_id}/accept"), &token, None).await;
    let aid = a["AssignmentId"].as_str().unwrap().to_string();

    // Size checks come before anything is stored.
    let (st, _) = api_submit_files(&s, &token, &aid, multipart(&[], &[("photo", "a.bin", b"abc")])).await;
    assert_eq!(st, 422);
    let bytes = payload(999);
    let (st, v) = api_submit_files(&s, &token, &aid, multipart(&[], &[("photo", "scan.pdf", &bytes)])).await;
    assert_eq!(st, 200, "{v}");

    // The object is in the bucket under the answer's key.
    let answer = answer_of(&s, &hit_id).await;
    assert!(answer.contains("<UploadedFileSizeInBytes>999</UploadedFileSizeInBytes>"), "{answer}");
    let key = key_in(&answer);
    let object = format!("uploads/{key}");
    assert_eq!(aws.s3_get("openturk-files", &object).await.unwrap().as_deref(), Some(&bytes[..]));

    // GetFileUploadURL: a URL presigned for 60 seconds that downloads the exact bytes from the bucket.
    let url = file_url(&s, &aid, "photo").await.unwrap();
    assert!(url.starts_with(&format!("{}/openturk-files/uploads/{key}?", moto.url)), "{url}");
    assert!(url.contains("X-Amz-Expires=60"), "{url}");
    let r = http().get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // A download, as from the directory store: S3 sends the headers the URL's signed overrides ask for.
    assert_eq!(r.headers()["content-disposition"], format!("attachment; filename=\"{key}\"").as_str());
    assert_eq!(r.headers()["content-type"], "application/octet-stream");
    assert_eq!(r.bytes().await.unwrap().as_ref(), &bytes[..]);
    let other = common::sync(|| s.service.create_requester("other")).unwrap();
    let e = s
        .client_with(&other.access_key_id, &other.secret_access_key)
        .get_file_upload_url()
        .assignment_id(&aid)
        .question_identifier("photo")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(turk_code(&e), "AWS.MechanicalTurk.AssignmentDoesNotExist");

    // Disposal deletes the object from the bucket.
    c.approve_assignment().assignment_id(&aid).send().await.unwrap();
    c.delete_hit().hit_id(&hit_id).send().await.unwrap();
    let e = file_url(&s, &aid, "photo").await.unwrap_err();
    assert_eq!(turk_code(&e), "AWS.MechanicalTurk.AssignmentDoesNotExist");
    let mut deleted = false;
    for _ in 0..100 {
        if aws.s3_get("openturk-files", &object).await.unwrap().is_none() {
            deleted = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(deleted, "the object is deleted from the bucket");
});

both_backends!(an_upload_whose_submit_never_committed_is_deleted_after_its_grace, |b| async move {
    let s = TestServer::start(b).await;
    let hit_id = new_hit(&s).await;
    // What a crash between storing a file and its submit's commit leaves: the bytes in the store
    // and a staged row, due an hour later.
    let store = s.dir.join("blobs/uploads");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::write(store.join("ORPHAN0001"), b"left behind").unwrap();
    let now = s.service.now();
    common::sync(|| {
        s.service.db().write(|tx: &mut dyn openturk_storage::Tx| {
            tx.execute(
                "INSERT INTO file_uploads (file_key, hit_id, assignment_id, question_identifier, size_bytes, state,
                     created_at, delete_at) VALUES ('ORPHAN0001', ?, 'A', 'photo', 11, 'staged', ?, ?)",
                openturk_storage::params![hit_id.as_str(), now, now + 3600 * 1000],
            )
        })
    })
    .unwrap();
    s.advance(3599).await;
    // The deleter's pass, run here rather than waited for.
    assert_eq!(common::sync(|| s.service.delete_due_files()).unwrap(), 0);
    assert!(store.join("ORPHAN0001").exists(), "kept during its grace period");
    s.advance(1).await;
    common::sync(|| s.service.delete_due_files()).unwrap();
    assert!(gone(&store.join("ORPHAN0001")).await, "deleted once its grace period is over");
    let left = common::sync(|| {
        s.service.db().read(|tx: &mut dyn openturk_storage::Tx| {
            tx.query_one("SELECT COUNT(*) AS n FROM file_uploads", &[]).map(|r| r.i64("n").unwrap())
        })
    })
    .unwrap();
    assert_eq!(left, 0, "its row is gone too");

    // A deletion that fails (a directory where the file should be) is retried, and `openturk
    // files pending` shows it with its attempts and error.
    std::fs::create_dir_all(store.join("ORPHAN0002/stuck")).unwrap();
    let now = s.service.now();
    common::sync(|| {
        s.service.db().write(|tx: &mut dyn openturk_storage::Tx| {
            tx.execute(
                "INSERT INTO file_uploads (file_key, hit_id, assignment_id, question_identifier, size_bytes, state,
                     created_at, delete_at) VALUES ('ORPHAN0002', ?, 'A', 'photo', 11, 'staged', ?, ?)",
                openturk_storage::params![hit_id.as_str(), now, now],
            )
        })
    })
    .unwrap();
    assert_eq!(common::sync(|| s.service.delete_due_files()).unwrap(), 1);
    let out = s.cli(&["files", "pending"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed = String::from_utf8(out.stdout).unwrap();
    let row = listed.lines().find(|l| l.starts_with("ORPHAN0002")).unwrap_or_else(|| panic!("{listed}"));
    assert!(row.contains("deleting") && row.contains(&hit_id), "{row}");
    assert!(row.contains(" 1  cannot delete ") && row.contains("ORPHAN0002"), "attempts and error: {row}");
    assert!(store.join("ORPHAN0002").exists());
});

both_backends!(large_files_stream_and_the_server_bound_holds, |b| async move {
    let big_form = FORM
        .replace("<MaxFileSizeInBytes>1000</MaxFileSizeInBytes>", "<MaxFileSizeInBytes>2000000</MaxFileSizeInBytes>");
    // A server that takes files of at most 400,000 bytes, whatever the question allows.
    let opts = common::Options {
        config: openturk_service::ServiceConfig { max_file_bytes: 400_000, ..Default::default() },
        ..Default::default()
    };
    let s = TestServer::start_with(b, opts).await;
    let hit = common::create_hit(&s.client()).question(&big_form).max_assignments(2).send().await.unwrap();
    let hit_id = hit.hit().unwrap().hit_id().unwrap().to_string();
    let (_, token) = s.worker("big_file_worker").await;
    let (_, a) = s.worker_call(Method::POST, &format!("/hits/{hit_id}/accept"), &token, None).await;
    let aid = a["AssignmentId"].as_str().unwrap().to_string();

    // Over the server's bound, by a little: the question is named, the bound said.
    let (st, v) = api_submit_files(&s, &token, &aid, multipart(&[], &[("photo", "big.bin", &payload(400_001))])).await;
    assert_eq!(st, 422, "{v}");
    assert_eq!(
        v["Error"]["Questions"][0]["Message"].as_str(),
        Some("The file is 400001 bytes; this server takes files of at most 400000 bytes. Upload a smaller file.")
    );
    // By far more than one file question can take: refused once the body passes the bound.
    let (st, v) =
        api_submit_files(&s, &token, &aid, multipart(&[], &[("photo", "huge.bin", &payload(3_000_000))])).await;
    assert_eq!(st, 413, "{v}");
    assert_eq!(v["Error"]["Code"], "PayloadTooLarge");

    // Several chunks of the download stream: the exact bytes, with their length.
    let bytes = payload(300_000);
    let (st, v) = api_submit_files(&s, &token, &aid, multipart(&[], &[("photo", "ok.bin", &bytes)])).await;
    assert_eq!(st, 200, "{v}");
    let r = http().get(file_url(&s, &aid, "photo").await.unwrap()).send().await.unwrap();
    assert_eq!(r.headers()["content-length"], "300000");
    assert_eq!(r.bytes().await.unwrap().as_ref(), &bytes[..]);
});

both_backends!(uploads_past_the_memory_budget_are_refused_to_be_sent_again, |b| async move {
    let big_form = FORM
        .replace("<MaxFileSizeInBytes>1000</MaxFileSizeInBytes>", "<MaxFileSizeInBytes>2000000</MaxFileSizeInBytes>");
    // Files of up to 400,000 bytes, and 500,000 bytes of uploads in memory at once.
    let config = openturk_service::ServiceConfig {
        max_file_bytes: 400_000,
        max_upload_memory_bytes: 500_000,
        ..Default::default()
    };
    let s = TestServer::start_with(b, common::Options { config, ..Default::default() }).await;
    let hit = common::create_hit(&s.client()).question(&big_form).send().await.unwrap();
    let hit_id = hit.hit().unwrap().hit_id().unwrap().to_string();
    let (_, token) = s.worker("budget_worker").await;
    let (_, a) = s.worker_call(Method::POST, &format!("/hits/{hit_id}/accept"), &token, None).await;
    let aid = a["AssignmentId"].as_str().unwrap().to_string();

    // Other uploads in flight hold all of the budget but 100 KiB: a 300,000-byte upload is
    // refused, to be sent again, and nothing changes.
    let budget = s.service.upload_memory();
    let whole = budget.available_permits();
    assert_eq!(whole, 489, "500,000 bytes in KiB");
    let others = budget.clone().try_acquire_many_owned(whole as u32 - 100).unwrap();
    let bytes = payload(300_000);
    let (st, v) = api_submit_files(&s, &token, &aid, multipart(&[], &[("photo", "a.bin", &bytes)])).await;
    assert_eq!(st, 503, "{v}");
    assert_eq!(v["Error"]["Code"], "ServiceUnavailable");
    assert_eq!(v["Error"]["Message"], "The server is receiving too many uploads at once. Try again in a moment.");
    assert_eq!(budget.available_permits(), 100, "the refused upload gave back what it took");

    // Once the others are done, the same upload goes through (the assignment was still the
    // worker's to submit), and gives its share back when stored.
    drop(others);
    let (st, v) = api_submit_files(&s, &token, &aid, multipart(&[], &[("photo", "a.bin", &bytes)])).await;
    assert_eq!(st, 200, "{v}");
    let r = http().get(file_url(&s, &aid, "photo").await.unwrap()).send().await.unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), &bytes[..]);
    assert_eq!(budget.available_permits(), whole);
});

both_backends!(a_qualification_test_cannot_ask_for_a_file, |b| async move {
    let s = TestServer::start(b).await;
    let e = s
        .client()
        .create_qualification_type()
        .name("Photo test")
        .description("A test that asks for a file")
        .qualification_type_status(aws_sdk_mturk::types::QualificationTypeStatus::Active)
        .test(FORM)
        .test_duration_in_seconds(600)
        .send()
        .await
        .unwrap_err();
    let (code, msg) = err(e);
    assert_eq!(code, "RequestError");
    assert!(msg.contains("question 'photo' has a FileUploadAnswer, which can only be used with HITs"), "{msg}");
});

both_backends!(the_disposal_job_deletes_files_too, |b| async move {
    let s = TestServer::start(b).await;
    let c = s.client();
    let hit_id = new_hit(&s).await;
    let (_, token) = s.worker("disposal_worker").await;
    let (_, a) = s.worker_call(Method::POST, &format!("/hits/{hit_id}/accept"), &token, None).await;
    let aid = a["AssignmentId"].as_str().unwrap().to_string();
    let (st, v) = api_submit_files(&s, &token, &aid, multipart(&[], &[("photo", "a.bin", &payload(64))])).await;
    assert_eq!(st, 200, "{v}");
    let key = key_in(&answer_of(&s, &hit_id).await);
    let stored = s.dir.join("blobs/uploads").join(&key);
    assert!(stored.exists());
    c.approve_assignment().assignment_id(&aid).send().await.unwrap();
    // Reviewable since the submit (its one assignment is done): disposed of by the life-cycle
    // job 120 days later.
    s.advance(120 * 24 * 3600 - 1).await;
    assert!(file_url(&s, &aid, "photo").await.is_ok(), "still there the second before");
    s.advance(1).await;
    let e = file_url(&s, &aid, "photo").await.unwrap_err();
    assert_eq!(turk_code(&e), "AWS.MechanicalTurk.AssignmentDoesNotExist");
    assert!(gone(&stored).await, "the disposal job's files are deleted from the store");
});
