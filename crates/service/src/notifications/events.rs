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
use std::cell::RefCell;

/// The delivery of `doc` over `t`.
pub fn delivery(t: TransportKind, doc: EventDoc) -> Delivery {
    match t {
        TransportKind::Sqs => Delivery::Sqs(doc),
        TransportKind::Sns => Delivery::Sns(doc),
        TransportKind::Email => Delivery::NotificationEmail(doc),
    }
}

/// A message this unit queued: its transport, destination, HIT type, version and outbox seq.
type OpenMessage = (TransportKind, String, String, String, i64);

thread_local! {
    /// The notification messages the unit of work on this thread has queued (a unit runs on its
    /// caller's thread): `(transport, destination, hit_type_id, version, seq)`. A new event of the
    /// same unit joins one; other units' messages are never touched, so that concurrent units
    /// (two workers accepting HITs of one type) never write the same row.
    static OPEN: RefCell<Vec<OpenMessage>> = const { RefCell::new(Vec::new()) };
}

/// Forgets the messages of the unit of work before: called as each unit begins.
pub(crate) fn unit_begins() {
    OPEN.with(|o| o.borrow_mut().clear());
}

/// Reports `event` of `hit` (and `assignment_id`, for assignment events) at `at`, if the HIT
/// type has an active specification that lists it. Called by every state change, in its own
/// transaction, so the event exists if and only if the change committed. The events of one
/// transaction for one destination share a message (up to [`MAX_EVENTS`]).
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
    let mine = OPEN.with(|o| {
        o.borrow()
            .iter()
            .find(|(k, d, t, v, _)| {
                *k == spec.transport && *d == spec.destination && *t == hit.hit_type_id && *v == spec.version
            })
            .map(|e| e.4)
    });
    if let Some(seq) = mine {
        // A row of this unit's (a retried unit's earlier rows are gone, and found no more).
        if let Some(Delivery::Sqs(mut doc) | Delivery::Sns(mut doc) | Delivery::NotificationEmail(mut doc)) =
            repo::pending_message(tx, seq)?
        {
            if doc.events.len() < MAX_EVENTS {
                doc.events.push(event);
                return repo::update_message(tx, seq, &delivery(spec.transport, doc));
            }
        }
    }
    let doc = EventDoc::new(&spec, &hit.requester_id, vec![event]);
    let seq = outbox::enqueue(
        tx,
        &delivery(spec.transport, doc),
        Some(&hit.hit_type_id),
        Some(&hit.requester_id),
        svc.now(),
    )?;
    OPEN.with(|o| {
        o.borrow_mut().push((
            spec.transport,
            spec.destination.clone(),
            hit.hit_type_id.clone(),
            spec.version.clone(),
            seq,
        ))
    });
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
    outbox::enqueue(tx, &delivery(spec.transport, doc.clone()), None, Some(requester_id), now).map(drop)
}
