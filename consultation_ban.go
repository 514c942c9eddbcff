package roundtable

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Bans from consultations. A consultation hosted here bans an account: its
// Group tells its followers and the account's server with a Block (actor =
// the Group, object = the account, target = the Group, summary = the
// reason), as FEP-1b12 groups (Lemmy, PieFed) do; the account's membership
// ends and its later contributions are refused. A ban that a Group on
// another server sends is recorded here too, and a member of ours it
// concerns is told, with its reason.

// ConsultationBan is an account banned from a consultation.
type ConsultationBan struct {
	ID             string    `db:"id"`
	ConsultationID string    `db:"consultation_id"` // the Group account
	AccountID      string    `db:"account_id"`
	URI            string    `db:"uri"` // the Block's id
	Reason         string    `db:"reason"`
	CreatedAt      time.Time `db:"created_at"`

	Account *Account `db:"-"`
	Group   *Account `db:"-"`
}

const banColumns = `id, consultation_id, account_id, uri, reason, created_at`

// checkBan refuses the contributions of an account banned from c.
func (s *Store) checkBan(ctx context.Context, q querier, c *Consultation, author *Account) error {
	var reason string
	err := q.QueryRow(ctx, `SELECT reason FROM consultation_bans WHERE consultation_id = $1 AND account_id = $2`,
		c.AccountID, author.ID).Scan(&reason)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return &Refusal{Message: fmt.Sprintf("You are banned from the consultation %q: %s", c.Title, reason)}
}

// BanFromConsultation bans an account from a consultation hosted here, with
// a reason (its facilitators and the instance's moderators).
func (s *Store) BanFromConsultation(ctx context.Context, m *Member, slug, accountID string, g Grounds) (*ConsultationBan, error) {
	reason, err := s.groundsText(ctx, g)
	if err != nil {
		return nil, err
	}
	c, role, err := s.moderatedConsultation(ctx, m, slug)
	if err != nil {
		return nil, err
	}
	target, err := s.Account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if target.ID == m.ID || target.ID == c.AccountID || target.Group() {
		return nil, Invalid("account_id", "this account cannot be banned from the consultation")
	}
	for _, f := range c.Facilitators {
		if f.ID == target.ID {
			return nil, Invalid("account_id", "a facilitator cannot be banned from their consultation")
		}
	}
	now := s.Now()
	id := NewID(now)
	group, err := s.ActorByAccountID(ctx, c.AccountID)
	if err != nil {
		return nil, err
	}
	uri := group.URI + "#bans/" + id
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO consultation_bans (id, consultation_id, account_id, uri, reason, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, id, c.AccountID, target.ID, uri, reason, now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return &ConflictError{Message: "This account is banned from the consultation already."}
		}
		// Where the news goes is read before the membership ends.
		inboxes, err := s.groupInboxes(ctx, tx, c.AccountID)
		if err != nil {
			return err
		}
		if _, err := cutFollows(ctx, tx, "f.account_id = $1 AND f.target_account_id = $2", target.ID, c.AccountID); err != nil {
			return err
		}
		if err := s.logAction(ctx, tx, &m.ID, role, "ban", &c.AccountID, target.URI, reason); err != nil {
			return err
		}
		if target.Local() {
			if err := s.notifyWith(ctx, tx, target.ID, c.AccountID, NotifyBanned, banNotice(c.Title, reason), nil); err != nil {
				return err
			}
		}
		other, err := s.actorWhere(ctx, tx, "a.id = $1", target.ID)
		if err != nil {
			return err
		}
		if !other.Local() {
			inboxes = append(inboxes, other.DeliveryInbox())
		}
		return s.publish(ctx, tx, &Outgoing{Kind: OutBan, Actor: group, Target: other, ActivityID: uri, Reason: reason, Inboxes: inboxes})
	})
	if err != nil {
		return nil, fmt.Errorf("ban %s from %s: %w", accountID, slug, err)
	}
	return s.ban(ctx, c.AccountID, target.ID)
}

func banNotice(title, reason string) string {
	return fmt.Sprintf("You were banned from the consultation %q: %s", title, reason)
}

