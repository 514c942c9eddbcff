package main

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roundtable-fed/roundtable"
)

// The privacy matrix: what each kind of status shows to each kind of
// viewer along each path by which it can be read. Three instances on
// loopback: A, where the author writes and the consultations live; B, with
// a follower of the author (who also joined the consultations), an account
// the author names in their posts, and someone unrelated; C, blocked by A,
// whose member followed the author, joined the consultations and is named
// too, all before the block.

// Paths, in the order a row's expectation lists them.
const (
	pathWeb      = iota // the status's page on A (signed in for local viewers)
	pathAPI             // GET /api/v1/statuses/:id on the viewer's instance
	pathAS              // the object fetched from A, signed by the viewer's key (unsigned when anonymous)
	pathDelivery        // the viewer's instance received it in its inbox
	pathSearch          // /api/v2/search?resolve=true for its address, on the viewer's instance
	pathExport          // the consultation's export on A
	pathAuthor          // the facilitators' look-up of a Chatham House contribution's author
	nPaths
)

var pathNames = [nPaths]string{"web page", "client API", "ActivityPub fetch", "delivery", "search", "export", "author look-up"}

// privacyViewer is someone who may try to read.
type privacyViewer struct {
	name   string
	on     *peer  // their instance; nil when anonymous
	token  string // client API token on their instance
	web    *http.Client
	keyID  string
	key    *rsa.PrivateKey
	author bool // the author, or the host's facilitator: may know who wrote a Chatham House contribution
}

// privacyPost is one status of the matrix.
type privacyPost struct {
	name  string
	text  string // a word only it contains
	id    string // on A
	uri   string
	page  string // path of its page on A
	slug  string // its consultation, if any
	copy_ bool   // the Chatham House copy: its author is looked up
}

// memberWithPassword creates a member of p who can sign in on its site,
// and returns a client API token with scopes.
func (p *peer) memberWithPassword(name, scopes string) string {
	p.t.Helper()
	mustRun(p.t, p.env, "password of "+name+"\n", "admin", "account", "create", "--username", name, "--email", name+"@example.org", "--password-stdin")
	return strings.TrimSpace(mustRun(p.t, p.env, "", "admin", "account", "token", "--username", name, "--scopes", scopes))
}

// signIn returns a browser signed in on p's site.
func (p *peer) signIn(name string) *http.Client {
	p.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	vals := url.Values{"username": {name}, "password": {"password of " + name}}
	req, _ := http.NewRequest("POST", p.srv.base+"/login", strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", p.srv.base)
	res, err := c.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		p.t.Fatalf("%s signs in on %s: %d", name, p.domain, res.StatusCode)
	}
	return c
}

// db runs fn with a connection to p's database.
func (p *peer) db(fn func(conn *pgx.Conn)) {
	p.t.Helper()
	conn, err := pgx.Connect(context.Background(), p.env["ROUNDTABLE_DATABASE_URL"])
	if err != nil {
		p.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	fn(conn)
}

// signingKey returns the key id and private key of a member of p, to sign
// requests as that member's instance would.
func (p *peer) signingKey(name string) (string, *rsa.PrivateKey) {
	p.t.Helper()
	var keyID, pemText string
	p.db(func(conn *pgx.Conn) {
		if err := conn.QueryRow(context.Background(), `SELECT public_key_id, private_key_pem FROM accounts
			WHERE username = $1 AND domain IS NULL`, name).Scan(&keyID, &pemText); err != nil {
			p.t.Fatal(err)
		}
	})
	key, err := roundtable.ParsePrivateKey(pemText)
	if err != nil {
		p.t.Fatal(err)
	}
	return keyID, key
}

// localID returns the id under which p stores the status with uri, or "".
func (p *peer) localID(uri string) string {
	p.t.Helper()
	var id string
	p.db(func(conn *pgx.Conn) {
		err := conn.QueryRow(context.Background(), `SELECT id FROM statuses WHERE uri = $1`, uri).Scan(&id)
		if err != nil && err != pgx.ErrNoRows {
			p.t.Fatal(err)
		}
	})
	return id
}

// received returns the raw activities p's inbox took in that mention uri.
func (p *peer) receivedAbout(uri string) []string {
	p.t.Helper()
	var out []string
	p.db(func(conn *pgx.Conn) {
		rows, _ := conn.Query(context.Background(), `SELECT raw::text FROM inbox_activities WHERE raw::text LIKE '%' || $1 || '%'`, uri)
		var err error
		if out, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			p.t.Fatal(err)
		}
	})
	return out
}

