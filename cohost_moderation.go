package roundtable

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// What co-host facilitators do. On the co-host, a facilitator it named
// acts on a consultation hosted elsewhere (named slug@domain) with the same
// calls as a local facilitator; each action goes to the consultation's
// Group, signed by the facilitator. On the host, the Group takes it only
// from a current co-host's named facilitators, applies it through the same
// functions as a local facilitator's, and logs it under their name.

// moderators).
func (s *Store) CohostModerator(ctx context.Context, actor *Account, groupURI string) (*Consultation, error) {
	var groupID string
	err := s.pool.QueryRow(ctx, `SELECT h.group_id FROM cohosts h JOIN accounts g ON g.id = h.group_id
		JOIN cohost_facilitators f ON f.cohost_id = h.id
		WHERE g.uri = $1 AND g.domain IS NULL AND h.state = 'accepted' AND f.account_id = $2`, groupURI, actor.ID).Scan(&groupID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%s is not a facilitator of %s: %w", actor.URI, groupURI, ErrForbidden)
	}
	if err != nil {
		return nil, err
	}
	return s.ConsultationByAccount(ctx, groupID)
}

// current co-host facilitator of the consultation hosted here at groupURI.
func (s *Store) IsCohostModerator(ctx context.Context, actorURI, groupURI string) bool {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM cohosts h JOIN accounts g ON g.id = h.group_id
		JOIN cohost_facilitators f ON f.cohost_id = h.id JOIN accounts a ON a.id = f.account_id
		WHERE g.uri = $1 AND g.domain IS NULL AND h.state = 'accepted' AND a.uri = $2)`, groupURI, actorURI).Scan(&ok)
	return err == nil && ok
}

// facilitator: as a local facilitator's removal, logged under their name
// (which names their instance), and announced by the consultation.
func (s *Store) ReceiveCohostRemoval(ctx context.Context, facilitator *Account, groupURI, uri, reason string) error {
	c, err := s.CohostModerator(ctx, facilitator, groupURI)
	if err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		reason = "removed by a co-host's facilitator"
	}
	if len([]rune(reason)) > 1000 {
		reason = string([]rune(reason)[:1000])
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+statusColumns+` FROM statuses s WHERE s.uri = $1 AND s.group_id = $2`, uri, c.AccountID)
	st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Status])
	if err != nil {
		return notFound(err, "contribution "+uri+" in "+c.Slug)
	}
	return s.removeFromConsultation(ctx, c, st, facilitator.ID, "cohost_facilitator", reason)
}

// instance named for it, and ErrForbidden otherwise.
func (s *Store) cohostingFacilitator(ctx context.Context, m *Member, acct string) (*Cohost, *Actor, error) {
	slug, domain, _ := strings.Cut(acct, "@")
	rows, _ := s.pool.Query(ctx, `SELECT `+actorColumns+` FROM accounts a WHERE lower(a.username) = lower($1) AND a.domain = lower($2)`, slug, domain)
	g, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Actor])
	if err != nil {
		return nil, nil, notFound(err, "consultation "+acct)
	}
	if m == nil {
		return nil, nil, fmt.Errorf("act on %s: %w", acct, ErrForbidden)
	}
	h, err := s.cohostWhere(ctx, s.pool, `h.group_id = $1 AND h.state = 'accepted' AND g.domain IS NOT NULL
		AND EXISTS (SELECT 1 FROM cohost_facilitators f WHERE f.cohost_id = h.id AND f.account_id = $2)`, g.AccountID, m.ID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, fmt.Errorf("act on %s: %w", acct, ErrForbidden)
	}
	if err != nil {
		return nil, nil, err
	}
	return h, g, nil
}

// and the contribution goes here when that announcement arrives.
func (s *Store) removeAsCohost(ctx context.Context, m *Member, acct, statusID, reason string) error {
	h, group, err := s.cohostingFacilitator(ctx, m, acct)
	if err != nil {
		return err
	}
	var uri *string
	err = s.pool.QueryRow(ctx, `SELECT uri FROM statuses WHERE id = $1 AND group_id = $2`, statusID, h.GroupID).Scan(&uri)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && uri == nil) {
		return fmt.Errorf("contribution %s in %s: %w", statusID, acct, ErrNotFound)
	}
	if err != nil {
		return err
	}
	actor, err := s.ActorByAccountID(ctx, m.ID)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.logAction(ctx, tx, &m.ID, "cohost_facilitator", "remove_requested", &h.GroupID, *uri, reason); err != nil {
			return err
		}
		return s.publish(ctx, tx, &Outgoing{Kind: OutCohost, Actor: actor, Inboxes: []string{group.Inbox},
			ActivityID: actor.URI + "#cohost-removals/" + NewID(s.Now()),
			Cohost:     &CohostActivity{Type: CohostRemoval, GroupURI: group.URI, ObjectURI: *uri, Reason: reason}})
	})
}

// on behalf of a facilitator this instance named.
func (s *Store) actAsCohost(ctx context.Context, m *Member, acct, statusID string, a ThreadAction) (*Status, error) {
	switch a {
	case LockThread, UnlockThread, PinThread, UnpinThread:
	default:
		return nil, Invalid("action", "must be lock, unlock, pin or unpin")
	}
	h, group, err := s.cohostingFacilitator(ctx, m, acct)
	if err != nil {
		return nil, err
	}
	var uri *string
	err = s.pool.QueryRow(ctx, `SELECT uri FROM statuses WHERE id = $1 AND group_id = $2
		AND in_reply_to_id IS NULL AND in_reply_to_uri IS NULL`, statusID, h.GroupID).Scan(&uri)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && uri == nil) {
		return nil, fmt.Errorf("thread %s in %s: %w", statusID, acct, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	actor, err := s.ActorByAccountID(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		return s.publish(ctx, tx, &Outgoing{Kind: OutCohost, Actor: actor, Inboxes: []string{group.Inbox},
			ActivityID: actor.URI + "#cohost-threads/" + NewID(s.Now()),
			Cohost:     &CohostActivity{Type: CohostThread, GroupURI: group.URI, ObjectURI: *uri, Action: a}})
	})
	if err != nil {
		return nil, fmt.Errorf("%s a thread of %s: %w", a, acct, err)
	}
	return s.Status(ctx, statusID, m.ID)
}

// here, as a local facilitator's, and logs it under their name.
func (s *Store) ReceiveCohostThreadAction(ctx context.Context, facilitator *Account, groupURI, uri string, a ThreadAction) error {
	c, err := s.CohostModerator(ctx, facilitator, groupURI)
	if err != nil {
		return err
	}
	var id string
	err = s.pool.QueryRow(ctx, `SELECT id FROM statuses WHERE uri = $1 AND group_id = $2`, uri, c.AccountID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("thread %s in %s: %w", uri, c.Slug, ErrNotFound)
	}
	if err != nil {
		return err
	}
	if err := s.actOnThread(ctx, c, id, a); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		return s.logAction(ctx, tx, &facilitator.ID, "cohost_facilitator", string(a), &c.AccountID, uri, "")
	})
}

// instance co-hosts and m facilitates for it.
func (s *Store) CohostedFor(ctx context.Context, m *Member) ([]*Cohost, error) {
	if m == nil {
		return nil, nil
	}
	return s.cohostsWhere(ctx, s.pool, `g.domain IS NOT NULL AND h.state = 'accepted'
		AND EXISTS (SELECT 1 FROM cohost_facilitators f WHERE f.cohost_id = h.id AND f.account_id = $1)`, m.ID)
}

// as stored here (ids), sent by their ActivityPub ids.
func (s *Store) synthesisAsCohost(ctx context.Context, m *Member, acct string, ns NewSynthesis) error {
	h, group, err := s.cohostingFacilitator(ctx, m, acct)
	if err != nil {
		return err
	}
	ns.Title, ns.Text = strings.TrimSpace(ns.Title), strings.TrimSpace(ns.Text)
	if ns.Title == "" || len([]rune(ns.Title)) > 200 {
		return Invalid("title", "must be 1 to 200 characters")
	}
	if ns.Text == "" || len([]rune(ns.Text)) > maxSynthesisText {
		return Invalid("text", "must be 1 to %d characters", maxSynthesisText)
	}
	if len(ns.Sources) > maxSynthesisSources {
		return Invalid("sources", "at most %d", maxSynthesisSources)
	}
	uris := make([]string, 0, len(ns.Sources))
	for _, id := range ns.Sources {
		var uri *string
		err := s.pool.QueryRow(ctx, `SELECT uri FROM statuses WHERE id = $1 AND group_id = $2`, id, h.GroupID).Scan(&uri)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && uri == nil) {
			return Invalid("sources", "%q is not a contribution to this consultation", id)
		}
		if err != nil {
			return err
		}
		uris = append(uris, *uri)
	}
	actor, err := s.ActorByAccountID(ctx, m.ID)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		return s.publish(ctx, tx, &Outgoing{Kind: OutCohost, Actor: actor, Inboxes: []string{group.Inbox},
			ActivityID: actor.URI + "#cohost-syntheses/" + NewID(s.Now()),
			Cohost: &CohostActivity{Type: CohostSynthesis, GroupURI: group.URI,
				Synthesis: &NewSynthesis{Title: ns.Title, Text: ns.Text, Sources: uris}}})
	})
}

// consultation hosted here, as a local facilitator's, and logs who wrote it.
func (s *Store) ReceiveCohostSynthesis(ctx context.Context, facilitator *Account, groupURI string, ns NewSynthesis) error {
	c, err := s.CohostModerator(ctx, facilitator, groupURI)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(ns.Sources))
	for _, uri := range ns.Sources {
		var id string
		err := s.pool.QueryRow(ctx, `SELECT id FROM statuses WHERE uri = $1 AND group_id = $2`, uri, c.AccountID).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // removed since, or never here
		}
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	ns.Sources = ids
	id, err := s.publishSynthesis(ctx, c, ns)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		return s.logAction(ctx, tx, &facilitator.ID, "cohost_facilitator", "synthesis", &c.AccountID, s.links.StatusURI(c.Slug, id), "")
	})
}
