-- +goose Up
-- A status's ActivityStreams type: contributions are Notes; a consultation's
-- synthesis, published by its Group, is an Article.
ALTER TABLE statuses ADD COLUMN object_type text NOT NULL DEFAULT 'Note' CHECK (object_type IN ('Note', 'Article'));

-- Why a consultation elsewhere refused a member's contribution, for the
-- notification that tells the member.
ALTER TABLE notifications ADD COLUMN reason text;

-- +goose Down
ALTER TABLE notifications DROP COLUMN reason;
ALTER TABLE statuses DROP COLUMN object_type;
