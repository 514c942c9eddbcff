package web_test

import (
	"slices"
	"testing"
)

var listShape = map[string]jsonKind{"id": kString, "title": kString, "replies_policy": kString, "exclusive": kBool}

func TestListsCRUD(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, atok := in.member("alice")
	_, btok := in.member("bob")

	// Created from JSON and from a form.
	r := in.postJSON("/api/v1/lists", atok, map[string]any{"title": "Friends", "replies_policy": "followed", "exclusive": true})
	wantStatus(t, r, 200)
	friends := r.Object(t)
	checkShape(t, "list", friends, listShape)
	if friends["title"] != "Friends" || friends["replies_policy"] != "followed" || friends["exclusive"] != true {
		t.Errorf("created list %v", friends)
	}
	r = in.do("POST", "/api/v1/lists", atok, "title=Work", formType)
	wantStatus(t, r, 200)
	work := r.Object(t)
	if work["replies_policy"] != "list" || work["exclusive"] != false {
		t.Errorf("defaults of a list %v", work)
	}
	fid, wid := friends["id"].(string), work["id"].(string)
	if got := listIDs(t, in, "/api/v1/lists", atok); !slices.Equal(got, []string{fid, wid}) {
		t.Errorf("alice's lists %v", got)
	}
	r = in.get("/api/v1/lists/"+fid, atok)
	wantStatus(t, r, 200)
	checkShape(t, "list", r.Object(t), listShape)

	r = in.do("PUT", "/api/v1/lists/"+wid, atok, map[string]any{"title": "Colleagues", "replies_policy": "none"}, "")
	wantStatus(t, r, 200)
	if got := r.Object(t); got["title"] != "Colleagues" || got["replies_policy"] != "none" || got["exclusive"] != false {
		t.Errorf("updated list %v", got)
	}

	// Bad input: 422, nothing changed.
	for _, body := range []map[string]any{{"title": ""}, {"title": "   "}, {"title": "x", "replies_policy": "everyone"},
		{"title": "x", "exclusive": "maybe"}, {}} {
		wantAPIError(t, in.postJSON("/api/v1/lists", atok, body), 422)
	}
	wantAPIError(t, in.do("PUT", "/api/v1/lists/"+wid, atok, map[string]any{"replies_policy": "all"}, ""), 422, "replies_policy")
	wantAPIError(t, in.do("PUT", "/api/v1/lists/"+wid, atok, map[string]any{"title": ""}, ""), 422, "title")
	if got := listIDs(t, in, "/api/v1/lists", atok); len(got) != 2 {
		t.Errorf("lists after bad input %v", got)
	}
	if r := in.get("/api/v1/lists/"+wid, atok).Object(t); r["title"] != "Colleagues" {
		t.Errorf("list after bad updates %v", r)
	}

	// Another member's lists are not found, whatever the action.
	wantAPIError(t, in.get("/api/v1/lists/"+fid, btok), 404, "Record not found")
	wantAPIError(t, in.do("PUT", "/api/v1/lists/"+fid, btok, map[string]any{"title": "Mine"}, ""), 404)
	wantAPIError(t, in.do("DELETE", "/api/v1/lists/"+fid, btok, nil, ""), 404)
	wantAPIError(t, in.get("/api/v1/lists/"+fid+"/accounts", btok), 404)
	wantAPIError(t, in.get("/api/v1/timelines/list/"+fid, btok), 404)
	wantAPIError(t, in.get("/api/v1/lists/nonsense", atok), 404)
	if got := listIDs(t, in, "/api/v1/lists", btok); len(got) != 0 {
		t.Errorf("bob sees lists %v", got)
	}
	wantAPIError(t, in.get("/api/v1/lists", ""), 401)

	r = in.do("DELETE", "/api/v1/lists/"+wid, atok, nil, "")
	wantStatus(t, r, 200)
	if string(r.Body) != "{}\n" {
		t.Errorf("delete answered %s", r.Body)
	}
	wantAPIError(t, in.get("/api/v1/lists/"+wid, atok), 404)
	if got := listIDs(t, in, "/api/v1/lists", atok); !slices.Equal(got, []string{fid}) {
		t.Errorf("lists after delete %v", got)
	}
}

