package roundtable

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The public moderation log, when the instance chooses to keep one: what
// was done, when, by which role, to what and why, never by whom.

// PublicLogEntry is one moderation action as everyone may see it.
type PublicLogEntry struct {
	Action    string    `db:"action"`
	Role      string    `db:"actor_role"`
	Target    string    `db:"target_uri"`
	Reason    string    `db:"reason"`
	CreatedAt time.Time `db:"created_at"`
}

// PublicModerationLog returns the latest moderation actions, newest first,
// when the instance publishes its log; ErrNotFound when it does not.
func (s *Store) PublicModerationLog(ctx context.Context, limit int) ([]PublicLogEntry, error) {
	set, err := s.InstanceSettings(ctx)
	if err != nil {
		return nil, err
	}
	if !set.PublicModerationLog {
		return nil, fmt.Errorf("this instance does not publish its moderation log: %w", ErrNotFound)
	}
	if limit <= 0 || limit > 200 {
		limit = 100
	}
	// An instance that keeps its domain blocks to itself does not show
	// them through the log either.
	rows, _ := s.pool.Query(ctx, `SELECT action, actor_role, target_uri, reason, created_at
		FROM moderation_log WHERE $2 OR action NOT LIKE 'domain\_%' ORDER BY created_at DESC, id DESC LIMIT $1`,
		limit, set.PublishDomainBlocks)
	entries, err := pgx.CollectRows(rows, pgx.RowToStructByName[PublicLogEntry])
	if err != nil {
		return nil, fmt.Errorf("public moderation log: %w", err)
	}
	return entries, nil
}

// ActorNames returns the usernames of the accounts that took the given
// log entries' actions, by account id, for moderators: the log names
// people only to them.
func (s *Store) ActorNames(ctx context.Context, m *Member, entries []LogEntry) (map[string]string, error) {
	if !isModerator(m) {
		return nil, fmt.Errorf("names in the moderation log: %w", ErrForbidden)
	}
	var ids []string
	for _, e := range entries {
		if e.ActorID != nil {
			ids = append(ids, *e.ActorID)
		}
	}
	names := map[string]string{}
	rows, _ := s.pool.Query(ctx, `SELECT id, username, coalesce(domain, '') FROM accounts WHERE id = ANY($1)`, ids)
	var id, name, domain string
	if _, err := pgx.ForEachRow(rows, []any{&id, &name, &domain}, func() error {
		if domain != "" {
			name += "@" + domain
		}
		names[id] = name
		return nil
	}); err != nil {
		return nil, fmt.Errorf("names in the moderation log: %w", err)
	}
	return names, nil
}
