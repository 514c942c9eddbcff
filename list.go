package roundtable

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// List is a member's own grouping of accounts it follows, read as a
// timeline of their statuses.
type List struct {
	ID        string `db:"id"`
	AccountID string `db:"account_id"`
	Title     string `db:"title"`
	// RepliesPolicy says which replies to others the list shows: those to
	// any account the owner follows, to members of the list, or none.
	RepliesPolicy string    `db:"replies_policy"`
	Exclusive     bool      `db:"exclusive"` // its accounts' statuses stay out of home
	CreatedAt     time.Time `db:"created_at"`
}

// Replies policies of a list.
const (
	RepliesFollowed = "followed"
	RepliesList     = "list"
	RepliesNone     = "none"
)

// ListChange is what creating or updating a list sets; nil leaves a field
// as it is (or at its default).
type ListChange struct {
	Title         *string
	RepliesPolicy *string
	Exclusive     *bool
}

const maxListTitle = 100

func (c ListChange) validate(creating bool) error {
	if c.Title != nil || creating {
		if c.Title == nil || strings.TrimSpace(*c.Title) == "" {
			return Invalid("title", "can't be blank")
		}
		if utf8.RuneCountInString(*c.Title) > maxListTitle {
			return Invalid("title", "is too long (at most %d characters)", maxListTitle)
		}
	}
	if c.RepliesPolicy != nil {
		switch *c.RepliesPolicy {
		case RepliesFollowed, RepliesList, RepliesNone:
		default:
			return Invalid("replies_policy", "must be followed, list or none")
		}
	}
	return nil
}

const listColumns = `l.id, l.account_id, l.title, l.replies_policy, l.exclusive, l.created_at`

// Lists returns the member's lists, oldest first.
func (s *Store) Lists(ctx context.Context, m *Member) ([]*List, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+listColumns+` FROM lists l WHERE l.account_id = $1 ORDER BY l.id LIMIT 1000`, m.ID)
	ls, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[List])
	if err != nil {
		return nil, fmt.Errorf("lists of %s: %w", m.ID, err)
	}
	return ls, nil
}

// List returns one of the member's lists; another member's is not found.
func (s *Store) List(ctx context.Context, m *Member, id string) (*List, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("list %q: %w", id, ErrNotFound)
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+listColumns+` FROM lists l WHERE l.id = $1 AND l.account_id = $2`, id, m.ID)
	l, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[List])
	if err != nil {
		return nil, notFound(err, "list "+id)
	}
	return l, nil
}

// maxLists is how many lists a member may have.
const maxLists = 50

