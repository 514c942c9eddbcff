package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgNode is a PostgreSQL server a test runs on 127.0.0.1.
type pgNode struct {
	t    *testing.T
	cl   *cluster // the binaries and their owner
	dir  string
	port int
	sock string
}

// pgBinaries returns the PostgreSQL programs, run as the postgres user when
// the tests run as root, and makes dir reachable and writable by it.
func pgBinaries(t *testing.T, dir string) *cluster {
	t.Helper()
	bin, err := findPostgres(filepath.Join(dir, "none"))
	if err != nil {
		t.Fatal(err)
	}
	// pg_basebackup sits beside the server programs, not always beside
	// their links on the PATH.
	if real, err := filepath.EvalSymlinks(filepath.Join(bin, "pg_ctl")); err == nil {
		bin = filepath.Dir(real)
	}
	cl := &cluster{bin: bin}
	if os.Geteuid() == 0 {
		if cl.owner, err = lookupAccount("postgres"); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(dir, int(cl.owner.uid), int(cl.owner.gid)); err != nil {
			t.Fatal(err)
		}
	}
	return cl
}

// run runs one of the PostgreSQL programs, failing the test if it fails.
func (n *pgNode) run(name string, args ...string) {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := runQuiet(n.cl.command(ctx, name, args...)); err != nil {
		n.t.Fatal(err)
	}
}

// start starts the server in n.dir on n.port; it is stopped when the test
// ends.
func (n *pgNode) start() {
	n.t.Helper()
	n.run("pg_ctl", "-D", n.dir, "-l", n.dir+".log", "-w", "-t", "60", "start", "-o",
		fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c wal_level=replica -c max_wal_senders=4 -c hot_standby=on", n.port, n.sock))
	n.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		runQuiet(n.cl.command(ctx, "pg_ctl", "-D", n.dir, "-m", "immediate", "-w", "stop"))
	})
}

// stop stops the server (fast shutdown: sessions are ended).
func (n *pgNode) stop() {
	n.t.Helper()
	n.run("pg_ctl", "-D", n.dir, "-m", "fast", "-w", "stop")
}

// url returns the connection URL of database db.
func (n *pgNode) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", n.port, db)
}

