//! The one table of `TurkErrorCode`s this server emits.
//!
//! Clients compare the exact string (`AWS.MechanicalTurk.HITDoesNotExist`, not `…HitDoesNotExist`),
//! and MTurk's spelling is not uniform: `HITDoesNotExist` but `HitAlreadyExists`. So every code
//! goes through this table, which says for each whether the spelling is MTurk's own (seen in
//! the API Reference or in MTurk clients that compare it) or one OpenTurk had to choose because
//! MTurk's is not documented. `ApiError::request` takes only a [`TurkErrorCode`], so nothing can
//! emit a code that is not here.

/// Where a code's spelling comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spelling {
    /// MTurk's own spelling; clients compare it.
    MTurk,
    /// MTurk's code for this case is not documented; the name is OpenTurk's.
    OpenTurk,
}

macro_rules! turk_codes {
    ($($(#[$doc:meta])* $variant:ident => $name:literal, $spelling:ident;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum TurkErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl TurkErrorCode {
            /// Every code, in table order.
            pub const ALL: &'static [TurkErrorCode] = &[$(TurkErrorCode::$variant,)*];

            /// The code after `AWS.MechanicalTurk.`, spelled as MTurk spells it.
            pub fn name(self) -> &'static str {
                match self {
                    $(TurkErrorCode::$variant => $name,)*
                }
            }

            pub fn spelling(self) -> Spelling {
                match self {
                    $(TurkErrorCode::$variant => Spelling::$spelling,)*
                }
            }
        }
    };
}

turk_codes! {
    /// A parameter is malformed or out of range.
    InvalidParameterValue => "InvalidParameterValue", MTurk;
    /// A required parameter is missing (botocore checks this before sending, so MTurk's own
    /// answer is rarely seen).
    MissingParameter => "MissingParameter", OpenTurk;
    /// A Question or answer document is not well-formed or not valid.
    XmlParseError => "XMLParseError", MTurk;
    /// No such HIT, or not the caller's. Note `HIT`, unlike `HitAlreadyExists`.
    HitDoesNotExist => "HITDoesNotExist", MTurk;
    /// No such HIT type, or not the caller's; spelled like `HITDoesNotExist` and
    /// `HITLayoutDoesNotExist`.
    HitTypeDoesNotExist => "HITTypeDoesNotExist", OpenTurk;
    /// No such HIT layout, or not the caller's.
    HitLayoutDoesNotExist => "HITLayoutDoesNotExist", MTurk;
    /// No such assignment, or not visible to the caller.
    AssignmentDoesNotExist => "AssignmentDoesNotExist", MTurk;
    /// No such worker.
    WorkerDoesNotExist => "WorkerDoesNotExist", OpenTurk;
    /// No such qualification type.
    QualificationTypeDoesNotExist => "QualificationTypeDoesNotExist", MTurk;
    /// The worker has no score of the type.
    QualificationDoesNotExist => "QualificationDoesNotExist", MTurk;
    /// No such qualification request, or not one of the caller's types'.
    QualificationRequestDoesNotExist => "QualificationRequestDoesNotExist", MTurk;
    /// The qualification type is being disposed.
    InvalidQualificationTypeState => "InvalidQualificationTypeState", MTurk;
    /// The score is not Granted (revoked).
    InvalidQualificationState => "InvalidQualificationState", MTurk;
    /// The qualification request was already decided.
    InvalidQualificationRequestState => "InvalidQualificationRequestState", MTurk;
    /// A duplicate qualification type name.
    QualificationTypeAlreadyExists => "QualificationTypeAlreadyExists", MTurk;
    /// A worker asked again before the type's RetryDelayInSeconds passed.
    QualificationTypeRetryDelayNotElapsed => "QualificationTypeRetryDelayNotElapsed", MTurk;
    /// A worker asked again, and the type allows no retries.
    QualificationTypeDoesNotAllowRetake => "QualificationTypeDoesNotAllowRetake", MTurk;
    /// A notification Destination that does not fit its Transport (an email address, an SQS
    /// queue URL, an SNS topic ARN).
    InvalidTransportEndpoint => "InvalidTransportEndpoint", MTurk;
    /// Some other object does not exist.
    DoesNotExist => "DoesNotExist", OpenTurk;
    /// The operation is not allowed in the HIT's status.
    InvalidHitState => "InvalidHITState", MTurk;
    /// The operation is not allowed in the assignment's status.
    InvalidAssignmentState => "InvalidAssignmentState", MTurk;
    /// CreateHIT's UniqueRequestToken was used before. Note `Hit`, as the API Reference spells it.
    HitAlreadyExists => "HitAlreadyExists", MTurk;
    /// Another operation's UniqueRequestToken was used before ("an error with a message
    /// containing the request ID"; the API Reference names no code).
    DuplicateRequest => "DuplicateRequest", OpenTurk;
    /// Not enough prepaid balance.
    InsufficientFunds => "InsufficientFunds", MTurk;
    /// MaxAssignments may not cross 10 by extension.
    InvalidMaximumAssignmentsIncrease => "InvalidMaximumAssignmentsIncrease", MTurk;
    /// The caller may not do this.
    PermissionDenied => "PermissionDeniedException", MTurk;
    /// Too many assignments in progress.
    ExceedsMaxAssignmentsPerWorker => "ExceedsMaxAssignmentsPerWorker", MTurk;
    /// The request conflicts with existing data.
    Conflict => "Conflict", OpenTurk;
    /// An operation or parameter this server does not offer yet.
    UnsupportedOperation => "UnsupportedOperation", OpenTurk;
    /// ServiceFault's code: our own fault.
    ServiceFault => "ServiceFault", OpenTurk;
}

