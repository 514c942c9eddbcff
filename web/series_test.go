package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/roundtable-fed/roundtable"
	"github.com/roundtable-fed/roundtable/internal/browsertest"
)

const seriesAPI = "/api/roundtable/v1/series"

// TestSeriesAPIRefusesBadInput: a series with bad durations, a bad co-host
// or a bad slug is refused with a 422 naming the field, and nothing is
// stored; an unknown series is a 404; only its facilitators open editions.
func TestSeriesAPIRefusesBadInput(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	root := in.admin("root")
	_, bob := in.member("bob")
	good := func() map[string]any {
		return map[string]any{"slug": "security", "title": "Rethinking security", "synthesis_after_days": 30,
			"closes_after_days": 45, "norms": []string{"Speak from experience"}}
	}
	for _, bad := range []struct {
		field string
		value any
		want  string
	}{
		{"synthesis_after_days", 0, "synthesis_after_days"},
		{"synthesis_after_days", "soon", "synthesis_after_days"},
		{"closes_after_days", 30, "closes_after_days"},
		{"closes_after_days", 99999, "closes_after_days"},
		{"interval_days", -3, "interval_days"},
		{"cohosts", []string{"not a domain!"}, "cohosts"},
		{"slug", "a_name_far_too_long_for_a_series", "slug"},
		{"participation", "everyone", "participation"},
	} {
		body := good()
		body[bad.field] = bad.value
		wantError(t, in.postJSON(seriesAPI, root, body), 422, bad.want)
	}
	wantStatus(t, in.get(seriesAPI+"/security", ""), 404)
	wantStatus(t, in.get("/api/v1/accounts/lookup?acct=security", ""), 404)
	if l := in.get(seriesAPI, "").List(t); len(l) != 0 {
		t.Fatalf("series after refusals: %v", l)
	}

	wantStatus(t, in.postJSON(seriesAPI, bob, good()), 403)
	wantStatus(t, in.postJSON(seriesAPI+"/nothing/editions", root, nil), 404)
	wantStatus(t, in.get("/series/nothing", ""), 404)

	created := in.postJSON(seriesAPI, root, good())
	wantStatus(t, created, 200)
	wantStatus(t, in.postJSON(seriesAPI+"/security/editions", bob, nil), 403)
	if eds := in.get(seriesAPI+"/security", "").Object(t)["editions"].([]any); len(eds) != 0 {
		t.Fatalf("editions after a refused opening: %v", eds)
	}
	wantError(t, in.postJSON(seriesAPI, root, good()), 422, "taken")
}

// TestSeriesPageOpensEditions: the series' facilitator opens the next
// edition from the series page in one step; the page then links every
// edition, and a member who follows the series is notified.
func TestSeriesPageOpensEditions(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ada := in.staff(t, "ada", roundtable.RoleAdmin)
	_, ana := in.member("ana")
	tok, err := in.Store.IssueToken(t.Context(), "ada", []string{"read", "write"})
	if err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"slug": "futures", "title": "Futures", "prompt_pattern": "Edition {edition}: what changed?",
		"synthesis_after_days": 20, "closes_after_days": 30, "cohosts": []string{"Partner.Example"}}
	wantStatus(t, in.postJSON(seriesAPI, tok, body), 200)
	var acc map[string]any
	in.get("/api/v1/accounts/lookup?acct=futures", ana).JSON(t, &acc)
	if acc["group"] != true {
		t.Fatalf("the series' actor: %v, want a group", acc)
	}
	wantStatus(t, in.postJSON("/api/v1/accounts/"+acc["id"].(string)+"/follow", ana, nil), 200)

	wantStatus(t, in.page(ada, "/series/futures"), 200)
	for n := 1; n <= 2; n++ {
		r := in.form(ada, "/series/futures/open", url.Values{})
		wantStatus(t, r, 303)
		if loc := r.Header.Get("Location"); loc != "/@futures_"+string(rune('0'+n)) {
			t.Fatalf("opening edition %d sends to %q", n, loc)
		}
	}
	page := string(in.page(ada, "/series/futures").Body)
	for _, want := range []string{"/@futures_1", "/@futures_2", "partner.example", "Open the next edition"} {
		if !strings.Contains(page, want) {
			t.Errorf("series page lacks %q", want)
		}
	}
	c := in.get("/api/roundtable/v1/consultations/futures_2", "").Object(t)
	if !strings.Contains(c["prompt"].(string), "Edition 2: what changed?") {
		t.Errorf("edition 2's prompt: %v", c["prompt"])
	}
	ns := in.get("/api/v1/notifications?types[]=series_edition", ana).List(t)
	if len(ns) != 2 || ns[0]["account"].(map[string]any)["acct"] != "futures_2" || ns[0]["reason"] != "Futures" {
		t.Fatalf("ana's notifications: %v", ns)
	}
	// A follower who is no facilitator sees no button, and the anonymous
	// reader is sent to sign in before opening anything.
	if page := string(in.get("/series/futures", "").Body); strings.Contains(page, "Open the next edition") {
		t.Error("the anonymous reader is offered to open an edition")
	}
	// The series' profile address leads to the series page.
	if r := in.get("/@futures", ""); r.Status != 200 || !strings.Contains(string(r.Body), "A consultation series") {
		t.Errorf("/@futures: %d, want the series page", r.Status)
	}
}

// TestSeriesPageAccessible runs axe-core on the series page, for a reader
// and for its facilitator (with the button to open an edition).
func TestSeriesPageAccessible(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	if _, err := in.Store.CreateMember(ctx, roundtable.NewMember{Username: "mod", Email: "mod@example.org",
		Password: "password-mod", Role: roundtable.RoleAdmin, Approved: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Store.CreateSeries(ctx, roundtable.NewSeries{Slug: "river", Title: "The river, every season",
		Description: "Four times a year.", PromptPattern: "Season {edition}", Norms: []string{"Speak for yourself"},
		Cohosts: []string{"partner.example"}, Facilitators: []string{"mod"}, SynthesisAfterDays: 20, ClosesAfterDays: 30,
		IntervalDays: 91}); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Store.OpenEdition(ctx, "river"); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t, browsertest.Options{})
	b.Visit(in.URL + "/series/river")
	b.Axe("/series/river")
	signIn(b, in, "mod")
	b.Visit(in.URL + "/series/river")
	b.Axe("/series/river (facilitator)")
}
