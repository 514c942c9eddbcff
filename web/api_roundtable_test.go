package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

const consultationsAPI = "/api/roundtable/v1/consultations"

// admin creates an admin member and returns a token for it with scopes.
func (in *instance) admin(name string, scopes ...string) string {
	in.t.Helper()
	if _, err := in.Store.CreateMember(context.Background(), roundtable.NewMember{Username: name, Email: name + "@example.org",
		Password: "password-" + name, Role: roundtable.RoleAdmin, Approved: true}); err != nil {
		in.t.Fatal(err)
	}
	tok, err := in.Store.IssueToken(context.Background(), name, scopes)
	if err != nil {
		in.t.Fatal(err)
	}
	return tok
}

// wantError fails unless r is a JSON error with status that mentions want.
func wantError(t *testing.T, r *response, status int, want string) {
	t.Helper()
	wantStatus(t, r, status)
	if msg, _ := r.Object(t)["error"].(string); !strings.Contains(msg, want) {
		t.Fatalf("error %q does not mention %q", msg, want)
	}
}

func TestConsultationAPICreateAndUpdate(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	root := in.admin("root")
	readOnly, err := in.Store.IssueToken(context.Background(), "root", []string{"read"})
	if err != nil {
		t.Fatal(err)
	}
	_, alice := in.member("alice")
	_, bob := in.member("bob")
	good := map[string]any{"slug": "futures", "title": "What does security mean to you now?", "prompt": "Tell us *why*.",
		"description": "A consultation.", "norms": []string{"Speak from experience.", "Be kind."},
		"participation": "approval", "facilitators": []string{"alice"}, "languages": []string{"en", "fr"}}

	wantError(t, in.postJSON(consultationsAPI, "", good), 401, "token")
	wantError(t, in.postJSON(consultationsAPI, bob, good), 403, "not allowed")
	wantError(t, in.postJSON(consultationsAPI, readOnly, good), 403, "scopes")
	for _, bad := range []struct {
		field string
		value any
	}{
		{"slug", "no spaces"}, {"title", ""}, {"participation", "everyone"}, {"attribution", "secret"},
		{"phase", "later"}, {"facilitators", []string{"nobody"}}, {"norms", "not a list"}, {"norms", []any{1, 2}},
		{"languages", []string{"english please"}}, {"title", 12},
	} {
		body := map[string]any{}
		for k, v := range good {
			body[k] = v
		}
		body[bad.field] = bad.value
		wantError(t, in.postJSON(consultationsAPI, root, body), 422, bad.field)
	}
	if l := in.get(consultationsAPI, root).List(t); len(l) != 0 {
		t.Fatalf("invalid requests stored %d consultations", len(l))
	}

	r := in.postJSON(consultationsAPI, root, good)
	wantStatus(t, r, 200)
	c := r.Object(t)
	if c["slug"] != "futures" || c["phase"] != "open" || c["participation"] != "approval" || c["attribution"] != "named" ||
		c["prompt"] != "<p>Tell us <em>why</em>.</p>" || len(c["norms"].([]any)) != 2 || len(c["facilitators"].([]any)) != 1 ||
		c["acct"] != "futures@"+strings.TrimPrefix(in.URL, "http://") {
		t.Errorf("created: %v", c)
	}
	wantError(t, in.postJSON(consultationsAPI, root, good), 422, "taken")

	// A draft, facilitated by its creator: hidden from others.
	wantStatus(t, in.postJSON(consultationsAPI, root, map[string]any{"slug": "later", "title": "Later", "phase": "draft"}), 200)
	if l := in.get(consultationsAPI, "").List(t); len(l) != 1 || l[0]["slug"] != "futures" {
		t.Errorf("anonymous list: %v", l)
	}
	if l := in.get(consultationsAPI, root).List(t); len(l) != 2 {
		t.Errorf("admin's list: %d consultations, want 2", len(l))
	}
	wantStatus(t, in.get(consultationsAPI+"/later", bob), 404)
	got := in.get(consultationsAPI+"/futures", "").Object(t)
	if counts := got["counts"].(map[string]any); counts["threads"] != 0.0 || counts["contributions"] != 0.0 {
		t.Errorf("counts: %v", counts)
	}

	// Updates: facilitators only, each field checked, nothing stored on error.
	patch := func(token string, body any) *response {
		return in.do("PATCH", consultationsAPI+"/futures", token, body, "")
	}
	wantError(t, patch("", map[string]any{"title": "x"}), 401, "token")
	wantError(t, patch(bob, map[string]any{"title": "x"}), 403, "not allowed")
	for _, bad := range []struct {
		field string
		body  map[string]any
	}{
		{"phase", map[string]any{"title": "Changed", "phase": "finished"}},
		{"participation", map[string]any{"participation": "anyone"}},
		{"closes_at", map[string]any{"synthesis_at": "2026-06-02T00:00:00Z", "closes_at": "2026-06-01T00:00:00Z"}},
		{"opens_at", map[string]any{"opens_at": "next week"}},
		{"attribution", map[string]any{"attribution": "chatham"}},
		{"norms", map[string]any{"norms": []string{"ok", " "}}},
		{"nothing to change", map[string]any{}},
	} {
		wantError(t, patch(alice, bad.body), 422, bad.field)
	}
	if got := in.get(consultationsAPI+"/futures", "").Object(t); got["title"] != good["title"] || got["closes_at"] != nil {
		t.Errorf("a refused update changed the consultation: %v", got)
	}
	r = patch(alice, map[string]any{"title": "Security now", "phase": "synthesis", "norms": []string{"One norm"},
		"synthesis_at": "2026-06-01T00:00:00Z", "closes_at": "2026-07-01T00:00:00Z"})
	wantStatus(t, r, 200)
	if u := r.Object(t); u["title"] != "Security now" || u["phase"] != "synthesis" || u["closes_at"] != "2026-07-01T00:00:00.000Z" ||
		len(u["norms"].([]any)) != 1 {
		t.Errorf("updated: %v", u)
	}
	wantStatus(t, patch(alice, map[string]any{"closes_at": nil}), 200)
	if got := in.get(consultationsAPI+"/futures", "").Object(t); got["closes_at"] != nil || got["synthesis_at"] == nil {
		t.Errorf("clearing closes_at: %v", got)
	}
}

