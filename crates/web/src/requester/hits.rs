//! HIT and HIT-type operations.

use super::convert;
use super::errors::api_error;
use super::review_policies::raw_policy;
use openturk_protocol::wire::{self, parse, to_body};
use openturk_protocol::ApiError;
use openturk_service::hits::{HitTypeRef, NewHit, NewHitType};
use openturk_service::paging::Page;
use openturk_service::Service;

type Out = Result<Vec<u8>, ApiError>;

fn hit_response(h: &openturk_domain::model::Hit) -> Vec<u8> {
    to_body(&wire::HitResponse { hit: convert::hit(h) })
}

fn list_response(p: Page<openturk_domain::model::Hit>) -> Vec<u8> {
    to_body(&wire::ListHITsResponse {
        next_token: p.next_token,
        num_results: p.items.len() as i64,
        hits: p.items.iter().map(convert::hit).collect(),
    })
}

pub fn create_hit_type(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wire::CreateHITTypeRequest = parse(body)?;
    let input = NewHitType {
        title: r.title,
        description: r.description,
        keywords: r.keywords,
        reward: r.reward,
        assignment_duration_secs: r.assignment_duration_in_seconds,
        auto_approval_delay_secs: r.auto_approval_delay_in_seconds,
        qualification_requirements: convert::requirements(r.qualification_requirements)?,
    };
    let t = svc.create_hit_type(rid, &input).map_err(api_error)?;
    Ok(to_body(&wire::CreateHITTypeResponse { hit_type_id: t.hit_type_id }))
}

pub fn create_hit(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wire::CreateHITRequest = parse(body)?;
    let input = NewHit {
        hit_type: HitTypeRef::New(NewHitType {
            title: r.title,
            description: r.description,
            keywords: r.keywords,
            reward: r.reward,
            assignment_duration_secs: r.assignment_duration_in_seconds,
            auto_approval_delay_secs: r.auto_approval_delay_in_seconds,
            qualification_requirements: convert::requirements(r.qualification_requirements)?,
        }),
        lifetime_secs: r.lifetime_in_seconds,
        max_assignments: r.max_assignments,
        question: r.question,
        hit_layout_id: r.hit_layout_id,
        hit_layout_parameters: convert::layout_parameters(r.hit_layout_parameters),
        requester_annotation: r.requester_annotation,
        unique_request_token: r.unique_request_token,
        assignment_review_policy: raw_policy("AssignmentReviewPolicy", r.assignment_review_policy)?,
        hit_review_policy: raw_policy("HITReviewPolicy", r.hit_review_policy)?,
    };
    let h = svc.create_hit(rid, &input).map_err(api_error)?;
    Ok(hit_response(&h))
}

pub fn create_hit_with_hit_type(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wire::CreateHITWithHITTypeRequest = parse(body)?;
    let input = NewHit {
        hit_type: HitTypeRef::Existing(r.hit_type_id),
        lifetime_secs: r.lifetime_in_seconds,
        max_assignments: r.max_assignments,
        question: r.question,
        hit_layout_id: r.hit_layout_id,
        hit_layout_parameters: convert::layout_parameters(r.hit_layout_parameters),
        requester_annotation: r.requester_annotation,
        unique_request_token: r.unique_request_token,
        assignment_review_policy: raw_policy("AssignmentReviewPolicy", r.assignment_review_policy)?,
        hit_review_policy: raw_policy("HITReviewPolicy", r.hit_review_policy)?,
    };
    let h = svc.create_hit(rid, &input).map_err(api_error)?;
    Ok(hit_response(&h))
}

pub fn get_hit(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wire::HitIdRequest = parse(body)?;
    let h = svc.get_hit(rid, &r.hit_id).map_err(api_error)?;
    Ok(hit_response(&h))
}

pub fn list_hits(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wire::ListHITsRequest = parse(body)?;
    let p = svc.list_hits(rid, r.next_token.as_deref(), r.max_results).map_err(api_error)?;
    Ok(list_response(p))
}

pub fn list_reviewable_hits(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wire::ListReviewableHITsRequest = parse(body)?;
    let p = svc
        .list_reviewable_hits(
            rid,
            r.hit_type_id.as_deref(),
            r.status.as_deref(),
            r.next_token.as_deref(),
            r.max_results,
        )
        .map_err(api_error)?;
    Ok(list_response(p))
}

pub fn update_expiration(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wire::UpdateExpirationForHITRequest = parse(body)?;
    svc.update_expiration(rid, &r.hit_id, convert::millis(r.expire_at)?).map_err(api_error)?;
    Ok(to_body(&wire::Empty {}))
}

pub fn update_review_status(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wire::UpdateHITReviewStatusRequest = parse(body)?;
    svc.update_review_status(rid, &r.hit_id, r.revert.unwrap_or(false)).map_err(api_error)?;
    Ok(to_body(&wire::Empty {}))
}

pub fn update_hit_type_of_hit(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wire::UpdateHITTypeOfHITRequest = parse(body)?;
    svc.update_hit_type_of_hit(rid, &r.hit_id, &r.hit_type_id).map_err(api_error)?;
    Ok(to_body(&wire::Empty {}))
}

pub fn create_additional_assignments(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wire::CreateAdditionalAssignmentsForHITRequest = parse(body)?;
    svc.create_additional_assignments(
        rid,
        &r.hit_id,
        r.number_of_additional_assignments,
        r.unique_request_token.as_deref(),
    )
    .map_err(api_error)?;
    Ok(to_body(&wire::Empty {}))
}

pub fn delete_hit(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wire::HitIdRequest = parse(body)?;
    svc.delete_hit(rid, &r.hit_id).map_err(api_error)?;
    Ok(to_body(&wire::Empty {}))
}
