-- +goose Up
-- What ActivityPub needs to know of every actor: its id and endpoints, its
-- public key, and for local actors the private key that signs for them.
ALTER TABLE accounts
    ADD COLUMN actor_type        text NOT NULL DEFAULT 'Person',
    ADD COLUMN uri               text,
    ADD COLUMN url               text,
    ADD COLUMN inbox             text,
    ADD COLUMN shared_inbox      text,
    ADD COLUMN outbox            text,
    ADD COLUMN followers_url     text,
    ADD COLUMN following_url     text,
    ADD COLUMN public_key_id     text,
    ADD COLUMN public_key_pem    text,
    ADD COLUMN private_key_pem   text,
    ADD COLUMN fetched_at        timestamptz,
    ADD COLUMN raw               jsonb;
CREATE UNIQUE INDEX accounts_uri_idx ON accounts (uri);
CREATE INDEX accounts_public_key_id_idx ON accounts (public_key_id);
CREATE INDEX accounts_domain_idx ON accounts (lower(domain)) WHERE domain IS NOT NULL;

-- Remote statuses keep their ActivityPub id, page and raw JSON; replies to
-- statuses not (yet) known keep the parent's id.
ALTER TABLE statuses
    ADD COLUMN uri             text,
    ADD COLUMN url             text,
    ADD COLUMN in_reply_to_uri text,
    ADD COLUMN raw             jsonb;
CREATE UNIQUE INDEX statuses_uri_idx ON statuses (uri);
CREATE INDEX statuses_in_reply_to_uri_idx ON statuses (in_reply_to_uri) WHERE in_reply_to_uri IS NOT NULL;

-- The ids of the Follow and Like activities, so an Accept, Reject or Undo
-- can name them.
ALTER TABLE follows ADD COLUMN uri text;
CREATE UNIQUE INDEX follows_uri_idx ON follows (uri);
ALTER TABLE favourites ADD COLUMN uri text;
CREATE UNIQUE INDEX favourites_uri_idx ON favourites (uri);

-- Every activity received, by id: deduplication, and the raw JSON beside
-- what was made of it.
CREATE TABLE inbox_activities (
    id           text PRIMARY KEY,
    actor_uri    text NOT NULL,
    type         text NOT NULL,
    raw          jsonb NOT NULL,
    received_at  timestamptz NOT NULL,
    processed_at timestamptz,
    error        text
);
CREATE INDEX inbox_activities_received_idx ON inbox_activities (received_at);

-- Other instances as delivery sees them: a domain that keeps failing is
-- paused (and probed), never dropped.
CREATE TABLE peers (
    domain          text PRIMARY KEY,
    failures        integer NOT NULL DEFAULT 0,
    first_failure_at timestamptz,
    last_failure_at timestamptz,
    last_success_at timestamptz,
    paused_until    timestamptz
);

-- +goose Down
DROP TABLE peers, inbox_activities;
DROP INDEX favourites_uri_idx, follows_uri_idx;
ALTER TABLE favourites DROP COLUMN uri;
ALTER TABLE follows DROP COLUMN uri;
ALTER TABLE statuses DROP COLUMN uri, DROP COLUMN url, DROP COLUMN in_reply_to_uri, DROP COLUMN raw;
ALTER TABLE accounts DROP COLUMN actor_type, DROP COLUMN uri, DROP COLUMN url, DROP COLUMN inbox,
    DROP COLUMN shared_inbox, DROP COLUMN outbox, DROP COLUMN followers_url, DROP COLUMN following_url,
    DROP COLUMN public_key_id, DROP COLUMN public_key_pem, DROP COLUMN private_key_pem,
    DROP COLUMN fetched_at, DROP COLUMN raw;
