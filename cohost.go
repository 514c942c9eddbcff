package roundtable

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Co-hosting. A consultation's host invites a peer instance it trusts to
// co-host it; the peer's admin accepts, then names facilitators among its
// own members. The host lists them among the consultation's moderators and
// takes their moderation over federation, as it takes its own
// facilitators'. The host can withdraw a co-host; a co-host can leave.
// Both instances keep a row for the pair: on the host it is a co-host of a
// local consultation, on the co-host an invitation to a remote one.

// CohostState is where a co-hosting stands.
type CohostState string

// Co-hosting states.
const (
	CohostInvited   CohostState = "invited"
	CohostAccepted  CohostState = "accepted"
	CohostDeclined  CohostState = "declined"
	CohostLeft      CohostState = "left"
	CohostWithdrawn CohostState = "withdrawn"
)

// Cohost is one co-hosting of a consultation, as this instance sees it.
type Cohost struct {
	ID        string      `db:"id"`
	GroupID   string      `db:"group_id"`
	Domain    string      `db:"domain"`    // the other instance
	ActorURI  string      `db:"actor_uri"` // the other instance's actor
	Inbox     string      `db:"inbox"`
	InviteURI string      `db:"invite_uri"`
	State     CohostState `db:"state"`
	Norms     []string    `db:"norms"` // the co-host's norms
	CreatedAt time.Time   `db:"created_at"`
	UpdatedAt time.Time   `db:"updated_at"`
	// Hosting is true when the consultation is hosted here and Domain
	// co-hosts it; false when Domain hosts it and invites this instance.
	Hosting    bool   `db:"hosting"`
	GroupURI   string `db:"group_uri"`
	GroupName  string `db:"group_name"` // slug, or slug@domain when hosted elsewhere
	GroupTitle string `db:"group_title"`

	Facilitators []Account `db:"-"`
}

// CohostActivity is what the instances say to each other about
// co-hosting, and what a co-host's facilitator sends the host's Group.
type CohostActivity struct {
	Type      string   // one of the Cohost* activity kinds below
	InviteURI string   // the invitation's id
	GroupURI  string   // the consultation's Group
	Target    string   // the other instance's actor, or a facilitator's
	Norms     []string // a co-host's norms, with its acceptance
	ObjectURI string   // the contribution a facilitator acts on
	Reason    string
	Action    ThreadAction // what a facilitator does to a thread (CohostThread)
	// Synthesis is the synthesis a co-host's facilitator writes, its
	// sources given by their ActivityPub ids (CohostSynthesis).
	Synthesis *NewSynthesis
	// Approve is a co-host facilitator's answer to a request to join, by
	// the account Target (CohostJoinAnswer).
	Approve bool
	// Series is the series' Group an invited consultation is an edition
	// of, if any (CohostInvite).
	Series string
}

// Co-hosting activity kinds.
const (
	CohostInvite            = "Invite"            // host → co-host
	CohostAccept            = "Accept"            // co-host → host
	CohostDecline           = "Reject"            // co-host → host
	CohostLeave             = "Leave"             // co-host → host
	CohostWithdraw          = "Withdraw"          // host → co-host
	CohostAddFacilitator    = "AddFacilitator"    // co-host → host
	CohostRemoveFacilitator = "RemoveFacilitator" // co-host → host
	CohostRemoval           = "Removal"           // a co-host's facilitator → the host's Group
	CohostThread            = "Thread"            // a co-host's facilitator locks or pins a thread
	CohostSynthesis         = "Synthesis"         // a co-host's facilitator writes the synthesis
	CohostJoinAnswer        = "JoinAnswer"        // a co-host's facilitator approves or refuses a join
)

const cohostColumns = `h.id, h.group_id, h.domain, h.actor_uri, h.inbox, h.invite_uri, h.state, h.norms, h.created_at, h.updated_at,
	g.domain IS NULL AS hosting, g.uri AS group_uri,
	CASE WHEN g.domain IS NULL THEN g.username ELSE g.username || '@' || g.domain END AS group_name, g.display_name AS group_title`

