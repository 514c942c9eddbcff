package roundtable_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/roundtable-fed/roundtable"
)

// consultationForTest opens a consultation facilitated by the named
// members.
func consultationForTest(t *testing.T, s *roundtable.Store, slug string, attribution roundtable.Attribution, facilitators ...string) *roundtable.Consultation {
	t.Helper()
	c, err := s.CreateConsultation(context.Background(), roundtable.NewConsultation{Slug: slug, Title: "Title of " + slug,
		Prompt: "What does *" + slug + "* mean to you?", Attribution: attribution, Facilitators: facilitators})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// seedThreads posts 3 threads in the consultation and 17 replies among them,
// some nested, by three members in turn, and returns every id posted in
// order.
func seedThreads(t *testing.T, s *roundtable.Store, slug string, authors ...*roundtable.Member) (threads []string, all []string) {
	t.Helper()
	for i := range 3 {
		st := mustPost(t, s, authors[i%len(authors)], roundtable.NewStatus{Text: fmt.Sprintf("@%s Thread %d\nWhy thread %d matters.", slug, i, i)})
		threads = append(threads, st.ID)
		all = append(all, st.ID)
	}
	for i := range 17 {
		parent := threads[i%3]
		if i >= 6 {
			parent = all[3+i-6] // replies to replies
		}
		st := mustPost(t, s, authors[(i+1)%len(authors)], roundtable.NewStatus{Text: fmt.Sprintf("Reply %d", i), InReplyToID: parent})
		all = append(all, st.ID)
	}
	return threads, all
}

func TestExportHasEveryContributionNested(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storeForTest(t, nil)
	alice, bob, carol := memberForTest(t, s, "alice"), memberForTest(t, s, "bob"), memberForTest(t, s, "carol")
	consultationForTest(t, s, "futures", roundtable.AttributionNamed, "alice")
	threads, all := seedThreads(t, s, "futures", alice, bob, carol)
	// Not in the consultation: left out.
	outside := mustPost(t, s, bob, roundtable.NewStatus{Text: "Something else entirely"})

	if _, err := s.ExportConsultation(ctx, bob, "futures", false); !errors.Is(err, roundtable.ErrForbidden) {
		t.Fatalf("export by a participant: %v, want ErrForbidden", err)
	}
	e, err := s.ExportConsultation(ctx, alice, "futures", false)
	if err != nil {
		t.Fatal(err)
	}
	if e.Stats != (roundtable.ConsultationStats{Threads: 3, Contributions: 20, Participants: 3}) {
		t.Errorf("stats %+v", e.Stats)
	}
	var got []string
	parents := map[string]string{}
	e.Each(func(it *roundtable.ExportItem) {
		got = append(got, it.ID)
		parents[it.ID] = it.ParentID
		if it.Author == nil || it.Author.Acct == "" || it.ContentText == "" {
			t.Errorf("%s: author %v, text %q", it.ID, it.Author, it.ContentText)
		}
	})
	if len(e.Threads) != 3 || len(got) != 20 {
		t.Fatalf("%d threads, %d contributions; want 3 and 20", len(e.Threads), len(got))
	}
	for i, th := range e.Threads {
		if th.ID != threads[i] || th.Title != fmt.Sprintf("Thread %d", i) || th.ParentID != "" {
			t.Errorf("thread %d: %s %q parent %q", i, th.ID, th.Title, th.ParentID)
		}
	}
	sorted := slices.Clone(got)
	slices.Sort(sorted)
	if !slices.Equal(sorted, all) || slices.Contains(got, outside.ID) {
		t.Errorf("exported %v, want exactly %v", got, all)
	}
	// Every reply sits under what it answers, and after it.
	for i, id := range got {
		p := parents[id]
		if p == "" {
			continue
		}
		if j := slices.Index(got, p); j < 0 || j >= i {
			t.Errorf("%s comes before its parent %s", id, p)
		}
		st, _ := s.Status(ctx, id, "")
		if st.InReplyToID == nil || *st.InReplyToID != p {
			t.Errorf("%s nested under %s, but answers %v", id, p, st.InReplyToID)
		}
	}
	if e.Threads[0].Author.Acct != "alice@example.org" || e.Threads[0].ContentText != "@futures Thread 0\nWhy thread 0 matters." {
		t.Errorf("first thread: %+v %q", e.Threads[0].Author, e.Threads[0].ContentText)
	}
}

func TestChathamExportNamesNoAuthor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storeForTest(t, nil)
	alice, bob := memberForTest(t, s, "alice"), memberForTest(t, s, "bob")
	consultationForTest(t, s, "quiet", roundtable.AttributionChatham, "alice")
	mustPost(t, s, bob, roundtable.NewStatus{Text: "@quiet What I saw\nIt was frightening."})
	e, err := s.ExportConsultation(ctx, alice, "quiet", false)
	if err != nil {
		t.Fatal(err)
	}
	if e.Stats.Contributions != 1 || len(e.Threads) != 1 {
		t.Fatalf("stats %+v, %d threads; want the contribution once", e.Stats, len(e.Threads))
	}
	if e.Authors || e.Threads[0].Author != nil {
		t.Errorf("a Chatham House export names %+v", e.Threads[0].Author)
	}
	if e.Threads[0].Title != "What I saw" {
		t.Errorf("title %q", e.Threads[0].Title)
	}
	e, err = s.ExportConsultation(ctx, alice, "quiet", true)
	if err != nil {
		t.Fatal(err)
	}
	if a := e.Threads[0].Author; a == nil || a.Acct != "bob@example.org" {
		t.Errorf("with authors asked by a facilitator: %+v, want bob", a)
	}
}
