package web_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

func TestTimelineHome(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, atok := in.member("alice")
	bob, btok := in.member("bob")
	_, ctok := in.member("carol")
	wantStatus(t, in.postJSON("/api/v1/accounts/"+bob.ID+"/follow", atok, nil), 200)

	a1 := say(t, in, atok, "alice 1")
	b1 := say(t, in, btok, "bob 1")
	c1 := say(t, in, ctok, "carol 1")
	b2 := say(t, in, btok, "bob 2, followers only", "private")
	a2 := say(t, in, atok, "alice 2, unlisted", "unlisted")
	bd := say(t, in, btok, "bob direct to @carol", "direct")

	if got := listIDs(t, in, "/api/v1/timelines/home", atok); !slices.Equal(got, []string{a2, b2, b1, a1}) {
		t.Errorf("alice's home %v, want %v", got, []string{a2, b2, b1, a1})
	}
	if got := listIDs(t, in, "/api/v1/timelines/home", btok); !slices.Equal(got, []string{bd, b2, b1}) {
		t.Errorf("bob's home %v", got)
	}
	if got := listIDs(t, in, "/api/v1/timelines/home", ctok); !slices.Equal(got, []string{c1}) {
		t.Errorf("carol's home %v", got)
	}
	// Once alice unfollows, bob is gone from her home.
	wantStatus(t, in.postJSON("/api/v1/accounts/"+bob.ID+"/unfollow", atok, nil), 200)
	if got := listIDs(t, in, "/api/v1/timelines/home", atok); !slices.Equal(got, []string{a2, a1}) {
		t.Errorf("alice's home after unfollow %v", got)
	}
	wantAPIError(t, in.get("/api/v1/timelines/home", ""), 401)
}

func TestTimelinePublicAndTag(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, atok := in.member("alice")
	_, btok := in.member("bob")
	p1 := say(t, in, atok, "public #Go")
	say(t, in, atok, "unlisted #go", "unlisted")
	say(t, in, atok, "private #go", "private")
	say(t, in, atok, "direct #go @bob", "direct")
	p2 := say(t, in, btok, "bob public #golang and #GO")
	p3 := say(t, in, btok, "no tag")

	for _, q := range []string{"", "?local=true", "?local=1", "?local=true&remote=false"} {
		if got := listIDs(t, in, "/api/v1/timelines/public"+q, ""); !slices.Equal(got, []string{p3, p2, p1}) {
			t.Errorf("public%s %v", q, got)
		}
	}
	// Everything here is local.
	if got := listIDs(t, in, "/api/v1/timelines/public?remote=true", ""); len(got) != 0 {
		t.Errorf("remote timeline %v", got)
	}
	if got := listIDs(t, in, "/api/v1/timelines/public?only_media=true", ""); len(got) != 0 {
		t.Errorf("only_media %v", got)
	}
	for _, tag := range []string{"go", "Go", "GO"} {
		for _, tok := range []string{"", atok, btok} {
			if got := listIDs(t, in, "/api/v1/timelines/tag/"+tag, tok); !slices.Equal(got, []string{p2, p1}) {
				t.Errorf("tag %s for %q: %v", tag, tok, got)
			}
		}
	}
	if got := listIDs(t, in, "/api/v1/timelines/tag/go?local=true", ""); !slices.Equal(got, []string{p2, p1}) {
		t.Errorf("local tag %v", got)
	}
	if got := listIDs(t, in, "/api/v1/timelines/tag/golang", ""); !slices.Equal(got, []string{p2}) {
		t.Errorf("tag golang %v", got)
	}
	r := in.get("/api/v1/timelines/tag/nothing", "")
	wantStatus(t, r, 200)
	if string(r.Body) != "[]\n" || r.Header.Get("Link") != "" {
		t.Errorf("unknown tag: %q, Link %q", r.Body, r.Header.Get("Link"))
	}
	r = in.get("/api/v1/timelines/tag/go?limit=1", "")
	wantStatus(t, r, 200)
	next := parseLink(t, r.Header.Get("Link"))["next"]
	if next == nil || !strings.HasSuffix(next.Path, "/api/v1/timelines/tag/go") {
		t.Fatalf("tag Link %q", r.Header.Get("Link"))
	}
	if got := listIDs(t, in, next.RequestURI(), ""); !slices.Equal(got, []string{p1}) {
		t.Errorf("tag page 2 %v", got)
	}
}

