package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/roundtable-fed/roundtable"
	"github.com/roundtable-fed/roundtable/federation"
	"github.com/roundtable-fed/roundtable/migrations/dbtest"
	"github.com/roundtable-fed/roundtable/web"
)

// consultation opens a consultation facilitated by a new member "host".
func (in *instance) consultation(t testing.TB, nc roundtable.NewConsultation) *roundtable.Consultation {
	t.Helper()
	ctx := context.Background()
	if _, err := in.Store.MemberByUsername(ctx, "host"); err != nil {
		if _, err := in.Store.CreateMember(ctx, roundtable.NewMember{Username: "host", Email: "host@example.org",
			Password: "password-host", Approved: true}); err != nil {
			t.Fatal(err)
		}
	}
	nc.Facilitators = []string{"host"}
	c, err := in.Store.CreateConsultation(ctx, nc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// location returns where a redirect sends the browser.
func location(t *testing.T, r *response) string {
	t.Helper()
	if r.Status != http.StatusSeeOther {
		t.Fatalf("status %d, want a redirect; body %s", r.Status, r.Body)
	}
	return r.Header.Get("Location")
}

func wantNoBody(t *testing.T, r *response, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(string(r.Body), u) {
			t.Errorf("page shows %q:\n%s", u, r.Body)
		}
	}
}

var threadIDRE = regexp.MustCompile(`/@([a-z0-9_]+)/([0-9A-Za-z]+)$`)

// TestThreadPageTree: a thread's page shows its replies nested under what
// they answer, its poll's results and favourites; signed out, it offers
// sign-in and taking part from one's own server, and no forms.
func TestThreadPageTree(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	in.consultation(t, roundtable.NewConsultation{Slug: "water", Title: "Water at home", Prompt: "How do you get water?"})
	_, ana := in.member("ana")
	_, ben := in.member("ben")
	r := in.postJSON("/api/v1/statuses", ana, map[string]any{"status": "@water Wells\nOur well runs dry in August.",
		"poll": map[string]any{"options": []string{"Every year", "Some years"}, "expires_in": 86400}})
	wantStatus(t, r, 200)
	root := r.Object(t)["id"].(string)
	r = in.postJSON("/api/v1/statuses", ben, map[string]any{"status": "Ours too, since the new road.", "in_reply_to_id": root})
	wantStatus(t, r, 200)
	first := r.Object(t)["id"].(string)
	wantStatus(t, in.postJSON("/api/v1/statuses", ana, map[string]any{"status": "Which road?", "in_reply_to_id": first}), 200)
	wantStatus(t, in.postJSON("/api/v1/statuses", ben, map[string]any{"status": "A second answer to the well.", "in_reply_to_id": root}), 200)
	wantStatus(t, in.postJSON("/api/v1/polls/"+root+"/votes", ben, map[string]any{"choices": []int{1}}), 200)
	wantStatus(t, in.postJSON("/api/v1/statuses/"+first+"/favourite", ana, nil), 200)

	// Any contribution's page shows the whole thread.
	r = in.page(browser(t), "/@ben/"+first)
	wantStatus(t, r, 200)
	body := string(r.Body)
	wantBody(t, r, "<h1>Wells</h1>", "Water at home", "Some years: 1 votes (100%)", "1 favourites",
		"Sign in to take part", `action="/interact"`, `name="uri" value="`+in.URL+"/users/ben/statuses/"+first)
	// The nested reply sits inside the replies of the one it answers,
	// which comes before the second answer to the thread starter.
	a, b, c := strings.Index(body, "since the new road"), strings.Index(body, "Which road?"), strings.Index(body, "A second answer")
	if a < 0 || b < a || c < b {
		t.Fatalf("replies out of order: %d %d %d", a, b, c)
	}
	nested := body[a:b]
	if !strings.Contains(nested, `<ul class="replies">`) || strings.Contains(body[b:c], `<ul class="replies">`) {
		t.Errorf("the reply to a reply is not nested under it:\n%s", body[a:c])
	}
	if !strings.Contains(body, `id="c-`+first+`" class="contribution current"`) {
		t.Error("the contribution asked for is not marked")
	}
	wantNoBody(t, r, "/favourite\"", "/vote\"", "/report\"", "/edit\"")
	// A status of another member under the wrong name is not found.
	wantStatus(t, in.page(browser(t), "/@ana/"+first), 404)
}

// TestTakingPartFromTheBrowser: a member joins a consultation, starts a
// thread after a preview, replies, edits, votes, favourites, reports and
// withdraws, all with forms; refusals and bad input show the form again
// with the message and the text, and change nothing.
func TestTakingPartFromTheBrowser(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	norm, err := in.Store.AddNorm(ctx, roundtable.NewNorm{Text: "No names without consent"})
	if err != nil {
		t.Fatal(err)
	}
	c := in.consultation(t, roundtable.NewConsultation{Slug: "safety", Title: "What keeps you safe?", Prompt: "Tell us.",
		Participation: roundtable.ParticipationApproval})
	lina := in.staff(t, "lina", roundtable.RoleMember)
	page := "/@safety"

	// Signed out, the consultation page offers sign-in and remote
	// interaction; signed in, a button to ask to join.
	wantBody(t, in.page(browser(t), page), "Sign in to take part", "Take part from your own server")
	r := in.page(lina, page)
	wantBody(t, r, `action="/groups/`+c.AccountID+`/join"`, "Ask to join")
	// Without approval a thread is refused, and the text stays.
	newThread := "/groups/" + c.AccountID + "/new"
	r = in.submit(lina, newThread, url.Values{"title": {"Lit streets"}, "text": {"Lights on the **bridge**."}, "back": {page}})
	wantStatus(t, r, 403)
	wantBody(t, r, "ask to join first", "Lights on the **bridge**.", `value="Lit streets"`)
	// A forged join from another site does nothing.
	wantStatus(t, in.forge(lina, "/groups/"+c.AccountID+"/join", url.Values{"back": {page}}), 403)
	if reqs, _ := in.Store.JoinRequests(ctx, "safety"); len(reqs) != 0 {
		t.Fatal("a forged form asked to join")
	}
	if loc := location(t, in.submit(lina, "/groups/"+c.AccountID+"/join", url.Values{"back": {page}})); loc != page {
		t.Fatalf("join went to %q", loc)
	}
	wantBody(t, in.page(lina, page), "Your request to join was sent to the facilitators.")
	wantBody(t, in.page(lina, page), "awaits the facilitators")
	host, err := in.Store.MemberByUsername(ctx, "host")
	if err != nil {
		t.Fatal(err)
	}
	linaM, err := in.Store.MemberByUsername(ctx, "lina")
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Store.AnswerJoin(ctx, host, "safety", linaM.ID, true); err != nil {
		t.Fatal(err)
	}
	wantBody(t, in.page(lina, page), "You take part in this consultation.", `href="/groups/`+c.AccountID+`/new"`)

	// Preview renders the Markdown and stores nothing.
	r = in.submit(lina, newThread, url.Values{"title": {"Lit streets"}, "text": {"Lights on the **bridge**."},
		"spoiler_text": {"night"}, "preview": {"1"}})
	wantStatus(t, r, 200)
	wantBody(t, r, "<strong>bridge</strong>", "Lights on the **bridge**.", `value="Lit streets"`, `value="night"`)
	if st, _ := in.Store.ConsultationStats(ctx, c); st.Contributions != 0 {
		t.Fatal("a preview stored a contribution")
	}
	// A blank title is refused with the text kept.
	r = in.submit(lina, newThread, url.Values{"title": {" "}, "text": {"Lights on the **bridge**."}})
	wantStatus(t, r, 422)
	wantBody(t, r, "title", "Lights on the **bridge**.")
	// Published, it is a thread with its title.
	loc := location(t, in.submit(lina, newThread, url.Values{"title": {"Lit streets"}, "text": {"Lights on the **bridge**."},
		"spoiler_text": {"night"}}))
	m := threadIDRE.FindStringSubmatch(loc)
	if m == nil || m[1] != "lina" {
		t.Fatalf("new thread went to %q", loc)
	}
	thread := m[2]
	r = in.page(lina, loc)
	wantBody(t, r, "<h1>Lit streets</h1>", "<strong>bridge</strong>", "Content warning: night", "Your contribution was sent.",
		`href="/contributions/`+thread+`/edit"`, `href="/contributions/`+thread+`/withdraw"`)
	wantBody(t, in.page(browser(t), page), "Lit streets")

	// Another member replies from the thread page.
	_, omarToken := in.member("omar")
	if _, err := in.Store.Follow(ctx, memberNamed(t, in, "omar"), c.AccountID); err != nil {
		t.Fatal(err)
	}
	if err := in.Store.AnswerJoin(ctx, host, "safety", memberNamed(t, in, "omar").ID, true); err != nil {
		t.Fatal(err)
	}
	omar := browser(t)
	wantStatus(t, in.form(omar, "/login", url.Values{"username": {"omar"}, "password": {"password-omar"}}), 303)
	r = in.page(omar, loc)
	wantBody(t, r, `action="/contributions/`+thread+`/reply"`, `href="/contributions/`+thread+`/report"`)
	wantNoBody(t, r, `/contributions/`+thread+`/edit`)
	if got := location(t, in.submit(omar, "/contributions/"+thread+"/reply", url.Values{"text": {"And on the *market* road."}, "back": {loc}})); got != loc {
		t.Fatalf("reply went to %q", got)
	}
	wantBody(t, in.page(omar, loc), "<em>market</em>")
	// Omar may not edit or withdraw Lina's thread.
	wantStatus(t, in.page(omar, "/contributions/"+thread+"/edit"), 403)
	wantStatus(t, in.submit(omar, "/contributions/"+thread+"/withdraw", url.Values{}), 403)

	// Lina edits her thread; an over-long text is refused and kept.
	long := strings.Repeat("a", 6000)
	r = in.submit(lina, "/contributions/"+thread+"/edit", url.Values{"text": {long}})
	wantStatus(t, r, 422)
	wantBody(t, r, long[:100], "too long")
	r = in.page(lina, "/contributions/"+thread+"/edit")
	wantBody(t, r, "Lights on the **bridge**.")
	wantStatus(t, in.submit(lina, "/contributions/"+thread+"/edit", url.Values{"text": {"@safety Lit streets\n\nLights on the bridge, and the park."},
		"spoiler_text": {""}}), 303)
	r = in.page(browser(t), loc)
	wantBody(t, r, "and the park", "edited")
	wantNoBody(t, r, "Content warning: night")

	// Omar favourites it; the count shows.
	wantStatus(t, in.submit(omar, "/contributions/"+thread+"/favourite", url.Values{"back": {loc}}), 303)
	wantBody(t, in.page(omar, loc), "1 favourites", "Remove favourite")

	// Omar reports it: a wrong category is refused with his words kept;
	// then the report reaches the moderators with the norm.
	r = in.page(omar, "/contributions/"+thread+"/report")
	wantBody(t, r, "No names without consent", `name="category"`)
	r = in.submit(omar, "/contributions/"+thread+"/report", url.Values{"norm": {norm.ID}, "category": {"rude"}, "comment": {"Names a street"}})
	wantStatus(t, r, 422)
	wantBody(t, r, "Names a street", "checked")
	wantStatus(t, in.submit(omar, "/contributions/"+thread+"/report", url.Values{"norm": {norm.ID}, "category": {"violation"},
		"comment": {"Names a street"}, "back": {loc}}), 303)
	in.Store.CreateMember(ctx, roundtable.NewMember{Username: "mod", Email: "mod@example.org", Password: "password-mod", //nolint:errcheck
		Role: roundtable.RoleModerator, Approved: true})
	reps := openReports(t, in, "mod")
	if len(reps) != 1 || reps[0].Comment != "Names a street" || len(reps[0].RuleIDs) != 1 || reps[0].RuleIDs[0] != norm.ID {
		t.Fatalf("reports: %+v", reps)
	}
	_ = omarToken

	// In the synthesis phase a new thread is refused, the text kept.
	phase := roundtable.PhaseClosed
	if _, err := in.Store.UpdateConsultation(ctx, "safety", roundtable.ConsultationUpdate{Phase: &phase}); err != nil {
		t.Fatal(err)
	}
	r = in.submit(omar, "/contributions/"+thread+"/reply", url.Values{"text": {"Late thought"}})
	wantStatus(t, r, 403)
	wantBody(t, r, "closed", "Late thought")

	// Lina withdraws her thread: a confirmation, then it is gone.
	wantBody(t, in.page(lina, "/contributions/"+thread+"/withdraw"), "Withdraw your contribution")
	if got := location(t, in.submit(lina, "/contributions/"+thread+"/withdraw", url.Values{"back": {loc}})); got != page {
		t.Fatalf("withdrawing went to %q", got)
	}
	wantStatus(t, in.page(browser(t), loc), 404)
}

func memberNamed(t *testing.T, in *instance, name string) *roundtable.Member {
	t.Helper()
	m, err := in.Store.MemberByUsername(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestVoteFromThreadPage: a member votes with the poll's form; a second
// vote is refused on the page, and the results show her choice.
func TestVoteFromThreadPage(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	in.consultation(t, roundtable.NewConsultation{Slug: "bus", Title: "Buses", Prompt: "Buses?"})
	_, ana := in.member("ana")
	r := in.postJSON("/api/v1/statuses", ana, map[string]any{"status": "@bus Times\nWhen do you travel?",
		"poll": map[string]any{"options": []string{"Morning", "Evening"}, "expires_in": 86400}})
	wantStatus(t, r, 200)
	id := r.Object(t)["id"].(string)
	path := "/@ana/" + id
	zoe := in.staff(t, "zoe", roundtable.RoleMember)
	r = in.page(zoe, path)
	wantBody(t, r, `action="/contributions/`+id+`/vote"`, `type="radio" name="choice" value="1"`)
	wantStatus(t, in.submit(zoe, "/contributions/"+id+"/vote", url.Values{"choice": {"x"}, "back": {path}}), 422)
	wantStatus(t, in.submit(zoe, "/contributions/"+id+"/vote", url.Values{"choice": {"1"}, "back": {path}}), 303)
	r = in.page(zoe, path)
	wantBody(t, r, "Your vote was counted.", "Evening: 1 votes (100%) — your choice")
	wantNoBody(t, r, `/vote"`)
	r = in.submit(zoe, "/contributions/"+id+"/vote", url.Values{"choice": {"0"}, "back": {path}})
	if r.Status < 400 {
		t.Fatalf("a second vote: %d", r.Status)
	}
	wantBody(t, r, "<h1>Times</h1>")
}

// TestConsultationPageChartAndTimeline: the consultation page draws
// contributions per day and by instance, with the same figures in tables,
// its phases with their dates, and its synthesis once published.
func TestConsultationPageChartAndTimeline(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	ctx := context.Background()
	in.consultation(t, roundtable.NewConsultation{Slug: "parks", Title: "Parks", Prompt: "Parks?"})
	r := in.page(browser(t), "/@parks")
	wantBody(t, r, "No contributions yet.", "Phases and dates", `aria-current="step"`)
	_, ana := in.member("ana")
	for _, text := range []string{"@parks Benches\nMore benches.", "@parks Shade\nMore trees."} {
		wantStatus(t, in.postJSON("/api/v1/statuses", ana, map[string]any{"status": text}), 200)
	}
	domain := strings.TrimPrefix(in.URL, "http://")
	r = in.page(browser(t), "/@parks")
	wantBody(t, r, `<svg class="chart"`, `role="img"`, "Contributions per day", "<td>2</td>", "<td>"+domain+"</td>",
		"2 in all", "Open for contributions</strong>: no date set (now)")
	host := memberNamed(t, in, "host")
	tok, err := in.Store.IssueToken(ctx, "host", []string{"read", "write"})
	if err != nil {
		t.Fatal(err)
	}
	_ = host
	phase := "synthesis"
	wantStatus(t, in.do("PATCH", "/api/roundtable/v1/consultations/parks", tok, map[string]any{"phase": phase}, ""), 200)
	wantStatus(t, in.postJSON("/api/roundtable/v1/consultations/parks/synthesis", tok, map[string]any{"title": "What we heard", "text": "People want **shade**."}), 200)
	r = in.page(browser(t), "/@parks")
	// The synthesis is shown, and not counted as a contribution.
	wantBody(t, r, "<h2 id=\"synthesis\">Synthesis</h2>", "<strong>shade</strong>", "2 in all")
	// The home page lists it among open consultations, with the norms and
	// the directory.
	wantBody(t, in.page(browser(t), "/"), `<a href="/@parks">Parks</a>`, `href="/directory"`)
}

// withResolver gives the instance's store the federation's resolver, so
// that it can look handles up on other servers.
func withResolver(in *instance) {
	in.Store.SetResolver(federation.New(federation.Config{Name: "Test", Version: "0.1.0", Insecure: true}, in.Store))
}

// TestRemoteInteraction: the "take part from your own server" form sends
// the browser to the server of the handle entered, found through
// WebFinger; a bad or unknown handle shows the form again with a message.
// This instance's own template shows a signed-in member the object with
// the forms to take part.
func TestRemoteInteraction(t *testing.T) {
	t.Parallel()
	in := newInstance(t)
	withResolver(in)
	c := in.consultation(t, roundtable.NewConsultation{Slug: "rent", Title: "Rent", Prompt: "Rent?"})
	_, ana := in.member("ana")
	domain := strings.TrimPrefix(in.URL, "http://")

	// WebFinger names this instance's remote-interaction page.
	r := in.get("/.well-known/webfinger?resource=acct:ana@"+domain, "")
	wantStatus(t, r, 200)
	wantBody(t, r, `"rel":"http://ostatus.org/schema/1.0/subscribe"`, `"template":"`+in.URL+`/authorize_interaction?uri={uri}"`)

	groupURI := in.URL + "/users/rent"
	visitor := browser(t)
	r = in.submit(visitor, "/interact", url.Values{"uri": {groupURI}, "handle": {"not a handle"}})
	wantStatus(t, r, 422)
	wantBody(t, r, "That is not a fediverse handle", `value="not a handle"`)
	r = in.submit(visitor, "/interact", url.Values{"uri": {groupURI}, "handle": {"@someone@127.0.0.1:1"}})
	wantStatus(t, r, 422)
	wantBody(t, r, "We could not find", `value="@someone@127.0.0.1:1"`)
	wantStatus(t, in.submit(visitor, "/interact", url.Values{"uri": {"https://elsewhere.example/x"}, "handle": {"@ana@" + domain}}), 400)
	loc := location(t, in.submit(visitor, "/interact", url.Values{"uri": {groupURI}, "handle": {"@ana@" + domain}}))
	if want := in.URL + "/authorize_interaction?uri=" + url.QueryEscape(groupURI); loc != want {
		t.Fatalf("sent to %q, want %q", loc, want)
	}
	// Signed out, the page asks to sign in first and comes back.
	r = in.page(visitor, strings.TrimPrefix(loc, in.URL))
	if got := location(t, r); !strings.HasPrefix(got, "/login?next=%2Fauthorize_interaction") {
		t.Fatalf("signed out: %q", got)
	}
	bea := in.staff(t, "bea", roundtable.RoleMember)
	r = in.page(bea, strings.TrimPrefix(loc, in.URL))
	wantStatus(t, r, 200)
	wantBody(t, r, "Rent", `action="/groups/`+c.AccountID+`/join"`)

	// A contribution: its page with a reply form.
	r = in.postJSON("/api/v1/statuses", ana, map[string]any{"status": "@rent Deposits\nThey keep rising."})
	wantStatus(t, r, 200)
	st := r.Object(t)
	r = in.page(bea, "/authorize_interaction?uri="+url.QueryEscape(st["uri"].(string)))
	wantStatus(t, r, 200)
	wantBody(t, r, "They keep rising.", `action="/contributions/`+st["id"].(string)+`/reply"`)
	wantStatus(t, in.page(bea, "/authorize_interaction?uri=nonsense"), 400)
}

// BenchmarkThreadPage500 renders the page of a thread of 500
// contributions, replies nested up to eight deep.
func BenchmarkThreadPage500(b *testing.B) {
	ctx := context.Background()
	store := roundtable.NewStore(dbtest.Pool(b), roundtable.WithLinks(roundtable.Links{Base: "http://bench.example"}),
		roundtable.WithPasswordParams(testPasswords))
	srv, err := web.New(web.Config{Name: "Bench", Version: "0.1.0"}, store)
	if err != nil {
		b.Fatal(err)
	}
	var authors []*roundtable.Member
	for _, n := range []string{"host", "ana", "ben", "chi", "dee"} {
		m, err := store.CreateMember(ctx, roundtable.NewMember{Username: n, Email: n + "@example.org", Password: "password-" + n, Approved: true})
		if err != nil {
			b.Fatal(err)
		}
		authors = append(authors, m)
	}
	if _, err := store.CreateConsultation(ctx, roundtable.NewConsultation{Slug: "big", Title: "Big", Prompt: "Talk.",
		Facilitators: []string{"host"}}); err != nil {
		b.Fatal(err)
	}
	root, err := store.CreateStatus(ctx, authors[1], roundtable.NewStatus{Text: "@big A long thread\n\nLet us talk.",
		Poll: &roundtable.NewPoll{Options: []string{"Yes", "No"}, ExpiresIn: 86400}})
	if err != nil {
		b.Fatal(err)
	}
	ids := []string{root.ID}
	for i := 1; i < 500; i++ {
		parent := ids[0]
		if i%8 != 0 {
			parent = ids[len(ids)-1]
		}
		st, err := store.CreateStatus(ctx, authors[i%len(authors)], roundtable.NewStatus{
			Text: "A reply with *some* Markdown, number " + strings.Repeat("x", i%20), ContentType: roundtable.ContentMarkdown,
			InReplyToID: parent})
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, st.ID)
	}
	path := "/@ana/" + root.ID
	check := httptest.NewRecorder()
	srv.ServeHTTP(check, httptest.NewRequest("GET", path, nil))
	if check.Code != 200 || strings.Count(check.Body.String(), `class="contribution`) != 500 {
		b.Fatalf("thread page: %d, %d contributions", check.Code, strings.Count(check.Body.String(), `class="contribution`))
	}
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}
