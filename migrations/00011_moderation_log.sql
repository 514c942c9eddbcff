-- +goose Up
-- Every moderation action, here or received from a consultation's Group.
CREATE TABLE moderation_log (
    id              text PRIMARY KEY,
    actor_id        text REFERENCES accounts (id) ON DELETE SET NULL,
    actor_role      text NOT NULL,
    action          text NOT NULL,
    consultation_id text REFERENCES accounts (id) ON DELETE SET NULL,
    target_uri      text NOT NULL,
    reason          text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL
);
CREATE INDEX moderation_log_created_idx ON moderation_log (created_at DESC);

-- +goose Down
DROP TABLE moderation_log;
