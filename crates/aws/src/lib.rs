//! Calls out to AWS and AWS-compatible services (moto, LocalStack, MinIO, …): SQS SendMessage
//! and SNS Publish for notifications, S3 objects for the blob store.
//!
//! Why not the AWS SDK crates: OpenTurk makes a handful of single-request calls, and already
//! has a SigV4 signer tested against AWS's suites (`openturk_protocol::sigv4`). The SQS, SNS and
//! S3 SDK crates would add several minutes to every clean build for those calls. Credentials are
//! the exception: they come from `aws-config`'s default chain, so every source the SDKs accept
//! (environment, shared profiles, SSO, web identity, ECS, instance metadata) works here too.
//!
//! Endpoints: per service, the configured one, else the AWS SDKs' own variables
//! (`AWS_ENDPOINT_URL_SQS`, `AWS_ENDPOINT_URL_SNS`, `AWS_ENDPOINT_URL_S3`, then
//! `AWS_ENDPOINT_URL`), else AWS's. An SQS queue URL is used as given.

mod credentials;
mod s3;
mod sns;
mod sqs;
mod xml;

pub use credentials::Credentials;
pub use sns::is_topic_arn;
pub use sqs::is_queue_url;
pub use xml::{xml_value, xml_values};

use credentials::CredentialSource;
use std::sync::Arc;
use std::time::Duration;

/// What the operator configured (`[aws]` in the config file); every field is optional.
#[derive(Debug, Clone, Default)]
pub struct AwsSettings {
    /// The region to sign for when a destination does not name one (an SNS ARN and an AWS
    /// queue URL do). Default: the standard chain's (`AWS_REGION`, profile), else us-east-1.
    pub region: Option<String>,
    /// Static credentials; both or neither. Unset: the standard AWS credential chain.
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    /// Endpoints per service, e.g. `http://127.0.0.1:5000` for moto.
    pub sqs_endpoint: Option<String>,
    pub sns_endpoint: Option<String>,
    pub s3_endpoint: Option<String>,
    /// A bound on one request.
    pub timeout: Duration,
}

/// Why a call failed. `Display` names the service's URL and what it answered.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    #[error("no AWS credentials: {0}")]
    Credentials(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{url}: {message}")]
    Transport { url: String, message: String },
    #[error("{url} answered HTTP {status} {code}: {message}")]
    Service { url: String, status: u16, code: String, message: String },
}

impl AwsError {
    /// The service's error code (`AWS.SimpleQueueService.NonExistentQueue`, `NotFound`, …).
    pub fn code(&self) -> Option<&str> {
        match self {
            AwsError::Service { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// A client for the three services; cheap to clone.
#[derive(Clone)]
pub struct Aws {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    settings: AwsSettings,
    /// The endpoints of SQS, SNS and S3 (in that order), resolved once.
    endpoints: [Option<String>; 3],
    credentials: CredentialSource,
    region: tokio::sync::OnceCell<String>,
}

/// Which service a call goes to: its signing name and endpoint variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Sqs,
    Sns,
    S3,
}

impl Service {
    fn signing_name(self) -> &'static str {
        match self {
            Service::Sqs => "sqs",
            Service::Sns => "sns",
            Service::S3 => "s3",
        }
    }
    fn env_var(self) -> &'static str {
        match self {
            Service::Sqs => "AWS_ENDPOINT_URL_SQS",
            Service::Sns => "AWS_ENDPOINT_URL_SNS",
            Service::S3 => "AWS_ENDPOINT_URL_S3",
        }
    }
}

/// `service`'s endpoint: the config's, else the SDKs' `AWS_ENDPOINT_URL_<SERVICE>`, else their
/// `AWS_ENDPOINT_URL`, else none (AWS's own); `env` reads a variable.
fn resolve_endpoint(settings: &AwsSettings, service: Service, env: impl Fn(&str) -> Option<String>) -> Option<String> {
    let configured = match service {
        Service::Sqs => &settings.sqs_endpoint,
        Service::Sns => &settings.sns_endpoint,
        Service::S3 => &settings.s3_endpoint,
    };
    configured
        .clone()
        .or_else(|| env(service.env_var()))
        .or_else(|| env("AWS_ENDPOINT_URL"))
        .filter(|e| !e.is_empty())
        .map(|e| e.trim_end_matches('/').to_owned())
}

impl Aws {
    pub fn new(settings: AwsSettings) -> Result<Aws, AwsError> {
        let credentials = CredentialSource::new(&settings)?;
        let timeout = if settings.timeout.is_zero() { Duration::from_secs(30) } else { settings.timeout };
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| AwsError::Invalid(format!("cannot build the HTTP client: {e}")))?;
        let env = |name: &str| std::env::var(name).ok();
        let endpoints = [Service::Sqs, Service::Sns, Service::S3].map(|s| resolve_endpoint(&settings, s, env));
        Ok(Aws {
            inner: Arc::new(Inner { http, settings, endpoints, credentials, region: tokio::sync::OnceCell::new() }),
        })
    }

    /// The endpoint configured for `service`, if any (config, then the SDKs' variables).
    pub fn endpoint(&self, service: Service) -> Option<String> {
        self.inner.endpoints[service as usize].clone()
    }

