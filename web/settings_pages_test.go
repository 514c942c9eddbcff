package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// TestSettingsProfileAndPreferences: a member edits their profile, fields
// and preferences from the settings pages; bad input shows the error with
// what was typed and changes nothing; a forged form is refused.
func TestSettingsProfileAndPreferences(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()

	r := in.page(browser(t), "/settings")
	wantStatus(t, r, 303)
	if loc := r.Header.Get("Location"); loc != "/login?next=%2Fsettings" {
		t.Errorf("signed out: redirected to %q", loc)
	}
	c := in.staff(t, "ana", roundtable.RoleMember)
	r = in.page(c, "/settings")
	wantStatus(t, r, 200)
	wantBody(t, r, `href="/settings/preferences"`, `name="display_name"`, `name="field_name_3"`)

	wantStatus(t, in.submit(c, "/settings/profile", url.Values{"display_name": {"Ana P."}, "note": {"I garden."},
		"field_name_0": {"Pronouns"}, "field_value_0": {"she/her"}}), 303)
	r = in.page(c, "/settings")
	wantBody(t, r, "Your settings are saved.", `value="Ana P."`, "I garden.", `value="Pronouns"`, `value="she/her"`)
	m, err := in.Store.MemberByUsername(ctx, "ana")
	if err != nil {
		t.Fatal(err)
	}
	if m.DisplayName != "Ana P." || m.NoteSource != "I garden." {
		t.Errorf("profile is %q / %q", m.DisplayName, m.NoteSource)
	}

	// Too long a name: the page again, with what was typed, nothing saved.
	long := strings.Repeat("x", 31)
	r = in.submit(c, "/settings/profile", url.Values{"display_name": {long}, "note": {"Changed"},
		"field_name_0": {"Website"}, "field_value_0": {"https://example.org"}})
	wantStatus(t, r, 422)
	wantBody(t, r, "display_name: must be at most 30 characters", `value="`+long+`"`, "Changed", `value="Website"`)
	if fs, _ := in.Store.ProfileFields(ctx, m.ID); len(fs) != 1 || fs[0].Name != "Pronouns" {
		t.Errorf("fields after refused form: %v", fs)
	}
	// A value without a name is refused too.
	r = in.submit(c, "/settings/profile", url.Values{"display_name": {"Ana"}, "field_value_1": {"orphan"}})
	wantStatus(t, r, 422)
	wantBody(t, r, "each field needs a name", `value="orphan"`)

	// Preferences: language, reply policy, privacy.
	r = in.page(c, "/settings/preferences")
	wantStatus(t, r, 200)
	wantBody(t, r, `value="fr"`, `value="followers"`)
	wantStatus(t, in.submit(c, "/settings/preferences", url.Values{"language": {"fr"}, "reply_policy": {"followers"},
		"hide_collections": {"1"}}), 303)
	m, _ = in.Store.MemberByUsername(ctx, "ana")
	if m.Language == nil || *m.Language != "fr" || m.DefaultReplyPolicy != roundtable.RepliesFollowers || !m.HideCollections || m.QuotesAllowed {
		t.Errorf("preferences: lang %v policy %q hide %v quotes %v", m.Language, m.DefaultReplyPolicy, m.HideCollections, m.QuotesAllowed)
	}
	r = in.page(c, "/settings/preferences")
	wantBody(t, r, `value="fr" selected`, `value="followers" checked`, `name="hide_collections" value="1" checked`)
	// A post without a reply policy takes the member's default.
	st, err := in.Store.CreateStatus(ctx, m, roundtable.NewStatus{Text: "Hello"})
	if err != nil {
		t.Fatal(err)
	}
	if st.ReplyPolicy != roundtable.RepliesFollowers {
		t.Errorf("new post's reply policy %q, want followers", st.ReplyPolicy)
	}
	// An unknown language or policy: refused, nothing changed.
	r = in.submit(c, "/settings/preferences", url.Values{"language": {"xx"}, "reply_policy": {"everyone"}})
	wantStatus(t, r, 422)
	wantBody(t, r, "language: is not a language of this site")
	r = in.submit(c, "/settings/preferences", url.Values{"language": {"en"}, "reply_policy": {"nobody"}})
	wantStatus(t, r, 422)
	if m, _ = in.Store.MemberByUsername(ctx, "ana"); *m.Language != "fr" || m.DefaultReplyPolicy != roundtable.RepliesFollowers {
		t.Error("a refused form changed the preferences")
	}
	// From another site: refused.
	r = in.forge(c, "/settings/profile", url.Values{"display_name": {"Hacked"}})
	wantStatus(t, r, 403)
	if m, _ = in.Store.MemberByUsername(ctx, "ana"); m.DisplayName != "Ana P." {
		t.Error("a forged form changed the profile")
	}
}