func (s *Store) cohostsWhere(ctx context.Context, q querier, where string, args ...any) ([]*Cohost, error) {
	rows, _ := q.Query(ctx, `SELECT `+cohostColumns+` FROM cohosts h JOIN accounts g ON g.id = h.group_id WHERE `+where+
		` ORDER BY h.created_at LIMIT 500`, args...)
	list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Cohost])
	if err != nil {
		return nil, fmt.Errorf("co-hosts: %w", err)
	}
	for _, h := range list {
		rows, _ := q.Query(ctx, `SELECT `+accountColumns+` FROM cohost_facilitators f JOIN accounts a ON a.id = f.account_id
			WHERE f.cohost_id = $1 ORDER BY a.username`, h.ID)
		if h.Facilitators, err = pgx.CollectRows(rows, pgx.RowToStructByName[Account]); err != nil {
			return nil, fmt.Errorf("co-host facilitators: %w", err)
		}
	}
	return list, nil
}

func (s *Store) cohostWhere(ctx context.Context, q querier, where string, args ...any) (*Cohost, error) {
	list, err := s.cohostsWhere(ctx, q, where, args...)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("co-host: %w", ErrNotFound)
	}
	return list[0], nil
}

// ConsultationCohosts returns the co-hosts of a consultation hosted here,
// in every state, oldest first. Anyone may read who co-hosts.
func (s *Store) ConsultationCohosts(ctx context.Context, slug string) ([]*Cohost, error) {
	c, err := s.Consultation(ctx, slug)
	if err != nil {
		return nil, err
	}
	return s.cohostsWhere(ctx, s.pool, "h.group_id = $1", c.AccountID)
}

// ActiveCohosts returns the accepted co-hostings of a consultation (a
// Group here or elsewhere), as this instance knows them.
func (s *Store) ActiveCohosts(ctx context.Context, groupID string) ([]*Cohost, error) {
	return s.cohostsWhere(ctx, s.pool, "h.group_id = $1 AND h.state = 'accepted'", groupID)
}

// Cohosts lists every co-hosting this instance takes part in, hosting or
// invited: for its admins (nil is the command line).
func (s *Store) Cohosts(ctx context.Context, m *Member) ([]*Cohost, error) {
	if err := mayAdminister(m); err != nil {
		return nil, fmt.Errorf("list co-hosts: %w", err)
	}
	return s.cohostsWhere(ctx, s.pool, "true")
}

// CohostFacilitatorURIs returns the actors that co-hosts named facilitators
// of a consultation hosted here (for its moderators collection).
func (s *Store) CohostFacilitatorURIs(ctx context.Context, groupID string) ([]string, error) {
	rows, _ := s.pool.Query(ctx, `SELECT a.uri FROM cohosts h JOIN cohost_facilitators f ON f.cohost_id = h.id
		JOIN accounts a ON a.id = f.account_id WHERE h.group_id = $1 AND h.state = 'accepted' ORDER BY a.uri LIMIT 500`, groupID)
	uris, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("co-host facilitators: %w", err)
	}
	return uris, nil
}

// instanceActorURL is where a peer's instance actor lives, by the scheme
// this instance itself uses.
func (s *Store) instanceActorURL(domain string) string {
	scheme := "https://"
	if strings.HasPrefix(s.links.Base, "http://") {
		scheme = "http://"
	}
	return scheme + domain + "/actor"
}

