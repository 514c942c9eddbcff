package web_test

import (
	"context"
	"flag"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/roundtable-fed/roundtable"
	"github.com/roundtable-fed/roundtable/internal/browsertest"
)

// guideScreenshots makes TestGuideScreenshots write its pictures into
// docs/images, where docs/facilitating.md shows them:
//
//	go test ./web -run TestGuideScreenshots -count=1 -screenshots
var guideScreenshots = flag.Bool("screenshots", false, "write the guides' screenshots into docs/images")

// The guides' pictures: a fixed window, and a size the repository can keep.
const (
	guideWidth, guideHeight = 1000, 700
	guideMaxBytes           = 120 << 10
)

// guideShot saves what the window shows of the page, from the element sel
// down, as docs/images/NAME.png (with -screenshots) or in the screenshots
// folder, and fails when the picture is too large to keep.
func guideShot(t *testing.T, b *browsertest.Browser, name, sel string) {
	t.Helper()
	dir := filepath.Join(browsertest.ScreenshotDir(), "guide")
	if *guideScreenshots {
		_, file, _, _ := runtime.Caller(0)
		dir = filepath.Join(filepath.Dir(file), "..", "docs", "images")
	}
	if n := b.ViewShot(filepath.Join(dir, name+".png"), guideWidth, guideHeight, sel); n > guideMaxBytes {
		t.Errorf("the screenshot %s is %d bytes, more than %d", name, n, guideMaxBytes)
	}
}

// TestGuideScreenshots walks through a consultation as docs/facilitating.md
// tells a facilitator to, checking each page, and takes the guide's
// screenshots on the way: opening a consultation, setting it up (phase,
// norms, participation, dates), answering a request to join, pinning and
// locking threads, writing the synthesis, the consultation page once it
// is published, and opening the next edition of a series from its page.
func TestGuideScreenshots(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	if _, err := in.Store.AddNorm(ctx, roundtable.NewNorm{Text: "Speak from your own experience",
		Hint: "Say what you have seen or lived; let others speak for themselves."}); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Store.CreateMember(ctx, roundtable.NewMember{Username: "fay", Email: "fay@example.org",
		Password: "password-fay", Role: roundtable.RoleAdmin, Approved: true}); err != nil {
		t.Fatal(err)
	}
	_, bob := in.member("bob")

	b := browsertest.New(t, browsertest.Options{})
	signIn(b, in, "fay")

	// Open a consultation.
	b.Visit(in.URL + "/facilitate/new")
	b.Fill("#slug", "river")
	b.Fill("#title", "Sharing the river")
	b.Fill("#prompt", "How should the town share the river banks between walkers, anglers and boats?")
	b.Fill("#description", "A consultation of the riverside residents, spring 2026.")
	b.Fill("#norms", "Stay on the topic of the river.")
	b.Check("#participation-approval")
	b.Check("#attribution-named")
	guideShot(t, b, "facilitate-new", "")
	b.Submit(`main form[action="/facilitate/new"] button[type=submit]`)
	b.WantText("The consultation is created as a draft", "The consultation is now: draft.")

	// Set a date and open it.
	b.Select("#closes-at", "2030-06-30T18:00") // sets the field's value, as a date picker would
	b.Submit(`main form[action="/facilitate/river"] button[type=submit]`)
	b.WantText("The consultation is saved.")
	b.Select("#phase", "open")
	b.Submit(`form[action$="/phase"] button`)
	b.WantText("The phase is changed.", "The consultation is now: open.")
	guideShot(t, b, "facilitate-consultation", "")
	guideShot(t, b, "facilitate-settings", `label[for="norms"]`)
	if got := b.Attr("#closes-at", "value"); got != "2030-06-30T18:00" {
		t.Errorf("the closing date reads %q after saving", got)
	}

	// Someone asks to join; the facilitator approves.
	c, err := in.Store.Consultation(ctx, "river")
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, in.postJSON("/api/v1/accounts/"+c.AccountID+"/follow", bob, nil), 200)
	b.Visit(in.URL + "/facilitate/river")
	b.WantText("@bob")
	guideShot(t, b, "facilitate-joins", "#joins-h")
	b.Submit(`form[action$="/approve"] button`)
	b.WantText("The request is approved.", "Nobody is waiting to join.")

	// Threads come in; the facilitator pins one and locks another.
	banks := postStatus(t, in, bob, map[string]any{"status": "@river Open banks\nThe banks should stay open to everyone, with a path wide enough for wheelchairs."})["id"].(string)
	boats := postStatus(t, in, bob, map[string]any{"status": "@river Boats\nWhich bank should the boats use?",
		"poll": map[string]any{"options": []string{"East", "West"}, "expires_in": 86400}})["id"].(string)
	b.Visit(in.URL + "/facilitate/river")
	b.Submit(`form[action="/facilitate/river/threads/` + banks + `/pin"] button`)
	b.WantText("The thread is pinned.")
	b.Submit(`form[action="/facilitate/river/threads/` + boats + `/lock"] button`)
	b.WantText("The thread is locked: it takes no more replies.", "Pinned", "Locked")
	guideShot(t, b, "facilitate-threads", "#threads-h")

	// The consultation's page, as participants see it.
	b.Visit(in.URL + "/@river")
	b.WantText("How should the town share the river banks", "Stay on the topic of the river.",
		"Speak from your own experience", "Open banks", "Boats")
	guideShot(t, b, "consultation-page", "")

	// Synthesis: the facilitator writes what was heard and publishes it.
	b.Visit(in.URL + "/facilitate/river")
	b.Select("#phase", "synthesis")
	b.Submit(`form[action$="/phase"] button`)
	b.WantText("The consultation is now: synthesis.")
	b.Fill("#synthesis-title", "What we heard")
	b.Fill("#synthesis-text", "People want the banks open to all, with a path for wheelchairs.")
	b.Check(`#source-` + banks)
	guideShot(t, b, "facilitate-synthesis", "#synthesis-h")
	b.Submit(`form[action$="/synthesis"] button[type=submit]`)
	b.WantText("The synthesis is published")
	b.Visit(in.URL + "/@river")
	b.WantText("What we heard", "People want the banks open to all, with a path for wheelchairs.")
	guideShot(t, b, "consultation-synthesis", "#synthesis")

	// A series: its facilitator opens the next edition from its page, in one step.
	if _, err := in.Store.CreateSeries(ctx, roundtable.NewSeries{Slug: "security", Title: "Rethinking security",
		Description:   "Every other month, the residents look again at what makes them feel safe.",
		PromptPattern: "Edition {edition}: what made you feel safe, or not, since the last one?",
		Norms:         []string{"Speak of places, not of people."}, Facilitators: []string{"fay"},
		SynthesisAfterDays: 21, ClosesAfterDays: 42, IntervalDays: 61}); err != nil {
		t.Fatal(err)
	}
	b.Visit(in.URL + "/series/security")
	b.WantText("No edition has opened yet.", "a new edition every 61 days")
	b.Submit(`form[action="/series/security/open"] button`)
	b.WantText("The new edition is open; the series' followers have been told.", "Rethinking security — 1",
		"Edition 1: what made you feel safe", "Speak of places, not of people.")
	b.Visit(in.URL + "/series/security")
	b.WantText("Rethinking security — 1")
	guideShot(t, b, "series-page", "#template")
}
