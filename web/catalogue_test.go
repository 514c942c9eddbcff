package web_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
)

// TestCataloguesComplete: every catalogue has every message of the English
// one, with the same placeholders, and nothing more.
func TestCataloguesComplete(t *testing.T) {
	t.Parallel()
	read := func(file string) map[string]string {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		return m
	}
	en := read("locales/en.json")
	placeholders := regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)
	names := func(s string) []string {
		var out []string
		for _, m := range placeholders.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	files, _ := filepath.Glob("locales/*.json")
	if len(files) < 4 {
		t.Fatalf("catalogues: %v, want at least en, fr, es and ar", files)
	}
	for _, file := range files {
		cat := read(file)
		for id, text := range en {
			tr, ok := cat[id]
			if !ok || tr == "" {
				t.Errorf("%s lacks %q", file, id)
				continue
			}
			if a, b := names(text), names(tr); !slices.Equal(a, b) {
				t.Errorf("%s: %q has placeholders %v, the English %v", file, id, b, a)
			}
		}
		for id := range cat {
			if _, ok := en[id]; !ok {
				t.Errorf("%s has %q, which the English catalogue lacks", file, id)
			}
		}
	}
}
