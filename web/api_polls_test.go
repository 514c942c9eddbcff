package web_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/roundtable-fed/roundtable"
	"github.com/roundtable-fed/roundtable/migrations/dbtest"
	"github.com/roundtable-fed/roundtable/web"
)

// pollShape is Poll as client-api.md §7.2 lists it.
var pollShape = map[string]jsonKind{
	"id": kString, "expires_at": kTimeOrNull, "expired": kBool, "multiple": kBool, "votes_count": kNumber,
	"voters_count": kNumber, "options": kArray, "emojis": kArray, "voted": kBool, "own_votes": kArray,
}

// movingClock is a time the test moves.
type movingClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movingClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *movingClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newInstanceAt is newInstance with the store's clock.
func newInstanceAt(t *testing.T, now func() time.Time) *instance {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	store := roundtable.NewStore(dbtest.Pool(t), roundtable.WithLinks(roundtable.Links{Base: base}),
		roundtable.WithPasswordParams(testPasswords), roundtable.WithClock(now))
	srv, err := web.New(web.Config{Name: "Test", Version: "0.1.0"}, store)
	if err != nil {
		t.Fatal(err)
	}
	hs := &httptest.Server{Listener: ln, Config: &http.Server{Handler: srv}}
	hs.Start()
	t.Cleanup(hs.Close)
	return &instance{t: t, URL: base, Store: store}
}

// checkPoll checks a Poll entity's fields and their types, and its options'.
func checkPoll(t *testing.T, what string, p map[string]any) {
	t.Helper()
	checkShape(t, what, p, pollShape)
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := []string{"emojis", "expired", "expires_at", "id", "multiple", "options", "own_votes", "voted", "voters_count", "votes_count"}
	if !slices.Equal(keys, want) {
		t.Errorf("%s: fields %q, want %q", what, keys, want)
	}
	opts, _ := p["options"].([]any)
	for _, o := range opts {
		m, _ := o.(map[string]any)
		if _, ok := m["title"].(string); !ok || len(m) != 2 {
			t.Errorf("%s: option %v", what, o)
		}
		if _, ok := m["votes_count"]; !ok {
			t.Errorf("%s: option %v has no votes_count", what, o)
		}
	}
}

// optionVotes returns the votes_count of each option (-1 for null).
func optionVotes(p map[string]any) []int {
	var out []int
	for _, o := range p["options"].([]any) {
		switch n := o.(map[string]any)["votes_count"].(type) {
		case float64:
			out = append(out, int(n))
		default:
			out = append(out, -1)
		}
	}
	return out
}

func ints(v any) []int {
	var out []int
	for _, e := range v.([]any) {
		out = append(out, int(e.(float64)))
	}
	return out
}

