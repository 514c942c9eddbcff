package main

import (
	"strings"
	"testing"
	"time"
)

// join makes token's member of p find and follow a consultation, and waits
// until the host accepts.
func (p *peer) join(token, handle string) string {
	p.t.Helper()
	accounts, _ := p.resolve(token, handle)
	if len(accounts) != 1 || accounts[0]["group"] != true {
		p.t.Fatalf("%s: search for %s: %v", p.domain, handle, accounts)
	}
	id := accounts[0]["id"].(string)
	p.api("POST", "/api/v1/accounts/"+id+"/follow", token, nil, nil)
	eventually(p.t, 20*time.Second, p.domain+" joins "+handle, func() bool {
		var rels []map[string]any
		p.api("GET", "/api/v1/accounts/relationships?id[]="+id, token, nil, &rels)
		return len(rels) == 1 && rels[0]["following"] == true
	})
	return id
}

// threadTexts returns the texts of a thread as a peer shows it, the
// starter first, then its descendants in order.
func (p *peer) threadTexts(token, statusID string) []string {
	p.t.Helper()
	var st map[string]any
	p.api("GET", "/api/v1/statuses/"+statusID, token, nil, &st)
	var ctx struct{ Descendants []map[string]any }
	p.api("GET", "/api/v1/statuses/"+statusID+"/context", token, nil, &ctx)
	out := []string{plain(st["content"])}
	for _, d := range ctx.Descendants {
		out = append(out, plain(d["content"]))
	}
	return out
}

// plain strips the tags of a content string, leaving its words.
func plain(v any) string {
	s, _ := v.(string)
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// findOn returns the id, on p, of the status whose text contains needle,
// from token's home timeline.
func (p *peer) findOn(token, needle string) string {
	p.t.Helper()
	var id string
	eventually(p.t, 20*time.Second, p.domain+" has "+needle, func() bool {
		for _, st := range p.timeline(token, "/api/v1/timelines/home?limit=40") {
			if strings.Contains(plain(st["content"]), needle) {
				id = st["id"].(string)
				return true
			}
		}
		return false
	})
	return id
}

// TestConsultationAcrossInstances: A hosts an open consultation; members of
// B and C join from their client API; B opens a thread, C replies, A's
// member replies, and all three instances show the same thread.
func TestConsultationAcrossInstances(t *testing.T) {
	t.Parallel()
	a, b, c := startPeer(t, 40), startPeer(t, 41), startPeer(t, 42)
	alice, bob, carol := a.member("alice"), b.member("bob"), c.member("carol")
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "security", "--title", "What does security mean to you now?",
		"--prompt", "Tell us from your own experience.", "--moderator", "alice")
	handle := "@security@" + a.domain
	b.join(bob, handle)
	c.join(carol, handle)

	b.post(bob, map[string]any{"status": handle + " Water first\nClean water is where safety starts for us."})
	onA := a.findOnGroup(alice, "security", "Clean water is where safety starts")
	onC := c.findOn(carol, "Clean water is where safety starts")
	c.post(carol, map[string]any{"status": "And being heard when we say so.", "in_reply_to_id": onC})
	replyOnA := ""
	eventually(t, 20*time.Second, "C's reply on A", func() bool {
		texts := a.threadTexts(alice, onA)
		return len(texts) == 2
	})
	var ctx struct{ Descendants []map[string]any }
	a.api("GET", "/api/v1/statuses/"+onA+"/context", alice, nil, &ctx)
	replyOnA = ctx.Descendants[0]["id"].(string)
	a.post(alice, map[string]any{"status": "Thank you both: noted for the synthesis.", "in_reply_to_id": replyOnA})

	onB := b.findOn(bob, "Clean water is where safety starts")
	want := []string{"Clean water is where safety starts for us.", "And being heard when we say so.", "Thank you both: noted for the synthesis."}
	for _, p := range []struct {
		peer  *peer
		token string
		id    string
	}{{a, alice, onA}, {b, bob, onB}, {c, carol, onC}} {
		eventually(t, 30*time.Second, p.peer.domain+" shows the whole thread", func() bool {
			texts := p.peer.threadTexts(p.token, p.id)
			if len(texts) != len(want) {
				return false
			}
			for i := range want {
				if !strings.Contains(texts[i], want[i]) {
					return false
				}
			}
			return true
		})
	}
}

// findOnGroup returns the id of a status in a consultation's statuses on
// its host.
func (p *peer) findOnGroup(token, slug, needle string) string {
	p.t.Helper()
	var acc map[string]any
	p.api("GET", "/api/v1/accounts/lookup?acct="+slug, token, nil, &acc)
	id := ""
	eventually(p.t, 20*time.Second, p.domain+" has "+needle+" in "+slug, func() bool {
		for _, st := range p.timeline(token, "/api/v1/timelines/public?local=false&limit=40") {
			if strings.Contains(plain(st["content"]), needle) {
				id = st["id"].(string)
				return true
			}
		}
		return false
	})
	return id
}
