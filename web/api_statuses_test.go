package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Helpers shared by the client API tests.

// forTest returns in reporting failures to t, for use inside subtests.
func (in *instance) forTest(t testing.TB) *instance {
	c := *in
	c.t = t
	return &c
}

// postStatus posts a status as JSON and returns it, failing unless 200.
func postStatus(t testing.TB, in *instance, tok string, body map[string]any) map[string]any {
	t.Helper()
	r := in.forTest(t).postJSON("/api/v1/statuses", tok, body)
	wantStatus(t, r, 200)
	return r.Object(t)
}

// say posts a status with text and optional visibility and returns its id.
func say(t testing.TB, in *instance, tok, text string, visibility ...string) string {
	t.Helper()
	body := map[string]any{"status": text}
	if len(visibility) > 0 {
		body["visibility"] = visibility[0]
	}
	return postStatus(t, in, tok, body)["id"].(string)
}

// wantAPIError fails unless r is a JSON error {"error": "…"} with status
// and an error text containing each of parts.
func wantAPIError(t testing.TB, r *response, status int, parts ...string) {
	t.Helper()
	wantStatus(t, r, status)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error Content-Type %q, want application/json; body %s", ct, r.Body)
	}
	obj := r.Object(t)
	msg, ok := obj["error"].(string)
	if !ok || msg == "" {
		t.Fatalf("error body %s has no error text", r.Body)
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("error %q does not mention %q", msg, p)
		}
	}
}

// idsOf returns the "id" of each object of l.
func idsOf(l []map[string]any) []string {
	out := make([]string, len(l))
	for i, o := range l {
		out[i], _ = o["id"].(string)
	}
	return out
}

// listIDs GETs path and returns the ids of the objects listed.
func listIDs(t testing.TB, in *instance, path, tok string) []string {
	t.Helper()
	r := in.forTest(t).get(path, tok)
	wantStatus(t, r, 200)
	return idsOf(r.List(t))
}

// statusCount returns an account's statuses_count and the number of
// statuses its owner sees on its profile.
func statusCount(t testing.TB, in *instance, tok, accountID string) (counted, listed int) {
	t.Helper()
	in = in.forTest(t)
	r := in.get("/api/v1/accounts/"+accountID, tok)
	wantStatus(t, r, 200)
	n, _ := r.Object(t)["statuses_count"].(float64)
	r = in.get("/api/v1/accounts/"+accountID+"/statuses?limit=40", tok)
	wantStatus(t, r, 200)
	return int(n), len(r.List(t))
}

// wantNothingStored fails if the account has any status.
func wantNothingStored(t testing.TB, in *instance, tok, accountID string) {
	t.Helper()
	if c, l := statusCount(t, in, tok, accountID); c != 0 || l != 0 {
		t.Fatalf("statuses_count %d and %d statuses listed, want nothing stored", c, l)
	}
}

// apiRequest builds a request to in with an optional token and body.
func apiRequest(t testing.TB, in *instance, method, path, tok, body, contentType string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, in.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return req
}

// decodeJSON decodes the body of res into v, for goroutines that may not
// fail the test themselves.
func decodeJSON(res *http.Response, v any) error {
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("Content-Type %q", ct)
	}
	return json.NewDecoder(res.Body).Decode(v)
}

// parseLink parses a Link header into rel → URL.
func parseLink(t testing.TB, h string) map[string]*url.URL {
	t.Helper()
	out := map[string]*url.URL{}
	if h == "" {
		return out
	}
	re := regexp.MustCompile(`<([^>]*)>;\s*rel="([^"]+)"`)
	for _, m := range re.FindAllStringSubmatch(h, -1) {
		u, err := url.Parse(m[1])
		if err != nil {
			t.Fatalf("Link %q: %v", h, err)
		}
		out[m[2]] = u
	}
	if len(out) == 0 {
		t.Fatalf("unparseable Link header %q", h)
	}
	return out
}

// Entity shapes: every field a client requires, with its JSON type.

type jsonKind int

const (
	kString jsonKind = iota
	kBool
	kNumber
	kArray // a JSON array, never null
	kObject
	kNull
	kStringOrNull
	kObjectOrNull
	kTime       // a string with millisecond UTC precision
	kTimeOrNull // kTime or null
	kDateOrNull // YYYY-MM-DD or null
	kURL        // a non-empty absolute http(s) URL
	kBoolOrNull
)

var (
	timeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	dateRE = regexp.MustCompile(`^\d{4}-\d\d-\d\d$`)
)

