package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roundtable-fed/roundtable/migrations/dbtest"
)

const consultationsAPI = "/api/roundtable/v1/consultations"

// exportOf returns the contributions of a consultation on its host, as
// its facilitator exports them: their texts, depth first.
func (p *peer) exportOf(token, slug string) (texts []string, threadIDs []string) {
	p.t.Helper()
	var e struct {
		Threads []exportedItem `json:"threads"`
	}
	if code := p.api("GET", consultationsAPI+"/"+slug+"/export", token, nil, &e); code != 200 {
		p.t.Fatalf("export of %s on %s: %d", slug, p.domain, code)
	}
	var walk func([]exportedItem)
	walk = func(items []exportedItem) {
		for _, it := range items {
			texts = append(texts, it.ContentText)
			walk(it.Replies)
		}
	}
	walk(e.Threads)
	for _, th := range e.Threads {
		threadIDs = append(threadIDs, th.ID)
	}
	return texts, threadIDs
}

type exportedItem struct {
	ID          string         `json:"id"`
	ContentText string         `json:"content_text"`
	Replies     []exportedItem `json:"replies"`
}

// setPhase moves a consultation to phase through the JSON API.
func (p *peer) setPhase(token, slug, phase string) {
	p.t.Helper()
	var c map[string]any
	if code := p.api("PATCH", consultationsAPI+"/"+slug, token, map[string]any{"phase": phase}, &c); code != 200 || c["phase"] != phase {
		p.t.Fatalf("phase %s on %s: %d %v", phase, p.domain, code, c)
	}
}

// refusal waits for the notification that tells token's member a
// consultation refused its status statusID, and returns its reason.
func (p *peer) refusal(token, statusID string) string {
	p.t.Helper()
	reason := ""
	eventually(p.t, 30*time.Second, p.domain+" hears that "+statusID+" was refused", func() bool {
		var ns []map[string]any
		p.api("GET", "/api/v1/notifications?types[]=contribution_refused", token, nil, &ns)
		for _, n := range ns {
			if st, _ := n["status"].(map[string]any); st != nil && st["id"] == statusID {
				reason, _ = n["reason"].(string)
				return true
			}
		}
		return false
	})
	return reason
}

