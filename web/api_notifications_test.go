package web_test

import (
	"slices"
	"strings"
	"testing"
)

// notificationTypes returns the type of each notification listed at path.
func notificationTypes(t testing.TB, in *instance, path, tok string) []string {
	t.Helper()
	r := in.forTest(t).get(path, tok)
	wantStatus(t, r, 200)
	var out []string
	for _, n := range r.List(t) {
		out = append(out, n["type"].(string))
	}
	return out
}

func TestNotifications(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	alice, atok := in.member("alice")
	bob, btok := in.member("bob")
	carol, ctok := in.member("carol")

	post := say(t, in, atok, "alice's post")
	mention := say(t, in, btok, "hello @alice")
	wantStatus(t, in.postJSON("/api/v1/statuses/"+post+"/favourite", btok, nil), 200)
	wantStatus(t, in.postJSON("/api/v1/accounts/"+alice.ID+"/follow", btok, nil), 200)
	reply := postStatus(t, in, ctok, map[string]any{"status": "a reply", "in_reply_to_id": post})["id"].(string)
	// What alice does herself tells her nothing.
	wantStatus(t, in.postJSON("/api/v1/statuses/"+post+"/favourite", atok, nil), 200)
	postStatus(t, in, atok, map[string]any{"status": "me, @alice", "in_reply_to_id": post})

	r := in.get("/api/v1/notifications", atok)
	wantStatus(t, r, 200)
	ns := r.List(t)
	type want struct{ typ, from, status string }
	wants := []want{{"mention", carol.ID, reply}, {"follow", bob.ID, ""}, {"favourite", bob.ID, post}, {"mention", bob.ID, mention}}
	if len(ns) != len(wants) {
		t.Fatalf("notifications %s", r.Body)
	}
	for i, w := range wants {
		n := ns[i]
		checkShape(t, "notification", n, notificationShape)
		checkShape(t, "notification.account", n["account"].(map[string]any), accountShape)
		if n["type"] != w.typ || n["account"].(map[string]any)["id"] != w.from {
			t.Errorf("notification %d: %v from %v, want %s from %s", i, n["type"], n["account"].(map[string]any)["id"], w.typ, w.from)
		}
		st, has := n["status"].(map[string]any)
		switch {
		case w.status == "" && n["status"] != nil:
			t.Errorf("notification %d (%s) has a status", i, w.typ)
		case w.status != "" && (!has || st["id"] != w.status):
			t.Errorf("notification %d (%s) status %v, want %s", i, w.typ, n["status"], w.status)
		case has:
			checkStatus(t, "notification.status", st)
		}
	}
	if !slices.IsSortedFunc(idsOf(ns), func(a, b string) int { return strings.Compare(b, a) }) {
		t.Errorf("not newest first: %v", idsOf(ns))
	}
	byType := map[string]string{}
	for _, n := range ns {
		byType[n["type"].(string)] = n["id"].(string)
	}

	// Filters, in both the Rails and the plain form.
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"?types[]=mention", []string{"mention", "mention"}},
		{"?types=mention", []string{"mention", "mention"}},
		{"?types[]=mention&types[]=follow", []string{"mention", "follow", "mention"}},
		{"?exclude_types[]=mention", []string{"follow", "favourite"}},
		{"?exclude_types[]=favourite&exclude_types[]=follow", []string{"mention", "mention"}},
		{"?types[]=mention&exclude_types[]=mention", nil},
		{"?types[]=reblog", nil},
		{"?account_id=" + bob.ID, []string{"follow", "favourite", "mention"}},
		{"?account_id=" + carol.ID + "&types[]=mention", []string{"mention"}},
		{"?account_id=not-an-id", nil},
		{"?limit=2", []string{"mention", "follow"}},
	} {
		got := notificationTypes(t, in, "/api/v1/notifications"+c.query, atok)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.query, got, c.want)
		}
	}
	// Pages, by the Link header, keeping the filter.
	r = in.get("/api/v1/notifications?limit=1&types[]=mention", atok)
	wantStatus(t, r, 200)
	next := parseLink(t, r.Header.Get("Link"))["next"]
	if next == nil || next.Query().Get("types[]") != "mention" || next.Query().Get("max_id") != idsOf(r.List(t))[0] {
		t.Fatalf("Link %q", r.Header.Get("Link"))
	}
	r = in.get(next.RequestURI(), atok)
	wantStatus(t, r, 200)
	if l := r.List(t); len(l) != 1 || l[0]["status"].(map[string]any)["id"] != mention {
		t.Errorf("page 2 %s", r.Body)
	}

	// One notification; nobody else's.
	r = in.get("/api/v1/notifications/"+byType["favourite"], atok)
	wantStatus(t, r, 200)
	n := r.Object(t)
	checkShape(t, "one notification", n, notificationShape)
	if n["type"] != "favourite" || n["status"].(map[string]any)["id"] != post {
		t.Errorf("one notification %s", r.Body)
	}
	wantAPIError(t, in.get("/api/v1/notifications/"+byType["favourite"], btok), 404)
	wantAPIError(t, in.postJSON("/api/v1/notifications/"+byType["favourite"]+"/dismiss", btok, nil), 404)

	r = in.get("/api/v1/notifications/unread_count", atok)
	wantStatus(t, r, 200)
	if r.Object(t)["count"] != 4.0 {
		t.Errorf("unread_count %s", r.Body)
	}
	if got := notificationTypes(t, in, "/api/v1/notifications", btok); len(got) != 0 {
		t.Errorf("bob's notifications %v", got)
	}

	// Dismiss one.
	r = in.postJSON("/api/v1/notifications/"+byType["follow"]+"/dismiss", atok, nil)
	wantStatus(t, r, 200)
	if string(r.Body) != "{}\n" {
		t.Errorf("dismiss answer %q", r.Body)
	}
	wantAPIError(t, in.get("/api/v1/notifications/"+byType["follow"], atok), 404)
	wantAPIError(t, in.postJSON("/api/v1/notifications/"+byType["follow"]+"/dismiss", atok, nil), 404)
	if got := notificationTypes(t, in, "/api/v1/notifications", atok); !slices.Equal(got, []string{"mention", "favourite", "mention"}) {
		t.Errorf("after dismiss %v", got)
	}
	r = in.get("/api/v1/notifications/unread_count", atok)
	wantStatus(t, r, 200)
	if r.Object(t)["count"] != 3.0 {
		t.Errorf("unread_count after dismiss %s", r.Body)
	}

	// A deleted status takes its notifications with it.
	wantStatus(t, in.do("DELETE", "/api/v1/statuses/"+mention, btok, nil, ""), 200)
	if got := notificationTypes(t, in, "/api/v1/notifications", atok); !slices.Equal(got, []string{"mention", "favourite"}) {
		t.Errorf("after the mention was deleted %v", got)
	}

	// Clear them all.
	r = in.postJSON("/api/v1/notifications/clear", atok, nil)
	wantStatus(t, r, 200)
	if string(r.Body) != "{}\n" {
		t.Errorf("clear answer %q", r.Body)
	}
	r = in.get("/api/v1/notifications", atok)
	wantStatus(t, r, 200)
	if string(r.Body) != "[]\n" || r.Header.Get("Link") != "" {
		t.Errorf("after clear %q, Link %q", r.Body, r.Header.Get("Link"))
	}
	r = in.get("/api/v1/notifications/unread_count", atok)
	wantStatus(t, r, 200)
	if r.Object(t)["count"] != 0.0 {
		t.Errorf("unread_count after clear %s", r.Body)
	}
	// New ones still arrive.
	say(t, in, ctok, "@alice again")
	if got := notificationTypes(t, in, "/api/v1/notifications", atok); !slices.Equal(got, []string{"mention"}) {
		t.Errorf("after clear and a new mention %v", got)
	}
	wantAPIError(t, in.get("/api/v1/notifications", ""), 401)
	wantAPIError(t, in.get("/api/v1/notifications?max_id=zzz", atok), 400, "max_id")
	wantAPIError(t, in.get("/api/v1/notifications?limit=x", atok), 422, "limit")
}

func TestNotificationsLimit(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, atok := in.member("alice")
	_, btok := in.member("bob")
	id := say(t, in, atok, "popular")
	for range 45 {
		say(t, in, btok, "@alice hi")
	}
	wantStatus(t, in.postJSON("/api/v1/statuses/"+id+"/favourite", btok, nil), 200)
	for _, c := range []struct {
		query string
		n     int
	}{{"", 40}, {"?limit=80", 46}, {"?limit=5", 5}} {
		if got := notificationTypes(t, in, "/api/v1/notifications"+c.query, atok); len(got) != c.n {
			t.Errorf("%q: %d notifications, want %d", c.query, len(got), c.n)
		}
	}
}
