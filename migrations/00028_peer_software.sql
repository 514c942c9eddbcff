-- +goose Up
-- The software another instance runs, as its NodeInfo document says, and
-- when that was last read.
ALTER TABLE peers
    ADD COLUMN software_name       text NOT NULL DEFAULT '',
    ADD COLUMN software_version    text NOT NULL DEFAULT '',
    ADD COLUMN software_checked_at timestamptz;

-- +goose Down
ALTER TABLE peers DROP COLUMN software_name, DROP COLUMN software_version, DROP COLUMN software_checked_at;
