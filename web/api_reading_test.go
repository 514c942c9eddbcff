package web_test

import (
	"slices"
	"strings"
	"testing"
)

var markerShape = map[string]jsonKind{"last_read_id": kString, "version": kNumber, "updated_at": kTime}

func TestMarkers(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, atok := in.member("alice")
	_, btok := in.member("bob")

	r := in.get("/api/v1/markers?timeline[]=home&timeline[]=notifications", atok)
	wantStatus(t, r, 200)
	if string(r.Body) != "{}\n" {
		t.Errorf("markers before any %s", r.Body)
	}
	s1 := say(t, in, atok, "one")
	r = in.postJSON("/api/v1/markers", atok, map[string]any{"home": map[string]any{"last_read_id": s1}})
	wantStatus(t, r, 200)
	got := r.Object(t)
	home, _ := got["home"].(map[string]any)
	checkShape(t, "home marker", home, markerShape)
	if home["last_read_id"] != s1 || home["version"] != 0.0 || len(got) != 1 {
		t.Errorf("set home marker %s", r.Body)
	}
	// A form sets both; each change counts a version.
	s2 := say(t, in, atok, "two")
	r = in.do("POST", "/api/v1/markers", atok, "home[last_read_id]="+s2+"&notifications[last_read_id]=01ARZ3NDEKTSV4RRFFQ69G5FAV", formType)
	wantStatus(t, r, 200)
	got = r.Object(t)
	if h := got["home"].(map[string]any); h["last_read_id"] != s2 || h["version"] != 1.0 {
		t.Errorf("home marker after second change %v", h)
	}
	if n := got["notifications"].(map[string]any); n["last_read_id"] != "01ARZ3NDEKTSV4RRFFQ69G5FAV" || n["version"] != 0.0 {
		t.Errorf("notifications marker %v", n)
	}
	// Read back, all or one.
	r = in.get("/api/v1/markers?timeline[]=home&timeline[]=notifications", atok)
	wantStatus(t, r, 200)
	got = r.Object(t)
	checkShape(t, "notifications marker", got["notifications"].(map[string]any), markerShape)
	if got["home"].(map[string]any)["last_read_id"] != s2 {
		t.Errorf("markers read back %s", r.Body)
	}
	r = in.get("/api/v1/markers?timeline[]=notifications", atok)
	if got := r.Object(t); len(got) != 1 || got["notifications"] == nil {
		t.Errorf("notifications marker alone %s", r.Body)
	}
	// Bad input: 422, nothing changed. Bob has his own markers.
	wantAPIError(t, in.postJSON("/api/v1/markers", atok, map[string]any{}), 422)
	wantAPIError(t, in.postJSON("/api/v1/markers", atok, map[string]any{"home": map[string]any{"last_read_id": ""}}), 422, "last_read_id")
	wantAPIError(t, in.postJSON("/api/v1/markers", atok, map[string]any{"home": map[string]any{"last_read_id": 5}}), 422, "last_read_id")
	if h := in.get("/api/v1/markers?timeline[]=home", atok).Object(t)["home"].(map[string]any); h["last_read_id"] != s2 || h["version"] != 1.0 {
		t.Errorf("home marker after bad input %v", h)
	}
	if r := in.get("/api/v1/markers?timeline[]=home", btok); string(r.Body) != "{}\n" {
		t.Errorf("bob's markers %s", r.Body)
	}
	wantAPIError(t, in.get("/api/v1/markers", ""), 401)
}

var conversationShape = map[string]jsonKind{"id": kString, "unread": kBool, "accounts": kArray, "last_status": kObjectOrNull}

