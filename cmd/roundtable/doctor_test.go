package main

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roundtable-fed/roundtable"
	"github.com/roundtable-fed/roundtable/migrations/dbtest"
)

// dateServer serves on host, answering every request with a Date header
// offset from the real time.
func dateServer(t *testing.T, host string, offset time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Now().Add(offset).UTC().Format(http.TimeFormat))
		w.Write([]byte("ok"))
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/"
}

// refusedURL returns a URL on host where nothing listens.
func refusedURL(t *testing.T, host string) string {
	t.Helper()
	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/"
}

// doctorRun runs admin doctor and returns its exit status and the lines it
// printed that report problems.
func doctorRun(t *testing.T, env map[string]string) (int, []string, result) {
	t.Helper()
	r := runBinary(t, env, "", "admin", "doctor")
	var problems []string
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, "PROBLEM") {
			problems = append(problems, l)
		}
	}
	return r.code, problems, r
}

func TestAdminDoctor(t *testing.T) {
	t.Parallel()
	good := dateServer(t, "127.0.0.240", 0)
	healthy := func(t *testing.T) map[string]string {
		return map[string]string{
			"ROUNDTABLE_DATABASE_URL":       dbtest.URL(t),
			"ROUNDTABLE_DATA_DIR":           t.TempDir(),
			"ROUNDTABLE_DOMAIN":             "127.0.0.240:8443",
			"ROUNDTABLE_INSECURE_HTTP":      "true",
			"ROUNDTABLE_DOCTOR_TIME_URL":    good,
			"ROUNDTABLE_DOCTOR_REACH_URL":   good,
			"ROUNDTABLE_DOCTOR_MIN_FREE_MB": "1",
			"ROUNDTABLE_LOG_LEVEL":          "warn",
		}
	}

	t.Run("healthy", func(t *testing.T) {
		t.Parallel()
		code, problems, r := doctorRun(t, healthy(t))
		if code != 0 || len(problems) != 0 {
			t.Fatalf("exit status %d, problems %q; stdout:\n%s\nstderr:\n%s", code, problems, r.stdout, r.stderr)
		}
		for _, check := range []string{"configuration:", "database:", "disk:", "clock:", "federation:"} {
			if !strings.Contains(r.stdout, "ok       "+check) {
				t.Errorf("no ok line for %s:\n%s", check, r.stdout)
			}
		}
	})

	// Each fault is found, named, and comes with what to do; the other
	// checks still pass.
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, env map[string]string)
		want   []string // in the one PROBLEM line
	}{
		{"domain not a host name", func(t *testing.T, env map[string]string) {
			env["ROUNDTABLE_DOMAIN"] = "https://example.org"
		}, []string{"configuration:", "ROUNDTABLE_DOMAIN", "without a scheme", "set ROUNDTABLE_DOMAIN to the host name"}},
		{"domain not the database's", func(t *testing.T, env map[string]string) {
			pool, err := pgxpool.New(context.Background(), env["ROUNDTABLE_DATABASE_URL"])
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			old := roundtable.NewStore(pool, roundtable.WithLinks(roundtable.Links{Base: "http://127.0.0.240:9443"}))
			if err := old.SaveBaseURL(context.Background()); err != nil {
				t.Fatal(err)
			}
		}, []string{"configuration:", "this database belongs to http://127.0.0.240:9443", "set ROUNDTABLE_DOMAIN back to 127.0.0.240:9443"}},
		{"database unreachable", func(t *testing.T, env map[string]string) {
			env["ROUNDTABLE_DATABASE_URL"] = "postgres://roundtable:secret@" + strings.TrimSuffix(strings.TrimPrefix(refusedURL(t, "127.0.0.241"), "http://"), "/") + "/roundtable"
		}, []string{"database:", "cannot connect", "start PostgreSQL, or correct"}},
		{"clock 10 minutes off", func(t *testing.T, env map[string]string) {
			env["ROUNDTABLE_DOCTOR_TIME_URL"] = dateServer(t, "127.0.0.242", -10*time.Minute)
		}, []string{"clock:", "ahead of", "turn on time synchronisation"}},
		{"disk full", func(t *testing.T, env map[string]string) {
			env["ROUNDTABLE_DOCTOR_MIN_FREE_MB"] = "1000000000" // a petabyte
		}, []string{"disk:", "MB free, less than the 1000000000 MB asked for", "free space there"}},
		{"outgoing requests blocked", func(t *testing.T, env map[string]string) {
			env["ROUNDTABLE_DOCTOR_REACH_URL"] = refusedURL(t, "127.0.0.243")
		}, []string{"federation:", "outgoing requests fail", "connection refused", "allow outgoing https"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := healthy(t)
			tc.change(t, env)
			code, problems, r := doctorRun(t, env)
			if code != 1 {
				t.Fatalf("exit status %d, want 1; stdout:\n%s\nstderr:\n%s", code, r.stdout, r.stderr)
			}
			if len(problems) != 1 {
				t.Fatalf("%d problems, want 1:\n%s", len(problems), r.stdout)
			}
			for _, w := range tc.want {
				if !strings.Contains(problems[0], w) {
					t.Errorf("problem line %q does not say %q", problems[0], w)
				}
			}
			if strings.Contains(r.stdout+r.stderr, "secret") {
				t.Errorf("doctor shows the database password:\n%s%s", r.stdout, r.stderr)
			}
			if s := strings.TrimSpace(r.stderr); s != "roundtable: doctor found 1 problem(s); see the lines marked PROBLEM above" {
				t.Errorf("stderr: %q", s)
			}
		})
	}

	t.Run("ip address without insecure-http", func(t *testing.T) {
		t.Parallel()
		env := healthy(t)
		delete(env, "ROUNDTABLE_INSECURE_HTTP")
		code, problems, r := doctorRun(t, env)
		if code != 1 || len(problems) == 0 || !strings.Contains(problems[0], "configuration:") || !strings.Contains(problems[0], "is not a public host name") {
			t.Fatalf("exit status %d; stdout:\n%s", code, r.stdout)
		}
	})

	t.Run("usage", func(t *testing.T) {
		t.Parallel()
		mustFail(t, healthy(t), "", 2, `unexpected argument "now"`, "admin", "doctor", "now")
		mustFail(t, map[string]string{"ROUNDTABLE_DOCTOR_MIN_FREE_MB": "lots"}, "", 1, "ROUNDTABLE_DOCTOR_MIN_FREE_MB", "admin", "account", "list")
	})
}
