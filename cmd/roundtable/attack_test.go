package main

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The attack suite against a running instance: a hostile peer (a
// fakeServer) sends it forged, hostile, huge and slow things, one test per
// class, each case named. Every case asserts what the peer observes (the
// status and message of the answer) and what members observe (nothing
// stored, nothing executable shown). SSRF is tested where the instance's
// outgoing requests are made (federation/attack_test.go): instances here
// run with loopback allowed, as they must to talk to each other.

// answer is an inbox's answer: its status and the message it gave.
type answer struct {
	status int
	msg    string
}

// send makes req and returns the answer.
func send(t *testing.T, req *http.Request) answer {
	t.Helper()
	res, err := (&http.Client{Timeout: 2 * time.Minute}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var e struct{ Error string }
	_ = json.Unmarshal(b, &e)
	return answer{res.StatusCode, e.Error}
}

// inboxPost is an unsigned POST of body to inbox.
func inboxPost(t *testing.T, inbox string, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, inbox, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/activity+json")
	return req
}

// signer signs the SHA-256 sum of a signing string.
type signer func(sum []byte) ([]byte, error)

func rsaSigner(k *rsa.PrivateKey) signer {
	return func(sum []byte) ([]byte, error) { return rsa.SignPKCS1v15(nil, k, crypto.SHA256, sum) }
}

// signWith signs req (draft-cavage) as keyID over headers with algorithm;
// Date and Digest are set from date and body unless already set.
func signWith(t *testing.T, req *http.Request, keyID, algorithm string, sign signer, headers []string, body []byte, date time.Time) *http.Request {
	t.Helper()
	if req.Header.Get("Date") == "" {
		req.Header.Set("Date", date.UTC().Format(http.TimeFormat))
	}
	if req.Header.Get("Digest") == "" {
		sum := sha256.Sum256(body)
		req.Header.Set("Digest", "SHA-256="+base64.StdEncoding.EncodeToString(sum[:]))
	}
	var lines []string
	for _, h := range headers {
		switch h {
		case "(request-target)":
			lines = append(lines, "(request-target): post "+req.URL.RequestURI())
		case "host":
			lines = append(lines, "host: "+req.URL.Host)
		default:
			lines = append(lines, h+": "+req.Header.Get(h))
		}
	}
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	sig, err := sign(sum[:])
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Signature", fmt.Sprintf(`keyId="%s",algorithm="%s",headers="%s",signature="%s"`,
		keyID, algorithm, strings.Join(headers, " "), base64.StdEncoding.EncodeToString(sig)))
	return req
}

var cavageHeaders = []string{"(request-target)", "host", "date", "digest"}

// honestPost is body signed by actor's own key (held in f).
func (f *fakeServer) honestPost(t *testing.T, inbox, actor string, body []byte) *http.Request {
	t.Helper()
	f.mu.Lock()
	key := f.actors[strings.TrimPrefix(actor, f.base+"/users/")]
	f.mu.Unlock()
	return signWith(t, inboxPost(t, inbox, body), actor+"#main-key", "rsa-sha256", rsaSigner(key), cavageHeaders, body, time.Now())
}

