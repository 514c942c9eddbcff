-- +goose Up
-- Who may reply to a status: everyone, the author's followers, or only the
-- accounts it mentions.
ALTER TABLE statuses ADD COLUMN reply_policy text NOT NULL DEFAULT 'everyone'
    CHECK (reply_policy IN ('everyone', 'followers', 'mentioned'));

-- +goose Down
ALTER TABLE statuses DROP COLUMN reply_policy;
