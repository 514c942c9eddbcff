package roundtable

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Kinds of StreamEvent, named as streaming clients know them.
const (
	EventUpdate       = "update"        // a status created, received, or released after review
	EventStatusUpdate = "status.update" // a status edited
	EventDelete       = "delete"        // a status deleted
	EventNotification = "notification"  // a notification created
)

// streamChannel is the PostgreSQL channel the database triggers of
// migration 00021 notify, in the transaction that makes each change.
const streamChannel = "roundtable_stream"

// StreamEvent is a change that streaming clients may hear of. It carries
// ids only: what a viewer may see of it is loaded for that viewer.
type StreamEvent struct {
	Kind string `json:"event"`
	// ID is the status's, or the notification's.
	ID string `json:"id"`
	// AccountID is the recipient of a notification, or the author of a
	// deleted status.
	AccountID string `json:"account"`
	// For a deleted status: its visibility, whether it was posted here,
	// its consultation (Group) if any, and whom it mentioned.
	Visibility Visibility `json:"visibility"`
	Local      bool       `json:"local"`
	GroupID    *string    `json:"group"`
	Mentioned  []string   `json:"mentions"`
}

// Listen delivers the database's stream events to fn, in the order their
// transactions committed, until ctx ends or the connection fails. It calls
// ready once events are being received. It holds one connection of the
// pool while it runs, and closes it when done.
func (s *Store) Listen(ctx context.Context, ready func(), fn func(StreamEvent)) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer func() {
		// The connection is listening: it is closed rather than reused.
		conn.Conn().Close(context.WithoutCancel(ctx))
		conn.Release()
	}()
	if _, err := conn.Exec(ctx, `LISTEN `+streamChannel); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	ready()
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait for stream events: %w", err)
		}
		var ev StreamEvent
		if err := json.Unmarshal([]byte(n.Payload), &ev); err != nil || ev.ID == "" {
			continue // not one of ours
		}
		fn(ev)
	}
}

// Timeline names a timeline a streaming client follows.
type Timeline struct {
	Kind   string // TimelineHome, TimelinePublic or TimelineTag
	Local  bool   // only this instance's statuses (public and tag)
	Remote bool   // only other instances' statuses (public)
	Tag    string // the hashtag, for TimelineTag
	List   string // the list's id, for TimelineList
}

// Timeline kinds.
const (
	TimelineHome   = "home"
	TimelinePublic = "public"
	TimelineTag    = "tag"
	TimelineList   = "list"   // a member's list
	TimelineDirect = "direct" // direct statuses a member may read
)

// TimelineAudience returns those of viewers (account ids; "" for an
// anonymous reader) in whose timeline tl the status statusID now belongs,
// by the rules of the timelines themselves. Signed-in readers never see
// there the statuses of accounts they block, that block them, or that they
// muted.
func (s *Store) TimelineAudience(ctx context.Context, statusID string, tl Timeline, viewers []string) ([]string, error) {
	if len(viewers) == 0 {
		return nil, nil
	}
	var cond string
	args := []any{statusID, viewers}
	switch tl.Kind {
	case TimelineHome:
		cond = `v.id IS NOT NULL AND ` + inHome("v.id")
	case TimelinePublic, TimelineTag:
		cond = `s.visibility = 'public' AND ` + listed + ` AND ` + visibleTo("v.id") +
			` AND (v.id IS NULL OR ` + unblocked("v.id") + `)`
		switch {
		case tl.Local && !tl.Remote:
			cond += ` AND s.local`
		case tl.Remote && !tl.Local:
			cond += ` AND NOT s.local`
		}
		if tl.Kind == TimelineTag {
			cond += ` AND EXISTS (SELECT 1 FROM status_tags t WHERE t.status_id = s.id AND lower(t.name) = lower($3))`
			args = append(args, tl.Tag)
		}
	case TimelineList:
		cond = `v.id IS NOT NULL AND EXISTS (SELECT 1 FROM lists sl JOIN list_accounts sa ON sa.list_id = sl.id
			WHERE sl.id = $3 AND sl.account_id = v.id AND sa.account_id = s.account_id)
			AND ` + unblocked("v.id") + ` AND ` + visibleTo("v.id")
		args = append(args, tl.List)
	case TimelineDirect:
		cond = `v.id IS NOT NULL AND s.visibility = 'direct' AND ` + unblocked("v.id") + ` AND ` + visibleTo("v.id")
	default:
		return nil, fmt.Errorf("timeline %q: %w", tl.Kind, ErrNotFound)
	}
	rows, _ := s.pool.Query(ctx, `SELECT coalesce(v.id, '') FROM statuses s
		CROSS JOIN (SELECT DISTINCT nullif(x, '') AS id FROM unnest($2::text[]) x) v
		WHERE s.id = $1 AND `+cond, args...)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("audience of %s in %s timeline: %w", statusID, tl.Kind, err)
	}
	return out, nil
}

// DeletionAudience returns those of viewers (account ids) whose home
// timeline may have held the deleted status ev: its author, those it
// mentioned, and unless it was direct, the followers of its author or of
// its consultation.
func (s *Store) DeletionAudience(ctx context.Context, ev StreamEvent, viewers []string) ([]string, error) {
	if len(viewers) == 0 {
		return nil, nil
	}
	mentioned := ev.Mentioned
	if mentioned == nil {
		mentioned = []string{}
	}
	rows, _ := s.pool.Query(ctx, `SELECT DISTINCT v FROM unnest($1::text[]) v
		WHERE v = $2 OR v = ANY($3) OR ($4 <> 'direct' AND EXISTS (SELECT 1 FROM follows f
			WHERE f.account_id = v AND f.accepted AND (f.target_account_id = $2 OR f.target_account_id = $5)))`,
		viewers, ev.AccountID, mentioned, string(ev.Visibility), ev.GroupID)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("audience of the deletion of %s: %w", ev.ID, err)
	}
	return out, nil
}