// accountShape is Account as client-api.md §7.1 lists it.
var accountShape = map[string]jsonKind{
	"id": kString, "username": kString, "acct": kString, "url": kURL, "uri": kURL,
	"display_name": kString, "note": kString,
	"avatar": kURL, "avatar_static": kURL, "header": kURL, "header_static": kURL,
	"locked": kBool, "fields": kArray, "emojis": kArray, "bot": kBool, "group": kBool,
	"discoverable": kBool, "indexable": kBool, "hide_collections": kBoolOrNull, "noindex": kBool,
	"created_at": kTime, "last_status_at": kDateOrNull,
	"statuses_count": kNumber, "followers_count": kNumber, "following_count": kNumber, "roles": kArray,
}

// statusShape is Status as client-api.md §7.2 lists it (the 4.5 quote
// fields and the optional application aside).
var statusShape = map[string]jsonKind{
	"id": kString, "uri": kURL, "url": kURL, "created_at": kTime, "edited_at": kTimeOrNull,
	"account": kObject, "content": kString, "visibility": kString, "sensitive": kBool, "spoiler_text": kString,
	"media_attachments": kArray, "mentions": kArray, "tags": kArray, "emojis": kArray,
	"reblogs_count": kNumber, "favourites_count": kNumber, "replies_count": kNumber,
	"in_reply_to_id": kStringOrNull, "in_reply_to_account_id": kStringOrNull,
	"reblog": kObjectOrNull, "poll": kObjectOrNull, "card": kObjectOrNull,
	"language": kStringOrNull, "text": kStringOrNull,
	"favourited": kBool, "reblogged": kBool, "muted": kBool, "bookmarked": kBool, "pinned": kBool,
	"filtered": kArray,
}

var mentionShape = map[string]jsonKind{"id": kString, "username": kString, "url": kURL, "acct": kString}

var tagShape = map[string]jsonKind{"name": kString, "url": kURL}

var relationshipShape = map[string]jsonKind{
	"id": kString, "following": kBool, "showing_reblogs": kBool, "notifying": kBool, "languages": kNull,
	"followed_by": kBool, "blocking": kBool, "blocked_by": kBool, "muting": kBool, "muting_notifications": kBool,
	"muting_expires_at": kNull, "requested": kBool, "requested_by": kBool, "domain_blocking": kBool,
	"endorsed": kBool, "note": kString,
}

var notificationShape = map[string]jsonKind{"id": kString, "type": kString, "created_at": kTime, "account": kObject}

// checkShape fails for every field of shape missing from obj or of the
// wrong JSON type.
func checkShape(t testing.TB, what string, obj map[string]any, shape map[string]jsonKind) {
	t.Helper()
	for key, kind := range shape {
		v, present := obj[key]
		if !present {
			t.Errorf("%s: field %q missing", what, key)
			continue
		}
		ok := false
		switch kind {
		case kString:
			_, ok = v.(string)
		case kBool:
			_, ok = v.(bool)
		case kNumber:
			_, ok = v.(float64)
		case kArray:
			_, ok = v.([]any)
		case kObject:
			_, ok = v.(map[string]any)
		case kNull:
			ok = v == nil
		case kStringOrNull:
			_, ok = v.(string)
			ok = ok || v == nil
		case kObjectOrNull:
			_, ok = v.(map[string]any)
			ok = ok || v == nil
		case kTime:
			s, _ := v.(string)
			ok = timeRE.MatchString(s)
		case kTimeOrNull:
			s, _ := v.(string)
			ok = v == nil || timeRE.MatchString(s)
		case kDateOrNull:
			s, _ := v.(string)
			ok = v == nil || dateRE.MatchString(s)
		case kBoolOrNull:
			_, ok = v.(bool)
			ok = ok || v == nil
		case kURL:
			s, _ := v.(string)
			u, err := url.Parse(s)
			ok = err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
		}
		if !ok {
			t.Errorf("%s: field %q = %#v has the wrong type", what, key, v)
		}
	}
}

// checkStatus checks a status, its account, mentions and tags.
func checkStatus(t testing.TB, what string, st map[string]any) {
	t.Helper()
	checkShape(t, what, st, statusShape)
	if a, ok := st["account"].(map[string]any); ok {
		checkShape(t, what+".account", a, accountShape)
	}
	if v := st["visibility"]; !slices.Contains([]any{"public", "unlisted", "private", "direct"}, v) {
		t.Errorf("%s: visibility %v outside the four values", what, v)
	}
	ms, _ := st["mentions"].([]any)
	for i, m := range ms {
		mo, _ := m.(map[string]any)
		checkShape(t, fmt.Sprintf("%s.mentions[%d]", what, i), mo, mentionShape)
	}
	tags, _ := st["tags"].([]any)
	for i, tg := range tags {
		to, _ := tg.(map[string]any)
		checkShape(t, fmt.Sprintf("%s.tags[%d]", what, i), to, tagShape)
	}
}