// activity is the JSON of an activity.
func activity(m map[string]any) []byte {
	m["@context"] = "https://www.w3.org/ns/activitystreams"
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// mentionNote is a public note by actor at id mentioning target.
func mentionNote(id, actor, target, content string) map[string]any {
	return map[string]any{"id": id, "type": "Note", "attributedTo": actor, "content": content,
		"to": []any{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []any{target},
		"published": time.Now().UTC().Format(time.RFC3339),
		"tag":       []any{map[string]any{"type": "Mention", "href": target, "name": "@alice"}}}
}

func create(actor string, note map[string]any) []byte {
	return activity(map[string]any{"id": str(note["id"]) + "/activity", "type": "Create", "actor": actor,
		"object": note, "to": note["to"], "cc": note["cc"]})
}

func str(v any) string { s, _ := v.(string); return s }

// settled waits until the peer has done with every activity received
// (processed, or given up as refused).
func (p *peer) settled() {
	p.t.Helper()
	eventually(p.t, 2*time.Minute, "the inbox jobs done", func() bool {
		return p.count(`SELECT count(*) FROM river_job WHERE kind IN ('inbox', 'fetch', 'backfill')
			AND state NOT IN ('completed', 'cancelled', 'discarded')`) == 0
	})
}

// aliceOf makes alice on p and returns her token and actor id.
func aliceOf(p *peer) (token, uri string) {
	token = p.member("alice")
	var me map[string]any
	p.api("GET", "/api/v1/accounts/verify_credentials", token, nil, &me)
	return token, me["uri"].(string)
}

// remoteStatuses counts the statuses from elsewhere stored on p.
func (p *peer) remoteStatuses() int {
	return p.count(`SELECT count(*) FROM statuses s JOIN accounts a ON a.id = s.account_id WHERE a.domain IS NOT NULL`)
}

// TestAttackSignatures sends A activities with missing, wrong, tampered,
// stale and malformed signatures: each is refused with 401 and a message
// saying why, and nothing reaches alice; the same activity honestly signed
// does.
func TestAttackSignatures(t *testing.T) {
	t.Parallel()
	a := startPeer(t, 200)
	alice, aliceURI := aliceOf(a)
	fake := startFakeServer(t, 201)
	mallory := fake.addActor("mallory", fakeKey(0))
	eve := fake.addActor("eve", fakeKey(1))
	inbox := a.srv.base + "/inbox"

	// Actors whose keys are not RSA: hs2019 names no algorithm, the key
	// type decides, and only RSA keys are accepted.
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	edPub, edKey, _ := ed25519.GenerateKey(rand.Reader)
	keyActor := func(name string, pub any) string {
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		id := fake.base + "/users/" + name
		fake.serveDoc("/users/"+name, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": id, "type": "Person", "preferredUsername": name, "inbox": id + "/inbox",
			"publicKey": map[string]any{"id": id + "#main-key", "owner": id,
				"publicKeyPem": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))}})
		return id
	}
	ecActor, edActor := keyActor("ec", &ecKey.PublicKey), keyActor("ed", edPub)

	n := 0
	body := func(actor string) []byte {
		n++
		return create(actor, mentionNote(fmt.Sprintf("%s/notes/sig-%d", fake.base, n), actor, aliceURI, fmt.Sprintf("<p>forged %d</p>", n)))
	}
	now := time.Now()
	mk := mallory + "#main-key"
	signed := func(actor, keyID, algorithm string, sign signer, headers []string, date time.Time) func() *http.Request {
		return func() *http.Request {
			b := body(actor)
			return signWith(t, inboxPost(t, inbox, b), keyID, algorithm, sign, headers, b, date)
		}
	}
	withHeader := func(name, value string) func() *http.Request {
		return func() *http.Request {
			b := body(mallory)
			req := signWith(t, inboxPost(t, inbox, b), mk, "rsa-sha256", rsaSigner(fakeKey(0)), cavageHeaders, b, now)
			req.Header.Set(name, value)
			return req
		}
	}
	cases := []struct {
		name    string
		request func() *http.Request
		want    string
	}{
		{"none", func() *http.Request { return inboxPost(t, inbox, body(mallory)) }, "not signed"},
		{"wrong key", signed(mallory, mk, "rsa-sha256", rsaSigner(fakeKey(2)), cavageHeaders, now), "does not match the key"},
		{"key of another actor on the same host", signed(mallory, eve+"#main-key", "rsa-sha256", rsaSigner(fakeKey(1)), cavageHeaders, now), "is not the signer"},
		{"tampered body", func() *http.Request {
			b := body(mallory)
			req := signWith(t, inboxPost(t, inbox, b), mk, "rsa-sha256", rsaSigner(fakeKey(0)), cavageHeaders, b, now)
			req.Body = io.NopCloser(bytes.NewReader(bytes.Replace(b, []byte("forged"), []byte("FORGED"), 1)))
			return req
		}, "body does not match its Digest"},
		{"tampered digest", func() *http.Request {
			b := body(mallory)
			req := signWith(t, inboxPost(t, inbox, b), mk, "rsa-sha256", rsaSigner(fakeKey(0)), cavageHeaders, b, now)
			sum := sha256.Sum256([]byte("something else"))
			req.Header.Set("Digest", "SHA-256="+base64.StdEncoding.EncodeToString(sum[:]))
			return req
		}, "body does not match its Digest"},
		{"digest not covered", signed(mallory, mk, "rsa-sha256", rsaSigner(fakeKey(0)), []string{"(request-target)", "host", "date"}, now), "must cover the Digest"},
		{"date not covered", signed(mallory, mk, "rsa-sha256", rsaSigner(fakeKey(0)), []string{"(request-target)", "host", "digest"}, now), "must cover (request-target), host and date"},
		{"replayed 13 hours later", signed(mallory, mk, "rsa-sha256", rsaSigner(fakeKey(0)), cavageHeaders, now.Add(-13*time.Hour)), "too old"},
		{"dated 2 hours ahead", signed(mallory, mk, "rsa-sha256", rsaSigner(fakeKey(0)), cavageHeaders, now.Add(2*time.Hour)), "in the future"},
		{"hs2019 with an ECDSA key", signed(ecActor, ecActor+"#main-key", "hs2019", func(sum []byte) ([]byte, error) {
			return ecdsa.SignASN1(rand.Reader, ecKey, sum)
		}, cavageHeaders, now), "public key is not RSA"},
		{"hs2019 with an Ed25519 key", signed(edActor, edActor+"#main-key", "hs2019", func(sum []byte) ([]byte, error) {
			return ed25519.Sign(edKey, sum), nil
		}, cavageHeaders, now), "public key is not RSA"},
		{"rsa key named ecdsa", signed(mallory, mk, "ecdsa-sha256", rsaSigner(fakeKey(0)), cavageHeaders, now), "is not supported"},
		{"malformed: no keyId", withHeader("Signature", `algorithm="rsa-sha256",headers="(request-target) host date digest",signature="AAAA"`), "no keyId"},
		{"malformed: no signature", withHeader("Signature", `keyId="`+mk+`",algorithm="rsa-sha256",headers="(request-target) host date digest"`), "no keyId or signature"},
		{"malformed: signature not base64", withHeader("Signature", `keyId="`+mk+`",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="%%%"`), "does not match the key"},
		{"malformed: unterminated quote", withHeader("Signature", `keyId="`+mk), "no keyId or signature"},
		{"malformed: garbage", withHeader("Signature", `=,,=="",keyId,signature=`), "no keyId"},
		{"malformed: keyId not a URL", withHeader("Signature", `keyId="urn:x:y",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="AAAA"`), "is not a URL"},
		{"malformed: unknown keyId", withHeader("Signature", `keyId="`+fake.base+`/users/nobody#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="AAAA"`), "fetch key"},
		{"malformed: Date", withHeader("Date", "yesterday"), "date"},
		{"malformed: Digest algorithm", withHeader("Digest", "MD5=AAAA"), "no SHA-256 value"},
		{"malformed: Signature-Input", withHeader("Signature-Input", `sig1=("@method" "@target-uri");created=x;keyid=`), ""},
		{"malformed: Authorization without Signature", func() *http.Request {
			req := inboxPost(t, inbox, body(mallory))
			req.Header.Set("Authorization", "Signature garbage")
			return req
		}, "no keyId"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := send(t, c.request())
			if got.status != http.StatusUnauthorized || !strings.Contains(strings.ToLower(got.msg), strings.ToLower(c.want)) {
				t.Errorf("answer %d %q, want 401 saying %q", got.status, got.msg, c.want)
			}
		})
	}

	// The honest one goes through: the refusals were the signatures'.
	honest := body(mallory)
	if got := send(t, fake.honestPost(t, inbox, mallory, honest)); got.status != http.StatusAccepted {
		t.Fatalf("honest Create: %d %q", got.status, got.msg)
	}
	a.settled()
	var notes []map[string]any
	a.api("GET", "/api/v1/notifications", alice, nil, &notes)
	if len(notes) != 1 || !strings.Contains(notes[0]["status"].(map[string]any)["content"].(string), fmt.Sprintf("forged %d", n)) {
		t.Errorf("alice's notifications: %v, want the honest mention only", notes)
	}
	if got := a.remoteStatuses(); got != 1 {
		t.Errorf("A stored %d remote statuses, want the honest one only", got)
	}
}

