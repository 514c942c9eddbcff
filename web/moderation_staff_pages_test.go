package web_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// TestModerationStaffPages: an admin changes the instance settings (bad
// input refused with what was typed), a moderator releases a contribution
// held by pre-moderation, warns the author of a reported contribution, and
// rejects the appeal; the admin gives a member the moderator role. Members
// see none of it and forged forms are refused.
func TestModerationStaffPages(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	admin := in.staff(t, "root", roundtable.RoleAdmin)
	mod := in.staff(t, "mod", roundtable.RoleModerator)
	member := in.staff(t, "ben", roundtable.RoleMember)
	if _, err := in.Store.CreateConsultation(ctx, roundtable.NewConsultation{Slug: "park", Title: "Park", Facilitators: []string{"root"},
		Phase: roundtable.PhaseOpen}); err != nil {
		t.Fatal(err)
	}

	// Instance settings: admins only.
	wantStatus(t, in.page(mod, "/moderation/settings"), 403)
	wantStatus(t, in.page(member, "/moderation/held"), 403)
	r := in.page(admin, "/moderation/settings")
	wantStatus(t, r, 200)
	wantBody(t, r, `name="auto_hide_reports" type="number" min="1" required value="3"`)
	settings := url.Values{"registrations": {"approval"}, "auto_hide_reports": {"0"}, "federation_mode": {"open"},
		"premoderation": {"1"}, "publish_domain_blocks": {"1"}}
	r = in.submit(admin, "/moderation/settings", settings)
	wantStatus(t, r, 422)
	wantBody(t, r, "auto_hide_reports: must be a number of reports", `value="0"`)
	if mode, _ := in.Store.RegistrationMode(ctx); mode != roundtable.RegistrationsOpen {
		t.Errorf("a refused form changed the sign-up mode to %s", mode)
	}
	settings.Set("auto_hide_reports", "5")
	wantStatus(t, in.forge(admin, "/moderation/settings", settings), 403)
	wantStatus(t, in.submit(mod, "/moderation/settings", settings), 403)
	wantStatus(t, in.submit(admin, "/moderation/settings", settings), 303)
	ms, _ := in.Store.ModerationSettings(ctx)
	if mode, _ := in.Store.RegistrationMode(ctx); mode != roundtable.RegistrationsApproval || ms.AutoHideReports != 5 || !ms.Premoderation {
		t.Errorf("settings: %s %+v", mode, ms)
	}

	// A new author's first contribution is held; the moderator releases it.
	author, authorToken := in.member("newbie")
	r = in.postJSON("/api/v1/statuses", authorToken, map[string]any{"status": "@park Benches\nMore benches please."})
	wantStatus(t, r, 200)
	held := r.Object(t)["id"].(string)
	r = in.page(mod, "/moderation/held")
	wantStatus(t, r, 200)
	wantBody(t, r, "More benches please.", "/moderation/held/"+held+"/release")
	wantStatus(t, in.forge(mod, "/moderation/held/"+held+"/release", nil), 403)
	wantStatus(t, in.submit(mod, "/moderation/held/"+held+"/explode", nil), 404)
	wantStatus(t, in.submit(mod, "/moderation/held/"+held+"/release", url.Values{"reason": {"Fine"}}), 303)
	wantBody(t, in.page(mod, "/moderation/held"), "The contribution is released.", "No contribution is held.")

	// A report; the moderator warns its author from the queue.
	_, reporter := in.member("ana")
	wantStatus(t, in.postJSON("/api/v1/reports", reporter, map[string]any{"account_id": author.ID, "status_ids": []string{held},
		"comment": "Spam", "category": "spam"}), 200)
	reps := openReports(t, in, "mod")
	if len(reps) != 1 {
		t.Fatalf("%d open reports", len(reps))
	}
	r = in.page(mod, "/moderation")
	wantBody(t, r, "Act on @newbie", `<option value="park">@park</option>`)
	path := "/moderation/reports/" + reps[0].ID + "/account_action"
	r = in.submit(mod, path, url.Values{"action": {"ban"}, "reason": {"Spam"}})
	wantStatus(t, r, 422)
	wantBody(t, r, "consultation: choose the consultation to ban from")
	wantStatus(t, in.forge(mod, path, url.Values{"action": {"warn"}, "reason": {"Spam"}}), 403)
	wantStatus(t, in.submit(mod, path, url.Values{"action": {"warn"}, "reason": {"Advertising is not welcome"}}), 303)
	wantBody(t, in.page(mod, "/moderation"), "The account is warned.")
	newbie, _ := in.Store.MemberByUsername(ctx, "newbie")
	ws, err := in.Store.Warnings(ctx, newbie)
	if err != nil || len(ws) != 1 {
		t.Fatalf("warnings of newbie: %v %v", ws, err)
	}

	// The author appeals; the moderator rejects the appeal with a reason.
	if _, err := in.Store.Appeal(ctx, newbie, ws[0].ID, "It was about the park"); err != nil {
		t.Fatal(err)
	}
	r = in.page(mod, "/moderation/appeals")
	wantBody(t, r, "Appeal by @newbie", "It was about the park")
	wantStatus(t, in.submit(mod, "/moderation/appeals/"+ws[0].ID+"/maybe", nil), 404)
	wantStatus(t, in.forge(mod, "/moderation/appeals/"+ws[0].ID+"/reject", url.Values{"reason": {"No"}}), 403)
	wantStatus(t, in.submit(mod, "/moderation/appeals/"+ws[0].ID+"/reject", url.Values{"reason": {"It was an advert"}}), 303)
	wantBody(t, in.page(mod, "/moderation/appeals"), "The appeal is rejected.", "No appeal is waiting.")

	// Roles: admins only; nobody changes their own.
	wantStatus(t, in.page(mod, "/moderation/members"), 403)
	r = in.page(admin, "/moderation/members")
	wantStatus(t, r, 200)
	wantBody(t, r, "@ben", "Role of ben")
	benM, _ := in.Store.MemberByUsername(ctx, "ben")
	rootM, _ := in.Store.MemberByUsername(ctx, "root")
	wantStatus(t, in.submit(admin, "/moderation/members/"+benM.ID+"/role", url.Values{"role": {"overlord"}}), 422)
	r = in.submit(admin, "/moderation/members/"+rootM.ID+"/role", url.Values{"role": {"member"}})
	wantStatus(t, r, 422)
	wantBody(t, r, "You cannot change your own role.")
	wantStatus(t, in.forge(admin, "/moderation/members/"+benM.ID+"/role", url.Values{"role": {"moderator"}}), 403)
	wantStatus(t, in.submit(mod, "/moderation/members/"+benM.ID+"/role", url.Values{"role": {"moderator"}}), 403)
	wantStatus(t, in.submit(admin, "/moderation/members/"+benM.ID+"/role", url.Values{"role": {"moderator"}}), 303)
	if benM, _ = in.Store.MemberByUsername(ctx, "ben"); benM.Role != roundtable.RoleModerator {
		t.Errorf("ben's role: %s", benM.Role)
	}
	wantStatus(t, in.page(member, "/moderation/held"), 200) // ben moderates now

	// Norm translations.
	norm, err := in.Store.AddNorm(ctx, roundtable.NewNorm{Text: "Be kind"})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, in.submit(admin, "/moderation/norms/"+norm.ID+"/translations", url.Values{"language": {"not a code"},
		"translation_text": {"Soyez bienveillants"}}), 422)
	wantStatus(t, in.submit(admin, "/moderation/norms/"+norm.ID+"/translations", url.Values{"language": {"fr"},
		"translation_text": {"Soyez bienveillants"}}), 303)
	var rules []map[string]any
	in.get("/api/v1/instance/rules", "").JSON(t, &rules)
	if len(rules) != 1 || rules[0]["translations"].(map[string]any)["fr"].(map[string]any)["text"] != "Soyez bienveillants" {
		t.Errorf("rules: %v", rules)
	}
}
