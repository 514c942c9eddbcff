package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestCohostApprovesJoins: C's members ask to join a consultation of A
// that needs approval; B's facilitator, named by B as co-host, sees the
// requests from B and approves one: C's member becomes a member on A and
// contributes, and A's log names B's facilitator. After A withdraws B,
// B's approval of the other request is refused, by B and by A.
func TestCohostApprovesJoins(t *testing.T) {
	t.Parallel()
	a, b, c := startPeerAt(t, "127.0.1.140"), startPeerAt(t, "127.0.1.141"), startPeerAt(t, "127.0.1.142")
	alice := a.member("alice")
	admin := a.moderatorToken("ada")
	carol, dan := c.member("carol"), c.member("dan")
	b.member("bea")
	bea := strings.TrimSpace(mustRun(t, b.env, "", "admin", "account", "token", "--username", "bea",
		"--scopes", "read write follow admin:read admin:write"))
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "wells", "--title", "Water for everyone",
		"--moderator", "alice", "--participation", "approval")
	group := "wells@" + a.domain
	handle := "@" + group

	mustRun(t, a.env, "", "admin", "domain", "set", b.domain, "--policy", "trust")
	mustRun(t, a.env, "", "admin", "cohost", "invite", "wells", b.domain)
	var invitation []string
	eventually(t, 30*time.Second, "the invitation on B", func() bool {
		invitation = b.cohostLine(group)
		return invitation != nil && invitation[4] == "invited"
	})
	mustRun(t, b.env, "", "admin", "cohost", "accept", invitation[0])
	eventually(t, 30*time.Second, "the acceptance on A", func() bool {
		l := a.cohostLine("wells")
		return l != nil && l[4] == "accepted"
	})
	mustRun(t, b.env, "", "admin", "cohost", "facilitator", invitation[0], "bea")
	beaURI := "http://" + b.domain + "/users/bea"
	groupURI := "http://" + a.domain + "/users/wells"
	eventually(t, 30*time.Second, "bea a facilitator on A", func() bool {
		return a.count(`SELECT count(*) FROM cohost_facilitators f JOIN accounts a ON a.id = f.account_id WHERE a.uri = $1`, beaURI) == 1
	})

	// Only co-host facilitators read the requests: not an unsigned fetch.
	req, _ := http.NewRequest("GET", groupURI+"/join_requests", nil)
	req.Header.Set("Accept", "application/activity+json")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("an unsigned fetch of the join requests: %v %v", res, err)
	}

	// Carol and dan ask to join from C.
	var groupIDs = map[string]string{}
	for name, token := range map[string]string{"carol": carol, "dan": dan} {
		accounts, _ := c.resolve(token, handle)
		if len(accounts) != 1 {
			t.Fatalf("%s: search for %s: %v", name, handle, accounts)
		}
		groupIDs[name] = accounts[0]["id"].(string)
		c.api("POST", "/api/v1/accounts/"+groupIDs[name]+"/follow", token, nil, nil)
	}

	// Bea sees both requests on B, read from A.
	path := "/api/roundtable/v1/consultations/" + group + "/join_requests"
	ids := map[string]string{}
	eventually(t, 30*time.Second, "both requests seen by bea on B", func() bool {
		var list []map[string]any
		if b.api("GET", path, bea, nil, &list) != 200 {
			return false
		}
		for _, acc := range list {
			ids[acc["acct"].(string)] = acc["id"].(string)
		}
		return ids["carol@"+c.domain] != "" && ids["dan@"+c.domain] != ""
	})
	// A member of B who is not a facilitator of it cannot read them.
	other := b.member("otto")
	if code := b.api("GET", path, other, nil, nil); code != 403 {
		t.Errorf("a member of B who does not facilitate reads the requests: %d, want 403", code)
	}

	// Bea approves carol from B: carol is a member on A and contributes.
	if code := b.api("POST", path+"/"+ids["carol@"+c.domain]+"/approve", bea, nil, nil); code != 200 {
		t.Fatalf("bea's approval on B: %d", code)
	}
	eventually(t, 30*time.Second, "carol a member of the consultation on C", func() bool {
		var rels []map[string]any
		c.api("GET", "/api/v1/accounts/relationships?id[]="+groupIDs["carol"], carol, nil, &rels)
		return len(rels) == 1 && rels[0]["following"] == true
	})
	c.post(carol, map[string]any{"status": handle + " Pumps\nThe pump by the school needs a new seal."})
	a.findOnGroup(alice, "wells", "The pump by the school")

	var log []map[string]any
	a.api("GET", "/api/roundtable/v1/moderation/log", admin, nil, &log)
	found := false
	for _, e := range log {
		if e["action"] == "join_approved" && e["target"] == "http://"+c.domain+"/users/carol" {
			found = e["actor_username"] == "bea@"+b.domain && e["role"] == "cohost_facilitator"
		}
	}
	if !found {
		t.Errorf("A's log does not name bea for carol's approval: %v", log)
	}

	// A withdraws B: bea's approval of dan is refused on B, and A refuses
	// it signed by bea.
	mustRun(t, a.env, "", "admin", "cohost", "withdraw", "wells", b.domain)
	eventually(t, 30*time.Second, "the withdrawal on B", func() bool {
		l := b.cohostLine(group)
		return l != nil && l[4] == "withdrawn"
	})
	if code := b.api("POST", path+"/"+ids["dan@"+c.domain]+"/approve", bea, nil, nil); code != 403 {
		t.Errorf("bea's approval after the withdrawal, on B: %d, want 403", code)
	}
	if code := b.api("GET", path, bea, nil, nil); code != 403 {
		t.Errorf("bea reads the requests after the withdrawal: %d, want 403", code)
	}
	keyID, key := b.localKey("bea")
	accept, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": beaURI + "#cohost-joins/late", "type": "Accept", "actor": beaURI, "to": []string{groupURI},
		"object": map[string]any{"type": "Follow", "actor": "http://" + c.domain + "/users/dan", "object": groupURI}})
	if res := signedPost(t, a.srv.base+"/users/wells/inbox", keyID, key, accept, accept, time.Now()); res.StatusCode != http.StatusAccepted {
		t.Fatalf("bea's late Accept: %d", res.StatusCode)
	}
	a.settled()
	if n := a.count(`SELECT count(*) FROM follows f JOIN accounts a ON a.id = f.account_id
		WHERE a.uri = $1 AND NOT f.accepted`, "http://"+c.domain+"/users/dan"); n != 1 {
		t.Errorf("dan's request on A after bea's late Accept: %d pending, want 1", n)
	}
	// Alice, A's own facilitator, still answers it.
	var reqs []map[string]any
	a.api("GET", "/api/roundtable/v1/consultations/wells/join_requests", alice, nil, &reqs)
	if len(reqs) != 1 || reqs[0]["acct"] != "dan@"+c.domain {
		t.Errorf("the requests alice sees on A: %v", reqs)
	}
}
