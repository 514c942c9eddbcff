package roundtable

import (
	"context"
	"fmt"
)

// HomeTimeline returns the statuses of the member and of the accounts it
// follows that it may see, the public statuses with hashtags it follows
// (those of accounts in its exclusive lists are left to those lists), and
// the reblogs of the member and of the
// accounts it follows (but not of its own statuses), newest first. A
// status shows once in a page: its newest appearance.
func (s *Store) HomeTimeline(ctx context.Context, viewerID string, p Page) ([]*Status, error) {
	p = p.clamp(20, 40)
	sql, args := homeTimelineSQL(viewerID, p)
	sts, err := s.entries(ctx, viewerID, p, sql, args...)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	out := sts[:0]
	for _, st := range sts {
		orig := st.ID
		if st.Reblog != nil {
			orig = st.Reblog.ID
		}
		if !seen[orig] {
			seen[orig] = true
			out = append(out, st)
		}
	}
	return out, nil
}

// homeTimelineSQL is the query of a page of viewerID's home timeline.
func homeTimelineSQL(viewerID string, p Page) (string, []any) {
	sWhere, sOrder, args := p.sql("s.id", 2)
	rWhere, rOrder, _ := p.sql("r.id", 2)
	_, order, _ := p.sql("e.id", 2)
	return `SELECT e.id, e.status_id, e.booster, e.created_at, e.uri FROM (
		(SELECT s.id, s.id AS status_id, NULL::text AS booster, s.created_at, s.uri FROM statuses s
		WHERE ` + inHome("$1") + sWhere + sOrder + `)
		UNION ALL
		(SELECT r.id, r.status_id, r.account_id, r.created_at, r.uri FROM reblogs r JOIN statuses s ON s.id = r.status_id
		WHERE (r.account_id = $1 OR r.account_id IN (SELECT target_account_id FROM follows WHERE account_id = $1 AND accepted AND show_reblogs))
		AND s.account_id <> $1
		AND NOT EXISTS (SELECT 1 FROM accounts ra WHERE ra.id = r.account_id AND ra.suspended_at IS NOT NULL)
		AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.account_id = $1 AND b.target_account_id IN (s.account_id, r.account_id))
			OR (b.account_id = s.account_id AND b.target_account_id = $1))
		AND NOT EXISTS (SELECT 1 FROM mutes u WHERE u.account_id = $1 AND u.target_account_id IN (s.account_id, r.account_id))
		AND ` + visibleTo("$1") + rWhere + rOrder + `)) e` + order, append([]any{viewerID}, args...)
}

// inHome is the SQL condition under which status s belongs in the home
// timeline of the account $n.
func inHome(n string) string {
	return `(s.account_id = ` + n + ` OR s.account_id IN (SELECT target_account_id FROM follows WHERE account_id = ` + n + ` AND accepted)
			OR s.group_id IN (SELECT target_account_id FROM follows WHERE account_id = ` + n + ` AND accepted)
			OR ` + followedTagStatus(n) + `)
		AND NOT ` + inExclusiveList(n) + `
		AND ` + unblocked(n) + `
		AND ` + visibleTo(n)
}

// unblocked is the SQL condition under which neither the account $n nor
// the author of status s blocks the other, and $n has not muted the author.
func unblocked(n string) string {
	return `NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.account_id = ` + n + ` AND b.target_account_id = s.account_id)
			OR (b.account_id = s.account_id AND b.target_account_id = ` + n + `))
		AND NOT EXISTS (SELECT 1 FROM mutes u WHERE u.account_id = ` + n + ` AND u.target_account_id = s.account_id)`
}

// PublicTimelineFilter narrows the public timeline.
type PublicTimelineFilter struct {
	Local  bool // only this instance's statuses
	Remote bool // only other instances' statuses
	// OnlyMedia keeps the statuses with attachments.
	OnlyMedia bool
}

// withMedia is the condition of statuses s that carry attachments.
const withMedia = ` AND EXISTS (SELECT 1 FROM media_attachments ma WHERE ma.status_id = s.id)`

// PublicTimeline returns public statuses, newest first.
func (s *Store) PublicTimeline(ctx context.Context, viewerID string, f PublicTimelineFilter, p Page) ([]*Status, error) {
	p = p.clamp(20, 40)
	where, order, args := p.sql("s.id", 1)
	cond := ""
	switch {
	case f.Local && !f.Remote:
		cond = " AND s.local"
	case f.Remote && !f.Local:
		cond = " AND NOT s.local"
	}
	if f.OnlyMedia {
		cond += withMedia
	}
	return s.statusList(ctx, viewerID, p, `SELECT `+statusColumns+` FROM statuses s
		WHERE s.visibility = 'public' AND `+listed+cond+where+order, args...)
}

