package web_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// Tests of reblogs, pins, conversation mutes, several statuses at once,
// history, the instance's peers and activity, and GoToSocial's extensions.

func TestReblog(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	alice, atok := in.member("alice")
	bob, btok := in.member("bob")
	_, ctok := in.member("carol")
	wantStatus(t, in.postJSON("/api/v1/accounts/"+bob.ID+"/follow", ctok, nil), 200)
	id := say(t, in, atok, "share me")

	var wrapperID string
	for i := 0; i < 2; i++ { // reblogging twice counts once
		r := in.postJSON("/api/v1/statuses/"+id+"/reblog", btok, nil)
		wantStatus(t, r, 200)
		w := r.Object(t)
		checkStatus(t, "reblog wrapper", w)
		orig, _ := w["reblog"].(map[string]any)
		if orig == nil || orig["id"] != id || orig["reblogged"] != true || orig["reblogs_count"] != 1.0 {
			t.Fatalf("reblog #%d: %s", i+1, r.Body)
		}
		checkStatus(t, "reblog.reblog", orig)
		if w["account"].(map[string]any)["id"] != bob.ID || w["content"] != "" || w["id"] == id {
			t.Fatalf("wrapper: %s", r.Body)
		}
		if wrapperID != "" && w["id"] != wrapperID {
			t.Errorf("second reblog made another wrapper %v (first %v)", w["id"], wrapperID)
		}
		wrapperID = w["id"].(string)
	}
	// The wrapper is a status of its own too.
	r := in.get("/api/v1/statuses/"+wrapperID, "")
	wantStatus(t, r, 200)
	if r.Object(t)["reblog"].(map[string]any)["id"] != id {
		t.Errorf("GET wrapper: %s", r.Body)
	}

	// Carol follows bob: his reblog is in her home, as a wrapper.
	r = in.get("/api/v1/timelines/home", ctok)
	wantStatus(t, r, 200)
	home := r.List(t)
	if len(home) != 1 || home[0]["id"] != wrapperID || home[0]["reblog"].(map[string]any)["id"] != id {
		t.Fatalf("carol's home: %s", r.Body)
	}
	// Bob's profile shows it unless reblogs are excluded.
	if got := listIDs(t, in, "/api/v1/accounts/"+bob.ID+"/statuses", ""); !slices.Equal(got, []string{wrapperID}) {
		t.Errorf("bob's statuses %v", got)
	}
	if got := listIDs(t, in, "/api/v1/accounts/"+bob.ID+"/statuses?exclude_reblogs=true", ""); len(got) != 0 {
		t.Errorf("bob's statuses without reblogs %v", got)
	}
	r = in.get("/api/v1/statuses/"+id+"/reblogged_by", "")
	wantStatus(t, r, 200)
	if by := r.List(t); len(by) != 1 || by[0]["id"] != bob.ID {
		t.Fatalf("reblogged_by %s", r.Body)
	}
	r = in.get("/api/v1/notifications", atok)
	wantStatus(t, r, 200)
	ns := r.List(t)
	if len(ns) != 1 || ns[0]["type"] != "reblog" || ns[0]["account"].(map[string]any)["id"] != bob.ID ||
		ns[0]["status"].(map[string]any)["id"] != id {
		t.Fatalf("alice's notifications %s", r.Body)
	}

	// Dave follows alice and bob: the status shows once, as bob's reblog.
	_, dtok := in.member("dave")
	wantStatus(t, in.postJSON("/api/v1/accounts/"+alice.ID+"/follow", dtok, nil), 200)
	wantStatus(t, in.postJSON("/api/v1/accounts/"+bob.ID+"/follow", dtok, nil), 200)
	if got := listIDs(t, in, "/api/v1/timelines/home", dtok); !slices.Equal(got, []string{wrapperID}) {
		t.Errorf("dave's home %v, want only the reblog %s", got, wrapperID)
	}
	// Bob sees his own reblog in his home.
	if got := listIDs(t, in, "/api/v1/timelines/home", btok); !slices.Contains(got, wrapperID) {
		t.Errorf("bob's home %v lacks his reblog", got)
	}
	// Acting on the wrapper acts on the original.
	r = in.postJSON("/api/v1/statuses/"+wrapperID+"/favourite", ctok, nil)
	wantStatus(t, r, 200)
	if st := r.Object(t); st["id"] != id || st["favourited"] != true {
		t.Fatalf("favourite through the wrapper: %s", r.Body)
	}
	wantStatus(t, in.postJSON("/api/v1/statuses/"+id+"/unfavourite", ctok, nil), 200)

	// A suspended booster's reblogs are gone from timelines until lifted.
	_, mod := in.staffToken("mod", roundtable.RoleModerator)
	wantStatus(t, in.postJSON("/api/roundtable/v1/moderation/accounts/"+bob.ID+"/suspend", mod, map[string]any{"reason": "spam"}), 200)
	if got := listIDs(t, in, "/api/v1/timelines/home", ctok); len(got) != 0 {
		t.Errorf("carol's home with bob suspended %v", got)
	}
	wantStatus(t, in.postJSON("/api/roundtable/v1/moderation/accounts/"+bob.ID+"/unsuspend", mod, map[string]any{"reason": "appeal"}), 200)
	if got := listIDs(t, in, "/api/v1/timelines/home", ctok); !slices.Equal(got, []string{wrapperID}) {
		t.Errorf("carol's home with bob restored %v", got)
	}

	// Unreblog returns the original, no longer reblogged.
	r = in.postJSON("/api/v1/statuses/"+id+"/unreblog", btok, nil)
	wantStatus(t, r, 200)
	st := r.Object(t)
	if st["id"] != id || st["reblogged"] != false || st["reblogs_count"] != 0.0 {
		t.Fatalf("unreblog: %s", r.Body)
	}
	if got := listIDs(t, in, "/api/v1/timelines/home", ctok); len(got) != 0 {
		t.Errorf("carol's home after unreblog %v", got)
	}
	if got := listIDs(t, in, "/api/v1/statuses/"+id+"/reblogged_by", ""); len(got) != 0 {
		t.Errorf("reblogged_by after unreblog %v", got)
	}
	if got := listIDs(t, in, "/api/v1/notifications?types[]=reblog&types[]=favourite", atok); len(got) != 0 {
		t.Errorf("notification kept after unreblog %v", got)
	}
	wantAPIError(t, in.get("/api/v1/statuses/"+wrapperID, ""), 404)

	// Followers-only and direct statuses cannot be reblogged.
	priv := say(t, in, atok, "between us", "private")
	wantStatus(t, in.postJSON("/api/v1/accounts/"+alice.ID+"/follow", btok, nil), 200)
	wantAPIError(t, in.postJSON("/api/v1/statuses/"+priv+"/reblog", btok, nil), 422, "public and unlisted")
	wantAPIError(t, in.postJSON("/api/v1/statuses/"+priv+"/reblog", atok, nil), 422, "public and unlisted")
	if got := listIDs(t, in, "/api/v1/statuses/"+priv+"/reblogged_by", atok); len(got) != 0 {
		t.Errorf("private status reblogged by %v", got)
	}
	wantAPIError(t, in.postJSON("/api/v1/statuses/01ARZ3NDEKTSV4RRFFQ69G5FAV/reblog", btok, nil), 404)
}

