package roundtable

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Marker is where a member stopped reading a timeline (home or
// notifications), so that its apps resume at the same place.
type Marker struct {
	Timeline   string    `db:"timeline"`
	LastReadID string    `db:"last_read_id"`
	Version    int       `db:"version"` // counts the changes
	UpdatedAt  time.Time `db:"updated_at"`
}

// MarkerTimelines are the timelines that keep a marker.
var MarkerTimelines = []string{"home", "notifications"}

// Markers returns the member's markers of the named timelines (all when
// none are named), by timeline.
func (s *Store) Markers(ctx context.Context, m *Member, timelines []string) (map[string]*Marker, error) {
	if len(timelines) == 0 {
		timelines = MarkerTimelines
	}
	rows, _ := s.pool.Query(ctx, `SELECT timeline, last_read_id, version, updated_at FROM markers
		WHERE account_id = $1 AND timeline = ANY($2)`, m.ID, timelines)
	ms, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Marker])
	if err != nil {
		return nil, fmt.Errorf("markers of %s: %w", m.ID, err)
	}
	out := make(map[string]*Marker, len(ms))
	for _, mk := range ms {
		out[mk.Timeline] = mk
	}
	return out, nil
}

// SetMarkers moves the member's markers (timeline → last read id) and
// returns them as they now are.
func (s *Store) SetMarkers(ctx context.Context, m *Member, lastRead map[string]string) (map[string]*Marker, error) {
	if len(lastRead) == 0 {
		return nil, Invalid("", "Give home[last_read_id] or notifications[last_read_id]")
	}
	var names []string
	for tl, id := range lastRead {
		if tl != "home" && tl != "notifications" {
			return nil, Invalid("timeline", "%q is not home or notifications", tl)
		}
		if id == "" {
			return nil, Invalid(tl+"[last_read_id]", "can't be blank")
		}
		if len(id) > 64 {
			return nil, Invalid(tl+"[last_read_id]", "is too long")
		}
		names = append(names, tl)
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		for tl, id := range lastRead {
			if _, err := tx.Exec(ctx, `INSERT INTO markers (account_id, timeline, last_read_id, version, updated_at)
				VALUES ($1, $2, $3, 0, $4)
				ON CONFLICT (account_id, timeline) DO UPDATE SET last_read_id = excluded.last_read_id,
					version = markers.version + 1, updated_at = excluded.updated_at`, m.ID, tl, id, s.Now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("set markers: %w", err)
	}
	return s.Markers(ctx, m, names)
}
