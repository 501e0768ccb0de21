//! `AssignmentDeadline`: an accepted assignment's time is up; it is abandoned, as of its deadline,
//! and its slot goes back to the HIT.

use crate::error::Result;
use crate::notifications::{self as note, EventType as Ev};
use crate::{repo, Service};
use openturk_domain::clock::Millis;
use openturk_domain::model::AssignmentStatus;
use openturk_storage::Tx;

pub(super) fn run(svc: &Service, tx: &mut dyn Tx, assignment_id: &str, due: Millis, now: Millis) -> Result<()> {
    if let Some(mut a) = repo::load_assignment(tx, assignment_id)? {
        if a.status == AssignmentStatus::Accepted {
            a.status = AssignmentStatus::Abandoned;
            a.returned_at = Some(due);
            repo::save_assignment(tx, &a)?;
            if let Some(mut hit) = repo::load_hit(tx, &a.hit_id)? {
                hit.num_pending -= 1;
                note::emit(svc, tx, &hit, Ev::AssignmentAbandoned, Some(&a.assignment_id), due)?;
                svc.settle_hit(tx, &mut hit, now)?;
            }
        }
    }
    Ok(())
}
