//! The marketplace's records, as the services read and write them.

use crate::clock::Millis;
use crate::money::Money;
use crate::qualification::QualificationRequirement;
use serde::{Deserialize, Serialize};

/// Sandbox is a free playground; production keeps real prepaid balances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Sandbox,
    Production,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Sandbox => "sandbox",
            Mode::Production => "production",
        }
    }
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "sandbox" => Some(Mode::Sandbox),
            "production" => Some(Mode::Production),
            _ => None,
        }
    }
}

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($v:ident),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $($v),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => stringify!($v)),* }
            }
            pub fn parse(s: &str) -> Option<$name> {
                match s { $(stringify!($v) => Some($name::$v),)* _ => None }
            }
            pub fn names() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }
    };
}

string_enum!(
    /// A HIT's status, as MTurk reports it.
    HitStatus { Assignable, Unassignable, Reviewable, Reviewing, Disposed }
);
string_enum!(
    /// The requester's own marker on a HIT; `MarkedForReview` is what UpdateHITReviewStatus sets.
    HitReviewStatus { NotReviewed, MarkedForReview, ReviewedAppropriate, ReviewedInappropriate }
);
string_enum!(
    /// An assignment's status. Returned and Abandoned assignments are kept for the worker's
    /// history but never shown to requesters, as in MTurk.
    AssignmentStatus { Accepted, Submitted, Approved, Rejected, Returned, Abandoned }
);

/// The properties that define a HIT type. Equal properties give the same HITTypeId.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HitTypeSpec {
    pub title: String,
    pub description: String,
    pub keywords: Option<String>,
    pub reward: Money,
    pub assignment_duration_secs: i64,
    pub auto_approval_delay_secs: i64,
    pub qualification_requirements: Vec<QualificationRequirement>,
}

impl HitTypeSpec {
    /// The canonical form hashed into the HITTypeId.
    pub fn canonical(&self) -> String {
        serde_json::to_string(self).expect("HitTypeSpec serializes")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HitType {
    pub hit_type_id: String,
    pub requester_id: String,
    pub spec: HitTypeSpec,
    pub created_at: Millis,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub hit_id: String,
    pub hit_type_id: String,
    pub hit_group_id: String,
    pub requester_id: String,
    pub spec: HitTypeSpec,
    pub question: String,
    pub requester_annotation: Option<String>,
    pub created_at: Millis,
    pub expires_at: Millis,
    pub max_assignments: i64,
    /// MaxAssignments when the HIT was created; decides whether it may cross 10 by extension.
    pub initial_max_assignments: i64,
    pub status: HitStatus,
    pub review_status: HitReviewStatus,
    pub num_pending: i64,
    pub num_submitted: i64,
    pub num_completed: i64,
    /// Money on hold for this HIT's assignments that may still be paid.
    pub held: Money,
    pub fee_per_assignment: Money,
    pub reviewable_at: Option<Millis>,
    pub deleted: bool,
    /// The HIT layout the question was made from (CreateHIT with HITLayoutId).
    pub hit_layout_id: Option<String>,
}

impl Hit {
    pub fn is_expired(&self, now: Millis) -> bool {
        now >= self.expires_at
    }
    /// Slots nobody holds: neither in progress, nor submitted, nor reviewed.
    pub fn open_slots(&self) -> i64 {
        (self.max_assignments - self.num_pending - self.num_submitted - self.num_completed).max(0)
    }
    /// Slots a worker could accept now: none once the HIT has expired or is disposed of.
    /// Status, holds and accepting go by this; what the Requester API reports as
    /// NumberOfAssignmentsAvailable is [`Hit::reported_available`].
    pub fn available(&self, now: Millis) -> i64 {
        if self.is_expired(now) || self.deleted || matches!(self.status, HitStatus::Disposed) {
            0
        } else {
            self.open_slots()
        }
    }
    /// NumberOfAssignmentsAvailable as MTurk reports it: the slots nobody has taken, which
    /// stay counted after the HIT expires. Clients rely on it: Mephisto tells an expired HIT
    /// from a finished one by "Reviewable with assignments still available". That a HIT is
    /// closed shows in its status and Expiration, not in this count.
    pub fn reported_available(&self) -> i64 {
        self.open_slots()
    }
    /// The status the counters and the clock imply, leaving the requester's own Reviewing
    /// marker and disposal alone.
    pub fn derived_status(&self, now: Millis) -> HitStatus {
        if matches!(self.status, HitStatus::Disposed) {
            return HitStatus::Disposed;
        }
        let done = self.is_expired(now) || self.open_slots() == 0;
        if done && self.num_pending == 0 {
            if matches!(self.status, HitStatus::Reviewing) {
                HitStatus::Reviewing
            } else {
                HitStatus::Reviewable
            }
        } else if self.available(now) > 0 {
            HitStatus::Assignable
        } else {
            HitStatus::Unassignable
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub assignment_id: String,
    pub hit_id: String,
    pub worker_id: String,
    pub requester_id: String,
    pub status: AssignmentStatus,
    pub accepted_at: Millis,
    pub deadline: Millis,
    pub submitted_at: Option<Millis>,
    pub auto_approval_at: Option<Millis>,
    pub approved_at: Option<Millis>,
    pub rejected_at: Option<Millis>,
    pub returned_at: Option<Millis>,
    pub answer: Option<String>,
    pub requester_feedback: Option<String>,
    pub reward: Money,
    pub fee: Money,
}
