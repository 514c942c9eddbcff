package main

import (
	"strings"
	"testing"
	"time"

	"github.com/roundtable-fed/roundtable/internal/browsertest"
)

// TestTakePartFromYourOwnServerInBrowser: in Chromium, a member of B,
// signed in on B, finds A's consultation page, enters their handle, is sent
// to B, joins from there, and later replies to a thread on A the same way;
// the reply appears in A's thread.
func TestTakePartFromYourOwnServerInBrowser(t *testing.T) {
	t.Parallel()
	a, b := startPeer(t, 193), startPeer(t, 194)
	alice := a.member("alice")
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "housing", "--title", "Housing",
		"--prompt", "What would make housing fairer?", "--moderator", "alice")
	mustRun(t, b.env, "bob's long password\n", "admin", "account", "create", "--username", "bob",
		"--email", "bob@example.org", "--password-stdin")
	handle := "@bob@" + b.domain

	br := browsertest.New(t, browsertest.Options{})
	br.Visit(b.srv.base + "/login")
	br.Fill("#username", "bob")
	br.Fill("#password", "bob's long password")
	br.Submit(`main form button[type=submit]`)
	br.WantText("Signed in as bob")

	// From A's consultation page to B, and joining there.
	br.Visit(a.srv.base + "/@housing")
	br.WantText("What would make housing fairer?")
	br.Fill("#handle", handle)
	br.Submit(`form[action="/interact"] button`)
	if loc := br.Location(); !strings.HasPrefix(loc, b.srv.base+"/authorize_interaction") {
		t.Fatalf("A sent the browser to %s", loc)
	}
	br.WantText("Housing")
	br.Submit(`form[action$="/join"] button`)
	eventually(t, 30*time.Second, "A accepts bob", func() bool {
		br.Visit(a.srv.base + "/@housing")
		br.Fill("#handle", handle)
		br.Submit(`form[action="/interact"] button`)
		return strings.Contains(br.Text("main"), "You take part in this consultation")
	})

	// A thread on A; bob replies from its page on A, through B.
	st := a.post(alice, map[string]any{"status": "@housing Repairs\nWho fixes the roof?"})
	br.Visit(st["url"].(string))
	br.Fill("#handle", handle)
	br.Submit(`form[action="/interact"] button`)
	br.WantText("Who fixes the roof?")
	br.Fill("#text", "The landlord, **in theory**.")
	br.Submit(`form.compose button:not([name=preview])`)
	eventually(t, 30*time.Second, "bob's reply in A's thread", func() bool {
		texts := a.threadTexts(alice, st["id"].(string))
		return len(texts) == 2 && strings.Contains(texts[1], "The landlord, in theory.")
	})
	br.Visit(st["url"].(string))
	br.WantText("The landlord, in theory.", "@bob@"+b.domain)
	br.Screenshot("reply-on-A")
}
