-- +goose Up
-- Reblogs (boosts): a member's or a remote person's sharing of a status
-- with their followers. uri is the Announce's id.
CREATE TABLE reblogs (
    id         text PRIMARY KEY,
    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id  text NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    uri        text UNIQUE,
    created_at timestamptz NOT NULL,
    UNIQUE (account_id, status_id)
);
CREATE INDEX reblogs_account_idx ON reblogs (account_id, id DESC);
CREATE INDEX reblogs_status_idx ON reblogs (status_id, id DESC);

-- Statuses a member pins to their profile (and featured collection).
CREATE TABLE status_pins (
    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id  text NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (account_id, status_id)
);

-- Threads a member muted: nothing in them notifies the member.
CREATE TABLE conversation_mutes (
    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    thread_id  text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (account_id, thread_id)
);

-- The versions of an edited status, the original included, oldest first.
CREATE TABLE status_edits (
    id           text PRIMARY KEY,
    status_id    text NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    content      text NOT NULL,
    spoiler_text text NOT NULL DEFAULT '',
    sensitive    boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL
);
CREATE INDEX status_edits_status_idx ON status_edits (status_id, created_at);

-- A local-only status never leaves this instance.
ALTER TABLE statuses ADD COLUMN local_only boolean NOT NULL DEFAULT false;

-- Weeks in which a member signed in (the instance's weekly activity).
CREATE TABLE weekly_logins (
    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    week       date NOT NULL,
    PRIMARY KEY (week, account_id)
);

-- Timelines check every status's author for suspension and limits: these
-- (with accounts_domain_idx) keep the check to the few accounts concerned.
CREATE INDEX accounts_suspended_idx ON accounts (id) WHERE suspended_at IS NOT NULL;
CREATE INDEX accounts_limited_idx ON accounts (id) WHERE limited_at IS NOT NULL;

-- +goose Down
DROP INDEX accounts_suspended_idx, accounts_limited_idx;
DROP TABLE weekly_logins, status_edits, conversation_mutes, status_pins, reblogs;
ALTER TABLE statuses DROP COLUMN local_only;
