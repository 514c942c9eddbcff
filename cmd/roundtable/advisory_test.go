package main

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// moderatorToken creates a moderator on p and returns a token with the
// moderation scopes.
func (p *peer) moderatorToken(name string) string {
	p.t.Helper()
	mustRun(p.t, p.env, "", "admin", "account", "create", "--username", name, "--email", name+"@example.org", "--role", "moderator")
	return strings.TrimSpace(mustRun(p.t, p.env, "", "admin", "account", "token", "--username", name,
		"--scopes", "read write admin:read admin:write"))
}

// advisories lists a peer's received advisories (state "" for all).
func (p *peer) advisories(token, query string) []map[string]any {
	p.t.Helper()
	var l []map[string]any
	if code := p.api("GET", "/api/roundtable/v1/moderation/advisories"+query, token, nil, &l); code != 200 {
		p.t.Fatalf("advisories on %s: %d", p.domain, code)
	}
	return l
}

// policyOf returns the policy a peer's domain list shows for domain, or "".
func (p *peer) policyOf(domain string) string {
	p.t.Helper()
	for _, line := range strings.Split(mustRun(p.t, p.env, "", "admin", "domain", "list"), "\n") {
		if f := strings.Split(line, "\t"); len(f) >= 2 && f[0] == domain {
			return f[1]
		}
	}
	return ""
}

