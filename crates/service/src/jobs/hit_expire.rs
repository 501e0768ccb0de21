//! `HitExpire`: a HIT reaches its expiry; settling it makes it unavailable and releases its hold.
//! The job is moved whenever the expiry moves, so it runs once per expiry (HITExpired).

use crate::error::Result;
use crate::notifications::{self as note, EventType as Ev};
use crate::{repo, Service};
use openturk_domain::clock::Millis;
use openturk_domain::model::HitStatus;
use openturk_storage::Tx;

pub(super) fn run(svc: &Service, tx: &mut dyn Tx, hit_id: &str, now: Millis) -> Result<()> {
    if let Some(mut hit) = repo::load_hit(tx, hit_id)? {
        if hit.status != HitStatus::Disposed && hit.is_expired(now) {
            note::emit(svc, tx, &hit, Ev::HITExpired, None, hit.expires_at)?;
        }
        svc.settle_hit(tx, &mut hit, now)?;
    }
    Ok(())
}
