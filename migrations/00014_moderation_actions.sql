-- +goose Up
-- Moderation actions on contributions and accounts: contributions held for
-- review (and what to send once released), content warnings forced by
-- moderators, limited accounts, pre-moderation of consultations, and the
-- norm an action cites.
ALTER TABLE statuses
    ADD COLUMN held_at            timestamptz,
    ADD COLUMN deliver_on_release boolean NOT NULL DEFAULT false,
    ADD COLUMN held_activity      jsonb,
    ADD COLUMN forced_cw          text;
CREATE INDEX statuses_held_idx ON statuses (held_at) WHERE held_at IS NOT NULL;
ALTER TABLE accounts ADD COLUMN limited_at timestamptz;
ALTER TABLE consultations ADD COLUMN premoderation boolean NOT NULL DEFAULT false;
ALTER TABLE moderation_log ADD COLUMN IF NOT EXISTS norm integer;

-- +goose Down
ALTER TABLE moderation_log DROP COLUMN IF EXISTS norm;
ALTER TABLE consultations DROP COLUMN premoderation;
ALTER TABLE accounts DROP COLUMN limited_at;
DROP INDEX statuses_held_idx;
ALTER TABLE statuses DROP COLUMN held_at, DROP COLUMN deliver_on_release, DROP COLUMN held_activity, DROP COLUMN forced_cw;
