-- +goose Up
-- Co-hosting: a consultation's host invites a peer instance to co-host it.
-- On the host, a row is a co-host (domain) of a local Group; on the
-- co-host, a row is an invitation from the host (domain) to co-host its
-- remote Group. state: invited, accepted, declined, left, withdrawn.
CREATE TABLE cohosts (
    id          text PRIMARY KEY,
    group_id    text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    domain      text NOT NULL,
    actor_uri   text NOT NULL,  -- the other instance's actor
    inbox       text NOT NULL,
    invite_uri  text NOT NULL,
    state       text NOT NULL DEFAULT 'invited',
    norms       text[] NOT NULL DEFAULT '{}', -- the co-host's norms, as it sent them with its acceptance
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (group_id, domain)
);
CREATE UNIQUE INDEX cohosts_invite_idx ON cohosts (invite_uri);

-- The facilitators a co-host names for a consultation: its own members on
-- the co-host, their remote accounts on the host.
CREATE TABLE cohost_facilitators (
    cohost_id  text NOT NULL REFERENCES cohosts (id) ON DELETE CASCADE,
    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (cohost_id, account_id)
);
CREATE INDEX cohost_facilitators_account_idx ON cohost_facilitators (account_id);

-- The co-hosts a consultation hosted elsewhere names in its Group actor.
ALTER TABLE accounts ADD COLUMN cohost_domains text[] NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE accounts DROP COLUMN cohost_domains;
DROP TABLE cohost_facilitators;
DROP TABLE cohosts;