func TestPins(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	alice, atok := in.member("alice")
	_, btok := in.member("bob")
	var ids []string
	for i := 0; i < 6; i++ {
		ids = append(ids, say(t, in, atok, "post "+string(rune('a'+i))))
	}
	for _, id := range ids[:5] {
		r := in.postJSON("/api/v1/statuses/"+id+"/pin", atok, nil)
		wantStatus(t, r, 200)
		if r.Object(t)["pinned"] != true {
			t.Fatalf("pin: %s", r.Body)
		}
	}
	wantAPIError(t, in.postJSON("/api/v1/statuses/"+ids[5]+"/pin", atok, nil), 422, "maximum")
	r := in.get("/api/v2/instance", "")
	if max := r.Object(t)["configuration"].(map[string]any)["accounts"].(map[string]any)["max_pinned_statuses"]; max != 5.0 {
		t.Errorf("the instance says max_pinned_statuses %v", max)
	}
	// Pinning one already pinned is no error.
	wantStatus(t, in.postJSON("/api/v1/statuses/"+ids[0]+"/pin", atok, nil), 200)
	got := listIDs(t, in, "/api/v1/accounts/"+alice.ID+"/statuses?pinned=true", "")
	if len(got) != 5 || slices.Contains(got, ids[5]) {
		t.Fatalf("pinned statuses %v", got)
	}
	// Others see pinned only as their own pins: false.
	r = in.get("/api/v1/statuses/"+ids[0], btok)
	if r.Object(t)["pinned"] != false {
		t.Errorf("bob sees pinned: %s", r.Body)
	}
	// Only one's own, public or unlisted statuses.
	wantAPIError(t, in.postJSON("/api/v1/statuses/"+ids[5]+"/pin", btok, nil), 422, "own")
	wantStatus(t, in.postJSON("/api/v1/statuses/"+ids[4]+"/unpin", atok, nil), 200)
	priv := say(t, in, atok, "private one", "private")
	wantAPIError(t, in.postJSON("/api/v1/statuses/"+priv+"/pin", atok, nil), 422, "public and unlisted")
	r = in.postJSON("/api/v1/statuses/"+ids[5]+"/pin", atok, nil)
	wantStatus(t, r, 200)

	// The actor's featured collection lists them.
	r = in.do("GET", "/users/alice/featured", "", nil, "")
	wantStatus(t, r, 200)
	var featured struct {
		TotalItems   int              `json:"totalItems"`
		OrderedItems []map[string]any `json:"orderedItems"`
	}
	if err := json.Unmarshal(r.Body, &featured); err != nil {
		t.Fatal(err)
	}
	if featured.TotalItems != 5 {
		t.Fatalf("featured: %s", r.Body)
	}
	for _, it := range featured.OrderedItems {
		if strings.HasSuffix(it["id"].(string), ids[4]) {
			t.Errorf("unpinned status featured: %s", r.Body)
		}
	}
}

