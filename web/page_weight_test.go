package web_test

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/roundtable-fed/roundtable"
)

// Page weight: what a reader on a slow, metered connection downloads to
// see a page, on a first visit and on a later one.
const (
	firstLoadLimit int64 = 100 * 1024
	laterLoadLimit int64 = 30 * 1024
)

// browserAcceptEncoding is what browsers send.
const browserAcceptEncoding = "gzip, deflate, br, zstd"

// countingConn counts the bytes read from the network.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// cachedResponse is what the loader's cache keeps of a response.
type cachedResponse struct {
	body         []byte
	etag         string
	lastModified string
	freshUntil   time.Time
}

// pageLoader loads pages as a browser without JavaScript does: it asks for
// compressed responses, fetches everything a page references (stylesheets,
// images, what stylesheets reference), keeps a cache, uses cached
// responses while they are fresh and revalidates the others, and counts
// the bytes that come over the network.
type pageLoader struct {
	t      *testing.T
	client *http.Client
	read   atomic.Int64
	cache  map[string]*cachedResponse
}

func newPageLoader(t *testing.T) *pageLoader {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	l := &pageLoader{t: t, cache: map[string]*cachedResponse{}}
	dialer := &net.Dialer{}
	tr := &http.Transport{
		// The loader decodes responses itself, to count them as sent.
		DisableCompression: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return countingConn{Conn: c, n: &l.read}, nil
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	l.client = &http.Client{Jar: jar, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return l
}

// load loads the page at u with everything it references and returns the
// bytes transferred and the addresses of what the page references.
func (l *pageLoader) load(u string) (int64, []string) {
	l.t.Helper()
	before := l.read.Load()
	page := l.fetch(u)
	seen := map[string]bool{}
	var refs []string
	for _, ref := range subresources(l.t, page) {
		abs := resolve(l.t, u, ref)
		if seen[abs] {
			continue
		}
		seen[abs] = true
		refs = append(refs, abs)
		body := l.fetch(abs)
		if strings.HasSuffix(strings.SplitN(abs, "?", 2)[0], ".css") {
			for _, m := range cssURL.FindAllStringSubmatch(string(body), -1) {
				if a := resolve(l.t, abs, strings.Trim(m[1], `'"`)); !seen[a] && !strings.HasPrefix(a, "data:") {
					seen[a] = true
					refs = append(refs, a)
					l.fetch(a)
				}
			}
		}
	}
	return l.read.Load() - before, refs
}

var cssURL = regexp.MustCompile(`url\(([^)]+)\)`)

// fetch returns the decoded body at u, from the cache when it is fresh,
// revalidating it when it is not.
func (l *pageLoader) fetch(u string) []byte {
	l.t.Helper()
	c := l.cache[u]
	if c != nil && time.Now().Before(c.freshUntil) {
		return c.body
	}
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		l.t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", browserAcceptEncoding)
	req.Header.Set("Accept-Language", "en")
	if c != nil && c.etag != "" {
		req.Header.Set("If-None-Match", c.etag)
	}
	if c != nil && c.lastModified != "" {
		req.Header.Set("If-Modified-Since", c.lastModified)
	}
	res, err := l.client.Do(req)
	if err != nil {
		l.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		l.t.Fatal(err)
	}
	if res.StatusCode == http.StatusNotModified && c != nil {
		c.freshUntil = freshUntil(res)
		return c.body
	}
	if res.StatusCode != http.StatusOK {
		l.t.Fatalf("GET %s: status %d", u, res.StatusCode)
	}
	body := decode(l.t, res.Header.Get("Content-Encoding"), raw)
	if !strings.Contains(res.Header.Get("Cache-Control"), "no-store") {
		l.cache[u] = &cachedResponse{body: body, etag: res.Header.Get("ETag"),
			lastModified: res.Header.Get("Last-Modified"), freshUntil: freshUntil(res)}
	}
	return body
}

// freshUntil is when a response stops being fresh: never fresh under
// no-cache, fresh for max-age seconds otherwise.
func freshUntil(res *http.Response) time.Time {
	var maxAge int
	for _, d := range strings.Split(res.Header.Get("Cache-Control"), ",") {
		d = strings.TrimSpace(d)
		if d == "no-cache" || d == "no-store" {
			return time.Time{}
		}
		if v, ok := strings.CutPrefix(d, "max-age="); ok {
			maxAge, _ = strconv.Atoi(v)
		}
	}
	return time.Now().Add(time.Duration(maxAge) * time.Second)
}

// decode undoes a response's content coding.
func decode(t *testing.T, coding string, raw []byte) []byte {
	t.Helper()
	var r io.Reader
	switch coding {
	case "":
		return raw
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "deflate":
		r = flate.NewReader(bytes.NewReader(raw))
	default:
		t.Fatalf("content coding %q not expected", coding)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode %s: %v", coding, err)
	}
	return b
}

// subresources lists what a browser fetches to show the page: stylesheets,
// icons, images, scripts, media. Every image must be sized (no reflow as
// it arrives) and lazy (fetched only when scrolled to).
func subresources(t *testing.T, page []byte) []string {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			attr := map[string]string{}
			for _, a := range n.Attr {
				attr[a.Key] = a.Val
			}
			switch n.Data {
			case "link":
				for _, rel := range strings.Fields(attr["rel"]) {
					if rel == "stylesheet" || rel == "icon" || rel == "preload" || rel == "apple-touch-icon" {
						out = append(out, attr["href"])
						break
					}
				}
			case "img", "script", "source", "audio", "video", "iframe", "embed", "input":
				if n.Data == "img" && (attr["loading"] != "lazy" || attr["width"] == "" || attr["height"] == "") {
					t.Errorf("image %s is not lazy and sized: %v", attr["src"], n.Attr)
				}
				if v := attr["src"]; v != "" {
					out = append(out, v)
				}
				if v := attr["poster"]; v != "" {
					out = append(out, v)
				}
			case "object":
				if v := attr["data"]; v != "" {
					out = append(out, v)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

func resolve(t *testing.T, base, ref string) string {
	t.Helper()
	b, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	r, err := url.Parse(ref)
	if err != nil {
		t.Fatal(err)
	}
	return b.ResolveReference(r).String()
}

// words make contributions of realistic length and variety.
var words = strings.Fields(`the river banks should stay open to everyone who lives nearby and fishing
rights ought to be shared between the villages upstream and downstream while the council listens to
farmers families children elders workers newcomers about water quality flooding bridges paths access
safety trust meetings evenings weekends transport cost language translation neighbours experience
story concern proposal question disagree agree because however perhaps instead together community`)

func sentence(r *rand.Rand, n int) string {
	out := make([]string, n)
	for i := range out {
		out[i] = words[r.IntN(len(words))]
	}
	return strings.ToUpper(out[0][:1]) + strings.Join(out, " ")[1:] + "."
}

// seedWeightedThread opens a consultation with a thread of 200
// contributions by 12 members (replies nested up to a few levels, one with
// a picture), and returns the thread's page, its first contribution and the
// members' tokens.
func seedWeightedThread(t *testing.T, in *instance) (threadPath, rootID string, tokens []string) {
	t.Helper()
	ctx := context.Background()
	if _, err := in.Store.AddNorm(ctx, roundtable.NewNorm{Text: "Speak from your own experience", Hint: "Not for others."}); err != nil {
		t.Fatal(err)
	}
	in.consultation(t, roundtable.NewConsultation{Slug: "river", Title: "The river",
		Prompt: "How should we share the river, its banks and its fish?", Norms: []string{"Listen first", "No names of absent people"}})
	r := rand.New(rand.NewPCG(1, 2))
	tokens = make([]string, 12)
	for i := range tokens {
		_, tokens[i] = in.member(fmt.Sprintf("member%d", i))
	}
	var para []string
	for range 4 {
		para = append(para, sentence(r, 20))
	}
	root := in.postJSON("/api/v1/statuses", tokens[0], map[string]any{
		"status": "@river Access to the banks\n" + strings.Join(para, " ")}).Object(t)
	rootID, _ = root["id"].(string)
	if rootID == "" {
		t.Fatalf("thread not started: %v", root)
	}
	pic := in.upload("/api/v2/media", tokens[1], "bank.png", pngBytes(t, testPicture(800, 600)),
		map[string]string{"description": "The east bank at low water"}).Object(t)
	ids := []string{rootID}
	for i := 1; i < 200; i++ {
		parent := rootID
		if i%3 != 0 {
			parent = ids[len(ids)-1-r.IntN(min(len(ids), 6))]
		}
		body := map[string]any{"status": sentence(r, 15+r.IntN(50)), "in_reply_to_id": parent}
		tok := tokens[i%len(tokens)]
		if i == 7 {
			body["media_ids"] = []string{pic["id"].(string)}
			tok = tokens[1]
		}
		st := in.postJSON("/api/v1/statuses", tok, body)
		wantStatus(t, st, 200)
		ids = append(ids, st.Object(t)["id"].(string))
	}
	return "/@member0/" + rootID, rootID, tokens
}

// TestPageWeight measures the bytes a reader downloads for the home page,
// a consultation's page and a thread of 200 contributions, signed out and
// signed in, on a first visit and on a later one (with what the first
// cached).
func TestPageWeight(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	thread, rootID, tokens := seedWeightedThread(t, in)
	pages := []struct{ name, path string }{
		{"home", "/"},
		{"consultation", "/@river"},
		{"thread of 200 contributions", thread},
	}
	for _, signedIn := range []bool{false, true} {
		l := newPageLoader(t)
		who := "signed out"
		if signedIn {
			who = "signed in"
			form := url.Values{"username": {"member3"}, "password": {"password-member3"}}
			res, err := l.client.PostForm(in.URL+"/login", form)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign-in: status %d", res.StatusCode)
			}
		}
		for _, p := range pages {
			clear(l.cache) // a first visit: nothing cached
			first, refs := l.load(in.URL + p.path)
			later, _ := l.load(in.URL + p.path)
			t.Logf("%s, %s: first load %.1f KB (page and %d referenced files), later load %.1f KB",
				p.name, who, float64(first)/1024, len(refs), float64(later)/1024)
			wantLight(t, p.name+", "+who+", first load", first, firstLoadLimit)
			wantLight(t, p.name+", "+who+", later load", later, laterLoadLimit)
			if p.path == thread && !slices.ContainsFunc(refs, func(u string) bool { return strings.Contains(u, "/static/site.css") }) ||
				p.path == thread && !slices.ContainsFunc(refs, func(u string) bool { return strings.Contains(u, "/media/") }) {
				t.Errorf("%s: the stylesheet and the picture were not among what the page references: %v", p.name, refs)
			}
		}
		// A thread that changed since is sent again, compressed; what it
		// references is still cached.
		reply := in.postJSON("/api/v1/statuses", tokens[5], map[string]any{
			"status": "One more thought, since you last looked.", "in_reply_to_id": rootID})
		wantStatus(t, reply, 200)
		changed, _ := l.load(in.URL + thread)
		t.Logf("%s, %s: later load after a new contribution %.1f KB", pages[2].name, who, float64(changed)/1024)
		wantLight(t, pages[2].name+", "+who+", later load after a new contribution", changed, laterLoadLimit)
	}
}

// wantLight fails the test when n bytes reach limit.
func wantLight(t *testing.T, what string, n, limit int64) {
	t.Helper()
	if n >= limit {
		t.Errorf("%s: %d bytes, limit %d", what, n, limit)
	}
}

// TestCompressedPageSame: a page asked for compressed decodes to the same
// page as asked for plainly, says it varies by Accept-Encoding, and keeps
// its validator, with which it is revalidated.
func TestCompressedPageSame(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	in.consultation(t, roundtable.NewConsultation{Slug: "river", Title: "The river", Prompt: "How should we share the river?"})
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	c := &http.Client{Transport: tr}
	get := func(path, encoding, etag string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", in.URL+path, nil)
		if encoding != "" {
			req.Header.Set("Accept-Encoding", encoding)
		}
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, b
	}
	for _, path := range []string{"/", "/@river", "/about", "/static/site.css", "/api/v1/instance"} {
		plain, plainBody := get(path, "", "")
		zipped, zippedBody := get(path, browserAcceptEncoding, "")
		if plain.StatusCode != 200 || zipped.StatusCode != 200 {
			t.Fatalf("%s: status %d and %d", path, plain.StatusCode, zipped.StatusCode)
		}
		if got := plain.Header.Get("Content-Encoding"); got != "" {
			t.Errorf("%s: not asked for, sent with Content-Encoding %q", path, got)
		}
		if got := zipped.Header.Get("Content-Encoding"); got != "gzip" {
			t.Fatalf("%s: Content-Encoding %q, want gzip", path, got)
		}
		if !strings.Contains(strings.Join(zipped.Header.Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("%s: Vary %q does not name Accept-Encoding", path, zipped.Header.Values("Vary"))
		}
		if len(zippedBody) >= len(plainBody) {
			t.Errorf("%s: compressed %d bytes, plain %d", path, len(zippedBody), len(plainBody))
		}
		if got := decode(t, "gzip", zippedBody); !bytes.Equal(got, plainBody) {
			t.Errorf("%s: compressed response decodes to something else:\n%s\nwant\n%s", path, got, plainBody)
		}
		if strings.HasPrefix(path, "/api/") {
			continue
		}
		etag := zipped.Header.Get("ETag")
		if etag == "" || etag != plain.Header.Get("ETag") {
			t.Fatalf("%s: ETag %q compressed, %q plain", path, etag, plain.Header.Get("ETag"))
		}
		again, body := get(path, browserAcceptEncoding, etag)
		if again.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("%s: revalidated, status %d with %d bytes, want 304 and none", path, again.StatusCode, len(body))
		}
		if again.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s: 304 with Content-Encoding %q", path, again.Header.Get("Content-Encoding"))
		}
		if stale, _ := get(path, browserAcceptEncoding, `W/"not-this-one"`); stale.StatusCode != 200 {
			t.Errorf("%s: with another validator, status %d, want 200", path, stale.StatusCode)
		}
	}
}

// TestStreamingNotBuffered: asked for with Accept-Encoding as a browser
// sends it, the server-sent-events stream is sent as it is written, not
// compressed (which would hold events back in the compressor's buffer).
func TestStreamingNotBuffered(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, tok := in.member("reader", "read")
	_, poster := in.member("poster")
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", in.URL+"/api/v1/streaming/public/local", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept-Encoding", browserAcceptEncoding)
	res, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	if got := res.Header.Get("Content-Encoding"); got != "" {
		t.Fatalf("stream sent with Content-Encoding %q", got)
	}
	rd := bufio.NewReader(res.Body)
	// The stream's opening comment arrives while the stream stays open.
	if line, err := rd.ReadString('\n'); err != nil || line != ":)\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	in.postJSON("/api/v1/statuses", poster, map[string]any{"status": "live and uncompressed"})
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended before the update: %v", err)
		}
		if strings.HasPrefix(line, "data: ") && strings.Contains(line, "live and uncompressed") {
			return
		}
	}
}
