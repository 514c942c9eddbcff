package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roundtable-fed/roundtable"
	"github.com/roundtable-fed/roundtable/migrations/dbtest"
)

// countingFront stands at an instance's public address and passes every
// request on to the instance behind it, counting the activities the
// instance accepted (answered 2xx), by activity id. Closing it takes the
// address down; it can be opened again on the same address.
type countingFront struct {
	t     *testing.T
	addr  string
	proxy *httputil.ReverseProxy

	mu      sync.Mutex
	srv     *http.Server
	arrived map[string]int
}

func newCountingFront(t *testing.T, host, backend string) *countingFront {
	t.Helper()
	target, _ := url.Parse("http://" + backend)
	c := &countingFront{t: t, proxy: httputil.NewSingleHostReverseProxy(target), arrived: map[string]int{}}
	// While B is starting the front answers 502: a failed delivery, as
	// meant; no need to log each.
	c.proxy.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	c.addr = ln.Addr().String()
	c.serve(ln)
	t.Cleanup(c.close)
	return c
}

func (c *countingFront) serve(ln net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(c.handle)}
	c.mu.Lock()
	c.srv = srv
	c.mu.Unlock()
	go srv.Serve(ln)
}

func (c *countingFront) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		c.proxy.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := &statusRecorder{ResponseWriter: w}
	c.proxy.ServeHTTP(rec, r)
	var doc struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(body, &doc) == nil && doc.ID != "" && rec.status >= 200 && rec.status < 300 {
		c.mu.Lock()
		c.arrived[doc.ID]++
		c.mu.Unlock()
	}
}

// close takes the address down: connections are refused.
func (c *countingFront) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.srv != nil {
		c.srv.Close()
		c.srv = nil
	}
}

// reopen serves on the same address again.
func (c *countingFront) reopen() {
	c.t.Helper()
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		c.t.Fatal(err)
	}
	c.serve(ln)
}

func (c *countingFront) counts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.arrived))
	for id, n := range c.arrived {
		out[id] = n
	}
	return out
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// testClock is the clock file both instances read: the time it holds is
// the real time moved forward by offset.
type testClock struct {
	t      *testing.T
	path   string
	offset time.Duration
}

func (c *testClock) set(d time.Duration) {
	c.t.Helper()
	c.offset = d
	if err := os.WriteFile(c.path, []byte(d.String()), 0o644); err != nil {
		c.t.Fatal(err)
	}
}

func (c *testClock) now() time.Time { return time.Now().Add(c.offset) }

