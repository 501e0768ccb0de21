-- HIT layouts: a requester's HTML template with ${name} placeholders (API Reference, "HITLayout").
-- A layout is never changed once created, so a HIT made from it can always name it.
-- `placeholders` is the JSON array of the template's placeholder names, in order, as parsed when
-- the layout was created.
CREATE TABLE hit_layouts (
    hit_layout_id TEXT PRIMARY KEY,
    requester_id TEXT NOT NULL REFERENCES requesters (requester_id),
    name TEXT NOT NULL,
    template TEXT NOT NULL,
    placeholders TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX hit_layouts_requester ON hit_layouts (requester_id, created_at);

-- The layout a HIT was made from (GetHIT's HITLayoutId); NULL for a HIT given a Question.
ALTER TABLE hits ADD COLUMN hit_layout_id TEXT;
