package roundtable

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Reblogs: an account shares a public or unlisted status with its followers.
// A reblog is its own row, not a status: timelines show it as a wrapper
// status (the booster's, holding the original), and other servers hear of
// it as an Announce. A consultation's announces of its contributions are not
// reblogs: they show as the contributions themselves.

// reblogRow is a stored reblog.
type reblogRow struct {
	ID        string    `db:"id"`
	AccountID string    `db:"account_id"`
	StatusID  string    `db:"status_id"`
	URI       *string   `db:"uri"`
	CreatedAt time.Time `db:"created_at"`
}

// rebloggable checks that a status may be shared: only public and unlisted
// ones, which anyone could see anyway.
func rebloggable(st *Status) error {
	if st.Visibility != Public && st.Visibility != Unlisted {
		return &Refusal{Message: "Only public and unlisted statuses can be reblogged."}
	}
	return nil
}

// Reblog shares a status with the member's followers, notifies its author
// and tells other servers. It returns the reblog: a wrapper status whose
// Reblog is the original. Reblogging twice changes nothing.
func (s *Store) Reblog(ctx context.Context, m *Member, statusID string) (*Status, error) {
	st, err := s.Status(ctx, statusID, m.ID)
	if err != nil {
		return nil, err
	}
	if err := rebloggable(st); err != nil {
		return nil, err
	}
	now := s.Now()
	id := NewID(now)
	uri := s.links.StatusURI(m.Username, id) + "/activity"
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO reblogs (id, account_id, status_id, uri, created_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (account_id, status_id) DO NOTHING`, id, m.ID, st.ID, uri, now)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE statuses SET reblogs_count = reblogs_count + 1 WHERE id = $1`, st.ID); err != nil {
			return err
		}
		if st.AccountID != m.ID {
			if err := s.notify(ctx, tx, st.AccountID, m.ID, NotifyReblog, &st.ID); err != nil {
				return err
			}
		}
		return s.publishReblog(ctx, tx, OutReblog, m.ID, st, uri)
	})
	if err != nil {
		return nil, fmt.Errorf("reblog %s: %w", statusID, err)
	}
	var rid string
	if err := s.pool.QueryRow(ctx, `SELECT id FROM reblogs WHERE account_id = $1 AND status_id = $2`, m.ID, st.ID).Scan(&rid); err != nil {
		return nil, notFound(err, "reblog of "+statusID)
	}
	return s.ReblogByID(ctx, rid, m.ID)
}

// Unreblog takes the member's reblog back and returns the original.
func (s *Store) Unreblog(ctx context.Context, m *Member, statusID string) (*Status, error) {
	st, err := s.Status(ctx, statusID, m.ID)
	if err != nil {
		return nil, err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var uri *string
		err := tx.QueryRow(ctx, `DELETE FROM reblogs WHERE account_id = $1 AND status_id = $2 RETURNING uri`, m.ID, st.ID).Scan(&uri)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.reblogUndone(ctx, tx, st.ID, st.AccountID, m.ID); err != nil {
			return err
		}
		if uri == nil {
			return nil
		}
		return s.publishReblog(ctx, tx, OutUndoReblog, m.ID, st, *uri)
	})
	if err != nil {
		return nil, fmt.Errorf("unreblog %s: %w", statusID, err)
	}
	return s.Status(ctx, statusID, m.ID)
}

