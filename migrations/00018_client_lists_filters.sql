-- +goose Up
-- Lists: a member's own groupings of the accounts it follows, each with its
-- timeline. replies_policy says which replies the list shows; an exclusive
-- list keeps its accounts' statuses out of the home timeline.
CREATE TABLE lists (
    id             text PRIMARY KEY,
    account_id     text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title          text NOT NULL,
    replies_policy text NOT NULL DEFAULT 'list' CHECK (replies_policy IN ('followed', 'list', 'none')),
    exclusive      boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL
);
CREATE INDEX lists_account_idx ON lists (account_id, id);

CREATE TABLE list_accounts (
    list_id    text NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (list_id, account_id)
);
CREATE INDEX list_accounts_account_idx ON list_accounts (account_id);

-- Lists hold only accounts their owner follows: ending a follow takes the
-- account out of the follower's lists, however the follow ended.
-- +goose StatementBegin
CREATE FUNCTION list_accounts_unfollow() RETURNS trigger AS $$
BEGIN
    DELETE FROM list_accounts la USING lists l
        WHERE l.id = la.list_id AND l.account_id = OLD.account_id AND la.account_id = OLD.target_account_id;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER follows_leave_lists AFTER DELETE ON follows
    FOR EACH ROW EXECUTE FUNCTION list_accounts_unfollow();

-- Filters (the client API's v2 filters): keywords and statuses that a
-- member wants hidden or behind a warning in some contexts.
CREATE TABLE filters (
    id            text PRIMARY KEY,
    account_id    text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title         text NOT NULL,
    context       text[] NOT NULL,
    filter_action text NOT NULL DEFAULT 'warn' CHECK (filter_action IN ('warn', 'hide')),
    expires_at    timestamptz,
    created_at    timestamptz NOT NULL
);
CREATE INDEX filters_account_idx ON filters (account_id, id);

CREATE TABLE filter_keywords (
    id         text PRIMARY KEY,
    filter_id  text NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    keyword    text NOT NULL,
    whole_word boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL
);
CREATE INDEX filter_keywords_filter_idx ON filter_keywords (filter_id, id);

CREATE TABLE filter_statuses (
    id         text PRIMARY KEY,
    filter_id  text NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    status_id  text NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    UNIQUE (filter_id, status_id)
);

-- Markers: where a member stopped reading its home timeline and its
-- notifications, shared between its apps.
CREATE TABLE markers (
    account_id   text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    timeline     text NOT NULL CHECK (timeline IN ('home', 'notifications')),
    last_read_id text NOT NULL,
    version      integer NOT NULL DEFAULT 0,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (account_id, timeline)
);

-- A member's state of a conversation (a thread of direct statuses): read up
-- to which status, and removed from its list up to which one (a newer
-- status brings it back).
CREATE TABLE conversation_states (
    account_id    text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    thread_id     text NOT NULL,
    read_up_to    text,
    removed_up_to text,
    PRIMARY KEY (account_id, thread_id)
);
CREATE INDEX statuses_direct_idx ON statuses (thread_id, id DESC) WHERE visibility = 'direct';

-- Hashtags a member follows: their public statuses come to its home.
CREATE TABLE followed_tags (
    id         text PRIMARY KEY,
    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX followed_tags_account_name_idx ON followed_tags (account_id, lower(name));
CREATE INDEX followed_tags_name_idx ON followed_tags (lower(name));

-- +goose Down
DROP INDEX statuses_direct_idx;
DROP TABLE followed_tags, conversation_states, markers, filter_statuses, filter_keywords, filters;
DROP TRIGGER follows_leave_lists ON follows;
DROP FUNCTION list_accounts_unfollow();
DROP TABLE list_accounts, lists;
