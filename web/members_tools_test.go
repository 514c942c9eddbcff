package web_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestRemoveFromFollowers: a member removes a follower; the follow, the
// counts and the lists all say so. Bad ids and missing tokens change
// nothing.
func TestRemoveFromFollowers(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ana, anaT := in.member("ana")
	ben, benT := in.member("ben")
	wantStatus(t, in.postJSON("/api/v1/accounts/"+ana.ID+"/follow", benT, nil), 200)

	wantStatus(t, in.postJSON("/api/v1/accounts/"+ben.ID+"/remove_from_followers", "", nil), 401)
	wantError(t, in.postJSON("/api/v1/accounts/00000000000000000000000000/remove_from_followers", anaT, nil), 404, "")
	if c := in.get("/api/v1/accounts/"+ana.ID, "").Object(t)["followers_count"]; c != 1.0 {
		t.Fatalf("after bad requests ana has %v followers, want 1", c)
	}

	r := in.postJSON("/api/v1/accounts/"+ben.ID+"/remove_from_followers", anaT, nil)
	wantStatus(t, r, 200)
	if rel := r.Object(t); rel["id"] != ben.ID || rel["followed_by"] != false {
		t.Errorf("relationship after removal: %v", rel)
	}
	if c := in.get("/api/v1/accounts/"+ana.ID, "").Object(t)["followers_count"]; c != 0.0 {
		t.Errorf("ana's followers_count = %v, want 0", c)
	}
	if c := in.get("/api/v1/accounts/"+ben.ID, "").Object(t)["following_count"]; c != 0.0 {
		t.Errorf("ben's following_count = %v, want 0", c)
	}
	if l := in.get("/api/v1/accounts/"+ana.ID+"/followers", anaT).List(t); len(l) != 0 {
		t.Errorf("ana's followers: %v", l)
	}
	if rel := in.get("/api/v1/accounts/relationships?id[]="+ana.ID, benT).List(t)[0]; rel["following"] != false {
		t.Errorf("ben still follows ana: %v", rel)
	}
	// Removing someone who does not follow changes nothing and says so.
	wantStatus(t, in.postJSON("/api/v1/accounts/"+ben.ID+"/remove_from_followers", anaT, nil), 200)
}

// TestHideCollections: a member hides whom they follow and who follows
// them: others (and anonymous readers, and other servers) see only counts;
// the member still sees the lists. Bad values change nothing.
func TestHideCollections(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ana, anaT := in.member("ana", "read", "write", "follow")
	ben, benT := in.member("ben")
	cal, _ := in.member("cal")
	wantStatus(t, in.postJSON("/api/v1/accounts/"+ana.ID+"/follow", benT, nil), 200)
	wantStatus(t, in.postJSON("/api/v1/accounts/"+cal.ID+"/follow", anaT, nil), 200)

	cred := in.get("/api/v1/accounts/verify_credentials", anaT).Object(t)
	if cred["hide_collections"] != false || cred["source"].(map[string]any)["quote_policy"] != "nobody" {
		t.Fatalf("defaults: hide_collections %v, quote_policy %v", cred["hide_collections"], cred["source"])
	}

	// Bad values: 422, and nothing changes, not even the other fields.
	for _, body := range []map[string]any{
		{"display_name": "Ana!", "hide_collections": "maybe"},
		{"display_name": "Ana!", "source": map[string]any{"quote_policy": "followers"}},
	} {
		wantError(t, in.do("PATCH", "/api/v1/accounts/update_credentials", anaT, body, ""), 422, "")
	}
	cred = in.get("/api/v1/accounts/verify_credentials", anaT).Object(t)
	if cred["display_name"] == "Ana!" || cred["hide_collections"] != false {
		t.Fatalf("a refused update changed the profile: %v", cred)
	}

	r := in.do("PATCH", "/api/v1/accounts/update_credentials", anaT, map[string]any{"hide_collections": true}, "")
	wantStatus(t, r, 200)
	if r.Object(t)["hide_collections"] != true {
		t.Fatalf("update_credentials answered %s", r.Body)
	}
	if got := in.get("/api/v1/accounts/"+ana.ID, "").Object(t)["hide_collections"]; got != true {
		t.Errorf("account hide_collections = %v", got)
	}
	for _, path := range []string{"/followers", "/following"} {
		for _, tok := range []string{benT, ""} {
			if l := in.get("/api/v1/accounts/"+ana.ID+path, tok).List(t); len(l) != 0 {
				t.Errorf("%s seen by another: %v", path, l)
			}
		}
		if l := in.get("/api/v1/accounts/"+ana.ID+path, anaT).List(t); len(l) != 1 {
			t.Errorf("%s seen by ana herself: %v", path, l)
		}
	}
	// ben's own lists are not hidden.
	if l := in.get("/api/v1/accounts/"+ben.ID+"/following", "").List(t); len(l) != 1 {
		t.Errorf("ben's following: %v", l)
	}

	// Other servers see the sizes only.
	actor := in.get("/api/v1/accounts/"+ana.ID, "").Object(t)["uri"].(string)
	for _, which := range []string{"/followers", "/followers?page=true"} {
		req, _ := http.NewRequest("GET", actor+which, nil)
		req.Header.Set("Accept", "application/activity+json")
		res := in.send(http.DefaultClient, req)
		wantStatus(t, res, 200)
		var doc map[string]any
		if err := json.Unmarshal(res.Body, &doc); err != nil {
			t.Fatal(err)
		}
		if doc["totalItems"] != 1.0 || doc["first"] != nil || doc["orderedItems"] != nil {
			t.Errorf("%s: %s", which, res.Body)
		}
	}

	// The web profile shows neither count.
	page := string(in.get("/@ana", "").Body)
	if strings.Contains(page, "follower") || strings.Contains(page, "following") {
		t.Errorf("the profile page shows the hidden lists: %s", page)
	}
	if page := string(in.get("/@ben", "").Body); !strings.Contains(page, "follower") {
		t.Errorf("ben's profile lost its counts: %s", page)
	}

	// Quotes: allowed, then back to nobody.
	r = in.do("PATCH", "/api/v1/accounts/update_credentials", anaT, map[string]any{"source": map[string]any{"quote_policy": "public"}}, "")
	wantStatus(t, r, 200)
	if got := r.Object(t)["source"].(map[string]any)["quote_policy"]; got != "public" {
		t.Errorf("quote_policy = %v, want public", got)
	}
}

