package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/roundtable-fed/roundtable"
	"github.com/roundtable-fed/roundtable/internal/gzipped"
)

// Rendered pages for readers who are not signed in. A long thread's page
// is costly to render and to compress, and every anonymous reader of it
// gets the same bytes. The page is still made from what the database holds
// at each request: its data is loaded as always, and the rendered page is
// found by a digest of that data (with the page's name and language). So
// a removal, an edit, a reply or a changed setting changes the digest and
// the page is rendered again; a page is never served from older data.

// cachedPages are the pages kept once rendered.
var cachedPages = map[string]bool{"status": true}

// renderedPagesKept bounds how many rendered pages are kept.
const renderedPagesKept = 32

// renderedPages keeps the last rendered pages, by the digest of their data.
type renderedPages struct {
	mu      sync.Mutex
	entries map[[32]byte]*renderedPage
	order   [][32]byte // oldest first
}

// renderedPage is a page's bytes, its ETag, and its gzip form once asked.
type renderedPage struct {
	body     []byte
	etag     string
	gzipOnce sync.Once
	gzipped  []byte
}

// pageDigest names a page by everything it is made from. It reports false
// when the page is not one to keep: one for a signed-in reader, with a
// message for one reader, or not kept at all.
func pageDigest(name, lang string, status int, data map[string]any) ([32]byte, bool) {
	if !cachedPages[name] || status != http.StatusOK {
		return [32]byte{}, false
	}
	if v, ok := data["Viewer"].(*roundtable.Member); !ok || v != nil {
		return [32]byte{}, false
	}
	if f, _ := data["Flash"].(string); f != "" {
		return [32]byte{}, false
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return [32]byte{}, false
	}
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write([]byte(lang))
	h.Write([]byte{0})
	h.Write(raw)
	var key [32]byte
	h.Sum(key[:0])
	return key, true
}

func (c *renderedPages) get(key [32]byte) *renderedPage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries[key]
}

// put keeps body under key, forgetting the oldest page when full.
func (c *renderedPages) put(key [32]byte, body []byte) *renderedPage {
	sum := sha256.Sum256(body)
	p := &renderedPage{body: body, etag: `W/"` + hex.EncodeToString(sum[:12]) + `"`}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[[32]byte]*renderedPage{}
	}
	if old, ok := c.entries[key]; ok {
		return old
	}
	if len(c.order) >= renderedPagesKept {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
	c.entries[key] = p
	c.order = append(c.order, key)
	return p
}

// gzip returns the page compressed, compressing it the first time.
func (p *renderedPage) gzip() []byte {
	p.gzipOnce.Do(func() {
		p.gzipped, _ = gzipped.Compress(p.body)
	})
	return p.gzipped
}

// serve answers as serveValidated does, with the page's bytes compressed
// beforehand when the client takes gzip.
func (p *renderedPage) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("ETag", p.etag)
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && noneMatchNames(r.Header.Get("If-None-Match"), p.etag) {
		w.Header().Del("Content-Type")
		w.Header().Del("Content-Length")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := p.body
	if gzipped.Accepts(r) {
		if gz := p.gzip(); gz != nil {
			body = gz
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Add("Vary", "Accept-Encoding")
		}
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
