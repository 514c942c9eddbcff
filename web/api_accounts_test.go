package web_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

func TestAccountGetAndLookup(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	alice, tok := in.member("alice")
	say(t, in, tok, "hello")

	for _, path := range []string{
		"/api/v1/accounts/" + alice.ID,
		"/api/v1/accounts/lookup?acct=alice",
		"/api/v1/accounts/lookup?acct=%40alice",
		"/api/v1/accounts/lookup?acct=ALICE",
		"/api/v1/accounts/lookup?acct=" + url.QueryEscape("alice@"+strings.TrimPrefix(in.URL, "http://")),
	} {
		for _, tk := range []string{"", tok} {
			r := in.get(path, tk)
			wantStatus(t, r, 200)
			a := r.Object(t)
			checkShape(t, path, a, accountShape)
			if a["id"] != alice.ID || a["username"] != "alice" || a["acct"] != "alice" ||
				a["url"] != in.URL+"/@alice" || a["uri"] != in.URL+"/users/alice" || a["statuses_count"] != 1.0 {
				t.Errorf("%s: %s", path, r.Body)
			}
			if !strings.HasSuffix(a["avatar"].(string), "/missing.png") || !dateRE.MatchString(a["last_status_at"].(string)) {
				t.Errorf("%s: avatar %v last_status_at %v", path, a["avatar"], a["last_status_at"])
			}
		}
	}
	// The default avatar really is there.
	wantStatus(t, in.get("/avatars/original/missing.png", ""), 200)

	wantAPIError(t, in.get("/api/v1/accounts/lookup?acct=nobody", ""), 404)
	wantAPIError(t, in.get("/api/v1/accounts/lookup?acct=alice@elsewhere.example", ""), 404)
	wantAPIError(t, in.get("/api/v1/accounts/lookup", ""), 400, "acct")
	wantAPIError(t, in.get("/api/v1/accounts/not-an-id", ""), 404)
	wantAPIError(t, in.get("/api/v1/accounts/01ARZ3NDEKTSV4RRFFQ69G5FAV", ""), 404)
	wantAPIError(t, in.get("/api/v1/accounts/01ARZ3NDEKTSV4RRFFQ69G5FAV/statuses", ""), 404)
	wantAPIError(t, in.get("/api/v1/accounts/01ARZ3NDEKTSV4RRFFQ69G5FAV/followers", ""), 404)
	wantAPIError(t, in.get("/api/v1/accounts/01ARZ3NDEKTSV4RRFFQ69G5FAV/following", ""), 404)

	// A new account has posted nothing.
	bob, _ := in.member("bob")
	r := in.get("/api/v1/accounts/"+bob.ID, "")
	wantStatus(t, r, 200)
	if b := r.Object(t); b["last_status_at"] != nil || b["statuses_count"] != 0.0 {
		t.Errorf("fresh account %s", r.Body)
	}
}

func TestAccountStatuses(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	alice, atok := in.member("alice")
	_, btok := in.member("bob")
	bobs := say(t, in, btok, "bob's")
	root := say(t, in, atok, "root")
	toBob := postStatus(t, in, atok, map[string]any{"status": "answer", "in_reply_to_id": bobs})["id"].(string)
	self := postStatus(t, in, atok, map[string]any{"status": "thread", "in_reply_to_id": root})["id"].(string)
	tagged := say(t, in, atok, "about #Go")

	path := "/api/v1/accounts/" + alice.ID + "/statuses"
	if got := listIDs(t, in, path, ""); !slices.Equal(got, []string{tagged, self, toBob, root}) {
		t.Errorf("all statuses %v", got)
	}
	// Replies to others go; a thread of one's own stays.
	if got := listIDs(t, in, path+"?exclude_replies=true", ""); !slices.Equal(got, []string{tagged, self, root}) {
		t.Errorf("exclude_replies %v", got)
	}
	if got := listIDs(t, in, path+"?exclude_replies=false", ""); len(got) != 4 {
		t.Errorf("exclude_replies=false %v", got)
	}
	if got := listIDs(t, in, path+"?tagged=go", ""); !slices.Equal(got, []string{tagged}) {
		t.Errorf("tagged %v", got)
	}
	if got := listIDs(t, in, path+"?pinned=true", atok); len(got) != 0 {
		t.Errorf("pinned %v", got)
	}
	if got := listIDs(t, in, path+"?only_media=true", ""); len(got) != 0 {
		t.Errorf("only_media %v", got)
	}
	r := in.get(path+"?limit=2&exclude_replies=true", "")
	wantStatus(t, r, 200)
	if got := idsOf(r.List(t)); !slices.Equal(got, []string{tagged, self}) {
		t.Fatalf("page 1 %v", got)
	}
	next := parseLink(t, r.Header.Get("Link"))["next"]
	if next == nil || next.Query().Get("exclude_replies") != "true" || next.Query().Get("max_id") != self {
		t.Fatalf("Link %q", r.Header.Get("Link"))
	}
	if got := listIDs(t, in, next.RequestURI(), ""); !slices.Equal(got, []string{root}) {
		t.Errorf("page 2 %v", got)
	}
	wantAPIError(t, in.get(path+"?exclude_replies=maybe", ""), 422, "exclude_replies")
}

