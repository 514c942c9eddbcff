package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// TestThreadPageRemoval: a facilitator removes a reply with a reason from
// its thread page, and it is gone from the page and the API. A member who
// does not facilitate the consultation, and a reader signed out, see no
// such form, and a member's forged form is refused; a missing reason shows
// the thread again with the message and changes nothing.
func TestThreadPageRemoval(t *testing.T) {
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
	r := in.postJSON("/api/v1/statuses", tok, map[string]any{"status": "@well Keepers\nThe keeper should be chosen by lot."})
	wantStatus(t, r, 200)
	thread := r.Object(t)["id"].(string)
	r = in.postJSON("/api/v1/statuses", tok, map[string]any{"status": "My neighbour at number 4 poisons it.", "in_reply_to_id": thread})
	wantStatus(t, r, 200)
	reply := r.Object(t)["id"].(string)
	r = in.postJSON("/api/v1/statuses", tok, map[string]any{"status": "Lots are fair to everyone.", "in_reply_to_id": thread})
	wantStatus(t, r, 200)
	kept := r.Object(t)["id"].(string)
	page := "/@noor/" + thread
	remove := "/contributions/" + reply + "/remove"

	// Only the facilitator sees the forms, under every contribution.
	r = in.page(ada, page)
	wantStatus(t, r, 200)
	wantBody(t, r, "Remove with a reason", `action="`+remove+`"`, `action="/contributions/`+thread+`/remove"`,
		`action="/contributions/`+kept+`/remove"`, "Removing deletes the contribution for everyone who joined")
	for name, r := range map[string]*response{"a member": in.page(ben, page), "a reader signed out": in.page(browser(t), page)} {
		wantStatus(t, r, 200)
		if strings.Contains(string(r.Body), `/remove"`) || strings.Contains(string(r.Body), "Remove with a reason") {
			t.Errorf("%s is offered the removal form:\n%s", name, r.Body)
		}
	}

	// Refused: by a member who does not facilitate, forged, or without a reason.
	wantStatus(t, in.submit(ben, remove, url.Values{"reason": {"Off topic"}, "back": {page}}), 403)
	wantStatus(t, in.forge(ada, remove, url.Values{"reason": {"Off topic"}, "back": {page}}), 403)
	r = in.submit(ada, remove, url.Values{"reason": {"  "}, "back": {page}})
	wantStatus(t, r, 422)
	wantBody(t, r, "a removal needs a reason", "My neighbour at number 4 poisons it.")
	wantStatus(t, in.get("/api/v1/statuses/"+reply, ""), 200)

	// Removed with a reason: back to the thread, with the message.
	r = in.submit(ada, remove, url.Values{"reason": {"Names a neighbour (norm 2)"}, "back": {page}})
	if got := location(t, r); got != page {
		t.Errorf("after the removal the browser goes to %q, want %q", got, page)
	}
	r = in.page(ada, page)
	wantStatus(t, r, 200)
	wantBody(t, r, "The contribution was removed.", "Lots are fair to everyone.")
	wantNoBody(t, r, "My neighbour at number 4 poisons it.")
	wantNoBody(t, in.page(browser(t), page), "My neighbour at number 4 poisons it.")
	wantStatus(t, in.get("/api/v1/statuses/"+reply, ""), 404)
	r = in.get("/api/v1/statuses/"+thread+"/context", "")
	wantStatus(t, r, 200)
	if strings.Contains(string(r.Body), reply) || !strings.Contains(string(r.Body), kept) {
		t.Errorf("the thread's context after the removal: %s", r.Body)
	}

	// Removed from its own page: the browser goes to its thread.
	r = in.submit(ada, "/contributions/"+kept+"/remove", url.Values{"reason": {"Repeats the thread"}, "back": {"/@noor/" + kept}})
	if got := location(t, r); got != page {
		t.Errorf("after removing a reply from its own page the browser goes to %q, want %q", got, page)
	}
}
