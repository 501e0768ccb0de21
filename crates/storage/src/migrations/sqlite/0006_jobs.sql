-- OpenTurk schema, version 6 (sqlite): scheduled jobs are typed. A row of `schedule` carries its
-- job as JSON (`payload`, tagged by `kind`) and how many times it has been put back
-- (`attempts`); a row that cannot be read as a job is kept, parked, with `last_error`.
-- Keep in step with ../postgres/0006_jobs.sql. (kind, ref_id) stays the key: scheduling again is an upsert.

ALTER TABLE schedule ADD COLUMN payload TEXT NOT NULL DEFAULT '';
ALTER TABLE schedule ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE schedule ADD COLUMN last_error TEXT;

-- Existing rows become their jobs (IDs are alphanumeric: nothing to escape). Rows of other
-- kinds keep an empty payload, and the scheduler parks them with their error.
UPDATE schedule SET payload = '{"kind":"' || kind || '","hit_id":"' || ref_id || '"}'
WHERE kind IN ('hit_expire', 'hit_dispose');
UPDATE schedule SET payload = '{"kind":"' || kind || '","assignment_id":"' || ref_id || '"}'
WHERE kind IN ('assignment_deadline', 'auto_approve');
