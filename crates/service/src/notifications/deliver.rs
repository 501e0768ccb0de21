//! The outbox's transport for every channel: email (NotifyWorkers' and notifications') over
//! SMTP, notification messages to SQS queues and SNS topics through [`Aws`].

use crate::aws::Aws;
use crate::outbox::{Delivery, Email, Transport};
use crate::smtp::SmtpTransport;
use std::future::Future;
use std::pin::Pin;

/// What `serve` delivers with: SMTP when `[smtp]` is set; AWS always (its credentials and
/// endpoints come from `[aws]`, or AWS's own chain and defaults).
pub struct Transports {
    pub smtp: Option<SmtpTransport>,
    pub aws: Option<Aws>,
}

impl Transports {
    async fn send_one(&self, d: &Delivery) -> Result<(), String> {
        match d {
            Delivery::Email(e) => self.smtp()?.send_email(e).await,
            Delivery::NotificationEmail(doc) => {
                let (subject, text) = doc.email();
                // The EventDocId as Message-ID: a retry is recognisably the same message.
                let e = Email { to: doc.destination.clone(), subject, text, id: Some(doc.event_doc_id.clone()) };
                self.smtp()?.send_email(&e).await
            }
            Delivery::Sqs(doc) => {
                self.aws()?.sqs_send_message(&doc.destination, &doc.json()).await.map(drop).map_err(|e| e.to_string())
            }
            Delivery::Sns(doc) => {
                self.aws()?.sns_publish(&doc.destination, &doc.json()).await.map(drop).map_err(|e| e.to_string())
            }
        }
    }

    fn smtp(&self) -> Result<&SmtpTransport, String> {
        self.smtp.as_ref().ok_or_else(|| "no SMTP server is configured ([smtp] host); email cannot be sent".to_string())
    }

    fn aws(&self) -> Result<&Aws, String> {
        self.aws.as_ref().ok_or_else(|| "AWS delivery is not configured".to_string())
    }
}

impl Transport for Transports {
    fn send<'a>(&'a self, d: &'a Delivery) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(self.send_one(d))
    }
}
