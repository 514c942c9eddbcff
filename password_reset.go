package roundtable

import (
	"context"
	"fmt"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5"
)

// ResetPassword gives a local member a new password chosen by an admin (who
// does not need the old one), and signs them out everywhere: every token
// they hold is revoked and every browser session of theirs ends, so that
// whoever knew the old password loses access.
func (s *Store) ResetPassword(ctx context.Context, id, password string) error {
	if n := len([]rune(password)); n < minPasswordLen || n > maxPasswordLen {
		return Invalid("password", "must be %d to %d characters", minPasswordLen, maxPasswordLen)
	}
	m, err := s.Member(ctx, id)
	if err != nil {
		return err
	}
	hash, err := HashPassword(password, s.pw)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE members SET password_hash = $2 WHERE account_id = $1`, m.ID, hash); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE oauth_tokens SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL`,
			m.ID, s.Now()); err != nil {
			return err
		}
		return endSessions(ctx, tx, m.ID)
	})
	if err != nil {
		return fmt.Errorf("reset password of %s: %w", m.Username, err)
	}
	return nil
}

// endSessions deletes the browser sessions signed in as the member. The
// sessions are stored by the web interface's session manager, whose codec
// reads them.
func endSessions(ctx context.Context, tx pgx.Tx, memberID string) error {
	rows, _ := tx.Query(ctx, `SELECT token, data FROM sessions`)
	var ended []string
	var token string
	var data []byte
	codec := scs.GobCodec{}
	if _, err := pgx.ForEachRow(rows, []any{&token, &data}, func() error {
		if _, values, err := codec.Decode(data); err == nil && values["member_id"] == memberID {
			ended = append(ended, token)
		}
		return nil
	}); err != nil {
		return err
	}
	if len(ended) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token = ANY($1)`, ended)
	return err
}
