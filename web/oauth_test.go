package web_test

import (
	"crypto/sha256"
	"encoding/base64"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// registerApp registers an app through the API and returns its id and
// secret.
func registerApp(t *testing.T, in *instance, redirect, scopes string) (string, string) {
	t.Helper()
	r := in.postJSON("/api/v1/apps", "", map[string]any{"client_name": "Test app", "redirect_uris": redirect, "scopes": scopes})
	wantStatus(t, r, 200)
	app := r.Object(t)
	return app["client_id"].(string), app["client_secret"].(string)
}

// form posts a form with a client and returns the response.
func (in *instance) form(c *http.Client, path string, vals url.Values) *response {
	in.t.Helper()
	req, err := http.NewRequest("POST", in.URL+path, strings.NewReader(vals.Encode()))
	if err != nil {
		in.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return in.send(c, req)
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// consentForm opens the consent page and returns its hidden fields.
func consentForm(t *testing.T, in *instance, c *http.Client, q url.Values) url.Values {
	t.Helper()
	req, _ := http.NewRequest("GET", in.URL+"/oauth/authorize?"+q.Encode(), nil)
	r := in.send(c, req)
	wantStatus(t, r, 200)
	vals := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(string(r.Body), -1) {
		vals.Set(m[1], html.UnescapeString(m[2]))
	}
	if vals.Get("client_id") == "" {
		t.Fatalf("no consent form in %s", r.Body)
	}
	return vals
}

func pkce(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// TestOAuthFlow walks the whole flow a client app takes: register, sign in
// and consent, exchange the code with PKCE, call the API, revoke, and find
// the token dead.
func TestOAuthFlow(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	in.member("bea")
	const redirect = "https://app.example/callback"
	id, secret := registerApp(t, in, redirect, "read write follow push")

	c := browser(t)
	verifier := "a-verifier-that-is-long-enough-to-count-0123456789"
	fields := consentForm(t, in, c, url.Values{"response_type": {"code"}, "client_id": {id}, "redirect_uri": {redirect},
		"scope": {"read write"}, "state": {"xyz 1"}, "code_challenge": {pkce(verifier)}, "code_challenge_method": {"S256"}})

	// A wrong password shows the form again and issues nothing.
	bad := url.Values{}
	for k, v := range fields {
		bad[k] = v
	}
	bad.Set("username", "bea")
	bad.Set("password", "wrong")
	bad.Set("approve", "1")
	wantStatus(t, in.form(c, "/oauth/authorize", bad), 401)

	fields.Set("username", "bea")
	fields.Set("password", "password-bea")
	fields.Set("approve", "1")
	r := in.form(c, "/oauth/authorize", fields)
	wantStatus(t, r, 302)
	loc, err := url.Parse(r.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), redirect+"?") {
		t.Fatalf("redirect to %q", r.Header.Get("Location"))
	}
	if loc.Query().Get("state") != "xyz 1" {
		t.Errorf("state %q not echoed", loc.Query().Get("state"))
	}
	code := loc.Query().Get("code")

	exchange := func(code, verifier string) *response {
		return in.form(http.DefaultClient, "/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"client_id": {id}, "client_secret": {secret}, "redirect_uri": {redirect}, "code_verifier": {verifier}})
	}
	// The wrong verifier fails, and burns the code.
	r = exchange(code, "not-the-verifier")
	wantStatus(t, r, 400)
	if r.Object(t)["error"] != "invalid_grant" {
		t.Errorf("wrong verifier: %s", r.Body)
	}
	wantStatus(t, exchange(code, verifier), 400)

	// A fresh consent, now signed in by cookie: no password needed.
	fields = consentForm(t, in, c, url.Values{"response_type": {"code"}, "client_id": {id}, "redirect_uri": {redirect},
		"scope": {"read write"}, "code_challenge": {pkce(verifier)}, "code_challenge_method": {"S256"}})
	fields.Set("approve", "1")
	r = in.form(c, "/oauth/authorize", fields)
	wantStatus(t, r, 302)
	loc, _ = url.Parse(r.Header.Get("Location"))
	r = exchange(loc.Query().Get("code"), verifier)
	wantStatus(t, r, 200)
	tok := r.Object(t)
	if tok["token_type"] != "Bearer" || tok["scope"] != "read write" {
		t.Fatalf("token answer %s", r.Body)
	}
	access := tok["access_token"].(string)

	r = in.get("/api/v1/accounts/verify_credentials", access)
	wantStatus(t, r, 200)
	if r.Object(t)["username"] != "bea" {
		t.Fatalf("verify_credentials %s", r.Body)
	}
	// The token has no push scope.
	wantStatus(t, in.get("/api/v1/push/subscription", access), 403)

	// Revoke with HTTP Basic client authentication, twice (idempotent).
	for i := 0; i < 2; i++ {
		req, _ := http.NewRequest("POST", in.URL+"/oauth/revoke", strings.NewReader(url.Values{"token": {access}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(id, secret)
		r = in.send(http.DefaultClient, req)
		wantStatus(t, r, 200)
		if string(r.Body) != "{}\n" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("revoke answer %q %q", r.Header.Get("Content-Type"), r.Body)
		}
	}
	r = in.get("/api/v1/accounts/verify_credentials", access)
	wantStatus(t, r, 401)
	if r.Object(t)["error"] != "The access token is invalid" {
		t.Errorf("revoked token: %s", r.Body)
	}
}

func TestOAuthOutOfBandAndDeny(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	in.member("chen")
	const oob = "urn:ietf:wg:oauth:2.0:oob"
	id, secret := registerApp(t, in, oob, "read")

	c := browser(t)
	fields := consentForm(t, in, c, url.Values{"response_type": {"code"}, "client_id": {id}, "redirect_uri": {oob}})
	fields.Set("username", "chen@example.org") // e-mail works as login
	fields.Set("password", "password-chen")
	fields.Set("approve", "1")
	r := in.form(c, "/oauth/authorize", fields)
	wantStatus(t, r, 200)
	m := regexp.MustCompile(`id="authorization-code" readonly value="([^"]+)"`).FindSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no code on the page: %s", r.Body)
	}
	r = in.form(http.DefaultClient, "/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {string(m[1])},
		"client_id": {id}, "client_secret": {secret}, "redirect_uri": {oob}})
	wantStatus(t, r, 200)

	// Deny: back to the app with access_denied and the state.
	id2, _ := registerApp(t, in, "myapp://cb", "read")
	fields = consentForm(t, in, c, url.Values{"response_type": {"code"}, "client_id": {id2}, "redirect_uri": {"myapp://cb"}, "state": {"s9"}})
	fields.Set("deny", "1")
	r = in.form(c, "/oauth/authorize", fields)
	wantStatus(t, r, 302)
	if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, "myapp://cb?") || !strings.Contains(loc, "error=access_denied") || !strings.Contains(loc, "state=s9") {
		t.Errorf("deny redirect %q", loc)
	}
}

func TestOAuthRefusals(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	in.member("dara")
	const redirect = "https://app.example/cb"
	id, secret := registerApp(t, in, redirect, "read write")

	// An unregistered redirect URI gets a page, never a redirect.
	req, _ := http.NewRequest("GET", in.URL+"/oauth/authorize?"+url.Values{"response_type": {"code"}, "client_id": {id},
		"redirect_uri": {"https://evil.example/"}}.Encode(), nil)
	r := in.send(browser(t), req)
	wantStatus(t, r, 400)
	if r.Header.Get("Location") != "" {
		t.Errorf("redirected to %q", r.Header.Get("Location"))
	}
	// An unknown client likewise.
	req, _ = http.NewRequest("GET", in.URL+"/oauth/authorize?client_id=nope&response_type=code&redirect_uri="+url.QueryEscape(redirect), nil)
	wantStatus(t, in.send(browser(t), req), 400)
	// A scope beyond the app's goes back as invalid_scope.
	req, _ = http.NewRequest("GET", in.URL+"/oauth/authorize?"+url.Values{"response_type": {"code"}, "client_id": {id},
		"redirect_uri": {redirect}, "scope": {"read write follow"}}.Encode(), nil)
	r = in.send(browser(t), req)
	wantStatus(t, r, 302)
	if !strings.Contains(r.Header.Get("Location"), "error=invalid_scope") {
		t.Errorf("scope beyond the app: %q", r.Header.Get("Location"))
	}

	token := func(vals url.Values) *response { return in.form(http.DefaultClient, "/oauth/token", vals) }
	r = token(url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {"wrong"}})
	wantStatus(t, r, 401)
	if r.Object(t)["error"] != "invalid_client" {
		t.Errorf("bad secret: %s", r.Body)
	}
	r = token(url.Values{"grant_type": {"password"}, "client_id": {id}, "client_secret": {secret}, "username": {"dara"}, "password": {"password-dara"}})
	wantStatus(t, r, 400)
	if r.Object(t)["error"] != "unsupported_grant_type" {
		t.Errorf("password grant: %s", r.Body)
	}
	r = token(url.Values{"grant_type": {"authorization_code"}, "client_id": {id}, "client_secret": {secret}, "code": {"made-up"}, "redirect_uri": {redirect}})
	wantStatus(t, r, 400)
	r = token(url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}, "scope": {"admin:write"}})
	wantStatus(t, r, 400)
	if r.Object(t)["error"] != "invalid_scope" {
		t.Errorf("scope beyond the app: %s", r.Body)
	}

	// Client credentials (JSON body): an app token that can verify the app
	// but acts for no member.
	r = in.postJSON("/oauth/token", "", map[string]any{"grant_type": "client_credentials", "client_id": id, "client_secret": secret, "scope": "read"})
	wantStatus(t, r, 200)
	appToken := r.Object(t)["access_token"].(string)
	r = in.get("/api/v1/apps/verify_credentials", appToken)
	wantStatus(t, r, 200)
	if app := r.Object(t); app["name"] != "Test app" || app["client_secret"] != nil {
		t.Errorf("app verify_credentials %s", r.Body)
	}
	wantStatus(t, in.get("/api/v1/accounts/verify_credentials", appToken), 422)

	// Another app cannot revoke this app's token.
	id2, secret2 := registerApp(t, in, redirect, "read")
	r = in.form(http.DefaultClient, "/oauth/revoke", url.Values{"client_id": {id2}, "client_secret": {secret2}, "token": {appToken}})
	wantStatus(t, r, 403)
	wantStatus(t, in.get("/api/v1/apps/verify_credentials", appToken), 200)
}

func TestOAuthMetadata(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	r := in.get("/.well-known/oauth-authorization-server", "")
	wantStatus(t, r, 200)
	md := r.Object(t)
	if md["token_endpoint"] != in.URL+"/oauth/token" || md["authorization_endpoint"] != in.URL+"/oauth/authorize" {
		t.Errorf("endpoints: %s", r.Body)
	}
	if got := md["code_challenge_methods_supported"].([]any); len(got) != 1 || got[0] != "S256" {
		t.Errorf("PKCE methods %v", got)
	}
	scopes := map[string]bool{}
	for _, s := range md["scopes_supported"].([]any) {
		scopes[s.(string)] = true
	}
	for _, want := range []string{"read", "write", "follow", "push", "read:statuses", "write:statuses"} {
		if !scopes[want] {
			t.Errorf("scopes_supported lacks %s", want)
		}
	}
}
