//! SQS: SendMessage to a queue URL, over the Query protocol (which SQS keeps serving beside its
//! JSON protocol, and which takes the queue URL itself as the endpoint).

use crate::{xml_value, Aws, AwsError, Service};

const VERSION: &str = "2012-11-05";

impl Aws {
    /// Sends `body` to the queue at `queue_url` (used as given); returns SQS's MessageId.
    ///
    /// With an SQS endpoint configured, the request goes there with the URL as `QueueUrl`, as
    /// the SDKs do; otherwise to the queue URL itself.
    pub async fn sqs_send_message(&self, queue_url: &str, body: &str) -> Result<String, AwsError> {
        let region = match queue_region(queue_url) {
            Some(r) => r,
            None => self.region().await,
        };
        let answer = match self.endpoint(Service::Sqs) {
            Some(endpoint) => {
                let params =
                    [("Action", "SendMessage"), ("Version", VERSION), ("QueueUrl", queue_url), ("MessageBody", body)];
                self.query(Service::Sqs, &region, &format!("{endpoint}/"), &params).await?
            }
            None => {
                let params = [("Action", "SendMessage"), ("Version", VERSION), ("MessageBody", body)];
                self.query(Service::Sqs, &region, queue_url, &params).await?
            }
        };
        xml_value(&answer, "MessageId")
            .ok_or_else(|| AwsError::Invalid(format!("{queue_url}: SendMessage's answer has no MessageId: {answer}")))
    }
}

/// An SQS queue name: 1-80 letters, digits, `-` and `_`, with `.fifo` for FIFO queues.
fn is_queue_name(s: &str) -> bool {
    let base = s.strip_suffix(".fifo").unwrap_or(s);
    (1..=80).contains(&base.len()) && base.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `http(s)://host[:port]/ACCOUNT/NAME`: AWS's queue URLs, and those of compatible servers
/// (moto, LocalStack), which are used as given.
pub fn is_queue_url(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")) else {
        return false;
    };
    let Some((host, path)) = rest.split_once('/') else {
        return false;
    };
    let host_ok = !host.is_empty()
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    let segs: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    host_ok
        && segs.len() == 2
        && !segs[0].is_empty()
        && segs[0].bytes().all(|b| b.is_ascii_alphanumeric())
        && is_queue_name(segs[1])
}

/// The region of an AWS queue URL (`https://sqs.eu-west-1.amazonaws.com/…`, or the legacy
/// `https://eu-west-1.queue.amazonaws.com/…`); `None` for any other host.
pub(crate) fn queue_region(queue_url: &str) -> Option<String> {
    let url = url::Url::parse(queue_url).ok()?;
    let host = url.host_str()?;
    let labels: Vec<&str> = host.split('.').collect();
    match labels.as_slice() {
        ["sqs", region, "amazonaws", ..] => Some((*region).to_owned()),
        [region, "queue", "amazonaws", ..] => Some((*region).to_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::queue_region;

    #[test]
    fn regions_of_queue_urls() {
        assert_eq!(queue_region("https://sqs.eu-west-1.amazonaws.com/1234/q").as_deref(), Some("eu-west-1"));
        assert_eq!(queue_region("https://us-west-2.queue.amazonaws.com/1234/q").as_deref(), Some("us-west-2"));
        assert_eq!(queue_region("https://sqs.cn-north-1.amazonaws.com.cn/1234/q").as_deref(), Some("cn-north-1"));
        assert_eq!(queue_region("http://127.0.0.1:5000/123456789012/q"), None);
    }
}
