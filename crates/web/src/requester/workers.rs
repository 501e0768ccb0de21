//! CreateWorkerBlock, DeleteWorkerBlock, ListWorkerBlocks and NotifyWorkers.

use super::errors::api_error;
use openturk_protocol::wire::{parse, to_body, Empty};
use openturk_protocol::wire_workers as w;
use openturk_protocol::ApiError;
use openturk_service::Service;

type Out = Result<Vec<u8>, ApiError>;

pub fn create_worker_block(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: w::CreateWorkerBlockRequest = parse(body)?;
    svc.create_worker_block(rid, &r.worker_id, &r.reason).map_err(api_error)?;
    Ok(to_body(&Empty {}))
}

pub fn delete_worker_block(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: w::DeleteWorkerBlockRequest = parse(body)?;
    svc.delete_worker_block(rid, &r.worker_id, r.reason.as_deref()).map_err(api_error)?;
    Ok(to_body(&Empty {}))
}

pub fn list_worker_blocks(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: w::ListWorkerBlocksRequest = parse(body)?;
    let p = svc.list_worker_blocks(rid, r.next_token.as_deref(), r.max_results).map_err(api_error)?;
    Ok(to_body(&w::ListWorkerBlocksResponse {
        next_token: p.next_token,
        num_results: p.items.len() as i64,
        worker_blocks: p
            .items
            .into_iter()
            .map(|b| w::WorkerBlock { worker_id: b.worker_id, reason: b.reason })
            .collect(),
    }))
}

pub fn notify_workers(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: w::NotifyWorkersRequest = parse(body)?;
    let failures = svc.notify_workers(rid, &r.subject, &r.message_text, &r.worker_ids).map_err(api_error)?;
    Ok(to_body(&w::NotifyWorkersResponse {
        notify_workers_failure_statuses: failures
            .into_iter()
            .map(|f| w::NotifyWorkersFailureStatus {
                notify_workers_failure_code: f.code.as_str().to_string(),
                notify_workers_failure_message: f.message,
                worker_id: f.worker_id,
            })
            .collect(),
    }))
}