// TestFaultPeerDownForHours: B, where bob follows alice and a
// consultation hosted on A, is down while alice posts and contributes.
// A's clock (and B's) is moved forward hour by hour: A retries, pauses B's
// domain after PauseAfter of failures, then probes it once an hour. B comes
// back on the same address with the same database: every activity A had
// for B arrives, exactly once.
func TestFaultPeerDownForHours(t *testing.T) {
	t.Parallel()
	clock := &testClock{t: t, path: filepath.Join(t.TempDir(), "clock")}
	clock.set(0)
	a := startPeer(t, 232)
	// startPeer's process reads the real clock: start A again on the
	// moved one, with the same database.
	a.srv.stop(syscall.SIGTERM, 15*time.Second)
	a.env[clockFileEnv] = clock.path
	a.restart()

	// B listens behind its public address, where the front counts what
	// it accepts.
	ln, err := net.Listen("tcp", "127.0.0.233:0")
	if err != nil {
		t.Fatal(err)
	}
	backend := ln.Addr().String()
	ln.Close()
	front := newCountingFront(t, "127.0.0.233", backend)
	b := &peer{t: t, domain: front.addr, env: map[string]string{
		"ROUNDTABLE_DATABASE_URL":   dbtest.URL(t),
		"ROUNDTABLE_DATA_DIR":       t.TempDir(),
		"ROUNDTABLE_DOMAIN":         front.addr,
		"ROUNDTABLE_LISTEN":         backend,
		"ROUNDTABLE_INSECURE_HTTP":  "true",
		"ROUNDTABLE_LOG_LEVEL":      "warn",
		"ROUNDTABLE_API_RATE_LIMIT": "0",
		clockFileEnv:                clock.path,
	}}
	b.srv = startServe(t, b.env)

	alice, bob := a.member("alice"), b.member("bob")
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "harbour", "--title", "The harbour after the storm",
		"--prompt", "What do you need now?", "--moderator", "alice")
	accounts, _ := b.resolve(bob, "@alice@"+a.domain)
	if len(accounts) != 1 {
		t.Fatalf("B's search for alice: %v", accounts)
	}
	aliceOnB := accounts[0]["id"].(string)
	b.api("POST", "/api/v1/accounts/"+aliceOnB+"/follow", bob, nil, nil)
	eventually(t, 30*time.Second, "the follow accepted", func() bool {
		var rels []map[string]any
		b.api("GET", "/api/v1/accounts/relationships?id[]="+aliceOnB, bob, nil, &rels)
		return len(rels) == 1 && rels[0]["following"] == true
	})
	b.join(bob, "@harbour@"+a.domain)

	// B goes down: its process stops and its address refuses connections.
	b.srv.stop(syscall.SIGTERM, 15*time.Second)
	front.close()
	bHost := front.addr
	forB := `kind = 'deliver' AND args->>'inbox' LIKE 'http://` + bHost + `/%'`
	before := a.count(`SELECT count(*) FROM river_job WHERE ` + forB)

	const posts = 20
	uris := map[string]bool{}
	for i := range posts {
		st := a.post(alice, map[string]any{"status": fmt.Sprintf("Harbour note %d, written while B is away", i)})
		uris[st["uri"].(string)] = true
	}
	contribution := a.post(alice, map[string]any{"status": "@harbour@" + a.domain + " Boats first\nThe fishing boats need the slipway repaired before anything else."})
	uris[contribution["uri"].(string)] = true
	sent := a.count(`SELECT count(*) FROM river_job WHERE `+forB) - before
	if sent < posts+2 { // the posts, the contribution and the Group's Announce of it
		t.Fatalf("%d deliveries for B queued, want at least %d", sent, posts+2)
	}

	// quiet waits until no delivery for B is due at the moved time nor
	// being tried.
	quiet := func(what string) {
		t.Helper()
		eventually(t, 2*time.Minute, what, func() bool {
			return a.count(`SELECT count(*) FROM river_job WHERE `+forB+` AND (state IN ('available', 'running')
				OR (state IN ('retryable', 'scheduled') AND scheduled_at <= $1))`, clock.now()) == 0
		})
	}
	attempts := func() int {
		return a.count(`SELECT coalesce(sum(attempt), 0) FROM river_job WHERE ` + forB)
	}
	pausedUntil := func() time.Time {
		until := a.pausedUntil(bHost)
		if until == nil {
			return time.Time{}
		}
		return *until
	}

	quiet("the first attempts")
	lastAttempts := attempts()
	t.Logf("down: %d deliveries for B queued, %d attempts made", sent, lastAttempts)
	hours := 0
	for pausedUntil().IsZero() {
		if hours++; hours > 10 {
			t.Fatalf("B's domain not paused after %d hours of failures", hours-1)
		}
		clock.set(time.Duration(hours)*time.Hour + time.Minute)
		quiet(fmt.Sprintf("the retries %d hours on", hours))
		if n := attempts(); n <= lastAttempts {
			t.Fatalf("no delivery retried %d hours on (%d attempts)", hours, n)
		} else {
			lastAttempts = n
		}
	}
	if time.Duration(hours)*time.Hour < roundtable.PauseAfter {
		t.Fatalf("B's domain paused after %d hours of failures, before %v", hours, roundtable.PauseAfter)
	}
	paused := pausedUntil()
	t.Logf("paused %d hours on, until %v from now; %d attempts so far", hours, paused.Sub(clock.now()).Round(time.Minute), lastAttempts)
	// While paused, nothing is tried: deliveries that fall due wait for
	// the end of the pause. Then B is probed, still fails, and the pause
	// goes on for another hour.
	failed := a.failures(bHost)
	clock.set(clock.offset + paused.Sub(clock.now()) - 5*time.Minute)
	quiet("the deliveries due during the pause")
	if n := a.failures(bHost) - failed; n != 0 {
		t.Errorf("%d deliveries tried while B's domain was paused", n)
	}
	if n := a.count(`SELECT count(*) FROM river_job WHERE `+forB+` AND state = 'scheduled' AND scheduled_at >= $1`, paused); n == 0 {
		t.Error("no delivery waits for the end of the pause")
	}
	clock.set(clock.offset + paused.Sub(clock.now()) + 2*time.Minute)
	quiet("the probe")
	probes := a.failures(bHost) - failed
	if probes != 1 {
		t.Fatalf("%d deliveries tried when the pause ended, want one probe", probes)
	}
	if probed := pausedUntil(); !probed.After(paused) {
		t.Fatalf("after a failed probe B's domain is paused until %v, before it was until %v", probed, paused)
	}
	t.Logf("the probe at the end of the pause: %d request(s) to B, paused again until %v from now",
		probes, pausedUntil().Sub(clock.now()).Round(time.Minute))

	// B comes back: same address, same database.
	failedAttempts := a.failures(bHost)
	front.reopen()
	b.srv = startServe(t, b.env)
	for step := 0; step < 16 && a.count(`SELECT count(*) FROM river_job WHERE `+forB+` AND state <> 'completed'`) > 0; step++ {
		clock.set(clock.offset + time.Hour)
		quiet(fmt.Sprintf("the deliveries %v on", clock.offset.Round(time.Minute)))
	}
	if n := a.count(`SELECT count(*) FROM river_job WHERE ` + forB + ` AND state <> 'completed'`); n != 0 {
		t.Fatalf("%d deliveries for B not done %v on", n, clock.offset.Round(time.Minute))
	}
	if !pausedUntil().IsZero() {
		t.Error("B's domain still paused after deliveries succeeded")
	}

	// Every activity A had for B arrived once.
	rows := a.strings(`SELECT args->'activity'->>'id' FROM river_job WHERE ` + forB)
	arrived := front.counts()
	lost, dup := 0, 0
	for _, id := range rows {
		switch n := arrived[id]; {
		case n == 0:
			lost++
			t.Errorf("%s never arrived on B", id)
		case n > 1:
			dup++
			t.Errorf("%s arrived %d times on B", id, n)
		}
	}
	for id, n := range arrived {
		if n > 1 && !contains(rows, id) {
			dup++
			t.Errorf("%s arrived %d times on B", id, n)
		}
	}
	t.Logf("sent %d activities to B, down for %v by the moved clock (%d failed attempts); arrived %d, lost %d, duplicates %d",
		len(rows), clock.offset.Round(time.Minute), failedAttempts, len(rows)-lost, lost, dup)

	// What bob sees: every post once, and the contribution.
	eventually(t, time.Minute, "every post in bob's home timeline", func() bool {
		seen := map[string]int{}
		for _, st := range b.pageAll(bob, "/api/v1/timelines/home?limit=40") {
			seen[st["uri"].(string)]++
		}
		for uri := range uris {
			if seen[uri] != 1 {
				return false
			}
		}
		return true
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// strings runs a query returning one text column on the peer's database.
func (p *peer) strings(query string, args ...any) []string {
	p.t.Helper()
	conn, err := pgx.Connect(context.Background(), p.env["ROUNDTABLE_DATABASE_URL"])
	if err != nil {
		p.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(), query, args...)
	if err != nil {
		p.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s *string
		if err := rows.Scan(&s); err != nil {
			p.t.Fatal(err)
		}
		if s != nil {
			out = append(out, *s)
		}
	}
	if err := rows.Err(); err != nil {
		p.t.Fatal(err)
	}
	return out
}

// failures returns how many deliveries to domain failed since its last
// success.
func (p *peer) failures(domain string) int {
	return p.count(`SELECT coalesce(max(failures), 0) FROM peers WHERE domain = lower($1)`, domain)
}

// pausedUntil returns until when the peer pauses deliveries to domain.
func (p *peer) pausedUntil(domain string) *time.Time {
	p.t.Helper()
	conn, err := pgx.Connect(context.Background(), p.env["ROUNDTABLE_DATABASE_URL"])
	if err != nil {
		p.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var until *time.Time
	err = conn.QueryRow(context.Background(), `SELECT max(paused_until) FROM peers WHERE domain = lower($1)`, domain).Scan(&until)
	if err != nil {
		p.t.Fatal(err)
	}
	return until
}

// TestClockFileNeedsInsecureHTTP: an instance that serves over https
// refuses to start with a moved clock.
func TestClockFileNeedsInsecureHTTP(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "clock")
	if err := os.WriteFile(path, []byte("5h"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runBinary(t, map[string]string{
		"ROUNDTABLE_DATABASE_URL": dbtest.URL(t),
		"ROUNDTABLE_DATA_DIR":     t.TempDir(),
		"ROUNDTABLE_DOMAIN":       "example.org",
		"ROUNDTABLE_LISTEN":       "127.0.0.238:0",
		clockFileEnv:              path,
	}, "", "serve")
	if r.code == 0 || !strings.Contains(r.stderr, clockFileEnv+" is for tests only") {
		t.Errorf("serve with a clock file over https: exit %d, stderr %q", r.code, r.stderr)
	}
}
