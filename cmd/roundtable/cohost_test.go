package main

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// cohostLine returns the line of "admin cohost list" on p about the
// consultation named group, split into fields, or nil.
func (p *peer) cohostLine(group string) []string {
	p.t.Helper()
	for _, line := range strings.Split(mustRun(p.t, p.env, "", "admin", "cohost", "list"), "\n") {
		if f := strings.Split(line, "\t"); len(f) >= 5 && f[1] == group {
			return f
		}
	}
	return nil
}

// localKey returns the key id and private key of a local actor of p, as
// its database holds them.
func (p *peer) localKey(username string) (string, *rsa.PrivateKey) {
	p.t.Helper()
	conn, err := pgx.Connect(context.Background(), p.env["ROUNDTABLE_DATABASE_URL"])
	if err != nil {
		p.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var keyID, pemText string
	if err := conn.QueryRow(context.Background(), `SELECT public_key_id, private_key_pem FROM accounts
		WHERE username = $1 AND domain IS NULL`, username).Scan(&keyID, &pemText); err != nil {
		p.t.Fatal(err)
	}
	block, _ := pem.Decode([]byte(pemText))
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		p.t.Fatal(err)
	}
	return keyID, key.(*rsa.PrivateKey)
}

// page returns the HTML of a page of p, for an anonymous reader.
func (p *peer) page(path string) string {
	p.t.Helper()
	res, err := http.Get(p.srv.base + path)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		p.t.Fatalf("GET %s on %s: %d", path, p.domain, res.StatusCode)
	}
	return string(b)
}

