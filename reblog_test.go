package roundtable_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/roundtable-fed/roundtable"
)

// TestRemoteReblogAndHistory: a remote person's Announce of a member's
// status counts once and notifies the member, until undone; an edit that
// arrives from another server keeps the earlier version in the history.
func TestRemoteReblogAndHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storeForTest(t, nil)
	alice := memberForTest(t, s, "alice")
	erin, err := s.SaveRemoteActor(ctx, roundtable.RemoteActor{Type: "Person", Username: "erin", Domain: "masto.example",
		URI: "https://masto.example/users/erin", Inbox: "https://masto.example/users/erin/inbox",
		Followers: "https://masto.example/users/erin/followers", PublicKeyPEM: "key", PublicKeyID: "https://masto.example/users/erin#main-key"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.CreateStatus(ctx, alice, roundtable.NewStatus{Text: "worth sharing"})
	if err != nil {
		t.Fatal(err)
	}
	announce := "https://masto.example/users/erin/statuses/9/activity"
	for i := 0; i < 2; i++ { // a replayed Announce counts once
		if err := s.ReceiveReblog(ctx, erin, *st.URI, announce, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Status(ctx, st.ID, alice.ID)
	if err != nil || got.ReblogsCount != 1 {
		t.Fatalf("after the Announce: %+v, %v", got, err)
	}
	ns, err := s.Notifications(ctx, alice, roundtable.NotificationFilter{Types: []string{roundtable.NotifyReblog}}, roundtable.Page{})
	if err != nil || len(ns) != 1 || ns[0].FromAccountID != erin.ID {
		t.Fatalf("reblog notifications %v, %v", ns, err)
	}
	// Undone by the Announce's id.
	if err := s.ReceiveUndoReblog(ctx, erin, announce, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Status(ctx, st.ID, alice.ID); got.ReblogsCount != 0 {
		t.Errorf("after the Undo: %d reblogs", got.ReblogsCount)
	}
	if ns, _ = s.Notifications(ctx, alice, roundtable.NotificationFilter{Types: []string{roundtable.NotifyReblog}}, roundtable.Page{}); len(ns) != 0 {
		t.Errorf("notification kept after the Undo: %v", ns)
	}
	// An Announce of a followers-only status changes nothing.
	priv, err := s.CreateStatus(ctx, alice, roundtable.NewStatus{Text: "between us", Visibility: "private"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ReceiveReblog(ctx, erin, *priv.URI, announce+"2", time.Now()); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Status(ctx, priv.ID, alice.ID); got.ReblogsCount != 0 {
		t.Errorf("a private status counts %d reblogs", got.ReblogsCount)
	}

	// A remote edit keeps the version it replaces.
	first := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	rs := roundtable.RemoteStatus{URI: "https://masto.example/users/erin/statuses/1", Content: "<p>first words</p>",
		Visibility: roundtable.Public, Published: first}
	rst, err := s.SaveRemoteStatus(ctx, erin, rs)
	if err != nil {
		t.Fatal(err)
	}
	edited := first.Add(30 * time.Minute)
	rs.Content, rs.Updated = "<p>second thoughts</p>", &edited
	if _, err := s.SaveRemoteStatus(ctx, erin, rs); err != nil {
		t.Fatal(err)
	}
	_, vs, err := s.StatusHistory(ctx, rst.ID, "")
	if err != nil || len(vs) != 2 {
		t.Fatalf("history %+v, %v", vs, err)
	}
	if !strings.Contains(vs[0].Content, "first words") || !strings.Contains(vs[1].Content, "second thoughts") ||
		!vs[0].CreatedAt.Equal(first) || !vs[1].CreatedAt.Equal(edited) {
		t.Errorf("versions %+v", vs)
	}
}
