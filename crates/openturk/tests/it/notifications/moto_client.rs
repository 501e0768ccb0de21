//! Driving the moto server of `common::moto` as a consumer would: SQS over its JSON protocol
//! (not the Query protocol OpenTurk sends with, so the two check each other), signed by
//! OpenTurk's own SigV4 signer (moto routes a request by its credential scope's service), and
//! SNS through `openturk-aws`'s Query calls. An HTTP listener stands in for an SNS HTTP
//! subscriber (Dallinger's listener).
#![allow(dead_code)]

pub use crate::common::moto::ACCOUNT;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Moto {
    pub server: crate::common::moto::Moto,
    pub url: String,
    http: reqwest::Client,
}

pub use crate::common::free_port;

impl Moto {
    /// Starts moto on a free port (the first start on a fresh machine installs it).
    pub async fn start() -> Moto {
        let server = tokio::task::block_in_place(crate::common::moto::Moto::start);
        let url = server.url.clone();
        Moto { server, url, http: reqwest::Client::new() }
    }

    /// An `Aws` client of this server.
    pub fn aws(&self) -> openturk_service::aws::Aws {
        self.server.aws()
    }

    /// An SQS JSON-protocol call; panics unless it succeeds.
    pub async fn sqs(&self, op: &str, body: Value) -> Value {
        let target = format!("AmazonSQS.{op}");
        let content_type = "application/x-amz-json-1.0";
        let body = serde_json::to_vec(&body).unwrap();
        let host = self.url.trim_start_matches("http://").to_string();
        let headers = [("host", host.as_str()), ("content-type", content_type), ("x-amz-target", target.as_str())];
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let auth = openturk_protocol::sigv4::sign(
            "POST",
            "/",
            "",
            &headers,
            &body,
            "testing",
            "testing",
            "us-east-1",
            "sqs",
            now,
        );
        let mut req = self.http.post(format!("{}/", self.url)).header("content-type", content_type);
        req = req.header("x-amz-target", &target);
        for (k, v) in auth {
            req = req.header(k, v);
        }
        let r = req.body(body).send().await.unwrap();
        let (st, text) = (r.status().as_u16(), r.text().await.unwrap());
        assert_eq!(st, 200, "SQS {op}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// An SNS Query-protocol call through openturk-aws; the XML answer's `tag`.
    async fn sns(&self, params: &[(&str, &str)], tag: &str) -> String {
        let mut form: Vec<(&str, &str)> = vec![("Version", "2010-03-31")];
        form.extend_from_slice(params);
        let url = format!("{}/", self.url);
        let answer = self.aws().query(openturk_service::aws::Service::Sns, "us-east-1", &url, &form).await;
        let answer = answer.unwrap_or_else(|e| panic!("SNS {params:?}: {e}"));
        openturk_service::aws::xml_value(&answer, tag).unwrap_or_else(|| panic!("no {tag} in {answer}"))
    }

    /// Creates a queue; returns its URL.
    pub async fn create_queue(&self, name: &str) -> String {
        self.sqs("CreateQueue", json!({ "QueueName": name })).await["QueueUrl"].as_str().unwrap().to_string()
    }

    /// The URL a queue of that name has (or will have once created).
    pub fn queue_url(&self, name: &str) -> String {
        format!("{}/{ACCOUNT}/{name}", self.url)
    }

    /// Receives (and deletes) what is in the queue now: the messages' bodies with their
    /// SentTimestamp (epoch ms).
    pub async fn receive(&self, queue_url: &str) -> Vec<(String, i64)> {
        let mut out = Vec::new();
        loop {
            let r = self
                .sqs(
                    "ReceiveMessage",
                    json!({ "QueueUrl": queue_url, "MaxNumberOfMessages": 10, "AttributeNames": ["SentTimestamp"] }),
                )
                .await;
            let msgs = r["Messages"].as_array().cloned().unwrap_or_default();
            if msgs.is_empty() {
                return out;
            }
            for m in msgs {
                let sent = m["Attributes"]["SentTimestamp"].as_str().and_then(|s| s.parse().ok()).unwrap_or(0);
                out.push((m["Body"].as_str().unwrap().to_string(), sent));
                self.sqs("DeleteMessage", json!({ "QueueUrl": queue_url, "ReceiptHandle": m["ReceiptHandle"] })).await;
            }
        }
    }

    /// Waits (boundedly) until the queue has given `n` messages in all; returns their bodies.
    pub async fn receive_n(&self, queue_url: &str, n: usize) -> Vec<String> {
        let mut got = Vec::new();
        for _ in 0..600 {
            got.extend(self.receive(queue_url).await.into_iter().map(|(b, _)| b));
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the queue gave {} messages, not {n}: {got:#?}", got.len());
    }

    /// Creates a topic; returns its ARN.
    pub async fn create_topic(&self, name: &str) -> String {
        self.sns(&[("Action", "CreateTopic"), ("Name", name)], "TopicArn").await
    }

    /// Subscribes an endpoint to a topic (RawMessageDelivery stays false, SNS's default).
    pub async fn subscribe(&self, topic_arn: &str, protocol: &str, endpoint: &str) -> String {
        let params = [("Action", "Subscribe"), ("TopicArn", topic_arn), ("Protocol", protocol), ("Endpoint", endpoint)];
        self.sns(&params, "SubscriptionArn").await
    }
}

/// An HTTP endpoint that records the bodies POSTed to it, as an SNS HTTP subscriber.
pub struct HttpListener {
    pub url: String,
    pub bodies: Arc<Mutex<Vec<String>>>,
}

impl HttpListener {
    pub async fn start() -> HttpListener {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let b = bodies.clone();
        let app = axum::Router::new().route(
            "/mturk-sns-listener",
            axum::routing::post(move |body: String| {
                let b = b.clone();
                async move {
                    b.lock().unwrap().push(body);
                    "ok"
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        HttpListener { url: format!("http://{addr}/mturk-sns-listener"), bodies }
    }

    /// Waits (boundedly) for `n` bodies.
    pub async fn wait_for(&self, n: usize) -> Vec<String> {
        for _ in 0..400 {
            let b = self.bodies.lock().unwrap().clone();
            if b.len() >= n {
                return b;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the HTTP listener got {:?}", self.bodies.lock().unwrap());
    }
}
