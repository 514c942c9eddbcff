package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// deliveriesMatching counts the deliveries p queued, done or not, to host's
// inboxes whose activity contains needle.
func (p *peer) deliveriesMatching(host, needle string) int {
	p.t.Helper()
	conn, err := pgx.Connect(context.Background(), p.env["ROUNDTABLE_DATABASE_URL"])
	if err != nil {
		p.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'deliver'
		AND args->>'inbox' LIKE '%' || $1 || '%' AND (args->'activity')::text LIKE '%' || $2 || '%'`, host, needle).Scan(&n); err != nil {
		p.t.Fatal(err)
	}
	return n
}

// TestLimitedPeerContributionHeld: A sets B's domain to `limit`. A member
// of B contributes to A's consultation: A holds it for review, tells its
// author, and does not announce it, so C (whose member joined the
// consultation) does not get it, while a contribution after it reaches C.
// When A's facilitator releases it, it reaches C. A content warning A
// forces on its own member's contribution reaches C's copy. A's log shows
// each action.
func TestLimitedPeerContributionHeld(t *testing.T) {
	t.Parallel()
	a, b, c := startPeer(t, 90), startPeer(t, 91), startPeer(t, 92)
	a.member("alice")
	facilitator := strings.TrimSpace(mustRun(t, a.env, "", "admin", "account", "token", "--username", "alice",
		"--scopes", "read write admin:read admin:write"))
	bob, carol := b.member("bob"), c.member("carol")
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "square", "--title", "The square", "--moderator", "alice")
	mustRun(t, a.env, "", "admin", "domain", "set", b.domain, "--policy", "limit", "--reason", "Pile-ons from there")
	handle := "@square@" + a.domain
	b.join(bob, handle)
	c.join(carol, handle)

	b.post(bob, map[string]any{"status": handle + " Shade\nWe need trees for shade on the square."})
	var heldID string
	eventually(t, 20*time.Second, "the contribution held on A", func() bool {
		var held []map[string]any
		a.api("GET", "/api/roundtable/v1/moderation/held", facilitator, nil, &held)
		for _, st := range held {
			if strings.Contains(plain(st["content"]), "trees for shade") {
				heldID = st["id"].(string)
				return true
			}
		}
		return false
	})
	if code := a.api("GET", "/api/v1/statuses/"+heldID, "", nil, nil); code != 404 {
		t.Errorf("a held contribution is public on A: %d", code)
	}
	// It was held as it arrived, in the same transaction: nothing for C
	// was queued.
	if n := a.deliveriesMatching(c.domain, "trees for shade"); n != 0 {
		t.Errorf("A queued %d deliveries of the held contribution to C", n)
	}

	// Its author is told, by a direct message from the consultation.
	eventually(t, 20*time.Second, "B's member told the contribution waits", func() bool {
		var notes []map[string]any
		b.api("GET", "/api/v1/notifications?types[]=mention", bob, nil, &notes)
		for _, n := range notes {
			if st, ok := n["status"].(map[string]any); ok && strings.Contains(plain(st["content"]), "awaits a facilitator") &&
				st["visibility"] == "direct" {
				return true
			}
		}
		return false
	})

	// A contribution after it reaches C; the held one has not.
	agenda := a.post(facilitator, map[string]any{"status": handle + " Agenda\nThe square is redesigned in May."})
	agendaOnC := c.findOn(carol, "redesigned in May")
	for _, st := range c.timeline(carol, "/api/v1/timelines/home?limit=40") {
		if strings.Contains(plain(st["content"]), "trees for shade") {
			t.Fatal("C has the contribution A holds")
		}
	}

	if code := a.api("POST", "/api/roundtable/v1/moderation/contributions/"+heldID+"/release", facilitator,
		map[string]any{}, nil); code != 422 {
		t.Errorf("a release without a reason: %d", code)
	}
	if code := a.api("POST", "/api/roundtable/v1/moderation/contributions/"+heldID+"/release", facilitator,
		map[string]any{"reason": "On topic and civil"}, nil); code != 200 {
		t.Fatalf("release: %d", code)
	}
	c.findOn(carol, "trees for shade")
	if n := a.deliveriesMatching(c.domain, "trees for shade"); n != 1 {
		t.Errorf("A queued %d deliveries of the released contribution to C, want 1", n)
	}

	// A hides its own member's contribution behind a content warning:
	// C's copy gets it.
	if code := a.api("POST", "/api/roundtable/v1/moderation/contributions/"+agenda["id"].(string)+"/hide", facilitator,
		map[string]any{"reason": "Plans not final", "spoiler_text": "Draft plans"}, nil); code != 200 {
		t.Fatalf("hide: %d", code)
	}
	eventually(t, 20*time.Second, "the content warning on C", func() bool {
		var st map[string]any
		c.api("GET", "/api/v1/statuses/"+agendaOnC, carol, nil, &st)
		return st["spoiler_text"] == "Draft plans" && st["sensitive"] == true
	})

	var log []map[string]any
	a.api("GET", "/api/roundtable/v1/moderation/log", facilitator, nil, &log)
	var got []string
	for _, e := range log {
		got = append(got, e["action"].(string)+":"+e["role"].(string))
	}
	if strings.Join(got, " ") != "hide:facilitator release:facilitator hold:consultation domain_limit:admin" {
		t.Errorf("A's moderation log: %v", got)
	}
}