// TestPeerPolicyReasons: admins set a policy with a public and a private
// reason through the JSON API; the published list of limited and blocked
// domains shows the public reason only, and disappears when the instance
// stops publishing it. Others may not read or set policies.
func TestPeerPolicyReasons(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	admin := in.admin("root", "read", "write", "admin:read", "admin:write")
	_, memberT := in.member("ana", "read", "write", "admin:read", "admin:write")
	const peers = "/api/roundtable/v1/moderation/peers"
	const secret = "three reports from our own members, see ticket 42"

	// Not an admin, or no admin scope: refused, nothing stored.
	wantStatus(t, in.do("PUT", peers+"/spam.example", memberT, map[string]any{"policy": "block"}, ""), 403)
	wantStatus(t, in.do("PUT", peers+"/spam.example", in.admin("root2", "read", "write"), map[string]any{"policy": "block"}, ""), 403)
	wantStatus(t, in.get(peers, memberT), 403)
	// Bad input: clear errors, nothing stored.
	wantError(t, in.do("PUT", peers+"/spam.example", admin, map[string]any{"policy": "banish"}, ""), 422, "policy")
	wantError(t, in.do("PUT", peers+"/spam%20example", admin, map[string]any{"policy": "block"}, ""), 422, "domain")
	wantError(t, in.do("PUT", peers+"/spam.example", admin, map[string]any{"policy": "block", "private_reason": strings.Repeat("x", 1001)}, ""), 422, "private_reason")
	wantError(t, in.do("PUT", peers+"/spam.example", admin, map[string]any{"policy": "block", "reason": 7}, ""), 422, "reason")
	if l := in.get(peers, admin).List(t); len(l) != 0 {
		t.Fatalf("refused changes were stored: %v", l)
	}
	wantStatus(t, in.get(peers+"/spam.example", admin), 404)

	r := in.do("PUT", peers+"/Spam.Example", admin, map[string]any{"policy": "block", "reason": "spam waves", "private_reason": secret}, "")
	wantStatus(t, r, 200)
	if p := r.Object(t); p["domain"] != "spam.example" || p["policy"] != "block" || p["reason"] != "spam waves" || p["private_reason"] != secret {
		t.Errorf("PUT answered %v", p)
	}
	wantStatus(t, in.do("PUT", peers+"/noisy.example", admin, map[string]any{"policy": "limit", "reason": "loud bots"}, ""), 200)
	wantStatus(t, in.do("PUT", peers+"/friends.example", admin, map[string]any{"policy": "trust", "reason": "partners", "private_reason": "contract"}, ""), 200)
	// Changing the public reason alone keeps the private one.
	wantStatus(t, in.do("PUT", peers+"/spam.example", admin, map[string]any{"policy": "block", "reason": "spam waves, again"}, ""), 200)
	if p := in.get(peers+"/spam.example", admin).Object(t); p["private_reason"] != secret || p["reason"] != "spam waves, again" {
		t.Errorf("after a public-only change: %v", p)
	}
	if l := in.get(peers, admin).List(t); len(l) != 3 {
		t.Errorf("policies: %v", l)
	}

	// The published list: limit and block only, public reasons only.
	r = in.get("/api/v1/instance/domain_blocks", "")
	wantStatus(t, r, 200)
	if strings.Contains(string(r.Body), "ticket 42") || strings.Contains(string(r.Body), "contract") {
		t.Fatalf("a private reason leaked: %s", r.Body)
	}
	blocks := r.List(t)
	if len(blocks) != 2 {
		t.Fatalf("domain_blocks: %v", blocks)
	}
	sum := sha256.Sum256([]byte("spam.example"))
	want := map[string]map[string]any{
		"noisy.example": {"severity": "silence", "comment": "loud bots"},
		"spam.example":  {"severity": "suspend", "comment": "spam waves, again", "digest": hex.EncodeToString(sum[:])},
	}
	for _, b := range blocks {
		w, ok := want[b["domain"].(string)]
		if !ok {
			t.Errorf("unexpected entry %v", b)
			continue
		}
		for k, v := range w {
			if b[k] != v {
				t.Errorf("%s: %s = %v, want %v", b["domain"], k, b[k], v)
			}
		}
	}

	// Settings: bad values refused; unpublishing hides the list.
	const settings = "/api/roundtable/v1/moderation/settings"
	wantError(t, in.do("PUT", settings, admin, map[string]any{"federation_mode": "closed"}, ""), 422, "federation_mode")
	wantError(t, in.do("PUT", settings, admin, map[string]any{"publish_domain_blocks": "sometimes"}, ""), 422, "publish_domain_blocks")
	wantStatus(t, in.do("PUT", settings, memberT, map[string]any{"publish_domain_blocks": false}, ""), 403)
	if s := in.get(settings, admin).Object(t); s["federation_mode"] != "open" || s["publish_domain_blocks"] != true || s["public_moderation_log"] != false {
		t.Fatalf("settings after refused changes: %v", s)
	}
	wantStatus(t, in.do("PUT", settings, admin, map[string]any{"publish_domain_blocks": false}, ""), 200)
	wantStatus(t, in.get("/api/v1/instance/domain_blocks", ""), 404)

	wantStatus(t, in.do("DELETE", peers+"/noisy.example", admin, nil, ""), 200)
	wantStatus(t, in.do("DELETE", peers+"/noisy.example", admin, nil, ""), 404)
	if l := in.get(peers, admin).List(t); len(l) != 2 {
		t.Errorf("after DELETE: %v", l)
	}
}

