package roundtable_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/roundtable-fed/roundtable"
)

// TestAccountAdvisory: an advisory about an account of another server is
// a draft until a moderator accepts it; accepting "block" suspends the
// account here (its posts are hidden), an expired advisory cannot be
// accepted, and reverting after a retraction restores the account.
func TestAccountAdvisory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	s := storeForTest(t, func() time.Time { return now })
	mod, err := s.CreateMember(ctx, roundtable.NewMember{Username: "mod", Email: "mod@example.org", Password: "moderator pw",
		Role: roundtable.RoleModerator, Approved: true})
	if err != nil {
		t.Fatal(err)
	}
	troll, err := s.SaveRemoteActor(ctx, roundtable.RemoteActor{Type: "Person", Username: "troll", Domain: "bad.example",
		URI: "https://bad.example/users/troll", Inbox: "https://bad.example/users/troll/inbox",
		Followers: "https://bad.example/users/troll/followers", PublicKeyPEM: "key", PublicKeyID: "https://bad.example/users/troll#key"})
	if err != nil {
		t.Fatal(err)
	}
	peerDomain := "peer.example"
	issuer := &roundtable.Account{URI: "https://peer.example/actor", Domain: &peerDomain}
	in := roundtable.IncomingAdvisory{URI: "https://peer.example/advisories/1", Subject: troll.URI, Action: "block",
		Summary: "Threats against participants.", Published: now}

	// Not subscribed: refused, nothing stored.
	if err := s.ReceiveAdvisory(ctx, issuer, in); !errors.Is(err, roundtable.ErrForbidden) {
		t.Fatalf("advisory from a peer not subscribed to: %v", err)
	}
	if err := s.SetDomainPolicy(ctx, peerDomain, roundtable.PolicyTrust, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveAdvisorySubscription(ctx, roundtable.AdvisorySubscription{Domain: peerDomain, ActorURI: issuer.URI,
		CollectionURI: "https://peer.example/advisories", Inbox: "https://peer.example/inbox", FollowURI: "https://example.org/actor#advisory-follows/1"}); err != nil {
		t.Fatal(err)
	}
	// Another host's id is refused: advisories are first-hand.
	forged := in
	forged.URI = "https://elsewhere.example/advisories/1"
	if err := s.ReceiveAdvisory(ctx, issuer, forged); err == nil {
		t.Fatal("an advisory with an id on another host was taken")
	}
	expires := now.Add(time.Hour)
	in.Expires = &expires
	if err := s.ReceiveAdvisory(ctx, issuer, in); err != nil {
		t.Fatal(err)
	}
	drafts, err := s.Advisories(ctx, mod, roundtable.AdvisoryFilter{State: roundtable.AdvisoryDraft})
	if err != nil || len(drafts) != 1 || drafts[0].SubjectKind != "account" || *drafts[0].IssuerDomain != peerDomain {
		t.Fatalf("drafts: %+v %v", drafts, err)
	}
	if a, _ := s.Account(ctx, troll.ID); a.SuspendedAt != nil {
		t.Fatal("the draft suspended the account before anyone accepted it")
	}

	// Expired: it can no longer be accepted.
	now = now.Add(2 * time.Hour)
	var ce *roundtable.ConflictError
	if _, err := s.AcceptAdvisory(ctx, mod, drafts[0].ID, "", ""); !errors.As(err, &ce) {
		t.Fatalf("accepting an expired advisory: %v", err)
	}
	// Sent again with a later expiry, it is accepted: the account is suspended.
	later := now.Add(30 * 24 * time.Hour)
	in.Expires = &later
	if err := s.ReceiveAdvisory(ctx, issuer, in); err != nil {
		t.Fatal(err)
	}
	d, err := s.AcceptAdvisory(ctx, mod, drafts[0].ID, "", "Threats, confirmed by our members.")
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Account(ctx, troll.ID); a.SuspendedAt == nil {
		t.Fatal("accepting a block did not suspend the account")
	}
	if found, err := s.ReceiveAdvisoryRetraction(ctx, issuer, in.URI); err != nil || !found {
		t.Fatalf("retraction: %v %v", found, err)
	}
	review, err := s.AdvisoryDecisions(ctx, mod, true)
	if err != nil || len(review) != 1 || review[0].ID != d.ID {
		t.Fatalf("decisions to review: %+v %v", review, err)
	}
	if _, err := s.ReviewDecision(ctx, mod, d.ID, true, "Retracted at the source."); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Account(ctx, troll.ID); a.SuspendedAt != nil {
		t.Error("reverting the decision left the account suspended")
	}
	if review, _ := s.AdvisoryDecisions(ctx, mod, true); len(review) != 0 {
		t.Errorf("decisions still to review after the review: %d", len(review))
	}
}
