package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// moderator creates a moderator and returns a token with the admin scopes.
func (in *instance) moderator(name string) (*roundtable.Member, string) {
	in.t.Helper()
	ctx := context.Background()
	m, err := in.Store.CreateMember(ctx, roundtable.NewMember{Username: name, Email: name + "@example.org",
		Password: "password-" + name, Role: roundtable.RoleModerator, Approved: true})
	if err != nil {
		in.t.Fatal(err)
	}
	tok, err := in.Store.IssueToken(ctx, name, []string{"read", "write", "admin:read", "admin:write"})
	if err != nil {
		in.t.Fatal(err)
	}
	return m, tok
}

// TestReportResolution: a moderator resolves a report with an action and
// a reason, the reporter is told, the report reopens and is assigned, all
// through Roundtable's API and Mastodon's admin API; members may do none
// of it, and bad input changes nothing.
func TestReportResolution(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, mod := in.moderator("mod")
	author, _ := in.member("troll")
	_, reporter := in.member("rita")
	r := in.postJSON("/api/v1/reports", reporter, map[string]any{"account_id": author.ID, "comment": "Spam everywhere", "category": "spam"})
	wantStatus(t, r, 200)
	id := r.Object(t)["id"].(string)

	wantStatus(t, in.postJSON("/api/roundtable/v1/moderation/reports/"+id+"/resolve", reporter,
		map[string]any{"action": "warn", "reason": "x"}), 403)
	wantStatus(t, in.get("/api/v1/admin/reports", reporter), 403)
	wantStatus(t, in.postJSON("/api/roundtable/v1/moderation/reports/"+id+"/resolve", mod,
		map[string]any{"action": "burn", "reason": "x"}), 422)
	wantStatus(t, in.postJSON("/api/roundtable/v1/moderation/reports/"+id+"/resolve", mod,
		map[string]any{"action": "warn"}), 422)
	wantStatus(t, in.postJSON("/api/roundtable/v1/moderation/reports/"+id+"/resolve", mod,
		map[string]any{"action": "warn", "reason": "x", "norm": 9}), 422)
	r = in.get("/api/v1/admin/reports/"+id, mod)
	wantStatus(t, r, 200)
	rep := r.Object(t)
	if rep["action_taken"] != false || rep["account"].(map[string]any)["username"] != "rita" ||
		rep["target_account"].(map[string]any)["account"].(map[string]any)["id"] != author.ID {
		t.Fatalf("after refused resolutions, the report: %s", r.Body)
	}

	r = in.postJSON("/api/v1/admin/reports/"+id+"/assign_to_self", mod, nil)
	wantStatus(t, r, 200)
	if a, _ := r.Object(t)["assigned_account"].(map[string]any); a == nil || a["username"] != "mod" {
		t.Errorf("assigned: %s", r.Body)
	}
	r = in.postJSON("/api/roundtable/v1/moderation/reports/"+id+"/resolve", mod,
		map[string]any{"action": "warn", "reason": "Advertising in replies"})
	wantStatus(t, r, 200)
	if o := r.Object(t); o["action_taken"] != true || o["action"] != "warn" {
		t.Errorf("resolved: %s", r.Body)
	}
	wantStatus(t, in.postJSON("/api/roundtable/v1/moderation/reports/"+id+"/resolve", mod,
		map[string]any{"action": "warn", "reason": "again"}), 422)
	if l := in.get("/api/v1/admin/reports", mod).List(t); len(l) != 0 {
		t.Errorf("open reports after resolution: %d", len(l))
	}
	if l := in.get("/api/v1/admin/reports?resolved=true", mod).List(t); len(l) != 1 {
		t.Errorf("resolved reports: %d", len(l))
	}

	// The reporter is told the outcome, when asking for Roundtable's types.
	for _, n := range in.get("/api/v1/notifications", reporter).List(t) {
		t.Errorf("a Mastodon app sees Roundtable's notification %v", n["type"])
	}
	ns := in.get("/api/v1/notifications?types[]=report_resolved", reporter).List(t)
	if len(ns) != 1 || !strings.Contains(ns[0]["reason"].(string), "Advertising in replies") ||
		!strings.Contains(ns[0]["reason"].(string), "warned") {
		t.Fatalf("reporter's notifications: %v", ns)
	}

	r = in.postJSON("/api/v1/admin/reports/"+id+"/reopen", mod, nil)
	wantStatus(t, r, 200)
	if r.Object(t)["action_taken"] != false {
		t.Errorf("reopened: %s", r.Body)
	}
	r = in.postJSON("/api/v1/admin/reports/"+id+"/unassign", mod, nil)
	wantStatus(t, r, 200)
	if r.Object(t)["assigned_account"] != nil {
		t.Errorf("unassigned: %s", r.Body)
	}
	wantStatus(t, in.postJSON("/api/v1/admin/reports/"+id+"/resolve", mod, nil), 200)
	wantStatus(t, in.get("/api/v1/admin/reports/01M8AHRHB73S02P9K48XPRXW76", mod), 404)

	var actions []string
	for _, e := range in.get("/api/roundtable/v1/moderation/log", mod).List(t) {
		actions = append(actions, e["action"].(string)+": "+e["reason"].(string))
	}
	want := []string{"resolve_report:other: Resolved from a moderation app.", "reopen_report: Reopened from a moderation app.",
		"resolve_report:warn: Advertising in replies"}
	if strings.Join(actions, "|") != strings.Join(want, "|") {
		t.Errorf("log: %q, want %q", actions, want)
	}
}

