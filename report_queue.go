package roundtable

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The moderation queue as moderators read it: each reported contribution
// as it stands, held back or not, and what can be done with it.

// ReportedContribution is a reported contribution as those who moderate
// it see it, even while it is held back.
type ReportedContribution struct {
	Status *Status
	// Hidden is true while the contribution is held back for review.
	Hidden bool
	// OpenReports is how many open reports name it.
	OpenReports int
	// Consultation is the slug of the consultation hosted here that the
	// contribution is in, or "" when it is in none of them.
	Consultation string
}

// ReportedContributions returns the contributions among ids that m may
// moderate, by id: every one for the instance's moderators, those in the
// consultations they facilitate for facilitators. Contributions no longer
// stored are left out.
func (s *Store) ReportedContributions(ctx context.Context, m *Member, ids []string) (map[string]*ReportedContribution, error) {
	if err := s.mayModerate(ctx, m); err != nil {
		return nil, fmt.Errorf("reported contributions: %w", err)
	}
	out := map[string]*ReportedContribution{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+statusColumns+` FROM statuses s WHERE s.id = ANY($1) AND ($2 OR EXISTS (
		SELECT 1 FROM facilitators f WHERE f.consultation_id = s.group_id AND f.account_id = $3))`, ids, isModerator(m), m.ID)
	sts, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Status])
	if err != nil {
		return nil, fmt.Errorf("reported contributions: %w", err)
	}
	if err := s.hydrate(ctx, m.ID, sts); err != nil {
		return nil, err
	}
	for _, st := range sts {
		out[st.ID] = &ReportedContribution{Status: st}
	}
	rows, _ = s.pool.Query(ctx, `SELECT s.id, s.hidden_at IS NOT NULL,
		(SELECT count(*) FROM reports r WHERE r.resolved_at IS NULL AND s.id = ANY(r.status_ids))::int,
		coalesce((SELECT a.username FROM consultations c JOIN accounts a ON a.id = c.account_id
			WHERE c.account_id = s.group_id AND a.domain IS NULL), '')
		FROM statuses s WHERE s.id = ANY($1)`, ids)
	var id string
	var rc ReportedContribution
	if _, err := pgx.ForEachRow(rows, []any{&id, &rc.Hidden, &rc.OpenReports, &rc.Consultation}, func() error {
		if c, ok := out[id]; ok {
			c.Hidden, c.OpenReports, c.Consultation = rc.Hidden, rc.OpenReports, rc.Consultation
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("reported contributions: %w", err)
	}
	return out, nil
}

// CiteNorm returns reason with the instance's norm normID quoted after it,
// so that wherever the reason goes (the log, other servers) the norm goes
// with it. An empty normID cites nothing.
func (s *Store) CiteNorm(ctx context.Context, reason, normID string) (string, error) {
	if normID == "" {
		return strings.TrimSpace(reason), nil
	}
	norms, err := s.Norms(ctx)
	if err != nil {
		return "", err
	}
	for _, n := range norms {
		if n.ID == normID {
			return s.groundsText(ctx, Grounds{Reason: reason, Norm: n.Number})
		}
	}
	return "", Invalid("norm", "%q is not one of the instance's norms", normID)
}

// resolveReportsOn closes the open reports that name the contribution
// statusID, with the action taken on it and why: a moderator has looked.
func resolveReportsOn(ctx context.Context, tx pgx.Tx, statusID, by, action, reason string, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE reports SET resolved_at = $2, resolved_by = $3, action = $4, reason = $5
		WHERE resolved_at IS NULL AND $1 = ANY(status_ids)`, statusID, now, by, action, reason)
	return err
}