// TagTimeline returns public statuses with hashtag name, newest first.
func (s *Store) TagTimeline(ctx context.Context, viewerID, name string, local bool, p Page) ([]*Status, error) {
	p = p.clamp(20, 40)
	where, order, args := p.sql("s.id", 3)
	return s.statusList(ctx, viewerID, p, `SELECT `+statusColumns+` FROM statuses s
		JOIN status_tags t ON t.status_id = s.id AND lower(t.name) = lower($1)
		WHERE s.visibility = 'public' AND `+listed+` AND ($2 = false OR s.local)`+where+order,
		append([]any{name, local}, args...)...)
}

// AccountStatusFilter narrows an account's statuses.
type AccountStatusFilter struct {
	ExcludeReplies bool
	// IncludeReblogs adds the account's reblogs (the client API's default;
	// pages and the outbox show statuses only).
	IncludeReblogs bool
	Pinned         bool // only the statuses the account pinned
	Tagged         string
	OnlyMedia      bool // only statuses with attachments
}

// AccountStatuses returns the statuses (and, if asked, the reblogs) of
// accountID that viewerID may see, newest first. A consultation's (a Group's) are its
// threads, whoever started them, and what it published itself (its
// synthesis).
func (s *Store) AccountStatuses(ctx context.Context, accountID, viewerID string, f AccountStatusFilter, p Page) ([]*Status, error) {
	acc, err := s.Account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	owner := "s.account_id = $1"
	if acc.Group() {
		owner = "(s.account_id = $1 OR (s.group_id = $1 AND s.in_reply_to_id IS NULL AND s.in_reply_to_uri IS NULL))"
	}
	if f.Pinned {
		owner = "EXISTS (SELECT 1 FROM status_pins sp WHERE sp.account_id = $1 AND sp.status_id = s.id)"
	}
	p = p.clamp(20, 40)
	where, sOrder, args := p.sql("s.id", 4)
	rWhere, rOrder, _ := p.sql("r.id", 4)
	_, order, _ := p.sql("e.id", 4)
	if f.ExcludeReplies {
		// Mastodon keeps self-replies (threads) when replies are excluded.
		where += " AND (s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id)"
	}
	if f.OnlyMedia {
		where += withMedia
		rWhere += withMedia
	}
	reblogs := ""
	if f.IncludeReblogs && !f.Pinned && f.Tagged == "" {
		reblogs = `UNION ALL
		(SELECT r.id, r.status_id, r.account_id, r.created_at, r.uri FROM reblogs r JOIN statuses s ON s.id = r.status_id
		WHERE r.account_id = $1 AND $3 = ''
		AND NOT EXISTS (SELECT 1 FROM accounts ra WHERE ra.id = r.account_id AND ra.suspended_at IS NOT NULL)
		AND ` + visibleTo("$2") + rWhere + rOrder + `)`
	}
	return s.entries(ctx, viewerID, p, `SELECT e.id, e.status_id, e.booster, e.created_at, e.uri FROM (
		(SELECT s.id, s.id AS status_id, NULL::text AS booster, s.created_at, s.uri FROM statuses s
		WHERE `+owner+` AND `+visibleTo("$2")+`
		AND ($3 = '' OR EXISTS (SELECT 1 FROM status_tags t WHERE t.status_id = s.id AND lower(t.name) = lower($3)))`+where+sOrder+`)
		`+reblogs+`) e`+order,
		append([]any{accountID, nullable(viewerID), f.Tagged}, args...)...)
}

// Statuses returns the statuses with the given ids that viewerID may see,
// in the order of ids.
func (s *Store) Statuses(ctx context.Context, ids []string, viewerID string) ([]*Status, error) {
	if len(ids) == 0 {
		return []*Status{}, nil
	}
	sts, err := s.statusList(ctx, viewerID, Page{}, `SELECT `+statusColumns+` FROM statuses s
		WHERE s.id = ANY($1) AND `+visibleTo("$2"), ids, nullable(viewerID))
	if err != nil {
		return nil, fmt.Errorf("statuses by id: %w", err)
	}
	byID := map[string]*Status{}
	for _, st := range sts {
		byID[st.ID] = st
	}
	out := make([]*Status, 0, len(sts))
	for _, id := range ids {
		if st, ok := byID[id]; ok {
			out = append(out, st)
		}
	}
	return out, nil
}
