-- A worker's unread messages, counted on every page of the worker site (its navigation shows
-- "Messages (2)"): a partial index holds only unread ones, so the count reads no more than them.
CREATE INDEX worker_messages_unread ON worker_messages (worker_id) WHERE read_at IS NULL;
