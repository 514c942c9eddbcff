package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/roundtable-fed/roundtable/migrations/dbtest"
)

// instanceEnv returns the settings of an instance with its private database
// in dataDir, listening on listen.
func instanceEnv(dataDir, listen string) map[string]string {
	return map[string]string{
		"ROUNDTABLE_DATA_DIR":      dataDir,
		"ROUNDTABLE_DOMAIN":        listen,
		"ROUNDTABLE_LISTEN":        listen,
		"ROUNDTABLE_INSECURE_HTTP": "true",
	}
}

// mustRun runs the binary and fails unless it exits 0.
func mustRun(t *testing.T, env map[string]string, stdin string, args ...string) string {
	t.Helper()
	r := runBinary(t, env, stdin, args...)
	if r.code != 0 {
		t.Fatalf("roundtable %s: exit status %d; stderr:\n%s", strings.Join(args, " "), r.code, r.stderr)
	}
	return strings.TrimSpace(r.stdout)
}

// assertStopped fails if the private database in dataDir still runs.
func assertStopped(t *testing.T, dataDir string) {
	t.Helper()
	if pid, ok := postmasterPID(dataDir); ok {
		t.Fatalf("the private database still runs (postmaster.pid names %d, alive: %v)", pid, alive(pid))
	}
}

// assertRunning fails unless the private database in dataDir runs.
func assertRunning(t *testing.T, dataDir string) int {
	t.Helper()
	pid, ok := postmasterPID(dataDir)
	if !ok || !alive(pid) {
		t.Fatalf("the private database does not run")
	}
	return pid
}

// TestPrivateDatabase follows an instance's private database through its
// life: created by an admin command, shared by serve and admin commands run
// beside it, stopped with serve, and found again with its data.
func TestPrivateDatabase(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	env := instanceEnv(dir, freeAddr(t))

	// An admin command on a fresh data directory creates the database,
	// starts it for its own run, and stops it again.
	password := mustRun(t, env, "", "admin", "account", "create", "--username", "alice", "--email", "alice@example.org", "--role", "admin")
	if len(password) < 12 || strings.ContainsAny(password, " \n") {
		t.Fatalf("admin account create printed %q, want a generated password", password)
	}
	assertStopped(t, dir)
	if fi, err := os.Stat(filepath.Join(dir, "postgres", "PG_VERSION")); err != nil || fi.Size() == 0 {
		t.Fatalf("no database cluster in %s/postgres: %v", dir, err)
	}

	srv := startServe(t, env)
	pid := assertRunning(t, dir)

	// Admin commands work beside serve, and leave its database running.
	if out := mustRun(t, env, "a password read from stdin\n", "admin", "account", "create", "--username", "bob", "--email", "bob@example.org", "--password-stdin"); out != "" {
		t.Errorf("admin account create --password-stdin printed %q, want nothing", out)
	}
	token := mustRun(t, env, "", "admin", "account", "token", "--username", "alice", "--scopes", "read write")
	if token == "" || strings.Contains(token, " ") {
		t.Fatalf("admin account token printed %q", token)
	}
	if got := assertRunning(t, dir); got != pid {
		t.Fatalf("the private database was restarted (pid %d, then %d)", pid, got)
	}
	if code, body := srv.get("/readyz", ""); code != http.StatusOK {
		t.Fatalf("/readyz after admin commands: %d %s", code, body)
	}
	if code, body := srv.get("/api/v1/accounts/verify_credentials", token); code != http.StatusOK || !strings.Contains(body, `"username":"alice"`) {
		t.Fatalf("verify_credentials with the issued token: %d %s", code, body)
	}

	// SIGTERM stops serve and its database well within 15 s.
	if code := srv.stop(syscall.SIGTERM, 15*time.Second); code != 0 {
		t.Fatalf("serve exited with status %d after SIGTERM; stderr:\n%s", code, srv.logs())
	}
	assertStopped(t, dir)
	if !waitGone(pid, 5*time.Second) {
		t.Fatalf("postgres (pid %d) still runs after serve stopped", pid)
	}

	// Everything is still there after a restart.
	srv = startServe(t, env)
	if code, body := srv.get("/api/v1/accounts/verify_credentials", token); code != http.StatusOK {
		t.Fatalf("verify_credentials after a restart: %d %s", code, body)
	}
	r := runBinary(t, env, "", "admin", "account", "create", "--username", "bob", "--email", "bob2@example.org")
	if r.code != 1 || !strings.Contains(r.stderr, "taken") || strings.Count(r.stderr, "\n") != 1 {
		t.Fatalf("creating bob again: status %d, stderr %q; want 1 and one line saying the name is taken", r.code, r.stderr)
	}
	if code := srv.stop(syscall.SIGINT, 15*time.Second); code != 0 {
		t.Fatalf("serve exited with status %d after SIGINT", code)
	}
	assertStopped(t, dir)
}

