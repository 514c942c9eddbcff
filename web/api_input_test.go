package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// multipartBody encodes fields as multipart/form-data and returns the body
// with its content type.
func multipartBody(t testing.TB, fields map[string]string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := w.WriteField(k, fields[k]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String(), w.FormDataContentType()
}

const (
	formType = "application/x-www-form-urlencoded"
	jsonType = "application/json"
)

func TestStatusBadInput(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	alice, tok := in.member("alice")
	parent := say(t, in, tok, "parent") // to reply to; deleted below
	wantStatus(t, in.do("DELETE", "/api/v1/statuses/"+parent, tok, nil, ""), 200)
	wantNothingStored(t, in, tok, alice.ID)

	huge := strings.Repeat("x", 1<<20+10)
	bigMultipart, bigMultipartType := multipartBody(t, map[string]string{"status": huge})
	cases := []struct {
		name, ct, body string
		status         int
		mention        string // what the error must name
	}{
		{"malformed JSON", jsonType, `{"status": "hi"`, 400, "JSON"},
		{"two JSON values", jsonType, `{"status": "hi"} {"status": "again"}`, 400, "JSON"},
		{"JSON array", jsonType, `["hi"]`, 400, "object"},
		{"JSON string", jsonType, `"hi"`, 400, "object"},
		{"status number", jsonType, `{"status": 42}`, 422, "status"},
		{"status object", jsonType, `{"status": {"text": "hi"}}`, 422, "status"},
		{"status array", jsonType, `{"status": ["hi"]}`, 422, "status"},
		{"status bool", jsonType, `{"status": true}`, 422, "status"},
		{"sensitive maybe", jsonType, `{"status": "hi", "sensitive": "maybe"}`, 422, "sensitive"},
		{"sensitive array", jsonType, `{"status": "hi", "sensitive": [true]}`, 422, "sensitive"},
		{"sensitive object", jsonType, `{"status": "hi", "sensitive": {"yes": true}}`, 422, "sensitive"},
		{"sensitive maybe (form)", formType, `status=hi&sensitive=maybe`, 422, "sensitive"},
		{"visibility local", jsonType, `{"status": "hi", "visibility": "local"}`, 422, "visibility"},
		{"visibility number", jsonType, `{"status": "hi", "visibility": 1}`, 422, "visibility"},
		{"spoiler_text object", jsonType, `{"status": "hi", "spoiler_text": {}}`, 422, "spoiler_text"},
		{"too long", jsonType, `{"status": "` + strings.Repeat("é", 5001) + `"}`, 422, "status"},
		{"too long with spoiler", jsonType, `{"status": "` + strings.Repeat("x", 4990) + `", "spoiler_text": "` + strings.Repeat("y", 11) + `"}`, 422, "status"},
		{"empty", jsonType, `{"status": ""}`, 422, "status"},
		{"blank", formType, "status=+%0A%09+", 422, "status"},
		{"missing", jsonType, `{"visibility": "public"}`, 422, "status"},
		{"null", jsonType, `{"status": null}`, 422, "status"},
		{"no body", "", ``, 422, "status"},
		{"unknown in_reply_to_id", jsonType, `{"status": "hi", "in_reply_to_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}`, 422, "in_reply_to_id"},
		{"deleted in_reply_to_id", jsonType, `{"status": "hi", "in_reply_to_id": "` + parent + `"}`, 422, "in_reply_to_id"},
		{"malformed in_reply_to_id", jsonType, `{"status": "hi", "in_reply_to_id": "12345"}`, 422, "in_reply_to_id"},
		{"numeric in_reply_to_id", jsonType, `{"status": "hi", "in_reply_to_id": 12345}`, 422, "in_reply_to_id"},
		{"language english", jsonType, `{"status": "hi", "language": "english"}`, 422, "language"},
		{"language script", formType, `status=hi&language=%3Cscript%3E`, 422, "language"},
		{"content_type html", jsonType, `{"status": "hi", "content_type": "text/html"}`, 422, "content_type"},
		{"media_ids", jsonType, `{"status": "hi", "media_ids": ["1"]}`, 422, "media_ids"},
		{"poll with one option", jsonType, `{"status": "hi", "poll": {"options": ["a"], "expires_in": 300}}`, 422, "poll[options]"},
		{"scheduled_at", formType, `status=hi&scheduled_at=2030-01-01T00:00:00Z`, 422, "Scheduled posts are not supported on this instance"},
		{"long Idempotency-Key", "", "", 422, "Idempotency-Key"}, // sent below with a header
		{"text/xml", "text/xml", `<status>hi</status>`, 415, "text/xml"},
		{"text/plain", "text/plain", `hi`, 415, "text/plain"},
		{"JSON over 1 MiB", jsonType, `{"status": "` + huge + `"}`, 413, "larger"},
		{"form over 1 MiB", formType, "status=" + huge, 413, "larger"},
		{"multipart over 1 MiB", bigMultipartType, bigMultipart, 413, "larger"},
		{"broken multipart", "multipart/form-data; boundary=zzz", "--zzz\r\nno headers", 400, "body"},
	}
	for _, c := range cases {
		var r *response
		if c.name == "long Idempotency-Key" {
			req := apiRequest(t, in, "POST", "/api/v1/statuses", tok, `{"status": "hi"}`, jsonType)
			req.Header.Set("Idempotency-Key", strings.Repeat("k", 257))
			r = in.send(http.DefaultClient, req)
		} else {
			r = in.do("POST", "/api/v1/statuses", tok, c.body, c.ct)
		}
		if r.Status != c.status {
			t.Errorf("%s: status %d, want %d; body %.300s", c.name, r.Status, c.status, r.Body)
			continue
		}
		wantAPIError(t, r, c.status, c.mention)
	}
	wantNothingStored(t, in, tok, alice.ID)
	if got := listIDs(t, in, "/api/v1/timelines/public", ""); len(got) != 0 {
		t.Errorf("public timeline after bad input %v", got)
	}
	if got := listIDs(t, in, "/api/v1/timelines/home", tok); len(got) != 0 {
		t.Errorf("home timeline after bad input %v", got)
	}

	// The limits themselves are allowed: 5000 characters, counted as
	// characters and not bytes.
	st := postStatus(t, in, tok, map[string]any{"status": strings.Repeat("é", 5000)})
	if !strings.Contains(st["content"].(string), strings.Repeat("é", 5000)) {
		t.Errorf("5000 characters cut")
	}
	postStatus(t, in, tok, map[string]any{"status": strings.Repeat("x", 4990), "spoiler_text": strings.Repeat("y", 10)})
	if c, l := statusCount(t, in, tok, alice.ID); c != 2 || l != 2 {
		t.Errorf("after the limits %d counted, %d listed", c, l)
	}
}

func TestBadIDsInPaths(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, tok := in.member("alice", "read", "write", "follow", "push")
	const unknown = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
	for _, id := range []string{"not-an-id", unknown, "0", "%27%20OR%201=1", "01arz3ndektsv4rrffq69g5fav"} {
		for _, c := range []struct{ method, path string }{
			{"GET", "/api/v1/statuses/" + id},
			{"DELETE", "/api/v1/statuses/" + id},
			{"GET", "/api/v1/statuses/" + id + "/context"},
			{"GET", "/api/v1/statuses/" + id + "/favourited_by"},
			{"POST", "/api/v1/statuses/" + id + "/favourite"},
			{"POST", "/api/v1/statuses/" + id + "/unfavourite"},
			{"POST", "/api/v1/statuses/" + id + "/bookmark"},
			{"POST", "/api/v1/statuses/" + id + "/unbookmark"},
			{"GET", "/api/v1/accounts/" + id},
			{"GET", "/api/v1/accounts/" + id + "/statuses"},
			{"GET", "/api/v1/accounts/" + id + "/followers"},
			{"GET", "/api/v1/accounts/" + id + "/following"},
			{"POST", "/api/v1/accounts/" + id + "/follow"},
			{"POST", "/api/v1/accounts/" + id + "/unfollow"},
			{"POST", "/api/v1/follow_requests/" + id + "/authorize"},
			{"POST", "/api/v1/follow_requests/" + id + "/reject"},
			{"GET", "/api/v1/notifications/" + id},
			{"POST", "/api/v1/notifications/" + id + "/dismiss"},
		} {
			r := in.do(c.method, c.path, tok, nil, "")
			if r.Status != 404 {
				t.Errorf("%s %s: status %d, want 404; body %s", c.method, c.path, r.Status, r.Body)
				continue
			}
			wantAPIError(t, r, 404, "Record not found")
		}
	}
	// Unknown API paths and methods answer in JSON too.
	wantAPIError(t, in.get("/api/v1/no-such-thing", tok), 404)
	wantAPIError(t, in.get("/api/v3/instance", ""), 404)
	wantAPIError(t, in.do("PUT", "/api/v1/timelines/home", tok, nil, ""), 405)
	// Malformed cursors are refused, not ignored.
	for _, q := range []string{"max_id=abc", "since_id=abc", "min_id=1", "max_id=%27"} {
		wantAPIError(t, in.get("/api/v1/timelines/public?"+q, ""), 400, strings.Split(q, "=")[0])
	}
	wantAPIError(t, in.get("/api/v1/timelines/public?limit=ten", ""), 422, "limit")
	wantAPIError(t, in.get("/api/v1/timelines/public?limit=-1", ""), 422, "limit")
	wantAPIError(t, in.get("/api/v1/timelines/public?local=perhaps", ""), 422, "local")
}

func TestStatusEncodings(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	alice, tok := in.member("alice")
	parent := say(t, in, tok, "parent")

	fields := map[string]string{"status": "hello #encoded", "visibility": "unlisted", "spoiler_text": "cw",
		"sensitive": "true", "language": "de", "in_reply_to_id": parent, "content_type": "text/markdown"}
	form := url.Values{}
	for k, v := range fields {
		form.Set(k, v)
	}
	mp, mpType := multipartBody(t, fields)
	jsonBody := `{"status": "hello #encoded", "visibility": "unlisted", "spoiler_text": "cw", "sensitive": true,
		"language": "de", "in_reply_to_id": "` + parent + `", "content_type": "text/markdown", "media_ids": []}`
	for _, c := range []struct {
		name, path, ct, body string
	}{
		{"JSON", "/api/v1/statuses", "application/json; charset=utf-8", jsonBody},
		{"form", "/api/v1/statuses", formType, form.Encode()},
		{"multipart", "/api/v1/statuses", mpType, mp},
		{"query string", "/api/v1/statuses?" + form.Encode(), "", ""},
		{"query string with an empty form", "/api/v1/statuses?" + form.Encode(), formType, ""},
	} {
		r := in.do("POST", c.path, tok, c.body, c.ct)
		if r.Status != 200 {
			t.Errorf("%s: status %d; body %s", c.name, r.Status, r.Body)
			continue
		}
		st := r.Object(t)
		checkStatus(t, c.name, st)
		tags := st["tags"].([]any)
		if st["visibility"] != "unlisted" || st["spoiler_text"] != "cw" || st["sensitive"] != true || st["language"] != "de" ||
			st["in_reply_to_id"] != parent || st["content_type"] != "text/markdown" || len(tags) != 1 ||
			!strings.Contains(st["content"].(string), "hello") {
			t.Errorf("%s: %s", c.name, r.Body)
		}
	}
	if c, _ := statusCount(t, in, tok, alice.ID); c != 6 {
		t.Errorf("statuses_count %d, want 6", c)
	}
	r := in.get("/api/v1/statuses/"+parent, "")
	wantStatus(t, r, 200)
	if r.Object(t)["replies_count"] != 5.0 {
		t.Errorf("replies_count %s", r.Body)
	}
	// A form value in the body wins over the query string.
	r = in.do("POST", "/api/v1/statuses?visibility=private", tok, "status=hi&visibility=public", formType)
	wantStatus(t, r, 200)
	if r.Object(t)["visibility"] != "public" {
		t.Errorf("body and query: %s", r.Body)
	}
}

func TestScopeEnforcement(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	alice, readTok := in.member("alice", "read")
	bob, writeStatusesTok := in.member("bob", "write:statuses")
	carol, followTok := in.member("carol", "follow")
	_, readStatusesTok := in.member("dave", "read:statuses")
	_, favTok := in.member("erin", "write:favourites", "read:favourites")
	_, fullTok := in.member("frank")
	public := say(t, in, fullTok, "public")

	// read cannot post, and nothing is stored.
	for _, enc := range []struct{ body, ct string }{
		{`{"status":"hi"}`, jsonType}, {"status=hi", formType},
	} {
		r := in.do("POST", "/api/v1/statuses", readTok, enc.body, enc.ct)
		wantStatus(t, r, 403)
		if string(r.Body) != `{"error":"This action is outside the authorized scopes"}`+"\n" {
			t.Errorf("out-of-scope answer %s", r.Body)
		}
		wantAPIError(t, r, 403, "This action is outside the authorized scopes")
	}
	wantNothingStored(t, in, readTok, alice.ID)
	wantAPIError(t, in.do("DELETE", "/api/v1/statuses/"+public, readTok, nil, ""), 403)
	wantAPIError(t, in.postJSON("/api/v1/statuses/"+public+"/favourite", readTok, nil), 403)
	wantAPIError(t, in.postJSON("/api/v1/accounts/"+bob.ID+"/follow", readTok, nil), 403)
	wantAPIError(t, in.do("PATCH", "/api/v1/accounts/update_credentials", readTok, "display_name=x", formType), 403)
	wantAPIError(t, in.postJSON("/api/v1/notifications/clear", readTok, nil), 403)
	wantStatus(t, in.get("/api/v1/timelines/home", readTok), 200)
	wantStatus(t, in.get("/api/v1/notifications", readTok), 200)
	wantStatus(t, in.get("/api/v1/accounts/verify_credentials", readTok), 200)

	// write:statuses posts but cannot read the home timeline.
	st := postStatus(t, in, writeStatusesTok, map[string]any{"status": "write only"})
	wantAPIError(t, in.get("/api/v1/timelines/home", writeStatusesTok), 403, "outside the authorized scopes")
	wantAPIError(t, in.get("/api/v1/statuses/"+st["id"].(string), writeStatusesTok), 403)
	wantAPIError(t, in.get("/api/v1/accounts/verify_credentials", writeStatusesTok), 403)
	wantStatus(t, in.do("DELETE", "/api/v1/statuses/"+st["id"].(string), writeStatusesTok, nil, ""), 200)
	// read:statuses reads it.
	wantStatus(t, in.get("/api/v1/timelines/home", readStatusesTok), 200)
	wantStatus(t, in.get("/api/v1/timelines/public", readStatusesTok), 200)
	wantAPIError(t, in.get("/api/v1/notifications", readStatusesTok), 403)

	// follow grants following, reading relationships and follow requests,
	// and nothing else.
	r := in.postJSON("/api/v1/accounts/"+alice.ID+"/follow", followTok, nil)
	wantStatus(t, r, 200)
	if r.Object(t)["following"] != true {
		t.Errorf("follow with the follow scope: %s", r.Body)
	}
	if rel := relationshipWith(t, in, followTok, alice.ID); rel["following"] != true {
		t.Errorf("relationship %v", rel)
	}
	wantStatus(t, in.get("/api/v1/follow_requests", followTok), 200)
	wantStatus(t, in.postJSON("/api/v1/accounts/"+alice.ID+"/unfollow", followTok, nil), 200)
	wantAPIError(t, in.postJSON("/api/v1/statuses", followTok, map[string]any{"status": "hi"}), 403)
	wantAPIError(t, in.get("/api/v1/timelines/home", followTok), 403)
	wantNothingStored(t, in, fullTok, carol.ID)

	// Granular favourites.
	wantStatus(t, in.postJSON("/api/v1/statuses/"+public+"/favourite", favTok, nil), 200)
	wantStatus(t, in.get("/api/v1/favourites", favTok), 200)
	wantAPIError(t, in.postJSON("/api/v1/statuses/"+public+"/bookmark", favTok, nil), 403)
	wantAPIError(t, in.get("/api/v1/bookmarks", favTok), 403)

	// Bad and missing tokens.
	for _, path := range []string{"/api/v1/timelines/home", "/api/v1/timelines/public", "/api/v1/statuses/" + public, "/api/v1/instance"} {
		r := in.get(path, "not-a-real-token")
		wantStatus(t, r, 401)
		if string(r.Body) != `{"error":"The access token is invalid"}`+"\n" {
			t.Errorf("bad token on %s: %s", path, r.Body)
		}
	}
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/timelines/home"}, {"GET", "/api/v1/notifications"}, {"GET", "/api/v1/accounts/verify_credentials"},
		{"POST", "/api/v1/statuses"}, {"POST", "/api/v1/statuses/" + public + "/favourite"},
		{"DELETE", "/api/v1/statuses/" + public}, {"POST", "/api/v1/accounts/" + alice.ID + "/follow"},
		{"GET", "/api/v1/favourites"}, {"GET", "/api/v1/bookmarks"}, {"GET", "/api/v1/follow_requests"},
	} {
		wantAPIError(t, in.do(c.method, c.path, "", nil, ""), 401, "The access token is invalid")
	}
	// "Bearer" with nothing after it is no token at all.
	req := apiRequest(t, in, "GET", "/api/v1/timelines/home", "", "", "")
	req.Header.Set("Authorization", "Bearer ")
	wantAPIError(t, in.send(http.DefaultClient, req), 401)

	// Anonymous readers see public things.
	wantStatus(t, in.get("/api/v1/timelines/public", ""), 200)
	wantStatus(t, in.get("/api/v1/statuses/"+public, ""), 200)
	wantStatus(t, in.get("/api/v1/statuses/"+public+"/context", ""), 200)
	wantStatus(t, in.get("/api/v1/accounts/"+alice.ID, ""), 200)
	wantStatus(t, in.get("/api/v1/accounts/"+alice.ID+"/statuses", ""), 200)
	_ = bob
}

