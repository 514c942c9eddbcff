package roundtable

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Delivery health of other instances. A domain that has failed every
// delivery for longer than PauseAfter is paused: its deliveries wait, and one
// probe an hour tests whether it is back. Nothing is dropped for it.

// PauseAfter is how long a domain may fail without a success before it is
// paused.
const PauseAfter = 6 * time.Hour

// ProbeEvery is how often a paused domain is tried.
const ProbeEvery = time.Hour

// PeerPausedUntil returns until when deliveries to domain wait, or the zero
// time when it is not paused.
func (s *Store) PeerPausedUntil(ctx context.Context, domain string) (time.Time, error) {
	var t *time.Time
	err := s.pool.QueryRow(ctx, `SELECT paused_until FROM peers WHERE domain = $1`, strings.ToLower(domain)).Scan(&t)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && t == nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("peer %s: %w", domain, err)
	}
	return *t, nil
}

// RecordDelivery notes the outcome of a delivery to domain. A success ends
// any pause; a failure pauses the domain once it has failed for PauseAfter.
func (s *Store) RecordDelivery(ctx context.Context, domain string, ok bool) error {
	now := s.Now()
	domain = strings.ToLower(domain)
	var err error
	if ok {
		_, err = s.pool.Exec(ctx, `INSERT INTO peers (domain, last_success_at) VALUES ($1, $2)
			ON CONFLICT (domain) DO UPDATE SET failures = 0, first_failure_at = NULL, paused_until = NULL,
			last_success_at = excluded.last_success_at`, domain, now)
	} else {
		_, err = s.pool.Exec(ctx, `INSERT INTO peers (domain, failures, first_failure_at, last_failure_at) VALUES ($1, 1, $2, $2)
			ON CONFLICT (domain) DO UPDATE SET failures = peers.failures + 1,
			first_failure_at = coalesce(peers.first_failure_at, excluded.first_failure_at),
			last_failure_at = excluded.last_failure_at,
			paused_until = CASE WHEN coalesce(peers.first_failure_at, excluded.first_failure_at) < $3 THEN $4::timestamptz
				ELSE peers.paused_until END`,
			domain, now, now.Add(-PauseAfter), now.Add(ProbeEvery))
	}
	if err != nil {
		return fmt.Errorf("record delivery to %s: %w", domain, err)
	}
	return nil
}

// StatusExists reports whether a status with the given ActivityPub id is
// still stored (deliveries of a deleted status are cancelled).
func (s *Store) StatusExists(ctx context.Context, uri string) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM statuses WHERE uri = $1)`, uri).Scan(&ok)
	return ok, err
}