// relationshipWith returns the viewer's relationship with id.
func relationshipWith(t testing.TB, in *instance, tok, id string) map[string]any {
	t.Helper()
	r := in.forTest(t).get("/api/v1/accounts/relationships?id[]="+id, tok)
	wantStatus(t, r, 200)
	l := r.List(t)
	if len(l) != 1 || l[0]["id"] != id {
		t.Fatalf("relationships with %s: %s", id, r.Body)
	}
	checkShape(t, "relationship", l[0], relationshipShape)
	return l[0]
}

// followCounts returns an account's followers_count and following_count.
func followCounts(t testing.TB, in *instance, id string) (followers, following float64) {
	t.Helper()
	r := in.forTest(t).get("/api/v1/accounts/"+id, "")
	wantStatus(t, r, 200)
	a := r.Object(t)
	return a["followers_count"].(float64), a["following_count"].(float64)
}

func TestAccountFollow(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	alice, atok := in.member("alice")
	bob, btok := in.member("bob")
	carol, _ := in.member("carol")

	for i := 0; i < 2; i++ { // following twice changes nothing
		r := in.postJSON("/api/v1/accounts/"+alice.ID+"/follow", btok, map[string]any{"reblogs": true})
		wantStatus(t, r, 200)
		rel := r.Object(t)
		checkShape(t, "follow", rel, relationshipShape)
		if rel["id"] != alice.ID || rel["following"] != true || rel["requested"] != false || rel["showing_reblogs"] != true {
			t.Fatalf("follow: %s", r.Body)
		}
	}
	if f, g := followCounts(t, in, alice.ID); f != 1 || g != 0 {
		t.Errorf("alice followers %v following %v", f, g)
	}
	if f, g := followCounts(t, in, bob.ID); f != 0 || g != 1 {
		t.Errorf("bob followers %v following %v", f, g)
	}
	if got := listIDs(t, in, "/api/v1/accounts/"+alice.ID+"/followers", ""); !slices.Equal(got, []string{bob.ID}) {
		t.Errorf("alice's followers %v", got)
	}
	if got := listIDs(t, in, "/api/v1/accounts/"+bob.ID+"/following", ""); !slices.Equal(got, []string{alice.ID}) {
		t.Errorf("bob's following %v", got)
	}
	if got := listIDs(t, in, "/api/v1/accounts/"+alice.ID+"/following", ""); len(got) != 0 {
		t.Errorf("alice's following %v", got)
	}
	if rel := relationshipWith(t, in, atok, bob.ID); rel["followed_by"] != true || rel["following"] != false {
		t.Errorf("alice→bob %v", rel)
	}

	// Several ids, in the order asked; unknown and malformed ones left out.
	r := in.get("/api/v1/accounts/relationships?id[]="+carol.ID+"&id[]=01ARZ3NDEKTSV4RRFFQ69G5FAV&id[]=junk&id[]="+alice.ID, btok)
	wantStatus(t, r, 200)
	rels := r.List(t)
	if got := idsOf(rels); !slices.Equal(got, []string{carol.ID, alice.ID}) {
		t.Fatalf("relationships %s", r.Body)
	}
	if rels[0]["following"] != false || rels[1]["following"] != true {
		t.Errorf("relationships %s", r.Body)
	}
	if got := listIDs(t, in, "/api/v1/accounts/relationships", btok); len(got) != 0 {
		t.Errorf("relationships without ids %v", got)
	}
	// The plain id= form works too.
	if got := listIDs(t, in, "/api/v1/accounts/relationships?id="+alice.ID, btok); !slices.Equal(got, []string{alice.ID}) {
		t.Errorf("id= form %v", got)
	}

	// Alice was told.
	r = in.get("/api/v1/notifications?types[]=follow", atok)
	wantStatus(t, r, 200)
	if ns := r.List(t); len(ns) != 1 || ns[0]["account"].(map[string]any)["id"] != bob.ID || ns[0]["status"] != nil {
		t.Errorf("follow notification %s", r.Body)
	}

	for i := 0; i < 2; i++ {
		r = in.postJSON("/api/v1/accounts/"+alice.ID+"/unfollow", btok, nil)
		wantStatus(t, r, 200)
		if rel := r.Object(t); rel["following"] != false || rel["requested"] != false {
			t.Fatalf("unfollow %s", r.Body)
		}
	}
	if f, _ := followCounts(t, in, alice.ID); f != 0 {
		t.Errorf("alice followers after unfollow %v", f)
	}
	if _, g := followCounts(t, in, bob.ID); g != 0 {
		t.Errorf("bob following after unfollow %v", g)
	}
	if got := listIDs(t, in, "/api/v1/accounts/"+alice.ID+"/followers", ""); len(got) != 0 {
		t.Errorf("followers after unfollow %v", got)
	}
	if r := in.get("/api/v1/accounts/"+alice.ID+"/followers", ""); r.Header.Get("Link") != "" {
		t.Errorf("empty list with Link %q", r.Header.Get("Link"))
	}

	wantAPIError(t, in.postJSON("/api/v1/accounts/"+bob.ID+"/follow", btok, nil), 422, "follow")
	wantAPIError(t, in.postJSON("/api/v1/accounts/01ARZ3NDEKTSV4RRFFQ69G5FAV/follow", btok, nil), 404)
	wantAPIError(t, in.postJSON("/api/v1/accounts/not-an-id/follow", btok, nil), 404)
	wantAPIError(t, in.get("/api/v1/accounts/relationships?id[]="+alice.ID, ""), 401)
}

