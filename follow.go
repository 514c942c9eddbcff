package roundtable

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Relationship is how the viewer and another account stand to each other.
type Relationship struct {
	ID          string
	Following   bool
	Requested   bool // the viewer's follow awaits approval
	FollowedBy  bool
	RequestedBy bool // the other account's follow awaits the viewer's approval
	ShowReblogs bool
	Notifying   bool
	Blocking    bool
	BlockedBy   bool
	Muting      bool
}

// Follow makes the member follow target. A locked target gets a follow
// request instead; following again changes nothing.
func (s *Store) Follow(ctx context.Context, m *Member, targetID string) (*Relationship, error) {
	target, err := s.Account(ctx, targetID)
	if err != nil {
		return nil, err
	}
	if target.ID == m.ID {
		return nil, Invalid("id", "you cannot follow yourself")
	}
	if target.Username == InstanceActorName && target.Local() {
		return nil, fmt.Errorf("follow the instance actor: %w", ErrNotFound)
	}
	var blocked bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM blocks WHERE (account_id = $1 AND target_account_id = $2)
		OR (account_id = $2 AND target_account_id = $1))`, m.ID, target.ID).Scan(&blocked); err != nil {
		return nil, err
	}
	if blocked {
		return nil, &Refusal{Message: "You cannot follow this account: one of you blocks the other."}
	}
	now := s.Now()
	// A remote account answers with Accept or Reject; until then the
	// follow is pending.
	accepted := !target.Locked && target.Local()
	followID := NewID(now)
	followURI := s.links.Actor(m.Username) + "#follows/" + followID
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO follows (id, account_id, target_account_id, accepted, created_at, uri)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, target_account_id) DO NOTHING`,
			followID, m.ID, target.ID, accepted, now, followURI)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		if !target.Local() {
			return s.publishFollow(ctx, tx, OutFollow, m.ID, target.ID, followURI)
		}
		if !accepted {
			return s.notify(ctx, tx, target.ID, m.ID, NotifyFollowRequest, nil)
		}
		if err := adjustFollowCounts(ctx, tx, m.ID, target.ID, 1); err != nil {
			return err
		}
		return s.notify(ctx, tx, target.ID, m.ID, NotifyFollow, nil)
	})
	if err != nil {
		return nil, fmt.Errorf("follow %s: %w", targetID, err)
	}
	return s.Relationship(ctx, m.ID, target.ID)
}

// Unfollow ends the member's follow of target, or withdraws its request.
func (s *Store) Unfollow(ctx context.Context, m *Member, targetID string) (*Relationship, error) {
	target, err := s.Account(ctx, targetID)
	if err != nil {
		return nil, err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var accepted bool
		var followURI *string
		err := tx.QueryRow(ctx, `DELETE FROM follows WHERE account_id = $1 AND target_account_id = $2 RETURNING accepted, uri`,
			m.ID, target.ID).Scan(&accepted, &followURI)
		if err == pgx.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		if !target.Local() {
			if err := s.publishFollow(ctx, tx, OutUndoFollow, m.ID, target.ID, deref(followURI)); err != nil {
				return err
			}
		}
		if !accepted {
			_, err = tx.Exec(ctx, `DELETE FROM notifications WHERE account_id = $1 AND from_account_id = $2 AND type = $3`,
				target.ID, m.ID, NotifyFollowRequest)
			return err
		}
		return adjustFollowCounts(ctx, tx, m.ID, target.ID, -1)
	})
	if err != nil {
		return nil, fmt.Errorf("unfollow %s: %w", targetID, err)
	}
	return s.Relationship(ctx, m.ID, target.ID)
}

// AuthorizeFollow accepts a pending follow request from followerID.
func (s *Store) AuthorizeFollow(ctx context.Context, m *Member, followerID string) (*Relationship, error) {
	if err := s.authorizeFollow(ctx, m.ID, followerID); err != nil {
		return nil, err
	}
	return s.Relationship(ctx, m.ID, followerID)
}

