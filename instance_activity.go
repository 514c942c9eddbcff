package roundtable

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Peers returns the domains this instance federates with: those of the
// remote accounts it knows, less the domains it blocks, in order.
func (s *Store) Peers(ctx context.Context) ([]string, error) {
	rows, _ := s.pool.Query(ctx, `SELECT DISTINCT lower(a.domain) AS d FROM accounts a
		WHERE a.domain IS NOT NULL AND a.domain <> ''
		AND NOT EXISTS (SELECT 1 FROM peers p WHERE p.domain = lower(a.domain) AND p.policy = 'block')
		ORDER BY d LIMIT 100000`)
	ds, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("peers: %w", err)
	}
	return ds, nil
}

// WeekActivity counts what happened here in one week (from Monday, UTC):
// statuses posted by members, members who signed in, and registrations.
type WeekActivity struct {
	Week          time.Time `db:"week"`
	Statuses      int       `db:"statuses"`
	Logins        int       `db:"logins"`
	Registrations int       `db:"registrations"`
}

// WeeklyActivity returns the activity of the last weeks, the current one
// first.
func (s *Store) WeeklyActivity(ctx context.Context, weeks int) ([]WeekActivity, error) {
	now := s.Now().UTC()
	rows, _ := s.pool.Query(ctx, `WITH w AS (
			SELECT generate_series(date_trunc('week', $1::timestamptz AT TIME ZONE 'UTC') - ($2 - 1) * interval '1 week',
				date_trunc('week', $1::timestamptz AT TIME ZONE 'UTC'), interval '1 week') AS start)
		SELECT (w.start AT TIME ZONE 'UTC') AS week,
			(SELECT count(*) FROM statuses s WHERE s.local AND s.created_at >= w.start AT TIME ZONE 'UTC'
				AND s.created_at < (w.start + interval '1 week') AT TIME ZONE 'UTC')::int AS statuses,
			(SELECT count(*) FROM weekly_logins l WHERE l.week = w.start::date)::int AS logins,
			(SELECT count(*) FROM members m WHERE m.created_at >= w.start AT TIME ZONE 'UTC'
				AND m.created_at < (w.start + interval '1 week') AT TIME ZONE 'UTC')::int AS registrations
		FROM w ORDER BY w.start DESC`, now, weeks)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[WeekActivity])
	if err != nil {
		return nil, fmt.Errorf("weekly activity: %w", err)
	}
	return out, nil
}

// recordLogin counts a member's sign-in in the week's activity.
func (s *Store) recordLogin(ctx context.Context, accountID string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO weekly_logins (account_id, week)
		VALUES ($1, date_trunc('week', $2::timestamptz AT TIME ZONE 'UTC')::date) ON CONFLICT DO NOTHING`, accountID, s.Now())
	if err != nil {
		return fmt.Errorf("record sign-in of %s: %w", accountID, err)
	}
	return nil
}