// TestAttackOrigin sends A activities whose objects, authors or actors are
// on another server than their signer's, and Announces of objects that
// their origin does not serve as announced: none is believed.
func TestAttackOrigin(t *testing.T) {
	t.Parallel()
	a := startPeer(t, 202)
	alice, aliceURI := aliceOf(a)
	fake := startFakeServer(t, 203)
	mallory := fake.addActor("mallory", fakeKey(0))
	origin := startFakeServer(t, 204) // another server, whose objects mallory cannot speak for
	erin := origin.addActor("erin", fakeKey(1))
	inbox := a.srv.base + "/inbox"

	realNote := mentionNote(origin.base+"/notes/real", erin, aliceURI, "<p>what erin really said</p>")
	origin.serveDoc("/notes/real", realNote)

	note := func(id, by string) map[string]any {
		return mentionNote(id, by, aliceURI, "<p>forged by mallory</p>")
	}
	cases := []struct {
		name   string
		body   []byte
		status int
		want   string
	}{
		{"object id on another host", create(mallory, note(origin.base+"/notes/1", mallory)), 403, "is not on the actor's server"},
		{"attributedTo on another host", create(mallory, note(fake.base+"/notes/2", erin)), 403, "attributed to " + erin},
		{"activity id on another host", activity(map[string]any{"id": origin.base + "/activities/3", "type": "Create", "actor": mallory,
			"object": note(fake.base+"/notes/3", mallory)}), 403, "is not on the actor's server"},
		{"actor on another host than the signer", create(erin, note(origin.base+"/notes/4", erin)), 401, "is not the signer"},
		{"Update of another host's object", activity(map[string]any{"id": fake.base + "/updates/5", "type": "Update", "actor": mallory,
			"object": note(origin.base+"/notes/real", erin)}), 403, "is not on the actor's server"},
		{"Delete of another host's object", activity(map[string]any{"id": fake.base + "/deletes/6", "type": "Delete", "actor": mallory,
			"object": origin.base + "/notes/real"}), 403, "not on the actor's server"},
		{"Create with no actor", activity(map[string]any{"id": fake.base + "/activities/7", "type": "Create",
			"object": note(fake.base+"/notes/7", mallory)}), 401, "is not the signer"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := send(t, fake.honestPost(t, inbox, mallory, c.body))
			if got.status != c.status || !strings.Contains(got.msg, c.want) {
				t.Errorf("answer %d %q, want %d saying %q", got.status, got.msg, c.status, c.want)
			}
		})
	}

	// Announces are accepted (boosting another server's post is normal),
	// and the object is believed only as its origin serves it.
	announces := []struct {
		name   string
		object any
	}{
		{"Announce of an object that does not exist", origin.base + "/notes/missing"},
		{"Announce embedding an object that does not exist", note(origin.base+"/notes/missing-2", erin)},
		{"Announce embedding an object its origin serves differently", func() map[string]any {
			n := note(origin.base+"/notes/real", erin)
			n["content"] = "<p>forged by mallory</p>"
			return n
		}()},
		{"Announce of an object served at another id", origin.serveDoc("/notes/alias", note(fake.base+"/notes/claimed", mallory))},
	}
	for i, c := range announces {
		t.Run(c.name, func(t *testing.T) {
			b := activity(map[string]any{"id": fmt.Sprintf("%s/announces/%d", fake.base, i), "type": "Announce", "actor": mallory,
				"object": c.object, "to": []any{"https://www.w3.org/ns/activitystreams#Public"}})
			if got := send(t, fake.honestPost(t, inbox, mallory, b)); got.status != http.StatusAccepted {
				t.Errorf("answer %d %q, want 202", got.status, got.msg)
			}
		})
	}
	a.settled()
	var sts []map[string]any
	a.api("GET", "/api/v1/timelines/public?remote=true&limit=40", alice, nil, &sts)
	for _, st := range sts {
		if strings.Contains(fmt.Sprint(st["content"]), "forged") {
			t.Errorf("A shows a forged status: %v %v", st["uri"], st["content"])
		}
	}
	if n := a.remoteStatuses(); n != 1 {
		t.Errorf("A stored %d remote statuses, want erin's real one only", n)
	}
	if st := findByURI(sts, origin.base+"/notes/real"); st == nil || !strings.Contains(st["content"].(string), "what erin really said") {
		t.Errorf("erin's real post on A: %v", st)
	}
	var notes []map[string]any
	a.api("GET", "/api/v1/notifications", alice, nil, &notes)
	for _, n := range notes {
		if s, _ := n["status"].(map[string]any); s != nil && strings.Contains(fmt.Sprint(s["content"]), "forged") {
			t.Errorf("alice was notified of a forgery: %v", s["content"])
		}
	}
}