func TestConversations(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	alice, atok := in.member("alice")
	bob, btok := in.member("bob")
	carol, ctok := in.member("carol")

	d1 := say(t, in, btok, "@alice a word in private", "direct")
	say(t, in, btok, "public, not a conversation")
	d2 := say(t, in, ctok, "@alice @bob the three of us", "direct")
	reply := postStatus(t, in, atok, map[string]any{"status": "@bob agreed", "in_reply_to_id": d1, "visibility": "direct"})["id"].(string)

	r := in.get("/api/v1/conversations", atok)
	wantStatus(t, r, 200)
	cs := r.List(t)
	if len(cs) != 2 {
		t.Fatalf("alice's conversations %s", r.Body)
	}
	for _, c := range cs {
		checkShape(t, "conversation", c, conversationShape)
		for _, a := range c["accounts"].([]any) {
			checkShape(t, "conversation account", a.(map[string]any), accountShape)
		}
		checkStatus(t, "last_status", c["last_status"].(map[string]any))
	}
	// The most recently active first: alice answered bob last.
	first, second := cs[0], cs[1]
	if first["last_status"].(map[string]any)["id"] != reply || first["unread"] != false ||
		!slices.Equal(idsOfAny(first["accounts"]), []string{bob.ID}) {
		t.Errorf("first conversation %v", first)
	}
	if second["last_status"].(map[string]any)["id"] != d2 || second["unread"] != true ||
		!slices.Equal(sorted(idsOfAny(second["accounts"])), sorted([]string{bob.ID, carol.ID})) {
		t.Errorf("second conversation %v", second)
	}
	// Bob's view: the one with alice is unread (her answer), carol's too.
	bcs := listMaps(t, in, "/api/v1/conversations", btok)
	if len(bcs) != 2 || bcs[0]["unread"] != true || bcs[0]["id"] != first["id"] {
		t.Errorf("bob's conversations %v", bcs)
	}
	// Paging by the latest status.
	r = in.get("/api/v1/conversations?limit=1", atok)
	links := parseLink(t, r.Header.Get("Link"))
	if links["next"] == nil || links["next"].Query().Get("max_id") != reply {
		t.Fatalf("conversations Link %q", r.Header.Get("Link"))
	}
	if got := listMaps(t, in, links["next"].RequestURI(), atok); len(got) != 1 || got[0]["id"] != second["id"] {
		t.Errorf("next page %v", got)
	}

	// Read.
	cid := second["id"].(string)
	r = in.postJSON("/api/v1/conversations/"+cid+"/read", atok, nil)
	wantStatus(t, r, 200)
	if got := r.Object(t); got["unread"] != false || got["id"] != cid {
		t.Errorf("read conversation %v", got)
	}
	if got := listMaps(t, in, "/api/v1/conversations", atok); got[1]["unread"] != false {
		t.Errorf("after reading %v", got[1])
	}
	// Removed: gone until someone writes in it again.
	r = in.do("DELETE", "/api/v1/conversations/"+cid, atok, nil, "")
	wantStatus(t, r, 200)
	if got := listMaps(t, in, "/api/v1/conversations", atok); len(got) != 1 || got[0]["id"] != first["id"] {
		t.Errorf("after removal %v", got)
	}
	d3 := postStatus(t, in, ctok, map[string]any{"status": "@alice @bob still there?", "in_reply_to_id": d2, "visibility": "direct"})["id"].(string)
	got := listMaps(t, in, "/api/v1/conversations", atok)
	if len(got) != 2 || got[0]["id"] != cid || got[0]["unread"] != true || got[0]["last_status"].(map[string]any)["id"] != d3 {
		t.Errorf("after a new status %v", got)
	}
	// Bob still has it: removal is alice's alone.
	if got := listMaps(t, in, "/api/v1/conversations", btok); len(got) != 2 {
		t.Errorf("bob's conversations %v", got)
	}

	// Someone else's conversation, or none, is not found.
	_, dtok := in.member("dave")
	wantAPIError(t, in.postJSON("/api/v1/conversations/"+cid+"/read", dtok, nil), 404)
	wantAPIError(t, in.do("DELETE", "/api/v1/conversations/"+cid, dtok, nil, ""), 404)
	wantAPIError(t, in.postJSON("/api/v1/conversations/nonsense/read", atok, nil), 404)
	if got := listMaps(t, in, "/api/v1/conversations", dtok); len(got) != 0 {
		t.Errorf("dave's conversations %v", got)
	}
	wantAPIError(t, in.get("/api/v1/conversations", ""), 401)
	_ = alice
}

func idsOfAny(v any) []string {
	a, _ := v.([]any)
	out := make([]string, 0, len(a))
	for _, x := range a {
		o, _ := x.(map[string]any)
		id, _ := o["id"].(string)
		out = append(out, id)
	}
	return out
}

var tagEntityShape = map[string]jsonKind{"name": kString, "url": kURL, "history": kArray, "following": kBool}