// statusTitle reads the title a peer stored for the status with id uri.
func (p *peer) statusTitle(uri string) string {
	p.t.Helper()
	conn, err := pgx.Connect(context.Background(), p.env["ROUNDTABLE_DATABASE_URL"])
	if err != nil {
		p.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var title *string
	if err := conn.QueryRow(context.Background(), `SELECT title FROM statuses WHERE uri = $1`, uri).Scan(&title); err != nil {
		p.t.Fatalf("%s: %s: %v", p.domain, uri, err)
	}
	if title == nil {
		return ""
	}
	return *title
}

func containsText(texts []string, needle string) bool {
	for _, t := range texts {
		if strings.Contains(t, needle) {
			return true
		}
	}
	return false
}

// TestSynthesisAcrossInstances: A hosts a consultation that members of B
// and C join. In its synthesis phase a new thread from B is refused (B
// withdraws it and tells its author why) while C's reply is taken; the
// facilitator's synthesis reaches B and C as an Article by the
// consultation; once closed, replies are refused too.
func TestSynthesisAcrossInstances(t *testing.T) {
	t.Parallel()
	a, b, c := startPeer(t, 70), startPeer(t, 71), startPeer(t, 72)
	alice, bob, carol := a.member("alice"), b.member("bob"), c.member("carol")
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "futures", "--title", "What does security mean to you now?",
		"--prompt", "Tell us from your own experience.", "--moderator", "alice")
	handle := "@futures@" + a.domain
	groupOnB, groupOnC := b.join(bob, handle), c.join(carol, handle)

	// Open: B starts a thread, C answers it.
	b.post(bob, map[string]any{"status": handle + " Water first\nClean water is where safety starts for us."})
	threadOnC := c.findOn(carol, "Clean water is where safety starts")
	c.post(carol, map[string]any{"status": "And being heard when we say so.", "in_reply_to_id": threadOnC})
	eventually(t, 30*time.Second, "both contributions on A", func() bool {
		texts, _ := a.exportOf(alice, "futures")
		return len(texts) == 2
	})

	// Synthesis: B cannot know A's phase, so its new thread is posted on B,
	// refused by A, and withdrawn on B with the reason for its author.
	a.setPhase(alice, "futures", "synthesis")
	late := b.post(bob, map[string]any{"status": handle + " A late idea\nSomething nobody said yet."})
	reason := b.refusal(bob, late["id"].(string))
	if !strings.Contains(reason, "synthesis phase") || !strings.Contains(reason, "reply") {
		t.Errorf("the reason B's member is given: %q", reason)
	}
	var st map[string]any
	if code := b.api("GET", "/api/v1/statuses/"+late["id"].(string), bob, nil, &st); code != 200 || st["visibility"] != "direct" {
		t.Errorf("the refused thread on B: %d, visibility %v; want it kept for its author only", code, st["visibility"])
	}
	// A reply is still taken.
	c.post(carol, map[string]any{"status": "Also: trust in each other.", "in_reply_to_id": threadOnC})
	var threadIDs []string
	eventually(t, 30*time.Second, "the reply in synthesis on A", func() bool {
		var texts []string
		texts, threadIDs = a.exportOf(alice, "futures")
		return containsText(texts, "trust in each other")
	})
	if texts, _ := a.exportOf(alice, "futures"); len(texts) != 3 || containsText(texts, "A late idea") {
		t.Errorf("A holds %q; want the two first contributions and the reply, not the refused thread", texts)
	}

	// The synthesis, by the facilitator, reaches B and C.
	var synthesis map[string]any
	if code := a.api("POST", consultationsAPI+"/futures/synthesis", alice, map[string]any{"title": "What we heard",
		"text": "Security starts with **clean water** and with being heard.", "sources": threadIDs}, &synthesis); code != 200 {
		t.Fatalf("publish the synthesis: %d %v", code, synthesis)
	}
	for _, p := range []struct {
		peer         *peer
		token, group string
	}{{b, bob, groupOnB}, {c, carol, groupOnC}} {
		eventually(t, 30*time.Second, "the synthesis on "+p.peer.domain, func() bool {
			for _, st := range p.peer.timeline(p.token, "/api/v1/accounts/"+p.group+"/statuses") {
				acct, _ := st["account"].(map[string]any)["acct"].(string)
				text := plain(st["content"])
				if st["uri"] == synthesis["uri"] && acct == "futures@"+a.domain &&
					strings.Contains(text, "What we heard") && strings.Contains(text, "clean water") {
					return true
				}
			}
			return false
		})
	}
	for _, p := range []*peer{b, c} {
		if title := p.statusTitle(synthesis["uri"].(string)); title != "What we heard" {
			t.Errorf("the synthesis on %s is titled %q", p.domain, title)
		}
	}
	req, _ := http.NewRequest("GET", a.srv.base+"/users/futures/featured", nil)
	req.Header.Set("Accept", "application/activity+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var featured struct {
		OrderedItems []map[string]any `json:"orderedItems"`
	}
	json.NewDecoder(res.Body).Decode(&featured)
	res.Body.Close()
	if len(featured.OrderedItems) != 1 || featured.OrderedItems[0]["type"] != "Article" || featured.OrderedItems[0]["id"] != synthesis["uri"] {
		t.Errorf("the Group's featured collection: %v", featured.OrderedItems)
	}

	// Closed: replies are refused too.
	a.setPhase(alice, "futures", "closed")
	tooLate := c.post(carol, map[string]any{"status": "One more thing.", "in_reply_to_id": threadOnC})
	if reason := c.refusal(carol, tooLate["id"].(string)); !strings.Contains(reason, "closed") {
		t.Errorf("the reason C's member is given: %q", reason)
	}
	if texts, _ := a.exportOf(alice, "futures"); len(texts) != 3 || containsText(texts, "One more thing") {
		t.Errorf("A holds %q after closing", texts)
	}
}

// TestDevSeedsDemoConsultation: serve --dev opens a demo consultation,
// facilitated by its admin, on first start only.
func TestDevSeedsDemoConsultation(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.73:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := map[string]string{
		"ROUNDTABLE_DATABASE_URL": dbtest.URL(t),
		"ROUNDTABLE_DATA_DIR":     t.TempDir(),
		"ROUNDTABLE_LISTEN":       addr,
		"ROUNDTABLE_LOG_LEVEL":    "warn",
	}
	for start := range 2 {
		srv := startServe(t, env, "--dev")
		code, body := srv.get(consultationsAPI, "")
		var list []map[string]any
		json.Unmarshal([]byte(body), &list)
		if code != 200 || len(list) != 1 {
			t.Fatalf("start %d: consultations %d %s; want the demo alone", start+1, code, body)
		}
		demo := list[0]
		facilitators, _ := demo["facilitators"].([]any)
		if demo["slug"] != "demo" || demo["phase"] != "open" || !strings.Contains(fmt.Sprint(demo["prompt"]), "security") ||
			len(facilitators) != 1 || facilitators[0].(map[string]any)["username"] != "admin" {
			t.Errorf("start %d: demo consultation %v", start+1, demo)
		}
		if code := srv.stop(syscall.SIGTERM, 15*time.Second); code != 0 {
			t.Fatalf("serve exited with %d", code)
		}
	}
}
