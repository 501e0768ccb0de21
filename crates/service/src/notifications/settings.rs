//! The notification specification of a HIT type and its two operations.

use super::document::{EventDoc, StoredEvent};
use super::{events, repo};
use crate::error::{Error, Result};
use crate::Service;
use openturk_domain::{ids, ErrorKind};
use serde::{Deserialize, Serialize};

/// How a notification leaves: the `Transport` member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TransportKind {
    Email,
    #[serde(rename = "SQS")]
    Sqs,
    #[serde(rename = "SNS")]
    Sns,
}

impl TransportKind {
    pub const ALL: [TransportKind; 3] = [TransportKind::Email, TransportKind::Sqs, TransportKind::Sns];
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Email => "Email",
            TransportKind::Sqs => "SQS",
            TransportKind::Sns => "SNS",
        }
    }
    pub fn parse(s: &str) -> Option<TransportKind> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

macro_rules! event_types {
    ($($v:ident),* $(,)?) => {
        /// An event a notification reports (`EventType`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum EventType { $($v,)* }
        impl EventType {
            /// In the API Reference's order; Ping last.
            pub const ALL: &'static [EventType] = &[$(EventType::$v,)*];
            pub fn as_str(self) -> &'static str {
                match self { $(EventType::$v => stringify!($v),)* }
            }
        }
    };
}

event_types!(
    AssignmentAccepted,
    AssignmentAbandoned,
    AssignmentReturned,
    AssignmentSubmitted,
    AssignmentRejected,
    AssignmentApproved,
    HITCreated,
    HITExtended,
    HITDisposed,
    HITReviewable,
    HITExpired,
    Ping,
);

impl EventType {
    pub fn parse(s: &str) -> Option<EventType> {
        Self::ALL.iter().copied().find(|e| e.as_str() == s)
    }
    /// Whether the event concerns an assignment (and so carries its AssignmentId).
    pub fn is_assignment_event(self) -> bool {
        self.as_str().starts_with("Assignment")
    }
}

/// The notification API versions accepted: 2006-05-05 (the service model's) and 2014-08-15
/// (the API Reference's). Both get the same JSON document; its EventDocVersion says which.
pub const VERSIONS: [&str; 2] = ["2006-05-05", "2014-08-15"];

/// A checked specification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Specification {
    pub transport: TransportKind,
    pub destination: String,
    pub version: String,
    pub event_types: Vec<EventType>,
}

/// A specification as the caller sent it (every member may be missing or wrong).
#[derive(Debug, Clone, Default)]
pub struct SpecInput {
    pub destination: Option<String>,
    pub transport: Option<String>,
    pub version: Option<String>,
    pub event_types: Option<Vec<String>>,
}

/// HIT type settings as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub hit_type_id: String,
    pub spec: Specification,
    pub active: bool,
}

fn enum_error(value: &str, at: &str, set: &[&str]) -> Error {
    Error::invalid(format!(
        "Value '{value}' at '{at}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
        set.join(", ")
    ))
}

fn endpoint_error(message: String) -> Error {
    Error::new(ErrorKind::InvalidTransportEndpoint, message)
}

impl SpecInput {
    /// Checks every member; `ping_allowed` only for SendTestEventNotification.
    pub fn validate(&self, ping_allowed: bool) -> Result<Specification> {
        let missing = |m: &str| Error::invalid(format!("Notification.{m} is required"));
        let t = self.transport.as_deref().ok_or_else(|| missing("Transport"))?;
        let transport = TransportKind::parse(t)
            .ok_or_else(|| enum_error(t, "notification.transport", &TransportKind::ALL.map(TransportKind::as_str)))?;
        let version = self.version.as_deref().ok_or_else(|| missing("Version"))?;
        if !VERSIONS.contains(&version) {
            return Err(Error::invalid(format!(
                "Notification.Version '{version}' is not a notification API version; use {} or {}",
                VERSIONS[0], VERSIONS[1]
            )));
        }
        let names = self.event_types.as_ref().ok_or_else(|| missing("EventTypes"))?;
        if names.is_empty() {
            return Err(Error::invalid("Notification.EventTypes must name at least one event type"));
        }
        let mut event_types = Vec::new();
        for n in names {
            let e = EventType::parse(n).ok_or_else(|| {
                let all: Vec<&str> = EventType::ALL.iter().map(|e| e.as_str()).collect();
                enum_error(n, "notification.eventTypes.member", &all)
            })?;
            if e == EventType::Ping && !ping_allowed {
                return Err(Error::invalid(
                    "EventType Ping is only valid for SendTestEventNotification, not in a HIT type's notification specification",
                ));
            }
            if !event_types.contains(&e) {
                event_types.push(e);
            }
        }
        let destination = self.destination.as_deref().ok_or_else(|| missing("Destination"))?.trim().to_string();
        check_destination(transport, &destination)?;
        Ok(Specification { transport, destination, version: version.to_string(), event_types })
    }
}

