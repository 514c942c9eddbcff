package roundtable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Contributions to consultations. A status belongs to a consultation when
// it answers one of its contributions, or when it mentions (or, from other
// servers, addresses) its Group. A consultation hosted here checks each
// contribution against its phase and participation, here and nowhere else,
// and announces what it accepts to its followers (FEP-1b12).

// groupChoice is the consultation a new status goes to.
type groupChoice struct {
	id    string        // the Group account
	local *Consultation // set when it is hosted here
	kind  string        // ContributeThread or ContributeReply
}

// chooseGroup finds the consultation of a new status by author: the
// parent's, or the first Group among candidates (account ids). It checks the
// phase and participation of a consultation hosted here.
func (s *Store) chooseGroup(ctx context.Context, q querier, author *Account, parentID *string, candidates []string) (*groupChoice, error) {
	var g groupChoice
	if parentID != nil {
		var gid *string
		var locked bool
		if err := q.QueryRow(ctx, `SELECT p.group_id, p.locked OR coalesce(t.locked, false) FROM statuses p
			LEFT JOIN statuses t ON t.id = p.thread_id WHERE p.id = $1`, *parentID).Scan(&gid, &locked); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return nil, err
		}
		if gid == nil {
			return nil, nil
		}
		g.id, g.kind = *gid, ContributeReply
		if locked {
			return &g, &Refusal{Message: "This thread is locked: it takes no more replies."}
		}
	} else {
		if len(candidates) == 0 {
			return nil, nil
		}
		// A series hosted here takes no contributions: its editions do.
		err := q.QueryRow(ctx, `SELECT id FROM accounts a WHERE id = ANY($1) AND actor_type = 'Group'
			AND NOT EXISTS (SELECT 1 FROM series se WHERE se.account_id = a.id) ORDER BY domain NULLS FIRST LIMIT 1`,
			candidates).Scan(&g.id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		g.kind = ContributeThread
	}
	c, err := s.consultationWhere(ctx, q, "c.account_id = $1", g.id)
	if errors.Is(err, ErrNotFound) {
		return &g, nil // hosted elsewhere: its server decides
	}
	if err != nil {
		return nil, err
	}
	g.local = c
	if err := c.Allows(g.kind); err != nil {
		return &g, err
	}
	if err := s.mayTakePart(ctx, q, c, author); err != nil {
		return &g, err
	}
	return &g, nil
}

// mayTakePart checks the consultation's participation rule for author.
func (s *Store) mayTakePart(ctx context.Context, q querier, c *Consultation, author *Account) error {
	if err := s.checkBan(ctx, q, c, author); err != nil {
		return err
	}
	for _, f := range c.Facilitators {
		if f.ID == author.ID {
			return nil
		}
	}
	var joined bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM follows WHERE account_id = $1 AND target_account_id = $2 AND accepted)`,
		author.ID, c.AccountID).Scan(&joined); err != nil {
		return err
	}
	switch c.Participation {
	case ParticipationApproval:
		if !joined {
			return &Refusal{Message: fmt.Sprintf("The consultation %q takes contributions from those it has admitted: ask to join first (follow it).", c.Title)}
		}
	case ParticipationMembers:
		if author.Local() {
			return nil
		}
		trusted, err := s.trusted(ctx, q, *author.Domain)
		if err != nil {
			return err
		}
		if !trusted {
			return &Refusal{Message: fmt.Sprintf("The consultation %q is open to the members of its host and of the instances it trusts.", c.Title)}
		}
	}
	return nil
}

// trusted reports whether this instance trusts domain.
func (s *Store) trusted(ctx context.Context, q querier, domain string) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM peers WHERE domain = lower($1) AND policy = 'trust')`, domain).Scan(&ok)
	return ok, err
}

// threadTitle makes a thread's title from its text: the first line, without
// the mention of the Group that opened it.
func threadTitle(text string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	var words []string
	for _, w := range strings.Fields(line) {
		if strings.HasPrefix(w, "@") {
			continue
		}
		words = append(words, w)
	}
	t := strings.Join(words, " ")
	if r := []rune(t); len(r) > 200 {
		t = string(r[:199]) + "…"
	}
	return t
}

// setGroup records the consultation of a stored status.
func setGroup(ctx context.Context, tx pgx.Tx, statusID string, g *groupChoice, title string) error {
	var t *string
	if g.kind == ContributeThread && title != "" {
		t = &title
	}
	_, err := tx.Exec(ctx, `UPDATE statuses SET group_id = $2, title = $3 WHERE id = $1`, statusID, g.id, t)
	return err
}