func TestConversationMute(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, atok := in.member("alice")
	_, btok := in.member("bob")
	id := say(t, in, atok, "a thread")
	r := in.postJSON("/api/v1/statuses/"+id+"/mute", atok, nil)
	wantStatus(t, r, 200)
	if r.Object(t)["muted"] != true {
		t.Fatalf("mute: %s", r.Body)
	}
	// Nothing in the thread notifies alice now.
	postStatus(t, in, btok, map[string]any{"status": "@alice a reply", "in_reply_to_id": id})
	wantStatus(t, in.postJSON("/api/v1/statuses/"+id+"/favourite", btok, nil), 200)
	if got := listIDs(t, in, "/api/v1/notifications", atok); len(got) != 0 {
		t.Fatalf("notifications from a muted thread: %v", got)
	}
	// Elsewhere, bob still reaches her.
	say(t, in, btok, "@alice elsewhere")
	if got := listIDs(t, in, "/api/v1/notifications", atok); len(got) != 1 {
		t.Fatalf("notifications outside the thread: %v", got)
	}
	r = in.postJSON("/api/v1/statuses/"+id+"/unmute", atok, nil)
	wantStatus(t, r, 200)
	if r.Object(t)["muted"] != false {
		t.Fatalf("unmute: %s", r.Body)
	}
	postStatus(t, in, btok, map[string]any{"status": "@alice again", "in_reply_to_id": id})
	if got := listIDs(t, in, "/api/v1/notifications", atok); len(got) != 2 {
		t.Fatalf("notifications after unmute: %v", got)
	}
}