// signedGet fetches an ActivityPub document, signed (draft-cavage,
// rsa-sha256) with key as keyID when key is not nil.
func signedGet(t *testing.T, uri, keyID string, key *rsa.PrivateKey) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", uri, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/activity+json")
	if key != nil {
		req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
		str := "(request-target): get " + req.URL.RequestURI() + "\nhost: " + req.URL.Host + "\ndate: " + req.Header.Get("Date")
		h := sha256.Sum256([]byte(str))
		sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, h[:])
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Signature", fmt.Sprintf(`keyId="%s",algorithm="rsa-sha256",headers="(request-target) host date",signature="%s"`,
			keyID, base64.StdEncoding.EncodeToString(sig)))
	}
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// get answers a GET with a client (nil: anonymous) and its body.
func getWith(t *testing.T, c *http.Client, u, token string) (int, string) {
	t.Helper()
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	req, _ := http.NewRequest("GET", u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestPrivacyMatrix asserts, cell by cell, who sees what: each row is a
// status and a viewer, each letter a path (see pathNames): y sees it, n
// does not, - does not apply. In the Chatham House rows, nothing anyone
// but the author and the host's facilitators reads names the author.
func TestPrivacyMatrix(t *testing.T) {
	t.Parallel()
	a, b, c := startPeer(t, 210), startPeer(t, 211), startPeer(t, 212)
	const scopes = "read write follow admin:read"
	author := a.memberWithPassword("amaranth", scopes)
	mia := a.memberWithPassword("mia", scopes)
	fay := a.memberWithPassword("fay", scopes)
	fred, nora, otto := b.member("fred"), b.member("nora"), b.member("otto")
	carl := c.member("carl")
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "open", "--title", "Open", "--moderator", "fay")
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "circle", "--title", "Circle", "--moderator", "fay",
		"--participation", "members")
	mustRun(t, a.env, "", "admin", "consultation", "create", "--slug", "voices", "--title", "Voices", "--moderator", "fay",
		"--attribution", "chatham")

	// Fred and Carl follow the author and join both consultations; A
	// knows Nora and Carl, whom the author names.
	for _, f := range []struct {
		p     *peer
		token string
	}{{b, fred}, {c, carl}} {
		accounts, _ := f.p.resolve(f.token, "@amaranth@"+a.domain)
		if len(accounts) != 1 {
			t.Fatalf("search for the author on %s: %v", f.p.domain, accounts)
		}
		f.p.join2(f.token, accounts[0]["id"].(string))
		f.p.join(f.token, "@open@"+a.domain)
		f.p.join(f.token, "@voices@"+a.domain)
	}
	for _, h := range []string{"@nora@" + b.domain, "@carl@" + c.domain} {
		if accounts, _ := a.resolve(author, h); len(accounts) != 1 {
			t.Fatalf("A's search for %s: %v", h, accounts)
		}
	}
	mustRun(t, a.env, "", "admin", "domain", "set", c.domain, "--policy", "block")

	named := "@nora@" + b.domain + " @carl@" + c.domain + " "
	posts := map[string]*privacyPost{}
	for _, p := range []struct{ name, visibility, text string }{
		{"public", "public", named + "pmpublic"},
		{"unlisted", "unlisted", named + "pmunlisted"},
		{"followers-only", "private", named + "pmfollowers"},
		{"direct", "direct", named + "pmdirect"},
		{"consultation", "public", "@open@" + a.domain + " Roads\npmconsultation"},
		{"members-only consultation", "public", "@circle@" + a.domain + " Wells\npmcircle"},
		{"chatham original", "public", "@voices@" + a.domain + " Nights\npmchatham"},
	} {
		st := a.post(author, map[string]any{"status": p.text, "visibility": p.visibility})
		word := p.text[strings.LastIndexAny(p.text, " \n")+1:]
		posts[p.name] = &privacyPost{name: p.name, text: word, id: st["id"].(string), uri: st["uri"].(string),
			page: "/@amaranth/" + st["id"].(string)}
	}
	posts["consultation"].slug = "open"
	posts["chatham original"].slug = "voices"
	posts["members-only consultation"].slug = "circle"
	var copyID, copyURI string
	a.db(func(conn *pgx.Conn) {
		if err := conn.QueryRow(context.Background(), `SELECT id, uri FROM statuses WHERE chatham_of = $1`,
			posts["chatham original"].id).Scan(&copyID, &copyURI); err != nil {
			t.Fatalf("the Chatham House copy: %v", err)
		}
	})
	posts["chatham copy"] = &privacyPost{name: "chatham copy", text: "pmchatham", id: copyID, uri: copyURI,
		page: "/@voices/" + copyID, slug: "voices", copy_: true}

	viewers := map[string]*privacyViewer{
		"anonymous":               {name: "anonymous"},
		"author":                  {name: "author", on: a, token: author, web: a.signIn("amaranth"), author: true},
		"member of A":             {name: "member of A", on: a, token: mia, web: a.signIn("mia")},
		"facilitator on A":        {name: "facilitator on A", on: a, token: fay, web: a.signIn("fay"), author: true},
		"follower on B":           {name: "follower on B", on: b, token: fred},
		"named non-follower on B": {name: "named non-follower on B", on: b, token: nora},
		"other on B":              {name: "other on B", on: b, token: otto},
		"follower on blocked C":   {name: "follower on blocked C", on: c, token: carl},
	}
	for name, v := range map[string]string{"follower on B": "fred", "named non-follower on B": "nora", "other on B": "otto"} {
		viewers[name].keyID, viewers[name].key = b.signingKey(v)
	}
	viewers["follower on blocked C"].keyID, viewers["follower on blocked C"].key = c.signingKey("carl")

	// The matrix. Paths: web, API, AS fetch, delivery, search, export, author look-up.
	matrix := []struct {
		post, viewer, want string
	}{
		{"public", "anonymous", "yyy-y--"},
		{"public", "author", "yy--y--"},
		{"public", "member of A", "yy--y--"},
		{"public", "facilitator on A", "yy--y--"},
		{"public", "follower on B", "-yyyy--"},
		{"public", "named non-follower on B", "-yyyy--"},
		{"public", "other on B", "-yyyy--"},
		{"public", "follower on blocked C", "-nnnn--"},

		{"unlisted", "anonymous", "yyy-y--"},
		{"unlisted", "author", "yy--y--"},
		{"unlisted", "member of A", "yy--y--"},
		{"unlisted", "facilitator on A", "yy--y--"},
		{"unlisted", "follower on B", "-yyyy--"},
		{"unlisted", "named non-follower on B", "-yyyy--"},
		{"unlisted", "other on B", "-yyyy--"},
		{"unlisted", "follower on blocked C", "-nnnn--"},

		// B receives it for its follower; the named non-follower sees
		// nothing there (mastodon#26937), nor anyone else on B.
		{"followers-only", "anonymous", "nnn-n--"},
		{"followers-only", "author", "yy--y--"},
		{"followers-only", "member of A", "nn--n--"},
		{"followers-only", "facilitator on A", "nn--n--"},
		{"followers-only", "follower on B", "-yyyy--"},
		{"followers-only", "named non-follower on B", "-nnyn--"},
		{"followers-only", "other on B", "-nnyn--"},
		{"followers-only", "follower on blocked C", "-nnnn--"},

		// B receives it for the one named; its other members see nothing.
		{"direct", "anonymous", "nnn-n--"},
		{"direct", "author", "yy--y--"},
		{"direct", "member of A", "nn--n--"},
		{"direct", "facilitator on A", "nn--n--"},
		{"direct", "follower on B", "-nnyn--"},
		{"direct", "named non-follower on B", "-yyyy--"},
		{"direct", "other on B", "-nnyn--"},
		{"direct", "follower on blocked C", "-nnnn--"},

		// A public contribution: its export is for its facilitators.
		{"consultation", "anonymous", "yyy-yn-"},
		{"consultation", "author", "yy--yn-"},
		{"consultation", "member of A", "yy--yn-"},
		{"consultation", "facilitator on A", "yy--yy-"},
		{"consultation", "follower on B", "-yyyy--"},
		{"consultation", "named non-follower on B", "-yyyy--"},
		{"consultation", "other on B", "-yyyy--"},
		{"consultation", "follower on blocked C", "-nnnn--"},

		// A consultation open to members only limits who takes part, not
		// who reads: a public contribution to it is public, and reaches B
		// through the author's follower there although B is not trusted.
		{"members-only consultation", "anonymous", "yyy-yn-"},
		{"members-only consultation", "author", "yy--yn-"},
		{"members-only consultation", "member of A", "yy--yn-"},
		{"members-only consultation", "facilitator on A", "yy--yy-"},
		{"members-only consultation", "follower on B", "-yyyy--"},
		{"members-only consultation", "named non-follower on B", "-yyyy--"},
		{"members-only consultation", "other on B", "-yyyy--"},
		{"members-only consultation", "follower on blocked C", "-nnnn--"},

		// Chatham House: the copy under the consultation's name is public;
		// the original reaches the consultation alone. Only the host's
		// facilitators can look the author up.
		{"chatham copy", "anonymous", "yyy-ynn"},
		{"chatham copy", "author", "yy--ynn"},
		{"chatham copy", "member of A", "yy--ynn"},
		{"chatham copy", "facilitator on A", "yy--yyy"},
		{"chatham copy", "follower on B", "-yyyy--"},
		{"chatham copy", "named non-follower on B", "-yyyy--"},
		{"chatham copy", "other on B", "-yyyy--"},
		{"chatham copy", "follower on blocked C", "-nnnn--"},
		{"chatham original", "anonymous", "nnn-n--"},
		{"chatham original", "author", "yy--y--"},
		{"chatham original", "member of A", "nn--n--"},
		{"chatham original", "facilitator on A", "nn--n--"},
		{"chatham original", "follower on B", "-nnnn--"},
		{"chatham original", "named non-follower on B", "-nnnn--"},
		{"chatham original", "other on B", "-nnnn--"},
		{"chatham original", "follower on blocked C", "-nnnn--"},
	}

	// Deliveries first: wait for every one expected to arrive and be
	// stored, then for A's queue to empty, so that those not expected had
	// every chance to arrive.
	for _, m := range matrix {
		if m.want[pathDelivery] == 'y' {
			p, v := posts[m.post], viewers[m.viewer]
			eventually(t, 30*time.Second, fmt.Sprintf("%s reaches the instance of %s", p.name, v.name), func() bool {
				return len(v.on.receivedAbout(p.uri)) > 0 && v.on.localID(p.uri) != ""
			})
		}
	}
	eventually(t, 60*time.Second, "A's deliveries done", func() bool { return a.pendingDeliveries() == 0 })

	cells, checked := 0, map[byte]int{}
	for _, path := range []int{pathDelivery, pathWeb, pathAPI, pathAS, pathAuthor, pathExport, pathSearch} {
		for _, m := range matrix {
			want := m.want[path]
			cells++
			if want == '-' {
				continue
			}
			checked[want]++
			p, v := posts[m.post], viewers[m.viewer]
			cell := fmt.Sprintf("%s × %s × %s", p.name, v.name, pathNames[path])
			seen, body := readAlong(t, path, a, p, v)
			if seen != (want == 'y') {
				t.Errorf("%s: seen %v, want %v (%.300s)", cell, seen, want == 'y', body)
			}
			// A page may repeat the address it was asked for: the
			// original's address names its author, but only the author
			// and the host know it.
			body = strings.ReplaceAll(body, p.page, "")
			if p.slug == "voices" && !v.author && strings.Contains(body, "amaranth") {
				t.Errorf("%s: names the author of a Chatham House contribution: %.500s", cell, body)
			}
		}
	}
	// What B holds of the Chatham House contribution names nobody.
	for _, raw := range b.receivedAbout(copyURI) {
		if strings.Contains(raw, "amaranth") {
			t.Errorf("B received a document naming the Chatham House author: %.500s", raw)
		}
	}
	// The facilitators' export names the author only when asked to.
	if code, body := getWith(t, nil, a.srv.base+"/api/roundtable/v1/consultations/voices/export?include_authors=true", fay); code != 200 ||
		!strings.Contains(body, "amaranth") {
		t.Errorf("the facilitator's export with authors: %d %.300s", code, body)
	}
	// The named non-follower was not told of the followers-only status.
	var notes []map[string]any
	b.api("GET", "/api/v1/notifications", nora, nil, &notes)
	for _, n := range notes {
		if st, _ := n["status"].(map[string]any); st != nil && strings.Contains(plain(st["content"]), "pmfollowers") {
			t.Errorf("nora was notified of the followers-only status: %v", n)
		}
	}
	t.Logf("privacy matrix: %d posts × %d viewers × %d paths = %d cells; %d apply (%d seen, %d refused), %d do not",
		len(posts), len(viewers), nPaths, cells, checked['y']+checked['n'], checked['y'], checked['n'], cells-checked['y']-checked['n'])
}