// Tests of /api/v1/statuses.

func TestStatusCreateVisibilities(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	alice, tok := in.member("alice")
	for _, v := range []string{"public", "unlisted", "private", "direct"} {
		st := postStatus(t, in, tok, map[string]any{"status": "a " + v + " post", "visibility": v})
		checkStatus(t, v, st)
		if st["visibility"] != v {
			t.Errorf("posted %s, got visibility %v", v, st["visibility"])
		}
		// The author reads each back.
		r := in.get("/api/v1/statuses/"+st["id"].(string), tok)
		wantStatus(t, r, 200)
		got := r.Object(t)
		if got["visibility"] != v || got["content"] != "<p>a "+v+" post</p>" {
			t.Errorf("read back %s: %s", v, r.Body)
		}
		acct := got["account"].(map[string]any)
		if acct["id"] != alice.ID || acct["username"] != "alice" || acct["acct"] != "alice" {
			t.Errorf("author of %s: %v", v, acct)
		}
	}
	// The default visibility is public.
	if st := postStatus(t, in, tok, map[string]any{"status": "default"}); st["visibility"] != "public" {
		t.Errorf("default visibility %v", st["visibility"])
	}
	if c, _ := statusCount(t, in, tok, alice.ID); c != 5 {
		t.Errorf("statuses_count %d, want 5", c)
	}
}

func TestStatusCreateOptions(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, tok := in.member("alice")

	st := postStatus(t, in, tok, map[string]any{"status": "spoiled", "spoiler_text": "  a warning  "})
	if st["sensitive"] != true || st["spoiler_text"] != "a warning" {
		t.Errorf("spoiler_text: sensitive %v, spoiler_text %q", st["sensitive"], st["spoiler_text"])
	}
	st = postStatus(t, in, tok, map[string]any{"status": "sensitive", "sensitive": true})
	if st["sensitive"] != true || st["spoiler_text"] != "" {
		t.Errorf("sensitive: %v %q", st["sensitive"], st["spoiler_text"])
	}
	st = postStatus(t, in, tok, map[string]any{"status": "plain"})
	if st["sensitive"] != false || st["language"] != nil || st["text"] != nil || st["in_reply_to_id"] != nil {
		t.Errorf("defaults: %v", st)
	}
	st = postStatus(t, in, tok, map[string]any{"status": "bonjour", "language": "fr"})
	if st["language"] != "fr" {
		t.Errorf("language %v", st["language"])
	}
	r := in.get("/api/v1/statuses/"+st["id"].(string), "")
	wantStatus(t, r, 200)
	if r.Object(t)["language"] != "fr" {
		t.Errorf("language not stored: %s", r.Body)
	}
}

func TestStatusContentTypes(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, tok := in.member("alice")

	md := postStatus(t, in, tok, map[string]any{"status": "**bold** and _em_ <script>alert(1)</script> <b>raw</b>",
		"content_type": "text/markdown"})
	content := md["content"].(string)
	if !strings.Contains(content, "<strong>bold</strong>") || !strings.Contains(content, "<em>em</em>") {
		t.Errorf("markdown not rendered: %s", content)
	}
	for _, bad := range []string{"<script", "<b>", "</b>"} {
		if strings.Contains(content, bad) {
			t.Errorf("markdown content keeps %q: %s", bad, content)
		}
	}
	if md["content_type"] != "text/markdown" {
		t.Errorf("content_type %v", md["content_type"])
	}

	plain := postStatus(t, in, tok, map[string]any{"status": "**not bold** <b>x</b> <script>alert(1)</script>",
		"content_type": "text/plain"})
	content = plain["content"].(string)
	if strings.Contains(content, "<strong>") || strings.Contains(content, "<b>") || strings.Contains(content, "<script") {
		t.Errorf("plain text rendered markup: %s", content)
	}
	if !strings.Contains(content, "**not bold** &lt;b&gt;x&lt;/b&gt;") {
		t.Errorf("plain text not escaped: %s", content)
	}
	// Read back, the content is the same sanitised HTML.
	r := in.get("/api/v1/statuses/"+plain["id"].(string), "")
	wantStatus(t, r, 200)
	if r.Object(t)["content"] != content {
		t.Errorf("stored content differs: %s", r.Body)
	}
}

