-- +goose Up
-- Threads a consultation's facilitators pin to its featured collection.
ALTER TABLE statuses ADD COLUMN pinned_at timestamptz;
CREATE INDEX statuses_pinned_idx ON statuses (group_id, pinned_at) WHERE pinned_at IS NOT NULL;

-- +goose Down
DROP INDEX statuses_pinned_idx;
ALTER TABLE statuses DROP COLUMN pinned_at;
