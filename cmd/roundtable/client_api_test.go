package main

import (
	"strings"
	"testing"
	"time"
)

// TestClientAPIConsultationAndReblogs drives two instances through the
// client API alone: a member of B asks to join A's approval consultation (a
// locked Group account), is let in, finds its thread in the home timeline,
// replies from B, and the reply is in A's thread. B's member then reblogs
// the thread's starter: A's author is notified and counts it, a follower
// of his on A sees it in her home, until the reblog is taken back. A
// local-only status of his never reaches A.
func TestClientAPIConsultationAndReblogs(t *testing.T) {
	t.Parallel()
	a, b := startPeer(t, 160), startPeer(t, 161)
	alice := a.member("alice")
	facilitator := strings.TrimSpace(mustRun(t, a.env, "", "admin", "account", "token", "--username", "alice",
		"--scopes", "read write follow admin:read admin:write"))
	bob := b.member("bob")
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "garden", "--title", "The shared garden",
		"--moderator", "alice", "--participation", "approval")
	handle := "@garden@" + a.domain

	accounts, _ := b.resolve(bob, handle)
	if len(accounts) != 1 || accounts[0]["group"] != true || accounts[0]["locked"] != true {
		t.Fatalf("the consultation seen from B: %v", accounts)
	}
	garden := accounts[0]["id"].(string)
	var rel map[string]any
	if code := b.api("POST", "/api/v1/accounts/"+garden+"/follow", bob, nil, &rel); code != 200 || rel["requested"] != true || rel["following"] != false {
		t.Fatalf("follow: %d %v", code, rel)
	}
	var requests []map[string]any
	eventually(t, 20*time.Second, "B's join request on A", func() bool {
		a.api("GET", "/api/roundtable/v1/consultations/garden/join_requests", facilitator, nil, &requests)
		return len(requests) == 1
	})
	if code := a.api("POST", "/api/roundtable/v1/consultations/garden/join_requests/"+requests[0]["id"].(string)+"/approve", facilitator, nil, nil); code != 200 {
		t.Fatalf("approve: %d", code)
	}
	eventually(t, 20*time.Second, "B's member joined", func() bool {
		return b.relationshipWith(bob, garden)["following"] == true
	})

	// A thread opened on A reaches B's member's home timeline.
	a.post(alice, map[string]any{"status": "@garden Tomatoes\nWho waters the tomatoes in August?"})
	onA := a.findOnGroup(alice, "garden", "Who waters the tomatoes")
	onB := b.findOn(bob, "Who waters the tomatoes")
	b.post(bob, map[string]any{"status": "I can, on weekends.", "in_reply_to_id": onB})
	eventually(t, 30*time.Second, "B's reply in A's thread", func() bool {
		texts := a.threadTexts(alice, onA)
		return len(texts) == 2 && strings.Contains(texts[1], "I can, on weekends.")
	})

	// Amy on A follows bob on B, so that his reblog comes into her home.
	amy := a.member("amy")
	bobs, _ := a.resolve(amy, "@bob@"+b.domain)
	if len(bobs) != 1 {
		t.Fatalf("bob seen from A: %v", bobs)
	}
	bobOnA := bobs[0]["id"].(string)
	a.api("POST", "/api/v1/accounts/"+bobOnA+"/follow", amy, nil, nil)
	eventually(t, 20*time.Second, "amy follows bob", func() bool {
		return a.relationshipWith(amy, bobOnA)["following"] == true
	})

	// A local-only status never leaves B; the next one does.
	b.post(bob, map[string]any{"status": "Only for the people here.", "local_only": true})
	b.post(bob, map[string]any{"status": "For everyone who follows me."})
	a.findOn(amy, "For everyone who follows me.")
	if n := b.deliveriesMatching(a.domain, "Only for the people here."); n != 0 {
		t.Errorf("a local-only status was sent to A (%d deliveries)", n)
	}
	for _, st := range a.timeline(amy, "/api/v1/timelines/home?limit=40") {
		if strings.Contains(plain(st["content"]), "Only for the people here.") {
			t.Errorf("a local-only status reached A: %v", st)
		}
	}

	// A reblog from B is an Announce that A counts and notifies, and shows
	// in the home of bob's followers there.
	var wrapper map[string]any
	if code := b.api("POST", "/api/v1/statuses/"+onB+"/reblog", bob, nil, &wrapper); code != 200 {
		t.Fatalf("reblog on B: %d %v", code, wrapper)
	}
	if orig, _ := wrapper["reblog"].(map[string]any); orig == nil || orig["reblogged"] != true {
		t.Fatalf("reblog wrapper on B: %v", wrapper)
	}
	eventually(t, 30*time.Second, "the reblog counted on A", func() bool {
		var st map[string]any
		a.api("GET", "/api/v1/statuses/"+onA, alice, nil, &st)
		return st["reblogs_count"] == 1.0
	})
	eventually(t, 20*time.Second, "bob's reblog in amy's home", func() bool {
		for _, st := range a.timeline(amy, "/api/v1/timelines/home?limit=40") {
			orig, _ := st["reblog"].(map[string]any)
			if orig != nil && orig["id"] == onA && st["account"].(map[string]any)["id"] == bobOnA {
				return true
			}
		}
		return false
	})
	var by []map[string]any
	a.api("GET", "/api/v1/statuses/"+onA+"/reblogged_by", alice, nil, &by)
	if len(by) != 1 || by[0]["acct"] != "bob@"+b.domain {
		t.Fatalf("reblogged_by on A: %v", by)
	}
	var ns []map[string]any
	a.api("GET", "/api/v1/notifications?types[]=reblog", alice, nil, &ns)
	if len(ns) != 1 || ns[0]["account"].(map[string]any)["acct"] != "bob@"+b.domain {
		t.Fatalf("alice's reblog notifications: %v", ns)
	}
	b.api("POST", "/api/v1/statuses/"+onB+"/unreblog", bob, nil, nil)
	eventually(t, 30*time.Second, "the reblog taken back on A", func() bool {
		var st map[string]any
		a.api("GET", "/api/v1/statuses/"+onA, alice, nil, &st)
		return st["reblogs_count"] == 0.0
	})
}
