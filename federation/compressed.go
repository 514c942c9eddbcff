package federation

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"crypto/sha256"
	"net/http"
	"strings"
	"sync"
)

// Actor documents are what other servers fetch most, each time they check
// a signature or meet an account, and they change rarely. Their gzip form
// is kept by the digest of their bytes, so a document is compressed once
// per version rather than once per fetch. The document itself is still
// built from the database at every request.

// compressedKept bounds how many compressed documents are kept.
const compressedKept = 1024

// compressedDocs holds the gzip form of documents, by the digest of their
// plain bytes; a changed document has another digest.
var compressedDocs = &gzipForms{forms: map[[32]byte][]byte{}}

type gzipForms struct {
	mu    sync.Mutex
	forms map[[32]byte][]byte
	order [][32]byte // oldest first
}

// of returns body compressed with gzip, compressing it the first time.
func (g *gzipForms) of(body []byte) []byte {
	key := sha256.Sum256(body)
	g.mu.Lock()
	gz, ok := g.forms[key]
	g.mu.Unlock()
	if ok {
		return gz
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, flate.DefaultCompression)
	if err != nil {
		return nil
	}
	if _, err := zw.Write(body); err != nil || zw.Close() != nil {
		return nil
	}
	gz = buf.Bytes()
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.forms[key]; !ok {
		if len(g.order) >= compressedKept {
			delete(g.forms, g.order[0])
			g.order = g.order[1:]
		}
		g.forms[key] = gz
		g.order = append(g.order, key)
	}
	return gz
}

// acceptsGzip reports whether the client takes gzip.
func acceptsGzip(r *http.Request) bool {
	for _, v := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(v), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q := strings.ReplaceAll(params, " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// writeActivityCompressed answers like writeActivity, with the kept gzip
// form of the document when the client takes gzip.
func writeActivityCompressed(w http.ResponseWriter, r *http.Request, status int, doc any) {
	var buf bytes.Buffer
	if err := jsonEncoder(&buf).Encode(doc); err != nil {
		writeActivity(w, status, doc)
		return
	}
	body := buf.Bytes()
	w.Header().Set("Content-Type", activityJSON+"; charset=utf-8")
	if acceptsGzip(r) {
		if gz := compressedDocs.of(body); gz != nil {
			body = gz
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Vary", "Accept, Accept-Encoding")
		}
	} else {
		w.Header().Set("Vary", "Accept")
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