impl TurkErrorCode {
    /// The code as it goes on the wire.
    pub fn wire(self) -> String {
        self.to_string()
    }
}

impl std::fmt::Display for TurkErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AWS.MechanicalTurk.{}", self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MTurk's spellings, from the API Reference and the MTurk clients that compare them
    /// (collected in the project's reference notes on TurkErrorCodes).
    const MTURK_SPELLINGS: &[&str] = &[
        "HITDoesNotExist",
        "AssignmentDoesNotExist",
        "QualificationTypeDoesNotExist",
        "QualificationDoesNotExist",
        "QualificationRequestDoesNotExist",
        "HITLayoutDoesNotExist",
        "InvalidHITState",
        "InvalidAssignmentState",
        "InvalidQualificationTypeState",
        "InvalidQualificationState",
        "InvalidQualificationRequestState",
        "HITAlreadyPassedReview",
        "QualificationTypeAlreadyExists",
        "QualificationAlreadyExists",
        "AssignmentAlreadyExists",
        "PermissionDeniedException",
        "DoesNotMeetRequirements",
        "QualificationTypeRetryDelayNotElapsed",
        "QualificationTypeDoesNotAllowRetake",
        "XMLParseError",
        "XHTMLParseError",
        "InvalidTransportEndpoint",
        "InvalidParameterValue",
        "ExceedsMaxAssignmentsPerWorker",
        "InsufficientFunds",
        "NoHITsAvailableInGroupException",
        "NoMoreWorkableHITsInGroupException",
        "HitAlreadyExists",
        "HITTooOldForExtension",
        "InvalidMaximumAssignmentsIncrease",
    ];

    #[test]
    fn mturk_codes_are_spelled_as_mturk_spells_them() {
        for c in TurkErrorCode::ALL {
            if c.spelling() == Spelling::MTurk {
                assert!(
                    MTURK_SPELLINGS.contains(&c.name()),
                    "{c:?} is marked MTurk's but MTurk spells no code {:?}",
                    c.name()
                );
            }
        }
    }

    /// An OpenTurk name must not be a misspelling of one of MTurk's (`HitDoesNotExist` for
    /// `HITDoesNotExist` was exactly that bug); if MTurk has the code, use MTurk's spelling.
    #[test]
    fn openturk_names_are_not_variants_of_mturk_codes() {
        for c in TurkErrorCode::ALL {
            if c.spelling() == Spelling::OpenTurk {
                for m in MTURK_SPELLINGS {
                    assert!(!c.name().eq_ignore_ascii_case(m), "{c:?} ({}) should be spelled {m}", c.name());
                }
            }
        }
    }

    #[test]
    fn names_are_unique_even_ignoring_case() {
        for (i, a) in TurkErrorCode::ALL.iter().enumerate() {
            for b in &TurkErrorCode::ALL[i + 1..] {
                assert!(!a.name().eq_ignore_ascii_case(b.name()), "{a:?} and {b:?} share a name");
            }
        }
    }

    #[test]
    fn the_codes_clients_compare() {
        assert_eq!(TurkErrorCode::HitDoesNotExist.wire(), "AWS.MechanicalTurk.HITDoesNotExist");
        assert_eq!(TurkErrorCode::HitAlreadyExists.wire(), "AWS.MechanicalTurk.HitAlreadyExists");
        assert_eq!(TurkErrorCode::InvalidHitState.wire(), "AWS.MechanicalTurk.InvalidHITState");
    }

    /// Every TurkErrorCode on the wire comes from the table: no source file outside it spells
    /// one by hand (a literal `AWS.MechanicalTurk.X` would bypass the table).
    #[test]
    fn no_code_is_spelled_outside_the_table() {
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut stack = vec![crates];
        let mut offenders = Vec::new();
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    // Only source trees: integration tests may compare codes as clients do.
                    if p.file_name().is_some_and(|n| n != "tests" && n != "target") {
                        stack.push(p);
                    }
                } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("protocol/src/turk_code.rs") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    let mut rest = text.as_str();
                    while let Some(i) = rest.find("AWS.MechanicalTurk.") {
                        let after = &rest[i + "AWS.MechanicalTurk.".len()..];
                        // `AWS.MechanicalTurk.{}` formats a code from the table; a name does not.
                        if after.starts_with(|c: char| c.is_ascii_alphabetic()) {
                            offenders.push(format!(
                                "{}: AWS.MechanicalTurk.{}",
                                p.display(),
                                &after[..after.len().min(30)]
                            ));
                        }
                        rest = after;
                    }
                }
            }
        }
        assert!(offenders.is_empty(), "TurkErrorCodes spelled outside the table: {offenders:#?}");
    }
}
