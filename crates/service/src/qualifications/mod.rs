//! Qualifications: custom qualification types (`types`), workers' scores (`scores`), requests
//! and tests (`requests`), and the system types with every worker's values (`system`). SQL is
//! in `repo`.
//!
//! For eligibility, call [`worker_qualification_values`] (inside a unit of work) or
//! [`Service::qualification_values`]: one map of a worker's values, system and custom.

pub(crate) mod repo;
pub mod requests;
pub mod scores;
pub mod system;
pub mod types;

pub use requests::{MyTypeStanding, RequestOutcome};
pub use system::{worker_qualification_values, MyQualification, MyQualifications, QualificationValues};
pub use types::{NewQualificationType, QualificationTypeUpdate, TypeQuery};

pub(crate) use repo::link_hit_type;
