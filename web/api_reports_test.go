package web_test

import (
	"context"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// TestReportsHoldBack: three members report a contribution; it is held
// back (seen by its author only) until a moderator decides. Two reports,
// or one member reporting twice, are not enough.
func TestReportsHoldBack(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	if _, err := in.Store.CreateMember(ctx, roundtable.NewMember{Username: "mod", Email: "mod@example.org",
		Password: "moderator pw", Role: roundtable.RoleModerator, Approved: true}); err != nil {
		t.Fatal(err)
	}
	mod, err := in.Store.IssueToken(ctx, "mod", []string{"read", "write", "admin:read", "admin:write"})
	if err != nil {
		t.Fatal(err)
	}
	author, authorToken := in.member("troll")
	r := in.postJSON("/api/v1/statuses", authorToken, map[string]any{"status": "Something hurtful"})
	wantStatus(t, r, 200)
	id := r.Object(t)["id"].(string)
	report := func(token string) *response {
		return in.postJSON("/api/v1/reports", token, map[string]any{"account_id": author.ID, "status_ids": []string{id},
			"comment": "Not kind", "category": "violation"})
	}
	_, one := in.member("one")
	_, two := in.member("two")
	_, three := in.member("three")
	wantStatus(t, report(one), 200)
	wantStatus(t, report(one), 200) // the same member again counts once
	wantStatus(t, report(two), 200)
	wantStatus(t, in.get("/api/v1/statuses/"+id, ""), 200)
	r = report(three)
	wantStatus(t, r, 200)
	rep := r.Object(t)
	if rep["action_taken"] != false || rep["target_account"].(map[string]any)["id"] != author.ID {
		t.Errorf("report entity: %s", r.Body)
	}
	// Held back: gone for readers and from the public timeline, still there for its author.
	wantStatus(t, in.get("/api/v1/statuses/"+id, ""), 404)
	wantStatus(t, in.get("/api/v1/statuses/"+id, one), 404)
	wantStatus(t, in.get("/api/v1/statuses/"+id, authorToken), 200)
	for _, st := range in.get("/api/v1/timelines/public", "").List(t) {
		if st["id"] == id {
			t.Error("a held-back contribution is in the public timeline")
		}
	}
	// The queue: members cannot read it; a moderator can, and dismisses.
	wantStatus(t, in.get("/api/roundtable/v1/moderation/reports", one), 403)
	r = in.get("/api/roundtable/v1/moderation/reports", mod)
	wantStatus(t, r, 200)
	queue := r.List(t)
	if len(queue) != 4 {
		t.Fatalf("queue: %d reports, want 4", len(queue))
	}
	wantStatus(t, in.postJSON("/api/roundtable/v1/moderation/reports/"+queue[0]["id"].(string)+"/dismiss", mod,
		map[string]any{"reason": "Blunt, not abusive"}), 200)
	wantStatus(t, in.get("/api/v1/statuses/"+id, ""), 200)
	if q := in.get("/api/roundtable/v1/moderation/reports", mod).List(t); len(q) != 0 {
		t.Errorf("after the decision, %d reports are still open", len(q))
	}
	// Bad reports are refused with the field named, and store nothing.
	r = in.postJSON("/api/v1/reports", one, map[string]any{"account_id": author.ID, "status_ids": []string{"01M8AHRHB73S02P9K48XPRXW76"}})
	wantStatus(t, r, 422)
	r = in.postJSON("/api/v1/reports", one, map[string]any{"account_id": author.ID, "category": "boring"})
	wantStatus(t, r, 422)
	wantStatus(t, in.postJSON("/api/v1/reports", one, map[string]any{}), 422)
}
