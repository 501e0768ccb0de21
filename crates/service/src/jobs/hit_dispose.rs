//! `HitDispose`: a HIT reviewable for the disposal period is disposed of, unless work still
//! waits for review; then the job puts itself back (counting the attempt).

use super::Job;
use crate::error::Result;
use crate::{repo, Service};
use openturk_domain::clock::Millis;
use openturk_domain::model::HitStatus;
use openturk_storage::Tx;

pub(super) fn run(svc: &Service, tx: &mut dyn Tx, hit_id: &str, attempts: i64, now: Millis) -> Result<()> {
    if let Some(mut hit) = repo::load_hit(tx, hit_id)? {
        if matches!(hit.status, HitStatus::Reviewable | HitStatus::Reviewing) && hit.num_submitted == 0 {
            svc.dispose(tx, &mut hit, now)?;
        } else if hit.status != HitStatus::Disposed {
            // Still has work waiting for review: look again when that is done.
            let retry = now + svc.config().disposal_after_secs.min(86_400) * 1000;
            svc.reschedule(tx, &Job::hit_dispose(hit_id), retry, attempts)?;
        }
    }
    Ok(())
}