// hostile is HTML written to run code or take over a page.
var hostile = []struct{ name, html string }{
	{"script", `<p>a</p><script>alert("XSS")</script>`},
	{"script in svg", `<svg><script>alert("XSS")</script></svg>`},
	{"event handlers", `<p><img src="https://evil.example/x.png" onerror="alert('XSS')"> <b onmouseover="alert('XSS')">hover</b></p>`},
	{"javascript: link", `<a href="javascript:alert('XSS')">click</a>`},
	{"javascript: link with entities", `<a href="jav&#x09;ascript&#58;alert('XSS')">click</a>`},
	{"javascript: link with case and space", `<a href=" JaVaScRiPt:alert('XSS')">click</a>`},
	{"data: link", `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>`},
	{"data: image", `<img src="data:image/svg+xml,&lt;svg onload=alert('XSS')&gt;">`},
	{"vbscript: link", `<a href="vbscript:msgbox('XSS')">click</a>`},
	{"CSS overlay", `<p style="position:fixed;top:0;left:0;width:100%;height:100%;background:url(javascript:alert('XSS'))">overlay</p>`},
	{"style element", `<style>body{display:none} *{background:url("javascript:alert('XSS')")}</style><p>hidden</p>`},
	{"class of the page", `<p class="modal-backdrop navbar">take over</p>`},
	{"iframe, object, embed", `<iframe src="https://evil.example/XSS"></iframe><object data="https://evil.example/XSS"></object><embed src="https://evil.example/XSS">`},
	{"form", `<form action="https://evil.example/XSS"><input name="password"><button formaction="javascript:alert('XSS')">go</button></form>`},
	{"meta refresh and base", `<meta http-equiv="refresh" content="0;url=https://evil.example/XSS"><base href="https://evil.example/XSS">`},
	{"malformed: broken tags", `<p>unclosed <b><i>nest</p></b><scr<script>ipt>alert('XSS')</script>`},
	{"malformed: double open", `<<img src=x onerror=alert('XSS')//`},
	{"malformed: quote in attribute", `<a href="https://ok.example/" "onclick=alert('XSS')">ok</a>`},
	{"malformed: noscript", `<noscript><p title="</noscript><img src=x onerror=alert('XSS')>"></noscript>`},
	{"malformed: comment", `<!--<img src=x onerror=alert('XSS')>--><p>after</p><!--`},
	{"mathml href", `<math><mi xlink:href="javascript:alert('XSS')">x</mi></math>`},
}