func TestConsultationAPIJoinRequests(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	root := in.admin("root")
	_, alice := in.member("alice")
	_, bob := in.member("bob")
	_, carol := in.member("carol")
	c := in.postJSON(consultationsAPI, root, map[string]any{"slug": "futures", "title": "Futures",
		"participation": "approval", "facilitators": []string{"alice"}}).Object(t)
	group := c["account_id"].(string)
	for _, tok := range []string{bob, carol} {
		rel := in.postJSON("/api/v1/accounts/"+group+"/follow", tok, nil).Object(t)
		if rel["requested"] != true || rel["following"] != false {
			t.Fatalf("joining an approval consultation: %v", rel)
		}
	}
	requests := consultationsAPI + "/futures/join_requests"
	wantStatus(t, in.get(requests, ""), 401)
	wantStatus(t, in.get(requests, bob), 403)
	l := in.get(requests, alice).List(t)
	if len(l) != 2 || l[0]["username"] != "bob" || l[1]["username"] != "carol" {
		t.Fatalf("join requests: %v", l)
	}
	bobID, carolID := l[0]["id"].(string), l[1]["id"].(string)
	wantStatus(t, in.postJSON(requests+"/"+bobID+"/approve", bob, nil), 403)
	r := in.postJSON(requests+"/"+bobID+"/approve", alice, nil)
	wantStatus(t, r, 200)
	if o := r.Object(t); o["state"] != "approved" || o["account"].(map[string]any)["id"] != bobID {
		t.Errorf("approve: %v", o)
	}
	r = in.postJSON(requests+"/"+carolID+"/reject", alice, nil)
	wantStatus(t, r, 200)
	if o := r.Object(t); o["state"] != "rejected" {
		t.Errorf("reject: %v", o)
	}
	wantStatus(t, in.postJSON(requests+"/"+carolID+"/approve", alice, nil), 404)
	if l := in.get(requests, alice).List(t); len(l) != 0 {
		t.Errorf("join requests left: %v", l)
	}
	for tok, want := range map[string]bool{bob: true, carol: false} {
		rels := in.get("/api/v1/accounts/relationships?id[]="+group, tok).List(t)
		if rels[0]["following"] != want || rels[0]["requested"] != false {
			t.Errorf("relationship after the answer: %v, want following %v", rels[0], want)
		}
	}
	// Bob, admitted, contributes; Carol may not.
	wantStatus(t, in.postJSON("/api/v1/statuses", bob, map[string]any{"status": "@futures Hello\nAdmitted."}), 200)
	wantError(t, in.postJSON("/api/v1/statuses", carol, map[string]any{"status": "@futures Hello\nNot admitted."}), 422, "ask to join")
}