// CreateList creates a list of the member's.
func (s *Store) CreateList(ctx context.Context, m *Member, c ListChange) (*List, error) {
	if err := c.validate(true); err != nil {
		return nil, err
	}
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM lists WHERE account_id = $1`, m.ID).Scan(&n); err != nil {
		return nil, err
	}
	if n >= maxLists {
		return nil, Invalid("", "You have reached the limit of %d lists", maxLists)
	}
	l := &List{ID: NewID(s.Now()), AccountID: m.ID, Title: strings.TrimSpace(*c.Title), RepliesPolicy: RepliesList, CreatedAt: s.Now()}
	if c.RepliesPolicy != nil {
		l.RepliesPolicy = *c.RepliesPolicy
	}
	if c.Exclusive != nil {
		l.Exclusive = *c.Exclusive
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO lists (id, account_id, title, replies_policy, exclusive, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, l.ID, l.AccountID, l.Title, l.RepliesPolicy, l.Exclusive, l.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("create list: %w", err)
	}
	return l, nil
}

// UpdateList changes one of the member's lists.
func (s *Store) UpdateList(ctx context.Context, m *Member, id string, c ListChange) (*List, error) {
	l, err := s.List(ctx, m, id)
	if err != nil {
		return nil, err
	}
	if err := c.validate(false); err != nil {
		return nil, err
	}
	if c.Title != nil {
		l.Title = strings.TrimSpace(*c.Title)
	}
	if c.RepliesPolicy != nil {
		l.RepliesPolicy = *c.RepliesPolicy
	}
	if c.Exclusive != nil {
		l.Exclusive = *c.Exclusive
	}
	_, err = s.pool.Exec(ctx, `UPDATE lists SET title = $2, replies_policy = $3, exclusive = $4 WHERE id = $1`,
		l.ID, l.Title, l.RepliesPolicy, l.Exclusive)
	if err != nil {
		return nil, fmt.Errorf("update list %s: %w", id, err)
	}
	return l, nil
}

// DeleteList deletes one of the member's lists.
func (s *Store) DeleteList(ctx context.Context, m *Member, id string) error {
	if _, err := s.List(ctx, m, id); err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM lists WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete list %s: %w", id, err)
	}
	return nil
}

// ListAccounts returns the accounts of one of the member's lists, paged by
// account; a Page without Limit returns them all.
func (s *Store) ListAccounts(ctx context.Context, m *Member, id string, p Page) ([]*Account, []string, error) {
	if _, err := s.List(ctx, m, id); err != nil {
		return nil, nil, err
	}
	if p.Limit == 0 && p.MaxID == "" && p.MinID == "" && p.SinceID == "" {
		p.Limit = 10000
	} else {
		p = p.clamp(40, 80)
	}
	where, order, args := p.sql("la.account_id", 2)
	rows, _ := s.pool.Query(ctx, `SELECT la.account_id AS cursor, `+accountColumns+` FROM list_accounts la
		JOIN accounts a ON a.id = la.account_id WHERE la.list_id = $1`+where+order, append([]any{id}, args...)...)
	return collectCursorAccounts(rows, p)
}

// maxListAccounts is how many accounts a list may hold.
const maxListAccounts = 500

// AddListAccounts puts accounts in one of the member's lists. Every one
// must be an account the member follows; otherwise nothing changes.
func (s *Store) AddListAccounts(ctx context.Context, m *Member, id string, accountIDs []string) error {
	if _, err := s.List(ctx, m, id); err != nil {
		return err
	}
	if len(accountIDs) == 0 {
		return Invalid("account_ids", "can't be blank")
	}
	for _, aid := range accountIDs {
		if !ValidID(aid) {
			return fmt.Errorf("account %q: %w", aid, ErrNotFound)
		}
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		for _, aid := range accountIDs {
			var exists, following bool
			err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM accounts WHERE id = $2),
				EXISTS (SELECT 1 FROM follows WHERE account_id = $1 AND target_account_id = $2 AND accepted)`,
				m.ID, aid).Scan(&exists, &following)
			if err != nil {
				return err
			}
			if !exists {
				return fmt.Errorf("account %s: %w", aid, ErrNotFound)
			}
			if !following {
				return Invalid("account_ids", "you can only add accounts you follow to a list")
			}
			tag, err := tx.Exec(ctx, `INSERT INTO list_accounts (list_id, account_id, created_at) VALUES ($1, $2, $3)
				ON CONFLICT DO NOTHING`, id, aid, s.Now())
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return Invalid("account_ids", "the account is already in this list")
			}
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM list_accounts WHERE list_id = $1`, id).Scan(&n); err != nil {
			return err
		}
		if n > maxListAccounts {
			return Invalid("account_ids", "a list holds at most %d accounts", maxListAccounts)
		}
		return nil
	})
}

// RemoveListAccounts takes accounts out of one of the member's lists.
func (s *Store) RemoveListAccounts(ctx context.Context, m *Member, id string, accountIDs []string) error {
	if _, err := s.List(ctx, m, id); err != nil {
		return err
	}
	if len(accountIDs) == 0 {
		return Invalid("account_ids", "can't be blank")
	}
	_, err := s.pool.Exec(ctx, `DELETE FROM list_accounts WHERE list_id = $1 AND account_id = ANY($2)`, id, accountIDs)
	if err != nil {
		return fmt.Errorf("remove accounts from list %s: %w", id, err)
	}
	return nil
}

// AccountLists returns the member's lists that hold accountID.
func (s *Store) AccountLists(ctx context.Context, m *Member, accountID string) ([]*List, error) {
	if _, err := s.Account(ctx, accountID); err != nil {
		return nil, err
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+listColumns+` FROM lists l JOIN list_accounts la ON la.list_id = l.id
		WHERE l.account_id = $1 AND la.account_id = $2 ORDER BY l.id`, m.ID, accountID)
	ls, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[List])
	if err != nil {
		return nil, fmt.Errorf("lists holding %s: %w", accountID, err)
	}
	return ls, nil
}

// ListTimeline returns the statuses of the accounts in one of the member's
// lists that the member may see, newest first. A reply to someone else
// than its author shows as the list's replies policy says; a reply to the
// member always shows.
func (s *Store) ListTimeline(ctx context.Context, m *Member, id string, p Page) ([]*Status, error) {
	l, err := s.List(ctx, m, id)
	if err != nil {
		return nil, err
	}
	p = p.clamp(20, 40)
	where, order, args := p.sql("s.id", 3)
	var replies string
	switch l.RepliesPolicy {
	case RepliesFollowed:
		replies = ` OR EXISTS (SELECT 1 FROM follows rf WHERE rf.account_id = $1 AND rf.target_account_id = s.in_reply_to_account_id AND rf.accepted)`
	case RepliesList:
		replies = ` OR EXISTS (SELECT 1 FROM list_accounts rl WHERE rl.list_id = $2 AND rl.account_id = s.in_reply_to_account_id)`
	}
	return s.statusList(ctx, m.ID, p, `SELECT `+statusColumns+` FROM statuses s
		WHERE s.account_id IN (SELECT account_id FROM list_accounts WHERE list_id = $2)
		AND (s.in_reply_to_id IS NULL OR s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id
			OR s.in_reply_to_account_id = $1`+replies+`)
		AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.account_id = $1 AND b.target_account_id = s.account_id)
			OR (b.account_id = s.account_id AND b.target_account_id = $1))
		AND NOT EXISTS (SELECT 1 FROM mutes u WHERE u.account_id = $1 AND u.target_account_id = s.account_id)
		AND `+visibleTo("$1")+where+order, append([]any{m.ID, l.ID}, args...)...)
}

// inExclusiveList is the SQL condition under which status s is by an
// account that the member $1 reads in one of its exclusive lists, and so
// not in its home timeline. Its first test is computed once per query.
func inExclusiveList(n string) string {
	return `(EXISTS (SELECT 1 FROM lists xe WHERE xe.account_id = ` + n + ` AND xe.exclusive)
	AND EXISTS (SELECT 1 FROM list_accounts xa JOIN lists xl ON xl.id = xa.list_id
		WHERE xl.account_id = ` + n + ` AND xl.exclusive AND xa.account_id = s.account_id AND s.account_id <> ` + n + `))`
}
