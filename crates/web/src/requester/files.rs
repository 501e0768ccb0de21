//! GetFileUploadURL.

use super::errors::api_error;
use openturk_protocol::wire::{parse, to_body};
use openturk_protocol::wire_files::{GetFileUploadURLRequest, GetFileUploadURLResponse};
use openturk_protocol::ApiError;
use openturk_service::Service;

pub fn get_file_upload_url(svc: &Service, rid: &str, body: &[u8]) -> Result<Vec<u8>, ApiError> {
    let r: GetFileUploadURLRequest = parse(body)?;
    let url = svc.file_upload_url(rid, &r.assignment_id, &r.question_identifier).map_err(api_error)?;
    Ok(to_body(&GetFileUploadURLResponse { file_upload_url: url }))
}
