package web

import (
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5/middleware"
)

// What travels over the network: responses are compressed when the client
// accepts it, and pages and the stylesheet carry a validator, so that a
// reader on a slow or metered connection downloads as little as possible.
// No proxy in front needs to compress.

// compressedTypes are the content types worth compressing: text. Images
// are compressed already, and event streams must leave as they are written
// (a compressor would hold events back until its buffer fills).
var compressedTypes = []string{
	"text/html", "text/css", "text/plain", "text/csv",
	"application/json", "application/activity+json", "application/ld+json", "application/jrd+json",
}

// compressResponses compresses responses of compressedTypes with gzip or
// deflate, as the client's Accept-Encoding allows.
var compressResponses = middleware.Compress(flate.DefaultCompression, compressedTypes...)

// serveValidated answers a GET or HEAD with body, under an ETag naming its
// content: a client that sends the ETag it holds (If-None-Match) gets 304
// Not Modified and no body. The ETag is weak because the compressed and
// plain forms of a response share it. (http.ServeContent is not used: it
// serves byte ranges, which a response compressed on the fly cannot honour.)
// Content-Type and Cache-Control are the caller's to set.
func serveValidated(w http.ResponseWriter, r *http.Request, body []byte) {
	sum := sha256.Sum256(body)
	etag := `W/"` + hex.EncodeToString(sum[:12]) + `"`
	w.Header().Set("ETag", etag)
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && noneMatchNames(r.Header.Get("If-None-Match"), etag) {
		w.Header().Del("Content-Type")
		w.Header().Del("Content-Length")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// noneMatchNames reports whether an If-None-Match header names etag, by
// the weak comparison RFC 9110 prescribes for it.
func noneMatchNames(header, etag string) bool {
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimSpace(v)
		if v == "*" || v != "" && strings.TrimPrefix(v, "W/") == strings.TrimPrefix(etag, "W/") {
			return true
		}
	}
	return false
}
