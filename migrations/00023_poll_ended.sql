-- +goose Up
-- When the members who took part in a poll were told that it ended.
ALTER TABLE polls ADD COLUMN ended_notified_at timestamptz;
-- Polls that ended before this migration are not announced now.
UPDATE polls SET ended_notified_at = expires_at WHERE expires_at IS NOT NULL AND expires_at <= now();
CREATE INDEX polls_to_announce_idx ON polls (expires_at) WHERE ended_notified_at IS NULL;

-- +goose Down
DROP INDEX polls_to_announce_idx;
ALTER TABLE polls DROP COLUMN ended_notified_at;
