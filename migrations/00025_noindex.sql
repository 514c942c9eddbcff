-- +goose Up
-- An account (a member, or a consultation's Group) that asks search engines
-- not to index its pages.
ALTER TABLE accounts ADD COLUMN noindex boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE accounts DROP COLUMN noindex;
