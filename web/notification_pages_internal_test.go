package web

import (
	"strings"
	"testing"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/roundtable-fed/roundtable"
)

// TestEveryNotificationTypeHasASentence words a notification of each type
// the store keeps, in each catalogue's language: each gets a sentence of
// its own (not the fallback) and a link, so a new type cannot be left out.
func TestEveryNotificationTypeHasASentence(t *testing.T) {
	p, err := loadPages()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{}
	reader := &roundtable.Member{Account: roundtable.Account{ID: "01J00000000000000000000000", Username: "ana"}}
	from := &roundtable.Account{ID: "01J00000000000000000000001", Username: "bob", DisplayName: "Bob"}
	title := "Shared gardens"
	st := &roundtable.Status{ID: "01J00000000000000000000002", AccountID: reader.ID, Account: &reader.Account, Local: true,
		Content: "<p>The gardens should stay open.</p>", Title: &title}
	reason := "Because of norm 2."
	for _, tag := range p.bundle.LanguageTags() {
		l := i18n.NewLocalizer(p.bundle, tag.String())
		tr := func(id string, pairs ...any) string { return translate(l, id, pairs...) }
		fallback := map[string]bool{}
		for _, typ := range roundtable.NotificationTypes {
			n := &roundtable.Notification{ID: "01J00000000000000000000003", AccountID: reader.ID, FromAccountID: from.ID,
				Type: typ, StatusID: &st.ID, CreatedAt: time.Now(), Reason: &reason, From: from, Status: st,
				Warning: &roundtable.Warning{Text: "Please speak for yourself."}}
			pn := s.pageNotification(tr, reader, n)
			other := s.pageNotification(tr, reader, &roundtable.Notification{Type: "not-a-type", From: from})
			fallback[other.Sentence] = true
			if pn.Sentence == "" || strings.HasPrefix(pn.Sentence, "notifications.") || strings.Contains(pn.Sentence, "no value") {
				t.Errorf("%s, %s: sentence %q", tag, typ, pn.Sentence)
			}
			if fallback[pn.Sentence] {
				t.Errorf("%s, %s: worded as an unknown type: %q", tag, typ, pn.Sentence)
			}
			if pn.Link == "" || !strings.HasPrefix(pn.Link, "/") {
				t.Errorf("%s, %s: link %q", tag, typ, pn.Link)
			}
		}
	}
}
