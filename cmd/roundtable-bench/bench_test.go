package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestBenchSmall runs every scenario at a tiny size against real instances
// of the binary and checks what they did, never how fast: every activity
// accepted, stored and shown; every shared inbox reached exactly once with
// a valid signature; reads answered; the databases dropped afterwards.
func TestBenchSmall(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "roundtable")
	build := exec.Command("go", "build", "-o", bin, "../roundtable")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build roundtable: %v\n%s", err, out)
	}
	port := os.Getenv("PGTEST_PORT")
	if port == "" {
		port = "5433"
	}
	c := defaultConfig()
	c.Bin, c.HostBase = bin, 110
	c.AdminURL = "postgres://postgres@127.0.0.1:" + port + "/postgres?sslmode=disable"
	c.InboxServers, c.InboxActivities = 5, 30
	c.FanoutServers, c.FanoutFollowers = 6, 15
	c.ReadReplies, c.HomeStatuses, c.Readers, c.ReadDuration = 12, 400, 2, 500*time.Millisecond
	c.SoakDuration, c.SoakInboxRate = 3*time.Second, 10
	c.ActorClients, c.ActorDuration = 4, 500*time.Millisecond
	c.FloorDuration, c.WaitLimit = 100*time.Millisecond, time.Minute
	var log bytes.Buffer
	c.log = &log
	ctx := context.Background()
	rep, err := bench(ctx, c, map[string]bool{"inbox": true, "fanout": true, "read": true, "soak": true, "actor": true})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if len(rep.Failures) > 0 {
		t.Errorf("failures: %v\n%s", rep.Failures, log.String())
	}
	if rep.Floor.SignPerCore <= 0 || rep.Floor.VerifyPerCore <= 0 {
		t.Errorf("floor: %+v", rep.Floor)
	}

	if in := rep.Inbox; in == nil {
		t.Error("no inbox result")
	} else if in.Accepted != 30 || in.Errors != 0 || in.Stored != 30 || in.ContextShown != 30 {
		t.Errorf("inbox: accepted %d, errors %d (%s), stored %d, in the thread's context %d; want 30, 0, 30, 30",
			in.Accepted, in.Errors, in.FirstError, in.Stored, in.ContextShown)
	}

	if fo := rep.Fanout; fo == nil {
		t.Error("no fanout result")
	} else if fo.FollowersSeen != 15 || fo.Reached != 6 || fo.Duplicates != 0 || fo.BadSignatures != 0 {
		t.Errorf("fanout: %d followers, %d of 6 shared inboxes reached, %d duplicates, %d bad signatures",
			fo.FollowersSeen, fo.Reached, fo.Duplicates, fo.BadSignatures)
	}

	if rd := rep.Read; rd == nil {
		t.Error("no read result")
	} else {
		if rd.Statuses < 400 || len(rd.Endpoints) != 3 {
			t.Errorf("read: %d statuses, %d endpoints", rd.Statuses, len(rd.Endpoints))
		}
		for _, e := range rd.Endpoints {
			if e.Requests == 0 || e.Errors != 0 {
				t.Errorf("read %s: %d requests, %d errors (%s)", e.Name, e.Requests, e.Errors, e.FirstError)
			}
		}
	}

	if s := rep.Soak; s == nil {
		t.Error("no soak result")
	} else if s.Errors != 0 || len(s.Samples) == 0 || s.IdleRSSMiB <= 0 || s.MaxDBConns == 0 || s.MaxGoroutines == 0 || s.InboxSent == 0 || s.Posts == 0 || s.Reads == 0 {
		t.Errorf("soak: %+v", s)
	}

	if a := rep.Actor; a == nil {
		t.Error("no actor result")
	} else if a.Requests == 0 || a.Errors != 0 {
		t.Errorf("actor: %d requests, %d errors (%s)", a.Requests, a.Errors, a.FirstError)
	}

	var table bytes.Buffer
	printTable(&table, rep)
	for _, want := range []string{"RSA-2048 sign /s per core", "accepted /s", "deliveries /s", "thread page (HTML)", "RSS idle", "signed GET of an actor"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, table.String())
		}
	}

	// Cleaned up: no database of this run is left.
	conn, err := pgx.Connect(ctx, c.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var left int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_database WHERE datname LIKE $1`,
		fmt.Sprintf("roundtable_bench_%%_%d", os.Getpid())).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d databases left behind", left)
	}
}
