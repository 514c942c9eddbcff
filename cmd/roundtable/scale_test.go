package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roundtable-fed/roundtable/migrations/dbtest"
)

// Several processes on one database: serve --role web answers HTTP and
// enqueues, serve --role worker processes deliver.

// loopbackAddr returns host:port with a port free on host.
func loopbackAddr(t *testing.T, host string) string {
	t.Helper()
	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// withEnv returns a copy of env with the given settings changed.
func withEnv(env map[string]string, kv ...string) map[string]string {
	out := make(map[string]string, len(env))
	for k, v := range env {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// metricSum adds up the samples of the named metric served at base/metrics.
func metricSum(t *testing.T, base, name string) float64 {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sum := 0.0
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		sum += v
	}
	return sum
}

// postStatus publishes a status through the client API, for use outside
// the test's goroutine.
func postStatus(base, token, text string) (string, error) {
	b, _ := json.Marshal(map[string]any{"status": text})
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/statuses", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var st map[string]any
	if res.StatusCode != http.StatusOK || json.Unmarshal(body, &st) != nil {
		return "", fmt.Errorf("post: %d %s", res.StatusCode, body)
	}
	uri, _ := st["uri"].(string)
	return uri, nil
}

// createsByObject counts, for one fake server, the Create activities it
// received by activity id, and maps each activity id to its object's id.
func createsByObject(f *fakeServer) (counts map[string]int, objects map[string]string) {
	counts, objects = map[string]int{}, map[string]string{}
	for _, d := range f.received("Create") {
		id, _ := d["id"].(string)
		counts[id]++
		if obj, ok := d["object"].(map[string]any); ok {
			objects[id], _ = obj["id"].(string)
		}
	}
	return counts, objects
}

// attemptedDeliveries counts the delivery jobs that some process has tried.
func attemptedDeliveries(t *testing.T, dbURL string) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'deliver' AND attempt > 0`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTwoWorkersDeliverOnce runs one web process and two worker processes
// on one database: a burst of posts by a member followed from six servers
// reaches every server's shared inbox exactly once per activity, both
// workers deliver, the web process none. With the workers stopped,
// deliveries wait in the queue; one worker started again delivers them.
func TestTwoWorkersDeliverOnce(t *testing.T) {
	t.Parallel()
	webAddr := loopbackAddr(t, "127.0.1.60")
	env := map[string]string{
		"ROUNDTABLE_DATABASE_URL":     dbtest.URL(t),
		"ROUNDTABLE_DATA_DIR":         t.TempDir(),
		"ROUNDTABLE_DOMAIN":           webAddr,
		"ROUNDTABLE_LISTEN":           webAddr,
		"ROUNDTABLE_INSECURE_HTTP":    "true",
		"ROUNDTABLE_LOG_LEVEL":        "warn",
		"ROUNDTABLE_API_RATE_LIMIT":   "0",
		"ROUNDTABLE_INBOX_RATE_LIMIT": "0",
	}
	web := &peer{t: t, srv: startServe(t, env, "--role", "web"), env: env, domain: webAddr}
	workerEnv := func(host string) map[string]string {
		return withEnv(env, "ROUNDTABLE_LISTEN", loopbackAddr(t, host))
	}
	w1Env, w2Env := workerEnv("127.0.1.61"), workerEnv("127.0.1.62")
	w1, w2 := startServe(t, w1Env, "--role", "worker"), startServe(t, w2Env, "--role", "worker")

	alice := web.member("alice")
	var me map[string]any
	web.api("GET", "/api/v1/accounts/verify_credentials", alice, nil, &me)
	aliceURI := me["uri"].(string)

	// Six servers, each with two followers of alice behind one shared inbox.
	var fakes []*fakeServer
	for i := range 6 {
		f := startFakeServerAt(t, fmt.Sprintf("127.0.1.%d", 63+i))
		for j := range 2 {
			key := fakeKey(i + j)
			actor := f.addActor(fmt.Sprintf("f%d", j), key)
			follow, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
				"id": actor + "#follow", "type": "Follow", "actor": actor, "object": aliceURI})
			if res := signedPost(t, web.srv.base+"/inbox", actor+"#main-key", key, follow, follow, time.Now()); res.StatusCode != http.StatusAccepted {
				t.Fatalf("follow from server %d: %d", i, res.StatusCode)
			}
		}
		fakes = append(fakes, f)
	}
	eventually(t, time.Minute, "12 followers accepted", func() bool {
		for _, f := range fakes {
			if len(f.received("Accept")) < 2 {
				return false
			}
		}
		return true
	})
	// Inboxes that take a moment to answer, so that the work is spread
	// over the workers rather than done by whichever wakes first.
	for _, f := range fakes {
		f.mu.Lock()
		f.delay = 100 * time.Millisecond
		f.mu.Unlock()
	}

	// A burst: 40 posts from 4 clients at once.
	burst := func(n int, label string) map[string]bool {
		t.Helper()
		var mu sync.Mutex
		uris := map[string]bool{}
		var errs []error
		var wg sync.WaitGroup
		for c := range 4 {
			wg.Go(func() {
				for i := range n / 4 {
					uri, err := postStatus(web.srv.base, alice, fmt.Sprintf("%s %d-%d", label, c, i))
					mu.Lock()
					if err != nil {
						errs = append(errs, err)
					} else {
						uris[uri] = true
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("%d posts failed: %v", len(errs), errs[0])
		}
		return uris
	}
	// checkOnce asserts that every fake server holds one Create for each
	// post in uris and for nothing else, each received once.
	checkOnce := func(uris map[string]bool) {
		t.Helper()
		for i, f := range fakes {
			counts, objects := createsByObject(f)
			seen := map[string]bool{}
			for id, n := range counts {
				if n != 1 {
					t.Errorf("server %d received %s %d times", i, id, n)
				}
				if !uris[objects[id]] {
					t.Errorf("server %d received %s about %q, not one of the posts", i, id, objects[id])
				}
				seen[objects[id]] = true
			}
			for uri := range uris {
				if !seen[uri] {
					t.Errorf("server %d never received %s", i, uri)
				}
			}
		}
	}
	allArrived := func(uris map[string]bool) func() bool {
		return func() bool {
			for _, f := range fakes {
				_, objects := createsByObject(f)
				got := map[string]bool{}
				for _, o := range objects {
					got[o] = true
				}
				for uri := range uris {
					if !got[uri] {
						return false
					}
				}
			}
			return true
		}
	}

	first := burst(40, "Burst")
	eventually(t, 3*time.Minute, "the burst on every server", allArrived(first))
	eventually(t, time.Minute, "the queue empty", func() bool { return web.pendingDeliveries() == 0 })
	checkOnce(first)

	d1 := metricSum(t, w1.base, "roundtable_deliveries_total")
	d2 := metricSum(t, w2.base, "roundtable_deliveries_total")
	dw := metricSum(t, web.srv.base, "roundtable_deliveries_total")
	t.Logf("deliveries: worker 1 %v, worker 2 %v, web %v", d1, d2, dw)
	if d1 == 0 || d2 == 0 {
		t.Errorf("deliveries by worker 1: %v, by worker 2: %v; want both to share the work", d1, d2)
	}
	if min := float64(6 * 40); d1+d2 < min {
		t.Errorf("the workers made %v deliveries, want at least %v", d1+d2, min)
	}
	if dw != 0 {
		t.Errorf("the web process made %v deliveries, want none", dw)
	}

	// Without workers, deliveries wait.
	w1.stop(syscall.SIGTERM, 15*time.Second)
	w2.stop(syscall.SIGTERM, 15*time.Second)
	before := attemptedDeliveries(t, env["ROUNDTABLE_DATABASE_URL"])
	second := burst(8, "While the workers are away")
	if n := web.pendingDeliveries(); n != 6*8 {
		t.Errorf("the queue holds %d deliveries, want %d", n, 6*8)
	}
	// Give a wrongly working web process the time to deliver.
	time.Sleep(3 * time.Second)
	if n := attemptedDeliveries(t, env["ROUNDTABLE_DATABASE_URL"]); n != before {
		t.Errorf("%d deliveries were tried with no worker running", n-before)
	}
	for i, f := range fakes {
		_, objects := createsByObject(f)
		for _, o := range objects {
			if second[o] {
				t.Errorf("server %d received %s with no worker running", i, o)
			}
		}
	}
	if n := metricSum(t, web.srv.base, "roundtable_deliveries_total"); n != 0 {
		t.Errorf("the web process made %v deliveries, want none", n)
	}

	// One worker back: they go, once each.
	startServe(t, w1Env, "--role", "worker")
	eventually(t, 3*time.Minute, "the waiting posts on every server", allArrived(second))
	eventually(t, time.Minute, "the queue empty", func() bool { return web.pendingDeliveries() == 0 })
	for uri := range second {
		first[uri] = true
	}
	checkOnce(first)
}
