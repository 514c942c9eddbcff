package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSeriesEditionAcrossInstances: A hosts a series co-hosted with B; a
// member of B and a member of A follow it. A opens edition 2 from the
// template: both are notified (B's through the series Group's Announce),
// and edition 2 has the template's norms, co-hosts and phase dates. The
// series page links both editions.
func TestSeriesEditionAcrossInstances(t *testing.T) {
	t.Parallel()
	a, b := startPeerAt(t, "127.0.1.21"), startPeerAt(t, "127.0.1.22")
	alice, ana, bob := a.member("alice"), a.member("ana"), b.member("bob")
	mustRun(t, a.env, "", "admin", "series", "create", "--slug", "security", "--title", "Rethinking security",
		"--prompt", "Edition {edition}: what does security mean to you now?", "--norm", "Speak from your own experience",
		"--norm", "No names of third parties", "--cohosts", b.domain, "--moderator", "alice",
		"--synthesis-after-days", "30", "--closes-after-days", "45", "--interval-days", "61")
	if got := mustRun(t, a.env, "", "admin", "series", "open", "--series", "security"); got != "@security_1@"+a.domain {
		t.Fatalf("edition 1: %q", got)
	}

	handle := "@security@" + a.domain
	b.join(bob, handle)
	a.join(ana, handle)

	var c map[string]any
	if code := a.api("POST", "/api/roundtable/v1/series/security/editions", alice, nil, &c); code != 200 {
		t.Fatalf("open edition 2: %d %v", code, c)
	}
	if c["slug"] != "security_2" || !strings.Contains(c["prompt"].(string), "Edition 2") {
		t.Fatalf("edition 2: %v", c)
	}
	norms, _ := c["norms"].([]any)
	if len(norms) != 2 || norms[0] != "Speak from your own experience" || norms[1] != "No names of third parties" {
		t.Errorf("edition 2's norms: %v", norms)
	}
	opens, _ := time.Parse(time.RFC3339, str(c["opens_at"]))
	synthesis, _ := time.Parse(time.RFC3339, str(c["synthesis_at"]))
	closes, _ := time.Parse(time.RFC3339, str(c["closes_at"]))
	if opens.IsZero() || synthesis.Sub(opens) != 30*24*time.Hour || closes.Sub(opens) != 45*24*time.Hour {
		t.Errorf("edition 2's dates: opens %v, synthesis %v, closes %v", c["opens_at"], c["synthesis_at"], c["closes_at"])
	}
	var se struct {
		Editions []struct {
			Number  int      `json:"number"`
			Slug    string   `json:"slug"`
			Cohosts []string `json:"cohosts"`
		} `json:"editions"`
	}
	a.api("GET", "/api/roundtable/v1/series/security", "", nil, &se)
	if len(se.Editions) != 2 || se.Editions[0].Number != 2 || se.Editions[0].Slug != "security_2" ||
		len(se.Editions[0].Cohosts) != 1 || se.Editions[0].Cohosts[0] != b.domain {
		t.Errorf("A's series: %+v, want edition 2 co-hosted by %s", se, b.domain)
	}

	// B's member is told by the series' Announce, and only of edition 2.
	var told []map[string]any
	eventually(t, 30*time.Second, "bob's notification on B", func() bool {
		told = nil
		b.api("GET", "/api/v1/notifications?types[]=series_edition", bob, nil, &told)
		return len(told) > 0
	})
	if len(told) != 1 || told[0]["account"].(map[string]any)["acct"] != "security_2@"+a.domain || told[0]["reason"] != "Rethinking security" {
		t.Fatalf("bob's notifications: %v", told)
	}
	var onA []map[string]any
	a.api("GET", "/api/v1/notifications?types[]=series_edition", ana, nil, &onA)
	if len(onA) != 1 || onA[0]["account"].(map[string]any)["acct"] != "security_2" {
		t.Errorf("ana's notifications: %v", onA)
	}

	res, err := http.Get("http://" + a.domain + "/series/security")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{"/@security_1", "/@security_2", b.domain, "Speak from your own experience"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the series page lacks %q", want)
		}
	}
}
