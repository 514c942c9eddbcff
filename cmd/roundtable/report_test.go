package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestReportForwarded: a member of B reports a contribution of C's member
// inside A's consultation, citing one of B's norms and asking to forward:
// A's facilitator and C's moderator each get a report with the norm's text
// and the category, and no report names the reporter.
func TestReportForwarded(t *testing.T) {
	t.Parallel()
	a, b, c := startPeer(t, 66), startPeer(t, 67), startPeer(t, 68)
	a.member("alice")
	facilitator := strings.TrimSpace(mustRun(t, a.env, "", "admin", "account", "token", "--username", "alice", "--scopes", "read write admin:read"))
	bob, carol := b.member("bobreporter"), c.member("carol")
	mustRun(t, c.env, "", "admin", "account", "create", "--username", "cmod", "--email", "cmod@example.org", "--role", "moderator")
	moderator := strings.TrimSpace(mustRun(t, c.env, "", "admin", "account", "token", "--username", "cmod", "--scopes", "read admin:read"))
	normID := strings.Fields(mustRun(t, b.env, "", "admin", "norm", "add", "--text", "Respect the people you answer"))[1]
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "care", "--title", "Care", "--moderator", "alice")
	handle := "@care@" + a.domain
	b.join(bob, handle)
	c.join(carol, handle)
	c.post(carol, map[string]any{"status": handle + " Rude\nYou are all wrong and stupid."})
	onB := b.findOn(bob, "You are all wrong and stupid.")
	var st map[string]any
	b.api("GET", "/api/v1/statuses/"+onB, bob, nil, &st)
	var rep map[string]any
	if code := b.api("POST", "/api/v1/reports", bob, map[string]any{"account_id": st["account"].(map[string]any)["id"],
		"status_ids": []string{onB}, "rule_ids": []string{normID}, "category": "violation", "comment": "Insulting",
		"forward": true}, &rep); code != 200 {
		t.Fatalf("report on B: %d %v", code, rep)
	}
	if rep["forwarded"] != true {
		t.Errorf("the report about a remote account, forwarded, says forwarded = %v", rep["forwarded"])
	}
	for _, p := range []struct {
		peer  *peer
		token string
	}{{a, facilitator}, {c, moderator}} {
		var reports []map[string]any
		eventually(t, 20*time.Second, p.peer.domain+" gets the report", func() bool {
			p.peer.api("GET", "/api/roundtable/v1/moderation/reports", p.token, nil, &reports)
			return len(reports) == 1
		})
		body, _ := json.Marshal(reports)
		for _, want := range []string{"Respect the people you answer", "violation", "Insulting"} {
			if !strings.Contains(string(body), want) {
				t.Errorf("%s's report lacks %q: %s", p.peer.domain, want, body)
			}
		}
		if strings.Contains(string(body), "bobreporter") {
			t.Errorf("%s's report names the reporter: %s", p.peer.domain, body)
		}
	}
}

// TestRemovalAcrossInstances: A's facilitator removes C's member's
// contribution from A's consultation with a reason: it disappears on A, B
// and C; B and C record the reason; A's log shows the action.
func TestRemovalAcrossInstances(t *testing.T) {
	t.Parallel()
	a, b, c := startPeer(t, 69), startPeer(t, 73), startPeer(t, 74)
	a.member("alice")
	facilitator := strings.TrimSpace(mustRun(t, a.env, "", "admin", "account", "token", "--username", "alice", "--scopes", "read write admin:read admin:write"))
	bob, carol := b.member("bob"), c.member("carol")
	for _, p := range []*peer{b, c} {
		mustRun(t, p.env, "", "admin", "account", "create", "--username", "mod", "--email", "mod@example.org", "--role", "moderator")
	}
	modB := strings.TrimSpace(mustRun(t, b.env, "", "admin", "account", "token", "--username", "mod", "--scopes", "read admin:read"))
	modC := strings.TrimSpace(mustRun(t, c.env, "", "admin", "account", "token", "--username", "mod", "--scopes", "read admin:read"))
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "calm", "--title", "Calm", "--moderator", "alice")
	handle := "@calm@" + a.domain
	b.join(bob, handle)
	c.join(carol, handle)
	posted := c.post(carol, map[string]any{"status": handle + " Off\nBuy cheap watches here."})
	onA := a.findOnGroup(facilitator, "calm", "Buy cheap watches here.")
	onB := b.findOn(bob, "Buy cheap watches here.")

	if code := a.api("POST", "/api/roundtable/v1/consultations/calm/contributions/"+onA+"/remove", facilitator,
		map[string]any{"reason": "Advertising (norm 2)"}, nil); code != 200 {
		t.Fatalf("remove: %d", code)
	}
	if code := a.api("GET", "/api/v1/statuses/"+onA, facilitator, nil, nil); code != 404 {
		t.Errorf("still on A: %d", code)
	}
	eventually(t, 20*time.Second, "gone on B and C", func() bool {
		return b.api("GET", "/api/v1/statuses/"+onB, bob, nil, nil) == 404 &&
			c.api("GET", "/api/v1/statuses/"+posted["id"].(string), carol, nil, nil) == 404
	})
	for _, p := range []struct {
		peer  *peer
		token string
	}{{a, facilitator}, {b, modB}, {c, modC}} {
		var log []map[string]any
		p.peer.api("GET", "/api/roundtable/v1/moderation/log", p.token, nil, &log)
		if len(log) != 1 || log[0]["reason"] != "Advertising (norm 2)" {
			t.Errorf("%s's moderation log: %v", p.peer.domain, log)
		}
	}
}
