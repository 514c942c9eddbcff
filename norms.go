package roundtable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Norm is one of the instance's house rules. Its number is its place in
// the list, from 1.
type Norm struct {
	ID           string              `db:"id"`
	Number       int                 `db:"number"`
	Text         string              `db:"text"`
	Hint         string              `db:"hint"`
	Translations map[string]NormText `db:"-"`
}

// NormText is a norm in another language.
type NormText struct {
	Text string `json:"text"`
	Hint string `json:"hint"`
}

// In returns the norm in language lang when it has a translation, else as
// written.
func (n Norm) In(lang string) (text, hint string) {
	if t, ok := n.Translations[lang]; ok && t.Text != "" {
		return t.Text, t.Hint
	}
	return n.Text, n.Hint
}

// Norms returns the instance's norms, in order.
func (s *Store) Norms(ctx context.Context) ([]Norm, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, row_number() OVER (ORDER BY position, created_at)::int, text, hint, translations
		FROM norms ORDER BY position, created_at`)
	if err != nil {
		return nil, fmt.Errorf("norms: %w", err)
	}
	var out []Norm
	var n Norm
	var tr []byte
	if _, err := pgx.ForEachRow(rows, []any{&n.ID, &n.Number, &n.Text, &n.Hint, &tr}, func() error {
		c := n
		if err := json.Unmarshal(tr, &c.Translations); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("norms: %w", err)
	}
	return out, nil
}

// NewNorm is a norm to add.
type NewNorm struct {
	Text         string
	Hint         string
	Translations map[string]NormText
}

// AddNorm adds a norm at the end of the list.
func (s *Store) AddNorm(ctx context.Context, nn NewNorm) (*Norm, error) {
	nn.Text, nn.Hint = strings.TrimSpace(nn.Text), strings.TrimSpace(nn.Hint)
	if nn.Text == "" || len([]rune(nn.Text)) > 300 {
		return nil, Invalid("text", "must be 1 to 300 characters")
	}
	if len([]rune(nn.Hint)) > 1000 {
		return nil, Invalid("hint", "must be at most 1000 characters")
	}
	for lang := range nn.Translations {
		if !languageRE.MatchString(lang) {
			return nil, Invalid("translations", "%q is not a language code", lang)
		}
	}
	tr := nn.Translations
	if tr == nil {
		tr = map[string]NormText{}
	}
	raw, err := json.Marshal(tr)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	id := NewID(now)
	if _, err := s.pool.Exec(ctx, `INSERT INTO norms (id, position, text, hint, translations, created_at)
		VALUES ($1, (SELECT coalesce(max(position), 0) + 1 FROM norms), $2, $3, $4, $5)`, id, nn.Text, nn.Hint, raw, now); err != nil {
		return nil, fmt.Errorf("add norm: %w", err)
	}
	norms, err := s.Norms(ctx)
	if err != nil {
		return nil, err
	}
	for i := range norms {
		if norms[i].ID == id {
			return &norms[i], nil
		}
	}
	return nil, errors.New("the new norm vanished")
}

// RemoveNorm removes a norm; the ones after it move up a number.
func (s *Store) RemoveNorm(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM norms WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("remove norm: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("norm %s: %w", id, ErrNotFound)
	}
	return nil
}
