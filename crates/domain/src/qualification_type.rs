//! Qualification types, workers' scores and their requests: the records, the system types, and
//! the parameter rules of CreateQualificationType and UpdateQualificationType.

use crate::clock::Millis;
use crate::error::DomainError;
use crate::model::Mode;
use crate::qualification::Locale;
use crate::validate::{text, MAX_DESCRIPTION, MAX_KEYWORDS, MAX_QUESTION_BYTES};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QualificationTypeStatus {
    Active,
    Inactive,
    /// Deleted: gone from listings and closed to requests, while the scores already granted
    /// keep counting for the HITs that require them (the Developer Guide's "Disposing a
    /// Qualification Type"). GetQualificationType still answers with this status.
    Disposing,
}

impl QualificationTypeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Inactive => "Inactive",
            Self::Disposing => "Disposing",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Active" => Some(Self::Active),
            "Inactive" => Some(Self::Inactive),
            "Disposing" => Some(Self::Disposing),
            _ => None,
        }
    }
    /// A status a caller may set: Active or Inactive.
    pub fn parse_param(param: &str, s: &str) -> Result<Self, DomainError> {
        match s {
            "Active" => Ok(Self::Active),
            "Inactive" => Ok(Self::Inactive),
            _ => Err(DomainError::invalid(format!(
                "Value '{s}' at '{param}' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]"
            ))),
        }
    }
}

/// A qualification type: a custom one (a row) or a system one (see [`SystemType`]).
#[derive(Debug, Clone, PartialEq)]
pub struct QualificationType {
    pub qualification_type_id: String,
    /// The owner; `None` for system types.
    pub requester_id: Option<String>,
    pub name: String,
    pub description: String,
    pub keywords: Option<String>,
    pub status: QualificationTypeStatus,
    pub retry_delay_secs: Option<i64>,
    /// The test, a QuestionForm document as the requester gave it.
    pub test: Option<String>,
    pub answer_key: Option<String>,
    pub test_duration_secs: Option<i64>,
    pub auto_granted: bool,
    pub auto_granted_value: Option<i64>,
    pub created_at: Millis,
}

impl QualificationType {
    /// Workers can request custom types (with or without a test); system types are assigned
    /// by the marketplace.
    pub fn is_requestable(&self) -> bool {
        self.requester_id.is_some()
    }
}

/// The system types of the API Reference's "Qualification Type IDs" table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemType {
    Masters,
    NumberHitsApproved,
    Locale,
    Adult,
    PercentAssignmentsApproved,
}

pub const NUMBER_HITS_APPROVED_ID: &str = "00000000000000000040";
pub const LOCALE_ID: &str = crate::qualification::WORKER_LOCALE_QUALIFICATION;
pub const ADULT_ID: &str = "00000000000000000060";
pub const PERCENT_ASSIGNMENTS_APPROVED_ID: &str = "000000000000000000L0";
pub const MASTERS_SANDBOX_ID: &str = "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6";
pub const MASTERS_PRODUCTION_ID: &str = "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH";
/// Below this many submitted assignments a worker's approval rate is 100 (API Reference,
/// Worker_PercentAssignmentsApproved).
pub const APPROVAL_RATE_MIN_SUBMITTED: i64 = 100;

impl SystemType {
    pub const ALL: [SystemType; 5] =
        [Self::Masters, Self::NumberHitsApproved, Self::Locale, Self::Adult, Self::PercentAssignmentsApproved];

