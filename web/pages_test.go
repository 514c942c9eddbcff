package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

func TestHomeAndAboutPages(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	_, tok := in.member("emeka")
	wantStatus(t, in.postJSON("/api/v1/statuses", tok, map[string]any{"status": "Security means <i>water</i> to me"}), 200)

	r := in.get("/", "")
	wantStatus(t, r, 200)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("home Content-Type %q", ct)
	}
	body := string(r.Body)
	if !strings.Contains(body, "Security means &lt;i&gt;water&lt;/i&gt; to me") {
		t.Errorf("home page lacks the public post, escaped: %s", body)
	}
	if strings.Contains(body, "<i>water") {
		t.Error("home page shows raw HTML from a post")
	}

	req, _ := http.NewRequest("GET", in.URL+"/about", nil)
	req.Header.Set("Accept-Language", "fr-CA,fr;q=0.9,en;q=0.5")
	r = in.send(http.DefaultClient, req)
	wantStatus(t, r, 200)
	if !strings.Contains(string(r.Body), "À propos de Test") || r.Header.Get("Content-Language") != "fr" {
		t.Errorf("about page in French: %s", r.Body)
	}
}

func TestSignupLoginLogout(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	c := browser(t)

	r := in.form(c, "/signup", url.Values{"username": {"fatima"}, "email": {"fatima@example.org"}, "password": {"long enough"}})
	wantStatus(t, r, 303)
	// Signed in at once: the home page names her.
	req, _ := http.NewRequest("GET", in.URL+"/", nil)
	r = in.send(c, req)
	if !strings.Contains(string(r.Body), "Signed in as fatima") {
		t.Fatalf("not signed in after sign-up: %s", r.Body)
	}
	// The same name again is refused, with the form kept and no password.
	r = in.form(browser(t), "/signup", url.Values{"username": {"Fatima"}, "email": {"other@example.org"}, "password": {"long enough"}})
	wantStatus(t, r, 422)
	if !strings.Contains(string(r.Body), "That username is taken.") {
		t.Errorf("duplicate sign-up: %s", r.Body)
	}
	// A short password names the field.
	r = in.form(browser(t), "/signup", url.Values{"username": {"gita"}, "email": {"gita@example.org"}, "password": {"short"}})
	wantStatus(t, r, 422)
	if !strings.Contains(string(r.Body), "password: must be 8 to 256 characters") {
		t.Errorf("short password: %s", r.Body)
	}

	wantStatus(t, in.form(c, "/logout", nil), 303)
	req, _ = http.NewRequest("GET", in.URL+"/", nil)
	if r = in.send(c, req); strings.Contains(string(r.Body), "Signed in as") {
		t.Fatal("still signed in after sign-out")
	}
	r = in.form(c, "/login", url.Values{"username": {"fatima"}, "password": {"wrong password"}})
	wantStatus(t, r, 401)
	r = in.form(c, "/login", url.Values{"username": {"fatima@example.org"}, "password": {"long enough"}, "next": {"https://evil.example/"}})
	wantStatus(t, r, 303)
	if loc := r.Header.Get("Location"); loc != "/" {
		t.Errorf("login redirected off-site to %q", loc)
	}
}

func TestSignupApprovalRequired(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	admin, err := in.Store.CreateMember(ctx, roundtable.NewMember{Username: "root", Email: "root@example.org",
		Password: "admin password", Role: roundtable.RoleAdmin, Approved: true})
	if err != nil {
		t.Fatal(err)
	}
	ac := browser(t)
	wantStatus(t, in.form(ac, "/login", url.Values{"username": {"root"}, "password": {"admin password"}}), 303)
	r := in.form(ac, "/admin/registrations", url.Values{"mode": {"approval"}})
	wantStatus(t, r, 200)

	r = in.get("/api/v2/instance", "")
	if reg := r.Object(t)["registrations"].(map[string]any); reg["approval_required"] != true {
		t.Fatalf("instance registrations %v", reg)
	}

	c := browser(t)
	r = in.form(c, "/signup", url.Values{"username": {"hana"}, "email": {"hana@example.org"}, "password": {"long enough"}, "reason": {"I facilitate"}})
	wantStatus(t, r, 200)
	if !strings.Contains(string(r.Body), "once an administrator has approved it") {
		t.Errorf("pending page: %s", r.Body)
	}
	r = in.form(c, "/login", url.Values{"username": {"hana"}, "password": {"long enough"}})
	wantStatus(t, r, 401)
	if !strings.Contains(string(r.Body), "waiting for an administrator") {
		t.Errorf("pending login: %s", r.Body)
	}

	// A member who is not an admin cannot approve.
	in.member("ivo")
	mc := browser(t)
	wantStatus(t, in.form(mc, "/login", url.Values{"username": {"ivo"}, "password": {"password-ivo"}}), 303)
	hana, err := in.Store.MemberByUsername(ctx, "hana")
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, in.form(mc, "/admin/registrations/"+hana.ID+"/approve", nil), 403)

	req, _ := http.NewRequest("GET", in.URL+"/admin/registrations", nil)
	r = in.send(ac, req)
	if !strings.Contains(string(r.Body), "I facilitate") {
		t.Errorf("admin page lacks the pending request: %s", r.Body)
	}
	wantStatus(t, in.form(ac, "/admin/registrations/"+hana.ID+"/approve", nil), 303)
	wantStatus(t, in.form(c, "/login", url.Values{"username": {"hana"}, "password": {"long enough"}}), 303)
	_ = admin

	// Closed: the page says so and a POST creates nothing.
	wantStatus(t, in.form(ac, "/admin/registrations", url.Values{"mode": {"closed"}}), 200)
	r = in.form(browser(t), "/signup", url.Values{"username": {"jon"}, "email": {"jon@example.org"}, "password": {"long enough"}})
	wantStatus(t, r, 403)
	if _, err := in.Store.MemberByUsername(ctx, "jon"); err == nil {
		t.Error("a member was created while sign-up was closed")
	}
}

