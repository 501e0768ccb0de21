//! The operations of the Requester API and how requests name them.

macro_rules! operations {
    ($($name:ident),* $(,)?) => {
        /// Every operation of the MTurk Requester API, version 2017-01-17.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(clippy::upper_case_acronyms)]
        pub enum Operation { $($name),* }

        impl Operation {
            pub const ALL: &'static [Operation] = &[$(Operation::$name),*];
            pub fn name(self) -> &'static str {
                match self { $(Operation::$name => stringify!($name)),* }
            }
            pub fn from_name(s: &str) -> Option<Operation> {
                match s { $(stringify!($name) => Some(Operation::$name),)* _ => None }
            }
        }
    };
}

operations!(
    AcceptQualificationRequest,
    ApproveAssignment,
    AssociateQualificationWithWorker,
    CreateAdditionalAssignmentsForHIT,
    CreateHIT,
    CreateHITType,
    CreateHITWithHITType,
    CreateQualificationType,
    CreateWorkerBlock,
    DeleteHIT,
    DeleteQualificationType,
    DeleteWorkerBlock,
    DisassociateQualificationFromWorker,
    GetAccountBalance,
    GetAssignment,
    GetFileUploadURL,
    GetHIT,
    GetQualificationScore,
    GetQualificationType,
    ListAssignmentsForHIT,
    ListBonusPayments,
    ListHITs,
    ListHITsForQualificationType,
    ListQualificationRequests,
    ListQualificationTypes,
    ListReviewPolicyResultsForHIT,
    ListReviewableHITs,
    ListWorkerBlocks,
    ListWorkersWithQualificationType,
    NotifyWorkers,
    RejectAssignment,
    RejectQualificationRequest,
    SendBonus,
    SendTestEventNotification,
    UpdateExpirationForHIT,
    UpdateHITReviewStatus,
    UpdateHITTypeOfHIT,
    UpdateNotificationSettings,
    UpdateQualificationType,
);

impl Operation {
    /// Parses an `X-Amz-Target` header value.
    pub fn from_target(target: &str) -> Option<Operation> {
        target.strip_prefix(crate::TARGET_PREFIX).and_then(Operation::from_name)
    }

    /// Operations a read-only key may call: MTurk's read-only policy allows Get* and List*.
    pub fn is_read_only(self) -> bool {
        let n = self.name();
        n.starts_with("Get") || n.starts_with("List")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(Operation::ALL.len(), 39);
        assert_eq!(Operation::from_target("MTurkRequesterServiceV20170117.CreateHIT"), Some(Operation::CreateHIT));
        assert_eq!(Operation::from_target("MTurkRequesterServiceV20170117.Nope"), None);
        assert_eq!(Operation::from_target("CreateHIT"), None);
        assert!(Operation::GetAccountBalance.is_read_only());
        assert!(Operation::ListHITs.is_read_only());
        assert!(!Operation::CreateHIT.is_read_only());
        for op in Operation::ALL {
            assert_eq!(Operation::from_name(op.name()), Some(*op));
        }
    }
}
