// Package gzipped keeps the gzip form of documents that are served often and
// change rarely, so that each version is compressed once rather than at
// every request, and reads whether a client takes gzip.
package gzipped

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Accepts reports whether the request's Accept-Encoding takes gzip (and does
// not refuse it with q=0).
func Accepts(r *http.Request) bool {
	for _, v := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(v), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		k, q, ok := strings.Cut(strings.TrimSpace(params), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			return true
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(q), 64)
		return err != nil || f > 0
	}
	return false
}

// Compress returns body compressed with gzip at the default level.
func Compress(body []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Cache holds the gzip form of at most a fixed number of documents, by the
// digest of their plain bytes (a changed document has another digest), the
// oldest dropped first.
type Cache struct {
	mu    sync.Mutex
	max   int
	forms map[[32]byte][]byte
	order [][32]byte // oldest first
}

// NewCache returns a cache of at most max documents.
func NewCache(max int) *Cache {
	return &Cache{max: max, forms: map[[32]byte][]byte{}}
}

// Of returns body compressed, compressing it the first time it is seen; nil
// if it could not be compressed.
func (c *Cache) Of(body []byte) []byte {
	key := sha256.Sum256(body)
	c.mu.Lock()
	gz, ok := c.forms[key]
	c.mu.Unlock()
	if ok {
		return gz
	}
	gz, err := Compress(body)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.forms[key]; !ok {
		if len(c.order) >= c.max {
			delete(c.forms, c.order[0])
			c.order = c.order[1:]
		}
		c.forms[key] = gz
		c.order = append(c.order, key)
	}
	return gz
}
