package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/roundtable-fed/roundtable/migrations/dbtest"
)

// Federation is tested with complete instances, each its own roundtable
// serve process on its own loopback host (127.0.0.2, 127.0.0.3, …) with its
// own database, talking over TCP with real signatures.

// peer is one running instance.
type peer struct {
	t      *testing.T
	srv    *server
	env    map[string]string
	domain string
}

// startPeer starts an instance on 127.0.0.n.
func startPeer(t *testing.T, n int) *peer {
	t.Helper()
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", n))
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := map[string]string{
		"ROUNDTABLE_DATABASE_URL":  dbtest.URL(t),
		"ROUNDTABLE_DATA_DIR":      t.TempDir(),
		"ROUNDTABLE_DOMAIN":        addr,
		"ROUNDTABLE_LISTEN":        addr,
		"ROUNDTABLE_INSECURE_HTTP": "true",
		"ROUNDTABLE_LOG_LEVEL":     "warn",
	}
	return &peer{t: t, srv: startServe(t, env), env: env, domain: addr}
}

// restart starts the peer's serve again after it stopped.
func (p *peer) restart() {
	p.t.Helper()
	p.srv = startServe(p.t, p.env)
}

// member creates a member on the peer and returns a token for it.
func (p *peer) member(name string) string {
	p.t.Helper()
	mustRun(p.t, p.env, "", "admin", "account", "create", "--username", name, "--email", name+"@example.org")
	return strings.TrimSpace(mustRun(p.t, p.env, "", "admin", "account", "token", "--username", name, "--scopes", "read write follow"))
}

// api calls the peer's client API and decodes the JSON answer into out.
func (p *peer) api(method, path, token string, body any, out any) int {
	p.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, p.srv.base+path, rd)
	if err != nil {
		p.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			p.t.Fatalf("%s %s: %d %s: %v", method, path, res.StatusCode, b, err)
		}
	}
	return res.StatusCode
}

// post publishes a status and returns it.
func (p *peer) post(token string, body map[string]any) map[string]any {
	p.t.Helper()
	var st map[string]any
	if code := p.api("POST", "/api/v1/statuses", token, body, &st); code != 200 {
		p.t.Fatalf("post on %s: %d %v", p.domain, code, st)
	}
	return st
}

// resolve finds a remote account or status by handle or URL, through the
// peer's search with resolve=true.
func (p *peer) resolve(token, q string) (accounts, statuses []map[string]any) {
	p.t.Helper()
	var res struct {
		Accounts []map[string]any `json:"accounts"`
		Statuses []map[string]any `json:"statuses"`
	}
	if code := p.api("GET", "/api/v2/search?resolve=true&q="+url.QueryEscape(q), token, nil, &res); code != 200 {
		p.t.Fatalf("search %q on %s: %d", q, p.domain, code)
	}
	return res.Accounts, res.Statuses
}

// eventually polls cond until it holds or within passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// timeline returns a timeline of the peer.
func (p *peer) timeline(token, path string) []map[string]any {
	p.t.Helper()
	var l []map[string]any
	if code := p.api("GET", path, token, nil, &l); code != 200 {
		p.t.Fatalf("GET %s on %s: %d", path, p.domain, code)
	}
	return l
}

// findByURI returns the status with ActivityPub id uri in list, or nil.
func findByURI(list []map[string]any, uri string) map[string]any {
	for _, s := range list {
		if s["uri"] == uri {
			return s
		}
	}
	return nil
}

