//! Who may find, preview and accept a HIT: its QualificationRequirements (per guarded action)
//! and the requester's worker blocks. Every path a worker meets a HIT by (the HIT list on the
//! worker site and the worker API, preview, accept, accepting the next HIT of a group) asks
//! here, and nowhere else.
//!
//! What is checked is the worker's values at the moment of the action: revoking a
//! qualification, or blocking, takes nothing away from an assignment already accepted.

use crate::error::{Error, Result};
use crate::qualifications::repo as quals;
use crate::qualifications::system::{worker_qualification_values, QualificationValues};
use openturk_domain::eligibility::{unmet, Action};
use openturk_domain::model::Mode;
use openturk_domain::qualification::QualificationRequirement;
use openturk_domain::ErrorKind;
use openturk_storage::{params, Tx};

/// A requirement a worker does not meet, as the worker is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmet {
    pub qualification_type_id: String,
    /// The type's name ("Worker_Locale", or the requester's name for its type).
    pub name: String,
    /// What the HIT asks, e.g. "greater than or equal to 95", "US-PA", "that you have it".
    pub wanted: String,
    /// Whether the worker can request the type (or take its test) on the Qualifications page.
    pub requestable: bool,
}

impl std::fmt::Display for Unmet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}) {}", self.name, self.qualification_type_id, self.wanted)
    }
}

/// One worker's standing, read once per call and asked about any number of HITs.
pub(crate) struct Standing {
    worker_id: String,
    values: QualificationValues,
}

impl Standing {
    pub fn load(tx: &mut dyn Tx, worker_id: &str, mode: Mode) -> Result<Standing> {
        Ok(Standing { worker_id: worker_id.to_string(), values: worker_qualification_values(tx, worker_id, mode)? })
    }

    /// The requirements guarding `action` that this worker does not meet.
    pub fn unmet<'a>(&self, reqs: &'a [QualificationRequirement], action: Action) -> Vec<&'a QualificationRequirement> {
        unmet(reqs, action, |id| self.values.get(id).cloned())
    }

    /// Refuses `action` on a HIT of `requester_id` with these requirements, saying why.
    pub fn check(
        &self,
        tx: &mut dyn Tx,
        mode: Mode,
        requester_id: &str,
        reqs: &[QualificationRequirement],
        action: Action,
    ) -> Result<()> {
        if is_blocked(tx, requester_id, &self.worker_id)? {
            return Err(Error::new(
                ErrorKind::AccessDenied,
                "The requester of this HIT has blocked you from working on its HITs",
            ));
        }
        let missing = self.unmet(reqs, action);
        if missing.is_empty() {
            return Ok(());
        }
        let mut told = Vec::with_capacity(missing.len());
        for r in missing {
            told.push(describe(tx, mode, r)?);
        }
        Err(Error::NotQualified(told))
    }
}

/// Whether `requester_id` has blocked `worker_id`.
pub(crate) fn is_blocked(tx: &mut dyn Tx, requester_id: &str, worker_id: &str) -> Result<bool> {
    Ok(tx
        .query_opt("SELECT 1 FROM worker_blocks WHERE requester_id = ? AND worker_id = ?", params![requester_id, worker_id])?
        .is_some())
}

/// A requirement in words, with its type's name.
fn describe(tx: &mut dyn Tx, mode: Mode, r: &QualificationRequirement) -> Result<Unmet> {
    use openturk_domain::qualification::Comparator::*;
    let (name, requestable) = match quals::any_type(tx, &r.qualification_type_id, mode) {
        Ok(t) => (t.name.clone(), t.is_requestable()),
        // A requirement on a type that no longer exists cannot be met by asking for it.
        Err(e) if e.kind() == ErrorKind::QualificationTypeNotFound => (r.qualification_type_id.clone(), false),
        Err(e) => return Err(e),
    };
    let values: Vec<String> = if r.locale_values.is_empty() {
        r.integer_values.iter().map(ToString::to_string).collect()
    } else {
        r.locale_values
            .iter()
            .map(|l| match &l.subdivision {
                Some(s) => format!("{}-{s}", l.country),
                None => l.country.clone(),
            })
            .collect()
    };
    let v = values.join(", ");
    let wanted = "must be ".to_string()
        + &match r.comparator {
            LessThan => format!("less than {v}"),
        LessThanOrEqualTo => format!("at most {v}"),
        GreaterThan => format!("greater than {v}"),
        GreaterThanOrEqualTo => format!("at least {v}"),
        EqualTo => format!("equal to {v}"),
        NotEqualTo => format!("other than {v}"),
        Exists => "granted to you".to_string(),
        DoesNotExist => "not granted to you".to_string(),
        In => format!("one of {v}"),
        NotIn => format!("none of {v}"),
    };
    Ok(Unmet { qualification_type_id: r.qualification_type_id.clone(), name, wanted, requestable })
}
