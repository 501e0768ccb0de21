//! The MTurk Requester API (2017-01-17) on the wire: AWS JSON 1.1 over HTTP POST, signed with
//! Signature V4. Only this crate knows the wire format; the rest of OpenTurk speaks domain types.
//!
//! - [`operation`]: the 39 operations and how `X-Amz-Target` names them;
//! - [`wire`]: request and response shapes, exactly as the SDKs serialize them;
//! - [`wire_qualifications`]: the same for qualification types, scores and requests;
//! - [`wire_notifications`]: those of UpdateNotificationSettings and SendTestEventNotification;
//! - [`wire_workers`]: those of the worker operations (blocks, NotifyWorkers);
//! - [`wire_layouts`]: the HITLayoutParameter of CreateHIT;
//! - [`wire_review`]: review policies and ListReviewPolicyResultsForHIT;
//! - [`wire_files`]: the shapes of GetFileUploadURL;
//! - [`error`]: the error body and HTTP status each failure gets;
//! - [`turk_code`]: the one table of `TurkErrorCode`s, spelled as MTurk spells them;
//! - [`sigv4`]: Signature V4 verification (and signing, for our own clients).

pub mod error;
pub mod operation;
pub mod sigv4;
pub mod turk_code;
pub mod wire;
pub mod wire_files;
pub mod wire_layouts;
pub mod wire_notifications;
pub mod wire_qualifications;
pub mod wire_review;
pub mod wire_workers;

pub use error::ApiError;
pub use operation::Operation;
pub use turk_code::TurkErrorCode;

/// The `X-Amz-Target` prefix of every operation.
pub const TARGET_PREFIX: &str = "MTurkRequesterServiceV20170117.";
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// The largest request body accepted: a 64 KiB Question plus the rest of a CreateHIT, escaped.
pub const MAX_BODY_BYTES: usize = 512 * 1024;
