package web_test

import "testing"

func TestSmokePostAndRead(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, tok := in.member("alice")
	r := in.postJSON("/api/v1/statuses", tok, map[string]any{"status": "hello <b>world</b> #Peace"})
	wantStatus(t, r, 200)
	st := r.Object(t)
	t.Logf("%s", r.Body)
	r = in.get("/api/v1/timelines/public", "")
	wantStatus(t, r, 200)
	if l := r.List(t); len(l) != 1 || l[0]["id"] != st["id"] {
		t.Fatalf("public timeline %s", r.Body)
	}
	t.Logf("link %s", r.Header.Get("Link"))
}
