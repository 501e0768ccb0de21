//! QualificationRequirement: stored and validated now; enforced on workers by the
//! qualifications issue.

use crate::error::DomainError;
use serde::{Deserialize, Serialize};

pub const WORKER_LOCALE_QUALIFICATION: &str = "00000000000000000071";
pub const MAX_REQUIREMENTS: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparator {
    LessThan,
    LessThanOrEqualTo,
    GreaterThan,
    GreaterThanOrEqualTo,
    EqualTo,
    NotEqualTo,
    Exists,
    DoesNotExist,
    In,
    NotIn,
}

impl Comparator {
    pub const ALL: [&'static str; 10] = [
        "LessThan",
        "LessThanOrEqualTo",
        "GreaterThan",
        "GreaterThanOrEqualTo",
        "EqualTo",
        "NotEqualTo",
        "Exists",
        "DoesNotExist",
        "In",
        "NotIn",
    ];
    pub fn parse(s: &str) -> Option<Comparator> {
        use Comparator::*;
        Some(match s {
            "LessThan" => LessThan,
            "LessThanOrEqualTo" => LessThanOrEqualTo,
            "GreaterThan" => GreaterThan,
            "GreaterThanOrEqualTo" => GreaterThanOrEqualTo,
            "EqualTo" => EqualTo,
            "NotEqualTo" => NotEqualTo,
            "Exists" => Exists,
            "DoesNotExist" => DoesNotExist,
            "In" => In,
            "NotIn" => NotIn,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        Self::ALL[self as usize]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActionsGuarded {
    Accept,
    PreviewAndAccept,
    DiscoverPreviewAndAccept,
}

impl ActionsGuarded {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Accept" => Some(Self::Accept),
            "PreviewAndAccept" => Some(Self::PreviewAndAccept),
            "DiscoverPreviewAndAccept" => Some(Self::DiscoverPreviewAndAccept),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accept => "Accept",
            Self::PreviewAndAccept => "PreviewAndAccept",
            Self::DiscoverPreviewAndAccept => "DiscoverPreviewAndAccept",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Locale {
    pub country: String,
    pub subdivision: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualificationRequirement {
    pub qualification_type_id: String,
    pub comparator: Comparator,
    pub integer_values: Vec<i32>,
    pub locale_values: Vec<Locale>,
    pub required_to_preview: Option<bool>,
    pub actions_guarded: Option<ActionsGuarded>,
}

impl QualificationRequirement {
    /// Checks one requirement; `at` names it in messages, e.g. `QualificationRequirements.1`.
    pub fn validate(&self, at: &str) -> Result<(), DomainError> {
        use Comparator::*;
        let id = &self.qualification_type_id;
        if id.is_empty() || id.len() > 64 {
            return Err(DomainError::invalid(format!(
                "Value '{id}' at '{at}.QualificationTypeId' failed to satisfy constraint: Member must have length between 1 and 64"
            )));
        }
        let ni = self.integer_values.len();
        let nl = self.locale_values.len();
        if ni > 0 && nl > 0 {
            return Err(DomainError::invalid(format!(
                "{at} has both IntegerValues and LocaleValues; give only one of them"
            )));
        }
        let is_locale = id == WORKER_LOCALE_QUALIFICATION;
        if is_locale && ni > 0 {
            return Err(DomainError::invalid(format!(
                "{at}: IntegerValues cannot be used with the Worker_Locale qualification type {id}; use LocaleValues"
            )));
        }
        if !is_locale && nl > 0 {
            return Err(DomainError::invalid(format!(
                "{at}: LocaleValues can only be used with the Worker_Locale qualification type {WORKER_LOCALE_QUALIFICATION}, not {id}"
            )));
        }
        let n = ni + nl;
        let cmp = self.comparator.as_str();
        match self.comparator {
            Exists | DoesNotExist => {
                if n > 0 {
                    return Err(DomainError::invalid(format!(
                        "{at}: Comparator {cmp} takes no IntegerValues or LocaleValues, but {n} were given"
                    )));
                }
            }
            In | NotIn => {
                let max = if nl > 0 { 30 } else { 15 };
                let what = if nl > 0 { "LocaleValues" } else { "IntegerValues" };
                if n == 0 || n > max {
                    return Err(DomainError::invalid(format!(
                        "{at}: Comparator {cmp} takes 1 to {max} {what}, but {n} were given"
                    )));
                }
            }
            LessThan | LessThanOrEqualTo | GreaterThan | GreaterThanOrEqualTo => {
                if nl > 0 {
                    return Err(DomainError::invalid(format!(
                        "{at}: LocaleValues can only be used with the EqualTo, NotEqualTo, In and NotIn comparators, not {cmp}"
                    )));
                }
                if ni != 1 {
                    return Err(DomainError::invalid(format!(
                        "{at}: Comparator {cmp} takes exactly one IntegerValue, but {ni} were given"
                    )));
                }
            }
            EqualTo | NotEqualTo => {
                if n != 1 {
                    return Err(DomainError::invalid(format!(
                        "{at}: Comparator {cmp} takes exactly one IntegerValue or LocaleValue, but {n} were given"
                    )));
                }
            }
        }
        for (i, l) in self.locale_values.iter().enumerate() {
            let ok = l.country.len() == 2 && l.country.bytes().all(|b| b.is_ascii_uppercase());
            if !ok {
                return Err(DomainError::invalid(format!(
                    "Value '{}' at '{at}.LocaleValues.{}.Country' is not an ISO 3166-1 alpha-2 country code",
                    l.country,
                    i + 1
                )));
            }
            if let Some(s) = &l.subdivision {
                let ok = (1..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric());
                if !ok {
                    return Err(DomainError::invalid(format!(
                        "Value '{s}' at '{at}.LocaleValues.{}.Subdivision' is not an ISO 3166-2 subdivision code",
                        i + 1
                    )));
                }
            }
        }
        Ok(())
    }
}

pub fn validate_requirements(reqs: &[QualificationRequirement]) -> Result<(), DomainError> {
    if reqs.len() > MAX_REQUIREMENTS {
        return Err(DomainError::invalid(format!(
            "QualificationRequirements has {} members; a HIT may have at most {MAX_REQUIREMENTS}",
            reqs.len()
        )));
    }
    for (i, r) in reqs.iter().enumerate() {
        r.validate(&format!("QualificationRequirements.{}", i + 1))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(cmp: Comparator, ints: Vec<i32>) -> QualificationRequirement {
        QualificationRequirement {
            qualification_type_id: "3ABCDEF".into(),
            comparator: cmp,
            integer_values: ints,
            locale_values: vec![],
            required_to_preview: None,
            actions_guarded: None,
        }
    }

    #[test]
    fn value_counts() {
        assert!(req(Comparator::Exists, vec![]).validate("Q.1").is_ok());
        assert!(req(Comparator::Exists, vec![1]).validate("Q.1").is_err());
        assert!(req(Comparator::In, (0..15).collect()).validate("Q.1").is_ok());
        let e = req(Comparator::In, (0..16).collect()).validate("Q.1").unwrap_err();
        assert!(e.message.contains("1 to 15"), "{e}");
        assert!(req(Comparator::GreaterThan, vec![]).validate("Q.1").is_err());
        let mut l = req(Comparator::In, vec![]);
        l.qualification_type_id = WORKER_LOCALE_QUALIFICATION.into();
        l.locale_values = (0..30).map(|_| Locale { country: "US".into(), subdivision: None }).collect();
        assert!(l.validate("Q.1").is_ok());
        l.locale_values.push(Locale { country: "DE".into(), subdivision: None });
        assert!(l.validate("Q.1").unwrap_err().message.contains("1 to 30"));
        let many: Vec<_> = (0..11).map(|_| req(Comparator::Exists, vec![])).collect();
        assert!(validate_requirements(&many).unwrap_err().message.contains("at most 10"));
    }
}
