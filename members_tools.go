package roundtable

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Members' own tools beyond blocking and muting: removing a follower,
// hiding one's follower lists, and consenting (or not) to being quoted.

// RemoveFromFollowers ends followerID's follow of the member. A remote
// follower's server is told with a Reject of its Follow, so that it drops
// the follow too.
func (s *Store) RemoveFromFollowers(ctx context.Context, m *Member, followerID string) (*Relationship, error) {
	follower, err := s.Account(ctx, followerID)
	if err != nil {
		return nil, err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var accepted bool
		var followURI *string
		err := tx.QueryRow(ctx, `DELETE FROM follows WHERE account_id = $1 AND target_account_id = $2 RETURNING accepted, uri`,
			follower.ID, m.ID).Scan(&accepted, &followURI)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // not a follower: nothing to do, as Mastodon answers
		}
		if err != nil {
			return err
		}
		if accepted {
			if err := adjustFollowCounts(ctx, tx, follower.ID, m.ID, -1); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM notifications WHERE account_id = $1 AND from_account_id = $2 AND type IN ($3, $4)`,
			m.ID, follower.ID, NotifyFollow, NotifyFollowRequest); err != nil {
			return err
		}
		if follower.Local() {
			return nil
		}
		return s.answerFollow(ctx, tx, OutReject, m.ID, follower.ID, followURI)
	})
	if err != nil {
		return nil, fmt.Errorf("remove follower %s: %w", followerID, err)
	}
	return s.Relationship(ctx, m.ID, follower.ID)
}

// MemberPrivacy changes a member's privacy choices; nil leaves one as it
// is.
type MemberPrivacy struct {
	HideCollections *bool
	QuotesAllowed   *bool
	NoIndex         *bool // ask search engines not to index the member's pages
}

// SetMemberPrivacy applies p to the member with id.
func (s *Store) SetMemberPrivacy(ctx context.Context, id string, p MemberPrivacy) (*Member, error) {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if p.HideCollections != nil {
			if _, err := tx.Exec(ctx, `UPDATE accounts SET hide_collections = $2 WHERE id = $1 AND domain IS NULL`,
				id, *p.HideCollections); err != nil {
				return err
			}
		}
		if p.NoIndex != nil {
			if _, err := tx.Exec(ctx, `UPDATE accounts SET noindex = $2 WHERE id = $1 AND domain IS NULL`, id, *p.NoIndex); err != nil {
				return err
			}
		}
		if p.QuotesAllowed != nil {
			if _, err := tx.Exec(ctx, `UPDATE members SET quotes_allowed = $2 WHERE account_id = $1`, id, *p.QuotesAllowed); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("set privacy of %s: %w", id, err)
	}
	return s.Member(ctx, id)
}

// CollectionsVisible reports whether viewerID (empty: anonymous) may see
// whom a follows and who follows a: everyone, unless a hides them from
// all but itself.
func CollectionsVisible(a *Account, viewerID string) bool {
	return !a.HideCollections || a.ID == viewerID
}

// VisibleFollowers returns accountID's followers as viewerID may see them:
// none when the account hides them from others.
func (s *Store) VisibleFollowers(ctx context.Context, viewerID, accountID string, p Page) ([]*Account, []string, error) {
	return s.visibleCollection(ctx, viewerID, accountID, p, s.Followers)
}

// VisibleFollowing returns the accounts accountID follows as viewerID may
// see them: none when the account hides them from others.
func (s *Store) VisibleFollowing(ctx context.Context, viewerID, accountID string, p Page) ([]*Account, []string, error) {
	return s.visibleCollection(ctx, viewerID, accountID, p, s.Following)
}

func (s *Store) visibleCollection(ctx context.Context, viewerID, accountID string, p Page,
	list func(context.Context, string, Page) ([]*Account, []string, error)) ([]*Account, []string, error) {
	a, err := s.Account(ctx, accountID)
	if err != nil {
		return nil, nil, err
	}
	if !CollectionsVisible(a, viewerID) {
		return []*Account{}, nil, nil
	}
	return list(ctx, accountID, p)
}