func TestStatusMentionsAndTags(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, tok := in.member("alice")
	bob, btok := in.member("bob")

	st := postStatus(t, in, tok, map[string]any{"status": "hi @bob and @nobody, see #Rust #rust and #Go"})
	checkStatus(t, "status", st)
	content := st["content"].(string)
	if !strings.Contains(content, `href="`+in.URL+`/@bob"`) || !strings.Contains(content, `class="u-url mention"`) {
		t.Errorf("@bob not linked: %s", content)
	}
	if strings.Contains(content, "/@nobody") || !strings.Contains(content, "@nobody") {
		t.Errorf("@nobody (unknown) linked or lost: %s", content)
	}
	ms := st["mentions"].([]any)
	if len(ms) != 1 {
		t.Fatalf("mentions %v, want only bob", ms)
	}
	m := ms[0].(map[string]any)
	if m["id"] != bob.ID || m["username"] != "bob" || m["acct"] != "bob" || m["url"] != in.URL+"/@bob" {
		t.Errorf("mention %v", m)
	}
	var names []string
	for _, tg := range st["tags"].([]any) {
		to := tg.(map[string]any)
		names = append(names, to["name"].(string))
		if to["url"] != in.URL+"/tags/"+to["name"].(string) {
			t.Errorf("tag url %v", to)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"go", "rust"}) {
		t.Errorf("tags %v, want [go rust]", names)
	}
	if !strings.Contains(content, `href="`+in.URL+`/tags/rust"`) || !strings.Contains(content, `rel="tag`) {
		t.Errorf("hashtag not linked: %s", content)
	}

	// A full handle naming this instance is a local mention; case does
	// not matter.
	host := strings.TrimPrefix(in.URL, "http://")
	st = postStatus(t, in, tok, map[string]any{"status": "@BOB@" + host + " and @Bob, #Café"})
	ms = st["mentions"].([]any)
	if len(ms) != 1 || ms[0].(map[string]any)["id"] != bob.ID {
		t.Errorf("mentions by full handle: %v", ms)
	}
	if n := strings.Count(st["content"].(string), `href="`+in.URL+`/@bob"`); n != 2 {
		t.Errorf("%d links to bob in %s", n, st["content"])
	}
	tags := st["tags"].([]any)
	if len(tags) != 1 || tags[0].(map[string]any)["name"] != "café" || tags[0].(map[string]any)["url"] != in.URL+"/tags/caf%C3%A9" {
		t.Errorf("unicode tag %v", tags)
	}
	if got := listIDs(t, in, "/api/v1/timelines/tag/caf%C3%A9", ""); !slices.Equal(got, []string{st["id"].(string)}) {
		t.Errorf("unicode tag timeline %v", got)
	}
	// Bob was told once per status.
	r := in.get("/api/v1/notifications?types[]=mention", btok)
	wantStatus(t, r, 200)
	if n := len(r.List(t)); n != 2 {
		t.Errorf("bob has %d mention notifications, want 2", n)
	}
}

func TestStatusReplyAndDelete(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	alice, atok := in.member("alice")
	bob, btok := in.member("bob")

	root := say(t, in, atok, "root")
	src := "a **reply** with <b>tags</b>"
	reply := postStatus(t, in, btok, map[string]any{"status": src, "in_reply_to_id": root, "content_type": "text/markdown"})
	if reply["in_reply_to_id"] != root || reply["in_reply_to_account_id"] != alice.ID {
		t.Fatalf("reply: %v %v", reply["in_reply_to_id"], reply["in_reply_to_account_id"])
	}
	replyID := reply["id"].(string)
	r := in.get("/api/v1/statuses/"+root, "")
	wantStatus(t, r, 200)
	if r.Object(t)["replies_count"] != 1.0 {
		t.Fatalf("replies_count after reply: %s", r.Body)
	}

	// Someone else cannot delete it, and it stays.
	r = in.do("DELETE", "/api/v1/statuses/"+replyID, atok, nil, "")
	wantAPIError(t, r, 403)
	wantStatus(t, in.get("/api/v1/statuses/"+replyID, ""), 200)

	// The author deletes it and gets the source back to redraft.
	r = in.do("DELETE", "/api/v1/statuses/"+replyID, btok, nil, "")
	wantStatus(t, r, 200)
	del := r.Object(t)
	checkStatus(t, "deleted", del)
	if del["text"] != src || del["id"] != replyID || !strings.Contains(del["content"].(string), "<strong>reply</strong>") {
		t.Errorf("deleted status: %s", r.Body)
	}
	wantAPIError(t, in.get("/api/v1/statuses/"+replyID, btok), 404)
	wantAPIError(t, in.get("/api/v1/statuses/"+replyID, ""), 404)
	wantAPIError(t, in.do("DELETE", "/api/v1/statuses/"+replyID, btok, nil, ""), 404)

	r = in.get("/api/v1/statuses/"+root, "")
	wantStatus(t, r, 200)
	if r.Object(t)["replies_count"] != 0.0 {
		t.Errorf("replies_count after delete: %s", r.Body)
	}
	if c, l := statusCount(t, in, btok, bob.ID); c != 0 || l != 0 {
		t.Errorf("bob has %d counted, %d listed after delete", c, l)
	}
	if got := listIDs(t, in, "/api/v1/timelines/public", ""); !slices.Equal(got, []string{root}) {
		t.Errorf("public timeline after delete %v", got)
	}
}

