package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
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
	defer func() {
		// An edit and a deletion by B's member reach C through the
		// consultation (C follows the consultation, not bob).
		if t.Failed() {
			return
		}
		b.api("PUT", "/api/v1/statuses/"+onB, bob, map[string]any{"status": handle + " Water first\nClean water, and the wells kept clean."}, nil)
		eventually(t, 30*time.Second, "the edit on C", func() bool {
			var st map[string]any
			c.api("GET", "/api/v1/statuses/"+onC, carol, nil, &st)
			return strings.Contains(plain(st["content"]), "the wells kept clean")
		})
		b.api("DELETE", "/api/v1/statuses/"+onB, bob, nil, nil)
		eventually(t, 30*time.Second, "the deletion on C", func() bool {
			return c.api("GET", "/api/v1/statuses/"+onC, carol, nil, nil) == 404
		})
	}()
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

// TestConsultationForwardsRepliesToItsGroup: someone on a server without
// groups (as Mastodon does) answers C's contribution addressing only C's
// author; C passes it on to the consultation on A, which reads it from its
// origin and announces it, so that A and B have it too.
func TestConsultationForwardsRepliesToItsGroup(t *testing.T) {
	t.Parallel()
	a, b, c := startPeer(t, 43), startPeer(t, 44), startPeer(t, 45)
	alice, bob, carol := a.member("alice"), b.member("bob"), c.member("carol")
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "water", "--title", "Water", "--moderator", "alice")
	handle := "@water@" + a.domain
	b.join(bob, handle)
	c.join(carol, handle)
	st := c.post(carol, map[string]any{"status": handle + " Wells\nOur wells dried up in March."})
	carolURI := st["account"].(map[string]any)["uri"].(string)
	onA := a.findOnGroup(alice, "water", "Our wells dried up in March.")

	d := startFakeServer(t, 46)
	dave := d.addActor("dave", fakeKey(2))
	note := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": d.base + "/notes/1", "type": "Note",
		"attributedTo": dave, "inReplyTo": st["uri"], "content": "<p>Ours in April, two valleys over.</p>",
		"to": []any{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []any{carolURI},
		"published": time.Now().UTC().Format(time.RFC3339),
		"tag":       []any{map[string]any{"type": "Mention", "href": carolURI, "name": "@carol"}}}
	d.serveDoc("/notes/1", note)
	create, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": d.base + "/notes/1/activity",
		"type": "Create", "actor": dave, "to": note["to"], "cc": note["cc"], "object": note})
	if res := signedPost(t, c.srv.base+"/inbox", dave+"#main-key", fakeKey(2), create, create, time.Now()); res.StatusCode != http.StatusAccepted {
		t.Fatalf("dave's reply to C: %d", res.StatusCode)
	}
	eventually(t, 30*time.Second, "the reply in A's thread", func() bool {
		texts := a.threadTexts(alice, onA)
		return len(texts) == 2 && strings.Contains(texts[1], "Ours in April")
	})
	onB := b.findOn(bob, "Our wells dried up in March.")
	eventually(t, 30*time.Second, "the reply in B's thread", func() bool {
		texts := b.threadTexts(bob, onB)
		return len(texts) == 2 && strings.Contains(texts[1], "Ours in April")
	})
}

