package roundtable

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Warnings and appeals. A moderator's decision about a member's account (a
// warning, a suspension, turning off sign-in) is recorded as a warning the
// member sees, as Mastodon's strikes are; the member may appeal it once,
// within AppealWindow, and a moderator approves or rejects the appeal (an
// approved appeal lifts what the warning did).

// AppealWindow is how long after a warning its member may appeal it.
const AppealWindow = 20 * 24 * time.Hour

// Appeal states.
const (
	AppealPending  = "pending"
	AppealApproved = "approved"
	AppealRejected = "rejected"
)

// Warning is a moderator's decision about a member's account, as the
// member sees it.
type Warning struct {
	ID              string     `db:"id"`
	AccountID       string     `db:"account_id"`
	ModeratorID     *string    `db:"moderator_id"`
	Action          string     `db:"action"` // none (a warning only), disable, suspend, silence, sensitive
	Text            string     `db:"text"`
	StatusIDs       []string   `db:"status_ids"`
	ReportID        *string    `db:"report_id"`
	CreatedAt       time.Time  `db:"created_at"`
	AppealText      *string    `db:"appeal_text"`
	AppealAt        *time.Time `db:"appeal_at"`
	AppealState     *string    `db:"appeal_state"`
	AppealDecidedBy *string    `db:"appeal_decided_by"`
	AppealDecidedAt *time.Time `db:"appeal_decided_at"`
	AppealReason    *string    `db:"appeal_reason"`
}

// Appealable reports whether the warning may still be appealed at now.
func (w *Warning) Appealable(now time.Time) bool {
	return w.AppealState == nil && now.Before(w.CreatedAt.Add(AppealWindow))
}

const warningColumns = `id, account_id, moderator_id, action, text, status_ids, report_id, created_at, appeal_text, appeal_at,
	appeal_state, appeal_decided_by, appeal_decided_at, appeal_reason`

// Warn warns a local member, with the contributions concerned and,
// optionally, the report it answers (which is resolved with it).
func (s *Store) Warn(ctx context.Context, m *Member, accountID string, g Grounds, statusIDs []string, reportID string) (*Warning, error) {
	if err := requireModerator(m, "warn"); err != nil {
		return nil, err
	}
	reason, err := s.groundsText(ctx, g)
	if err != nil {
		return nil, err
	}
	target, err := s.Account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if !target.Local() || target.Group() {
		return nil, Invalid("account_id", "only members of this instance can be warned")
	}
	if target.ID == m.ID {
		return nil, Invalid("account_id", "you cannot warn yourself")
	}
	if len(statusIDs) > 20 {
		return nil, Invalid("status_ids", "at most 20 statuses")
	}
	for _, id := range statusIDs {
		st, err := s.Status(ctx, id, m.ID)
		if err != nil || st.AccountID != target.ID {
			return nil, Invalid("status_ids", "%q is not a status of the warned account", id)
		}
	}
	rep, err := s.reportFor(ctx, m, reportID)
	if err != nil {
		return nil, err
	}
	var id string
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if id, err = s.recordWarning(ctx, tx, m, target, "none", reason, statusIDs, reportID); err != nil {
			return err
		}
		if err := s.logAction(ctx, tx, &m.ID, "moderator", "warn", nil, target.URI, reason); err != nil {
			return err
		}
		if rep != nil {
			return s.closeReports(ctx, tx, m, rep, "warn", reason)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("warn %s: %w", accountID, err)
	}
	return s.warning(ctx, s.pool, id)
}

// reportFor returns the open report a moderator's action answers, or nil
// when id is "".
func (s *Store) reportFor(ctx context.Context, m *Member, id string) (*Report, error) {
	if id == "" {
		return nil, nil
	}
	rep, err := s.Report(ctx, m, id)
	if errors.Is(err, ErrNotFound) {
		return nil, Invalid("report_id", "there is no such report")
	}
	if err != nil {
		return nil, err
	}
	if rep.ResolvedAt != nil {
		return nil, Invalid("report_id", "this report is already resolved")
	}
	return rep, nil
}

// recordWarning stores a warning for a local member and notifies them
// (the notification is from the member themself, as Mastodon's are).
func (s *Store) recordWarning(ctx context.Context, tx pgx.Tx, m *Member, target *Account, action, text string, statusIDs []string, reportID string) (string, error) {
	if !target.Local() {
		return "", nil
	}
	now := s.Now()
	id := NewID(now)
	if _, err := tx.Exec(ctx, `INSERT INTO account_warnings (id, account_id, moderator_id, action, text, status_ids, report_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, target.ID, m.ID, action, text, nonNilList(statusIDs), nullable(reportID), now); err != nil {
		return "", err
	}
	return id, s.notifyWith(ctx, tx, target.ID, target.ID, NotifyWarning, "", &id)
}

func (s *Store) warning(ctx context.Context, q querier, id string) (*Warning, error) {
	rows, _ := q.Query(ctx, `SELECT `+warningColumns+` FROM account_warnings WHERE id = $1`, id)
	w, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Warning])
	if err != nil {
		return nil, notFound(err, "warning "+id)
	}
	return w, nil
}

// Warnings returns the member's own warnings, newest first.
func (s *Store) Warnings(ctx context.Context, m *Member) ([]*Warning, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+warningColumns+` FROM account_warnings WHERE account_id = $1
		ORDER BY created_at DESC LIMIT 100`, m.ID)
	ws, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Warning])
	if err != nil {
		return nil, fmt.Errorf("warnings: %w", err)
	}
	return ws, nil
}

// AccountWarning returns a warning to its member or to a moderator.
func (s *Store) AccountWarning(ctx context.Context, m *Member, id string) (*Warning, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("warning %q: %w", id, ErrNotFound)
	}
	w, err := s.warning(ctx, s.pool, id)
	if err != nil {
		return nil, err
	}
	if w.AccountID != m.ID && !isModerator(m) {
		return nil, fmt.Errorf("warning %s: %w", id, ErrNotFound)
	}
	return w, nil
}

// Appeal is the member's one appeal of a warning, within AppealWindow.
func (s *Store) Appeal(ctx context.Context, m *Member, id, text string) (*Warning, error) {
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > 2000 {
		return nil, Invalid("text", "an appeal needs a text of at most 2000 characters")
	}
	w, err := s.AccountWarning(ctx, m, id)
	if err != nil {
		return nil, err
	}
	if w.AccountID != m.ID {
		return nil, fmt.Errorf("appeal %s: %w", id, ErrForbidden)
	}
	now := s.Now()
	if w.AppealState != nil {
		return nil, &ConflictError{Message: "This warning was appealed already: a warning is appealed once."}
	}
	if !w.Appealable(now) {
		return nil, &ConflictError{Message: "The time to appeal this warning (20 days) has passed."}
	}
	tag, err := s.pool.Exec(ctx, `UPDATE account_warnings SET appeal_text = $2, appeal_at = $3, appeal_state = 'pending'
		WHERE id = $1 AND appeal_state IS NULL`, id, text, now)
	if err != nil {
		return nil, fmt.Errorf("appeal %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return nil, &ConflictError{Message: "This warning was appealed already: a warning is appealed once."}
	}
	return s.warning(ctx, s.pool, id)
}

// PendingAppeals returns the appeals awaiting a moderator, oldest first.
func (s *Store) PendingAppeals(ctx context.Context, m *Member) ([]*Warning, error) {
	if err := requireModerator(m, "appeals"); err != nil {
		return nil, err
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+warningColumns+` FROM account_warnings WHERE appeal_state = 'pending'
		ORDER BY appeal_at LIMIT 200`)
	ws, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Warning])
	if err != nil {
		return nil, fmt.Errorf("appeals: %w", err)
	}
	return ws, nil
}

// DecideAppeal approves or rejects a pending appeal, with a reason; the
// member is told. Approving lifts what the warning did (a suspension, or
// sign-in turned off).
func (s *Store) DecideAppeal(ctx context.Context, m *Member, id string, approve bool, g Grounds) (*Warning, error) {
	if err := requireModerator(m, "decide appeal"); err != nil {
		return nil, err
	}
	reason, err := s.groundsText(ctx, g)
	if err != nil {
		return nil, err
	}
	w, err := s.AccountWarning(ctx, m, id)
	if err != nil {
		return nil, err
	}
	if w.AppealState == nil || *w.AppealState != AppealPending {
		return nil, &ConflictError{Message: "This warning has no appeal awaiting a decision."}
	}
	state, verb := AppealRejected, "rejected"
	if approve {
		state, verb = AppealApproved, "approved"
	}
	target, err := s.Account(ctx, w.AccountID)
	if err != nil {
		return nil, err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE account_warnings SET appeal_state = $2, appeal_decided_by = $3, appeal_decided_at = $4,
			appeal_reason = $5 WHERE id = $1 AND appeal_state = 'pending'`, id, state, m.ID, s.Now(), reason)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return &ConflictError{Message: "This warning has no appeal awaiting a decision."}
		}
		if approve {
			switch w.Action {
			case "suspend":
				if err := s.liftSuspension(ctx, tx, target); err != nil {
					return err
				}
			case "disable":
				if _, err := tx.Exec(ctx, `UPDATE members SET disabled_at = NULL WHERE account_id = $1`, target.ID); err != nil {
					return err
				}
			}
		}
		if err := s.logAction(ctx, tx, &m.ID, "moderator", "appeal_"+verb, nil, target.URI, reason); err != nil {
			return err
		}
		return s.notifyWith(ctx, tx, target.ID, target.ID, NotifyAppeal, "Your appeal was "+verb+": "+reason, &id)
	})
	if err != nil {
		return nil, fmt.Errorf("decide appeal %s: %w", id, err)
	}
	return s.warning(ctx, s.pool, id)
}
