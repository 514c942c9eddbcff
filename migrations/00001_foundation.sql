-- +goose Up
-- Accounts are local members and, later, remote actors. A local account has
-- domain NULL; names are unique per domain, case-insensitively.
CREATE TABLE accounts (
    id              text PRIMARY KEY,
    username        text NOT NULL,
    domain          text,
    display_name    text NOT NULL DEFAULT '',
    note            text NOT NULL DEFAULT '',
    note_source     text NOT NULL DEFAULT '',
    locked          boolean NOT NULL DEFAULT false,
    bot             boolean NOT NULL DEFAULT false,
    discoverable    boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    last_status_at  timestamptz,
    statuses_count  integer NOT NULL DEFAULT 0,
    followers_count integer NOT NULL DEFAULT 0,
    following_count integer NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX accounts_local_username_idx ON accounts (lower(username)) WHERE domain IS NULL;
CREATE UNIQUE INDEX accounts_remote_username_idx ON accounts (lower(username), lower(domain)) WHERE domain IS NOT NULL;

-- Members are the local accounts that can sign in.
CREATE TABLE members (
    account_id          text PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    email               text NOT NULL,
    password_hash       text NOT NULL,
    role                text NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'moderator', 'admin')),
    approved            boolean NOT NULL DEFAULT true,
    signup_reason       text NOT NULL DEFAULT '',
    default_visibility  text NOT NULL DEFAULT 'public',
    default_sensitive   boolean NOT NULL DEFAULT false,
    default_language    text,
    created_at          timestamptz NOT NULL
);
CREATE UNIQUE INDEX members_email_idx ON members (lower(email));

-- Instance-wide settings an admin can change at run time.
CREATE TABLE settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);

-- Login sessions (github.com/alexedwards/scs/pgxstore).
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- OAuth 2 clients, codes and tokens. Secrets, codes and tokens are stored
-- only as SHA-256 hashes.
CREATE TABLE oauth_apps (
    id                 text PRIMARY KEY,
    name               text NOT NULL,
    website            text,
    redirect_uris      text[] NOT NULL,
    scopes             text[] NOT NULL,
    client_id          text NOT NULL UNIQUE,
    client_secret_hash bytea NOT NULL,
    created_at         timestamptz NOT NULL
);

CREATE TABLE oauth_codes (
    code_hash             bytea PRIMARY KEY,
    app_id                text NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    account_id            text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    redirect_uri          text NOT NULL,
    scopes                text[] NOT NULL,
    code_challenge        text NOT NULL DEFAULT '',
    code_challenge_method text NOT NULL DEFAULT '',
    created_at            timestamptz NOT NULL,
    expires_at            timestamptz NOT NULL
);
CREATE INDEX oauth_codes_expires_idx ON oauth_codes (expires_at);

CREATE TABLE oauth_tokens (
    id           text PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE,
    app_id       text REFERENCES oauth_apps (id) ON DELETE CASCADE,
    account_id   text REFERENCES accounts (id) ON DELETE CASCADE,
    scopes       text[] NOT NULL,
    created_at   timestamptz NOT NULL,
    revoked_at   timestamptz
);
CREATE INDEX oauth_tokens_account_idx ON oauth_tokens (account_id);

-- Statuses are contributions: anything an account posts.
CREATE TABLE statuses (
    id                     text PRIMARY KEY,
    account_id             text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    in_reply_to_id         text,
    in_reply_to_account_id text,
    thread_id              text NOT NULL,
    visibility             text NOT NULL CHECK (visibility IN ('public', 'unlisted', 'private', 'direct')),
    sensitive              boolean NOT NULL DEFAULT false,
    spoiler_text           text NOT NULL DEFAULT '',
    language               text,
    content_type           text NOT NULL DEFAULT 'text/plain',
    source                 text NOT NULL DEFAULT '',
    content                text NOT NULL,
    app_id                 text REFERENCES oauth_apps (id) ON DELETE SET NULL,
    local                  boolean NOT NULL DEFAULT true,
    replies_count          integer NOT NULL DEFAULT 0,
    favourites_count       integer NOT NULL DEFAULT 0,
    reblogs_count          integer NOT NULL DEFAULT 0,
    created_at             timestamptz NOT NULL,
    edited_at              timestamptz
);
CREATE INDEX statuses_account_idx ON statuses (account_id, id DESC);
CREATE INDEX statuses_thread_idx ON statuses (thread_id, id);
CREATE INDEX statuses_reply_idx ON statuses (in_reply_to_id);
CREATE INDEX statuses_public_idx ON statuses (id DESC) WHERE visibility = 'public';

CREATE TABLE status_mentions (
    status_id  text NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (status_id, account_id)
);
CREATE INDEX status_mentions_account_idx ON status_mentions (account_id, status_id DESC);

CREATE TABLE status_tags (
    status_id text NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    name      text NOT NULL,
    PRIMARY KEY (status_id, name)
);
CREATE INDEX status_tags_name_idx ON status_tags (lower(name), status_id DESC);

CREATE TABLE favourites (
    id         text PRIMARY KEY,
    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id  text NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    UNIQUE (account_id, status_id)
);
CREATE INDEX favourites_status_idx ON favourites (status_id);

CREATE TABLE bookmarks (
    id         text PRIMARY KEY,
    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id  text NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    UNIQUE (account_id, status_id)
);

-- A follow is pending until accepted (locked accounts, remote targets).
CREATE TABLE follows (
    id                text PRIMARY KEY,
    account_id        text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    accepted          boolean NOT NULL DEFAULT true,
    show_reblogs      boolean NOT NULL DEFAULT true,
    notify            boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL,
    UNIQUE (account_id, target_account_id),
    CHECK (account_id <> target_account_id)
);
CREATE INDEX follows_target_idx ON follows (target_account_id, id DESC);

CREATE TABLE notifications (
    id              text PRIMARY KEY,
    account_id      text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type            text NOT NULL,
    status_id       text REFERENCES statuses (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL
);
CREATE INDEX notifications_account_idx ON notifications (account_id, id DESC);

-- Idempotency-Key of POST /api/v1/statuses: a replay within a day returns
-- the status the first request made.
CREATE TABLE idempotency_keys (
    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key        text NOT NULL,
    status_id  text NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (account_id, key)
);

-- +goose Down
DROP TABLE idempotency_keys, notifications, follows, bookmarks, favourites, status_tags,
    status_mentions, statuses, oauth_tokens, oauth_codes, oauth_apps, sessions, settings, members, accounts;