// TestConsultationChathamHouse: in a Chatham House consultation on A, the
// contribution of B's member appears on C under the consultation's name,
// and nothing C received or can fetch from A or B names that member; A's
// facilitator can look the author up.
func TestConsultationChathamHouse(t *testing.T) {
	t.Parallel()
	a, b, c := startPeer(t, 47), startPeer(t, 48), startPeer(t, 49)
	a.member("alice")
	facilitator := strings.TrimSpace(mustRun(t, a.env, "", "admin", "account", "token", "--username", "alice", "--scopes", "read write follow admin:read"))
	bob, carol := b.member("bobbyx"), c.member("carol")
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "voices", "--title", "Voices", "--moderator", "alice",
		"--attribution", "chatham")
	handle := "@voices@" + a.domain
	b.join(bob, handle)
	c.join(carol, handle)
	original := b.post(bob, map[string]any{"status": handle + " Night\nI do not walk home alone after dark."})

	onC := c.findOn(carol, "I do not walk home alone after dark.")
	var st map[string]any
	c.api("GET", "/api/v1/statuses/"+onC, carol, nil, &st)
	if acct := st["account"].(map[string]any)["acct"]; acct != "voices@"+a.domain {
		t.Errorf("on C the contribution is by %v, want the consultation", acct)
	}
	// Nothing C holds names bobbyx.
	conn, err := pgx.Connect(context.Background(), c.env["ROUNDTABLE_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var leaks int
	if err := conn.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM inbox_activities WHERE raw::text LIKE '%bobbyx%') +
		(SELECT count(*) FROM statuses WHERE coalesce(raw::text, '') LIKE '%bobbyx%' OR content LIKE '%bobbyx%') +
		(SELECT count(*) FROM accounts WHERE username = 'bobbyx')`).Scan(&leaks); err != nil {
		t.Fatal(err)
	}
	if leaks != 0 {
		t.Errorf("C holds %d documents naming the author", leaks)
	}
	// Nothing C can fetch names the author: the copy on A, nor the original on B.
	for _, uri := range []string{st["uri"].(string), original["uri"].(string)} {
		req, _ := http.NewRequest("GET", uri, nil)
		req.Header.Set("Accept", "application/activity+json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusOK && strings.Contains(string(body), "bobbyx") {
			t.Errorf("%s names the author: %s", uri, body)
		}
		if uri == original["uri"] && res.StatusCode == http.StatusOK {
			t.Errorf("the original on B is served to anyone: %s", body)
		}
	}
	// A's facilitator sees who wrote it.
	copyOnA := a.findOnGroup(facilitator, "voices", "I do not walk home alone after dark.")
	var author map[string]any
	if code := a.api("GET", "/api/roundtable/v1/contributions/"+copyOnA+"/author", facilitator, nil, &author); code != 200 || author["acct"] != "bobbyx@"+b.domain {
		t.Errorf("facilitator's look-up: %d %v", code, author)
	}
	// Someone else may not.
	a.member("olga")
	other := strings.TrimSpace(mustRun(t, a.env, "", "admin", "account", "token", "--username", "olga", "--scopes", "read admin:read"))
	if code := a.api("GET", "/api/roundtable/v1/contributions/"+copyOnA+"/author", other, nil, nil); code != 403 {
		t.Errorf("a member who does not facilitate looked the author up: %d", code)
	}
}

// TestConsultationBackfill: B joins a consultation after a thread has
// grown; the first new reply B receives brings the rest of the thread,
// read from the thread's context collection on A.
func TestConsultationBackfill(t *testing.T) {
	t.Parallel()
	a, b, c := startPeer(t, 53), startPeer(t, 54), startPeer(t, 55)
	alice, bob, carol := a.member("alice"), b.member("bob"), c.member("carol")
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "late", "--title", "Late", "--moderator", "alice")
	handle := "@late@" + a.domain
	c.join(carol, handle)
	c.post(carol, map[string]any{"status": handle + " Roads\nThe road to the clinic floods every spring."})
	onA := a.findOnGroup(alice, "late", "The road to the clinic floods")
	first := a.post(alice, map[string]any{"status": "Which months, exactly?", "in_reply_to_id": onA})
	a.post(alice, map[string]any{"status": "And is there another way round?", "in_reply_to_id": first["id"]})

	b.join(bob, handle) // after all that
	a.post(alice, map[string]any{"status": "We will ask the district about it.", "in_reply_to_id": onA})
	onB := b.findOn(bob, "The road to the clinic floods")
	eventually(t, 30*time.Second, "the whole thread on B", func() bool {
		return len(b.threadTexts(bob, onB)) == 4
	})
}
