-- +goose Up
-- A consultation series: a Group actor (a row in accounts) that members
-- follow, with a template from which each edition, a consultation of its
-- own, is opened by hand or on a schedule.
CREATE TABLE series (
    account_id           text PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    title                text NOT NULL,
    description          text NOT NULL DEFAULT '',
    prompt_pattern       text NOT NULL DEFAULT '',
    norms                text[] NOT NULL DEFAULT '{}',
    participation        text NOT NULL CHECK (participation IN ('open', 'approval', 'members')),
    attribution          text NOT NULL CHECK (attribution IN ('named', 'chatham')),
    cohosts              text[] NOT NULL DEFAULT '{}',
    synthesis_after_days integer NOT NULL CHECK (synthesis_after_days > 0),
    closes_after_days    integer NOT NULL CHECK (closes_after_days > synthesis_after_days),
    interval_days        integer CHECK (interval_days > 0),
    next_due_at          timestamptz,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
);
CREATE INDEX series_due_idx ON series (next_due_at) WHERE next_due_at IS NOT NULL;

CREATE TABLE series_facilitators (
    series_id  text NOT NULL REFERENCES series (account_id) ON DELETE CASCADE,
    account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (series_id, account_id)
);

-- An edition is numbered within its series; one opened on a schedule
-- records the due date it answers, so that no due date opens two.
CREATE TABLE series_editions (
    series_id       text NOT NULL REFERENCES series (account_id) ON DELETE CASCADE,
    number          integer NOT NULL CHECK (number > 0),
    consultation_id text UNIQUE REFERENCES consultations (account_id) ON DELETE SET NULL,
    cohosts         text[] NOT NULL DEFAULT '{}',
    due_at          timestamptz,
    opened_at       timestamptz NOT NULL,
    PRIMARY KEY (series_id, number),
    UNIQUE (series_id, due_at)
);

-- +goose Down
DROP TABLE series_editions;
DROP TABLE series_facilitators;
DROP TABLE series;