func TestStatusContext(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, atok := in.member("alice")
	_, btok := in.member("bob")
	_, ctok := in.member("carol")

	root := say(t, in, atok, "root")
	r1 := postStatus(t, in, btok, map[string]any{"status": "r1", "in_reply_to_id": root})["id"].(string)
	r2 := postStatus(t, in, atok, map[string]any{"status": "r2", "in_reply_to_id": r1})["id"].(string)
	r1b := postStatus(t, in, ctok, map[string]any{"status": "r1b", "in_reply_to_id": root})["id"].(string)
	// A direct answer only alice (answered) and carol may see.
	secret := postStatus(t, in, ctok, map[string]any{"status": "secret", "in_reply_to_id": root, "visibility": "direct"})["id"].(string)
	other := say(t, in, atok, "another thread")

	ctx := func(id, tok string) (anc, desc []string) {
		t.Helper()
		r := in.get("/api/v1/statuses/"+id+"/context", tok)
		wantStatus(t, r, 200)
		var c struct {
			Ancestors   []map[string]any `json:"ancestors"`
			Descendants []map[string]any `json:"descendants"`
		}
		r.JSON(t, &c)
		if c.Ancestors == nil || c.Descendants == nil {
			t.Fatalf("context with null lists: %s", r.Body)
		}
		for _, st := range append(c.Ancestors, c.Descendants...) {
			checkStatus(t, "context", st)
		}
		return idsOf(c.Ancestors), idsOf(c.Descendants)
	}
	anc, desc := ctx(root, atok)
	if len(anc) != 0 || !slices.Equal(desc, []string{r1, r2, r1b, secret}) {
		t.Errorf("root for alice: ancestors %v descendants %v", anc, desc)
	}
	anc, desc = ctx(root, "")
	if len(anc) != 0 || !slices.Equal(desc, []string{r1, r2, r1b}) {
		t.Errorf("root for anonymous: ancestors %v descendants %v", anc, desc)
	}
	anc, desc = ctx(r2, btok)
	if !slices.Equal(anc, []string{root, r1}) || len(desc) != 0 {
		t.Errorf("r2: ancestors %v descendants %v", anc, desc)
	}
	anc, desc = ctx(r1, "")
	if !slices.Equal(anc, []string{root}) || !slices.Equal(desc, []string{r2}) {
		t.Errorf("r1: ancestors %v descendants %v", anc, desc)
	}
	anc, desc = ctx(other, "")
	if len(anc) != 0 || len(desc) != 0 {
		t.Errorf("lone status: %v %v", anc, desc)
	}
	wantAPIError(t, in.get("/api/v1/statuses/"+secret+"/context", btok), 404)
	wantAPIError(t, in.get("/api/v1/statuses/"+secret+"/context", ""), 404)
}