// authorizeFollow accepts followerID's pending follow of targetID.
func (s *Store) authorizeFollow(ctx context.Context, targetID, followerID string) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var followURI *string
		err := tx.QueryRow(ctx, `UPDATE follows SET accepted = true WHERE account_id = $1 AND target_account_id = $2 AND NOT accepted
			RETURNING uri`, followerID, targetID).Scan(&followURI)
		if err == pgx.ErrNoRows {
			return fmt.Errorf("follow request: %w", ErrNotFound)
		}
		if err != nil {
			return err
		}
		if err := s.answerFollow(ctx, tx, OutAccept, targetID, followerID, followURI); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM notifications WHERE account_id = $1 AND from_account_id = $2 AND type = $3`,
			targetID, followerID, NotifyFollowRequest); err != nil {
			return err
		}
		if err := adjustFollowCounts(ctx, tx, followerID, targetID, 1); err != nil {
			return err
		}
		return s.notify(ctx, tx, targetID, followerID, NotifyFollow, nil)
	})
	if err != nil {
		return fmt.Errorf("authorize follow of %s: %w", followerID, err)
	}
	return nil
}

// RejectFollow refuses a pending follow request from followerID.
func (s *Store) RejectFollow(ctx context.Context, m *Member, followerID string) (*Relationship, error) {
	if err := s.rejectFollow(ctx, m.ID, followerID); err != nil {
		return nil, err
	}
	return s.Relationship(ctx, m.ID, followerID)
}

// rejectFollow refuses followerID's pending follow of targetID.
func (s *Store) rejectFollow(ctx context.Context, targetID, followerID string) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var followURI *string
		err := tx.QueryRow(ctx, `DELETE FROM follows WHERE account_id = $1 AND target_account_id = $2 AND NOT accepted
			RETURNING uri`, followerID, targetID).Scan(&followURI)
		if err == pgx.ErrNoRows {
			return fmt.Errorf("follow request: %w", ErrNotFound)
		}
		if err != nil {
			return err
		}
		if err := s.answerFollow(ctx, tx, OutReject, targetID, followerID, followURI); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM notifications WHERE account_id = $1 AND from_account_id = $2 AND type = $3`,
			targetID, followerID, NotifyFollowRequest)
		return err
	})
	if err != nil {
		return fmt.Errorf("reject follow of %s: %w", followerID, err)
	}
	return nil
}

