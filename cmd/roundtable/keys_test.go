package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// storedKey returns the public key p holds for the actor uri.
func (p *peer) storedKey(uri string) string {
	p.t.Helper()
	conn, err := pgx.Connect(context.Background(), p.env["ROUNDTABLE_DATABASE_URL"])
	if err != nil {
		p.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var pem string
	if err := conn.QueryRow(context.Background(), `SELECT coalesce(public_key_pem, '') FROM accounts WHERE uri = $1`, uri).Scan(&pem); err != nil {
		p.t.Fatalf("%s's key on %s: %v", uri, p.domain, err)
	}
	return pem
}

// TestKeyRotation: A gives alice a new key. B, where bob follows her, is
// sent the new key and takes her next post; C, which held her old key and
// was sent nothing, fetches the new one when her Follow does not verify with
// the old, and accepts it. Every actor's key can be replaced at once too.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	a, b, c := startPeer(t, 224), startPeer(t, 225), startPeer(t, 226)
	alice, bob, carol := a.member("alice"), b.member("bob"), c.member("carol")
	var me map[string]any
	a.api("GET", "/api/v1/accounts/verify_credentials", alice, nil, &me)
	aliceURI := me["uri"].(string)

	accounts, _ := b.resolve(bob, "@alice@"+a.domain)
	aliceOnB := accounts[0]["id"].(string)
	b.api("POST", "/api/v1/accounts/"+aliceOnB+"/follow", bob, nil, nil)
	eventually(t, 20*time.Second, "bob follows alice", func() bool {
		var rels []map[string]any
		b.api("GET", "/api/v1/accounts/relationships?id[]="+aliceOnB, bob, nil, &rels)
		return len(rels) == 1 && rels[0]["following"] == true
	})
	c.resolve(carol, "@alice@"+a.domain) // C stores alice and her key
	oldKey := a.actorKey("alice")
	if got := c.storedKey(aliceURI); got == "" || !strings.Contains(oldKey, got) {
		t.Fatalf("C holds %q for alice before the rotation", got)
	}

	out := mustRun(t, a.env, "", "admin", "keys", "rotate", "--username", "alice")
	if out != aliceURI+"#main-key" {
		t.Errorf("rotate printed %q, want alice's key id", out)
	}
	newKey := a.actorKey("alice")
	if newKey == oldKey {
		t.Fatal("alice's actor shows the same key after the rotation")
	}
	newPEM := newKey[strings.IndexByte(newKey, '\n')+1:]

	// B is sent the new key, and takes alice's next post.
	eventually(t, 30*time.Second, "B holds alice's new key", func() bool { return b.storedKey(aliceURI) == newPEM })
	st := a.post(alice, map[string]any{"status": "Signed with my new key"})
	eventually(t, 30*time.Second, "the post on B", func() bool {
		return findByURI(b.timeline(bob, "/api/v1/timelines/home"), st["uri"].(string)) != nil
	})

	// C still holds the old key: alice's Follow makes it fetch the new one.
	if got := c.storedKey(aliceURI); got == newPEM {
		t.Fatal("C was sent the new key; the test proves nothing about fetching it")
	}
	accounts, _ = a.resolve(alice, "@carol@"+c.domain)
	carolOnA := accounts[0]["id"].(string)
	a.api("POST", "/api/v1/accounts/"+carolOnA+"/follow", alice, nil, nil)
	eventually(t, 60*time.Second, "alice follows carol", func() bool {
		var rels []map[string]any
		a.api("GET", "/api/v1/accounts/relationships?id[]="+carolOnA, alice, nil, &rels)
		return len(rels) == 1 && rels[0]["following"] == true
	})
	if got := c.storedKey(aliceURI); got != newPEM {
		t.Errorf("C holds another key for alice than her new one")
	}

	// Every local actor at once: each gets a new key, and bob still
	// receives alice's posts.
	out = mustRun(t, a.env, "", "admin", "keys", "rotate", "--instance")
	if ids := strings.Fields(out); len(ids) < 2 || !strings.Contains(out, aliceURI+"#main-key") {
		t.Errorf("rotate --instance printed %q", out)
	}
	if a.actorKey("alice") == newKey {
		t.Error("alice's key did not change with --instance")
	}
	st = a.post(alice, map[string]any{"status": "And again"})
	eventually(t, 60*time.Second, "the next post on B", func() bool {
		return findByURI(b.timeline(bob, "/api/v1/timelines/home"), st["uri"].(string)) != nil
	})

	// Wrong use: a clear error, nothing changed.
	before := a.actorKey("alice")
	for _, args := range [][]string{{"--username", "nobody"}, {}, {"--username", "alice", "--instance"}} {
		r := runBinary(t, a.env, "", append([]string{"admin", "keys", "rotate"}, args...)...)
		if r.code == 0 || r.stderr == "" {
			t.Errorf("rotate %v: exit %d, stderr %q; want an error", args, r.code, r.stderr)
		}
	}
	if a.actorKey("alice") != before {
		t.Error("a refused rotation changed alice's key")
	}
}
