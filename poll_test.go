package roundtable_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roundtable-fed/roundtable"
)

// clock is a time that tests move.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func pollPost(options ...string) roundtable.NewStatus {
	return roundtable.NewStatus{Text: "Which first?", Poll: &roundtable.NewPoll{Options: options, ExpiresIn: 3600}}
}

func TestPollCreateValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storeForTest(t, nil)
	alice := memberForTest(t, s, "alice")
	long := strings.Repeat("é", roundtable.PollMaxOptionChars+1)
	cases := []struct {
		name  string
		poll  roundtable.NewPoll
		field string
	}{
		{"no options", roundtable.NewPoll{ExpiresIn: 3600}, "poll[options]"},
		{"one option", roundtable.NewPoll{Options: []string{"a"}, ExpiresIn: 3600}, "poll[options]"},
		{"five options", roundtable.NewPoll{Options: []string{"a", "b", "c", "d", "e"}, ExpiresIn: 3600}, "poll[options]"},
		{"blank option", roundtable.NewPoll{Options: []string{"a", "  "}, ExpiresIn: 3600}, "poll[options]"},
		{"long option", roundtable.NewPoll{Options: []string{"a", long}, ExpiresIn: 3600}, "poll[options]"},
		{"repeated option", roundtable.NewPoll{Options: []string{"a", "b", " a"}, ExpiresIn: 3600}, "poll[options]"},
		{"too short", roundtable.NewPoll{Options: []string{"a", "b"}, ExpiresIn: roundtable.PollMinExpiration - 1}, "poll[expires_in]"},
		{"too long", roundtable.NewPoll{Options: []string{"a", "b"}, ExpiresIn: roundtable.PollMaxExpiration + 1}, "poll[expires_in]"},
		{"no expiry", roundtable.NewPoll{Options: []string{"a", "b"}}, "poll[expires_in]"},
	}
	for _, c := range cases {
		_, err := s.CreateStatus(ctx, alice, roundtable.NewStatus{Text: "A poll", Poll: &c.poll})
		var ve *roundtable.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("%s: %v, want a validation error of %s", c.name, err, c.field)
		}
	}
	if _, err := s.CreateStatus(ctx, alice, roundtable.NewStatus{Text: " ", Poll: &roundtable.NewPoll{Options: []string{"a", "b"}, ExpiresIn: 3600}}); err == nil {
		t.Error("a poll without text was posted")
	}
	sts, err := s.AccountStatuses(ctx, alice.ID, alice.ID, roundtable.AccountStatusFilter{}, roundtable.Page{Limit: 20})
	if err != nil || len(sts) != 0 {
		t.Fatalf("refused polls left statuses: %d, %v", len(sts), err)
	}

	// The limits themselves are allowed.
	limits := []string{"a", strings.Repeat("x", roundtable.PollMaxOptionChars), "c", "d"}
	for _, secs := range []int{roundtable.PollMinExpiration, roundtable.PollMaxExpiration} {
		st := mustPost(t, s, alice, roundtable.NewStatus{Text: "Limits", Poll: &roundtable.NewPoll{Options: limits, ExpiresIn: secs, Multiple: true}})
		if st.Poll == nil || len(st.Poll.Options) != 4 || !st.Poll.Multiple {
			t.Fatalf("poll = %+v", st.Poll)
		}
		if d := st.Poll.ExpiresAt.Sub(st.CreatedAt); d > time.Duration(secs)*time.Second || d <= time.Duration(secs-1)*time.Second {
			t.Errorf("expires %v after posting, want %ds", d, secs)
		}
	}
}

