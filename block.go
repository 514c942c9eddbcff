package roundtable

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Members' own tools: blocking an account cuts follows both ways and keeps
// each out of the other's timelines, notifications and replies; muting only
// keeps the account out of one's home timeline and notifications.

// Block blocks target for the member. Blocking a remote account tells its
// server (a Block activity), as Mastodon does.
func (s *Store) Block(ctx context.Context, m *Member, targetID string) (*Relationship, error) {
	target, err := s.Account(ctx, targetID)
	if err != nil {
		return nil, err
	}
	if target.ID == m.ID {
		return nil, Invalid("id", "you cannot block yourself")
	}
	now := s.Now()
	id := NewID(now)
	uri := s.links.Actor(m.Username) + "#blocks/" + id
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO blocks (id, account_id, target_account_id, uri, created_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT DO NOTHING`, id, m.ID, target.ID, uri, now)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		if _, err := cutFollows(ctx, tx, eitherWay, m.ID, target.ID); err != nil {
			return err
		}
		// What the blocked account did stays out of sight.
		if _, err := tx.Exec(ctx, `DELETE FROM notifications WHERE account_id = $1 AND from_account_id = $2`, m.ID, target.ID); err != nil {
			return err
		}
		if target.Local() {
			return nil
		}
		return s.publishBlock(ctx, tx, OutBlock, m.ID, target.ID, uri)
	})
	if err != nil {
		return nil, fmt.Errorf("block %s: %w", targetID, err)
	}
	return s.Relationship(ctx, m.ID, target.ID)
}

// Unblock ends the member's block of target.
func (s *Store) Unblock(ctx context.Context, m *Member, targetID string) (*Relationship, error) {
	target, err := s.Account(ctx, targetID)
	if err != nil {
		return nil, err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var uri *string
		err := tx.QueryRow(ctx, `DELETE FROM blocks WHERE account_id = $1 AND target_account_id = $2 RETURNING uri`, m.ID, target.ID).Scan(&uri)
		if err == pgx.ErrNoRows || target.Local() || uri == nil {
			return nil
		}
		if err != nil {
			return err
		}
		return s.publishBlock(ctx, tx, OutUndoBlock, m.ID, target.ID, *uri)
	})
	if err != nil {
		return nil, fmt.Errorf("unblock %s: %w", targetID, err)
	}
	return s.Relationship(ctx, m.ID, target.ID)
}

// Mute keeps target out of the member's home timeline and notifications.
func (s *Store) Mute(ctx context.Context, m *Member, targetID string) (*Relationship, error) {
	target, err := s.Account(ctx, targetID)
	if err != nil {
		return nil, err
	}
	if target.ID == m.ID {
		return nil, Invalid("id", "you cannot mute yourself")
	}
	now := s.Now()
	if _, err := s.pool.Exec(ctx, `INSERT INTO mutes (id, account_id, target_account_id, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, NewID(now), m.ID, target.ID, now); err != nil {
		return nil, fmt.Errorf("mute %s: %w", targetID, err)
	}
	return s.Relationship(ctx, m.ID, target.ID)
}

// Unmute ends the member's mute of target.
func (s *Store) Unmute(ctx context.Context, m *Member, targetID string) (*Relationship, error) {
	if _, err := s.Account(ctx, targetID); err != nil {
		return nil, err
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM mutes WHERE account_id = $1 AND target_account_id = $2`, m.ID, targetID); err != nil {
		return nil, fmt.Errorf("unmute %s: %w", targetID, err)
	}
	return s.Relationship(ctx, m.ID, targetID)
}

// Blocked returns the accounts the member blocks, or mutes, most recent
// first, with the cursors that page them.
func (s *Store) Blocked(ctx context.Context, m *Member, mutes bool, p Page) ([]*Account, []string, error) {
	table := "blocks"
	if mutes {
		table = "mutes"
	}
	p = p.clamp(40, 80)
	where, order, args := p.sql("x.id", 2)
	rows, _ := s.pool.Query(ctx, `SELECT x.id AS cursor, `+accountColumns+` FROM `+table+` x JOIN accounts a ON a.id = x.target_account_id
		WHERE x.account_id = $1`+where+order, append([]any{m.ID}, args...)...)
	return collectCursorAccounts(rows, p)
}

// publishBlock tells a remote account's server of a block, or its undoing.
func (s *Store) publishBlock(ctx context.Context, tx pgx.Tx, kind, blockerID, targetID, blockURI string) error {
	me, err := s.actorWhere(ctx, tx, "a.id = $1", blockerID)
	if err != nil {
		return err
	}
	other, err := s.actorWhere(ctx, tx, "a.id = $1", targetID)
	if err != nil {
		return err
	}
	return s.publish(ctx, tx, &Outgoing{Kind: kind, Actor: me, Target: other, ActivityID: blockURI, Inboxes: []string{other.Inbox}})
}
