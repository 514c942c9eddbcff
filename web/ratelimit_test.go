package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/roundtable-fed/roundtable/federation"
	"github.com/roundtable-fed/roundtable/web"
)

// TestAPIRateLimit: past its allowance a token gets 429 with Retry-After
// and a JSON error, while another token and anonymous callers go on.
func TestAPIRateLimit(t *testing.T) {
	t.Parallel()
	in := newInstance(t, func(w *web.Config, _ *federation.Config) { w.APIRequestsPer5Min = 5 })
	_, ann := in.member("ann")
	_, ben := in.member("ben")
	for i := range 5 {
		if r := in.get("/api/v1/accounts/verify_credentials", ann); r.Status != http.StatusOK {
			t.Fatalf("request %d of ann: %d %s", i+1, r.Status, r.Body)
		}
	}
	r := in.get("/api/v1/accounts/verify_credentials", ann)
	wantLimited(t, r)
	if r := in.get("/api/v1/accounts/verify_credentials", ben); r.Status != http.StatusOK {
		t.Errorf("ben, within his allowance: %d %s", r.Status, r.Body)
	}
	if r := in.get("/api/v1/instance", ""); r.Status != http.StatusOK {
		t.Errorf("anonymous caller, within its allowance: %d %s", r.Status, r.Body)
	}
	// Anonymous callers share their address's allowance.
	for range 4 {
		in.get("/api/v1/instance", "")
	}
	wantLimited(t, in.get("/api/v1/instance", ""))
	// Ann's posts are refused too, and nothing is stored.
	r = in.postJSON("/api/v1/statuses", ann, map[string]any{"status": "over the limit"})
	wantLimited(t, r)
	if r := in.get("/api/v1/timelines/home", ben); r.Status != http.StatusOK || strings.Contains(string(r.Body), "over the limit") {
		t.Errorf("ben's home after ann was refused: %d %s", r.Status, r.Body)
	}
}

// TestInboxRateLimit: a server posting more activities than its allowance
// gets 429 with Retry-After; another server is not held back by it.
func TestInboxRateLimit(t *testing.T) {
	t.Parallel()
	in := newInstance(t, func(_ *web.Config, f *federation.Config) { f.InboxRequestsPer5Min = 3 })
	post := func(host string) *response {
		t.Helper()
		body := `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://` + host + `/a/1","type":"Like","actor":"https://` + host + `/users/x","object":"` + in.URL + `/users/nobody/statuses/1"}`
		req, err := http.NewRequest("POST", in.URL+"/inbox", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/activity+json")
		req.Header.Set("Signature", `keyId="https://`+host+`/users/x#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="AAAA"`)
		return in.send(http.DefaultClient, req)
	}
	for i := range 3 {
		if r := post("noisy.example"); r.Status == http.StatusTooManyRequests {
			t.Fatalf("activity %d of noisy.example refused as too many", i+1)
		}
	}
	wantLimited(t, post("noisy.example"))
	if r := post("quiet.example"); r.Status == http.StatusTooManyRequests {
		t.Errorf("quiet.example is held back by noisy.example: %d %s", r.Status, r.Body)
	}
}

func wantLimited(t *testing.T, r *response) {
	t.Helper()
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429; body %s", r.Status, r.Body)
	}
	if ra := r.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After %q, want a number of seconds", ra)
	}
	if msg := r.Object(t)["error"]; msg == nil || msg == "" {
		t.Errorf("no error message: %s", r.Body)
	}
}
