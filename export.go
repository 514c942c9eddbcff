package roundtable

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Export of a consultation, for its facilitators' report: every thread and
// contribution filed under it, here or from other servers, in order, with
// authors as its attribution allows.

// AnonymousAuthor is how a Chatham House consultation names the author of
// a contribution.
const AnonymousAuthor = "a participant"

// maxExport bounds the contributions of one export.
const maxExport = 10_000

// contributionsOf selects the contributions to a consultation, given $1 its
// Group and $2 its synthesis (or NULL): what is filed under the Group but
// the synthesis and, in Chatham House mode, the originals that the Group
// republished (their copies stand for them).
const contributionsOf = `s.group_id = $1 AND s.id IS DISTINCT FROM $2::text
	AND NOT EXISTS (SELECT 1 FROM statuses cp WHERE cp.chatham_of = s.id)`

// ConsultationStats counts what a consultation holds.
type ConsultationStats struct {
	Threads       int // thread starters
	Contributions int // thread starters and replies
	Participants  int // distinct authors
}

// ConsultationStats counts the threads, contributions and participants of c.
func (s *Store) ConsultationStats(ctx context.Context, c *Consultation) (ConsultationStats, error) {
	var st ConsultationStats
	err := s.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE s.in_reply_to_id IS NULL AND s.in_reply_to_uri IS NULL),
		count(*), count(DISTINCT coalesce(o.account_id, s.account_id))
		FROM statuses s LEFT JOIN statuses o ON o.id = s.chatham_of WHERE `+contributionsOf, c.AccountID, c.SynthesisID).
		Scan(&st.Threads, &st.Contributions, &st.Participants)
	if err != nil {
		return st, fmt.Errorf("count contributions to %s: %w", c.Slug, err)
	}
	return st, nil
}

// Export is a consultation with its contributions, threads first and
// their replies nested under what they answer, oldest first.
type Export struct {
	Consultation *Consultation
	Stats        ConsultationStats
	Threads      []*ExportItem
	// Authors tells whether contributions name their authors.
	Authors bool
	// Truncated is set when the consultation holds more contributions than
	// an export carries (10,000); the oldest are given.
	Truncated bool
}

// ExportItem is one contribution of an export.
type ExportItem struct {
	ID          string
	URI         string
	URL         string
	ThreadID    string // the thread starter it is under (its own id for a starter)
	ParentID    string // what it answers; "" for a thread starter
	Title       string
	CreatedAt   time.Time
	Author      *ExportAuthor // nil when the attribution hides authors
	ContentHTML string
	ContentText string
	Replies     []*ExportItem
}

// ExportAuthor names the author of a contribution.
type ExportAuthor struct {
	Acct        string // user@domain
	DisplayName string
}

// Each visits the contributions of e depth-first: each thread starter, then
// its replies in order, each followed by its own.
func (e *Export) Each(fn func(*ExportItem)) {
	var walk func([]*ExportItem)
	walk = func(items []*ExportItem) {
		for _, it := range items {
			fn(it)
			walk(it.Replies)
		}
	}
	walk(e.Threads)
}

// ExportConsultation exports a consultation for m, who must facilitate it.
// Authors are named when its attribution is named; under the Chatham House
// rule only when withAuthors (the host's facilitators may know them).
func (s *Store) ExportConsultation(ctx context.Context, m *Member, slug string, withAuthors bool) (*Export, error) {
	c, err := s.facilitated(ctx, m, slug)
	if err != nil {
		return nil, err
	}
	stats, err := s.ConsultationStats(ctx, c)
	if err != nil {
		return nil, err
	}
	e := &Export{Consultation: c, Stats: stats, Authors: c.Attribution == AttributionNamed || withAuthors}
	rows, _ := s.pool.Query(ctx, `SELECT s.id, coalesce(s.uri, ''), coalesce(s.url, s.uri, ''), coalesce(s.in_reply_to_id, ''),
		coalesce(s.title, ''), s.created_at, s.content, coalesce(o.account_id, s.account_id)
		FROM statuses s LEFT JOIN statuses o ON o.id = s.chatham_of
		WHERE `+contributionsOf+` ORDER BY s.id LIMIT $3`, c.AccountID, c.SynthesisID, maxExport+1)
	var items []*ExportItem
	var authorIDs []string
	var it ExportItem
	var authorID string
	if _, err := pgx.ForEachRow(rows, []any{&it.ID, &it.URI, &it.URL, &it.ParentID, &it.Title, &it.CreatedAt, &it.ContentHTML, &authorID},
		func() error {
			item := it
			item.ContentText = contentText(item.ContentHTML)
			items = append(items, &item)
			authorIDs = append(authorIDs, authorID)
			return nil
		}); err != nil {
		return nil, fmt.Errorf("export %s: %w", slug, err)
	}
	if len(items) > maxExport {
		items, authorIDs, e.Truncated = items[:maxExport], authorIDs[:maxExport], true
	}
	if e.Authors {
		accounts, err := s.accountsByID(ctx, authorIDs)
		if err != nil {
			return nil, err
		}
		for i, item := range items {
			if a := accounts[authorIDs[i]]; a != nil {
				acct := a.Acct()
				if a.Local() {
					acct += "@" + s.links.Domain()
				}
				item.Author = &ExportAuthor{Acct: acct, DisplayName: a.DisplayName}
			}
		}
	}
	byID := make(map[string]*ExportItem, len(items))
	for _, item := range items {
		byID[item.ID] = item
	}
	for _, item := range items {
		parent := byID[item.ParentID]
		if parent == nil || parent == item {
			// A thread starter, or a reply whose parent is not here (not
			// received, or deleted): it stands as a thread of its own.
			item.ParentID, item.ThreadID = "", item.ID
			e.Threads = append(e.Threads, item)
			continue
		}
		parent.Replies = append(parent.Replies, item)
	}
	// Thread ids follow the nesting, which the order of ids may not.
	var mark func(items []*ExportItem, thread string)
	mark = func(items []*ExportItem, thread string) {
		for _, item := range items {
			item.ThreadID = thread
			mark(item.Replies, thread)
		}
	}
	for _, t := range e.Threads {
		mark(t.Replies, t.ID)
	}
	return e, nil
}

var (
	blockEnd  = regexp.MustCompile(`(?i)</p>|<br\s*/?>|</li>|</h[1-6]>|</blockquote>`)
	blankRuns = regexp.MustCompile(`\n{3,}`)
)

// contentText is the text of a contribution's HTML, paragraphs and lines
// kept apart.
func contentText(html string) string {
	text := PlainText(blockEnd.ReplaceAllStringFunc(html, func(tag string) string {
		if strings.HasPrefix(strings.ToLower(tag), "<br") {
			return "\n"
		}
		return tag + "\n\n"
	}))
	return strings.TrimSpace(blankRuns.ReplaceAllString(text, "\n\n"))
}
