//! The notification message: what an SQS consumer receives as the body, what SNS publishes as
//! the Message, and what the email carries.
//!
//! The API Reference ("SQS Message Payload", "SNS Message Payload") gives one JSON document:
//!
//! ```json
//! {"EventDocId":"…","SourceAccount":"…","CustomerId":"A…","EventDocVersion":"2014-08-15",
//!  "Events":[{"EventType":"AssignmentSubmitted","EventTimestamp":"2005-01-31T23:59:59Z",
//!             "HITTypeId":"…","HITId":"…","AssignmentId":"…"}]}
//! ```
//!
//! AssignmentId only for assignment events. The same document is sent for both API versions
//! (the older REST and SOAP transports that had another format are retired); EventDocVersion
//! echoes the specification's Version.

use super::settings::{EventType, Specification};
use openturk_domain::clock::{format_iso8601, Millis};
use openturk_domain::ids;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One event as the outbox stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub event_type: EventType,
    pub at: Millis,
    pub hit_type_id: String,
    pub hit_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment_id: Option<String>,
}

/// A message to one destination, as the outbox stores it (the payload of the `sqs`, `sns` and
/// `notification_email` channels). Rendered by [`EventDoc::json`] the same way on every attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDoc {
    pub destination: String,
    pub version: String,
    /// Unique per message: consumers drop a second copy (delivery is at least once).
    pub event_doc_id: String,
    /// The requester's ID (MTurk's CustomerId).
    pub customer_id: String,
    pub source_account: String,
    pub events: Vec<StoredEvent>,
}

/// The most events one message carries (SQS takes 256 KiB; an event is about 250 bytes).
pub const MAX_EVENTS: usize = 100;

/// The document as consumers read it: members in the API Reference's names.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct WireDoc<'a> {
    event_doc_id: &'a str,
    source_account: &'a str,
    customer_id: &'a str,
    event_doc_version: &'a str,
    events: Vec<WireEvent<'a>>,
}

#[derive(Serialize)]
struct WireEvent<'a> {
    #[serde(rename = "EventType")]
    event_type: &'static str,
    #[serde(rename = "EventTimestamp")]
    event_timestamp: String,
    #[serde(rename = "HITTypeId")]
    hit_type_id: &'a str,
    #[serde(rename = "HITId")]
    hit_id: &'a str,
    #[serde(rename = "AssignmentId", skip_serializing_if = "Option::is_none")]
    assignment_id: Option<&'a str>,
}

/// The 12-digit account that SourceAccount names. OpenTurk has no AWS accounts; each requester
/// gets a stable number derived from its ID, so that a consumer can check that messages come
/// from the same account.
pub fn source_account(requester_id: &str) -> String {
    let d = Sha256::digest(requester_id.as_bytes());
    let n = u64::from_be_bytes(d[..8].try_into().expect("8 bytes")) % 1_000_000_000_000;
    format!("{n:012}")
}

impl EventDoc {
    pub fn new(spec: &Specification, requester_id: &str, events: Vec<StoredEvent>) -> EventDoc {
        EventDoc {
            destination: spec.destination.clone(),
            version: spec.version.clone(),
            event_doc_id: ids::new_token(16),
            customer_id: requester_id.to_string(),
            source_account: source_account(requester_id),
            events,
        }
    }

    /// The JSON document (the SQS message body, the SNS Message).
    pub fn json(&self) -> String {
        let doc = WireDoc {
            event_doc_id: &self.event_doc_id,
            source_account: &self.source_account,
            customer_id: &self.customer_id,
            event_doc_version: &self.version,
            events: self
                .events
                .iter()
                .map(|e| WireEvent {
                    event_type: e.event_type.as_str(),
                    event_timestamp: format_iso8601(e.at),
                    hit_type_id: &e.hit_type_id,
                    hit_id: &e.hit_id,
                    assignment_id: e.assignment_id.as_deref(),
                })
                .collect(),
        };
        serde_json::to_string(&doc).expect("documents serialize")
    }

    /// The email: a subject naming the events, and a text listing them, then the document.
    pub fn email(&self) -> (String, String) {
        let mut kinds: Vec<&str> = Vec::new();
        for e in &self.events {
            if !kinds.contains(&e.event_type.as_str()) {
                kinds.push(e.event_type.as_str());
            }
        }
        let subject = format!("OpenTurk notification: {}", kinds.join(", "));
        let mut text = String::from("Events have occurred for your HITs on OpenTurk:\n\n");
        for e in &self.events {
            text.push_str(&format!(
                "{}  {}\n  HITTypeId: {}\n  HITId: {}\n",
                format_iso8601(e.at),
                e.event_type.as_str(),
                e.hit_type_id,
                e.hit_id
            ));
            if let Some(a) = &e.assignment_id {
                text.push_str(&format!("  AssignmentId: {a}\n"));
            }
            text.push('\n');
        }
        text.push_str(&format!(
            "EventDocId: {}\nCustomerId: {}\n\nThe same message as JSON (EventDocVersion {}):\n{}\n",
            self.event_doc_id,
            self.customer_id,
            self.version,
            self.json()
        ));
        (subject, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_has_the_api_references_shape() {
        let doc = EventDoc {
            destination: "d".into(),
            version: "2014-08-15".into(),
            event_doc_id: "e1".into(),
            customer_id: "AREQ".into(),
            source_account: "000000000042".into(),
            events: vec![
                StoredEvent {
                    event_type: EventType::AssignmentSubmitted,
                    at: 1_107_215_999_000,
                    hit_type_id: "T".into(),
                    hit_id: "H".into(),
                    assignment_id: Some("A".into()),
                },
                StoredEvent {
                    event_type: EventType::HITReviewable,
                    at: 1_107_215_999_000,
                    hit_type_id: "T".into(),
                    hit_id: "H".into(),
                    assignment_id: None,
                },
            ],
        };
        assert_eq!(
            doc.json(),
            r#"{"EventDocId":"e1","SourceAccount":"000000000042","CustomerId":"AREQ","EventDocVersion":"2014-08-15","Events":[{"EventType":"AssignmentSubmitted","EventTimestamp":"2005-01-31T23:59:59Z","HITTypeId":"T","HITId":"H","AssignmentId":"A"},{"EventType":"HITReviewable","EventTimestamp":"2005-01-31T23:59:59Z","HITTypeId":"T","HITId":"H"}]}"#
        );
        let (subject, text) = doc.email();
        assert_eq!(subject, "OpenTurk notification: AssignmentSubmitted, HITReviewable");
        assert!(text.contains("AssignmentId: A"), "{text}");
        assert!(text.contains(&doc.json()), "{text}");
        assert_eq!(source_account("AREQ").len(), 12);
        assert_eq!(source_account("AREQ"), source_account("AREQ"));
    }
}