func TestPollVoting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := &clock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	s := storeForTest(t, c.now)
	alice, bob, carol, dave := memberForTest(t, s, "alice"), memberForTest(t, s, "bob"), memberForTest(t, s, "carol"), memberForTest(t, s, "dave")
	st := mustPost(t, s, alice, pollPost("Water", "Housing", "Work"))
	if p := st.Poll; p.ID != st.ID || p.VotesCount != 0 || p.VotersCount == nil || *p.VotersCount != 0 || p.Expired || !p.Voted {
		t.Fatalf("new poll as its author sees it: %+v", p)
	}
	for _, o := range st.Poll.Options {
		if o.VotesCount != 0 {
			t.Fatalf("new poll has votes: %+v", st.Poll.Options)
		}
	}

	p, err := s.Vote(ctx, bob, st.ID, []int{1})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Voted || !slices.Equal(p.OwnVotes, []int{1}) || p.VotesCount != 1 || *p.VotersCount != 1 || p.Options[1].VotesCount != 1 {
		t.Errorf("after bob's vote: %+v", p)
	}
	refusals := []struct {
		name    string
		m       *roundtable.Member
		choices []int
		want    string // in the message
	}{
		{"repeat", bob, []int{1}, "already voted"},
		{"another option", bob, []int{0}, "already voted"},
		{"own poll", alice, []int{0}, "own poll"},
		{"two on a single choice", carol, []int{0, 1}, "single choice"},
		{"no such option", carol, []int{3}, "not an option"},
		{"negative", carol, []int{-1}, "not an option"},
		{"none", carol, nil, "at least one"},
	}
	for _, r := range refusals {
		_, err := s.Vote(ctx, r.m, st.ID, r.choices)
		if err == nil || !strings.Contains(err.Error(), r.want) {
			t.Errorf("%s: %v, want an error saying %q", r.name, err, r.want)
		}
		var ve *roundtable.ValidationError
		var rf *roundtable.Refusal
		if !errors.As(err, &ve) && !errors.As(err, &rf) {
			t.Errorf("%s: %v is neither a validation error nor a refusal", r.name, err)
		}
	}
	if _, err := s.Vote(ctx, carol, st.ID, []int{1, 1}); err != nil {
		t.Errorf("the same choice twice in one vote: %v", err)
	}
	for viewer, want := range map[string][]int{bob.ID: {1}, carol.ID: {1}, dave.ID: {}, "": {}} {
		got, err := s.Poll(ctx, st.ID, viewer)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.OwnVotes, want) || got.Voted != (len(want) > 0) || got.VotesCount != 2 || got.Options[1].VotesCount != 2 {
			t.Errorf("poll as %q sees it: %+v", viewer, got)
		}
	}
	if _, err := s.Vote(ctx, bob, roundtable.NewID(c.now()), []int{0}); !errors.Is(err, roundtable.ErrNotFound) {
		t.Errorf("vote in a poll that does not exist: %v", err)
	}
	plain := mustPost(t, s, alice, roundtable.NewStatus{Text: "No poll here"})
	if _, err := s.Vote(ctx, bob, plain.ID, []int{0}); !errors.Is(err, roundtable.ErrNotFound) {
		t.Errorf("vote on a status without a poll: %v", err)
	}
	if _, err := s.Poll(ctx, plain.ID, ""); !errors.Is(err, roundtable.ErrNotFound) {
		t.Errorf("poll of a status without one: %v", err)
	}

	// Several choices: each counts once; the voter once.
	multi := mustPost(t, s, alice, roundtable.NewStatus{Text: "Which ones?",
		Poll: &roundtable.NewPoll{Options: []string{"a", "b", "c"}, ExpiresIn: 600, Multiple: true}})
	p, err = s.Vote(ctx, bob, multi.ID, []int{2, 0})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.OwnVotes, []int{0, 2}) || p.VotesCount != 2 || *p.VotersCount != 1 {
		t.Errorf("multiple choice: %+v", p)
	}
	if _, err := s.Vote(ctx, bob, multi.ID, []int{1}); err == nil {
		t.Error("bob voted twice in a multiple-choice poll")
	}

	// Ten minutes on, the second poll has ended; the first is open.
	c.add(10 * time.Minute)
	if _, err := s.Vote(ctx, carol, multi.ID, []int{1}); err == nil || !strings.Contains(err.Error(), "ended") {
		t.Errorf("vote in an ended poll: %v", err)
	}
	if p, _ := s.Poll(ctx, multi.ID, ""); !p.Expired || p.VotesCount != 2 {
		t.Errorf("ended poll: %+v", p)
	}
	if _, err := s.Vote(ctx, dave, st.ID, []int{2}); err != nil {
		t.Errorf("vote in an open poll: %v", err)
	}
	c.add(time.Hour)
	if p, _ := s.Poll(ctx, st.ID, dave.ID); !p.Expired || p.VotesCount != 3 || !slices.Equal(p.OwnVotes, []int{2}) {
		t.Errorf("first poll after its hour: %+v", p)
	}
}

