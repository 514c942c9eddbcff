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
	"github.com/roundtable-fed/roundtable/migrations/dbtest"
)

// storeForTest returns a Store on a fresh database, with cheap password hashing
// and, when clock is not nil, that clock.
func storeForTest(t *testing.T, clock func() time.Time) *roundtable.Store {
	t.Helper()
	opts := []roundtable.Option{
		roundtable.WithLinks(roundtable.Links{Base: "https://example.org"}),
		roundtable.WithPasswordParams(roundtable.PasswordParams{Memory: 1024, Time: 1, Threads: 1}),
	}
	if clock != nil {
		opts = append(opts, roundtable.WithClock(clock))
	}
	return roundtable.NewStore(dbtest.Pool(t), opts...)
}

func memberForTest(t *testing.T, s *roundtable.Store, name string) *roundtable.Member {
	t.Helper()
	m, err := s.CreateMember(context.Background(), roundtable.NewMember{
		Username: name, Email: name + "@example.org", Password: "password-" + name, Approved: true})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustPost(t *testing.T, s *roundtable.Store, m *roundtable.Member, ns roundtable.NewStatus) *roundtable.Status {
	t.Helper()
	st, err := s.CreateStatus(context.Background(), m, ns)
	if err != nil {
		t.Fatalf("post %q: %v", ns.Text, err)
	}
	return st
}

func TestIDOrder(t *testing.T) {
	t.Parallel()
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	var ids []string
	// Many in the same millisecond, then later ones, all in order.
	for i := range 1000 {
		ids = append(ids, roundtable.NewID(base.Add(time.Duration(i/100)*time.Millisecond)))
	}
	ids = append(ids, roundtable.NewID(base.Add(time.Hour)), roundtable.NewID(base.Add(365*24*time.Hour)))
	if !slices.IsSorted(ids) {
		t.Error("ids are not in creation order")
	}
	if len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Error("duplicate ids")
	}
	for _, id := range ids[:3] {
		if !roundtable.ValidID(id) || len(id) != 26 {
			t.Errorf("NewID made %q, which ValidID refuses", id)
		}
	}
	// An earlier time sorts first whatever the entropy.
	if a, b := roundtable.NewID(base.Add(time.Millisecond)), roundtable.NewID(base); !(b < a) {
		t.Errorf("earlier id %s does not sort before %s", b, a)
	}
	// Concurrent callers get distinct ids.
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				id := roundtable.NewID(base)
				mu.Lock()
				if seen[id] {
					t.Errorf("id %s made twice", id)
				}
				seen[id] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, bad := range []string{"", "not-an-id", "0", "01ARZ3NDEKTSV4RRFFQ69G5FA", "01ARZ3NDEKTSV4RRFFQ69G5FAVV",
		"8ZZZZZZZZZZZZZZZZZZZZZZZZZ", "01ARZ3NDEKTSV4RRFFQ69G5FA!", "01ARZ3NDEKTSV4RRFFQ69G5FAU", "' OR 1=1 --             "} {
		if roundtable.ValidID(bad) {
			t.Errorf("ValidID(%q) = true", bad)
		}
	}
}

func TestStatusVisibilityRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storeForTest(t, nil)
	alice := memberForTest(t, s, "alice")
	follower := memberForTest(t, s, "follower")
	mentioned := memberForTest(t, s, "mentioned")
	stranger := memberForTest(t, s, "stranger")
	pending := memberForTest(t, s, "pending")
	if _, err := s.Follow(ctx, follower, alice.ID); err != nil {
		t.Fatal(err)
	}

	sts := map[roundtable.Visibility]*roundtable.Status{}
	for _, v := range []roundtable.Visibility{roundtable.Public, roundtable.Unlisted, roundtable.Private, roundtable.Direct} {
		sts[v] = mustPost(t, s, alice, roundtable.NewStatus{Text: "for @mentioned, " + string(v), Visibility: string(v)})
		if sts[v].Visibility != v {
			t.Fatalf("posted %s, stored %s", v, sts[v].Visibility)
		}
	}
	// A follow that awaits approval does not count.
	locked := true
	if _, err := s.UpdateProfile(ctx, alice.ID, roundtable.ProfileUpdate{Locked: &locked}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Follow(ctx, pending, alice.ID); err != nil {
		t.Fatal(err)
	}

	readers := map[string]string{"alice": alice.ID, "follower": follower.ID, "mentioned": mentioned.ID,
		"stranger": stranger.ID, "pending": pending.ID, "anonymous": ""}
	sees := map[roundtable.Visibility][]string{
		roundtable.Public:   {"alice", "follower", "mentioned", "stranger", "pending", "anonymous"},
		roundtable.Unlisted: {"alice", "follower", "mentioned", "stranger", "pending", "anonymous"},
		// A mention does not widen a followers-only status (mastodon#26937).
		roundtable.Private: {"alice", "follower"},
		roundtable.Direct:  {"alice", "mentioned"},
	}
	for v, st := range sts {
		for name, id := range readers {
			got, err := s.Status(ctx, st.ID, id)
			want := slices.Contains(sees[v], name)
			switch {
			case want && err != nil:
				t.Errorf("%s cannot see the %s status: %v", name, v, err)
			case want && got.ID != st.ID:
				t.Errorf("%s got status %s for %s", name, got.ID, st.ID)
			case !want && !errors.Is(err, roundtable.ErrNotFound):
				t.Errorf("%s sees the %s status (err %v)", name, v, err)
			}
		}
	}
	// Only the author may delete, whoever else can see it.
	if _, err := s.DeleteStatus(ctx, follower, sts[roundtable.Private].ID); !errors.Is(err, roundtable.ErrForbidden) {
		t.Errorf("a follower deleting: %v", err)
	}
	if _, err := s.DeleteStatus(ctx, stranger, sts[roundtable.Direct].ID); !errors.Is(err, roundtable.ErrNotFound) {
		t.Errorf("a stranger deleting a direct status: %v", err)
	}
	if _, err := s.Favourite(ctx, stranger, sts[roundtable.Private].ID); !errors.Is(err, roundtable.ErrNotFound) {
		t.Errorf("a stranger liking a private status: %v", err)
	}
	// Timelines list only what their reader may see.
	pub, err := s.PublicTimeline(ctx, "", roundtable.PublicTimelineFilter{}, roundtable.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pub) != 1 || pub[0].ID != sts[roundtable.Public].ID {
		t.Errorf("public timeline has %d statuses", len(pub))
	}
	home, err := s.HomeTimeline(ctx, follower.ID, roundtable.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(home) != 3 {
		t.Errorf("follower's home has %d statuses, want public, unlisted and private", len(home))
	}
	for _, id := range []string{"", "nonsense", "01ARZ3NDEKTSV4RRFFQ69G5FAV"} {
		if _, err := s.Status(ctx, id, alice.ID); !errors.Is(err, roundtable.ErrNotFound) {
			t.Errorf("Status(%q): %v", id, err)
		}
	}
}

func TestCreateStatusValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storeForTest(t, nil)
	alice := memberForTest(t, s, "alice")
	yes := true
	for _, c := range []struct {
		ns    roundtable.NewStatus
		field string
	}{
		{roundtable.NewStatus{Text: ""}, "status"},
		{roundtable.NewStatus{Text: " \n\t "}, "status"},
		{roundtable.NewStatus{Text: strings.Repeat("a", 5001)}, "status"},
		{roundtable.NewStatus{Text: strings.Repeat("a", 4000), SpoilerText: strings.Repeat("b", 1001)}, "status"},
		{roundtable.NewStatus{Text: "bad \xff utf-8"}, "status"},
		{roundtable.NewStatus{Text: "x", Visibility: "local"}, "visibility"},
		{roundtable.NewStatus{Text: "x", Visibility: "Public"}, "visibility"},
		{roundtable.NewStatus{Text: "x", Language: "english"}, "language"},
		{roundtable.NewStatus{Text: "x", ContentType: "text/html"}, "content_type"},
		{roundtable.NewStatus{Text: "x", InReplyToID: "01ARZ3NDEKTSV4RRFFQ69G5FAV"}, "in_reply_to_id"},
		{roundtable.NewStatus{Text: "x", InReplyToID: "junk"}, "in_reply_to_id"},
		{roundtable.NewStatus{Text: "x", Sensitive: &yes, IdempotencyKey: strings.Repeat("k", 257)}, "Idempotency-Key"},
	} {
		_, err := s.CreateStatus(ctx, alice, c.ns)
		var ve *roundtable.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("CreateStatus(%.40q…): %v, want a validation error on %s", c.ns.Text, err, c.field)
		}
	}
	sts, err := s.AccountStatuses(ctx, alice.ID, alice.ID, roundtable.AccountStatusFilter{}, roundtable.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Account(ctx, alice.ID); len(sts) != 0 || a.StatusesCount != 0 {
		t.Errorf("refused statuses stored: %d listed, count %d", len(sts), a.StatusesCount)
	}
	// The source is kept as written, the HTML made from it.
	st := mustPost(t, s, alice, roundtable.NewStatus{Text: "  **hi** <b>x</b>\n", ContentType: roundtable.ContentMarkdown})
	got, err := s.Status(ctx, st.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if got.Source != "  **hi** <b>x</b>\n" || !strings.Contains(got.Content, "<strong>hi</strong>") || strings.Contains(got.Content, "<b>") {
		t.Errorf("source %q content %q", got.Source, got.Content)
	}
}

func TestIdempotencyKeyWindow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	s := storeForTest(t, clock)
	alice := memberForTest(t, s, "alice")
	bob := memberForTest(t, s, "bob")

	first := mustPost(t, s, alice, roundtable.NewStatus{Text: "one", IdempotencyKey: "k"})
	advance(23 * time.Hour)
	if again := mustPost(t, s, alice, roundtable.NewStatus{Text: "one again", IdempotencyKey: "k"}); again.ID != first.ID {
		t.Errorf("replay within a day made %s, want %s", again.ID, first.ID)
	}
	if other := mustPost(t, s, bob, roundtable.NewStatus{Text: "bob's", IdempotencyKey: "k"}); other.ID == first.ID {
		t.Error("another account's key replayed alice's status")
	}
	// After a day the key is free again.
	advance(2 * time.Hour)
	later := mustPost(t, s, alice, roundtable.NewStatus{Text: "a day later", IdempotencyKey: "k"})
	if later.ID == first.ID || later.Source != "a day later" {
		t.Errorf("expired key replayed %s (%q)", later.ID, later.Source)
	}
	if again := mustPost(t, s, alice, roundtable.NewStatus{Text: "x", IdempotencyKey: "k"}); again.ID != later.ID {
		t.Errorf("the renewed key gave %s, want %s", again.ID, later.ID)
	}
	// A deleted status frees its key.
	if _, err := s.DeleteStatus(ctx, alice, later.ID); err != nil {
		t.Fatal(err)
	}
	if fresh := mustPost(t, s, alice, roundtable.NewStatus{Text: "after delete", IdempotencyKey: "k"}); fresh.ID == later.ID {
		t.Error("the key of a deleted status replayed it")
	}
	a, err := s.Account(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.StatusesCount != 2 {
		t.Errorf("alice has %d statuses, want 2 (one deleted)", a.StatusesCount)
	}
}

func TestRepliesAndContext(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storeForTest(t, nil)
	alice := memberForTest(t, s, "alice")
	bob := memberForTest(t, s, "bob")
	root := mustPost(t, s, alice, roundtable.NewStatus{Text: "root"})
	r1 := mustPost(t, s, bob, roundtable.NewStatus{Text: "r1", InReplyToID: root.ID})
	r2 := mustPost(t, s, alice, roundtable.NewStatus{Text: "r2", InReplyToID: r1.ID})
	if r2.ThreadID != root.ID || r1.ThreadID != root.ID || *r2.InReplyToAccountID != bob.ID {
		t.Errorf("thread ids %s %s, reply-to account %s", r1.ThreadID, r2.ThreadID, *r2.InReplyToAccountID)
	}
	// The answered author is mentioned, and so may see a direct answer.
	d := mustPost(t, s, bob, roundtable.NewStatus{Text: "psst", InReplyToID: root.ID, Visibility: "direct"})
	if _, err := s.Status(ctx, d.ID, alice.ID); err != nil {
		t.Errorf("alice cannot see the direct answer: %v", err)
	}
	anc, desc, err := s.Context(ctx, r1.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(anc) != 1 || anc[0].ID != root.ID || len(desc) != 1 || desc[0].ID != r2.ID {
		t.Errorf("context of r1: %d ancestors, %d descendants", len(anc), len(desc))
	}
	got, err := s.Status(ctx, root.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if got.RepliesCount != 2 {
		t.Errorf("root has %d replies, want 2", got.RepliesCount)
	}
}
