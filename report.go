package roundtable

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Reports. A member reports an account and, optionally, some of its
// contributions, citing the norms broken. When enough different members
// report one contribution, it is held back (seen by its author only) until
// a moderator decides.

// Report categories, as the client API has them.
var reportCategories = []string{"spam", "legal", "violation", "other"}

// Report is a member's report.
type Report struct {
	ID              string     `db:"id"`
	ReporterID      string     `db:"reporter_id"`
	TargetAccountID string     `db:"target_account_id"`
	StatusIDs       []string   `db:"status_ids"`
	RuleIDs         []string   `db:"rule_ids"`
	Category        string     `db:"category"`
	Comment         string     `db:"comment"`
	Forward         bool       `db:"forward"`
	CreatedAt       time.Time  `db:"created_at"`
	ResolvedAt      *time.Time `db:"resolved_at"`
	ResolvedBy      *string    `db:"resolved_by"`
	Action          *string    `db:"action"`
	Reason          *string    `db:"reason"`
	AssignedID      *string    `db:"assigned_account_id"`
	UpdatedAt       *time.Time `db:"updated_at"`
}

// NewReport is what a member reports.
type NewReport struct {
	AccountID string
	StatusIDs []string
	RuleIDs   []string
	Category  string
	Comment   string
	Forward   bool
}

const reportColumns = `id, reporter_id, target_account_id, status_ids, rule_ids, category, comment, forward,
	created_at, resolved_at, resolved_by, action, reason, assigned_account_id, updated_at`

// CreateReport files a member's report, and holds back each reported
// contribution that enough different members have now reported.
func (s *Store) CreateReport(ctx context.Context, m *Member, nr NewReport) (*Report, error) {
	target, err := s.Account(ctx, nr.AccountID)
	if err != nil {
		return nil, err
	}
	if target.ID == m.ID {
		return nil, Invalid("account_id", "you cannot report yourself")
	}
	if nr.Category == "" {
		nr.Category = "other"
		if len(nr.RuleIDs) > 0 {
			nr.Category = "violation"
		}
	}
	if !slices.Contains(reportCategories, nr.Category) {
		return nil, Invalid("category", "must be spam, legal, violation or other")
	}
	if len([]rune(nr.Comment)) > 1000 {
		return nil, Invalid("comment", "must be at most 1000 characters")
	}
	if len(nr.StatusIDs) > 20 || len(nr.RuleIDs) > 20 {
		return nil, Invalid("status_ids", "at most 20 statuses and 20 norms")
	}
	for _, id := range nr.StatusIDs {
		st, err := s.Status(ctx, id, m.ID)
		if err != nil || st.AccountID != target.ID {
			return nil, Invalid("status_ids", "%q is not a status of the reported account", id)
		}
	}
	if len(nr.RuleIDs) > 0 {
		norms, err := s.Norms(ctx)
		if err != nil {
			return nil, err
		}
		for _, id := range nr.RuleIDs {
			if !slices.ContainsFunc(norms, func(n Norm) bool { return n.ID == id }) {
				return nil, Invalid("rule_ids", "%q is not one of the instance's norms", id)
			}
		}
	}
	statusIDs, ruleIDs := nonNilList(nr.StatusIDs), nonNilList(nr.RuleIDs)
	threshold, err := s.autoHideThreshold(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	id := NewID(now)
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO reports (id, reporter_id, target_account_id, status_ids, rule_ids, category,
			comment, forward, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			id, m.ID, target.ID, statusIDs, ruleIDs, nr.Category, strings.TrimSpace(nr.Comment), nr.Forward, now); err != nil {
			return err
		}
		// Hold back what enough different members reported, until a
		// moderator decides.
		if _, err := tx.Exec(ctx, `UPDATE statuses s SET hidden_at = $2 WHERE s.id = ANY($1) AND s.hidden_at IS NULL
			AND (SELECT count(DISTINCT r.reporter_id) FROM reports r
				WHERE r.resolved_at IS NULL AND s.id = ANY(r.status_ids)) >= $3`, statusIDs, now, threshold); err != nil {
			return err
		}
		if nr.Forward && !target.Local() {
			return s.forwardReport(ctx, tx, id, target, statusIDs, ruleIDs, nr)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", target.ID, err)
	}
	return s.report(ctx, s.pool, id)
}

func nonNilList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func (s *Store) report(ctx context.Context, q querier, id string) (*Report, error) {
	rows, _ := q.Query(ctx, `SELECT `+reportColumns+` FROM reports WHERE id = $1`, id)
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Report])
	if err != nil {
		return nil, notFound(err, "report "+id)
	}
	return r, nil
}

// IsModerator reports whether m moderates the instance (a moderator or an
// admin).
func IsModerator(m *Member) bool { return isModerator(m) }

// isModerator reports whether m moderates the instance.
func isModerator(m *Member) bool { return m != nil && (m.Role == RoleModerator || m.Role == RoleAdmin) }

// OpenReports returns the reports awaiting a moderator, oldest first.
func (s *Store) OpenReports(ctx context.Context, m *Member) ([]*Report, error) {
	if err := s.mayModerate(ctx, m); err != nil {
		return nil, fmt.Errorf("%s: %w", "reports", err)
	}
	// Moderators see every report; facilitators, those about their
	// consultations' contributions.
	rows, _ := s.pool.Query(ctx, `SELECT `+reportColumns+` FROM reports r WHERE resolved_at IS NULL AND ($1 OR EXISTS (
		SELECT 1 FROM statuses s JOIN facilitators f ON f.consultation_id = s.group_id
		WHERE s.id = ANY(r.status_ids) AND f.account_id = $2)) ORDER BY created_at LIMIT 200`, isModerator(m), m.ID)
	rs, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Report])
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	return rs, nil
}

