package roundtable

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Favourite marks a status as liked by the member and notifies its author.
// Favouriting twice changes nothing.
func (s *Store) Favourite(ctx context.Context, m *Member, statusID string) (*Status, error) {
	st, err := s.Status(ctx, statusID, m.ID)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	favID := NewID(now)
	likeURI := s.links.Actor(m.Username) + "#likes/" + favID
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO favourites (id, account_id, status_id, created_at, uri) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (account_id, status_id) DO NOTHING`, favID, m.ID, st.ID, now, likeURI)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE statuses SET favourites_count = favourites_count + 1 WHERE id = $1`, st.ID); err != nil {
			return err
		}
		if st.AccountID == m.ID {
			return nil
		}
		if err := s.notify(ctx, tx, st.AccountID, m.ID, NotifyFavourite, &st.ID); err != nil {
			return err
		}
		return s.publishLike(ctx, tx, OutLike, m.ID, st, likeURI)
	})
	if err != nil {
		return nil, fmt.Errorf("favourite %s: %w", statusID, err)
	}
	return s.Status(ctx, statusID, m.ID)
}

// Unfavourite takes the member's like back.
func (s *Store) Unfavourite(ctx context.Context, m *Member, statusID string) (*Status, error) {
	st, err := s.Status(ctx, statusID, m.ID)
	if err != nil {
		return nil, err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var likeURI *string
		err := tx.QueryRow(ctx, `DELETE FROM favourites WHERE account_id = $1 AND status_id = $2 RETURNING uri`, m.ID, st.ID).Scan(&likeURI)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if likeURI != nil {
			if err := s.publishLike(ctx, tx, OutUndoLike, m.ID, st, *likeURI); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE statuses SET favourites_count = greatest(favourites_count - 1, 0) WHERE id = $1`, st.ID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM notifications WHERE account_id = $1 AND from_account_id = $2 AND type = $3 AND status_id = $4`,
			st.AccountID, m.ID, NotifyFavourite, st.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("unfavourite %s: %w", statusID, err)
	}
	return s.Status(ctx, statusID, m.ID)
}

// Bookmark keeps a status in the member's private bookmarks.
func (s *Store) Bookmark(ctx context.Context, m *Member, statusID string) (*Status, error) {
	st, err := s.Status(ctx, statusID, m.ID)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	if _, err := s.pool.Exec(ctx, `INSERT INTO bookmarks (id, account_id, status_id, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (account_id, status_id) DO NOTHING`, NewID(now), m.ID, st.ID, now); err != nil {
		return nil, fmt.Errorf("bookmark %s: %w", statusID, err)
	}
	return s.Status(ctx, statusID, m.ID)
}

// Unbookmark removes a status from the member's bookmarks.
func (s *Store) Unbookmark(ctx context.Context, m *Member, statusID string) (*Status, error) {
	st, err := s.Status(ctx, statusID, m.ID)
	if err != nil {
		return nil, err
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM bookmarks WHERE account_id = $1 AND status_id = $2`, m.ID, st.ID); err != nil {
		return nil, fmt.Errorf("unbookmark %s: %w", statusID, err)
	}
	return s.Status(ctx, statusID, m.ID)
}

// Favourites returns the statuses the member liked, most recently liked
// first. The page cursors are favourite ids, not status ids.
func (s *Store) Favourites(ctx context.Context, m *Member, p Page) ([]*Status, []string, error) {
	return s.markedStatuses(ctx, "favourites", m, p)
}

// Bookmarks returns the member's bookmarks, most recent first, with the
// bookmark ids that page them.
func (s *Store) Bookmarks(ctx context.Context, m *Member, p Page) ([]*Status, []string, error) {
	return s.markedStatuses(ctx, "bookmarks", m, p)
}

func (s *Store) markedStatuses(ctx context.Context, table string, m *Member, p Page) ([]*Status, []string, error) {
	p = p.clamp(20, 40)
	where, order, args := p.sql("x.id", 2)
	rows, _ := s.pool.Query(ctx, `SELECT x.id, x.status_id FROM `+table+` x WHERE x.account_id = $1`+where+order,
		append([]any{m.ID}, args...)...)
	type mark struct {
		ID       string `db:"id"`
		StatusID string `db:"status_id"`
	}
	marks, err := pgx.CollectRows(rows, pgx.RowToStructByName[mark])
	if err != nil {
		return nil, nil, fmt.Errorf("list %s: %w", table, err)
	}
	marks = newestFirst(p, marks)
	ids := make([]string, len(marks))
	for i, mk := range marks {
		ids[i] = mk.StatusID
	}
	sts, err := s.Statuses(ctx, ids, m.ID)
	if err != nil {
		return nil, nil, err
	}
	cursors := make([]string, 0, len(sts))
	visible := map[string]bool{}
	for _, st := range sts {
		visible[st.ID] = true
	}
	for _, mk := range marks {
		if visible[mk.StatusID] {
			cursors = append(cursors, mk.ID)
		}
	}
	return sts, cursors, nil
}

// FavouritedBy returns the accounts that liked a status viewerID can see.
func (s *Store) FavouritedBy(ctx context.Context, statusID, viewerID string, p Page) ([]*Account, []string, error) {
	if _, err := s.Status(ctx, statusID, viewerID); err != nil {
		return nil, nil, err
	}
	p = p.clamp(40, 80)
	where, order, args := p.sql("f.id", 2)
	rows, _ := s.pool.Query(ctx, `SELECT f.id AS cursor, `+accountColumns+` FROM favourites f JOIN accounts a ON a.id = f.account_id
		WHERE f.status_id = $1`+where+order, append([]any{statusID}, args...)...)
	return collectCursorAccounts(rows, p)
}

type cursorAccount struct {
	Cursor string `db:"cursor"`
	Account
}

func collectCursorAccounts(rows pgx.Rows, p Page) ([]*Account, []string, error) {
	cas, err := pgx.CollectRows(rows, pgx.RowToStructByName[cursorAccount])
	if err != nil {
		return nil, nil, fmt.Errorf("list accounts: %w", err)
	}
	cas = newestFirst(p, cas)
	accounts := make([]*Account, len(cas))
	cursors := make([]string, len(cas))
	for i := range cas {
		accounts[i] = &cas[i].Account
		cursors[i] = cas[i].Cursor
	}
	return accounts, cursors, nil
}

// publishLike tells a remote author's server of a like, or of its undoing.
func (s *Store) publishLike(ctx context.Context, tx pgx.Tx, kind, likerID string, st *Status, likeURI string) error {
	if s.publisher == nil || st.URI == nil {
		return nil
	}
	author, err := s.actorWhere(ctx, tx, "a.id = $1", st.AccountID)
	if err != nil || author.Local() {
		return err
	}
	liker, err := s.actorWhere(ctx, tx, "a.id = $1", likerID)
	if err != nil {
		return err
	}
	return s.publish(ctx, tx, &Outgoing{Kind: kind, Actor: liker, Target: author, ObjectURI: *st.URI,
		ActivityID: likeURI, Inboxes: []string{author.DeliveryInbox()}})
}