// TestWarningSeenAndAppealed: a moderator warns a member through the admin
// API; the member sees a moderation_warning notification with its
// AccountWarning, appeals once, and is told the decision.
func TestWarningSeenAndAppealed(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, mod := in.moderator("mod")
	dana, danaToken := in.member("dana")
	_, other := in.member("olga")

	wantStatus(t, in.postJSON("/api/v1/admin/accounts/"+dana.ID+"/action", other, map[string]any{"type": "none", "text": "x"}), 403)
	wantStatus(t, in.postJSON("/api/v1/admin/accounts/"+dana.ID+"/action", mod, map[string]any{"type": "freeze", "text": "x"}), 422)
	wantStatus(t, in.postJSON("/api/v1/admin/accounts/"+dana.ID+"/action", mod, map[string]any{"type": "sensitive", "text": "x"}), 422)
	if l := in.get("/api/roundtable/v1/warnings", danaToken).List(t); len(l) != 0 {
		t.Fatalf("refused actions left warnings: %v", l)
	}
	wantStatus(t, in.postJSON("/api/v1/admin/accounts/"+dana.ID+"/action", mod,
		map[string]any{"type": "none", "text": "Please keep to the topic", "warning_preset_id": "3", "send_email_notification": true}), 200)

	// silence limits the account; unsilence lifts it; both show in Admin::Account.
	wantStatus(t, in.postJSON("/api/v1/admin/accounts/"+dana.ID+"/action", mod, map[string]any{"type": "silence", "text": "Spam"}), 200)
	if acc := in.get("/api/v1/admin/accounts/"+dana.ID, mod).Object(t); acc["silenced"] != true {
		t.Errorf("after silence: silenced = %v", acc["silenced"])
	}
	if acc := in.postJSON("/api/v1/admin/accounts/"+dana.ID+"/unsilence", mod, nil).Object(t); acc["silenced"] != false {
		t.Errorf("after unsilence: silenced = %v", acc["silenced"])
	}

	ns := in.get("/api/v1/notifications", danaToken).List(t)
	if len(ns) != 1 || ns[0]["type"] != "moderation_warning" {
		t.Fatalf("dana's notifications: %v", ns)
	}
	w := ns[0]["moderation_warning"].(map[string]any)
	if w["action"] != "none" || w["text"] != "Please keep to the topic" || w["target_account"].(map[string]any)["id"] != dana.ID ||
		w["created_at"] == nil || w["status_ids"] == nil {
		t.Fatalf("moderation_warning: %v", w)
	}
	wid := w["id"].(string)

	wantStatus(t, in.postJSON("/api/roundtable/v1/warnings/"+wid+"/appeal", other, map[string]any{"text": "Not mine"}), 404)
	wantStatus(t, in.postJSON("/api/roundtable/v1/warnings/"+wid+"/appeal", danaToken, map[string]any{"text": ""}), 422)
	wantStatus(t, in.postJSON("/api/roundtable/v1/warnings/"+wid+"/appeal", danaToken, map[string]any{"text": "I was on topic"}), 200)
	wantStatus(t, in.postJSON("/api/roundtable/v1/warnings/"+wid+"/appeal", danaToken, map[string]any{"text": "Twice"}), 422)

	wantStatus(t, in.get("/api/roundtable/v1/moderation/warnings/appeals", other), 403)
	appeals := in.get("/api/roundtable/v1/moderation/warnings/appeals", mod).List(t)
	if len(appeals) != 1 || appeals[0]["appeal"].(map[string]any)["text"] != "I was on topic" {
		t.Fatalf("appeals: %v", appeals)
	}
	wantStatus(t, in.postJSON("/api/roundtable/v1/moderation/warnings/"+wid+"/reject", mod, map[string]any{}), 422)
	r := in.postJSON("/api/roundtable/v1/moderation/warnings/"+wid+"/reject", mod, map[string]any{"reason": "The thread shows otherwise"})
	wantStatus(t, r, 200)
	if r.Object(t)["appeal"].(map[string]any)["state"] != "rejected" {
		t.Errorf("decided: %s", r.Body)
	}
	wantStatus(t, in.postJSON("/api/roundtable/v1/moderation/warnings/"+wid+"/approve", mod, map[string]any{"reason": "Changed my mind"}), 422)
	ns = in.get("/api/v1/notifications?types[]=moderation_appeal", danaToken).List(t)
	if len(ns) != 1 || !strings.Contains(ns[0]["reason"].(string), "rejected: The thread shows otherwise") {
		t.Fatalf("appeal decision notification: %v", ns)
	}
}

