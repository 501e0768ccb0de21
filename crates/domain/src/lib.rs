//! OpenTurk's domain: the nouns of the marketplace and the rules that need no storage.
//!
//! Nothing here knows about HTTP, AWS JSON or SQL. Types here are never wire types: the
//! protocol crate has its own shapes and the web crate converts between the two.

pub mod clock;
pub mod eligibility;
pub mod error;
pub mod fees;
pub mod ids;
pub mod layout;
pub mod model;
pub mod money;
pub mod qualification;
pub mod qualification_type;
pub mod question;
pub mod review_policy;
pub mod validate;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{DomainError, ErrorKind};
pub use money::Money;