func adjustFollowCounts(ctx context.Context, tx pgx.Tx, followerID, targetID string, d int) error {
	if _, err := tx.Exec(ctx, `UPDATE accounts SET following_count = greatest(following_count + $2, 0) WHERE id = $1`, followerID, d); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE accounts SET followers_count = greatest(followers_count + $2, 0) WHERE id = $1`, targetID, d)
	return err
}

// Relationship returns how viewerID and otherID stand to each other.
func (s *Store) Relationship(ctx context.Context, viewerID, otherID string) (*Relationship, error) {
	rs, err := s.Relationships(ctx, viewerID, []string{otherID})
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("account %s: %w", otherID, ErrNotFound)
	}
	return rs[0], nil
}

// Relationships returns the viewer's relationships with each existing
// account in ids, in the order given.
func (s *Store) Relationships(ctx context.Context, viewerID string, ids []string) ([]*Relationship, error) {
	valid := make([]string, 0, len(ids))
	for _, id := range ids {
		if ValidID(id) {
			valid = append(valid, id)
		}
	}
	rows, _ := s.pool.Query(ctx, `SELECT a.id,
		coalesce(o.accepted, false), coalesce(NOT o.accepted, false), coalesce(o.show_reblogs, true), coalesce(o.notify, false),
		coalesce(i.accepted, false), coalesce(NOT i.accepted, false),
		EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = $1 AND b.target_account_id = a.id),
		EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = a.id AND b.target_account_id = $1),
		EXISTS (SELECT 1 FROM mutes u WHERE u.account_id = $1 AND u.target_account_id = a.id)
		FROM accounts a
		LEFT JOIN follows o ON o.account_id = $1 AND o.target_account_id = a.id
		LEFT JOIN follows i ON i.account_id = a.id AND i.target_account_id = $1
		WHERE a.id = ANY($2)`, viewerID, valid)
	byID := map[string]*Relationship{}
	var r Relationship
	_, err := pgx.ForEachRow(rows, []any{&r.ID, &r.Following, &r.Requested, &r.ShowReblogs, &r.Notifying, &r.FollowedBy, &r.RequestedBy,
		&r.Blocking, &r.BlockedBy, &r.Muting},
		func() error {
			c := r
			byID[r.ID] = &c
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("relationships: %w", err)
	}
	out := make([]*Relationship, 0, len(byID))
	for _, id := range valid {
		if r, ok := byID[id]; ok {
			out = append(out, r)
			delete(byID, id)
		}
	}
	return out, nil
}

// Followers returns the accounts that follow accountID, most recent first,
// with the follow ids that page them.
func (s *Store) Followers(ctx context.Context, accountID string, p Page) ([]*Account, []string, error) {
	if _, err := s.Account(ctx, accountID); err != nil {
		return nil, nil, err
	}
	p = p.clamp(40, 80)
	where, order, args := p.sql("f.id", 2)
	rows, _ := s.reader(ctx).Query(ctx, `SELECT f.id AS cursor, `+accountColumns+` FROM follows f JOIN accounts a ON a.id = f.account_id
		WHERE f.target_account_id = $1 AND f.accepted`+where+order, append([]any{accountID}, args...)...)
	return collectCursorAccounts(rows, p)
}

// Following returns the accounts accountID follows, most recent first.
func (s *Store) Following(ctx context.Context, accountID string, p Page) ([]*Account, []string, error) {
	if _, err := s.Account(ctx, accountID); err != nil {
		return nil, nil, err
	}
	p = p.clamp(40, 80)
	where, order, args := p.sql("f.id", 2)
	rows, _ := s.reader(ctx).Query(ctx, `SELECT f.id AS cursor, `+accountColumns+` FROM follows f JOIN accounts a ON a.id = f.target_account_id
		WHERE f.account_id = $1 AND f.accepted`+where+order, append([]any{accountID}, args...)...)
	return collectCursorAccounts(rows, p)
}

// FollowRequests returns the accounts waiting for the member's approval.
func (s *Store) FollowRequests(ctx context.Context, m *Member, p Page) ([]*Account, []string, error) {
	p = p.clamp(40, 80)
	where, order, args := p.sql("f.id", 2)
	rows, _ := s.pool.Query(ctx, `SELECT f.id AS cursor, `+accountColumns+` FROM follows f JOIN accounts a ON a.id = f.account_id
		WHERE f.target_account_id = $1 AND NOT f.accepted`+where+order, append([]any{m.ID}, args...)...)
	return collectCursorAccounts(rows, p)
}

// publishFollow sends a Follow, or its Undo, to a remote account.
func (s *Store) publishFollow(ctx context.Context, tx pgx.Tx, kind, followerID, targetID, followURI string) error {
	follower, err := s.actorWhere(ctx, tx, "a.id = $1", followerID)
	if err != nil {
		return err
	}
	target, err := s.actorWhere(ctx, tx, "a.id = $1", targetID)
	if err != nil {
		return err
	}
	return s.publish(ctx, tx, &Outgoing{Kind: kind, Actor: follower, Target: target, ActivityID: followURI,
		Inboxes: []string{target.Inbox}})
}

// answerFollow sends the Accept or Reject of a remote account's follow
// request; a local follower needs none.
func (s *Store) answerFollow(ctx context.Context, tx pgx.Tx, kind, targetID, followerID string, followURI *string) error {
	if followURI == nil {
		return nil
	}
	target, err := s.actorWhere(ctx, tx, "a.id = $1", targetID)
	if err != nil {
		return err
	}
	return s.publishFollowAnswer(ctx, tx, kind, target, followerID, *followURI)
}

// cutFollow is a follow that cutFollows ended.
type cutFollow struct {
	From, To string
	Accepted bool
}

// cutFollows deletes the follows that where (a condition on follows f,
// with args) selects, fixes the counts of the accepted ones, and returns
// what it cut.
func cutFollows(ctx context.Context, tx pgx.Tx, where string, args ...any) ([]cutFollow, error) {
	rows, _ := tx.Query(ctx, `DELETE FROM follows f WHERE `+where+` RETURNING f.account_id, f.target_account_id, f.accepted`, args...)
	var cuts []cutFollow
	var c cutFollow
	if _, err := pgx.ForEachRow(rows, []any{&c.From, &c.To, &c.Accepted}, func() error {
		cuts = append(cuts, c)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("cut follows: %w", err)
	}
	for _, c := range cuts {
		if c.Accepted {
			if err := adjustFollowCounts(ctx, tx, c.From, c.To, -1); err != nil {
				return nil, err
			}
		}
	}
	return cuts, nil
}

// eitherWay selects the follows between $1 and $2, both ways.
const eitherWay = `(f.account_id = $1 AND f.target_account_id = $2) OR (f.account_id = $2 AND f.target_account_id = $1)`
