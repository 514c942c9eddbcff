package roundtable

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Members returns the instance's approved members, by username, at most
// limit of them.
func (s *Store) Members(ctx context.Context, limit int) ([]Member, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+memberColumns+` FROM accounts a JOIN members m ON m.account_id = a.id
		WHERE m.approved AND a.username <> $1 ORDER BY a.username LIMIT $2`, InstanceActorName, limit)
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByName[Member])
	if err != nil {
		return nil, fmt.Errorf("members: %w", err)
	}
	return ms, nil
}

// SetRole gives the member with id a role, on behalf of by, who must be an
// admin. An admin cannot change their own role, so that the instance
// always keeps one. The change is logged.
func (s *Store) SetRole(ctx context.Context, by *Member, id string, role Role) error {
	if by == nil || by.Role != RoleAdmin {
		return fmt.Errorf("change a role: %w", ErrForbidden)
	}
	if by.ID == id {
		return Conflict("You cannot change your own role.")
	}
	target, err := s.Member(ctx, id)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE members SET role = $2 WHERE account_id = $1`, id, role); err != nil {
			return fmt.Errorf("set role of %s: %w", target.Username, err)
		}
		return s.logReasoned(ctx, tx, &by.ID, string(by.Role), "role_"+string(role), nil, target.URI, Grounds{})
	})
}
