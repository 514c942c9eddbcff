package web_test

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// TestActorDocumentFresh: the actor document other servers fetch, plain or
// gzip (whose form is kept once made), is the same document, and a profile
// change shows at the next fetch in both forms. An unknown name is 404.
func TestActorDocumentFresh(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, ana := in.member("ana")
	fetch := func(gz bool) map[string]any {
		t.Helper()
		req, err := http.NewRequest("GET", in.URL+"/users/ana", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", "application/activity+json")
		enc := "identity"
		if gz {
			enc = "gzip"
		}
		req.Header.Set("Accept-Encoding", enc)
		res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("status %d", res.StatusCode)
		}
		var body io.Reader = res.Body
		if got := res.Header.Get("Content-Encoding"); gz != (got == "gzip") {
			t.Fatalf("Accept-Encoding %s: Content-Encoding %q", enc, got)
		}
		if gz {
			if body, err = gzip.NewReader(res.Body); err != nil {
				t.Fatal(err)
			}
		}
		var doc map[string]any
		if err := json.NewDecoder(body).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		return doc
	}
	for _, name := range []string{"ana", "Ana Ortiz"} {
		if name != "ana" {
			wantStatus(t, in.do("PATCH", "/api/v1/accounts/update_credentials", ana, map[string]any{"display_name": name}, ""), 200)
		}
		for _, gz := range []bool{true, false, true} {
			if doc := fetch(gz); doc["name"] != name || doc["preferredUsername"] != "ana" || doc["type"] != "Person" {
				t.Fatalf("gzip %v: name %v, preferredUsername %v, type %v; want %s", gz, doc["name"], doc["preferredUsername"], doc["type"], name)
			}
		}
	}
	req, _ := http.NewRequest("GET", in.URL+"/users/nobody", nil)
	req.Header.Set("Accept", "application/activity+json")
	wantStatus(t, in.send(http.DefaultClient, req), 404)
}
