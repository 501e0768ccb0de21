//! `QualificationTypeDispose`: DeleteQualificationType leaves a type Disposing, because HITs
//! may still require it (its granted scores keep counting for them). "DeleteQualificationType
//! must wait for all the HITs that use the deleted Qualification type to be deleted before
//! completing" (API Reference): this job looks every hour, and once no HIT of a HIT type that
//! names the type is left (all disposed or deleted), removes the type with its scores, requests
//! and links. From then on the type does not exist.

use super::Job;
use crate::error::Result;
use crate::Service;
use openturk_domain::clock::Millis;
use openturk_storage::{params, Tx};

/// How long after the deletion, and after each look that found HITs still using the type, the
/// job looks (again). GetQualificationType shows the type Disposing until then, as MTurk's does
/// for a while (up to 48 hours there).
pub(crate) const LOOK_AFTER_MS: Millis = 3600 * 1000;

pub(super) fn run(svc: &Service, tx: &mut dyn Tx, type_id: &str, attempts: i64, now: Millis) -> Result<()> {
    let still_used = tx.query_opt(
        "SELECT 1 AS used FROM hits WHERE deleted = 0 AND status <> 'Disposed' AND hit_type_id IN \
         (SELECT hit_type_id FROM hit_type_qualifications WHERE qualification_type_id = ?) LIMIT 1",
        params![type_id],
    )?;
    if still_used.is_some() {
        return svc.reschedule(tx, &Job::qualification_type_dispose(type_id), now + LOOK_AFTER_MS, attempts);
    }
    // Only a type still Disposing goes (the job is scheduled by its deletion alone).
    let disposing = tx.query_opt(
        "SELECT 1 AS disposing FROM qualification_types WHERE qualification_type_id = ? AND status = 'Disposing'",
        params![type_id],
    )?;
    if disposing.is_none() {
        return Ok(());
    }
    for sql in [
        "DELETE FROM qualifications WHERE qualification_type_id = ?",
        "DELETE FROM qualification_requests WHERE qualification_type_id = ?",
        "DELETE FROM hit_type_qualifications WHERE qualification_type_id = ?",
        "DELETE FROM qualification_types WHERE qualification_type_id = ?",
    ] {
        tx.execute(sql, params![type_id])?;
    }
    Ok(())
}
