//! `HitReview`: a HIT with a HIT-level review policy became Reviewable; run the policy
//! (`review_policies`), which re-checks that the HIT is still reviewable.

use crate::error::Result;
use crate::Service;
use openturk_domain::clock::Millis;
use openturk_storage::Tx;

pub(super) fn run(svc: &Service, tx: &mut dyn Tx, hit_id: &str, now: Millis) -> Result<()> {
    svc.review_hit(tx, hit_id, now)
}
