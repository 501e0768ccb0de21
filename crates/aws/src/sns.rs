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

/// `arn:PARTITION:sns:REGION:ACCOUNT:NAME`.
pub(crate) struct TopicArn {
    partition: String,
    region: String,
}

impl TopicArn {
    pub(crate) fn parse(arn: &str) -> Result<TopicArn, AwsError> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        match parts.as_slice() {
            ["arn", partition, "sns", region, account, name]
                if !partition.is_empty() && !region.is_empty() && !account.is_empty() && !name.is_empty() =>
            {
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
    }
}