// TestSuspension: a suspended member cannot sign in nor use tokens, their
// actor says suspended, their posts are hidden; lifting it restores all.
// A suspended remote account's posts are hidden too.
func TestSuspension(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, mod := in.moderator("mod")
	dana, danaToken := in.member("dana")
	_, reader := in.member("rhea")
	r := in.postJSON("/api/v1/statuses", danaToken, map[string]any{"status": "Buy my stuff"})
	wantStatus(t, r, 200)
	post := r.Object(t)["id"].(string)

	wantStatus(t, in.postJSON("/api/roundtable/v1/moderation/accounts/"+dana.ID+"/suspend", reader, map[string]any{"reason": "x"}), 403)
	wantStatus(t, in.postJSON("/api/roundtable/v1/moderation/accounts/"+dana.ID+"/suspend", mod, map[string]any{}), 422)
	wantStatus(t, in.get("/api/v1/statuses/"+post, reader), 200)

	r = in.postJSON("/api/roundtable/v1/moderation/accounts/"+dana.ID+"/suspend", mod, map[string]any{"reason": "Spam"})
	wantStatus(t, r, 200)
	if o := r.Object(t); o["suspended"] != true || o["email"] != "dana@example.org" {
		t.Errorf("admin account: %s", r.Body)
	}
	wantStatus(t, in.postJSON("/api/roundtable/v1/moderation/accounts/"+dana.ID+"/suspend", mod, map[string]any{"reason": "Again"}), 422)
	wantStatus(t, in.get("/api/v1/accounts/verify_credentials", danaToken), 401)
	wantStatus(t, in.get("/api/v1/statuses/"+post, reader), 404)
	c := browser(t)
	if r := in.form(c, "/login", url.Values{"username": {"dana"}, "password": {"password-dana"}}); r.Status == 303 {
		t.Error("a suspended member signed in")
	}
	actor := in.activity("/users/dana")
	if actor["suspended"] != true {
		t.Errorf("actor of a suspended member: %v", actor)
	}
	r = in.get("/api/v1/admin/accounts/"+dana.ID, mod)
	wantStatus(t, r, 200)
	if r.Object(t)["suspended"] != true {
		t.Errorf("admin account: %s", r.Body)
	}

	wantStatus(t, in.postJSON("/api/v1/admin/accounts/"+dana.ID+"/unsuspend", mod, nil), 200)
	wantStatus(t, in.get("/api/v1/accounts/verify_credentials", danaToken), 200)
	wantStatus(t, in.get("/api/v1/statuses/"+post, reader), 200)
	if actor := in.activity("/users/dana"); actor["suspended"] != nil {
		t.Errorf("actor after unsuspension: %v", actor)
	}

	// disable turns off sign-in only: the posts stay.
	wantStatus(t, in.postJSON("/api/v1/admin/accounts/"+dana.ID+"/action", mod, map[string]any{"type": "disable", "text": "Compromised"}), 200)
	wantStatus(t, in.get("/api/v1/accounts/verify_credentials", danaToken), 401)
	wantStatus(t, in.get("/api/v1/statuses/"+post, reader), 200)
	if r := in.get("/api/v1/admin/accounts/"+dana.ID, mod).Object(t); r["disabled"] != true {
		t.Errorf("disabled: %v", r)
	}
	wantStatus(t, in.postJSON("/api/v1/admin/accounts/"+dana.ID+"/enable", mod, nil), 200)
	wantStatus(t, in.get("/api/v1/accounts/verify_credentials", danaToken), 200)
}