// TestPublicModerationLog: the log is private until the instance publishes
// it; then its page and JSON show each action's time, role, target and
// public reason, never who acted nor a private reason. Moderators see
// names in the admin log.
func TestPublicModerationLog(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	admin := in.admin("rootadmin", "read", "write", "admin:read", "admin:write")
	const peers = "/api/roundtable/v1/moderation/peers"
	wantStatus(t, in.do("PUT", peers+"/spam.example", admin, map[string]any{"policy": "block", "reason": "spam waves",
		"private_reason": "internal ticket 42"}, ""), 200)

	wantStatus(t, in.get("/api/roundtable/v1/moderation/log/public", ""), 404)
	wantStatus(t, in.get("/about/moderation", ""), 404)

	wantStatus(t, in.do("PUT", "/api/roundtable/v1/moderation/settings", admin, map[string]any{"public_moderation_log": true}, ""), 200)
	r := in.get("/api/roundtable/v1/moderation/log/public", "")
	wantStatus(t, r, 200)
	entries := r.List(t)
	if len(entries) != 1 {
		t.Fatalf("public log: %s", r.Body)
	}
	e := entries[0]
	if e["action"] != "domain_block" || e["role"] != "admin" || e["target"] != "spam.example" || e["reason"] != "spam waves" || e["created_at"] == nil {
		t.Errorf("entry: %v", e)
	}
	page := in.get("/about/moderation", "")
	wantStatus(t, page, 200)
	for _, body := range []string{string(r.Body), string(page.Body)} {
		if strings.Contains(body, "rootadmin") || strings.Contains(body, "ticket 42") {
			t.Errorf("the public log names the actor or a private reason: %s", body)
		}
	}
	if !strings.Contains(string(page.Body), "spam waves") || !strings.Contains(string(page.Body), "spam.example") {
		t.Errorf("the page lacks the action: %s", page.Body)
	}

	// An instance that stops publishing its domain blocks does not show
	// them in the log either.
	wantStatus(t, in.do("PUT", "/api/roundtable/v1/moderation/settings", admin, map[string]any{"publish_domain_blocks": false}, ""), 200)
	if l := in.get("/api/roundtable/v1/moderation/log/public", "").List(t); len(l) != 0 {
		t.Errorf("the public log shows domain policies the instance keeps to itself: %v", l)
	}

	// The moderators' log names who acted.
	l := in.get("/api/roundtable/v1/moderation/log", admin).List(t)
	if len(l) != 1 || l[0]["actor_username"] != "rootadmin" {
		t.Errorf("admin log: %v", l)
	}
}
