//! The `file_uploads` table: staging an upload before its submit, committing it with the submit,
//! marking a disposed HIT's files for deletion, the deleter, and downloads.
//! (See the module documentation of `blobs` for the sequence and why.)

use super::{object_name, BlobStore, DOWNLOAD_LINK_PURPOSE, DOWNLOAD_URL_SECS, ORPHAN_GRACE_MS};
use crate::assignments::Answers;
use crate::error::{Error, Result};
use crate::signed_links;
use crate::{not_found, Service};
use openturk_domain::clock::Millis;
use openturk_domain::question::{AnswerError, AnswerSpecification, QuestionDocument};
use openturk_domain::ErrorKind;
use openturk_storage::{params, Tx};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// A file a worker sent as the answer to a question.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    /// The `QuestionIdentifier` of a `FileUploadAnswer` question.
    pub question_identifier: String,
    pub bytes: Vec<u8>,
}

/// A file of one submit, with the key it is stored under.
#[derive(Debug, Clone)]
pub(crate) struct PlannedFile {
    pub question_identifier: String,
    pub file_key: String,
    pub size: u64,
}

/// A file of the directory store to send to whoever presents a valid download token: open,
/// with its length, to stream from disk.
pub struct FileDownload {
    pub file_key: String,
    pub file: std::fs::File,
    pub len: u64,
}