// executable lists what in doc could run code, leave the page or restyle
// it, in content that came from elsewhere (pages: only what carries the
// marker XSS, or what our templates never write).
func executable(doc *html.Node) []string {
	var found []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			text := renderNode(n)
			switch n.Data {
			case "script", "style":
				if strings.Contains(text, "XSS") || strings.Contains(text, "display:none") {
					found = append(found, text)
				}
			case "iframe", "object", "embed", "base", "svg", "math":
				found = append(found, text)
			case "meta":
				for _, at := range n.Attr {
					if strings.EqualFold(at.Key, "http-equiv") {
						found = append(found, text)
					}
				}
			}
			for _, at := range n.Attr {
				k, v := strings.ToLower(at.Key), strings.ToLower(strings.Join(strings.Fields(at.Val), ""))
				switch {
				case strings.HasPrefix(k, "on"):
					found = append(found, text)
				case k == "style" && (strings.Contains(v, "position") || strings.Contains(v, "url(")):
					found = append(found, text)
				case k == "class" && strings.Contains(v, "modal-backdrop"):
					found = append(found, text)
				case k == "href" || k == "src" || k == "action" || k == "formaction" || strings.HasSuffix(k, "href"):
					if strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:") || strings.HasPrefix(v, "vbscript:") || strings.Contains(v, "evil.example/xss") {
						found = append(found, text)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return found
}

func renderNode(n *html.Node) string {
	var b strings.Builder
	_ = html.Render(&b, n)
	return b.String()
}

// fragmentProblems parses an HTML field of the client API.
func fragmentProblems(t *testing.T, s string) []string {
	t.Helper()
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, n := range nodes {
		found = append(found, executable(n)...)
	}
	return found
}

// plainProblems reports whether a plain-text field of the client API would
// make elements if an app took it for HTML.
func plainProblems(t *testing.T, s string) bool {
	t.Helper()
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if n.Type == html.ElementNode {
			return true
		}
	}
	return false
}

// TestAttackContent has a hostile peer send HTML meant to run code in
// members' browsers and apps, in contributions, content warnings, names,
// profiles and links: nothing executable reaches the client API or pages.
func TestAttackContent(t *testing.T) {
	t.Parallel()
	a := startPeer(t, 205)
	alice, aliceURI := aliceOf(a)
	fake := startFakeServer(t, 206)
	inbox := a.srv.base + "/inbox"

	// Mallory's profile is hostile too: her name, bio and links.
	mallory := fake.base + "/users/mallory"
	pub, _ := x509.MarshalPKIXPublicKey(&fakeKey(0).PublicKey)
	fake.addActor("mallory", fakeKey(0))
	fake.serveDoc("/users/mallory", map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": mallory, "type": "Person", "preferredUsername": "mallory", "inbox": mallory + "/inbox",
		"url":     "javascript:alert('XSS')",
		"name":    `<script>alert("XSS")</script><img src=x onerror=alert('XSS')>Mallory`,
		"summary": `<p onclick="alert('XSS')">bio <a href="javascript:alert('XSS')">site</a><iframe src="https://evil.example/XSS"></iframe></p>`,
		"attachment": []any{map[string]any{"type": "PropertyValue", "name": `<b onmouseover="alert('XSS')">web</b>`,
			"value": `<a href="javascript:alert('XSS')">me</a>`}},
		"publicKey": map[string]any{"id": mallory + "#main-key", "owner": mallory,
			"publicKeyPem": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))}})

	uris := map[string]string{}
	for i, h := range hostile {
		n := mentionNote(fmt.Sprintf("%s/notes/%d", fake.base, i), mallory, aliceURI, h.html+` <a href="`+a.srv.base+`/tags/attack" rel="tag">#attack</a>`)
		n["tag"] = append(n["tag"].([]any), map[string]any{"type": "Hashtag", "name": "#attack", "href": a.srv.base + "/tags/attack"})
		n["summary"] = h.html
		// A second apart, so the pages (20 posts to a page, newest first)
		// list the same ones each time: all but the first.
		n["published"] = time.Now().UTC().Add(time.Duration(i-len(hostile)) * time.Second).Format(time.RFC3339)
		n["url"] = "javascript:alert('XSS')"
		n["attachment"] = []any{map[string]any{"type": "Document", "mediaType": "image/png", "url": "javascript:alert('XSS')", "name": h.html}}
		uris[h.name] = n["id"].(string)
		if got := send(t, fake.honestPost(t, inbox, mallory, create(mallory, n))); got.status != http.StatusAccepted {
			t.Fatalf("%s: %d %q", h.name, got.status, got.msg)
		}
	}
	a.settled()

	var sts []map[string]any
	a.api("GET", "/api/v1/timelines/public?remote=true&limit=40", alice, nil, &sts)
	var account map[string]any
	for _, h := range hostile {
		t.Run("client API: "+h.name, func(t *testing.T) {
			st := findByURI(sts, uris[h.name])
			if st == nil {
				t.Fatalf("not stored")
			}
			account = st["account"].(map[string]any)
			if p := fragmentProblems(t, st["content"].(string)); len(p) > 0 {
				t.Errorf("content keeps %q", p)
			}
			if plainProblems(t, st["spoiler_text"].(string)) {
				t.Errorf("spoiler_text (plain text) keeps markup: %q", st["spoiler_text"])
			}
			for _, field := range []string{"url"} {
				if v, _ := st[field].(string); v != "" && !strings.HasPrefix(v, "http") {
					t.Errorf("%s = %q, want an http(s) link", field, v)
				}
			}
			for _, m := range st["media_attachments"].([]any) {
				m := m.(map[string]any)
				for _, field := range []string{"url", "remote_url", "preview_url"} {
					if v, _ := m[field].(string); v != "" && !strings.HasPrefix(v, "http") {
						t.Errorf("attachment %s = %q, want an http(s) link", field, v)
					}
				}
				if d, _ := m["description"].(string); plainProblems(t, d) {
					t.Errorf("attachment description keeps markup: %q", d)
				}
			}
		})
	}
	t.Run("client API: profile", func(t *testing.T) {
		if account == nil {
			t.Fatal("no account")
		}
		if p := fragmentProblems(t, account["note"].(string)); len(p) > 0 {
			t.Errorf("note keeps %q", p)
		}
		if s := account["display_name"].(string); plainProblems(t, s) {
			t.Errorf("display_name (plain text) keeps markup: %q", s)
		}
		if v, _ := account["url"].(string); !strings.HasPrefix(v, "http") {
			t.Errorf("url = %q, want an http(s) link", v)
		}
		for _, f := range account["fields"].([]any) {
			f := f.(map[string]any)
			if p := fragmentProblems(t, f["value"].(string)); len(p) > 0 {
				t.Errorf("field value keeps %q", p)
			}
			if plainProblems(t, f["name"].(string)) {
				t.Errorf("field name (plain text) keeps markup: %q", f["name"])
			}
		}
	})

	// Pages: mallory's profile and the tag page, both listing her posts.
	for _, path := range []string{"/@mallory@" + strings.TrimPrefix(fake.base, "http://"), "/tags/attack"} {
		t.Run("page "+path, func(t *testing.T) {
			// Under load the last posts may still be on their way in.
			var res *http.Response
			var b []byte
			deadline := time.Now().Add(30 * time.Second)
			for {
				var err error
				if res, err = http.Get(a.srv.base + path); err != nil {
					t.Fatal(err)
				}
				b, _ = io.ReadAll(res.Body)
				res.Body.Close()
				if time.Now().After(deadline) || (strings.Contains(string(b), "hover") && strings.Contains(string(b), "overlay")) {
					break
				}
				time.Sleep(200 * time.Millisecond)
			}
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%d %s", res.StatusCode, b)
			}
			if !strings.Contains(string(b), "hover") || !strings.Contains(string(b), "overlay") {
				t.Fatalf("the page does not show the posts:\n%s", b)
			}
			if res.Header.Get("Content-Security-Policy") == "" {
				t.Error("no Content-Security-Policy")
			}
			doc, err := html.Parse(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if p := executable(doc); len(p) > 0 {
				t.Errorf("the page keeps %q", p)
			}
		})
	}
}

