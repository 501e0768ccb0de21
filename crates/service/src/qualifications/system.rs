//! A worker's qualification values: the system types' (computed from the worker's history and
//! settings) and the custom scores granted to it. Eligibility reads them here, and only here.

use super::repo;
use crate::error::Result;
use crate::{not_found, Service};
use openturk_domain::model::Mode;
use openturk_domain::qualification::Locale;
use openturk_domain::qualification_type::{
    Qualification, QualificationType, QualificationValue, SystemType, APPROVAL_RATE_MIN_SUBMITTED,
};
use openturk_domain::ErrorKind;
use openturk_storage::{params, Tx};
use std::collections::HashMap;

/// Qualification type ID → the worker's value. A type that is absent is one the worker does
/// not have (what `Exists` and `DoesNotExist` test).
pub type QualificationValues = HashMap<String, QualificationValue>;

/// Every qualification value of `worker_id` in `mode`, in two indexed queries:
///
/// - Worker_Locale: the worker's country and subdivision (always present);
/// - Worker_Adult: 1 once the worker has acknowledged adult content, else 0 (always present);
/// - Worker_NumberHITsApproved: the worker's approved assignments (always present);
/// - Worker_PercentAssignmentsApproved: 100 until the worker has submitted 100 assignments
///   (Submitted, Approved or Rejected); then approved / (approved + rejected), rounded half up,
///   the rate the worker's dashboard shows (assignments not yet reviewed do not count either
///   way);
/// - Masters (this mode's ID): 1 when an operator granted it, absent otherwise;
/// - every custom type's Granted score (revoked ones are absent; types being disposed still
///   count, as the spec says).
///
/// A worker that does not exist is an error (WorkerNotFound).
pub fn worker_qualification_values(tx: &mut dyn Tx, worker_id: &str, mode: Mode) -> Result<QualificationValues> {
    let row = tx.query_opt(
        "SELECT w.country, w.subdivision, w.adult, w.masters_granted_at, \
         (SELECT COUNT(*) FROM assignments a WHERE a.worker_id = w.worker_id AND a.status = 'Approved') AS approved, \
         (SELECT COUNT(*) FROM assignments a WHERE a.worker_id = w.worker_id AND a.status = 'Rejected') AS rejected, \
         (SELECT COUNT(*) FROM assignments a WHERE a.worker_id = w.worker_id AND a.status = 'Submitted') AS pending \
         FROM workers w WHERE w.worker_id = ?",
        params![worker_id],
    )?;
    let Some(r) = row else {
        return Err(not_found(ErrorKind::WorkerNotFound, "Worker", worker_id));
    };
    let (approved, rejected, pending) = (r.i64("approved")?, r.i64("rejected")?, r.i64("pending")?);
    let mut values = QualificationValues::new();
    values.insert(
        SystemType::Locale.id(mode).to_string(),
        QualificationValue::Locale(Locale { country: r.string("country")?, subdivision: r.opt_string("subdivision")? }),
    );
    values.insert(SystemType::Adult.id(mode).to_string(), QualificationValue::Integer(i64::from(r.bool("adult")?)));
    values.insert(SystemType::NumberHitsApproved.id(mode).to_string(), QualificationValue::Integer(approved));
    values.insert(
        SystemType::PercentAssignmentsApproved.id(mode).to_string(),
        QualificationValue::Integer(percent_approved(approved, rejected, pending)),
    );
    if r.opt_i64("masters_granted_at")?.is_some() {
        values.insert(SystemType::Masters.id(mode).to_string(), QualificationValue::Integer(1));
    }
    for s in tx.query(
        "SELECT qualification_type_id, integer_value FROM qualifications WHERE worker_id = ? AND status = 'Granted'",
        params![worker_id],
    )? {
        values.insert(s.string("qualification_type_id")?, QualificationValue::Integer(s.i64("integer_value")?));
    }
    Ok(values)
}

/// Worker_PercentAssignmentsApproved from the worker's counts (see
/// [`worker_qualification_values`]).
pub fn percent_approved(approved: i64, rejected: i64, pending: i64) -> i64 {
    let reviewed = approved + rejected;
    if approved + rejected + pending < APPROVAL_RATE_MIN_SUBMITTED || reviewed == 0 {
        return 100;
    }
    (approved * 100 + reviewed / 2) / reviewed
}

