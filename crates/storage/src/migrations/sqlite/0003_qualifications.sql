-- Qualifications (issue 7, part Q), SQLite. Keep in step with ../postgres/0003_qualifications.sql:
-- the same tables, columns and indexes. Times are epoch milliseconds.

-- Custom qualification types. System types (approval rate, locale, Masters, …) are not rows:
-- their values come from the marketplace (service::qualifications::system).
CREATE TABLE qualification_types (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    qualification_type_id TEXT NOT NULL UNIQUE,
    requester_id TEXT NOT NULL REFERENCES requesters (requester_id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    keywords TEXT,
    -- Active, Inactive, or Disposing once deleted (kept: granted scores still count).
    status TEXT NOT NULL,
    retry_delay_secs BIGINT,
    test TEXT,
    answer_key TEXT,
    test_duration_secs BIGINT,
    auto_granted BIGINT NOT NULL DEFAULT 0,
    auto_granted_value BIGINT,
    -- Name, description and keywords, lower-cased by the service: Query matches without regard
    -- to case, the same way on both engines.
    search_text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    disposed_at BIGINT
);
-- A name is unique among a requester's types that are not being disposed, so that a deleted
-- type's name can be used again.
CREATE UNIQUE INDEX qualification_types_name ON qualification_types (requester_id, name)
    WHERE status <> 'Disposing';
CREATE INDEX qualification_types_listing ON qualification_types (status, seq);
CREATE INDEX qualification_types_by_requester ON qualification_types (requester_id, seq);

-- A worker's score for a custom type: Granted or Revoked (with the reason the worker sees).
CREATE TABLE qualifications (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    qualification_type_id TEXT NOT NULL REFERENCES qualification_types (qualification_type_id),
    worker_id TEXT NOT NULL REFERENCES workers (worker_id),
    integer_value BIGINT NOT NULL,
    status TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoke_reason TEXT,
    UNIQUE (qualification_type_id, worker_id)
);
CREATE INDEX qualifications_by_type ON qualifications (qualification_type_id, status, seq);
-- Every score of one worker in one index range: what eligibility reads per worker.
CREATE INDEX qualifications_by_worker ON qualifications (worker_id, status, qualification_type_id);

-- A worker's request for a custom type (with a test, one attempt at it). Status: Started (a test in progress, until
-- test_deadline), Submitted (waits for the requester), Granted, Rejected.
CREATE TABLE qualification_requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    qualification_request_id TEXT NOT NULL UNIQUE,
    qualification_type_id TEXT NOT NULL REFERENCES qualification_types (qualification_type_id),
    requester_id TEXT NOT NULL,
    worker_id TEXT NOT NULL REFERENCES workers (worker_id),
    status TEXT NOT NULL,
    -- The test and its answer key as they were when the worker asked: a test is graded by
    -- the key it was given with, even if the type's test changes meanwhile.
    test TEXT,
    answer_key TEXT,
    answer TEXT,
    requested_at BIGINT NOT NULL,
    test_deadline BIGINT,
    submitted_at BIGINT,
    decided_at BIGINT,
    integer_value BIGINT,
    reason TEXT
);
CREATE INDEX qualification_requests_by_type ON qualification_requests (qualification_type_id, status, seq);
CREATE INDEX qualification_requests_by_requester ON qualification_requests (requester_id, status, seq);
CREATE INDEX qualification_requests_by_worker ON qualification_requests (worker_id, qualification_type_id, seq);

-- Which qualification types a HIT type's requirements name (ListHITsForQualificationType).
CREATE TABLE hit_type_qualifications (
    hit_type_id TEXT NOT NULL REFERENCES hit_types (hit_type_id),
    qualification_type_id TEXT NOT NULL,
    PRIMARY KEY (qualification_type_id, hit_type_id)
);
-- HIT types made before this migration: their requirements, from the stored properties.
INSERT INTO hit_type_qualifications (hit_type_id, qualification_type_id)
    SELECT DISTINCT h.hit_type_id, json_extract(r.value, '$.qualification_type_id')
    FROM hit_types h, json_each(h.spec, '$.qualification_requirements') r;

-- Worker_Adult: the worker's acknowledgement (0 or 1). Masters: when an operator granted it
-- (`openturk worker grant-masters`), NULL when not a Master.
ALTER TABLE workers ADD COLUMN adult BIGINT NOT NULL DEFAULT 0;
ALTER TABLE workers ADD COLUMN masters_granted_at BIGINT;
