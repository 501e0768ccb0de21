//! Assignment review and bonus operations.

use super::convert;
use super::errors::api_error;
use openturk_domain::model::AssignmentStatus;
use openturk_protocol::wire::{self, parse, seconds, to_body};
use openturk_protocol::{ApiError, TurkErrorCode};
use openturk_service::Service;

type Out = Result<Vec<u8>, ApiError>;

pub fn get_assignment(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wire::AssignmentIdRequest = parse(body)?;
    let (a, h) = svc.get_assignment(rid, &r.assignment_id).map_err(api_error)?;
    Ok(to_body(&wire::GetAssignmentResponse { assignment: convert::assignment(&a), hit: convert::hit(&h) }))
}

pub fn list_assignments_for_hit(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wire::ListAssignmentsForHITRequest = parse(body)?;
    let mut statuses = Vec::new();
    for (i, s) in r.assignment_statuses.unwrap_or_default().iter().enumerate() {
        statuses.push(AssignmentStatus::parse(s).ok_or_else(|| {
            ApiError::request(
                TurkErrorCode::InvalidParameterValue,
                format!(
                    "Value '{s}' at 'AssignmentStatuses.{}' failed to satisfy constraint: Member must satisfy enum value set: [Submitted, Approved, Rejected]",
                    i + 1
                ),
            )
        })?);
    }
    let p = svc
        .list_assignments_for_hit(rid, &r.hit_id, &statuses, r.next_token.as_deref(), r.max_results)
        .map_err(api_error)?;
    Ok(to_body(&wire::ListAssignmentsForHITResponse {
        next_token: p.next_token,
        num_results: p.items.len() as i64,
        assignments: p.items.iter().map(convert::assignment).collect(),
    }))
}

pub fn approve(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wire::ApproveAssignmentRequest = parse(body)?;
    svc.approve(rid, &r.assignment_id, r.requester_feedback.as_deref(), r.override_rejection.unwrap_or(false))
        .map_err(api_error)?;
    Ok(to_body(&wire::Empty {}))
}

pub fn reject(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wire::RejectAssignmentRequest = parse(body)?;
    svc.reject(rid, &r.assignment_id, &r.requester_feedback).map_err(api_error)?;
    Ok(to_body(&wire::Empty {}))
}

pub fn send_bonus(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wire::SendBonusRequest = parse(body)?;
    svc.send_bonus(rid, &r.worker_id, &r.assignment_id, &r.bonus_amount, &r.reason, r.unique_request_token.as_deref())
        .map_err(api_error)?;
    Ok(to_body(&wire::Empty {}))
}

pub fn list_bonus_payments(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wire::ListBonusPaymentsRequest = parse(body)?;
    let p = svc
        .list_bonus_payments(
            rid,
            r.hit_id.as_deref(),
            r.assignment_id.as_deref(),
            r.next_token.as_deref(),
            r.max_results,
        )
        .map_err(api_error)?;
    Ok(to_body(&wire::ListBonusPaymentsResponse {
        num_results: p.items.len() as i64,
        next_token: p.next_token,
        bonus_payments: p
            .items
            .iter()
            .map(|b| wire::BonusPayment {
                worker_id: b.worker_id.clone(),
                bonus_amount: b.amount.to_string(),
                assignment_id: b.assignment_id.clone(),
                reason: b.reason.clone(),
                grant_time: seconds(b.granted_at),
            })
            .collect(),
    }))
}
