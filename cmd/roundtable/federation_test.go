package main

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

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
	return startPeerAt(t, fmt.Sprintf("127.0.0.%d", n))
}

// startPeerAt starts an instance on the given loopback address (127.x.y.z),
// for tests that need hosts beyond 127.0.0.255.
func startPeerAt(t *testing.T, host string) *peer {
	t.Helper()
	ln, err := net.Listen("tcp", host+":0")
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
		// Tests poll far more often than any client.
		"ROUNDTABLE_API_RATE_LIMIT": "0",
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

// TestFederationRefusesForgeries sends A activities that lie about who sent
// them or what they touch: each is refused with 401 or 403 and changes
// nothing, while the same activity honestly signed goes through.
func TestFederationRefusesForgeries(t *testing.T) {
	t.Parallel()
	a := startPeer(t, 5)
	alice := a.member("alice")
	var me map[string]any
	a.api("GET", "/api/v1/accounts/verify_credentials", alice, nil, &me)
	aliceURI := me["uri"].(string)

	fake := startFakeServer(t, 6)
	mallory := fake.addActor("mallory", fakeKey(0))
	eve := fake.addActor("eve", fakeKey(1))
	inbox := a.srv.base + "/inbox"
	n := 0
	create := func(actor, objectID string) []byte {
		n++
		note := map[string]any{"id": objectID, "type": "Note", "attributedTo": actor,
			"to": []any{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []any{aliceURI},
			"content": fmt.Sprintf("<p>@alice forged %d</p>", n), "published": time.Now().UTC().Format(time.RFC3339),
			"tag": []any{map[string]any{"type": "Mention", "href": aliceURI, "name": "@alice"}}}
		b, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": objectID + "/activity", "type": "Create", "actor": actor, "object": note,
			"to": note["to"], "cc": note["cc"]})
		return b
	}
	now := time.Now()
	otherHost := "http://127.0.0.7:9/notes/1"
	cases := []struct {
		name   string
		keyID  string
		key    *rsa.PrivateKey
		body   []byte
		digest []byte
		date   time.Time
		want   int
	}{
		{"no signature", "", nil, create(mallory, fake.base+"/notes/1"), nil, now, 401},
		{"signed with another key", mallory + "#main-key", fakeKey(1), create(mallory, fake.base+"/notes/2"), nil, now, 401},
		{"tampered body", mallory + "#main-key", fakeKey(0), create(mallory, fake.base+"/notes/3"), create(mallory, fake.base+"/notes/3x"), now, 401},
		{"stale date", mallory + "#main-key", fakeKey(0), create(mallory, fake.base+"/notes/4"), nil, now.Add(-13 * time.Hour), 401},
		{"future date", mallory + "#main-key", fakeKey(0), create(mallory, fake.base+"/notes/5"), nil, now.Add(2 * time.Hour), 401},
		{"key of someone else", eve + "#main-key", fakeKey(1), create(mallory, fake.base+"/notes/6"), nil, now, 401},
		{"object on another host", mallory + "#main-key", fakeKey(0), create(mallory, otherHost), nil, now, 403},
	}
	for _, c := range cases {
		digest := c.digest
		if digest == nil {
			digest = c.body
		}
		res := signedPost(t, inbox, c.keyID, c.key, c.body, digest, c.date)
		if res.StatusCode != c.want {
			t.Errorf("%s: %d, want %d", c.name, res.StatusCode, c.want)
		}
	}
	// The honest one, sent twice: the replay is accepted and changes nothing.
	honest := create(mallory, fake.base+"/notes/ok")
	for i := 0; i < 2; i++ {
		if res := signedPost(t, inbox, mallory+"#main-key", fakeKey(0), honest, honest, now); res.StatusCode != http.StatusAccepted {
			t.Fatalf("honest Create: %d", res.StatusCode)
		}
	}
	eventually(t, 20*time.Second, "the honest mention", func() bool {
		var notes []map[string]any
		a.api("GET", "/api/v1/notifications", alice, nil, &notes)
		return len(notes) == 1
	})
	time.Sleep(time.Second) // anything wrongly queued would have landed by now
	var notes []map[string]any
	a.api("GET", "/api/v1/notifications", alice, nil, &notes)
	if len(notes) != 1 || !strings.Contains(notes[0]["status"].(map[string]any)["content"].(string), fmt.Sprintf("forged %d", n)) {
		t.Fatalf("alice's notifications after the forgeries: %v", notes)
	}
	var statuses []map[string]any
	a.api("GET", "/api/v1/timelines/public?remote=true", alice, nil, &statuses)
	if len(statuses) != 1 {
		t.Errorf("A stored %d remote statuses, want the honest one only", len(statuses))
	}
}

