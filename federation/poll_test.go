package federation

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-fed/activity/streams"

	"github.com/roundtable-fed/roundtable"
)

// goldenQuestion is alice's public status with a single-choice poll.
func goldenQuestion() *roundtable.StatusObject {
	o := goldenNote(roundtable.Public)
	o.InReplyToURI, o.ContextURI = "", ""
	o.Content = "<p>What should the consultation take on first?</p>"
	o.Tags = []string{}
	end := goldenTime.Add(24 * time.Hour)
	voters := 3
	o.Poll = &roundtable.ObjectPoll{EndTime: &end, VotersCount: &voters, Options: []roundtable.PollOption{
		{Title: "Water", VotesCount: 2}, {Title: "Housing", VotesCount: 1}, {Title: "Work", VotesCount: 0}}}
	return o
}

func TestGoldenQuestion(t *testing.T) {
	t.Parallel()
	f, _ := newTestFederator(t, nil)
	doc, err := f.objectDocument(goldenQuestion())
	if err != nil {
		t.Fatal(err)
	}
	checkContext(t, doc)
	checkArrays(t, "question", doc)
	compareGolden(t, "question", doc)
	// go-fed, which every inbox here runs first, reads it as a Question.
	if typ, err := streams.ToType(context.Background(), doc); err != nil || typ.GetTypeName() != "Question" {
		t.Errorf("go-fed reads the Question as %v (%v)", typ, err)
	}

	// Several choices, closed: anyOf and the closing time; the Update that
	// carries new results has an id of its own and the Question's context.
	o := goldenQuestion()
	closed := *o.Poll.EndTime
	o.Poll.Multiple, o.Poll.Closed = true, &closed
	doc, err = f.objectDocument(o)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := doc["oneOf"]; ok || len(objects(doc["anyOf"])) != 3 || doc["closed"] != "2025-06-02T12:00:00Z" {
		t.Errorf("closed multiple-choice Question: %s", pretty(t, doc))
	}
	update, err := f.activityFor(&roundtable.Outgoing{Kind: roundtable.OutUpdate, Actor: goldenAlice(), Object: o,
		ActivityID: o.URI + "#results/01JWQ7AAAABBBBCCCCDDDDEEEE"})
	if err != nil {
		t.Fatal(err)
	}
	if update["id"] != o.URI+"#results/01JWQ7AAAABBBBCCCCDDDDEEEE" || typeOf(obj(update["object"])) != "Question" {
		t.Errorf("results Update: %s", pretty(t, update))
	}
	if !strings.Contains(string(pretty(t, update)), `"votersCount": "toot:votersCount"`) {
		t.Errorf("the Update's @context does not define votersCount")
	}
}

// TestEmittedVote: a vote goes to the poll's author alone, names the
// option, and carries no content.
func TestEmittedVote(t *testing.T) {
	t.Parallel()
	f, _ := newTestFederator(t, nil)
	question := bobURI + "/statuses/7"
	doc, err := f.activityFor(&roundtable.Outgoing{Kind: roundtable.OutVote, Actor: goldenAlice(), Target: goldenBob(),
		ActivityID: aliceURI + "#votes/01JWQ7FFFFGGGGHHHHJJJJKKKK", ObjectURI: question, Choice: "Housing"})
	if err != nil {
		t.Fatal(err)
	}
	checkContext(t, doc)
	checkArrays(t, "vote", doc)
	note := obj(doc["object"])
	if typeOf(doc) != "Create" || str(doc["actor"]) != aliceURI || typeOf(note) != "Note" || note["name"] != "Housing" ||
		str(note["inReplyTo"]) != question || str(note["attributedTo"]) != aliceURI || note["content"] != nil {
		t.Errorf("vote: %s", pretty(t, doc))
	}
	for _, d := range []map[string]any{doc, note} {
		if to := strs(d["to"]); !slices.Equal(to, []string{bobURI}) || d["cc"] != nil {
			t.Errorf("vote addressed to %v, cc %v; want bob alone", to, d["cc"])
		}
	}
	if err := checkOrigin(doc, aliceURI); err != nil {
		t.Errorf("the vote fails the origin check: %v", err)
	}
	if raw := string(pretty(t, doc)); strings.Contains(raw, publicIRI) || strings.Contains(raw, "followers") {
		t.Errorf("the vote names Public or followers:\n%s", raw)
	}
}

