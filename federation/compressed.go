package federation

import (
	"bytes"
	"net/http"

	"github.com/roundtable-fed/roundtable/internal/gzipped"
)

// Actor documents are what other servers fetch most, each time they check
// a signature or meet an account, and they change rarely. Their gzip form
// is kept by the digest of their bytes, so a document is compressed once
// per version rather than once per fetch. The document itself is still
// built from the database at every request.

// compressedDocs holds the gzip form of at most 1,024 documents.
var compressedDocs = gzipped.NewCache(1024)

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
	if gzipped.Accepts(r) {
		if gz := compressedDocs.Of(body); gz != nil {
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
