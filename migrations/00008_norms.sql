-- +goose Up
-- The instance's house rules, numbered by position; each consultation adds
-- its own (consultations.norms).
CREATE TABLE norms (
    id           text PRIMARY KEY,
    position     integer NOT NULL,
    text         text NOT NULL,
    hint         text NOT NULL DEFAULT '',
    translations jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL
);
CREATE INDEX norms_position_idx ON norms (position);

-- +goose Down
DROP TABLE norms;
