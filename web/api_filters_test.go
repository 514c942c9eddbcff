package web_test

import (
	"slices"
	"testing"
	"time"
)

var filterShape = map[string]jsonKind{"id": kString, "title": kString, "context": kArray, "expires_at": kTimeOrNull,
	"filter_action": kString, "keywords": kArray, "statuses": kArray}

var filterKeywordShape = map[string]jsonKind{"id": kString, "keyword": kString, "whole_word": kBool}

var filterV1Shape = map[string]jsonKind{"id": kString, "phrase": kString, "context": kArray, "expires_at": kTimeOrNull,
	"irreversible": kBool, "whole_word": kBool}

func TestFiltersCRUD(t *testing.T) {
	t.Parallel()
	clock := &movingClock{t: time.Now().UTC()}
	in := newInstanceAt(t, clock.now)
	_, atok := in.member("alice")
	_, btok := in.member("bob")

	r := in.postJSON("/api/v2/filters", atok, map[string]any{
		"title": "Spoilers", "context": []string{"home", "public"}, "filter_action": "warn", "expires_in": 3600,
		"keywords_attributes": []map[string]any{{"keyword": "dragon", "whole_word": true}, {"keyword": "cat", "whole_word": false}},
	})
	wantStatus(t, r, 200)
	f := r.Object(t)
	checkShape(t, "filter", f, filterShape)
	fid := f["id"].(string)
	kws, _ := f["keywords"].([]any)
	if len(kws) != 2 || f["filter_action"] != "warn" || !slices.Equal(strs(f["context"]), []string{"home", "public"}) {
		t.Fatalf("created filter %s", r.Body)
	}
	for _, k := range kws {
		checkShape(t, "keyword", k.(map[string]any), filterKeywordShape)
	}
	if k := kws[1].(map[string]any); k["keyword"] != "cat" || k["whole_word"] != false {
		t.Errorf("second keyword %v", k)
	}
	exp, err := time.Parse(time.RFC3339, f["expires_at"].(string))
	if err != nil || exp.Sub(clock.now()) < 59*time.Minute || exp.Sub(clock.now()) > 61*time.Minute {
		t.Errorf("expires_at %v, want an hour from now", f["expires_at"])
	}

	// A form, Rails style, a moment later (identifiers made in the same
	// millisecond by concurrent tests need not sort in the order made).
	clock.add(time.Millisecond)
	r = in.do("POST", "/api/v2/filters", atok,
		"title=Quiet&context[]=notifications&context[]=thread&filter_action=hide&keywords_attributes[][keyword]=loud&keywords_attributes[][whole_word]=false",
		formType)
	wantStatus(t, r, 200)
	quiet := r.Object(t)
	qid := quiet["id"].(string)
	if quiet["filter_action"] != "hide" || quiet["expires_at"] != nil || len(quiet["keywords"].([]any)) != 1 {
		t.Errorf("form-created filter %s", r.Body)
	}

	if got := listIDs(t, in, "/api/v2/filters", atok); !slices.Equal(got, []string{fid, qid}) {
		t.Errorf("filters %v", got)
	}
	// v1 shows one filter per keyword.
	r = in.get("/api/v1/filters", atok)
	wantStatus(t, r, 200)
	v1 := r.List(t)
	if len(v1) != 3 {
		t.Fatalf("v1 filters %s", r.Body)
	}
	for _, x := range v1 {
		checkShape(t, "v1 filter", x, filterV1Shape)
	}
	if v1[2]["phrase"] != "loud" || v1[2]["irreversible"] != true || v1[0]["irreversible"] != false || v1[0]["phrase"] != "dragon" {
		t.Errorf("v1 filters %s", r.Body)
	}
	wantStatus(t, in.get("/api/v1/filters/"+v1[0]["id"].(string), atok), 200)

	// Keywords as their own resource, added a moment later.
	clock.add(time.Millisecond)
	r = in.postJSON("/api/v2/filters/"+fid+"/keywords", atok, map[string]any{"keyword": "wyrm"})
	wantStatus(t, r, 200)
	kw := r.Object(t)
	checkShape(t, "added keyword", kw, filterKeywordShape)
	if kw["keyword"] != "wyrm" || kw["whole_word"] != true {
		t.Errorf("added keyword %v", kw)
	}
	kid := kw["id"].(string)
	if got := listIDs(t, in, "/api/v2/filters/"+fid+"/keywords", atok); len(got) != 3 || got[2] != kid {
		t.Errorf("keywords %v", got)
	}
	r = in.do("PUT", "/api/v2/filters/keywords/"+kid, atok, map[string]any{"keyword": "wyvern", "whole_word": false}, "")
	wantStatus(t, r, 200)
	if got := r.Object(t); got["keyword"] != "wyvern" || got["whole_word"] != false {
		t.Errorf("updated keyword %v", got)
	}
	wantStatus(t, in.get("/api/v2/filters/keywords/"+kid, atok), 200)
	wantStatus(t, in.do("DELETE", "/api/v2/filters/keywords/"+kid, atok, nil, ""), 200)
	wantAPIError(t, in.get("/api/v2/filters/keywords/"+kid, atok), 404)

	// Statuses as their own resource.
	sid := say(t, in, btok, "a status")
	r = in.postJSON("/api/v2/filters/"+fid+"/statuses", atok, map[string]any{"status_id": sid})
	wantStatus(t, r, 200)
	fs := r.Object(t)
	checkShape(t, "filter status", fs, map[string]jsonKind{"id": kString, "status_id": kString})
	if fs["status_id"] != sid {
		t.Errorf("filter status %v", fs)
	}
	wantAPIError(t, in.postJSON("/api/v2/filters/"+fid+"/statuses", atok, map[string]any{"status_id": sid}), 422, "already")
	wantAPIError(t, in.postJSON("/api/v2/filters/"+fid+"/statuses", atok, map[string]any{}), 422, "status_id")
	if got := listIDs(t, in, "/api/v2/filters/"+fid+"/statuses", atok); len(got) != 1 {
		t.Errorf("filter statuses %v", got)
	}
	wantStatus(t, in.get("/api/v2/filters/statuses/"+fs["id"].(string), atok), 200)

	// Update: title, contexts, action, a keyword removed, expiry cleared.
	first := kws[0].(map[string]any)["id"].(string)
	r = in.do("PUT", "/api/v2/filters/"+fid, atok, map[string]any{"title": "Fantasy", "context": []string{"home", "thread"},
		"filter_action": "hide", "expires_in": "", "keywords_attributes": []map[string]any{{"id": first, "_destroy": true}}}, "")
	wantStatus(t, r, 200)
	f = r.Object(t)
	if f["title"] != "Fantasy" || f["filter_action"] != "hide" || f["expires_at"] != nil ||
		!slices.Equal(strs(f["context"]), []string{"home", "thread"}) || len(f["keywords"].([]any)) != 1 {
		t.Errorf("updated filter %s", r.Body)
	}

	// Bad input: 422 naming the field; nothing created or changed.
	for _, body := range []map[string]any{
		{"context": []string{"home"}},
		{"title": "x", "context": []string{}},
		{"title": "x"},
		{"title": "x", "context": []string{"everywhere"}},
		{"title": "x", "context": []string{"home"}, "filter_action": "blur"},
		{"title": "x", "context": []string{"home"}, "expires_in": "soon"},
		{"title": "x", "context": []string{"home"}, "expires_in": -5},
		{"title": "x", "context": []string{"home"}, "keywords_attributes": []map[string]any{{"keyword": " "}}},
	} {
		wantAPIError(t, in.postJSON("/api/v2/filters", atok, body), 422)
	}
	wantAPIError(t, in.do("PUT", "/api/v2/filters/"+fid, atok, map[string]any{"context": []string{"nowhere"}}, ""), 422, "context")
	wantAPIError(t, in.postJSON("/api/v2/filters/"+fid+"/keywords", atok, map[string]any{"keyword": ""}), 422, "keyword")
	if got := listIDs(t, in, "/api/v2/filters", atok); len(got) != 2 {
		t.Errorf("filters after bad input %v", got)
	}
	if got := in.get("/api/v2/filters/"+fid, atok).Object(t); got["title"] != "Fantasy" {
		t.Errorf("filter after bad update %v", got)
	}

	// Another member's filters are not found.
	kid = f["keywords"].([]any)[0].(map[string]any)["id"].(string)
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v2/filters/" + fid}, {"PUT", "/api/v2/filters/" + fid}, {"DELETE", "/api/v2/filters/" + fid},
		{"GET", "/api/v2/filters/" + fid + "/keywords"}, {"POST", "/api/v2/filters/" + fid + "/keywords"},
		{"GET", "/api/v2/filters/keywords/" + kid}, {"DELETE", "/api/v2/filters/keywords/" + kid},
		{"GET", "/api/v2/filters/" + fid + "/statuses"}, {"GET", "/api/v2/filters/statuses/" + fs["id"].(string)},
		{"GET", "/api/v1/filters/" + kid},
	} {
		wantAPIError(t, in.do(c.method, c.path, btok, map[string]any{"title": "x", "keyword": "x"}, ""), 404, "Record not found")
	}
	if got := listIDs(t, in, "/api/v2/filters", btok); len(got) != 0 {
		t.Errorf("bob's filters %v", got)
	}
	wantAPIError(t, in.get("/api/v2/filters", ""), 401)

	r = in.do("DELETE", "/api/v2/filters/"+fid, atok, nil, "")
	wantStatus(t, r, 200)
	if string(r.Body) != "{}\n" {
		t.Errorf("delete answered %s", r.Body)
	}
	wantAPIError(t, in.get("/api/v2/filters/"+fid, atok), 404)
	wantAPIError(t, in.get("/api/v2/filters/keywords/"+kid, atok), 404)
}