// TestAdvisories: A publishes advisories to B, which trusts A, and not to
// C, which does not subscribe. At B they are drafts naming A until a
// moderator accepts one (with a milder action) or an admin's rule acts; a
// retraction by A flags B's decisions for review.
func TestAdvisories(t *testing.T) {
	t.Parallel()
	a, b, c := startPeer(t, 80), startPeer(t, 81), startPeer(t, 82)
	amod, bmod, cmod := a.moderatorToken("amod"), b.moderatorToken("bmod"), c.moderatorToken("cmod")
	mustRun(t, a.env, "", "admin", "domain", "set", b.domain, "--policy", "trust")
	mustRun(t, a.env, "", "admin", "domain", "set", c.domain, "--policy", "trust")
	mustRun(t, b.env, "", "admin", "domain", "set", a.domain, "--policy", "trust")

	eventually(t, 90*time.Second, "B subscribes to A's advisories", func() bool {
		var subs []map[string]any
		b.api("GET", "/api/roundtable/v1/moderation/advisory_subscriptions", bmod, nil, &subs)
		return len(subs) == 1 && subs[0]["domain"] == a.domain && subs[0]["accepted"] == true
	})

	// Bad input changes nothing.
	for _, bad := range []map[string]any{
		{"subject": "spam.example", "action": "block"},                         // no reason
		{"subject": "spam.example", "action": "obliterate", "summary": "Spam"}, // no such action
		{"subject": a.domain, "action": "block", "summary": "Ourselves"},       // this instance
		{"subject": "spam.example", "action": "block", "summary": "Spam", "expires_at": "yesterday"},
	} {
		var e map[string]any
		if code := a.api("POST", "/api/roundtable/v1/moderation/advisories", amod, bad, &e); code != 422 || e["error"] == "" {
			t.Errorf("publish %v: %d %v, want 422 with a message", bad, code, e)
		}
	}
	member := a.member("plain")
	if code := a.api("POST", "/api/roundtable/v1/moderation/advisories", member,
		map[string]any{"subject": "spam.example", "action": "block", "summary": "Spam"}, nil); code != 403 {
		t.Errorf("a member without admin scopes published an advisory: %d", code)
	}
	if n := len(b.advisories(bmod, "")); n != 0 {
		t.Fatalf("B has %d advisories before A published any", n)
	}

	var adv map[string]any
	if code := a.api("POST", "/api/roundtable/v1/moderation/advisories", amod, map[string]any{"subject": "spam.example",
		"action": "block", "summary": "Waves of spam replies to consultations since May.", "labels": []string{"spam"}}, &adv); code != 200 {
		t.Fatalf("publish: %d %v", code, adv)
	}

	// B: a draft naming A, and nothing changed.
	var draft map[string]any
	eventually(t, 30*time.Second, "the advisory reaches B", func() bool {
		l := b.advisories(bmod, "?state=draft")
		if len(l) == 1 {
			draft = l[0]
		}
		return draft != nil
	})
	if draft["issuer_domain"] != a.domain || draft["subject"] != "spam.example" || draft["suggested_action"] != "block" ||
		draft["summary"] != "Waves of spam replies to consultations since May." || draft["uri"] != adv["uri"] {
		t.Errorf("B's draft: %v", draft)
	}
	if p := b.policyOf("spam.example"); p != "" {
		t.Errorf("B's policy towards spam.example changed to %q before anyone accepted", p)
	}

	// C does not subscribe: it sees nothing, and may not read A's list.
	time.Sleep(2 * time.Second)
	if l := c.advisories(cmod, ""); len(l) != 0 {
		t.Errorf("C received advisories it never subscribed to: %v", l)
	}
	res, err := http.Get(a.srv.base + "/advisories")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 401 || strings.Contains(string(body), "spam.example") {
		t.Errorf("unsigned GET of A's advisories: %d %s", res.StatusCode, body)
	}

	// B never passes it on: its own list stays empty.
	if l := b.advisories(bmod, "?issued=true"); len(l) != 0 {
		t.Errorf("B re-publishes advisories it received: %v", l)
	}

	// B accepts it with a milder action: it applies, and the log names it.
	id := draft["id"].(string)
	if code := b.api("POST", "/api/roundtable/v1/moderation/advisories/"+id+"/accept", bmod,
		map[string]any{"action": "nuke"}, nil); code != 422 {
		t.Errorf("accept with an unknown action: %d", code)
	}
	var decision map[string]any
	if code := b.api("POST", "/api/roundtable/v1/moderation/advisories/"+id+"/accept", bmod,
		map[string]any{"action": "limit", "reason": "Limit first; we have seen no spam ourselves."}, &decision); code != 200 {
		t.Fatalf("accept: %d %v", code, decision)
	}
	if p := b.policyOf("spam.example"); p != "limit" {
		t.Errorf("B's policy after accepting: %q, want limit", p)
	}
	if code := b.api("POST", "/api/roundtable/v1/moderation/advisories/"+id+"/accept", bmod, nil, nil); code != 422 {
		t.Errorf("accepting twice: %d, want 422", code)
	}
	var log []map[string]any
	b.api("GET", "/api/roundtable/v1/moderation/log", bmod, nil, &log)
	if len(log) == 0 || log[0]["action"] != "advisory_accept:limit" || !slices.Contains(anyStrings(log[0]["based_on"]), adv["uri"].(string)) {
		t.Errorf("B's log does not name the advisory its decision relied on: %v", log)
	}

	// An admin's rule acts on its own: limit a domain one trusted peer
	// advises blocking.
	mustRun(t, b.env, "", "admin", "account", "create", "--username", "badmin", "--email", "badmin@example.org", "--role", "admin")
	badmin := strings.TrimSpace(mustRun(t, b.env, "", "admin", "account", "token", "--username", "badmin", "--scopes", "admin:read admin:write"))
	if code := b.api("POST", "/api/roundtable/v1/moderation/advisory_rules", badmin,
		map[string]any{"min_peers": 1, "advised": "limit", "apply": "block"}, nil); code != 422 {
		t.Errorf("a rule applying more than advised: %d, want 422", code)
	}
	if code := b.api("POST", "/api/roundtable/v1/moderation/advisory_rules", bmod,
		map[string]any{"min_peers": 1, "advised": "block", "apply": "limit"}, nil); code != 403 {
		t.Errorf("a moderator wrote a rule: %d, want 403 (admins only)", code)
	}
	if code := b.api("POST", "/api/roundtable/v1/moderation/advisory_rules", badmin,
		map[string]any{"min_peers": 1, "advised": "block", "apply": "limit"}, nil); code != 200 {
		t.Fatalf("add rule: %d", code)
	}
	var adv2 map[string]any
	a.api("POST", "/api/roundtable/v1/moderation/advisories", amod, map[string]any{"subject": "raid.example",
		"action": "block", "summary": "Coordinated raids on a consultation."}, &adv2)
	eventually(t, 30*time.Second, "the rule limits raid.example at B", func() bool { return b.policyOf("raid.example") == "limit" })
	b.api("GET", "/api/roundtable/v1/moderation/log", bmod, nil, &log)
	if len(log) == 0 || log[0]["action"] != "advisory_rule:limit" || !slices.Contains(anyStrings(log[0]["based_on"]), adv2["uri"].(string)) {
		t.Errorf("B's log does not name the advisory its rule relied on: %v", log)
	}

	// A changes its second advisory: B's copy follows.
	if code := a.api("PATCH", "/api/roundtable/v1/moderation/advisories/"+adv2["id"].(string), amod,
		map[string]any{"summary": "Coordinated raids; their admin does not answer."}, nil); code != 200 {
		t.Fatalf("update: %d", code)
	}
	eventually(t, 30*time.Second, "B sees the new reason", func() bool {
		for _, x := range b.advisories(bmod, "") {
			if x["uri"] == adv2["uri"] {
				return x["summary"] == "Coordinated raids; their admin does not answer."
			}
		}
		return false
	})

	// A retracts the first advisory: B's decision is flagged for review.
	if code := a.api("DELETE", "/api/roundtable/v1/moderation/advisories/"+adv["id"].(string), amod,
		map[string]any{"reason": "The spam came from one account, now suspended there."}, nil); code != 200 {
		t.Fatalf("retract: %d", code)
	}
	var review []map[string]any
	eventually(t, 30*time.Second, "B's decision is flagged for review", func() bool {
		b.api("GET", "/api/roundtable/v1/moderation/advisory_decisions?review=true", bmod, nil, &review)
		return len(review) == 1
	})
	if review[0]["id"] != decision["id"] || !strings.Contains(review[0]["review_reason"].(string), a.domain) {
		t.Errorf("flagged decision: %v, want %v with the reason naming %s", review[0], decision["id"], a.domain)
	}
	// Reverting puts the previous policy back.
	if code := b.api("POST", "/api/roundtable/v1/moderation/advisory_decisions/"+decision["id"].(string)+"/review", bmod,
		map[string]any{"revert": true, "reason": "Retracted at the source."}, nil); code != 200 {
		t.Fatalf("review: %d", code)
	}
	if p := b.policyOf("spam.example"); p != "default" {
		t.Errorf("B's policy after reverting: %q, want default", p)
	}
	// The retracted advisory is no longer served to B.
	if l := a.advisories(amod, "?issued=true"); len(l) != 2 {
		t.Errorf("A's issued advisories: %d, want 2 (one retracted)", len(l))
	}
}

func anyStrings(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, e := range l {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