func TestTimelinePagination(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	alice, tok := in.member("alice")
	// 45 statuses, oldest first; made through the store to keep the test
	// quick (the API path is covered elsewhere).
	m, err := in.Store.Member(context.Background(), alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for i := range 45 {
		st, err := in.Store.CreateStatus(context.Background(), m, roundtable.NewStatus{Text: fmt.Sprintf("status %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, st.ID)
	}
	if !slices.IsSorted(all) {
		t.Fatalf("ids are not in creation order: %v", all)
	}
	// newest returns the statuses from index hi down to lo, newest first.
	newest := func(hi, lo int) []string {
		var out []string
		for i := hi; i >= lo; i-- {
			out = append(out, all[i])
		}
		return out
	}
	base := "/api/v1/timelines/public"
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"", newest(44, 25)},                 // default 20
		{"?limit=5", newest(44, 40)},         // limit
		{"?limit=40", newest(44, 5)},         // the most
		{"?limit=1000", newest(44, 5)},       // capped at 40
		{"?limit=0", newest(44, 25)},         // 0: the default
		{"?max_id=" + all[10], newest(9, 0)}, // strictly older
		{"?max_id=" + all[30] + "&limit=3", newest(29, 27)},
		{"?since_id=" + all[40], newest(44, 41)},                        // strictly newer
		{"?since_id=" + all[5] + "&limit=3", newest(44, 42)},            // newest of those newer
		{"?min_id=" + all[5] + "&limit=3", newest(8, 6)},                // immediately newer, newest first
		{"?min_id=" + all[40], newest(44, 41)},                          // fewer than a page
		{"?min_id=" + all[5] + "&max_id=" + all[8], newest(7, 6)},       // between
		{"?since_id=" + all[5] + "&max_id=" + all[8], newest(7, 6)},     // between
		{"?max_id=" + all[0], nil},                                      // nothing older
		{"?min_id=" + all[44], nil},                                     // nothing newer
		{"?since_id=" + all[44], nil},                                   // nothing newer
		{"?max_id=01ARZ3NDEKTSV4RRFFQ69G5FAV", nil},                     // a valid id older than all
		{"?min_id=01ARZ3NDEKTSV4RRFFQ69G5FAV&limit=2", newest(1, 0)},    // the oldest window
		{"?local=true&limit=2&max_id=" + all[3], newest(2, 1)},          // with a filter
		{"?min_id=" + all[30] + "&since_id=" + all[40], newest(44, 31)}, // min_id wins, as in Mastodon
	} {
		r := in.get(base+c.query, "")
		wantStatus(t, r, 200)
		got := idsOf(r.List(t))
		if !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("%s: got %d %v\nwant %d %v", c.query, len(got), got, len(c.want), c.want)
		}
		if len(got) == 0 {
			if r.Header.Get("Link") != "" || string(r.Body) != "[]\n" {
				t.Errorf("%s: empty page with Link %q body %q", c.query, r.Header.Get("Link"), r.Body)
			}
		}
	}

	// The Link header: next = older (max_id = last), prev = newer (min_id =
	// first), other parameters kept.
	r := in.get(base+"?limit=5&local=true", "")
	wantStatus(t, r, 200)
	page1 := idsOf(r.List(t))
	l := parseLink(t, r.Header.Get("Link"))
	next, prev := l["next"], l["prev"]
	if next == nil || prev == nil {
		t.Fatalf("Link %q", r.Header.Get("Link"))
	}
	if next.Query().Get("max_id") != page1[4] || prev.Query().Get("min_id") != page1[0] {
		t.Errorf("Link cursors %q for %v", r.Header.Get("Link"), page1)
	}
	for _, u := range []string{next.String(), prev.String()} {
		if !strings.HasPrefix(u, in.URL+base+"?") || !strings.Contains(u, "limit=5") || !strings.Contains(u, "local=true") {
			t.Errorf("Link URL %s lost the path or parameters", u)
		}
	}
	// Walking next visits every status once, newest first.
	var walked []string
	path := base + "?limit=7"
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("pages never end")
		}
		r := in.get(path, "")
		wantStatus(t, r, 200)
		page := idsOf(r.List(t))
		if len(page) == 0 {
			if r.Header.Get("Link") != "" {
				t.Errorf("last, empty page has Link %q", r.Header.Get("Link"))
			}
			break
		}
		walked = append(walked, page...)
		path = parseLink(t, r.Header.Get("Link"))["next"].RequestURI()
	}
	if !slices.Equal(walked, newest(44, 0)) {
		t.Errorf("walking next gave %d statuses: %v", len(walked), walked)
	}
	// prev from the second page gives the first page again.
	r = in.get(next.RequestURI(), "")
	wantStatus(t, r, 200)
	prev2 := parseLink(t, r.Header.Get("Link"))["prev"]
	if got := listIDs(t, in, prev2.RequestURI(), ""); !slices.Equal(got, page1) {
		t.Errorf("prev of page 2 %v, want %v", got, page1)
	}
	// prev from the top, after new statuses, gives just those.
	newer := []string{say(t, in, tok, "newer 1"), say(t, in, tok, "newer 2")}
	slices.Reverse(newer)
	if got := listIDs(t, in, prev.RequestURI(), ""); !slices.Equal(got, newer) {
		t.Errorf("prev after new statuses %v, want %v", got, newer)
	}

	// The other status lists page the same way.
	for _, p := range []string{"/api/v1/timelines/home", "/api/v1/accounts/" + alice.ID + "/statuses"} {
		r := in.get(p+"?min_id="+all[5]+"&limit=2", tok)
		wantStatus(t, r, 200)
		if got := idsOf(r.List(t)); !slices.Equal(got, newest(7, 6)) {
			t.Errorf("%s min_id: %v", p, got)
		}
		l := parseLink(t, r.Header.Get("Link"))
		if l["next"].Query().Get("max_id") != all[6] || l["prev"].Query().Get("min_id") != all[7] {
			t.Errorf("%s Link %q", p, r.Header.Get("Link"))
		}
		r = in.get(p+"?max_id="+all[0], tok)
		wantStatus(t, r, 200)
		if len(r.List(t)) != 0 || r.Header.Get("Link") != "" {
			t.Errorf("%s empty page: %s Link %q", p, r.Body, r.Header.Get("Link"))
		}
		wantAPIError(t, in.get(p+"?max_id=not-an-id", tok), 400, "max_id")
	}
}
