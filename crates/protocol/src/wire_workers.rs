//! Request and response shapes of the worker operations: CreateWorkerBlock, DeleteWorkerBlock,
//! ListWorkerBlocks and NotifyWorkers, as the `mturk` service model names them.

use serde::{Deserialize, Serialize};

/// CreateWorkerBlock: both members are required by the service model (the SDKs refuse to send
/// a call without Reason).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateWorkerBlockRequest {
    pub worker_id: String,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteWorkerBlockRequest {
    pub worker_id: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListWorkerBlocksRequest {
    pub next_token: Option<String>,
    pub max_results: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct WorkerBlock {
    pub worker_id: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListWorkerBlocksResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    pub num_results: i64,
    pub worker_blocks: Vec<WorkerBlock>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NotifyWorkersRequest {
    pub subject: String,
    pub message_text: String,
    pub worker_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NotifyWorkersFailureStatus {
    pub notify_workers_failure_code: String,
    pub notify_workers_failure_message: String,
    pub worker_id: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NotifyWorkersResponse {
    pub notify_workers_failure_statuses: Vec<NotifyWorkersFailureStatus>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{parse, to_body};

    #[test]
    fn shapes_match_the_service_model() {
        let r: NotifyWorkersRequest = parse(br#"{"Subject":"s","MessageText":"m","WorkerIds":["A1","A2"]}"#).unwrap();
        assert_eq!(r.worker_ids, ["A1", "A2"]);
        let body = to_body(&NotifyWorkersResponse {
            notify_workers_failure_statuses: vec![NotifyWorkersFailureStatus {
                notify_workers_failure_code: "HardFailure".into(),
                notify_workers_failure_message: "m".into(),
                worker_id: "A1".into(),
            }],
        });
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r#"{"NotifyWorkersFailureStatuses":[{"NotifyWorkersFailureCode":"HardFailure","NotifyWorkersFailureMessage":"m","WorkerId":"A1"}]}"#
        );
        // Reason is required on CreateWorkerBlock, as the service model says.
        let e = parse::<CreateWorkerBlockRequest>(br#"{"WorkerId":"A1"}"#).unwrap_err();
        assert!(format!("{e:?}").contains("Reason"), "{e:?}");
    }
}