func TestParseQuestion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, store := newTestFederator(t, func() time.Time { return time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC) })
	alice := newMember(t, store, "alice", "Alice")
	erin, err := f.saveActorDoc(ctx, payload(t, "mastodon-actor"))
	if err != nil {
		t.Fatal(err)
	}
	doc := payload(t, "mastodon-question")
	raw, _ := json.Marshal(doc)
	if err := f.process(ctx, doc, raw); err != nil {
		t.Fatal(err)
	}
	st, err := store.StatusByURI(ctx, "https://masto.example/users/erin/statuses/113200", alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.AccountID != erin.ID || !strings.Contains(st.Content, "tenants") {
		t.Errorf("status: %+v", st)
	}
	p := st.Poll
	if p == nil {
		t.Fatal("the Question was stored without its poll")
	}
	var titles []string
	var votes []int
	for _, o := range p.Options {
		titles, votes = append(titles, o.Title), append(votes, o.VotesCount)
	}
	equalList(t, "options", titles, []string{"Repairs", "Rent increases", "Heating"})
	if !slices.Equal(votes, []int{4, 2, 1}) || p.VotesCount != 7 || p.VotersCount == nil || *p.VotersCount != 7 || p.Multiple {
		t.Errorf("poll: %+v", p)
	}
	if want := time.Date(2025, 6, 3, 10, 15, 30, 0, time.UTC); p.ExpiresAt == nil || !p.ExpiresAt.Equal(want) || p.Expired {
		t.Errorf("expires at %v (expired %v), want %v", p.ExpiresAt, p.Expired, want)
	}

	// Later results, as an Update without an edit: counts as the origin says.
	object := obj(doc["object"])
	object["oneOf"].([]any)[2].(map[string]any)["replies"] = map[string]any{"type": "Collection", "totalItems": json.Number("5")}
	object["votersCount"] = "11"
	doc["id"] = "https://masto.example/users/erin/statuses/113200#updates/2"
	raw, _ = json.Marshal(doc)
	if err := f.process(ctx, doc, raw); err != nil {
		t.Fatal(err)
	}
	st, _ = store.StatusByURI(ctx, "https://masto.example/users/erin/statuses/113200", alice.ID)
	if st.Poll.VotesCount != 11 || *st.Poll.VotersCount != 11 || st.Poll.Options[2].VotesCount != 5 {
		t.Errorf("updated poll: %+v", st.Poll)
	}
}

