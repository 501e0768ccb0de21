//! HIT event notifications (UpdateNotificationSettings, SendTestEventNotification).
//!
//! - [`settings`]: the specification (Transport, Destination, Version, EventTypes), its checks
//!   with MTurk's errors, and the two operations;
//! - [`events`]: [`emit`], the one hook every state change calls in its own transaction: it
//!   reads the HIT type's active specification (one primary-key read, no cache, so a change of
//!   settings on one replica holds at once on all) and, when the event is subscribed, writes it
//!   to the outbox, batched with the other events of the same transaction for the same
//!   destination;
//! - [`document`]: the message a consumer reads (EventDocId, SourceAccount, CustomerId,
//!   EventDocVersion, Events), and the email's subject and text;
//! - [`deliver`]: the outbox transport that sends each channel: SQS and SNS through
//!   [`crate::aws::Aws`], email through [`crate::smtp`];
//! - [`repo`]: the SQL.
//!
//! Delivery itself is the outbox's (`outbox.rs`): at least once, leased, retried with backoff,
//! never lost across a restart.

pub mod deliver;
pub mod document;
pub mod events;
mod repo;
pub mod settings;

pub use document::{EventDoc, StoredEvent};
pub use events::emit;
pub(crate) use events::unit_begins;
pub use settings::{EventType, SpecInput, Specification, TransportKind};

use crate::error::Result;
use crate::outbox::{OutboxEntry, Status};
use crate::Service;

impl Service {
    /// Notification deliveries (SQS, SNS, email), newest first, with their status and last
    /// error; optionally one requester's, one HIT type's, in one status.
    pub fn notification_deliveries(
        &self,
        requester_id: Option<&str>,
        hit_type_id: Option<&str>,
        status: Option<Status>,
        limit: i64,
    ) -> Result<Vec<OutboxEntry>> {
        self.inner.db.read(|tx| repo::list(tx, requester_id, hit_type_id, status, limit))
    }
}
