package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestAttackForgedKeyFetches: a hostile server sends 50 requests signed
// with a key that is not its actor's. Each is refused with 401, and the
// instance fetches the actor's key at most twice in all: a flood of forged
// signatures does not become a flood of outgoing requests. The actor's
// honestly signed activity is still taken.
func TestAttackForgedKeyFetches(t *testing.T) {
	t.Parallel()
	a := startPeer(t, 234)
	_, aliceURI := aliceOf(a)
	fake := startFakeServer(t, 235)
	mallory := fake.addActor("mallory", fakeKey(0))
	var fetches atomic.Int64
	fake.mu.Lock()
	fake.hook = func(_ http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/users/mallory") {
			fetches.Add(1)
		}
		return false
	}
	fake.mu.Unlock()
	inbox := a.srv.base + "/inbox"

	for i := range 50 {
		body := create(mallory, mentionNote(fmt.Sprintf("%s/notes/forged-%d", fake.base, i), mallory, aliceURI, fmt.Sprintf("<p>forged %d</p>", i)))
		req := signWith(t, inboxPost(t, inbox, body), mallory+"#main-key", "rsa-sha256", rsaSigner(fakeKey(1)), cavageHeaders, body, time.Now())
		if got := send(t, req); got.status != http.StatusUnauthorized {
			t.Fatalf("forged request %d: %d %q, want 401", i, got.status, got.msg)
		}
	}
	n := fetches.Load()
	t.Logf("50 forged requests: %d fetches of the actor's key", n)
	if n > 2 {
		t.Errorf("50 forged requests made the instance fetch the key %d times, want at most 2", n)
	}
	if n == 0 {
		t.Error("the key was never fetched: the requests were refused before their signature was checked")
	}

	honest := create(mallory, mentionNote(fake.base+"/notes/honest", mallory, aliceURI, "<p>signed by mallory's own key</p>"))
	if got := send(t, fake.honestPost(t, inbox, mallory, honest)); got.status != http.StatusAccepted {
		t.Fatalf("honest request: %d %q, want 202", got.status, got.msg)
	}
	a.settled()
	if got := a.count(`SELECT count(*) FROM statuses WHERE uri = $1`, fake.base+"/notes/honest"); got != 1 {
		t.Errorf("the honest note is stored %d times, want once", got)
	}
	if got := a.count(`SELECT count(*) FROM statuses WHERE uri LIKE $1`, fake.base+"/notes/forged-%"); got != 0 {
		t.Errorf("%d forged notes stored", got)
	}
}