// TestAttackSizeAndShape sends A what is too big, too deep, too long or too
// slow: each is bounded with a clear answer, and A serves others meanwhile.
func TestAttackSizeAndShape(t *testing.T) {
	t.Parallel()
	a := startPeer(t, 207)
	alice, aliceURI := aliceOf(a)
	fake := startFakeServer(t, 208)
	mallory := fake.addActor("mallory", fakeKey(0))
	inbox := a.srv.base + "/inbox"

	// Requests the hostile server is asked, by path prefix.
	asked := map[string]int{}
	held := 0                   // requests to /held/ still open
	slow := make(chan struct{}) // closed at the end: the silent peer hangs up
	t.Cleanup(func() { close(slow) })
	fake.mu.Lock()
	fake.hook = func(w http.ResponseWriter, r *http.Request) bool {
		fake.mu.Lock()
		for _, p := range []string{"/chain/", "/cycle/", "/context/", "/items/", "/silent/", "/trickle/"} {
			if strings.HasPrefix(r.URL.Path, p) {
				asked[p]++
			}
		}
		fake.mu.Unlock()
		var rest string
		var i int
		switch {
		case sscan(r.URL.Path, "/chain/%d", &i):
			// A reply chain 5000 deep.
			writeAS(w, mentionNote(fmt.Sprintf("%s/chain/%d", fake.base, i), mallory, aliceURI, "link"),
				"inReplyTo", fmt.Sprintf("%s/chain/%d", fake.base, min(i+1, 5000)))
		case sscan(r.URL.Path, "/cycle/%d", &i):
			writeAS(w, mentionNote(fmt.Sprintf("%s/cycle/%d", fake.base, i), mallory, aliceURI, "cycle"),
				"inReplyTo", fmt.Sprintf("%s/cycle/%d", fake.base, (i+1)%3))
		case sscan(r.URL.Path, "/context/%s", &rest):
			// An endless context collection: every page has 100 items and
			// a next page; the "loop" one points back to itself.
			id := fake.base + r.URL.Path
			next := fmt.Sprintf("%s/context/page-%d", fake.base, len(id))
			if rest == "loop" {
				next = id
			}
			items := make([]any, 100)
			for j := range items {
				items[j] = fmt.Sprintf("%s/items/%d-%d", fake.base, len(id), j)
			}
			writeAS(w, map[string]any{"id": id, "type": "OrderedCollection", "orderedItems": items,
				"first": next, "next": next}, "", "")
		case strings.HasPrefix(r.URL.Path, "/silent/"):
			select { // answers never
			case <-slow:
			case <-r.Context().Done():
			}
		case strings.HasPrefix(r.URL.Path, "/held/"):
			fake.mu.Lock()
			held++
			fake.mu.Unlock()
			select {
			case <-slow:
			case <-r.Context().Done():
			}
			fake.mu.Lock()
			held--
			fake.mu.Unlock()
		case strings.HasPrefix(r.URL.Path, "/trickle/"):
			w.Header().Set("Content-Type", "application/activity+json")
			w.WriteHeader(http.StatusOK)
			for range 600 {
				select {
				case <-slow:
					return true
				case <-r.Context().Done():
					return true
				case <-time.After(time.Second):
				}
				_, _ = w.Write([]byte(" "))
				w.(http.Flusher).Flush()
			}
		default:
			return false
		}
		return true
	}
	fake.mu.Unlock()

	signedBy := func(body []byte) *http.Request { return fake.honestPost(t, inbox, mallory, body) }
	nested := func(depth int) []byte {
		return []byte(`{"type":"Create","actor":"` + mallory + `","x":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}`)
	}
	big := func(n int) []byte {
		items := make([]string, n)
		for i := range items {
			items[i] = fmt.Sprintf(`"%s/u/%d"`, fake.base, i)
		}
		return []byte(strings.Join(items, ","))
	}
	n := 0
	noteWith := func(extra map[string]any) []byte {
		n++
		note := mentionNote(fmt.Sprintf("%s/notes/size-%d", fake.base, n), mallory, aliceURI, fmt.Sprintf("<p>size %d</p>", n))
		for k, v := range extra {
			note[k] = v
		}
		return create(mallory, note)
	}
	var hugeTo []any
	for _, s := range strings.Split(string(big(8000)), ",") {
		hugeTo = append(hugeTo, strings.Trim(s, `"`))
	}
	var hugeTags []any
	for i := range 5000 {
		hugeTags = append(hugeTags, map[string]any{"type": "Mention", "href": fmt.Sprintf("%s/users/m%d", fake.base, i), "name": "@m"})
	}
	cases := []struct {
		name    string
		request func() *http.Request
		status  int
		want    string
	}{
		{"body over 1 MiB", func() *http.Request {
			return signedBy(noteWith(map[string]any{"content": strings.Repeat("a", 1<<20)}))
		}, 413, "activities are limited to 1048576 bytes"},
		{"body over 1 MiB, unsigned", func() *http.Request {
			return inboxPost(t, inbox, bytes.Repeat([]byte(" "), 8<<20))
		}, 413, "activities are limited to 1048576 bytes"},
		{"JSON nested 100000 deep", func() *http.Request { return signedBy(nested(100000)) }, 400, "not a JSON object"},
		{"JSON nested 20000 deep", func() *http.Request { return signedBy(nested(20000)) }, 400, "not a JSON object"},
		{"JSON nested 9000 deep in a note's tags", func() *http.Request {
			return signedBy(noteWith(map[string]any{"tag": json.RawMessage(strings.Repeat("[", 9000) + strings.Repeat("]", 9000)),
				"x": json.RawMessage(strings.Repeat(`{"a":`, 9000) + "1" + strings.Repeat("}", 9000))}))
		}, 202, ""},
		{"JSON nested 9000 deep in an addressee", func() *http.Request {
			return signedBy(noteWith(map[string]any{"to": json.RawMessage(strings.Repeat("[", 9000) + strings.Repeat("]", 9000))}))
		}, 202, ""},
		{"not JSON", func() *http.Request { return signedBy([]byte(`{"type":"Create",`)) }, 400, "not a JSON object"},
		{"a JSON array", func() *http.Request { return signedBy([]byte(`[` + string(big(1000)) + `]`)) }, 400, "not a JSON object"},
		{"two JSON documents", func() *http.Request { return signedBy([]byte(`{"type":"Create"}{"type":"Delete"}`)) }, 400, "not a JSON object"},
		{"8000 addressees", func() *http.Request { return signedBy(noteWith(map[string]any{"to": hugeTo})) }, 202, ""},
		{"5000 mentions", func() *http.Request { return signedBy(noteWith(map[string]any{"tag": hugeTags})) }, 202, ""},
		{"reply chain 5000 deep", func() *http.Request {
			return signedBy(noteWith(map[string]any{"inReplyTo": fake.base + "/chain/0"}))
		}, 202, ""},
		{"cyclic reply chain", func() *http.Request {
			return signedBy(noteWith(map[string]any{"inReplyTo": fake.base + "/cycle/0"}))
		}, 202, ""},
		{"endless context collection", func() *http.Request {
			return signedBy(noteWith(map[string]any{"context": fake.base + "/context/start"}))
		}, 202, ""},
		{"cyclic context collection", func() *http.Request {
			return signedBy(noteWith(map[string]any{"context": fake.base + "/context/loop"}))
		}, 202, ""},
		{"parent that never answers", func() *http.Request {
			return signedBy(noteWith(map[string]any{"inReplyTo": fake.base + "/silent/parent"}))
		}, 202, ""},
		{"parent that trickles forever", func() *http.Request {
			return signedBy(noteWith(map[string]any{"inReplyTo": fake.base + "/trickle/parent"}))
		}, 202, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := send(t, c.request())
			if got.status != c.status || !strings.Contains(got.msg, c.want) {
				t.Errorf("answer %d %q, want %d saying %q", got.status, got.msg, c.status, c.want)
			}
		})
	}

	// A key on a server that never answers, and one that trickles: the
	// inbox request waits for it, bounded, while A serves everyone else.
	for _, path := range []string{"/silent/key", "/trickle/key"} {
		t.Run("key "+path, func(t *testing.T) {
			b := noteWith(nil)
			req := signWith(t, inboxPost(t, inbox, b), fake.base+path+"#main-key", "rsa-sha256", rsaSigner(fakeKey(0)), cavageHeaders, b, time.Now())
			done := make(chan answer, 1)
			go func() { done <- send(t, req) }()
			eventually(t, time.Minute, "A fetching the key", func() bool {
				fake.mu.Lock()
				defer fake.mu.Unlock()
				return asked[path[:strings.LastIndex(path, "/")+1]] > 0
			})
			// Meanwhile: a member reads, and an honest activity is taken.
			if code := a.api("GET", "/api/v1/timelines/home", alice, nil, nil); code != 200 {
				t.Errorf("alice's timeline while A waits: %d", code)
			}
			if got := send(t, signedBy(noteWith(nil))); got.status != http.StatusAccepted {
				t.Errorf("an honest activity while A waits: %d %q", got.status, got.msg)
			}
			select {
			case got := <-done:
				t.Fatalf("answered %v before the others: the test proves nothing", got)
			default:
			}
			got := <-done // bounded by A's fetch timeout
			if got.status != http.StatusUnauthorized || !strings.Contains(got.msg, "fetch key") {
				t.Errorf("answer %d %q, want 401 saying it could not fetch the key", got.status, got.msg)
			}
		})
	}

	// While A's job for a reply waits on a parent that never answers, a
	// mention from another server is processed.
	t.Run("a silent peer holds up no one else", func(t *testing.T) {
		other := startFakeServer(t, 209)
		honest := other.addActor("honest", fakeKey(2))
		if got := send(t, signedBy(noteWith(map[string]any{"inReplyTo": fake.base + "/held/parent"}))); got.status != http.StatusAccepted {
			t.Fatalf("reply to the silent parent: %d %q", got.status, got.msg)
		}
		eventually(t, time.Minute, "A asking the silent peer", func() bool {
			fake.mu.Lock()
			defer fake.mu.Unlock()
			return held > 0
		})
		b := create(honest, mentionNote(other.base+"/notes/hello", honest, aliceURI, "<p>hello from elsewhere</p>"))
		if got := send(t, other.honestPost(t, inbox, honest, b)); got.status != http.StatusAccepted {
			t.Fatalf("honest mention: %d %q", got.status, got.msg)
		}
		eventually(t, time.Minute, "alice notified of the honest mention", func() bool {
			var notes []map[string]any
			a.api("GET", "/api/v1/notifications", alice, nil, &notes)
			for _, n := range notes {
				if s, _ := n["status"].(map[string]any); s != nil && strings.Contains(fmt.Sprint(s["content"]), "hello from elsewhere") {
					return true
				}
			}
			return false
		})
		fake.mu.Lock()
		defer fake.mu.Unlock()
		if held == 0 {
			t.Error("A had given up on the silent peer before the mention was processed: the test proves nothing")
		}
	})

	a.settled()
	if code := a.api("GET", "/api/v1/instance", "", nil, nil); code != 200 {
		t.Errorf("A after the attacks: %d", code)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	t.Logf("requests A made of the hostile server: %v", asked)
	if asked["/chain/"] > 8 {
		t.Errorf("A fetched %d links of the reply chain, want at most 8", asked["/chain/"])
	}
	if asked["/cycle/"] > 8 {
		t.Errorf("A fetched %d links of the cyclic chain, want at most 8", asked["/cycle/"])
	}
	if asked["/context/"] > 2*11 {
		t.Errorf("A fetched %d context pages, want at most 11 per thread", asked["/context/"])
	}
	if asked["/items/"] > 2*200 {
		t.Errorf("A fetched %d context items, want at most 200 per thread", asked["/items/"])
	}
	if asked["/chain/"] == 0 || asked["/context/"] == 0 || asked["/items/"] == 0 {
		t.Errorf("A fetched nothing of the chains and contexts (%v): the test proves nothing", asked)
	}
	// The oversized and malformed were not stored; the rest were.
	if got, want := a.remoteStatuses(), n-1+asked["/chain/"]+min(asked["/cycle/"], 3); got > want {
		t.Errorf("A stored %d remote statuses, want at most %d", got, want)
	}
	if a.count(`SELECT count(*) FROM statuses WHERE content LIKE '%aaaaaaaaaaaaaaaaaaaa%'`) != 0 {
		t.Error("the oversized activity was stored")
	}
}

// sscan reports whether s matches format, filling args.
func sscan(s, format string, args ...any) bool {
	_, err := fmt.Sscanf(s, format, args...)
	return err == nil
}

// writeAS writes doc as an ActivityStreams document, with key set to value
// when key is not empty.
func writeAS(w http.ResponseWriter, doc map[string]any, key, value string) {
	if key != "" {
		doc[key] = value
	}
	w.Header().Set("Content-Type", "application/activity+json")
	_ = json.NewEncoder(w).Encode(doc)
}
