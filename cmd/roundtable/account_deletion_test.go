package main

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestAccountDeletionFederates: a member of A followed by a member of B
// deletes her account from A's settings page: B removes her post and the
// follow, and A answers for her actor that it is gone.
func TestAccountDeletionFederates(t *testing.T) {
	t.Parallel()
	a, b := startPeer(t, 180), startPeer(t, 181)
	mustRun(t, a.env, "secret-password\n", "admin", "account", "create", "--username", "alice", "--email", "alice@example.org", "--password-stdin")
	alice := strings.TrimSpace(mustRun(t, a.env, "", "admin", "account", "token", "--username", "alice", "--scopes", "read write follow"))
	bob := b.member("bob")

	accounts, _ := b.resolve(bob, "@alice@"+a.domain)
	if len(accounts) != 1 {
		t.Fatalf("B's search for alice: %v", accounts)
	}
	aliceOnB := accounts[0]["id"].(string)
	var rel map[string]any
	if code := b.api("POST", "/api/v1/accounts/"+aliceOnB+"/follow", bob, nil, &rel); code != 200 {
		t.Fatalf("follow: %d %v", code, rel)
	}
	eventually(t, 20*time.Second, "B's follow of alice accepted", func() bool {
		var rels []map[string]any
		b.api("GET", "/api/v1/accounts/relationships?id[]="+aliceOnB, bob, nil, &rels)
		return len(rels) == 1 && rels[0]["following"] == true
	})
	post := a.post(alice, map[string]any{"status": "Soon I leave this place"})
	var onB map[string]any
	eventually(t, 20*time.Second, "alice's post on B", func() bool {
		onB = findByURI(b.timeline(bob, "/api/v1/timelines/home"), post["uri"].(string))
		return onB != nil
	})

	// Alice signs in on A's site and deletes her account.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := func(path string, vals url.Values) int {
		req, _ := http.NewRequest("POST", a.srv.base+path, strings.NewReader(vals.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", a.srv.base)
		res, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := form("/login", url.Values{"username": {"alice"}, "password": {"secret-password"}}); code != 303 {
		t.Fatalf("sign-in: %d", code)
	}
	if code := form("/settings/delete", url.Values{"confirm": {"alice"}, "password": {"secret-password"}}); code != 200 {
		t.Fatalf("deletion: %d", code)
	}

	eventually(t, 30*time.Second, "alice's post gone from B", func() bool {
		return b.api("GET", "/api/v1/statuses/"+onB["id"].(string), bob, nil, nil) == 404
	})
	var me map[string]any
	b.api("GET", "/api/v1/accounts/verify_credentials", bob, nil, &me)
	if me["following_count"].(float64) != 0 {
		t.Errorf("bob still follows %v accounts", me["following_count"])
	}
	var rels []map[string]any
	b.api("GET", "/api/v1/accounts/relationships?id[]="+aliceOnB, bob, nil, &rels)
	if len(rels) == 1 && rels[0]["following"] == true {
		t.Errorf("B keeps bob's follow of alice: %v", rels)
	}
	req, _ := http.NewRequest("GET", a.srv.base+"/users/alice", nil)
	req.Header.Set("Accept", "application/activity+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusGone {
		t.Errorf("alice's actor on A: %d, want 410", res.StatusCode)
	}
	if code := a.api("GET", "/api/v1/accounts/verify_credentials", alice, nil, nil); code != 401 {
		t.Errorf("alice's token after deletion: %d", code)
	}
}