// DismissReport closes a report with no action: the contributions it held
// back are shown again (and every open report on them closed, since a
// moderator has looked); the reporters are told.
func (s *Store) DismissReport(ctx context.Context, m *Member, id, reason string) (*Report, error) {
	if !isModerator(m) {
		return nil, fmt.Errorf("dismiss report: %w", ErrForbidden)
	}
	r, err := s.report(ctx, s.pool, id)
	if err != nil {
		return nil, err
	}
	if r.ResolvedAt != nil {
		return nil, &ConflictError{Message: "This report is already resolved."}
	}
	reason = strings.TrimSpace(reason)
	if len([]rune(reason)) > 1000 {
		return nil, Invalid("reason", "must be at most 1000 characters")
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error { return s.closeReports(ctx, tx, m, r, "dismiss", reason) })
	if err != nil {
		return nil, fmt.Errorf("dismiss report %s: %w", id, err)
	}
	return s.report(ctx, s.pool, id)
}

// forwardReport sends a report about remote content, as a Flag from the
// instance actor (the reporter stays anonymous), to the author's server and
// to the server hosting the consultation the content is in. It carries the
// category, the comment and the text of each norm cited.
func (s *Store) forwardReport(ctx context.Context, tx pgx.Tx, reportID string, target *Account, statusIDs, ruleIDs []string, nr NewReport) error {
	inst, err := s.actorWhere(ctx, tx, "a.username = $1 AND a.domain IS NULL", InstanceActorName)
	if err != nil {
		return err
	}
	targetActor, err := s.actorWhere(ctx, tx, "a.id = $1", target.ID)
	if err != nil {
		return err
	}
	objects := []string{targetActor.URI}
	inboxes := []string{targetActor.DeliveryInbox()}
	rows, _ := tx.Query(ctx, `SELECT s.uri, coalesce(g.shared_inbox, g.inbox, '') FROM statuses s
		LEFT JOIN accounts g ON g.id = s.group_id AND g.domain IS NOT NULL
		WHERE s.id = ANY($1) AND s.uri IS NOT NULL`, statusIDs)
	var uri, groupInbox string
	if _, err := pgx.ForEachRow(rows, []any{&uri, &groupInbox}, func() error {
		objects = append(objects, uri)
		if groupInbox != "" && !slices.Contains(inboxes, groupInbox) {
			inboxes = append(inboxes, groupInbox)
		}
		return nil
	}); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Category: %s.", nr.Category)
	if c := strings.TrimSpace(nr.Comment); c != "" {
		fmt.Fprintf(&b, " %s", c)
	}
	if len(ruleIDs) > 0 {
		norms, err := s.Norms(ctx)
		if err != nil {
			return err
		}
		for _, n := range norms {
			if slices.Contains(ruleIDs, n.ID) {
				fmt.Fprintf(&b, "\nNorm %d of %s: %s", n.Number, s.links.Domain(), n.Text)
			}
		}
	}
	return s.publish(ctx, tx, &Outgoing{Kind: OutFlag, Actor: inst, ActivityID: reportID, ObjectURIs: objects,
		Reason: b.String(), Inboxes: inboxes})
}

// ReceiveFlag files a report another server sent: about accounts and
// contributions stored here, by that server (never a named person).
func (s *Store) ReceiveFlag(ctx context.Context, flagger *Account, objectURIs []string, content string) error {
	if len(objectURIs) == 0 || len(objectURIs) > 50 {
		return Invalid("object", "a report names 1 to 50 objects")
	}
	rows, _ := s.pool.Query(ctx, `SELECT id, account_id FROM statuses WHERE uri = ANY($1)`, objectURIs)
	var statusIDs []string
	var target string
	var sid, aid string
	if _, err := pgx.ForEachRow(rows, []any{&sid, &aid}, func() error {
		statusIDs = append(statusIDs, sid)
		target = aid
		return nil
	}); err != nil {
		return err
	}
	if target == "" {
		if err := s.pool.QueryRow(ctx, `SELECT id FROM accounts WHERE uri = ANY($1) LIMIT 1`, objectURIs).Scan(&target); err != nil {
			return notFound(err, "reported account")
		}
	}
	if r := []rune(content); len(r) > 5000 {
		content = string(r[:5000])
	}
	now := s.Now()
	_, err := s.pool.Exec(ctx, `INSERT INTO reports (id, reporter_id, target_account_id, status_ids, category, comment, forward, created_at)
		VALUES ($1, $2, $3, $4, 'other', $5, false, $6)`, NewID(now), flagger.ID, target, nonNilList(statusIDs), PlainText(content), now)
	if err != nil {
		return fmt.Errorf("file remote report: %w", err)
	}
	return nil
}

// mayModerate checks that m moderates the instance or facilitates a
// consultation: the people who may read reports and the moderation log.
func (s *Store) mayModerate(ctx context.Context, m *Member) error {
	if isModerator(m) {
		return nil
	}
	var facilitates bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM facilitators WHERE account_id = $1)`, m.ID).Scan(&facilitates); err != nil {
		return err
	}
	if !facilitates {
		return ErrForbidden
	}
	return nil
}
