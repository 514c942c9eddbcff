package roundtable

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Co-host facilitators answer requests to join. The host's Group shows the
// pending requests of a consultation with approval to its co-host
// facilitators only, on a fetch signed by one of them; the co-host reads
// them live when its facilitator asks. The facilitator's answer goes to the
// Group signed by them (Accept or Reject of the Follow); the host checks
// they are a current co-host facilitator, applies it as a local
// facilitator's answer and logs it under their name.

// JoinRequestFetcher reads, signed by a local actor (signerID), the
// pending requests to join a consultation hosted elsewhere (its Group
// groupURI), and returns the accounts asking.
type JoinRequestFetcher interface {
	FetchJoinRequests(ctx context.Context, groupURI, signerID string) ([]*Account, error)
}

// PendingJoin is a request to join a consultation hosted here, as its
// Group shows it to co-host facilitators.
type PendingJoin struct {
	FollowURI *string `db:"uri"` // the Follow, when it came over federation
	ActorURI  string  `db:"actor_uri"`
}

// CohostPendingJoins returns the pending requests to join the consultation
// hosted here whose Group is groupURI, for actorURI when it is a current
// co-host facilitator of it, and ErrForbidden otherwise.
func (s *Store) CohostPendingJoins(ctx context.Context, actorURI, groupURI string) ([]PendingJoin, error) {
	if !s.IsCohostModerator(ctx, actorURI, groupURI) {
		return nil, fmt.Errorf("%s is not a facilitator of %s: %w", actorURI, groupURI, ErrForbidden)
	}
	rows, _ := s.pool.Query(ctx, `SELECT f.uri, a.uri AS actor_uri FROM follows f JOIN accounts a ON a.id = f.account_id
		JOIN accounts g ON g.id = f.target_account_id
		WHERE g.uri = $1 AND g.domain IS NULL AND g.actor_type = 'Group' AND NOT f.accepted AND a.uri IS NOT NULL
		ORDER BY f.id LIMIT 500`, groupURI)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[PendingJoin])
	if err != nil {
		return nil, fmt.Errorf("join requests of %s: %w", groupURI, err)
	}
	return list, nil
}

// joinRequestsAsCohost returns the pending requests to join a consultation
// hosted elsewhere (acct, slug@domain), read from its host, for a
// facilitator this instance named for it.
func (s *Store) joinRequestsAsCohost(ctx context.Context, m *Member, acct string) ([]*Account, error) {
	_, group, err := s.cohostingFacilitator(ctx, m, acct)
	if err != nil {
		return nil, err
	}
	fetcher, ok := s.resolver.(JoinRequestFetcher)
	if !ok {
		return nil, errors.New("this instance cannot reach other instances from here")
	}
	accounts, err := fetcher.FetchJoinRequests(ctx, group.URI, m.ID)
	if err != nil {
		return nil, fmt.Errorf("join requests of %s: %w", acct, err)
	}
	return accounts, nil
}

// answerJoinAsCohost sends the host of a consultation this instance
// co-hosts a facilitator's answer to accountID's request to join it,
// signed by the facilitator.
func (s *Store) answerJoinAsCohost(ctx context.Context, m *Member, acct, accountID string, approve bool) error {
	h, group, err := s.cohostingFacilitator(ctx, m, acct)
	if err != nil {
		return err
	}
	if !ValidID(accountID) {
		return fmt.Errorf("account %q: %w", accountID, ErrNotFound)
	}
	follower, err := s.Account(ctx, accountID)
	if err != nil {
		return err
	}
	actor, err := s.ActorByAccountID(ctx, m.ID)
	if err != nil {
		return err
	}
	action := "reject_join_requested"
	if approve {
		action = "approve_join_requested"
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.logAction(ctx, tx, &m.ID, "cohost_facilitator", action, &h.GroupID, follower.URI, ""); err != nil {
			return err
		}
		return s.publish(ctx, tx, &Outgoing{Kind: OutCohost, Actor: actor, Inboxes: []string{group.Inbox},
			ActivityID: actor.URI + "#cohost-joins/" + NewID(s.Now()),
			Cohost:     &CohostActivity{Type: CohostJoinAnswer, GroupURI: group.URI, Target: follower.URI, Approve: approve}})
	})
}

// ReceiveCohostJoinAnswer applies a co-host facilitator's answer to
// follower's request to join the consultation hosted here whose Group is
// groupURI, as a local facilitator's answer, and logs it under their name
// (which names their instance).
func (s *Store) ReceiveCohostJoinAnswer(ctx context.Context, facilitator *Account, groupURI string, follower *Account, approve bool) error {
	c, err := s.CohostModerator(ctx, facilitator, groupURI)
	if err != nil {
		return err
	}
	action := "join_rejected"
	if approve {
		err, action = s.authorizeFollow(ctx, c.AccountID, follower.ID), "join_approved"
	} else {
		err = s.rejectFollow(ctx, c.AccountID, follower.ID)
	}
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		return s.logAction(ctx, tx, &facilitator.ID, "cohost_facilitator", action, &c.AccountID, follower.URI, "")
	})
}
