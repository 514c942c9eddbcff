package roundtable

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// What every moderation action shares: a reason, required, and optionally
// the number of the instance norm it applies; and telling the people it
// concerns.

// Grounds is why a moderator acts: a reason in words and, optionally, the
// number of the norm applied (0 for none).
type Grounds struct {
	Reason string
	Norm   int
}

// text checks the grounds and returns them as the log records them.
func (s *Store) groundsText(ctx context.Context, g Grounds) (string, error) {
	reason := strings.TrimSpace(g.Reason)
	if reason == "" || utf8.RuneCountInString(reason) > 1000 {
		return "", Invalid("reason", "an action needs a reason of at most 1000 characters")
	}
	if g.Norm == 0 {
		return reason, nil
	}
	if g.Norm < 0 {
		return "", Invalid("norm", "must be the number of one of the instance's norms")
	}
	norms, err := s.Norms(ctx)
	if err != nil {
		return "", err
	}
	for _, n := range norms {
		if n.Number == g.Norm {
			return fmt.Sprintf("%s (norm %d: %s)", reason, n.Number, n.Text), nil
		}
	}
	return "", Invalid("norm", "%d is not the number of one of the instance's norms", g.Norm)
}

// notifyWith records a notification that carries a reason and, for
// moderation warnings and appeals, the warning. Only members get one.
func (s *Store) notifyWith(ctx context.Context, tx pgx.Tx, accountID, fromID, typ, reason string, warningID *string) error {
	now := s.Now()
	_, err := tx.Exec(ctx, `INSERT INTO notifications (id, account_id, from_account_id, type, created_at, reason, warning_id)
		SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM members WHERE account_id = $2)`,
		NewID(now), accountID, fromID, typ, now, nullable(reason), warningID)
	if err != nil {
		return fmt.Errorf("notify %s: %w", accountID, err)
	}
	return nil
}

// requireModerator checks that m moderates the instance.
func requireModerator(m *Member, what string) error {
	if !isModerator(m) {
		return fmt.Errorf("%s: %w", what, ErrForbidden)
	}
	return nil
}
