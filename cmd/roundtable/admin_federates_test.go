package main

import (
	"testing"
	"time"
)

// TestAdminChangesFederate: a consultation changed from the command line is
// changed for its followers on other instances too, as from the web.
func TestAdminChangesFederate(t *testing.T) {
	t.Parallel()
	a, b := startPeerAt(t, "127.0.1.90"), startPeerAt(t, "127.0.1.91")
	bob := b.member("bob")
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "water", "--title", "Water first")
	id := b.join(bob, "@water@"+a.domain)

	mustRun(t, a.env, "", "admin", "consultation", "set", "water", "--title", "Water and safety")
	eventually(t, 20*time.Second, "B sees the new title", func() bool {
		var acc map[string]any
		b.api("GET", "/api/v1/accounts/"+id, bob, nil, &acc)
		return acc["display_name"] == "Water and safety"
	})
}
