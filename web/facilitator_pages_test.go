package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// TestFacilitatorPages: an admin opens a consultation from the web, moves
// it through its phases, edits it, approves a join request, pins and locks
// a thread, publishes the synthesis drawing on a contribution and
// downloads the export. Members who do not facilitate it may do none of
// it; bad input keeps what was typed; forged forms are refused.
func TestFacilitatorPages(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	ada := in.staff(t, "ada", roundtable.RoleAdmin)
	ben := in.staff(t, "ben", roundtable.RoleMember)
	_, benToken := in.member("benapi")

	wantStatus(t, in.page(ben, "/facilitate/new"), 403)
	wantStatus(t, in.submit(ben, "/facilitate/new", url.Values{"slug": {"town"}, "title": {"Town"}}), 403)
	wantBody(t, in.page(ben, "/facilitate"), "You facilitate no consultation.")
	wantStatus(t, in.page(ada, "/facilitate/new"), 200)
	r := in.submit(ada, "/facilitate/new", url.Values{"slug": {"bad slug!"}, "title": {"Our town"}, "participation": {"open"},
		"attribution": {"named"}})
	wantStatus(t, r, 422)
	wantBody(t, r, `value="Our town"`, `value="bad slug!"`)
	wantStatus(t, in.forge(ada, "/facilitate/new", url.Values{"slug": {"town"}, "title": {"Our town"}}), 403)
	r = in.submit(ada, "/facilitate/new", url.Values{"slug": {"town"}, "title": {"Our town"}, "prompt": {"What should change?"},
		"norms": {"Be kind\n\nListen"}, "participation": {"open"}, "attribution": {"named"}})
	wantStatus(t, r, 303)
	if loc := r.Header.Get("Location"); loc != "/facilitate/town" {
		t.Fatalf("created: redirected to %q", loc)
	}
	r = in.page(ada, "/facilitate/town")
	wantStatus(t, r, 200)
	wantBody(t, r, "created as a draft", "What should change?", "Be kind\nListen")
	wantBody(t, in.page(ada, "/facilitate"), `href="/facilitate/town"`)
	wantStatus(t, in.page(ben, "/facilitate/town"), 404) // a draft: not even seen

	// Phase: open.
	wantStatus(t, in.forge(ada, "/facilitate/town/phase", url.Values{"phase": {"open"}}), 403)
	wantStatus(t, in.submit(ada, "/facilitate/town/phase", url.Values{"phase": {"nonsense"}}), 422)
	wantStatus(t, in.submit(ada, "/facilitate/town/phase", url.Values{"phase": {"open"}}), 303)
	c, err := in.Store.Consultation(ctx, "town")
	if err != nil || c.Phase != roundtable.PhaseOpen {
		t.Fatalf("phase after moving: %v %v", c, err)
	}
	wantStatus(t, in.page(ben, "/facilitate/town"), 403)
	wantStatus(t, in.submit(ben, "/facilitate/town/phase", url.Values{"phase": {"closed"}}), 403)

	// Edit: dates out of order are refused with what was typed.
	edit := url.Values{"title": {"Our town, together"}, "prompt": {"What should change first?"}, "norms": {"Be kind"},
		"participation": {"approval"}, "opens_at": {"2030-05-02T09:00"}, "closes_at": {"2030-05-01T09:00"}, "premoderation": {"1"}}
	r = in.submit(ada, "/facilitate/town", edit)
	wantStatus(t, r, 422)
	wantBody(t, r, "closes_at: must not be before opens_at", `value="Our town, together"`)
	if c, _ = in.Store.Consultation(ctx, "town"); c.Title != "Our town" {
		t.Errorf("a refused edit changed the title to %q", c.Title)
	}
	edit.Set("closes_at", "2030-06-01T09:00")
	wantStatus(t, in.submit(ada, "/facilitate/town", edit), 303)
	c, _ = in.Store.Consultation(ctx, "town")
	if c.Title != "Our town, together" || c.Participation != roundtable.ParticipationApproval || c.ClosesAt == nil ||
		c.ClosesAt.Format("2006-01-02T15:04") != "2030-06-01T09:00" {
		t.Errorf("after the edit: %q %q %v", c.Title, c.Participation, c.ClosesAt)
	}
	adaM, _ := in.Store.MemberByUsername(ctx, "ada")
	if on, _ := in.Store.ConsultationPremoderation(ctx, adaM, "town"); !on {
		t.Error("pre-moderation is off after the edit turned it on")
	}
	r = in.page(ada, "/facilitate/town")
	wantBody(t, r, `value="2030-06-01T09:00"`, `name="premoderation" value="1" checked`)
	// Back to open participation without pre-moderation for what follows.
	edit.Set("participation", "approval")
	edit.Del("premoderation")
	wantStatus(t, in.submit(ada, "/facilitate/town", edit), 303)

	// A join request, approved.
	wantStatus(t, in.postJSON("/api/v1/accounts/"+c.AccountID+"/follow", benToken, nil), 200)
	benAPI, _ := in.Store.MemberByUsername(ctx, "benapi")
	r = in.page(ada, "/facilitate/town")
	wantBody(t, r, "Approve @benapi")
	wantStatus(t, in.forge(ada, "/facilitate/town/joins/"+benAPI.ID+"/approve", nil), 403)
	wantStatus(t, in.submit(ada, "/facilitate/town/joins/"+benAPI.ID+"/approve", nil), 303)
	wantBody(t, in.page(ada, "/facilitate/town"), "The request is approved.", "Nobody is waiting to join.")

	// A thread, pinned and locked.
	r = in.postJSON("/api/v1/statuses", benToken, map[string]any{"status": "@town Water\nClean water first."})
	wantStatus(t, r, 200)
	thread := r.Object(t)["id"].(string)
	wantBody(t, in.page(ada, "/facilitate/town"), ">Water</a>", "Pin “Water”")
	wantStatus(t, in.submit(ben, "/facilitate/town/threads/"+thread+"/lock", nil), 403)
	wantStatus(t, in.submit(ada, "/facilitate/town/threads/"+thread+"/pin", nil), 303)
	wantStatus(t, in.submit(ada, "/facilitate/town/threads/"+thread+"/lock", nil), 303)
	wantStatus(t, in.submit(ada, "/facilitate/town/threads/"+thread+"/explode", nil), 404)
	r = in.page(ada, "/facilitate/town")
	wantBody(t, r, "Unpin “Water”", "Unlock “Water”")
	if st, _ := in.Store.Status(ctx, thread, ""); !st.Locked {
		t.Error("the thread is not locked")
	}

	// The synthesis: only once in the synthesis phase.
	wantBody(t, r, "once the consultation reaches its synthesis phase")
	wantStatus(t, in.submit(ada, "/facilitate/town/phase", url.Values{"phase": {"synthesis"}}), 303)
	r = in.page(ada, "/facilitate/town")
	wantBody(t, r, `name="source" value="`+thread+`"`, "Clean water first.")
	r = in.submit(ada, "/facilitate/town/synthesis", url.Values{"synthesis_title": {""}, "synthesis_text": {"We heard water."},
		"source": {thread}})
	wantStatus(t, r, 422)
	wantBody(t, r, "title: must be 1 to 200 characters", "We heard water.", `value="`+thread+`" checked`)
	wantStatus(t, in.forge(ada, "/facilitate/town/synthesis", url.Values{"synthesis_title": {"What we heard"},
		"synthesis_text": {"We heard water."}, "source": {thread}}), 403)
	wantStatus(t, in.submit(ada, "/facilitate/town/synthesis", url.Values{"synthesis_title": {"What we heard"},
		"synthesis_text": {"We heard water."}, "source": {thread}}), 303)
	wantBody(t, in.page(ada, "/facilitate/town"), "The synthesis is published")
	if c, _ = in.Store.Consultation(ctx, "town"); c.SynthesisID == nil {
		t.Error("no synthesis recorded")
	}

	// The export.
	r = in.page(ada, "/facilitate/town/export.json")
	wantStatus(t, r, 200)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("JSON export: %q", ct)
	}
	wantBody(t, r, "Clean water first.")
	r = in.page(ada, "/facilitate/town/export.csv")
	wantStatus(t, r, 200)
	wantBody(t, r, "Clean water first.")
	wantStatus(t, in.page(ada, "/facilitate/town/export.xml"), 404)
	wantStatus(t, in.page(ben, "/facilitate/town/export.json"), 403)
}
