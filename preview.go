package roundtable

import (
	"context"
	"strings"
)

// Preview renders Markdown as a contribution would show it, with its
// mentions and hashtags linked, without storing anything.
func (s *Store) Preview(ctx context.Context, text string) (string, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", nil
	}
	linker, err := s.linkerFor(ctx, text)
	if err != nil {
		return "", err
	}
	return RenderMarkdown(text, linker).HTML, nil
}