func TestListAccountsAndTimeline(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	alice, atok := in.member("alice")
	bob, btok := in.member("bob")
	carol, ctok := in.member("carol")
	dave, dtok := in.member("dave")
	for _, id := range []string{bob.ID, carol.ID, dave.ID} {
		wantStatus(t, in.postJSON("/api/v1/accounts/"+id+"/follow", atok, nil), 200)
	}
	erin, _ := in.member("erin") // not followed
	lid := in.postJSON("/api/v1/lists", atok, map[string]any{"title": "Reading"}).Object(t)["id"].(string)

	// Only followed accounts may be added; a failed add changes nothing.
	wantAPIError(t, in.postJSON("/api/v1/lists/"+lid+"/accounts", atok, map[string]any{"account_ids": []string{bob.ID, erin.ID}}),
		422, "only add accounts you follow")
	wantAPIError(t, in.postJSON("/api/v1/lists/"+lid+"/accounts", atok, map[string]any{"account_ids": []string{}}), 422)
	wantAPIError(t, in.postJSON("/api/v1/lists/"+lid+"/accounts", atok, map[string]any{"account_ids": []string{"01ARZ3NDEKTSV4RRFFQ69G5FAV"}}), 404)
	if got := listIDs(t, in, "/api/v1/lists/"+lid+"/accounts", atok); len(got) != 0 {
		t.Fatalf("list accounts after refused adds %v", got)
	}
	r := in.do("POST", "/api/v1/lists/"+lid+"/accounts", atok, "account_ids[]="+bob.ID+"&account_ids[]="+carol.ID, formType)
	wantStatus(t, r, 200)
	if string(r.Body) != "{}\n" {
		t.Errorf("add answered %s", r.Body)
	}
	wantAPIError(t, in.postJSON("/api/v1/lists/"+lid+"/accounts", atok, map[string]any{"account_ids": []string{bob.ID}}), 422, "already")

	r = in.get("/api/v1/lists/"+lid+"/accounts", atok)
	wantStatus(t, r, 200)
	accs := r.List(t)
	for _, a := range accs {
		checkShape(t, "list account", a, accountShape)
	}
	if got := idsOf(accs); !slices.Equal(sorted(got), sorted([]string{bob.ID, carol.ID})) {
		t.Errorf("list accounts %v", got)
	}
	if r.Header.Get("Link") != "" {
		t.Errorf("the whole list came with Link %q", r.Header.Get("Link"))
	}
	// Paged one at a time, following the Link header.
	var paged []string
	next := "/api/v1/lists/" + lid + "/accounts?limit=1"
	for range 5 {
		r := in.get(next, atok)
		wantStatus(t, r, 200)
		page := idsOf(r.List(t))
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		links := parseLink(t, r.Header.Get("Link"))
		if links["next"] == nil || links["prev"] == nil || links["next"].Query().Get("limit") != "1" {
			t.Fatalf("Link %q", r.Header.Get("Link"))
		}
		next = links["next"].RequestURI()
	}
	if !slices.Equal(sorted(paged), sorted([]string{bob.ID, carol.ID})) {
		t.Errorf("paged list accounts %v", paged)
	}

	r = in.get("/api/v1/accounts/"+bob.ID+"/lists", atok)
	wantStatus(t, r, 200)
	if got := idsOf(r.List(t)); !slices.Equal(got, []string{lid}) {
		t.Errorf("lists holding bob %v", got)
	}
	if got := listIDs(t, in, "/api/v1/accounts/"+dave.ID+"/lists", atok); len(got) != 0 {
		t.Errorf("lists holding dave %v", got)
	}
	wantAPIError(t, in.get("/api/v1/accounts/01ARZ3NDEKTSV4RRFFQ69G5FAV/lists", atok), 404)

	// The timeline: statuses of the accounts in the list, and replies as
	// the policy says (list: to members of the list, or to alice).
	b1 := say(t, in, btok, "bob one")
	c1 := say(t, in, ctok, "carol one")
	d1 := say(t, in, dtok, "dave one")
	toCarol := postStatus(t, in, btok, map[string]any{"status": "@carol indeed", "in_reply_to_id": c1})["id"].(string)
	toDave := postStatus(t, in, btok, map[string]any{"status": "@dave really?", "in_reply_to_id": d1})["id"].(string)
	a1 := say(t, in, atok, "alice one")
	toAlice := postStatus(t, in, ctok, map[string]any{"status": "@alice yes", "in_reply_to_id": a1})["id"].(string)
	self := postStatus(t, in, btok, map[string]any{"status": "bob again", "in_reply_to_id": b1})["id"].(string)

	tl := "/api/v1/timelines/list/" + lid
	if got := listIDs(t, in, tl, atok); !slices.Equal(got, []string{self, toAlice, toCarol, c1, b1}) {
		t.Errorf("list timeline (replies to list) %v, want %v", got, []string{self, toAlice, toCarol, c1, b1})
	}
	in.do("PUT", "/api/v1/lists/"+lid, atok, map[string]any{"replies_policy": "followed"}, "")
	if got := listIDs(t, in, tl, atok); !slices.Equal(got, []string{self, toAlice, toDave, toCarol, c1, b1}) {
		t.Errorf("list timeline (replies to followed) %v", got)
	}
	in.do("PUT", "/api/v1/lists/"+lid, atok, map[string]any{"replies_policy": "none"}, "")
	if got := listIDs(t, in, tl, atok); !slices.Equal(got, []string{self, toAlice, c1, b1}) {
		t.Errorf("list timeline (no replies) %v", got)
	}
	r = in.get(tl+"?limit=2", atok)
	wantStatus(t, r, 200)
	for _, st := range r.List(t) {
		checkStatus(t, "list status", st)
	}
	links := parseLink(t, r.Header.Get("Link"))
	if links["next"] == nil || links["next"].Query().Get("max_id") != toAlice {
		t.Errorf("list timeline Link %q", r.Header.Get("Link"))
	}
	if got := listIDs(t, in, links["next"].RequestURI(), atok); !slices.Equal(got, []string{c1, b1}) {
		t.Errorf("list timeline next page %v", got)
	}

	// An exclusive list keeps its accounts out of home; alice's own
	// statuses stay.
	home := listIDs(t, in, "/api/v1/timelines/home", atok)
	if !slices.Contains(home, b1) || !slices.Contains(home, c1) {
		t.Fatalf("home before exclusive %v", home)
	}
	in.do("PUT", "/api/v1/lists/"+lid, atok, map[string]any{"exclusive": true}, "")
	home = listIDs(t, in, "/api/v1/timelines/home", atok)
	if slices.Contains(home, b1) || slices.Contains(home, c1) || !slices.Contains(home, d1) || !slices.Contains(home, a1) {
		t.Errorf("home with an exclusive list %v", home)
	}

	// Removing an account, and unfollowing one, take them out.
	r = in.do("DELETE", "/api/v1/lists/"+lid+"/accounts?account_ids[]="+carol.ID, atok, nil, "")
	wantStatus(t, r, 200)
	wantStatus(t, in.postJSON("/api/v1/accounts/"+bob.ID+"/unfollow", atok, nil), 200)
	if got := listIDs(t, in, "/api/v1/lists/"+lid+"/accounts", atok); len(got) != 0 {
		t.Errorf("list accounts after removal and unfollow %v", got)
	}
	if got := listIDs(t, in, tl, atok); len(got) != 0 {
		t.Errorf("list timeline of an empty list %v", got)
	}
	_ = alice
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

func TestFollowRequestsPaging(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	alice, atok := in.member("alice")
	wantStatus(t, in.do("PATCH", "/api/v1/accounts/update_credentials", atok, "locked=true", formType), 200)
	var want []string
	for _, n := range []string{"bob", "carol", "dave"} {
		m, tok := in.member(n)
		wantStatus(t, in.postJSON("/api/v1/accounts/"+alice.ID+"/follow", tok, nil), 200)
		want = append([]string{m.ID}, want...)
	}
	var got []string
	next := "/api/v1/follow_requests?limit=2"
	for range 4 {
		r := in.get(next, atok)
		wantStatus(t, r, 200)
		page := r.List(t)
		if len(page) == 0 {
			if r.Header.Get("Link") != "" {
				t.Errorf("empty page with Link %q", r.Header.Get("Link"))
			}
			break
		}
		for _, a := range page {
			checkShape(t, "follow request", a, accountShape)
		}
		got = append(got, idsOf(page)...)
		next = parseLink(t, r.Header.Get("Link"))["next"].RequestURI()
	}
	if !slices.Equal(got, want) {
		t.Errorf("follow requests paged %v, want newest first %v", got, want)
	}
}
