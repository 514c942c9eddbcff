package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// TestCohostInvitationPages: on the invited instance, an admin sees a
// host's invitation on the co-hosting tab, accepts it and names a member
// facilitator, who then finds the consultation on their co-hosting page;
// bad input changes nothing; after the host withdraws, the facilitator's
// actions are refused.
func TestCohostInvitationPages(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	admin := in.staff(t, "ada", roundtable.RoleAdmin)
	_, adminToken := in.staffToken("root", roundtable.RoleAdmin)
	_, beaToken := in.member("bea", "read", "write", "admin:write")
	beaPage := browser(t)
	wantStatus(t, in.form(beaPage, "/login", url.Values{"username": {"bea"}, "password": {"password-bea"}}), 303)

	host, err := in.Store.SaveRemoteActor(ctx, roundtable.RemoteActor{URI: "https://host.example/actor", Type: "Application",
		Username: "host.example", Domain: "host.example", Inbox: "https://host.example/actor/inbox",
		PublicKeyID: "https://host.example/actor#main-key", PublicKeyPEM: "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----"})
	if err != nil {
		t.Fatal(err)
	}
	group, err := in.Store.SaveRemoteActor(ctx, roundtable.RemoteActor{URI: "https://host.example/users/water", Type: "Group",
		Username: "water", Domain: "host.example", DisplayName: "Water and safety", Inbox: "https://host.example/users/water/inbox",
		PublicKeyID: "https://host.example/users/water#main-key", PublicKeyPEM: "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----"})
	if err != nil {
		t.Fatal(err)
	}
	// Only the host's own instance actor may invite to its consultations.
	if err := in.Store.ReceiveCohostInvite(ctx, group, group, "https://host.example/users/water#invite"); err == nil {
		t.Error("a Group's own invitation was taken")
	}
	if err := in.Store.ReceiveCohostInvite(ctx, host, group, "https://host.example/actor#cohost-invites/1"); err != nil {
		t.Fatal(err)
	}

	// Members without admin rights see none of it.
	wantStatus(t, in.get("/api/roundtable/v1/cohosts", beaToken), 403)
	r := in.get("/api/roundtable/v1/cohosts", adminToken)
	wantStatus(t, r, 200)
	list := r.List(t)
	if len(list) != 1 || list[0]["state"] != "invited" || list[0]["consultation"] != "water@host.example" || list[0]["hosting"] != false {
		t.Fatalf("co-hostings: %v", list)
	}
	id := list[0]["id"].(string)

	r = in.page(admin, "/moderation/cohosts")
	wantStatus(t, r, 200)
	wantBody(t, r, "Water and safety", "host.example", `action="/moderation/cohosts/`+id+`/accept"`)
	wantStatus(t, in.submit(admin, "/moderation/cohosts/"+id+"/accept", nil), 303)
	wantStatus(t, in.submit(admin, "/moderation/cohosts/"+id+"/accept", nil), 422) // answered already

	r = in.submit(admin, "/moderation/cohosts/"+id+"/facilitators", url.Values{"username": {"nobody"}})
	wantStatus(t, r, 422)
	wantBody(t, r, "no member is called")
	if p := in.page(beaPage, "/cohosting"); !strings.Contains(string(p.Body), "You facilitate no consultation hosted elsewhere.") {
		t.Errorf("bea's page before being named: %s", p.Body)
	}
	wantStatus(t, in.submit(admin, "/moderation/cohosts/"+id+"/facilitators", url.Values{"username": {"bea"}}), 303)
	r = in.get("/api/roundtable/v1/cohosts", adminToken)
	if l := r.List(t); l[0]["state"] != "accepted" || len(l[0]["facilitators"].([]any)) != 1 || l[0]["facilitators"].([]any)[0] != "bea" {
		t.Fatalf("after accepting and naming: %v", l)
	}
	r = in.page(beaPage, "/cohosting")
	wantStatus(t, r, 200)
	wantBody(t, r, "Water and safety (@water@host.example)")

	// A removal without a reason is refused, and so is one of a
	// contribution the consultation does not hold.
	r = in.postJSON("/api/roundtable/v1/consultations/water@host.example/contributions/01HZZZZZZZZZZZZZZZZZZZZZZZ/remove", beaToken,
		map[string]any{"reason": ""})
	wantStatus(t, r, 422)
	r = in.postJSON("/api/roundtable/v1/consultations/water@host.example/contributions/01HZZZZZZZZZZZZZZZZZZZZZZZ/remove", beaToken,
		map[string]any{"reason": "Names a person"})
	wantStatus(t, r, 404)

	// The host withdraws this instance: bea may no longer act.
	if err := in.Store.ReceiveCohostWithdrawal(ctx, host, group.URI); err != nil {
		t.Fatal(err)
	}
	r = in.postJSON("/api/roundtable/v1/consultations/water@host.example/contributions/01HZZZZZZZZZZZZZZZZZZZZZZZ/remove", beaToken,
		map[string]any{"reason": "Names a person"})
	wantStatus(t, r, http.StatusForbidden)
	r = in.postJSON("/api/roundtable/v1/consultations/water@host.example/threads/01HZZZZZZZZZZZZZZZZZZZZZZZ/lock", beaToken, nil)
	wantStatus(t, r, http.StatusForbidden)
	if p := in.page(beaPage, "/cohosting"); strings.Contains(string(p.Body), "Water and safety") {
		t.Errorf("bea's page after the withdrawal still lists the consultation")
	}
	if l := in.get("/api/roundtable/v1/cohosts", adminToken).List(t); l[0]["state"] != "withdrawn" || len(l[0]["facilitators"].([]any)) != 0 {
		t.Errorf("after the withdrawal: %v", l)
	}
}

// TestCohostInviteRefusals: inviting a co-host needs a facilitator of the
// consultation, and a peer this instance trusts; a refusal stores nothing.
func TestCohostInviteRefusals(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	_, adminToken := in.staffToken("root", roundtable.RoleAdmin)
	_, memberToken := in.member("mo", "read", "write")
	if _, err := in.Store.CreateConsultation(ctx, roundtable.NewConsultation{Slug: "water", Title: "Water"}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, in.postJSON("/api/roundtable/v1/consultations/water/cohosts", memberToken, map[string]any{"domain": "peer.example"}), 403)
	r := in.postJSON("/api/roundtable/v1/consultations/water/cohosts", adminToken, map[string]any{"domain": "peer.example"})
	wantStatus(t, r, 422)
	if !strings.Contains(string(r.Body), "trust") {
		t.Errorf("refusal of an untrusted peer: %s", r.Body)
	}
	wantStatus(t, in.postJSON("/api/roundtable/v1/consultations/water/cohosts", adminToken, map[string]any{"domain": "not a domain"}), 422)
	wantStatus(t, in.postJSON("/api/roundtable/v1/consultations/nowhere/cohosts", adminToken, map[string]any{"domain": "peer.example"}), 404)
	r = in.get("/api/roundtable/v1/consultations/water/cohosts", "")
	wantStatus(t, r, 200)
	if l := r.List(t); len(l) != 0 {
		t.Errorf("co-hosts after refusals: %v", l)
	}
	wantStatus(t, in.do("DELETE", "/api/roundtable/v1/consultations/water/cohosts/peer.example", adminToken, nil, ""), 404)
}
