-- +goose Up
-- A member's own settings: the language of the pages they read, who may
-- reply to what they post unless they say otherwise, and the profile
-- fields (name and value pairs) shown on their profile.
ALTER TABLE members
    ADD COLUMN language             text,
    ADD COLUMN default_reply_policy text NOT NULL DEFAULT 'everyone'
        CHECK (default_reply_policy IN ('everyone', 'followers', 'mentioned'));
ALTER TABLE accounts ADD COLUMN fields jsonb NOT NULL DEFAULT '[]';

-- A deleted account keeps its row, emptied, so that its username is never
-- given to someone else and its key can still sign the Delete that tells
-- other servers.
ALTER TABLE accounts ADD COLUMN deleted_at timestamptz;

-- +goose Down
ALTER TABLE accounts DROP COLUMN deleted_at;
ALTER TABLE accounts DROP COLUMN fields;
ALTER TABLE members DROP COLUMN default_reply_policy, DROP COLUMN language;
