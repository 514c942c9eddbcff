package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/roundtable-fed/roundtable/migrations/dbtest"
)

// addrOn returns a free address on the loopback host 127.0.0.n.
func addrOn(t *testing.T, n int) string {
	t.Helper()
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", n))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestStreamingAcrossProcesses runs one instance as two serve processes on
// one database, as behind a load balancer: a status posted through one
// reaches a streaming client of the other, and stopping a process closes
// its streaming connections so that it exits in time.
func TestStreamingAcrossProcesses(t *testing.T) {
	t.Parallel()
	domain := addrOn(t, 140)
	env1 := map[string]string{
		"ROUNDTABLE_DATABASE_URL":  dbtest.URL(t),
		"ROUNDTABLE_DATA_DIR":      t.TempDir(),
		"ROUNDTABLE_DOMAIN":        domain,
		"ROUNDTABLE_LISTEN":        domain,
		"ROUNDTABLE_INSECURE_HTTP": "true",
		"ROUNDTABLE_LOG_LEVEL":     "warn",
	}
	env2 := maps.Clone(env1)
	env2["ROUNDTABLE_LISTEN"] = addrOn(t, 141)
	one := &peer{t: t, srv: startServe(t, env1), env: env1, domain: domain}
	two := &peer{t: t, srv: startServe(t, env2), env: env2, domain: domain}
	alice, bob := one.member("alice"), one.member("bob")

	var bobAccount map[string]any
	if code := two.api("GET", "/api/v1/accounts/lookup?acct=bob", alice, nil, &bobAccount); code != 200 {
		t.Fatalf("lookup bob: %d", code)
	}
	if code := two.api("POST", "/api/v1/accounts/"+bobAccount["id"].(string)+"/follow", alice, nil, nil); code != 200 {
		t.Fatalf("follow bob: %d", code)
	}

	// Alice streams her home timeline from the first process.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ws := "ws://" + env1["ROUNDTABLE_LISTEN"] + "/api/v1/streaming?stream=user&access_token=" + alice
	conn, _, err := websocket.Dial(ctx, ws, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", ws, err)
	}
	defer conn.CloseNow()
	// And the local timeline as server-sent events from the second.
	req, _ := http.NewRequestWithContext(ctx, "GET", two.srv.base+"/api/v1/streaming/public/local", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("SSE on the second process: %v %v", err, res)
	}
	defer res.Body.Close()
	sse := bufio.NewReader(res.Body)
	if line, err := sse.ReadString('\n'); err != nil || !strings.HasPrefix(line, ":") {
		t.Fatalf("SSE opening %q: %v", line, err)
	}

	// Bob posts through the second.
	post := two.post(bob, map[string]any{"status": "Posted through the second process"})
	for want := "event: update\n"; ; {
		line, err := sse.ReadString('\n')
		if err != nil {
			t.Fatalf("SSE on the second process: %v", err)
		}
		if line == want {
			if line, _ = sse.ReadString('\n'); !strings.Contains(line, post["id"].(string)) {
				t.Fatalf("SSE update on the second process: %s", line)
			}
			break
		}
	}
	_, b, err := conn.Read(ctx)
	if err != nil {
		t.Fatalf("no event on the first process: %v", err)
	}
	var ev struct {
		Stream  []string `json:"stream"`
		Event   string   `json:"event"`
		Payload string   `json:"payload"`
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("event %s: %v", b, err)
	}
	var st map[string]any
	if err := json.Unmarshal([]byte(ev.Payload), &st); err != nil {
		t.Fatalf("payload %s: %v", ev.Payload, err)
	}
	if ev.Event != "update" || strings.Join(ev.Stream, ",") != "user" || st["id"] != post["id"] ||
		!strings.Contains(st["content"].(string), "second process") {
		t.Fatalf("event on the first process: %s", b)
	}

	// Stopping the first process closes the connection as "going away",
	// and the process exits within its shutdown budget.
	closed := make(chan error, 1)
	go func() {
		_, _, err := conn.Read(context.Background())
		closed <- err
	}()
	if code := one.srv.stop(syscall.SIGTERM, 15*time.Second); code != 0 {
		t.Errorf("serve exited with %d; stderr:\n%s", code, one.srv.logs())
	}
	if err := <-closed; websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Errorf("streaming connection at shutdown: %v, want status 1001", err)
	}
}

// TestStreamingReceivedStatus: a status that arrives from another server
// reaches the streams of its author's followers here.
func TestStreamingReceivedStatus(t *testing.T) {
	t.Parallel()
	a, b := startPeer(t, 142), startPeer(t, 143)
	alice, bob := a.member("alice"), b.member("bob")
	accounts, _ := a.resolve(alice, "@bob@"+b.domain)
	if len(accounts) != 1 {
		t.Fatalf("A's search for bob: %v", accounts)
	}
	bobOnA := accounts[0]["id"].(string)
	if code := a.api("POST", "/api/v1/accounts/"+bobOnA+"/follow", alice, nil, nil); code != 200 {
		t.Fatalf("follow: %d", code)
	}
	eventually(t, 20*time.Second, "alice's follow of bob accepted", func() bool {
		var rels []map[string]any
		a.api("GET", "/api/v1/accounts/relationships?id[]="+bobOnA, alice, nil, &rels)
		return len(rels) == 1 && rels[0]["following"] == true
	})

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws://"+a.domain+"/api/v1/streaming?stream=user&access_token="+alice, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	post := b.post(bob, map[string]any{"status": "Sent from B"})
	_, msg, err := conn.Read(ctx)
	if err != nil {
		t.Fatalf("no event on A: %v", err)
	}
	var ev struct {
		Event   string `json:"event"`
		Payload string `json:"payload"`
	}
	var st map[string]any
	if err := json.Unmarshal(msg, &ev); err != nil || json.Unmarshal([]byte(ev.Payload), &st) != nil {
		t.Fatalf("event %s: %v", msg, err)
	}
	if ev.Event != "update" || st["uri"] != post["uri"] || st["account"].(map[string]any)["acct"] != "bob@"+b.domain {
		t.Fatalf("event on A: %s", msg)
	}
}