// UnbanFromConsultation ends a ban, with a reason: the Group undoes its
// Block.
func (s *Store) UnbanFromConsultation(ctx context.Context, m *Member, slug, accountID string, g Grounds) error {
	reason, err := s.groundsText(ctx, g)
	if err != nil {
		return err
	}
	c, role, err := s.moderatedConsultation(ctx, m, slug)
	if err != nil {
		return err
	}
	b, err := s.ban(ctx, c.AccountID, accountID)
	if err != nil {
		return err
	}
	group, err := s.ActorByAccountID(ctx, c.AccountID)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM consultation_bans WHERE id = $1`, b.ID); err != nil {
			return err
		}
		if err := s.logAction(ctx, tx, &m.ID, role, "unban", &c.AccountID, b.Account.URI, reason); err != nil {
			return err
		}
		inboxes, err := s.groupInboxes(ctx, tx, c.AccountID)
		if err != nil {
			return err
		}
		other, err := s.actorWhere(ctx, tx, "a.id = $1", b.AccountID)
		if err != nil {
			return err
		}
		if !other.Local() {
			inboxes = append(inboxes, other.DeliveryInbox())
		}
		return s.publish(ctx, tx, &Outgoing{Kind: OutUndoBan, Actor: group, Target: other, ActivityID: b.URI, Reason: reason, Inboxes: inboxes})
	})
	if err != nil {
		return fmt.Errorf("unban %s from %s: %w", accountID, slug, err)
	}
	return nil
}

// moderatedConsultation returns the consultation hosted here that m
// facilitates or moderates, with the role m acts in.
func (s *Store) moderatedConsultation(ctx context.Context, m *Member, slug string) (*Consultation, string, error) {
	c, err := s.Consultation(ctx, slug)
	if err != nil {
		return nil, "", err
	}
	switch {
	case c.IsFacilitator(m):
		return c, "facilitator", nil
	case isModerator(m):
		return c, "moderator", nil
	}
	return nil, "", fmt.Errorf("moderate %s: %w", slug, ErrForbidden)
}

// ConsultationBans lists the bans of a consultation hosted here, for its
// facilitators and the moderators.
func (s *Store) ConsultationBans(ctx context.Context, m *Member, slug string) ([]*ConsultationBan, error) {
	c, _, err := s.moderatedConsultation(ctx, m, slug)
	if err != nil {
		return nil, err
	}
	return s.bansWhere(ctx, "consultation_id = $1", c.AccountID)
}

// AllConsultationBans lists every ban recorded here, made here or received
// from consultations elsewhere, for moderators.
func (s *Store) AllConsultationBans(ctx context.Context, m *Member) ([]*ConsultationBan, error) {
	if err := requireModerator(m, "bans"); err != nil {
		return nil, err
	}
	return s.bansWhere(ctx, "true")
}

// MemberBans lists the consultations that banned the member.
func (s *Store) MemberBans(ctx context.Context, m *Member) ([]*ConsultationBan, error) {
	return s.bansWhere(ctx, "account_id = $1", m.ID)
}

func (s *Store) bansWhere(ctx context.Context, where string, args ...any) ([]*ConsultationBan, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+banColumns+` FROM consultation_bans WHERE `+where+` ORDER BY created_at DESC LIMIT 500`, args...)
	bans, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[ConsultationBan])
	if err != nil {
		return nil, fmt.Errorf("bans: %w", err)
	}
	var ids []string
	for _, b := range bans {
		ids = append(ids, b.AccountID, b.ConsultationID)
	}
	accounts, err := s.accountsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, b := range bans {
		b.Account, b.Group = accounts[b.AccountID], accounts[b.ConsultationID]
	}
	return bans, nil
}

func (s *Store) ban(ctx context.Context, groupID, accountID string) (*ConsultationBan, error) {
	if !ValidID(accountID) {
		return nil, fmt.Errorf("ban of %q: %w", accountID, ErrNotFound)
	}
	bans, err := s.bansWhere(ctx, "consultation_id = $1 AND account_id = $2", groupID, accountID)
	if err != nil {
		return nil, err
	}
	if len(bans) == 0 {
		return nil, fmt.Errorf("ban of %s: %w", accountID, ErrNotFound)
	}
	return bans[0], nil
}

// ReceiveConsultationBan records a ban that a consultation on another
// server made (its Group's Block of target, with uri its id and reason its
// summary). A member of ours it concerns leaves the consultation and is
// told why.
func (s *Store) ReceiveConsultationBan(ctx context.Context, group, target *Account, uri, reason string) error {
	if !group.Group() || group.Local() || uri == "" {
		return nil
	}
	reason = PlainText(reason)
	if utf8.RuneCountInString(reason) > 1000 {
		reason = string([]rune(reason)[:1000])
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		reason = "No reason was given."
	}
	now := s.Now()
	return s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO consultation_bans (id, consultation_id, account_id, uri, reason, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (consultation_id, account_id) DO UPDATE SET uri = excluded.uri, reason = excluded.reason`,
			NewID(now), group.ID, target.ID, uri, reason, now)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		if err := s.logAction(ctx, tx, &group.ID, "consultation", "banned_by_consultation", &group.ID, target.URI, reason); err != nil {
			return err
		}
		if !target.Local() {
			return nil
		}
		if _, err := cutFollows(ctx, tx, "f.account_id = $1 AND f.target_account_id = $2", target.ID, group.ID); err != nil {
			return err
		}
		title := group.DisplayName
		if title == "" {
			title = group.Acct()
		}
		return s.notifyWith(ctx, tx, target.ID, group.ID, NotifyBanned, banNotice(title, reason), nil)
	})
}

// ReceiveConsultationUnban removes a ban that a consultation on another
// server undid (uri is the id of its Block).
func (s *Store) ReceiveConsultationUnban(ctx context.Context, group *Account, uri string) error {
	if !group.Group() || group.Local() || uri == "" {
		return nil
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var target string
		err := tx.QueryRow(ctx, `DELETE FROM consultation_bans WHERE consultation_id = $1 AND uri = $2 RETURNING account_id`,
			group.ID, uri).Scan(&target)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		var targetURI string
		if err := tx.QueryRow(ctx, `SELECT coalesce(uri, '') FROM accounts WHERE id = $1`, target).Scan(&targetURI); err != nil {
			return err
		}
		return s.logAction(ctx, tx, &group.ID, "consultation", "unbanned_by_consultation", &group.ID, targetURI, "")
	})
}
