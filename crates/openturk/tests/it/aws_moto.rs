//! openturk-aws against a real AWS-compatible server (moto's, started by the test): SQS
//! SendMessage to a queue URL as given, SNS Publish (read back through an SQS subscription, in
//! the envelope SNS wraps it in), S3 put/get/delete and a presigned GET, and the errors a
//! deliverer records; and `openturk serve` refusing to start without its bucket.

use crate::common;

use common::moto::{Moto, ACCOUNT};
use openturk_service::aws::{xml_value, xml_values, Aws, AwsSettings, Service};

async fn create_queue(aws: &Aws, moto: &Moto, name: &str) -> String {
    let params = [("Action", "CreateQueue"), ("Version", "2012-11-05"), ("QueueName", name)];
    let answer = aws.query(Service::Sqs, "us-east-1", &format!("{}/", moto.url), &params).await.unwrap();
    xml_value(&answer, "QueueUrl").expect("a QueueUrl")
}

async fn receive(aws: &Aws, queue_url: &str) -> Vec<String> {
    let params = [
        ("Action", "ReceiveMessage"),
        ("Version", "2012-11-05"),
        ("MaxNumberOfMessages", "10"),
        ("WaitTimeSeconds", "1"),
    ];
    let answer = aws.query(Service::Sqs, "us-east-1", queue_url, &params).await.unwrap();
    xml_values(&answer, "Body")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqs_sns_and_s3_against_moto() {
    let moto = Moto::start();
    let aws = moto.aws();

    // SQS: the message arrives byte for byte, including characters XML and forms escape.
    let queue = create_queue(&aws, &moto, "events").await;
    assert!(queue.starts_with(&moto.url) && queue.ends_with(&format!("/{ACCOUNT}/events")), "{queue}");
    let body = r#"{"Events":[{"EventType":"Ping","Note":"<a & b> + ü"}]}"#;
    let id = aws.sqs_send_message(&queue, body).await.unwrap();
    assert!(!id.is_empty());
    assert_eq!(receive(&aws, &queue).await, vec![body.to_owned()]);

    // The queue URL is used as given even with no SQS endpoint configured.
    let direct = Aws::new(AwsSettings { sqs_endpoint: None, ..moto.settings() }).unwrap();
    direct.sqs_send_message(&queue, "direct").await.unwrap();
    assert_eq!(receive(&aws, &queue).await, vec!["direct".to_owned()]);

    // A queue that does not exist: SQS's error code, for the outbox's last error.
    let missing = format!("{}/{ACCOUNT}/nowhere", moto.url);
    let e = aws.sqs_send_message(&missing, "x").await.unwrap_err();
    assert!(e.code().is_some_and(|c| c.contains("NonExistentQueue")), "{e}");
    assert!(e.to_string().contains("HTTP 400"), "{e}");

    // SNS: published to a topic, read back from a subscribed queue in SNS's envelope.
    let params = [("Action", "CreateTopic"), ("Version", "2010-03-31"), ("Name", "hits")];
    let answer = aws.query(Service::Sns, "us-east-1", &format!("{}/", moto.url), &params).await.unwrap();
    let topic = xml_value(&answer, "TopicArn").unwrap();
    let subscriber = create_queue(&aws, &moto, "subscriber").await;
    let queue_arn = format!("arn:aws:sqs:us-east-1:{ACCOUNT}:subscriber");
    let params = [
        ("Action", "Subscribe"),
        ("Version", "2010-03-31"),
        ("TopicArn", topic.as_str()),
        ("Protocol", "sqs"),
        ("Endpoint", queue_arn.as_str()),
    ];
    aws.query(Service::Sns, "us-east-1", &format!("{}/", moto.url), &params).await.unwrap();
    aws.sns_publish(&topic, body).await.unwrap();
    let got = receive(&aws, &subscriber).await;
    assert_eq!(got.len(), 1, "{got:?}");
    let envelope: serde_json::Value = serde_json::from_str(&got[0]).unwrap();
    assert_eq!(envelope["Type"], "Notification");
    assert_eq!(envelope["TopicArn"], topic.as_str());
    assert_eq!(envelope["Message"], body);
    let e = aws.sns_publish("not-an-arn", body).await.unwrap_err();
    assert!(e.to_string().contains("is not an SNS topic ARN"), "{e}");

    // S3: put, get, presigned GET by a client with no credentials, delete.
    aws.s3_create_bucket("answers").await.unwrap();
    aws.s3_create_bucket("answers").await.unwrap();
    let key = "hits/3ABC/answer file (1).bin";
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    aws.s3_put("answers", key, bytes.clone(), "application/octet-stream").await.unwrap();
    assert_eq!(aws.s3_get("answers", key).await.unwrap().as_deref(), Some(bytes.as_slice()));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let url = aws.s3_presign_get("answers", key, now, 60, &[]).await.unwrap();
    assert!(url.contains("X-Amz-Expires=60") && url.contains("X-Amz-Signature="), "{url}");
    let fetched = reqwest::get(&url).await.unwrap();
    assert_eq!(fetched.status(), 200);
    assert_eq!(fetched.bytes().await.unwrap().as_ref(), bytes.as_slice());
    aws.s3_delete("answers", key).await.unwrap();
    assert_eq!(aws.s3_get("answers", key).await.unwrap(), None);
    aws.s3_delete("answers", key).await.unwrap();
}

#[tokio::test]
async fn half_configured_credentials_are_refused() {
    let e = Aws::new(AwsSettings { access_key_id: Some("a".into()), ..AwsSettings::default() }).err().unwrap();
    assert_eq!(e.to_string(), "aws.access_key_id and aws.secret_access_key go together: set both or neither");
}

/// `openturk serve` with the S3 store asks for its bucket before it starts: a missing one stops
/// it with a message naming the bucket, instead of failing the first worker's upload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_a_bucket_that_is_not_there() {
    let moto = Moto::start();
    let aws = moto.aws();
    let e = aws.s3_check_bucket("uploads-missing").await.unwrap_err();
    assert!(e.to_string().contains("there is no bucket uploads-missing"), "{e}");

    let dir = std::env::temp_dir().join(format!("openturk-s3-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let serve = |bucket: &str| {
        std::process::Command::new(common::processes::bin())
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&dir)
            .envs([
                ("OPENTURK_MASTER_KEY", common::processes::MASTER_KEY),
                ("OPENTURK_BLOBS_STORE", "s3"),
                ("OPENTURK_BLOBS_BUCKET", bucket),
                ("AWS_ACCESS_KEY_ID", "testing"),
                ("AWS_SECRET_ACCESS_KEY", "testing"),
                ("AWS_REGION", "us-east-1"),
                ("AWS_ENDPOINT_URL_S3", moto.url.as_str()),
            ])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let out = serve("uploads-missing").wait_with_output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(r#"blobs.bucket "uploads-missing" cannot hold uploaded files"#), "{err}");
    assert!(err.contains("there is no bucket uploads-missing"), "{err}");

    // Once the bucket is there, it starts and says where files go.
    aws.s3_create_bucket("uploads-here").await.unwrap();
    aws.s3_check_bucket("uploads-here").await.unwrap();
    let mut child = serve("uploads-here");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    let started = lines.by_ref().take(20).map(Result::unwrap).any(|l| l.contains("Requester API: http://"));
    let _ = child.kill();
    let _ = child.wait();
    assert!(started, "serve started with the bucket there");
    let _ = std::fs::remove_dir_all(&dir);
}
