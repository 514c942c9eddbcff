-- +goose Up
-- Chatham House mode: a contribution is republished under the
-- consultation's name. The copy remembers its original, which only the
-- host's facilitators may look up; a remote Group says whether it works so.
ALTER TABLE statuses ADD COLUMN chatham_of text;
CREATE INDEX statuses_chatham_of_idx ON statuses (chatham_of) WHERE chatham_of IS NOT NULL;
ALTER TABLE accounts ADD COLUMN attribution text;

-- +goose Down
ALTER TABLE accounts DROP COLUMN attribution;
DROP INDEX statuses_chatham_of_idx;
ALTER TABLE statuses DROP COLUMN chatham_of;
