package web

import (
	"testing"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// TestPageWordsAsTranslated: the words and dates a page remembers are
// those translate and localDate give, in every language, asked again or
// not.
func TestPageWordsAsTranslated(t *testing.T) {
	p, err := loadPages()
	if err != nil {
		t.Fatal(err)
	}
	moments := []string{"2026-11-26T14:05:00Z", "2026-11-26T09:30:00+02:00", "2026-01-01", "2026-02-03T23:59:59Z",
		"not a date", "2026-11-26T14:06:00Z"}
	words := [][]any{{"thread.reply"}, {"thread.favourites", "Count", 1}, {"thread.favourites", "Count", 2},
		{"status.content_warning", "Text", "Floods"}, {"poll.votes", "Count", 0}, {"no.such.message"}}
	for _, tag := range p.bundle.LanguageTags() {
		l := i18n.NewLocalizer(p.bundle, tag.String(), "en")
		dates, pw := newDateWriter(l), newPageWords(l)
		for round := 0; round < 2; round++ {
			for _, m := range moments {
				if got, want := dates.write(m), localDate(l, m); got != want {
					t.Errorf("%s: %q written %q, want %q", tag, m, got, want)
				}
			}
			for _, w := range words {
				id := w[0].(string)
				if got, want := pw.t(id, w[1:]...), translate(l, id, w[1:]...); got != want {
					t.Errorf("%s: %v translated %q, want %q", tag, w, got, want)
				}
			}
		}
	}
}
