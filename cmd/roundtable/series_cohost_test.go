package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// moderatorsOf returns the moderators collection of a Group on p.
func (p *peer) moderatorsOf(slug string) []string {
	p.t.Helper()
	req, _ := http.NewRequest("GET", p.srv.base+"/users/"+slug+"/moderators", nil)
	req.Header.Set("Accept", "application/activity+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	var col struct {
		OrderedItems []string `json:"orderedItems"`
	}
	if err := json.NewDecoder(res.Body).Decode(&col); err != nil {
		p.t.Fatalf("the moderators of %s on %s: %v", slug, p.domain, err)
	}
	return col.OrderedItems
}

// TestSeriesCohostedEditions: a series on A names B (which A trusts) and an
// instance A does not trust as co-hosts. Edition 1 invites B, whose admin
// accepts and names bea; the untrusted instance is recorded, not invited,
// and the series page says so. Edition 2 is co-hosted by B from the start,
// with nothing done on B: bea is among its moderators and removes a
// contribution. Once B's admin leaves edition 2, edition 3's invitation
// waits for B's admin again.
func TestSeriesCohostedEditions(t *testing.T) {
	t.Parallel()
	a, b := startPeerAt(t, "127.0.1.150"), startPeerAt(t, "127.0.1.151")
	alice, ana := a.member("alice"), a.member("ana")
	b.member("bea")
	bea := strings.TrimSpace(mustRun(t, b.env, "", "admin", "account", "token", "--username", "bea",
		"--scopes", "read write follow admin:read admin:write"))
	untrusted := "127.0.1.152:9"
	mustRun(t, a.env, "", "admin", "domain", "set", b.domain, "--policy", "trust")
	mustRun(t, a.env, "", "admin", "series", "create", "--slug", "forum", "--title", "Neighbourhood forum",
		"--norm", "Speak from your own experience", "--cohosts", b.domain+","+untrusted, "--moderator", "alice",
		"--synthesis-after-days", "10", "--closes-after-days", "20")

	// Edition 1: B's admin sees the invitation, accepts, names bea.
	mustRun(t, a.env, "", "admin", "series", "open", "--series", "forum")
	var invitation []string
	eventually(t, 30*time.Second, "the invitation to co-host edition 1 on B", func() bool {
		invitation = b.cohostLine("forum_1@" + a.domain)
		return invitation != nil && invitation[4] == "invited"
	})
	mustRun(t, b.env, "", "admin", "cohost", "accept", invitation[0])
	mustRun(t, b.env, "", "admin", "cohost", "facilitator", invitation[0], "bea")
	beaURI := "http://" + b.domain + "/users/bea"
	eventually(t, 30*time.Second, "bea among edition 1's moderators on A", func() bool {
		return strings.Contains(strings.Join(a.moderatorsOf("forum_1"), " "), beaURI)
	})
	if n := a.count(`SELECT count(*) FROM cohosts WHERE domain = $1`, untrusted); n != 0 {
		t.Errorf("A invited %s, which it does not trust (%d co-hostings)", untrusted, n)
	}

	// Edition 2: B co-hosts it without its admin doing anything.
	var c map[string]any
	if code := a.api("POST", "/api/roundtable/v1/series/forum/editions", alice, nil, &c); code != 200 || c["slug"] != "forum_2" {
		t.Fatalf("open edition 2: %d %v", code, c)
	}
	eventually(t, 30*time.Second, "B an accepted co-host of edition 2 on A, with bea", func() bool {
		l := a.cohostLine("forum_2")
		return l != nil && l[3] == b.domain && l[4] == "accepted" && len(l) > 5 && l[5] == "bea@"+b.domain
	})
	eventually(t, 30*time.Second, "bea among edition 2's moderators on A", func() bool {
		return strings.Contains(strings.Join(a.moderatorsOf("forum_2"), " "), beaURI)
	})
	if l := b.cohostLine("forum_2@" + a.domain); l == nil || l[4] != "accepted" || len(l) < 6 || l[5] != "bea" {
		t.Errorf("edition 2 on B: %v, want accepted with bea", l)
	}

	// The series page names the untrusted co-host, not invited.
	page := a.page("/series/forum")
	for _, want := range []string{untrusted + " is not a peer this instance trusts", untrusted + " (not invited)",
		b.domain + " (co-hosting)"} {
		if !strings.Contains(page, want) {
			t.Errorf("the series page lacks %q", want)
		}
	}

	// Bea removes a contribution to edition 2, from B.
	handle := "@forum_2@" + a.domain
	a.join(ana, handle)
	b.join(bea, handle)
	st := a.post(ana, map[string]any{"status": handle + " Benches\nThe square needs benches in the shade."})
	onB := b.findOn(bea, "The square needs benches")
	reason := "Off topic for this edition."
	var out map[string]any
	if code := b.api("POST", "/api/roundtable/v1/consultations/forum_2@"+a.domain+"/contributions/"+onB+"/remove", bea,
		map[string]any{"reason": reason}, &out); code != 200 {
		t.Fatalf("bea's removal on B: %d %v", code, out)
	}
	eventually(t, 30*time.Second, "the removal on A", func() bool {
		return a.api("GET", "/api/v1/statuses/"+st["id"].(string), ana, nil, nil) == 404
	})

	// B's admin leaves edition 2: edition 3 waits for B's admin.
	mustRun(t, b.env, "", "admin", "cohost", "leave", b.cohostLine("forum_2@" + a.domain)[0])
	eventually(t, 30*time.Second, "B's leaving on A", func() bool {
		l := a.cohostLine("forum_2")
		return l != nil && l[4] == "left"
	})
	mustRun(t, a.env, "", "admin", "series", "open", "--series", "forum")
	eventually(t, 30*time.Second, "the invitation to co-host edition 3 on B", func() bool {
		l := b.cohostLine("forum_3@" + a.domain)
		return l != nil
	})
	b.settled()
	if l := b.cohostLine("forum_3@" + a.domain); l[4] != "invited" {
		t.Errorf("edition 3 on B after B left edition 2: %v, want invited", l)
	}
}
