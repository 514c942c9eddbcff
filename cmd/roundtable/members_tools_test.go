package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// deliveriesTo returns the state and last error of each delivery in the
// peer's queue whose inbox is on host, once none of them is pending.
func (p *peer) deliveriesTo(host string) []string {
	p.t.Helper()
	conn, err := pgx.Connect(context.Background(), p.env["ROUNDTABLE_DATABASE_URL"])
	if err != nil {
		p.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var out []string
	eventually(p.t, 30*time.Second, p.domain+"'s deliveries to "+host+" done", func() bool {
		rows, _ := conn.Query(context.Background(), `SELECT state::text || ' ' || coalesce(errors[array_length(errors, 1)]->>'error', '')
			FROM river_job WHERE kind = 'deliver' AND args->>'inbox' LIKE $1`, "http://"+host+"/%")
		states, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			p.t.Fatal(err)
		}
		out = states
		for _, s := range states {
			if !strings.HasPrefix(s, "completed") && !strings.HasPrefix(s, "cancelled") && !strings.HasPrefix(s, "discarded") {
				return false
			}
		}
		return true
	})
	return out
}

// TestAllowlistMode: A federates only with the peers it trusts. With B
// trusted, B's member's reply reaches A; C's reply is refused at A's
// inbox, A serves C nothing, and A delivers nothing to C. Then A's member
// removes B's member from her followers, and B drops the follow.
func TestAllowlistMode(t *testing.T) {
	t.Parallel()
	a, b, c := startPeer(t, 110), startPeer(t, 111), startPeer(t, 112)
	alice, bob, carol := a.member("alice"), b.member("bob"), c.member("carol")
	question := a.post(alice, map[string]any{"status": "What should the next session cover?"})
	_, onB := b.resolve(bob, question["uri"].(string))
	_, onC := c.resolve(carol, question["uri"].(string))
	if len(onB) != 1 || len(onC) != 1 {
		t.Fatalf("B and C resolve the question before the allowlist: %v %v", onB, onC)
	}
	if accounts, _ := a.resolve(alice, "@carol@"+c.domain); len(accounts) != 1 {
		t.Fatalf("A resolves carol before the allowlist: %v", accounts)
	}
	accounts, _ := b.resolve(bob, "@alice@"+a.domain)
	aliceOnB := accounts[0]["id"].(string)
	b.api("POST", "/api/v1/accounts/"+aliceOnB+"/follow", bob, nil, nil)
	eventually(t, 20*time.Second, "bob follows alice", func() bool {
		return b.relationshipWith(bob, aliceOnB)["following"] == true
	})

	mustRun(t, a.env, "", "admin", "domain", "set", b.domain, "--policy", "trust", "--reason", "partner",
		"--private-reason", "signed agreement")
	if out := mustRun(t, a.env, "", "admin", "domain", "list"); !strings.Contains(out, b.domain+"\ttrust\tpartner\tsigned agreement") {
		t.Errorf("domain list: %q", out)
	}
	if r := runBinary(t, a.env, "", "admin", "federation", "mode", "closed"); r.code != 2 {
		t.Errorf("federation mode closed: exit status %d, want 2", r.code)
	}
	mustRun(t, a.env, "", "admin", "federation", "mode", "allowlist")

	// C's reply is refused at A's inbox.
	c.post(carol, map[string]any{"status": "@alice@" + a.domain + " Housing, please.", "in_reply_to_id": onC[0]["id"]})
	fromC := c.deliveriesTo(a.domain)
	if len(fromC) == 0 {
		t.Fatal("C never tried to deliver its reply to A")
	}
	for _, d := range fromC {
		if !strings.HasPrefix(d, "cancelled") || !strings.Contains(d, "403") {
			t.Errorf("C's delivery to A: %q, want refused with 403", d)
		}
	}
	// B's reply is taken.
	b.post(bob, map[string]any{"status": "@alice@" + a.domain + " Transport, please.", "in_reply_to_id": onB[0]["id"]})
	var thread struct{ Descendants []map[string]any }
	eventually(t, 20*time.Second, "B's reply on A", func() bool {
		a.api("GET", "/api/v1/statuses/"+question["id"].(string)+"/context", alice, nil, &thread)
		return len(thread.Descendants) >= 1
	})
	body, _ := json.Marshal(thread.Descendants)
	if !strings.Contains(string(body), "Transport, please.") || strings.Contains(string(body), "Housing, please.") {
		t.Errorf("A's thread: %s", body)
	}

	// A serves C nothing new, and delivers nothing to C.
	later := a.post(alice, map[string]any{"status": "@carol@" + c.domain + " Thanks, everyone."})
	if _, st := c.resolve(carol, later["uri"].(string)); len(st) != 0 {
		t.Errorf("C fetched a post of A in allowlist mode: %v", st)
	}
	toC := a.deliveriesTo(c.domain)
	if len(toC) == 0 {
		t.Fatal("A queued nothing for C: the mention was not addressed to C at all")
	}
	for _, d := range toC {
		if !strings.HasPrefix(d, "cancelled") || !strings.Contains(d, "blocked") {
			t.Errorf("A's delivery to C: %q, want cancelled before sending", d)
		}
	}
	for _, st := range c.timeline(carol, "/api/v1/timelines/public?limit=40") {
		if strings.Contains(plain(st["content"]), "Thanks, everyone.") {
			t.Errorf("C received a post of A in allowlist mode")
		}
	}

	// alice removes bob from her followers: B drops the follow.
	var bobOnA []map[string]any
	a.api("GET", "/api/v1/accounts/"+question["account"].(map[string]any)["id"].(string)+"/followers", alice, nil, &bobOnA)
	if len(bobOnA) != 1 {
		t.Fatalf("alice's followers: %v", bobOnA)
	}
	var rel map[string]any
	if code := a.api("POST", "/api/v1/accounts/"+bobOnA[0]["id"].(string)+"/remove_from_followers", alice, nil, &rel); code != 200 || rel["followed_by"] != false {
		t.Fatalf("remove_from_followers: %d %v", code, rel)
	}
	var me map[string]any
	a.api("GET", "/api/v1/accounts/verify_credentials", alice, nil, &me)
	if me["followers_count"] != 0.0 {
		t.Errorf("alice's followers_count = %v", me["followers_count"])
	}
	eventually(t, 20*time.Second, "B drops bob's follow of alice", func() bool {
		rel := b.relationshipWith(bob, aliceOnB)
		return rel["following"] == false && rel["requested"] == false
	})
	b.api("GET", "/api/v1/accounts/verify_credentials", bob, nil, &me)
	if me["following_count"] != 0.0 {
		t.Errorf("bob's following_count on B = %v", me["following_count"])
	}
}