// TestBanFromConsultation: a facilitator bans a member from their
// consultation: the member is told, their next contribution is refused,
// and after the ban is lifted they contribute again.
func TestBanFromConsultation(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	in.member("fay")
	facilitator, err := in.Store.IssueToken(ctx, "fay", []string{"read", "write", "admin:read", "admin:write"})
	if err != nil {
		t.Fatal(err)
	}
	gus, gusToken := in.member("gus")
	_, other := in.member("hal")
	if _, err := in.Store.CreateConsultation(ctx, roundtable.NewConsultation{Slug: "parks", Title: "Parks", Facilitators: []string{"fay"}}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, in.postJSON("/api/v1/statuses", gusToken, map[string]any{"status": "@parks Benches\nMore benches please"}), 200)

	bans := "/api/roundtable/v1/moderation/consultations/parks/bans"
	otherScoped, _ := in.Store.IssueToken(ctx, "hal", []string{"read", "write", "admin:read", "admin:write"})
	wantStatus(t, in.postJSON(bans, otherScoped, map[string]any{"account_id": gus.ID, "reason": "x"}), 403)
	wantStatus(t, in.postJSON(bans, other, map[string]any{"account_id": gus.ID, "reason": "x"}), 403)
	wantStatus(t, in.postJSON(bans, facilitator, map[string]any{"account_id": gus.ID}), 422)
	wantStatus(t, in.postJSON(bans, facilitator, map[string]any{"reason": "x"}), 422)
	wantStatus(t, in.postJSON("/api/roundtable/v1/moderation/consultations/nowhere/bans", facilitator,
		map[string]any{"account_id": gus.ID, "reason": "x"}), 404)
	if l := in.get(bans, facilitator).List(t); len(l) != 0 {
		t.Fatalf("refused bans were stored: %v", l)
	}
	r := in.postJSON(bans, facilitator, map[string]any{"account_id": gus.ID, "reason": "Personal attacks"})
	wantStatus(t, r, 200)
	wantStatus(t, in.postJSON(bans, facilitator, map[string]any{"account_id": gus.ID, "reason": "Twice"}), 422)

	r = in.postJSON("/api/v1/statuses", gusToken, map[string]any{"status": "@parks Again\nStill here"})
	wantStatus(t, r, 422)
	if !strings.Contains(string(r.Body), "Personal attacks") {
		t.Errorf("refusal: %s", r.Body)
	}
	ns := in.get("/api/v1/notifications?types[]=consultation_ban", gusToken).List(t)
	if len(ns) != 1 || !strings.Contains(ns[0]["reason"].(string), "Personal attacks") || ns[0]["account"].(map[string]any)["username"] != "parks" {
		t.Fatalf("gus's notifications: %v", ns)
	}
	if l := in.get("/api/roundtable/v1/bans", gusToken).List(t); len(l) != 1 || l[0]["reason"] != "Personal attacks" {
		t.Errorf("gus's bans: %v", l)
	}

	wantStatus(t, in.do("DELETE", bans+"/"+gus.ID, facilitator, map[string]any{}, ""), 422)
	wantStatus(t, in.do("DELETE", bans+"/"+gus.ID, facilitator, map[string]any{"reason": "Apologised"}, ""), 200)
	wantStatus(t, in.do("DELETE", bans+"/"+gus.ID, facilitator, map[string]any{"reason": "Again"}, ""), 404)
	wantStatus(t, in.postJSON("/api/v1/statuses", gusToken, map[string]any{"status": "@parks Sorry\nI apologise"}), 200)
}

