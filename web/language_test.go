package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestLanguageChoice: pages follow Accept-Language; the switcher's choice
// (?lang=) overrides it and holds on the next pages; English fills gaps.
func TestLanguageChoice(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	c := browser(t)
	get := func(path, accept string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", in.URL+path, nil)
		if accept != "" {
			req.Header.Set("Accept-Language", accept)
		}
		r := in.send(c, req)
		wantStatus(t, r, 200)
		return string(r.Body)
	}
	page := get("/about", "fr-CA,fr;q=0.9,en;q=0.5")
	if !strings.Contains(page, `<html lang="fr" dir="ltr">`) || !strings.Contains(page, "À propos") {
		t.Errorf("Accept-Language fr: %.300s", page)
	}
	if !strings.Contains(page, `hreflang="en"`) || !strings.Contains(page, `aria-current="true">Français`) {
		t.Errorf("the switcher does not offer English from the French page")
	}
	page = get("/about?lang=en", "fr")
	if !strings.Contains(page, `<html lang="en"`) {
		t.Errorf("?lang=en: %.200s", page)
	}
	page = get("/", "fr")
	if !strings.Contains(page, `<html lang="en"`) {
		t.Errorf("the choice of English did not hold on the next page: %.200s", page)
	}
	page = get("/?lang=xx-nonsense", "fr")
	if !strings.Contains(page, `<html lang="en"`) {
		t.Errorf("an unknown ?lang= changed the language: %.200s", page)
	}
}