// seedConsultation posts, through the client API, 3 threads and 17
// replies (some nested) in a consultation by the members of tokens in turn,
// and returns their ids.
func seedConsultation(t *testing.T, in *instance, slug string, tokens ...string) []string {
	t.Helper()
	var ids []string
	post := func(i int, body map[string]any) {
		st := in.postJSON("/api/v1/statuses", tokens[i%len(tokens)], body)
		wantStatus(t, st, 200)
		ids = append(ids, st.Object(t)["id"].(string))
	}
	for i := range 3 {
		post(i, map[string]any{"status": fmt.Sprintf("@%s Thread %d\nWhat thread %d says.", slug, i, i)})
	}
	for i := range 17 {
		parent := ids[i%3]
		if i >= 6 {
			parent = ids[i-3]
		}
		post(i+1, map[string]any{"status": fmt.Sprintf("=Reply %d", i), "in_reply_to_id": parent})
	}
	return ids
}

// exportedIDs returns the ids of an export's threads and replies, depth
// first, with what each is nested under.
func exportedIDs(items []any, parent string, out *[]string, parents map[string]string) {
	for _, v := range items {
		it := v.(map[string]any)
		id := it["id"].(string)
		*out = append(*out, id)
		parents[id] = parent
		exportedIDs(it["replies"].([]any), id, out, parents)
	}
}

func TestConsultationAPIExport(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	root := in.admin("root")
	_, alice := in.member("alice")
	_, bob := in.member("bob")
	_, carol := in.member("carol")
	wantStatus(t, in.postJSON(consultationsAPI, root, map[string]any{"slug": "futures", "title": "Futures",
		"facilitators": []string{"alice"}}), 200)
	ids := seedConsultation(t, in, "futures", alice, bob, carol)
	wantStatus(t, in.postJSON("/api/v1/statuses", bob, map[string]any{"status": "Not in the consultation"}), 200)

	export := consultationsAPI + "/futures/export"
	wantStatus(t, in.get(export, ""), 401)
	wantStatus(t, in.get(export, bob), 403)
	wantError(t, in.get(export+"?format=xml", alice), 422, "format")

	e := in.get(export+"?format=json", alice).Object(t)
	threads := e["threads"].([]any)
	var got []string
	parents := map[string]string{}
	exportedIDs(threads, "", &got, parents)
	if len(threads) != 3 || len(got) != 20 {
		t.Fatalf("export: %d threads, %d contributions; want 3 and 20", len(threads), len(got))
	}
	if !slices.Equal(slices.Sorted(slices.Values(got)), ids) {
		t.Errorf("exported %v, want exactly %v", got, ids)
	}
	first := threads[0].(map[string]any)
	author := first["author"].(map[string]any)
	if first["title"] != "Thread 0" || author["acct"] != "alice@"+strings.TrimPrefix(in.URL, "http://") ||
		first["content_text"] != "@futures Thread 0\nWhat thread 0 says." || !strings.Contains(first["content_html"].(string), "<br>") {
		t.Errorf("first thread: %v", first)
	}
	if counts := e["consultation"].(map[string]any)["counts"].(map[string]any); counts["threads"] != 3.0 ||
		counts["contributions"] != 20.0 || counts["participants"] != 3.0 {
		t.Errorf("counts: %v", counts)
	}

	r := in.get(export+"?format=csv", alice)
	wantStatus(t, r, 200)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("CSV content type %q", ct)
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 21 || !slices.Equal(rows[0], []string{"thread_id", "id", "parent_id", "created_at", "author", "title", "text"}) {
		t.Fatalf("CSV: %d rows, header %v", len(rows), rows[0])
	}
	var csvIDs []string
	for i, row := range rows[1:] {
		csvIDs = append(csvIDs, row[1])
		if row[1] != got[i] || row[2] != parents[row[1]] {
			t.Errorf("CSV row %d: %v; want id %s under %q", i, row, got[i], parents[row[1]])
		}
		if row[2] != "" && !strings.HasPrefix(row[6], "'=Reply") {
			t.Errorf("CSV row %d: a formula-like text is not defused: %q", i, row[6])
		}
	}
	if !slices.Equal(slices.Sorted(slices.Values(csvIDs)), ids) {
		t.Errorf("CSV ids %v, want %v", csvIDs, ids)
	}
}

