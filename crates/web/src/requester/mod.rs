//! The MTurk Requester API endpoint: `POST /` with `X-Amz-Target`.
//!
//! Order of checks: framing (content type, size, target) → Signature V4 → key rights →
//! operation. Each failure gets its own clear 4xx.

mod account;
mod assignments;
pub mod auth;
mod convert;
pub mod errors;
mod files;
mod hits;
mod notifications;
mod qualifications;
mod review_policies;
mod workers;

use crate::{blocking, request_id, AppState};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use openturk_protocol::sigv4::RequestParts;
use openturk_protocol::{ApiError, Operation, CONTENT_TYPE, MAX_BODY_BYTES};
use openturk_service::accounts::AccessKey;
use openturk_service::Service;

/// `/` with a method other than POST and GET.
pub async fn method_not_allowed(method: Method) -> Response {
    let e = ApiError::protocol(
        "UnknownOperationException",
        405,
        format!("The Requester API takes POST requests at /, not {method}."),
    );
    respond_without_service(&request_id(), e)
}

/// A Requester API call to a path other than `/`.
pub async fn not_found(method: Method, uri: Uri) -> Response {
    let e = ApiError::protocol(
        "UnknownOperationException",
        404,
        format!("The Requester API answers POST requests at /; there is nothing at {method} {}.", uri.path()),
    );
    respond_without_service(&request_id(), e)
}

pub async fn handle(State(st): State<AppState>, method: Method, uri: Uri, headers: HeaderMap, body: Body) -> Response {
    let rid = request_id();
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            let e = ApiError::protocol(
                "SerializationException",
                400,
                format!("The request body is larger than {MAX_BODY_BYTES} bytes."),
            );
            return respond(&st.service, &rid, Err(e));
        }
    };
    let svc = st.service.clone();
    let cache = st.sigv4.clone();
    let result = blocking(&st.service, move || call(&svc, &cache, &method, &uri, &headers, &body)).await;
    respond(&st.service, &rid, result)
}

fn call(
    svc: &Service,
    cache: &auth::SigningKeyCache,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Vec<u8>, ApiError> {
    let ct = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if ct.split(';').next().map(str::trim) != Some(CONTENT_TYPE) {
        return Err(ApiError::protocol(
            "SerializationException",
            400,
            format!("Content-Type must be {CONTENT_TYPE}, not '{ct}'."),
        ));
    }
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or("");
    let op = Operation::from_target(target).ok_or_else(|| {
        ApiError::protocol(
            "UnknownOperationException",
            400,
            if target.is_empty() {
                "The X-Amz-Target header is missing; it names the operation, e.g. MTurkRequesterServiceV20170117.GetHIT"
                    .to_string()
            } else {
                format!("Unknown operation '{target}'.")
            },
        )
    })?;

    let pairs: Vec<(&str, &str)> =
        headers.iter().filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str(), v))).collect();
    let parts = RequestParts {
        method: method.as_str(),
        path: uri.path(),
        query: uri.query().unwrap_or(""),
        headers: &pairs,
        body,
    };
    let key = auth::authenticate(svc, cache, &parts)?;
    if key.read_only && !op.is_read_only() {
        return Err(ApiError::protocol(
            "AccessDeniedException",
            400,
            format!(
                "Access key {} is read-only: it may call only Get* and List* operations, not {}.",
                key.access_key_id,
                op.name()
            ),
        ));
    }
    dispatch(svc, &key, op, body)
}

fn dispatch(svc: &Service, key: &AccessKey, op: Operation, body: &[u8]) -> Result<Vec<u8>, ApiError> {
    use Operation::*;
    let r = &key.requester_id;
    match op {
        CreateHITType => hits::create_hit_type(svc, r, body),
        CreateHIT => hits::create_hit(svc, r, body),
        CreateHITWithHITType => hits::create_hit_with_hit_type(svc, r, body),
        GetHIT => hits::get_hit(svc, r, body),
        ListHITs => hits::list_hits(svc, r, body),
        ListReviewableHITs => hits::list_reviewable_hits(svc, r, body),
        UpdateExpirationForHIT => hits::update_expiration(svc, r, body),
        UpdateHITReviewStatus => hits::update_review_status(svc, r, body),
        UpdateHITTypeOfHIT => hits::update_hit_type_of_hit(svc, r, body),
        CreateAdditionalAssignmentsForHIT => hits::create_additional_assignments(svc, r, body),
        DeleteHIT => hits::delete_hit(svc, r, body),
        GetAccountBalance => account::get_account_balance(svc, r),
        GetAssignment => assignments::get_assignment(svc, r, body),
        ListAssignmentsForHIT => assignments::list_assignments_for_hit(svc, r, body),
        ApproveAssignment => assignments::approve(svc, r, body),
        RejectAssignment => assignments::reject(svc, r, body),
        SendBonus => assignments::send_bonus(svc, r, body),
        ListBonusPayments => assignments::list_bonus_payments(svc, r, body),
        CreateQualificationType => qualifications::create_type(svc, r, body),
        GetQualificationType => qualifications::get_type(svc, r, body),
        UpdateQualificationType => qualifications::update_type(svc, r, body),
        DeleteQualificationType => qualifications::delete_type(svc, r, body),
        ListQualificationTypes => qualifications::list_types(svc, r, body),
        AssociateQualificationWithWorker => qualifications::associate(svc, r, body),
        DisassociateQualificationFromWorker => qualifications::disassociate(svc, r, body),
        GetQualificationScore => qualifications::get_score(svc, r, body),
        ListWorkersWithQualificationType => qualifications::list_workers(svc, r, body),
        ListHITsForQualificationType => qualifications::list_hits(svc, r, body),
        ListQualificationRequests => qualifications::list_requests(svc, r, body),
        AcceptQualificationRequest => qualifications::accept_request(svc, r, body),
        RejectQualificationRequest => qualifications::reject_request(svc, r, body),
        CreateWorkerBlock => workers::create_worker_block(svc, r, body),
        DeleteWorkerBlock => workers::delete_worker_block(svc, r, body),
        ListWorkerBlocks => workers::list_worker_blocks(svc, r, body),
        NotifyWorkers => workers::notify_workers(svc, r, body),
        UpdateNotificationSettings => notifications::update_notification_settings(svc, r, body),
        SendTestEventNotification => notifications::send_test_event_notification(svc, r, body),
        ListReviewPolicyResultsForHIT => review_policies::list_review_policy_results(svc, r, body),
        GetFileUploadURL => files::get_file_upload_url(svc, r, body),
    }
}

fn respond(svc: &Service, rid: &str, result: Result<Vec<u8>, ApiError>) -> Response {
    let (status, body) = match result {
        Ok(b) => (200, b),
        Err(e) => (e.status(), e.body(svc.now())),
    };
    reply(rid, status, body)
}

/// An error for a request that never reached the service (its message's time is the wall
/// clock's, as no marketplace clock is at hand).
fn respond_without_service(rid: &str, e: ApiError) -> Response {
    let now = openturk_domain::clock::Clock::now_ms(&openturk_domain::SystemClock);
    reply(rid, e.status(), e.body(now))
}

fn reply(rid: &str, status: u16, body: Vec<u8>) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", CONTENT_TYPE)
        .header("x-amzn-requestid", rid)
        .body(Body::from(body))
        .expect("valid response")
}