// InviteCohost invites a trusted peer instance to co-host a consultation,
// on behalf of m (a facilitator of it or an admin; nil is the command
// line). The invitation goes to the peer's instance actor.
func (s *Store) InviteCohost(ctx context.Context, m *Member, slug, domain string) (*Cohost, error) {
	c, err := s.Consultation(ctx, slug)
	if err != nil {
		return nil, err
	}
	if m != nil && !c.IsFacilitator(m) {
		return nil, fmt.Errorf("invite a co-host to %s: %w", slug, ErrForbidden)
	}
	domain, err = normaliseDomain(domain)
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(domain, s.links.Domain()) {
		return nil, Invalid("domain", "this instance hosts the consultation already")
	}
	trusted, err := s.trusted(ctx, s.pool, domain)
	if err != nil {
		return nil, err
	}
	if !trusted {
		return nil, Invalid("domain", "%s is not a peer this instance trusts: only trusted peers can co-host", domain)
	}
	existing, err := s.cohostWhere(ctx, s.pool, "h.group_id = $1 AND h.domain = $2", c.AccountID, domain)
	if err == nil && (existing.State == CohostInvited || existing.State == CohostAccepted) {
		return nil, &ConflictError{Message: domain + " is already invited to co-host this consultation."}
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if s.resolver == nil {
		return nil, errors.New("this instance cannot reach other instances from here")
	}
	peer, _, err := s.resolver.ResolveURL(ctx, s.instanceActorURL(domain))
	if err != nil || peer == nil {
		return nil, Invalid("domain", "%s could not be reached to invite it; try again later", domain)
	}
	peerActor, err := s.ActorByAccountID(ctx, peer.ID)
	if err != nil {
		return nil, err
	}
	inst, err := s.InstanceActor(ctx)
	if err != nil {
		return nil, err
	}
	series, err := s.editionSeriesURI(ctx, c.AccountID)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	id := NewID(now)
	invite := inst.URI + "#cohost-invites/" + id
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO cohosts (id, group_id, domain, actor_uri, inbox, invite_uri, state, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'invited', $7, $7)
			ON CONFLICT (group_id, domain) DO UPDATE SET id = excluded.id, actor_uri = excluded.actor_uri, inbox = excluded.inbox,
				invite_uri = excluded.invite_uri, state = 'invited', norms = '{}', updated_at = excluded.updated_at`,
			id, c.AccountID, domain, peerActor.URI, peerActor.DeliveryInbox(), invite, now); err != nil {
			return err
		}
		return s.publish(ctx, tx, &Outgoing{Kind: OutCohost, Actor: inst, Inboxes: []string{peerActor.DeliveryInbox()},
			Cohost: &CohostActivity{Type: CohostInvite, InviteURI: invite, GroupURI: s.links.Actor(c.Slug), Target: peerActor.URI, Series: series}})
	})
	if err != nil {
		return nil, fmt.Errorf("invite %s to co-host %s: %w", domain, slug, err)
	}
	return s.cohostWhere(ctx, s.pool, "h.id = $1", id)
}

// WithdrawCohost ends a co-hosting of a consultation hosted here, on behalf
// of m (a facilitator or an admin; nil is the command line): the peer's
// facilitators leave the consultation's moderators at once.
func (s *Store) WithdrawCohost(ctx context.Context, m *Member, slug, domain string) error {
	c, err := s.Consultation(ctx, slug)
	if err != nil {
		return err
	}
	if m != nil && !c.IsFacilitator(m) {
		return fmt.Errorf("withdraw a co-host of %s: %w", slug, ErrForbidden)
	}
	h, err := s.cohostWhere(ctx, s.pool, "h.group_id = $1 AND h.domain = lower($2) AND h.state IN ('invited', 'accepted')", c.AccountID, domain)
	if err != nil {
		return err
	}
	inst, err := s.InstanceActor(ctx)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.endCohost(ctx, tx, h, CohostWithdrawn); err != nil {
			return err
		}
		var by *string
		if m != nil {
			by = &m.ID
		}
		if err := s.logAction(ctx, tx, by, "facilitator", "cohost_withdrawn", &c.AccountID, h.ActorURI, "co-hosting by "+h.Domain+" withdrawn"); err != nil {
			return err
		}
		return s.publish(ctx, tx, &Outgoing{Kind: OutCohost, Actor: inst, Inboxes: []string{h.Inbox},
			ActivityID: inst.URI + "#cohost-withdrawals/" + NewID(s.Now()),
			Cohost:     &CohostActivity{Type: CohostWithdraw, InviteURI: h.InviteURI, GroupURI: h.GroupURI, Target: h.ActorURI}})
	})
}

// endCohost moves a co-hosting to a final state and forgets its
// facilitators; on the host, the Group tells its followers its new
// moderators.
func (s *Store) endCohost(ctx context.Context, tx pgx.Tx, h *Cohost, state CohostState) error {
	if _, err := tx.Exec(ctx, `UPDATE cohosts SET state = $2, updated_at = $3 WHERE id = $1`, h.ID, state, s.Now()); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM cohost_facilitators WHERE cohost_id = $1`, h.ID); err != nil {
		return err
	}
	if h.Hosting && (h.State == CohostAccepted || len(h.Facilitators) > 0) {
		return s.updateCohostedGroup(ctx, tx, h)
	}
	return nil
}

