package roundtable

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// Resolving reports: a moderator closes a report with the action taken and
// a reason, may reopen it, and may assign it to a moderator. Local
// reporters are told the outcome; reports that came from other servers as
// Flags have no person to tell (they are anonymous), so nothing is sent.

// ReportActions are the outcomes a report is resolved with.
var ReportActions = []string{"none", "dismiss", "warn", "remove", "hide", "limit", "suspend", "ban", "other"}

// ReportFilter narrows the reports a moderator lists.
type ReportFilter struct {
	Resolved bool
}

// Reports returns the open (or the resolved) reports, newest first, for
// moderators.
func (s *Store) Reports(ctx context.Context, m *Member, f ReportFilter) ([]*Report, error) {
	if err := requireModerator(m, "reports"); err != nil {
		return nil, err
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+reportColumns+` FROM reports WHERE (resolved_at IS NOT NULL) = $1
		ORDER BY created_at DESC LIMIT 200`, f.Resolved)
	rs, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Report])
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	return rs, nil
}

// Report returns one report, for moderators.
func (s *Store) Report(ctx context.Context, m *Member, id string) (*Report, error) {
	if err := requireModerator(m, "report"); err != nil {
		return nil, err
	}
	if !ValidID(id) {
		return nil, fmt.Errorf("report %q: %w", id, ErrNotFound)
	}
	return s.report(ctx, s.pool, id)
}

// ResolveReport closes a report with the action taken and why. Every open
// report on the same contributions closes with it (a moderator has looked).
// Resolved with "none" or "dismiss", the contributions it held back are
// shown again.
func (s *Store) ResolveReport(ctx context.Context, m *Member, id, action string, g Grounds) (*Report, error) {
	if err := requireModerator(m, "resolve report"); err != nil {
		return nil, err
	}
	if !slices.Contains(ReportActions, action) {
		return nil, Invalid("action", "must be one of none, dismiss, warn, remove, hide, limit, suspend, ban or other")
	}
	reason, err := s.groundsText(ctx, g)
	if err != nil {
		return nil, err
	}
	r, err := s.Report(ctx, m, id)
	if err != nil {
		return nil, err
	}
	if r.ResolvedAt != nil {
		return nil, &ConflictError{Message: "This report is already resolved."}
	}
	if err := s.inTx(ctx, func(tx pgx.Tx) error { return s.closeReports(ctx, tx, m, r, action, reason) }); err != nil {
		return nil, fmt.Errorf("resolve report %s: %w", id, err)
	}
	return s.report(ctx, s.pool, id)
}

// closeReports closes r and the open reports on the same contributions,
// logs it and tells the local reporters.
func (s *Store) closeReports(ctx context.Context, tx pgx.Tx, m *Member, r *Report, action, reason string) error {
	now := s.Now()
	rows, _ := tx.Query(ctx, `UPDATE reports SET resolved_at = $2, resolved_by = $3, action = $4, reason = $5, updated_at = $2
		WHERE resolved_at IS NULL AND (id = $1 OR status_ids && $6) RETURNING reporter_id`,
		r.ID, now, m.ID, action, reason, nonNilList(r.StatusIDs))
	reporters, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	if action == "none" || action == "dismiss" {
		if _, err := tx.Exec(ctx, `UPDATE statuses SET hidden_at = NULL WHERE id = ANY($1)`, nonNilList(r.StatusIDs)); err != nil {
			return err
		}
	}
	target, err := s.actorWhere(ctx, tx, "a.id = $1", r.TargetAccountID)
	if err != nil {
		return err
	}
	if err := s.logAction(ctx, tx, &m.ID, "moderator", "resolve_report:"+action, nil, target.URI, reason); err != nil {
		return err
	}
	inst, err := s.InstanceActor(ctx)
	if err != nil {
		return err
	}
	acct := target.Username
	if target.Domain != nil {
		acct += "@" + *target.Domain
	}
	outcome := fmt.Sprintf("Your report about @%s was resolved (%s): %s", acct, reportOutcome(action), reason)
	seen := map[string]bool{}
	for _, id := range reporters {
		if seen[id] {
			continue
		}
		seen[id] = true
		if err := s.notifyWith(ctx, tx, id, inst.AccountID, NotifyReportResolved, outcome, nil); err != nil {
			return err
		}
	}
	return nil
}

// reportOutcome says in words what a report's action did.
func reportOutcome(action string) string {
	switch action {
	case "none", "dismiss":
		return "no action was needed"
	case "warn":
		return "the account was warned"
	case "remove":
		return "the contribution was removed"
	case "hide":
		return "the contribution was hidden"
	case "limit":
		return "the account was limited"
	case "suspend":
		return "the account was suspended"
	case "ban":
		return "the account was banned from the consultation"
	}
	return "a moderator acted"
}

// ReopenReport opens a resolved report again, with a reason.
func (s *Store) ReopenReport(ctx context.Context, m *Member, id string, g Grounds) (*Report, error) {
	if err := requireModerator(m, "reopen report"); err != nil {
		return nil, err
	}
	reason, err := s.groundsText(ctx, g)
	if err != nil {
		return nil, err
	}
	r, err := s.Report(ctx, m, id)
	if err != nil {
		return nil, err
	}
	if r.ResolvedAt == nil {
		return nil, &ConflictError{Message: "This report is open already."}
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE reports SET resolved_at = NULL, resolved_by = NULL, action = NULL, reason = NULL,
			updated_at = $2 WHERE id = $1`, id, s.Now()); err != nil {
			return err
		}
		target, err := s.actorWhere(ctx, tx, "a.id = $1", r.TargetAccountID)
		if err != nil {
			return err
		}
		return s.logAction(ctx, tx, &m.ID, "moderator", "reopen_report", nil, target.URI, reason)
	})
	if err != nil {
		return nil, fmt.Errorf("reopen report %s: %w", id, err)
	}
	return s.report(ctx, s.pool, id)
}

// AssignReport gives a report to a moderator (assigneeID), or to nobody
// when assigneeID is "".
func (s *Store) AssignReport(ctx context.Context, m *Member, id, assigneeID string) (*Report, error) {
	if err := requireModerator(m, "assign report"); err != nil {
		return nil, err
	}
	if _, err := s.Report(ctx, m, id); err != nil {
		return nil, err
	}
	if assigneeID != "" {
		a, err := s.Member(ctx, assigneeID)
		if err != nil || !isModerator(a) {
			return nil, Invalid("account_id", "reports are assigned to moderators")
		}
	}
	if _, err := s.pool.Exec(ctx, `UPDATE reports SET assigned_account_id = $2, updated_at = $3 WHERE id = $1`,
		id, nullable(assigneeID), s.Now()); err != nil {
		return nil, fmt.Errorf("assign report %s: %w", id, err)
	}
	return s.report(ctx, s.pool, id)
}