func TestStatusesByIDAndHistory(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, atok := in.member("alice")
	_, btok := in.member("bob")
	a := say(t, in, atok, "one")
	b := say(t, in, atok, "two", "direct")
	c := say(t, in, atok, "three")
	r := in.get("/api/v1/statuses?id[]="+c+"&id[]="+b+"&id[]="+a+"&id[]=nonsense", btok)
	wantStatus(t, r, 200)
	var got []string
	for _, st := range r.List(t) {
		checkStatus(t, "statuses by id", st)
		got = append(got, st["id"].(string))
	}
	if !slices.Equal(got, []string{c, a}) { // the direct one is not bob's to see
		t.Fatalf("statuses by id %v", got)
	}
	many := strings.Repeat("id[]="+a+"&", 21)
	wantAPIError(t, in.get("/api/v1/statuses?"+many, btok), 422)

	// History: the original alone until edited, then every version.
	r = in.get("/api/v1/statuses/"+a+"/history", "")
	wantStatus(t, r, 200)
	if h := r.List(t); len(h) != 1 || !strings.Contains(h[0]["content"].(string), "one") {
		t.Fatalf("history before edit: %s", r.Body)
	}
	wantStatus(t, in.do("PUT", "/api/v1/statuses/"+a, atok, map[string]any{"status": "one, **edited**",
		"content_type": "text/markdown"}, ""), 200)
	wantStatus(t, in.do("PUT", "/api/v1/statuses/"+a, atok, map[string]any{"status": "one, again", "spoiler_text": "cw"}, ""), 200)
	r = in.get("/api/v1/statuses/"+a+"/history", "")
	wantStatus(t, r, 200)
	h := r.List(t)
	if len(h) != 3 {
		t.Fatalf("history after two edits: %s", r.Body)
	}
	if !strings.Contains(h[0]["content"].(string), "one") || !strings.Contains(h[1]["content"].(string), "<strong>edited</strong>") ||
		h[2]["spoiler_text"] != "cw" || h[2]["sensitive"] != true {
		t.Errorf("versions: %s", r.Body)
	}
	for _, v := range h {
		checkShape(t, "history", v["account"].(map[string]any), accountShape)
	}
	wantAPIError(t, in.get("/api/v1/statuses/"+b+"/history", btok), 404)
	wantAPIError(t, in.do("PUT", "/api/v1/statuses/"+a, atok, map[string]any{"status": "x", "content_type": "text/html"}, ""), 422, "content_type")
}

