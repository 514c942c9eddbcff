package main

import (
	"strings"
	"testing"
	"time"
)

// relationshipWith returns token's relationship on p with the account id.
func (p *peer) relationshipWith(token, id string) map[string]any {
	p.t.Helper()
	var rels []map[string]any
	p.api("GET", "/api/v1/accounts/relationships?id[]="+id, token, nil, &rels)
	if len(rels) != 1 {
		p.t.Fatalf("relationship with %s: %v", id, rels)
	}
	return rels[0]
}

// TestConsultationParticipation: in an `approval` consultation on A, C's
// join stays pending until a facilitator approves it; in a `members`
// consultation, an account on a peer A does not trust is refused, one on a
// trusted peer is accepted.
func TestConsultationParticipation(t *testing.T) {
	t.Parallel()
	a, b, c := startPeer(t, 50), startPeer(t, 51), startPeer(t, 52)
	a.member("alice")
	facilitator := strings.TrimSpace(mustRun(t, a.env, "", "admin", "account", "token", "--username", "alice", "--scopes", "read write follow admin:read admin:write"))
	bob, carol := b.member("bob"), c.member("carol")
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "circle", "--title", "Circle", "--moderator", "alice",
		"--participation", "approval")
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "inner", "--title", "Inner", "--moderator", "alice",
		"--participation", "members")
	mustRun(t, a.env, "", "admin", "domain", "set", b.domain, "--policy", "trust", "--reason", "partner organisation")

	// approval: pending until approved.
	accounts, _ := c.resolve(carol, "@circle@"+a.domain)
	circle := accounts[0]["id"].(string)
	if accounts[0]["locked"] != true {
		t.Errorf("an approval consultation shows as unlocked: %v", accounts[0])
	}
	c.api("POST", "/api/v1/accounts/"+circle+"/follow", carol, nil, nil)
	var requests []map[string]any
	eventually(t, 20*time.Second, "C's join request on A", func() bool {
		a.api("GET", "/api/roundtable/v1/consultations/circle/join_requests", facilitator, nil, &requests)
		return len(requests) == 1
	})
	time.Sleep(time.Second)
	if rel := c.relationshipWith(carol, circle); rel["following"] != false || rel["requested"] != true {
		t.Fatalf("before approval C's relationship is %v, want requested", rel)
	}
	if code := a.api("POST", "/api/roundtable/v1/consultations/circle/join_requests/"+requests[0]["id"].(string)+"/approve", facilitator, nil, nil); code != 200 {
		t.Fatalf("approve: %d", code)
	}
	eventually(t, 20*time.Second, "C's join approved", func() bool {
		return c.relationshipWith(carol, circle)["following"] == true
	})

	// members: B is trusted, C is not.
	accounts, _ = b.resolve(bob, "@inner@"+a.domain)
	innerOnB := accounts[0]["id"].(string)
	b.api("POST", "/api/v1/accounts/"+innerOnB+"/follow", bob, nil, nil)
	eventually(t, 20*time.Second, "B's member admitted", func() bool {
		return b.relationshipWith(bob, innerOnB)["following"] == true
	})
	accounts, _ = c.resolve(carol, "@inner@"+a.domain)
	innerOnC := accounts[0]["id"].(string)
	c.api("POST", "/api/v1/accounts/"+innerOnC+"/follow", carol, nil, nil)
	eventually(t, 20*time.Second, "C's member refused", func() bool {
		rel := c.relationshipWith(carol, innerOnC)
		return rel["following"] == false && rel["requested"] == false
	})
	// And a thread C's member sends anyway is not taken.
	c.post(carol, map[string]any{"status": "@inner@" + a.domain + " Let me in\nI would like to take part."})
	time.Sleep(3 * time.Second)
	for _, st := range a.timeline(facilitator, "/api/v1/timelines/public?limit=40") {
		if strings.Contains(plain(st["content"]), "I would like to take part") {
			t.Errorf("A took a contribution from an untrusted peer into a members consultation")
		}
	}
}

