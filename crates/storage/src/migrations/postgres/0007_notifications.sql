-- OpenTurk schema, version 7 (postgres): notification settings per HIT type (UpdateNotificationSettings).
-- Keep in step with ../sqlite/0007_notifications.sql: the same table, columns and index.
-- The events themselves are outbox rows (channels sqs, sns and notification_email), written in
-- the transaction of the change that causes them; ref_id holds the HIT type's ID.

-- One specification per HIT type; replaced by a later UpdateNotificationSettings. `active` is
-- 0 or 1: an inactive specification is kept, so Active true alone turns it back on.
CREATE TABLE notification_settings (
    hit_type_id TEXT PRIMARY KEY REFERENCES hit_types (hit_type_id),
    requester_id TEXT NOT NULL REFERENCES requesters (requester_id),
    transport TEXT NOT NULL,
    destination TEXT NOT NULL,
    version TEXT NOT NULL,
    -- The event types, comma-separated, in the order given.
    event_types TEXT NOT NULL,
    active BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A HIT type's pending messages, newest first: the one an event joins (notifications::emit),
-- and `openturk notifications list --hit-type`.
CREATE INDEX outbox_by_ref ON outbox (ref_id, status, seq);