// reblogUndone updates the count and withdraws the notification of a
// reblog that was taken back.
func (s *Store) reblogUndone(ctx context.Context, tx pgx.Tx, statusID, authorID, boosterID string) error {
	if _, err := tx.Exec(ctx, `UPDATE statuses SET reblogs_count = greatest(reblogs_count - 1, 0) WHERE id = $1`, statusID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM notifications WHERE account_id = $1 AND from_account_id = $2 AND type = $3 AND status_id = $4`,
		authorID, boosterID, NotifyReblog, statusID)
	return err
}

// publishReblog tells the booster's followers on other servers, and the
// original's author when it is elsewhere, of a reblog or of its undoing.
// A local-only status is never announced.
func (s *Store) publishReblog(ctx context.Context, tx pgx.Tx, kind, boosterID string, st *Status, uri string) error {
	if s.publisher == nil || st.URI == nil || st.LocalOnly {
		return nil
	}
	booster, err := s.actorWhere(ctx, tx, "a.id = $1", boosterID)
	if err != nil {
		return err
	}
	author, err := s.actorWhere(ctx, tx, "a.id = $1", st.AccountID)
	if err != nil {
		return err
	}
	rows, _ := tx.Query(ctx, `SELECT DISTINCT coalesce(a.shared_inbox, a.inbox, '') FROM follows f JOIN accounts a ON a.id = f.account_id
		WHERE f.target_account_id = $1 AND f.accepted AND a.domain IS NOT NULL`, boosterID)
	inboxes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("inboxes for reblog: %w", err)
	}
	if !author.Local() {
		inboxes = append(inboxes, author.DeliveryInbox())
	}
	return s.publish(ctx, tx, &Outgoing{Kind: kind, Actor: booster, Target: author, ActivityID: uri, ObjectURI: *st.URI,
		Object:  &StatusObject{URI: *st.URI, AuthorURI: author.URI, Visibility: st.Visibility, Published: s.Now()},
		Inboxes: inboxes})
}

// ReceiveReblog stores a remote person's Announce (announceURI) of a
// status known here (statusURI), and notifies its author. Announces of
// statuses that are not public or unlisted, or unknown, change nothing.
func (s *Store) ReceiveReblog(ctx context.Context, actor *Account, statusURI, announceURI string, published time.Time) error {
	var statusID, authorID string
	var vis Visibility
	err := s.pool.QueryRow(ctx, `SELECT id, account_id, visibility FROM statuses WHERE uri = $1 AND NOT local_only
		AND hidden_at IS NULL AND held_at IS NULL`, statusURI).Scan(&statusID, &authorID, &vis)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if vis != Public && vis != Unlisted {
		return nil
	}
	now := s.Now()
	if published.IsZero() || published.After(now) {
		published = now
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO reblogs (id, account_id, status_id, uri, created_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT DO NOTHING`, NewID(now), actor.ID, statusID, nullable(announceURI), published)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE statuses SET reblogs_count = reblogs_count + 1 WHERE id = $1`, statusID); err != nil {
			return err
		}
		return s.notify(ctx, tx, authorID, actor.ID, NotifyReblog, &statusID)
	})
}

// ReceiveUndoReblog takes back a remote actor's reblog, named by its
// Announce's id or by the status announced.
func (s *Store) ReceiveUndoReblog(ctx context.Context, actor *Account, announceURI, statusURI string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var statusID, authorID string
		err := tx.QueryRow(ctx, `DELETE FROM reblogs r USING statuses s WHERE r.status_id = s.id AND r.account_id = $1
			AND ((r.uri IS NOT NULL AND r.uri = $2) OR s.uri = $3) RETURNING s.id, s.account_id`,
			actor.ID, announceURI, statusURI).Scan(&statusID, &authorID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		return s.reblogUndone(ctx, tx, statusID, authorID, actor.ID)
	})
}

// RebloggedBy returns the accounts that reblogged a status viewerID can
// see, most recent first, with the reblog ids that page them.
func (s *Store) RebloggedBy(ctx context.Context, statusID, viewerID string, p Page) ([]*Account, []string, error) {
	if _, err := s.Status(ctx, statusID, viewerID); err != nil {
		return nil, nil, err
	}
	p = p.clamp(40, 80)
	where, order, args := p.sql("r.id", 2)
	rows, _ := s.pool.Query(ctx, `SELECT r.id AS cursor, `+accountColumns+` FROM reblogs r JOIN accounts a ON a.id = r.account_id
		WHERE r.status_id = $1 AND a.suspended_at IS NULL`+where+order, append([]any{statusID}, args...)...)
	return collectCursorAccounts(rows, p)
}

// ReblogByID returns a reblog as the wrapper status clients show, if
// viewerID may see the original.
func (s *Store) ReblogByID(ctx context.Context, id, viewerID string) (*Status, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("reblog %q: %w", id, ErrNotFound)
	}
	sts, err := s.entries(ctx, viewerID, Page{}, `SELECT r.id, r.status_id, r.account_id AS booster, r.created_at, r.uri
		FROM reblogs r WHERE r.id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(sts) == 0 {
		return nil, fmt.Errorf("reblog %s: %w", id, ErrNotFound)
	}
	return sts[0], nil
}

// timelineEntry is one item of a timeline that mixes statuses and reblogs:
// a status (Booster nil) or a reblog of one.
type timelineEntry struct {
	ID        string    `db:"id"`
	StatusID  string    `db:"status_id"`
	Booster   *string   `db:"booster"`
	CreatedAt time.Time `db:"created_at"`
	URI       *string   `db:"uri"`
}

// entries runs a timeline query selecting timelineEntry columns, then
// loads the statuses viewerID may see and wraps the reblogs, keeping the
// query's order (reversed for a MinID page).
func (s *Store) entries(ctx context.Context, viewerID string, p Page, sql string, args ...any) ([]*Status, error) {
	rows, _ := s.pool.Query(ctx, sql, args...)
	es, err := pgx.CollectRows(rows, pgx.RowToStructByName[timelineEntry])
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	es = newestFirst(p, es)
	ids := make([]string, 0, len(es))
	var boosters []string
	for _, e := range es {
		ids = append(ids, e.StatusID)
		if e.Booster != nil {
			boosters = append(boosters, *e.Booster)
		}
	}
	sts, err := s.Statuses(ctx, ids, viewerID)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*Status, len(sts))
	for _, st := range sts {
		byID[st.ID] = st
	}
	accounts := map[string]*Account{}
	if len(boosters) > 0 {
		if accounts, err = s.accountsByID(ctx, boosters); err != nil {
			return nil, err
		}
	}
	out := make([]*Status, 0, len(es))
	for _, e := range es {
		st, ok := byID[e.StatusID]
		if !ok {
			continue
		}
		if e.Booster == nil {
			out = append(out, st)
			continue
		}
		booster, ok := accounts[*e.Booster]
		if !ok {
			continue
		}
		out = append(out, wrapReblog(e, booster, st))
	}
	return out, nil
}

// wrapReblog builds the status clients show for a reblog: the booster's,
// empty, holding the original.
func wrapReblog(e timelineEntry, booster *Account, st *Status) *Status {
	return &Status{
		ID: e.ID, AccountID: booster.ID, Account: booster, ThreadID: e.ID, Visibility: st.Visibility,
		CreatedAt: e.CreatedAt, URI: e.URI, ContentType: ContentPlain, Local: booster.Local(),
		RepliesCount: st.RepliesCount, FavouritesCount: st.FavouritesCount, ReblogsCount: st.ReblogsCount,
		Favourited: st.Favourited, Bookmarked: st.Bookmarked, Reblogged: st.Reblogged, Muted: st.Muted, Pinned: false,
		CountsHidden: st.CountsHidden, Mentions: []Account{}, Tags: []string{}, ReplyPolicy: st.ReplyPolicy,
		Reblog: st,
	}
}