func TestCrossOriginFormRefused(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	in.member("kofi")
	req, _ := http.NewRequest("POST", in.URL+"/login", strings.NewReader("username=kofi&password=password-kofi"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	r := in.send(browser(t), req)
	wantStatus(t, r, 403)
	if r.Header.Get("Set-Cookie") != "" {
		t.Error("a cross-site sign-in set a cookie")
	}
}

func TestConsultationAndDirectoryPages(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	if _, err := in.Store.CreateMember(ctx, roundtable.NewMember{Username: "lina", Email: "lina@example.org", Password: "password-lina", Approved: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Store.CreateConsultation(ctx, roundtable.NewConsultation{Slug: "safety", Title: "What keeps you safe?",
		Prompt: "Tell us about a **place** where you feel safe.", Norms: []string{"Speak from your own experience"},
		Facilitators: []string{"lina"}, Attribution: roundtable.AttributionChatham}); err != nil {
		t.Fatal(err)
	}
	_, tok := in.member("mo")
	wantStatus(t, in.postJSON("/api/v1/statuses", tok, map[string]any{"status": "@safety Market days\nThe market, when it is full."}), 200)

	r := in.get("/@safety", "")
	wantStatus(t, r, 200)
	body := string(r.Body)
	for _, want := range []string{"What keeps you safe?", "<strong>place</strong>", "Speak from your own experience",
		"Chatham House rule", "Market days", "@safety@" + strings.TrimPrefix(in.URL, "http://")} {
		if !strings.Contains(body, want) {
			t.Errorf("the consultation page lacks %q", want)
		}
	}
	if strings.Contains(body, "@mo") {
		t.Error("the consultation page of a Chatham House consultation names a contributor")
	}
	req, _ := http.NewRequest("GET", in.URL+"/directory", nil)
	req.Header.Set("Accept-Language", "fr")
	r = in.send(http.DefaultClient, req)
	wantStatus(t, r, 200)
	if !strings.Contains(string(r.Body), "What keeps you safe?") || !strings.Contains(string(r.Body), "Les consultations de cette instance") {
		t.Errorf("directory: %s", r.Body)
	}
}

func TestNorms(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	if _, err := in.Store.CreateMember(ctx, roundtable.NewMember{Username: "root", Email: "root@example.org",
		Password: "admin password", Role: roundtable.RoleAdmin, Approved: true}); err != nil {
		t.Fatal(err)
	}
	admin, err := in.Store.IssueToken(ctx, "root", []string{"read", "write"})
	if err != nil {
		t.Fatal(err)
	}
	_, member := in.member("nia")
	wantStatus(t, in.postJSON("/api/roundtable/v1/norms", member, map[string]any{"text": "Be kind"}), 403)
	wantStatus(t, in.postJSON("/api/roundtable/v1/norms", admin, map[string]any{"text": ""}), 422)
	wantStatus(t, in.postJSON("/api/roundtable/v1/norms", admin, map[string]any{"text": "Speak from your own experience", "hint": "Not for others."}), 200)
	r := in.postJSON("/api/roundtable/v1/norms", admin, map[string]any{"text": "No names without consent"})
	wantStatus(t, r, 200)
	second := r.Object(t)["id"].(string)

	r = in.get("/api/v1/instance/rules", "")
	wantStatus(t, r, 200)
	rules := r.List(t)
	if len(rules) != 2 || rules[0]["text"] != "Speak from your own experience" || rules[0]["hint"] != "Not for others." {
		t.Fatalf("rules: %s", r.Body)
	}
	r = in.get("/api/v2/instance", "")
	if got := r.Object(t)["rules"].([]any); len(got) != 2 {
		t.Errorf("v2 rules: %v", got)
	}
	// Sign-up shows them and requires accepting them.
	r = in.get("/signup", "")
	if !strings.Contains(string(r.Body), "No names without consent") || !strings.Contains(string(r.Body), `name="accept_norms"`) {
		t.Errorf("sign-up page lacks the norms: %s", r.Body)
	}
	r = in.form(browser(t), "/signup", url.Values{"username": {"oli"}, "email": {"oli@example.org"}, "password": {"long enough"}})
	wantStatus(t, r, 422)
	if !strings.Contains(string(r.Body), "accepting the norms") {
		t.Errorf("sign-up without accepting: %s", r.Body)
	}
	if _, err := in.Store.MemberByUsername(ctx, "oli"); err == nil {
		t.Error("a member was created without accepting the norms")
	}
	wantStatus(t, in.form(browser(t), "/signup", url.Values{"username": {"oli"}, "email": {"oli@example.org"},
		"password": {"long enough"}, "accept_norms": {"1"}}), 303)
	r = in.get("/about", "")
	if !strings.Contains(string(r.Body), "Speak from your own experience") {
		t.Errorf("about page lacks the norms")
	}
	// Removing one renumbers the rest.
	wantStatus(t, in.do("DELETE", "/api/roundtable/v1/norms/"+second, admin, nil, ""), 200)
	wantStatus(t, in.do("DELETE", "/api/roundtable/v1/norms/"+second, admin, nil, ""), 404)
	if rules := in.get("/api/v1/instance/rules", "").List(t); len(rules) != 1 {
		t.Errorf("after removal: %v", rules)
	}
}
