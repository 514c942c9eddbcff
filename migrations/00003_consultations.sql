-- +goose Up
-- A consultation is a Group actor (a row in accounts, actor_type 'Group')
-- with a prompt, norms, a phase and rules for who takes part.
CREATE TABLE consultations (
    account_id     text PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    title          text NOT NULL,
    prompt_source  text NOT NULL DEFAULT '',
    prompt         text NOT NULL DEFAULT '',
    description    text NOT NULL DEFAULT '',
    norms          text[] NOT NULL DEFAULT '{}',
    phase          text NOT NULL DEFAULT 'open' CHECK (phase IN ('draft', 'open', 'synthesis', 'closed')),
    participation  text NOT NULL DEFAULT 'open' CHECK (participation IN ('open', 'approval', 'members')),
    attribution    text NOT NULL DEFAULT 'named' CHECK (attribution IN ('named', 'chatham')),
    languages      text[] NOT NULL DEFAULT '{}',
    hide_counts    boolean NOT NULL DEFAULT false,
    opens_at       timestamptz,
    synthesis_at   timestamptz,
    closes_at      timestamptz,
    synthesis_id   text,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);

CREATE TABLE facilitators (
    consultation_id text NOT NULL REFERENCES consultations (account_id) ON DELETE CASCADE,
    account_id      text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (consultation_id, account_id)
);

-- Statuses posted in a consultation (local or remote Group) carry it; a
-- thread starter has a title; a thread can be locked.
ALTER TABLE statuses
    ADD COLUMN group_id text REFERENCES accounts (id) ON DELETE SET NULL,
    ADD COLUMN title    text,
    ADD COLUMN locked   boolean NOT NULL DEFAULT false,
    ADD COLUMN context_uri text;
CREATE INDEX statuses_group_idx ON statuses (group_id, id DESC) WHERE group_id IS NOT NULL;

-- This instance's policy towards another one.
ALTER TABLE peers
    ADD COLUMN policy        text NOT NULL DEFAULT 'default' CHECK (policy IN ('trust', 'default', 'limit', 'block')),
    ADD COLUMN policy_reason text NOT NULL DEFAULT '',
    ADD COLUMN policy_at     timestamptz;

-- +goose Down
ALTER TABLE peers DROP COLUMN policy, DROP COLUMN policy_reason, DROP COLUMN policy_at;
DROP INDEX statuses_group_idx;
ALTER TABLE statuses DROP COLUMN group_id, DROP COLUMN title, DROP COLUMN locked, DROP COLUMN context_uri;
DROP TABLE facilitators, consultations;
