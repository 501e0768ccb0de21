//! Events into the outbox, in the transaction of the change that causes them.

use super::document::{EventDoc, StoredEvent, MAX_EVENTS};
use super::repo;
use super::settings::{EventType, Specification, TransportKind};
use crate::error::Result;
use crate::outbox::{self, Delivery};
use crate::Service;
use openturk_domain::clock::Millis;
use openturk_domain::model::Hit;
use openturk_storage::Tx;

/// The delivery of `doc` over `t`.
pub fn delivery(t: TransportKind, doc: EventDoc) -> Delivery {
    match t {
        TransportKind::Sqs => Delivery::Sqs(doc),
        TransportKind::Sns => Delivery::Sns(doc),
        TransportKind::Email => Delivery::NotificationEmail(doc),
    }
}

/// Reports `event` of `hit` (and `assignment_id`, for assignment events) at `at`, if the HIT
/// type has an active specification that lists it. Called by every state change, in its own
/// transaction, so the event exists if and only if the change committed. Events for one
/// destination that wait together share one message (up to [`MAX_EVENTS`]).
pub fn emit(
    svc: &Service,
    tx: &mut dyn Tx,
    hit: &Hit,
    event_type: EventType,
    assignment_id: Option<&str>,
    at: Millis,
) -> Result<()> {
    let Some(spec) = repo::active_spec(tx, &hit.hit_type_id)? else {
        return Ok(());
    };
    if !spec.event_types.contains(&event_type) {
        return Ok(());
    }
    let event = StoredEvent {
        event_type,
        at,
        hit_type_id: hit.hit_type_id.clone(),
        hit_id: hit.hit_id.clone(),
        assignment_id: assignment_id.map(str::to_string),
    };
    let now = svc.now();
    // A message of this HIT type for the same destination that is still waiting (queued by this
    // transaction, or by another while the deliverer was busy) takes the event too: the events
    // of one transaction share a message, and a backlog leaves in fewer, fuller messages.
    let channel = delivery(spec.transport, EventDoc::default()).channel();
    if let Some((seq, Delivery::Sqs(mut doc) | Delivery::Sns(mut doc) | Delivery::NotificationEmail(mut doc))) =
        repo::open_message(tx, channel, &spec.destination, &hit.hit_type_id)?
    {
        if doc.events.len() < MAX_EVENTS && doc.customer_id == hit.requester_id {
            doc.events.push(event);
            repo::update_message(tx, seq, &delivery(spec.transport, doc))?;
            svc.outbox_queued();
            return Ok(());
        }
    }
    let doc = EventDoc::new(&spec, &hit.requester_id, vec![event]);
    enqueue_for(tx, &spec, doc, &hit.hit_type_id, &hit.requester_id, now)?;
    svc.outbox_queued();
    Ok(())
}

/// Queues a message for `spec`'s destination (SendTestEventNotification's, which has no HIT type).
pub(super) fn enqueue(
    tx: &mut dyn Tx,
    spec: &Specification,
    doc: &EventDoc,
    requester_id: &str,
    now: Millis,
) -> Result<()> {
    outbox::enqueue(tx, &delivery(spec.transport, doc.clone()), None, Some(requester_id), now)
}

fn enqueue_for(
    tx: &mut dyn Tx,
    spec: &Specification,
    doc: EventDoc,
    hit_type_id: &str,
    requester_id: &str,
    now: Millis,
) -> Result<()> {
    outbox::enqueue(tx, &delivery(spec.transport, doc), Some(hit_type_id), Some(requester_id), now)
}