// ReceiveCohostInvite records a peer's invitation to co-host one of its
// consultations (group), sent by its instance actor (from). It waits for an
// admin here to answer.
func (s *Store) ReceiveCohostInvite(ctx context.Context, from, group *Account, inviteURI string) error {
	if from.Local() || group.Local() || from.ActorType != "Application" || !group.Group() || *from.Domain != *group.Domain {
		return fmt.Errorf("an invitation to co-host must come from the instance hosting the consultation: %w", ErrForbidden)
	}
	fromActor, err := s.ActorByAccountID(ctx, from.ID)
	if err != nil {
		return err
	}
	now := s.Now()
	_, err = s.pool.Exec(ctx, `INSERT INTO cohosts (id, group_id, domain, actor_uri, inbox, invite_uri, state, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'invited', $7, $7)
		ON CONFLICT (group_id, domain) DO UPDATE SET actor_uri = excluded.actor_uri, inbox = excluded.inbox,
			invite_uri = excluded.invite_uri, state = 'invited', updated_at = excluded.updated_at
		WHERE cohosts.state <> 'accepted'`,
		NewID(now), group.ID, *from.Domain, fromActor.URI, fromActor.DeliveryInbox(), inviteURI, now)
	if err != nil {
		return fmt.Errorf("record invitation to co-host %s: %w", group.URI, err)
	}
	return nil
}

// invitation returns a co-hosting of a consultation hosted elsewhere, for
// an admin here (nil is the command line).
func (s *Store) invitation(ctx context.Context, m *Member, id string) (*Cohost, error) {
	if err := mayAdminister(m); err != nil {
		return nil, fmt.Errorf("co-hosting: %w", err)
	}
	if !ValidID(id) {
		return nil, fmt.Errorf("co-hosting %q: %w", id, ErrNotFound)
	}
	h, err := s.cohostWhere(ctx, s.pool, "h.id = $1", id)
	if err != nil {
		return nil, err
	}
	if h.Hosting {
		return nil, Invalid("id", "this consultation is hosted here: withdraw its co-hosts from the consultation instead")
	}
	return h, nil
}

