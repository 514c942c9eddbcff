-- +goose Up
-- Warnings a member receives, with their one appeal; suspensions of
-- accounts; bans from consultations (made here, or received from a
-- consultation's Group on another server); reports' assignment.
CREATE TABLE account_warnings (
    id                 text PRIMARY KEY,
    account_id         text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    moderator_id       text REFERENCES accounts (id) ON DELETE SET NULL,
    action             text NOT NULL CHECK (action IN ('none', 'disable', 'suspend', 'silence', 'sensitive')),
    text               text NOT NULL,
    status_ids         text[] NOT NULL DEFAULT '{}',
    report_id          text REFERENCES reports (id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL,
    appeal_text        text,
    appeal_at          timestamptz,
    appeal_state       text CHECK (appeal_state IN ('pending', 'approved', 'rejected')),
    appeal_decided_by  text REFERENCES accounts (id) ON DELETE SET NULL,
    appeal_decided_at  timestamptz,
    appeal_reason      text
);
CREATE INDEX account_warnings_account_idx ON account_warnings (account_id, created_at DESC);
CREATE INDEX account_warnings_appeals_idx ON account_warnings (appeal_at) WHERE appeal_state = 'pending';

ALTER TABLE accounts ADD COLUMN suspended_at timestamptz;
ALTER TABLE members ADD COLUMN disabled_at timestamptz;

ALTER TABLE reports ADD COLUMN assigned_account_id text REFERENCES accounts (id) ON DELETE SET NULL;
ALTER TABLE reports ADD COLUMN updated_at timestamptz;

ALTER TABLE notifications ADD COLUMN warning_id text REFERENCES account_warnings (id) ON DELETE CASCADE;

CREATE TABLE consultation_bans (
    id              text PRIMARY KEY,
    consultation_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    account_id      text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri             text NOT NULL,
    reason          text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    UNIQUE (consultation_id, account_id)
);

-- +goose Down
DROP TABLE consultation_bans;
ALTER TABLE notifications DROP COLUMN warning_id;
ALTER TABLE reports DROP COLUMN updated_at, DROP COLUMN assigned_account_id;
ALTER TABLE members DROP COLUMN disabled_at;
ALTER TABLE accounts DROP COLUMN suspended_at;
DROP TABLE account_warnings;
