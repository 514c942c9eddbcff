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

// Moderation actions on contributions and accounts: hold a contribution for
// review and release it, hide it behind a content warning the moderator
// writes, limit an account. Each takes a reason and may cite one of the
// instance's norms by number; each is logged. Instance moderators and admins
// may take them all; a consultation's facilitators, those on its
// contributions.

// checkReason validates a reason and its cited norm, as every moderation
// action does (see groundsText).
func (s *Store) checkReason(ctx context.Context, r *Grounds) error {
	if _, err := s.groundsText(ctx, *r); err != nil {
		return err
	}
	r.Reason = strings.TrimSpace(r.Reason)
	return nil
}

// logReasoned logs an action with the norm it cites.
func (s *Store) logReasoned(ctx context.Context, tx pgx.Tx, actorID *string, role, action string, consultationID *string, target string, r Grounds) error {
	var norm *int
	if r.Norm > 0 {
		norm = &r.Norm
	}
	now := s.Now()
	_, err := tx.Exec(ctx, `INSERT INTO moderation_log (id, actor_id, actor_role, action, consultation_id, target_uri, reason, created_at, norm)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, NewID(now), actorID, role, action, consultationID, target, r.Reason, now, norm)
	return err
}

// moderatedStatus is a status with its moderation state.
type moderatedStatus struct {
	Status
	HeldAt           *time.Time `db:"held_at"`
	DeliverOnRelease bool       `db:"deliver_on_release"`
	HeldActivity     []byte     `db:"held_activity"`
	ForcedCW         *string    `db:"forced_cw"`
}

// actionTarget loads a status for m to act on, and says in which role m
// acts and in which consultation hosted here (if any) the status is.
func (s *Store) actionTarget(ctx context.Context, q querier, m *Member, statusID string) (*moderatedStatus, string, *Consultation, error) {
	if !ValidID(statusID) {
		return nil, "", nil, fmt.Errorf("contribution %q: %w", statusID, ErrNotFound)
	}
	rows, _ := q.Query(ctx, `SELECT `+statusColumns+`, s.held_at, s.deliver_on_release, s.held_activity, s.forced_cw
		FROM statuses s WHERE s.id = $1`, statusID)
	st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[moderatedStatus])
	if err != nil {
		return nil, "", nil, notFound(err, "contribution "+statusID)
	}
	var c *Consultation
	if st.GroupID != nil {
		c, err = s.consultationWhere(ctx, q, "c.account_id = $1", *st.GroupID)
		if errors.Is(err, ErrNotFound) {
			c, err = nil, nil
		}
		if err != nil {
			return nil, "", nil, err
		}
	}
	switch {
	case c != nil && c.IsFacilitator(m) && !isModerator(m):
		return st, "facilitator", c, nil
	case isModerator(m):
		return st, "moderator", c, nil
	}
	return nil, "", nil, fmt.Errorf("act on contribution %s: %w", statusID, ErrForbidden)
}

func consultationRef(c *Consultation) *string {
	if c == nil {
		return nil
	}
	return &c.AccountID
}

// HoldContribution holds a contribution for review: until it is released,
// only its author and those who moderate it see it.
func (s *Store) HoldContribution(ctx context.Context, m *Member, statusID string, r Grounds) (*Status, error) {
	if err := s.checkReason(ctx, &r); err != nil {
		return nil, err
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		st, role, c, err := s.actionTarget(ctx, tx, m, statusID)
		if err != nil {
			return err
		}
		if st.HeldAt != nil {
			return &ConflictError{Message: "This contribution is already held for review."}
		}
		if _, err := tx.Exec(ctx, `UPDATE statuses SET held_at = $2 WHERE id = $1`, st.ID, s.Now()); err != nil {
			return err
		}
		return s.logReasoned(ctx, tx, &m.ID, role, "hold", consultationRef(c), deref(st.URI), r)
	})
	if err != nil {
		return nil, fmt.Errorf("hold %s: %w", statusID, err)
	}
	return s.statusForModerator(ctx, m, statusID)
}

// ReleaseContribution approves a held contribution: everyone who may see it
// sees it again, and one that was held before it went anywhere goes now, as
// it would have (to its author's followers, and announced by the
// consultation hosted here).
func (s *Store) ReleaseContribution(ctx context.Context, m *Member, statusID string, r Grounds) (*Status, error) {
	if err := s.checkReason(ctx, &r); err != nil {
		return nil, err
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		st, role, c, err := s.actionTarget(ctx, tx, m, statusID)
		if err != nil {
			return err
		}
		if st.HeldAt == nil {
			return &ConflictError{Message: "This contribution is not held for review."}
		}
		if _, err := tx.Exec(ctx, `UPDATE statuses SET held_at = NULL, deliver_on_release = false, held_activity = NULL
			WHERE id = $1`, st.ID); err != nil {
			return err
		}
		if err := s.logReasoned(ctx, tx, &m.ID, role, "release", consultationRef(c), deref(st.URI), r); err != nil {
			return err
		}
		if !st.DeliverOnRelease {
			return nil
		}
		return s.deliverReleased(ctx, tx, st, c)
	})
	if err != nil {
		return nil, fmt.Errorf("release %s: %w", statusID, err)
	}
	return s.statusForModerator(ctx, m, statusID)
}

// deliverReleased sends a released contribution where it would have gone
// had it not been held: a local author's to its audience, and, in a
// consultation hosted here, the Group's announce (of the activity as
// received, for a remote author; of a copy under its name, under the
// Chatham House rule).
func (s *Store) deliverReleased(ctx context.Context, tx pgx.Tx, st *moderatedStatus, c *Consultation) error {
	var g *groupChoice
	if st.GroupID != nil {
		g = &groupChoice{id: *st.GroupID, local: c, kind: ContributeReply}
		if st.InReplyToID == nil && st.InReplyToURI == nil {
			g.kind = ContributeThread
		}
	}
	chatham := c != nil && c.Attribution == AttributionChatham
	if !chatham {
		if st.Local {
			if err := s.publishStatus(ctx, tx, OutCreate, &st.Status, nil); err != nil {
				return err
			}
		}
		return s.announce(ctx, tx, g, &st.Status, st.HeldActivity)
	}
	cp, err := s.chathamCopy(ctx, tx, g, &st.Status)
	if err != nil {
		return err
	}
	return s.announce(ctx, tx, g, cp, nil)
}

// MaxWarningLength is the longest content warning a moderator may force.
const MaxWarningLength = 500

// HideContribution puts a contribution behind a content warning the
// moderator writes (warning; the reason when empty): it is shown as
// sensitive, with that warning, here. A local contribution's copies
// elsewhere receive it as an Update.
func (s *Store) HideContribution(ctx context.Context, m *Member, statusID, warning string, r Grounds) (*Status, error) {
	if err := s.checkReason(ctx, &r); err != nil {
		return nil, err
	}
	warning = strings.TrimSpace(warning)
	if warning == "" {
		warning = r.Reason
	}
	if utf8.RuneCountInString(warning) > MaxWarningLength {
		return nil, Invalid("spoiler_text", "a content warning is at most %d characters", MaxWarningLength)
	}
	return s.setForcedWarning(ctx, m, statusID, &warning, "hide", r)
}

// UnhideContribution takes a forced content warning away: the
// contribution shows as its author wrote it.
func (s *Store) UnhideContribution(ctx context.Context, m *Member, statusID string, r Grounds) (*Status, error) {
	if err := s.checkReason(ctx, &r); err != nil {
		return nil, err
	}
	return s.setForcedWarning(ctx, m, statusID, nil, "unhide", r)
}

func (s *Store) setForcedWarning(ctx context.Context, m *Member, statusID string, warning *string, action string, r Grounds) (*Status, error) {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		st, role, c, err := s.actionTarget(ctx, tx, m, statusID)
		if err != nil {
			return err
		}
		switch {
		case warning == nil && st.ForcedCW == nil:
			return &ConflictError{Message: "This contribution has no content warning forced on it."}
		case warning != nil && st.ForcedCW != nil && *st.ForcedCW == *warning:
			return &ConflictError{Message: "This contribution is already hidden behind that content warning."}
		}
		// A local contribution counts as edited (as Mastodon does when a
		// moderator marks one sensitive): other servers apply an Update,
		// and what they fetch, only when it is newer than what they hold.
		if _, err := tx.Exec(ctx, `UPDATE statuses SET forced_cw = $2,
			edited_at = CASE WHEN local AND held_at IS NULL THEN $3 ELSE edited_at END WHERE id = $1`,
			st.ID, warning, s.Now()); err != nil {
			return err
		}
		if err := s.logReasoned(ctx, tx, &m.ID, role, action, consultationRef(c), deref(st.URI), r); err != nil {
			return err
		}
		if !st.Local || st.HeldAt != nil {
			return nil // a held contribution goes out as it is once released
		}
		rows, _ := tx.Query(ctx, `SELECT `+statusColumns+` FROM statuses s WHERE s.id = $1`, st.ID)
		now, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Status])
		if err != nil {
			return err
		}
		if err := s.publishStatus(ctx, tx, OutUpdate, now, nil); err != nil {
			return err
		}
		obj, err := s.statusObject(ctx, tx, now)
		if err != nil {
			return err
		}
		return s.announceChange(ctx, tx, now, obj, OutUpdate, nil)
	})
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", action, statusID, err)
	}
	return s.statusForModerator(ctx, m, statusID)
}

// moderatedForEdit prepares an author's edit of st for delivery: a
// content warning forced on it stays, and whether it is held (then the
// edit goes nowhere yet) is returned.
func (s *Store) moderatedForEdit(ctx context.Context, tx pgx.Tx, st *Status) (held bool, err error) {
	var forced *string
	if err := tx.QueryRow(ctx, `SELECT held_at IS NOT NULL, forced_cw FROM statuses WHERE id = $1`, st.ID).Scan(&held, &forced); err != nil {
		return false, err
	}
	if forced != nil {
		st.SpoilerText, st.Sensitive = *forced, true
	}
	return held, nil
}

// ownWarning returns the content warning and sensitivity the author gave
// a status, whatever a moderator forced on it.
func (s *Store) ownWarning(ctx context.Context, statusID string) (warning string, sensitive bool, err error) {
	err = s.pool.QueryRow(ctx, `SELECT spoiler_text, sensitive FROM statuses WHERE id = $1`, statusID).Scan(&warning, &sensitive)
	return warning, sensitive, err
}

// statusForModerator returns a status m has just acted on, as the queue
// shows it: whoever else may see it.
func (s *Store) statusForModerator(ctx context.Context, m *Member, id string) (*Status, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+statusColumns+` FROM statuses s WHERE s.id = $1`, id)
	st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Status])
	if err != nil {
		return nil, notFound(err, "contribution "+id)
	}
	if err := s.hydrate(ctx, m.ID, []*Status{st}); err != nil {
		return nil, err
	}
	return st, nil
}

// HeldContributions returns the contributions held for review that m
// moderates, oldest first: all of them for instance moderators, those of
// the consultations m facilitates otherwise.
func (s *Store) HeldContributions(ctx context.Context, m *Member) ([]*Status, error) {
	if err := s.mayModerate(ctx, m); err != nil {
		return nil, fmt.Errorf("held contributions: %w", err)
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+statusColumns+` FROM statuses s WHERE s.held_at IS NOT NULL AND `+moderates("$1")+`
		ORDER BY s.held_at, s.id LIMIT 200`, m.ID)
	sts, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Status])
	if err != nil {
		return nil, fmt.Errorf("held contributions: %w", err)
	}
	if err := s.hydrate(ctx, m.ID, sts); err != nil {
		return nil, err
	}
	return sts, nil
}

// LimitAccount limits a member or a remote account: what it posts is seen
// only by its followers (and those who moderate it), and its contributions
// to consultations hosted here are held for review. Only instance
// moderators and admins may.
func (s *Store) LimitAccount(ctx context.Context, m *Member, accountID string, r Grounds) (*Account, error) {
	return s.setLimited(ctx, m, accountID, true, r)
}

// UnlimitAccount lifts a limit on an account.
func (s *Store) UnlimitAccount(ctx context.Context, m *Member, accountID string, r Grounds) (*Account, error) {
	return s.setLimited(ctx, m, accountID, false, r)
}

func (s *Store) setLimited(ctx context.Context, m *Member, accountID string, limit bool, r Grounds) (*Account, error) {
	action := "limit"
	if !limit {
		action = "unlimit"
	}
	if !isModerator(m) {
		return nil, fmt.Errorf("%s an account: %w", action, ErrForbidden)
	}
	if err := s.checkReason(ctx, &r); err != nil {
		return nil, err
	}
	acc, err := s.Account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if acc.ID == m.ID {
		return nil, Invalid("account_id", "you cannot %s yourself", action)
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var limitedAt *time.Time
		var uri *string
		if err := tx.QueryRow(ctx, `SELECT limited_at, uri FROM accounts WHERE id = $1 FOR UPDATE`, acc.ID).Scan(&limitedAt, &uri); err != nil {
			return err
		}
		if limit == (limitedAt != nil) {
			if limit {
				return &ConflictError{Message: "This account is already limited."}
			}
			return &ConflictError{Message: "This account is not limited."}
		}
		var at *time.Time
		if limit {
			now := s.Now()
			at = &now
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET limited_at = $2 WHERE id = $1`, acc.ID, at); err != nil {
			return err
		}
		target := deref(uri)
		if target == "" {
			target = s.links.Actor(acc.Username)
		}
		return s.logReasoned(ctx, tx, &m.ID, "moderator", action, nil, target, r)
	})
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", action, accountID, err)
	}
	return s.Account(ctx, accountID)
}

// AccountLimited reports whether an account is limited, by itself or
// through its domain's `limit` policy.
func (s *Store) AccountLimited(ctx context.Context, accountID string) (bool, error) {
	return accountLimited(ctx, s.pool, accountID)
}

func accountLimited(ctx context.Context, q querier, accountID string) (bool, error) {
	var limited bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM accounts la LEFT JOIN peers lp ON lp.domain = lower(la.domain)
		WHERE la.id = $1 AND (la.limited_at IS NOT NULL OR lp.policy = 'limit'))`, accountID).Scan(&limited)
	return limited, err
}