// AnswerCohostInvite accepts or declines an invitation to co-host, on
// behalf of an admin (nil is the command line). An acceptance carries this
// instance's norms, so the host can show them beside its own.
func (s *Store) AnswerCohostInvite(ctx context.Context, m *Member, id string, accept bool) (*Cohost, error) {
	h, err := s.invitation(ctx, m, id)
	if err != nil {
		return nil, err
	}
	if h.State != CohostInvited {
		return nil, &ConflictError{Message: "This invitation was answered already (" + string(h.State) + ")."}
	}
	inst, err := s.InstanceActor(ctx)
	if err != nil {
		return nil, err
	}
	state, kind := CohostAccepted, CohostAccept
	if !accept {
		state, kind = CohostDeclined, CohostDecline
	}
	var norms []string
	if accept {
		list, err := s.Norms(ctx)
		if err != nil {
			return nil, err
		}
		for _, n := range list {
			norms = append(norms, n.Text)
		}
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE cohosts SET state = $2, updated_at = $3 WHERE id = $1`, h.ID, state, s.Now()); err != nil {
			return err
		}
		if accept {
			if err := s.linkCohostSeries(ctx, tx, h); err != nil {
				return err
			}
		}
		return s.publish(ctx, tx, &Outgoing{Kind: OutCohost, Actor: inst, Inboxes: []string{h.Inbox},
			Cohost: &CohostActivity{Type: kind, InviteURI: h.InviteURI, GroupURI: h.GroupURI, Target: h.ActorURI, Norms: norms}})
	})
	if err != nil {
		return nil, fmt.Errorf("answer invitation %s: %w", id, err)
	}
	return s.cohostWhere(ctx, s.pool, "h.id = $1", id)
}

// LeaveCohost ends this instance's co-hosting of a consultation hosted
// elsewhere, on behalf of an admin (nil is the command line).
func (s *Store) LeaveCohost(ctx context.Context, m *Member, id string) error {
	h, err := s.invitation(ctx, m, id)
	if err != nil {
		return err
	}
	if h.State != CohostAccepted {
		return &ConflictError{Message: "This instance does not co-host that consultation now."}
	}
	inst, err := s.InstanceActor(ctx)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.endCohost(ctx, tx, h, CohostLeft); err != nil {
			return err
		}
		if err := s.unlinkCohostSeries(ctx, tx, h); err != nil {
			return err
		}
		return s.publish(ctx, tx, &Outgoing{Kind: OutCohost, Actor: inst, Inboxes: []string{h.Inbox},
			ActivityID: inst.URI + "#cohost-leaves/" + NewID(s.Now()),
			Cohost:     &CohostActivity{Type: CohostLeave, InviteURI: h.InviteURI, GroupURI: h.GroupURI, Target: h.ActorURI}})
	})
}

// NameCohostFacilitator makes a member here a facilitator of a consultation
// this instance co-hosts, or no longer (add false), on behalf of an admin
// (nil is the command line); the host hears of it.
func (s *Store) NameCohostFacilitator(ctx context.Context, m *Member, id, username string, add bool) (*Cohost, error) {
	h, err := s.invitation(ctx, m, id)
	if err != nil {
		return nil, err
	}
	if h.State != CohostAccepted {
		return nil, &ConflictError{Message: "This instance does not co-host that consultation now."}
	}
	f, err := s.MemberByUsername(ctx, username)
	if errors.Is(err, ErrNotFound) {
		return nil, Invalid("username", "no member is called %q", username)
	}
	if err != nil {
		return nil, err
	}
	inst, err := s.InstanceActor(ctx)
	if err != nil {
		return nil, err
	}
	kind := CohostAddFacilitator
	if !add {
		kind = CohostRemoveFacilitator
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var tag interface{ RowsAffected() int64 }
		var err error
		if add {
			tag, err = tx.Exec(ctx, `INSERT INTO cohost_facilitators (cohost_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, h.ID, f.ID)
		} else {
			tag, err = tx.Exec(ctx, `DELETE FROM cohost_facilitators WHERE cohost_id = $1 AND account_id = $2`, h.ID, f.ID)
		}
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return s.publish(ctx, tx, &Outgoing{Kind: OutCohost, Actor: inst, Inboxes: []string{h.Inbox},
			ActivityID: inst.URI + "#cohost-facilitators/" + NewID(s.Now()),
			Cohost:     &CohostActivity{Type: kind, InviteURI: h.InviteURI, GroupURI: h.GroupURI, Target: s.links.Actor(f.Username)}})
	})
	if err != nil {
		return nil, fmt.Errorf("name a facilitator of %s: %w", h.GroupName, err)
	}
	return s.cohostWhere(ctx, s.pool, "h.id = $1", id)
}

// hostedCohost returns the co-hosting by the instance whose actor is from
// of the consultation hosted here whose Group (or its moderators
// collection) is groupURI.
func (s *Store) hostedCohost(ctx context.Context, q querier, from *Account, groupURI string) (*Cohost, error) {
	return s.cohostWhere(ctx, q, `g.domain IS NULL AND (g.uri = $1 OR g.uri || '/moderators' = $1) AND h.actor_uri = $2`,
		groupURI, from.URI)
}

