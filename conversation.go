package roundtable

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Conversation is a thread of direct statuses as one member sees it: who
// else takes part, its latest status, and whether that is unread.
type Conversation struct {
	ID         string // the thread's id
	Accounts   []*Account
	LastStatus *Status
	Unread     bool
}

// directOf is the SQL condition under which status s is a direct status
// that the member $1 wrote or is addressed by.
const directOf = `s.visibility = 'direct' AND (s.account_id = $1
	OR EXISTS (SELECT 1 FROM status_mentions dm WHERE dm.status_id = s.id AND dm.account_id = $1))`

// Conversations returns the member's conversations, the most recently
// active first, paged by their latest status.
func (s *Store) Conversations(ctx context.Context, m *Member, p Page) ([]*Conversation, []string, error) {
	p = p.clamp(20, 40)
	where, order, args := p.sql("d.last_id", 2)
	return s.conversations(ctx, m, p, `TRUE`+where+order, append([]any{m.ID}, args...)...)
}

// Conversation returns one of the member's conversations.
func (s *Store) Conversation(ctx context.Context, m *Member, id string) (*Conversation, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("conversation %q: %w", id, ErrNotFound)
	}
	cs, _, err := s.conversations(ctx, m, Page{}, `d.thread_id = $2`, m.ID, id)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("conversation %s: %w", id, ErrNotFound)
	}
	return cs[0], nil
}

func (s *Store) conversations(ctx context.Context, m *Member, p Page, cond string, args ...any) ([]*Conversation, []string, error) {
	rows, _ := s.pool.Query(ctx, `SELECT d.thread_id, d.last_id,
			(d.last_author <> $1 AND (c.read_up_to IS NULL OR d.last_id > c.read_up_to)) AS unread
		FROM (SELECT DISTINCT ON (s.thread_id) s.thread_id, s.id AS last_id, s.account_id AS last_author
			FROM statuses s WHERE `+directOf+` AND `+visibleTo("$1")+`
			ORDER BY s.thread_id, s.id DESC) d
		LEFT JOIN conversation_states c ON c.account_id = $1 AND c.thread_id = d.thread_id
		WHERE (c.removed_up_to IS NULL OR d.last_id > c.removed_up_to) AND `+cond, args...)
	type row struct {
		ThreadID string `db:"thread_id"`
		LastID   string `db:"last_id"`
		Unread   bool   `db:"unread"`
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		return nil, nil, fmt.Errorf("conversations of %s: %w", m.ID, err)
	}
	if len(found) == 0 {
		return []*Conversation{}, nil, nil
	}
	found = newestFirst(p, found)
	cs := make([]*Conversation, len(found))
	lastIDs, threadIDs := make([]string, len(found)), make([]string, len(found))
	for i, f := range found {
		cs[i] = &Conversation{ID: f.ThreadID, Unread: f.Unread, Accounts: []*Account{}}
		lastIDs[i], threadIDs[i] = f.LastID, f.ThreadID
	}
	sts, err := s.Statuses(ctx, lastIDs, m.ID)
	if err != nil {
		return nil, nil, err
	}
	byID := map[string]*Status{}
	for _, st := range sts {
		byID[st.ID] = st
	}
	index := map[string]*Conversation{}
	for i, c := range cs {
		c.LastStatus = byID[lastIDs[i]]
		index[c.ID] = c
	}
	rows, _ = s.pool.Query(ctx, `SELECT DISTINCT s.thread_id, x.account_id
		FROM statuses s, LATERAL (SELECT s.account_id UNION SELECT sm.account_id FROM status_mentions sm WHERE sm.status_id = s.id) x (account_id)
		WHERE s.thread_id = ANY($2) AND `+directOf+` AND x.account_id <> $1 ORDER BY 1, 2`, m.ID, threadIDs)
	var threadID, accountID string
	var members []string
	pairs := map[string][]string{}
	if _, err := pgx.ForEachRow(rows, []any{&threadID, &accountID}, func() error {
		pairs[threadID] = append(pairs[threadID], accountID)
		members = append(members, accountID)
		return nil
	}); err != nil {
		return nil, nil, fmt.Errorf("conversation participants: %w", err)
	}
	accounts, err := s.accountsByID(ctx, members)
	if err != nil {
		return nil, nil, err
	}
	for tid, ids := range pairs {
		for _, id := range ids {
			if a, ok := accounts[id]; ok {
				index[tid].Accounts = append(index[tid].Accounts, a)
			}
		}
	}
	out := cs[:0]
	cursors := []string{}
	for i, c := range cs {
		if c.LastStatus != nil {
			out = append(out, c)
			cursors = append(cursors, lastIDs[i])
		}
	}
	return out, cursors, nil
}

// MarkConversationRead marks one of the member's conversations as read up
// to its latest status.
func (s *Store) MarkConversationRead(ctx context.Context, m *Member, id string) (*Conversation, error) {
	c, err := s.Conversation(ctx, m, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO conversation_states (account_id, thread_id, read_up_to) VALUES ($1, $2, $3)
		ON CONFLICT (account_id, thread_id) DO UPDATE SET read_up_to = excluded.read_up_to`, m.ID, c.ID, c.LastStatus.ID); err != nil {
		return nil, fmt.Errorf("read conversation %s: %w", id, err)
	}
	c.Unread = false
	return c, nil
}

// RemoveConversation takes a conversation out of the member's list until
// a new status comes in it. The statuses stay.
func (s *Store) RemoveConversation(ctx context.Context, m *Member, id string) error {
	c, err := s.Conversation(ctx, m, id)
	if err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO conversation_states (account_id, thread_id, removed_up_to, read_up_to) VALUES ($1, $2, $3, $3)
		ON CONFLICT (account_id, thread_id) DO UPDATE SET removed_up_to = excluded.removed_up_to, read_up_to = excluded.read_up_to`,
		m.ID, c.ID, c.LastStatus.ID); err != nil {
		return fmt.Errorf("remove conversation %s: %w", id, err)
	}
	return nil
}