func TestPollAPI(t *testing.T) {
	t.Parallel()
	clock := &movingClock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	in := newInstanceAt(t, clock.now)
	_, alice := in.member("alice")
	_, bob := in.member("bob")
	_, carol := in.member("carol")
	_, reader := in.member("reader", "read")

	// JSON, expires_in as a number.
	r := in.postJSON("/api/v1/statuses", alice, map[string]any{"status": "Which first?",
		"poll": map[string]any{"options": []string{"Water", "Housing"}, "expires_in": 3600, "multiple": false}})
	wantStatus(t, r, 200)
	st := r.Object(t)
	checkStatus(t, "poll status", st)
	p, ok := st["poll"].(map[string]any)
	if !ok {
		t.Fatalf("status without its poll: %s", r.Body)
	}
	checkPoll(t, "new poll", p)
	if p["id"] != st["id"] || p["expires_at"] != "2025-06-01T13:00:00.000Z" || p["expired"] != false || p["multiple"] != false ||
		p["votes_count"] != 0.0 || p["voters_count"] != 0.0 || p["voted"] != true || len(p["own_votes"].([]any)) != 0 {
		t.Errorf("new poll as its author sees it: %v", p)
	}
	if got := optionVotes(p); !slices.Equal(got, []int{0, 0}) {
		t.Errorf("option votes %v", got)
	}
	id := p["id"].(string)

	// A form, expires_in as text; several choices; totals hidden.
	r = in.do("POST", "/api/v1/statuses", alice,
		"status=Which+ones%3F&poll[options][]=a&poll[options][]=b&poll[options][]=c&poll[expires_in]=600&poll[multiple]=true&poll[hide_totals]=true",
		"application/x-www-form-urlencoded")
	wantStatus(t, r, 200)
	hidden := r.Object(t)["poll"].(map[string]any)
	checkPoll(t, "hidden poll", hidden)
	if hidden["multiple"] != true || !slices.Equal(optionVotes(hidden), []int{-1, -1, -1}) {
		t.Errorf("poll with hidden totals: %v", hidden)
	}
	hiddenID := hidden["id"].(string)
	// JSON with expires_in as text, as some clients send it.
	r = in.postJSON("/api/v1/statuses", alice, map[string]any{"status": "Text expiry",
		"poll": map[string]any{"options": []string{"a", "b"}, "expires_in": "86400"}})
	wantStatus(t, r, 200)

	for _, c := range []struct {
		name, ct, body, field string
	}{
		{"five options", "application/json", `{"status": "x", "poll": {"options": ["a","b","c","d","e"], "expires_in": 3600}}`, "poll[options]"},
		{"long option", "application/json", `{"status": "x", "poll": {"options": ["a","0123456789012345678901234567890123456789012345678901"], "expires_in": 3600}}`, "poll[options]"},
		{"short expiry", "application/json", `{"status": "x", "poll": {"options": ["a","b"], "expires_in": 299}}`, "poll[expires_in]"},
		{"no expiry", "application/json", `{"status": "x", "poll": {"options": ["a","b"]}}`, "poll[expires_in]"},
		{"text expiry", "application/x-www-form-urlencoded", `status=x&poll[options][]=a&poll[options][]=b&poll[expires_in]=soon`, "poll[expires_in]"},
		{"fractional expiry", "application/json", `{"status": "x", "poll": {"options": ["a","b"], "expires_in": 3600.5}}`, "poll[expires_in]"},
		{"options of objects", "application/json", `{"status": "x", "poll": {"options": [{"title": "a"}, "b"], "expires_in": 3600}}`, "poll[options]"},
		{"multiple maybe", "application/json", `{"status": "x", "poll": {"options": ["a","b"], "expires_in": 3600, "multiple": "maybe"}}`, "poll[multiple]"},
	} {
		wantAPIError(t, in.do("POST", "/api/v1/statuses", alice, c.body, c.ct), 422, c.field)
	}

	// Reading a poll, anonymously and as a member.
	r = in.get("/api/v1/polls/"+id, "")
	wantStatus(t, r, 200)
	anon := r.Object(t)
	checkPoll(t, "anonymous poll", anon)
	if anon["voted"] != false {
		t.Errorf("anonymous voted = %v", anon["voted"])
	}
	wantStatus(t, in.get("/api/v1/polls/01ARZ3NDEKTSV4RRFFQ69G5FAV", ""), 404)
	wantStatus(t, in.get("/api/v1/polls/nonsense", ""), 404)

	// Voting: form and JSON; once; not in one's own poll.
	r = in.do("POST", "/api/v1/polls/"+id+"/votes", bob, "choices[]=1", "application/x-www-form-urlencoded")
	wantStatus(t, r, 200)
	voted := r.Object(t)
	checkPoll(t, "voted poll", voted)
	if voted["voted"] != true || !slices.Equal(ints(voted["own_votes"]), []int{1}) || voted["votes_count"] != 1.0 ||
		!slices.Equal(optionVotes(voted), []int{0, 1}) {
		t.Errorf("after bob's vote: %v", voted)
	}
	wantAPIError(t, in.postJSON("/api/v1/polls/"+id+"/votes", bob, map[string]any{"choices": []int{0}}), 422, "already voted")
	wantAPIError(t, in.postJSON("/api/v1/polls/"+id+"/votes", alice, map[string]any{"choices": []int{0}}), 422, "own poll")
	wantAPIError(t, in.postJSON("/api/v1/polls/"+id+"/votes", carol, map[string]any{"choices": []int{0, 1}}), 422, "choices")
	wantAPIError(t, in.postJSON("/api/v1/polls/"+id+"/votes", carol, map[string]any{"choices": []int{2}}), 422, "choices")
	wantAPIError(t, in.postJSON("/api/v1/polls/"+id+"/votes", carol, map[string]any{"choices": []string{"first"}}), 422, "choices")
	wantAPIError(t, in.postJSON("/api/v1/polls/"+id+"/votes", carol, map[string]any{}), 422, "choices")
	wantStatus(t, in.postJSON("/api/v1/polls/"+id+"/votes", reader, map[string]any{"choices": []int{0}}), 403)
	wantStatus(t, in.postJSON("/api/v1/polls/"+id+"/votes", "", map[string]any{"choices": []int{0}}), 401)
	r = in.postJSON("/api/v1/polls/"+id+"/votes", carol, map[string]any{"choices": []string{"0"}})
	wantStatus(t, r, 200)
	if got := r.Object(t); got["votes_count"] != 2.0 || got["voters_count"] != 2.0 || !slices.Equal(optionVotes(got), []int{1, 1}) {
		t.Errorf("after carol's vote: %v", got)
	}
	r = in.get("/api/v1/statuses/"+id, bob)
	wantStatus(t, r, 200)
	if p := r.Object(t)["poll"].(map[string]any); !slices.Equal(ints(p["own_votes"]), []int{1}) || p["voted"] != true {
		t.Errorf("the status as bob sees it: %v", p)
	}

	// Hidden totals: the total shows, the options' counts only once it ends.
	r = in.postJSON("/api/v1/polls/"+hiddenID+"/votes", bob, map[string]any{"choices": []int{0, 2}})
	wantStatus(t, r, 200)
	if got := r.Object(t); got["votes_count"] != 2.0 || got["voters_count"] != 1.0 || !slices.Equal(optionVotes(got), []int{-1, -1, -1}) {
		t.Errorf("hidden poll after bob's votes: %v", got)
	}
	clock.add(10*time.Minute + time.Second)
	r = in.get("/api/v1/polls/"+hiddenID, alice)
	wantStatus(t, r, 200)
	if got := r.Object(t); got["expired"] != true || !slices.Equal(optionVotes(got), []int{1, 0, 1}) {
		t.Errorf("hidden poll once ended: %v", got)
	}
	wantAPIError(t, in.postJSON("/api/v1/polls/"+hiddenID+"/votes", carol, map[string]any{"choices": []int{1}}), 422, "ended")

	// The instance announces the limits the API applies.
	r = in.get("/api/v2/instance", "")
	wantStatus(t, r, 200)
	polls := r.Object(t)["configuration"].(map[string]any)["polls"].(map[string]any)
	if polls["max_options"] != float64(roundtable.PollMaxOptions) || polls["max_characters_per_option"] != float64(roundtable.PollMaxOptionChars) ||
		polls["min_expiration"] != float64(roundtable.PollMinExpiration) || polls["max_expiration"] != float64(roundtable.PollMaxExpiration) {
		t.Errorf("configuration.polls = %v", polls)
	}
}