thread_local! {
    /// Whether the unit of work on this thread (a unit runs on its caller's thread) marked files
    /// for deletion: the deleter is woken after the commit, not before, when it would find none.
    static DISCARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// A file waiting to be deleted.
#[derive(Debug, Clone)]
pub struct PendingDeletion {
    pub file_key: String,
    pub hit_id: String,
    /// `staged` (an upload whose submit never committed) or `deleting` (its HIT was disposed
    /// of, or a deleter took it).
    pub state: String,
    pub size_bytes: i64,
    /// When the deleter (next) tries it, by the marketplace clock.
    pub delete_at: Millis,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// How long a deleter's claim on a row lasts: longer than any delete may take.
const LEASE_MS: i64 = 5 * 60 * 1000;
/// The longest wait between retries of a failed deletion (they start as the outbox's do).
const MAX_BACKOFF_MS: i64 = 3600 * 1000;
/// Deletions claimed at once.
const BATCH: i64 = 50;

/// The answers with the uploads in place: a worker's own values for a file question are refused
/// (only an upload answers one), and each uploaded file becomes its question's
/// `[size_in_bytes, file_key]`, as `check_answers` and `render_answers` take it. Files over the
/// server's bound are refused here, before anything is stored.
pub(crate) fn plan(
    doc: &QuestionDocument,
    answers: &[(String, Vec<String>)],
    files: &[UploadedFile],
    max_file_bytes: u64,
) -> Result<(Answers, Vec<PlannedFile>)> {
    let Some(form) = doc.as_form() else {
        if let Some(f) = files.first() {
            return Err(Error::invalid(format!(
                "a file was sent for '{}', but this HIT's question is not a QuestionForm with a FileUploadAnswer",
                f.question_identifier
            )));
        }
        return Ok((answers.to_vec(), Vec::new()));
    };
    let is_file_question =
        |id: &str| matches!(form.question(id).map(|q| &q.answer), Some(AnswerSpecification::FileUpload(_)));
    let mut errors = Vec::new();
    let mut out: Answers = Vec::with_capacity(answers.len() + files.len());
    for (name, values) in answers {
        if is_file_question(name) {
            if values.iter().any(|v| !v.is_empty()) {
                errors.push(AnswerError {
                    question_identifier: name.clone(),
                    message: "This question takes a file: send the file itself (multipart/form-data), not text.".into(),
                });
            }
            continue;
        }
        out.push((name.clone(), values.clone()));
    }
    let mut planned: Vec<PlannedFile> = Vec::new();
    for f in files {
        if !is_file_question(&f.question_identifier) {
            return Err(Error::invalid(format!(
                "a file was sent for '{}', which is not a FileUploadAnswer question of this HIT",
                f.question_identifier
            )));
        }
        if planned.iter().any(|p| p.question_identifier == f.question_identifier) {
            return Err(Error::invalid(format!("more than one file was sent for '{}'", f.question_identifier)));
        }
        let size = f.bytes.len() as u64;
        if size > max_file_bytes {
            errors.push(AnswerError {
                question_identifier: f.question_identifier.clone(),
                message: format!(
                    "The file is {size} bytes; this server takes files of at most {max_file_bytes} bytes. Upload a smaller file."
                ),
            });
            continue;
        }
        let file_key = hex::encode(rand::random::<[u8; 16]>()).to_uppercase();
        out.push((f.question_identifier.clone(), vec![size.to_string(), file_key.clone()]));
        planned.push(PlannedFile { question_identifier: f.question_identifier.clone(), file_key, size });
    }
    if !errors.is_empty() {
        return Err(Error::InvalidAnswers(errors));
    }
    Ok((out, planned))
}

impl Service {
    /// The bound on one uploaded file.
    pub fn max_file_bytes(&self) -> u64 {
        self.config().max_file_bytes
    }

    /// The memory that uploads being received may hold, across all requests: one permit per KiB
    /// (of `[blobs] max_upload_memory_bytes`). A reader takes permits as bytes arrive and
    /// keeps them until the upload is stored or dropped; one that finds none left refuses the
    /// upload (to be tried again) rather than waiting, since waiting readers that each hold part
    /// of the budget could wait for each other for ever.
    pub fn upload_memory(&self) -> Arc<tokio::sync::Semaphore> {
        self.inner.upload_memory.clone()
    }

    /// Stages `planned` (one transaction), then stores each file's bytes. On failure nothing is
    /// committed: the staged rows are due for deletion at once.
    pub(crate) fn store_uploads(
        &self,
        hit_id: &str,
        assignment_id: &str,
        planned: &[PlannedFile],
        files: &[UploadedFile],
    ) -> Result<()> {
        let (store, _) = self.blob_store()?;
        self.write(|tx| {
            let now = self.now();
            for p in planned {
                tx.execute(
                    "INSERT INTO file_uploads (file_key, hit_id, assignment_id, question_identifier, size_bytes, state,
                         created_at, delete_at) VALUES (?, ?, ?, ?, ?, 'staged', ?, ?)",
                    params![
                        &p.file_key,
                        hit_id,
                        assignment_id,
                        &p.question_identifier,
                        p.size as i64,
                        now,
                        now + ORPHAN_GRACE_MS
                    ],
                )?;
            }
            Ok(())
        })?;
        for p in planned {
            let Some(f) = files.iter().find(|f| f.question_identifier == p.question_identifier) else { continue };
            if let Err(e) = store.put(&object_name(&p.file_key), &f.bytes) {
                tracing::error!(error = %e, file_key = %p.file_key, "storing an uploaded file failed");
                self.abandon_uploads(planned);
                return Err(Error::new(ErrorKind::Internal, "the uploaded file could not be stored; please try again"));
            }
        }
        Ok(())
    }

    /// In the submit's transaction: the staged files become the assignment's answers. Fails
    /// when one is no longer staged (the deleter took it after a long stall): the submit then
    /// changes nothing, and the worker sends the files again.
    pub(crate) fn commit_uploads(&self, tx: &mut dyn Tx, planned: &[PlannedFile]) -> Result<()> {
        for p in planned {
            let n = tx.execute(
                "UPDATE file_uploads SET state = 'committed', delete_at = NULL
                 WHERE file_key = ? AND state = 'staged' AND lease_until IS NULL",
                params![&p.file_key],
            )?;
            if n != 1 {
                return Err(Error::new(
                    ErrorKind::Conflict,
                    format!(
                        "the file sent for '{}' expired before the work was submitted; send it again",
                        p.question_identifier
                    ),
                ));
            }
        }
        Ok(())
    }

    /// A submit that staged files and then failed: they are due for deletion now.
    pub(crate) fn abandon_uploads(&self, planned: &[PlannedFile]) {
        let r = self.inner.db.write(|tx: &mut dyn Tx| -> Result<()> {
            let now = self.now();
            for p in planned {
                tx.execute(
                    "UPDATE file_uploads SET delete_at = ? WHERE file_key = ? AND state = 'staged'",
                    params![now, &p.file_key],
                )?;
            }
            Ok(())
        });
        match r {
            Ok(()) => self.inner.files.wake.notify_one(),
            // The rows stay staged and are deleted at the end of their grace period.
            Err(e) => tracing::warn!(error = %e, "could not mark abandoned uploads for deletion"),
        }
    }

    /// In the disposal's transaction: the HIT's files are due for deletion now.
    pub(crate) fn discard_hit_files(&self, tx: &mut dyn Tx, hit_id: &str, now: Millis) -> Result<()> {
        let n = tx.execute(
            "UPDATE file_uploads SET state = 'deleting', delete_at = ? WHERE hit_id = ? AND state = 'committed'",
            params![now, hit_id],
        )?;
        if n > 0 {
            DISCARDED.with(|d| d.set(true));
        }
        Ok(())
    }

    /// After a unit of work (`Service::after_unit`): wakes the deleter if the unit discarded
    /// files, now that the deleter can read them.
    pub(crate) fn wake_deleter_if_discarded(&self) {
        if DISCARDED.with(|d| d.replace(false)) {
            self.inner.files.wake.notify_one();
        }
    }

    /// GetFileUploadURL: a URL, valid for 60 seconds, to download the file a worker uploaded for
    /// `question_identifier` of the requester's own submitted assignment of a HIT not disposed of.
    pub fn file_upload_url(
        &self,
        requester_id: &str,
        assignment_id: &str,
        question_identifier: &str,
    ) -> Result<String> {
        let file_key = self.read(|tx| {
            let a = self.own_assignment(tx, requester_id, assignment_id)?;
            let row = tx.query_opt(
                "SELECT file_key FROM file_uploads WHERE assignment_id = ? AND question_identifier = ? AND state = 'committed'",
                params![&a.assignment_id, question_identifier],
            )?;
            match row {
                Some(r) => Ok(r.string("file_key")?),
                None => Err(Error::invalid(format!(
                    "Assignment {assignment_id} has no uploaded file for QuestionIdentifier '{question_identifier}': \
                     it names no FileUploadAnswer question of the HIT, or the worker uploaded no file for it"
                ))),
            }
        })?;
        let (store, origin) = self.blob_store()?;
        match &*store {
            BlobStore::Dir(_) => {
                let key = self.inner.sealer.derive_key(DOWNLOAD_LINK_PURPOSE);
                let t = signed_links::sign(&key, &file_key, self.now() + DOWNLOAD_URL_SECS * 1000);
                Ok(format!("{origin}/files/{t}"))
            }
            BlobStore::S3(s3) => {
                // S3 checks the signature's time against its own clock: the wall clock's, never
                // the marketplace's movable one (as every openturk-aws request is signed).
                let wall =
                    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
                s3.presign_get(&object_name(&file_key), wall as i64, DOWNLOAD_URL_SECS).map_err(|e| {
                    Error::new(
                        ErrorKind::Internal,
                        format!("cannot presign the download of uploaded file {file_key}: {e}"),
                    )
                })
            }
        }
    }

    /// The file of a download token made by [`Service::file_upload_url`], if the token is
    /// genuine, unexpired by the marketplace clock, and the file still belongs to a HIT not
    /// disposed of. Anything else is "not found", saying no more.
    pub fn download_file(&self, download_token: &str) -> Result<FileDownload> {
        let gone = || not_found(ErrorKind::NotFound, "File", "at this address");
        let key = self.inner.sealer.derive_key(DOWNLOAD_LINK_PURPOSE);
        let file_key = signed_links::verify(&key, download_token, self.now()).map_err(|_| gone())?;
        let committed = self.read(|tx| {
            Ok(tx
                .query_opt("SELECT state FROM file_uploads WHERE file_key = ?", params![&file_key])?
                .map(|r| r.string("state"))
                .transpose()?
                .is_some_and(|s| s == "committed"))
        })?;
        if !committed {
            return Err(gone());
        }
        // Only the directory store makes these links (S3's are presigned to the bucket).
        let (store, _) = self.blob_store()?;
        let BlobStore::Dir(d) = &*store else { return Err(gone()) };
        match d.open_read(&object_name(&file_key)) {
            Ok(Some((file, len))) => Ok(FileDownload { file_key, file, len }),
            Ok(None) => {
                Err(Error::new(ErrorKind::Internal, format!("uploaded file {file_key} is missing from the store")))
            }
            Err(e) => Err(Error::new(ErrorKind::Internal, format!("uploaded file {file_key} cannot be read: {e}"))),
        }
    }

    /// Claims up to `max` rows due for deletion (a lease, so no two replicas hold one).
    fn claim_deletions(&self, max: i64) -> Result<Vec<(String, i64)>> {
        // The deleter looks every second: a read answers "nothing due" without taking the
        // writer (on SQLite, the whole marketplace's).
        let now = self.now();
        let due = self.inner.db.read(|tx: &mut dyn Tx| -> Result<bool> {
            Ok(tx
                .query_opt(
                    "SELECT file_key FROM file_uploads WHERE delete_at <= ? AND (lease_until IS NULL OR lease_until <= ?) LIMIT 1",
                    params![now, now],
                )?
                .is_some())
        })?;
        if !due {
            return Ok(Vec::new());
        }
        self.inner.db.write(|tx: &mut dyn Tx| -> Result<Vec<(String, i64)>> {
            let now = self.now();
            let rows = tx.query(
                "SELECT file_key, attempts FROM file_uploads
                 WHERE delete_at <= ? AND (lease_until IS NULL OR lease_until <= ?) ORDER BY delete_at LIMIT ?",
                params![now, now, max],
            )?;
            let mut claimed = Vec::with_capacity(rows.len());
            for r in rows {
                let key = r.string("file_key")?;
                // A staged row taken here can no longer commit (`commit_uploads` wants no lease).
                tx.execute(
                    "UPDATE file_uploads SET state = 'deleting', lease_until = ? WHERE file_key = ?",
                    params![now + LEASE_MS, &key],
                )?;
                claimed.push((key, r.i64("attempts")?));
            }
            Ok(claimed)
        })
    }

    /// Files waiting to be deleted (disposed of with their HIT, or staged for a submit that
    /// never committed), soonest first, with their attempts and last error: what
    /// `openturk files pending` shows, since a deletion that keeps failing is retried for ever.
    pub fn pending_file_deletions(&self, limit: i64) -> Result<Vec<PendingDeletion>> {
        self.read(|tx| {
            tx.query(
                "SELECT file_key, hit_id, state, size_bytes, delete_at, attempts, last_error FROM file_uploads
                 WHERE delete_at IS NOT NULL ORDER BY delete_at, file_key LIMIT ?",
                params![limit.clamp(1, 100_000)],
            )?
            .iter()
            .map(|r| {
                Ok(PendingDeletion {
                    file_key: r.string("file_key")?,
                    hit_id: r.string("hit_id")?,
                    state: r.string("state")?,
                    size_bytes: r.i64("size_bytes")?,
                    delete_at: r.i64("delete_at")?,
                    attempts: r.i64("attempts")?,
                    last_error: r.opt_string("last_error")?,
                })
            })
            .collect()
        })
    }

    /// Deletes what is due from `store`; returns how many rows were done.
    pub fn delete_due_files(&self) -> Result<usize> {
        let (store, _) = self.blob_store()?;
        let claimed = self.claim_deletions(BATCH)?;
        for (key, attempts) in &claimed {
            let outcome = store.delete(&object_name(key));
            self.inner.db.write(|tx: &mut dyn Tx| -> Result<()> {
                match &outcome {
                    Ok(()) => {
                        tx.execute("DELETE FROM file_uploads WHERE file_key = ? AND state = 'deleting'", params![key])?;
                    }
                    Err(e) => {
                        let backoff = crate::outbox::doubling_backoff_ms(attempts + 1, MAX_BACKOFF_MS);
                        tx.execute(
                            "UPDATE file_uploads SET attempts = attempts + 1, last_error = ?, lease_until = NULL, delete_at = ?
                             WHERE file_key = ?",
                            params![crate::outbox::error_text(e), self.now() + backoff, key],
                        )?;
                    }
                }
                Ok(())
            })?;
            if let Err(e) = outcome {
                tracing::warn!(error = %e, file_key = %key, "deleting an uploaded file failed; it will be retried");
            }
        }
        Ok(claimed.len())
    }

    /// The background deleter: removes files whose deletion is due, until `shutdown` resolves.
    pub async fn run_blob_deleter(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let svc = self.clone();
            let done = tokio::task::spawn_blocking(move || svc.delete_due_files()).await;
            let more = match done {
                Ok(Ok(n)) => n as i64 == BATCH,
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "the file deleter failed; retrying in 1 s");
                    false
                }
                Err(e) => {
                    tracing::error!(error = %e, "the file deleter panicked; retrying in 1 s");
                    false
                }
            };
            if more {
                continue;
            }
            // Due times are on the marketplace clock, which a test moves: look again each second.
            tokio::select! {
                _ = &mut shutdown => return,
                _ = self.inner.files.wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    }
}
