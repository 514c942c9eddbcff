package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// accountCase is one request a caller must not be able to make: it is
// refused with one of the statuses in want, and changes nothing.
type accountCase struct {
	name   string
	token  string
	method string
	path   string
	body   any
	want   []int
}

func refusedWith(r *response, want []int) bool {
	for _, w := range want {
		if r.Status == w {
			return true
		}
	}
	return false
}

// TestAccountSafety: tokens do only what their scopes allow; a member can
// never act on another member's statuses, polls, lists, filters, media,
// conversations, notifications or follow requests; admin actions need the
// role, whatever the token's scopes. Every refusal is a clear JSON error
// and leaves everything as it was.
func TestAccountSafety(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	alice, atok := in.member("alice")
	bob, btok := in.member("bob")
	carol, ctok := in.member("carol")
	_, readOnly := in.member("rhoda", "read")
	_, writeStatuses := in.member("wanda", "write:statuses")
	in.staffToken("root", roundtable.RoleAdmin)
	adminReadOnly, err := in.Store.IssueToken(ctx, "root", []string{"read", "admin:read"})
	if err != nil {
		t.Fatal(err)
	}
	mallory, err := in.Store.CreateMember(ctx, roundtable.NewMember{Username: "mallory", Email: "mallory@example.org",
		Password: "password-mallory", Approved: true})
	if err != nil {
		t.Fatal(err)
	}
	if mallory.Role != roundtable.RoleMember {
		t.Fatalf("mallory's role %q", mallory.Role)
	}
	mtok, err := in.Store.IssueToken(ctx, "mallory", []string{"read", "write", "follow", "admin:read", "admin:write"})
	if err != nil {
		t.Fatal(err)
	}

	// Alice's things.
	public := in.post(atok, map[string]any{"status": "Alice's words"})
	private := in.post(atok, map[string]any{"status": "For followers: which day?", "visibility": "private",
		"poll": map[string]any{"options": []string{"Monday", "Tuesday"}, "expires_in": 3600}})
	r := in.get("/api/v1/statuses/"+private, atok)
	wantStatus(t, r, 200)
	pollID := r.Object(t)["poll"].(map[string]any)["id"].(string)
	in.post(atok, map[string]any{"status": "@carol between us", "visibility": "direct"})
	convs := listMaps(t, in, "/api/v1/conversations", atok)
	if len(convs) != 1 {
		t.Fatalf("alice's conversations %v", convs)
	}
	convID := convs[0]["id"].(string)
	r = in.postJSON("/api/v1/lists", atok, map[string]any{"title": "Close"})
	wantStatus(t, r, 200)
	listID := r.Object(t)["id"].(string)
	r = in.postJSON("/api/v2/filters", atok, map[string]any{"title": "Quiet", "context": []string{"home"},
		"keywords_attributes": []map[string]any{{"keyword": "noise"}}})
	wantStatus(t, r, 200)
	filter := r.Object(t)
	filterID := filter["id"].(string)
	keywordID := filter["keywords"].([]any)[0].(map[string]any)["id"].(string)
	r = in.postJSON("/api/v2/filters/"+filterID+"/statuses", atok, map[string]any{"status_id": public})
	wantStatus(t, r, 200)
	filterStatusID := r.Object(t)["id"].(string)
	r = in.upload("/api/v2/media", atok, "a.png", pngBytes(t, testPicture(4, 4)), map[string]string{"description": "Alice's picture"})
	if r.Status != 200 && r.Status != 202 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	mediaID := r.Object(t)["id"].(string)
	wantStatus(t, in.postJSON("/api/v1/statuses/"+public+"/favourite", ctok, nil), 200)
	notes := listMaps(t, in, "/api/v1/notifications", atok)
	if len(notes) == 0 {
		t.Fatal("alice has no notification")
	}
	noteID := notes[0]["id"].(string)
	wantStatus(t, in.do("PATCH", "/api/v1/accounts/update_credentials", atok, "locked=true", formType), 200)
	wantStatus(t, in.postJSON("/api/v1/accounts/"+alice.ID+"/follow", ctok, nil), 200)
	if got := listIDs(t, in, "/api/v1/follow_requests", atok); len(got) != 1 || got[0] != carol.ID {
		t.Fatalf("alice's follow requests %v", got)
	}

	// A consultation alice facilitates, with a thread of hers, and a
	// warning a moderator gave her.
	if _, err := in.Store.CreateConsultation(ctx, roundtable.NewConsultation{Slug: "wells", Title: "Wells",
		Facilitators: []string{"alice"}, Participation: roundtable.ParticipationApproval}); err != nil {
		t.Fatal(err)
	}
	thread := in.post(atok, map[string]any{"status": "@wells Depth\nHow deep is yours?"})
	r = in.get("/api/v1/accounts/lookup?acct=wells", atok)
	wantStatus(t, r, 200)
	wellsID := r.Object(t)["id"].(string)
	in.follow(ctok, wellsID) // a join request, for alice to answer
	_, mod := in.moderator("mod")
	wantStatus(t, in.postJSON(modAPI+"/accounts/"+alice.ID+"/warn", mod, map[string]any{"reason": "Please keep to the topic"}), 200)
	warnings := listMaps(t, in, "/api/roundtable/v1/warnings", atok)
	if len(warnings) != 1 {
		t.Fatalf("alice's warnings %v", warnings)
	}
	warningID := warnings[0]["id"].(string)
	const consultation = "/api/roundtable/v1/consultations/wells"

	forbidden, notFound, unprocessable := []int{403}, []int{404}, []int{422}
	hidden := []int{403, 404}
	cases := []accountCase{
		// Scopes: a read-only token.
		{"read token posts", readOnly, "POST", "/api/v1/statuses", map[string]any{"status": "from a reader"}, forbidden},
		{"read token favourites", readOnly, "POST", "/api/v1/statuses/" + public + "/favourite", nil, forbidden},
		{"read token boosts", readOnly, "POST", "/api/v1/statuses/" + public + "/reblog", nil, forbidden},
		{"read token follows", readOnly, "POST", "/api/v1/accounts/" + bob.ID + "/follow", nil, forbidden},
		{"read token reports", readOnly, "POST", "/api/v1/reports", map[string]any{"account_id": bob.ID, "comment": "x"}, forbidden},
		{"read token uploads", readOnly, "POST", "/api/v2/media", nil, forbidden},
		{"read token makes a list", readOnly, "POST", "/api/v1/lists", map[string]any{"title": "x"}, forbidden},
		{"read token blocks", readOnly, "POST", "/api/v1/accounts/" + bob.ID + "/block", nil, forbidden},
		{"read token updates its profile", readOnly, "PATCH", "/api/v1/accounts/update_credentials", map[string]any{"display_name": "x"}, forbidden},
		{"write:statuses token reads notifications", writeStatuses, "GET", "/api/v1/notifications", nil, forbidden},
		{"write:statuses token follows", writeStatuses, "POST", "/api/v1/accounts/" + bob.ID + "/follow", nil, forbidden},
		// Scopes: an admin's token limited to admin:read.
		{"admin:read token resolves a report", adminReadOnly, "POST", "/api/v1/admin/reports/1/resolve", nil, forbidden},
		{"admin:read token suspends", adminReadOnly, "POST", modAPI + "/accounts/" + bob.ID + "/suspend", map[string]any{"reason": "x"}, forbidden},
		{"admin:read token warns", adminReadOnly, "POST", modAPI + "/accounts/" + bob.ID + "/warn", map[string]any{"text": "x"}, forbidden},
		{"admin:read token acts on an account", adminReadOnly, "POST", "/api/v1/admin/accounts/" + bob.ID + "/action", map[string]any{"type": "suspend"}, forbidden},
		{"admin:read token adds a norm", adminReadOnly, "POST", "/api/roundtable/v1/norms", map[string]any{"text": "x"}, forbidden},
		{"admin:read token posts", adminReadOnly, "POST", "/api/v1/statuses", map[string]any{"status": "x"}, forbidden},

		// Ownership: bob, with every scope a member has, on alice's things.
		{"edit another's status", btok, "PUT", "/api/v1/statuses/" + public, map[string]any{"status": "bob's words"}, hidden},
		{"delete another's status", btok, "DELETE", "/api/v1/statuses/" + public, nil, hidden},
		{"read another's status source", btok, "GET", "/api/v1/statuses/" + public + "/source", nil, hidden},
		{"pin another's status", btok, "POST", "/api/v1/statuses/" + public + "/pin", nil, []int{403, 404, 422}},
		{"vote in a poll one cannot see", btok, "POST", "/api/v1/polls/" + pollID + "/votes", map[string]any{"choices": []int{0}}, notFound},
		{"read a poll one cannot see", btok, "GET", "/api/v1/polls/" + pollID, nil, notFound},
		{"read another's list", btok, "GET", "/api/v1/lists/" + listID, nil, notFound},
		{"rename another's list", btok, "PUT", "/api/v1/lists/" + listID, map[string]any{"title": "Mine"}, notFound},
		{"delete another's list", btok, "DELETE", "/api/v1/lists/" + listID, nil, notFound},
		{"add to another's list", btok, "POST", "/api/v1/lists/" + listID + "/accounts", map[string]any{"account_ids": []string{bob.ID}}, notFound},
		{"remove from another's list", btok, "DELETE", "/api/v1/lists/" + listID + "/accounts", map[string]any{"account_ids": []string{carol.ID}}, notFound},
		{"read another's list timeline", btok, "GET", "/api/v1/timelines/list/" + listID, nil, notFound},
		{"read another's filter", btok, "GET", "/api/v2/filters/" + filterID, nil, notFound},
		{"read another's v1 filter", btok, "GET", "/api/v1/filters/" + keywordID, nil, notFound},
		{"change another's filter", btok, "PUT", "/api/v2/filters/" + filterID, map[string]any{"title": "Mine"}, notFound},
		{"delete another's filter", btok, "DELETE", "/api/v2/filters/" + filterID, nil, notFound},
		{"add a keyword to another's filter", btok, "POST", "/api/v2/filters/" + filterID + "/keywords", map[string]any{"keyword": "x"}, notFound},
		{"change another's keyword", btok, "PUT", "/api/v2/filters/keywords/" + keywordID, map[string]any{"keyword": "x"}, notFound},
		{"delete another's keyword", btok, "DELETE", "/api/v2/filters/keywords/" + keywordID, nil, notFound},
		{"add a status to another's filter", btok, "POST", "/api/v2/filters/" + filterID + "/statuses", map[string]any{"status_id": private}, notFound},
		{"delete another's filtered status", btok, "DELETE", "/api/v2/filters/statuses/" + filterStatusID, nil, notFound},
		{"read another's media", btok, "GET", "/api/v1/media/" + mediaID, nil, notFound},
		{"describe another's media", btok, "PUT", "/api/v1/media/" + mediaID, map[string]any{"description": "bob's"}, notFound},
		{"delete another's media", btok, "DELETE", "/api/v1/media/" + mediaID, nil, notFound},
		{"post with another's media", btok, "POST", "/api/v1/statuses", map[string]any{"status": "look", "media_ids": []string{mediaID}}, unprocessable},
		{"mark another's conversation read", btok, "POST", "/api/v1/conversations/" + convID + "/read", nil, notFound},
		{"remove another's conversation", btok, "DELETE", "/api/v1/conversations/" + convID, nil, notFound},
		{"read another's notification", btok, "GET", "/api/v1/notifications/" + noteID, nil, notFound},
		{"dismiss another's notification", btok, "POST", "/api/v1/notifications/" + noteID + "/dismiss", nil, notFound},
		{"authorize another's follow request", btok, "POST", "/api/v1/follow_requests/" + carol.ID + "/authorize", nil, notFound},
		{"reject another's follow request", btok, "POST", "/api/v1/follow_requests/" + carol.ID + "/reject", nil, notFound},
		{"boost a followers-only status", btok, "POST", "/api/v1/statuses/" + private + "/reblog", nil, hidden},
		{"favourite a followers-only status", btok, "POST", "/api/v1/statuses/" + private + "/favourite", nil, hidden},
		{"reply to a followers-only status", btok, "POST", "/api/v1/statuses", map[string]any{"status": "hi", "in_reply_to_id": private}, []int{404, 422}},

		{"change another's consultation", btok, "PATCH", consultation, map[string]any{"title": "Mine"}, forbidden},
		{"read another's join requests", btok, "GET", consultation + "/join_requests", nil, forbidden},
		{"approve a join to another's consultation", btok, "POST", consultation + "/join_requests/" + carol.ID + "/approve", nil, hidden},
		{"export another's consultation", btok, "GET", consultation + "/export", nil, forbidden},
		{"publish another's synthesis", btok, "POST", consultation + "/synthesis", map[string]any{"status": "Done."}, forbidden},
		{"lock a thread of another's consultation", btok, "POST", consultation + "/threads/" + thread + "/lock", nil, forbidden},
		{"pin a thread of another's consultation", btok, "POST", consultation + "/threads/" + thread + "/pin", nil, forbidden},
		{"read another's warning", btok, "GET", "/api/roundtable/v1/warnings/" + warningID, nil, notFound},
		{"appeal another's warning", btok, "POST", "/api/roundtable/v1/warnings/" + warningID + "/appeal", map[string]any{"text": "Not me"}, notFound},

		// The role: a member whose token holds the admin scopes.
		{"member lists reports", mtok, "GET", "/api/v1/admin/reports", nil, forbidden},
		{"member reads the moderation log", mtok, "GET", "/api/roundtable/v1/moderation/log", nil, forbidden},
		{"member reads an account as admin", mtok, "GET", "/api/v1/admin/accounts/" + alice.ID, nil, forbidden},
		{"member suspends through the admin API", mtok, "POST", "/api/v1/admin/accounts/" + alice.ID + "/action", map[string]any{"type": "suspend"}, forbidden},
		{"member suspends", mtok, "POST", modAPI + "/accounts/" + alice.ID + "/suspend", map[string]any{"reason": "x"}, forbidden},
		{"member disables", mtok, "POST", modAPI + "/accounts/" + alice.ID + "/disable", map[string]any{"reason": "x"}, forbidden},
		{"member warns", mtok, "POST", modAPI + "/accounts/" + alice.ID + "/warn", map[string]any{"text": "x"}, forbidden},
		{"member adds a norm", mtok, "POST", "/api/roundtable/v1/norms", map[string]any{"text": "x"}, forbidden},
		{"member removes a contribution", mtok, "POST", consultation + "/contributions/" + thread + "/remove", map[string]any{"reason": "x"}, forbidden},
		{"member removes a norm", mtok, "DELETE", "/api/roundtable/v1/norms/1", nil, forbidden},
		{"member opens a consultation", mtok, "POST", "/api/roundtable/v1/consultations", map[string]any{"slug": "mine", "title": "Mine"}, forbidden},
		{"member approves an appeal", mtok, "POST", modAPI + "/warnings/" + warningID + "/approve", nil, forbidden},
		{"member publishes an advisory", mtok, "POST", modAPI + "/advisories", map[string]any{"domain": "example.net", "severity": "suspend"}, forbidden},
		{"member adds an advisory rule", mtok, "POST", modAPI + "/advisory_rules", map[string]any{"peer": "example.net"}, forbidden},
	}
	counts := map[string]int{}
	for _, c := range cases {
		r := in.do(c.method, c.path, c.token, c.body, "")
		if !refusedWith(r, c.want) {
			t.Errorf("%s: %s %s answered %d %s, want %v", c.name, c.method, c.path, r.Status, r.Body, c.want)
			continue
		}
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || !strings.Contains(string(r.Body), `"error"`) {
			t.Errorf("%s: refusal without a JSON error: %q %s", c.name, r.Header.Get("Content-Type"), r.Body)
		}
		switch c.token {
		case readOnly, writeStatuses, adminReadOnly:
			counts["scope"]++
		case mtok:
			counts["role"]++
		default:
			counts["ownership"]++
		}
	}
	t.Logf("account safety cases: %d scope, %d ownership, %d role (%d in all)", counts["scope"], counts["ownership"], counts["role"], len(cases))

	// Nothing changed.
	r = in.get("/api/v1/statuses/"+public, atok)
	wantStatus(t, r, 200)
	if st := r.Object(t); !strings.Contains(st["content"].(string), "s words") || st["reblogs_count"] != 0.0 ||
		st["favourites_count"] != 1.0 || st["pinned"] == true {
		t.Errorf("alice's status after the attempts: %s", r.Body)
	}
	r = in.get("/api/v1/statuses/"+private, atok)
	wantStatus(t, r, 200)
	if st := r.Object(t); st["favourites_count"] != 0.0 || st["reblogs_count"] != 0.0 || st["replies_count"] != 0.0 ||
		st["poll"].(map[string]any)["votes_count"] != 0.0 {
		t.Errorf("alice's followers-only status after the attempts: %s", r.Body)
	}
	if r := in.get("/api/v1/lists/"+listID, atok).Object(t); r["title"] != "Close" {
		t.Errorf("alice's list after the attempts: %v", r)
	}
	if got := listIDs(t, in, "/api/v1/lists/"+listID+"/accounts", atok); len(got) != 0 {
		t.Errorf("alice's list holds %v", got)
	}
	r = in.get("/api/v2/filters/"+filterID, atok)
	wantStatus(t, r, 200)
	if f := r.Object(t); f["title"] != "Quiet" || len(f["keywords"].([]any)) != 1 || len(f["statuses"].([]any)) != 1 {
		t.Errorf("alice's filter after the attempts: %s", r.Body)
	}
	r = in.get("/api/v1/media/"+mediaID, atok)
	if r.Status != 200 && r.Status != 206 {
		t.Errorf("alice's media after the attempts: %d %s", r.Status, r.Body)
	} else if m := r.Object(t); m["description"] != "Alice's picture" {
		t.Errorf("alice's media after the attempts: %s", r.Body)
	}
	if got := listMaps(t, in, "/api/v1/conversations", atok); len(got) != 1 || got[0]["unread"] != convs[0]["unread"] {
		t.Errorf("alice's conversations after the attempts: %v", got)
	}
	wantStatus(t, in.get("/api/v1/notifications/"+noteID, atok), 200)
	r = in.get(consultation, atok)
	wantStatus(t, r, 200)
	if c := r.Object(t); c["title"] != "Wells" {
		t.Errorf("alice's consultation after the attempts: %s", r.Body)
	}
	if r := in.get("/api/v1/accounts/relationships?id[]="+wellsID, ctok).List(t); r[0]["following"] != false || r[0]["requested"] != true {
		t.Errorf("carol's join request after the attempts: %v", r)
	}
	r = in.get("/api/roundtable/v1/warnings/"+warningID, atok)
	wantStatus(t, r, 200)
	if strings.Contains(string(r.Body), "Not me") {
		t.Errorf("alice's warning was appealed by someone else: %s", r.Body)
	}
	if st := in.get("/api/v1/statuses/"+thread, atok); st.Status != 200 {
		t.Errorf("alice's thread after the attempts: %d", st.Status)
	}
	if r := in.get("/api/roundtable/v1/consultations", ""); strings.Contains(string(r.Body), `"mine"`) {
		t.Errorf("a member opened a consultation: %s", r.Body)
	}
	if got := listIDs(t, in, "/api/v1/follow_requests", atok); len(got) != 1 || got[0] != carol.ID {
		t.Errorf("alice's follow requests after the attempts: %v", got)
	}
	for _, who := range []*roundtable.Member{bob, mallory} {
		if got := listIDs(t, in, "/api/v1/accounts/"+who.ID+"/statuses", atok); len(got) != 0 {
			t.Errorf("statuses appeared for %s: %v", who.Username, got)
		}
	}
	for _, name := range []string{"rhoda", "wanda", "root"} {
		m, err := in.Store.MemberByUsername(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if got := listIDs(t, in, "/api/v1/accounts/"+m.ID+"/statuses", atok); len(got) != 0 {
			t.Errorf("statuses appeared for %s: %v", name, got)
		}
	}
	for _, name := range []string{"alice", "bob"} {
		m, err := in.Store.MemberByUsername(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if m.SuspendedAt != nil || m.DisabledAt != nil {
			t.Errorf("%s was restricted: %+v", name, m)
		}
	}
	if r := in.get("/api/v1/accounts/relationships?id[]="+alice.ID, ctok).List(t); r[0]["following"] != false || r[0]["requested"] != true {
		t.Errorf("carol's follow of alice after the attempts: %v", r)
	}
	// The same ids work for their owner: the refusals were about who asked.
	wantStatus(t, in.postJSON(consultation+"/join_requests/"+carol.ID+"/approve", atok, nil), 200)
	wantStatus(t, in.postJSON("/api/v1/follow_requests/"+carol.ID+"/authorize", atok, nil), 200)
	wantStatus(t, in.postJSON("/api/v1/notifications/"+noteID+"/dismiss", atok, nil), 200)
	wantStatus(t, in.postJSON("/api/v1/conversations/"+convID+"/read", atok, nil), 200)
}
