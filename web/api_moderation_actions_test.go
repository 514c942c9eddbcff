package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

const modAPI = "/api/roundtable/v1/moderation"

// staffToken creates a member with a role and returns it with a token holding
// the moderation scopes.
func (in *instance) staffToken(name string, role roundtable.Role) (*roundtable.Member, string) {
	in.t.Helper()
	ctx := context.Background()
	m, err := in.Store.CreateMember(ctx, roundtable.NewMember{Username: name, Email: name + "@example.org",
		Password: "password-" + name, Role: role, Approved: true})
	if err != nil {
		in.t.Fatal(err)
	}
	tok, err := in.Store.IssueToken(ctx, name, []string{"read", "write", "admin:read", "admin:write"})
	if err != nil {
		in.t.Fatal(err)
	}
	return m, tok
}

// ids returns the ids of a list of entities.
func ids(list []map[string]any) []string {
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = e["id"].(string)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// TestHoldAndRelease: a facilitator holds a contribution to their
// consultation: only its author and those who moderate it see it, it is
// in the queue of held contributions, and it comes back when released.
// Members cannot act; facilitators act only on their consultation's
// contributions; bad requests change nothing.
func TestHoldAndRelease(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	_, facilitator := in.staffToken("fay", roundtable.RoleMember)
	_, moderator := in.staffToken("mod", roundtable.RoleModerator)
	_, author := in.member("gus")
	_, reader := in.member("jo")
	_, readerAdminScopes := in.staffToken("kim", roundtable.RoleMember)
	if _, err := in.Store.AddNorm(ctx, roundtable.NewNorm{Text: "Check your facts"}); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Store.CreateConsultation(ctx, roundtable.NewConsultation{Slug: "river", Title: "River", Facilitators: []string{"fay"}}); err != nil {
		t.Fatal(err)
	}
	r := in.postJSON("/api/v1/statuses", author, map[string]any{"status": "@river Floods\nThe dam will break tomorrow. #water"})
	wantStatus(t, r, 200)
	id := r.Object(t)["id"].(string)
	elsewhere := in.postJSON("/api/v1/statuses", author, map[string]any{"status": "Not in any consultation."}).Object(t)["id"].(string)
	hold := func(token, id string, body map[string]any) *response {
		return in.postJSON(modAPI+"/contributions/"+id+"/hold", token, body)
	}

	// Who may not, and what is not a valid request: nothing changes.
	wantStatus(t, hold(reader, id, map[string]any{"reason": "x"}), 403)            // no admin scope
	wantStatus(t, hold(readerAdminScopes, id, map[string]any{"reason": "x"}), 403) // not a moderator
	wantStatus(t, hold(facilitator, elsewhere, map[string]any{"reason": "x"}), 403)
	wantStatus(t, hold(facilitator, id, map[string]any{}), 422)
	wantStatus(t, hold(facilitator, id, map[string]any{"reason": strings.Repeat("x", 1001)}), 422)
	wantStatus(t, hold(facilitator, id, map[string]any{"reason": "Unverified", "norm": 2}), 422)
	wantStatus(t, hold(facilitator, id, map[string]any{"reason": "Unverified", "norm": "first"}), 422)
	wantStatus(t, hold(facilitator, "01M8AHRHB73S02P9K48XPRXW76", map[string]any{"reason": "Unverified"}), 404)
	wantStatus(t, in.get("/api/v1/statuses/"+id, reader), 200)
	if held := in.get(modAPI+"/held", facilitator).List(t); len(held) != 0 {
		t.Fatalf("refused requests held something: %v", ids(held))
	}

	r = hold(facilitator, id, map[string]any{"reason": "Unverified claim of danger", "norm": 1})
	wantStatus(t, r, 200)
	if r.Object(t)["id"] != id {
		t.Errorf("hold answers with %s", r.Body)
	}
	wantStatus(t, hold(facilitator, id, map[string]any{"reason": "again"}), 422)
	// Seen by its author and those who moderate it; by nobody else.
	wantStatus(t, in.get("/api/v1/statuses/"+id, ""), 404)
	wantStatus(t, in.get("/api/v1/statuses/"+id, reader), 404)
	for _, tok := range []string{author, facilitator, moderator} {
		wantStatus(t, in.get("/api/v1/statuses/"+id, tok), 200)
	}
	for _, path := range []string{"/api/v1/timelines/public", "/api/v1/timelines/tag/water"} {
		if contains(ids(in.get(path, reader).List(t)), id) {
			t.Errorf("a held contribution is listed in %s", path)
		}
	}
	// The queue: the facilitator's and the moderator's; not a member's.
	wantStatus(t, in.get(modAPI+"/held", readerAdminScopes), 403)
	for _, tok := range []string{facilitator, moderator} {
		if held := ids(in.get(modAPI+"/held", tok).List(t)); len(held) != 1 || held[0] != id {
			t.Errorf("held queue: %v, want [%s]", held, id)
		}
	}
	// A moderator may hold what is in no consultation.
	wantStatus(t, hold(moderator, elsewhere, map[string]any{"reason": "Spam wave"}), 200)
	wantStatus(t, in.get("/api/v1/statuses/"+elsewhere, reader), 404)
	if held := ids(in.get(modAPI+"/held", facilitator).List(t)); len(held) != 1 {
		t.Errorf("the facilitator's queue shows what is not theirs: %v", held)
	}

	release := func(token, id string, body map[string]any) *response {
		return in.postJSON(modAPI+"/contributions/"+id+"/release", token, body)
	}
	wantStatus(t, release(reader, id, map[string]any{"reason": "x"}), 403)
	wantStatus(t, release(facilitator, id, map[string]any{}), 422)
	wantStatus(t, in.get("/api/v1/statuses/"+id, reader), 404)
	wantStatus(t, release(facilitator, id, map[string]any{"reason": "Confirmed by the council"}), 200)
	wantStatus(t, release(facilitator, id, map[string]any{"reason": "again"}), 422)
	wantStatus(t, in.get("/api/v1/statuses/"+id, reader), 200)
	if !contains(ids(in.get("/api/v1/timelines/tag/water", reader).List(t)), id) {
		t.Error("the released contribution is not back on its tag page")
	}

	log := in.get(modAPI+"/log", moderator).List(t)
	var actions []string
	for _, e := range log {
		actions = append(actions, e["action"].(string)+":"+e["role"].(string))
	}
	if got := strings.Join(actions, " "); got != "release:facilitator hold:moderator hold:facilitator" {
		t.Errorf("log: %s", got)
	}
	if last := log[len(log)-1]; last["norm"] != float64(1) || last["reason"] != "Unverified claim of danger" {
		t.Errorf("the hold's log entry: %v", last)
	}
}

// TestHideBehindWarning: a moderator puts a contribution behind a content
// warning: the client API and the web page show it sensitive with the
// moderator's words, an edit by its author keeps it, and unhiding shows it
// as written.
func TestHideBehindWarning(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, moderator := in.staffToken("mod", roundtable.RoleModerator)
	author, authorToken := in.member("gus")
	_, reader := in.member("jo")
	r := in.postJSON("/api/v1/statuses", authorToken, map[string]any{"status": "What I saw at the accident, in detail."})
	wantStatus(t, r, 200)
	id := r.Object(t)["id"].(string)
	hide := func(token string, body map[string]any) *response {
		return in.postJSON(modAPI+"/contributions/"+id+"/hide", token, body)
	}
	wantStatus(t, hide(reader, map[string]any{"reason": "x", "spoiler_text": "x"}), 403)
	wantStatus(t, hide(moderator, map[string]any{"spoiler_text": "Injury"}), 422)
	wantStatus(t, hide(moderator, map[string]any{"reason": "Graphic", "spoiler_text": strings.Repeat("x", 501)}), 422)
	if st := in.get("/api/v1/statuses/"+id, reader).Object(t); st["sensitive"] != false || st["spoiler_text"] != "" {
		t.Fatalf("refused requests changed the status: %v", st)
	}

	wantStatus(t, hide(moderator, map[string]any{"reason": "Graphic description", "spoiler_text": "Injury, described"}), 200)
	wantStatus(t, hide(moderator, map[string]any{"reason": "Graphic description", "spoiler_text": "Injury, described"}), 422)
	check := func(when, token, warning string, sensitive bool) {
		t.Helper()
		st := in.get("/api/v1/statuses/"+id, token).Object(t)
		if st["spoiler_text"] != warning || st["sensitive"] != sensitive {
			t.Errorf("%s: spoiler_text %q sensitive %v, want %q %v", when, st["spoiler_text"], st["sensitive"], warning, sensitive)
		}
	}
	check("hidden", reader, "Injury, described", true)
	check("hidden, to its author", authorToken, "Injury, described", true)
	page := in.get("/@"+author.Username+"/"+id, "")
	wantStatus(t, page, 200)
	if !strings.Contains(string(page.Body), "<details><summary>") || !strings.Contains(string(page.Body), "Injury, described") {
		t.Errorf("the web page does not show the warning: %s", page.Body)
	}
	// The author edits the text: the warning stays.
	wantStatus(t, in.do("PUT", "/api/v1/statuses/"+id, authorToken, map[string]any{"status": "What I saw, shorter."}, ""), 200)
	check("edited", reader, "Injury, described", true)

	wantStatus(t, in.postJSON(modAPI+"/contributions/"+id+"/unhide", reader, map[string]any{"reason": "x"}), 403)
	wantStatus(t, in.postJSON(modAPI+"/contributions/"+id+"/unhide", moderator, map[string]any{"reason": "Discussed with the author"}), 200)
	wantStatus(t, in.postJSON(modAPI+"/contributions/"+id+"/unhide", moderator, map[string]any{"reason": "again"}), 422)
	check("unhidden", reader, "", false)
}

// TestLimitAccount: a limited member's posts are seen by its followers
// (and moderators) only: not on public or tag timelines, not in search;
// its contributions to consultations are held, and it is told so. Only
// moderators limit, with a reason; unlimiting shows everything again.
func TestLimitAccount(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	_, moderator := in.staffToken("mod", roundtable.RoleModerator)
	_, facilitator := in.staffToken("fay", roundtable.RoleMember)
	loud, loudToken := in.member("loud")
	_, reader := in.member("jo")
	_, follower := in.member("kim")
	if _, err := in.Store.CreateConsultation(ctx, roundtable.NewConsultation{Slug: "park", Title: "Park", Facilitators: []string{"fay"}}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, in.postJSON("/api/v1/accounts/"+loud.ID+"/follow", follower, nil), 200)
	post := in.postJSON("/api/v1/statuses", loudToken, map[string]any{"status": "Shouting again #noise"}).Object(t)["id"].(string)

	limit := func(token string, body map[string]any) *response {
		return in.postJSON(modAPI+"/accounts/"+loud.ID+"/limit", token, body)
	}
	wantStatus(t, limit(reader, map[string]any{"reason": "x"}), 403)
	wantStatus(t, limit(facilitator, map[string]any{"reason": "x"}), 403)
	wantStatus(t, limit(moderator, map[string]any{}), 422)
	wantStatus(t, in.postJSON(modAPI+"/accounts/01M8AHRHB73S02P9K48XPRXW76/limit", moderator, map[string]any{"reason": "x"}), 404)
	wantStatus(t, in.get("/api/v1/statuses/"+post, reader), 200)

	r := limit(moderator, map[string]any{"reason": "Pile-ons in three threads"})
	wantStatus(t, r, 200)
	if r.Object(t)["limited"] != true {
		t.Errorf("limit answers %s", r.Body)
	}
	wantStatus(t, limit(moderator, map[string]any{"reason": "again"}), 422)

	wantStatus(t, in.get("/api/v1/statuses/"+post, reader), 404)
	wantStatus(t, in.get("/api/v1/statuses/"+post, ""), 404)
	for _, tok := range []string{follower, moderator, loudToken} {
		wantStatus(t, in.get("/api/v1/statuses/"+post, tok), 200)
	}
	if !contains(ids(in.get("/api/v1/timelines/home", follower).List(t)), post) {
		t.Error("a follower no longer sees the limited account's post at home")
	}
	for _, tok := range []string{reader, follower} {
		for _, path := range []string{"/api/v1/timelines/public", "/api/v1/timelines/tag/noise"} {
			if contains(ids(in.get(path, tok).List(t)), post) {
				t.Errorf("a limited account's post is listed in %s", path)
			}
		}
	}
	search := func(token string) []string {
		var res struct {
			Accounts []map[string]any `json:"accounts"`
		}
		in.get("/api/v2/search?q="+url.QueryEscape("loud"), token).JSON(t, &res)
		return ids(res.Accounts)
	}
	if contains(search(reader), loud.ID) {
		t.Error("search finds the limited account for a non-follower")
	}
	if !contains(search(follower), loud.ID) {
		t.Error("search does not find the limited account for its follower")
	}

	// Its contributions to a consultation wait for a facilitator, and it
	// is told so.
	contribution := in.postJSON("/api/v1/statuses", loudToken, map[string]any{"status": "@park Benches\nMore benches!"}).Object(t)["id"].(string)
	wantStatus(t, in.get("/api/v1/statuses/"+contribution, follower), 404)
	if held := ids(in.get(modAPI+"/held", facilitator).List(t)); !contains(held, contribution) {
		t.Errorf("the facilitator's queue lacks the limited account's contribution: %v", held)
	}
	notes := in.get("/api/v1/notifications?types[]=contribution_held", loudToken).List(t)
	if len(notes) != 1 || !strings.Contains(notes[0]["reason"].(string), "awaits a facilitator") {
		t.Errorf("the author is not told: %v", notes)
	}

	wantStatus(t, in.postJSON(modAPI+"/accounts/"+loud.ID+"/unlimit", facilitator, map[string]any{"reason": "x"}), 403)
	r = in.postJSON(modAPI+"/accounts/"+loud.ID+"/unlimit", moderator, map[string]any{"reason": "Apologised"})
	wantStatus(t, r, 200)
	if r.Object(t)["limited"] != false {
		t.Errorf("unlimit answers %s", r.Body)
	}
	wantStatus(t, in.get("/api/v1/statuses/"+post, reader), 200)
	if !contains(search(reader), loud.ID) {
		t.Error("search does not find the account once unlimited")
	}
	// What was held stays held until a facilitator decides.
	wantStatus(t, in.get("/api/v1/statuses/"+contribution, reader), 404)
}

// TestPremoderation: with pre-moderation asked for by the consultation,
// or by the instance, a new account's first contribution waits for a
// facilitator; once one is released, the next goes through. Facilitators
// are never held. Only facilitators (consultation) and admins (instance)
// change the settings, and the auto-hide threshold is the instance's.
func TestPremoderation(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	_, admin := in.staffToken("root", roundtable.RoleAdmin)
	_, moderator := in.staffToken("mod", roundtable.RoleModerator)
	_, facilitator := in.staffToken("fay", roundtable.RoleMember)
	_, newcomer := in.member("nia")
	_, other := in.member("oz")
	for _, slug := range []string{"garden", "library"} {
		if _, err := in.Store.CreateConsultation(ctx, roundtable.NewConsultation{Slug: slug, Title: slug, Facilitators: []string{"fay"}}); err != nil {
			t.Fatal(err)
		}
	}
	setting := modAPI + "/consultations/garden"
	wantStatus(t, in.do("PATCH", setting, moderator, map[string]any{"premoderation": true}, ""), 403)
	wantStatus(t, in.do("PATCH", setting, facilitator, map[string]any{"premoderation": "maybe"}, ""), 422)
	wantStatus(t, in.do("PATCH", setting, facilitator, map[string]any{}, ""), 422)
	if in.get(setting, facilitator).Object(t)["premoderation"] != false {
		t.Fatal("refused requests turned pre-moderation on")
	}
	wantStatus(t, in.do("PATCH", setting, facilitator, map[string]any{"premoderation": true}, ""), 200)

	post := func(token, text string) string {
		r := in.postJSON("/api/v1/statuses", token, map[string]any{"status": text})
		wantStatus(t, r, 200)
		return r.Object(t)["id"].(string)
	}
	first := post(newcomer, "@garden Roses\nPlant roses.")
	wantStatus(t, in.get("/api/v1/statuses/"+first, other), 404)
	wantStatus(t, in.get("/api/v1/statuses/"+first, newcomer), 200)
	if n := in.get("/api/v1/notifications?types[]=contribution_held", newcomer).List(t); len(n) != 1 {
		t.Errorf("the newcomer got %d notices that the contribution waits", len(n))
	}
	byFacilitator := post(facilitator, "@garden Welcome\nSay what you would plant.")
	wantStatus(t, in.get("/api/v1/statuses/"+byFacilitator, other), 200)
	// Outside the consultation, nothing waits.
	wantStatus(t, in.get("/api/v1/statuses/"+post(newcomer, "Hello world"), other), 200)

	wantStatus(t, in.postJSON(modAPI+"/contributions/"+first+"/release", facilitator, map[string]any{"reason": "Welcome"}), 200)
	wantStatus(t, in.get("/api/v1/statuses/"+first, other), 200)
	wantStatus(t, in.get("/api/v1/statuses/"+post(newcomer, "@garden Tulips\nAnd tulips."), other), 200)

	// The instance's setting holds a newcomer's first contribution in
	// every consultation, here the library, which asks nothing itself.
	settings := modAPI + "/settings"
	wantStatus(t, in.do("PATCH", settings, moderator, map[string]any{"premoderation": true}, ""), 403)
	wantStatus(t, in.do("PATCH", settings, admin, map[string]any{"premoderation": true, "auto_hide_reports": 0}, ""), 422)
	wantStatus(t, in.do("PATCH", settings, admin, map[string]any{"auto_hide_reports": "many"}, ""), 422)
	if got := in.get(settings, moderator).Object(t); got["premoderation"] != false || got["auto_hide_reports"] != float64(3) {
		t.Fatalf("refused requests changed the settings: %v", got)
	}
	wantStatus(t, in.get(settings, other), 403)
	r := in.do("PATCH", settings, admin, map[string]any{"premoderation": true, "auto_hide_reports": 1}, "")
	wantStatus(t, r, 200)
	if got := r.Object(t); got["premoderation"] != true || got["auto_hide_reports"] != float64(1) {
		t.Errorf("settings: %v", got)
	}
	wantStatus(t, in.get("/api/v1/statuses/"+post(other, "@library Hours\nOpen later."), newcomer), 404)
	// The newcomer has a released contribution here: not new any more.
	open := post(newcomer, "@library Books\nMore books.")
	wantStatus(t, in.get("/api/v1/statuses/"+open, other), 200)

	// One report now holds a contribution back.
	wantStatus(t, in.postJSON("/api/v1/reports", other, map[string]any{"account_id": in.get("/api/v1/statuses/"+open, other).Object(t)["account"].(map[string]any)["id"],
		"status_ids": []string{open}, "comment": "Off topic"}), 200)
	wantStatus(t, in.get("/api/v1/statuses/"+open, other), 404)
}

// TestPremoderationChathamHouse: in a Chatham House consultation, a held
// contribution is not republished under the consultation's name until it
// is released.
func TestPremoderationChathamHouse(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	_, facilitator := in.staffToken("fay", roundtable.RoleMember)
	_, newcomer := in.member("nia")
	c, err := in.Store.CreateConsultation(ctx, roundtable.NewConsultation{Slug: "quiet", Title: "Quiet", Facilitators: []string{"fay"},
		Attribution: roundtable.AttributionChatham})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, in.do("PATCH", modAPI+"/consultations/quiet", facilitator, map[string]any{"premoderation": true}, ""), 200)
	r := in.postJSON("/api/v1/statuses", newcomer, map[string]any{"status": "@quiet Night\nThe street lights go out at ten."})
	wantStatus(t, r, 200)
	id := r.Object(t)["id"].(string)
	threads := func() []string {
		var texts []string
		for _, st := range in.get("/api/v1/accounts/"+c.AccountID+"/statuses", "").List(t) {
			texts = append(texts, st["content"].(string)+" by "+st["account"].(map[string]any)["username"].(string))
		}
		return texts
	}
	if got := threads(); len(got) != 0 {
		t.Fatalf("the consultation shows a held contribution: %v", got)
	}
	wantStatus(t, in.postJSON(modAPI+"/contributions/"+id+"/release", facilitator, map[string]any{"reason": "Fine"}), 200)
	got := threads()
	if len(got) != 1 || !strings.Contains(got[0], "street lights go out") || !strings.HasSuffix(got[0], " by quiet") {
		t.Errorf("after release, the consultation shows %v", got)
	}
}