// TestQuestionPollTolerance reads polls as several servers write them.
func TestQuestionPollTolerance(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	f, _ := newTestFederator(t, func() time.Time { return now })
	end := time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name     string
		doc      string
		options  []string
		votes    []int
		multiple bool
		closed   *time.Time
		voters   int // -1: not given
	}{
		{"anyOf, closed as a date", `{"type": "Question", "anyOf": [{"type": "Note", "name": "a", "replies": {"totalItems": 3}}, {"type": "Note", "name": "b"}], "endTime": "2025-06-02T12:00:00Z", "closed": "2025-06-01T10:00:00Z", "votersCount": 3}`,
			[]string{"a", "b"}, []int{3, 0}, true, ptr(time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)), 3},
		{"closed as true", `{"type": "Question", "oneOf": [{"name": "a"}, {"name": "b"}], "endTime": "2025-06-02T12:00:00Z", "closed": true}`,
			[]string{"a", "b"}, []int{0, 0}, false, &end, -1},
		{"closed as \"true\", no end", `{"type": "Question", "oneOf": [{"name": "a"}, {"name": "b"}], "closed": "true"}`,
			[]string{"a", "b"}, []int{0, 0}, false, &now, -1},
		{"open, closed false", `{"type": "Question", "oneOf": {"name": "only", "replies": {"totalItems": "2"}}, "closed": false}`,
			[]string{"only"}, []int{2}, false, nil, -1},
		{"names as content or a map", `{"type": "Question", "oneOf": [{"content": "<p>x</p>"}, {"nameMap": {"en": "y"}, "replies": {"totalItems": -4}}], "votersCount": 1e12}`,
			[]string{"x", "y"}, []int{0, 0}, false, nil, 2147483647},
	}
	for _, c := range cases {
		doc, err := decodeObject([]byte(c.doc))
		if err != nil {
			t.Fatal(err)
		}
		rp := f.questionPoll(doc)
		if rp == nil {
			t.Errorf("%s: no poll", c.name)
			continue
		}
		if !slices.Equal(rp.Options, c.options) || !slices.Equal(rp.Votes, c.votes) || rp.Multiple != c.multiple {
			t.Errorf("%s: %+v", c.name, rp)
		}
		if (rp.Closed == nil) != (c.closed == nil) || (rp.Closed != nil && !rp.Closed.Equal(*c.closed)) {
			t.Errorf("%s: closed %v, want %v", c.name, rp.Closed, c.closed)
		}
		if (c.voters < 0) != (rp.VotersCount == nil) || (rp.VotersCount != nil && *rp.VotersCount != c.voters) {
			t.Errorf("%s: voters %v, want %d", c.name, rp.VotersCount, c.voters)
		}
	}
	for _, doc := range []string{`{"type": "Note", "oneOf": [{"name": "a"}]}`, `{"type": "Question", "content": "Open question?"}`} {
		m, _ := decodeObject([]byte(doc))
		if rp := f.questionPoll(m); rp != nil {
			t.Errorf("%s: poll %+v", doc, rp)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// TestReceiveVotes: votes from another server in a local poll count once
// per voter; a note with content in reply to the poll is a reply.
func TestReceiveVotes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, store := newTestFederator(t, nil)
	alice := newMember(t, store, "alice", "Alice")
	if _, err := f.saveActorDoc(ctx, payload(t, "mastodon-actor")); err != nil {
		t.Fatal(err)
	}
	st, err := store.CreateStatus(ctx, alice, roundtable.NewStatus{Text: "Which first?",
		Poll: &roundtable.NewPoll{Options: []string{"Water", "Housing"}, ExpiresIn: 3600}})
	if err != nil {
		t.Fatal(err)
	}
	send := func(id, name, content string) error {
		doc := payload(t, "mastodon-vote")
		doc["id"] = id + "/activity"
		note := obj(doc["object"])
		note["id"], note["inReplyTo"], note["name"] = id, *st.URI, name
		if content != "" {
			note["content"] = content
		}
		raw, _ := json.Marshal(doc)
		if err := checkOrigin(doc, str(doc["actor"])); err != nil {
			t.Fatalf("origin: %v", err)
		}
		if _, err := streams.ToType(ctx, withContext(doc)); err != nil {
			t.Fatalf("go-fed refuses the vote: %v", err)
		}
		return f.process(ctx, doc, raw)
	}
	for _, v := range []struct{ id, name string }{
		{"https://masto.example/users/erin#votes/1", "Housing"},
		{"https://masto.example/users/erin#votes/1", "Housing"},
		{"https://masto.example/users/erin#votes/2", "Water"}, // a second choice in a single-choice poll
	} {
		if err := send(v.id, v.name, ""); err != nil {
			t.Fatalf("vote %s: %v", v.id, err)
		}
	}
	if err := send("https://masto.example/users/erin#votes/3", "Heating", ""); err == nil {
		t.Error("a vote for no option was taken")
	}
	p, err := store.Poll(ctx, st.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.VotesCount != 1 || *p.VotersCount != 1 || p.Options[1].VotesCount != 1 {
		t.Errorf("poll after erin's votes: %+v", p)
	}
	// With content, it is a reply (named, as Lemmy names its posts).
	if err := send("https://masto.example/users/erin/statuses/5", "Housing", "<p>Housing, clearly.</p>"); err != nil {
		t.Fatal(err)
	}
	_, replies, err := store.Context(ctx, st.ID, alice.ID)
	if err != nil || len(replies) != 1 {
		t.Errorf("replies: %d, %v", len(replies), err)
	}
	if p, _ := store.Poll(ctx, st.ID, ""); p.VotesCount != 1 {
		t.Errorf("the reply was counted as a vote: %+v", p)
	}
}

// FuzzQuestionPoll: whatever a server sends, reading a Question does not
// panic and gives as many counts as options.
func FuzzQuestionPoll(f *testing.F) {
	for _, seed := range []string{
		`{"type": "Question", "oneOf": [{"name": "a", "replies": {"totalItems": 1}}, {"name": "b"}], "closed": true}`,
		`{"type": "Question", "anyOf": {"name": "a"}, "closed": "2025-01-01T00:00:00Z", "votersCount": "3"}`,
		`{"type": "Question", "oneOf": [1, "x", null, {"replies": []}], "endTime": 5}`,
	} {
		f.Add([]byte(seed))
	}
	fed := &Federator{cfg: Config{Now: time.Now}}
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, err := decodeObject(b)
		if err != nil {
			return
		}
		if rp := fed.questionPoll(doc); rp != nil && len(rp.Votes) != len(rp.Options) {
			t.Errorf("%d options, %d counts", len(rp.Options), len(rp.Votes))
		}
	})
}
