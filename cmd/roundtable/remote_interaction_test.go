package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// browserPage is a page a browser received.
type browserPage struct {
	status   int
	location string
	body     string
}

// webBrowser is a browser with cookies that shows each redirect to the
// test instead of following it.
type webBrowser struct {
	t *testing.T
	c *http.Client
}

func newWebBrowser(t *testing.T) *webBrowser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &webBrowser{t: t, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *webBrowser) do(req *http.Request) browserPage {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return browserPage{status: res.StatusCode, location: res.Header.Get("Location"), body: string(body)}
}

func (b *webBrowser) get(u string) browserPage {
	b.t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// submit posts a form from a page of the site it is posted to.
func (b *webBrowser) submit(u string, vals url.Values) browserPage {
	b.t.Helper()
	req, err := http.NewRequest("POST", u, strings.NewReader(vals.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	pu, _ := url.Parse(u)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", pu.Scheme+"://"+pu.Host)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

var (
	joinActionRE  = regexp.MustCompile(`action="(/groups/[0-9A-Za-z]+/join)"`)
	replyActionRE = regexp.MustCompile(`action="(/contributions/[0-9A-Za-z]+/reply)"`)
)

// TestTakePartFromYourOwnServer: a member of B, signed in on B, takes part
// in a consultation on A from A's pages. A's "take part from your own
// server" form sends the browser to B's remote-interaction page (found
// through WebFinger); there the member joins the consultation and, from a
// thread's page on A, replies; the reply arrives at A.
func TestTakePartFromYourOwnServer(t *testing.T) {
	t.Parallel()
	a, b := startPeer(t, 170), startPeer(t, 171)
	alice := a.member("alice")
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "housing", "--title", "Housing", "--moderator", "alice")
	mustRun(t, b.env, "bob's long password\n", "admin", "account", "create", "--username", "bob", "--email", "bob@example.org", "--password-stdin")
	groupURI := a.srv.base + "/users/housing"
	handle := "@bob@" + b.domain

	// WebFinger between the two still finds accounts.
	if accounts, _ := a.resolve(alice, handle); len(accounts) != 1 || accounts[0]["acct"] != "bob@"+b.domain {
		t.Fatalf("A resolving %s: %v", handle, accounts)
	}
	bob := newWebBrowser(t)
	page := bob.get(a.srv.base + "/@housing")
	if page.status != 200 || !strings.Contains(page.body, `action="/interact"`) {
		t.Fatalf("A's consultation page: %d %s", page.status, page.body)
	}
	// A wrong handle is explained on A.
	if p := bob.submit(a.srv.base+"/interact", url.Values{"uri": {groupURI}, "handle": {"bob"}}); p.status != 422 ||
		!strings.Contains(p.body, "not a fediverse handle") {
		t.Fatalf("bad handle: %d %s", p.status, p.body)
	}
	p := bob.submit(a.srv.base+"/interact", url.Values{"uri": {groupURI}, "handle": {handle}})
	want := b.srv.base + "/authorize_interaction?uri=" + url.QueryEscape(groupURI)
	if p.status != 303 || p.location != want {
		t.Fatalf("A sent the browser to %q (%d), want %q", p.location, p.status, want)
	}
	// On B: sign in, then back to the remote-interaction page.
	p = bob.get(p.location)
	if p.status != 303 || !strings.HasPrefix(p.location, "/login?next=") {
		t.Fatalf("signed out on B: %d %q", p.status, p.location)
	}
	next, _ := url.QueryUnescape(strings.TrimPrefix(p.location, "/login?next="))
	p = bob.submit(b.srv.base+"/login", url.Values{"username": {"bob"}, "password": {"bob's long password"}, "next": {next}})
	if p.status != 303 || p.location != next {
		t.Fatalf("sign-in on B: %d %q", p.status, p.location)
	}
	p = bob.get(b.srv.base + next)
	m := joinActionRE.FindStringSubmatch(p.body)
	if p.status != 200 || m == nil || !strings.Contains(p.body, "Housing") {
		t.Fatalf("B's remote-interaction page for the consultation: %d %s", p.status, p.body)
	}
	if p = bob.submit(b.srv.base+m[1], url.Values{"back": {next}}); p.status != 303 {
		t.Fatalf("join from B: %d %s", p.status, p.body)
	}
	eventually(t, 30*time.Second, "A accepts B's member", func() bool {
		return strings.Contains(bob.get(b.srv.base+next).body, "You take part in this consultation.")
	})

	// A thread on A; Bob replies to it from its page on A, through B.
	st := a.post(alice, map[string]any{"status": "@housing Repairs\nWho fixes the roof?"})
	threadURI := st["uri"].(string)
	page = bob.get(st["url"].(string))
	if !strings.Contains(page.body, `name="uri" value="`+threadURI+`"`) {
		t.Fatalf("A's thread page lacks the remote-interaction form: %s", page.body)
	}
	p = bob.submit(a.srv.base+"/interact", url.Values{"uri": {threadURI}, "handle": {handle}})
	if p.status != 303 || !strings.HasPrefix(p.location, b.srv.base+"/authorize_interaction?uri=") {
		t.Fatalf("A sent the browser to %q (%d)", p.location, p.status)
	}
	back := strings.TrimPrefix(p.location, b.srv.base)
	p = bob.get(p.location)
	m = replyActionRE.FindStringSubmatch(p.body)
	if p.status != 200 || m == nil || !strings.Contains(p.body, "Who fixes the roof?") {
		t.Fatalf("B's remote-interaction page for the thread: %d %s", p.status, p.body)
	}
	if p = bob.submit(b.srv.base+m[1], url.Values{"text": {"The landlord, **in theory**."}, "back": {back}}); p.status != 303 || p.location != back {
		t.Fatalf("reply from B: %d %q %s", p.status, p.location, p.body)
	}
	eventually(t, 30*time.Second, "Bob's reply in A's thread", func() bool {
		texts := a.threadTexts(alice, st["id"].(string))
		return len(texts) == 2 && strings.Contains(texts[1], "The landlord, in theory.")
	})
	// And on A's thread page, under Bob's name.
	page = bob.get(st["url"].(string))
	if !strings.Contains(page.body, "<strong>in theory</strong>") || !strings.Contains(page.body, "@bob@"+b.domain) {
		t.Errorf("A's thread page lacks Bob's reply: %s", page.body)
	}
}