func TestHashtags(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, atok := in.member("alice")
	_, btok := in.member("bob")

	b1 := say(t, in, btok, "about #Gardening today")
	say(t, in, btok, "quietly #gardening", "unlisted")
	b3 := say(t, in, btok, "#gardening and #compost")
	b4 := say(t, in, btok, "#compost only")
	b5 := say(t, in, btok, "#gardening #compost #slugs")
	say(t, in, btok, "nothing tagged")

	r := in.get("/api/v1/tags/Gardening", "")
	wantStatus(t, r, 200)
	tag := r.Object(t)
	checkShape(t, "tag", tag, tagEntityShape)
	h := tag["history"].([]any)
	if tag["name"] != "gardening" || tag["following"] != false || len(h) != 7 {
		t.Fatalf("tag %s", r.Body)
	}
	today := h[0].(map[string]any)
	checkShape(t, "history", today, map[string]jsonKind{"day": kString, "uses": kString, "accounts": kString})
	if today["uses"] != "3" || today["accounts"] != "1" || h[1].(map[string]any)["uses"] != "0" {
		t.Errorf("history %v", h)
	}
	wantAPIError(t, in.get("/api/v1/tags/not-a-tag!", ""), 404)
	wantAPIError(t, in.postJSON("/api/v1/tags/not-a-tag!/follow", atok, nil), 404)

	// Following brings the hashtag's public statuses home.
	if home := listIDs(t, in, "/api/v1/timelines/home", atok); len(home) != 0 {
		t.Fatalf("alice's home before %v", home)
	}
	r = in.postJSON("/api/v1/tags/gardening/follow", atok, nil)
	wantStatus(t, r, 200)
	if got := r.Object(t); got["following"] != true || got["name"] != "gardening" {
		t.Errorf("followed tag %v", got)
	}
	wantStatus(t, in.postJSON("/api/v1/tags/gardening/follow", atok, nil), 200) // again: no change
	wantStatus(t, in.postJSON("/api/v1/tags/slugs/follow", atok, nil), 200)
	if got := in.get("/api/v1/tags/gardening", atok).Object(t); got["following"] != true {
		t.Errorf("tag for its follower %v", got)
	}
	if got := in.get("/api/v1/tags/gardening", btok).Object(t); got["following"] != false {
		t.Errorf("tag for someone else %v", got)
	}
	if home := listIDs(t, in, "/api/v1/timelines/home", atok); !slices.Equal(home, []string{b5, b3, b1}) {
		t.Errorf("alice's home with followed tags %v, want %v", home, []string{b5, b3, b1})
	}
	r = in.get("/api/v1/followed_tags", atok)
	wantStatus(t, r, 200)
	ft := r.List(t)
	for _, x := range ft {
		checkShape(t, "followed tag", x, tagEntityShape)
	}
	if len(ft) != 2 || ft[0]["name"] != "slugs" || ft[1]["name"] != "gardening" {
		t.Errorf("followed tags %s", r.Body)
	}
	r = in.get("/api/v1/followed_tags?limit=1", atok)
	links := parseLink(t, r.Header.Get("Link"))
	if links["next"] == nil {
		t.Fatalf("followed_tags Link %q", r.Header.Get("Link"))
	}
	if got := listMaps(t, in, links["next"].RequestURI(), atok); len(got) != 1 || got[0]["name"] != "gardening" {
		t.Errorf("followed_tags page 2 %v", got)
	}
	r = in.postJSON("/api/v1/tags/gardening/unfollow", atok, nil)
	wantStatus(t, r, 200)
	if r.Object(t)["following"] != false {
		t.Errorf("unfollowed tag %s", r.Body)
	}
	if home := listIDs(t, in, "/api/v1/timelines/home", atok); !slices.Equal(home, []string{b5}) {
		t.Errorf("alice's home after unfollowing %v", home)
	}
	wantAPIError(t, in.get("/api/v1/followed_tags", ""), 401)
	wantAPIError(t, in.postJSON("/api/v1/tags/gardening/follow", "", nil), 401)

	// The hashtag timeline with any, all and none.
	for q, want := range map[string][]string{
		"":                                   {b5, b3, b1},
		"?any[]=compost":                     {b5, b4, b3, b1},
		"?all[]=compost":                     {b5, b3},
		"?all[]=compost&all[]=slugs":         {b5},
		"?none[]=compost":                    {b1},
		"?any[]=compost&none[]=slugs":        {b4, b3, b1},
		"?local=true":                        {b5, b3, b1},
		"?remote=true":                       {},
		"?only_media=true":                   {},
		"?any[]=compost&limit=2":             {b5, b4},
		"?all[]=COMPOST&none[]=%23slugs":     {b3},
		"?any[]=compost&max_id=" + b4:        {b3, b1},
		"?any[]=compost&local=1&remote=true": {b5, b4, b3, b1},
	} {
		got := listIDs(t, in, "/api/v1/timelines/tag/gardening"+q, "")
		if !slices.Equal(got, want) {
			t.Errorf("tag timeline %s: %v, want %v", q, got, want)
		}
	}
	r = in.get("/api/v1/timelines/tag/gardening?limit=2", atok)
	if l := parseLink(t, r.Header.Get("Link")); l["next"] == nil || l["next"].Query().Get("max_id") != b3 {
		t.Errorf("tag timeline Link %q", r.Header.Get("Link"))
	}
	for _, q := range []string{"?any[]=no-tag!", "?none[]=a%20b", "?local=maybe", "?only_media=perhaps"} {
		r := in.get("/api/v1/timelines/tag/gardening"+q, "")
		wantAPIError(t, r, 422)
		if q[1:4] != "loc" && q[1:4] != "onl" && !strings.Contains(string(r.Body), "hashtag") {
			t.Errorf("%s: %s", q, r.Body)
		}
	}
}
