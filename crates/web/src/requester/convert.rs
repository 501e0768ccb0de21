//! Domain records → wire shapes, and wire inputs → domain inputs.

use openturk_domain::clock::Millis;
use openturk_domain::model::{Assignment, Hit};
use openturk_domain::qualification::{self as q, ActionsGuarded, Comparator};
use openturk_protocol::wire::{self, seconds};
use openturk_protocol::wire_layouts;
use openturk_protocol::wire_qualifications as wq;
use openturk_protocol::{ApiError, TurkErrorCode};

pub fn hit(h: &Hit) -> wire::Hit {
    wire::Hit {
        hit_id: h.hit_id.clone(),
        hit_type_id: h.hit_type_id.clone(),
        hit_group_id: h.hit_group_id.clone(),
        hit_layout_id: h.hit_layout_id.clone(),
        creation_time: seconds(h.created_at),
        title: h.spec.title.clone(),
        description: h.spec.description.clone(),
        question: h.question.clone(),
        keywords: h.spec.keywords.clone(),
        hit_status: h.status.as_str().to_string(),
        max_assignments: h.max_assignments,
        reward: h.spec.reward.to_string(),
        auto_approval_delay_in_seconds: h.spec.auto_approval_delay_secs,
        expiration: seconds(h.expires_at),
        assignment_duration_in_seconds: h.spec.assignment_duration_secs,
        requester_annotation: h.requester_annotation.clone(),
        qualification_requirements: h.spec.qualification_requirements.iter().map(requirement_out).collect(),
        hit_review_status: h.review_status.as_str().to_string(),
        number_of_assignments_pending: h.num_pending,
        number_of_assignments_available: h.reported_available(),
        number_of_assignments_completed: h.num_completed,
    }
}

pub fn assignment(a: &Assignment) -> wire::Assignment {
    wire::Assignment {
        assignment_id: a.assignment_id.clone(),
        worker_id: a.worker_id.clone(),
        hit_id: a.hit_id.clone(),
        assignment_status: a.status.as_str().to_string(),
        auto_approval_time: a.auto_approval_at.map(seconds),
        accept_time: seconds(a.accepted_at),
        submit_time: a.submitted_at.map(seconds),
        approval_time: a.approved_at.map(seconds),
        rejection_time: a.rejected_at.map(seconds),
        deadline: seconds(a.deadline),
        answer: a.answer.clone(),
        requester_feedback: a.requester_feedback.clone(),
    }
}

fn requirement_out(r: &q::QualificationRequirement) -> wire::QualificationRequirement {
    wire::QualificationRequirement {
        qualification_type_id: r.qualification_type_id.clone(),
        comparator: r.comparator.as_str().to_string(),
        integer_values: (!r.integer_values.is_empty()).then(|| r.integer_values.clone()),
        locale_values: (!r.locale_values.is_empty()).then(|| {
            r.locale_values
                .iter()
                .map(|l| wire::Locale { country: l.country.clone(), subdivision: l.subdivision.clone() })
                .collect()
        }),
        required_to_preview: r.required_to_preview,
        actions_guarded: r.actions_guarded.map(|a| a.as_str().to_string()),
    }
}

/// HITLayoutParameters as (name, value) pairs, in the order given.
pub fn layout_parameters(p: Option<Vec<wire_layouts::HitLayoutParameter>>) -> Vec<(String, String)> {
    p.unwrap_or_default().into_iter().map(|p| (p.name, p.value)).collect()
}

pub fn requirements(
    reqs: Option<Vec<wire::QualificationRequirement>>,
) -> Result<Vec<q::QualificationRequirement>, ApiError> {
    let reqs = reqs.unwrap_or_default();
    let mut out = Vec::with_capacity(reqs.len());
    for (i, r) in reqs.into_iter().enumerate() {
        let at = format!("QualificationRequirements.{}", i + 1);
        let comparator = Comparator::parse(&r.comparator).ok_or_else(|| {
            ApiError::request(
                TurkErrorCode::InvalidParameterValue,
                format!(
                    "Value '{}' at '{at}.Comparator' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                    r.comparator,
                    Comparator::ALL.join(", ")
                ),
            )
        })?;
        let actions_guarded = match r.actions_guarded.as_deref() {
            None => None,
            Some(s) => Some(ActionsGuarded::parse(s).ok_or_else(|| {
                ApiError::request(
                    TurkErrorCode::InvalidParameterValue,
                    format!(
                        "Value '{s}' at '{at}.ActionsGuarded' failed to satisfy constraint: Member must satisfy enum value set: [Accept, PreviewAndAccept, DiscoverPreviewAndAccept]"
                    ),
                )
            })?),
        };
        out.push(q::QualificationRequirement {
            qualification_type_id: r.qualification_type_id,
            comparator,
            integer_values: r.integer_values.unwrap_or_default(),
            locale_values: r
                .locale_values
                .unwrap_or_default()
                .into_iter()
                .map(|l| q::Locale { country: l.country, subdivision: l.subdivision })
                .collect(),
            required_to_preview: r.required_to_preview,
            actions_guarded,
        });
    }
    Ok(out)
}

/// Epoch seconds from the wire (possibly fractional) → milliseconds.
pub fn millis(secs: f64) -> Result<Millis, ApiError> {
    if !secs.is_finite() || secs.abs() > 1e13 {
        return Err(ApiError::request(
            TurkErrorCode::InvalidParameterValue,
            format!("{secs} is not a valid timestamp"),
        ));
    }
    Ok((secs * 1000.0).round() as i64)
}

pub fn qualification_type(t: &openturk_domain::qualification_type::QualificationType) -> wq::QualificationType {
    wq::QualificationType {
        qualification_type_id: t.qualification_type_id.clone(),
        creation_time: seconds(t.created_at),
        name: t.name.clone(),
        description: t.description.clone(),
        keywords: t.keywords.clone(),
        qualification_type_status: t.status.as_str().to_string(),
        test: t.test.clone(),
        test_duration_in_seconds: t.test_duration_secs,
        answer_key: t.answer_key.clone(),
        retry_delay_in_seconds: t.retry_delay_secs,
        is_requestable: t.is_requestable(),
        auto_granted: t.auto_granted,
        auto_granted_value: t.auto_granted_value,
    }
}

pub fn qualification(q: &openturk_domain::qualification_type::Qualification) -> wq::Qualification {
    wq::Qualification {
        qualification_type_id: q.qualification_type_id.clone(),
        worker_id: q.worker_id.clone(),
        grant_time: seconds(q.granted_at),
        integer_value: Some(q.integer_value),
        locale_value: None,
        status: q.status.as_str().to_string(),
    }
}

pub fn qualification_request(
    q: &openturk_domain::qualification_type::QualificationRequest,
) -> wq::QualificationRequest {
    wq::QualificationRequest {
        qualification_request_id: q.qualification_request_id.clone(),
        qualification_type_id: q.qualification_type_id.clone(),
        worker_id: q.worker_id.clone(),
        test: q.test.clone(),
        answer: q.answer.clone(),
        submit_time: q.submitted_at.map(seconds),
    }
}
