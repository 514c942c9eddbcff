package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
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

// TestSignInRateLimit: guessing passwords from one address is cut short
// with 429; another client behind the same proxy is not affected.
func TestSignInRateLimit(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	in.member("amina")
	try := func(forwardedFor string) int {
		req, _ := http.NewRequest("POST", in.URL+"/login", strings.NewReader("username=amina&password=wrong"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", forwardedFor)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for i := 0; i < 30; i++ {
		if code := try("203.0.113.7"); code == http.StatusTooManyRequests {
			t.Fatalf("limited after %d tries", i)
		}
	}
	if code := try("203.0.113.7"); code != http.StatusTooManyRequests {
		t.Errorf("the 31st wrong password in five minutes: %d, want 429", code)
	}
	if code := try("198.51.100.4"); code == http.StatusTooManyRequests {
		t.Errorf("another client behind the proxy was limited too")
	}
}

// TestSpanishAndArabic: the public pages in Spanish by Accept-Language and
// in Arabic, right to left, by the switcher.
func TestSpanishAndArabic(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	for _, path := range []string{"/", "/about", "/signup", "/login", "/directory"} {
		req, _ := http.NewRequest("GET", in.URL+path, nil)
		req.Header.Set("Accept-Language", "es-MX,es;q=0.9")
		r := in.send(browser(t), req)
		if !strings.Contains(string(r.Body), `<html lang="es" dir="ltr">`) || r.Header.Get("Content-Language") != "es" {
			t.Errorf("%s in Spanish: %.200s", path, r.Body)
		}
		r = in.get(path+"?lang=ar", "")
		if !strings.Contains(string(r.Body), `<html lang="ar" dir="rtl">`) {
			t.Errorf("%s in Arabic: %.200s", path, r.Body)
		}
	}
}

// TestLocalDates: dates on pages are written in the reader's language.
func TestLocalDates(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, tok := in.member("amina")
	st := postStatus(t, in, tok, map[string]any{"status": "A dated thought"})
	created, err := time.Parse(time.RFC3339, st["created_at"].(string))
	if err != nil {
		t.Fatal(err)
	}
	months := map[string][]string{
		"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		"es": {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
	}
	for lang, names := range months {
		r := in.get(strings.TrimPrefix(st["url"].(string), in.URL)+"?lang="+lang, "")
		want := fmt.Sprintf("%d %s", created.UTC().Day(), names[created.UTC().Month()-1])
		if lang == "es" {
			want = fmt.Sprintf("%d de %s de %d", created.UTC().Day(), names[created.UTC().Month()-1], created.UTC().Year())
		}
		if !strings.Contains(string(r.Body), want) {
			t.Errorf("the %s page does not date the status %q", lang, want)
		}
	}
}
