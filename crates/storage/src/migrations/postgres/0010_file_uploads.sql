-- OpenTurk schema, version 10 (postgres): files workers upload as answers to FileUploadAnswer
-- questions. The bytes live in the blob store (a directory or an S3 bucket); this table is the
-- record of each one, and the durable to-do list of deletions from the store, which happen
-- outside any transaction. Keep in step with ../sqlite/0010_file_uploads.sql.
--
-- state: 'staged' (stored before its submit committed; deleted at delete_at unless that submit
-- commits), 'committed' (the answer of a submitted assignment), 'deleting' (its HIT was disposed
-- of, or its submit failed, or a deleter holds it: removed from the store, then the row goes).
CREATE TABLE file_uploads (
    file_key TEXT PRIMARY KEY,
    hit_id TEXT NOT NULL,
    assignment_id TEXT NOT NULL,
    question_identifier TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    delete_at BIGINT,
    lease_until BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT
);
-- GetFileUploadURL's lookup, and disposal's (all of a HIT's files).
CREATE INDEX file_uploads_assignment ON file_uploads (assignment_id, question_identifier);
CREATE INDEX file_uploads_hit ON file_uploads (hit_id);
-- The deleter's question: rows due for deletion by now.
CREATE INDEX file_uploads_delete_at ON file_uploads (delete_at);
