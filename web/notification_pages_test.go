package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/roundtable-fed/roundtable"
	"github.com/roundtable-fed/roundtable/internal/browsertest"
)

// notificationsWorld makes ana, whom bob answers, mentions, likes and
// follows; it returns ana's browser and token, bob's token and ana's post.
func notificationsWorld(t *testing.T, in *instance) (anaTok, bobTok, postID, replyID string) {
	t.Helper()
	_, anaTok = in.member("ana")
	_, bobTok = in.member("bob")
	post := in.postJSON("/api/v1/statuses", anaTok, map[string]any{"status": "Gardens should stay open."}).Object(t)
	postID = post["id"].(string)
	reply := in.postJSON("/api/v1/statuses", bobTok, map[string]any{"status": "I agree with you.", "in_reply_to_id": postID}).Object(t)
	replyID = reply["id"].(string)
	wantStatus(t, in.postJSON("/api/v1/statuses", bobTok, map[string]any{"status": "Ask @ana about the gardens."}), 200)
	wantStatus(t, in.postJSON("/api/v1/statuses/"+postID+"/favourite", bobTok, nil), 200)
	bob, err := in.Store.MemberByUsername(context.Background(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	ana, err := in.Store.MemberByUsername(context.Background(), "ana")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.Store.Follow(context.Background(), bob, ana.ID); err != nil {
		t.Fatal(err)
	}
	return anaTok, bobTok, postID, replyID
}

// signInAs returns a browser signed in as a member made by in.member.
func (in *instance) signInAs(t *testing.T, name string) *http.Client {
	t.Helper()
	c := browser(t)
	wantStatus(t, in.form(c, "/login", url.Values{"username": {name}, "password": {"password-" + name}}), 303)
	return c
}

// TestNotificationsPage: what others did shows as sentences with links;
// visiting the page reads them (in the apps too); dismissing and clearing
// work; nobody else sees them; forged and bad requests change nothing.
func TestNotificationsPage(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	anaTok, _, postID, replyID := notificationsWorld(t, in)
	ana := in.signInAs(t, "ana")

	r := in.page(ana, "/settings")
	wantStatus(t, r, 200)
	wantBody(t, r, `<a href="/notifications">Notifications (4)</a>`)

	r = in.page(ana, "/notifications")
	wantStatus(t, r, 200)
	wantBody(t, r,
		`href="/@bob/`+replyID+`">@bob replied to your contribution: “I agree with you.”</a>`,
		`>@bob mentioned you in “Ask @ana about the gardens.”</a>`,
		`href="/@ana/`+postID+`">@bob liked your contribution “Gardens should stay open.”</a>`,
		`href="/@bob">@bob followed you</a>`,
		"<h2", "<ul class=\"notifications\">", "New:",
		`<a href="/notifications">Notifications</a>`)
	if strings.Contains(string(r.Body), "Notifications (") {
		t.Error("the navigation still counts unread notifications on the notifications page")
	}
	// The apps see them read too.
	var markers map[string]struct {
		LastReadID string `json:"last_read_id"`
	}
	in.get("/api/v1/markers?timeline[]=notifications", anaTok).JSON(t, &markers)
	var list []map[string]any
	in.get("/api/v1/notifications", anaTok).JSON(t, &list)
	if len(list) != 4 || markers["notifications"].LastReadID != list[0]["id"] {
		t.Fatalf("marker %v after visiting, newest notification %v (%d)", markers, list[0]["id"], len(list))
	}
	r = in.page(ana, "/notifications")
	if strings.Contains(string(r.Body), "New:") {
		t.Error("notifications still marked new on the second visit")
	}
	r = in.page(ana, "/settings")
	wantBody(t, r, `<a href="/notifications">Notifications</a>`)

	// Signed out: to the sign-in page. Another member: their own (none).
	r = in.page(browser(t), "/notifications")
	wantStatus(t, r, 303)
	if loc := r.Header.Get("Location"); loc != "/login?next=%2Fnotifications" {
		t.Errorf("signed out: redirected to %q", loc)
	}
	in.member("cleo")
	cleo := in.signInAs(t, "cleo")
	r = in.page(cleo, "/notifications")
	wantStatus(t, r, 200)
	wantBody(t, r, "You have no notifications.")
	if strings.Contains(string(r.Body), "bob") {
		t.Error("cleo sees ana's notifications")
	}
	first := list[0]["id"].(string)
	wantStatus(t, in.submit(cleo, "/notifications/"+first+"/dismiss", nil), 404)
	wantStatus(t, in.submit(cleo, "/notifications/clear", nil), 303)
	wantStatus(t, in.forge(ana, "/notifications/clear", nil), 403)
	wantStatus(t, in.forge(ana, "/notifications/"+first+"/dismiss", nil), 403)
	wantStatus(t, in.page(ana, "/notifications?max_id=nonsense"), 400)
	in.get("/api/v1/notifications", anaTok).JSON(t, &list)
	if len(list) != 4 {
		t.Fatalf("%d notifications after refused requests, want 4", len(list))
	}

	// Dismiss one, then clear all.
	wantStatus(t, in.submit(ana, "/notifications/"+first+"/dismiss", nil), 303)
	r = in.page(ana, "/notifications")
	wantBody(t, r, "The notification is dismissed.")
	if strings.Contains(string(r.Body), "notification-"+first) {
		t.Error("the dismissed notification is still listed")
	}
	in.get("/api/v1/notifications", anaTok).JSON(t, &list)
	if len(list) != 3 {
		t.Errorf("%d notifications after dismissing one, want 3", len(list))
	}
	wantStatus(t, in.submit(ana, "/notifications/clear", nil), 303)
	r = in.page(ana, "/notifications")
	wantBody(t, r, "Your notifications are cleared.", "You have no notifications.")
	in.get("/api/v1/notifications", anaTok).JSON(t, &list)
	if len(list) != 0 {
		t.Errorf("%d notifications after clearing, want 0", len(list))
	}
}

// TestNotificationsPageFollowRequestsAndOlder: a locked member accepts or
// refuses follow requests from the page; a long list pages with "older".
func TestNotificationsPageFollowRequestsAndOlder(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	dana, _ := in.member("dana")
	locked := true
	if _, err := in.Store.UpdateProfile(ctx, dana.ID, roundtable.ProfileUpdate{Locked: &locked}); err != nil {
		t.Fatal(err)
	}
	eli, _ := in.member("eli")
	fay, _ := in.member("fay")
	for _, m := range []*roundtable.Member{eli, fay} {
		if _, err := in.Store.Follow(ctx, m, dana.ID); err != nil {
			t.Fatal(err)
		}
	}
	c := in.signInAs(t, "dana")
	r := in.page(c, "/notifications")
	wantBody(t, r, "@eli asked to follow you", "@fay asked to follow you",
		`action="/notifications/requests/`+eli.ID+`/authorize"`, `action="/notifications/requests/`+fay.ID+`/reject"`)
	wantStatus(t, in.forge(c, "/notifications/requests/"+eli.ID+"/authorize", nil), 403)
	wantStatus(t, in.submit(c, "/notifications/requests/"+eli.ID+"/authorize", nil), 303)
	wantStatus(t, in.submit(c, "/notifications/requests/"+fay.ID+"/reject", nil), 303)
	wantStatus(t, in.submit(c, "/notifications/requests/"+fay.ID+"/authorize", nil), 404)
	wantStatus(t, in.submit(c, "/notifications/requests/nonsense/authorize", nil), 404)
	for who, want := range map[*roundtable.Member]bool{eli: true, fay: false} {
		rel, err := in.Store.Relationship(ctx, who.ID, dana.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rel.Following != want || rel.Requested {
			t.Errorf("%s follows dana: %v (requested %v), want %v", who.Username, rel.Following, rel.Requested, want)
		}
	}
	r = in.page(c, "/notifications")
	wantBody(t, r, "@eli followed you")
	if strings.Contains(string(r.Body), "/notifications/requests/") {
		t.Error("answered requests still offer to accept or refuse")
	}

	// 35 favourites: the first page has 30, the older link the rest.
	for i := range 35 {
		st, err := in.Store.CreateStatus(ctx, dana, roundtable.NewStatus{Text: fmt.Sprintf("Thought %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := in.Store.Favourite(ctx, eli, st.ID); err != nil {
			t.Fatal(err)
		}
	}
	r = in.page(c, "/notifications")
	body := string(r.Body)
	if !strings.Contains(body, "Thought 34") || strings.Contains(body, "Thought 4”") {
		t.Fatalf("first page of notifications:\n%s", body)
	}
	i := strings.Index(body, `/notifications?max_id=`)
	if i < 0 {
		t.Fatalf("no link to older notifications:\n%s", body)
	}
	older := body[i : i+len("/notifications?max_id=")+26]
	r = in.page(c, older)
	wantStatus(t, r, 200)
	wantBody(t, r, "Thought 4”", "Thought 0”", "@eli followed you")
	if strings.Contains(string(r.Body), "Thought 5”") {
		t.Error("the older page repeats the first page")
	}
}

// TestNotificationsPageAccessible runs axe-core on a page of
// notifications with a follow request.
func TestNotificationsPageAccessible(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	notificationsWorld(t, in)
	ctx := context.Background()
	ana, _ := in.Store.MemberByUsername(ctx, "ana")
	locked := true
	if _, err := in.Store.UpdateProfile(ctx, ana.ID, roundtable.ProfileUpdate{Locked: &locked}); err != nil {
		t.Fatal(err)
	}
	gus, _ := in.member("gus")
	if _, err := in.Store.Follow(ctx, gus, ana.ID); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t, browsertest.Options{})
	signIn(b, in, "ana")
	b.Visit(in.URL + "/notifications")
	b.WantText("@gus asked to follow you")
	b.Axe("/notifications")
	b.Screenshot("notifications")
}
