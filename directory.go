package roundtable

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// The directory: the consultations of this instance and of the peers it
// federates with.

// Directory returns the Group accounts known here: this instance's open
// consultations first, then other instances' (except blocked ones), by name.
func (s *Store) Directory(ctx context.Context, limit int) ([]*Account, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+accountColumns+` FROM accounts a
		LEFT JOIN consultations c ON c.account_id = a.id
		LEFT JOIN peers p ON p.domain = a.domain
		WHERE a.actor_type = 'Group' AND (a.domain IS NOT NULL OR c.phase <> 'draft')
			AND coalesce(p.policy, 'default') NOT IN ('block', 'limit') AND a.limited_at IS NULL
		ORDER BY a.domain NULLS FIRST, lower(a.display_name) LIMIT $1`, limit)
	accounts, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Account])
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	return accounts, nil
}

// LocalGroupURIs returns the ActivityPub ids of this instance's public
// consultations (not drafts), newest first.
func (s *Store) LocalGroupURIs(ctx context.Context) ([]string, error) {
	rows, _ := s.pool.Query(ctx, `SELECT a.uri FROM consultations c JOIN accounts a ON a.id = c.account_id
		WHERE c.phase <> 'draft' AND a.uri IS NOT NULL ORDER BY c.created_at DESC LIMIT 1000`)
	uris, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("local consultations: %w", err)
	}
	return uris, nil
}

// FederatingPeers returns the domains this instance has exchanged
// activities with and does not block, for refreshing the directory.
func (s *Store) FederatingPeers(ctx context.Context) ([]string, error) {
	rows, _ := s.pool.Query(ctx, `SELECT DISTINCT lower(a.domain) FROM accounts a
		LEFT JOIN peers p ON p.domain = lower(a.domain)
		WHERE a.domain IS NOT NULL AND coalesce(p.policy, 'default') <> 'block' LIMIT 1000`)
	domains, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("peers: %w", err)
	}
	return domains, nil
}