// ReceiveCohostAnswer applies a peer's answer to this instance's invitation
// (inviteURI); an acceptance carries the peer's norms.
func (s *Store) ReceiveCohostAnswer(ctx context.Context, from *Account, inviteURI string, accepted bool, norms []string) error {
	h, err := s.cohostWhere(ctx, s.pool, "h.invite_uri = $1 AND h.actor_uri = $2 AND g.domain IS NULL", inviteURI, from.URI)
	if err != nil {
		return err
	}
	if h.State != CohostInvited {
		return nil // answered already, or withdrawn since
	}
	state := CohostDeclined
	if accepted {
		state = CohostAccepted
	}
	if len(norms) > 50 {
		norms = norms[:50]
	}
	clean := []string{}
	for _, n := range norms {
		if n = strings.TrimSpace(n); n != "" && len([]rune(n)) <= 1000 {
			clean = append(clean, n)
		}
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE cohosts SET state = $2, norms = $3, updated_at = $4 WHERE id = $1`, h.ID, state, clean, s.Now()); err != nil {
			return err
		}
		if !accepted {
			return nil
		}
		return s.updateCohostedGroup(ctx, tx, h)
	})
}

// ReceiveCohostLeave applies a co-host's leaving a consultation hosted here.
func (s *Store) ReceiveCohostLeave(ctx context.Context, from *Account, groupURI string) error {
	h, err := s.hostedCohost(ctx, s.pool, from, groupURI)
	if err != nil {
		return err
	}
	if h.State != CohostAccepted && h.State != CohostInvited {
		return nil
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.endCohost(ctx, tx, h, CohostLeft); err != nil {
			return err
		}
		return s.logAction(ctx, tx, &from.ID, "cohost", "cohost_left", &h.GroupID, from.URI, h.Domain+" no longer co-hosts")
	})
}

// ReceiveCohostWithdrawal applies a host's ending this instance's
// co-hosting of its consultation: its facilitators here may no longer act.
func (s *Store) ReceiveCohostWithdrawal(ctx context.Context, from *Account, groupURI string) error {
	h, err := s.cohostWhere(ctx, s.pool, "g.uri = $1 AND h.actor_uri = $2 AND g.domain IS NOT NULL", groupURI, from.URI)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		return s.endCohost(ctx, tx, h, CohostWithdrawn)
	})
}

// ReceiveCohostFacilitator applies a co-host's naming (or un-naming) one of
// its own accounts a facilitator of a consultation hosted here: only its
// instance actor may, only for accounts on its domain, and only while it
// co-hosts. The Group then tells its followers its new moderators.
func (s *Store) ReceiveCohostFacilitator(ctx context.Context, from *Account, groupURI string, facilitator *Account, add bool) error {
	h, err := s.hostedCohost(ctx, s.pool, from, groupURI)
	if err != nil {
		return err
	}
	if h.State == CohostInvited {
		// Its acceptance may still be on its way: the naming is tried again.
		return fmt.Errorf("%s has not answered its invitation to co-host %s yet", h.Domain, h.GroupName)
	}
	if h.State != CohostAccepted {
		return fmt.Errorf("%s does not co-host %s: %w", h.Domain, h.GroupName, ErrForbidden)
	}
	if facilitator.Local() || !strings.EqualFold(*facilitator.Domain, h.Domain) || facilitator.Group() {
		return fmt.Errorf("%s may only name its own members: %w", h.Domain, ErrForbidden)
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if add {
			_, err = tx.Exec(ctx, `INSERT INTO cohost_facilitators (cohost_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, h.ID, facilitator.ID)
		} else {
			_, err = tx.Exec(ctx, `DELETE FROM cohost_facilitators WHERE cohost_id = $1 AND account_id = $2`, h.ID, facilitator.ID)
		}
		if err != nil {
			return err
		}
		return s.updateCohostedGroup(ctx, tx, h)
	})
}

