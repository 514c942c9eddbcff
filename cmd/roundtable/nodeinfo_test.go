package main

import (
	"strings"
	"testing"
	"time"
)

// TestPeerSoftware: when B first meets A, it reads A's NodeInfo; B's admin
// sees what A runs in the domain list.
func TestPeerSoftware(t *testing.T) {
	t.Parallel()
	a, b := startPeer(t, 236), startPeer(t, 237)
	a.member("alice")
	bob := b.member("bob")
	if accounts, _ := b.resolve(bob, "@alice@"+a.domain); len(accounts) != 1 {
		t.Fatalf("B's search for alice: %v", accounts)
	}
	want := a.domain + "\tdefault\t\t\troundtable " + version
	eventually(t, 30*time.Second, "A's software on B", func() bool {
		return strings.Contains(mustRun(t, b.env, "", "admin", "domain", "list"), want)
	})
	mustRun(t, b.env, "", "admin", "domain", "set", a.domain, "--policy", "trust", "--reason", "partner")
	if out := mustRun(t, b.env, "", "admin", "domain", "list"); !strings.Contains(out, a.domain+"\ttrust\tpartner\t\troundtable "+version) ||
		strings.Count(out, a.domain) != 1 {
		t.Errorf("domain list: %q", out)
	}
}