// TestWarningsPage: a member reads their warnings on a page linked from
// every page they see, and appeals once through its form.
func TestWarningsPage(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, mod := in.moderator("mod")
	dana, _ := in.member("dana")
	wantStatus(t, in.postJSON("/api/roundtable/v1/moderation/accounts/"+dana.ID+"/warn", mod,
		map[string]any{"reason": "Please keep to the topic"}), 200)
	c := browser(t)
	req, _ := http.NewRequest("GET", in.URL+"/warnings", nil)
	if r := in.send(c, req); r.Status != 303 {
		t.Errorf("anonymous: %d", r.Status)
	}
	wantStatus(t, in.form(c, "/login", url.Values{"username": {"dana"}, "password": {"password-dana"}}), 303)
	page := in.pageHTML(c, "/")
	if !strings.Contains(page, `href="/warnings"`) {
		t.Error("no link to the warnings page")
	}
	page = in.pageHTML(c, "/warnings")
	if !strings.Contains(page, "Please keep to the topic") || !strings.Contains(page, `name="text"`) {
		t.Fatalf("warnings page: %s", page)
	}
	id := in.get("/api/roundtable/v1/warnings", mustToken(t, in, "dana")).List(t)[0]["id"].(string)
	wantStatus(t, in.form(c, "/warnings/"+id+"/appeal", url.Values{"text": {""}}), 422)
	wantStatus(t, in.form(c, "/warnings/"+id+"/appeal", url.Values{"text": {"I was answering the question"}}), 303)
	wantStatus(t, in.form(c, "/warnings/"+id+"/appeal", url.Values{"text": {"Again"}}), 409)
	page = in.pageHTML(c, "/warnings")
	if !strings.Contains(page, "I was answering the question") || strings.Contains(page, `name="text"`) {
		t.Errorf("after the appeal: %s", page)
	}
}

func mustToken(t *testing.T, in *instance, name string) string {
	t.Helper()
	tok, err := in.Store.IssueToken(context.Background(), name, []string{"read"})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// pageHTML reads a page with the browser c and returns its HTML.
func (in *instance) pageHTML(c *http.Client, path string) string {
	in.t.Helper()
	req, err := http.NewRequest("GET", in.URL+path, nil)
	if err != nil {
		in.t.Fatal(err)
	}
	r := in.send(c, req)
	wantStatus(in.t, r, 200)
	return string(r.Body)
}

// activity reads an ActivityPub document of the instance.
func (in *instance) activity(path string) map[string]any {
	in.t.Helper()
	req, err := http.NewRequest("GET", in.URL+path, nil)
	if err != nil {
		in.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/activity+json")
	r := in.send(http.DefaultClient, req)
	wantStatus(in.t, r, 200)
	var doc map[string]any
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		in.t.Fatal(err)
	}
	return doc
}