func TestConsultationAPIChathamExport(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	root := in.admin("root")
	_, alice := in.member("alice")
	_, bob := in.member("bobthebuilder")
	wantStatus(t, in.postJSON(consultationsAPI, root, map[string]any{"slug": "quiet", "title": "Quiet",
		"attribution": "chatham", "facilitators": []string{"alice"}}), 200)
	wantStatus(t, in.postJSON("/api/v1/statuses", bob, map[string]any{"status": "@quiet What I saw\nIt was frightening."}), 200)

	for _, path := range []string{"/quiet/export", "/quiet/export?format=csv"} {
		r := in.get(consultationsAPI+path, alice)
		wantStatus(t, r, 200)
		if strings.Contains(string(r.Body), "bobthebuilder") {
			t.Errorf("%s names the author: %s", path, r.Body)
		}
		if !strings.Contains(string(r.Body), "a participant") || !strings.Contains(string(r.Body), "frightening") {
			t.Errorf("%s: %s", path, r.Body)
		}
	}
	e := in.get(consultationsAPI+"/quiet/export", alice).Object(t)
	th := e["threads"].([]any)
	if len(th) != 1 || e["authors_included"] != false {
		t.Fatalf("chatham export: %v", e)
	}
	if a := th[0].(map[string]any)["author"].(map[string]any); a["acct"] != nil || a["display_name"] != "a participant" {
		t.Errorf("author %v", a)
	}
	// A facilitator may ask for the authors.
	r := in.get(consultationsAPI+"/quiet/export?include_authors=true", alice)
	if !strings.Contains(string(r.Body), "bobthebuilder@") {
		t.Errorf("with include_authors: %s", r.Body)
	}
}

func TestConsultationAPISynthesis(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	root := in.admin("root")
	_, alice := in.member("alice")
	_, bob := in.member("bob")
	c := in.postJSON(consultationsAPI, root, map[string]any{"slug": "futures", "title": "Futures",
		"facilitators": []string{"alice"}}).Object(t)
	th := in.postJSON("/api/v1/statuses", bob, map[string]any{"status": "@futures Water\nClean water first."}).Object(t)
	synthesis := consultationsAPI + "/futures/synthesis"
	body := map[string]any{"title": "What we heard", "text": "Water, **first**.", "sources": []string{th["id"].(string)}}

	wantError(t, in.postJSON(synthesis, alice, body), 422, "synthesis phase")
	wantStatus(t, in.do("PATCH", consultationsAPI+"/futures", alice, map[string]any{"phase": "synthesis"}, ""), 200)
	wantError(t, in.postJSON(synthesis, bob, body), 403, "not allowed")
	wantError(t, in.postJSON(synthesis, alice, map[string]any{"title": "t", "text": "x", "sources": []string{"01ARZ3NDEKTSV4RRFFQ69G5FAV"}}), 422, "sources")
	r := in.postJSON(synthesis, alice, body)
	wantStatus(t, r, 200)
	st := r.Object(t)
	if st["account"].(map[string]any)["id"] != c["account_id"] || !strings.Contains(st["content"].(string), th["url"].(string)) {
		t.Errorf("synthesis: %v", st)
	}
	wantError(t, in.postJSON(synthesis, alice, body), 422, "already")
	if got := in.get(consultationsAPI+"/futures", "").Object(t); got["synthesis_id"] != st["id"] {
		t.Errorf("synthesis_id %v, want %v", got["synthesis_id"], st["id"])
	}
	// The Group's statuses in the client API: its synthesis and its thread.
	l := in.get("/api/v1/accounts/"+c["account_id"].(string)+"/statuses", "").List(t)
	if len(l) != 2 || l[0]["id"] != st["id"] || l[1]["id"] != th["id"] {
		t.Errorf("the Group's statuses: %v", l)
	}
	// Its featured collection serves the synthesis as an Article.
	f := in.do("GET", "/users/futures/featured", "", nil, "")
	var coll struct {
		OrderedItems []map[string]any `json:"orderedItems"`
	}
	if err := json.Unmarshal(f.Body, &coll); err != nil || len(coll.OrderedItems) != 1 || coll.OrderedItems[0]["type"] != "Article" ||
		coll.OrderedItems[0]["name"] != "What we heard" {
		t.Errorf("featured: %s", f.Body)
	}
}