// groupInboxes returns the servers of a local Group's remote followers.
func (s *Store) groupInboxes(ctx context.Context, q querier, groupID string) ([]string, error) {
	rows, _ := q.Query(ctx, `SELECT DISTINCT coalesce(a.shared_inbox, a.inbox) FROM follows f JOIN accounts a ON a.id = f.account_id
		WHERE f.target_account_id = $1 AND f.accepted AND a.domain IS NOT NULL`, groupID)
	inboxes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("group followers: %w", err)
	}
	return inboxes, nil
}

// announce has a local Group pass an accepted contribution on to its
// followers: the activity itself (raw, exactly as received, for remote
// contributions), and for thread starters the object too, so that servers
// without groups (Mastodon) show it as a boost.
func (s *Store) announce(ctx context.Context, tx pgx.Tx, g *groupChoice, st *Status, raw json.RawMessage) error {
	if s.publisher == nil || g == nil || g.local == nil || (st.Visibility != Public && st.Visibility != Unlisted) {
		return nil
	}
	inboxes, err := s.groupInboxes(ctx, tx, g.id)
	if err != nil || len(inboxes) == 0 {
		return err
	}
	group, err := s.actorWhere(ctx, tx, "a.id = $1", g.id)
	if err != nil {
		return err
	}
	obj, err := s.statusObject(ctx, tx, st)
	if err != nil {
		return err
	}
	author, err := s.actorWhere(ctx, tx, "a.id = $1", st.AccountID)
	if err != nil {
		return err
	}
	return s.publish(ctx, tx, &Outgoing{Kind: OutAnnounce, Actor: group, Target: author, Object: obj,
		RawActivity: raw, Thread: g.kind == ContributeThread, Inboxes: inboxes})
}

// publishGroupUpdate tells a Group's followers its settings changed.
func (s *Store) publishGroupUpdate(ctx context.Context, tx pgx.Tx, groupID string) error {
	if s.publisher == nil {
		return nil
	}
	inboxes, err := s.groupInboxes(ctx, tx, groupID)
	if err != nil || len(inboxes) == 0 {
		return err
	}
	group, err := s.actorWhere(ctx, tx, "a.id = $1", groupID)
	if err != nil {
		return err
	}
	acc, err := s.accountByIDTx(ctx, tx, groupID)
	if err != nil {
		return err
	}
	c, err := s.consultationWhere(ctx, tx, "c.account_id = $1", groupID)
	if err != nil {
		return err
	}
	return s.publish(ctx, tx, &Outgoing{Kind: OutUpdateActor, Actor: group, Account: acc, Consultation: c, Inboxes: inboxes})
}

// ConsultationOfStatus returns the consultation hosted here that a status
// belongs to, or nil.
func (s *Store) ConsultationOfStatus(ctx context.Context, st *Status) (*Consultation, error) {
	if st.GroupID == nil {
		return nil, nil
	}
	c, err := s.ConsultationByAccount(ctx, *st.GroupID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return c, err
}

// announceChange has the consultation hosted here that a contribution
// belongs to pass its edit or deletion on to its followers: the author's
// activity as received (raw), or one built here (kind OutUpdate or
// OutDelete) for a local author.
func (s *Store) announceChange(ctx context.Context, tx pgx.Tx, st *Status, obj *StatusObject, kind string, raw []byte) error {
	if s.publisher == nil || st.GroupID == nil || (st.Visibility != Public && st.Visibility != Unlisted) {
		return nil
	}
	c, err := s.consultationWhere(ctx, tx, "c.account_id = $1", *st.GroupID)
	if errors.Is(err, ErrNotFound) {
		return nil // hosted elsewhere: its Group announces
	}
	if err != nil {
		return err
	}
	var held bool
	if err := tx.QueryRow(ctx, `SELECT held_at IS NOT NULL FROM statuses WHERE id = $1`, st.ID).Scan(&held); err == nil && held {
		return nil // announced as it is once released
	}
	inboxes, err := s.groupInboxes(ctx, tx, c.AccountID)
	if err != nil || len(inboxes) == 0 {
		return err
	}
	group, err := s.actorWhere(ctx, tx, "a.id = $1", c.AccountID)
	if err != nil {
		return err
	}
	author, err := s.actorWhere(ctx, tx, "a.id = $1", st.AccountID)
	if err != nil {
		return err
	}
	return s.publish(ctx, tx, &Outgoing{Kind: OutAnnounce, InnerKind: kind, Actor: group, Target: author, Object: obj,
		RawActivity: raw, Inboxes: inboxes})
}
