package roundtable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// A member's own settings beyond the profile: the language of the pages,
// the default reply policy, profile fields, the password, and the apps
// they authorised.

// ProfileField is one name and value pair shown on a profile.
type ProfileField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// MaxProfileFields is how many fields a profile shows, as Mastodon.
const MaxProfileFields = 4

// ProfileFields returns the fields of the account with id.
func (s *Store) ProfileFields(ctx context.Context, id string) ([]ProfileField, error) {
	var raw []byte
	err := s.pool.QueryRow(ctx, `SELECT fields FROM accounts WHERE id = $1`, id).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("account %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("profile fields of %s: %w", id, err)
	}
	var fs []ProfileField
	if err := json.Unmarshal(raw, &fs); err != nil {
		return nil, fmt.Errorf("profile fields of %s: %w", id, err)
	}
	return fs, nil
}

// SetProfileFields replaces the member's profile fields. Pairs with both
// parts empty are dropped; a pair needs a name.
func (s *Store) SetProfileFields(ctx context.Context, id string, fields []ProfileField) error {
	out := []ProfileField{}
	for _, f := range fields {
		f.Name, f.Value = strings.TrimSpace(f.Name), strings.TrimSpace(f.Value)
		if f.Name == "" && f.Value == "" {
			continue
		}
		if f.Name == "" {
			return Invalid("fields", "each field needs a name")
		}
		if len([]rune(f.Name)) > 255 || len([]rune(f.Value)) > 255 {
			return Invalid("fields", "names and values must be at most 255 characters")
		}
		out = append(out, f)
	}
	if len(out) > MaxProfileFields {
		return Invalid("fields", "at most %d fields", MaxProfileFields)
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, `UPDATE accounts SET fields = $2, updated_at = $3 WHERE id = $1 AND domain IS NULL`,
		id, raw, s.Now()); err != nil {
		return fmt.Errorf("set profile fields of %s: %w", id, err)
	}
	return nil
}

// MemberPreferences changes how the site works for a member; nil leaves a
// choice as it is.
type MemberPreferences struct {
	// Language is the language of the pages; "" follows the browser.
	Language *string
	// DefaultReplyPolicy is who may reply when a post does not say.
	DefaultReplyPolicy *string
}

// SetMemberPreferences applies p to the member with id.
func (s *Store) SetMemberPreferences(ctx context.Context, id string, p MemberPreferences) (*Member, error) {
	var lang *string
	if p.Language != nil && *p.Language != "" {
		if !languageRE.MatchString(*p.Language) {
			return nil, Invalid("language", "must be a language code")
		}
		lang = p.Language
	}
	var policy ReplyPolicy
	if p.DefaultReplyPolicy != nil {
		var err error
		if policy, err = ParseReplyPolicy(*p.DefaultReplyPolicy); err != nil {
			return nil, err
		}
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if p.Language != nil {
			if _, err := tx.Exec(ctx, `UPDATE members SET language = $2 WHERE account_id = $1`, id, lang); err != nil {
				return err
			}
		}
		if p.DefaultReplyPolicy != nil {
			if _, err := tx.Exec(ctx, `UPDATE members SET default_reply_policy = $2 WHERE account_id = $1`, id, policy); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("set preferences of %s: %w", id, err)
	}
	return s.Member(ctx, id)
}

// ChangePassword sets a new password for the member, who must give the
// current one. Every token they issued stays; sessions are the caller's.
func (s *Store) ChangePassword(ctx context.Context, m *Member, current, next string) error {
	if err := s.checkOwnPassword(ctx, m, current); err != nil {
		return err
	}
	if n := len([]rune(next)); n < minPasswordLen || n > maxPasswordLen {
		return Invalid("password", "must be %d to %d characters", minPasswordLen, maxPasswordLen)
	}
	hash, err := HashPassword(next, s.pw)
	if err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, `UPDATE members SET password_hash = $2 WHERE account_id = $1`, m.ID, hash); err != nil {
		return fmt.Errorf("change password of %s: %w", m.Username, err)
	}
	return nil
}

// checkOwnPassword gives a validation error on current_password unless it
// is the member's password.
func (s *Store) checkOwnPassword(ctx context.Context, m *Member, password string) error {
	fresh, err := s.Member(ctx, m.ID)
	if err != nil {
		return err
	}
	ok, err := CheckPassword(fresh.PasswordHash, password)
	if err != nil {
		return fmt.Errorf("check password of %s: %w", m.Username, err)
	}
	if !ok {
		return Invalid("current_password", "is not your password")
	}
	return nil
}

// AuthorisedApp is an application holding live tokens of a member.
type AuthorisedApp struct {
	ID        string    `db:"id"`
	Name      string    `db:"name"`
	Website   *string   `db:"website"`
	Scopes    []string  `db:"scopes"`
	Tokens    int       `db:"tokens"`
	CreatedAt time.Time `db:"created_at"` // when its first live token was issued
}

// AuthorisedApps returns the apps holding live tokens of the member, with
// the scopes they were granted together.
func (s *Store) AuthorisedApps(ctx context.Context, m *Member) ([]AuthorisedApp, error) {
	rows, _ := s.pool.Query(ctx, `SELECT a.id, a.name, a.website, count(*)::int AS tokens, min(t.created_at) AS created_at,
			coalesce((SELECT array_agg(DISTINCT sc ORDER BY sc) FROM oauth_tokens t2, unnest(t2.scopes) sc
				WHERE t2.account_id = $1 AND t2.app_id = a.id AND t2.revoked_at IS NULL), '{}') AS scopes
		FROM oauth_tokens t JOIN oauth_apps a ON a.id = t.app_id
		WHERE t.account_id = $1 AND t.revoked_at IS NULL
		GROUP BY a.id, a.name, a.website ORDER BY min(t.created_at) DESC LIMIT 200`, m.ID)
	apps, err := pgx.CollectRows(rows, pgx.RowToStructByName[AuthorisedApp])
	if err != nil {
		return nil, fmt.Errorf("authorised apps of %s: %w", m.Username, err)
	}
	return apps, nil
}

// RevokeApp revokes every token the app holds for the member; ErrNotFound
// when it holds none.
func (s *Store) RevokeApp(ctx context.Context, m *Member, appID string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE oauth_tokens SET revoked_at = $3 WHERE account_id = $1 AND app_id = $2 AND revoked_at IS NULL`,
		m.ID, appID, s.Now())
	if err != nil {
		return fmt.Errorf("revoke app %s: %w", appID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("app %s: %w", appID, ErrNotFound)
	}
	return nil
}
