package roundtable

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Suspensions. A suspended local member cannot sign in nor use their
// tokens, their actor is served with suspended: true, and their
// contributions are hidden; a suspended remote account has nothing
// accepted from it and its content is hidden here. A suspension keeps
// everything, so lifting it restores the account as it was. Turning off
// sign-in ("disable") only keeps a member from signing in.

// SuspendAccount suspends an account, with a reason and optionally the
// report it answers (resolved with it). A local member is told, through a
// warning they may appeal.
func (s *Store) SuspendAccount(ctx context.Context, m *Member, accountID string, g Grounds, reportID string) error {
	return s.restrict(ctx, m, accountID, g, reportID, "suspend")
}

// DisableSignIn turns off a local member's sign-in and tokens, with a
// reason; their contributions stay.
func (s *Store) DisableSignIn(ctx context.Context, m *Member, accountID string, g Grounds, reportID string) error {
	return s.restrict(ctx, m, accountID, g, reportID, "disable")
}

func (s *Store) restrict(ctx context.Context, m *Member, accountID string, g Grounds, reportID, action string) error {
	if err := requireModerator(m, action); err != nil {
		return err
	}
	reason, err := s.groundsText(ctx, g)
	if err != nil {
		return err
	}
	target, err := s.Account(ctx, accountID)
	if err != nil {
		return err
	}
	if err := s.mayRestrict(ctx, m, target); err != nil {
		return err
	}
	if action == "disable" && !target.Local() {
		return Invalid("type", "only the sign-in of a member of this instance can be turned off")
	}
	rep, err := s.reportFor(ctx, m, reportID)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		now := s.Now()
		if action == "suspend" {
			tag, err := tx.Exec(ctx, `UPDATE accounts SET suspended_at = $2, updated_at = $2 WHERE id = $1 AND suspended_at IS NULL`, target.ID, now)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return &ConflictError{Message: "This account is suspended already."}
			}
			if target.Local() {
				if err := s.publishSuspension(ctx, tx, target.ID); err != nil {
					return err
				}
			}
		} else {
			tag, err := tx.Exec(ctx, `UPDATE members SET disabled_at = $2 WHERE account_id = $1 AND disabled_at IS NULL`, target.ID, now)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return &ConflictError{Message: "This member's sign-in is turned off already."}
			}
		}
		if _, err := s.recordWarning(ctx, tx, m, target, action, reason, nil, reportID); err != nil {
			return err
		}
		if err := s.logAction(ctx, tx, &m.ID, "moderator", action, nil, target.URI, reason); err != nil {
			return err
		}
		if rep != nil {
			return s.closeReports(ctx, tx, m, rep, "suspend", reason)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s %s: %w", action, accountID, err)
	}
	return nil
}

// mayRestrict checks that target may be suspended by m: not oneself, not a
// consultation of this instance, not the instance, and not an admin unless
// m is one.
func (s *Store) mayRestrict(ctx context.Context, m *Member, target *Account) error {
	if target.ID == m.ID {
		return Invalid("account_id", "you cannot act on your own account")
	}
	if target.Local() && (target.Group() || target.Username == InstanceActorName) {
		return Invalid("account_id", "consultations and the instance are not suspended; close or change them instead")
	}
	if target.Local() {
		other, err := s.Member(ctx, target.ID)
		if err != nil {
			return err
		}
		if other.Role == RoleAdmin && m.Role != RoleAdmin {
			return fmt.Errorf("act on an admin: %w", ErrForbidden)
		}
	}
	return nil
}

// UnsuspendAccount lifts a suspension and turns sign-in back on, with a
// reason.
func (s *Store) UnsuspendAccount(ctx context.Context, m *Member, accountID string, g Grounds) error {
	if err := requireModerator(m, "unsuspend"); err != nil {
		return err
	}
	reason, err := s.groundsText(ctx, g)
	if err != nil {
		return err
	}
	target, err := s.Account(ctx, accountID)
	if err != nil {
		return err
	}
	if err := s.mayRestrict(ctx, m, target); err != nil {
		return err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var disabled bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM members WHERE account_id = $1 AND disabled_at IS NOT NULL)`,
			target.ID).Scan(&disabled); err != nil {
			return err
		}
		if target.SuspendedAt == nil && !disabled {
			return &ConflictError{Message: "This account is not suspended."}
		}
		if err := s.liftSuspension(ctx, tx, target); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE members SET disabled_at = NULL WHERE account_id = $1`, target.ID); err != nil {
			return err
		}
		return s.logAction(ctx, tx, &m.ID, "moderator", "unsuspend", nil, target.URI, reason)
	})
	if err != nil {
		return fmt.Errorf("unsuspend %s: %w", accountID, err)
	}
	return nil
}

// liftSuspension ends a suspension and, for a local member, tells their
// followers' servers.
func (s *Store) liftSuspension(ctx context.Context, tx pgx.Tx, target *Account) error {
	tag, err := tx.Exec(ctx, `UPDATE accounts SET suspended_at = NULL, updated_at = $2 WHERE id = $1 AND suspended_at IS NOT NULL`,
		target.ID, s.Now())
	if err != nil || tag.RowsAffected() == 0 || !target.Local() {
		return err
	}
	return s.publishSuspension(ctx, tx, target.ID)
}

// publishSuspension sends a local member's actor, suspended or not, to
// their followers' servers.
func (s *Store) publishSuspension(ctx context.Context, tx pgx.Tx, accountID string) error {
	inboxes, err := s.groupInboxes(ctx, tx, accountID)
	if err != nil || len(inboxes) == 0 {
		return err
	}
	actor, err := s.actorWhere(ctx, tx, "a.id = $1", accountID)
	if err != nil {
		return err
	}
	acc, err := s.accountByIDTx(ctx, tx, accountID)
	if err != nil {
		return err
	}
	return s.publish(ctx, tx, &Outgoing{Kind: OutUpdateActor, Actor: actor, Account: acc, Inboxes: inboxes})
}

// AccountSuspended reports whether the account is suspended here.
func (s *Store) AccountSuspended(ctx context.Context, id string) (bool, error) {
	var suspended bool
	err := s.pool.QueryRow(ctx, `SELECT suspended_at IS NOT NULL FROM accounts WHERE id = $1`, id).Scan(&suspended)
	if err != nil {
		return false, notFound(err, "account "+id)
	}
	return suspended, nil
}
