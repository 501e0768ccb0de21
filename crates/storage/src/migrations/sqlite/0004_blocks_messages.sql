-- OpenTurk schema, version 4 (sqlite): worker blocks, messages to workers, and the outbox.
-- Keep in step with ../postgres/0004_blocks_messages.sql: the same tables, columns and indexes.
-- Independent of versions 2 and 3 (qualifications), so it applies before or after them.

-- Where NotifyWorkers also sends email; NULL: the worker gets messages in the inbox only.
ALTER TABLE workers ADD COLUMN email TEXT;

-- CreateWorkerBlock: a requester keeps a worker from its HITs. One row per pair.
CREATE TABLE worker_blocks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    requester_id TEXT NOT NULL REFERENCES requesters (requester_id),
    worker_id TEXT NOT NULL REFERENCES workers (worker_id),
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
-- Requester first: is_blocked for one pair, and counting a requester's blocks (the 100,000 limit).
CREATE UNIQUE INDEX worker_blocks_pair ON worker_blocks (requester_id, worker_id);
-- Worker first: the requesters who blocked one worker, to filter many requesters' HIT groups
-- for that worker in one indexed lookup (NOT EXISTS ... WHERE worker_id = ? AND requester_id = h.requester_id).
CREATE INDEX worker_blocks_by_worker ON worker_blocks (worker_id, requester_id);
-- ListWorkerBlocks pages in the order blocks were made.
CREATE INDEX worker_blocks_by_requester ON worker_blocks (requester_id, seq);

-- NotifyWorkers: one message per worker notified, shown in the worker's inbox.
CREATE TABLE worker_messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL UNIQUE,
    worker_id TEXT NOT NULL REFERENCES workers (worker_id),
    requester_id TEXT NOT NULL REFERENCES requesters (requester_id),
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX worker_messages_by_worker ON worker_messages (worker_id, seq);

-- Deliveries to the outside world (email now; notifications later), written in the same
-- transaction as what causes them and sent afterwards by the background deliverer. A row is
-- claimed by a lease (lease_owner, lease_until) set with a conditional UPDATE, so two replicas
-- never send the same row at once.
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    destination TEXT NOT NULL,
    payload TEXT NOT NULL,
    ref_id TEXT,
    requester_id TEXT,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
-- The deliverer's question: pending rows due by now, oldest first.
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
