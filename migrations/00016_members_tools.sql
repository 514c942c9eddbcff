-- +goose Up
-- Peer policies carry a public reason (policy_reason, shown in the published
-- list of limited and blocked domains) and a private one, for admins only.
ALTER TABLE peers ADD COLUMN policy_private_reason text NOT NULL DEFAULT '';
-- A member may hide who follows them and whom they follow.
ALTER TABLE accounts ADD COLUMN hide_collections boolean NOT NULL DEFAULT false;
-- A member's statuses may be quoted by others only when they allow it.
ALTER TABLE members ADD COLUMN quotes_allowed boolean NOT NULL DEFAULT false;
-- Quotes of members' statuses that were approved (FEP-044f): each is served
-- as a QuoteAuthorization that the quoting server shows as proof.
CREATE TABLE quote_authorizations (
    id         text PRIMARY KEY,
    status_id  text NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    quote_uri  text NOT NULL,
    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    UNIQUE (status_id, quote_uri)
);

-- +goose Down
DROP TABLE quote_authorizations;
ALTER TABLE members DROP COLUMN quotes_allowed;
ALTER TABLE accounts DROP COLUMN hide_collections;
ALTER TABLE peers DROP COLUMN policy_private_reason;
