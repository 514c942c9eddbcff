package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// TestNoIndex: a member who asks, and a consultation whose facilitator
// asks, keep search engines off their pages; the client API says so.
func TestNoIndex(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	noor := in.staff(t, "noor", roundtable.RoleMember)
	fay := in.staff(t, "fay", roundtable.RoleMember)
	c, err := in.Store.CreateConsultation(ctx, roundtable.NewConsultation{Slug: "river", Title: "The river", Facilitators: []string{"fay"}})
	if err != nil {
		t.Fatal(err)
	}
	_, bob := in.member("bob")
	thread := postStatus(t, in, bob, map[string]any{"status": "@river Banks\nOpen to all."})
	const meta = `<meta name="robots" content="noindex">`
	for _, p := range []string{"/@noor", "/@river", strings.TrimPrefix(thread["url"].(string), in.URL)} {
		if strings.Contains(string(in.get(p, "").Body), meta) {
			t.Fatalf("%s is kept from search engines before anyone asked", p)
		}
	}

	wantStatus(t, in.submit(noor, "/settings/preferences", url.Values{"reply_policy": {"everyone"}, "noindex": {"1"}}), 303)
	if !strings.Contains(string(in.get("/@noor", "").Body), meta) {
		t.Error("noor's profile is not kept from search engines")
	}
	acct := in.get("/api/v1/accounts/lookup?acct=noor", "").Object(t)
	if acct["noindex"] != true || acct["indexable"] != false {
		t.Errorf("noor's account: noindex %v, indexable %v", acct["noindex"], acct["indexable"])
	}

	form := url.Values{"title": {"The river"}, "prompt": {""}, "participation": {"open"}, "noindex": {"1"}}
	wantStatus(t, in.submit(fay, "/facilitate/river", form), 303)
	for _, p := range []string{"/@river", strings.TrimPrefix(thread["url"].(string), in.URL)} {
		if !strings.Contains(string(in.get(p, "").Body), meta) {
			t.Errorf("%s is not kept from search engines after the facilitator asked", p)
		}
	}
	if g, _ := in.Store.Account(ctx, c.AccountID); !g.NoIndex {
		t.Error("the consultation's choice was not stored")
	}
}

// TestInstanceNameAndDescription: an admin renames the instance and
// describes it from the settings page; pages and apps show it; bad input
// changes nothing.
func TestInstanceNameAndDescription(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	admin := in.staff(t, "root", roundtable.RoleAdmin)
	form := url.Values{"registrations": {"open"}, "auto_hide_reports": {"3"}, "federation_mode": {"open"},
		"publish_domain_blocks": {"1"}, "name": {strings.Repeat("x", 61)}, "description": {"Ours"}}
	wantStatus(t, in.submit(admin, "/moderation/settings", form), 422)
	if strings.Contains(string(in.get("/", "").Body), "Ours") {
		t.Fatal("a refused form changed the description")
	}
	form.Set("name", "Riverside Forum")
	form.Set("description", "The residents' association of the river quarter.")
	wantStatus(t, in.submit(admin, "/moderation/settings", form), 303)
	for _, p := range []string{"/", "/about"} {
		wantBody(t, in.get(p, ""), "Riverside Forum", "The residents&#39; association of the river quarter.")
	}
	inst := in.get("/api/v2/instance", "").Object(t)
	if inst["title"] != "Riverside Forum" || inst["description"] != "The residents' association of the river quarter." {
		t.Errorf("instance: %v / %v", inst["title"], inst["description"])
	}
}