// TestCohostAcrossInstances is issue 10's acceptance for co-hosting: A
// invites B to co-host a consultation; B's facilitator (an account on B)
// removes a contribution from C with a reason: it disappears on A, B and C,
// and A's moderation log names B's facilitator and instance (so do their
// pin, lock and synthesis, which A applies too). A withdraws
// B: B's facilitator's next removal is refused, by B and by A, and the
// contribution stays on A and C.
func TestCohostAcrossInstances(t *testing.T) {
	t.Parallel()
	a, b, c := startPeerAt(t, "127.0.1.1"), startPeerAt(t, "127.0.1.2"), startPeerAt(t, "127.0.1.3")
	alice := a.member("alice")
	admin := a.moderatorToken("ada")
	carol := c.member("carol")
	b.member("bea")
	bea := strings.TrimSpace(mustRun(t, b.env, "", "admin", "account", "token", "--username", "bea",
		"--scopes", "read write follow admin:read admin:write"))
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "security", "--title", "Rethinking security",
		"--moderator", "alice")
	mustRun(t, b.env, "", "admin", "norm", "add", "--text", "Speak from your own experience.")
	group := "security@" + a.domain
	handle := "@" + group

	// Only trusted peers can be invited.
	if res := runBinary(t, a.env, "", "admin", "cohost", "invite", "security", b.domain); res.code == 0 {
		t.Fatalf("inviting an untrusted peer succeeded: %s", res.stdout)
	} else if !strings.Contains(res.stderr, "trust") {
		t.Errorf("refusal of an untrusted peer: %q", res.stderr)
	}
	mustRun(t, a.env, "", "admin", "domain", "set", b.domain, "--policy", "trust")
	mustRun(t, a.env, "", "admin", "cohost", "invite", "security", b.domain)

	// B's admin sees the invitation, accepts it and names bea.
	var invitation []string
	eventually(t, 30*time.Second, "the invitation on B", func() bool {
		invitation = b.cohostLine(group)
		return invitation != nil && invitation[4] == "invited"
	})
	mustRun(t, b.env, "", "admin", "cohost", "accept", invitation[0])
	eventually(t, 30*time.Second, "the acceptance on A", func() bool {
		l := a.cohostLine("security")
		return l != nil && l[3] == b.domain && l[4] == "accepted"
	})
	mustRun(t, b.env, "", "admin", "cohost", "facilitator", invitation[0], "bea")
	beaURI := "http://" + b.domain + "/users/bea"
	eventually(t, 30*time.Second, "bea among the Group's moderators on A", func() bool {
		req, _ := http.NewRequest("GET", a.srv.base+"/users/security/moderators", nil)
		req.Header.Set("Accept", "application/activity+json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer res.Body.Close()
		var col struct {
			OrderedItems []string `json:"orderedItems"`
		}
		json.NewDecoder(res.Body).Decode(&col)
		return strings.Contains(strings.Join(col.OrderedItems, " "), beaURI)
	})

	// Nobody else may name moderators: not C's member, and not B's
	// instance actor for an account on another instance.
	carolURI := "http://" + c.domain + "/users/carol"
	moderators := "http://" + a.domain + "/users/security/moderators"
	for _, forger := range []struct {
		peer  *peer
		actor string
		user  string
	}{{c, carolURI, "carol"}, {b, "http://" + b.domain + "/actor", "instance.actor"}} {
		keyID, key := forger.peer.localKey(forger.user)
		add, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": forger.actor + "#forged-add", "type": "Add", "actor": forger.actor, "object": carolURI, "target": moderators})
		if res := signedPost(t, a.srv.base+"/actor/inbox", keyID, key, add, add, time.Now()); res.StatusCode != http.StatusAccepted {
			t.Fatalf("the signed Add from %s: %d", forger.actor, res.StatusCode)
		}
	}
	a.settled()
	if a.count(`SELECT count(*) FROM cohost_facilitators f JOIN accounts a ON a.id = f.account_id WHERE a.uri = $1`, carolURI) != 0 {
		t.Error("A took a forged naming of carol as a facilitator")
	}

	// The consultation page on A names its co-host and its norms.
	page := a.page("/@security")
	if !strings.Contains(page, b.domain) || !strings.Contains(page, "Speak from your own experience.") {
		t.Errorf("A's consultation page does not name the co-host and its norms:\n%s", page)
	}

	// C's member contributes twice; B's facilitator sees both on B.
	b.join(bea, handle)
	c.join(carol, handle)
	// B's and C's pages of the consultation name its co-host.
	for _, p := range []*peer{b, c} {
		eventually(t, 30*time.Second, "the co-host on "+p.domain+"'s page of the consultation", func() bool {
			return strings.Contains(p.page("/@"+group), "Co-hosted by "+b.domain)
		})
	}
	first := c.post(carol, map[string]any{"status": handle + " Roads\nThe road to the market is not safe after dark."})
	second := c.post(carol, map[string]any{"status": handle + " Wells\nThe wells are guarded by the people who use them."})
	firstOnA := a.findOnGroup(alice, "security", "The road to the market")
	secondOnA := a.findOnGroup(alice, "security", "The wells are guarded")
	firstOnB := b.findOn(bea, "The road to the market")
	secondOnB := b.findOn(bea, "The wells are guarded")

	// Bea pins and locks the second thread from B: A applies both.
	for _, action := range []string{"pin", "lock"} {
		if code := b.api("POST", "/api/roundtable/v1/consultations/"+group+"/threads/"+secondOnB+"/"+action, bea, nil, nil); code != 200 {
			t.Fatalf("bea's %s on B: %d", action, code)
		}
	}
	eventually(t, 30*time.Second, "the pin on A", func() bool {
		req, _ := http.NewRequest("GET", a.srv.base+"/users/security/featured", nil)
		req.Header.Set("Accept", "application/activity+json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return strings.Contains(string(b), second["uri"].(string))
	})
	eventually(t, 30*time.Second, "the lock on A", func() bool {
		return a.api("POST", "/api/v1/statuses", alice, map[string]any{"status": "A reply", "in_reply_to_id": secondOnA}, nil) == 422
	})

	// Bea removes the first, with a reason, from B.
	reason := "Names a person who can be identified (norm 2)."
	var out map[string]any
	if code := b.api("POST", "/api/roundtable/v1/consultations/"+group+"/contributions/"+firstOnB+"/remove", bea,
		map[string]any{"reason": reason}, &out); code != 200 {
		t.Fatalf("bea's removal on B: %d %v", code, out)
	}
	for _, p := range []struct {
		peer  *peer
		token string
		id    string
	}{{a, alice, firstOnA}, {b, bea, firstOnB}, {c, carol, first["id"].(string)}} {
		eventually(t, 30*time.Second, "the removal on "+p.peer.domain, func() bool {
			return p.peer.api("GET", "/api/v1/statuses/"+p.id, p.token, nil, nil) == 404
		})
	}
	// In the synthesis phase, bea writes the synthesis from B; A publishes
	// it as the consultation's, and C receives it.
	mustRun(t, a.env, "", "admin", "consultation", "set", "security", "--phase", "synthesis")
	if code := b.api("POST", "/api/roundtable/v1/consultations/"+group+"/synthesis", bea, map[string]any{
		"title": "What we heard", "text": "Safety starts with the wells held in common.", "sources": []string{secondOnB}}, &out); code != 202 {
		t.Fatalf("bea's synthesis on B: %d %v", code, out)
	}
	eventually(t, 30*time.Second, "the synthesis on A", func() bool {
		var cons map[string]any
		a.api("GET", "/api/roundtable/v1/consultations/security", "", nil, &cons)
		return cons["synthesis_id"] != nil
	})
	c.findOn(carol, "Safety starts with the wells held in common.")

	var log []map[string]any
	a.api("GET", "/api/roundtable/v1/moderation/log", admin, nil, &log)
	found := false
	byBea := map[any]bool{}
	for _, e := range log {
		if e["actor_username"] == "bea@"+b.domain {
			byBea[e["action"]] = true
		}
		if e["action"] == "remove" && e["target"] == first["uri"] {
			found = true
			if e["actor_username"] != "bea@"+b.domain || e["role"] != "cohost_facilitator" || e["reason"] != reason {
				t.Errorf("A's log entry: %v", e)
			}
		}
	}
	if !found {
		t.Errorf("A's log has no removal of %v: %v", first["uri"], log)
	}
	if !byBea["pin"] || !byBea["lock"] || !byBea["remove"] || !byBea["synthesis"] {
		t.Errorf("A's log of bea's actions: %v", byBea)
	}

	// A withdraws B; B hears of it, and bea's next removal is refused.
	mustRun(t, a.env, "", "admin", "cohost", "withdraw", "security", b.domain)
	eventually(t, 30*time.Second, "the withdrawal on B", func() bool {
		l := b.cohostLine(group)
		return l != nil && l[4] == "withdrawn"
	})
	if code := b.api("POST", "/api/roundtable/v1/consultations/"+group+"/contributions/"+secondOnB+"/remove", bea,
		map[string]any{"reason": reason}, nil); code != 403 {
		t.Errorf("bea's removal after the withdrawal, on B: %d, want 403", code)
	}
	if code := b.api("POST", "/api/roundtable/v1/consultations/"+group+"/threads/"+secondOnB+"/unlock", bea, nil, nil); code != 403 {
		t.Errorf("bea's unlock after the withdrawal, on B: %d, want 403", code)
	}
	// A refuses it too, however it comes: signed by bea, to the Group.
	keyID, key := b.localKey("bea")
	del, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": beaURI + "#cohost-removals/late", "type": "Delete", "actor": beaURI, "object": second["uri"],
		"audience": "http://" + a.domain + "/users/security", "summary": reason})
	if res := signedPost(t, a.srv.base+"/users/security/inbox", keyID, key, del, del, time.Now()); res.StatusCode != http.StatusForbidden {
		t.Errorf("A took bea's removal after the withdrawal: %d, want 403", res.StatusCode)
	}
	if code := a.api("GET", "/api/v1/statuses/"+secondOnA, alice, nil, nil); code != 200 {
		t.Errorf("the second contribution on A: %d", code)
	}
	if code := c.api("GET", "/api/v1/statuses/"+second["id"].(string), carol, nil, nil); code != 200 {
		t.Errorf("the second contribution on C: %d", code)
	}
}
