package roundtable

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Account deletion. A member who deletes their account loses everything
// stored of it here: contributions, follows, blocks, mutes, favourites,
// bookmarks, notifications, tokens and sign-in. What stays is the emptied
// account row, so that the username is never given to anyone else and the
// actor's key can sign the Delete that tells every server that knows the
// account. A Delete of a remote actor empties its account here the same
// way.

// OutDeleteActor tells other servers a local actor is gone: a Delete whose
// object is the actor itself.
const OutDeleteActor = "DeleteActor"

// DeleteMember deletes the member's account after checking their
// password, and tells the servers that know it.
func (s *Store) DeleteMember(ctx context.Context, m *Member, password string) error {
	if err := s.checkOwnPassword(ctx, m, password); err != nil {
		return err
	}
	actor, err := s.ActorByAccountID(ctx, m.ID)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		inboxes, err := s.knownBy(ctx, tx, m.ID)
		if err != nil {
			return err
		}
		if s.publisher != nil && len(inboxes) > 0 {
			if err := s.publisher.Publish(ctx, tx, &Outgoing{Kind: OutDeleteActor, Actor: actor, Inboxes: inboxes}); err != nil {
				return err
			}
		}
		if err := s.purgeAccount(ctx, tx, m.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM oauth_tokens WHERE account_id = $1`, m.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM oauth_codes WHERE account_id = $1`, m.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM facilitators WHERE account_id = $1`, m.ID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM members WHERE account_id = $1`, m.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete account %s: %w", m.Username, err)
	}
	return nil
}

// knownBy returns the inboxes of the servers that know the local account
// id: its followers', those of the accounts and consultations it follows,
// of the consultations and authors its contributions went to, and of the
// followers of consultations here that passed its contributions on.
func (s *Store) knownBy(ctx context.Context, q querier, id string) ([]string, error) {
	rows, _ := q.Query(ctx, `
		SELECT coalesce(a.shared_inbox, a.inbox) FROM follows f JOIN accounts a ON a.id = f.account_id
			WHERE f.target_account_id = $1 AND a.domain IS NOT NULL
		UNION SELECT coalesce(a.shared_inbox, a.inbox) FROM follows f JOIN accounts a ON a.id = f.target_account_id
			WHERE f.account_id = $1 AND a.domain IS NOT NULL
		UNION SELECT coalesce(a.shared_inbox, a.inbox) FROM statuses s JOIN accounts a ON a.id = s.group_id
			WHERE s.account_id = $1 AND a.domain IS NOT NULL
		UNION SELECT coalesce(a.shared_inbox, a.inbox) FROM statuses s JOIN accounts a ON a.id = s.in_reply_to_account_id
			WHERE s.account_id = $1 AND a.domain IS NOT NULL
		UNION SELECT coalesce(a.shared_inbox, a.inbox) FROM status_mentions sm JOIN statuses s ON s.id = sm.status_id
			JOIN accounts a ON a.id = sm.account_id WHERE s.account_id = $1 AND a.domain IS NOT NULL
		UNION SELECT coalesce(a.shared_inbox, a.inbox) FROM follows f JOIN accounts a ON a.id = f.account_id
			WHERE a.domain IS NOT NULL AND f.target_account_id IN (
				SELECT DISTINCT s.group_id FROM statuses s JOIN accounts g ON g.id = s.group_id
				WHERE s.account_id = $1 AND g.domain IS NULL)`, id)
	inboxes, err := pgx.CollectRows(rows, pgx.RowTo[*string])
	if err != nil {
		return nil, fmt.Errorf("servers that know %s: %w", id, err)
	}
	out := make([]string, 0, len(inboxes))
	for _, in := range inboxes {
		if in != nil && *in != "" {
			out = append(out, *in)
		}
	}
	return out, nil
}

// purgeAccount removes everything of the account with id but its emptied
// row, keeping the counts of the accounts and statuses it touched right.
func (s *Store) purgeAccount(ctx context.Context, tx pgx.Tx, id string) error {
	steps := []string{
		`UPDATE accounts a SET followers_count = greatest(a.followers_count - 1, 0) FROM follows f
			WHERE f.account_id = $1 AND f.accepted AND a.id = f.target_account_id`,
		`UPDATE accounts a SET following_count = greatest(a.following_count - 1, 0) FROM follows f
			WHERE f.target_account_id = $1 AND f.accepted AND a.id = f.account_id`,
		`DELETE FROM follows WHERE account_id = $1 OR target_account_id = $1`,
		`UPDATE statuses s SET favourites_count = greatest(s.favourites_count - 1, 0) FROM favourites f
			WHERE f.account_id = $1 AND s.id = f.status_id`,
		`DELETE FROM favourites WHERE account_id = $1`,
		`DELETE FROM bookmarks WHERE account_id = $1`,
		`DELETE FROM blocks WHERE account_id = $1 OR target_account_id = $1`,
		`DELETE FROM mutes WHERE account_id = $1 OR target_account_id = $1`,
		`DELETE FROM notifications WHERE account_id = $1 OR from_account_id = $1`,
		`UPDATE statuses p SET replies_count = greatest(p.replies_count - c.n, 0)
			FROM (SELECT in_reply_to_id, count(*)::int AS n FROM statuses WHERE account_id = $1 AND in_reply_to_id IS NOT NULL
				GROUP BY in_reply_to_id) c
			WHERE p.id = c.in_reply_to_id AND p.account_id <> $1`,
		`DELETE FROM statuses WHERE account_id = $1`,
		`UPDATE accounts SET display_name = '', note = '', note_source = '', fields = '[]', statuses_count = 0,
			followers_count = 0, following_count = 0, discoverable = false, last_status_at = NULL,
			deleted_at = $2, updated_at = $2 WHERE id = $1`,
	}
	now := s.Now()
	for i, q := range steps {
		args := []any{id}
		if i == len(steps)-1 {
			args = append(args, now)
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("purge account %s: %w", id, err)
		}
	}
	return nil
}

// ReceiveActorDelete applies a remote actor's Delete of itself: its
// contributions, follows and everything else of it are removed here.
func (s *Store) ReceiveActorDelete(ctx context.Context, actor *Account) error {
	if actor.Local() {
		return fmt.Errorf("delete of local account %s: %w", actor.ID, ErrForbidden)
	}
	return s.inTx(ctx, func(tx pgx.Tx) error { return s.purgeAccount(ctx, tx, actor.ID) })
}

// AccountDeleted reports whether the account with id was deleted.
func (s *Store) AccountDeleted(ctx context.Context, id string) (bool, error) {
	var deleted bool
	err := s.pool.QueryRow(ctx, `SELECT deleted_at IS NOT NULL FROM accounts WHERE id = $1`, id).Scan(&deleted)
	if err != nil {
		return false, notFound(err, "account")
	}
	return deleted, nil
}
