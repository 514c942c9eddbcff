package web_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestStrictContentSecurityPolicy: pages forbid scripts, inline styles and
// anything from other sites, and no template relies on inline styles; the
// stylesheet is served and cached by its version.
func TestStrictContentSecurityPolicy(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	r := in.get("/about", "")
	csp := r.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "style-src 'self'", "img-src 'self' data:", "form-action 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") || strings.Contains(csp, "https:") || strings.Contains(csp, "*") {
		t.Errorf("Content-Security-Policy %q allows too much", csp)
	}
	link := regexp.MustCompile(`href="(/static/site\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(string(r.Body))
	if link == nil {
		t.Fatalf("the page links no stylesheet: %.500s", r.Body)
	}
	css := in.get(link[1], "")
	wantStatus(t, css, 200)
	if ct := css.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") || !strings.Contains(css.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("stylesheet: %s, %s", ct, css.Header.Get("Cache-Control"))
	}
	files, _ := filepath.Glob("templates/*.html")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{" style=", "<style", "<script", " onclick=", " onload=", " onsubmit="} {
			if strings.Contains(string(b), bad) {
				t.Errorf("%s uses %q, which the policy forbids", f, strings.TrimSpace(bad))
			}
		}
	}
}
