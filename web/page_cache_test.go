package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// TestThreadPageNeverStale: the thread page anonymous readers get, kept
// once rendered, shows each change to the thread at the next request: a
// reply, an edit, a withdrawal, a hold by the facilitator and the
// suspension of an author. Readers taking gzip get the same page.
func TestThreadPageNeverStale(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	_, facilitator := in.staffToken("fay", roundtable.RoleMember)
	_, moderator := in.staffToken("mod", roundtable.RoleModerator)
	_, ana := in.member("ana")
	bob, bobToken := in.member("bob")
	if _, err := in.Store.CreateConsultation(ctx, roundtable.NewConsultation{Slug: "river", Title: "River", Facilitators: []string{"fay"}}); err != nil {
		t.Fatal(err)
	}
	r := in.postJSON("/api/v1/statuses", ana, map[string]any{"status": "@river Floods\nWhere should the dam go?"})
	wantStatus(t, r, 200)
	root := r.Object(t)["id"].(string)
	page := "/@ana/" + root

	// get loads the page as an anonymous reader, plain or gzip, and checks
	// both forms are the same page.
	get := func() string {
		t.Helper()
		plain := in.get(page, "")
		wantStatus(t, plain, 200)
		req, err := http.NewRequest("GET", in.URL+page, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("asked for gzip, got Content-Encoding %q", res.Header.Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		unzipped, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(unzipped, plain.Body) {
			t.Fatalf("the gzip page differs from the plain one")
		}
		if res.Header.Get("ETag") != plain.Header.Get("ETag") {
			t.Fatalf("ETag %q for gzip, %q plain", res.Header.Get("ETag"), plain.Header.Get("ETag"))
		}
		return string(plain.Body)
	}
	want := func(body string, shown, hidden string) {
		t.Helper()
		if shown != "" && !strings.Contains(body, shown) {
			t.Fatalf("page lacks %q", shown)
		}
		if hidden != "" && strings.Contains(body, hidden) {
			t.Fatalf("page still shows %q", hidden)
		}
	}

	want(get(), "Where should the dam go?", "Upstream")
	get() // kept now

	// A reply.
	r = in.postJSON("/api/v1/statuses", bobToken, map[string]any{"status": "Upstream, by the mill.", "in_reply_to_id": root})
	wantStatus(t, r, 200)
	reply := r.Object(t)["id"].(string)
	want(get(), "Upstream, by the mill.", "")

	// An edit.
	wantStatus(t, in.do("PUT", "/api/v1/statuses/"+reply, bobToken, map[string]any{"status": "Downstream, past the bridge."}, ""), 200)
	want(get(), "Downstream, past the bridge.", "Upstream, by the mill.")

	// A hold by the facilitator.
	wantStatus(t, in.postJSON(modAPI+"/contributions/"+reply+"/hold", facilitator, map[string]any{"reason": "Unverified"}), 200)
	want(get(), "Where should the dam go?", "Downstream, past the bridge.")

	// Another reply, then its author suspended: nothing in the thread's
	// rows changes, the page still does.
	r = in.postJSON("/api/v1/statuses", bobToken, map[string]any{"status": "The mill floods every spring.", "in_reply_to_id": root})
	wantStatus(t, r, 200)
	want(get(), "The mill floods every spring.", "")
	wantStatus(t, in.postJSON("/api/roundtable/v1/moderation/accounts/"+bob.ID+"/suspend", moderator, map[string]any{"reason": "Spam"}), 200)
	want(get(), "Where should the dam go?", "The mill floods every spring.")

	// A withdrawal by its author.
	r = in.postJSON("/api/v1/statuses", ana, map[string]any{"status": "Or no dam at all.", "in_reply_to_id": root})
	wantStatus(t, r, 200)
	third := r.Object(t)["id"].(string)
	want(get(), "Or no dam at all.", "")
	wantStatus(t, in.do("DELETE", "/api/v1/statuses/"+third, ana, nil, ""), 200)
	want(get(), "Where should the dam go?", "Or no dam at all.")
}