// conn connects to database db as the superuser.
func (n *pgNode) conn(db string) *pgx.Conn {
	n.t.Helper()
	c, err := pgx.Connect(context.Background(), n.url(db))
	if err != nil {
		n.t.Fatal(err)
	}
	n.t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// mustExec runs sql on c, failing the test if it fails.
func mustExec(t *testing.T, c *pgx.Conn, sql string) {
	t.Helper()
	if _, err := c.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// TestReadReplica runs an instance on a primary PostgreSQL and a streaming
// standby: anonymous readers are served from the standby (while its replay
// is paused they see the thread as it was, while the member who wrote sees
// her reply at once), and with the standby stopped, pages come from the
// primary.
func TestReadReplica(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	cl := pgBinaries(t, dir)
	primary := &pgNode{t: t, cl: cl, dir: filepath.Join(dir, "primary"), port: 5460, sock: dir}
	primary.run("initdb", "-D", primary.dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale")
	primary.start()
	admin := primary.conn("postgres")
	mustExec(t, admin, `CREATE ROLE replicator WITH REPLICATION LOGIN`)
	mustExec(t, admin, `CREATE DATABASE roundtable`)

	standby := &pgNode{t: t, cl: cl, dir: filepath.Join(dir, "standby"), port: 5461, sock: dir}
	primary.run("pg_basebackup", "-h", "127.0.0.1", "-p", "5460", "-U", "replicator", "-D", standby.dir, "-R", "-X", "stream", "-c", "fast")
	standby.start()
	onStandby := standby.conn("postgres")
	var inRecovery bool
	if err := onStandby.QueryRow(context.Background(), `SELECT pg_is_in_recovery()`).Scan(&inRecovery); err != nil || !inRecovery {
		t.Fatalf("the standby is not in recovery: %v %v", inRecovery, err)
	}

	addr := loopbackAddr(t, "127.0.1.70")
	env := map[string]string{
		"ROUNDTABLE_DATABASE_URL":      primary.url("roundtable"),
		"ROUNDTABLE_DATABASE_READ_URL": standby.url("roundtable"),
		"ROUNDTABLE_DATA_DIR":          t.TempDir(),
		"ROUNDTABLE_DOMAIN":            addr,
		"ROUNDTABLE_LISTEN":            addr,
		"ROUNDTABLE_INSECURE_HTTP":     "true",
		"ROUNDTABLE_LOG_LEVEL":         "warn",
		"ROUNDTABLE_API_RATE_LIMIT":    "0",
	}
	p := &peer{t: t, srv: startServe(t, env), env: env, domain: addr}
	alice := p.member("alice")
	top := p.post(alice, map[string]any{"status": "Where should the new library go?"})
	p.post(alice, map[string]any{"status": "Near the station, please", "in_reply_to_id": top["id"]})
	thread := "/@alice/" + top["id"].(string)
	anonymousPage := func() string {
		t.Helper()
		code, body := p.srv.get(thread, "")
		if code != 200 {
			t.Fatalf("GET %s: %d", thread, code)
		}
		return body
	}
	eventually(t, 30*time.Second, "the reply on the thread page", func() bool {
		return strings.Contains(anonymousPage(), "Near the station")
	})

	// The standby serves the instance's anonymous reads.
	commits := func() int64 {
		var n int64
		if err := onStandby.QueryRow(context.Background(),
			`SELECT xact_commit FROM pg_stat_database WHERE datname = 'roundtable'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := commits()
	for range 10 {
		anonymousPage()
	}
	eventually(t, 30*time.Second, "transactions on the standby", func() bool { return commits() > before })

	// With replay paused, the standby lags: anonymous readers see the
	// thread as it was; the member who writes reads the primary.
	mustExec(t, onStandby, `SELECT pg_wal_replay_pause()`)
	eventually(t, 30*time.Second, "replay paused", func() bool {
		var state string
		onStandby.QueryRow(context.Background(), `SELECT pg_get_wal_replay_pause_state()`).Scan(&state)
		return state == "paused"
	})
	late := p.post(alice, map[string]any{"status": "Or by the river", "in_reply_to_id": top["id"]})
	var own struct {
		Descendants []map[string]any `json:"descendants"`
	}
	p.api("GET", "/api/v1/statuses/"+top["id"].(string)+"/context", alice, nil, &own)
	if findByURI(own.Descendants, late["uri"].(string)) == nil {
		t.Errorf("alice's own reply is not in the context she reads right after posting: %v", own.Descendants)
	}
	if strings.Contains(anonymousPage(), "Or by the river") {
		t.Error("the anonymous thread page shows the reply the standby has not replayed: it was not read from the standby")
	}
	var anon struct {
		Descendants []map[string]any `json:"descendants"`
	}
	p.api("GET", "/api/v1/statuses/"+top["id"].(string)+"/context", "", nil, &anon)
	if findByURI(anon.Descendants, late["uri"].(string)) != nil {
		t.Error("the anonymous context shows the reply the standby has not replayed")
	}
	mustExec(t, onStandby, `SELECT pg_wal_replay_resume()`)
	eventually(t, 30*time.Second, "the late reply on the thread page", func() bool {
		return strings.Contains(anonymousPage(), "Or by the river")
	})

	// Without the standby, pages come from the primary.
	standby.stop()
	if !strings.Contains(anonymousPage(), "Or by the river") {
		t.Error("the thread page lost the late reply with the standby stopped")
	}
	p.post(alice, map[string]any{"status": "By the school", "in_reply_to_id": top["id"]})
	if !strings.Contains(anonymousPage(), "By the school") {
		t.Error("with the standby stopped, the thread page does not show a new reply")
	}
	if code, body := p.srv.get("/@alice", ""); code != 200 || !strings.Contains(body, "By the school") && !strings.Contains(body, "Where should") {
		t.Errorf("profile with the standby stopped: %d", code)
	}
}

// TestReadURLRefused: a read replica URL that cannot be used stops serve at
// start with one line naming the setting.
func TestReadURLRefused(t *testing.T) {
	t.Parallel()
	base := map[string]string{"ROUNDTABLE_DOMAIN": "example.org", "ROUNDTABLE_DATA_DIR": t.TempDir()}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{withEnv(base, "ROUNDTABLE_DATABASE_URL", "postgres://db.internal/roundtable", "ROUNDTABLE_DATABASE_READ_URL", "postgres://a b@:x/"),
			"ROUNDTABLE_DATABASE_READ_URL: is not a valid PostgreSQL connection URL"},
		{withEnv(base, "ROUNDTABLE_DATABASE_READ_URL", "postgres://replica.internal/roundtable"),
			"ROUNDTABLE_DATABASE_READ_URL: needs ROUNDTABLE_DATABASE_URL"},
	} {
		r := runBinary(t, tc.env, "", "serve")
		if r.code != 1 || !strings.Contains(r.stderr, tc.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("serve with %v: exit %d, stderr %q; want 1 and %q", tc.env, r.code, r.stderr, tc.want)
		}
	}
}
