package roundtable

import (
	"context"
	"fmt"
)

// MaxPinnedStatuses is how many statuses a member may pin to its profile.
const MaxPinnedStatuses = 5

// Pin puts one of the member's own public or unlisted statuses on its
// profile (and in its featured collection). Pinning twice changes nothing.
func (s *Store) Pin(ctx context.Context, m *Member, statusID string) (*Status, error) {
	st, err := s.Status(ctx, statusID, m.ID)
	if err != nil {
		return nil, err
	}
	if st.AccountID != m.ID {
		return nil, &Refusal{Message: "Only your own statuses can be pinned."}
	}
	if st.Visibility != Public && st.Visibility != Unlisted {
		return nil, &Refusal{Message: "Only public and unlisted statuses can be pinned."}
	}
	if st.Pinned {
		return st, nil
	}
	// The count and the insert are one statement, so that two requests at
	// once cannot pass the limit together.
	tag, err := s.pool.Exec(ctx, `INSERT INTO status_pins (account_id, status_id, created_at)
		SELECT $1, $2, $3 WHERE (SELECT count(*) FROM status_pins WHERE account_id = $1) < $4
		ON CONFLICT DO NOTHING`, m.ID, st.ID, s.Now(), MaxPinnedStatuses)
	if err != nil {
		return nil, fmt.Errorf("pin %s: %w", statusID, err)
	}
	if tag.RowsAffected() == 0 {
		var pinned bool
		if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM status_pins WHERE account_id = $1 AND status_id = $2)`,
			m.ID, st.ID).Scan(&pinned); err != nil {
			return nil, err
		}
		if !pinned {
			return nil, Invalid("", "You have already pinned the maximum number of statuses (%d)", MaxPinnedStatuses)
		}
	}
	return s.Status(ctx, statusID, m.ID)
}

// Unpin takes a status off the member's profile.
func (s *Store) Unpin(ctx context.Context, m *Member, statusID string) (*Status, error) {
	st, err := s.Status(ctx, statusID, m.ID)
	if err != nil {
		return nil, err
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM status_pins WHERE account_id = $1 AND status_id = $2`, m.ID, st.ID); err != nil {
		return nil, fmt.Errorf("unpin %s: %w", statusID, err)
	}
	return s.Status(ctx, statusID, m.ID)
}

// MuteConversation stops the notifications of the thread a status
// belongs to, for the member.
func (s *Store) MuteConversation(ctx context.Context, m *Member, statusID string) (*Status, error) {
	st, err := s.Status(ctx, statusID, m.ID)
	if err != nil {
		return nil, err
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO conversation_mutes (account_id, thread_id, created_at) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, m.ID, st.ThreadID, s.Now()); err != nil {
		return nil, fmt.Errorf("mute conversation of %s: %w", statusID, err)
	}
	return s.Status(ctx, statusID, m.ID)
}

// UnmuteConversation lets a muted thread notify the member again.
func (s *Store) UnmuteConversation(ctx context.Context, m *Member, statusID string) (*Status, error) {
	st, err := s.Status(ctx, statusID, m.ID)
	if err != nil {
		return nil, err
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM conversation_mutes WHERE account_id = $1 AND thread_id = $2`,
		m.ID, st.ThreadID); err != nil {
		return nil, fmt.Errorf("unmute conversation of %s: %w", statusID, err)
	}
	return s.Status(ctx, statusID, m.ID)
}
