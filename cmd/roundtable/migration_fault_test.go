package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roundtable-fed/roundtable/migrations/dbtest"
)

// latestMigration is the version of the newest migration file.
func latestMigration(t *testing.T) int64 {
	t.Helper()
	files, err := filepath.Glob("../../migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v %v", files, err)
	}
	var latest int64
	for _, f := range files {
		n, err := strconv.ParseInt(strings.SplitN(filepath.Base(f), "_", 2)[0], 10, 64)
		if err == nil && n > latest {
			latest = n
		}
	}
	return latest
}

// TestFaultKillDuringMigration kills `roundtable migrate` with SIGKILL in
// the middle of migrating an empty database, then runs it again: every
// migration is applied once and the instance works. Each migration runs in
// its own transaction, so the one cut off leaves nothing behind.
func TestFaultKillDuringMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dbtest.Config().URL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	latest := latestMigration(t)
	killedAt := int64(-1)
	for attempt := 0; attempt < 10 && killedAt < 0; attempt++ {
		name := fmt.Sprintf("rt_migrate_kill_%d_%d", os.Getpid(), attempt)
		// One left by an earlier run that was itself killed goes first.
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Fatal(err)
		}
		if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
		conf := dbtest.Config()
		conf.Database = name
		env := map[string]string{"ROUNDTABLE_DATABASE_URL": conf.URL(), "ROUNDTABLE_DATA_DIR": t.TempDir(),
			"ROUNDTABLE_DOMAIN": "social.example.org", "ROUNDTABLE_LOG_LEVEL": "error"}
		db, err := pgx.Connect(ctx, conf.URL())
		if err != nil {
			t.Fatal(err)
		}
		cmd := command(env, "migrate")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		// Kill it as soon as some migrations are in and others are not.
		deadline := time.Now().Add(30 * time.Second)
		for killedAt < 0 && time.Now().Before(deadline) {
			var v *int64
			err := db.QueryRow(ctx, `SELECT max(version_id) FROM goose_db_version`).Scan(&v)
			if err == nil && v != nil && *v >= 3 && *v < latest {
				_ = cmd.Process.Signal(syscall.SIGKILL)
				killedAt = *v
				break
			}
			select {
			case <-done:
				deadline = time.Time{} // finished before it could be cut off: try again
			default:
				time.Sleep(time.Millisecond)
			}
		}
		if killedAt < 0 {
			db.Close(ctx)
			continue
		}
		<-done
		// The next run completes the schema.
		if r := runBinary(t, env, "", "migrate"); r.code != 0 {
			t.Fatalf("migrate after the kill: exit %d: %s", r.code, r.stderr)
		}
		var applied, distinct int64
		var top int64
		if err := db.QueryRow(ctx, `SELECT count(*) FILTER (WHERE is_applied), count(DISTINCT version_id), max(version_id)
			FROM goose_db_version WHERE version_id > 0`).Scan(&applied, &distinct, &top); err != nil {
			t.Fatal(err)
		}
		if top != latest || applied != distinct {
			t.Errorf("after the kill at %d and a second run: newest %d (want %d), %d applied rows for %d versions",
				killedAt, top, latest, applied, distinct)
		}
		// The instance works on it.
		ln, err := net.Listen("tcp", "127.0.0.230:0")
		if err != nil {
			t.Fatal(err)
		}
		env["ROUNDTABLE_LISTEN"] = ln.Addr().String()
		env["ROUNDTABLE_DOMAIN"] = ln.Addr().String()
		env["ROUNDTABLE_INSECURE_HTTP"] = "true"
		ln.Close()
		mustRun(t, env, "", "admin", "account", "create", "--username", "ada", "--email", "ada@example.org")
		srv := startServe(t, env)
		if code, body := srv.get("/api/v1/accounts/lookup?acct=ada", ""); code != 200 {
			t.Errorf("after the interrupted migration: %d %s", code, body)
		}
		srv.stop(syscall.SIGTERM, 15*time.Second)
		db.Close(ctx)
	}
	if killedAt < 0 {
		t.Fatal("migrate always finished before it could be cut off")
	}
	t.Logf("killed while at migration %d of %d", killedAt, latest)
}
