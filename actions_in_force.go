package roundtable

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ActionInForce is a moderation decision that holds now: a contribution
// held or hidden behind a warning, an account limited, suspended or
// banned from a consultation, a domain limited or blocked.
type ActionInForce struct {
	Kind         string     `db:"kind" json:"kind"` // held, hidden, limited, suspended, banned, domain_limit, domain_block
	TargetID     *string    `db:"target_id" json:"target_id"`
	Target       string     `db:"target" json:"target"` // the contribution's or account's id, or the domain
	Consultation *string    `db:"consultation" json:"consultation"`
	Reason       string     `db:"reason" json:"reason"`
	Since        *time.Time `db:"since" json:"since"`
}

// ActionsInForce lists what moderation holds in place now, for the
// instance's moderators, newest first.
func (s *Store) ActionsInForce(ctx context.Context, m *Member) ([]ActionInForce, error) {
	if !isModerator(m) {
		return nil, fmt.Errorf("actions in force: %w", ErrForbidden)
	}
	rows, _ := s.pool.Query(ctx, `
		SELECT 'held' AS kind, s.id AS target_id, coalesce(s.uri, '') AS target, g.username AS consultation,
			'' AS reason, s.held_at AS since
		FROM statuses s LEFT JOIN accounts g ON g.id = s.group_id WHERE s.held_at IS NOT NULL
		UNION ALL
		SELECT 'hidden', s.id, coalesce(s.uri, ''), g.username, s.forced_cw, NULL
		FROM statuses s LEFT JOIN accounts g ON g.id = s.group_id WHERE s.forced_cw IS NOT NULL
		UNION ALL
		SELECT 'limited', a.id, coalesce(a.uri, ''), NULL, '', a.limited_at FROM accounts a WHERE a.limited_at IS NOT NULL
		UNION ALL
		SELECT 'suspended', a.id, coalesce(a.uri, ''), NULL, '', a.suspended_at FROM accounts a WHERE a.suspended_at IS NOT NULL
		UNION ALL
		SELECT 'banned', a.id, coalesce(a.uri, ''), g.username, b.reason, b.created_at
		FROM consultation_bans b JOIN accounts a ON a.id = b.account_id JOIN accounts g ON g.id = b.consultation_id
		WHERE g.domain IS NULL
		UNION ALL
		SELECT 'domain_' || p.policy, NULL, p.domain, NULL, p.policy_reason, p.policy_at
		FROM peers p WHERE p.policy IN ('limit', 'block')
		ORDER BY since DESC NULLS LAST
		LIMIT 1000`)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[ActionInForce])
	if err != nil {
		return nil, fmt.Errorf("actions in force: %w", err)
	}
	return out, nil
}