// TestSettingsPassword: the current password is required to set a new one.
func TestSettingsPassword(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	c := in.staff(t, "ben", roundtable.RoleMember)
	wantStatus(t, in.page(c, "/settings/password"), 200)
	r := in.submit(c, "/settings/password", url.Values{"current_password": {"wrong"}, "password": {"new-secret-1"},
		"password_confirmation": {"new-secret-1"}})
	wantStatus(t, r, 422)
	wantBody(t, r, "current_password: is not your password")
	if strings.Contains(string(r.Body), "new-secret-1") {
		t.Error("the page shows a typed password")
	}
	r = in.submit(c, "/settings/password", url.Values{"current_password": {"password-ben"}, "password": {"new-secret-1"},
		"password_confirmation": {"other"}})
	wantStatus(t, r, 422)
	wantStatus(t, in.forge(c, "/settings/password", url.Values{"current_password": {"password-ben"}, "password": {"forged-pass"},
		"password_confirmation": {"forged-pass"}}), 403)
	wantStatus(t, in.submit(c, "/settings/password", url.Values{"current_password": {"password-ben"}, "password": {"new-secret-1"},
		"password_confirmation": {"new-secret-1"}}), 303)
	wantBody(t, in.page(c, "/settings/password"), "Your password is changed.")
	if _, err := in.Store.Authenticate(context.Background(), "ben", "password-ben"); err == nil {
		t.Error("the old password still works")
	}
	if _, err := in.Store.Authenticate(context.Background(), "ben", "new-secret-1"); err != nil {
		t.Errorf("the new password: %v", err)
	}
}

// TestSettingsMutesBlocksApps: a member lifts a mute and a block, and
// revokes an app, whose token then stops working.
func TestSettingsMutesBlocksApps(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	c := in.staff(t, "cleo", roundtable.RoleMember)
	m, _ := in.Store.MemberByUsername(ctx, "cleo")
	noisy, _ := in.member("noisy")
	rude, _ := in.member("rude")
	if _, err := in.Store.Mute(ctx, m, noisy.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Store.Block(ctx, m, rude.ID); err != nil {
		t.Fatal(err)
	}
	r := in.page(c, "/settings/accounts")
	wantStatus(t, r, 200)
	wantBody(t, r, "@noisy", "@rude", "Unmute @noisy", "Unblock @rude")
	wantStatus(t, in.forge(c, "/settings/mutes/"+noisy.ID+"/remove", nil), 403)
	wantStatus(t, in.submit(c, "/settings/mutes/"+noisy.ID+"/remove", nil), 303)
	wantStatus(t, in.submit(c, "/settings/blocks/"+rude.ID+"/remove", nil), 303)
	r = in.page(c, "/settings/accounts")
	wantBody(t, r, "You mute nobody.", "You block nobody.")

	app, _, err := in.Store.CreateApp(ctx, roundtable.NewApp{Name: "Tusky", RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"},
		Scopes: "read write"})
	if err != nil {
		t.Fatal(err)
	}
	code, err := in.Store.CreateAuthCode(ctx, roundtable.Authorization{App: app, MemberID: m.ID,
		RedirectURI: "urn:ietf:wg:oauth:2.0:oob", Scopes: []string{"read"}})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := in.Store.ExchangeCode(ctx, app, code, "urn:ietf:wg:oauth:2.0:oob", "")
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, in.get("/api/v1/accounts/verify_credentials", tok), 200)
	r = in.page(c, "/settings/apps")
	wantBody(t, r, "Tusky", "Revoke Tusky", "<code>read</code>")
	wantStatus(t, in.submit(c, "/settings/apps/nonexistent/revoke", nil), 404)
	wantStatus(t, in.forge(c, "/settings/apps/"+app.ID+"/revoke", nil), 403)
	wantStatus(t, in.get("/api/v1/accounts/verify_credentials", tok), 200)
	wantStatus(t, in.submit(c, "/settings/apps/"+app.ID+"/revoke", nil), 303)
	wantBody(t, in.page(c, "/settings/apps"), "No app may act for you.")
	wantStatus(t, in.get("/api/v1/accounts/verify_credentials", tok), 401)
}

