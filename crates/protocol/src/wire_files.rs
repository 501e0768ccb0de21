//! Wire shapes of GetFileUploadURL (the files workers upload for FileUploadAnswer questions).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetFileUploadURLRequest {
    pub assignment_id: String,
    pub question_identifier: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GetFileUploadURLResponse {
    #[serde(rename = "FileUploadURL")]
    pub file_upload_url: String,
}
