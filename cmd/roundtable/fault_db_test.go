package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestFaultDatabaseRestart stops the instance's PostgreSQL (its private
// database) while members post and read, and starts it again. While it is
// down, requests get 503 with Retry-After and a JSON message, the process
// stays up, nothing answers 500; once it is back, the same serve process
// answers again by itself.
func TestFaultDatabaseRestart(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.222:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := ln.Addr().String()
	ln.Close()
	dir := dataDir(t)
	env := instanceEnv(dir, listen)
	env["ROUNDTABLE_LOG_LEVEL"] = "warn"
	env["ROUNDTABLE_API_RATE_LIMIT"] = "0"
	mustRun(t, env, "", "admin", "account", "create", "--username", "ann", "--email", "ann@example.org")
	token := mustRun(t, env, "", "admin", "account", "token", "--username", "ann", "--scopes", "read write")
	srv := startServe(t, env)
	client := &http.Client{Timeout: 30 * time.Second}
	call := func(method, path string, body any) (int, http.Header, []byte, error) {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, srv.base+path, rd)
		req.Header.Set("Authorization", "Bearer "+token)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := client.Do(req)
		if err != nil {
			return 0, nil, nil, err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, b, nil
	}

	// The load: one member posting and reading without pause.
	var mu sync.Mutex
	answers := map[int]int{}
	var failures []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			code, _, _, err := call("POST", "/api/v1/statuses", map[string]any{"status": fmt.Sprintf("Under load %d", i)})
			code2, _, _, err2 := call("GET", "/api/v1/timelines/home", nil)
			mu.Lock()
			answers[code]++
			answers[code2]++
			for _, e := range []error{err, err2} {
				if e != nil {
					failures = append(failures, e.Error())
				}
			}
			mu.Unlock()
		}
	})
	eventually(t, 30*time.Second, "the load under way", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return answers[200] >= 10
	})

	pid, ok := postmasterPID(dir)
	if !ok {
		t.Fatal("the private database does not run")
	}
	if err := syscall.Kill(pid, syscall.SIGINT); err != nil { // fast shutdown
		t.Fatal(err)
	}
	if !waitGone(pid, 30*time.Second) {
		t.Fatal("the private database did not stop")
	}
	for _, c := range []struct {
		method, path string
		body         any
	}{{"GET", "/api/v1/accounts/verify_credentials", nil}, {"POST", "/api/v1/statuses", map[string]any{"status": "While the database is down"}}, {"GET", "/api/v1/timelines/home", nil}} {
		code, h, b, err := call(c.method, c.path, c.body)
		if err != nil {
			t.Fatalf("%s %s while the database is down: %v", c.method, c.path, err)
		}
		var e map[string]any
		if code != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || json.Unmarshal(b, &e) != nil || e["error"] == "" {
			t.Errorf("%s %s while the database is down: %d, Retry-After %q, %s; want 503 with Retry-After and a JSON error", c.method, c.path, code, h.Get("Retry-After"), b)
		}
	}
	if code, _ := srv.get("/readyz", ""); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz while the database is down: %d, want 503", code)
	}
	select {
	case <-srv.done:
		t.Fatalf("serve exited when the database went down; stderr:\n%s", srv.logs())
	default:
	}

	// Started again (as an operator's command does), serve takes up its
	// work with no restart of its own.
	mustRun(t, env, "", "admin", "norm", "list")
	eventually(t, time.Minute, "serve answering again", func() bool {
		code, _, _, err := call("POST", "/api/v1/statuses", map[string]any{"status": "After the restart"})
		return err == nil && code == http.StatusOK
	})
	close(stop)
	wg.Wait()
	if code, _ := srv.get("/readyz", ""); code != http.StatusOK {
		t.Errorf("/readyz after the restart: %d", code)
	}
	code, _, b, _ := call("GET", "/api/v1/timelines/home", nil)
	if code != http.StatusOK || !strings.Contains(string(b), "After the restart") {
		t.Errorf("home after the restart: %d %.300s", code, b)
	}
	t.Logf("answers under load: %v; transport failures: %d", answers, len(failures))
	for code, n := range answers {
		if code != http.StatusOK && code != http.StatusServiceUnavailable {
			t.Errorf("%d answers %d under load, want only 200 and 503", n, code)
		}
	}
	if len(failures) > 0 {
		t.Errorf("requests with no answer: %v", failures)
	}
	if l := srv.logs(); strings.Contains(l, "panic") {
		t.Errorf("serve logged a panic:\n%s", l)
	}
}