func TestPollVisibility(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storeForTest(t, nil)
	alice, bob := memberForTest(t, s, "alice"), memberForTest(t, s, "bob")
	ns := pollPost("yes", "no")
	ns.Visibility = "private"
	st := mustPost(t, s, alice, ns)
	if _, err := s.Vote(ctx, bob, st.ID, []int{0}); !errors.Is(err, roundtable.ErrNotFound) {
		t.Errorf("vote in a followers-only poll by a stranger: %v", err)
	}
	if _, err := s.Poll(ctx, st.ID, ""); !errors.Is(err, roundtable.ErrNotFound) {
		t.Errorf("anonymous read of a followers-only poll: %v", err)
	}
}

// TestPollConcurrentVotes: a voter's votes sent at once count once.
func TestPollConcurrentVotes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storeForTest(t, nil)
	alice, bob := memberForTest(t, s, "alice"), memberForTest(t, s, "bob")
	st := mustPost(t, s, alice, pollPost("yes", "no"))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() { _, _ = s.Vote(ctx, bob, st.ID, []int{i % 2}) })
	}
	wg.Wait()
	p, err := s.Poll(ctx, st.ID, bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.VotesCount != 1 || *p.VotersCount != 1 || len(p.OwnVotes) != 1 || p.Options[0].VotesCount+p.Options[1].VotesCount != 1 {
		t.Errorf("after eight concurrent votes by one member: %+v", p)
	}
}