func TestAccountFollowersPagination(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	alice, _ := in.member("alice")
	var followers []string
	for _, name := range []string{"f1", "f2", "f3", "f4", "f5"} {
		m, tok := in.member(name)
		wantStatus(t, in.postJSON("/api/v1/accounts/"+alice.ID+"/follow", tok, nil), 200)
		followers = append(followers, m.ID)
	}
	// Most recent followers first, in pages of two, by the Link header.
	var got []string
	path := "/api/v1/accounts/" + alice.ID + "/followers?limit=2"
	for pages := 0; path != ""; pages++ {
		if pages > 5 {
			t.Fatal("followers pages never end")
		}
		r := in.get(path, "")
		wantStatus(t, r, 200)
		l := r.List(t)
		got = append(got, idsOf(l)...)
		path = ""
		if next := parseLink(t, r.Header.Get("Link"))["next"]; next != nil && len(l) > 0 {
			path = next.RequestURI()
		}
	}
	want := slices.Clone(followers)
	slices.Reverse(want)
	if !slices.Equal(got, want) {
		t.Errorf("followers by page %v, want %v", got, want)
	}
}

func TestAccountLockedFollowRequests(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	alice, atok := in.member("alice")
	bob, btok := in.member("bob")
	carol, ctok := in.member("carol")

	r := in.do("PATCH", "/api/v1/accounts/update_credentials", atok, "locked=true", "application/x-www-form-urlencoded")
	wantStatus(t, r, 200)
	if r.Object(t)["locked"] != true {
		t.Fatalf("locking: %s", r.Body)
	}
	private := say(t, in, atok, "for followers", "private")

	r = in.postJSON("/api/v1/accounts/"+alice.ID+"/follow", btok, nil)
	wantStatus(t, r, 200)
	if rel := r.Object(t); rel["following"] != false || rel["requested"] != true {
		t.Fatalf("follow of a locked account: %s", r.Body)
	}
	wantStatus(t, in.postJSON("/api/v1/accounts/"+alice.ID+"/follow", ctok, nil), 200)
	if f, _ := followCounts(t, in, alice.ID); f != 0 {
		t.Errorf("followers before approval %v", f)
	}
	wantAPIError(t, in.get("/api/v1/statuses/"+private, btok), 404)

	r = in.get("/api/v1/follow_requests", atok)
	wantStatus(t, r, 200)
	reqs := r.List(t)
	if got := idsOf(reqs); !slices.Equal(got, []string{carol.ID, bob.ID}) {
		t.Fatalf("follow_requests %s", r.Body)
	}
	checkShape(t, "follow request", reqs[0], accountShape)
	if rel := relationshipWith(t, in, atok, bob.ID); rel["requested_by"] != true || rel["followed_by"] != false {
		t.Errorf("alice→bob before approval %v", rel)
	}
	r = in.get("/api/v1/accounts/verify_credentials", atok)
	wantStatus(t, r, 200)
	if src := r.Object(t)["source"].(map[string]any); src["follow_requests_count"] != 2.0 {
		t.Errorf("follow_requests_count %v", src["follow_requests_count"])
	}
	r = in.get("/api/v1/notifications", atok)
	wantStatus(t, r, 200)
	for _, n := range r.List(t) {
		if n["type"] != "follow_request" {
			t.Errorf("notification %v before approval", n["type"])
		}
	}

	r = in.postJSON("/api/v1/follow_requests/"+bob.ID+"/authorize", atok, nil)
	wantStatus(t, r, 200)
	if rel := r.Object(t); rel["id"] != bob.ID || rel["followed_by"] != true || rel["requested_by"] != false {
		t.Errorf("authorize: %s", r.Body)
	}
	r = in.postJSON("/api/v1/follow_requests/"+carol.ID+"/reject", atok, nil)
	wantStatus(t, r, 200)
	if rel := r.Object(t); rel["followed_by"] != false || rel["requested_by"] != false {
		t.Errorf("reject: %s", r.Body)
	}
	if got := listIDs(t, in, "/api/v1/follow_requests", atok); len(got) != 0 {
		t.Errorf("follow_requests after answering %v", got)
	}
	wantAPIError(t, in.postJSON("/api/v1/follow_requests/"+carol.ID+"/authorize", atok, nil), 404)
	wantAPIError(t, in.postJSON("/api/v1/follow_requests/"+bob.ID+"/reject", atok, nil), 404)

	if f, _ := followCounts(t, in, alice.ID); f != 1 {
		t.Errorf("followers after approval %v", f)
	}
	if rel := relationshipWith(t, in, btok, alice.ID); rel["following"] != true || rel["requested"] != false {
		t.Errorf("bob→alice %v", rel)
	}
	if rel := relationshipWith(t, in, ctok, alice.ID); rel["following"] != false || rel["requested"] != false {
		t.Errorf("carol→alice %v", rel)
	}
	wantStatus(t, in.get("/api/v1/statuses/"+private, btok), 200)
	wantAPIError(t, in.get("/api/v1/statuses/"+private, ctok), 404)
	r = in.get("/api/v1/notifications", atok)
	wantStatus(t, r, 200)
	if ns := r.List(t); len(ns) != 1 || ns[0]["type"] != "follow" || ns[0]["account"].(map[string]any)["id"] != bob.ID {
		t.Errorf("notifications after answering %s", r.Body)
	}
	// A pending request can be withdrawn.
	wantStatus(t, in.postJSON("/api/v1/accounts/"+alice.ID+"/follow", ctok, nil), 200)
	wantStatus(t, in.postJSON("/api/v1/accounts/"+alice.ID+"/unfollow", ctok, nil), 200)
	if got := listIDs(t, in, "/api/v1/follow_requests", atok); len(got) != 0 {
		t.Errorf("withdrawn request still listed %v", got)
	}
}

