package roundtable

import (
	"context"
	"fmt"
	"strings"
)

// TranslateNorm sets the norm's text and hint in language lang; an empty
// text removes that translation.
func (s *Store) TranslateNorm(ctx context.Context, id, lang string, t NormText) error {
	lang = strings.TrimSpace(lang)
	if !languageRE.MatchString(lang) {
		return Invalid("language", "must be a language code such as fr")
	}
	t.Text, t.Hint = strings.TrimSpace(t.Text), strings.TrimSpace(t.Hint)
	if len([]rune(t.Text)) > 300 {
		return Invalid("text", "must be at most 300 characters")
	}
	if len([]rune(t.Hint)) > 1000 {
		return Invalid("hint", "must be at most 1000 characters")
	}
	q := `UPDATE norms SET translations = translations || jsonb_build_object($2::text, jsonb_build_object('text', $3::text, 'hint', $4::text))
		WHERE id = $1`
	if t.Text == "" {
		q = `UPDATE norms SET translations = translations - $2::text WHERE id = $1 AND $3::text = '' AND $4::text IS NOT NULL`
	}
	tag, err := s.pool.Exec(ctx, q, id, lang, t.Text, t.Hint)
	if err != nil {
		return fmt.Errorf("translate norm %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("norm %s: %w", id, ErrNotFound)
	}
	return nil
}
