//! Qualification operations: types, scores, requests.

use super::convert;
use super::errors::api_error;
use openturk_protocol::wire::{self, parse, to_body};
use openturk_protocol::wire_qualifications as wq;
use openturk_protocol::ApiError;
use openturk_service::qualifications::{NewQualificationType, QualificationTypeUpdate, TypeQuery};
use openturk_service::Service;

type Out = Result<Vec<u8>, ApiError>;

fn type_response(t: &openturk_domain::qualification_type::QualificationType) -> Vec<u8> {
    to_body(&wq::QualificationTypeResponse { qualification_type: convert::qualification_type(t) })
}

fn empty() -> Vec<u8> {
    to_body(&wire::Empty {})
}

pub fn create_type(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wq::CreateQualificationTypeRequest = parse(body)?;
    let n = NewQualificationType {
        name: r.name,
        description: r.description,
        keywords: r.keywords,
        status: r.qualification_type_status,
        retry_delay_secs: r.retry_delay_in_seconds,
        test: r.test,
        answer_key: r.answer_key,
        test_duration_secs: r.test_duration_in_seconds,
        auto_granted: r.auto_granted,
        auto_granted_value: r.auto_granted_value,
    };
    let t = svc.create_qualification_type(rid, &n).map_err(api_error)?;
    Ok(type_response(&t))
}

pub fn get_type(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wq::QualificationTypeIdRequest = parse(body)?;
    let t = svc.get_qualification_type(Some(rid), &r.qualification_type_id).map_err(api_error)?;
    Ok(type_response(&t))
}

pub fn update_type(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wq::UpdateQualificationTypeRequest = parse(body)?;
    let u = QualificationTypeUpdate {
        description: r.description,
        status: r.qualification_type_status,
        retry_delay_secs: r.retry_delay_in_seconds,
        test: r.test,
        answer_key: r.answer_key,
        test_duration_secs: r.test_duration_in_seconds,
        auto_granted: r.auto_granted,
        auto_granted_value: r.auto_granted_value,
    };
    let t = svc.update_qualification_type(rid, &r.qualification_type_id, &u).map_err(api_error)?;
    Ok(type_response(&t))
}

pub fn delete_type(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wq::QualificationTypeIdRequest = parse(body)?;
    svc.delete_qualification_type(rid, &r.qualification_type_id).map_err(api_error)?;
    Ok(empty())
}

pub fn list_types(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wq::ListQualificationTypesRequest = parse(body)?;
    let q = TypeQuery {
        query: r.query,
        must_be_requestable: r.must_be_requestable,
        must_be_owned_by_caller: r.must_be_owned_by_caller.unwrap_or(false),
        next_token: r.next_token,
        max_results: r.max_results,
    };
    let p = svc.list_qualification_types(rid, &q).map_err(api_error)?;
    Ok(to_body(&wq::ListQualificationTypesResponse {
        num_results: p.items.len() as i64,
        next_token: p.next_token,
        qualification_types: p.items.iter().map(convert::qualification_type).collect(),
    }))
}

pub fn associate(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wq::AssociateQualificationWithWorkerRequest = parse(body)?;
    svc.associate_qualification(rid, &r.qualification_type_id, &r.worker_id, r.integer_value, r.send_notification)
        .map_err(api_error)?;
    Ok(empty())
}

pub fn disassociate(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wq::DisassociateQualificationFromWorkerRequest = parse(body)?;
    svc.disassociate_qualification(rid, &r.qualification_type_id, &r.worker_id, r.reason.as_deref())
        .map_err(api_error)?;
    Ok(empty())
}

pub fn get_score(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wq::GetQualificationScoreRequest = parse(body)?;
    let q = svc.qualification_score(rid, &r.qualification_type_id, &r.worker_id).map_err(api_error)?;
    Ok(to_body(&wq::GetQualificationScoreResponse { qualification: convert::qualification(&q) }))
}

pub fn list_workers(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wq::ListWorkersWithQualificationTypeRequest = parse(body)?;
    let p = svc
        .list_workers_with_qualification_type(
            rid,
            &r.qualification_type_id,
            r.status.as_deref(),
            r.next_token.as_deref(),
            r.max_results,
        )
        .map_err(api_error)?;
    Ok(to_body(&wq::ListWorkersWithQualificationTypeResponse {
        next_token: p.next_token,
        num_results: p.items.len() as i64,
        qualifications: p.items.iter().map(convert::qualification).collect(),
    }))
}

pub fn list_hits(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wq::ListHITsForQualificationTypeRequest = parse(body)?;
    let p = svc
        .list_hits_for_qualification_type(rid, &r.qualification_type_id, r.next_token.as_deref(), r.max_results)
        .map_err(api_error)?;
    Ok(to_body(&wire::ListHITsResponse {
        next_token: p.next_token,
        num_results: p.items.len() as i64,
        hits: p.items.iter().map(convert::hit).collect(),
    }))
}

pub fn list_requests(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wq::ListQualificationRequestsRequest = parse(body)?;
    let p = svc
        .list_qualification_requests(rid, r.qualification_type_id.as_deref(), r.next_token.as_deref(), r.max_results)
        .map_err(api_error)?;
    Ok(to_body(&wq::ListQualificationRequestsResponse {
        num_results: p.items.len() as i64,
        next_token: p.next_token,
        qualification_requests: p.items.iter().map(convert::qualification_request).collect(),
    }))
}

pub fn accept_request(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wq::AcceptQualificationRequestRequest = parse(body)?;
    svc.accept_qualification_request(rid, &r.qualification_request_id, r.integer_value).map_err(api_error)?;
    Ok(empty())
}

pub fn reject_request(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: wq::RejectQualificationRequestRequest = parse(body)?;
    svc.reject_qualification_request(rid, &r.qualification_request_id, r.reason.as_deref()).map_err(api_error)?;
    Ok(empty())
}
