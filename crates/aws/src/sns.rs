//! SNS: Publish to a topic ARN, over the Query protocol (SNS's only one).

use crate::{xml_value, Aws, AwsError, Service};

const VERSION: &str = "2010-03-31";

impl Aws {
    /// Publishes `message` to the topic `topic_arn`; returns SNS's MessageId. The request goes
    /// to the configured SNS endpoint, else to the ARN's region's.
    pub async fn sns_publish(&self, topic_arn: &str, message: &str) -> Result<String, AwsError> {
        let arn = TopicArn::parse(topic_arn)?;
        let endpoint = self.endpoint(Service::Sns).unwrap_or_else(|| arn.aws_endpoint());
        let params = [("Action", "Publish"), ("Version", VERSION), ("TopicArn", topic_arn), ("Message", message)];
        let answer = self.query(Service::Sns, &arn.region, &format!("{endpoint}/"), &params).await?;
        xml_value(&answer, "MessageId")
            .ok_or_else(|| AwsError::Invalid(format!("{topic_arn}: Publish's answer has no MessageId: {answer}")))
    }
}

/// `arn:PARTITION:sns:REGION:ACCOUNT:TOPIC`, ACCOUNT 12 digits, TOPIC 1-256 letters, digits,
/// `-` and `_` (with `.fifo`).
pub fn is_topic_arn(s: &str) -> bool {
    let p: Vec<&str> = s.split(':').collect();
    if p.len() != 6 || p[0] != "arn" || !p[1].starts_with("aws") || p[2] != "sns" {
        return false;
    }
    let region_ok = !p[3].is_empty() && p[3].bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let account_ok = p[4].len() == 12 && p[4].bytes().all(|b| b.is_ascii_digit());
    let topic = p[5].strip_suffix(".fifo").unwrap_or(p[5]);
    let topic_ok =
        (1..=256).contains(&topic.len()) && topic.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    region_ok && account_ok && topic_ok
}

/// `arn:PARTITION:sns:REGION:ACCOUNT:NAME`.
pub(crate) struct TopicArn {
    partition: String,
    region: String,
}

impl TopicArn {
    pub(crate) fn parse(arn: &str) -> Result<TopicArn, AwsError> {
        let parts: Vec<&str> = arn.split(':').collect();
        match parts.as_slice() {
            ["arn", partition, "sns", region, ..] if is_topic_arn(arn) => {
                Ok(TopicArn { partition: (*partition).to_owned(), region: (*region).to_owned() })
            }
            _ => Err(AwsError::Invalid(format!("{arn} is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:TOPIC)"))),
        }
    }

    fn aws_endpoint(&self) -> String {
        let suffix = if self.partition == "aws-cn" { "amazonaws.com.cn" } else { "amazonaws.com" };
        format!("https://sns.{}.{suffix}", self.region)
    }
}

#[cfg(test)]
mod tests {
    use super::TopicArn;

    #[test]
    fn topic_arns() {
        let a = TopicArn::parse("arn:aws:sns:eu-west-1:123456789012:hits").unwrap();
        assert_eq!(a.region, "eu-west-1");
        assert_eq!(a.aws_endpoint(), "https://sns.eu-west-1.amazonaws.com");
        assert!(TopicArn::parse("arn:aws:sqs:eu-west-1:123456789012:hits").is_err());
        assert!(TopicArn::parse("hits").is_err());
        assert!(TopicArn::parse("arn:aws:sns:eu-west-1:1234:hits").is_err(), "accounts have 12 digits");
    }
}