// pendingDeliveries counts the deliveries in a peer's queue that are not
// done (completed, or given up as refused).
func (p *peer) pendingDeliveries() int {
	p.t.Helper()
	conn, err := pgx.Connect(context.Background(), p.env["ROUNDTABLE_DATABASE_URL"])
	if err != nil {
		p.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM river_job
		WHERE kind = 'deliver' AND state NOT IN ('completed', 'cancelled', 'discarded')`).Scan(&n); err != nil {
		p.t.Fatal(err)
	}
	return n
}

// TestFederationDeliveryOutlivesOutage stops B for two minutes while A
// posts 50 times to B's member: when B is back, every post arrives, exactly
// once, and A's queue empties.
func TestFederationDeliveryOutlivesOutage(t *testing.T) {
	t.Parallel()
	a, b := startPeer(t, 8), startPeer(t, 9)
	alice, bob := a.member("alice"), b.member("bob")
	accounts, _ := b.resolve(bob, "@alice@"+a.domain)
	if len(accounts) != 1 {
		t.Fatalf("B's search for alice: %v", accounts)
	}
	aliceOnB := accounts[0]["id"].(string)
	b.api("POST", "/api/v1/accounts/"+aliceOnB+"/follow", bob, nil, nil)
	eventually(t, 20*time.Second, "the follow accepted", func() bool {
		var rels []map[string]any
		b.api("GET", "/api/v1/accounts/relationships?id[]="+aliceOnB, bob, nil, &rels)
		return len(rels) == 1 && rels[0]["following"] == true
	})

	b.srv.stop(syscall.SIGTERM, 15*time.Second)
	down := time.Now()
	uris := map[string]bool{}
	for i := range 50 {
		st := a.post(alice, map[string]any{"status": fmt.Sprintf("Post %d while B is away", i)})
		uris[st["uri"].(string)] = true
	}
	if n := a.pendingDeliveries(); n != 50 {
		t.Errorf("A's queue holds %d deliveries while B is down, want 50", n)
	}
	time.Sleep(2*time.Minute - time.Since(down))
	b.restart()

	eventually(t, 7*time.Minute, "all 50 posts on B", func() bool {
		got := 0
		for _, st := range b.pageAll(bob, "/api/v1/accounts/"+aliceOnB+"/statuses?limit=40") {
			if uris[st["uri"].(string)] {
				got++
			}
		}
		return got >= 50
	})
	seen := map[string]int{}
	for _, st := range b.pageAll(bob, "/api/v1/timelines/home?limit=40") {
		seen[st["uri"].(string)]++
	}
	for uri := range uris {
		if seen[uri] != 1 {
			t.Errorf("%s is %d times in bob's home timeline, want once", uri, seen[uri])
		}
	}
	eventually(t, 30*time.Second, "A's queue empty", func() bool { return a.pendingDeliveries() == 0 })
}

// pageAll follows a list's Link rel="next" to its end.
func (p *peer) pageAll(token, path string) []map[string]any {
	p.t.Helper()
	var all []map[string]any
	next := p.srv.base + path
	for next != "" && len(all) < 1000 {
		req, _ := http.NewRequest("GET", next, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			p.t.Fatal(err)
		}
		var page []map[string]any
		json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		all = append(all, page...)
		next = ""
		if m := regexp.MustCompile(`<([^>]+)>; rel="next"`).FindStringSubmatch(res.Header.Get("Link")); m != nil && len(page) > 0 {
			// Links carry the instance's public address: the same here.
			next = m[1]
		}
	}
	return all
}

// TestFederationDeliveryAfterCrash kills A with SIGKILL in the middle of a
// fan-out to 20 inboxes on 20 servers; started again, A delivers the rest.
func TestFederationDeliveryAfterCrash(t *testing.T) {
	t.Parallel()
	a := startPeer(t, 10)
	alice := a.member("alice")
	var me map[string]any
	a.api("GET", "/api/v1/accounts/verify_credentials", alice, nil, &me)
	aliceURI := me["uri"].(string)

	// Twenty servers, each with one follower of alice.
	var fakes []*fakeServer
	for i := range 20 {
		f := startFakeServer(t, 11+i)
		actor := f.addActor(fmt.Sprintf("f%d", i), fakeKey(i))
		follow, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": actor + "#follow", "type": "Follow", "actor": actor, "object": aliceURI})
		if res := signedPost(t, a.srv.base+"/inbox", actor+"#main-key", fakeKey(i), follow, follow, time.Now()); res.StatusCode != http.StatusAccepted {
			t.Fatalf("follow from server %d: %d", i, res.StatusCode)
		}
		fakes = append(fakes, f)
	}
	eventually(t, 30*time.Second, "20 followers accepted", func() bool {
		for _, f := range fakes {
			if len(f.received("Accept")) == 0 {
				return false
			}
		}
		return true
	})
	// Slow inboxes: the i-th answers after i×300 ms, so some deliveries are
	// done and others still in flight when A dies.
	for i, f := range fakes {
		f.mu.Lock()
		f.delay = time.Duration(i) * 300 * time.Millisecond
		f.mu.Unlock()
	}
	st := a.post(alice, map[string]any{"status": "To all twenty"})
	eventually(t, 20*time.Second, "the first deliveries", func() bool { return len(fakes[0].received("Create")) > 0 })
	time.Sleep(1500 * time.Millisecond)
	if err := a.srv.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-a.srv.done
	delivered := 0
	for _, f := range fakes {
		if len(f.received("Create")) > 0 {
			delivered++
		}
	}
	t.Logf("%d of 20 deliveries done when A was killed", delivered)
	if delivered == 20 {
		t.Fatal("every delivery was done before the kill: the test proves nothing")
	}

	a.restart()
	eventually(t, 4*time.Minute, "every server has the post", func() bool {
		for _, f := range fakes {
			if len(f.received("Create")) == 0 {
				return false
			}
		}
		return true
	})
	for i, f := range fakes {
		got := f.received("Create")
		if obj, _ := got[0]["object"].(map[string]any); obj == nil || obj["id"] != st["uri"] {
			t.Errorf("server %d got %v", i, got[0])
		}
	}
}