func TestAccountVerifyCredentials(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, tok := in.member("alice")
	admin, err := in.Store.CreateMember(context.Background(), roundtable.NewMember{Username: "root", Email: "root@example.org",
		Password: "password-root", Role: roundtable.RoleAdmin, Approved: true})
	if err != nil {
		t.Fatal(err)
	}
	rootTok, err := in.Store.IssueToken(context.Background(), "root", []string{"read"})
	if err != nil {
		t.Fatal(err)
	}

	r := in.get("/api/v1/accounts/verify_credentials", tok)
	wantStatus(t, r, 200)
	ca := r.Object(t)
	checkShape(t, "credential account", ca, accountShape)
	src, ok := ca["source"].(map[string]any)
	if !ok {
		t.Fatalf("no source in %s", r.Body)
	}
	checkShape(t, "source", src, map[string]jsonKind{"privacy": kString, "sensitive": kBool, "language": kStringOrNull,
		"note": kString, "fields": kArray, "follow_requests_count": kNumber})
	if src["privacy"] != "public" || src["sensitive"] != false || src["language"] != nil {
		t.Errorf("default source %v", src)
	}
	role, ok := ca["role"].(map[string]any)
	if !ok {
		t.Fatalf("no role in %s", r.Body)
	}
	checkShape(t, "role", role, map[string]jsonKind{"id": kString, "name": kString, "permissions": kString,
		"color": kString, "highlighted": kBool})

	r = in.get("/api/v1/accounts/verify_credentials", rootTok)
	wantStatus(t, r, 200)
	ca = r.Object(t)
	if ca["id"] != admin.ID || ca["role"].(map[string]any)["name"] != "Admin" {
		t.Errorf("admin credentials %s", r.Body)
	}
	wantAPIError(t, in.get("/api/v1/accounts/verify_credentials", ""), 401)
	wantAPIError(t, in.get("/api/v1/accounts/verify_credentials", "not-a-token"), 401, "The access token is invalid")
}

