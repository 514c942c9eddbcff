package roundtable

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Quote consent (FEP-044f): a member's statuses may be quoted by others
// only when the member allows it, and then only the public and unlisted
// ones. Other servers ask with a QuoteRequest; the answer is a Reject, or
// an Accept carrying a QuoteAuthorization served here as proof.

// quotesAllowed reports whether others may quote st.
func quotesAllowed(ctx context.Context, q querier, st *Status) (bool, error) {
	if !st.Local || (st.Visibility != Public && st.Visibility != Unlisted) {
		return false, nil
	}
	var ok bool
	err := q.QueryRow(ctx, `SELECT quotes_allowed FROM members WHERE account_id = $1`, st.AccountID).Scan(&ok)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil // a consultation's or the instance's own status
	}
	return ok, err
}

// QuoteAuthorization is the proof that a member approved a quote of one
// of their statuses.
type QuoteAuthorization struct {
	ID        string    `db:"id"`
	AuthorURI string    `db:"author_uri"` // the quoted status's author
	StatusURI string    `db:"status_uri"` // the status quoted
	QuoteURI  string    `db:"quote_uri"`  // the status that quotes it
	CreatedAt time.Time `db:"created_at"`
}

// ReceiveQuoteRequest answers requester's request (activity requestID)
// to quote the local status statusURI in its status quoteURI: with an
// Accept and a QuoteAuthorization when the author allows quotes of it and
// neither blocks the other, else with a Reject. A request about a status
// not stored here is ignored.
func (s *Store) ReceiveQuoteRequest(ctx context.Context, requester *Account, requestID, statusURI, quoteURI string) error {
	st, err := s.StatusByURI(ctx, statusURI, "")
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !st.Local {
		return nil
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		allowed, err := quotesAllowed(ctx, tx, st)
		if err != nil {
			return err
		}
		var blocked bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM blocks WHERE (account_id = $1 AND target_account_id = $2)
			OR (account_id = $2 AND target_account_id = $1))`, st.AccountID, requester.ID).Scan(&blocked); err != nil {
			return err
		}
		// The quoting status must be the requester's own, on its server.
		u, perr := url.Parse(quoteURI)
		own := perr == nil && requester.Domain != nil && strings.EqualFold(u.Host, *requester.Domain)
		author, err := s.actorWhere(ctx, tx, "a.id = $1", st.AccountID)
		if err != nil {
			return err
		}
		other, err := s.actorWhere(ctx, tx, "a.id = $1", requester.ID)
		if err != nil {
			return err
		}
		o := &Outgoing{Kind: OutRejectQuote, Actor: author, Target: other, ActivityID: requestID, ObjectURI: statusURI,
			Instrument: quoteURI, Inboxes: []string{other.Inbox}}
		if allowed && !blocked && own {
			now := s.Now()
			id := NewID(now)
			if err := tx.QueryRow(ctx, `INSERT INTO quote_authorizations (id, status_id, quote_uri, account_id, created_at)
				VALUES ($1, $2, $3, $4, $5) ON CONFLICT (status_id, quote_uri) DO UPDATE SET quote_uri = excluded.quote_uri
				RETURNING id`, id, st.ID, quoteURI, requester.ID, now).Scan(&id); err != nil {
				return err
			}
			o.Kind, o.Result = OutAcceptQuote, s.links.Actor(author.Username)+"/quote_authorizations/"+id
		}
		return s.publish(ctx, tx, o)
	})
}

// QuoteAuthorizationOf returns the authorization id that username gave,
// for serving it.
func (s *Store) QuoteAuthorizationOf(ctx context.Context, username, id string) (*QuoteAuthorization, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("quote authorization %s: %w", id, ErrNotFound)
	}
	rows, _ := s.pool.Query(ctx, `SELECT q.id, coalesce(a.uri, '') AS author_uri, coalesce(st.uri, '') AS status_uri, q.quote_uri, q.created_at
		FROM quote_authorizations q JOIN statuses st ON st.id = q.status_id JOIN accounts a ON a.id = st.account_id
		WHERE q.id = $1 AND a.username = $2 AND a.domain IS NULL`, id, username)
	qa, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[QuoteAuthorization])
	if err != nil {
		return nil, notFound(err, "quote authorization "+id)
	}
	return qa, nil
}
