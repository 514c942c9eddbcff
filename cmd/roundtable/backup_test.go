package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// privatePeer starts an instance with its private database in dir,
// listening on listen, as a peer the helpers can drive.
func privatePeer(t *testing.T, dir, listen string) *peer {
	t.Helper()
	env := instanceEnv(dir, listen)
	env["ROUNDTABLE_LOG_LEVEL"] = "warn"
	env["ROUNDTABLE_API_RATE_LIMIT"] = "0"
	return &peer{t: t, srv: startServe(t, env), env: env, domain: listen}
}

// asClusterOwner runs a PostgreSQL program as the README says: as the
// postgres user when run by root, else directly.
func asClusterOwner(t *testing.T, name string, args ...string) {
	t.Helper()
	bin, err := findPostgres("")
	if err != nil {
		t.Skip(err)
	}
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(bin, name)}, args...)...)
	} else {
		cmd = exec.Command(filepath.Join(bin, name), args...)
	}
	cmd.Dir = "/"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// actorKey returns the public key an actor document on p shows.
func (p *peer) actorKey(username string) string {
	p.t.Helper()
	req, _ := http.NewRequest("GET", p.srv.base+"/users/"+username, nil)
	req.Header.Set("Accept", "application/activity+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	var doc struct {
		PublicKey struct {
			ID  string `json:"id"`
			PEM string `json:"publicKeyPem"`
		} `json:"publicKey"`
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil || doc.PublicKey.PEM == "" {
		p.t.Fatalf("actor %s on %s: %d, %v", username, p.domain, res.StatusCode, err)
	}
	return doc.PublicKey.ID + "\n" + doc.PublicKey.PEM
}

// TestBackupWhileServing follows README's backup and restore: pg_dump of
// A's private database while members post, restored into a new data
// directory; the instance started on it has every member, consultation,
// contribution and key that existed when the dump began.
func TestBackupWhileServing(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.223:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := ln.Addr().String()
	ln.Close()
	dirA := dataDir(t)
	a := privatePeer(t, dirA, listen)
	ann, bob := a.member("ann"), a.member("bob")
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "river", "--title", "The river crossing",
		"--prompt", "What would make the crossing safe?", "--moderator", "ann")
	handle := "@river@" + a.domain
	a.join(bob, handle)
	a.post(bob, map[string]any{"status": handle + " Lights\nThe crossing needs lights at night."})
	a.post(ann, map[string]any{"status": handle + " A bridge\nA footbridge, even a narrow one."})
	eventually(t, 30*time.Second, "both contributions in the consultation", func() bool {
		texts, _ := a.exportOf(ann, "river")
		return len(texts) == 2
	})
	keys := map[string]string{}
	for _, u := range []string{"ann", "bob", "river"} {
		keys[u] = a.actorKey(u)
	}

	// The load: bob posts without pause; what was posted before the dump
	// began must come back.
	var mu sync.Mutex
	var posted []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			var st map[string]any
			if code := a.api("POST", "/api/v1/statuses", bob, map[string]any{"status": fmt.Sprintf("Load %d", i)}, &st); code == 200 {
				mu.Lock()
				posted = append(posted, st["uri"].(string))
				mu.Unlock()
			}
		}
	})
	eventually(t, 30*time.Second, "the load under way", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(posted) >= 20
	})
	mu.Lock()
	before := append([]string(nil), posted...)
	mu.Unlock()
	dump := filepath.Join(t.TempDir(), "roundtable.dump")
	if out, err := exec.Command("pg_dump", "-h", socketDirFor(filepath.Join(dirA, "postgres")), "-U", "postgres",
		"-Fc", "-f", dump, "roundtable").CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	close(stop)
	wg.Wait()
	mu.Lock()
	t.Logf("%d posts before the dump began, %d in all while it ran", len(before), len(posted))
	mu.Unlock()

	// A's machine is gone; a new data directory takes over its address.
	a.srv.stop(syscall.SIGTERM, 20*time.Second)
	dirB := dataDir(t)
	envB := instanceEnv(dirB, listen)
	mustRun(t, envB, "", "migrate")
	cluster := filepath.Join(dirB, "postgres")
	asClusterOwner(t, "pg_ctl", "-D", cluster, "-l", filepath.Join(cluster, "postgresql.log"),
		"-o", "-c listen_addresses='' -k "+socketDirFor(cluster), "-w", "start")
	out, err := exec.Command("pg_restore", "-h", socketDirFor(cluster), "-U", "postgres", "-d", "roundtable",
		"--clean", "--if-exists", dump).CombinedOutput()
	asClusterOwner(t, "pg_ctl", "-D", cluster, "-w", "stop")
	if err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	b := privatePeer(t, dirB, listen)

	for name, tok := range map[string]string{"ann": ann, "bob": bob} {
		var me map[string]any
		if code := b.api("GET", "/api/v1/accounts/verify_credentials", tok, nil, &me); code != 200 || me["username"] != name {
			t.Errorf("%s's token on the restored instance: %d %v", name, code, me)
		}
	}
	var c map[string]any
	if code := b.api("GET", consultationsAPI+"/river", "", nil, &c); code != 200 || c["title"] != "The river crossing" {
		t.Errorf("the consultation on the restored instance: %d %v", code, c)
	}
	if texts, _ := b.exportOf(ann, "river"); len(texts) != 2 {
		t.Errorf("the consultation's contributions on the restored instance: %q", texts)
	}
	for u, k := range keys {
		if got := b.actorKey(u); got != k {
			t.Errorf("%s's key on the restored instance:\n%s\nwant\n%s", u, got, k)
		}
	}
	have := map[string]bool{}
	var me map[string]any
	b.api("GET", "/api/v1/accounts/verify_credentials", bob, nil, &me)
	for _, st := range b.pageAll(bob, "/api/v1/accounts/"+me["id"].(string)+"/statuses?limit=40") {
		have[st["uri"].(string)] = true
	}
	lost := 0
	for _, uri := range before {
		if !have[uri] {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of the %d posts made before the dump are missing after the restore", lost, len(before))
	}
	// The restored instance works: a new post.
	b.post(ann, map[string]any{"status": "Back from the backup"})
}
