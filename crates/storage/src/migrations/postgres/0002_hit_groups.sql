-- OpenTurk schema, version 2 (PostgreSQL): the HIT groups that workers find work in, kept as a
-- summary. Keep in step with ../sqlite/0002_hit_groups.sql.
--
-- A group is one HIT type's HITs (hit_group_id is derived from hit_type_id), so its title,
-- reward and the rest are the type's. Every write of a HIT keeps its group's row in step
-- (service/src/groups.rs) inside the same transaction: the worker's HIT list reads one row per
-- group instead of grouping every HIT on each page.
CREATE TABLE hit_groups (
    hit_group_id TEXT PRIMARY KEY,
    hit_type_id TEXT NOT NULL,
    requester_id TEXT NOT NULL REFERENCES requesters (requester_id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    keywords TEXT,
    reward_cents BIGINT NOT NULL,
    assignment_duration_secs BIGINT NOT NULL,
    -- The type's QualificationRequirements (JSON, as in hit_types.spec), or NULL when none:
    -- which workers may find, preview and accept the group's HITs.
    requirements TEXT,
    -- When the group's newest HIT was created.
    created_at BIGINT NOT NULL,
    -- The latest expiry among the group's assignable HITs (0 when it has none).
    expires_at BIGINT NOT NULL,
    -- Assignable HITs, and the open slots they have between them.
    hits_available BIGINT NOT NULL,
    assignments_available BIGINT NOT NULL
);
-- One index per sort of the HIT list, holding only the groups with work: a page is a range
-- read of one of them (keyset paging resumes inside it).
CREATE INDEX hit_groups_newest ON hit_groups (created_at DESC, hit_group_id DESC) WHERE hits_available > 0;
CREATE INDEX hit_groups_reward ON hit_groups (reward_cents DESC, created_at DESC, hit_group_id DESC)
    WHERE hits_available > 0;
CREATE INDEX hit_groups_most ON hit_groups (assignments_available DESC, created_at DESC, hit_group_id DESC)
    WHERE hits_available > 0;
CREATE INDEX hit_groups_title ON hit_groups (title, hit_group_id) WHERE hits_available > 0;
CREATE INDEX hit_groups_requester ON hit_groups (requester_id, created_at DESC, hit_group_id DESC)
    WHERE hits_available > 0;

-- Keyword search: the words of each group's title, description and keywords, lower-cased. A
-- query word matches the words it begins: a range read, words comparing byte by byte (COLLATE "C").
-- The service writes a group's words with its row (groups.rs), and those of the groups
-- summarised below once, at its first start on this schema (meta key 'hit_group_words').
CREATE TABLE hit_group_words (
    word TEXT COLLATE "C" NOT NULL,
    hit_group_id TEXT NOT NULL REFERENCES hit_groups (hit_group_id),
    PRIMARY KEY (word, hit_group_id)
);

-- The summary of the HITs already there.
INSERT INTO hit_groups (hit_group_id, hit_type_id, requester_id, title, description, keywords, reward_cents,
                        assignment_duration_secs, requirements, created_at, expires_at, hits_available, assignments_available)
SELECT h.hit_group_id, MIN(h.hit_type_id), MIN(h.requester_id), MIN(h.title), MIN(h.description), MIN(h.keywords),
       MIN(h.reward_cents), MIN(t.assignment_duration_secs), MIN(t.requirements), MAX(h.created_at),
       COALESCE(MAX(CASE WHEN h.status = 'Assignable' AND h.deleted = 0 THEN h.expires_at END), 0),
       SUM(CASE WHEN h.status = 'Assignable' AND h.deleted = 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN h.status = 'Assignable' AND h.deleted = 0
                THEN h.max_assignments - h.num_pending - h.num_submitted - h.num_completed ELSE 0 END)
FROM hits h JOIN (SELECT hit_type_id, CAST(CAST(spec AS json) ->> 'assignment_duration_secs' AS BIGINT) AS assignment_duration_secs,
                   CASE WHEN json_array_length(CAST(spec AS json) -> 'qualification_requirements') > 0
                        THEN CAST(spec AS json) ->> 'qualification_requirements' END AS requirements
            FROM hit_types) t
  ON t.hit_type_id = h.hit_type_id
GROUP BY h.hit_group_id;
