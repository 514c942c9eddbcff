-- +goose Up
-- Media attachments: images members upload (stored, re-encoded, under the
-- data directory) and the attachments of remote statuses (served through
-- the instance's proxy from remote_url). An upload stays unattached until a
-- status takes it; unattached uploads older than a day are removed.
CREATE TABLE media_attachments (
    id            text PRIMARY KEY,
    account_id    text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id     text REFERENCES statuses (id) ON DELETE SET NULL,
    position      integer NOT NULL DEFAULT 0,
    type          text NOT NULL DEFAULT 'image',
    content_type  text NOT NULL DEFAULT '',
    file          text,          -- local: the original's file name in the media directory
    small_file    text,          -- local: the preview's file name
    remote_url    text,          -- remote: where the original lives
    description   text,
    focus_x       double precision NOT NULL DEFAULT 0,
    focus_y       double precision NOT NULL DEFAULT 0,
    width         integer,
    height        integer,
    size          bigint,
    small_width   integer,
    small_height  integer,
    blurhash      text,
    created_at    timestamptz NOT NULL
);
CREATE INDEX media_attachments_status_idx ON media_attachments (status_id, position) WHERE status_id IS NOT NULL;
CREATE INDEX media_attachments_unattached_idx ON media_attachments (created_at) WHERE status_id IS NULL;
CREATE INDEX media_attachments_account_idx ON media_attachments (account_id);

-- +goose Down
DROP TABLE media_attachments;