// TestQuoteConsent: statuses federate with quotes approved for their
// author only; a QuoteRequest from another server is rejected until the
// member allows quotes, then accepted with a QuoteAuthorization that A
// serves.
func TestQuoteConsent(t *testing.T) {
	t.Parallel()
	a, fake := startPeer(t, 113), startFakeServer(t, 114)
	alice := a.member("alice")
	quoter := fake.addActor("quoter", fakeKey(0))
	st := a.post(alice, map[string]any{"status": "Our draft charter, for comments."})
	statusURI := st["uri"].(string)

	canQuote := func() []any {
		req, _ := http.NewRequest("GET", statusURI, nil)
		req.Header.Set("Accept", "application/activity+json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var note map[string]any
		if err := json.NewDecoder(res.Body).Decode(&note); err != nil {
			t.Fatal(err)
		}
		policy, _ := note["interactionPolicy"].(map[string]any)
		cq, _ := policy["canQuote"].(map[string]any)
		l, _ := cq["automaticApproval"].([]any)
		return l
	}
	author := st["account"].(map[string]any)["uri"].(string)
	if l := canQuote(); len(l) != 1 || l[0] != author {
		t.Errorf("canQuote by default: %v, want the author only", l)
	}

	request := func(n int) (string, string) {
		id := fmt.Sprintf("%s/quote_requests/%d", quoter, n)
		quote := fmt.Sprintf("%s/statuses/%d", quoter, n)
		body, _ := json.Marshal(map[string]any{"@context": []any{"https://www.w3.org/ns/activitystreams",
			map[string]any{"QuoteRequest": "https://w3id.org/fep/044f#QuoteRequest"}},
			"id": id, "type": "QuoteRequest", "actor": quoter, "object": statusURI, "instrument": quote})
		if res := signedPost(t, a.srv.base+"/inbox", quoter+"#main-key", fakeKey(0), body, body, time.Now()); res.StatusCode != 202 {
			t.Fatalf("QuoteRequest: %d", res.StatusCode)
		}
		return id, quote
	}
	answerTo := func(typ, id string) map[string]any {
		var got map[string]any
		eventually(t, 20*time.Second, typ+" of "+id, func() bool {
			for _, d := range fake.received(typ) {
				if obj, _ := d["object"].(map[string]any); obj != nil && obj["id"] == id {
					got = d
					return true
				}
			}
			return false
		})
		return got
	}
	id, _ := request(1)
	if rej := answerTo("Reject", id); rej["actor"] != author {
		t.Errorf("Reject: %v", rej)
	}

	var me map[string]any
	if code := a.api("PATCH", "/api/v1/accounts/update_credentials", alice, map[string]any{"source": map[string]any{"quote_policy": "public"}}, &me); code != 200 {
		t.Fatalf("allow quotes: %d %v", code, me)
	}
	if l := canQuote(); len(l) != 2 || l[1] != "https://www.w3.org/ns/activitystreams#Public" {
		t.Errorf("canQuote once allowed: %v", l)
	}
	id, quote := request(2)
	acc := answerTo("Accept", id)
	result, _ := acc["result"].(string)
	if result == "" {
		t.Fatalf("Accept without result: %v", acc)
	}
	req, _ := http.NewRequest("GET", result, nil)
	req.Header.Set("Accept", "application/activity+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var stamp map[string]any
	if err := json.NewDecoder(res.Body).Decode(&stamp); err != nil {
		t.Fatal(err)
	}
	if stamp["type"] != "QuoteAuthorization" || stamp["id"] != result || stamp["attributedTo"] != author ||
		stamp["interactingObject"] != quote || stamp["interactionTarget"] != statusURI {
		t.Errorf("QuoteAuthorization: %v", stamp)
	}
}