// TestPeerBlock: A blocks C. C's contributions to A's consultations are
// refused, A delivers and serves nothing to C, and A's members whose
// follows across were cut are told.
func TestPeerBlock(t *testing.T) {
	t.Parallel()
	a, c := startPeer(t, 56), startPeer(t, 57)
	alice, carol := a.member("alice"), c.member("carol")
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "open1", "--title", "Open", "--moderator", "alice")
	c.join(carol, "@open1@"+a.domain)
	accounts, _ := a.resolve(alice, "@carol@"+c.domain)
	carolOnA := accounts[0]["id"].(string)
	a.api("POST", "/api/v1/accounts/"+carolOnA+"/follow", alice, nil, nil)
	eventually(t, 20*time.Second, "alice follows carol", func() bool {
		return a.relationshipWith(alice, carolOnA)["following"] == true
	})
	before := a.post(alice, map[string]any{"status": "Before the block."})

	mustRun(t, a.env, "", "admin", "domain", "set", c.domain, "--policy", "block", "--reason", "harassment")
	if out := mustRun(t, a.env, "", "admin", "domain", "list"); !strings.Contains(out, c.domain+"\tblock\tharassment") {
		t.Errorf("domain list: %q", out)
	}
	// alice is told her follow was cut.
	if rel := a.relationshipWith(alice, carolOnA); rel["following"] != false {
		t.Errorf("alice still follows carol after the block: %v", rel)
	}
	var notes []map[string]any
	a.api("GET", "/api/v1/notifications?types[]=severed_relationships", alice, nil, &notes)
	told := false
	for _, n := range notes {
		if n["type"] == "severed_relationships" {
			told = true
		}
	}
	if !told {
		t.Errorf("alice was not told her follows were cut: %v", notes)
	}
	// C's thread in A's consultation is refused.
	c.post(carol, map[string]any{"status": "@open1@" + a.domain + " From C\nStill here?"})
	// A delivers nothing to C, even a mention.
	a.post(alice, map[string]any{"status": "@carol@" + c.domain + " can you hear me?"})
	// A serves nothing to C: C cannot fetch A's public post.
	if _, st := c.resolve(carol, before["uri"].(string)); len(st) != 0 {
		t.Errorf("C fetched a post of A after the block: %v", st)
	}
	time.Sleep(3 * time.Second)
	for _, st := range a.timeline(alice, "/api/v1/timelines/public?limit=40") {
		if strings.Contains(plain(st["content"]), "Still here?") {
			t.Errorf("A took C's contribution after blocking C")
		}
	}
	for _, st := range c.timeline(carol, "/api/v1/timelines/public?limit=40") {
		if strings.Contains(plain(st["content"]), "can you hear me?") {
			t.Errorf("C received a post of A after the block")
		}
	}
}

// TestReplyControls: a member takes replies from followers only; a reply
// from a non-follower on another instance is refused, one from a follower
// is taken.
func TestReplyControls(t *testing.T) {
	t.Parallel()
	a, b := startPeer(t, 58), startPeer(t, 59)
	alice, bob := a.member("alice"), b.member("bob")
	olga := a.member("olga")
	st := a.post(alice, map[string]any{"status": "Followers, what do you think?", "reply_policy": "followers"})
	if st["reply_policy"] != "followers" {
		t.Fatalf("reply_policy: %v", st["reply_policy"])
	}
	// Locally: a member who does not follow alice gets a clear 422.
	var refused map[string]any
	if code := a.api("POST", "/api/v1/statuses", olga, map[string]any{"status": "Me too", "in_reply_to_id": st["id"]}, &refused); code != 422 ||
		!strings.Contains(refused["error"].(string), "followers only") {
		t.Errorf("local non-follower's reply: %d %v", code, refused)
	}
	// From B: refused while bob does not follow alice.
	_, found := b.resolve(bob, st["uri"].(string))
	if len(found) != 1 {
		t.Fatalf("B's search for the post: %v", found)
	}
	onB := found[0]["id"].(string)
	refusedReply := b.post(bob, map[string]any{"status": "@alice@" + a.domain + " Not a follower, but here I am.", "in_reply_to_id": onB})
	// bob is told, and his reply stays his alone.
	eventually(t, 20*time.Second, "bob is told his reply was refused", func() bool {
		var notes []map[string]any
		b.api("GET", "/api/v1/notifications?types[]=contribution_refused", bob, nil, &notes)
		return len(notes) == 1 && notes[0]["status"].(map[string]any)["id"] == refusedReply["id"]
	})
	var mine map[string]any
	b.api("GET", "/api/v1/statuses/"+refusedReply["id"].(string), bob, nil, &mine)
	if mine["visibility"] != "direct" {
		t.Errorf("the refused reply is still %v on B", mine["visibility"])
	}
	var ctx struct{ Descendants []map[string]any }
	a.api("GET", "/api/v1/statuses/"+st["id"].(string)+"/context", alice, nil, &ctx)
	if len(ctx.Descendants) != 0 {
		t.Fatalf("A took a reply from a non-follower: %v", ctx.Descendants)
	}
	// Once bob follows alice, his reply is taken.
	accounts, _ := b.resolve(bob, "@alice@"+a.domain)
	aliceOnB := accounts[0]["id"].(string)
	b.api("POST", "/api/v1/accounts/"+aliceOnB+"/follow", bob, nil, nil)
	eventually(t, 20*time.Second, "bob follows alice", func() bool {
		return b.relationshipWith(bob, aliceOnB)["following"] == true
	})
	b.post(bob, map[string]any{"status": "@alice@" + a.domain + " Following now.", "in_reply_to_id": onB})
	eventually(t, 20*time.Second, "the follower's reply on A", func() bool {
		a.api("GET", "/api/v1/statuses/"+st["id"].(string)+"/context", alice, nil, &ctx)
		return len(ctx.Descendants) == 1 && strings.Contains(plain(ctx.Descendants[0]["content"]), "Following now.")
	})
}
