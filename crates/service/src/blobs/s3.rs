//! The blob store in an S3 (or S3-compatible) bucket, through `openturk-aws`: what replicas use,
//! since they must all see the same files. Downloads are presigned GET URLs.

use crate::aws::Aws;
use std::future::Future;

#[derive(Clone)]
pub struct S3Store {
    aws: Aws,
    bucket: String,
}

/// Waits for an `openturk-aws` call from the service's synchronous code. Inside the server's
/// (multi-threaded) runtime the thread is handed over while it waits (`block_in_place`), so an
/// async worker thread (where calls run in place on SQLite) does not stall the others.
fn wait<F: Future>(f: F) -> F::Output {
    match tokio::runtime::Handle::try_current() {
        Ok(h) => tokio::task::block_in_place(|| h.block_on(f)),
        Err(_) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for an S3 call")
            .block_on(f),
    }
}

impl S3Store {
    pub fn new(aws: Aws, bucket: impl Into<String>) -> S3Store {
        S3Store { aws, bucket: bucket.into() }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Whether the bucket is there for these credentials: `openturk serve` asks before it
    /// starts, so a wrong bucket is not first met by a worker's upload.
    pub async fn check(&self) -> Result<(), String> {
        self.aws.s3_check_bucket(&self.bucket).await.map_err(|e| e.to_string())
    }

    pub fn put(&self, key: &str, bytes: &[u8]) -> Result<(), String> {
        wait(self.aws.s3_put(&self.bucket, key, bytes.to_vec(), "application/octet-stream")).map_err(|e| e.to_string())
    }

    pub fn delete(&self, key: &str) -> Result<(), String> {
        wait(self.aws.s3_delete(&self.bucket, key)).map_err(|e| e.to_string())
    }

    /// A presigned GET URL, valid `expires_secs` from `now_epoch_secs`. S3 answers it as the
    /// directory store's downloads are answered: a download named by the file's key, never a
    /// page (S3's response-header overrides, covered by the signature).
    pub fn presign_get(&self, key: &str, now_epoch_secs: i64, expires_secs: i64) -> Result<String, String> {
        let name = key.rsplit('/').next().unwrap_or(key);
        let disposition = format!("attachment; filename=\"{name}\"");
        let response = [
            ("response-content-disposition", disposition.as_str()),
            ("response-content-type", "application/octet-stream"),
        ];
        wait(self.aws.s3_presign_get(&self.bucket, key, now_epoch_secs, expires_secs, &response))
            .map_err(|e| e.to_string())
    }
}
