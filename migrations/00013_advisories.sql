-- +goose Up
-- Advisories: moderation decisions an instance shares with the peers it
-- trusts, and those it receives from the peers it trusts. Each received
-- advisory waits as a draft until a local moderator accepts or dismisses
-- it, or an admin's rule acts on it.
CREATE TABLE advisories (
    id               text PRIMARY KEY,
    uri              text NOT NULL UNIQUE,
    issuer_domain    text,          -- NULL: issued here
    issuer_uri       text NOT NULL, -- the issuing instance's actor
    subject          text NOT NULL, -- a domain, or an actor's id
    subject_kind     text NOT NULL CHECK (subject_kind IN ('domain', 'account')),
    labels           text[] NOT NULL DEFAULT '{}',
    suggested_action text NOT NULL CHECK (suggested_action IN ('note', 'limit', 'block')),
    summary          text NOT NULL DEFAULT '',
    published_at     timestamptz NOT NULL,
    updated_at       timestamptz,
    expires_at       timestamptz,
    retracted_at     timestamptz,
    received_at      timestamptz,
    -- received ones: draft, accepted, dismissed
    state            text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'accepted', 'dismissed', 'issued')),
    decided_by       text REFERENCES accounts (id) ON DELETE SET NULL,
    decided_at       timestamptz,
    decision_reason  text NOT NULL DEFAULT '',
    created_by       text REFERENCES accounts (id) ON DELETE SET NULL
);
CREATE INDEX advisories_subject_idx ON advisories (lower(subject));
CREATE INDEX advisories_issuer_idx ON advisories (issuer_domain, published_at DESC);

-- Local decisions taken on the strength of advisories, with what they
-- replaced, so that a retraction can put them up for review.
CREATE TABLE advisory_decisions (
    id              text PRIMARY KEY,
    subject         text NOT NULL,
    subject_kind    text NOT NULL,
    action          text NOT NULL,
    previous        text NOT NULL DEFAULT '',
    reason          text NOT NULL DEFAULT '',
    based_on        text[] NOT NULL,        -- advisory ids
    decided_by      text REFERENCES accounts (id) ON DELETE SET NULL,
    rule_id         text,                   -- set when a rule decided
    created_at      timestamptz NOT NULL,
    review_since    timestamptz,            -- flagged for review
    review_reason   text NOT NULL DEFAULT '',
    reviewed_at     timestamptz,
    reviewed_by     text REFERENCES accounts (id) ON DELETE SET NULL
);
CREATE INDEX advisory_decisions_based_on_idx ON advisory_decisions USING gin (based_on);

-- Rules an admin wrote for acting on advisories without waiting: when at
-- least min_peers trusted peers advise at least `advised` about a domain,
-- apply `apply` (never more than advised).
CREATE TABLE advisory_rules (
    id         text PRIMARY KEY,
    min_peers  integer NOT NULL CHECK (min_peers >= 1),
    advised    text NOT NULL CHECK (advised IN ('limit', 'block')),
    apply      text NOT NULL CHECK (apply IN ('note', 'limit', 'block')),
    created_by text REFERENCES accounts (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL
);

-- Subscriptions: peers we read advisories from, and peers reading ours.
CREATE TABLE advisory_subscriptions (
    domain         text PRIMARY KEY,
    actor_uri      text NOT NULL,
    collection_uri text NOT NULL,
    inbox          text NOT NULL,
    follow_uri     text NOT NULL UNIQUE,
    accepted_at    timestamptz,
    created_at     timestamptz NOT NULL
);
CREATE TABLE advisory_subscribers (
    domain     text PRIMARY KEY,
    actor_uri  text NOT NULL,
    inbox      text NOT NULL,
    follow_uri text NOT NULL,
    created_at timestamptz NOT NULL
);

ALTER TABLE moderation_log ADD COLUMN based_on text[] NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE moderation_log DROP COLUMN based_on;
DROP TABLE advisory_subscribers;
DROP TABLE advisory_subscriptions;
DROP TABLE advisory_rules;
DROP TABLE advisory_decisions;
DROP TABLE advisories;
