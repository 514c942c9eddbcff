package roundtable

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// RotateKeys gives local actors a new key pair: the member or consultation
// called username, or, with username empty, every local actor (members,
// consultations and the instance actor). Each new key keeps its actor's
// key id, is announced to the servers of the actor's followers with an
// Update of the actor, and signs everything sent from then on; a server
// that kept the old key fetches the actor again when a signature does not
// verify with it. It returns the key ids of the actors given new keys.
func (s *Store) RotateKeys(ctx context.Context, username string) ([]string, error) {
	query := `SELECT ` + actorColumns + ` FROM accounts a WHERE a.domain IS NULL AND a.private_key_pem IS NOT NULL`
	var args []any
	if username != "" {
		query += ` AND a.username = $1`
		args = append(args, username)
	}
	rows, _ := s.pool.Query(ctx, query+` ORDER BY a.id`, args...)
	actors, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Actor])
	if err != nil {
		return nil, fmt.Errorf("local actors: %w", err)
	}
	if len(actors) == 0 {
		return nil, fmt.Errorf("no local actor called %q: %w", username, ErrNotFound)
	}
	var done []string
	for _, a := range actors {
		if err := s.rotateKey(ctx, a); err != nil {
			return done, err
		}
		done = append(done, a.PublicKeyID)
	}
	return done, nil
}

// rotateKey gives one local actor a new key pair and tells its followers'
// servers, in one transaction.
func (s *Store) rotateKey(ctx context.Context, a *Actor) error {
	priv, pub, err := s.keyPair()
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE accounts SET public_key_pem = $2, private_key_pem = $3, updated_at = $4 WHERE id = $1`,
			a.AccountID, pub, priv, s.Now()); err != nil {
			return fmt.Errorf("new key of %s: %w", a.Username, err)
		}
		if a.Type == "Group" {
			return s.publishGroupUpdate(ctx, tx, a.AccountID)
		}
		return s.publishSuspension(ctx, tx, a.AccountID)
	})
}