// TestSettingsExportAndDelete: a member downloads all their data, then
// deletes their account: the password is needed, the posts go, sign-in
// stops, and the username can never be taken again.
func TestSettingsExportAndDelete(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	c := in.staff(t, "dora", roundtable.RoleMember)
	m, _ := in.Store.MemberByUsername(ctx, "dora")
	friend, _ := in.member("friend")
	st, err := in.Store.CreateStatus(ctx, m, roundtable.NewStatus{Text: "My view on the park"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.Store.Follow(ctx, m, friend.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Store.Bookmark(ctx, m, st.ID); err != nil {
		t.Fatal(err)
	}

	r := in.page(c, "/settings/export.json")
	wantStatus(t, r, 200)
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="dora-`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	var arc struct {
		Account   struct{ Acct, Email string }
		Statuses  []struct{ Text string }
		Following []struct{ Acct string }
		Bookmarks []struct{ ID string }
	}
	if err := json.Unmarshal(r.Body, &arc); err != nil {
		t.Fatalf("export: %v: %s", err, r.Body)
	}
	if arc.Account.Acct != "dora" || arc.Account.Email != "dora@example.org" || len(arc.Statuses) != 1 ||
		arc.Statuses[0].Text != "My view on the park" || len(arc.Following) != 1 || arc.Following[0].Acct != "friend" ||
		len(arc.Bookmarks) != 1 || arc.Bookmarks[0].ID != st.ID {
		t.Errorf("export: %s", r.Body)
	}
	wantStatus(t, in.page(browser(t), "/settings/export.json"), 303)

	// Wrong password, or no confirmation: the page again, nothing deleted.
	r = in.submit(c, "/settings/delete", url.Values{"confirm": {"dora"}, "password": {"nope"}})
	wantStatus(t, r, 422)
	wantBody(t, r, "current_password: is not your password", `value="dora"`)
	r = in.submit(c, "/settings/delete", url.Values{"confirm": {"dor"}, "password": {"password-dora"}})
	wantStatus(t, r, 422)
	wantBody(t, r, "confirm: type your username to confirm", `value="dor"`)
	wantStatus(t, in.forge(c, "/settings/delete", url.Values{"confirm": {"dora"}, "password": {"password-dora"}}), 403)
	if _, err := in.Store.MemberByUsername(ctx, "dora"); err != nil {
		t.Fatalf("a refused deletion deleted: %v", err)
	}

	r = in.submit(c, "/settings/delete", url.Values{"confirm": {"dora"}, "password": {"password-dora"}})
	wantStatus(t, r, 200)
	wantBody(t, r, "Your account is deleted.")
	wantStatus(t, in.page(c, "/settings"), 303) // signed out
	if _, err := in.Store.Authenticate(ctx, "dora", "password-dora"); err == nil {
		t.Error("the deleted member can still sign in")
	}
	if _, err := in.Store.Status(ctx, st.ID, ""); !errors.Is(err, roundtable.ErrNotFound) {
		t.Errorf("the deleted member's post: %v", err)
	}
	if f, _ := in.Store.Account(ctx, friend.ID); f.FollowersCount != 0 {
		t.Errorf("friend still has %d followers", f.FollowersCount)
	}
	_, err = in.Store.CreateMember(ctx, roundtable.NewMember{Username: "dora", Email: "new@example.org", Password: "password-new", Approved: true})
	if !errors.Is(err, roundtable.ErrConflict) {
		t.Errorf("the username is taken again: %v", err)
	}
}
