package roundtable_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/roundtable-fed/roundtable"
)

// TestSeriesScheduleOpensOncePerDueDate: a series on a schedule opens one
// edition per due date, however many workers look at once, each with the
// template's norms, co-hosts and phase dates; a date missed by several
// intervals opens one edition, not a backlog.
func TestSeriesScheduleOpensOncePerDueDate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	s := storeForTest(t, clock)
	memberForTest(t, s, "alice")
	first := now.Add(time.Hour)
	se, err := s.CreateSeries(ctx, roundtable.NewSeries{Slug: "security", Title: "Rethinking security",
		PromptPattern: "Edition {edition}, {date}", Norms: []string{"Speak from experience"}, Cohosts: []string{"b.example"},
		Facilitators: []string{"alice"}, SynthesisAfterDays: 30, ClosesAfterDays: 45, IntervalDays: 61, FirstDue: &first})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.OpenDueEditions(ctx); err != nil || n != 0 {
		t.Fatalf("before the due date: %d, %v", n, err)
	}
	advance(2 * time.Hour)
	opened := make([]int, 4)
	var wg sync.WaitGroup
	for i := range opened {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := s.OpenDueEditions(ctx)
			if err != nil {
				t.Error(err)
			}
			opened[i] = n
		}()
	}
	wg.Wait()
	if total := opened[0] + opened[1] + opened[2] + opened[3]; total != 1 {
		t.Fatalf("four workers opened %v editions, want 1 in all", opened)
	}
	eds, err := s.Editions(ctx, se.AccountID)
	if err != nil || len(eds) != 1 || eds[0].DueAt == nil || !eds[0].DueAt.Equal(first) {
		t.Fatalf("editions %+v, %v", eds, err)
	}
	c, err := s.Consultation(ctx, "security_1")
	if err != nil {
		t.Fatal(err)
	}
	start := clock()
	if len(c.Norms) != 1 || c.Norms[0] != "Speak from experience" || c.Phase != roundtable.PhaseOpen ||
		c.OpensAt == nil || !c.OpensAt.Equal(start) || c.SynthesisAt == nil || !c.SynthesisAt.Equal(start.Add(30*24*time.Hour)) ||
		c.ClosesAt == nil || !c.ClosesAt.Equal(start.Add(45*24*time.Hour)) || len(c.Facilitators) != 1 {
		t.Fatalf("edition 1: %+v", c)
	}
	if len(eds[0].Cohosts) != 1 || eds[0].Cohosts[0] != "b.example" {
		t.Errorf("edition 1's co-hosts: %v", eds[0].Cohosts)
	}
	if se, _ = s.Series(ctx, "security"); se.NextDueAt == nil || !se.NextDueAt.Equal(first.Add(61*24*time.Hour)) {
		t.Errorf("next due %v, want 61 days after the first", se.NextDueAt)
	}
	// Three intervals later: one edition, and the next date after now.
	advance(3 * 61 * 24 * time.Hour)
	if n, err := s.OpenDueEditions(ctx); err != nil || n != 1 {
		t.Fatalf("after a long pause: %d, %v", n, err)
	}
	if n, err := s.OpenDueEditions(ctx); err != nil || n != 0 {
		t.Fatalf("run again: %d, %v", n, err)
	}
	if se, _ = s.Series(ctx, "security"); !se.NextDueAt.After(clock()) {
		t.Errorf("next due %v is not after now", se.NextDueAt)
	}
	if _, err := s.Consultation(ctx, "security_2"); err != nil {
		t.Fatal(err)
	}
}

// TestSeriesRefusesBadTemplates: bad durations and co-hosts are refused,
// naming the field, and store nothing; an unknown series is not found.
func TestSeriesRefusesBadTemplates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storeForTest(t, nil)
	for _, bad := range []struct {
		field string
		ns    roundtable.NewSeries
	}{
		{"synthesis_after_days", roundtable.NewSeries{SynthesisAfterDays: 0, ClosesAfterDays: 10}},
		{"closes_after_days", roundtable.NewSeries{SynthesisAfterDays: 10, ClosesAfterDays: 10}},
		{"interval_days", roundtable.NewSeries{SynthesisAfterDays: 1, ClosesAfterDays: 2, IntervalDays: -1}},
		{"cohosts", roundtable.NewSeries{SynthesisAfterDays: 1, ClosesAfterDays: 2, Cohosts: []string{"example.org"}}},
		{"first_due", roundtable.NewSeries{SynthesisAfterDays: 1, ClosesAfterDays: 2, FirstDue: &time.Time{}}},
	} {
		bad.ns.Slug, bad.ns.Title = "series", "A series"
		var ve *roundtable.ValidationError
		if _, err := s.CreateSeries(ctx, bad.ns); !errors.As(err, &ve) || ve.Field != bad.field {
			t.Errorf("%+v: %v, want a validation error on %s", bad.ns, err, bad.field)
		}
	}
	if _, err := s.Series(ctx, "series"); !errors.Is(err, roundtable.ErrNotFound) {
		t.Fatalf("a refused series is stored: %v", err)
	}
	if _, err := s.OpenEdition(ctx, "series"); !errors.Is(err, roundtable.ErrNotFound) {
		t.Fatalf("opening an unknown series: %v", err)
	}
}

// TestSeriesTakesNoContributions: a post that mentions a series is no
// thread of it (its editions take contributions).
func TestSeriesTakesNoContributions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storeForTest(t, nil)
	bob := memberForTest(t, s, "bob")
	if _, err := s.CreateSeries(ctx, roundtable.NewSeries{Slug: "futures", Title: "Futures",
		SynthesisAfterDays: 1, ClosesAfterDays: 2}); err != nil {
		t.Fatal(err)
	}
	st := mustPost(t, s, bob, roundtable.NewStatus{Text: "@futures when is the next edition?"})
	if st.GroupID != nil {
		t.Fatalf("a post mentioning the series went to group %s", *st.GroupID)
	}
}
