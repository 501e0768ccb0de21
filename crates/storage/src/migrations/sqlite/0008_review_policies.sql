-- OpenTurk schema, version 8 (sqlite): review policies and what they found and did.
-- Keep in step with ../postgres/0008_review_policies.sql: the same tables, columns and indexes.
-- Independent of versions 7, 9 and 10, so it applies before or after them.

-- A HIT's review policies, given at CreateHIT and never changed: at most one per level.
CREATE TABLE review_policies (
    hit_id TEXT NOT NULL REFERENCES hits (hit_id),
    level TEXT NOT NULL,           -- 'Assignment' (ScoreMyKnownAnswers) or 'HIT' (SimplePlurality)
    policy_name TEXT NOT NULL,
    policy TEXT NOT NULL,          -- the validated parameters as JSON
    PRIMARY KEY (hit_id, level)
);

-- ListReviewPolicyResultsForHIT: every result (ReviewResultDetail) and action
-- (ReviewActionDetail) a policy produced, in the order produced; the listing pages by seq.
CREATE TABLE review_entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    hit_id TEXT NOT NULL REFERENCES hits (hit_id),
    level TEXT NOT NULL,           -- the policy level that produced it: 'Assignment' or 'HIT'
    entry TEXT NOT NULL,           -- 'Result' or 'Action'
    action_id TEXT NOT NULL,
    subject_id TEXT NOT NULL,      -- a result's SubjectId, an action's TargetId
    subject_type TEXT NOT NULL,    -- 'Assignment' or 'HIT'
    question_id TEXT,              -- results about one question
    result_key TEXT,               -- a result's Key
    result_value TEXT,             -- a result's Value
    action_name TEXT,              -- an action's ActionName: Approve, Reject, Extend
    action_status TEXT,            -- Succeeded or Failed
    action_result TEXT,            -- what the action did, in words
    error_kind TEXT,               -- a failed action's error, by its kind
    created_at BIGINT NOT NULL
);
CREATE INDEX review_entries_by_hit ON review_entries (hit_id, seq);
