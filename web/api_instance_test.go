package web_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// jsonAt returns the value at a dotted path of nested JSON objects.
func jsonAt(obj map[string]any, dotted string) any {
	var v any = obj
	for _, k := range strings.Split(dotted, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// wantPaths fails for each dotted path of obj that is missing or has the
// wrong JSON type.
func wantPaths(t testing.TB, what string, obj map[string]any, paths map[string]jsonKind) {
	t.Helper()
	for p, kind := range paths {
		i := strings.LastIndex(p, ".")
		parent, key := obj, p
		if i >= 0 {
			m, ok := jsonAt(obj, p[:i]).(map[string]any)
			if !ok {
				t.Errorf("%s: %s is not an object", what, p[:i])
				continue
			}
			parent, key = m, p[i+1:]
		}
		checkShape(t, what+"."+p[:max(i, 0)], parent, map[string]jsonKind{key: kind})
	}
}

const wantVersion = "4.2.0 (compatible; Roundtable 0.1.0)"

func TestInstanceV2(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	in.member("alice")
	in.member("bob")
	r := in.get("/api/v2/instance", "")
	wantStatus(t, r, 200)
	inst := r.Object(t)
	wantPaths(t, "v2", inst, map[string]jsonKind{
		"domain": kString, "title": kString, "version": kString, "source_url": kURL, "description": kString,
		"usage.users.active_month": kNumber, "thumbnail.url": kURL, "icon": kArray, "languages": kArray,
		"configuration.urls.streaming": kString, "configuration.vapid.public_key": kString,
		"configuration.accounts.max_featured_tags": kNumber, "configuration.accounts.max_pinned_statuses": kNumber,
		"configuration.statuses.max_characters": kNumber, "configuration.statuses.max_media_attachments": kNumber,
		"configuration.statuses.characters_reserved_per_url":   kNumber,
		"configuration.statuses.supported_mime_types":          kArray,
		"configuration.media_attachments.supported_mime_types": kArray,
		"configuration.media_attachments.image_size_limit":     kNumber,
		"configuration.media_attachments.description_limit":    kNumber,
		"configuration.polls.max_options":                      kNumber, "configuration.polls.max_characters_per_option": kNumber,
		"configuration.polls.min_expiration": kNumber, "configuration.polls.max_expiration": kNumber,
		"configuration.translation.enabled": kBool,
		"registrations.enabled":             kBool, "registrations.approval_required": kBool,
		"api_versions.mastodon": kNumber, "contact.email": kString, "rules": kArray,
	})
	host := strings.TrimPrefix(in.URL, "http://")
	for p, want := range map[string]any{
		"domain": host, "version": wantVersion, "configuration.statuses.max_characters": 5000.0,
		"configuration.urls.streaming": "ws://" + host, "api_versions.mastodon": 1.0,
		"registrations.enabled": true, "registrations.approval_required": false, "contact.email": "",
		"usage.users.active_month": 2.0, "title": "Test",
	} {
		if got := jsonAt(inst, p); got != want {
			t.Errorf("v2 %s = %#v, want %#v", p, got, want)
		}
	}
	var mimes []string
	for _, m := range jsonAt(inst, "configuration.statuses.supported_mime_types").([]any) {
		mimes = append(mimes, m.(string))
	}
	if !slices.Contains(mimes, "text/plain") || !slices.Contains(mimes, "text/markdown") {
		t.Errorf("supported_mime_types %v", mimes)
	}
	// The thumbnail URL answers.
	thumb := jsonAt(inst, "thumbnail.url").(string)
	wantStatus(t, in.get(strings.TrimPrefix(thumb, in.URL), ""), 200)

	// Registration settings show.
	if err := in.Store.SetRegistrationMode(context.Background(), roundtable.RegistrationsApproval); err != nil {
		t.Fatal(err)
	}
	r = in.get("/api/v2/instance", "")
	wantStatus(t, r, 200)
	inst = r.Object(t)
	if jsonAt(inst, "registrations.enabled") != true || jsonAt(inst, "registrations.approval_required") != true {
		t.Errorf("approval mode: %v", inst["registrations"])
	}
	if err := in.Store.SetRegistrationMode(context.Background(), roundtable.RegistrationsClosed); err != nil {
		t.Fatal(err)
	}
	r = in.get("/api/v2/instance", "")
	wantStatus(t, r, 200)
	if jsonAt(r.Object(t), "registrations.enabled") != false {
		t.Errorf("closed mode: %s", r.Body)
	}
	r = in.get("/api/v1/instance", "")
	wantStatus(t, r, 200)
	if r.Object(t)["registrations"] != false {
		t.Errorf("closed mode, v1: %s", r.Body)
	}
}

func TestInstanceV1(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, tok := in.member("alice")
	for _, tk := range []string{"", tok} {
		r := in.get("/api/v1/instance", tk)
		wantStatus(t, r, 200)
		inst := r.Object(t)
		wantPaths(t, "v1", inst, map[string]jsonKind{
			"uri": kString, "title": kString, "short_description": kString, "description": kString, "email": kString,
			"version": kString, "urls.streaming_api": kString, "stats.user_count": kNumber, "stats.status_count": kNumber,
			"stats.domain_count": kNumber, "thumbnail": kURL, "languages": kArray, "registrations": kBool,
			"approval_required": kBool, "invites_enabled": kBool,
			"configuration.statuses.max_characters": kNumber, "configuration.statuses.max_media_attachments": kNumber,
			"configuration.media_attachments.supported_mime_types": kArray,
			"configuration.polls.max_options":                      kNumber, "configuration.polls.max_characters_per_option": kNumber,
			"configuration.polls.min_expiration": kNumber, "configuration.polls.max_expiration": kNumber,
			"configuration.accounts.max_featured_tags": kNumber,
			"contact_account":                          kNull, "rules": kArray, "max_toot_chars": kNumber,
		})
		host := strings.TrimPrefix(in.URL, "http://")
		for p, want := range map[string]any{
			"uri": host, "version": wantVersion, "urls.streaming_api": "ws://" + host, "max_toot_chars": 5000.0,
			"configuration.statuses.max_characters": 5000.0, "registrations": true, "stats.user_count": 1.0,
		} {
			if got := jsonAt(inst, p); got != want {
				t.Errorf("v1 %s = %#v, want %#v", p, got, want)
			}
		}
	}
}

func TestNodeInfo(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	in.member("alice")
	r := in.get("/.well-known/nodeinfo", "")
	wantStatus(t, r, 200)
	var doc struct {
		Links []struct{ Rel, Href string }
	}
	r.JSON(t, &doc)
	hrefs := map[string]string{}
	for _, l := range doc.Links {
		hrefs[l.Rel] = l.Href
	}
	for _, v := range []string{"2.0", "2.1"} {
		href := hrefs["http://nodeinfo.diaspora.software/ns/schema/"+v]
		if href != in.URL+"/nodeinfo/"+v {
			t.Errorf("nodeinfo %s link %q in %s", v, href, r.Body)
			continue
		}
		r := in.get("/nodeinfo/"+v, "")
		wantStatus(t, r, 200)
		ni := r.Object(t)
		wantPaths(t, "nodeinfo "+v, ni, map[string]jsonKind{
			"version": kString, "software.name": kString, "software.version": kString, "protocols": kArray,
			"services.inbound": kArray, "services.outbound": kArray, "openRegistrations": kBool,
			"usage.users.total": kNumber, "metadata": kObject, "metadata.upstream.name": kString,
		})
		if ni["version"] != v || jsonAt(ni, "software.name") != "roundtable" || jsonAt(ni, "metadata.upstream.name") != "mastodon" ||
			jsonAt(ni, "usage.users.total") != 1.0 || ni["openRegistrations"] != true {
			t.Errorf("nodeinfo %s: %s", v, r.Body)
		}
		if protos, _ := ni["protocols"].([]any); !slices.Contains(protos, any("activitypub")) {
			t.Errorf("nodeinfo %s protocols %v", v, ni["protocols"])
		}
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, tok := in.member("alice")
	say(t, in, tok, "one")
	say(t, in, tok, "two")

	req := apiRequest(t, in, "OPTIONS", "/api/v1/timelines/home", "", "", "")
	req.Header.Set("Origin", "https://elk.zone")
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "authorization, idempotency-key")
	r := in.send(http.DefaultClient, req)
	if r.Status/100 != 2 {
		t.Fatalf("preflight status %d: %s", r.Status, r.Body)
	}
	if o := r.Header.Get("Access-Control-Allow-Origin"); o != "*" && o != "https://elk.zone" {
		t.Errorf("preflight Allow-Origin %q", o)
	}
	allowed := strings.ToLower(r.Header.Get("Access-Control-Allow-Headers"))
	if !strings.Contains(allowed, "authorization") || !strings.Contains(allowed, "idempotency-key") {
		t.Errorf("preflight Allow-Headers %q", allowed)
	}
	if m := r.Header.Get("Access-Control-Allow-Methods"); !strings.Contains(m, "GET") {
		t.Errorf("preflight Allow-Methods %q", m)
	}

	for _, p := range []string{"/api/v1/timelines/home?limit=1", "/api/v1/timelines/public?limit=1"} {
		req = apiRequest(t, in, "GET", p, tok, "", "")
		req.Header.Set("Origin", "https://elk.zone")
		r = in.send(http.DefaultClient, req)
		wantStatus(t, r, 200)
		if o := r.Header.Get("Access-Control-Allow-Origin"); o != "*" && o != "https://elk.zone" {
			t.Errorf("%s Allow-Origin %q", p, o)
		}
		if !strings.Contains(r.Header.Get("Access-Control-Expose-Headers"), "Link") || r.Header.Get("Link") == "" {
			t.Errorf("%s Expose-Headers %q, Link %q", p, r.Header.Get("Access-Control-Expose-Headers"), r.Header.Get("Link"))
		}
	}
	// Errors carry the headers too, so a web client can read them.
	req = apiRequest(t, in, "GET", "/api/v1/timelines/home", "bad-token", "", "")
	req.Header.Set("Origin", "https://elk.zone")
	r = in.send(http.DefaultClient, req)
	wantAPIError(t, r, 401)
	if r.Header.Get("Access-Control-Allow-Origin") == "" {
		t.Errorf("401 without Access-Control-Allow-Origin")
	}
	// The token endpoint and the discovery documents too.
	for _, p := range []string{"/oauth/token", "/oauth/revoke", "/api/v1/apps", "/api/v1/statuses"} {
		req := apiRequest(t, in, "OPTIONS", p, "", "", "")
		req.Header.Set("Origin", "https://phanpy.social")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type")
		r := in.send(http.DefaultClient, req)
		if r.Status/100 != 2 || r.Header.Get("Access-Control-Allow-Origin") == "" {
			t.Errorf("preflight of %s: %d, Allow-Origin %q", p, r.Status, r.Header.Get("Access-Control-Allow-Origin"))
		}
	}
	for _, p := range []string{"/api/v2/instance", "/nodeinfo/2.0", "/.well-known/nodeinfo"} {
		req := apiRequest(t, in, "GET", p, "", "", "")
		req.Header.Set("Origin", "https://elk.zone")
		r := in.send(http.DefaultClient, req)
		wantStatus(t, r, 200)
		if r.Header.Get("Access-Control-Allow-Origin") == "" {
			t.Errorf("%s has no Access-Control-Allow-Origin", p)
		}
	}
}

func TestStubEndpoints(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, tok := in.member("alice", "read", "write", "follow", "push")
	for _, c := range []struct {
		method, path string
		anonymous    bool   // works without a token
		want         string // exact body
		status       int
	}{
		{"GET", "/api/v1/custom_emojis", true, "[]", 200},
		{"GET", "/api/v1/instance/rules", true, "[]", 200},
		{"GET", "/api/v1/instance/peers", true, "[]", 200},
		{"GET", "/api/v1/announcements", true, "[]", 200},
		{"GET", "/api/v1/trends", true, "[]", 200},
		{"GET", "/api/v1/trends/tags", true, "[]", 200},
		{"GET", "/api/v1/trends/statuses", true, "[]", 200},
		{"GET", "/api/v1/trends/links", true, "[]", 200},
		{"GET", "/api/v1/suggestions", true, "[]", 200},
		{"GET", "/api/v2/suggestions", true, "[]", 200},
		{"GET", "/api/v1/statuses/%s/reblogged_by", true, "[]", 200},
		{"GET", "/api/v1/markers?timeline[]=home&timeline[]=notifications", false, "{}", 200},
		{"GET", "/api/v1/filters", false, "[]", 200},
		{"GET", "/api/v2/filters", false, "[]", 200},
		{"GET", "/api/v1/lists", false, "[]", 200},
		{"GET", "/api/v1/followed_tags", false, "[]", 200},
		{"GET", "/api/v1/blocks", false, "[]", 200},
		{"GET", "/api/v1/mutes", false, "[]", 200},
		{"GET", "/api/v1/conversations", false, "[]", 200},
		{"GET", "/api/v1/scheduled_statuses", false, "[]", 200},
		{"GET", "/api/v1/follow_requests", false, "[]", 200},
		{"GET", "/api/v1/bookmarks", false, "[]", 200},
		{"GET", "/api/v1/favourites", false, "[]", 200},
		{"GET", "/api/v1/notifications", false, "[]", 200},
		{"GET", "/api/v1/push/subscription", false, `{"error":"Record not found"}`, 404},
	} {
		p := c.path
		if strings.Contains(p, "%s") {
			p = strings.Replace(p, "%s", say(t, in, tok, "a status"), 1)
		}
		r := in.do(c.method, p, tok, nil, "")
		if r.Status != c.status || string(r.Body) != c.want+"\n" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s %s: %d %q %q, want %d %s", c.method, p, r.Status, r.Header.Get("Content-Type"), r.Body, c.status, c.want)
		}
		if r.Header.Get("Link") != "" {
			t.Errorf("%s %s: empty answer with Link %q", c.method, p, r.Header.Get("Link"))
		}
		r = in.do(c.method, p, "", nil, "")
		if c.anonymous {
			wantStatus(t, r, c.status)
		} else {
			wantAPIError(t, r, 401, "The access token is invalid")
		}
	}
	// The push subscription needs the push scope.
	_, noPush := in.member("bob")
	wantAPIError(t, in.get("/api/v1/push/subscription", noPush), 403, "outside the authorized scopes")
}

func TestHealthEndpoints(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	for _, p := range []string{"/healthz", "/readyz"} {
		r := in.get(p, "")
		wantStatus(t, r, 200)
		if st := r.Object(t)["status"]; st != "ok" && st != "ready" {
			t.Errorf("%s: %s", p, r.Body)
		}
	}
}