// TestFederationConversation is the conversation of three instances: a
// member of B follows one of A and sees A's posts; B and C reply into A's
// thread; C likes; edits and deletes reach everyone; a followers-only post
// reaches the follower and nobody else.
func TestFederationConversation(t *testing.T) {
	t.Parallel()
	a, b, c := startPeer(t, 2), startPeer(t, 3), startPeer(t, 4)
	alice, bob, carol := a.member("alice"), b.member("bob"), c.member("carol")

	// Bob finds Alice by her handle and follows her; A accepts.
	accounts, _ := b.resolve(bob, "@alice@"+a.domain)
	if len(accounts) != 1 || accounts[0]["acct"] != "alice@"+a.domain {
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
	var me map[string]any
	a.api("GET", "/api/v1/accounts/verify_credentials", alice, nil, &me)
	if me["followers_count"].(float64) != 1 {
		t.Errorf("alice's followers on A: %v", me["followers_count"])
	}

	// Alice posts; it reaches Bob's home timeline.
	post := a.post(alice, map[string]any{"status": "What does security mean to you now? #consultation"})
	uri := post["uri"].(string)
	var onB map[string]any
	eventually(t, 20*time.Second, "alice's post in bob's home timeline", func() bool {
		onB = findByURI(b.timeline(bob, "/api/v1/timelines/home"), uri)
		return onB != nil
	})
	if !strings.Contains(onB["content"].(string), "What does security mean to you now?") {
		t.Errorf("content on B: %v", onB["content"])
	}

	// Bob replies on B; Carol finds the post by its id on C and replies.
	b.post(bob, map[string]any{"status": "@alice@" + a.domain + " Clean water, first.", "in_reply_to_id": onB["id"]})
	_, found := c.resolve(carol, uri)
	if len(found) != 1 {
		t.Fatalf("C's search for %s: %v", uri, found)
	}
	onC := found[0]
	c.post(carol, map[string]any{"status": "Being heard.", "in_reply_to_id": onC["id"]})
	var liked map[string]any
	if code := c.api("POST", "/api/v1/statuses/"+onC["id"].(string)+"/favourite", carol, nil, &liked); code != 200 {
		t.Fatalf("favourite on C: %d %v", code, liked)
	}

	eventually(t, 20*time.Second, "both replies and the like in A's thread", func() bool {
		var ctx struct{ Descendants []map[string]any }
		a.api("GET", "/api/v1/statuses/"+post["id"].(string)+"/context", alice, nil, &ctx)
		var st map[string]any
		a.api("GET", "/api/v1/statuses/"+post["id"].(string), alice, nil, &st)
		return len(ctx.Descendants) == 2 && st["favourites_count"] == float64(1)
	})
	var notes []map[string]any
	a.api("GET", "/api/v1/notifications", alice, nil, &notes)
	types := map[string]int{}
	for _, n := range notes {
		types[n["type"].(string)]++
	}
	if types["follow"] != 1 || types["mention"] != 2 || types["favourite"] != 1 {
		t.Errorf("alice's notifications: %v", types)
	}

	// Alice edits; B and C see the new text.
	var edited map[string]any
	if code := a.api("PUT", "/api/v1/statuses/"+post["id"].(string), alice, map[string]any{"status": "What does safety mean to you now?"}, &edited); code != 200 {
		t.Fatalf("edit: %d %v", code, edited)
	}
	eventually(t, 20*time.Second, "the edit on B", func() bool {
		var st map[string]any
		b.api("GET", "/api/v1/statuses/"+onB["id"].(string), bob, nil, &st)
		s, _ := st["content"].(string)
		return strings.Contains(s, "safety") && st["edited_at"] != nil
	})

	// A followers-only post reaches Bob, not Carol.
	private := a.post(alice, map[string]any{"status": "For my followers only", "visibility": "private"})
	puri := private["uri"].(string)
	eventually(t, 20*time.Second, "the followers-only post on B", func() bool {
		st := findByURI(b.timeline(bob, "/api/v1/timelines/home"), puri)
		return st != nil && st["visibility"] == "private"
	})
	if _, st := c.resolve(carol, puri); len(st) != 0 {
		t.Errorf("C resolved a followers-only post of A: %v", st)
	}
	req, _ := http.NewRequest("GET", puri, nil)
	req.Header.Set("Accept", "application/activity+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized && res.StatusCode != http.StatusNotFound {
		t.Errorf("unsigned fetch of a followers-only post: %d", res.StatusCode)
	}

	// Alice deletes her first post; it goes from B and C.
	if code := a.api("DELETE", "/api/v1/statuses/"+post["id"].(string), alice, nil, nil); code != 200 {
		t.Fatalf("delete: %d", code)
	}
	eventually(t, 20*time.Second, "the delete on B and C", func() bool {
		return b.api("GET", "/api/v1/statuses/"+onB["id"].(string), bob, nil, nil) == 404 &&
			c.api("GET", "/api/v1/statuses/"+onC["id"].(string), carol, nil, nil) == 404
	})
}