func TestInstancePeersAndActivity(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, atok := in.member("alice")
	say(t, in, atok, "hello")
	// Remote accounts known here; one of a blocked domain.
	ctx := t.Context()
	for _, d := range []string{"peer.example", "blocked.example"} {
		if _, err := in.Store.Pool().Exec(ctx, `INSERT INTO accounts (id, username, domain, uri, created_at, updated_at)
			VALUES ($1, 'someone', $2, 'https://' || $2 || '/users/someone', now(), now())`, "01ARZ3NDEKTSV4RRFFQ69G5F"+strings.ToUpper(d[:2]), d); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := in.Store.Pool().Exec(ctx, `INSERT INTO peers (domain, policy) VALUES ('blocked.example', 'block')`); err != nil {
		t.Fatal(err)
	}
	r := in.get("/api/v1/instance/peers", "")
	wantStatus(t, r, 200)
	var peers []string
	r.JSON(t, &peers)
	if !slices.Equal(peers, []string{"peer.example"}) {
		t.Fatalf("peers %v", peers)
	}

	// A sign-in counts in this week's logins.
	c := browser(t)
	res, err := c.PostForm(in.URL+"/login", map[string][]string{"username": {"alice"}, "password": {"password-alice"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	r = in.get("/api/v1/instance/activity", "")
	wantStatus(t, r, 200)
	var weeks []map[string]any
	r.JSON(t, &weeks)
	if len(weeks) != 12 {
		t.Fatalf("activity: %s", r.Body)
	}
	for _, k := range []string{"week", "statuses", "logins", "registrations"} {
		if _, ok := weeks[0][k].(string); !ok {
			t.Fatalf("activity %s not a string: %s", k, r.Body)
		}
	}
	if weeks[0]["statuses"] != "1" || weeks[0]["registrations"] != "1" || weeks[1]["statuses"] != "0" {
		t.Errorf("this week's activity: %v", weeks[0])
	}
	if weeks[0]["logins"] != "1" {
		t.Errorf("logins %v (sign-in answered %d)", weeks[0]["logins"], res.StatusCode)
	}

	r = in.get("/api/v1/instance/extended_description", "")
	wantStatus(t, r, 200)
	ed := r.Object(t)
	if _, ok := ed["updated_at"].(string); !ok || !strings.Contains(ed["content"].(string), "<p>") {
		t.Errorf("extended description: %s", r.Body)
	}
	for _, p := range []string{"/api/v1/announcements", "/api/v1/trends/tags", "/api/v1/trends/statuses", "/api/v1/trends/links"} {
		r := in.get(p, atok)
		wantStatus(t, r, 200)
		if strings.TrimSpace(string(r.Body)) != "[]" {
			t.Errorf("%s: %s", p, r.Body)
		}
	}
	ptok, err := in.Store.IssueToken(ctx, "alice", []string{"push"})
	if err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, in.get("/api/v1/push/subscription", ptok), 404, "Record not found")
}

func TestGoToSocialExtensions(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, atok := in.member("alice")
	st := postStatus(t, in, atok, map[string]any{"status": "only **here**", "content_type": "text/markdown", "local_only": true,
		"interaction_policy": map[string]any{"can_reply": map[string]any{"always": []string{"author", "followers"}}}})
	if st["local_only"] != true || st["content_type"] != "text/markdown" || !strings.Contains(st["content"].(string), "<strong>here</strong>") {
		t.Fatalf("status: %v", st)
	}
	ip, _ := st["interaction_policy"].(map[string]any)
	if ip == nil {
		t.Fatalf("no interaction_policy: %v", st)
	}
	for _, k := range []string{"can_favourite", "can_reply", "can_reblog"} {
		sub, _ := ip[k].(map[string]any)
		if _, ok := sub["always"].([]any); !ok {
			t.Fatalf("interaction_policy.%s: %v", k, ip)
		}
		if _, ok := sub["with_approval"].([]any); !ok {
			t.Fatalf("interaction_policy.%s: %v", k, ip)
		}
	}
	reply := ip["can_reply"].(map[string]any)["always"].([]any)
	if slices.Contains(reply, any("public")) || !slices.Contains(reply, any("followers")) {
		t.Errorf("can_reply %v", reply)
	}
	if st["reply_policy"] != "followers" {
		t.Errorf("reply_policy %v", st["reply_policy"])
	}
	// The form encoding GoToSocial documents, and federated=false.
	r := in.do("POST", "/api/v1/statuses", atok,
		"status=hi&federated=false&interaction_policy[can_reply][always][0]=author&interaction_policy[can_reply][always][1]=mentioned",
		"application/x-www-form-urlencoded")
	wantStatus(t, r, 200)
	f := r.Object(t)
	if f["local_only"] != true || f["reply_policy"] != "mentioned" {
		t.Errorf("form: %s", r.Body)
	}
	// A policy narrower than Roundtable enforces is refused, nothing posted.
	before := len(listIDs(t, in, "/api/v1/timelines/home", atok))
	wantAPIError(t, in.postJSON("/api/v1/statuses", atok, map[string]any{"status": "x",
		"interaction_policy": map[string]any{"can_reblog": map[string]any{"always": []string{"author"}}}}), 422, "interaction_policy")
	wantAPIError(t, in.postJSON("/api/v1/statuses", atok, map[string]any{"status": "x", "content_type": "text/html"}), 422, "content_type")
	if after := len(listIDs(t, in, "/api/v1/timelines/home", atok)); after != before {
		t.Errorf("a refused status was posted (%d → %d)", before, after)
	}
	plain := postStatus(t, in, atok, map[string]any{"status": "open"})
	if plain["local_only"] != false || plain["content_type"] != "text/plain" {
		t.Errorf("defaults: %v", plain)
	}
	r = in.get("/api/v2/instance", "")
	wantStatus(t, r, 200)
	mimes := r.Object(t)["configuration"].(map[string]any)["statuses"].(map[string]any)["supported_mime_types"]
	if !slices.Equal(mimes.([]any), []any{"text/plain", "text/markdown"}) {
		t.Errorf("supported_mime_types %v", mimes)
	}
	// A local-only status is not served to other servers.
	req, err := http.NewRequest("GET", st["uri"].(string), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/activity+json")
	if r := in.send(http.DefaultClient, req); r.Status != 404 {
		t.Errorf("local-only status served as ActivityPub: %d %s", r.Status, r.Body)
	}
	req, _ = http.NewRequest("GET", plain["uri"].(string), nil)
	req.Header.Set("Accept", "application/activity+json")
	if r := in.send(http.DefaultClient, req); r.Status != 200 {
		t.Errorf("a federated status is not served: %d %s", r.Status, r.Body)
	}
}
