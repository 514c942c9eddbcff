package roundtable

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Notification types, as the client API names them.
const (
	NotifyMention       = "mention"
	NotifyFavourite     = "favourite"
	NotifyFollow        = "follow"
	NotifyFollowRequest = "follow_request"
	NotifyReblog        = "reblog"
	NotifyStatus        = "status"
	NotifyUpdate        = "update"
	NotifyPoll          = "poll"
	// NotifyRefused tells a member that a consultation on another server
	// refused their contribution; the notification's Reason says why.
	NotifyRefused = "contribution_refused"
	// NotifySevered tells a member that follows were cut because the
	// instance blocked another (Reason says which, and how many).
	NotifySevered = "severed_relationships"
	// NotifyWarning tells a member of a moderator's decision about their
	// account (Mastodon's moderation_warning); WarningID names it.
	NotifyWarning = "moderation_warning"
	// NotifyAppeal tells a member that their appeal was decided; Reason
	// says how and why, WarningID names the warning.
	NotifyAppeal = "moderation_appeal"
	// NotifyReportResolved tells a reporter the outcome of their report.
	NotifyReportResolved = "report_resolved"
	// NotifyBanned tells a member that a consultation banned them; the
	// notification is from its Group and Reason says why.
	NotifyBanned = "consultation_ban"
	// NotifyHeld tells a member that a consultation here holds their
	// contribution until a facilitator approves it (Reason says so).
	NotifyHeld = "contribution_held"
)

// NotificationTypes lists every type a notification may have.
var NotificationTypes = []string{NotifyMention, NotifyStatus, NotifyReblog, NotifyFollow, NotifyFollowRequest,
	NotifyFavourite, NotifyPoll, NotifyUpdate, NotifyRefused, NotifySevered, NotifyWarning, NotifyAppeal,
	NotifyReportResolved, NotifyBanned, NotifyHeld, NotifyEdition}

// Notification tells a member that someone did something that concerns it.
type Notification struct {
	ID            string    `db:"id"`
	AccountID     string    `db:"account_id"`
	FromAccountID string    `db:"from_account_id"`
	Type          string    `db:"type"`
	StatusID      *string   `db:"status_id"`
	CreatedAt     time.Time `db:"created_at"`
	Reason        *string   `db:"reason"` // why, for NotifyRefused
	WarningID     *string   `db:"warning_id"`

	Warning *Warning `db:"-"`

	From   *Account `db:"-"`
	Status *Status  `db:"-"`
}

// notify records a notification for accountID inside tx.
func (s *Store) notify(ctx context.Context, tx pgx.Tx, accountID, fromID, typ string, statusID *string) error {
	now := s.Now()
	_, err := tx.Exec(ctx, `INSERT INTO notifications (id, account_id, from_account_id, type, status_id, created_at)
		SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM members WHERE account_id = $2)
		AND NOT EXISTS (SELECT 1 FROM blocks WHERE account_id = $2 AND target_account_id = $3)
		AND NOT EXISTS (SELECT 1 FROM mutes WHERE account_id = $2 AND target_account_id = $3)
		AND NOT EXISTS (SELECT 1 FROM statuses ms JOIN conversation_mutes cm ON cm.thread_id = ms.thread_id
			WHERE ms.id = $5 AND cm.account_id = $2)`,
		NewID(now), accountID, fromID, typ, statusID, now)
	if err != nil {
		return fmt.Errorf("notify %s: %w", accountID, err)
	}
	return nil
}

// NotificationFilter narrows a member's notifications.
type NotificationFilter struct {
	Types        []string // only these types; empty for all
	ExcludeTypes []string
	FromID       string // only from this account
}

const notificationColumns = `n.id, n.account_id, n.from_account_id, n.type, n.status_id, n.created_at, n.reason, n.warning_id`

// Notifications returns the member's notifications, newest first.
func (s *Store) Notifications(ctx context.Context, m *Member, f NotificationFilter, p Page) ([]*Notification, error) {
	p = p.clamp(40, 80)
	where, order, args := p.sql("n.id", 5)
	types := f.Types
	if len(types) == 0 {
		types = NotificationTypes
	}
	exclude := f.ExcludeTypes
	if exclude == nil {
		exclude = []string{}
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+notificationColumns+` FROM notifications n
		WHERE n.account_id = $1 AND n.type = ANY($2) AND NOT n.type = ANY($3) AND ($4::text IS NULL OR n.from_account_id = $4)`+
		where+order, append([]any{m.ID, types, exclude, nullable(f.FromID)}, args...)...)
	ns, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Notification])
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	ns = newestFirst(p, ns)
	return ns, s.hydrateNotifications(ctx, m, ns)
}

// Notification returns one of the member's notifications.
func (s *Store) Notification(ctx context.Context, m *Member, id string) (*Notification, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("notification %q: %w", id, ErrNotFound)
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+notificationColumns+` FROM notifications n WHERE n.id = $1 AND n.account_id = $2`, id, m.ID)
	n, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Notification])
	if err != nil {
		return nil, notFound(err, "notification "+id)
	}
	return n, s.hydrateNotifications(ctx, m, []*Notification{n})
}

// DismissNotification deletes one of the member's notifications.
func (s *Store) DismissNotification(ctx context.Context, m *Member, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM notifications WHERE id = $1 AND account_id = $2`, id, m.ID)
	if err != nil {
		return fmt.Errorf("dismiss notification %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("notification %s: %w", id, ErrNotFound)
	}
	return nil
}

// ClearNotifications deletes all of the member's notifications.
func (s *Store) ClearNotifications(ctx context.Context, m *Member) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM notifications WHERE account_id = $1`, m.ID); err != nil {
		return fmt.Errorf("clear notifications: %w", err)
	}
	return nil
}

// UnreadNotifications counts the member's notifications newer than
// sinceID (all when empty), up to limit.
func (s *Store) UnreadNotifications(ctx context.Context, m *Member, sinceID string, limit int) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM notifications
		WHERE account_id = $1 AND id > $2 LIMIT $3) x`, m.ID, sinceID, limit).Scan(&n)
	return n, err
}

func (s *Store) hydrateNotifications(ctx context.Context, m *Member, ns []*Notification) error {
	if len(ns) == 0 {
		return nil
	}
	var accountIDs, statusIDs []string
	for _, n := range ns {
		accountIDs = append(accountIDs, n.FromAccountID)
		if n.StatusID != nil {
			statusIDs = append(statusIDs, *n.StatusID)
		}
	}
	accounts, err := s.accountsByID(ctx, accountIDs)
	if err != nil {
		return err
	}
	sts, err := s.Statuses(ctx, statusIDs, m.ID)
	if err != nil {
		return err
	}
	byID := map[string]*Status{}
	for _, st := range sts {
		byID[st.ID] = st
	}
	for _, n := range ns {
		n.From = accounts[n.FromAccountID]
		if n.StatusID != nil {
			n.Status = byID[*n.StatusID]
		}
		if n.WarningID != nil {
			if n.Warning, err = s.warning(ctx, s.pool, *n.WarningID); err != nil {
				return err
			}
		}
	}
	return nil
}