func TestAppRegistration(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	mp, mpType := multipartBody(t, map[string]string{"client_name": "Multi", "redirect_uris": "https://multi.example/cb",
		"scopes": "read write", "website": "https://multi.example"})
	for _, c := range []struct {
		name, path, ct, body string
		redirects            []string
		scopes               []string
	}{
		{"JSON string", "/api/v1/apps", jsonType,
			`{"client_name": "Elk", "redirect_uris": "https://elk.zone/callback", "scopes": "read write follow push", "website": "https://elk.zone"}`,
			[]string{"https://elk.zone/callback"}, []string{"read", "write", "follow", "push"}},
		{"JSON array", "/api/v1/apps", jsonType,
			`{"client_name": "Two", "redirect_uris": ["https://a.example/cb", "urn:ietf:wg:oauth:2.0:oob"], "scopes": "read"}`,
			[]string{"https://a.example/cb", "urn:ietf:wg:oauth:2.0:oob"}, []string{"read"}},
		{"newline-separated", "/api/v1/apps", jsonType,
			`{"client_name": "Lines", "redirect_uris": "https://a.example/cb\nhttps://b.example/cb"}`,
			[]string{"https://a.example/cb", "https://b.example/cb"}, []string{"read"}},
		{"form", "/api/v1/apps", formType,
			"client_name=Phanpy&redirect_uris=https%3A%2F%2Fphanpy.social%2F&scopes=read+write+follow+push&website=https%3A%2F%2Fphanpy.social",
			[]string{"https://phanpy.social/"}, []string{"read", "write", "follow", "push"}},
		{"form array", "/api/v1/apps", formType,
			"client_name=Arr&redirect_uris%5B%5D=https%3A%2F%2Fa.example%2Fcb&redirect_uris%5B%5D=https%3A%2F%2Fb.example%2Fcb",
			[]string{"https://a.example/cb", "https://b.example/cb"}, []string{"read"}},
		{"multipart", "/api/v1/apps", mpType, mp, []string{"https://multi.example/cb"}, []string{"read", "write"}},
		{"query string only (Ice Cubes)",
			"/api/v1/apps?client_name=IceCubesApp&redirect_uris=icecubesapp://&scopes=read%20write%20follow%20push&website=https://github.com/Dimillian/IceCubesApp",
			"", "", []string{"icecubesapp://"}, []string{"read", "write", "follow", "push"}},
		{"out of band", "/api/v1/apps", formType, "client_name=CLI&redirect_uris=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob&scopes=read%3Astatuses",
			[]string{"urn:ietf:wg:oauth:2.0:oob"}, []string{"read:statuses"}},
	} {
		r := in.do("POST", c.path, "", c.body, c.ct)
		if r.Status != 200 {
			t.Errorf("%s: status %d; body %s", c.name, r.Status, r.Body)
			continue
		}
		app := r.Object(t)
		checkShape(t, c.name, app, map[string]jsonKind{"id": kString, "name": kString, "client_id": kString,
			"client_secret": kString, "redirect_uri": kString, "redirect_uris": kArray, "vapid_key": kString,
			"scopes": kArray, "client_secret_expires_at": kNumber})
		var uris, scopes []string
		for _, u := range app["redirect_uris"].([]any) {
			uris = append(uris, u.(string))
		}
		for _, s := range app["scopes"].([]any) {
			scopes = append(scopes, s.(string))
		}
		if !slices.Equal(uris, c.redirects) || app["redirect_uri"] != strings.Join(c.redirects, "\n") {
			t.Errorf("%s: redirect_uris %v redirect_uri %q", c.name, uris, app["redirect_uri"])
		}
		if !slices.Equal(scopes, c.scopes) {
			t.Errorf("%s: scopes %v, want %v", c.name, scopes, c.scopes)
		}
		if len(app["client_id"].(string)) < 20 || len(app["client_secret"].(string)) < 20 || app["client_id"] == app["client_secret"] {
			t.Errorf("%s: weak credentials %v %v", c.name, app["client_id"], app["client_secret"])
		}
	}

	for _, c := range []struct{ name, body, mention string }{
		{"bad scope", `{"client_name": "x", "redirect_uris": "https://a.example/cb", "scopes": "read everything"}`, "scope"},
		{"javascript redirect", `{"client_name": "x", "redirect_uris": "javascript:alert(1)"}`, "redirect_uris"},
		{"data redirect", `{"client_name": "x", "redirect_uris": "data:text/html,hi"}`, "redirect_uris"},
		{"relative redirect", `{"client_name": "x", "redirect_uris": "/callback"}`, "redirect_uris"},
		{"http without host", `{"client_name": "x", "redirect_uris": "https:///cb"}`, "redirect_uris"},
		{"fragment", `{"client_name": "x", "redirect_uris": "https://a.example/cb#frag"}`, "redirect_uris"},
		{"no redirect", `{"client_name": "x"}`, "redirect_uris"},
		{"no client_name", `{"redirect_uris": "https://a.example/cb"}`, "client_name"},
		{"blank client_name", `{"client_name": "  ", "redirect_uris": "https://a.example/cb"}`, "client_name"},
		{"bad website", `{"client_name": "x", "redirect_uris": "https://a.example/cb", "website": "javascript:alert(1)"}`, "website"},
	} {
		r := in.do("POST", "/api/v1/apps", "", c.body, jsonType)
		if r.Status != 422 {
			t.Errorf("%s: status %d; body %s", c.name, r.Status, r.Body)
			continue
		}
		wantAPIError(t, r, 422, c.mention)
	}
	wantAPIError(t, in.do("POST", "/api/v1/apps", "", `{"client_name":`, jsonType), 400)

	// The app checks its own credentials with an app token; it acts for no
	// member, so member endpoints refuse it.
	r := in.postJSON("/api/v1/apps", "", map[string]any{"client_name": "Self", "redirect_uris": "https://self.example/cb",
		"scopes": "read write", "website": "https://self.example"})
	wantStatus(t, r, 200)
	app := r.Object(t)
	r = in.do("POST", "/oauth/token", "", url.Values{"grant_type": {"client_credentials"}, "client_id": {app["client_id"].(string)},
		"client_secret": {app["client_secret"].(string)}, "scope": {"read"}}.Encode(), formType)
	wantStatus(t, r, 200)
	appTok := r.Object(t)["access_token"].(string)
	r = in.get("/api/v1/apps/verify_credentials", appTok)
	wantStatus(t, r, 200)
	got := r.Object(t)
	if got["name"] != "Self" || got["website"] != "https://self.example" || got["client_secret"] != nil {
		t.Errorf("apps/verify_credentials %s", r.Body)
	}
	wantStatus(t, in.get("/api/v1/timelines/public", appTok), 200)
	wantAPIError(t, in.get("/api/v1/timelines/home", appTok), 422, "authenticated user")
	_, memberTok := in.member("alice")
	wantAPIError(t, in.get("/api/v1/apps/verify_credentials", memberTok), 401)
	wantAPIError(t, in.get("/api/v1/apps/verify_credentials", ""), 401)
}