func TestAccountUpdateCredentials(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, tok := in.member("alice")

	// Multipart, as most apps send it.
	body, ct := multipartBody(t, map[string]string{"display_name": "Alice A.", "note": "I like\n\ntea & <b>cake</b>",
		"locked": "true", "source[privacy]": "private", "source[sensitive]": "true", "source[language]": "fr"})
	r := in.do("PATCH", "/api/v1/accounts/update_credentials", tok, body, ct)
	wantStatus(t, r, 200)
	ca := r.Object(t)
	checkShape(t, "updated", ca, accountShape)
	src := ca["source"].(map[string]any)
	if ca["display_name"] != "Alice A." || ca["locked"] != true || src["privacy"] != "private" ||
		src["sensitive"] != true || src["language"] != "fr" || src["note"] != "I like\n\ntea & <b>cake</b>" {
		t.Fatalf("update_credentials: %s", r.Body)
	}
	if ca["note"] != "<p>I like</p><p>tea &amp; &lt;b&gt;cake&lt;/b&gt;</p>" {
		t.Errorf("note HTML %q", ca["note"])
	}
	// It is kept.
	r = in.get("/api/v1/accounts/verify_credentials", tok)
	wantStatus(t, r, 200)
	if got := r.Object(t); got["display_name"] != "Alice A." || got["source"].(map[string]any)["privacy"] != "private" {
		t.Errorf("after update %s", r.Body)
	}
	r = in.get("/api/v1/preferences", tok)
	wantStatus(t, r, 200)
	prefs := r.Object(t)
	if prefs["posting:default:visibility"] != "private" || prefs["posting:default:sensitive"] != true ||
		prefs["posting:default:language"] != "fr" {
		t.Errorf("preferences %s", r.Body)
	}
	// A new status without those fields takes the defaults.
	st := postStatus(t, in, tok, map[string]any{"status": "defaults"})
	if st["visibility"] != "private" || st["sensitive"] != true || st["language"] != "fr" {
		t.Errorf("status with defaults: visibility %v sensitive %v language %v", st["visibility"], st["sensitive"], st["language"])
	}
	// Given ones win.
	st = postStatus(t, in, tok, map[string]any{"status": "explicit", "visibility": "public", "sensitive": false, "language": "en"})
	if st["visibility"] != "public" || st["sensitive"] != false || st["language"] != "en" {
		t.Errorf("explicit status %v %v %v", st["visibility"], st["sensitive"], st["language"])
	}

	// JSON with a nested source, and form-urlencoded.
	r = in.do("PATCH", "/api/v1/accounts/update_credentials", tok,
		`{"source": {"privacy": "unlisted"}, "locked": false}`, "application/json")
	wantStatus(t, r, 200)
	if ca := r.Object(t); ca["source"].(map[string]any)["privacy"] != "unlisted" || ca["locked"] != false || ca["display_name"] != "Alice A." {
		t.Errorf("JSON update %s", r.Body)
	}
	r = in.do("PATCH", "/api/v1/accounts/update_credentials", tok, "display_name=&source%5Blanguage%5D=", "application/x-www-form-urlencoded")
	wantStatus(t, r, 200)
	if ca := r.Object(t); ca["display_name"] != "" || ca["source"].(map[string]any)["language"] != nil {
		t.Errorf("clearing %s", r.Body)
	}
	if st := postStatus(t, in, tok, map[string]any{"status": "unlisted by default"}); st["visibility"] != "unlisted" || st["language"] != nil {
		t.Errorf("after JSON update: %v %v", st["visibility"], st["language"])
	}

	// Bad values are refused, naming the field, and change nothing.
	before := in.get("/api/v1/accounts/verify_credentials", tok).Body
	for _, c := range []struct {
		body, ct, field string
	}{
		{"display_name=" + strings.Repeat("x", 31), "application/x-www-form-urlencoded", "display_name"},
		{"note=" + strings.Repeat("x", 501), "application/x-www-form-urlencoded", "note"},
		{"source%5Bprivacy%5D=local", "application/x-www-form-urlencoded", "source[privacy]"},
		{"source%5Blanguage%5D=english", "application/x-www-form-urlencoded", "source[language]"},
		{"locked=maybe", "application/x-www-form-urlencoded", "locked"},
		{`{"display_name": 5}`, "application/json", "display_name"},
		{`{"locked": "sometimes"}`, "application/json", "locked"},
		{`{"source": {"sensitive": [true]}}`, "application/json", "source[sensitive]"},
		{`{"display_name": "ok", "source": {"privacy": "everyone"}}`, "application/json", "source[privacy]"},
	} {
		r := in.do("PATCH", "/api/v1/accounts/update_credentials", tok, c.body, c.ct)
		wantAPIError(t, r, 422, c.field)
	}
	wantAPIError(t, in.do("PATCH", "/api/v1/accounts/update_credentials", tok, `{"display_name":`, "application/json"), 400)
	after := in.get("/api/v1/accounts/verify_credentials", tok).Body
	if string(before) != string(after) {
		t.Errorf("refused updates changed the account:\n%s\n%s", before, after)
	}
}

func TestAccountPreferences(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, tok := in.member("alice")
	r := in.get("/api/v1/preferences", tok)
	wantStatus(t, r, 200)
	prefs := r.Object(t)
	checkShape(t, "preferences", prefs, map[string]jsonKind{"posting:default:visibility": kString,
		"posting:default:sensitive": kBool, "posting:default:language": kNull, "reading:expand:media": kString,
		"reading:expand:spoilers": kBool})
	if prefs["posting:default:visibility"] != "public" || prefs["reading:expand:media"] != "default" {
		t.Errorf("preferences %s", r.Body)
	}
	wantAPIError(t, in.get("/api/v1/preferences", ""), 401)
	// Mastodon serves them to read:accounts, the granular form of read.
	_, granular := in.member("bob", "read:accounts")
	wantStatus(t, in.get("/api/v1/preferences", granular), 200)
	_, other := in.member("carol", "read:statuses")
	wantAPIError(t, in.get("/api/v1/preferences", other), 403)
}
