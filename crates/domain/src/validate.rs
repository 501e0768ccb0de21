//! Parameter rules shared by every surface that creates or changes HITs. Messages name the
//! parameter and the offending value.

use crate::error::DomainError;
use crate::model::HitTypeSpec;
use crate::money::Money;
use crate::qualification::{validate_requirements, QualificationRequirement};

pub const MAX_TITLE: usize = 128;
pub const MAX_DESCRIPTION: usize = 2000;
pub const MAX_KEYWORDS: usize = 1000;
pub const MAX_ANNOTATION: usize = 255;
pub const MAX_QUESTION_BYTES: usize = 65_535;
pub const MAX_TOKEN: usize = 64;
pub const MIN_DURATION: i64 = 30;
pub const MAX_DURATION: i64 = 31_536_000;
pub const MAX_AUTO_APPROVAL: i64 = 2_592_000;
pub const DEFAULT_AUTO_APPROVAL: i64 = 2_592_000;
pub const MAX_FEEDBACK: usize = 1024;
pub const MAX_MAX_ASSIGNMENTS: i64 = 1_000_000_000;
/// The most fields one submitted form may carry (answers and reserved names together). Real
/// forms carry tens, a large grid a few thousand; the cap keeps parsing and grouping bounded.
pub const MAX_ANSWER_FIELDS: usize = 5_000;

fn shown(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}...", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

/// A string of 1..=max characters (or 0..=max when `allow_empty`).
pub fn text(param: &str, value: &str, max: usize, allow_empty: bool) -> Result<(), DomainError> {
    let n = value.chars().count();
    if (!allow_empty && value.trim().is_empty()) || n > max {
        let min = if allow_empty { 0 } else { 1 };
        return Err(DomainError::invalid(format!(
            "Value '{}' at '{param}' failed to satisfy constraint: Member must have length between {min} and {max} (it has {n})",
            shown(value)
        )));
    }
    Ok(())
}

pub fn range(param: &str, value: i64, min: i64, max: i64) -> Result<(), DomainError> {
    if value < min || value > max {
        return Err(DomainError::invalid(format!(
            "The value {value} for {param} is invalid. Valid values range from {min} to {max}."
        )));
    }
    Ok(())
}

pub fn unique_request_token(token: Option<&str>) -> Result<(), DomainError> {
    if let Some(t) = token {
        text("UniqueRequestToken", t, MAX_TOKEN, false)?;
    }
    Ok(())
}

/// Characters MTurk forbids in feedback and other free text: XML-illegal control characters.
pub fn no_control_chars(param: &str, value: &str) -> Result<(), DomainError> {
    if let Some(c) = value.chars().find(|c| {
        let u = *c as u32;
        (u < 0x20 && !matches!(u, 0x09 | 0x0A | 0x0D)) || (0xFFFE..=0xFFFF).contains(&u)
    }) {
        return Err(DomainError::invalid(format!(
            "{param} contains the control character U+{:04X}, which is not allowed",
            c as u32
        )));
    }
    Ok(())
}

/// Raw HIT-type properties as a caller gives them, before validation.
pub struct HitTypeInput<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub keywords: Option<&'a str>,
    pub reward: &'a str,
    pub assignment_duration_secs: i64,
    pub auto_approval_delay_secs: Option<i64>,
    pub qualification_requirements: Vec<QualificationRequirement>,
}

impl HitTypeInput<'_> {
    pub fn validate(self) -> Result<HitTypeSpec, DomainError> {
        text("Title", self.title, MAX_TITLE, false)?;
        text("Description", self.description, MAX_DESCRIPTION, false)?;
        if let Some(k) = self.keywords {
            text("Keywords", k, MAX_KEYWORDS, true)?;
        }
        let reward = Money::parse_amount("Reward", self.reward)?;
        range("AssignmentDurationInSeconds", self.assignment_duration_secs, MIN_DURATION, MAX_DURATION)?;
        let auto = self.auto_approval_delay_secs.unwrap_or(DEFAULT_AUTO_APPROVAL);
        range("AutoApprovalDelayInSeconds", auto, 0, MAX_AUTO_APPROVAL)?;
        validate_requirements(&self.qualification_requirements)?;
        Ok(HitTypeSpec {
            title: self.title.to_string(),
            description: self.description.to_string(),
            keywords: self.keywords.map(str::to_string).filter(|k| !k.is_empty()),
            reward,
            assignment_duration_secs: self.assignment_duration_secs,
            auto_approval_delay_secs: auto,
            qualification_requirements: self.qualification_requirements,
        })
    }
}

pub fn lifetime(secs: i64) -> Result<(), DomainError> {
    range("LifetimeInSeconds", secs, MIN_DURATION, MAX_DURATION)
}

pub fn max_assignments(n: i64) -> Result<(), DomainError> {
    range("MaxAssignments", n, 1, MAX_MAX_ASSIGNMENTS)
}

pub fn requester_annotation(a: Option<&str>) -> Result<(), DomainError> {
    if let Some(a) = a {
        text("RequesterAnnotation", a, MAX_ANNOTATION, true)?;
    }
    Ok(())
}

pub fn question_size(q: &str) -> Result<(), DomainError> {
    if q.len() > MAX_QUESTION_BYTES {
        return Err(DomainError::invalid(format!(
            "Question is {} bytes long; it must be at most {MAX_QUESTION_BYTES} bytes",
            q.len()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> HitTypeInput<'static> {
        HitTypeInput {
            title: "t",
            description: "d",
            keywords: None,
            reward: "0.10",
            assignment_duration_secs: 60,
            auto_approval_delay_secs: None,
            qualification_requirements: vec![],
        }
    }

    #[test]
    fn limits() {
        assert_eq!(input().validate().unwrap().auto_approval_delay_secs, DEFAULT_AUTO_APPROVAL);
        let long = "x".repeat(129);
        let e = HitTypeInput { title: &long, ..input() }.validate().unwrap_err();
        assert!(e.message.contains("'Title'") && e.message.contains("128"), "{e}");
        assert!(HitTypeInput { title: &long[..128], ..input() }.validate().is_ok());
        let e = HitTypeInput { assignment_duration_secs: 29, ..input() }.validate().unwrap_err();
        assert!(e.message.contains("AssignmentDurationInSeconds") && e.message.contains("29"));
        assert!(HitTypeInput { auto_approval_delay_secs: Some(0), ..input() }.validate().is_ok());
        assert!(HitTypeInput { auto_approval_delay_secs: Some(2_592_001), ..input() }.validate().is_err());
        assert!(lifetime(31_536_001).is_err());
        assert!(max_assignments(0).is_err());
        assert!(no_control_chars("RequesterFeedback", "ok\tfine\n").is_ok());
        assert!(no_control_chars("RequesterFeedback", "bad\u{1}").unwrap_err().message.contains("U+0001"));
    }
}
