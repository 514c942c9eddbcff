package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/roundtable-fed/roundtable"
	"github.com/roundtable-fed/roundtable/internal/browsertest"
)

// The main journey in a browser, as a person would take it, each step
// checked on the page they would see: a visitor signs up accepting the
// norms, joins a consultation, starts a thread, replies to another thread,
// votes in a poll and reports a contribution; a facilitator moves the phase
// to synthesis and publishes a synthesis; a moderator acts on the report
// with a reason, and the log shows it. Run with JavaScript on and off.

func TestJourney(t *testing.T) {
	t.Parallel()
	journey(t, browsertest.Options{})
}

func TestJourneyWithoutJavaScript(t *testing.T) {
	t.Parallel()
	journey(t, browsertest.Options{NoJavaScript: true})
}

func journey(t *testing.T, o browsertest.Options) {
	in := newInstance(t)
	ctx := context.Background()
	if _, err := in.Store.AddNorm(ctx, roundtable.NewNorm{Text: "Speak from your own experience"}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		name string
		role roundtable.Role
	}{{"mod", roundtable.RoleAdmin}, {"fay", roundtable.RoleMember}} {
		if _, err := in.Store.CreateMember(ctx, roundtable.NewMember{Username: m.name, Email: m.name + "@example.org",
			Password: "password-" + m.name, Role: m.role, Approved: true}); err != nil {
			t.Fatal(err)
		}
	}
	c, err := in.Store.CreateConsultation(ctx, roundtable.NewConsultation{Slug: "river", Title: "The river",
		Prompt: "How should we share the river?", Facilitators: []string{"fay"}})
	if err != nil {
		t.Fatal(err)
	}
	_, bob := in.member("bob")
	wantStatus(t, in.postJSON("/api/v1/accounts/"+c.AccountID+"/follow", bob, nil), 200)
	banks := postStatus(t, in, bob, map[string]any{"status": "@river Banks\nThe banks should stay open to everyone."})["id"].(string)
	poll := postStatus(t, in, bob, map[string]any{"status": "@river Which bank first?\nEast or west?",
		"poll": map[string]any{"options": []string{"East", "West"}, "expires_in": 86400}})["id"].(string)

	b := browsertest.New(t, o)

	// A visitor signs up, accepting the norms.
	b.Visit(in.URL + "/signup")
	b.WantText("Speak from your own experience")
	b.Check(`input[name=accept_norms]`)
	b.Fill("#username", "noor")
	b.Fill("#email", "noor@example.org")
	b.Fill("#password", "a long enough password")
	b.Submit(`main form button[type=submit]`)
	b.WantText("Signed in as noor")

	// Joins the consultation.
	b.Visit(in.URL + "/@river")
	b.WantText("How should we share the river?")
	b.Submit(`form[action$="/join"] button`)
	b.WantText("You take part in this consultation")

	// Starts a thread.
	b.Click(`a[href$="/new"]`)
	b.Fill("#title", "Fishing rights")
	b.Fill("#text", "Who may fish, and **when**?")
	b.Submit(`form.compose button[name=preview]`)
	b.WantText("Who may fish, and when?") // the preview, rendered
	b.Submit(`form.compose button:not([name=preview])`)
	b.WantText("Fishing rights", "Who may fish, and when?")

	// Replies to bob's thread.
	b.Visit(in.URL + "/@bob/" + banks)
	b.Click(`#c-` + banks + ` a[href*="/reply"]`)
	b.Fill("#text", "Open banks, but with a path for wheelchairs.")
	b.Submit(`form.compose button:not([name=preview])`)
	b.WantText("The banks should stay open to everyone.", "Open banks, but with a path for wheelchairs.")

	// Votes in the poll.
	b.Visit(in.URL + "/@bob/" + poll)
	b.Check(`#c-` + poll + ` input[name=choice][value="1"]`)
	b.Submit(`#c-` + poll + ` form[action$="/vote"] button`)
	b.WantText("your choice")

	// Reports bob's thread, citing the norm.
	b.Visit(in.URL + "/@bob/" + banks)
	b.Click(`#c-` + banks + ` a[href$="/report"]`)
	b.Check(`input[name=norm]`)
	b.Fill("#comment", "It speaks for people who are not here.")
	b.Submit(`main form[action$="/report"] button[type=submit]`)
	b.WantText("Thank you")
	b.Submit(`form[action="/logout"] button`)

	// The facilitator moves the phase to synthesis and publishes one.
	signIn(b, in, "fay")
	b.Visit(in.URL + "/facilitate/river")
	b.Select("#phase", "synthesis")
	b.Submit(`form[action$="/phase"] button`)
	b.Visit(in.URL + "/@river")
	b.WantText("Synthesis")
	b.Visit(in.URL + "/facilitate/river")
	b.Fill("#synthesis-title", "What we heard")
	b.Fill("#synthesis-text", "Most want open banks with access for all.")
	b.Check(`#source-` + banks)
	b.Submit(`form[action$="/synthesis"] button[type=submit]`)
	b.Visit(in.URL + "/@river")
	b.WantText("What we heard", "Most want open banks with access for all.")
	b.Submit(`form[action="/logout"] button`)

	// The moderator acts on the report with a reason; the log shows it.
	signIn(b, in, "mod")
	b.Visit(in.URL + "/moderation")
	b.WantText("It speaks for people who are not here.", "Speak from your own experience")
	b.Select(`form[action$="/account_action"] select[name=action]`, "warn")
	b.Fill(`form[action$="/account_action"] textarea[name=reason]`, "Please speak for yourself.")
	b.Submit(`form[action$="/account_action"] button[type=submit]`)
	b.Visit(in.URL + "/moderation/log")
	b.WantText("Please speak for yourself.")
	b.Screenshot("moderation-log")
	if strings.Contains(b.Text("main"), "It speaks for people who are not here.") {
		t.Error("the log shows the reporter's comment")
	}
}