func TestStatusFavourite(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	alice, atok := in.member("alice")
	bob, btok := in.member("bob")
	id := say(t, in, atok, "like me")

	for i := 0; i < 2; i++ { // favouriting twice counts once
		r := in.postJSON("/api/v1/statuses/"+id+"/favourite", btok, nil)
		wantStatus(t, r, 200)
		st := r.Object(t)
		checkStatus(t, "favourited", st)
		if st["favourited"] != true || st["favourites_count"] != 1.0 {
			t.Fatalf("favourite #%d: favourited %v count %v", i+1, st["favourited"], st["favourites_count"])
		}
	}
	// Others see the count, not bob's flag.
	for _, tok := range []string{atok, ""} {
		r := in.get("/api/v1/statuses/"+id, tok)
		wantStatus(t, r, 200)
		st := r.Object(t)
		if st["favourited"] != false || st["favourites_count"] != 1.0 {
			t.Errorf("seen by %q: favourited %v count %v", tok, st["favourited"], st["favourites_count"])
		}
	}
	r := in.get("/api/v1/statuses/"+id+"/favourited_by", "")
	wantStatus(t, r, 200)
	by := r.List(t)
	if len(by) != 1 || by[0]["id"] != bob.ID {
		t.Fatalf("favourited_by %s", r.Body)
	}
	checkShape(t, "favourited_by", by[0], accountShape)
	if got := listIDs(t, in, "/api/v1/favourites", btok); !slices.Equal(got, []string{id}) {
		t.Errorf("bob's favourites %v", got)
	}
	if got := listIDs(t, in, "/api/v1/favourites", atok); len(got) != 0 {
		t.Errorf("alice's favourites %v", got)
	}
	r = in.get("/api/v1/notifications", atok)
	wantStatus(t, r, 200)
	ns := r.List(t)
	if len(ns) != 1 || ns[0]["type"] != "favourite" || ns[0]["account"].(map[string]any)["id"] != bob.ID ||
		ns[0]["status"].(map[string]any)["id"] != id {
		t.Fatalf("alice's notifications %s", r.Body)
	}
	// Liking one's own status notifies no one.
	wantStatus(t, in.postJSON("/api/v1/statuses/"+id+"/favourite", atok, nil), 200)
	if n := len(listIDs(t, in, "/api/v1/notifications", atok)); n != 1 {
		t.Errorf("self-favourite made a notification (%d)", n)
	}
	wantStatus(t, in.postJSON("/api/v1/statuses/"+id+"/unfavourite", atok, nil), 200)

	r = in.postJSON("/api/v1/statuses/"+id+"/unfavourite", btok, nil)
	wantStatus(t, r, 200)
	st := r.Object(t)
	if st["favourited"] != false || st["favourites_count"] != 0.0 {
		t.Errorf("unfavourite: %v %v", st["favourited"], st["favourites_count"])
	}
	if got := listIDs(t, in, "/api/v1/statuses/"+id+"/favourited_by", ""); len(got) != 0 {
		t.Errorf("favourited_by after unfavourite %v", got)
	}
	if got := listIDs(t, in, "/api/v1/favourites", btok); len(got) != 0 {
		t.Errorf("favourites after unfavourite %v", got)
	}
	if got := listIDs(t, in, "/api/v1/notifications", atok); len(got) != 0 {
		t.Errorf("notification kept after unfavourite: %v", got)
	}
	// Unfavouriting again changes nothing.
	r = in.postJSON("/api/v1/statuses/"+id+"/unfavourite", btok, nil)
	wantStatus(t, r, 200)
	if r.Object(t)["favourites_count"] != 0.0 {
		t.Errorf("second unfavourite: %s", r.Body)
	}
	wantAPIError(t, in.postJSON("/api/v1/statuses/01ARZ3NDEKTSV4RRFFQ69G5FAV/favourite", btok, nil), 404)
	_ = alice
}

func TestStatusBookmarks(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, atok := in.member("alice")
	_, btok := in.member("bob")
	var sts []string
	for i := 0; i < 3; i++ {
		sts = append(sts, say(t, in, atok, fmt.Sprintf("post %d", i)))
	}
	// Bob bookmarks them newest first, then the oldest again (no change).
	for _, id := range []string{sts[2], sts[1], sts[0], sts[0]} {
		r := in.postJSON("/api/v1/statuses/"+id+"/bookmark", btok, nil)
		wantStatus(t, r, 200)
		if st := r.Object(t); st["bookmarked"] != true {
			t.Fatalf("bookmark: %s", r.Body)
		}
	}
	r := in.get("/api/v1/statuses/"+sts[0], atok)
	wantStatus(t, r, 200)
	if r.Object(t)["bookmarked"] != false {
		t.Errorf("alice sees bob's bookmark: %s", r.Body)
	}
	// Most recently bookmarked first; the pages follow the Link header.
	r = in.get("/api/v1/bookmarks?limit=2", btok)
	wantStatus(t, r, 200)
	if got := idsOf(r.List(t)); !slices.Equal(got, []string{sts[0], sts[1]}) {
		t.Fatalf("bookmarks page 1 %v", got)
	}
	next := parseLink(t, r.Header.Get("Link"))["next"]
	if next == nil || next.Query().Get("limit") != "2" {
		t.Fatalf("bookmarks Link %q", r.Header.Get("Link"))
	}
	if got := listIDs(t, in, next.RequestURI(), btok); !slices.Equal(got, []string{sts[2]}) {
		t.Errorf("bookmarks page 2 %v", got)
	}
	if got := listIDs(t, in, "/api/v1/bookmarks", atok); len(got) != 0 {
		t.Errorf("alice's bookmarks %v", got)
	}

	r = in.postJSON("/api/v1/statuses/"+sts[1]+"/unbookmark", btok, nil)
	wantStatus(t, r, 200)
	if r.Object(t)["bookmarked"] != false {
		t.Errorf("unbookmark: %s", r.Body)
	}
	if got := listIDs(t, in, "/api/v1/bookmarks", btok); !slices.Equal(got, []string{sts[0], sts[2]}) {
		t.Errorf("bookmarks after unbookmark %v", got)
	}
	// A deleted status leaves the bookmarks.
	wantStatus(t, in.do("DELETE", "/api/v1/statuses/"+sts[0], atok, nil, ""), 200)
	if got := listIDs(t, in, "/api/v1/bookmarks", btok); !slices.Equal(got, []string{sts[2]}) {
		t.Errorf("bookmarks after delete %v", got)
	}
}