// join2 follows an account from p and waits until it is accepted.
func (p *peer) join2(token, id string) {
	p.t.Helper()
	p.api("POST", "/api/v1/accounts/"+id+"/follow", token, nil, nil)
	eventually(p.t, 20*time.Second, p.domain+" follows "+id, func() bool {
		var rels []map[string]any
		p.api("GET", "/api/v1/accounts/relationships?id[]="+id, token, nil, &rels)
		return len(rels) == 1 && rels[0]["following"] == true
	})
}

// readAlong reads post p as viewer v along path, and says whether v saw
// it, with what was answered.
func readAlong(t *testing.T, path int, a *peer, p *privacyPost, v *privacyViewer) (bool, string) {
	t.Helper()
	switch path {
	case pathWeb:
		code, body := getWith(t, v.web, a.srv.base+p.page, "")
		if code != 200 && code != 404 {
			t.Errorf("%s's page for %s: %d", p.name, v.name, code)
		}
		return code == 200 && strings.Contains(body, p.text), body
	case pathAPI:
		on, id := a, p.id
		if v.on != nil && v.on != a {
			on, id = v.on, v.on.localID(p.uri)
			if id == "" {
				return false, "not stored on " + on.domain
			}
		}
		code, body := getWith(t, nil, on.srv.base+"/api/v1/statuses/"+id, v.token)
		return code == 200 && strings.Contains(body, p.text), body
	case pathAS:
		code, body := signedGet(t, p.uri, v.keyID, v.key)
		return code == 200 && strings.Contains(body, p.text), body
	case pathDelivery:
		raws := v.on.receivedAbout(p.uri)
		return len(raws) > 0, strings.Join(raws, "\n")
	case pathSearch:
		on := a
		if v.on != nil {
			on = v.on
		}
		code, body := getWith(t, nil, on.srv.base+"/api/v2/search?resolve=true&q="+url.QueryEscape(p.uri), v.token)
		return code == 200 && strings.Contains(body, p.text), body
	case pathExport:
		code, body := getWith(t, nil, a.srv.base+"/api/roundtable/v1/consultations/"+p.slug+"/export", v.token)
		return code == 200 && strings.Contains(body, p.text), body
	case pathAuthor:
		code, body := getWith(t, nil, a.srv.base+"/api/roundtable/v1/contributions/"+p.id+"/author", v.token)
		return code == 200 && strings.Contains(body, "amaranth"), body
	}
	t.Fatalf("no path %d", path)
	return false, ""
}