    /// The type's ID in `mode`: only Masters differs between the sandbox and production.
    pub fn id(self, mode: Mode) -> &'static str {
        match self {
            Self::Masters => match mode {
                Mode::Sandbox => MASTERS_SANDBOX_ID,
                Mode::Production => MASTERS_PRODUCTION_ID,
            },
            Self::NumberHitsApproved => NUMBER_HITS_APPROVED_ID,
            Self::Locale => LOCALE_ID,
            Self::Adult => ADULT_ID,
            Self::PercentAssignmentsApproved => PERCENT_ASSIGNMENTS_APPROVED_ID,
        }
    }

    /// The system type with this ID in `mode` (the other mode's Masters ID is not one).
    pub fn from_id(id: &str, mode: Mode) -> Option<SystemType> {
        Self::ALL.into_iter().find(|t| t.id(mode) == id)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Masters => "Masters",
            Self::NumberHitsApproved => "Worker_NumberHITsApproved",
            Self::Locale => "Worker_Locale",
            Self::Adult => "Worker_Adult",
            Self::PercentAssignmentsApproved => "Worker_PercentAssignmentsApproved",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Self::Masters => "Masters are Workers who have demonstrated superior performance while completing thousands of HITs across the marketplace.",
            Self::NumberHitsApproved => "The total number of HITs submitted by a Worker that have been approved.",
            Self::Locale => "The location of the Worker, as specified in the Worker's mailing address.",
            Self::Adult => "The Worker has acknowledged being over 18 and agrees to work on potentially offensive content (1), or has not (0).",
            Self::PercentAssignmentsApproved => "The percentage of assignments the Worker has submitted that were subsequently approved by the Requester, over all assignments the Worker has submitted; 100 until the Worker has submitted 100 assignments.",
        }
    }

    /// The type as GetQualificationType shows it. Its creation time is the marketplace's
    /// epoch (0): these types exist before any requester does.
    pub fn qualification_type(self, mode: Mode) -> QualificationType {
        QualificationType {
            qualification_type_id: self.id(mode).to_string(),
            requester_id: None,
            name: self.name().to_string(),
            description: self.description().to_string(),
            keywords: None,
            status: QualificationTypeStatus::Active,
            retry_delay_secs: None,
            test: None,
            answer_key: None,
            test_duration_secs: None,
            auto_granted: false,
            auto_granted_value: None,
            created_at: 0,
        }
    }
}

/// A qualification's value: an integer, or a locale for Worker_Locale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QualificationValue {
    Integer(i64),
    Locale(Locale),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QualificationStatus {
    Granted,
    Revoked,
}

impl QualificationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Granted => "Granted",
            Self::Revoked => "Revoked",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Granted" => Some(Self::Granted),
            "Revoked" => Some(Self::Revoked),
            _ => None,
        }
    }
}

/// A worker's score for a custom type.
#[derive(Debug, Clone, PartialEq)]
pub struct Qualification {
    pub qualification_type_id: String,
    pub worker_id: String,
    pub integer_value: i64,
    pub status: QualificationStatus,
    pub granted_at: Millis,
    pub revoked_at: Option<Millis>,
    /// The requester's reason for revoking, shown to the worker.
    pub revoke_reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestStatus {
    /// The worker has the test and until `test_deadline` to submit it.
    Started,
    /// Waiting for the requester to accept or reject it.
    Submitted,
    Granted,
    Rejected,
}

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Started => "Started",
            Self::Submitted => "Submitted",
            Self::Granted => "Granted",
            Self::Rejected => "Rejected",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Started" => Some(Self::Started),
            "Submitted" => Some(Self::Submitted),
            "Granted" => Some(Self::Granted),
            "Rejected" => Some(Self::Rejected),
            _ => None,
        }
    }
}

/// A worker's request for a qualification (with a test, one attempt at it).
#[derive(Debug, Clone, PartialEq)]
pub struct QualificationRequest {
    pub qualification_request_id: String,
    pub qualification_type_id: String,
    /// The type's owner.
    pub requester_id: String,
    pub worker_id: String,
    pub status: RequestStatus,
    /// The test as it was when the worker asked for it.
    pub test: Option<String>,
    /// The worker's answers, a QuestionFormAnswers document.
    pub answer: Option<String>,
    /// When the worker asked (retry delays count from here).
    pub requested_at: Millis,
    pub test_deadline: Option<Millis>,
    pub submitted_at: Option<Millis>,
    pub decided_at: Option<Millis>,
    pub integer_value: Option<i64>,
    /// The requester's reason for a rejection.
    pub reason: Option<String>,
}

/// A test as a type carries it: the QuestionForm, its optional answer key, its duration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestInput<'a> {
    pub test: &'a str,
    pub answer_key: Option<&'a str>,
    pub duration_secs: Option<i64>,
}

