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

/// The message this unit last queued for a transport, destination, HIT type and version: its
/// outbox seq and document, which later events of the unit join until it is full.
struct OpenMessage {
    transport: TransportKind,
    destination: String,
    hit_type_id: String,
    seq: i64,
    doc: EventDoc,
}

thread_local! {
    /// The notification messages the unit of work on this thread has queued (a unit runs on its
    /// caller's thread). A new event of the same unit joins one; other units' messages are never
    /// touched, so that concurrent units (two workers accepting HITs of one type) never write
    /// the same row. The rows are this unit's own, uncommitted: nobody else can have changed
    /// them, so their documents are kept here rather than read back.
    static OPEN: RefCell<Vec<OpenMessage>> = const { RefCell::new(Vec::new()) };
}

/// Forgets the messages of the unit of work before: called as each attempt of a unit begins.
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
    let joined = OPEN.with(|o| -> Result<bool> {
        let mut open = o.borrow_mut();
        let mine = open.iter_mut().find(|m| {
            m.transport == spec.transport
                && m.destination == spec.destination
                && m.hit_type_id == hit.hit_type_id
                && m.doc.version == spec.version
        });
        match mine {
            Some(m) if m.doc.events.len() < MAX_EVENTS => {
                m.doc.events.push(event.clone());
                repo::update_message(tx, m.seq, &delivery(spec.transport, m.doc.clone()))?;
                Ok(true)
            }
            _ => Ok(false),
        }
    })?;
    if joined {
        return Ok(());
    }
    let doc = EventDoc::new(&spec, &hit.requester_id, vec![event]);
    let seq = outbox::enqueue(
        tx,
        &delivery(spec.transport, doc.clone()),
        Some(&hit.hit_type_id),
        Some(&hit.requester_id),
        svc.now(),
    )?;
    let opened = OpenMessage {
        transport: spec.transport,
        destination: spec.destination.clone(),
        hit_type_id: hit.hit_type_id.clone(),
        seq,
        doc,
    };
    OPEN.with(|o| {
        let mut open = o.borrow_mut();
        // A full message of the same key gives way to the new one.
        open.retain(|m| {
            !(m.transport == opened.transport
                && m.destination == opened.destination
                && m.hit_type_id == opened.hit_type_id
                && m.doc.version == opened.doc.version)
        });
        open.push(opened);
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
