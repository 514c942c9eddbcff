-- +goose Up
-- A consultation thread's collection, which other servers read to fill in a
-- conversation, lists the statuses of one context in order: without this
-- index every read scanned all statuses.
CREATE INDEX statuses_context_idx ON statuses (context_uri, created_at, id) WHERE context_uri IS NOT NULL;

-- +goose Down
DROP INDEX statuses_context_idx;
