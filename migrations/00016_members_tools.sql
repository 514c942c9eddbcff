-- +goose Up
-- Peer policies carry a public reason (policy_reason, shown in the published
-- list of limited and blocked domains) and a private one, for admins only.
ALTER TABLE peers ADD COLUMN policy_private_reason text NOT NULL DEFAULT '';
-- A member may hide who follows them and whom they follow.
ALTER TABLE accounts ADD COLUMN hide_collections boolean NOT NULL DEFAULT false;
-- A member's statuses may be quoted by others only when they allow it.
ALTER TABLE members ADD COLUMN quotes_allowed boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE members DROP COLUMN quotes_allowed;
ALTER TABLE accounts DROP COLUMN hide_collections;
ALTER TABLE peers DROP COLUMN policy_private_reason;
