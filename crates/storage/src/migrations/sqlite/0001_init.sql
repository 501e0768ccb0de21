-- OpenTurk schema, version 1 (SQLite). Times are epoch milliseconds; money is integer cents.
-- Keep in step with ../postgres/0001_init.sql: the same tables, columns and indexes.

CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE requesters (
    requester_id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE access_keys (
    access_key_id TEXT PRIMARY KEY,
    requester_id TEXT NOT NULL REFERENCES requesters (requester_id),
    secret_sealed BLOB NOT NULL,
    read_only BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE hit_types (
    hit_type_id TEXT PRIMARY KEY,
    requester_id TEXT NOT NULL REFERENCES requesters (requester_id),
    spec TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE hits (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    hit_id TEXT NOT NULL UNIQUE,
    hit_type_id TEXT NOT NULL REFERENCES hit_types (hit_type_id),
    hit_group_id TEXT NOT NULL,
    requester_id TEXT NOT NULL REFERENCES requesters (requester_id),
    spec TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    keywords TEXT,
    reward_cents BIGINT NOT NULL,
    question TEXT NOT NULL,
    question_parsed TEXT NOT NULL,
    requester_annotation TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    max_assignments BIGINT NOT NULL,
    initial_max_assignments BIGINT NOT NULL,
    status TEXT NOT NULL,
    review_status TEXT NOT NULL,
    num_pending BIGINT NOT NULL DEFAULT 0,
    num_submitted BIGINT NOT NULL DEFAULT 0,
    num_completed BIGINT NOT NULL DEFAULT 0,
    held_cents BIGINT NOT NULL DEFAULT 0,
    fee_cents BIGINT NOT NULL,
    reviewable_at BIGINT,
    deleted BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX hits_by_requester ON hits (requester_id, seq);
CREATE INDEX hits_by_type ON hits (hit_type_id, seq);
-- (hit_group_id, status, expires_at): with one more constrained column than hits_assignable,
-- the planner picks it for "next HIT of this group" even without statistics.
CREATE INDEX hits_by_group ON hits (hit_group_id, status, expires_at);
CREATE INDEX hits_assignable ON hits (status, expires_at);

CREATE TABLE assignments (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    assignment_id TEXT NOT NULL UNIQUE,
    hit_id TEXT NOT NULL REFERENCES hits (hit_id),
    worker_id TEXT NOT NULL,
    requester_id TEXT NOT NULL,
    status TEXT NOT NULL,
    accepted_at BIGINT NOT NULL,
    deadline BIGINT NOT NULL,
    submitted_at BIGINT,
    auto_approval_at BIGINT,
    approved_at BIGINT,
    rejected_at BIGINT,
    returned_at BIGINT,
    answer TEXT,
    requester_feedback TEXT,
    reward_cents BIGINT NOT NULL,
    fee_cents BIGINT NOT NULL
);
-- A worker holds at most one live assignment per HIT and never works a HIT twice.
CREATE UNIQUE INDEX assignments_one_per_worker ON assignments (hit_id, worker_id)
    WHERE status IN ('Accepted', 'Submitted', 'Approved', 'Rejected');
CREATE INDEX assignments_by_hit ON assignments (hit_id, seq);
-- Holds are recomputed from a HIT's live (Accepted, Submitted) assignments: keep that cheap.
CREATE INDEX assignments_by_hit_status ON assignments (hit_id, status);
CREATE INDEX assignments_by_worker ON assignments (worker_id, seq);
CREATE INDEX assignments_in_progress ON assignments (worker_id, status, requester_id);

-- UniqueRequestToken: one row per requester, operation and token, kept 24 hours.
CREATE TABLE request_tokens (
    requester_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    token TEXT NOT NULL,
    result_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (requester_id, operation, token)
);

-- Work the life-cycle engine must do at a given time.
CREATE TABLE schedule (
    kind TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    PRIMARY KEY (kind, ref_id)
);
CREATE INDEX schedule_due ON schedule (due_at);

CREATE TABLE ledger_accounts (
    account_id TEXT PRIMARY KEY,
    balance_cents BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE ledger_transactions (
    txn_id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    ref_id TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE ledger_entries (
    entry_id INTEGER PRIMARY KEY AUTOINCREMENT,
    txn_id BIGINT NOT NULL REFERENCES ledger_transactions (txn_id),
    account_id TEXT NOT NULL REFERENCES ledger_accounts (account_id),
    amount_cents BIGINT NOT NULL
);
CREATE INDEX ledger_entries_by_account ON ledger_entries (account_id);
CREATE INDEX ledger_entries_by_txn ON ledger_entries (txn_id);

CREATE TABLE workers (
    worker_id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    country TEXT NOT NULL,
    subdivision TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE worker_sessions (
    token_hash TEXT PRIMARY KEY,
    worker_id TEXT NOT NULL REFERENCES workers (worker_id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE bonuses (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    requester_id TEXT NOT NULL,
    worker_id TEXT NOT NULL,
    assignment_id TEXT NOT NULL REFERENCES assignments (assignment_id),
    hit_id TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    fee_cents BIGINT NOT NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX bonuses_by_hit ON bonuses (hit_id, seq);
CREATE INDEX bonuses_by_assignment ON bonuses (assignment_id, seq);
