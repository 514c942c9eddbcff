package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/roundtable-fed/roundtable"
	"github.com/roundtable-fed/roundtable/federation"
	"github.com/roundtable-fed/roundtable/media"
	"github.com/roundtable-fed/roundtable/migrations/dbtest"
	"github.com/roundtable-fed/roundtable/web"
)

// instance is a complete Roundtable web server on its own database,
// listening on a real loopback port.
type instance struct {
	t     testing.TB
	URL   string
	Store *roundtable.Store
	// Queries counts the round trips to the database.
	Queries *dbtest.Counter
}

// cheap argon2 costs keep tests fast; the scheme is the same.
var testPasswords = roundtable.PasswordParams{Memory: 1024, Time: 1, Threads: 1}

func newInstance(t testing.TB, configure ...func(*web.Config, *federation.Config)) *instance {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	pool, queries := dbtest.CountingPool(t)
	store := roundtable.NewStore(pool, roundtable.WithLinks(roundtable.Links{Base: base}),
		roundtable.WithPasswordParams(testPasswords))
	fedCfg := federation.Config{Name: "Test", Version: "0.1.0", Insecure: true}
	webCfg := web.Config{Name: "Test", Version: "0.1.0"}
	for _, c := range configure {
		c(&webCfg, &fedCfg)
	}
	fed := federation.New(fedCfg, store)
	mediaDir, err := media.NewDir(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	store.SetMediaFiles(mediaDir)
	webCfg.Mount, webCfg.Media, webCfg.RemoteMedia = fed.Routes, mediaDir, fed
	srv, err := web.New(webCfg, store)
	if err != nil {
		t.Fatal(err)
	}
	hs := &httptest.Server{Listener: ln, Config: &http.Server{Handler: srv}}
	hs.Start()
	t.Cleanup(hs.Close)
	return &instance{t: t, URL: base, Store: store, Queries: queries}
}

// member creates a member and returns it with a token holding scopes
// (default read write follow).
func (in *instance) member(name string, scopes ...string) (*roundtable.Member, string) {
	in.t.Helper()
	m, err := in.Store.CreateMember(context.Background(), roundtable.NewMember{
		Username: name, Email: name + "@example.org", Password: "password-" + name, Approved: true})
	if err != nil {
		in.t.Fatal(err)
	}
	tok, err := in.Store.IssueToken(context.Background(), name, scopes)
	if err != nil {
		in.t.Fatal(err)
	}
	return m, tok
}

// response is an HTTP answer with its body read.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it is not JSON.
func (r *response) JSON(t testing.TB, v any) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want application/json; body %s", ct, r.Body)
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Object decodes a JSON object.
func (r *response) Object(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// List decodes a JSON array of objects.
func (r *response) List(t testing.TB) []map[string]any {
	t.Helper()
	var l []map[string]any
	r.JSON(t, &l)
	return l
}

// do sends a request with an optional bearer token and body. A body of
// type string is sent as is with contentType; anything else as JSON.
func (in *instance) do(method, path, token string, body any, contentType string) *response {
	in.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			in.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
		contentType = "application/json"
	}
	req, err := http.NewRequest(method, in.URL+path, rd)
	if err != nil {
		in.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return in.send(http.DefaultClient, req)
}

func (in *instance) send(c *http.Client, req *http.Request) *response {
	in.t.Helper()
	res, err := c.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		in.t.Fatal(err)
	}
	return &response{Status: res.StatusCode, Header: res.Header, Body: b}
}

func (in *instance) get(path, token string) *response { return in.do("GET", path, token, nil, "") }

func (in *instance) postJSON(path, token string, body any) *response {
	return in.do("POST", path, token, body, "")
}

// browser returns an HTTP client with a cookie jar that does not follow
// redirects, like a browser whose every step a test inspects.
func browser(t testing.TB) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// wantStatus fails the test unless r has the status.
func wantStatus(t testing.TB, r *response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
}