// TestRemotePoll stores a poll another server publishes, takes its later
// counts, and counts remote votes in a local poll once per voter.
func TestRemotePoll(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storeForTest(t, nil)
	alice := memberForTest(t, s, "alice")
	erin, err := s.SaveRemoteActor(ctx, roundtable.RemoteActor{Type: "Person", Username: "erin", Domain: "masto.example",
		URI: "https://masto.example/users/erin", Inbox: "https://masto.example/users/erin/inbox",
		Followers: "https://masto.example/users/erin/followers", PublicKeyPEM: "key", PublicKeyID: "https://masto.example/users/erin#main-key"})
	if err != nil {
		t.Fatal(err)
	}
	frank, err := s.SaveRemoteActor(ctx, roundtable.RemoteActor{Type: "Person", Username: "frank", Domain: "other.example",
		URI: "https://other.example/users/frank", Inbox: "https://other.example/users/frank/inbox",
		PublicKeyPEM: "key", PublicKeyID: "https://other.example/users/frank#main-key"})
	if err != nil {
		t.Fatal(err)
	}

	end := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	voters := 3
	rs := roundtable.RemoteStatus{URI: "https://masto.example/users/erin/statuses/1", Content: "<p>Which?</p>",
		Visibility: roundtable.Public, Poll: &roundtable.RemotePoll{Options: []string{"x", "y"}, Votes: []int{2, 1},
			EndTime: &end, VotersCount: &voters}}
	st, err := s.SaveRemoteStatus(ctx, erin, rs)
	if err != nil {
		t.Fatal(err)
	}
	if st.Poll == nil || st.Poll.VotesCount != 3 || st.Poll.Options[0].VotesCount != 2 || !st.Poll.ExpiresAt.Equal(end) || st.Poll.Expired {
		t.Fatalf("remote poll: %+v", st.Poll)
	}
	// New results arrive as an Update without an edit; older results that
	// arrive late do not undo them.
	rs.Poll = &roundtable.RemotePoll{Options: []string{"x", "y"}, Votes: []int{2, 4}, EndTime: &end}
	if st, err = s.SaveRemoteStatus(ctx, erin, rs); err != nil || st.Poll.VotesCount != 6 || st.Poll.Options[1].VotesCount != 4 {
		t.Fatalf("updated results: %+v, %v", st.Poll, err)
	}
	rs.Poll = &roundtable.RemotePoll{Options: []string{"x", "y"}, Votes: []int{1, 1}, EndTime: &end}
	if st, err = s.SaveRemoteStatus(ctx, erin, rs); err != nil || st.Poll.VotesCount != 6 || *st.Poll.VotersCount != 3 {
		t.Fatalf("late results: %+v, %v", st.Poll, err)
	}
	// Alice votes in it: counted here at once, and sent to erin.
	p, err := s.Vote(ctx, alice, st.ID, []int{0})
	if err != nil || p.Options[0].VotesCount != 3 || !p.Voted {
		t.Fatalf("alice's vote in erin's poll: %+v, %v", p, err)
	}
	// Closed at its origin: it takes no more votes.
	closed := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	rs.Poll = &roundtable.RemotePoll{Options: []string{"x", "y"}, Votes: []int{3, 4}, EndTime: &end, Closed: &closed}
	if st, err = s.SaveRemoteStatus(ctx, erin, rs); err != nil || !st.Poll.Expired {
		t.Fatalf("closed poll: %+v, %v", st.Poll, err)
	}

	// Remote votes in alice's poll.
	local := mustPost(t, s, alice, pollPost("one", "two", "three"))
	uri := *local.URI
	for i, v := range []struct {
		voter  *roundtable.Account
		choice string
		id     string
	}{
		{erin, "two", "https://masto.example/users/erin#votes/1"},
		{erin, "two", "https://masto.example/users/erin#votes/1"}, // replayed
		{erin, "three", "https://masto.example/users/erin#votes/2"},
		{frank, "one", "https://other.example/users/frank#votes/1"},
	} {
		if err := s.ReceiveVote(ctx, v.voter, uri, v.choice, v.id); err != nil {
			t.Fatalf("vote %d: %v", i, err)
		}
	}
	if err := s.ReceiveVote(ctx, frank, uri, "four", "https://other.example/users/frank#votes/2"); err == nil {
		t.Error("a vote for no option was counted")
	}
	if err := s.ReceiveVote(ctx, frank, "https://example.org/users/alice/statuses/nothing", "one", ""); !errors.Is(err, roundtable.ErrNotFound) {
		t.Errorf("a vote in no poll: %v", err)
	}
	p, err = s.Poll(ctx, local.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.VotesCount != 2 || *p.VotersCount != 2 || p.Options[0].VotesCount != 1 || p.Options[1].VotesCount != 1 || p.Options[2].VotesCount != 0 {
		t.Errorf("alice's poll after remote votes: %+v", p)
	}
	if err := s.ReceiveVote(ctx, &alice.Account, uri, "one", ""); !errors.Is(err, roundtable.ErrForbidden) {
		t.Errorf("a 'remote' vote by a local account: %v", err)
	}
}

// TestPollEndedNotified: when a poll ends, its author and those who voted
// get a "poll" notification, once; those who did not vote get none.
func TestPollEndedNotified(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := &clock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	s := storeForTest(t, c.now)
	alice, bob, carol := memberForTest(t, s, "alice"), memberForTest(t, s, "bob"), memberForTest(t, s, "carol")
	st := mustPost(t, s, alice, pollPost("Water", "Housing"))
	if _, err := s.Vote(ctx, bob, st.ID, []int{0}); err != nil {
		t.Fatal(err)
	}
	polls := func(m *roundtable.Member) int {
		ns, err := s.Notifications(ctx, m, roundtable.NotificationFilter{Types: []string{"poll"}}, roundtable.Page{})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			if n.StatusID == nil || *n.StatusID != st.ID {
				t.Errorf("a poll notification about %v", n.StatusID)
			}
		}
		return len(ns)
	}
	if n, err := s.AnnounceEndedPolls(ctx); err != nil || n != 0 {
		t.Fatalf("before the end: %d announced, %v", n, err)
	}
	c.add(61 * time.Minute)
	if n, err := s.AnnounceEndedPolls(ctx); err != nil || n != 1 {
		t.Fatalf("after the end: %d announced, %v", n, err)
	}
	if n, _ := s.AnnounceEndedPolls(ctx); n != 0 {
		t.Errorf("announced twice")
	}
	if polls(alice) != 1 || polls(bob) != 1 || polls(carol) != 0 {
		t.Errorf("poll notifications: alice %d, bob %d, carol %d; want 1, 1, 0", polls(alice), polls(bob), polls(carol))
	}
}
