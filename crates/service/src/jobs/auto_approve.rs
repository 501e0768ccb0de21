//! `AutoApprove`: a submitted assignment nobody reviewed is approved, as of its auto-approval time.

use crate::error::Result;
use crate::{repo, Service};
use openturk_domain::clock::Millis;
use openturk_domain::model::AssignmentStatus;
use openturk_storage::Tx;

pub(super) fn run(svc: &Service, tx: &mut dyn Tx, assignment_id: &str, due: Millis, now: Millis) -> Result<()> {
    if let Some(a) = repo::load_assignment(tx, assignment_id)? {
        if a.status == AssignmentStatus::Submitted {
            svc.approve_in(tx, a, None, due, now)?;
        }
    }
    Ok(())
}
