package web_test

import (
	"context"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// TestActionsInForce: what moderators hold in place shows in
// /moderation/actions, for moderators only, and leaves it when lifted.
func TestActionsInForce(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	_, moderator := in.staffToken("mod", roundtable.RoleModerator)
	gus, author := in.member("gus")
	_, other := in.staffToken("kim", roundtable.RoleMember)
	id := in.postJSON("/api/v1/statuses", author, map[string]any{"status": "Something to hold."}).Object(t)["id"].(string)

	wantStatus(t, in.get(modAPI+"/actions", other), 403)
	if l := in.get(modAPI+"/actions", moderator).List(t); len(l) != 0 {
		t.Fatalf("actions before any: %v", l)
	}
	wantStatus(t, in.postJSON(modAPI+"/contributions/"+id+"/hold", moderator, map[string]any{"reason": "Check first"}), 200)
	wantStatus(t, in.postJSON(modAPI+"/accounts/"+gus.ID+"/limit", moderator, map[string]any{"reason": "Spam"}), 200)
	if err := in.Store.SetDomainPolicy(ctx, "bad.example", roundtable.PolicyBlock, "Harassment"); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]map[string]any{}
	for _, a := range in.get(modAPI+"/actions", moderator).List(t) {
		kinds[a["kind"].(string)] = a
	}
	if kinds["held"]["target_id"] != id || kinds["limited"]["target_id"] != gus.ID ||
		kinds["domain_block"]["target"] != "bad.example" || kinds["domain_block"]["reason"] != "Harassment" || len(kinds) != 3 {
		t.Errorf("actions in force: %v", kinds)
	}
	wantStatus(t, in.postJSON(modAPI+"/contributions/"+id+"/release", moderator, map[string]any{"reason": "Checked"}), 200)
	for _, a := range in.get(modAPI+"/actions", moderator).List(t) {
		if a["kind"] == "held" {
			t.Errorf("a released contribution is still listed as held: %v", a)
		}
	}
}
