package roundtable

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Moderation actions and their log. Every action says who took it (by
// role), on what, and why.

// LogEntry is one moderation action.
type LogEntry struct {
	ID             string    `db:"id"`
	ActorID        *string   `db:"actor_id"`
	ActorRole      string    `db:"actor_role"` // moderator, facilitator, consultation
	Action         string    `db:"action"`
	ConsultationID *string   `db:"consultation_id"`
	TargetURI      string    `db:"target_uri"`
	Reason         string    `db:"reason"`
	Norm           *int      `db:"norm"` // the number of the instance norm cited, if any
	CreatedAt      time.Time `db:"created_at"`
	BasedOn        []string  `db:"based_on"` // the advisories the action relied on
}

func (s *Store) logAction(ctx context.Context, tx pgx.Tx, actorID *string, role, action string, consultationID *string, target, reason string) error {
	now := s.Now()
	_, err := tx.Exec(ctx, `INSERT INTO moderation_log (id, actor_id, actor_role, action, consultation_id, target_uri, reason, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, NewID(now), actorID, role, action, consultationID, target, reason, now)
	return err
}

// ModerationLog returns the latest moderation actions, newest first, for
// moderators and facilitators.
func (s *Store) ModerationLog(ctx context.Context, m *Member, limit int) ([]LogEntry, error) {
	if err := s.mayModerate(ctx, m); err != nil {
		return nil, fmt.Errorf("%s: %w", "moderation log", err)
	}
	if limit <= 0 || limit > 200 {
		limit = 100
	}
	rows, _ := s.pool.Query(ctx, `SELECT id, actor_id, actor_role, action, consultation_id, target_uri, reason, norm, created_at, based_on
		FROM moderation_log ORDER BY created_at DESC LIMIT $1`, limit)
	entries, err := pgx.CollectRows(rows, pgx.RowToStructByName[LogEntry])
	if err != nil {
		return nil, fmt.Errorf("moderation log: %w", err)
	}
	return entries, nil
}

// RemoveContribution removes a contribution from a consultation hosted
// here, with a reason: it is deleted here, logged, and the consultation
// tells everyone who joined (and the author's server) to remove it too.
func (s *Store) RemoveContribution(ctx context.Context, m *Member, slug, statusID, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > 1000 {
		return Invalid("reason", "a removal needs a reason of at most 1000 characters")
	}
	if strings.Contains(slug, "@") {
		// A consultation hosted elsewhere that this instance co-hosts.
		return s.removeAsCohost(ctx, m, slug, statusID, reason)
	}
	c, err := s.Consultation(ctx, slug)
	if err != nil {
		return err
	}
	if !c.IsFacilitator(m) && !isModerator(m) {
		return fmt.Errorf("remove from %s: %w", slug, ErrForbidden)
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+statusColumns+` FROM statuses s WHERE s.id = $1 AND s.group_id = $2`, statusID, c.AccountID)
	st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Status])
	if err != nil {
		return notFound(err, "contribution "+statusID+" in "+slug)
	}
	role := "facilitator"
	if isModerator(m) && !c.IsFacilitator(m) {
		role = "moderator"
	}
	return s.removeFromConsultation(ctx, c, st, m.ID, role, reason)
}

// removeFromConsultation deletes a contribution of a consultation hosted
// here, logs who removed it (actorID, in role) and why, and has the
// consultation tell its followers and the author's server.
func (s *Store) removeFromConsultation(ctx context.Context, c *Consultation, st *Status, actorID, role, reason string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		inboxes, err := s.groupInboxes(ctx, tx, c.AccountID)
		if err != nil {
			return err
		}
		author, err := s.actorWhere(ctx, tx, "a.id = $1", st.AccountID)
		if err != nil {
			return err
		}
		if !author.Local() {
			inboxes = append(inboxes, author.DeliveryInbox())
		}
		group, err := s.actorWhere(ctx, tx, "a.id = $1", c.AccountID)
		if err != nil {
			return err
		}
		uri := deref(st.URI)
		if err := s.logAction(ctx, tx, &actorID, role, "remove", &c.AccountID, uri, reason); err != nil {
			return err
		}
		if err := resolveReportsOn(ctx, tx, st.ID, actorID, "remove", reason, s.Now()); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM statuses WHERE id = $1`, st.ID); err != nil {
			return err
		}
		return s.publish(ctx, tx, &Outgoing{Kind: OutRemove, Actor: group, ObjectURI: uri, Reason: reason, Inboxes: inboxes})
	})
}

// ReceiveRemoval applies a consultation's removal of one of its
// contributions: a consultation (Group) decides what stays in it, so the
// contribution goes here too, and the reason is logged.
func (s *Store) ReceiveRemoval(ctx context.Context, group *Account, uri, reason string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var id string
		err := tx.QueryRow(ctx, `DELETE FROM statuses WHERE uri = $1 AND group_id = $2 RETURNING id`, uri, group.ID).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // not here, or not in that consultation
		}
		if err != nil {
			return err
		}
		return s.logAction(ctx, tx, &group.ID, "consultation", "removed_by_consultation", &group.ID, uri, reason)
	})
}
