package roundtable

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// localActorRow is a local account with its actor, read together.
type localActorRow struct {
	Account
	Inbox         string `db:"inbox"`
	SharedInbox   string `db:"shared_inbox"`
	Outbox        string `db:"outbox"`
	Followers     string `db:"followers_url"`
	Following     string `db:"following_url"`
	PublicKeyID   string `db:"public_key_id"`
	PublicKeyPEM  string `db:"public_key_pem"`
	PrivateKeyPEM string `db:"private_key_pem"`
	Deleted       bool   `db:"deleted"`
}

// LocalActor returns the local account called username (any case) with
// its actor, in one round trip, and whether the account was deleted. Other
// servers fetch actors far more often than anything else here.
func (s *Store) LocalActor(ctx context.Context, username string) (*Account, *Actor, bool, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+accountColumns+`,
		coalesce(a.inbox, '') AS inbox, coalesce(a.shared_inbox, '') AS shared_inbox, coalesce(a.outbox, '') AS outbox,
		coalesce(a.followers_url, '') AS followers_url, coalesce(a.following_url, '') AS following_url,
		coalesce(a.public_key_id, '') AS public_key_id, coalesce(a.public_key_pem, '') AS public_key_pem,
		coalesce(a.private_key_pem, '') AS private_key_pem, a.deleted_at IS NOT NULL AS deleted
		FROM accounts a WHERE lower(a.username) = lower($1) AND a.domain IS NULL`, username)
	row, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[localActorRow])
	if err != nil {
		return nil, nil, false, notFound(err, "account "+username)
	}
	acc := row.Account
	actor := &Actor{AccountID: acc.ID, Type: acc.ActorType, Username: acc.Username, Domain: acc.Domain,
		URI: acc.URI, URL: acc.URL, Inbox: row.Inbox, SharedInbox: row.SharedInbox, Outbox: row.Outbox,
		Followers: row.Followers, Following: row.Following, PublicKeyID: row.PublicKeyID,
		PublicKeyPEM: row.PublicKeyPEM, PrivateKeyPEM: row.PrivateKeyPEM, Locked: acc.Locked}
	return &acc, actor, row.Deleted, nil
}
