package web_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/roundtable-fed/roundtable"
)

// TestModerationAdvisoriesPage: a moderator publishes an advisory from the
// page, sees a draft received from a trusted peer with its source, and
// accepts it with a milder action; bad forms change nothing.
func TestModerationAdvisoriesPage(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	mod := in.staff(t, "mod", roundtable.RoleModerator)
	admin := in.staff(t, "root", roundtable.RoleAdmin)
	modMember, err := in.Store.MemberByUsername(ctx, "mod")
	if err != nil {
		t.Fatal(err)
	}

	var drafts []*roundtable.Advisory
	r := in.page(mod, "/moderation/advisories")
	wantStatus(t, r, 200)
	wantBody(t, r, "No advisory is waiting.", "No decision needs a review.", `href="/moderation/advisories"`)

	// Publishing: bad forms are refused and kept for correction.
	r = in.submit(mod, "/moderation/advisories", url.Values{"subject": {"spam.example"}, "action": {"block"}, "summary": {"  "}})
	wantStatus(t, r, 422)
	wantBody(t, r, "summary: an advisory needs a public reason", `value="spam.example"`)
	wantStatus(t, in.submit(mod, "/moderation/advisories", url.Values{"subject": {"spam.example"}, "action": {"block"},
		"summary": {"Spam"}, "expires": {"soon"}}), 422)
	wantStatus(t, in.forge(mod, "/moderation/advisories", url.Values{"subject": {"spam.example"}, "action": {"block"}, "summary": {"Spam"}}), 403)
	if l, err := in.Store.Advisories(ctx, modMember, roundtable.AdvisoryFilter{Issued: true}); err != nil || len(l) != 0 {
		t.Fatalf("after refused forms: %v, %v", l, err)
	}
	wantStatus(t, in.submit(mod, "/moderation/advisories", url.Values{"subject": {"spam.example"}, "action": {"limit"},
		"summary": {"Spam replies since May."}, "labels": {"spam, bots"}, "expires": {time.Now().AddDate(0, 3, 0).Format("2006-01-02")}}), 303)
	wantBody(t, in.page(mod, "/moderation/advisories"), "The advisory was published", "<td>spam.example</td><td>Limit</td><td>Spam replies since May.</td>")

	// A draft from a trusted peer this instance subscribes to.
	if err := in.Store.SetDomainPolicy(ctx, "peer.example", roundtable.PolicyTrust, ""); err != nil {
		t.Fatal(err)
	}
	if ok, err := in.Store.SaveAdvisorySubscription(ctx, roundtable.AdvisorySubscription{Domain: "peer.example",
		ActorURI: "https://peer.example/actor", CollectionURI: "https://peer.example/advisories", Inbox: "https://peer.example/inbox",
		FollowURI: in.Store.Links().InstanceActor() + "#advisory-follows/1"}); err != nil || !ok {
		t.Fatalf("subscription: %v %v", ok, err)
	}
	peerDomain := "peer.example"
	issuer := &roundtable.Account{URI: "https://peer.example/actor", Domain: &peerDomain}
	if err := in.Store.ReceiveAdvisory(ctx, issuer, roundtable.IncomingAdvisory{URI: "https://peer.example/advisories/1",
		Subject: "raid.example", Action: "block", Summary: "Raids on consultations.", Published: time.Now()}); err != nil {
		t.Fatal(err)
	}
	r = in.page(mod, "/moderation/advisories")
	wantBody(t, r, "raid.example — Block", "From peer.example", "Raids on consultations.")
	drafts, err = in.Store.Advisories(ctx, modMember, roundtable.AdvisoryFilter{State: roundtable.AdvisoryDraft})
	if err != nil || len(drafts) != 1 {
		t.Fatalf("drafts: %v %v", drafts, err)
	}
	id := drafts[0].ID
	wantStatus(t, in.submit(mod, "/moderation/advisories/"+id+"/dismiss", url.Values{"reason": {""}}), 422)
	wantStatus(t, in.submit(mod, "/moderation/advisories/"+id+"/accept", url.Values{"action": {"obliterate"}}), 422)
	if p, _ := in.Store.PeerPolicy(ctx, "raid.example"); p != roundtable.PolicyDefault {
		t.Fatalf("policy after refused forms: %s", p)
	}
	wantStatus(t, in.submit(mod, "/moderation/advisories/"+id+"/accept", url.Values{"action": {"limit"}, "reason": {"Limit for now."}}), 303)
	if p, _ := in.Store.PeerPolicy(ctx, "raid.example"); p != roundtable.PolicyLimit {
		t.Errorf("policy after accepting: %s, want limit", p)
	}
	wantBody(t, in.page(mod, "/moderation/advisories"), "The advisory was accepted", "No advisory is waiting.")
	wantBody(t, in.page(mod, "/moderation/log"), "Limited, on an advisory", "Limit for now.")

	// Rules are for admins.
	wantStatus(t, in.submit(mod, "/moderation/advisory_rules", url.Values{"min_peers": {"2"}, "advised": {"block"}, "apply": {"limit"}}), 403)
	wantStatus(t, in.submit(admin, "/moderation/advisory_rules", url.Values{"min_peers": {"two"}, "advised": {"block"}, "apply": {"limit"}}), 422)
	wantStatus(t, in.submit(admin, "/moderation/advisory_rules", url.Values{"min_peers": {"2"}, "advised": {"block"}, "apply": {"limit"}}), 303)
	wantBody(t, in.page(admin, "/moderation/advisories"), "Limit a domain that 2 trusted instances advise to Block")
}