/// A custom score with its type, as the worker's Qualifications page lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct MyQualification {
    pub qualification: Qualification,
    pub qualification_type: QualificationType,
}

/// Everything the worker's Qualifications page shows about the worker's own standing.
#[derive(Debug, Clone, PartialEq)]
pub struct MyQualifications {
    /// The system types' values (see [`worker_qualification_values`]).
    pub system: Vec<(SystemType, QualificationValue)>,
    /// Custom scores, granted and revoked (with the requester's reason), newest grant first.
    pub scores: Vec<MyQualification>,
}

impl Service {
    /// [`worker_qualification_values`] in a unit of work of its own.
    pub fn qualification_values(&self, worker_id: &str) -> Result<QualificationValues> {
        let mode = self.mode();
        self.read(|tx| worker_qualification_values(tx, worker_id, mode))
    }

    /// The worker's qualifications: system values and custom scores with their types.
    pub fn my_qualifications(&self, worker_id: &str) -> Result<MyQualifications> {
        let mode = self.mode();
        let sql = format!(
            "SELECT {}, {} FROM qualifications q JOIN qualification_types t \
             ON t.qualification_type_id = q.qualification_type_id WHERE q.worker_id = ? \
             ORDER BY q.granted_at DESC, q.seq DESC",
            prefixed("q", repo::SCORE_COLS),
            aliased("t", repo::TYPE_COLS, "t_")
        );
        self.read(|tx| {
            let values = worker_qualification_values(tx, worker_id, mode)?;
            let system =
                SystemType::ALL.iter().filter_map(|s| values.get(s.id(mode)).map(|v| (*s, v.clone()))).collect();
            let mut scores = Vec::new();
            for r in tx.query(&sql, params![worker_id])? {
                let (qualification, _) = repo::score_from_row(&r)?;
                let (qualification_type, _) = repo::type_from_row(&r.with_prefix("t_"))?;
                scores.push(MyQualification { qualification, qualification_type });
            }
            Ok(MyQualifications { system, scores })
        })
    }

    /// The worker's Adult acknowledgement (Worker_Adult), set or cleared by the worker.
    pub fn set_adult(&self, worker_id: &str, adult: bool) -> Result<()> {
        self.write(|tx| {
            let n = tx.execute("UPDATE workers SET adult = ? WHERE worker_id = ?", params![adult, worker_id])?;
            if n == 0 {
                return Err(not_found(ErrorKind::WorkerNotFound, "Worker", worker_id));
            }
            Ok(())
        })
    }

    /// Grants (or takes away) the Masters qualification: an operator's decision
    /// (`openturk worker grant-masters` / `revoke-masters`). `worker` is a WorkerId or a
    /// username. Returns the WorkerId.
    pub fn set_masters(&self, worker: &str, granted: bool) -> Result<String> {
        let now = self.now();
        self.write(|tx| {
            let row = tx.query_opt(
                "SELECT worker_id FROM workers WHERE worker_id = ? OR username = ?",
                params![worker, worker],
            )?;
            let id = row.ok_or_else(|| not_found(ErrorKind::WorkerNotFound, "Worker", worker))?.string("worker_id")?;
            let at = granted.then_some(now);
            tx.execute("UPDATE workers SET masters_granted_at = ? WHERE worker_id = ?", params![at, &id])?;
            Ok(id)
        })
    }
}

/// `a, b` → `p.a, p.b`.
fn prefixed(p: &str, cols: &str) -> String {
    cols.split(',').map(|c| format!("{p}.{}", c.trim())).collect::<Vec<_>>().join(", ")
}

/// `cols` of table `p`, each renamed `{alias}{name}`, so that they can share a row with columns
/// of the same names (read them back with `Row::with_prefix`).
fn aliased(p: &str, cols: &str, alias: &str) -> String {
    cols.split(',').map(|c| format!("{p}.{c} AS {alias}{c}", c = c.trim())).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approval_rate_is_100_below_100_submitted() {
        assert_eq!(percent_approved(0, 99, 0), 100);
        assert_eq!(percent_approved(50, 40, 9), 100);
        assert_eq!(percent_approved(50, 50, 0), 50);
        assert_eq!(percent_approved(2, 1, 97), 67);
        assert_eq!(percent_approved(0, 0, 100), 100);
        assert_eq!(percent_approved(0, 100, 0), 0);
    }
}