/// The Destination must be what its Transport sends to: an email address, an SQS queue URL, an
/// SNS topic ARN.
pub fn check_destination(t: TransportKind, d: &str) -> Result<()> {
    let ok = match t {
        TransportKind::Email => crate::smtp::is_address(d),
        TransportKind::Sqs => crate::aws::is_queue_url(d),
        TransportKind::Sns => crate::aws::is_topic_arn(d),
    };
    if ok {
        return Ok(());
    }
    Err(endpoint_error(match t {
        TransportKind::Email => format!("Destination '{d}' is not an email address, which Transport Email needs"),
        TransportKind::Sqs => format!(
            "Destination '{d}' is not an SQS queue URL, which Transport SQS needs (such as https://sqs.us-east-1.amazonaws.com/123456789012/my-queue)"
        ),
        TransportKind::Sns => format!(
            "Destination '{d}' is not an SNS topic ARN, which Transport SNS needs (such as arn:aws:sns:us-east-1:123456789012:my-topic)"
        ),
    }))
}

impl Service {
    /// UpdateNotificationSettings: sets (replaces) the HIT type's specification, turns it on or
    /// off, or both. A new specification without Active keeps the old one's state, and is on
    /// when there was none.
    pub fn update_notification_settings(
        &self,
        requester_id: &str,
        hit_type_id: &str,
        spec: Option<&SpecInput>,
        active: Option<bool>,
    ) -> Result<()> {
        if spec.is_none() && active.is_none() {
            return Err(Error::invalid(
                "UpdateNotificationSettings needs Notification or Active (or both): there is nothing to change",
            ));
        }
        let spec = spec.map(|s| s.validate(false)).transpose()?;
        let now = self.now();
        self.write_for(requester_id, |tx| {
            if !repo::owns_hit_type(tx, requester_id, hit_type_id)? {
                return Err(crate::not_found(ErrorKind::HitTypeNotFound, "HITType", hit_type_id));
            }
            let old = repo::load(tx, hit_type_id)?;
            let (spec, active) = match (&spec, &old) {
                (Some(s), old) => (s.clone(), active.or(old.as_ref().map(|o| o.active)).unwrap_or(true)),
                (None, Some(o)) => (o.spec.clone(), active.unwrap_or(o.active)),
                (None, None) => {
                    return Err(Error::invalid(format!(
                        "HIT type {hit_type_id} has no notification specification: give Notification to set one before changing Active"
                    )))
                }
            };
            repo::save(tx, requester_id, &Settings { hit_type_id: hit_type_id.to_string(), spec, active }, now)
        })
    }

    /// The HIT type's notification settings, if it has any (the caller's HIT types only).
    pub fn notification_settings(&self, requester_id: &str, hit_type_id: &str) -> Result<Option<Settings>> {
        self.read(|tx| {
            if !repo::owns_hit_type(tx, requester_id, hit_type_id)? {
                return Err(crate::not_found(ErrorKind::HitTypeNotFound, "HITType", hit_type_id));
            }
            repo::load(tx, hit_type_id)
        })
    }

