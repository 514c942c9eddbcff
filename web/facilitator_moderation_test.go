package web_test

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// TestFacilitatorModerationForms: a facilitator removes a contribution with
// a reason, releases a held one and bans its author from the consultation,
// from the consultation's page. A member who does not facilitate it may do
// none of it; a missing reason shows the page again with the message and
// changes nothing; forged forms are refused.
func TestFacilitatorModerationForms(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	ada := in.staff(t, "ada", roundtable.RoleMember)
	ben := in.staff(t, "ben", roundtable.RoleMember)
	_, tok := in.member("noor")
	if _, err := in.Store.CreateConsultation(ctx, roundtable.NewConsultation{Slug: "well", Title: "The well",
		Prompt: "Who keeps the well?", Facilitators: []string{"ada"}}); err != nil {
		t.Fatal(err)
	}
	post := func(text string) string {
		r := in.postJSON("/api/v1/statuses", tok, map[string]any{"status": "@well " + text})
		wantStatus(t, r, 200)
		return r.Object(t)["id"].(string)
	}

	// Removal with a reason.
	thread := post("Keepers\nThe keeper should be chosen by lot.")
	r := in.page(ada, "/facilitate/well")
	wantStatus(t, r, 200)
	wantBody(t, r, "Remove or ban: “Keepers”", `action="/facilitate/well/contributions/`+thread+`/remove"`,
		"Removing deletes the contribution for everyone who joined")
	remove := "/facilitate/well/contributions/" + thread + "/remove"
	wantStatus(t, in.submit(ben, remove, url.Values{"reason": {"Off topic"}}), 403)
	wantStatus(t, in.forge(ada, remove, url.Values{"reason": {"Off topic"}}), 403)
	r = in.submit(ada, remove, url.Values{"reason": {"  "}})
	wantStatus(t, r, 422)
	wantBody(t, r, "a removal needs a reason", "<h1>The well</h1>")
	if _, err := in.Store.Status(ctx, thread, ""); err != nil {
		t.Fatalf("the contribution after refused removals: %v", err)
	}
	wantStatus(t, in.submit(ada, remove, url.Values{"reason": {"Names a neighbour (norm 2)"}}), 303)
	wantBody(t, in.page(ada, "/facilitate/well"), "The contribution was removed.")
	if _, err := in.Store.Status(ctx, thread, ""); !errors.Is(err, roundtable.ErrNotFound) {
		t.Errorf("the contribution after its removal: %v", err)
	}

	// A contribution held for review, released with a reason.
	adaM, _ := in.Store.MemberByUsername(ctx, "ada")
	if err := in.Store.SetConsultationPremoderation(ctx, adaM, "well", true); err != nil {
		t.Fatal(err)
	}
	held := post("Rota\nA rota for the well, posted at the market.")
	r = in.page(ada, "/facilitate/well")
	wantBody(t, r, "Contributions held for review", "A rota for the well", `action="/facilitate/well/contributions/`+held+`/release"`)
	release := "/facilitate/well/contributions/" + held + "/release"
	wantStatus(t, in.submit(ben, release, url.Values{"reason": {"Fine"}}), 403)
	r = in.submit(ada, release, url.Values{"reason": {""}})
	wantStatus(t, r, 422)
	wantBody(t, r, "an action needs a reason")
	if st, err := in.Store.Status(ctx, held, ""); err == nil {
		t.Errorf("the held contribution is public after a refused release: %v", st.ID)
	}
	wantStatus(t, in.submit(ada, "/facilitate/well/contributions/"+thread+"/release", url.Values{"reason": {"Fine"}}), 404)
	wantStatus(t, in.submit(ada, release, url.Values{"reason": {"Within the norms"}}), 303)
	r = in.page(ada, "/facilitate/well")
	wantBody(t, r, "The contribution was released.", "No contribution is waiting for review.")
	if _, err := in.Store.Status(ctx, held, ""); err != nil {
		t.Errorf("the released contribution: %v", err)
	}

	// A ban of the author, with a reason.
	noor, _ := in.Store.MemberByUsername(ctx, "noor")
	ban := "/facilitate/well/accounts/" + noor.ID + "/ban"
	wantBody(t, in.page(ada, "/facilitate/well"), `action="`+ban+`"`, "Banning ends the author")
	wantStatus(t, in.submit(ben, ban, url.Values{"reason": {"Repeated attacks"}}), 403)
	r = in.submit(ada, ban, url.Values{"reason": {""}})
	wantStatus(t, r, 422)
	wantBody(t, r, "an action needs a reason")
	if bans, _ := in.Store.ConsultationBans(ctx, adaM, "well"); len(bans) != 0 {
		t.Fatalf("bans after a refused ban: %d", len(bans))
	}
	wantStatus(t, in.submit(ada, ban, url.Values{"reason": {"Repeated attacks on neighbours"}}), 303)
	wantBody(t, in.page(ada, "/facilitate/well"), "The author was banned from the consultation.")
	bans, _ := in.Store.ConsultationBans(ctx, adaM, "well")
	if len(bans) != 1 || bans[0].AccountID != noor.ID || bans[0].Reason != "Repeated attacks on neighbours" {
		t.Errorf("bans after the ban: %v", bans)
	}
	wantStatus(t, in.postJSON("/api/v1/statuses", tok, map[string]any{"status": "@well Again\nOne more."}), 422)
}
