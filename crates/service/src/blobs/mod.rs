//! Files that workers upload as answers to `FileUploadAnswer` questions, and the blob store
//! that holds their bytes.
//!
//! The store ([`BlobStore`]) is a directory in the data directory by default ([`DirStore`]:
//! each file written to a temporary name and renamed, so a reader never sees half a file), or
//! an S3-compatible bucket ([`s3::S3Store`]) for replicas, which must all see the same files.
//!
//! The store is outside the database, so what is in it follows the database through one table,
//! `file_uploads`, which is also the durable to-do list of deletions (`uploads.rs`):
//!
//! 1. **stage** (one transaction, before anything is stored): a row per file, `staged`, whose
//!    `delete_at` is [`ORPHAN_GRACE_MS`] away;
//! 2. **store** the bytes, outside any transaction;
//! 3. **submit** (the submit's own transaction): the rows become `committed` (answers of the
//!    assignment), their `delete_at` cleared. A staged row the deleter already holds cannot
//!    commit, so the submit fails and changes nothing.
//!
//! A submit that fails after staging (a closed assignment, a conflict) moves its rows' `delete_at`
//! to now; one that never finishes (a crash between the steps) leaves them staged, and the
//! deleter removes them at `delete_at`. Disposing of a HIT (`Service::dispose`, on every path:
//! DeleteHIT and the disposal job) marks its committed files `deleting`, due now, in the
//! disposal's transaction. The deleter ([`Service::run_blob_deleter`]) claims due rows with a
//! lease (a conditional UPDATE, so two replicas never hold one row), deletes the bytes after
//! commit, and removes the row; a failure is counted with its error and retried after a doubling
//! backoff. Deleting a file that is already gone succeeds, so a retry after a crash is harmless.
//!
//! Downloads (`GetFileUploadURL`) are a URL valid for [`DOWNLOAD_URL_SECS`]: for the directory, a
//! route of this server with an HMAC-signed token carrying the file's key and its expiry by the
//! marketplace clock ([`crate::signed_links`]); for S3, a presigned GET URL.

mod dir;
pub mod s3;
mod uploads;

pub use dir::DirStore;
pub(crate) use uploads::plan;
pub use uploads::{FileDownload, PendingDeletion, UploadedFile};

use parking_lot::RwLock;
use std::sync::Arc;

/// How long a staged upload waits for its submit to commit before the deleter removes it.
pub const ORPHAN_GRACE_MS: i64 = 3600 * 1000;
/// How long a GetFileUploadURL URL is valid (the API Reference: 60 seconds).
pub const DOWNLOAD_URL_SECS: i64 = 60;
/// The purpose download links' signing key is derived for.
pub const DOWNLOAD_LINK_PURPOSE: &str = "openturk file download URLs v1";
/// The default bound on one uploaded file: MTurk allows MaxFileSizeInBytes up to 2,000,000,000,
/// but an upload is held in memory while it is stored, so a server takes less by default
/// (`[blobs] max_file_bytes`).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;
/// How many bytes of uploads a server holds in memory at once, across all requests, by default
/// (`[blobs] max_upload_memory_bytes`): ten files of the default largest size.
pub const DEFAULT_MAX_UPLOAD_MEMORY_BYTES: u64 = 10 * DEFAULT_MAX_FILE_BYTES;

/// Where uploaded files' bytes are kept.
#[derive(Clone)]
pub enum BlobStore {
    Dir(DirStore),
    S3(s3::S3Store),
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BlobStore::Dir(d) => write!(f, "directory {}", d.root().display()),
            BlobStore::S3(s) => write!(f, "S3 bucket {}", s.bucket()),
        }
    }
}

impl BlobStore {
    /// Stores `bytes` under `key`, replacing what was there. Blocking: call it from a blocking
    /// thread.
    pub fn put(&self, key: &str, bytes: &[u8]) -> Result<(), String> {
        match self {
            BlobStore::Dir(d) => d.put(key, bytes),
            BlobStore::S3(s) => s.put(key, bytes),
        }
    }

    /// Deletes `key`; deleting what is not there succeeds.
    pub fn delete(&self, key: &str) -> Result<(), String> {
        match self {
            BlobStore::Dir(d) => d.delete(key),
            BlobStore::S3(s) => s.delete(key),
        }
    }
}

/// The service's uploads: the store, once `serve` has set it, and the base URL of downloads.
#[derive(Default)]
pub(crate) struct Files {
    store: RwLock<Option<(Arc<BlobStore>, String)>>,
    /// Wakes the deleter when deletions fall due.
    pub(crate) wake: tokio::sync::Notify,
}

impl crate::Service {
    /// Sets the blob store, and the origin (`http://host:port`) of this server that the
    /// directory store's download URLs use. Until then uploads are refused.
    pub fn set_blob_store(&self, store: BlobStore, download_origin: &str) {
        *self.inner.files.store.write() = Some((Arc::new(store), download_origin.trim_end_matches('/').to_string()));
    }

    pub(crate) fn blob_store(&self) -> crate::Result<(Arc<BlobStore>, String)> {
        self.inner.files.store.read().clone().ok_or_else(|| {
            crate::Error::new(
                openturk_domain::ErrorKind::Internal,
                "this server has no blob store for uploaded files (it is set by `openturk serve`)",
            )
        })
    }
}

/// Object names in the store: `uploads/` and the UploadedFileKey (hex, made by us).
pub(crate) fn object_name(file_key: &str) -> String {
    format!("uploads/{file_key}")
}