    /// The region to sign for when a destination names none.
    pub async fn region(&self) -> String {
        if let Some(r) = &self.inner.settings.region {
            return r.clone();
        }
        self.inner
            .region
            .get_or_init(|| async {
                aws_config::default_provider::region::DefaultRegionChain::builder()
                    .build()
                    .region()
                    .await
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| "us-east-1".to_owned())
            })
            .await
            .clone()
    }

    pub async fn credentials(&self) -> Result<Credentials, AwsError> {
        self.inner.credentials.get().await
    }

    /// One AWS Query-protocol call (form-encoded POST, XML answer) to `url`, as SQS and SNS
    /// take them: `params` include `Action` and `Version`. Returns the answer's body.
    pub async fn query(
        &self,
        service: Service,
        region: &str,
        url: &str,
        params: &[(&str, &str)],
    ) -> Result<String, AwsError> {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish();
        let (status, bytes) = self
            .send(
                service,
                region,
                reqwest::Method::POST,
                url,
                body.into_bytes(),
                Some("application/x-www-form-urlencoded; charset=utf-8"),
            )
            .await?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if (200..300).contains(&status) {
            Ok(text)
        } else {
            Err(service_error(url, status, &text))
        }
    }

    /// Sends one signed request; returns the status and body, whatever the status.
    async fn send(
        &self,
        service: Service,
        region: &str,
        method: reqwest::Method,
        url: &str,
        body: Vec<u8>,
        content_type: Option<&str>,
    ) -> Result<(u16, Vec<u8>), AwsError> {
        let parsed = url::Url::parse(url).map_err(|e| AwsError::Invalid(format!("{url} is not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(AwsError::Invalid(format!("{url} is not an http(s) URL")));
        }
        let host = host_header(&parsed)?;
        let creds = self.credentials().await?;
        let mut headers: Vec<(&str, &str)> = vec![("host", &host)];
        if let Some(ct) = content_type {
            headers.push(("content-type", ct));
        }
        if let Some(token) = creds.session_token.as_deref() {
            headers.push(("x-amz-security-token", token));
        }
        let now = now_epoch_secs();
        let path = parsed.path();
        let query = parsed.query().unwrap_or("");
        let signed = match service {
            Service::S3 => openturk_protocol::sigv4::sign_s3(
                method.as_str(),
                path,
                query,
                &headers,
                &body,
                &creds.access_key_id,
                &creds.secret_access_key,
                region,
                now,
            ),
            _ => openturk_protocol::sigv4::sign(
                method.as_str(),
                path,
                query,
                &headers,
                &body,
                &creds.access_key_id,
                &creds.secret_access_key,
                region,
                service.signing_name(),
                now,
            ),
        };
        let mut request = self.inner.http.request(method, parsed.clone());
        for (name, value) in headers.iter().filter(|(n, _)| *n != "host") {
            request = request.header(*name, *value);
        }
        for (name, value) in &signed {
            request = request.header(name.as_str(), value.as_str());
        }
        let response = request
            .body(body)
            .send()
            .await
            .map_err(|e| AwsError::Transport { url: url.to_owned(), message: error_chain(&e) })?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| AwsError::Transport { url: url.to_owned(), message: error_chain(&e) })?;
        Ok((status, bytes.to_vec()))
    }
}

/// `host[:port]` as the request's Host header carries it (no port when it is the scheme's).
fn host_header(url: &url::Url) -> Result<String, AwsError> {
    let host = url.host_str().ok_or_else(|| AwsError::Invalid(format!("{url} has no host")))?;
    Ok(match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    })
}

fn service_error(url: &str, status: u16, body: &str) -> AwsError {
    let code = xml_value(body, "Code").unwrap_or_default();
    let message = xml_value(body, "Message").unwrap_or_else(|| body.chars().take(300).collect());
    AwsError::Service { url: url.to_owned(), status, code, message }
}

/// An error with its sources ("error sending request: connection refused").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// Requests are signed with the wall clock, never the service's (movable) clock: AWS checks the
/// signature's time against its own.
fn now_epoch_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_come_from_the_config_then_the_sdks_variables() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        };
        let none = AwsSettings::default();
        assert_eq!(resolve_endpoint(&none, Service::Sqs, vars(&[])), None, "AWS's own");
        let general = vars(&[("AWS_ENDPOINT_URL", "http://localhost:4566/")]);
        assert_eq!(resolve_endpoint(&none, Service::Sns, general).as_deref(), Some("http://localhost:4566"));
        let both = vars(&[("AWS_ENDPOINT_URL", "http://general"), ("AWS_ENDPOINT_URL_SQS", "http://sqs-only")]);
        assert_eq!(resolve_endpoint(&none, Service::Sqs, both).as_deref(), Some("http://sqs-only"));
        assert_eq!(resolve_endpoint(&none, Service::S3, both).as_deref(), Some("http://general"));
        let configured = AwsSettings { s3_endpoint: Some("http://configured".into()), ..AwsSettings::default() };
        assert_eq!(resolve_endpoint(&configured, Service::S3, both).as_deref(), Some("http://configured"));
        assert_eq!(
            resolve_endpoint(&none, Service::Sqs, vars(&[("AWS_ENDPOINT_URL_SQS", "")])),
            None,
            "empty is unset"
        );
    }
}