func TestStatusIdempotencyKey(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	alice, atok := in.member("alice")
	bob, btok := in.member("bob")

	post := func(tok, key, text string) string {
		t.Helper()
		req, _ := http.NewRequest("POST", in.URL+"/api/v1/statuses", strings.NewReader(url.Values{"status": {text}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+tok)
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		r := in.send(http.DefaultClient, req)
		wantStatus(t, r, 200)
		return r.Object(t)["id"].(string)
	}
	first := post(atok, "key-1", "once")
	// A replay, even with another body, returns the first status.
	if again := post(atok, "key-1", "once, retried"); again != first {
		t.Errorf("same key gave %s then %s", first, again)
	}
	if c, l := statusCount(t, in, atok, alice.ID); c != 1 || l != 1 {
		t.Fatalf("after a replay: %d counted, %d listed, want 1", c, l)
	}
	if second := post(atok, "key-2", "twice"); second == first {
		t.Errorf("another key gave the same status")
	}
	if c, l := statusCount(t, in, atok, alice.ID); c != 2 || l != 2 {
		t.Errorf("two keys: %d counted, %d listed, want 2", c, l)
	}
	// Keys belong to an account.
	if bobs := post(btok, "key-1", "bob's"); bobs == first {
		t.Errorf("bob's key-1 returned alice's status")
	}
	if c, _ := statusCount(t, in, btok, bob.ID); c != 1 {
		t.Errorf("bob has %d statuses", c)
	}

	// Concurrent duplicates store one status.
	const n = 6
	var wg sync.WaitGroup
	got := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", in.URL+"/api/v1/statuses", strings.NewReader(`{"status":"race"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+btok)
			req.Header.Set("Idempotency-Key", "race")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer res.Body.Close()
			var st struct{ ID string }
			if res.StatusCode != 200 {
				errs[i] = fmt.Errorf("status %d", res.StatusCode)
				return
			}
			if err := decodeJSON(res, &st); err != nil {
				errs[i] = err
			}
			got[i] = st.ID
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("concurrent post %d: %v", i, errs[i])
		}
		if got[i] != got[0] {
			t.Errorf("concurrent posts got %v", got)
			break
		}
	}
	if c, l := statusCount(t, in, btok, bob.ID); c != 2 || l != 2 {
		t.Errorf("after concurrent duplicates bob has %d counted, %d listed, want 2", c, l)
	}
}

