//! `HitExpire`: a HIT reaches its expiry; settling it makes it unavailable and releases its hold.

use crate::error::Result;
use crate::{repo, Service};
use openturk_domain::clock::Millis;
use openturk_storage::Tx;

pub(super) fn run(svc: &Service, tx: &mut dyn Tx, hit_id: &str, now: Millis) -> Result<()> {
    if let Some(mut hit) = repo::load_hit(tx, hit_id)? {
        svc.settle_hit(tx, &mut hit, now)?;
    }
    Ok(())
}
