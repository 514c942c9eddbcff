-- +goose Up
-- On a co-host: the series a consultation it is invited to co-host belongs
-- to, as the host's invitation says; and the series whose editions it
-- co-hosts without asking its admin again, since its admin accepted an
-- earlier edition. Leaving an edition ends that.
ALTER TABLE cohosts ADD COLUMN series_uri text;

CREATE TABLE cohost_series (
    series_uri     text PRIMARY KEY,
    host_actor_uri text NOT NULL, -- the host's instance actor
    created_at     timestamptz NOT NULL
);

-- +goose Down
DROP TABLE cohost_series;
ALTER TABLE cohosts DROP COLUMN series_uri;
