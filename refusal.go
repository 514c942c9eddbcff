package roundtable

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Refusals from consultations hosted elsewhere. A member's server cannot
// know what a consultation on another server takes (its phase, who it
// admits), so a contribution is posted here and sent; the consultation's
// Group answers a refused one with a Reject naming the Create.

// ReceiveRefusal applies a Reject, by a Group on another server, of a local
// member's contribution to it (or by another account, of a local member's
// reply to it), named by the id of its Create or of the status. The contribution is withdrawn: it leaves the consultation, only
// its author still sees it (it becomes direct, and the servers it went to
// are told it is deleted), and the author is notified with the reason. It
// reports false when no local contribution to that Group has that id (the
// Reject is of something else, or came before).
func (s *Store) ReceiveRefusal(ctx context.Context, group *Account, id, reason string) (bool, error) {
	if group.Local() || id == "" {
		return false, nil
	}
	uris := []string{id}
	if uri, ok := strings.CutSuffix(id, "/activity"); ok {
		uris = append(uris, uri)
	}
	// A Group refuses contributions to it; anyone else, replies to them
	// (their reply controls, as GoToSocial's interaction policies).
	which := "s.group_id = $2"
	if !group.Group() {
		which = "s.in_reply_to_account_id = $2"
	}
	rows, _ := s.pool.Query(ctx, `SELECT `+statusColumns+` FROM statuses s WHERE s.uri = ANY($1) AND s.local AND `+which,
		uris, group.ID)
	st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[Status])
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("refused contribution %s: %w", id, err)
	}
	reason = PlainText(reason)
	if utf8.RuneCountInString(reason) > 1000 {
		reason = string([]rune(reason)[:1000])
	}
	if reason == "" && group.Group() {
		reason = fmt.Sprintf("The consultation @%s did not take this contribution.", group.Acct())
	} else if reason == "" {
		reason = fmt.Sprintf("@%s does not take replies from you to this post.", group.Acct())
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		// Where it went is read before it is narrowed.
		inboxes, err := s.statusInboxes(ctx, tx, st)
		if err != nil {
			return err
		}
		obj, err := s.statusObject(ctx, tx, st)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE statuses SET visibility = 'direct', group_id = NULL, title = NULL WHERE id = $1`, st.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM status_mentions WHERE status_id = $1`, st.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM notifications WHERE status_id = $1`, st.ID); err != nil {
			return err
		}
		if st.InReplyToID != nil {
			if _, err := tx.Exec(ctx, `UPDATE statuses SET replies_count = greatest(replies_count - 1, 0) WHERE id = $1`, *st.InReplyToID); err != nil {
				return err
			}
		}
		if len(inboxes) > 0 {
			author, err := s.actorWhere(ctx, tx, "a.id = $1", st.AccountID)
			if err != nil {
				return err
			}
			if err := s.publish(ctx, tx, &Outgoing{Kind: OutDelete, Actor: author, Object: obj, Inboxes: inboxes}); err != nil {
				return err
			}
		}
		now := s.Now()
		_, err = tx.Exec(ctx, `INSERT INTO notifications (id, account_id, from_account_id, type, status_id, created_at, reason)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, NewID(now), st.AccountID, group.ID, NotifyRefused, st.ID, now, reason)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("withdraw refused contribution %s: %w", st.ID, err)
	}
	return true, nil
}
