package web_test

import (
	"context"
	"testing"

	"github.com/roundtable-fed/roundtable"
	"github.com/roundtable-fed/roundtable/internal/browsertest"
)

// signIn signs name in through the sign-in page.
func signIn(b *browsertest.Browser, in *instance, name string) {
	b.Visit(in.URL + "/login")
	b.Fill("#username", name)
	b.Fill("#password", "password-"+name)
	b.Submit(`main form button[type=submit]`)
}

// TestAccessibility runs axe-core in headless Chromium on each kind of page
// and fails on any serious or critical violation.
func TestAccessibility(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	if _, err := in.Store.AddNorm(ctx, roundtable.NewNorm{Text: "Speak from your own experience", Hint: "Not for others."}); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Store.CreateMember(ctx, roundtable.NewMember{Username: "mod", Email: "mod@example.org",
		Password: "password-mod", Role: roundtable.RoleAdmin, Approved: true}); err != nil {
		t.Fatal(err)
	}
	c, err := in.Store.CreateConsultation(ctx, roundtable.NewConsultation{Slug: "river", Title: "The river",
		Prompt: "How should we share the river?", Facilitators: []string{"mod"}})
	if err != nil {
		t.Fatal(err)
	}
	_, tok := in.member("amina")
	st := in.postJSON("/api/v1/statuses", tok, map[string]any{"status": "@river Access\nThe banks should stay open to everyone.",
		"poll": map[string]any{"options": []string{"Yes", "No"}, "expires_in": 3600}}).Object(t)
	in.postJSON("/api/v1/statuses", tok, map[string]any{"status": "A reply", "in_reply_to_id": st["id"]})
	// A contribution held for review, for the facilitator's page and the
	// held queue.
	modM, _ := in.Store.MemberByUsername(ctx, "mod")
	if err := in.Store.SetConsultationPremoderation(ctx, modM, "river", true); err != nil {
		t.Fatal(err)
	}
	in.postJSON("/api/v1/statuses", tok, map[string]any{"status": "@river Fishing\nWho may fish, and when?"})

	b := browsertest.New(t, browsertest.Options{})
	for _, page := range []string{"/", "/about", "/signup", "/login", "/@river", "/@amina", "/@amina/" + st["id"].(string), "/directory"} {
		b.Visit(in.URL + page)
		b.Axe(page)
	}
	signIn(b, in, "mod")
	for _, page := range []string{"/@amina/" + st["id"].(string), "/@river", "/groups/" + c.AccountID + "/new",
		"/contributions/" + st["id"].(string) + "/reply", "/contributions/" + st["id"].(string) + "/report",
		"/settings", "/settings/preferences", "/settings/password", "/settings/accounts", "/settings/apps", "/settings/data",
		"/facilitate", "/facilitate/river",
		"/moderation", "/moderation/log", "/moderation/advisories", "/moderation/peers", "/moderation/norms",
		"/moderation/held", "/moderation/appeals", "/moderation/members", "/moderation/settings", "/warnings",
		"/moderation/cohosts", "/cohosting"} {
		b.Visit(in.URL + page)
		b.Axe(page)
	}
	b.Screenshot("moderation-norms")
}

// TestSignUpWithoutJavaScript signs up, accepting the norms, and signs in
// with JavaScript off.
func TestSignUpWithoutJavaScript(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	if _, err := in.Store.AddNorm(context.Background(), roundtable.NewNorm{Text: "Speak from your own experience"}); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t, browsertest.Options{NoJavaScript: true})
	b.Visit(in.URL + "/signup")
	b.WantText("Speak from your own experience")
	b.Check(`input[name=accept_norms]`)
	b.Fill("#username", "noor")
	b.Fill("#email", "noor@example.org")
	b.Fill("#password", "a long enough password")
	b.Submit(`main form button[type=submit]`)
	b.WantText("noor")
	if m, err := in.Store.MemberByUsername(context.Background(), "noor"); err != nil || !m.Approved {
		t.Fatalf("after signing up: %v %v", m, err)
	}
	b.Screenshot("signed-up")
}

// TestArabicRightToLeft: the Arabic public pages lay out right to left,
// and the language chosen holds from page to page.
func TestArabicRightToLeft(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	if _, err := in.Store.AddNorm(context.Background(), roundtable.NewNorm{Text: "Speak from your own experience"}); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t, browsertest.Options{})
	b.Visit(in.URL + "/about?lang=ar")
	if dir := b.Attr("html", "dir"); dir != "rtl" {
		t.Fatalf("dir = %q on the Arabic about page", dir)
	}
	b.Axe("/about in Arabic")
	b.Click(`a[href="/signup"]`)
	if lang := b.Attr("html", "lang"); lang != "ar" {
		t.Errorf("the sign-up page after the Arabic about page is in %q", lang)
	}
	b.Screenshot("signup-ar")
}
