package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// staff creates a member with a role and returns a browser signed in as
// them.
func (in *instance) staff(t *testing.T, name string, role roundtable.Role) *http.Client {
	t.Helper()
	if _, err := in.Store.CreateMember(context.Background(), roundtable.NewMember{Username: name, Email: name + "@example.org",
		Password: "password-" + name, Role: role, Approved: true}); err != nil {
		t.Fatal(err)
	}
	c := browser(t)
	wantStatus(t, in.form(c, "/login", url.Values{"username": {name}, "password": {"password-" + name}}), 303)
	return c
}

// page fetches a page with a browser.
func (in *instance) page(c *http.Client, path string) *response {
	in.t.Helper()
	req, err := http.NewRequest("GET", in.URL+path, nil)
	if err != nil {
		in.t.Fatal(err)
	}
	return in.send(c, req)
}

// submit posts a form as a browser does from one of this site's pages.
func (in *instance) submit(c *http.Client, path string, vals url.Values) *response {
	in.t.Helper()
	req, err := http.NewRequest("POST", in.URL+path, strings.NewReader(vals.Encode()))
	if err != nil {
		in.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", in.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return in.send(c, req)
}

// forge posts a form from another site, as a cross-site request forgery
// would, with the browser's cookies.
func (in *instance) forge(c *http.Client, path string, vals url.Values) *response {
	in.t.Helper()
	req, err := http.NewRequest("POST", in.URL+path, strings.NewReader(vals.Encode()))
	if err != nil {
		in.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	return in.send(c, req)
}

func wantBody(t *testing.T, r *response, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(string(r.Body), w) {
			t.Errorf("page lacks %q:\n%s", w, r.Body)
		}
	}
}

func openReports(t *testing.T, in *instance, mod string) []*roundtable.Report {
	t.Helper()
	m, err := in.Store.MemberByUsername(context.Background(), mod)
	if err != nil {
		t.Fatal(err)
	}
	reps, err := in.Store.OpenReports(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	return reps
}

// TestModerationQueueDismiss: a moderator reads a report in the queue,
// with the norm it cites, and dismisses it with a reason that the log then
// shows. Members cannot see the queue; a forged form changes nothing.
func TestModerationQueueDismiss(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	if _, err := in.Store.AddNorm(ctx, roundtable.NewNorm{Text: "Speak from your own experience"}); err != nil {
		t.Fatal(err)
	}
	norm, err := in.Store.AddNorm(ctx, roundtable.NewNorm{Text: "No names without consent"})
	if err != nil {
		t.Fatal(err)
	}
	author, authorToken := in.member("troll")
	r := in.postJSON("/api/v1/statuses", authorToken, map[string]any{"status": "Everyone knows what Jo did"})
	wantStatus(t, r, 200)
	id := r.Object(t)["id"].(string)
	_, ana := in.member("ana")
	wantStatus(t, in.postJSON("/api/v1/reports", ana, map[string]any{"account_id": author.ID, "status_ids": []string{id},
		"rule_ids": []string{norm.ID}, "comment": "Names my neighbour", "category": "violation"}), 200)

	// Signed out: to the sign-in page, and back.
	r = in.page(browser(t), "/moderation")
	wantStatus(t, r, 303)
	if loc := r.Header.Get("Location"); loc != "/login?next=%2Fmoderation" {
		t.Errorf("signed out: redirected to %q", loc)
	}
	// A member: no link, no queue, no action.
	member := in.staff(t, "ben", roundtable.RoleMember)
	if r = in.page(member, "/"); strings.Contains(string(r.Body), `href="/moderation"`) {
		t.Error("a member is shown the Moderation link")
	}
	wantStatus(t, in.page(member, "/moderation"), 403)
	wantStatus(t, in.page(member, "/moderation/log"), 403)
	mod := in.staff(t, "mod", roundtable.RoleModerator)
	reps := openReports(t, in, "mod")
	if len(reps) != 1 {
		t.Fatalf("%d open reports, want 1", len(reps))
	}
	dismiss := "/moderation/reports/" + reps[0].ID + "/dismiss"
	wantStatus(t, in.submit(member, dismiss, url.Values{"reason": {"Fine"}}), 403)

	// The moderator: the link, and the queue with the report in full.
	wantBody(t, in.page(mod, "/"), `href="/moderation"`)
	r = in.page(mod, "/moderation")
	wantStatus(t, r, 200)
	wantBody(t, r, "Report about @troll", "Everyone knows what Jo did", `<li value="2">No names without consent</li>`,
		"Names my neighbour", "the member @ana", "Breaks the norms", "Open reports on it: 1", `action="`+dismiss+`"`,
		"not in one of this instance’s consultations")
	if strings.Contains(string(r.Body), "Held back") {
		t.Error("one report shows the contribution as held back")
	}
	if strings.Contains(string(r.Body), `href="/moderation/peers"`) {
		t.Error("a moderator is shown the admins' peers tab")
	}

	// A forged form and bad input change nothing.
	wantStatus(t, in.forge(mod, dismiss, url.Values{"reason": {"Forged"}}), 403)
	r = in.submit(mod, dismiss, url.Values{"reason": {strings.Repeat("x", 1001)}})
	wantStatus(t, r, 422)
	wantBody(t, r, "reason: must be at most 1000 characters")
	if len(openReports(t, in, "mod")) != 1 {
		t.Fatal("a refused dismissal closed the report")
	}

	r = in.submit(mod, dismiss, url.Values{"reason": {"Jo is a public figure"}})
	wantStatus(t, r, 303)
	if loc := r.Header.Get("Location"); loc != "/moderation" {
		t.Errorf("after dismissing: redirected to %q", loc)
	}
	r = in.page(mod, "/moderation")
	wantBody(t, r, "The report was dismissed", "No report is waiting.")
	if r = in.page(mod, "/moderation"); strings.Contains(string(r.Body), "The report was dismissed") {
		t.Error("the message is shown twice")
	}
	if len(openReports(t, in, "mod")) != 0 {
		t.Error("the report is still open")
	}
	wantStatus(t, in.submit(mod, dismiss, url.Values{"reason": {"Again"}}), 422)

	r = in.page(mod, "/moderation/log")
	wantStatus(t, r, 200)
	wantBody(t, r, "Dismissed a report", "Moderator (@mod)", "Jo is a public figure", `href="`+author.URI+`"`)
	req, _ := http.NewRequest("GET", in.URL+"/moderation/log", nil)
	req.Header.Set("Accept-Language", "fr")
	wantBody(t, in.send(mod, req), "Journal de modération", "A classé un signalement")
}

// TestModerationRemoveFromQueue: a contribution in a consultation that
// three members and another instance reported is shown held back; the
// moderator removes it citing a norm, and the log records why.
func TestModerationRemoveFromQueue(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	norm, err := in.Store.AddNorm(ctx, roundtable.NewNorm{Text: "No names without consent"})
	if err != nil {
		t.Fatal(err)
	}
	in.member("lina")
	if _, err := in.Store.CreateConsultation(ctx, roundtable.NewConsultation{Slug: "safety", Title: "What keeps you safe?",
		Facilitators: []string{"lina"}}); err != nil {
		t.Fatal(err)
	}
	author, authorToken := in.member("mo")
	r := in.postJSON("/api/v1/statuses", authorToken, map[string]any{"status": "@safety Market days\nJo from number 4 steals."})
	wantStatus(t, r, 200)
	id := r.Object(t)["id"].(string)
	for _, name := range []string{"one", "two", "three"} {
		_, tok := in.member(name)
		wantStatus(t, in.postJSON("/api/v1/reports", tok, map[string]any{"account_id": author.ID, "status_ids": []string{id},
			"rule_ids": []string{norm.ID}}), 200)
	}
	st, err := in.Store.Status(ctx, id, author.ID)
	if err != nil {
		t.Fatal(err)
	}
	peer, err := in.Store.SaveRemoteActor(ctx, roundtable.RemoteActor{URI: "https://peer.example/actor", Type: "Application",
		Username: "peer.example", Domain: "peer.example", Inbox: "https://peer.example/inbox", PublicKeyID: "https://peer.example/actor#main-key",
		PublicKeyPEM: "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----"})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Store.ReceiveFlag(ctx, peer, []string{*st.URI}, "Doxxing"); err != nil {
		t.Fatal(err)
	}

	mod := in.staff(t, "mod", roundtable.RoleModerator)
	r = in.page(mod, "/moderation")
	wantStatus(t, r, 200)
	wantBody(t, r, "Jo from number 4 steals.", "Held back until a moderator decides", "Open reports on it: 4",
		"the instance peer.example", "Doxxing", `action="/moderation/consultations/safety/contributions/`+id+`/remove"`)

	if n := strings.Count(string(r.Body), "Jo from number 4 steals."); n != 1 {
		t.Errorf("the contribution four reports name is shown %d times, want once", n)
	}
	if n := strings.Count(string(r.Body), "The same contribution, shown above"); n != 3 {
		t.Errorf("%d references to the contribution shown above, want 3", n)
	}
	remove := "/moderation/consultations/safety/contributions/" + id + "/remove"
	r = in.submit(mod, remove, url.Values{"reason": {""}})
	wantStatus(t, r, 422)
	wantBody(t, r, "reason: a removal needs a reason")
	wantStatus(t, in.submit(mod, remove, url.Values{"reason": {"Names a person"}, "norm": {"01M8AHRHB73S02P9K48XPRXW76"}}), 422)
	wantStatus(t, in.forge(mod, remove, url.Values{"reason": {"Forged"}}), 403)
	if _, err := in.Store.Status(ctx, id, author.ID); err != nil {
		t.Fatalf("a refused removal removed the contribution: %v", err)
	}

	r = in.submit(mod, remove, url.Values{"reason": {"Names a person"}, "norm": {norm.ID}})
	wantStatus(t, r, 303)
	wantStatus(t, in.get("/api/v1/statuses/"+id, authorToken), 404)
	r = in.page(mod, "/moderation")
	wantBody(t, r, "The contribution was removed", "No report is waiting.")
	r = in.page(mod, "/moderation/log")
	wantBody(t, r, "Removed a contribution", "Names a person (norm 1: No names without consent)", `href="`+*st.URI+`"`)
}

// TestModerationPeersAndNorms: an admin sets a peer policy and edits the
// norms from the pages; moderators may not; bad input changes nothing.
func TestModerationPeersAndNorms(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	admin := in.staff(t, "root", roundtable.RoleAdmin)
	mod := in.staff(t, "mod", roundtable.RoleModerator)

	r := in.page(admin, "/moderation/peers")
	wantStatus(t, r, 200)
	wantBody(t, r, `href="/moderation/peers"`, `href="/moderation/norms"`, "No policy has been set")
	wantStatus(t, in.page(mod, "/moderation/peers"), 403)
	wantStatus(t, in.submit(mod, "/moderation/peers", url.Values{"domain": {"bad.example"}, "policy": {"block"}}), 403)
	wantStatus(t, in.forge(admin, "/moderation/peers", url.Values{"domain": {"bad.example"}, "policy": {"block"}}), 403)
	r = in.submit(admin, "/moderation/peers", url.Values{"domain": {"bad.example"}, "policy": {"nuke"}, "reason": {"Kept"}})
	wantStatus(t, r, 422)
	wantBody(t, r, "policy: must be block, limit, default or trust", `value="bad.example"`, ">Kept</textarea>")
	wantStatus(t, in.submit(admin, "/moderation/peers", url.Values{"domain": {"bad.example/users"}, "policy": {"block"}}), 422)
	if ps, err := in.Store.DomainPolicies(ctx); err != nil || len(ps) != 0 {
		t.Fatalf("after refused forms: %v, %v", ps, err)
	}

	r = in.submit(admin, "/moderation/peers", url.Values{"domain": {"Bad.Example"}, "policy": {"block"}, "reason": {"Harassment campaign"},
		"private_reason": {"Reported by three members in May"}})
	wantStatus(t, r, 303)
	ps, err := in.Store.DomainPolicies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Domain != "bad.example" || ps[0].Policy != roundtable.PolicyBlock || ps[0].Reason != "Harassment campaign" {
		t.Fatalf("policies: %+v", ps)
	}
	wantBody(t, in.page(admin, "/moderation/peers"), "The policy was saved.",
		"<td>bad.example</td><td>Block</td><td>Harassment campaign</td><td>Reported by three members in May</td>")
	if ps[0].PrivateReason != "Reported by three members in May" {
		t.Errorf("private reason: %q", ps[0].PrivateReason)
	}
	if blocks := in.get("/api/v1/instance/domain_blocks", ""); strings.Contains(string(blocks.Body), "three members") {
		t.Errorf("the public list shows the private reason: %s", blocks.Body)
	}
	about := in.get("/about", "")
	wantBody(t, about, "<td>bad.example</td><td>Block</td><td>Harassment campaign</td>")
	if strings.Contains(string(about.Body), "three members") {
		t.Error("the about page shows the private reason")
	}

	// Norms.
	wantStatus(t, in.page(mod, "/moderation/norms"), 403)
	r = in.submit(admin, "/moderation/norms", url.Values{"text": {"  "}})
	wantStatus(t, r, 422)
	wantBody(t, r, "text: must be 1 to 300 characters")
	wantStatus(t, in.submit(admin, "/moderation/norms", url.Values{"text": {"Speak from your own experience"}, "hint": {"Not for others."}}), 303)
	wantStatus(t, in.submit(admin, "/moderation/norms", url.Values{"text": {"No names without consent"}}), 303)
	r = in.page(admin, "/moderation/norms")
	wantBody(t, r, "The norm was added.", `<li value="2"><strong>No names without consent</strong>`, "Not for others.")
	norms, err := in.Store.Norms(ctx)
	if err != nil || len(norms) != 2 {
		t.Fatalf("norms: %v, %v", norms, err)
	}
	wantStatus(t, in.forge(admin, "/moderation/norms/"+norms[0].ID+"/remove", nil), 403)
	wantStatus(t, in.submit(admin, "/moderation/norms/"+norms[0].ID+"/remove", nil), 303)
	wantStatus(t, in.submit(admin, "/moderation/norms/"+norms[0].ID+"/remove", nil), 404)
	r = in.page(admin, "/moderation/norms")
	wantBody(t, r, "The norm was removed", `<li value="1"><strong>No names without consent</strong>`)
	if strings.Contains(string(r.Body), "Speak from your own experience") {
		t.Error("the removed norm is still listed")
	}
}
