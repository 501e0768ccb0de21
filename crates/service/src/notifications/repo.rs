//! The SQL of notifications: settings per HIT type, and the outbox rows that carry events.

use super::settings::{EventType, Settings, Specification, TransportKind};
use crate::error::{corrupt, Result};
use crate::jobs;
use crate::outbox::{self, Delivery, OutboxEntry, Status};
use openturk_domain::clock::Millis;
use openturk_storage::{params, Row, Tx};

pub(super) fn owns_hit_type(tx: &mut dyn Tx, requester_id: &str, hit_type_id: &str) -> Result<bool> {
    Ok(tx
        .query_opt(
            "SELECT hit_type_id FROM hit_types WHERE hit_type_id = ? AND requester_id = ?",
            params![hit_type_id, requester_id],
        )?
        .is_some())
}

const COLS: &str = "hit_type_id, transport, destination, version, event_types, active";

fn from_row(r: &Row) -> Result<Settings> {
    let t = r.string("transport")?;
    let transport = TransportKind::parse(&t).ok_or_else(|| corrupt("notification transport", &t))?;
    let names = r.string("event_types")?;
    let event_types = names
        .split(',')
        .map(|n| EventType::parse(n).ok_or_else(|| corrupt("notification event type", n)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Settings {
        hit_type_id: r.string("hit_type_id")?,
        spec: Specification {
            transport,
            destination: r.string("destination")?,
            version: r.string("version")?,
            event_types,
        },
        active: r.i64("active")? != 0,
    })
}

pub(super) fn load(tx: &mut dyn Tx, hit_type_id: &str) -> Result<Option<Settings>> {
    let sql = format!("SELECT {COLS} FROM notification_settings WHERE hit_type_id = ?");
    tx.query_opt(&sql, params![hit_type_id])?.as_ref().map(from_row).transpose()
}

/// The HIT type's specification when it is active: one primary-key read.
pub(super) fn active_spec(tx: &mut dyn Tx, hit_type_id: &str) -> Result<Option<Specification>> {
    let sql = format!("SELECT {COLS} FROM notification_settings WHERE hit_type_id = ? AND active = 1");
    Ok(tx.query_opt(&sql, params![hit_type_id])?.as_ref().map(from_row).transpose()?.map(|s| s.spec))
}

pub(super) fn save(tx: &mut dyn Tx, requester_id: &str, s: &Settings, now: Millis) -> Result<()> {
    let names: Vec<&str> = s.spec.event_types.iter().map(|e| e.as_str()).collect();
    let names = names.join(",");
    let active = i64::from(s.active);
    let n = tx.execute(
        "UPDATE notification_settings SET transport = ?, destination = ?, version = ?, event_types = ?, active = ?, updated_at = ?
         WHERE hit_type_id = ?",
        params![s.spec.transport.as_str(), &s.spec.destination, &s.spec.version, &names, active, now, &s.hit_type_id],
    )?;
    if n == 0 {
        tx.execute(
            "INSERT INTO notification_settings (hit_type_id, requester_id, transport, destination, version, event_types, active, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            params![&s.hit_type_id, requester_id, s.spec.transport.as_str(), &s.spec.destination, &s.spec.version, &names, active, now],
        )?;
    }
    Ok(())
}

pub(super) fn update_message(tx: &mut dyn Tx, seq: i64, d: &Delivery) -> Result<()> {
    tx.execute("UPDATE outbox SET payload = ? WHERE seq = ?", params![jobs::encode(d), seq])?;
    Ok(())
}

/// Notification deliveries, newest first, filtered by requester, HIT type and status.
pub(super) fn list(
    tx: &mut dyn Tx,
    requester_id: Option<&str>,
    hit_type_id: Option<&str>,
    status: Option<Status>,
    limit: i64,
) -> Result<Vec<OutboxEntry>> {
    let sql = format!(
        "SELECT {} FROM outbox WHERE channel IN ('sqs', 'sns', 'notification_email')
           AND (? = '' OR requester_id = ?) AND (? = '' OR ref_id = ?) AND (? = '' OR status = ?)
         ORDER BY seq DESC LIMIT ?",
        outbox::ENTRY_COLS
    );
    let (r, h, s) = (requester_id.unwrap_or(""), hit_type_id.unwrap_or(""), status.map(Status::as_str).unwrap_or(""));
    tx.query(&sql, params![r, r, h, h, s, s, limit.max(0)])?.iter().map(outbox::entry_from_row).collect()
}