/// The rules of CreateQualificationType's scalar parameters (the test's documents are checked
/// by the service, which parses them).
pub fn validate_create(
    name: &str,
    description: &str,
    keywords: Option<&str>,
    retry_delay_secs: Option<i64>,
) -> Result<(), DomainError> {
    if name.trim().is_empty() {
        return Err(DomainError::invalid("Value '' at 'Name' failed to satisfy constraint: Member must not be empty"));
    }
    text("Description", description, MAX_DESCRIPTION, true)?;
    if let Some(k) = keywords {
        text("Keywords", k, MAX_KEYWORDS, true)?;
    }
    validate_retry_delay(retry_delay_secs)
}

pub fn validate_retry_delay(retry_delay_secs: Option<i64>) -> Result<(), DomainError> {
    match retry_delay_secs {
        Some(d) if d < 0 => Err(DomainError::invalid(format!(
            "The value {d} for RetryDelayInSeconds is invalid: it must be a non-negative integer"
        ))),
        _ => Ok(()),
    }
}

/// Test, AnswerKey, TestDurationInSeconds and AutoGranted together, as both operations take
/// them: a test needs a duration and excludes AutoGranted; an answer key or a duration needs a
/// test; documents are at most 65,535 bytes.
pub fn validate_test_params(
    test: Option<&str>,
    answer_key: Option<&str>,
    duration_secs: Option<i64>,
    auto_granted: Option<bool>,
) -> Result<(), DomainError> {
    for (param, doc) in [("Test", test), ("AnswerKey", answer_key)] {
        if let Some(d) = doc {
            if d.len() > MAX_QUESTION_BYTES {
                return Err(DomainError::invalid(format!(
                    "{param} is {} bytes long; it must be at most {MAX_QUESTION_BYTES} bytes",
                    d.len()
                )));
            }
        }
    }
    match test {
        Some(_) => {
            let Some(d) = duration_secs else {
                return Err(DomainError::invalid("TestDurationInSeconds is required when a Test is specified"));
            };
            if d <= 0 {
                return Err(DomainError::invalid(format!(
                    "The value {d} for TestDurationInSeconds is invalid: it must be a positive integer"
                )));
            }
            if auto_granted == Some(true) {
                return Err(DomainError::invalid(
                    "AutoGranted cannot be true for a Qualification type with a Test: a test is answered before anything is granted",
                ));
            }
        }
        None => {
            if answer_key.is_some() {
                return Err(DomainError::invalid(
                    "An AnswerKey can only be specified with the Test it answers; specify Test and TestDurationInSeconds too",
                ));
            }
            if duration_secs.is_some() {
                return Err(DomainError::invalid(
                    "TestDurationInSeconds can only be specified with a Test; specify the Test too",
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_ids_by_mode() {
        assert_eq!(SystemType::Masters.id(Mode::Sandbox), "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6");
        assert_eq!(SystemType::Masters.id(Mode::Production), "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH");
        assert_eq!(SystemType::from_id(MASTERS_PRODUCTION_ID, Mode::Sandbox), None);
        assert_eq!(
            SystemType::from_id("000000000000000000L0", Mode::Sandbox),
            Some(SystemType::PercentAssignmentsApproved)
        );
        assert_eq!(SystemType::from_id(LOCALE_ID, Mode::Production), Some(SystemType::Locale));
    }

    #[test]
    fn test_parameter_rules() {
        assert!(validate_test_params(Some("<x/>"), None, Some(60), None).is_ok());
        assert!(validate_test_params(Some("<x/>"), None, None, None)
            .unwrap_err()
            .message
            .contains("TestDurationInSeconds"));
        assert!(validate_test_params(Some("<x/>"), None, Some(60), Some(true))
            .unwrap_err()
            .message
            .contains("AutoGranted"));
        assert!(validate_test_params(None, Some("<k/>"), None, None).unwrap_err().message.contains("AnswerKey"));
        assert!(validate_test_params(None, None, Some(5), None).is_err());
        assert!(validate_test_params(Some("<x/>"), None, Some(0), None).is_err());
        let big = "x".repeat(65_536);
        assert!(validate_test_params(Some(&big), None, Some(1), None).unwrap_err().message.contains("65535"));
        assert!(validate_create("n", &"d".repeat(2001), None, None).is_err());
        assert!(validate_create("n", "d", Some(&"k".repeat(1001)), None).is_err());
        assert!(validate_create(" ", "d", None, None).is_err());
        assert!(validate_create("n", "d", None, Some(-1)).is_err());
        assert!(validate_create("n", "", None, Some(0)).is_ok());
    }
}
