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
use openturk_domain::model::{Hit, Mode};
use openturk_domain::qualification::QualificationRequirement;
use openturk_domain::ErrorKind;
use openturk_storage::Tx;

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

    /// Someone who is not signed in: no qualifications at all.
    pub fn visitor() -> Standing {
        Standing { worker_id: String::new(), values: QualificationValues::new() }
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
        not_blocked(tx, requester_id, &self.worker_id)?;
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

/// Refuses `action` on `hit` to a worker who does not meet its requirements guarding it, or
/// whom its requester blocked.
pub(crate) fn may(tx: &mut dyn Tx, mode: Mode, worker_id: &str, hit: &Hit, action: Action) -> Result<()> {
    let reqs = &hit.spec.qualification_requirements;
    if reqs.is_empty() {
        // Nothing to compare: skip reading the worker's values.
        return not_blocked(tx, &hit.requester_id, worker_id);
    }
    Standing::load(tx, worker_id, mode)?.check(tx, mode, &hit.requester_id, reqs, action)
}

fn not_blocked(tx: &mut dyn Tx, requester_id: &str, worker_id: &str) -> Result<()> {
    if crate::blocks::is_blocked(tx, requester_id, worker_id)? {
        return Err(Error::new(
            ErrorKind::AccessDenied,
            "The requester of this HIT has blocked you from working on its HITs",
        ));
    }
    Ok(())
}

impl crate::Service {
    /// The requirements guarding accepting `hit` that the worker does not meet, in words (a
    /// preview shows them in place of its Accept button).
    pub fn unmet_to_accept(&self, worker_id: &str, hit: &Hit) -> Result<Vec<Unmet>> {
        let reqs = &hit.spec.qualification_requirements;
        if reqs.is_empty() {
            return Ok(Vec::new());
        }
        let mode = self.mode();
        self.read(|tx| {
            let standing = Standing::load(tx, worker_id, mode)?;
            standing.unmet(reqs, Action::Accept).into_iter().map(|r| describe(tx, mode, r)).collect()
        })
    }
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
