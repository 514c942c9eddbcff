package main

import (
	"strings"
	"testing"
	"time"
)

// TestBanAcrossInstances: A's facilitator bans B's member from A's
// consultation: B's member is told why, their next contribution is refused
// by A, and C, whose member follows the consultation, records the ban.
func TestBanAcrossInstances(t *testing.T) {
	t.Parallel()
	a, b, c := startPeer(t, 100), startPeer(t, 101), startPeer(t, 102)
	a.member("alice")
	facilitator := strings.TrimSpace(mustRun(t, a.env, "", "admin", "account", "token", "--username", "alice",
		"--scopes", "read write admin:read admin:write"))
	bob, carol := b.member("bob"), c.member("carol")
	mustRun(t, c.env, "", "admin", "account", "create", "--username", "cmod", "--email", "cmod@example.org", "--role", "moderator")
	modC := strings.TrimSpace(mustRun(t, c.env, "", "admin", "account", "token", "--username", "cmod", "--scopes", "read admin:read"))
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "garden", "--title", "Garden", "--moderator", "alice")
	handle := "@garden@" + a.domain
	b.join(bob, handle)
	c.join(carol, handle)

	accounts, _ := a.resolve(facilitator, "@bob@"+b.domain)
	if len(accounts) != 1 {
		t.Fatalf("A finds bob: %v", accounts)
	}
	var ban map[string]any
	if code := a.api("POST", "/api/roundtable/v1/moderation/consultations/garden/bans", facilitator,
		map[string]any{"account_id": accounts[0]["id"], "reason": "Repeated personal attacks"}, &ban); code != 200 {
		t.Fatalf("ban on A: %d %v", code, ban)
	}

	eventually(t, 30*time.Second, "bob is told of the ban", func() bool {
		var ns []map[string]any
		b.api("GET", "/api/v1/notifications?types[]=consultation_ban", bob, nil, &ns)
		return len(ns) == 1 && strings.Contains(ns[0]["reason"].(string), "Repeated personal attacks")
	})
	var bans []map[string]any
	b.api("GET", "/api/roundtable/v1/bans", bob, nil, &bans)
	if len(bans) != 1 || bans[0]["consultation"].(map[string]any)["acct"] != "garden@"+a.domain {
		t.Errorf("bob's bans on B: %v", bans)
	}

	st := b.post(bob, map[string]any{"status": handle + " Again\nI have more to say"})
	if reason := b.refusal(bob, st["id"].(string)); !strings.Contains(reason, "Repeated personal attacks") {
		t.Errorf("refusal's reason: %q", reason)
	}

	eventually(t, 30*time.Second, "C records the ban", func() bool {
		var bans []map[string]any
		c.api("GET", "/api/roundtable/v1/moderation/bans", modC, nil, &bans)
		return len(bans) == 1 && bans[0]["account"].(map[string]any)["acct"] == "bob@"+b.domain &&
			bans[0]["reason"] == "Repeated personal attacks"
	})
}