func TestConsultationAPIThreadActions(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	_, facilitator := in.member("fay")
	_, other := in.member("gus")
	if _, err := in.Store.CreateConsultation(ctx, roundtable.NewConsultation{Slug: "locks", Title: "Locks", Facilitators: []string{"fay"}}); err != nil {
		t.Fatal(err)
	}
	r := in.postJSON("/api/v1/statuses", other, map[string]any{"status": "@locks Gates\nShould the gates close at night?"})
	wantStatus(t, r, 200)
	thread := r.Object(t)["id"].(string)
	r = in.postJSON("/api/v1/statuses", other, map[string]any{"status": "A first reply.", "in_reply_to_id": thread})
	wantStatus(t, r, 200)
	reply := r.Object(t)["id"].(string)

	wantStatus(t, in.postJSON("/api/roundtable/v1/consultations/locks/threads/"+thread+"/lock", other, nil), 403)
	wantStatus(t, in.postJSON("/api/roundtable/v1/consultations/locks/threads/"+thread+"/lock", facilitator, nil), 200)
	// A reply to the thread, or to a reply in it, is refused while locked.
	for _, parent := range []string{thread, reply} {
		r = in.postJSON("/api/v1/statuses", other, map[string]any{"status": "Too late?", "in_reply_to_id": parent})
		wantStatus(t, r, 422)
		if !strings.Contains(r.Object(t)["error"].(string), "locked") {
			t.Errorf("locked thread: %s", r.Body)
		}
	}
	wantStatus(t, in.postJSON("/api/roundtable/v1/consultations/locks/threads/"+thread+"/unlock", facilitator, nil), 200)
	wantStatus(t, in.postJSON("/api/v1/statuses", other, map[string]any{"status": "Now it opens again.", "in_reply_to_id": thread}), 200)
	// Only threads of this consultation, and known actions.
	wantStatus(t, in.postJSON("/api/roundtable/v1/consultations/locks/threads/"+reply+"/pin", facilitator, nil), 404)
	wantStatus(t, in.postJSON("/api/roundtable/v1/consultations/locks/threads/"+thread+"/shout", facilitator, nil), 422)
	wantStatus(t, in.postJSON("/api/roundtable/v1/consultations/locks/threads/"+thread+"/pin", facilitator, nil), 200)

	req, _ := http.NewRequest("GET", in.URL+"/users/locks/featured", nil)
	req.Header.Set("Accept", "application/activity+json")
	r = in.send(http.DefaultClient, req)
	wantStatus(t, r, 200)
	if !strings.Contains(string(r.Body), "Should the gates close at night?") {
		t.Errorf("the pinned thread is not featured: %s", r.Body)
	}
}

func TestConsultationHidesCountsWhileOpen(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	_, facilitator := in.member("hana")
	_, author := in.member("ivo")
	_, fan := in.member("jo")
	if _, err := in.Store.CreateConsultation(ctx, roundtable.NewConsultation{Slug: "quiet", Title: "Quiet", Facilitators: []string{"hana"}}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, in.do("PATCH", consultationsAPI+"/quiet", facilitator, map[string]any{"hide_counts": true}, ""), 200)
	r := in.postJSON("/api/v1/statuses", author, map[string]any{"status": "@quiet Hush\nListening first."})
	wantStatus(t, r, 200)
	id := r.Object(t)["id"].(string)
	wantStatus(t, in.postJSON("/api/v1/statuses/"+id+"/favourite", fan, nil), 200)
	r = in.get("/api/v1/statuses/"+id, "")
	if n := r.Object(t)["favourites_count"]; n != float64(0) {
		t.Errorf("favourites_count while open = %v, want hidden (0)", n)
	}
	wantStatus(t, in.do("PATCH", consultationsAPI+"/quiet", facilitator, map[string]any{"phase": "synthesis"}, ""), 200)
	r = in.get("/api/v1/statuses/"+id, "")
	if n := r.Object(t)["favourites_count"]; n != float64(1) {
		t.Errorf("favourites_count after the open phase = %v, want 1", n)
	}
}