func TestStatusVisibility(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	alice, atok := in.member("alice")
	bob, btok := in.member("bob") // follows alice
	_, ctok := in.member("carol") // mentioned
	_, dtok := in.member("dave")  // neither
	wantStatus(t, in.postJSON("/api/v1/accounts/"+alice.ID+"/follow", btok, nil), 200)

	public := say(t, in, atok, "public")
	unlisted := say(t, in, atok, "unlisted", "unlisted")
	private := say(t, in, atok, "private for followers and @carol", "private")
	direct := say(t, in, atok, "direct to @carol", "direct")

	readers := []struct {
		name string
		tok  string
	}{{"alice", atok}, {"bob", btok}, {"carol", ctok}, {"dave", dtok}, {"anonymous", ""}}
	visible := map[string][]string{
		"alice":     {public, unlisted, private, direct},
		"bob":       {public, unlisted, private},
		"carol":     {public, unlisted, direct}, // named, but a follower-only post stays with followers
		"dave":      {public, unlisted},
		"anonymous": {public, unlisted},
	}
	newestFirst := []string{direct, private, unlisted, public}
	for _, rd := range readers {
		for _, id := range []string{public, unlisted, private, direct} {
			r := in.get("/api/v1/statuses/"+id, rd.tok)
			if slices.Contains(visible[rd.name], id) {
				wantStatus(t, r, 200)
				checkStatus(t, rd.name, r.Object(t))
			} else {
				wantAPIError(t, r, 404, "Record not found")
				wantAPIError(t, in.get("/api/v1/statuses/"+id+"/context", rd.tok), 404)
				wantAPIError(t, in.get("/api/v1/statuses/"+id+"/favourited_by", rd.tok), 404)
				if rd.tok != "" {
					wantAPIError(t, in.postJSON("/api/v1/statuses/"+id+"/favourite", rd.tok, nil), 404)
					wantAPIError(t, in.postJSON("/api/v1/statuses/"+id+"/bookmark", rd.tok, nil), 404)
					wantAPIError(t, in.postJSON("/api/v1/statuses", rd.tok, map[string]any{"status": "re", "in_reply_to_id": id}), 422, "in_reply_to_id")
				}
			}
		}
		// The profile lists what the reader may see.
		var want []string
		for _, id := range newestFirst {
			if slices.Contains(visible[rd.name], id) {
				want = append(want, id)
			}
		}
		if got := listIDs(t, in, "/api/v1/accounts/"+alice.ID+"/statuses", rd.tok); !slices.Equal(got, want) {
			t.Errorf("%s sees alice's profile %v, want %v", rd.name, got, want)
		}
		// The public timeline holds only the public status.
		if got := listIDs(t, in, "/api/v1/timelines/public", rd.tok); !slices.Equal(got, []string{public}) {
			t.Errorf("%s sees public timeline %v", rd.name, got)
		}
		if got := listIDs(t, in, "/api/v1/timelines/public?local=true", rd.tok); !slices.Equal(got, []string{public}) {
			t.Errorf("%s sees local timeline %v", rd.name, got)
		}
	}
	// Bob's home has what he may see of whom he follows.
	if got := listIDs(t, in, "/api/v1/timelines/home", btok); !slices.Equal(got, []string{private, unlisted, public}) {
		t.Errorf("bob's home %v", got)
	}
	// Carol is mentioned but follows no one.
	if got := listIDs(t, in, "/api/v1/timelines/home", ctok); len(got) != 0 {
		t.Errorf("carol's home %v", got)
	}
	// When bob stops following, the private post is gone for him.
	wantStatus(t, in.postJSON("/api/v1/accounts/"+alice.ID+"/unfollow", btok, nil), 200)
	wantAPIError(t, in.get("/api/v1/statuses/"+private, btok), 404)
	_ = bob
}

func TestStatusEntityShape(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, atok := in.member("alice")
	_, btok := in.member("bob")
	plain := say(t, in, atok, "plain")
	rich := postStatus(t, in, btok, map[string]any{"status": "@alice #tag", "in_reply_to_id": plain,
		"spoiler_text": "cw", "language": "en"})
	checkStatus(t, "create", rich)
	if len(rich["mentions"].([]any)) != 1 || len(rich["tags"].([]any)) != 1 {
		t.Errorf("rich status: %v %v", rich["mentions"], rich["tags"])
	}

	// Empty collections are [], never null, as raw JSON too.
	r := in.get("/api/v1/statuses/"+plain, "")
	wantStatus(t, r, 200)
	for _, f := range []string{"media_attachments", "mentions", "tags", "emojis", "filtered"} {
		if !strings.Contains(string(r.Body), `"`+f+`":[]`) {
			t.Errorf("%s is not [] in %s", f, r.Body)
		}
	}
	for _, f := range []string{"fields", "emojis", "roles"} {
		if !strings.Contains(string(r.Body), `"`+f+`":[]`) {
			t.Errorf("account %s is not [] in %s", f, r.Body)
		}
	}

	// Every way a status is served, to members and to anonymous readers,
	// carries the full shape with the viewer booleans.
	for _, tok := range []string{"", atok, btok} {
		for _, id := range []string{plain, rich["id"].(string)} {
			r := in.get("/api/v1/statuses/"+id, tok)
			wantStatus(t, r, 200)
			checkStatus(t, "get", r.Object(t))
		}
		for _, path := range []string{"/api/v1/timelines/public", "/api/v1/accounts/" + rich["account"].(map[string]any)["id"].(string) + "/statuses",
			"/api/v1/timelines/tag/tag"} {
			r := in.get(path, tok)
			wantStatus(t, r, 200)
			l := r.List(t)
			if len(l) == 0 {
				t.Fatalf("%s is empty", path)
			}
			for _, st := range l {
				checkStatus(t, path, st)
			}
		}
	}
	r = in.get("/api/v1/timelines/home", btok)
	wantStatus(t, r, 200)
	for _, st := range r.List(t) {
		checkStatus(t, "home", st)
	}
	r = in.get("/api/v1/notifications", atok)
	wantStatus(t, r, 200)
	for _, n := range r.List(t) {
		checkShape(t, "notification", n, notificationShape)
		checkStatus(t, "notification.status", n["status"].(map[string]any))
	}
}
