-- +goose Up
-- A member's blocks and mutes.
CREATE TABLE blocks (
    id                text PRIMARY KEY,
    account_id        text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri               text,
    created_at        timestamptz NOT NULL,
    UNIQUE (account_id, target_account_id)
);
CREATE TABLE mutes (
    id                text PRIMARY KEY,
    account_id        text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at        timestamptz NOT NULL,
    UNIQUE (account_id, target_account_id)
);

-- +goose Down
DROP TABLE mutes, blocks;