// TestPrivateDatabaseAfterCrash kills serve and its database without
// warning, as a power cut would, and starts again.
func TestPrivateDatabaseAfterCrash(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	env := instanceEnv(dir, freeAddr(t))

	srv := startServe(t, env, "--dev")
	if !strings.Contains(srv.output(), "Admin login: admin / ") {
		t.Errorf("serve --dev printed no admin login on first start; stdout: %q", srv.output())
	}
	srv.stop(syscall.SIGKILL, 5*time.Second)

	// Serve was killed: its database runs on, and the next serve uses it.
	pid := assertRunning(t, dir)
	srv = startServe(t, env, "--dev")
	if got := assertRunning(t, dir); got != pid {
		t.Errorf("a running private database was restarted (pid %d, then %d)", pid, got)
	}
	if strings.Contains(srv.output(), "Admin login") {
		t.Errorf("serve --dev made another admin on its second start: %q", srv.output())
	}
	srv.stop(syscall.SIGKILL, 5*time.Second)

	// Now the database dies too, leaving its postmaster.pid behind.
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if !waitGone(pid, 10*time.Second) {
		t.Fatalf("postgres (pid %d) survived SIGKILL", pid)
	}
	if _, ok := postmasterPID(dir); !ok {
		t.Fatal("no stale postmaster.pid after killing postgres")
	}
	srv = startServe(t, env, "--dev")
	r := runBinary(t, env, "", "admin", "account", "create", "--username", "admin", "--email", "other@example.org")
	if r.code != 1 || !strings.Contains(r.stderr, "taken") {
		t.Fatalf("the admin made before the crash is gone: status %d, stderr %q", r.code, r.stderr)
	}
	if code := srv.stop(syscall.SIGTERM, 15*time.Second); code != 0 {
		t.Fatalf("serve exited with status %d after SIGTERM", code)
	}
	assertStopped(t, dir)
}

// TestDatabaseURL runs the commands against a configured PostgreSQL server
// instead of a private one.
func TestDatabaseURL(t *testing.T) {
	t.Parallel()
	listen := freeAddr(t)
	env := map[string]string{
		"ROUNDTABLE_DATABASE_URL":  dbtest.URL(t),
		"ROUNDTABLE_DATA_DIR":      filepath.Join(t.TempDir(), "data"),
		"ROUNDTABLE_DOMAIN":        "social.example.org",
		"ROUNDTABLE_LISTEN":        listen,
		"ROUNDTABLE_INSECURE_HTTP": "true",
	}
	mustRun(t, env, "", "migrate")
	mustRun(t, env, "", "migrate") // a no-op the second time
	mustRun(t, env, "", "admin", "account", "create", "--username", "carol", "--email", "carol@example.org", "--role", "moderator")
	token := mustRun(t, env, "", "admin", "account", "token", "--username", "carol")

	for _, role := range []string{"all", "web"} {
		srv := startServe(t, env, "--role", role)
		code, body := srv.get("/api/v1/accounts/verify_credentials", token)
		if code != http.StatusOK || !strings.Contains(body, `"url":"http://social.example.org/@carol"`) {
			t.Errorf("role %s: verify_credentials: %d %s", role, code, body)
		}
		if code, body := srv.get("/.well-known/nodeinfo", ""); code != http.StatusOK {
			t.Errorf("role %s: /.well-known/nodeinfo: %d %s", role, code, body)
		}
		if code := srv.stop(syscall.SIGTERM, 15*time.Second); code != 0 {
			t.Fatalf("role %s: serve exited with status %d", role, code)
		}
	}

	srv := startServe(t, env, "--role", "worker")
	for path, want := range map[string]int{"/healthz": 200, "/metrics": 200, "/api/v1/instance": 404} {
		if code, body := srv.get(path, ""); code != want {
			t.Errorf("worker %s: %d, want %d: %s", path, code, want, body)
		}
	}
	if _, body := srv.get("/metrics", ""); !strings.Contains(body, "roundtable_db_pool_connections") {
		t.Errorf("/metrics lacks the pool's metrics")
	}
	srv.stop(syscall.SIGTERM, 15*time.Second)
	// The data directory holds uploads (media/), but no private database.
	if _, err := os.Stat(filepath.Join(env["ROUNDTABLE_DATA_DIR"], "postgres")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a private database was made although a URL was given (%v)", err)
	}
	if entries, _ := os.ReadDir(env["ROUNDTABLE_DATA_DIR"]); len(entries) > 1 || (len(entries) == 1 && entries[0].Name() != "media") {
		t.Errorf("the data directory holds more than uploads: %v", entries)
	}
}

// TestConcurrentCommands starts serve and several admin commands at once
// on a fresh data directory: one of them creates the database, all use it,
// none stops it under another, and it stops with the last of them.
func TestConcurrentCommands(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	env := instanceEnv(dir, freeAddr(t))
	const n = 4
	results := make(chan result, n)
	for i := range n {
		go func() {
			cmd := command(env, "admin", "account", "create", "--username", fmt.Sprintf("user%d", i), "--email", fmt.Sprintf("user%d@example.org", i))
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, _ := cmd.Output()
			results <- result{stdout: string(out), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
		}()
	}
	srv := startServe(t, env)
	for range n {
		if r := <-results; r.code != 0 {
			t.Errorf("admin account create beside serve: status %d, stderr %q", r.code, r.stderr)
		}
	}
	assertRunning(t, dir)
	if code, body := srv.get("/readyz", ""); code != http.StatusOK {
		t.Fatalf("/readyz after the admin commands: %d %s", code, body)
	}
	if code := srv.stop(syscall.SIGTERM, 15*time.Second); code != 0 {
		t.Fatalf("serve exited with status %d", code)
	}
	assertStopped(t, dir)
}