    /// SendTestEventNotification: one message with one event of `test_event_type` (which the
    /// specification's EventTypes need not list), queued now and sent by the deliverer at once.
    /// Its HITTypeId, HITId and AssignmentId are made-up IDs of the right shapes.
    pub fn send_test_event_notification(
        &self,
        requester_id: &str,
        spec: &SpecInput,
        test_event_type: &str,
    ) -> Result<()> {
        let spec = spec.validate(true)?;
        let event_type = EventType::parse(test_event_type).ok_or_else(|| {
            let all: Vec<&str> = EventType::ALL.iter().map(|e| e.as_str()).collect();
            enum_error(test_event_type, "testEventType", &all)
        })?;
        let now = self.now();
        let event = StoredEvent {
            event_type,
            at: now,
            hit_type_id: ids::new_hit_id(),
            hit_id: ids::new_hit_id(),
            assignment_id: event_type.is_assignment_event().then(ids::new_assignment_id),
        };
        let doc = EventDoc::new(&spec, requester_id, vec![event]);
        self.write(|tx| events::enqueue(tx, &spec, &doc, requester_id, now))?;
        self.wake_deliverer();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(t: &str, d: &str, v: &str, e: &[&str]) -> SpecInput {
        SpecInput {
            transport: Some(t.into()),
            destination: Some(d.into()),
            version: Some(v.into()),
            event_types: Some(e.iter().map(|s| s.to_string()).collect()),
        }
    }

    #[test]
    fn destinations_fit_their_transport() {
        let ok = [
            ("SQS", "https://sqs.us-east-1.amazonaws.com/123456789012/q"),
            ("SQS", "http://127.0.0.1:5000/123456789012/my_queue.fifo"),
            ("SNS", "arn:aws:sns:us-east-1:123456789012:my_mturk_topic"),
            ("Email", "requester@example.org"),
        ];
        for (t, d) in ok {
            assert!(input(t, d, "2014-08-15", &["HITExpired"]).validate(false).is_ok(), "{t} {d}");
        }
        let bad = [
            ("SQS", "arn:aws:sns:us-east-1:123456789012:t"),
            ("SQS", "https://sqs.us-east-1.amazonaws.com/q"),
            ("SQS", "ftp://h/1/q"),
            ("SNS", "https://sqs.us-east-1.amazonaws.com/123456789012/q"),
            ("SNS", "arn:aws:sqs:us-east-1:123456789012:t"),
            ("SNS", "arn:aws:sns:us-east-1:1234:t"),
            ("Email", "not an address"),
        ];
        for (t, d) in bad {
            let e = input(t, d, "2014-08-15", &["HITExpired"]).validate(false).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidTransportEndpoint, "{t} {d}");
            assert!(e.to_string().contains(d), "{e}");
        }
    }

    #[test]
    fn members_are_checked() {
        let e = input("HTTP", "x", "2014-08-15", &["Ping"]).validate(true).unwrap_err();
        assert!(e.to_string().contains("[Email, SQS, SNS]"), "{e}");
        let e = input("Email", "a@b.co", "2020-01-01", &["HITExpired"]).validate(false).unwrap_err();
        assert!(e.to_string().contains("2006-05-05"), "{e}");
        let e = input("Email", "a@b.co", "2006-05-05", &["Ping"]).validate(false).unwrap_err();
        assert!(e.to_string().contains("SendTestEventNotification"), "{e}");
        assert!(input("Email", "a@b.co", "2006-05-05", &["Ping"]).validate(true).is_ok());
        let e = input("Email", "a@b.co", "2006-05-05", &["HitExpired"]).validate(false).unwrap_err();
        assert!(e.to_string().contains("'HitExpired'"), "{e}");
        let e = input("Email", "a@b.co", "2006-05-05", &[]).validate(false).unwrap_err();
        assert!(e.to_string().contains("at least one"), "{e}");
        let s = input("Email", "a@b.co", "2006-05-05", &["HITExpired", "HITCreated", "HITExpired"]).validate(false);
        assert_eq!(s.unwrap().event_types, [EventType::HITExpired, EventType::HITCreated]);
    }

    #[test]
    fn eleven_event_types_and_ping() {
        assert_eq!(EventType::ALL.len(), 12);
        assert_eq!(EventType::parse("HITReviewable"), Some(EventType::HITReviewable));
        assert!(EventType::AssignmentAbandoned.is_assignment_event());
        assert!(!EventType::HITDisposed.is_assignment_event());
    }
}
