package gzipped

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"testing"
)

func TestAccepts(t *testing.T) {
	for header, want := range map[string]bool{
		"":                       false,
		"gzip":                   true,
		"br, gzip;q=0.8":         true,
		"GZIP":                   true,
		"gzip;q=0":               false,
		"gzip; q=0.000":          false,
		"deflate, br":            false,
		"identity, gzip ; q=0.5": true,
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Encoding", header)
		if got := Accepts(r); got != want {
			t.Errorf("Accept-Encoding %q: %v, want %v", header, got, want)
		}
	}
}

func TestCacheKeepsEachVersionAndDropsTheOldest(t *testing.T) {
	c := NewCache(2)
	docs := [][]byte{[]byte(`{"a":1}`), []byte(`{"a":2}`), []byte(`{"a":3}`)}
	first := c.Of(docs[0])
	if again := c.Of(docs[0]); &again[0] != &first[0] {
		t.Error("the same document was compressed twice")
	}
	for _, d := range docs {
		zr, err := gzip.NewReader(bytes.NewReader(c.Of(d)))
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := io.ReadAll(zr)
		if !bytes.Equal(plain, d) {
			t.Errorf("%s came back as %s", d, plain)
		}
	}
	if len(c.forms) != 2 || len(c.order) != 2 {
		t.Errorf("%d documents kept, want 2", len(c.forms))
	}
}
