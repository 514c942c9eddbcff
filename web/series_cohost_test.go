package web_test

import (
	"context"
	"errors"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// TestSeriesCohostInvitations: on the invited instance, an invitation to
// co-host an edition names its series, which must be on the host's server;
// the first waits for an admin; once an admin accepted it and named bea,
// the next edition's is accepted at once with bea; after leaving an
// edition, the next waits again.
func TestSeriesCohostInvitations(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	_, adminToken := in.staffToken("root", roundtable.RoleAdmin)
	in.member("bea", "read")
	const pem = "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----"
	host, err := in.Store.SaveRemoteActor(ctx, roundtable.RemoteActor{URI: "https://host.example/actor", Type: "Application",
		Username: "host.example", Domain: "host.example", Inbox: "https://host.example/actor/inbox",
		PublicKeyID: "https://host.example/actor#main-key", PublicKeyPEM: pem})
	if err != nil {
		t.Fatal(err)
	}
	const series = "https://host.example/users/forum"
	invite := func(n string) *roundtable.Account {
		t.Helper()
		g, err := in.Store.SaveRemoteActor(ctx, roundtable.RemoteActor{URI: series + "_" + n, Type: "Group",
			Username: "forum_" + n, Domain: "host.example", Inbox: series + "_" + n + "/inbox",
			PublicKeyID: series + "_" + n + "#main-key", PublicKeyPEM: pem})
		if err != nil {
			t.Fatal(err)
		}
		if err := in.Store.ReceiveCohostInvite(ctx, host, g, "https://host.example/actor#cohost-invites/"+n); err != nil {
			t.Fatal(err)
		}
		return g
	}
	cohosting := func(group string) map[string]any {
		t.Helper()
		r := in.get("/api/roundtable/v1/cohosts", adminToken)
		wantStatus(t, r, 200)
		for _, h := range r.List(t) {
			if h["consultation"] == group {
				return h
			}
		}
		t.Fatalf("no co-hosting of %s", group)
		return nil
	}

	ed1 := invite("1")
	err = in.Store.ReceiveSeriesCohostInvite(ctx, host, ed1, "https://host.example/actor#cohost-invites/1", "https://other.example/users/forum")
	if !errors.Is(err, roundtable.ErrForbidden) {
		t.Errorf("a series on another server: %v, want forbidden", err)
	}
	if err := in.Store.ReceiveSeriesCohostInvite(ctx, host, ed1, "https://host.example/actor#cohost-invites/1", series); err != nil {
		t.Fatal(err)
	}
	h1 := cohosting("forum_1@host.example")
	if h1["state"] != "invited" {
		t.Fatalf("the first edition's invitation: %v, want it waiting", h1)
	}
	id1 := h1["id"].(string)
	if _, err := in.Store.AnswerCohostInvite(ctx, nil, id1, true); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Store.NameCohostFacilitator(ctx, nil, id1, "bea", true); err != nil {
		t.Fatal(err)
	}

	ed2 := invite("2")
	if err := in.Store.ReceiveSeriesCohostInvite(ctx, host, ed2, "https://host.example/actor#cohost-invites/2", series); err != nil {
		t.Fatal(err)
	}
	h2 := cohosting("forum_2@host.example")
	if f, _ := h2["facilitators"].([]any); h2["state"] != "accepted" || len(f) != 1 || f[0] != "bea" {
		t.Fatalf("the second edition: %v, want accepted with bea", h2)
	}

	if err := in.Store.LeaveCohost(ctx, nil, h2["id"].(string)); err != nil {
		t.Fatal(err)
	}
	ed3 := invite("3")
	if err := in.Store.ReceiveSeriesCohostInvite(ctx, host, ed3, "https://host.example/actor#cohost-invites/3", series); err != nil {
		t.Fatal(err)
	}
	if h3 := cohosting("forum_3@host.example"); h3["state"] != "invited" {
		t.Errorf("the third edition after leaving the second: %v, want it waiting", h3)
	}
}