// CohostModerator returns the consultation hosted here (Group groupURI)
// when actor is a facilitator named by one of its current co-hosts, and
// ErrForbidden otherwise (FEP-1b12: moderation comes from the Group's
// IsCohostModerator reports whether the actor whose id is actorURI is a
// ReceiveCohostRemoval applies the removal, with a reason, of a
// contribution (uri) of a consultation hosted here by a co-host's
// cohostingFacilitator returns the co-hosting of the consultation hosted
// elsewhere named acct (slug@domain) when m is one of the facilitators this
// removeAsCohost asks the host of a consultation this instance co-hosts to
// remove one of its contributions (statusID, as stored here), on behalf of
// a facilitator this instance named: the request goes to the consultation's
// Group, signed by the facilitator; the host applies it and announces it,
// actAsCohost asks the host of a consultation this instance co-hosts to
// lock, unlock, pin or unpin one of its threads (statusID, as stored here),
// ReceiveCohostThreadAction applies a co-host facilitator's locking,
// unlocking, pinning or unpinning of a thread (uri) of a consultation hosted
// CohostedFor returns the consultations hosted elsewhere that this
// cohostDomains returns the domains of the instances co-hosting a
// consultation hosted here.
func cohostDomains(ctx context.Context, q querier, groupID string) ([]string, error) {
	rows, _ := q.Query(ctx, `SELECT domain FROM cohosts WHERE group_id = $1 AND state = 'accepted' ORDER BY created_at LIMIT 50`, groupID)
	domains, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("co-hosts of %s: %w", groupID, err)
	}
	return domains, nil
}

// SetRemoteCohosts records the co-hosts that a consultation hosted
// elsewhere (a remote Group) names; what is not a domain is left out.
func (s *Store) SetRemoteCohosts(ctx context.Context, groupID string, domains []string) error {
	clean := []string{}
	for _, d := range domains {
		if d, err := normaliseDomain(d); err == nil && len(clean) < 50 {
			clean = append(clean, d)
		}
	}
	_, err := s.pool.Exec(ctx, `UPDATE accounts SET cohost_domains = $2 WHERE id = $1 AND domain IS NOT NULL AND actor_type = 'Group'`,
		groupID, clean)
	return err
}

// GroupCohosts returns the domains of the instances co-hosting a
// consultation: from the co-hostings when it is hosted here, else as its
// Group names them.
func (s *Store) GroupCohosts(ctx context.Context, a *Account) ([]string, error) {
	if a.Local() {
		return cohostDomains(ctx, s.pool, a.ID)
	}
	var domains []string
	if err := s.pool.QueryRow(ctx, `SELECT cohost_domains FROM accounts WHERE id = $1`, a.ID).Scan(&domains); err != nil {
		return nil, fmt.Errorf("co-hosts of %s: %w", a.ID, err)
	}
	return domains, nil
}

// updateCohostedGroup tells the followers of a consultation hosted here,
// and every instance co-hosting it or just leaving, that its Group changed
// (its moderators, its co-hosts).
func (s *Store) updateCohostedGroup(ctx context.Context, tx pgx.Tx, h *Cohost) error {
	if _, err := tx.Exec(ctx, `UPDATE accounts SET updated_at = $2 WHERE id = $1`, h.GroupID, s.Now()); err != nil {
		return err
	}
	if err := s.publishGroupUpdate(ctx, tx, h.GroupID); err != nil {
		return err
	}
	rows, _ := tx.Query(ctx, `SELECT inbox FROM cohosts WHERE group_id = $1 AND (state = 'accepted' OR id = $2)`, h.GroupID, h.ID)
	inboxes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	group, err := s.actorWhere(ctx, tx, "a.id = $1", h.GroupID)
	if err != nil {
		return err
	}
	acc, err := s.accountByIDTx(ctx, tx, h.GroupID)
	if err != nil {
		return err
	}
	c, err := s.consultationWhere(ctx, tx, "c.account_id = $1", h.GroupID)
	if err != nil {
		return err
	}
	return s.publish(ctx, tx, &Outgoing{Kind: OutUpdateActor, Actor: group, Account: acc, Consultation: c, Inboxes: inboxes})
}

// synthesisAsCohost sends the synthesis of a consultation this instance
// co-hosts, written by a facilitator it named, to the consultation's host,
// which publishes it as the consultation's. Its sources are contributions
// ReceiveCohostSynthesis publishes the synthesis a co-host's facilitator
// wrote (sources by their ActivityPub ids) as the synthesis of the
