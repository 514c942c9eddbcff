-- +goose Up
-- A poll belongs to a status (its id is the status's). Local polls keep
-- their counts up to date from poll_votes; remote polls keep the counts
-- their origin reports, per option.
CREATE TABLE polls (
    status_id    text PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
    options      text[] NOT NULL,
    option_votes integer[] NOT NULL,
    multiple     boolean NOT NULL DEFAULT false,
    hide_totals  boolean NOT NULL DEFAULT false,
    expires_at   timestamptz,
    closed_at    timestamptz,
    votes_count  integer NOT NULL DEFAULT 0,
    voters_count integer,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    CHECK (cardinality(options) = cardinality(option_votes))
);

-- One row per voter and option: a voter counts once per option, and once
-- per poll when it takes a single choice (checked under the poll's row
-- lock). Votes are never published nor listed. uri is the id of a remote
-- voter's vote, or of a local member's vote on a remote poll.
CREATE TABLE poll_votes (
    id         text PRIMARY KEY,
    status_id  text NOT NULL REFERENCES polls (status_id) ON DELETE CASCADE,
    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    choice     integer NOT NULL CHECK (choice >= 0),
    uri        text UNIQUE,
    created_at timestamptz NOT NULL,
    UNIQUE (status_id, account_id, choice)
);
CREATE INDEX poll_votes_account_idx ON poll_votes (account_id, status_id);

-- +goose Down
DROP TABLE poll_votes, polls;