// strs turns a JSON array of strings into a []string.
func strs(v any) []string {
	a, _ := v.([]any)
	out := make([]string, 0, len(a))
	for _, x := range a {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// filteredBy returns, for each status of a list, the titles of the
// filters it carries and the keywords they matched.
func filteredBy(st map[string]any) (titles, keywords, statuses []string) {
	fr, _ := st["filtered"].([]any)
	for _, x := range fr {
		r := x.(map[string]any)
		titles = append(titles, r["filter"].(map[string]any)["title"].(string))
		keywords = append(keywords, strs(r["keyword_matches"])...)
		statuses = append(statuses, strs(r["status_matches"])...)
	}
	return
}

func byID(l []map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, o := range l {
		out[o["id"].(string)] = o
	}
	return out
}

func TestFiltersApplied(t *testing.T) {
	t.Parallel()
	clock := &movingClock{t: time.Now().UTC()}
	in := newInstanceAt(t, clock.now)
	alice, atok := in.member("alice")
	bob, btok := in.member("bob")
	wantStatus(t, in.postJSON("/api/v1/accounts/"+bob.ID+"/follow", atok, nil), 200)

	warn := in.postJSON("/api/v2/filters", atok, map[string]any{
		"title": "Spoilers", "context": []string{"home", "public", "thread", "notifications", "account"},
		"keywords_attributes": []map[string]any{{"keyword": "dragon"}, {"keyword": "cat", "whole_word": false}},
	}).Object(t)
	in.postJSON("/api/v2/filters", atok, map[string]any{
		"title": "Noise", "context": []string{"public", "thread", "notifications"}, "filter_action": "hide",
		"keywords_attributes": []map[string]any{{"keyword": "wakes"}},
	})

	b1 := say(t, in, btok, "The Dragon wakes")
	b2 := say(t, in, btok, "dragons everywhere")
	b3 := say(t, in, btok, "concatenate")
	b4 := say(t, in, btok, "nothing here")
	mine := say(t, in, atok, "my own dragon")

	check := func(what string, l []map[string]any, want map[string][]string, gone ...string) {
		t.Helper()
		got := byID(l)
		for _, g := range gone {
			if _, ok := got[g]; ok {
				t.Errorf("%s: %s shown, want it hidden", what, g)
			}
		}
		for id, kw := range want {
			st, ok := got[id]
			if !ok {
				t.Errorf("%s: %s missing", what, id)
				continue
			}
			checkStatus(t, what, st)
			_, k, _ := filteredBy(st)
			if !slices.Equal(k, kw) {
				t.Errorf("%s: %s matched %v, want %v", what, id, k, kw)
			}
		}
	}
	// Home: warn only (the hide filter is not for home).
	r := in.get("/api/v1/timelines/home", atok)
	wantStatus(t, r, 200)
	home := r.List(t)
	check("home", home, map[string][]string{b1: {"dragon"}, b2: nil, b3: {"cat"}, b4: nil, mine: nil})
	st := byID(home)[b1]
	fr := st["filtered"].([]any)[0].(map[string]any)
	checkShape(t, "FilterResult", fr, map[string]jsonKind{"filter": kObject, "keyword_matches": kArray, "status_matches": kNull})
	checkShape(t, "FilterResult.filter", fr["filter"].(map[string]any), filterShape)
	if fr["filter"].(map[string]any)["id"] != warn["id"] {
		t.Errorf("FilterResult filter %v", fr["filter"])
	}
	// Public: the hide filter leaves b1 out. Anonymous readers are not
	// filtered at all.
	check("public", listMaps(t, in, "/api/v1/timelines/public", atok), map[string][]string{b3: {"cat"}, b4: nil}, b1)
	check("anonymous public", listMaps(t, in, "/api/v1/timelines/public", ""), map[string][]string{b1: nil, b3: nil})
	// Account: warn.
	check("account", listMaps(t, in, "/api/v1/accounts/"+bob.ID+"/statuses", atok), map[string][]string{b1: {"dragon"}, b4: nil})

	// Thread and notifications: a reply that says wakes is hidden; one
	// with a dragon carries the warning.
	a1 := say(t, in, atok, "What do you see?")
	r1 := postStatus(t, in, btok, map[string]any{"status": "@alice a dragon", "in_reply_to_id": a1})["id"].(string)
	r2 := postStatus(t, in, btok, map[string]any{"status": "@alice it wakes", "in_reply_to_id": a1})["id"].(string)
	r = in.get("/api/v1/statuses/"+a1+"/context", atok)
	wantStatus(t, r, 200)
	var ctx struct {
		Descendants []map[string]any `json:"descendants"`
	}
	r.JSON(t, &ctx)
	check("thread", ctx.Descendants, map[string][]string{r1: {"dragon"}}, r2)
	r = in.get("/api/v1/notifications", atok)
	wantStatus(t, r, 200)
	var notified []map[string]any
	for _, n := range r.List(t) {
		if s, ok := n["status"].(map[string]any); ok {
			notified = append(notified, s)
		}
	}
	check("notifications", notified, map[string][]string{r1: {"dragon"}}, r2)
	// Home has no hide filter: both replies are there.
	check("home replies", listMaps(t, in, "/api/v1/timelines/home", atok), map[string][]string{r1: {"dragon"}, r2: nil})

	// A status put in a filter matches as a status.
	wantStatus(t, in.postJSON("/api/v2/filters/"+warn["id"].(string)+"/statuses", atok, map[string]any{"status_id": b4}), 200)
	got := byID(listMaps(t, in, "/api/v1/timelines/home", atok))[b4]
	if _, _, sm := filteredBy(got); !slices.Equal(sm, []string{b4}) {
		t.Errorf("status match %v", got["filtered"])
	}

	// Expired filters no longer apply.
	in.do("PUT", "/api/v2/filters/"+warn["id"].(string), atok, map[string]any{"expires_in": 1800}, "")
	clock.add(time.Hour)
	for _, st := range listMaps(t, in, "/api/v1/timelines/home", atok) {
		if f, _ := st["filtered"].([]any); len(f) != 0 {
			t.Errorf("expired filter still applied to %s: %v", st["id"], f)
		}
	}
	_ = alice
}

// listMaps GETs a list of objects.
func listMaps(t testing.TB, in *instance, path, tok string) []map[string]any {
	t.Helper()
	r := in.forTest(t).get(path, tok)
	wantStatus(t, r, 200)
	return r.List(t)
}
