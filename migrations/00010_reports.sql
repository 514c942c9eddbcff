-- +goose Up
-- Reports members make, and contributions held back until a moderator
-- decides (after enough distinct reports).
CREATE TABLE reports (
    id                text PRIMARY KEY,
    reporter_id       text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_ids        text[] NOT NULL DEFAULT '{}',
    rule_ids          text[] NOT NULL DEFAULT '{}',
    category          text NOT NULL DEFAULT 'other' CHECK (category IN ('spam', 'legal', 'violation', 'other')),
    comment           text NOT NULL DEFAULT '',
    forward           boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL,
    resolved_at       timestamptz,
    resolved_by       text REFERENCES accounts (id) ON DELETE SET NULL,
    action            text,
    reason            text
);
CREATE INDEX reports_open_idx ON reports (created_at) WHERE resolved_at IS NULL;
CREATE INDEX reports_status_ids_idx ON reports USING gin (status_ids);
ALTER TABLE statuses ADD COLUMN hidden_at timestamptz;

-- +goose Down
ALTER TABLE statuses DROP COLUMN hidden_at;
DROP TABLE reports;
